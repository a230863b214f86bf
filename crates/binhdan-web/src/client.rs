//! Who is on the other end: the client's address (for throttling sign-ins per address) and
//! the mark a browser gets when its user signs in (so that a stranger's failures cannot lock
//! the owner of an account out from a browser they have used before).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use binhdan_core::Timestamp;

use crate::AppState;
use crate::problem::Problem;

/// The client's address: the connection's peer, or, when the peer is one of the configured
/// trusted proxies (`[http] trusted_proxies`), the nearest address in `X-Forwarded-For` that is
/// not one of them. `None` when the server was not started with connection information, as
/// in-process tests are not.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip());
        Ok(Self(peer.map(|p| {
            client_behind(p, &parts.headers, &state.config.trusted_proxies)
        })))
    }
}

/// The client of a request that reached us from `peer`: past the trusted proxies, the
/// right-most forwarded address that is not one of them.
fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
}

impl ClientAddr {
    /// The throttle's key for the address: an IPv4 address whole, an IPv6 one by its /64 (one
    /// subscriber's network).
    #[must_use]
    pub fn throttle_key(&self) -> Option<String> {
        self.0.map(|ip| match ip {
            IpAddr::V4(v4) => format!("addr:{v4}"),
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    format!("addr:{v4}")
                } else {
                    let s = v6.segments();
                    format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            }
        })
    }
}

/// The vault context of a browser's mark.
const DEVICE_CONTEXT: &str = "staff-device";

/// How long a browser stays known after a sign-in.
pub const DEVICE_DAYS: u64 = 180;

/// The name of the cookie holding the mark.
pub const DEVICE_COOKIE: &str = "binhdan_thiet_bi";

/// A sealed mark saying "this browser signed in to account `id` at `now`" (opaque to the
/// browser, unforgeable without the vault's key).
#[must_use]
pub fn device_mark(vault: &binhdan_vault::Vault, id: i64, now: Timestamp) -> Option<String> {
    let mut plain = id.to_be_bytes().to_vec();
    plain.extend_from_slice(&now.millis().to_be_bytes());
    vault
        .seal_secret(&plain, DEVICE_CONTEXT, &mut rand::rng())
        .ok()
        .map(|s| URL_SAFE_NO_PAD.encode(s.as_bytes()))
}

/// The account whose mark this browser carries, if it is genuine and recent.
#[must_use]
pub fn device_account(
    headers: &HeaderMap,
    cookie_name: &str,
    vault: &binhdan_vault::Vault,
    now: Timestamp,
) -> Option<i64> {
    let value = crate::prefs::cookie_value(headers, cookie_name)?;
    let sealed = URL_SAFE_NO_PAD.decode(value).ok()?;
    let plain = vault.open_secret(&sealed, DEVICE_CONTEXT).ok()?;
    let bytes = plain.expose();
    let id = i64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
    let at = i64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?);
    let max_age = i64::try_from(DEVICE_DAYS * 86_400_000).unwrap_or(i64::MAX);
    (now.millis().saturating_sub(at) <= max_age).then_some(id)
}

//! Session and CSRF tokens, session expiry and the session cookie.
//!
//! A [`SessionToken`] is 32 random bytes in unpadded base64url (43 characters), carried in a
//! cookie. The server stores only its SHA-256 ([`SessionToken::storage_key`]): a copy of the
//! sessions table (a backup, a leak) gives no live session, and a look-up by hash of a
//! 256-bit random value needs no constant-time comparison.
//!
//! The CSRF token of a form is derived from the session token (HMAC-SHA-256 keyed with it), so
//! it needs no storage, differs from the session token (which stays in an `HttpOnly` cookie)
//! and dies with the session.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use binhdan_core::{Secret, Timestamp};
use hmac::{Hmac, KeyInit, Mac};
use rand::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

const TOKEN_BYTES: usize = 32;
/// Length of the base64url form of a token.
pub const TOKEN_CHARS: usize = 43;

/// A session token. `Debug` redacts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionToken(Secret<String>);

impl SessionToken {
    /// A fresh random token.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(Secret::new(random_token(rng)))
    }

    /// Reads a token from a cookie value; `None` unless it has the exact shape of a token (so
    /// junk never reaches the database).
    #[must_use]
    pub fn from_cookie(value: &str) -> Option<Self> {
        (value.len() == TOKEN_CHARS
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && URL_SAFE_NO_PAD.decode(value).is_ok())
        .then(|| Self(Secret::new(value.to_owned())))
    }

    /// The value to put in the cookie.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The key under which the server stores the session: lowercase hex SHA-256 of the token.
    #[must_use]
    pub fn storage_key(&self) -> String {
        hex::encode(Sha256::digest(self.0.expose().as_bytes()))
    }

    /// The CSRF token for forms of this session (base64url, 43 characters).
    #[must_use]
    pub fn csrf_token(&self) -> Secret<String> {
        Secret::new(URL_SAFE_NO_PAD.encode(self.csrf_bytes()))
    }

    /// Whether a CSRF token sent with a form belongs to this session (constant-time).
    #[must_use]
    pub fn verify_csrf(&self, presented: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(presented) else {
            return false;
        };
        let expected = self.csrf_bytes();
        bytes.len() == expected.len() && bool::from(bytes.ct_eq(expected.as_slice()))
    }

    fn csrf_bytes(&self) -> Zeroizing<Vec<u8>> {
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose().as_bytes())
        else {
            // HMAC takes keys of any length: unreachable.
            return Zeroizing::new(Vec::new());
        };
        mac.update(b"binhdan-csrf-v1");
        Zeroizing::new(mac.finalize().into_bytes().to_vec())
    }
}

/// A random opaque token: 32 bytes, unpadded base64url. Also used for OIDC `state` and `nonce`.
pub(crate) fn random_token<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
    rng.fill_bytes(bytes.as_mut());
    URL_SAFE_NO_PAD.encode(bytes.as_ref())
}

/// When sessions end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends a session left unused this long.
    pub idle_timeout: Duration,
    /// Ends a session this long after sign-in, however active.
    pub absolute_timeout: Duration,
}

impl SessionPolicy {
    /// Staff, who can see personal data: 30 minutes idle, 12 hours at most (one working day).
    pub const STAFF: Self = Self {
        idle_timeout: Duration::from_mins(30),
        absolute_timeout: Duration::from_hours(12),
    };
    /// Citizens learning on their phone: 2 hours idle, 7 days at most.
    pub const CITIZEN: Self = Self {
        idle_timeout: Duration::from_hours(2),
        absolute_timeout: Duration::from_hours(7 * 24),
    };

    /// The instant the session ends if not used again: the earlier of the two limits.
    #[must_use]
    pub fn expires_at(&self, created: Timestamp, last_seen: Timestamp) -> Timestamp {
        let idle_end = last_seen.millis().saturating_add(millis(self.idle_timeout));
        let absolute_end = created
            .millis()
            .saturating_add(millis(self.absolute_timeout));
        Timestamp(idle_end.min(absolute_end))
    }

    /// Whether the session has ended at `now`.
    #[must_use]
    pub fn is_expired(&self, created: Timestamp, last_seen: Timestamp, now: Timestamp) -> bool {
        now >= self.expires_at(created, last_seen)
    }

    /// Seconds until the absolute end, for the cookie's `Max-Age` (the idle limit is enforced
    /// by the server; a cookie that outlives it is harmless). Zero once past.
    #[must_use]
    pub fn max_age_seconds(&self, created: Timestamp, now: Timestamp) -> u64 {
        let end = created
            .millis()
            .saturating_add(millis(self.absolute_timeout));
        u64::try_from(end.saturating_sub(now.millis()) / 1000).unwrap_or(0)
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// How the session cookie is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieOptions {
    /// The base name, e.g. `binhdan_session`.
    pub name: String,
    /// Whether the site is served over TLS. When it is, the cookie gets `Secure` and the
    /// `__Host-` prefix (which browsers honour only with `Secure`, `Path=/` and no `Domain`:
    /// no subdomain can set or shadow it). Plain HTTP is for local development only.
    pub secure: bool,
}

impl CookieOptions {
    #[must_use]
    pub fn new(name: &str, secure: bool) -> Self {
        Self {
            name: name.to_owned(),
            secure,
        }
    }

    /// The cookie's full name, to look up in the `Cookie` header.
    #[must_use]
    pub fn cookie_name(&self) -> String {
        if self.secure {
            format!("__Host-{}", self.name)
        } else {
            self.name.clone()
        }
    }

    /// The `Set-Cookie` header value carrying the token (it contains the token, hence the
    /// wrapper): `__Host-binhdan_session=…; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax`.
    #[must_use]
    pub fn set_cookie(&self, token: &SessionToken, max_age_seconds: u64) -> Secret<String> {
        Secret::new(self.header(token.expose(), max_age_seconds))
    }

    /// The `Set-Cookie` header value carrying another value (a browser's sealed mark).
    #[must_use]
    pub fn set_value(&self, value: &str, max_age_seconds: u64) -> Secret<String> {
        Secret::new(self.header(value, max_age_seconds))
    }

    /// The `Set-Cookie` header value that deletes the cookie (sign-out).
    #[must_use]
    pub fn clear_cookie(&self) -> String {
        self.header("", 0)
    }

    fn header(&self, value: &str, max_age_seconds: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly{secure}; SameSite=Lax",
            self.cookie_name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const MIN: i64 = 60_000;

    #[test]
    fn tokens() {
        let mut rng = StdRng::seed_from_u64(1);
        let t = SessionToken::generate(&mut rng);
        assert_eq!(t.expose().len(), TOKEN_CHARS);
        assert_ne!(t, SessionToken::generate(&mut rng));
        assert_eq!(SessionToken::from_cookie(t.expose()), Some(t.clone()));
        for junk in [
            "",
            "abc",
            &"a".repeat(44),
            &format!("{}=", &t.expose()[..42]),
            &"é".repeat(21),
        ] {
            assert_eq!(SessionToken::from_cookie(junk), None, "{junk}");
        }
        let key = t.storage_key();
        assert_eq!(key.len(), 64);
        assert!(!key.contains(t.expose()));
        assert_eq!(
            key,
            SessionToken::from_cookie(t.expose()).unwrap().storage_key()
        );
        assert!(!format!("{t:?}").contains(t.expose()));
    }

    #[test]
    fn storage_key_is_lowercase_hex_sha256() {
        // Stored keys must not change: SHA-256 of the token as it travels, lower-case hex.
        let t = SessionToken::from_cookie(&"A".repeat(TOKEN_CHARS)).unwrap();
        assert_eq!(
            t.storage_key(),
            "0f007385b6f9d4b7eeb2748605afe1a984a0a3bfa3f014d09e2a784ce9e5cd1a"
        );
    }

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let mut rng = StdRng::seed_from_u64(2);
        let a = SessionToken::generate(&mut rng);
        let b = SessionToken::generate(&mut rng);
        let csrf = a.csrf_token();
        assert_ne!(csrf.expose(), a.expose());
        assert!(a.verify_csrf(csrf.expose()));
        assert!(!b.verify_csrf(csrf.expose()));
        assert!(!a.verify_csrf(""));
        assert!(!a.verify_csrf("not base64 at all!"));
        assert!(!a.verify_csrf(&csrf.expose()[..40]));
    }

    #[test]
    fn expiry() {
        let p = SessionPolicy::STAFF;
        let created = Timestamp(1_000 * MIN);
        // Active every 20 minutes: alive until the 12-hour limit.
        let mut last_seen = created;
        let mut now = created;
        while now.0 < created.0 + 12 * 60 * MIN {
            assert!(!p.is_expired(created, last_seen, now), "at {now:?}");
            last_seen = now;
            now = Timestamp(now.0 + 20 * MIN);
        }
        assert!(p.is_expired(created, last_seen, Timestamp(created.0 + 12 * 60 * MIN)));
        // Idle for 30 minutes: ended; 29 minutes: alive.
        assert!(!p.is_expired(created, created, Timestamp(created.0 + 29 * MIN)));
        assert!(p.is_expired(created, created, Timestamp(created.0 + 30 * MIN)));
        assert_eq!(p.max_age_seconds(created, created), 12 * 3600);
        assert_eq!(
            p.max_age_seconds(created, Timestamp(created.0 + 13 * 60 * MIN)),
            0
        );
        // Absurd values saturate instead of overflowing.
        assert!(!p.is_expired(
            Timestamp(i64::MAX),
            Timestamp(i64::MAX),
            Timestamp(i64::MAX - 1)
        ));
    }

    #[test]
    fn cookies() {
        let t = SessionToken::generate(&mut StdRng::seed_from_u64(3));
        let secure = CookieOptions::new("binhdan_session", true);
        assert_eq!(secure.cookie_name(), "__Host-binhdan_session");
        assert_eq!(
            secure.set_cookie(&t, 43_200).expose().as_str(),
            format!(
                "__Host-binhdan_session={}; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax",
                t.expose()
            )
        );
        assert_eq!(
            secure.clear_cookie(),
            "__Host-binhdan_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"
        );
        let dev = CookieOptions::new("binhdan_session", false);
        assert_eq!(
            dev.set_cookie(&t, 60).expose().as_str(),
            format!(
                "binhdan_session={}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax",
                t.expose()
            )
        );
        assert!(!format!("{:?}", secure.set_cookie(&t, 1)).contains(t.expose()));
    }
}

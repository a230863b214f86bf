//! Who is signed in: server-side sessions in a cookie (Secure and `__Host-` behind TLS,
//! `HttpOnly`, `SameSite=Lax`), looked up by the hash of their token, expiring after idle time and
//! an absolute lifetime; and the CSRF token every state-changing form carries.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::cache::TtlCache;
use binhdan_auth::access::{Grant, Permission, Target, allows};
use binhdan_auth::session::{CookieOptions, SessionPolicy, SessionToken};
use binhdan_auth::throttle::Throttle;
use binhdan_core::people::Date;
use binhdan_core::{Msg, Secret, Timestamp};
use binhdan_store::{SessionOwner, SessionRecord};

use crate::AppState;
use crate::problem::Problem;

/// What sign-in needs, shared by every request.
pub struct AuthState {
    pub vault: Option<Arc<binhdan_vault::Vault>>,
    pub oidc: Option<binhdan_oidc::OidcClient>,
    pub cookie: CookieOptions,
    /// Failed sign-ins per account and per address (in memory: a restart forgets them).
    pub throttles: Mutex<HashMap<String, Throttle>>,
    pub evaluation_date: Date,
    /// Sessions seen in the last few seconds: a learner answering a quiz or a host checking
    /// people in makes many requests a minute, and each would otherwise start with database
    /// reads.
    pub sessions: SessionCache,
}

/// Who a cached session belongs to.
#[derive(Clone, Debug)]
enum Cached {
    Citizen(i64),
    Staff {
        id: i64,
        username: String,
        display_name: String,
        grants: Vec<Grant>,
    },
}

/// Recently read sessions: storage key → owner and session expiry, aged on the server's
/// `Clock` ([`TtlCache`]). An entry is trusted for [`SessionCache::TTL`]; signing out, a
/// password change or disabling an account removes it at once. Only a server on SQLite keeps
/// one: it is the only server, so nothing is ended elsewhere; stateless servers on PostgreSQL
/// read the session on every request, so that an ended session stops at once on all of them.
pub struct SessionCache {
    entries: TtlCache<String, (Cached, Timestamp)>,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self {
            entries: TtlCache::new(Self::TTL, Self::MAX),
        }
    }
}

impl SessionCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    const MAX: usize = 200_000;

    fn get(&self, key: &str, now: Timestamp) -> Option<Cached> {
        let (owner, expires_at) = self.entries.get(&key.to_owned(), now)?;
        (now < expires_at).then_some(owner)
    }

    fn put(&self, key: String, owner: Cached, expires_at: Timestamp, now: Timestamp) {
        self.entries.insert(key, (owner, expires_at), now);
    }

    fn forget(&self, key: &str) {
        self.entries.remove(&key.to_owned());
    }

    /// Forgets every session of a staff account (disabled: it must stop at once here).
    pub fn forget_staff(&self, staff: i64) {
        self.entries
            .retain(|_, (owner, _)| !matches!(owner, Cached::Staff { id, .. } if *id == staff));
    }
}

impl AuthState {
    #[must_use]
    pub fn new(secure: bool) -> Self {
        Self {
            vault: None,
            oidc: None,
            cookie: CookieOptions::new("binhdan", secure),
            throttles: Mutex::new(HashMap::new()),
            evaluation_date: binhdan_core::people::DEFAULT_EVALUATION_DATE,
            sessions: SessionCache::default(),
        }
    }
}

/// Forgets the throttles' old streaks, each by its own policy, so the map does not grow
/// without bound; past a hard ceiling (a flood of distinct addresses and names) it starts
/// afresh rather than grow.
pub(crate) fn prune_throttles(map: &mut HashMap<String, Throttle>, now: binhdan_core::Timestamp) {
    use binhdan_auth::throttle::ThrottlePolicy;
    const SOFT: usize = 10_000;
    const HARD: usize = 200_000;
    if map.len() <= SOFT {
        return;
    }
    map.retain(|key, t| {
        let policy = if key.starts_with("addr:") {
            ThrottlePolicy::ADDRESS
        } else if key.starts_with("vneid-") {
            ThrottlePolicy::SIGN_IN_STARTS
        } else {
            ThrottlePolicy::ACCOUNT
        };
        !t.is_forgotten(&policy, now)
    });
    if map.len() > HARD {
        tracing::warn!(
            entries = map.len(),
            "too many sign-in throttles: starting afresh"
        );
        map.clear();
    }
}

/// A signed-in staff member.
#[derive(Clone, Debug)]
pub struct StaffCaller {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
    pub token: SessionToken,
}

impl StaffCaller {
    /// The audit log's name for them.
    #[must_use]
    pub fn actor(&self) -> String {
        format!("staff:{}", self.id)
    }

    /// Whom the caller's grants holding `permission` reach: the people a write of theirs may
    /// change (see [`binhdan_store::Reach`]).
    #[must_use]
    pub fn reach(&self, permission: Permission) -> binhdan_store::Reach {
        let mut reach = binhdan_store::Reach {
            moves_home: true,
            ..binhdan_store::Reach::default()
        };
        for g in self.grants.iter().filter(|g| g.role.holds(permission)) {
            match &g.scope {
                binhdan_auth::access::Scope::Everywhere => reach.everyone = true,
                binhdan_auth::access::Scope::Unit { path } => reach.units.push(path.clone()),
                binhdan_auth::access::Scope::Organisation { id } => reach.organisations.push(*id),
            }
        }
        reach
    }

    #[must_use]
    pub fn may(&self, permission: Permission, target: &Target<'_>) -> bool {
        allows(&self.grants, permission, target)
    }

    /// Refuses unless some grant holds the permission somewhere (a first check before looking
    /// up what it would apply to).
    pub fn require_somewhere(&self, permission: Permission) -> Result<(), Problem> {
        if self.grants.iter().any(|g| g.role.holds(permission)) {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                Msg::new("error-forbidden"),
            ))
        }
    }

    /// Refuses unless some grant allows the permission on the target.
    pub fn require(&self, permission: Permission, target: &Target<'_>) -> Result<(), Problem> {
        if self.may(permission, target) {
            Ok(())
        } else {
            tracing::info!(
                staff = self.id,
                ?permission,
                "refused: outside the caller's scope"
            );
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                Msg::new("error-forbidden"),
            ))
        }
    }

    #[must_use]
    pub fn csrf(&self) -> Secret<String> {
        self.token.csrf_token()
    }

    /// Checks the CSRF token of a submitted form.
    pub fn check_csrf(&self, presented: &str) -> Result<(), Problem> {
        check_csrf(&self.token, presented)
    }
}

/// A signed-in citizen.
#[derive(Clone, Debug)]
pub struct CitizenCaller {
    pub person_id: i64,
    pub token: SessionToken,
}

impl CitizenCaller {
    pub fn check_csrf(&self, presented: &str) -> Result<(), Problem> {
        check_csrf(&self.token, presented)
    }
}

fn check_csrf(token: &SessionToken, presented: &str) -> Result<(), Problem> {
    if token.verify_csrf(presented) {
        Ok(())
    } else {
        tracing::warn!("refused a form with a missing or wrong CSRF token");
        Err(Problem::new(StatusCode::FORBIDDEN, Msg::new("error-csrf")))
    }
}

/// Whoever is calling.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    Staff(StaffCaller),
    Citizen(CitizenCaller),
}

/// The token in the request's cookie `name`, if it has one of the right shape. The one reader
/// of the session, VNeID-browser and registration cookies.
#[must_use]
pub fn token_cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<SessionToken> {
    crate::prefs::cookie_value(headers, name).and_then(SessionToken::from_cookie)
}

const fn policy(owner: SessionOwner) -> SessionPolicy {
    match owner {
        SessionOwner::Staff(_) => SessionPolicy::STAFF,
        SessionOwner::Citizen(_) => SessionPolicy::CITIZEN,
    }
}

/// Sessions are touched at most this often (ms), to spare the writer.
const TOUCH_EVERY: i64 = 60_000;

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        if let Some(c) = parts.extensions.get::<Self>() {
            return Ok(c.clone());
        }
        let caller = resolve(parts, state).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Caller, Problem> {
    let Some(token) = token_cookie(&parts.headers, &state.auth.cookie.cookie_name()) else {
        return Ok(Caller::Anonymous);
    };
    let key = token.storage_key();
    let now = state.clock.now();
    let cache = state.store.dialect() == binhdan_store::Dialect::Sqlite;
    match cache.then(|| state.auth.sessions.get(&key, now)).flatten() {
        Some(Cached::Citizen(person_id)) => {
            return Ok(Caller::Citizen(CitizenCaller { person_id, token }));
        }
        Some(Cached::Staff {
            id,
            username,
            display_name,
            grants,
        }) => {
            return Ok(Caller::Staff(StaffCaller {
                id,
                username,
                display_name,
                grants,
                token,
            }));
        }
        None => {}
    }
    let Some((session, account)) = state.store.session_with_staff(&key).await? else {
        return Ok(Caller::Anonymous);
    };
    let policy = policy(session.owner);
    if now >= session.expires_at || policy.is_expired(session.created_at, session.last_seen_at, now)
    {
        state.store.delete_session(&key).await?;
        return Ok(Caller::Anonymous);
    }
    if now.millis() - session.last_seen_at.millis() > TOUCH_EVERY {
        state
            .store
            .touch_session(&key, now, policy.expires_at(session.created_at, now))
            .await?;
    }
    Ok(match session.owner {
        SessionOwner::Staff(_) => match account {
            Some(a) if !a.disabled => {
                if cache {
                    state.auth.sessions.put(
                        key,
                        Cached::Staff {
                            id: a.id,
                            username: a.username.clone(),
                            display_name: a.display_name.clone(),
                            grants: a.grants.clone(),
                        },
                        session.expires_at,
                        now,
                    );
                }
                Caller::Staff(StaffCaller {
                    id: a.id,
                    username: a.username,
                    display_name: a.display_name,
                    grants: a.grants,
                    token,
                })
            }
            _ => Caller::Anonymous,
        },
        SessionOwner::Citizen(person_id) => {
            if cache {
                state
                    .auth
                    .sessions
                    .put(key, Cached::Citizen(person_id), session.expires_at, now);
            }
            Caller::Citizen(CitizenCaller { person_id, token })
        }
    })
}

/// Starts a session: stores it and returns the `Set-Cookie` value.
pub async fn start(state: &AppState, owner: SessionOwner) -> Result<Secret<String>, Problem> {
    let token = SessionToken::generate(&mut rand::rng());
    let now = state.clock.now();
    let policy = policy(owner);
    state
        .store
        .create_session(&SessionRecord {
            key: token.storage_key(),
            owner,
            created_at: now,
            last_seen_at: now,
            expires_at: policy.expires_at(now, now),
        })
        .await?;
    Ok(state
        .auth
        .cookie
        .set_cookie(&token, policy.max_age_seconds(now, now)))
}

/// Ends the caller's session; returns the `Set-Cookie` value that clears the cookie.
pub async fn end(state: &AppState, token: &SessionToken) -> Result<String, Problem> {
    let key = token.storage_key();
    state.auth.sessions.forget(&key);
    state.store.delete_session(&key).await?;
    Ok(state.auth.cookie.clear_cookie())
}

/// A staff member, or a refusal: pages send the browser to the sign-in page; other requests get
/// 401.
pub struct Staff(pub StaffCaller);

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Caller::from_request_parts(parts, state).await {
            Ok(Caller::Staff(s)) => Ok(Self(s)),
            Ok(_) => Err(sign_in_first(parts, "/dang-nhap/can-bo")),
            Err(p) => Err(p.into_response()),
        }
    }
}

/// A signed-in citizen, or a refusal like [`Staff`]'s.
pub struct Citizen(pub CitizenCaller);

impl FromRequestParts<AppState> for Citizen {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Caller::from_request_parts(parts, state).await {
            Ok(Caller::Citizen(c)) => Ok(Self(c)),
            Ok(_) => Err(sign_in_first(parts, "/dang-nhap")),
            Err(p) => Err(p.into_response()),
        }
    }
}

fn sign_in_first(parts: &Parts, page: &str) -> Response {
    if parts.method == Method::GET && !parts.uri.path().starts_with("/api/") {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", axum::http::uri::PathAndQuery::as_str);
        let to = format!("{page}?tiep={}", percent_encode(next));
        Redirect::to(&to).into_response()
    } else {
        Problem::new(StatusCode::UNAUTHORIZED, Msg::new("error-sign-in-required")).into_response()
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
#[must_use]
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A local path to go back to after sign-in, or `/quan-ly`: never another site.
#[must_use]
pub fn safe_next(next: Option<&str>, default: &str) -> String {
    match next {
        // A path of this site: visible ASCII only (browsers drop tabs and line breaks, so
        // `/\t/evil.example` would become `//evil.example`), not `//` nor a backslash.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_owned()
        }
        _ => default.to_owned(),
    }
}

/// Now, for handlers that only need the time.
#[must_use]
pub fn now(state: &AppState) -> Timestamp {
    state.clock.now()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::{Cached, SessionCache, safe_next};
    use binhdan_core::Timestamp;

    /// The cache ages on the clock it is given: moving it past the TTL (or the session's own
    /// expiry) and nothing else makes an entry go.
    #[test]
    fn a_cached_session_expires_when_the_clock_moves_past_the_ttl() {
        let cache = SessionCache::default();
        let t0 = Timestamp(1_764_000_000_000);
        let ttl = i64::try_from(SessionCache::TTL.as_millis()).unwrap();
        let at = |ms: i64| Timestamp(t0.millis() + ms);
        cache.put("k".into(), Cached::Citizen(7), at(60_000), t0);
        assert!(matches!(
            cache.get("k", at(ttl - 1)),
            Some(Cached::Citizen(7))
        ));
        assert!(cache.get("k", at(ttl)).is_none());
        // Within the TTL, but past the session's own expiry.
        cache.put("k".into(), Cached::Citizen(7), at(10), t0);
        assert!(cache.get("k", at(9)).is_some());
        assert!(cache.get("k", at(10)).is_none());
        // Forgotten at once.
        cache.put("s".into(), Cached::Citizen(8), at(60_000), t0);
        cache.forget("s");
        assert!(cache.get("s", t0).is_none());
    }

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        for good in ["/toi", "/su-kien/diem/abc_-9", "/bai/x?y=1&z=%2F"] {
            assert_eq!(safe_next(Some(good), "/d"), good);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /x",
            "https://evil.example",
            "evil",
            "",
            "/bài",
        ] {
            assert_eq!(safe_next(Some(bad), "/d"), "/d", "{bad:?}");
        }
        assert_eq!(safe_next(None, "/d"), "/d");
    }
}

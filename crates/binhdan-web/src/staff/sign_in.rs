//! Signing staff in (password, optional TOTP, throttled per account and per address) and
//! anyone out.

#[allow(clippy::wildcard_imports, reason = "the staff pages' shared imports")]
use super::*;

/// A PHC string no password matches, verified when the account does not exist so that a
/// wrong username costs the same time as a wrong password.
pub(super) const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$VnXpN7uJ0m6yF1W3v7g2o2M2p6w2vZ9m0m1y0m3u7Qk";

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    l: Layout,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login_citizen.html")]
struct CitizenLoginPage {
    l: Layout,
    /// Where to go once signed in (a page of this site), as a `?tiep=` query or "".
    next_query: String,
    vneid: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    tiep: Option<String>,
}

/// The citizens' sign-in page: the VNeID button, and the way to the staff page.
#[utoipa::path(get, path = "/dang-nhap", tag = "pages", responses((status = 200, description = "Citizens' sign-in page: VNeID (HTML)", content_type = "text/html")))]
pub async fn login_citizen(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = q
        .tiep
        .as_deref()
        .map(|n| safe_next(Some(n), "/toi"))
        .filter(|n| n != "/toi");
    CitizenLoginPage {
        l: Layout::new(lang, lang.text("login-title")),
        next_query: next.map_or_else(String::new, |n| {
            format!("?tiep={}", crate::session::percent_encode(&n))
        }),
        vneid: state.auth.oidc.is_some(),
    }
    .into_response()
}

/// The staff sign-in page: username, password and the authenticator's code.
#[utoipa::path(get, path = "/dang-nhap/can-bo", tag = "pages", responses((status = 200, description = "Staff sign-in form (HTML)", content_type = "text/html")))]
pub async fn login_form(ReqLang(lang): ReqLang, Query(q): Query<NextQuery>) -> Response {
    LoginPage {
        l: Layout::new(lang, lang.text("login-staff")),
        next: safe_next(q.tiep.as_deref(), "/quan-ly"),
        username: String::new(),
        error: None,
    }
    .into_response()
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    totp: String,
    #[serde(default)]
    tiep: Option<String>,
}

/// The key of an account's sign-in counter: one for strangers' browsers, one for browsers
/// that signed in to it before.
pub(super) fn throttle_key(username: &str, known_browser: bool) -> String {
    // A username is at most 64 characters: a longer one names no account, and the key stays
    // small whatever a form carries.
    let name: String = binhdan_core::text::clean(username)
        .to_lowercase()
        .chars()
        .take(65)
        .collect();
    format!(
        "{}:{name}",
        if known_browser { "browser" } else { "account" }
    )
}

/// Signs a staff member in.
#[utoipa::path(post, path = "/dang-nhap", tag = "pages", responses((status = 303, description = "Signed in: to the staff home"), (status = 401, description = "Wrong username, password or code"), (status = 429, description = "Too many failures")))]
pub async fn login_submit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    client: ClientAddr,
    headers: HeaderMap,
    crate::problem::Form(form): crate::problem::Form<LoginForm>,
) -> Result<Response, Problem> {
    use binhdan_auth::throttle::{Decision, ThrottlePolicy};
    let now = state.clock.now();
    let policy = ThrottlePolicy::ACCOUNT;
    let address = client.throttle_key();
    let page = |status: StatusCode, msg: Msg| {
        let mut r = LoginPage {
            l: Layout::new(lang, lang.text("login-staff")),
            next: safe_next(form.tiep.as_deref(), "/quan-ly"),
            username: form.username.clone(),
            error: Some(lang.tr(&msg)),
        }
        .into_response();
        *r.status_mut() = status;
        r
    };
    let check = |key: &str, policy: &ThrottlePolicy| {
        state
            .auth
            .throttles
            .lock()
            .ok()
            .and_then(|t| t.get(key).map(|t| t.check(policy, now)))
            .unwrap_or(Decision::Allowed)
    };
    let account = state.store.staff_by_username(&form.username).await?;
    // A browser that signed in to this account before has a counter of its own, so that a
    // stranger's failures cannot lock the owner out of a browser they have used, nor can the
    // failures of others behind the same address (an office, a carrier's NAT).
    let known_browser = account.as_ref().is_some_and(|a| {
        state.auth.vault.as_ref().is_some_and(|v| {
            crate::client::device_account(&headers, &device_cookie(&state).cookie_name(), v, now)
                == Some(a.id)
        })
    });
    // One address may not try many accounts (password spraying).
    let address = address.filter(|_| !known_browser);
    let by_address = address
        .as_deref()
        .map_or(Decision::Allowed, |a| check(a, &ThrottlePolicy::ADDRESS));
    // A refused attempt is audited once per wait (`Throttle::note_refusal`): the first
    // refusal after a failure, not the flood that may follow it.
    let first_refusal = |key: &str| {
        state
            .auth
            .throttles
            .lock()
            .ok()
            .and_then(|mut t| {
                t.get_mut(key)
                    .map(binhdan_auth::throttle::Throttle::note_refusal)
            })
            .unwrap_or(false)
    };
    if let Decision::RetryAfter(seconds) = by_address {
        tracing::warn!("refused a sign-in: too many failures from the address");
        if address.as_deref().is_some_and(first_refusal) {
            audit_failure(&state, account.as_ref(), Failure::Throttled, now).await?;
        }
        return Ok(too_many(page, seconds));
    }
    let key = throttle_key(&form.username, known_browser);
    if let Decision::RetryAfter(seconds) = check(&key, &policy) {
        tracing::warn!("refused a sign-in: too many failures for the account");
        if first_refusal(&key) {
            audit_failure(&state, account.as_ref(), Failure::Throttled, now).await?;
        }
        return Ok(too_many(page, seconds));
    }
    let phc = account.as_ref().map_or_else(
        || DUMMY_PHC.to_owned(),
        |a| a.password_hash.expose().clone(),
    );
    let password = binhdan_core::Secret::new(form.password.clone());
    let password_ok = tokio::task::spawn_blocking(move || {
        binhdan_auth::password::verify_password(&password, &phc)
    })
    .await
    .map_err(|e| Problem::internal(&e))?;
    // Kept for the audit record of a failure: the account, if the username names one.
    let named = account.clone();
    let account = account.filter(|a| password_ok && !a.disabled);
    let totp_ok = match account.as_ref() {
        None => true,
        Some(a) => match a.totp_secret.as_ref() {
            None => true,
            Some(secret) => {
                let step =
                    binhdan_app::staff::open_totp(state.auth.vault.as_deref(), secret.expose())
                        .and_then(|s| s.verify(&form.totp, now, None).ok());
                // Each code signs in once: a replayed one is refused like a wrong one.
                match step {
                    Some(step) => state.store.claim_totp_step(a.id, step).await?,
                    None => false,
                }
            }
        },
    };
    let Some(account) = account.filter(|_| totp_ok) else {
        if let Ok(mut t) = state.auth.throttles.lock() {
            t.entry(key).or_default().record_failure(&policy, now);
            if let Some(a) = address {
                t.entry(a)
                    .or_default()
                    .record_failure(&ThrottlePolicy::ADDRESS, now);
            }
            crate::session::prune_throttles(&mut t, now);
        }
        tracing::warn!("refused a sign-in: wrong username, password or code");
        let why = match named.as_ref() {
            None => Failure::UnknownAccount,
            Some(_) if !password_ok => Failure::Password,
            Some(a) if a.disabled => Failure::Disabled,
            Some(_) => Failure::Code,
        };
        audit_failure(&state, named.as_ref(), why, now).await?;
        let msg = if password_ok && !totp_ok {
            Msg::new("login-totp-wrong")
        } else {
            Msg::new("login-failed")
        };
        return Ok(page(StatusCode::UNAUTHORIZED, msg));
    };
    // A TOTP secret stored in clear (before secrets were sealed) is sealed now that it was
    // used; the sign-in goes on whatever comes of it.
    if let Some(secret) = account.totp_secret.as_ref()
        && let Err(e) = binhdan_app::staff::reseal_legacy_totp(
            state.store.as_ref(),
            state.auth.vault.as_deref(),
            account.id,
            secret.expose(),
        )
        .await
    {
        tracing::warn!(error = %e, account = account.id, "could not seal a TOTP secret stored in clear");
    }
    // The account's counters start again; the address's never do (an attacker would sign in
    // to an account of their own between guesses).
    if let Ok(mut t) = state.auth.throttles.lock() {
        t.remove(&throttle_key(&form.username, false));
        t.remove(&throttle_key(&form.username, true));
    }
    state.store.record_login(account.id, None, now).await?;
    let cookie = crate::session::start(&state, SessionOwner::Staff(account.id)).await?;
    tracing::info!(staff = account.id, "staff signed in");
    let mut r = Redirect::to(&safe_next(form.tiep.as_deref(), "/quan-ly")).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(cookie.expose()).map_err(|e| Problem::internal(&e))?,
    );
    // Mark the browser as one this account signs in from.
    if let Some(mark) = state
        .auth
        .vault
        .as_ref()
        .and_then(|v| crate::client::device_mark(v, account.id, now))
    {
        let device = device_cookie(&state).set_value(&mark, crate::client::DEVICE_DAYS * 86_400);
        if let Ok(v) = HeaderValue::from_str(device.expose()) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(r)
}

/// Why a staff sign-in failed, as the audit log records it (`reason` in the record's detail).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Failure {
    /// The username names no account.
    UnknownAccount,
    Password,
    /// The password was right, the authenticator's code was not (or was used before).
    Code,
    /// The password was right, the account is disabled.
    Disabled,
    /// Refused before any check: too many failures for the account or from the address.
    Throttled,
}

impl Failure {
    pub(super) const ALL: [Self; 5] = [
        Self::UnknownAccount,
        Self::Password,
        Self::Code,
        Self::Disabled,
        Self::Throttled,
    ];

    /// The `reason` stored in the record.
    pub(super) fn code(self) -> &'static str {
        match self {
            Self::UnknownAccount => "unknown_account",
            Self::Password => "password",
            Self::Code => "code",
            Self::Disabled => "disabled",
            Self::Throttled => "throttled",
        }
    }

    /// The words for it.
    pub(super) fn msg_key(self) -> &'static str {
        match self {
            Self::UnknownAccount => "audit-sign-in-unknown-account",
            Self::Password => "audit-sign-in-password",
            Self::Code => "audit-sign-in-code",
            Self::Disabled => "audit-sign-in-disabled",
            Self::Throttled => "audit-sign-in-throttled",
        }
    }
}

/// The action of a failed staff sign-in.
pub(super) const SIGN_IN_FAILED: &str = "staff.sign_in_failed";
/// Its actor: nobody is signed in yet.
pub(super) const ANONYMOUS: &str = "anonymous";

/// Appends the audit record of a failed staff sign-in. It names the account only when the
/// username is one (its id as the subject, so readers over the account's units see it, and
/// its stored username), never the text typed: a password or a CCCD typed into the username
/// field is not kept; the password and code never are.
///
/// How much this can add: one record per password check the throttles admit (per account,
/// about ten in the first quarter hour and then four an hour; per address, thirty and then
/// one per wait, doubling to a quarter hour), plus one per wait imposed (`note_refusal`);
/// attempts refused while waiting add nothing, and each admitted check costs an Argon2
/// verification, so the log grows no faster than the throttles and the CPU let guesses be
/// made.
async fn audit_failure(
    state: &AppState,
    account: Option<&binhdan_store::StaffAccount>,
    why: Failure,
    now: binhdan_core::Timestamp,
) -> Result<(), Problem> {
    let mut detail = Detail::new().str("reason", why.code());
    let mut entry = AuditEntry::new(ANONYMOUS, SIGN_IN_FAILED);
    if let Some(a) = account {
        detail = detail.str("account", a.username.clone());
        entry = entry.subject(format!("staff:{}", a.id));
    }
    state.store.append_audit(entry.detail(&detail), now).await?;
    Ok(())
}

/// The cookie marking a browser that signed in before.
pub(super) fn device_cookie(state: &AppState) -> binhdan_auth::session::CookieOptions {
    binhdan_auth::session::CookieOptions::new(
        crate::client::DEVICE_COOKIE,
        state.auth.cookie.secure,
    )
}

/// 429 with `Retry-After`.
pub(super) fn too_many(page: impl Fn(StatusCode, Msg) -> Response, seconds: u64) -> Response {
    let msg = binhdan_auth::throttle::Decision::RetryAfter(seconds)
        .msg()
        .unwrap_or_else(|| Msg::new("error-busy"));
    let mut r = page(StatusCode::TOO_MANY_REQUESTS, msg);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    r
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
    /// Set by the page's script when work another account queued on this phone (a village
    /// team member's, on a shared phone) is still waiting: the script has removed the
    /// learner's own data itself, so the phone's storage is not wiped.
    #[serde(default)]
    keep_others: Option<String>,
}

/// Signs out (staff or citizen).
#[utoipa::path(post, path = "/dang-xuat", tag = "pages", responses((status = 303, description = "Signed out: to the home page"), (status = 403, description = "Missing or wrong CSRF token")))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    crate::problem::Form(form): crate::problem::Form<SignOutForm>,
) -> Result<Response, Problem> {
    let token = match &caller {
        Caller::Staff(s) => {
            s.check_csrf(&form.csrf)?;
            s.token.clone()
        }
        Caller::Citizen(c) => {
            c.check_csrf(&form.csrf)?;
            c.token.clone()
        }
        Caller::Anonymous => return Ok(Redirect::to("/").into_response()),
    };
    let clear = crate::session::end(&state, &token).await?;
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear).map_err(|e| Problem::internal(&e))?,
    );
    // A learner's saved lessons, answers waiting to be sent and their pages leave the phone
    // with them (offline learning: the page's script said what had not been sent). Not for
    // staff: an event host's queued check-ins must survive a sign-out. When a team member's
    // work waits on the same phone, the script has removed the learner's own and asks to
    // keep the rest: only the HTTP cache goes.
    if matches!(caller, Caller::Citizen(_)) {
        let clear = if form.keep_others.is_some() {
            "\"cache\""
        } else {
            "\"cache\", \"storage\""
        };
        r.headers_mut().insert(
            axum::http::HeaderName::from_static("clear-site-data"),
            HeaderValue::from_static(clear),
        );
    }
    Ok(r)
}

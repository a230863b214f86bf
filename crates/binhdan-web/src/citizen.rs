//! Citizens sign in with VNeID (`OpenID` Connect, authorization code with PKCE, state and nonce).
//! On the first sign-in the citizen is linked to their registry entry by CCCD, or registers and
//! picks their village; then they have their own page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use binhdan_auth::session::SessionToken;
use binhdan_core::audit::AuditEntry;
use binhdan_core::unit::{UnitCode, UnitLevel};
use binhdan_core::{Localized as _, Msg};
use binhdan_store::{PersonRecord, SessionOwner};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Problem, Query};
use crate::session::Citizen;

/// How long a sign-in or a registration may stay unfinished (ms).
const PENDING_MS: i64 = 15 * 60 * 1000;
const REG_COOKIE: &str = "binhdan_dangky";
/// Ties a sign-in to the browser that started it (against login CSRF, RFC 9700 §4.7).
const BROWSER_COOKIE: &str = "binhdan_vneid";

/// What is kept between the start of a sign-in and VNeID's answer.
#[derive(Serialize, Deserialize)]
struct PendingSignIn {
    login: binhdan_oidc::PendingLogin,
    /// The hash of the browser cookie set when the sign-in started.
    browser: String,
    /// Where to go once signed in (a page of this site; `/toi` when absent).
    #[serde(default)]
    next: Option<String>,
}

/// Where a sign-in started from (`?tiep=/su-kien/diem/…` after scanning a point's QR code).
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Next {
    /// A page of this site to return to.
    tiep: Option<String>,
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// Where a pending sign-in is kept: the hash of its state and of the browser's cookie.
fn pending_key(state: &str, browser_key: &str) -> String {
    sha256_hex(&format!("{state}\n{browser_key}"))
}

fn oidc_problem(e: &binhdan_oidc::OidcError) -> Problem {
    tracing::warn!(error = %e, "VNeID sign-in failed");
    let status = match e {
        binhdan_oidc::OidcError::Discovery { .. }
        | binhdan_oidc::OidcError::HttpClient(_)
        | binhdan_oidc::OidcError::TokenEndpoint(_) => StatusCode::BAD_GATEWAY,
        binhdan_oidc::OidcError::Config(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    };
    Problem::new(status, e.msg())
}

fn not_configured() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        Msg::new("oidc-misconfigured"),
    )
}

/// Starts a sign-in with VNeID: to the provider.
#[utoipa::path(get, path = "/dang-nhap/vneid", tag = "pages", params(Next), responses((status = 303, description = "To VNeID"), (status = 429, description = "Too many sign-ins started from the address"), (status = 503, description = "VNeID sign-in is not configured")))]
pub async fn vneid_begin(
    State(state): State<AppState>,
    client_addr: crate::client::ClientAddr,
    Query(next): Query<Next>,
) -> Result<Response, Problem> {
    let client = state.auth.oidc.as_ref().ok_or_else(not_configured)?;
    let now = state.clock.now();
    // Each start stores a pending sign-in: one address may not fill the table.
    if let Some(addr) = client_addr.throttle_key() {
        use binhdan_auth::throttle::{Decision, ThrottlePolicy};
        let key = format!("vneid-{addr}");
        let policy = ThrottlePolicy::SIGN_IN_STARTS;
        let decision = state
            .auth
            .throttles
            .lock()
            .map_or(Decision::Allowed, |mut t| {
                let entry = t.entry(key).or_default();
                let d = entry.check(&policy, now);
                if d == Decision::Allowed {
                    entry.record_failure(&policy, now);
                }
                d
            });
        if let Decision::RetryAfter(seconds) = decision {
            tracing::warn!("refused a VNeID sign-in start: too many from the address");
            return Err(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                decision.msg().unwrap_or_else(|| Msg::new("error-busy")),
            )
            .retry_after(seconds));
        }
    }
    let (url, login) = client.begin();
    let browser = SessionToken::generate(&mut rand::rng());
    // The pending sign-in is found by the state *and* the browser that started it, so a
    // callback from another browser finds nothing and consumes nothing.
    let key = pending_key(login.state(), &browser.storage_key());
    let pending = PendingSignIn {
        login,
        browser: browser.storage_key(),
        next: next
            .tiep
            .as_deref()
            .map(|n| crate::session::safe_next(Some(n), "/toi")),
    };
    let payload = serde_json::to_string(&pending).map_err(|e| Problem::internal(&e))?;
    state.store.put_oidc_pending(&key, &payload, now).await?;
    let secure = if state.config.behind_tls() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{BROWSER_COOKIE}={}; Path=/dang-nhap/vneid; Max-Age=900; HttpOnly; SameSite=Lax{secure}",
        browser.expose()
    );
    let mut r = Redirect::to(&url).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| Problem::internal(&e))?,
    );
    Ok(r)
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// The issuer of the response (RFC 9207), when the provider says it.
    iss: Option<String>,
}

/// A registration waiting for the citizen to pick their village: what VNeID vouched for, the
/// CCCD sealed.
#[derive(Serialize, Deserialize)]
struct Registration {
    subject: String,
    name: String,
    birthdate: Option<String>,
    cccd_sealed: String,
    /// Where to go once registered.
    #[serde(default)]
    next: Option<String>,
}

/// VNeID sends the browser back here.
#[utoipa::path(get, path = "/dang-nhap/vneid/goi-lai", tag = "pages",
    params(("code" = Option<String>, Query, description = "Authorization code"), ("state" = Option<String>, Query, description = "The state sent"), ("error" = Option<String>, Query, description = "An error from the provider"), ("iss" = Option<String>, Query, description = "The issuer of the response (RFC 9207)")),
    responses((status = 303, description = "Signed in, or on to registration"), (status = 400, description = "A sign-in that does not match, expired, or was refused")))]
pub async fn vneid_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Result<Response, Problem> {
    let client = state.auth.oidc.as_ref().ok_or_else(not_configured)?;
    let refused = || Problem::new(StatusCode::BAD_REQUEST, Msg::new("oidc-nonce-mismatch"));
    if q.error.is_some() {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            Msg::new("oidc-code-refused"),
        ));
    }
    let (Some(code), Some(returned)) = (q.code, q.state) else {
        return Err(refused());
    };
    // A response from another issuer (a mix-up attack, RFC 9207) is refused before anything.
    if q.iss.as_deref().is_some_and(|iss| iss != client.issuer()) {
        tracing::warn!("VNeID callback from another issuer");
        return Err(refused());
    }
    // Only the browser that started this sign-in may finish it: without its cookie nothing is
    // looked up, and with another browser's the key differs, so nothing is consumed.
    let Some(browser) = crate::session::token_cookie(&headers, BROWSER_COOKIE) else {
        tracing::warn!("VNeID callback from a browser that did not start the sign-in");
        return Err(refused());
    };
    let now = state.clock.now();
    let Some((payload, created)) = state
        .store
        .take_oidc_pending(&pending_key(&returned, &browser.storage_key()))
        .await?
    else {
        tracing::warn!("VNeID callback with an unknown or used state, or from another browser");
        return Err(refused());
    };
    if now.millis() - created.millis() > PENDING_MS {
        return Err(refused());
    }
    let pending: PendingSignIn = serde_json::from_str(&payload).map_err(|_| refused())?;
    if pending.browser != browser.storage_key() {
        return Err(refused());
    }
    let identity = client
        .finish(&pending.login, &code, &returned, now)
        .await
        .map_err(|e| oidc_problem(&e))?;
    if identity.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            Msg::new("oidc-missing-claim").arg("claim", "name"),
        ));
    }
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault"))?;

    let known = match state
        .store
        .person_by_oidc_subject(&identity.subject)
        .await?
    {
        Some(p) => Some(p),
        None => {
            state
                .store
                .person_by_cccd_hash(&vault.lookup_hash(&identity.cccd))
                .await?
        }
    };
    if let Some(person) = known {
        if person.oidc_subject.is_none() {
            state
                .store
                .link_oidc_subject(person.summary.id, &identity.subject, now)
                .await?;
        }
        let mut r = signed_in(&state, person.summary.id, pending.next.as_deref()).await?;
        r.headers_mut()
            .append(header::SET_COOKIE, clear_browser_cookie());
        return Ok(r);
    }
    // Not on any roster yet: register, picking the village.
    let sealed = vault
        .encrypt(&identity.cccd, &mut rand::rng())
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.msg()))?;
    let registration = Registration {
        subject: identity.subject.clone(),
        name: identity.name.clone().unwrap_or_default(),
        birthdate: identity.birthdate.clone(),
        cccd_sealed: base64::engine::general_purpose::STANDARD.encode(sealed.as_bytes()),
        next: pending.next.clone(),
    };
    let token = SessionToken::generate(&mut rand::rng());
    state
        .store
        .put_oidc_pending(
            &format!("reg:{}", token.storage_key()),
            &serde_json::to_string(&registration).map_err(|e| Problem::internal(&e))?,
            now,
        )
        .await?;
    let secure = if state.config.behind_tls() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{REG_COOKIE}={}; Path=/dang-ky; Max-Age=900; HttpOnly; SameSite=Lax{secure}",
        token.expose()
    );
    let mut r = Redirect::to("/dang-ky").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, clear_browser_cookie());
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| Problem::internal(&e))?,
    );
    Ok(r)
}

fn clear_browser_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "binhdan_vneid=; Path=/dang-nhap/vneid; Max-Age=0; HttpOnly; SameSite=Lax",
    )
}

async fn signed_in(state: &AppState, person: i64, next: Option<&str>) -> Result<Response, Problem> {
    let cookie = crate::session::start(state, SessionOwner::Citizen(person)).await?;
    let mut r = Redirect::to(&crate::session::safe_next(next, "/toi")).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(cookie.expose()).map_err(|e| Problem::internal(&e))?,
    );
    Ok(r)
}

fn reg_token(headers: &HeaderMap) -> Option<SessionToken> {
    crate::session::token_cookie(headers, REG_COOKIE)
}

pub struct Choice {
    pub code: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
struct RegisterPage {
    l: Layout,
    csrf: String,
    q: String,
    communes: Vec<Choice>,
    commune: Option<Choice>,
    villages: Vec<Choice>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct RegisterQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    xa: Option<String>,
}

/// Registration after a first VNeID sign-in: find the commune, pick the village.
#[utoipa::path(get, path = "/dang-ky", tag = "pages",
    params(("q" = Option<String>, Query, description = "Commune name"), ("xa" = Option<String>, Query, description = "Commune code")),
    responses((status = 200, description = "Registration form (HTML)", content_type = "text/html"), (status = 401, description = "No VNeID sign-in under way")))]
pub async fn register_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, Problem> {
    let token = reg_token(&headers).ok_or_else(|| {
        Problem::new(StatusCode::UNAUTHORIZED, Msg::new("register-sign-in-first"))
    })?;
    let province = UnitCode::parse(&state.config.province).map_err(Problem::bad_request)?;
    let communes = if q.q.trim().is_empty() {
        Vec::new()
    } else {
        state
            .unit_search
            .search(
                state.store.as_ref(),
                &binhdan_store::UnitQuery {
                    text: q.q.clone(),
                    level: Some(UnitLevel::Commune),
                    within: Some(province),
                    limit: 20,
                },
                state.clock.now(),
            )
            .await?
            .into_iter()
            .map(|u| Choice {
                code: u.code.to_string(),
                name: u.name,
            })
            .collect()
    };
    let (commune, villages) = match q.xa.as_deref().map(UnitCode::parse) {
        Some(Ok(c)) => match state.store.unit(&c).await? {
            Some(u) if u.level == UnitLevel::Commune => {
                let villages = state
                    .store
                    .children(Some(&u.code))
                    .await?
                    .into_iter()
                    .map(|v| Choice {
                        code: v.code.to_string(),
                        name: v.name,
                    })
                    .collect();
                (
                    Some(Choice {
                        code: u.code.to_string(),
                        name: u.name,
                    }),
                    villages,
                )
            }
            _ => (None, Vec::new()),
        },
        _ => (None, Vec::new()),
    };
    let mut r = RegisterPage {
        l: Layout::new(lang, lang.text("register-title")),
        csrf: token.csrf_token().expose().clone(),
        q: q.q,
        communes,
        commune,
        villages,
        error: None,
    }
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    unit: String,
}

/// Registers the citizen in the chosen village (or commune) and signs them in.
#[utoipa::path(post, path = "/dang-ky", tag = "pages", responses((status = 303, description = "Registered and signed in"), (status = 400, description = "Not a village or commune of the province"), (status = 401, description = "No VNeID sign-in under way"), (status = 403, description = "Wrong CSRF token")))]
pub async fn register_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::problem::Form(form): crate::problem::Form<RegisterForm>,
) -> Result<Response, Problem> {
    let token = reg_token(&headers).ok_or_else(|| {
        Problem::new(StatusCode::UNAUTHORIZED, Msg::new("register-sign-in-first"))
    })?;
    if !token.verify_csrf(&form.csrf) {
        return Err(Problem::new(StatusCode::FORBIDDEN, Msg::new("error-csrf")));
    }
    let code = UnitCode::parse(form.unit.trim()).map_err(Problem::bad_request)?;
    let unit = state.store.unit(&code).await?;
    let in_province = unit.as_ref().is_some_and(|u| {
        u.level != UnitLevel::Province && u.path.starts_with(&format!("{}/", state.config.province))
    });
    let Some(unit) = unit.filter(|_| in_province) else {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            Msg::new("register-unit-invalid"),
        ));
    };
    let now = state.clock.now();
    let Some((payload, created)) = state
        .store
        .take_oidc_pending(&format!("reg:{}", token.storage_key()))
        .await?
    else {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            Msg::new("register-sign-in-first"),
        ));
    };
    if now.millis() - created.millis() > PENDING_MS {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            Msg::new("register-sign-in-first"),
        ));
    }
    let reg: Registration = serde_json::from_str(&payload).map_err(|e| Problem::internal(&e))?;
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault"))?;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&reg.cccd_sealed)
        .map_err(|e| Problem::internal(&e))?;
    let cccd = vault
        .decrypt(&sealed)
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.msg()))?;
    let birth = reg.birthdate.as_deref().and_then(|b| {
        let mut it = b.split('-');
        binhdan_core::people::Date::new(
            it.next()?.parse().ok()?,
            it.next()?.parse().ok()?,
            it.next()?.parse().ok()?,
        )
    });
    let name = binhdan_core::people::PersonName::parse(&reg.name).map_or_else(
        |_| binhdan_core::text::clean(&reg.name),
        |n| n.as_str().to_owned(),
    );
    let record = PersonRecord {
        cccd_hash: vault.lookup_hash(&cccd),
        cccd_sealed: sealed,
        cccd_masked: cccd.masked(),
        name,
        birth_year: birth.map_or_else(|| cccd.birth_year(), binhdan_core::people::Date::year),
        birth_day: birth.map(binhdan_core::people::Date::days_since_epoch),
        sex: cccd.sex(),
        unit: unit.code.clone(),
        phone: None,
        membership: None,
    };
    let mut import = state
        .store
        .begin_people_import(
            binhdan_app::people::adult_cutoff(state.auth.evaluation_date),
            now,
        )
        .await?;
    import.write(std::slice::from_ref(&record)).await?;
    import
        .commit(
            AuditEntry::new("citizen", "person.register").subject(format!("unit:{}", unit.code)),
        )
        .await?;
    let person = state
        .store
        .person_by_cccd_hash(&record.cccd_hash)
        .await?
        .ok_or_else(|| Problem::internal(&"registered person not found"))?;
    state
        .store
        .link_oidc_subject(person.summary.id, &reg.subject, now)
        .await?;
    let mut r = signed_in(&state, person.summary.id, reg.next.as_deref()).await?;
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "binhdan_dangky=; Path=/dang-ky; Max-Age=0; HttpOnly; SameSite=Lax",
        ),
    );
    Ok(r)
}

#[derive(Template, WebTemplate)]
#[template(path = "me.html")]
struct MePage {
    l: Layout,
    name: String,
    cccd: String,
    unit: String,
    /// The next lesson of the first course not finished: (lesson id, title, course title).
    next: Option<(String, String, String)>,
    courses: Vec<crate::quiz::MyCourse>,
    place_first: bool,
    certificates: Vec<crate::certificates::CertificateView>,
}

/// The citizen's own page: what to learn next, their progress per course, their certificates,
/// and who they are registered as.
#[utoipa::path(get, path = "/toi", tag = "pages", responses((status = 200, description = "My page (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page")))]
pub async fn me(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
) -> Result<Response, Problem> {
    let p = state
        .store
        .person(c.person_id)
        .await?
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, Msg::new("people-not-found")))?;
    let unit = match UnitCode::parse(&p.summary.unit_code) {
        Ok(code) => state
            .store
            .lineage(&code)
            .await?
            .into_iter()
            .rev()
            .map(|u| u.name)
            .collect::<Vec<_>>()
            .join(", "),
        Err(_) => String::new(),
    };
    let (courses, place_first) = crate::quiz::learner_courses(&state, lang, &p).await?;
    let next = courses.iter().find_map(|course| {
        course
            .next
            .as_ref()
            .map(|(id, title)| (id.clone(), title.clone(), course.title.clone()))
    });
    let certificates = crate::certificates::summaries_of(&state, lang, c.person_id).await?;
    let mut r = MePage {
        l: Layout::new(lang, lang.text("me-title")),
        name: p.summary.name,
        cccd: p.summary.cccd_masked,
        unit,
        next,
        courses,
        place_first,
        certificates,
    }
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

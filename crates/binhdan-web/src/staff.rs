//! Staff pages: sign-in and sign-out, the staff home, the people of a unit (CCCD masked unless
//! the role may see it), a person's page, roster uploads, and the audit log. Every page checks
//! the caller's grants against the unit or organisation it touches, and every look at personal
//! data is recorded in the audit log.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_auth::access::{Permission, Scope, Target};
use binhdan_core::audit::{AuditEntry, Detail};
use binhdan_core::unit::{UnitCode, UnitLevel};
use binhdan_core::{Localized as _, Msg};
use binhdan_i18n::Lang;
use binhdan_store::{PersonSummary, SessionOwner};
use serde::Deserialize;

use crate::AppState;
use crate::client::ClientAddr;
use crate::lang::ReqLang;
use crate::pages::{Layout, format_count};
use crate::prefs::Prefs;
use crate::problem::{Problem, Query};
use crate::session::{Caller, Staff, StaffCaller, safe_next};

/// A PHC string no password matches, verified when the account does not exist so that a
/// wrong username costs the same time as a wrong password.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$VnXpN7uJ0m6yF1W3v7g2o2M2p6w2vZ9m0m1y0m3u7Qk";

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    next: String,
    username: String,
    error: Option<String>,
    vneid: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    tiep: Option<String>,
}

/// The sign-in page for staff (and the way to VNeID for citizens).
#[utoipa::path(get, path = "/dang-nhap", tag = "pages", responses((status = 200, description = "Sign-in form (HTML)", content_type = "text/html")))]
pub async fn login_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Query(q): Query<NextQuery>,
) -> Response {
    LoginPage {
        l: Layout::new(lang, lang.text("login-title")).with_prefs(prefs),
        next: safe_next(q.tiep.as_deref(), "/quan-ly"),
        username: String::new(),
        error: None,
        vneid: state.auth.oidc.is_some(),
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
fn throttle_key(username: &str, known_browser: bool) -> String {
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
    prefs: Prefs,
    client: ClientAddr,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response, Problem> {
    use binhdan_auth::throttle::{Decision, ThrottlePolicy};
    let now = state.clock.now();
    let policy = ThrottlePolicy::ACCOUNT;
    let address = client.throttle_key();
    let page = |status: StatusCode, msg: Msg| {
        let mut r = LoginPage {
            l: Layout::new(lang, lang.text("login-title")).with_prefs(prefs),
            next: safe_next(form.tiep.as_deref(), "/quan-ly"),
            username: form.username.clone(),
            error: Some(lang.tr(&msg)),
            vneid: state.auth.oidc.is_some(),
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
    if let Decision::RetryAfter(seconds) = by_address {
        tracing::warn!("refused a sign-in: too many failures from the address");
        return Ok(too_many(page, seconds));
    }
    let key = throttle_key(&form.username, known_browser);
    if let Decision::RetryAfter(seconds) = check(&key, &policy) {
        tracing::warn!("refused a sign-in: too many failures for the account");
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
    let account = account.filter(|a| password_ok && !a.disabled);
    let totp_ok = match account.as_ref() {
        None => true,
        Some(a) => match a.totp_secret.as_ref() {
            None => true,
            Some(secret) => {
                let step = binhdan_auth::totp::TotpSecret::from_base32(secret.expose())
                    .ok()
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
        let msg = if password_ok && !totp_ok {
            Msg::new("login-totp-wrong")
        } else {
            Msg::new("login-failed")
        };
        return Ok(page(StatusCode::UNAUTHORIZED, msg));
    };
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

/// The cookie marking a browser that signed in before.
fn device_cookie(state: &AppState) -> binhdan_auth::session::CookieOptions {
    binhdan_auth::session::CookieOptions::new(
        crate::client::DEVICE_COOKIE,
        state.auth.cookie.secure,
    )
}

/// 429 with `Retry-After`.
fn too_many(page: impl Fn(StatusCode, Msg) -> Response, seconds: u64) -> Response {
    let msg = binhdan_auth::throttle::Decision::RetryAfter(seconds)
        .msg()
        .unwrap_or_else(|| Msg::new("error-busy"));
    let mut r = page(StatusCode::TOO_MANY_REQUESTS, msg);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    r
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Signs out (staff or citizen).
#[utoipa::path(post, path = "/dang-xuat", tag = "pages", responses((status = 303, description = "Signed out: to the home page"), (status = 403, description = "Missing or wrong CSRF token")))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    axum::Form(form): axum::Form<CsrfForm>,
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
    Ok(r)
}

pub struct GrantView {
    pub role: String,
    pub scope: String,
    pub unit_code: Option<String>,
    /// The organisation of an organisation grant (its dashboard).
    pub org_id: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_home.html")]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one flag per link the home page offers"
)]
struct StaffHome {
    l: Layout,
    name: String,
    csrf: String,
    grants: Vec<GrantView>,
    may_import: bool,
    may_population: bool,
    may_staff: bool,
    may_register: bool,
    may_audit: bool,
    may_events: bool,
    /// The province's targets page, for those who set targets.
    targets_of: Option<String>,
    /// The province's dashboard, for those who see the whole province.
    dashboard_of: Option<String>,
}

pub(crate) async fn grant_views(
    state: &AppState,
    lang: Lang,
    grants: &[binhdan_auth::access::Grant],
) -> Result<Vec<GrantView>, Problem> {
    let mut out = Vec::new();
    for g in grants {
        let (scope, unit_code) = match &g.scope {
            Scope::Everywhere => (lang.text("scope-everywhere"), None),
            Scope::Unit { path } => {
                let code = path
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let name = match UnitCode::parse(&code) {
                    Ok(c) => state
                        .store
                        .unit(&c)
                        .await?
                        .map(|u| u.name)
                        .unwrap_or_default(),
                    Err(_) => String::new(),
                };
                (name, Some(code))
            }
            Scope::Organisation { id } => (
                state
                    .store
                    .organisation(*id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default(),
                None,
            ),
        };
        out.push(GrantView {
            role: lang.text(g.role.msg_key()),
            scope,
            unit_code,
            org_id: match &g.scope {
                Scope::Organisation { id } if g.role.holds(Permission::ViewDashboard) => Some(*id),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// The staff home: who I am, what I may do, where.
#[utoipa::path(get, path = "/quan-ly", tag = "pages", responses((status = 200, description = "Staff home (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page")))]
pub async fn home(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    let grants = grant_views(&state, lang, &s.grants).await?;
    let may = |p: Permission| s.grants.iter().any(|g| g.role.holds(p));
    Ok(StaffHome {
        l: Layout::new(lang, lang.text("staff-title")).with_prefs(prefs),
        name: s.display_name.clone(),
        csrf: s.csrf().expose().clone(),
        grants,
        may_import: may(Permission::ImportPeople),
        may_population: may(Permission::EditUnits),
        may_staff: may(Permission::ManageStaff),
        may_register: s
            .grants
            .iter()
            .any(|g| g.role.holds(Permission::EditPeople) && matches!(g.scope, Scope::Unit { .. })),
        may_audit: may(Permission::ViewAudit),
        may_events: may(Permission::CheckIn),
        targets_of: may(Permission::SetTargets).then(|| state.config.province.clone()),
        dashboard_of: s
            .grants
            .iter()
            .any(|g| g.role.holds(Permission::ViewDashboard) && g.scope == Scope::Everywhere)
            .then(|| state.config.province.clone()),
    }
    .into_response())
}

pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub cccd: String,
    pub birth: String,
    pub unit: String,
}

fn birth_text(p: &PersonSummary) -> String {
    p.birth_day
        .and_then(binhdan_core::people::Date::from_days_since_epoch)
        .map_or_else(|| p.birth_year.to_string(), |d| d.to_string())
}

#[derive(Template, WebTemplate)]
#[template(path = "people.html")]
struct PeoplePage {
    l: Layout,
    unit_code: String,
    unit_name: String,
    q: String,
    people: Vec<PersonRow>,
    next: Option<String>,
    roster: Vec<crate::pages::CountView>,
}

#[derive(Deserialize)]
pub struct PeopleQuery {
    #[serde(rename = "don-vi")]
    unit: String,
    #[serde(default)]
    q: String,
    /// Cursor: `name_key~id` of the last row shown.
    #[serde(default)]
    sau: Option<String>,
}

const PAGE: u32 = 50;

/// The people living in a unit (CCCD masked), searchable by name.
#[utoipa::path(get, path = "/quan-ly/nguoi", tag = "pages",
    params(("don-vi" = String, Query, description = "Unit code"), ("q" = Option<String>, Query, description = "Name"), ("sau" = Option<String>, Query, description = "Cursor")),
    responses((status = 200, description = "People (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope")))]
pub async fn people(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, Problem> {
    crate::problem::check_search(&q.q)?;
    let code = UnitCode::parse(&q.unit).map_err(Problem::bad_request)?;
    let unit = state.store.unit(&code).await?.ok_or_else(|| {
        Problem::not_found(binhdan_core::unit::UnitError::UnknownUnit {
            code: code.to_string(),
        })
    })?;
    s.require(Permission::ViewPeople, &Target::Unit(&unit.path))?;
    let after = q.sau.as_deref().and_then(|c| {
        let (k, id) = c.rsplit_once('~')?;
        Some((k.to_owned(), id.parse::<i64>().ok()?))
    });
    let found = state
        .store
        .people_under(
            &unit.path,
            &q.q,
            after.as_ref().map(|(k, i)| (k.as_str(), *i)),
            PAGE,
        )
        .await?;
    state
        .store
        .append_audit(
            AuditEntry::new(s.actor(), "person.list")
                .subject(format!("unit:{}", unit.code))
                .detail(&Detail::new().num("shown", i64::try_from(found.len()).unwrap_or(0))),
            state.clock.now(),
        )
        .await?;
    let next = (found.len() == PAGE as usize)
        .then(|| {
            found
                .last()
                .map(|p| format!("{}~{}", binhdan_core::text::search_key(&p.name), p.id))
        })
        .flatten();
    let roster = state
        .store
        .roster_under(&unit.path, unit.level, &unit.code)
        .await?;
    Ok(PeoplePage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("people-title").arg("unit", unit.name.clone())),
        )
        .with_prefs(prefs),
        unit_code: unit.code.to_string(),
        unit_name: unit.name.clone(),
        q: q.q.clone(),
        people: found
            .iter()
            .map(|p| PersonRow {
                id: p.id,
                name: p.name.clone(),
                cccd: p.cccd_masked.clone(),
                birth: birth_text(p),
                unit: p.unit_code.clone(),
            })
            .collect(),
        next,
        roster: crate::pages::counts_by_group(lang, &roster),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    name: String,
    cccd: String,
    unmasked: bool,
    birth: String,
    sex: String,
    unit: String,
    phone: String,
    memberships: Vec<String>,
    vneid: bool,
    csrf: String,
    /// Id, issued, status (revoked with its reason) of each certificate.
    certificates: Vec<(String, String, Option<String>)>,
    may_revoke: bool,
}

/// A person's record. The CCCD is shown in full only to a role that may see it (commune
/// admins, in their commune); every view is audited.
#[utoipa::path(get, path = "/quan-ly/nguoi/{id}", tag = "pages",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, description = "A person (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such person")))]
pub async fn person(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, Msg::new("people-not-found"));
    let p = state.store.person(id).await?.ok_or_else(not_found)?;
    let target = Target::Unit(&p.summary.unit_path);
    // An organisation admin sees the organisation's members.
    let via_org = p.memberships.iter().any(|m| {
        s.may(
            Permission::ViewPeople,
            &Target::Organisation {
                id: m.organisation_id,
                unit_path: "",
            },
        )
    });
    if !via_org {
        s.require(Permission::ViewPeople, &target)?;
    }
    let unmasked = s.may(Permission::ViewPersonIdentity, &target);
    let cccd = if unmasked {
        let vault = state
            .auth
            .vault
            .as_ref()
            .ok_or_else(|| Problem::internal(&"no vault"))?;
        vault
            .decrypt(&p.cccd_sealed)
            .map(|c| c.expose().to_owned())
            .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.msg()))?
    } else {
        p.summary.cccd_masked.clone()
    };
    state
        .store
        .append_audit(
            AuditEntry::new(
                s.actor(),
                if unmasked {
                    "person.view_identity"
                } else {
                    "person.view"
                },
            )
            .person(p.summary.id),
            state.clock.now(),
        )
        .await?;
    let unit = match UnitCode::parse(&p.summary.unit_code) {
        Ok(c) => state
            .store
            .unit(&c)
            .await?
            .map(|u| u.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let mut r = PersonPage {
        l: Layout::new(lang, p.summary.name.clone()).with_prefs(prefs),
        name: p.summary.name.clone(),
        cccd,
        unmasked,
        birth: birth_text(&p.summary),
        sex: lang.tr(&p.summary.sex.msg()),
        unit,
        phone: p.phone.clone().unwrap_or_default(),
        memberships: p
            .memberships
            .iter()
            .map(|m| {
                let grade = m
                    .class
                    .clone()
                    .or(m.grade.map(|g| g.to_string()))
                    .unwrap_or_default();
                format!(
                    "{} — {} {}",
                    m.organisation_name,
                    lang.tr(&m.group.label()),
                    grade
                )
                .trim_end()
                .to_owned()
            })
            .collect(),
        vneid: p.oidc_subject.is_some(),
        csrf: s.token.csrf_token().expose().clone(),
        certificates: state
            .store
            .certificates_of(p.summary.id)
            .await?
            .into_iter()
            .map(|c| {
                let issued = binhdan_core::people::Date::from_timestamp_vietnam(c.issued_at)
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                (
                    c.id.trim_start_matches("urn:uuid:").to_owned(),
                    issued,
                    c.revoked_at.map(|_| c.revoked_reason.unwrap_or_default()),
                )
            })
            .collect(),
        may_revoke: s.may(Permission::RevokeCertificate, &target),
    }
    .into_response();
    // Personal data: never cached, never kept by a shared computer's browser.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct ImportPage {
    l: Layout,
    csrf: String,
    units: Vec<(String, String)>,
    result: Option<String>,
    errors: Vec<String>,
}

async fn import_units(state: &AppState, s: &StaffCaller) -> Result<Vec<(String, String)>, Problem> {
    let mut out = Vec::new();
    for g in s
        .grants
        .iter()
        .filter(|g| g.role.holds(Permission::ImportPeople))
    {
        if let Scope::Unit { path } = &g.scope {
            let code = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            if let Ok(c) = UnitCode::parse(code)
                && let Some(u) = state.store.unit(&c).await?
            {
                if u.level == UnitLevel::Province {
                    for c in state.store.children(Some(&u.code)).await? {
                        out.push((c.code.to_string(), c.name));
                    }
                } else {
                    out.push((u.code.to_string(), u.name));
                }
                // The organisations inside: a school's students, an agency's staff…
                for o in state.store.organisations_under(path, 500).await? {
                    out.push((format!("org:{}", o.id), o.name));
                }
            }
        } else if let Scope::Organisation { id } = &g.scope
            && let Some(o) = state.store.organisation(*id).await?
        {
            out.push((format!("org:{}", o.id), o.name));
        }
    }
    Ok(out)
}

/// The roster upload form.
#[utoipa::path(get, path = "/quan-ly/nhap-danh-sach", tag = "pages", responses((status = 200, description = "Upload form (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not import")))]
pub async fn import_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    if !s
        .grants
        .iter()
        .any(|g| g.role.holds(Permission::ImportPeople))
    {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    Ok(ImportPage {
        l: Layout::new(lang, lang.text("import-title")).with_prefs(prefs),
        csrf: s.csrf().expose().clone(),
        units: import_units(&state, &s).await?,
        result: None,
        errors: Vec::new(),
    }
    .into_response())
}

/// Receives a roster file (CSV or XLSX) for a unit, checks every row, and imports it all or
/// nothing; with "keep the good rows", answers with the file of rejected rows.
#[utoipa::path(post, path = "/quan-ly/nhap-danh-sach", tag = "pages", responses((status = 200, description = "The result (HTML), or the rejected rows (CSV)"), (status = 403, description = "Outside the caller's scope or a wrong CSRF token"), (status = 422, description = "Rows refused")))]
pub async fn import_submit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    mut multipart: Multipart,
) -> Result<Response, Problem> {
    let upload = Upload::read(&mut multipart).await?;
    s.check_csrf(upload.field("csrf"))?;
    let unit = upload.field("unit").to_owned();
    let keep_good = upload.has("keep_good");
    let dry_run = upload.has("dry_run");
    let dir = &upload.dir;
    // A unit's residents (`16591`) or an organisation's members (`org:12`).
    let (roster, code) = if let Some(id) = unit.trim().strip_prefix("org:") {
        let org = match id.parse::<i64>() {
            Ok(id) => state.store.organisation(id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, Msg::new("import-org-unknown")))?;
        s.require(
            Permission::ImportPeople,
            &Target::Organisation {
                id: org.id,
                unit_path: &org.unit_path,
            },
        )?;
        let code = org.code.clone();
        (binhdan_app::people::Roster::Organisation(org), code)
    } else {
        let code = UnitCode::parse(unit.trim()).map_err(Problem::bad_request)?;
        let scope = state.store.unit(&code).await?.ok_or_else(|| {
            Problem::not_found(binhdan_core::unit::UnitError::UnknownUnit {
                code: code.to_string(),
            })
        })?;
        s.require(Permission::ImportPeople, &Target::Unit(&scope.path))?;
        (
            binhdan_app::people::Roster::Unit(code.clone()),
            code.to_string(),
        )
    };
    let file = upload.file()?;
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault"))?;
    let rejects = dir.path.join("rejects.csv");
    // Whom the upload may change: the caller's reach, and the organisation whose roster it is
    // (checked above), so that a commune officer can enrol a school's pupils from elsewhere.
    let mut reach = s.reach(Permission::ImportPeople);
    if let binhdan_app::people::Roster::Organisation(org) = &roster {
        reach.organisations.push(org.id);
    }
    let options = binhdan_app::people::PeopleImportOptions {
        roster,
        rejects: if keep_good {
            binhdan_app::people::RejectPolicy::KeepGood(rejects.clone())
        } else {
            binhdan_app::people::RejectPolicy::AllOrNothing
        },
        dry_run,
        evaluation_date: state.auth.evaluation_date,
        allow_year_only: false,
        actor: s.actor(),
        reach,
        cancel: binhdan_tabular::Cancel::default(),
    };
    // Dropped with this request's future (the client went, the timeout struck): the reading
    // of the file stops.
    let _stop_when_dropped = options.cancel.on_drop();
    let render: binhdan_app::people::Render = std::sync::Arc::new(move |m: &Msg| lang.tr(m));
    let result = binhdan_app::people::import_people(
        state.store.as_ref(),
        &vault,
        &file,
        &options,
        render,
        &|_| {},
        state.clock.now(),
    )
    .await;
    let page = |status: StatusCode, result: Option<String>, errors: Vec<String>, units| {
        let mut r = ImportPage {
            l: Layout::new(lang, lang.text("import-title")).with_prefs(prefs),
            csrf: s.csrf().expose().clone(),
            units,
            result,
            errors,
        }
        .into_response();
        *r.status_mut() = status;
        r
    };
    let units = import_units(&state, &s).await?;
    match result {
        Ok(report) if keep_good && report.rejected > 0 => {
            let body = std::fs::read(&rejects).map_err(|e| Problem::internal(&e))?;
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!(
                    "attachment; filename=\"dong-bi-tu-choi-{}.csv\"",
                    code.chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect::<String>()
                ))
                .map_err(|e| Problem::internal(&e))?,
            );
            Ok((headers, body).into_response())
        }
        Ok(report) => {
            let key = if report.dry_run {
                "cli-people-checked"
            } else {
                "cli-people-imported"
            };
            let text = lang.tr(&Msg::new(key)
                .arg("rows", report.rows)
                .arg("added", report.written.added)
                .arg("updated", report.written.updated)
                .arg("unchanged", report.written.unchanged)
                .arg("rejected", report.rejected));
            let text = if report.unused_columns.is_empty() {
                text
            } else {
                format!(
                    "{text} {}",
                    lang.tr(&Msg::new("import-unused-columns")
                        .arg("columns", report.unused_columns.join(", ")))
                )
            };
            Ok(page(StatusCode::OK, Some(text), Vec::new(), units))
        }
        Err(binhdan_app::ImportFailure::Rows(rows)) => {
            let errors = row_errors(lang, &rows);
            let text = lang.tr(&Msg::new("import-failed").arg("count", rows.len()));
            Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(text),
                errors,
                units,
            ))
        }
        Err(binhdan_app::ImportFailure::Store(e)) => Err(e.into()),
    }
}

/// Each refused row as a line of the page: `Dòng 3 [Số CCCD]: …`.
pub(crate) fn row_errors(lang: Lang, rows: &[binhdan_core::import::RowError]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            let col = if r.column.is_empty() {
                String::new()
            } else {
                format!(" [{}]", r.column)
            };
            format!(
                "{} {}{col}: {}",
                lang.text("import-row"),
                r.row,
                lang.tr(&r.msg)
            )
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "population.html")]
struct PopulationPage {
    l: Layout,
    csrf: String,
    result: Option<String>,
    errors: Vec<String>,
}

fn may_set_population(s: &StaffCaller) -> Result<(), Problem> {
    if s.grants.iter().any(|g| g.role.holds(Permission::EditUnits)) {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ))
    }
}

/// The upload form for the official population figures (the targets' denominators).
#[utoipa::path(get, path = "/quan-ly/nhap-dan-so", tag = "pages", responses((status = 200, description = "Upload form (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not set figures")))]
pub async fn population_form(
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    may_set_population(&s)?;
    Ok(PopulationPage {
        l: Layout::new(lang, lang.text("population-title")).with_prefs(prefs),
        csrf: s.csrf().expose().clone(),
        result: None,
        errors: Vec::new(),
    }
    .into_response())
}

/// Receives a file of official population figures per unit and group (CSV or XLSX) and stores
/// it all or nothing. Every row's unit must lie in the caller's scope.
#[utoipa::path(post, path = "/quan-ly/nhap-dan-so", tag = "pages", responses((status = 200, description = "The result (HTML)"), (status = 403, description = "The caller may not set figures, a row's unit is outside their scope, or a wrong CSRF token"), (status = 422, description = "Rows refused")))]
pub async fn population_submit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    mut multipart: Multipart,
) -> Result<Response, Problem> {
    may_set_population(&s)?;
    let upload = Upload::read(&mut multipart).await?;
    s.check_csrf(upload.field("csrf"))?;
    let file = upload.file()?;
    let dry_run = upload.has("dry_run");
    let may_edit = |path: &str| s.may(Permission::EditUnits, &Target::Unit(path));
    let scope = binhdan_app::population::PopulationScope {
        actor: s.actor(),
        may_edit: &may_edit,
    };
    let result = binhdan_app::population::import_population(
        state.store.as_ref(),
        &file,
        binhdan_app::villages::ImportOptions { dry_run },
        &scope,
        state.clock.now(),
    )
    .await;
    let (status, result, errors) = match result {
        Ok(report) => {
            let key = if dry_run {
                "population-checked"
            } else {
                "population-done"
            };
            let text = lang.tr(&Msg::new(key)
                .arg("figures", report.figures)
                .arg("people", format_count(lang, report.people)));
            (StatusCode::OK, text, Vec::new())
        }
        Err(binhdan_app::ImportFailure::Rows(rows)) => (
            // A row outside the caller's units makes the whole request a refusal of scope.
            if rows
                .iter()
                .any(|r| r.msg.key == "population-unit-out-of-scope")
            {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            lang.tr(&Msg::new("import-failed").arg("count", rows.len())),
            row_errors(lang, &rows),
        ),
        Err(binhdan_app::ImportFailure::Store(e)) => return Err(e.into()),
    };
    let mut r = PopulationPage {
        l: Layout::new(lang, lang.text("population-title")).with_prefs(prefs),
        csrf: s.csrf().expose().clone(),
        result: Some(result),
        errors,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

/// A form posted as `multipart/form-data`: its text fields, and its file saved (with only the
/// extension of its name kept, which tells CSV from XLSX) in a private temporary directory
/// removed when the upload is dropped.
pub(crate) struct Upload {
    fields: Vec<(String, String)>,
    file: Option<std::path::PathBuf>,
    dir: TempDir,
}

impl Upload {
    pub(crate) async fn read(multipart: &mut Multipart) -> Result<Self, Problem> {
        // Over the import limit: 413, said as such; anything else is a malformed upload.
        let bad = |e: &axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, Msg::new("error-too-large"))
            } else {
                Problem::bad_request(
                    Msg::new("import-upload-malformed").arg("detail", e.body_text()),
                )
            }
        };
        let dir = tempfile_dir()?;
        let mut fields = Vec::new();
        let mut file = None;
        while let Some(field) = multipart.next_field().await.map_err(|e| bad(&e))? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                let ext = field
                    .file_name()
                    .and_then(|n| n.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
                    .filter(|e| matches!(e.as_str(), "csv" | "xlsx" | "txt"))
                    .unwrap_or_else(|| "csv".to_owned());
                let bytes = field.bytes().await.map_err(|e| bad(&e))?;
                let path = dir.path.join(format!("upload.{ext}"));
                std::fs::write(&path, &bytes).map_err(|e| Problem::io(&e))?;
                file = Some(path);
            } else {
                let text = field.text().await.map_err(|e| bad(&e))?;
                fields.push((name, text));
            }
        }
        Ok(Self { fields, file, dir })
    }

    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(n, _)| n == name)
    }

    pub(crate) fn file(&self) -> Result<std::path::PathBuf, Problem> {
        self.file.clone().ok_or_else(|| {
            Problem::bad_request(Msg::new("import-upload-malformed").arg("detail", "file"))
        })
    }
}

/// A temporary directory removed when dropped.
struct TempDir {
    path: std::path::PathBuf,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn tempfile_dir() -> Result<TempDir, Problem> {
    let mut bytes = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let name = hex::encode(bytes);
    let path = std::env::temp_dir().join(format!("binhdan-upload-{name}"));
    std::fs::create_dir(&path).map_err(|e| Problem::internal(&e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700));
    }
    Ok(TempDir { path })
}

pub struct AuditRowView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub person: String,
    pub subject: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<AuditRowView>,
    next: Option<i64>,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    sau: i64,
}

/// The audit log, oldest first, for roles that may read it across the platform or province.
#[utoipa::path(get, path = "/quan-ly/nhat-ky", tag = "pages",
    params(("sau" = Option<i64>, Query, description = "Records after this sequence number")),
    responses((status = 200, description = "Audit records (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not read the audit log")))]
pub async fn audit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    prefs: Prefs,
    Staff(s): Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Problem> {
    // The log spans every unit: only a grant over a whole province or the platform reads it.
    let wide = s.grants.iter().any(|g| {
        g.role.holds(Permission::ViewAudit)
            && match &g.scope {
                Scope::Everywhere => true,
                Scope::Unit { path } => path.trim_end_matches('/').split('/').count() == 1,
                Scope::Organisation { .. } => false,
            }
    });
    if !wide {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    let records = state.store.audit_records(q.sau.max(0), 100).await?;
    let next = (records.len() == 100)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    Ok(AuditPage {
        l: Layout::new(lang, lang.text("audit-title")).with_prefs(prefs),
        rows: records
            .into_iter()
            .map(|r| AuditRowView {
                seq: r.seq,
                at: binhdan_core::people::Date::from_timestamp_vietnam(binhdan_core::Timestamp(
                    r.at,
                ))
                .map(|d| d.to_string())
                .unwrap_or_default(),
                actor: r.actor,
                action: r.action,
                person: r.person_id.map(|p| p.to_string()).unwrap_or_default(),
                subject: r.subject,
            })
            .collect(),
        next,
    }
    .into_response())
}

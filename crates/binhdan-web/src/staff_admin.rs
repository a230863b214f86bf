//! Staff accounts managed through the pages: the accounts inside the caller's scope, a form to
//! create one, and disabling (or re-enabling) one. The ladder of `access::may_grant` decides:
//! a province admin appoints commune admins, facilitators, organisation admins and auditors in
//! the province; a commune admin appoints facilitators and organisation admins in the commune;
//! an organisation admin appoints further admins of the organisation. Nobody can create an
//! account more powerful than their own, and every change is audited.

use crate::problem::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use binhdan_auth::access::{Grant, Permission, Role, Scope, Target, may_grant};
use binhdan_core::audit::AuditEntry;
use binhdan_core::unit::{UnitCode, UnitLevel};
use binhdan_core::{Localized as _, Msg, Secret};
use binhdan_i18n::Lang;
use binhdan_store::{StaffAccount, StaffWithin};
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::Problem;
use crate::session::{Staff, StaffCaller};
use crate::staff::{GrantView, grant_views};

/// At most this many accounts listed per scope.
const LIST_LIMIT: u32 = 500;

pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub grants: Vec<GrantView>,
    pub disabled: bool,
    /// Whether the caller may disable or re-enable it.
    pub manageable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff_list.html")]
struct StaffListPage {
    l: Layout,
    csrf: String,
    accounts: Vec<AccountRow>,
    roles: Vec<(String, String)>,
    scopes: Vec<(String, String)>,
    result: Option<String>,
    error: Option<String>,
    form: StaffForm,
    totp_uri: Option<String>,
}

#[derive(Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    /// A unit code (`16591`) or an organisation (`org:12`) from the list.
    #[serde(default)]
    scope: String,
    /// Another unit, by code, when it is not in the list (a village, say).
    #[serde(default)]
    other_unit: String,
    #[serde(default)]
    totp: Option<String>,
}

fn role_key(role: Role) -> String {
    match serde_json::to_value(role) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn forbidden() -> Problem {
    Problem::new(StatusCode::FORBIDDEN, Msg::new("error-forbidden"))
}

/// The caller's grants that manage staff; none means the pages are closed to them.
fn managing(s: &StaffCaller) -> Result<Vec<&Grant>, Problem> {
    let g: Vec<&Grant> = s
        .grants
        .iter()
        .filter(|g| g.role.holds(Permission::ManageStaff))
        .collect();
    if g.is_empty() {
        Err(forbidden())
    } else {
        Ok(g)
    }
}

/// The unit whose path a grant's scope names (the last segment is its code).
fn unit_code_of(path: &str) -> Option<UnitCode> {
    UnitCode::parse(path.trim_end_matches('/').rsplit('/').next()?).ok()
}

/// What the target of a grant is, to ask `may_grant` about it.
async fn target_of(state: &AppState, grant: &Grant) -> Result<Option<OwnedTarget>, Problem> {
    Ok(match &grant.scope {
        Scope::Unit { path } => Some(OwnedTarget::Unit(path.clone())),
        Scope::Organisation { id } => state
            .store
            .organisation(*id)
            .await?
            .map(|o| OwnedTarget::Organisation(o.id, o.unit_path)),
        Scope::Everywhere => Some(OwnedTarget::Platform),
    })
}

enum OwnedTarget {
    Unit(String),
    Organisation(i64, String),
    Platform,
}

impl OwnedTarget {
    fn as_target(&self) -> Target<'_> {
        match self {
            Self::Unit(p) => Target::Unit(p),
            Self::Organisation(id, unit_path) => Target::Organisation { id: *id, unit_path },
            Self::Platform => Target::Platform,
        }
    }
}

/// Whether the caller could have created every grant of the account (so may disable it).
async fn may_manage(
    state: &AppState,
    s: &StaffCaller,
    account: &StaffAccount,
) -> Result<bool, Problem> {
    if account.id == s.id || account.grants.is_empty() {
        return Ok(false);
    }
    for g in &account.grants {
        let Some(t) = target_of(state, g).await? else {
            return Ok(false);
        };
        if !may_grant(&s.grants, g, &t.as_target()) {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn page(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    form: StaffForm,
) -> Result<StaffListPage, Problem> {
    let grants = managing(s)?;
    let mut accounts: Vec<StaffAccount> = Vec::new();
    let mut scopes: Vec<(String, String)> = Vec::new();
    for g in &grants {
        let within = match &g.scope {
            Scope::Unit { path } => StaffWithin::Unit(path.clone()),
            Scope::Organisation { id } => StaffWithin::Organisation(*id),
            Scope::Everywhere => StaffWithin::Unit(format!("{}/", state.config.province)),
        };
        for a in state.store.staff_within(&within, LIST_LIMIT).await? {
            if !accounts.iter().any(|b| b.id == a.id) {
                accounts.push(a);
            }
        }
        // Where new accounts can go: the unit itself, the level below, its organisations.
        match &g.scope {
            Scope::Unit { path } => {
                if let Some(c) = unit_code_of(path)
                    && let Some(u) = state.store.unit(&c).await?
                {
                    scopes.push((u.code.to_string(), u.name.clone()));
                    if matches!(u.level, UnitLevel::Province | UnitLevel::Commune) {
                        for c in state.store.children(Some(&u.code)).await? {
                            scopes.push((c.code.to_string(), format!("— {}", c.name)));
                        }
                    }
                    for o in state.store.organisations_under(path, LIST_LIMIT).await? {
                        scopes.push((format!("org:{}", o.id), o.name));
                    }
                }
            }
            Scope::Organisation { id } => {
                if let Some(o) = state.store.organisation(*id).await? {
                    scopes.push((format!("org:{}", o.id), o.name));
                }
            }
            Scope::Everywhere => {}
        }
    }
    scopes.dedup_by(|a, b| a.0 == b.0);
    let roles = Role::ALL
        .into_iter()
        .filter(|r| grants.iter().any(|g| g.role.may_appoint(*r)))
        .map(|r| (role_key(r), lang.text(r.msg_key())))
        .collect();
    let mut rows = Vec::with_capacity(accounts.len());
    for a in &accounts {
        rows.push(AccountRow {
            id: a.id,
            username: a.username.clone(),
            name: a.display_name.clone(),
            grants: grant_views(state, lang, &a.grants).await?,
            disabled: a.disabled,
            manageable: may_manage(state, s, a).await?,
        });
    }
    Ok(StaffListPage {
        l: Layout::new(lang, lang.text("staff-admin-title")).wide(),
        csrf: s.csrf().expose().clone(),
        accounts: rows,
        roles,
        scopes,
        result: None,
        error: None,
        form: StaffForm {
            password: String::new(),
            ..form
        },
        totp_uri: None,
    })
}

/// The staff accounts in the caller's scope, and the form to create one.
#[utoipa::path(get, path = "/quan-ly/can-bo", tag = "pages", responses((status = 200, description = "Staff accounts (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not manage staff")))]
pub async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    Ok(page(&state, lang, &s, StaffForm::default())
        .await?
        .into_response())
}

/// Creates a staff account with one grant the caller may give.
#[utoipa::path(post, path = "/quan-ly/can-bo", tag = "pages", request_body(content = StaffForm, content_type = "application/x-www-form-urlencoded"), responses((status = 200, description = "Created (HTML)"), (status = 403, description = "A grant the caller may not give, or a wrong CSRF token"), (status = 422, description = "A refused field")))]
pub async fn create(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    crate::problem::Form(form): crate::problem::Form<StaffForm>,
) -> Result<Response, Problem> {
    managing(&s)?;
    s.check_csrf(&form.csrf)?;
    let refuse = async |status: StatusCode, msg: Msg, form: StaffForm| {
        let mut p = page(&state, lang, &s, form).await?;
        p.error = Some(lang.tr(&msg));
        let mut r = p.into_response();
        *r.status_mut() = status;
        Ok::<Response, Problem>(r)
    };
    let Some(role) = Role::ALL.into_iter().find(|r| role_key(*r) == form.role) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            Msg::new("staff-role-unknown"),
            form,
        )
        .await;
    };
    let mut other = form.other_unit.trim().to_owned();
    // Another unit may be named rather than coded: looked for under the caller's own units.
    if !other.is_empty() && !other.starts_with("org:") {
        for g in managing(&s)? {
            let root = match &g.scope {
                Scope::Unit { path } => unit_code_of(path),
                Scope::Everywhere => UnitCode::parse(&state.config.province).ok(),
                Scope::Organisation { .. } => None,
            };
            let Some(root) = root else { continue };
            match crate::pickers::resolve_unit(state.store.as_ref(), &other, &root).await? {
                crate::pickers::Resolved::Code(code) => {
                    other = code;
                    break;
                }
                crate::pickers::Resolved::AsTyped => {}
                crate::pickers::Resolved::Ambiguous(msg) => {
                    return refuse(StatusCode::UNPROCESSABLE_ENTITY, msg, form).await;
                }
            }
        }
    }
    let other = other.as_str();
    let chosen = if other.is_empty() {
        form.scope.trim()
    } else {
        other
    };
    let target = if let Some(id) = chosen.strip_prefix("org:") {
        match id.parse::<i64>() {
            Ok(id) => state.store.organisation(id).await?,
            Err(_) => None,
        }
        .map(|o| OwnedTarget::Organisation(o.id, o.unit_path))
    } else {
        match UnitCode::parse(chosen) {
            Ok(c) => state.store.unit(&c).await?,
            Err(_) => None,
        }
        .map(|u| OwnedTarget::Unit(u.path))
    };
    let Some(target) = target else {
        let msg = binhdan_core::unit::UnitError::UnknownUnit {
            code: chosen.to_owned(),
        }
        .msg();
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, msg, form).await;
    };
    let scope = match &target {
        OwnedTarget::Unit(path) => Scope::Unit { path: path.clone() },
        OwnedTarget::Organisation(id, _) => Scope::Organisation { id: *id },
        OwnedTarget::Platform => Scope::Everywhere,
    };
    let grant = Grant::new(role, scope);
    if !grant.is_well_formed() {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            Msg::new("staff-grant-ill-formed"),
            form,
        )
        .await;
    }
    if !may_grant(&s.grants, &grant, &target.as_target()) {
        tracing::info!(staff = s.id, "refused: a grant beyond the caller's own");
        return refuse(StatusCode::FORBIDDEN, Msg::new("staff-grant-beyond"), form).await;
    }
    let request = binhdan_app::staff::StaffRequest {
        username: form.username.clone(),
        display_name: form.name.clone(),
        password: Secret::new(form.password.clone()),
        grant,
        totp: form.totp.is_some(),
        actor: s.actor(),
    };
    match binhdan_app::staff::create_staff(
        state.store.as_ref(),
        state.auth.vault.as_deref(),
        request,
        state.clock.now(),
    )
    .await
    {
        Ok((id, totp)) => {
            tracing::info!(staff = s.id, created = id, "created a staff account");
            let mut p = page(&state, lang, &s, StaffForm::default()).await?;
            p.result = Some(
                lang.tr(&Msg::new("cli-admin-created")
                    .arg("id", id)
                    .arg("username", binhdan_core::text::clean(&form.username))),
            );
            // Shown once: the new staff member adds it to their authenticator app.
            p.totp_uri = totp.map(|t| t.otpauth_uri(&form.username).expose().clone());
            let mut r = p.into_response();
            r.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(r)
        }
        Err(binhdan_app::staff::StaffCreateError::Store(e)) => Err(e.into()),
        Err(e) => refuse(StatusCode::UNPROCESSABLE_ENTITY, e.msg(), form).await,
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DisableForm {
    #[serde(default)]
    csrf: String,
    /// `1` to disable, `0` to enable again.
    #[serde(default)]
    disabled: String,
}

/// Disables a staff account (signing it out everywhere) or enables it again.
#[utoipa::path(post, path = "/quan-ly/can-bo/{id}/khoa", tag = "pages",
    params(("id" = i64, Path, description = "Staff account id")),
    request_body(content = DisableForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Done (HTML)"), (status = 403, description = "An account the caller could not have created, their own, or a wrong CSRF token"), (status = 404, description = "No such account")))]
pub async fn disable(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    crate::problem::Form(form): crate::problem::Form<DisableForm>,
) -> Result<Response, Problem> {
    managing(&s)?;
    s.check_csrf(&form.csrf)?;
    let account = state
        .store
        .staff(id)
        .await?
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, Msg::new("staff-unknown")))?;
    if !may_manage(&state, &s, &account).await? {
        return Err(forbidden());
    }
    let disabled = form.disabled != "0";
    let action = if disabled {
        "staff.disable"
    } else {
        "staff.enable"
    };
    state
        .store
        .set_staff_disabled(
            id,
            disabled,
            AuditEntry::new(s.actor(), action),
            state.clock.now(),
        )
        .await?;
    // Its sessions stop at once on this server (elsewhere within the cache's few seconds).
    state.auth.sessions.forget_staff(id);
    tracing::info!(
        staff = s.id,
        account = id,
        disabled,
        "changed a staff account"
    );
    let mut p = page(&state, lang, &s, StaffForm::default()).await?;
    p.result = Some(
        lang.tr(&Msg::new(if disabled {
            "staff-disabled-done"
        } else {
            "staff-enabled-done"
        })
        .arg("username", account.username)),
    );
    Ok(p.into_response())
}

//! Registering one person by hand: what a village facilitator (tổ công nghệ số cộng đồng) does
//! with a citizen in front of them, and a commune officer for someone missing from a roster.
//! The same checks as a roster row; the CCCD is sealed at once, shown back only masked, and
//! the registration is audited. A person already registered in a unit the caller does not
//! cover is refused, never silently moved.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use binhdan_auth::access::{Permission, Scope, Target};
use binhdan_core::Msg;
use binhdan_core::unit::{UnitCode, UnitLevel};
use binhdan_i18n::Lang;
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Problem, Query};
use crate::session::{Staff, StaffCaller};

#[derive(Template, WebTemplate)]
#[template(path = "register_person.html")]
struct RegisterPersonPage {
    l: Layout,
    csrf: String,
    units: Vec<(String, String)>,
    unit: String,
    form: PersonForm,
    result: Option<String>,
    person_link: Option<i64>,
    errors: Vec<String>,
}

#[derive(Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PersonForm {
    #[serde(default)]
    csrf: String,
    /// The village (or commune) the person lives in.
    #[serde(default)]
    unit: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    cccd: String,
    /// `dd/mm/yyyy`.
    #[serde(default)]
    birth: String,
    /// `Nam`, `Nữ` or empty (taken from the CCCD).
    #[serde(default)]
    sex: String,
    #[serde(default)]
    phone: String,
}

#[derive(Deserialize)]
pub struct UnitQuery {
    #[serde(rename = "don-vi")]
    don_vi: Option<String>,
}

/// The units where the caller may register people: each unit grant's unit and, for a commune
/// or a province, the level below it.
async fn units(state: &AppState, s: &StaffCaller) -> Result<Vec<(String, String)>, Problem> {
    let mut out = Vec::new();
    for g in s
        .grants
        .iter()
        .filter(|g| g.role.holds(Permission::EditPeople))
    {
        let Scope::Unit { path } = &g.scope else {
            continue;
        };
        let Some(code) = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .and_then(|c| UnitCode::parse(c).ok())
        else {
            continue;
        };
        if let Some(u) = state.store.unit(&code).await? {
            if u.level != UnitLevel::Province {
                out.push((u.code.to_string(), u.name.clone()));
            }
            if u.level != UnitLevel::Village {
                for c in state.store.children(Some(&u.code)).await? {
                    out.push((c.code.to_string(), format!("— {}", c.name)));
                }
            }
        }
    }
    out.dedup_by(|a, b| a.0 == b.0);
    if out.is_empty() {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    Ok(out)
}

fn render(p: RegisterPersonPage, status: StatusCode) -> Response {
    let mut r = p.into_response();
    *r.status_mut() = status;
    // A CCCD may be in the form: never cached.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn page(
    lang: Lang,
    s: &StaffCaller,
    units: Vec<(String, String)>,
    unit: String,
    form: PersonForm,
) -> RegisterPersonPage {
    RegisterPersonPage {
        l: Layout::new(lang, lang.text("register-person-title")),
        csrf: s.csrf().expose().clone(),
        units,
        unit,
        form,
        result: None,
        person_link: None,
        errors: Vec::new(),
    }
}

/// The form to register one person.
#[utoipa::path(get, path = "/quan-ly/nguoi/moi", tag = "pages",
    params(("don-vi" = Option<String>, Query, description = "The village to preselect")),
    responses((status = 200, description = "Registration form (HTML)", content_type = "text/html"), (status = 403, description = "The caller may not register people in a unit")))]
pub async fn form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Query(q): Query<UnitQuery>,
) -> Result<Response, Problem> {
    let units = units(&state, &s).await?;
    let unit = q.don_vi.unwrap_or_default();
    Ok(render(
        page(lang, &s, units, unit, PersonForm::default()),
        StatusCode::OK,
    ))
}

/// Registers one person (or updates them, by CCCD, if they live in the caller's units).
#[utoipa::path(post, path = "/quan-ly/nguoi/moi", tag = "pages",
    request_body(content = PersonForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Registered (HTML)"), (status = 403, description = "A unit outside the caller's scope, or a wrong CSRF token"), (status = 422, description = "A field refused")))]
pub async fn submit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    crate::problem::Form(form): crate::problem::Form<PersonForm>,
) -> Result<Response, Problem> {
    let units = units(&state, &s).await?;
    s.check_csrf(&form.csrf)?;
    let code = UnitCode::parse(form.unit.trim()).map_err(Problem::bad_request)?;
    let unit = state.store.unit(&code).await?.ok_or_else(|| {
        Problem::not_found(binhdan_core::unit::UnitError::UnknownUnit {
            code: code.to_string(),
        })
    })?;
    s.require(Permission::EditPeople, &Target::Unit(&unit.path))?;
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault"))?;
    let entry = binhdan_app::people::PersonEntry {
        name: form.name.clone(),
        cccd: form.cccd.clone(),
        birth: form.birth.clone(),
        sex: form.sex.clone(),
        phone: form.phone.clone(),
    };
    let result = binhdan_app::people::register_person(
        state.store.as_ref(),
        &vault,
        &entry,
        code.clone(),
        &s.reach(Permission::EditPeople),
        state.auth.evaluation_date,
        s.actor(),
        state.clock.now(),
    )
    .await;
    let unit_code = code.to_string();
    match result {
        Ok((id, counts)) => {
            tracing::info!(staff = s.id, person = id, "registered a person");
            let key = if counts.added > 0 {
                "register-person-added"
            } else if counts.updated > 0 {
                "register-person-updated"
            } else {
                "register-person-unchanged"
            };
            let name = binhdan_core::people::PersonName::parse(&form.name)
                .map_or_else(|_| form.name.clone(), |n| n.as_str().to_owned());
            // An empty form for the next person, in the same village.
            let mut p = page(lang, &s, units, unit_code, PersonForm::default());
            p.result = Some(lang.tr(&Msg::new(key).arg("name", name)));
            p.person_link = Some(id);
            Ok(render(p, StatusCode::OK))
        }
        Err(binhdan_app::ImportFailure::Rows(rows)) => {
            let elsewhere = rows
                .iter()
                .any(|r| r.msg.key == "person-registered-elsewhere");
            let errors = rows
                .iter()
                .map(|r| {
                    if r.column.is_empty() {
                        lang.tr(&r.msg)
                    } else {
                        format!("{}: {}", r.column, lang.tr(&r.msg))
                    }
                })
                .collect();
            // The typed CCCD is not echoed back into the page.
            let kept = PersonForm {
                cccd: String::new(),
                ..form
            };
            let mut p = page(lang, &s, units, unit_code, kept);
            p.errors = errors;
            let status = if elsewhere {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok(render(p, status))
        }
        Err(binhdan_app::ImportFailure::Store(e)) => Err(e.into()),
    }
}

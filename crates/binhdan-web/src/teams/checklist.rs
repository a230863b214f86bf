//! The province's visit checklist: showing it and setting its own.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::teams::{self};
use binhdan_core::Msg;
use binhdan_core::unit::Unit;
use serde::Deserialize;

use super::{Done, actor, item_label};
use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::session::{Staff, StaffCaller};

#[derive(Template, WebTemplate)]
#[template(path = "team_checklist.html")]
struct ChecklistPage {
    l: Layout,
    code: String,
    notice: Option<String>,
    items: Vec<(String, String)>,
    /// The textarea's lines, `key = label`.
    text: String,
    own: bool,
    csrf: String,
}

/// The province, if the caller may configure its checklist.
async fn configurable_province(
    state: &AppState,
    s: &StaffCaller,
    code: &str,
) -> Result<Unit, Problem> {
    let unknown = || {
        Problem::not_found(binhdan_core::unit::UnitError::UnknownUnit {
            code: code.chars().take(12).collect(),
        })
    };
    let parsed = binhdan_core::unit::UnitCode::parse(code).map_err(|_| unknown())?;
    let province = state.store.unit(&parsed).await?.ok_or_else(unknown)?;
    if !teams::may_configure(actor(s), &province) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    Ok(province)
}

/// The visit checklist of a province (its own, or the built-in one) and the form to set it
/// (province staff).
#[utoipa::path(get, path = "/quan-ly/danh-muc-tham/{code}", tag = "pages",
    params(("code" = String, Path, description = "Province code"), Done),
    responses((status = 200, description = "The checklist (HTML)", content_type = "text/html"), (status = 403, description = "Not the caller's province"), (status = 404, description = "No such unit")))]
pub async fn checklist(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(code): Path<String>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, Problem> {
    let province = configurable_province(&state, &s, &code).await?;
    let items = teams::province_checklist(state.store.as_ref(), &province.code).await?;
    let items: Vec<(String, String)> = items
        .iter()
        .map(|i| (i.key.clone(), item_label(lang, i)))
        .collect();
    let own = !state
        .store
        .visit_checklist(&province.code)
        .await?
        .is_empty();
    let page = ChecklistPage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("team-checklist-title").arg("province", &province.name)),
        ),
        code: province.code.to_string(),
        notice: done.done.map(|_| lang.text("team-saved")),
        text: items
            .iter()
            .map(|(k, l)| format!("{k} = {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        items,
        own,
        csrf: s.csrf().expose().clone(),
    };
    Ok(page.into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChecklistForm {
    #[serde(default)]
    csrf: String,
    /// One item a line: `key = label`.
    #[serde(default)]
    items: String,
}

/// Sets the province's own visit checklist (province staff; audited). Keys left out are
/// retired, never deleted: past visits keep naming them.
#[utoipa::path(post, path = "/quan-ly/danh-muc-tham/{code}", tag = "pages",
    params(("code" = String, Path, description = "Province code")),
    request_body(content = ChecklistForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the checklist"), (status = 403, description = "Not the caller's province, or a wrong CSRF token"), (status = 404, description = "No such unit"), (status = 422, description = "A line refused (the message says which)")))]
pub async fn set_checklist(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(code): Path<String>,
    crate::problem::Form(form): crate::problem::Form<ChecklistForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let province = configurable_province(&state, &s, &code).await?;
    let mut items = Vec::new();
    for (i, line) in form.items.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, label)) = line.split_once('=') else {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::new("team-checklist-line").arg("line", i + 1),
            ));
        };
        items.push((key.trim().to_owned(), label.trim().to_owned()));
    }
    teams::set_checklist(
        state.store.as_ref(),
        actor(&s),
        &province,
        &items,
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/quan-ly/danh-muc-tham/{}?da-ghi=1",
        province.code
    ))
    .into_response())
}

//! A unit's targets (K1–K5): what is in force there and where it comes from, and the form with
//! which the province sets the unit's own.

use crate::problem::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::targets::{Change, InForce, TargetError};
use binhdan_auth::access::{Permission, Target};
use binhdan_core::Msg;
use binhdan_core::kpi::Kpi;
use binhdan_core::unit::{Unit, UnitCode, UnitError};
use binhdan_i18n::Lang;
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::Problem;
use crate::session::{Staff, StaffCaller};

/// One KPI's row.
pub struct TargetRow {
    pub code: &'static str,
    pub description: String,
    pub percent: u8,
    /// As shown: `31/12/2026`.
    pub deadline: String,
    /// As a date field wants it: `2026-12-31`.
    pub deadline_iso: String,
    /// Where the target comes from, in words.
    pub source: String,
    /// The unit has a target of its own (it can be removed).
    pub own: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "targets.html")]
struct TargetsPage {
    l: Layout,
    code: String,
    crumbs: Vec<(String, String)>,
    rows: Vec<TargetRow>,
    can_edit: bool,
    csrf: String,
    error: Option<String>,
    notice: Option<String>,
}

/// A unit's lineage (the province first), or 404 for a malformed or unknown code.
pub(crate) async fn lineage_of(state: &AppState, code: &str) -> Result<Vec<Unit>, Problem> {
    let code = UnitCode::parse(code).map_err(Problem::not_found)?;
    let lineage = state.store.lineage(&code).await?;
    if lineage.is_empty() {
        return Err(Problem::not_found(UnitError::UnknownUnit {
            code: code.to_string(),
        }));
    }
    Ok(lineage)
}

fn row(lang: Lang, unit: &Unit, t: &InForce) -> TargetRow {
    let d = t.target.deadline;
    let own = t.set_on.as_ref().is_some_and(|(c, _)| *c == unit.code);
    let source = match &t.set_on {
        None => lang.text("target-source-plan"),
        Some(_) if own => lang.text("target-source-own"),
        Some((_, name)) => lang.tr(&Msg::new("target-source-above").arg("unit", name)),
    };
    TargetRow {
        code: t.kpi.as_str(),
        description: crate::dashboard::kpi_label(lang, t.kpi),
        percent: t.target.percent,
        deadline: d.to_string(),
        deadline_iso: format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        source,
        own,
    }
}

async fn page(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    lineage: &[Unit],
    error: Option<String>,
    notice: Option<String>,
) -> Result<TargetsPage, Problem> {
    let Some(unit) = lineage.last() else {
        return Err(Problem::internal(&"empty lineage"));
    };
    let in_force = binhdan_app::targets::in_force(state.store.as_ref(), lineage).await?;
    Ok(TargetsPage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("target-title").arg("unit", &unit.name)),
        ),
        code: unit.code.to_string(),
        crumbs: std::iter::once(("/quan-ly".to_owned(), lang.text("staff-home-crumb")))
            .chain(lineage.iter().map(|u| {
                // A unit above the caller's scope is named, not linked.
                let href = if s.may(Permission::ViewDashboard, &Target::Unit(&u.path)) {
                    format!("/quan-ly/tien-do/{}", u.code)
                } else {
                    String::new()
                };
                (href, u.name.clone())
            }))
            .collect(),
        rows: in_force.iter().map(|t| row(lang, unit, t)).collect(),
        can_edit: s.may(Permission::SetTargets, &Target::Unit(&unit.path)),
        csrf: s.csrf().expose().clone(),
        error,
        notice,
    })
}

/// A unit's five targets, where each comes from, and (for the province) the form to set them.
#[utoipa::path(get, path = "/quan-ly/chi-tieu/{code}", tag = "pages",
    params(("code" = String, Path, description = "Unit code"), Done),
    responses((status = 200, description = "The unit's targets (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such unit")))]
pub async fn show(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(code): Path<String>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, Problem> {
    let lineage = lineage_of(&state, &code).await?;
    let path = lineage.last().map(|u| u.path.clone()).unwrap_or_default();
    s.require(Permission::ViewDashboard, &Target::Unit(&path))?;
    let notice = match (
        done.saved.as_deref().and_then(Kpi::parse),
        done.cleared.as_deref().and_then(Kpi::parse),
    ) {
        (Some(k), _) => Some(lang.tr(&Msg::new("target-saved").arg("kpi", k.as_str()))),
        (None, Some(k)) => Some(lang.tr(&Msg::new("target-cleared").arg("kpi", k.as_str()))),
        (None, None) => None,
    };
    Ok(page(&state, lang, &s, &lineage, None, notice)
        .await?
        .into_response())
}

/// What the page says after a change (the redirect carries it).
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Done {
    /// The KPI just saved.
    #[serde(rename = "da-luu")]
    #[param(rename = "da-luu")]
    saved: Option<String>,
    /// The KPI whose own target was just removed.
    #[serde(rename = "da-bo")]
    #[param(rename = "da-bo")]
    cleared: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TargetForm {
    #[serde(default)]
    csrf: String,
    /// `K1`…`K5`.
    #[serde(default)]
    kpi: String,
    /// 0–100.
    #[serde(default)]
    percent: String,
    /// `2026-12-31` or `31/12/2026`, not in the past.
    #[serde(default)]
    deadline: String,
    /// `bo` removes the unit's own target; anything else sets it.
    #[serde(default)]
    action: String,
}

/// Sets or removes a unit's own target for one KPI (province staff over the unit; audited).
#[utoipa::path(post, path = "/quan-ly/chi-tieu/{code}", tag = "pages",
    params(("code" = String, Path, description = "Unit code")),
    request_body(content = TargetForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: back to the targets"), (status = 403, description = "Not allowed here, or a wrong CSRF token"), (status = 404, description = "No such unit"), (status = 422, description = "A refused field (the page says which)")))]
pub async fn change(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(code): Path<String>,
    crate::problem::Form(form): crate::problem::Form<TargetForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let lineage = lineage_of(&state, &code).await?;
    let Some(unit) = lineage.last() else {
        return Err(Problem::internal(&"empty lineage"));
    };
    s.require(Permission::SetTargets, &Target::Unit(&unit.path))?;
    let refused = |msg: Msg| {
        let error = lang.tr(&msg);
        let (state, s, lineage) = (&state, &s, &lineage);
        async move {
            let mut r = page(state, lang, s, lineage, Some(error), None)
                .await?
                .into_response();
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok::<Response, Problem>(r)
        }
    };
    let Some(kpi) = Kpi::parse(&form.kpi) else {
        return refused(
            Msg::new("target-kpi-unknown")
                .arg("value", form.kpi.chars().take(20).collect::<String>()),
        )
        .await;
    };
    let clearing = form.action == "bo";
    let change = if clearing {
        Change::Clear
    } else {
        Change::Set {
            percent: &form.percent,
            deadline: &form.deadline,
        }
    };
    match binhdan_app::targets::set(
        state.store.as_ref(),
        &unit.code,
        kpi,
        change,
        &s.actor(),
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/quan-ly/chi-tieu/{}?{}={}",
            unit.code,
            if clearing { "da-bo" } else { "da-luu" },
            kpi.as_str()
        ))
        .into_response()),
        Err(TargetError::Invalid(msg)) => refused(msg).await,
        Err(TargetError::UnknownUnit) => Err(Problem::not_found(UnitError::UnknownUnit {
            code: unit.code.to_string(),
        })),
        Err(TargetError::Store(e)) => Err(e.into()),
    }
}

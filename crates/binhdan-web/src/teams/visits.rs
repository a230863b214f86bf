//! A resident's page as the team sees them, and recording a member's visit.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::teams::{self, VisitInput};
use binhdan_core::Msg;
use binhdan_core::audit::AuditEntry;
use serde::Deserialize;

use super::{Done, LISTED, VisitRow, actor, iso, item_label, new_op, visible_village, visit_rows};
use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::session::Staff;

#[derive(Template, WebTemplate)]
#[template(path = "team_person.html")]
struct PersonPage {
    l: Layout,
    code: String,
    village: String,
    notice: Option<String>,
    id: i64,
    name: String,
    cccd: String,
    birth_year: i32,
    status: String,
    next: Option<String>,
    no_phone: bool,
    household: String,
    visits: Vec<VisitRow>,
    member: bool,
    items: Vec<(String, String)>,
    csrf: String,
    op: String,
    today: String,
    /// The member's offline queue: a visit recorded without a network waits on the phone.
    off: crate::offline::Learner,
}

/// A resident as the team sees them: where they stand, what to do next, their visits, and
/// (for a member) the visit form. The look is audited.
#[utoipa::path(get, path = "/quan-ly/to-cong-nghe/{code}/nguoi/{id}", tag = "pages",
    params(("code" = String, Path, description = "Village code"), ("id" = i64, Path, description = "Person id"), Done),
    responses((status = 200, description = "The person's page (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such village or resident")))]
pub async fn person(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path((code, id)): Path<(String, i64)>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, Problem> {
    let village = visible_village(&state, &s, &code).await?;
    let store = state.store.as_ref();
    let now = state.clock.now();
    // One resident of the village (the list's own query, so the status is the workspace's).
    let detail = store
        .person(id)
        .await?
        .filter(|p| p.summary.unit_path == village.path)
        .ok_or_else(|| Problem::not_found(Msg::new("people-not-found")))?;
    let resident = store.resident(&village.code, id).await?;
    store
        .append_audit(AuditEntry::new(s.actor(), "person.view").person(id), now)
        .await?;
    let member = teams::is_member(store, actor(&s), &village).await?;
    let items = teams::checklist(store, &village).await?;
    let (status, next) = resident.as_ref().map_or_else(
        || (String::new(), None),
        |r| {
            (
                lang.text(teams::standing(r).msg_key()),
                teams::next_visit(r, now).map(|n| lang.text(n.msg_key())),
            )
        },
    );
    let page = PersonPage {
        l: Layout::new(lang, detail.summary.name.clone()),
        code: village.code.to_string(),
        village: village.name.clone(),
        notice: done.done.map(|_| lang.text("team-visit-saved")),
        id,
        name: detail.summary.name.clone(),
        cccd: detail.summary.cccd_masked.clone(),
        birth_year: detail.summary.birth_year,
        status,
        next,
        no_phone: detail.phone.is_none(),
        household: resident.and_then(|r| r.household).unwrap_or_default(),
        visits: visit_rows(lang, &items, store.person_visits(id, LISTED).await?),
        member,
        items: items
            .iter()
            .map(|i| (i.key.clone(), item_label(lang, i)))
            .collect(),
        csrf: s.csrf().expose().clone(),
        op: new_op(),
        today: iso(teams::today(now)),
        off: crate::offline::Learner::member(&s),
    };
    Ok(crate::respond::no_store(page.into_response()))
}

/// A visit as the member's form sends it: `muc-<key>=1` for each checklist item ticked.
#[derive(Deserialize)]
pub struct VisitForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    household: String,
    #[serde(flatten)]
    rest: std::collections::BTreeMap<String, String>,
}

/// Records a team member's visit to a resident (audited; a resent form counts once).
#[utoipa::path(post, path = "/quan-ly/to-cong-nghe/{code}/tham", tag = "pages",
    params(("code" = String, Path, description = "Village code")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, op (device-made id), person, date, next, household, and muc-<item>=1 per checklist item done"),
    responses((status = 303, description = "Recorded (or recorded before under the same op): back to the person"), (status = 403, description = "Not a member of the village's team, a person outside the village, or a wrong CSRF token"), (status = 404, description = "No such village or person"), (status = 409, description = "The op is another action's"), (status = 422, description = "A refused field")))]
pub async fn visit(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(code): Path<String>,
    crate::problem::Form(form): crate::problem::Form<VisitForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let village = teams::village(state.store.as_ref(), &code).await?;
    let person_id: i64 = form
        .person
        .trim()
        .parse()
        .map_err(|_| Problem::not_found(Msg::new("people-not-found")))?;
    let done: Vec<String> = form
        .rest
        .keys()
        .filter_map(|k| k.strip_prefix("muc-"))
        .map(str::to_owned)
        .collect();
    teams::record_visit(
        state.store.as_ref(),
        actor(&s),
        &village,
        &VisitInput {
            op: &form.op,
            person_id,
            date: &form.date,
            done,
            next_step: &form.next,
            household: &form.household,
        },
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/quan-ly/to-cong-nghe/{}/nguoi/{person_id}?da-ghi=1",
        village.code
    ))
    .into_response())
}

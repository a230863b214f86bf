//! The village team's workspace (tổ công nghệ số cộng đồng), phone-first: the village's
//! residents by household with where each stands, whom to visit next, the team and its
//! figures (from counters); a person's page with the visit form; classes and attendance.
//! Who may do what is decided in `binhdan_app::teams`; every write carries `op`, a device-made
//! id (a hidden field made fresh with each form), so a resent form counts once and is answered
//! as the first.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::teams::{
    self, Actor, AttendInput, CheckItem, ClassInput, ItemLabel, TeamError, VisitInput,
};
use binhdan_core::audit::AuditEntry;
use binhdan_core::time::Date;
use binhdan_core::unit::Unit;
use binhdan_core::{Localized, Msg};
use binhdan_i18n::Lang;
use binhdan_store::AttendanceOutcome;
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::session::{Staff, StaffCaller};

/// Visits and classes listed on the workspace.
const LISTED: u32 = 20;

impl From<TeamError> for Problem {
    fn from(e: TeamError) -> Self {
        let msg = e.msg();
        match e {
            TeamError::NotFound(_) => Self::new(StatusCode::NOT_FOUND, msg),
            TeamError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, msg),
            TeamError::Invalid(_) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, msg),
            TeamError::Conflict(_) => Self::new(StatusCode::CONFLICT, msg),
            TeamError::Store(e) => e.into(),
        }
    }
}

fn actor(s: &StaffCaller) -> Actor<'_> {
    Actor {
        id: s.id,
        grants: &s.grants,
    }
}

/// A fresh device-made id for a form.
fn new_op() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    hex::encode(bytes)
}

fn day_text(day: i64) -> String {
    Date::from_days_since_epoch(day).map_or_else(String::new, |d| d.to_string())
}

fn iso(day: i64) -> String {
    Date::from_days_since_epoch(day).map_or_else(String::new, |d| {
        format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
    })
}

/// The village, visible to the caller, or a refusal.
async fn visible_village(state: &AppState, s: &StaffCaller, code: &str) -> Result<Unit, Problem> {
    let village = teams::village(state.store.as_ref(), code).await?;
    if !teams::may_view(actor(s), &village) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    Ok(village)
}

fn item_label(lang: Lang, item: &CheckItem) -> String {
    match &item.label {
        ItemLabel::Builtin(key) => lang.text(key),
        ItemLabel::Own(label) => label.clone(),
    }
}

pub struct ResidentRow {
    pub id: i64,
    pub name: String,
    pub cccd: String,
    pub birth_year: i32,
    pub status: String,
    pub status_token: &'static str,
    pub no_phone: bool,
    pub last_visit: String,
}

pub struct HouseholdView {
    pub label: String,
    pub people: Vec<ResidentRow>,
}

pub struct NextRow {
    pub id: i64,
    pub name: String,
    pub reason: String,
}

pub struct MemberRow {
    pub name: String,
    pub visits: i64,
    pub classes: i64,
}

pub struct VisitRow {
    pub person_id: i64,
    pub person: String,
    pub member: String,
    pub day: String,
    pub done: String,
    pub next: String,
}

pub struct ClassRow {
    pub id: i64,
    pub module: String,
    pub place: String,
    pub starts: String,
    pub present: i64,
}

pub struct ModuleOption {
    pub id: String,
    pub title: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "team.html")]
struct WorkspacePage {
    l: Layout,
    code: String,
    village: String,
    /// The commune's teams page, for those who see the commune.
    commune_href: Option<String>,
    notice: Option<String>,
    figures: Vec<(String, i64)>,
    members: Vec<MemberRow>,
    member: bool,
    can_appoint: bool,
    next: Vec<NextRow>,
    households: Vec<HouseholdView>,
    /// The residents' page shown, and how many there are.
    page_no: usize,
    pages: usize,
    visits: Vec<VisitRow>,
    classes: Vec<ClassRow>,
    modules: Vec<ModuleOption>,
    csrf: String,
    op: String,
    class_starts: String,
}

fn visit_rows(
    lang: Lang,
    items: &[CheckItem],
    visits: Vec<binhdan_store::VisitRecord>,
) -> Vec<VisitRow> {
    visits
        .into_iter()
        .map(|v| VisitRow {
            person_id: v.person_id,
            person: v.person_name,
            member: v.member_name,
            day: day_text(v.visited_on),
            done: v
                .done
                .iter()
                .map(|k| {
                    items
                        .iter()
                        .find(|i| &i.key == k)
                        .map_or_else(|| k.clone(), |i| item_label(lang, i))
                })
                .collect::<Vec<_>>()
                .join(", "),
            next: v.next_step,
        })
        .collect()
}

/// The modules of the curriculum a class may be for, as (id, title).
async fn module_options(state: &AppState) -> Result<Vec<ModuleOption>, Problem> {
    let mut out = Vec::new();
    for course in state.store.courses().await? {
        if let Some(outline) = state.store.course_outline(&course.id).await? {
            out.extend(outline.modules.into_iter().map(|m| ModuleOption {
                id: m.id,
                title: format!("{} — {}", course.title, m.title),
            }));
        }
    }
    Ok(out)
}

/// What the page says after a write (the redirect carries it).
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Done {
    /// `1` after a write.
    #[serde(rename = "da-ghi")]
    #[param(rename = "da-ghi")]
    done: Option<String>,
}

/// Which page of the residents (from 1).
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Paged {
    #[serde(rename = "trang")]
    #[param(rename = "trang")]
    page: Option<String>,
}

/// Residents shown per page of the workspace (a page stays light on a phone).
const RESIDENTS_PER_PAGE: usize = 100;

/// The village team's workspace: figures, members, whom to visit next, residents by household.
#[utoipa::path(get, path = "/quan-ly/to-cong-nghe/{code}", tag = "pages",
    params(("code" = String, Path, description = "Village code"), Done, Paged),
    responses((status = 200, description = "The team's workspace (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such village")))]
pub async fn workspace(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(code): Path<String>,
    axum::extract::Query(done): axum::extract::Query<Done>,
    axum::extract::Query(shown): axum::extract::Query<Paged>,
) -> Result<Response, Problem> {
    let village = visible_village(&state, &s, &code).await?;
    let store = state.store.as_ref();
    let now = state.clock.now();
    let member = teams::is_member(store, actor(&s), &village).await?;
    let page_no = shown
        .page
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let figures = store.team_figures(&village.code).await?;
    let items = teams::checklist(store, &village).await?;
    let residents = store
        .residents(&village.code, teams::RESIDENTS_SHOWN)
        .await?;
    let mut next: Vec<(teams::NextVisit, NextRow)> = residents
        .iter()
        .filter_map(|r| {
            let why = teams::next_visit(r, now)?;
            Some((
                why,
                NextRow {
                    id: r.id,
                    name: r.name.clone(),
                    reason: lang.text(why.msg_key()),
                },
            ))
        })
        .collect();
    next.sort_by_key(|(why, _)| *why);
    let mut households: Vec<HouseholdView> = Vec::new();
    let pages = residents.len().div_ceil(RESIDENTS_PER_PAGE).max(1);
    let page_no = page_no.min(pages);
    for r in residents
        .iter()
        .skip((page_no - 1) * RESIDENTS_PER_PAGE)
        .take(RESIDENTS_PER_PAGE)
    {
        let standing = teams::standing(r);
        let row = ResidentRow {
            id: r.id,
            name: r.name.clone(),
            cccd: r.cccd_masked.clone(),
            birth_year: r.birth_year,
            status: lang.text(standing.msg_key()),
            status_token: standing.as_str(),
            no_phone: !r.has_phone,
            last_visit: r.last_visit_on.map(day_text).unwrap_or_default(),
        };
        let label = r
            .household
            .clone()
            .unwrap_or_else(|| lang.text("team-household-none"));
        match households.last_mut() {
            Some(h) if h.label == label => h.people.push(row),
            _ => households.push(HouseholdView {
                label,
                people: vec![row],
            }),
        }
    }
    let classes = store.village_classes(&village.code, LISTED).await?;
    let modules = if member {
        module_options(&state).await?
    } else {
        Vec::new()
    };
    let page = WorkspacePage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("team-title").arg("village", &village.name)),
        ),
        code: village.code.to_string(),
        village: village.name.clone(),
        commune_href: village
            .parent_code
            .as_ref()
            .filter(|_| {
                let commune_path = village
                    .path
                    .trim_end_matches('/')
                    .rsplit_once('/')
                    .map_or("", |(p, _)| p);
                s.may(
                    binhdan_auth::access::Permission::ViewDashboard,
                    &binhdan_auth::access::Target::Unit(commune_path),
                )
            })
            .map(|c| format!("/quan-ly/cac-to-cong-nghe/{c}")),
        notice: done.done.map(|_| lang.text("team-saved")),
        figures: vec![
            (lang.text("team-figure-roster"), figures.roster),
            (lang.text("team-figure-reached"), figures.reached),
            (lang.text("team-figure-visits"), figures.visits),
            (lang.text("team-figure-classes"), figures.classes),
            (lang.text("team-figure-certified"), figures.certified),
        ],
        members: store
            .team_members(&village.code)
            .await?
            .into_iter()
            .map(|m| MemberRow {
                name: m.display_name,
                visits: m.visits,
                classes: m.classes,
            })
            .collect(),
        member,
        can_appoint: teams::may_appoint(actor(&s), &village),
        next: next
            .into_iter()
            .take(LISTED as usize)
            .map(|(_, r)| r)
            .collect(),
        households,
        page_no,
        pages,
        visits: visit_rows(
            lang,
            &items,
            store.village_visits(&village.code, LISTED).await?,
        ),
        classes: classes
            .into_iter()
            .map(|c| ClassRow {
                id: c.id,
                module: modules
                    .iter()
                    .find(|m| m.id == c.module_id)
                    .map_or_else(|| c.module_id.clone(), |m| m.title.clone()),
                place: c.place,
                starts: binhdan_app::events::format_local_time(c.starts_at),
                present: c.present,
            })
            .collect(),
        modules,
        csrf: s.csrf().expose().clone(),
        op: new_op(),
        class_starts: binhdan_app::events::format_local_input(now),
    };
    Ok(crate::respond::no_store(page.into_response()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AppointForm {
    #[serde(default)]
    csrf: String,
    /// The staff account's username (a facilitator of this village).
    #[serde(default)]
    username: String,
}

/// Appoints a facilitator of the village to its team (the commune admin; audited).
#[utoipa::path(post, path = "/quan-ly/to-cong-nghe/{code}/thanh-vien", tag = "pages",
    params(("code" = String, Path, description = "Village code")),
    request_body(content = AppointForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Appointed (or already a member): back to the workspace"), (status = 403, description = "Not the caller's to appoint, or a wrong CSRF token"), (status = 404, description = "No such village"), (status = 422, description = "No such account, or not a facilitator of this village")))]
pub async fn appoint(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(code): Path<String>,
    crate::problem::Form(form): crate::problem::Form<AppointForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let village = teams::village(state.store.as_ref(), &code).await?;
    teams::appoint(
        state.store.as_ref(),
        actor(&s),
        &village,
        &form.username,
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/quan-ly/to-cong-nghe/{}?da-ghi=1", village.code)).into_response())
}

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
    let resident = store
        .residents(&village.code, teams::RESIDENTS_SHOWN)
        .await?
        .into_iter()
        .find(|r| r.id == id);
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClassForm {
    #[serde(default)]
    csrf: String,
    /// The device-made id.
    #[serde(default)]
    op: String,
    /// A module id of the curriculum.
    #[serde(default)]
    module: String,
    #[serde(default)]
    place: String,
    /// `2026-12-01T19:30`.
    #[serde(default)]
    starts: String,
}

/// Opens a class of the village's team (a resent form counts once).
#[utoipa::path(post, path = "/quan-ly/to-cong-nghe/{code}/lop", tag = "pages",
    params(("code" = String, Path, description = "Village code")),
    request_body(content = ClassForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Opened (or opened before under the same op): to the class"), (status = 403, description = "Not a member of the village's team, or a wrong CSRF token"), (status = 404, description = "No such village"), (status = 409, description = "The op is another action's"), (status = 422, description = "A refused field")))]
pub async fn open_class(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(code): Path<String>,
    crate::problem::Form(form): crate::problem::Form<ClassForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let village = teams::village(state.store.as_ref(), &code).await?;
    let done = teams::open_class(
        state.store.as_ref(),
        actor(&s),
        &village,
        &ClassInput {
            op: &form.op,
            module: &form.module,
            place: &form.place,
            starts: &form.starts,
        },
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/quan-ly/lop-hoc/{}", done.id)).into_response())
}

pub struct AttendeeRow {
    pub name: String,
    pub via: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "team_class.html")]
struct ClassPage {
    l: Layout,
    id: i64,
    code: String,
    village: String,
    notice: Option<String>,
    place: String,
    starts: String,
    present: i64,
    attendees: Vec<AttendeeRow>,
    member: bool,
    residents: Vec<(i64, String)>,
    csrf: String,
    op: String,
}

/// What the class page says after a marking.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Marked {
    /// `moi`: marked now; `roi`: was already present.
    #[serde(rename = "co-mat")]
    #[param(rename = "co-mat")]
    marked: Option<String>,
}

/// A class of a village's team and who is present; for a member, the attendance form (card
/// QR text, a typed number or phone, or the village list).
#[utoipa::path(get, path = "/quan-ly/lop-hoc/{id}", tag = "pages",
    params(("id" = i64, Path, description = "Class id"), Marked),
    responses((status = 200, description = "The class (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such class")))]
pub async fn class(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    axum::extract::Query(marked): axum::extract::Query<Marked>,
) -> Result<Response, Problem> {
    let store = state.store.as_ref();
    let class = store
        .team_class(id)
        .await?
        .ok_or_else(|| Problem::not_found(Msg::new("team-class-unknown")))?;
    let village = visible_village(&state, &s, class.village_code.as_str()).await?;
    let member = teams::is_member(store, actor(&s), &village).await?;
    let module = module_options(&state)
        .await?
        .into_iter()
        .find(|m| m.id == class.module_id)
        .map_or_else(|| class.module_id.clone(), |m| m.title);
    let residents = if member {
        store
            .residents(&village.code, teams::RESIDENTS_SHOWN)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect()
    } else {
        Vec::new()
    };
    let page = ClassPage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("team-class-title").arg("module", &module)),
        ),
        id,
        code: village.code.to_string(),
        village: village.name.clone(),
        notice: match marked.marked.as_deref() {
            Some("moi") => Some(lang.text("team-attend-marked")),
            Some("roi") => Some(lang.text("team-attend-already")),
            _ => None,
        },
        place: class.place.clone(),
        starts: binhdan_app::events::format_local_time(class.starts_at),
        present: class.present,
        attendees: store
            .attendees(id)
            .await?
            .into_iter()
            .map(|a| AttendeeRow {
                name: a.name,
                via: lang.text(match a.via {
                    binhdan_store::AttendVia::Card => "team-via-card",
                    binhdan_store::AttendVia::Number => "team-via-number",
                    binhdan_store::AttendVia::Phone => "team-via-phone",
                    binhdan_store::AttendVia::List => "team-via-list",
                }),
                at: binhdan_app::events::format_local_time(a.marked_at),
            })
            .collect(),
        member,
        residents,
        csrf: s.csrf().expose().clone(),
        op: new_op(),
    };
    Ok(crate::respond::no_store(page.into_response()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AttendForm {
    #[serde(default)]
    csrf: String,
    /// The device-made id.
    #[serde(default)]
    op: String,
    /// The text of the citizen identity card's QR code.
    #[serde(default)]
    card: String,
    /// A CCCD or phone number, typed.
    #[serde(default)]
    identity: String,
    /// A person picked from the village list.
    #[serde(default)]
    person: String,
    /// `1`: register the card's holder in the village first, if they are not on the roster.
    #[serde(default)]
    register: String,
}

/// Marks a learner present at the class (participation counted once per person).
#[utoipa::path(post, path = "/quan-ly/lop-hoc/{id}/diem-danh", tag = "pages",
    params(("id" = i64, Path, description = "Class id")),
    request_body(content = AttendForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Marked (or already present): back to the class"), (status = 403, description = "Not a member of the class's village team, a person outside the village, or a wrong CSRF token"), (status = 404, description = "No such class or person"), (status = 409, description = "The op is another action's"), (status = 422, description = "A card QR, number or phone refused (the message says why)")))]
pub async fn attend(
    State(state): State<AppState>,
    Staff(s): Staff,
    Path(id): Path<i64>,
    crate::problem::Form(form): crate::problem::Form<AttendForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault configured"))?;
    let person = form.person.trim();
    let person_id = if person.is_empty() {
        None
    } else {
        Some(
            person
                .parse::<i64>()
                .map_err(|_| Problem::not_found(Msg::new("people-not-found")))?,
        )
    };
    if form.register == "1" && !form.card.trim().is_empty() {
        teams::register_from_card(
            state.store.as_ref(),
            &vault,
            actor(&s),
            id,
            &form.card,
            &s.reach(binhdan_auth::access::Permission::EditPeople),
            state.auth.evaluation_date,
            state.clock.now(),
        )
        .await?;
    }
    let (outcome, _) = teams::mark_present(
        state.store.as_ref(),
        &vault,
        actor(&s),
        id,
        &AttendInput {
            op: &form.op,
            card: &form.card,
            identity: &form.identity,
            person_id,
        },
        crate::respond::cutoff(&state),
        state.clock.now(),
    )
    .await?;
    let marked = match outcome {
        AttendanceOutcome::New => "moi",
        AttendanceOutcome::Already { .. } => "roi",
    };
    Ok(Redirect::to(&format!("/quan-ly/lop-hoc/{id}?co-mat={marked}")).into_response())
}

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

pub struct VillageTeamRow {
    pub code: String,
    pub name: String,
    pub members: i64,
    pub roster: i64,
    pub reached: i64,
    pub visits: i64,
    pub classes: i64,
    pub certified: i64,
}

impl From<(String, String, i64, binhdan_store::TeamFigures)> for VillageTeamRow {
    fn from((code, name, members, f): (String, String, i64, binhdan_store::TeamFigures)) -> Self {
        Self {
            code,
            name,
            members,
            roster: f.roster,
            reached: f.reached,
            visits: f.visits,
            classes: f.classes,
            certified: f.certified,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "team_commune.html")]
struct CommunePage {
    l: Layout,
    code: String,
    rows: Vec<VillageTeamRow>,
    total: VillageTeamRow,
}

/// A commune's village teams side by side (members, people reached, visits, classes,
/// certified beside the adults on the roster), from counters only.
#[utoipa::path(get, path = "/quan-ly/cac-to-cong-nghe/{code}", tag = "pages",
    params(("code" = String, Path, description = "Commune code")),
    responses((status = 200, description = "The commune's village teams (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such commune")))]
pub async fn commune(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let unknown = || {
        Problem::not_found(binhdan_core::unit::UnitError::UnknownUnit {
            code: code.chars().take(12).collect(),
        })
    };
    let parsed = binhdan_core::unit::UnitCode::parse(&code).map_err(|_| unknown())?;
    let commune = state
        .store
        .unit(&parsed)
        .await?
        .filter(|u| u.level == binhdan_core::unit::UnitLevel::Commune)
        .ok_or_else(unknown)?;
    s.require(
        binhdan_auth::access::Permission::ViewDashboard,
        &binhdan_auth::access::Target::Unit(&commune.path),
    )?;
    let teams = state.store.village_teams(&commune.code).await?;
    let total = state.store.team_figures(&commune.code).await?;
    let members = teams.iter().map(|t| t.members).sum();
    let page = CommunePage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("team-commune-title").arg("commune", &commune.name)),
        ),
        code: commune.code.to_string(),
        rows: teams
            .into_iter()
            .map(|t| (t.code.to_string(), t.name, t.members, t.figures).into())
            .collect(),
        total: (
            commune.code.to_string(),
            commune.name.clone(),
            members,
            total,
        )
            .into(),
    };
    Ok(page.into_response())
}

//! The village team's workspace (residents by household, whom to visit next, the team and
//! its figures), appointing a member, and a commune's village teams side by side.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::teams::{self};
use binhdan_core::Msg;
use serde::Deserialize;

use super::{
    ClassRow, Done, HouseholdView, LISTED, MemberRow, ModuleOption, NextRow, Paged, ResidentRow,
    VisitRow, actor, day_text, module_options, new_op, resident_page, visible_village, visit_rows,
};
use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::session::Staff;

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
    /// The page of whom to visit next (from 1), the number of its first, and whether more
    /// follow.
    next_page: u32,
    next_first: u64,
    next_more: bool,
    households: Vec<HouseholdView>,
    /// The residents' page shown, and how many there are.
    page_no: u32,
    pages: u32,
    /// The name searched for among the residents (empty: all), how many were found, and the
    /// search as a query parameter for the paging links.
    search: String,
    found: String,
    search_param: String,
    visits: Vec<VisitRow>,
    classes: Vec<ClassRow>,
    modules: Vec<ModuleOption>,
    csrf: String,
    op: String,
    class_starts: String,
}

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
    let page_no = Paged::number(shown.page.as_deref());
    let search = shown.search.as_deref().map(str::trim).unwrap_or_default();
    let figures = store.team_figures(&village.code).await?;
    let items = teams::checklist(store, &village).await?;
    let (residents, page_no, pages, found) =
        resident_page(store, &village, search, page_no).await?;
    // Whom to visit next: one bounded query a page (the store orders by the rule of
    // `teams::to_visit_next`).
    let next_page = Paged::number(shown.next_page.as_deref());
    let to_visit = teams::to_visit_next(store, &village.code, next_page, now).await?;
    let next_more = to_visit.more;
    let next: Vec<NextRow> = to_visit
        .people
        .into_iter()
        .map(|n| NextRow {
            id: n.resident.id,
            name: n.resident.name,
            reason: match (n.visited_recently, n.resident.last_visit_on) {
                (true, Some(day)) => lang.tr(&Msg::new("team-next-visited")
                    .arg("why", lang.text(n.why.msg_key()))
                    .arg("day", day_text(day))),
                _ => lang.text(n.why.msg_key()),
            },
        })
        .collect();
    let mut households: Vec<HouseholdView> = Vec::new();
    for r in &residents {
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
        next,
        next_page,
        next_first: u64::from(next_page - 1) * u64::from(teams::NEXT_PER_PAGE) + 1,
        next_more,
        households,
        page_no,
        pages,
        search: search.to_owned(),
        found: lang.tr(&Msg::new("team-residents-found")
            .arg("n", found)
            .arg("q", search)),
        search_param: if search.is_empty() {
            String::new()
        } else {
            format!("&tim={}", crate::session::percent_encode(search))
        },
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

pub struct VillageTeamRow {
    pub code: String,
    pub name: String,
    pub members: i64,
    pub roster: i64,
    pub reached: i64,
    pub visits: i64,
    pub classes: i64,
    pub certified: i64,
    /// Of the certified, those certified in a supervised sitting.
    pub assisted: i64,
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
            assisted: f.assisted,
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
    let teams = state.store.teams_below(&commune.code).await?;
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

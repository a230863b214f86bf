//! The village team's workspace (tổ công nghệ số cộng đồng), phone-first: the village's
//! residents by household with where each stands, whom to visit next, the team and its
//! figures (from counters); a person's page with the visit form; classes and attendance.
//! Who may do what is decided in `binhdan_app::teams`; every write carries `op`, a device-made
//! id (a hidden field made fresh with each form), so a resent form counts once and is answered
//! as the first.

use axum::http::StatusCode;
use binhdan_app::teams::{self, Actor, CheckItem, ItemLabel, TeamError};
use binhdan_core::time::Date;
use binhdan_core::unit::Unit;
use binhdan_core::{Localized, Msg};
use binhdan_i18n::Lang;
use binhdan_store::{Resident, ResidentsQuery, Store};
use serde::Deserialize;

use crate::AppState;
use crate::problem::Problem;
use crate::session::StaffCaller;

mod assisted;
mod checklist;
mod classes;
mod join;
mod shared_device;
mod visits;
mod workspace;

pub use assisted::*;
pub use checklist::*;
pub use classes::*;
pub use join::*;
pub use shared_device::*;
pub use visits::*;
pub use workspace::*;

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
            TeamError::Exam(e) => Self::internal(&e),
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
    let mut courses = state.store.courses().await?;
    // A village class teaches residents: the citizens' course first (its first module is the
    // form's default), the other groups' after.
    courses.sort_by_key(|c| {
        binhdan_core::kpi::Group::parse(&c.group) != Some(binhdan_core::kpi::Group::Adult)
    });
    for course in courses {
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

/// Which page of the residents, and of whom to visit next (each from 1).
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Paged {
    #[serde(rename = "trang")]
    #[param(rename = "trang")]
    page: Option<String>,
    /// The page of whom to visit next ("Xem thêm" leads to the next).
    #[serde(rename = "tham")]
    #[param(rename = "tham")]
    next_page: Option<String>,
    /// Only residents whose name holds this text (diacritics and case do not matter).
    #[serde(rename = "tim")]
    #[param(rename = "tim")]
    search: Option<String>,
}

impl Paged {
    /// A page number from 1 (1 when missing or unreadable).
    fn number(value: Option<&str>) -> u32 {
        value
            .and_then(|p| p.trim().parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

/// Residents shown per page of the workspace (a page stays light on a phone).
const RESIDENTS_PER_PAGE: u32 = 100;

/// A page of the village's residents found by `search` (all when empty), in one bounded
/// query however large the village: the residents, the page shown (a page past the last
/// shows the last), how many pages and how many residents were found.
async fn resident_page(
    store: &dyn Store,
    village: &Unit,
    search: &str,
    page_no: u32,
) -> Result<(Vec<Resident>, u32, u32, u64), Problem> {
    let query = |page: u32| ResidentsQuery {
        name: (!search.is_empty()).then(|| search.to_owned()),
        limit: RESIDENTS_PER_PAGE,
        offset: (page - 1).saturating_mul(RESIDENTS_PER_PAGE),
    };
    let mut found = store.residents(&village.code, &query(page_no)).await?;
    let pages = u32::try_from(found.total.div_ceil(u64::from(RESIDENTS_PER_PAGE)))
        .unwrap_or(u32::MAX)
        .max(1);
    if page_no > pages {
        found = store.residents(&village.code, &query(pages)).await?;
    }
    Ok((found.residents, page_no.min(pages), pages, found.total))
}

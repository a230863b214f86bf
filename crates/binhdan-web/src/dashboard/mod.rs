//! The campaign dashboard for staff: one unit, one KPI — where it stands against the target in
//! force, its last 30 days as a chart, and its communes or villages ranked (thi đua) with the
//! change since last week and which will miss the target at their current pace. Server-rendered
//! SVG, no JavaScript; every figure from the counters.

use crate::problem::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use binhdan_app::dashboard::{Dashboard, Standing, Standings};
use binhdan_auth::access::{Permission, Target};
use binhdan_core::Msg;
use binhdan_core::kpi::Kpi;
use binhdan_core::unit::UnitCode;
use binhdan_i18n::Lang;
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::{Layout, format_count, mean_gain};
use crate::problem::Problem;
use crate::respond::spreadsheet;
use crate::session::Staff;

mod can_do;
mod report;
pub use report::*;

/// A share in tenths of a per cent as people read it: `72,5%` (vi) or `72.5%` (en).
pub(crate) fn percent(lang: Lang, permille: u64) -> String {
    let sep = if lang == Lang::Vi { ',' } else { '.' };
    format!("{}{sep}{}%", permille / 10, permille % 10)
}

/// A change in percentage points, signed: `+3,2`.
fn points(lang: Lang, now: u64, then: u64) -> String {
    let d = i128::from(now) - i128::from(then);
    let sign = if d < 0 { "−" } else { "+" };
    let sep = if lang == Lang::Vi { ',' } else { '.' };
    format!("{sign}{}{sep}{}", d.abs() / 10, d.abs() % 10)
}

/// An indicator as the tabs and tables name it: `Người trưởng thành · có kỹ năng số cơ bản`
/// (without the plan's default percentage, which a unit's own target may replace).
pub(crate) fn kpi_label(lang: Lang, k: Kpi) -> String {
    format!(
        "{} · {}",
        lang.tr(&k.group().label()),
        lang.text(match k.metric() {
            binhdan_core::kpi::Metric::Skilled => "dash-metric-skilled",
            binhdan_core::kpi::Metric::Certified => "dash-metric-certified",
        })
    )
}

pub struct RowView {
    /// The rank, or `–` when not ranked (no denominator).
    pub rank: String,
    /// `▲ 2`, `▼ 1`, `=` or empty (no ranking a week ago).
    pub movement: String,
    pub movement_label: String,
    pub code: String,
    pub name: String,
    pub value: String,
    pub denominator: String,
    pub from_roster: bool,
    pub percent: String,
    pub bar: u64,
    pub target: u8,
    pub week: String,
    pub gap: String,
    pub standing: String,
    pub standing_class: &'static str,
    /// People to reach each week to make the deadline (empty once reached or past it).
    pub needed: String,
    /// Reached over the last 7 days (empty where no daily figures are kept).
    pub pace: String,
}

fn row(lang: Lang, s: &Standings) -> RowView {
    let (movement, movement_label) = match s.rank_week_ago {
        Some(then) if then > s.rank => (
            format!("▲ {}", then - s.rank),
            lang.tr(&Msg::new("dash-rank-up").arg("n", then - s.rank)),
        ),
        Some(then) if then < s.rank => (
            format!("▼ {}", s.rank - then),
            lang.tr(&Msg::new("dash-rank-down").arg("n", s.rank - then)),
        ),
        Some(_) => (String::new(), lang.text("dash-rank-same")),
        None => (String::new(), String::new()),
    };
    RowView {
        rank: if s.rank == 0 {
            "–".to_owned()
        } else {
            s.rank.to_string()
        },
        movement,
        movement_label,
        code: s.code.clone(),
        name: s.name.clone(),
        value: format_count(lang, s.value),
        denominator: format_count(lang, s.denominator),
        from_roster: s.from_roster,
        percent: percent(lang, s.permille),
        bar: (s.permille / 10).min(100),
        target: s.target.percent,
        week: s
            .permille_week_ago
            .map(|then| points(lang, s.permille, then))
            .unwrap_or_default(),
        gap: format_count(lang, s.gap),
        standing: lang.text(s.standing.key()),
        standing_class: match s.standing {
            Standing::AtRisk | Standing::Missed => "risk",
            Standing::Behind => "behind",
            Standing::Reached => "done",
            _ => "",
        },
        needed: s
            .needed_per_week
            .map(|n| format_count(lang, n))
            .unwrap_or_default(),
        pace: s
            .last_week
            .map(|n| format_count(lang, n))
            .unwrap_or_default(),
    }
}

/// How the units below are listed: ranked (thi đua), furthest behind first, or fastest first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Rank,
    Behind,
    Pace,
}

impl Order {
    fn parse(s: Option<&str>) -> Self {
        match s {
            Some("cham-nhat") => Self::Behind,
            Some("nhanh-nhat") => Self::Pace,
            _ => Self::Rank,
        }
    }

    const fn param(self) -> &'static str {
        match self {
            Self::Rank => "thu-hang",
            Self::Behind => "cham-nhat",
            Self::Pace => "nhanh-nhat",
        }
    }
}

/// Which standings are listed (`tinh-trang`).
fn standing_filter(s: Option<&str>) -> Option<Standing> {
    match s {
        Some("nguy-co") => Some(Standing::AtRisk),
        Some("cham") => Some(Standing::Behind),
        Some("dung-tien-do") => Some(Standing::OnTrack),
        Some("da-dat") => Some(Standing::Reached),
        _ => None,
    }
}

/// Units listed per page of the ranking.
const ROWS_PER_PAGE: usize = 40;

/// A link among the ranking's choices (sort, filter, page).
pub struct Choice {
    pub href: String,
    pub label: String,
    pub current: bool,
}

/// A unit furthest behind, and what it takes.
pub struct AttentionView {
    pub code: String,
    pub name: String,
    pub text: String,
}

/// The 30-day chart: the share reached each day, against the target's line.
pub struct TrendChart {
    pub points: String,
    /// Where the target's line is drawn; `None` when the target is above the chart's top.
    pub target_y: Option<u64>,
    /// Where the target's label is written (above its line, or below it near the top).
    pub target_label_y: u64,
    /// The chart's top (`5,0%`).
    pub top: String,
    /// `chỉ tiêu 90%`, written on the target's line.
    pub target_text: String,
    pub first: String,
    pub last: String,
    pub label: String,
}

const CHART_W: u64 = 600;
const CHART_H: u64 = 160;

/// The chart's top, in tenths of a per cent: the smallest of 1, 2, 5, 10, 20, 50 and 100 %
/// above the highest share shown, so a campaign at 0.4 % is not a flat line on a 100 % axis.
fn scale_top(highest: u64) -> u64 {
    [10, 20, 50, 100, 200, 500, 1000]
        .into_iter()
        .find(|t| *t >= highest)
        .unwrap_or(1000)
}

fn chart(lang: Lang, d: &Dashboard) -> Option<TrendChart> {
    let days = u64::try_from(d.trend.len()).ok().filter(|n| *n >= 2)?;
    let denominator = d.unit.denominator;
    // Shares in hundredths of a per mille (tenths of a per cent × 100), rounded.
    let share_of = |v: u64| {
        v.saturating_mul(100_000)
            .saturating_add(denominator / 2)
            .checked_div(denominator)
            .unwrap_or(0)
    };
    let highest = d.trend.iter().map(|(_, v)| share_of(*v)).max().unwrap_or(0);
    let top = scale_top(highest.div_ceil(100)) * 100;
    let height_of = |share: u64| CHART_H - share.min(top) * CHART_H / top;
    let points: Vec<String> = d
        .trend
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let x = u64::try_from(i).unwrap_or(0) * CHART_W / (days - 1);
            format!("{x},{}", height_of(share_of(*v)))
        })
        .collect();
    let (first_day, first_value) = d.trend.first()?;
    let (last_day, last_value) = d.trend.last()?;
    let target = u64::from(d.target.target.percent) * 1000;
    let share = |v: &u64| percent(lang, share_of(*v).saturating_add(50) / 100);
    Some(TrendChart {
        points: points.join(" "),
        target_y: (target <= top).then(|| height_of(target)),
        target_label_y: if target <= top {
            let y = height_of(target);
            if y > 30 { y - 8 } else { y + 26 }
        } else {
            24
        },
        target_text: lang.tr(&Msg::new(if target <= top {
            "dash-chart-target"
        } else {
            "dash-chart-target-above"
        })
        .arg("target", format!("{}%", d.target.target.percent))),
        top: percent(lang, top / 100),
        first: first_day.to_string(),
        last: last_day.to_string(),
        label: lang.tr(&Msg::new("dash-trend-label")
            .arg("from", share(first_value))
            .arg("to", share(last_value))
            .arg("from_n", format_count(lang, *first_value))
            .arg("to_n", format_count(lang, *last_value))
            .arg("first", first_day)
            .arg("last", last_day)
            .arg("target", format!("{}%", d.target.target.percent))),
    })
}

pub struct KpiTab {
    pub code: &'static str,
    pub label: String,
    pub current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    code: String,
    kpi: &'static str,
    kpi_text: String,
    tabs: Vec<KpiTab>,
    crumbs: Vec<(String, String)>,
    me: RowView,
    deadline: String,
    pace: String,
    projected: String,
    gain: String,
    proficient: String,
    /// People of the group who came to a live event; empty when none.
    participated: String,
    chart: Option<TrendChart>,
    rows: Vec<RowView>,
    children_heading: String,
    at_risk: usize,
    behind: usize,
    /// The list is filtered by standing (an empty list means none in that standing).
    filtered: bool,
    /// The units furthest behind (at most five), first on the page.
    attention: Vec<AttentionView>,
    orders: Vec<Choice>,
    filters: Vec<Choice>,
    pages: Vec<Choice>,
    /// "Units 41–80 of 166" when paged, else empty.
    shown: String,
    organisations: Vec<RowView>,
    organisations_heading: String,
    /// Daily figures exist for the units listed (communes), so the weekly change is shown.
    weekly: bool,
    /// The unit has units below it (a village has none).
    has_children_level: bool,
    /// The community digital technology teams' work (a commune's or village's).
    team: Option<TeamView>,
    /// What people of the group could do of the simulated tasks; empty when none was given.
    can_do: Vec<can_do::CanDoView>,
}

/// What the village teams did, beside the unit's figures.
pub struct TeamView {
    /// The team's page: a village's workspace, or a commune's overview of its villages.
    pub href: String,
    pub reached: String,
    pub visits: String,
    pub classes: String,
    pub certified: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DashboardParams {
    /// The indicator: `K1`…`K5` (default `K3`).
    #[serde(rename = "chi-tieu")]
    #[param(rename = "chi-tieu")]
    kpi: Option<String>,
    /// How the units below are listed: `thu-hang` (ranked, default), `cham-nhat` (furthest
    /// behind first), `nhanh-nhat` (fastest last week first).
    #[serde(rename = "xep")]
    #[param(rename = "xep")]
    order: Option<String>,
    /// Only the units that are `nguy-co` (at risk), `cham` (behind), `dung-tien-do` (on
    /// track) or `da-dat` (reached).
    #[serde(rename = "tinh-trang")]
    #[param(rename = "tinh-trang")]
    standing: Option<String>,
    /// The page of the list (from 1).
    #[serde(rename = "trang")]
    #[param(rename = "trang")]
    page: Option<usize>,
}

/// A unit's dashboard for one indicator: against the target in force, the last 30 days, and
/// the units below ranked with their change since last week and those at risk.
#[utoipa::path(get, path = "/quan-ly/tien-do/{code}", tag = "pages",
    params(("code" = String, Path, description = "Unit code"), DashboardParams),
    responses((status = 200, description = "The dashboard (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such unit or indicator")))]
pub async fn show(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(code): Path<String>,
    Query(params): Query<DashboardParams>,
) -> Result<Response, Problem> {
    let lineage = crate::targets::lineage_of(&state, &code).await?;
    let Some(unit) = lineage.last() else {
        return Err(Problem::internal(&"empty lineage"));
    };
    s.require(Permission::ViewDashboard, &Target::Unit(&unit.path))?;
    let kpi = match params.kpi.as_deref() {
        None | Some("") => Kpi::K3,
        Some(k) => Kpi::parse(k).ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                Msg::new("target-kpi-unknown").arg("value", k.chars().take(20).collect::<String>()),
            )
        })?,
    };
    let Some(d) =
        binhdan_app::dashboard::dashboard(state.store.as_ref(), &lineage, kpi, state.clock.now())
            .await?
    else {
        return Err(Problem::internal(&"empty lineage"));
    };
    let me = row(lang, &d.unit);
    let team = match unit.level {
        binhdan_core::unit::UnitLevel::Province => None,
        level => {
            let f = state.store.team_figures(&unit.code).await?;
            let count = |n: i64| format_count(lang, u64::try_from(n).unwrap_or(0));
            Some(TeamView {
                // The link only for who may open it: a village's workspace lists its people.
                href: if level != binhdan_core::unit::UnitLevel::Village {
                    format!("/quan-ly/cac-to-cong-nghe/{}", unit.code)
                } else if s.may(Permission::ViewPeople, &Target::Unit(&unit.path)) {
                    format!("/quan-ly/to-cong-nghe/{}", unit.code)
                } else {
                    String::new()
                },
                reached: lang.tr(&Msg::new("dash-team-reached")
                    .arg("reached", count(f.reached))
                    .arg("roster", count(f.roster))),
                visits: count(f.visits),
                classes: count(f.classes),
                // The assisted share beside the certified count (supervised sittings).
                certified: format!(
                    "{} · {}",
                    lang.tr(&Msg::new("dash-team-certified")
                        .arg("certified", count(f.certified))
                        .arg("roster", count(f.roster))),
                    lang.tr(&Msg::new("team-assisted-share")
                        .arg("assisted", count(f.assisted))
                        .arg("certified", count(f.certified)))
                ),
            })
        }
    };
    // The units below: filtered, ordered and paged as asked.
    let order = Order::parse(params.order.as_deref());
    let only = standing_filter(params.standing.as_deref());
    let mut listed: Vec<&Standings> = d
        .children
        .iter()
        .filter(|c| only.is_none_or(|s| c.standing == s))
        .collect();
    match order {
        Order::Rank => {}
        Order::Behind => listed.sort_by(|a, b| {
            b.weekly_shortfall()
                .cmp(&a.weekly_shortfall())
                .then(b.gap.cmp(&a.gap))
                .then(a.code.cmp(&b.code))
        }),
        Order::Pace => {
            listed.sort_by(|a, b| b.last_week.cmp(&a.last_week).then(a.code.cmp(&b.code)));
        }
    }
    let page_count = listed.len().div_ceil(ROWS_PER_PAGE).max(1);
    let page_no = params.page.unwrap_or(1).clamp(1, page_count);
    let first = (page_no - 1) * ROWS_PER_PAGE;
    let rows: Vec<RowView> = listed
        .iter()
        .skip(first)
        .take(ROWS_PER_PAGE)
        .map(|c| row(lang, c))
        .collect();
    let link = |order: Order, only: Option<&str>, page: usize| {
        let mut href = format!(
            "/quan-ly/tien-do/{}?chi-tieu={}&xep={}",
            unit.code,
            kpi.as_str(),
            order.param()
        );
        if let Some(f) = only {
            href.push_str("&tinh-trang=");
            href.push_str(f);
        }
        if page > 1 {
            href.push_str("&trang=");
            href.push_str(&page.to_string());
        }
        href
    };
    let only_param = params.standing.as_deref().filter(|_| only.is_some());
    let orders = [
        (Order::Rank, "dash-order-rank"),
        (Order::Behind, "dash-order-behind"),
        (Order::Pace, "dash-order-pace"),
    ]
    .into_iter()
    .map(|(o, key)| Choice {
        href: link(o, only_param, 1),
        label: lang.text(key),
        current: o == order,
    })
    .collect();
    let filters = [
        (None, "dash-filter-all"),
        (Some("nguy-co"), "dash-standing-at-risk"),
        (Some("cham"), "dash-standing-behind"),
        (Some("dung-tien-do"), "dash-standing-on-track"),
        (Some("da-dat"), "dash-standing-reached"),
    ]
    .into_iter()
    .map(|(f, key)| Choice {
        href: link(order, f, 1),
        label: lang.text(key),
        current: f == only_param,
    })
    .collect();
    let pages = if page_count > 1 {
        (1..=page_count)
            .map(|p| Choice {
                href: link(order, only_param, p),
                label: p.to_string(),
                current: p == page_no,
            })
            .collect()
    } else {
        Vec::new()
    };
    let shown = if page_count > 1 {
        lang.tr(&Msg::new("dash-shown")
            .arg("from", first + 1)
            .arg("to", (first + ROWS_PER_PAGE).min(listed.len()))
            .arg("of", listed.len()))
    } else {
        String::new()
    };
    let gain = mean_gain(lang, d.assessed, d.gain_milli);
    let tasks = binhdan_app::abilities::task_abilities(
        state.store.as_ref(),
        &unit.code,
        Some(kpi.group()),
        lang,
    )
    .await?;
    let page = DashboardPage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("dash-title").arg("unit", &unit.name)),
        )
        .wide(),
        code: unit.code.to_string(),
        kpi: kpi.as_str(),
        kpi_text: format!("{} — {}", kpi.as_str(), kpi_label(lang, kpi)),
        tabs: Kpi::ALL
            .iter()
            .map(|k| KpiTab {
                code: k.as_str(),
                label: kpi_label(lang, *k),
                current: *k == kpi,
            })
            .collect(),
        crumbs: std::iter::once(("/quan-ly".to_owned(), lang.text("staff-home-crumb")))
            .chain(lineage[..lineage.len() - 1].iter().map(|u| {
                // A unit above the caller's scope is named, not linked (its page would refuse).
                let href = if s.may(Permission::ViewDashboard, &Target::Unit(&u.path)) {
                    format!("/quan-ly/tien-do/{}?chi-tieu={}", u.code, kpi.as_str())
                } else {
                    String::new()
                };
                (href, u.name.clone())
            }))
            .collect(),
        deadline: d.unit.target.deadline.to_string(),
        pace: d
            .unit
            .last_week
            .map(|w| format_count(lang, w))
            .unwrap_or_default(),
        projected: d
            .unit
            .projected
            .map(|p| format_count(lang, p))
            .unwrap_or_default(),
        gain,
        participated: if d.participated == 0 {
            String::new()
        } else {
            format_count(lang, d.participated)
        },
        proficient: if d.proficient == 0 {
            String::new()
        } else {
            format!(
                "{} ({})",
                format_count(lang, d.proficient),
                percent(
                    lang,
                    d.proficient
                        .saturating_mul(1000)
                        .checked_div(d.unit.denominator)
                        .unwrap_or(0)
                )
            )
        },
        chart: chart(lang, &d),
        at_risk: d
            .children
            .iter()
            .filter(|c| matches!(c.standing, Standing::AtRisk | Standing::Missed))
            .count(),
        behind: d
            .children
            .iter()
            .filter(|c| c.standing == Standing::Behind)
            .count(),
        attention: binhdan_app::dashboard::furthest_behind(&d.children, 5)
            .into_iter()
            .map(|c| AttentionView {
                code: c.code.clone(),
                name: c.name.clone(),
                text: lang.tr(&Msg::new("dash-attention-needs")
                    .arg("needed", format_count(lang, c.needed_per_week.unwrap_or(0)))
                    .arg("pace", format_count(lang, c.last_week.unwrap_or(0)))),
            })
            .collect(),
        weekly: d.children.iter().any(|c| c.permille_week_ago.is_some()),
        has_children_level: unit.level.child().is_some(),
        team,
        can_do: can_do::views(lang, &tasks),
        filtered: only.is_some(),
        orders,
        filters,
        pages,
        shown,
        rows,
        organisations: d.organisations.iter().map(|c| row(lang, c)).collect(),
        organisations_heading: lang.text(match kpi.group() {
            binhdan_core::kpi::Group::PublicServant => "dash-orgs-agencies",
            binhdan_core::kpi::Group::Student => "dash-orgs-schools",
            _ => "dash-orgs-enterprises",
        }),
        children_heading: lang.text(match unit.level {
            binhdan_core::unit::UnitLevel::Province => "dash-communes",
            _ => "dash-villages",
        }),
        me,
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "org_dashboard.html")]
struct OrganisationPage {
    l: Layout,
    kpi_text: String,
    me: RowView,
    learning: String,
    deadline: String,
    gain: String,
    proficient: String,
    participated: String,
    /// What its members of the group could do of the simulated tasks; empty when none was
    /// given.
    can_do: Vec<can_do::CanDoView>,
}

/// An organisation's own progress, for its admins (and for staff over the commune it sits in):
/// its members of the group it serves against the target in force there.
#[utoipa::path(get, path = "/quan-ly/to-chuc/{id}/tien-do", tag = "pages",
    params(("id" = i64, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation's progress (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such organisation")))]
pub async fn organisation(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let Some(org) = state.store.organisation(id).await? else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            Msg::new("org-not-found"),
        ));
    };
    s.require(
        Permission::ViewDashboard,
        &Target::Organisation {
            id: org.id,
            unit_path: &org.unit_path,
        },
    )?;
    let code = UnitCode::parse(&org.unit_code).map_err(|e| Problem::internal(&e))?;
    let lineage = state.store.lineage(&code).await?;
    let d = binhdan_app::dashboard::organisation(
        state.store.as_ref(),
        &org,
        &lineage,
        state.clock.now(),
    )
    .await?;
    let tasks = binhdan_app::abilities::organisation_task_abilities(
        state.store.as_ref(),
        org.id,
        Some(d.kpi.group()),
        lang,
    )
    .await?;
    let page = OrganisationPage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("dash-title").arg("unit", &org.name)),
        ),
        kpi_text: format!("{} — {}", d.kpi.as_str(), kpi_label(lang, d.kpi)),
        me: row(lang, &d.standing),
        learning: format_count(lang, d.learning),
        deadline: d.standing.target.deadline.to_string(),
        gain: mean_gain(lang, d.assessed, d.gain_milli),
        proficient: format_count(lang, d.proficient),
        participated: format_count(lang, d.participated),
        can_do: can_do::views(lang, &tasks),
    };
    Ok(page.into_response())
}

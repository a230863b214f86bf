//! Server-rendered pages for people: the province's home page, a page per unit, and unit
//! search. Plain HTML and one small stylesheet; no JavaScript needed.

use std::collections::HashMap;
use std::sync::Arc;

use crate::problem::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use binhdan_app::public::UnitFigures;
use binhdan_core::Msg;
use binhdan_core::kpi::{Group, Kpi};
use binhdan_core::unit::{Unit, UnitCode, UnitError, UnitLevel};
use binhdan_i18n::Lang;
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::problem::{Problem, ProblemBody, Query};

/// Who is reading, as the frame of every page shows it: the header's links, the sign-out
/// button and the reading preferences. Set once per request by [`context`].
#[derive(Clone, Default)]
pub struct PageContext {
    pub who: Who,
    pub prefs: crate::prefs::Prefs,
    /// The request's path (without query), for the preference and language links.
    pub path: String,
    /// The server's configuration (the issuing body, for the banner and footer).
    pub config: std::sync::Arc<crate::config::WebConfig>,
}

/// Who is signed in, for the header.
#[derive(Clone, Default)]
pub enum Who {
    #[default]
    Anonymous,
    /// A citizen, with the CSRF token of their session (for the sign-out button) and their
    /// id (the offline script removes their own queued work at sign-out, not another's).
    Citizen { csrf: String, person: i64 },
    /// A staff member, with the CSRF token of their session.
    Staff { csrf: String },
}

tokio::task_local! {
    static PAGE: PageContext;
}

/// Makes the reader known to every page rendered while handling the request (the header
/// says who is signed in, and the reading preferences apply on every page, `/` included).
/// Resolves the session only when the request carries its cookie.
pub async fn context(
    state: AppState,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::extract::FromRequestParts as _;
    if request.uri().path().starts_with("/api/") || request.uri().path().starts_with("/static/") {
        return crate::problem::localize(request, next).await;
    }
    let (mut parts, body) = request.into_parts();
    let prefs = crate::prefs::Prefs::of(&parts.headers, parts.uri.query());
    let has_session =
        crate::prefs::cookie_value(&parts.headers, &state.auth.cookie.cookie_name()).is_some();
    let who = if has_session {
        match crate::session::Caller::from_request_parts(&mut parts, &state).await {
            Ok(crate::session::Caller::Citizen(c)) => Who::Citizen {
                csrf: c.token.csrf_token().expose().clone(),
                person: c.person_id,
            },
            Ok(crate::session::Caller::Staff(s)) => Who::Staff {
                csrf: s.token.csrf_token().expose().clone(),
            },
            _ => Who::Anonymous,
        }
    } else {
        Who::Anonymous
    };
    let ctx = PageContext {
        who,
        prefs,
        path: parts.uri.path().to_owned(),
        config: state.config.clone(),
    };
    let request = axum::extract::Request::from_parts(parts, body);
    PAGE.scope(ctx, crate::problem::localize(request, next))
        .await
}

/// A link to the current page with one reading preference switched.
fn pref_href(path: &str, name: &str, on: bool, value: &str) -> String {
    format!("{path}?{name}={}", if on { "thuong" } else { value })
}

/// What every page's frame needs.
pub struct Layout {
    pub lang: Lang,
    pub title: String,
    pub css: String,
    pub other_lang_href: &'static str,
    pub other_lang_tag: &'static str,
    /// Classes of `<body>` from the reading preferences (large text, high contrast).
    pub body_class: &'static str,
    /// A script that enhances the page (never needed to use it).
    pub script: Option<String>,
    /// Who is signed in (the header's links).
    pub who: Who,
    /// A page of tables that uses a desktop's width (dashboards, lists).
    pub wide: bool,
    /// A page for a big screen at the back of a hall: the whole screen, type sized by it.
    pub screen: bool,
    /// The server's configuration (the issuing body of the banner and footer).
    config: std::sync::Arc<crate::config::WebConfig>,
    /// The links that switch large text and high contrast on this page.
    pub large_href: String,
    pub contrast_href: String,
    /// The reader's preferences (whether large text and high contrast are on).
    pub prefs: crate::prefs::Prefs,
}

impl Layout {
    pub fn new(lang: Lang, title: String) -> Self {
        let (other_lang_href, other_lang_tag) = match lang {
            Lang::Vi => ("?lang=en", "en"),
            Lang::En => ("?lang=vi", "vi"),
        };
        let ctx = PAGE.try_with(Clone::clone).unwrap_or_default();
        Self {
            lang,
            title,
            css: crate::assets::css_url(),
            other_lang_href,
            other_lang_tag,
            body_class: ctx.prefs.body_class(),
            script: None,
            large_href: pref_href(&ctx.path, "chu", ctx.prefs.large_text, "lon"),
            contrast_href: pref_href(&ctx.path, "tuong-phan", ctx.prefs.high_contrast, "cao"),
            prefs: ctx.prefs,
            who: ctx.who,
            wide: false,
            screen: false,
            config: ctx.config,
        }
    }

    /// The issuing body (banner and footer; empty fields are left out).
    #[must_use]
    pub fn official(&self) -> &crate::config::Official {
        &self.config.official
    }

    /// The hotline as a link a phone dials (`tel:` with its digits and a leading `+`).
    #[must_use]
    pub fn hotline_href(&self) -> String {
        let number: String = self
            .config
            .official
            .hotline
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        format!("tel:{number}")
    }

    /// Whether a citizen is signed in.
    #[must_use]
    pub fn citizen(&self) -> bool {
        matches!(self.who, Who::Citizen { .. })
    }

    /// The signed-in citizen's id (0 for anyone else).
    #[must_use]
    pub const fn citizen_id(&self) -> i64 {
        match self.who {
            Who::Citizen { person, .. } => person,
            _ => 0,
        }
    }

    /// Whether a staff member is signed in.
    #[must_use]
    pub fn staff(&self) -> bool {
        matches!(self.who, Who::Staff { .. })
    }

    /// The session's CSRF token for the header's sign-out button ("" when nobody is signed in).
    #[must_use]
    pub fn csrf(&self) -> &str {
        match &self.who {
            Who::Anonymous => "",
            Who::Citizen { csrf, .. } | Who::Staff { csrf } => csrf,
        }
    }

    /// Lets the page use a desktop's width (its tables are wide).
    #[must_use]
    pub const fn wide(mut self) -> Self {
        self.wide = true;
        self
    }

    /// Makes the page a big screen's: no site header or footer, figures sized by the screen.
    #[must_use]
    pub const fn screen(mut self) -> Self {
        self.screen = true;
        self
    }

    /// Adds an enhancing script.
    #[must_use]
    pub fn with_script(mut self, url: String) -> Self {
        self.script = Some(url);
        self
    }
}

pub struct Link {
    pub code: String,
    pub name: String,
}

impl From<&Unit> for Link {
    fn from(u: &Unit) -> Self {
        Self {
            code: u.code.to_string(),
            name: u.name.clone(),
        }
    }
}

pub struct TargetView {
    pub code: &'static str,
    pub description: String,
    pub deadline: String,
}

pub struct CountView {
    pub label: String,
    pub count: String,
}

/// A count as people write it: `3.700.000` in Vietnamese, `3,700,000` in English.
#[must_use]
pub fn format_count(lang: Lang, n: u64) -> String {
    let sep = match lang {
        Lang::Vi => '.',
        Lang::En => ',',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// One group's progress in a unit: who counts (the denominator), who is learning, who has
/// reached the skills, against the target.
pub struct ProgressView {
    pub label: String,
    pub denominator: String,
    /// `true` when the denominator is the roster (no official figure for the group).
    pub from_roster: bool,
    pub learning: String,
    pub skilled: String,
    pub percent: String,
    /// 0–100, for the bar.
    pub bar: u64,
    pub target: u8,
    /// The target and its deadline: `100% · 31/12/2026`.
    pub target_text: String,
    pub gap: String,
    /// People holding a certificate (K4 for adults).
    pub certified: String,
    /// The mean gain in ability between the placement test and the exam, on the learner's
    /// 0–100 scale, with how many it is measured on; empty when nobody is measured yet.
    pub gain: String,
}

/// The KPI a group's "skilled" figure answers (K1, K2, K3, K5).
fn skills_kpi(group: Group) -> Kpi {
    match group {
        Group::PublicServant => Kpi::K1,
        Group::Student => Kpi::K2,
        Group::Adult => Kpi::K3,
        Group::Worker => Kpi::K5,
    }
}

/// Progress per group from the counters (never a scan of people): official figures as the
/// denominator, or the roster where there are none.
/// The fewest people a public page counts or averages over.
const PUBLIC_MIN: u64 = 5;

fn progress_view(lang: Lang, figures: &UnitFigures) -> Vec<ProgressView> {
    let (targets, population, roster, learning) = (
        &figures.targets,
        &figures.population,
        &figures.roster,
        &figures.learning,
    );
    let metric = |g: Group, m: &str| {
        learning
            .iter()
            .find(|(lg, lm, _)| *lg == g && lm == m)
            .map_or(0, |x| u64::try_from(x.2).unwrap_or(0))
    };
    let mut out = Vec::new();
    for g in Group::ALL {
        let official = population.iter().find(|(pg, _)| *pg == g).map(|p| p.1);
        let listed = roster.iter().find(|(rg, _)| *rg == g).map(|r| r.1);
        let (denominator, from_roster) = match (official, listed) {
            (Some(n), _) => (n, false),
            (None, Some(n)) => (n, true),
            (None, None) => continue,
        };
        let skilled = metric(g, "skilled");
        let kpi = skills_kpi(g);
        let target = targets
            .iter()
            .find(|t| t.kpi == kpi)
            .map_or_else(|| kpi.default_target(), |t| t.target);
        let percent_tenths = binhdan_app::dashboard::permille(skilled, denominator);
        let goal = target.goal(denominator);
        // A public page never tells a count of 1 to 4 people (in a small village that is a
        // neighbour), nor anything it could be worked back from (the share, the gap).
        let few = |n: u64| (1..PUBLIC_MIN).contains(&n);
        let public = |n: u64| {
            if few(n) {
                lang.text("progress-few")
            } else {
                format_count(lang, n)
            }
        };
        let assessed = metric(g, "assessed");
        out.push(ProgressView {
            label: lang.tr(&g.label()),
            denominator: format_count(lang, denominator),
            from_roster,
            learning: public(metric(g, "learning")),
            skilled: public(skilled),
            percent: if few(skilled) {
                "–".to_owned()
            } else {
                crate::dashboard::percent(lang, percent_tenths)
            },
            bar: if few(skilled) {
                0
            } else {
                (percent_tenths / 10).min(100)
            },
            target: target.percent,
            target_text: format!("{}% · {}", target.percent, target.deadline),
            gap: if few(skilled) {
                "–".to_owned()
            } else {
                format_count(lang, goal.saturating_sub(skilled))
            },
            certified: public(metric(g, "certified")),
            gain: if assessed < PUBLIC_MIN {
                String::new()
            } else {
                mean_gain(lang, assessed, learning_value(learning, g, "gain_milli"))
            },
        });
    }
    out
}

/// A counter that may be negative (a sum of gains).
fn learning_value(learning: &[(Group, String, i64)], g: Group, m: &str) -> i64 {
    learning
        .iter()
        .find(|(lg, lm, _)| *lg == g && lm == m)
        .map_or(0, |x| x.2)
}

/// The mean gain on the learner's 0–100 scale (15 points a unit of θ), one decimal, signed,
/// with its count: `+12,5 (n = 40)`.
pub(crate) fn mean_gain(lang: Lang, assessed: u64, gain_milli: i64) -> String {
    let Ok(n) = i64::try_from(assessed) else {
        return String::new();
    };
    if n == 0 {
        return String::new();
    }
    // Tenths of a point: gain_milli / 1000 θ × 15 points × 10 tenths / n.
    let tenths = (gain_milli * 15 * 10).checked_div(1000 * n).unwrap_or(0);
    let sign = if tenths < 0 { "−" } else { "+" };
    let (whole, part) = (tenths.abs() / 10, tenths.abs() % 10);
    let sep = if lang == Lang::Vi { "," } else { "." };
    format!(
        "{sign}{whole}{sep}{part} (n = {})",
        format_count(lang, assessed)
    )
}

/// Counts per group, in the groups' order, as a list of labelled numbers.
pub(crate) fn counts_by_group(lang: Lang, figures: &[(Group, u64)]) -> Vec<CountView> {
    Group::ALL
        .iter()
        .filter_map(|g| figures.iter().find(|(fg, _)| fg == g))
        .map(|(g, n)| CountView {
            label: lang.tr(&g.label()),
            count: format_count(lang, *n),
        })
        .collect()
}

fn targets_view(lang: Lang) -> Vec<TargetView> {
    let (y, m, d) = Kpi::DEADLINE;
    let date = match lang {
        Lang::Vi => format!("{d:02}/{m:02}/{y}"),
        Lang::En => format!("{y}-{m:02}-{d:02}"),
    };
    Kpi::ALL
        .iter()
        .map(|k| TargetView {
            code: k.as_str(),
            description: lang.tr(&k.description()),
            deadline: lang.tr(&Msg::new("home-target-by").arg("deadline", &date)),
        })
        .collect()
}

/// A unit's public figures, at most [`binhdan_app::public::FIGURES_TTL`] old.
async fn figures_of(state: &AppState, code: &UnitCode) -> Result<Arc<UnitFigures>, Problem> {
    state
        .figures
        .of(state.store.as_ref(), code, state.clock.now())
        .await?
        .ok_or_else(|| unknown_unit(code))
}

fn unknown_unit(code: &UnitCode) -> Problem {
    Problem::not_found(UnitError::UnknownUnit {
        code: code.to_string(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    title: String,
    targets: Vec<TargetView>,
    progress: Vec<ProgressView>,
    communes_heading: String,
    villages_line: String,
    communes: Vec<Link>,
    /// Whether citizens can sign in with VNeID here.
    vneid: bool,
}

/// The province's home page: the two ways in (learn, sign in with VNeID) on the first screen,
/// then the campaign's targets, its progress and its communes.
#[utoipa::path(get, path = "/", tag = "pages", responses((status = 200, description = "The province's home page (HTML)", content_type = "text/html")))]
pub async fn home(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
) -> Result<Response, Problem> {
    let code = UnitCode::parse(&state.config.province).map_err(|e| Problem::internal(&e))?;
    let figures = figures_of(&state, &code).await?;
    let Some(province) = figures.unit() else {
        return Err(unknown_unit(&code));
    };
    let (communes, counts) = (&figures.children, figures.subtree);
    let progress = progress_view(lang, &figures);
    let page = HomePage {
        title: lang.tr(&Msg::new("home-title").arg("province", &province.name)),
        l: Layout::new(lang, province.name.clone()),
        targets: targets_view(lang),
        progress,
        communes_heading: lang.tr(&Msg::new("home-units").arg("count", communes.len())),
        villages_line: lang
            .tr(&Msg::new("home-villages").arg("count", format_count(lang, counts.villages))),
        communes: communes.iter().map(Link::from).collect(),
        vneid: state.auth.oidc.is_some(),
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "unit.html")]
struct UnitPage {
    l: Layout,
    title: String,
    kind: String,
    code: String,
    crumbs: Vec<Link>,
    progress: Vec<ProgressView>,
    has_children_level: bool,
    children_heading: String,
    children: Vec<Link>,
}

/// A unit's page: where it sits, its population, its communes or villages.
#[utoipa::path(get, path = "/don-vi/{code}", tag = "pages",
    params(("code" = String, Path, description = "Unit code (2, 5 or 8 digits)")),
    responses((status = 200, description = "The unit's page (HTML)", content_type = "text/html"), (status = 404, description = "No such unit")))]
pub async fn unit(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let code = UnitCode::parse(&code).map_err(Problem::not_found)?;
    let figures = figures_of(&state, &code).await?;
    let (lineage, children) = (&figures.lineage, &figures.children);
    let Some(unit) = lineage.last() else {
        return Err(unknown_unit(&code));
    };
    let progress = progress_view(lang, &figures);
    let heading_key = match unit.level {
        UnitLevel::Province => "unit-communes",
        _ => "unit-villages",
    };
    let page = UnitPage {
        l: Layout::new(lang, unit.name.clone()),
        title: unit.name.clone(),
        kind: unit.division_type.clone(),
        code: unit.code.to_string(),
        crumbs: lineage[..lineage.len() - 1]
            .iter()
            .map(Link::from)
            .collect(),
        progress,
        has_children_level: unit.level.child().is_some(),
        children_heading: lang.tr(&Msg::new(heading_key).arg("count", children.len())),
        children: children.iter().map(Link::from).collect(),
    };
    Ok(page.into_response())
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Name or part of a name; case and diacritics do not matter.
    #[serde(default)]
    q: String,
}

pub struct ResultView {
    pub code: String,
    pub name: String,
    pub context: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    results_heading: String,
    results: Vec<ResultView>,
}

/// Finds units by name and says where each one is ("Xã Các Sơn — Thanh Hóa").
pub async fn with_context(state: &AppState, units: Vec<Unit>) -> Result<Vec<ResultView>, Problem> {
    let mut ancestor_codes: Vec<UnitCode> = units
        .iter()
        .flat_map(|u| {
            let own = u.code.as_str().to_owned();
            binhdan_core::unit::UnitPath::from_stored(u.path.clone())
                .codes()
                .filter(|c| *c != own)
                .map(|c| UnitCode::from_stored(c.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    ancestor_codes.sort();
    ancestor_codes.dedup();
    let names: HashMap<String, String> = state
        .store
        .units_by_codes(&ancestor_codes)
        .await?
        .into_iter()
        .map(|u| (u.code.to_string(), u.name))
        .collect();
    Ok(units
        .into_iter()
        .map(|u| {
            let mut context: Vec<String> =
                binhdan_core::unit::UnitPath::from_stored(u.path.clone())
                    .codes()
                    .filter_map(|c| names.get(c).cloned())
                    .collect();
            context.reverse();
            let context = context.join(", ");
            ResultView {
                code: u.code.to_string(),
                name: u.name,
                context,
            }
        })
        .collect())
}

/// Unit search, as a page.
#[utoipa::path(get, path = "/tim-kiem", tag = "pages", params(SearchParams),
    responses((status = 200, description = "Search form and results (HTML)", content_type = "text/html")))]
pub async fn search(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Query(params): Query<SearchParams>,
) -> Result<Response, Problem> {
    let q = binhdan_core::text::clean(&params.q)
        .chars()
        .take(100)
        .collect::<String>();
    let results = if q.is_empty() {
        Vec::new()
    } else {
        let units = state
            .unit_search
            .search(
                state.store.as_ref(),
                &binhdan_store::UnitQuery {
                    text: q.clone(),
                    limit: 30,
                    ..Default::default()
                },
                state.clock.now(),
            )
            .await?;
        with_context(&state, units).await?
    };
    let page = SearchPage {
        l: Layout::new(lang, lang.text("nav-search")),
        results_heading: lang.tr(&Msg::new("search-results").arg("q", &q)),
        q,
        results,
    };
    Ok(page.into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    l: Layout,
    message: &'a str,
    rows: Vec<String>,
}

/// The HTML page of a problem (see `problem::localize`).
#[must_use]
pub fn error_page(lang: Lang, body: &ProblemBody) -> String {
    let page = ErrorPage {
        l: Layout::new(lang, lang.text("error-title")),
        message: &body.error.message,
        rows: body
            .error
            .rows
            .iter()
            .map(|r| {
                lang.tr(&Msg::new("import-row-error")
                    .arg("row", r.row)
                    .arg("column", &r.column)
                    .arg("message", &r.message))
            })
            .collect(),
    };
    page.render().unwrap_or_else(|_| body.error.message.clone())
}

/// The stylesheet.
#[utoipa::path(get, path = "/static/{file}", tag = "pages",
    params(("file" = String, Path, description = "Asset name with its content hash")),
    responses((status = 200, description = "The stylesheet, a script or an icon", content(("text/css"), ("text/javascript"), ("image/png"))), (status = 404, description = "Unknown asset")))]
pub async fn asset(Path(file): Path<String>) -> Response {
    crate::assets::static_response(&format!("/static/{file}"))
}

/// A page for an unknown address.
pub async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, Msg::new("error-not-found"))
}

#[cfg(test)]
mod gain_tests {
    use super::*;

    #[test]
    fn the_mean_gain_is_signed_in_points_with_its_count() {
        assert_eq!(mean_gain(Lang::Vi, 0, 0), "");
        assert_eq!(mean_gain(Lang::Vi, 2, 1_500), "+11,2 (n = 2)");
        assert_eq!(mean_gain(Lang::En, 1, -200), "−3.0 (n = 1)");
    }
}

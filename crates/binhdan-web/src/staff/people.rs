//! The people of a unit (CCCD masked unless the role may see it) and a person's page; every
//! look at personal data is audited.

#[allow(clippy::wildcard_imports, reason = "the staff pages' shared imports")]
use super::*;

pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub cccd: String,
    pub birth: String,
    pub unit: String,
    pub learning: LearningView,
}

/// Where a person stands in their learning, in words.
pub struct LearningView {
    /// A style token (`dung-lau`).
    pub slug: &'static str,
    /// "Đang học".
    pub words: String,
    /// "3/12 bài" once started, else empty.
    pub lessons: String,
    /// "học lần cuối 05/12/2026" once a lesson is done, else empty.
    pub last: String,
}

/// A status filter's option: query value, words, whether chosen.
pub struct StatusOption {
    pub slug: &'static str,
    pub words: String,
    pub chosen: bool,
}

/// The learning of a person in words, by the shared rule (`binhdan_app::learning_status`).
pub(super) fn learning_view(
    lang: Lang,
    facts: &binhdan_store::LearnerFacts,
    lessons_total: u32,
    now: binhdan_core::Timestamp,
) -> LearningView {
    use binhdan_app::learning_status as ls;
    let status = ls::learning_status(facts, now);
    let lessons = if facts.learning || facts.lessons_done > 0 {
        lang.tr(&Msg::new("learning-lessons")
            .arg("done", facts.lessons_done.to_string())
            .arg("total", lessons_total.to_string()))
    } else {
        String::new()
    };
    let last = facts
        .last_lesson_at
        .and_then(binhdan_core::people::Date::from_timestamp_vietnam)
        .map(|d| lang.tr(&Msg::new("learning-last").arg("date", d.to_string())))
        .unwrap_or_default();
    LearningView {
        slug: ls::slug(status),
        words: lang.text(ls::msg_key(status)),
        lessons,
        last,
    }
}

pub(super) fn birth_text(p: &PersonSummary) -> String {
    p.birth_day
        .and_then(binhdan_core::people::Date::from_days_since_epoch)
        .map_or_else(|| p.birth_year.to_string(), |d| d.to_string())
}

#[derive(Template, WebTemplate)]
#[template(path = "people.html")]
pub(super) struct PeoplePage {
    l: Layout,
    unit_code: String,
    unit_name: String,
    q: String,
    /// The status filter's query value, empty for everyone.
    status: &'static str,
    statuses: Vec<StatusOption>,
    stuck_hint: String,
    people: Vec<PersonRow>,
    next: Option<String>,
    roster: Vec<crate::pages::CountView>,
}

#[derive(Deserialize)]
pub struct PeopleQuery {
    /// Absent: the caller's own unit.
    #[serde(rename = "don-vi", default)]
    unit: Option<String>,
    #[serde(default)]
    q: String,
    /// Only people of this learning status (`chua-bat-dau`, `dang-hoc`, `dung-lau`,
    /// `dat-ky-nang`, `co-chung-chi`); empty or absent for everyone.
    #[serde(rename = "tinh-trang", default)]
    status: String,
    /// Cursor: `name_key~id` of the last row shown.
    #[serde(default)]
    sau: Option<String>,
}

pub(super) const PAGE: u32 = 50;

/// The unit whose people a caller sees first: that of their first grant over a unit that
/// lets them see people, or the province for a grant over everything.
fn own_unit(state: &AppState, s: &StaffCaller) -> Option<UnitCode> {
    s.grants
        .iter()
        .filter(|g| g.role.holds(Permission::ViewPeople))
        .find_map(|g| match &g.scope {
            Scope::Unit { path } => {
                UnitCode::parse(path.trim_end_matches('/').rsplit('/').next()?).ok()
            }
            Scope::Everywhere => UnitCode::parse(&state.config.province).ok(),
            Scope::Organisation { .. } => None,
        })
}

/// The people living in a unit (CCCD masked), with where each stands in their learning,
/// searchable by name and filtered by learning status (a list of whom to visit).
#[utoipa::path(get, path = "/quan-ly/nguoi", tag = "pages",
    params(("don-vi" = Option<String>, Query, description = "Unit code (absent: the caller's own unit)"), ("q" = Option<String>, Query, description = "Name"), ("tinh-trang" = Option<String>, Query, description = "Learning status: chua-bat-dau (not started), dang-hoc (learning), dung-lau (stopped for a while), dat-ky-nang (skilled), co-chung-chi (certified); absent for everyone"), ("sau" = Option<String>, Query, description = "Cursor")),
    responses((status = 200, description = "People (HTML)", content_type = "text/html"), (status = 400, description = "An unknown learning status"), (status = 303, description = "No unit of the caller's: to the staff home"), (status = 403, description = "Outside the caller's scope")))]
pub async fn people(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, Problem> {
    crate::problem::check_search(&q.q)?;
    let code = match q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => UnitCode::parse(u).map_err(Problem::bad_request)?,
        None => match own_unit(&state, &s) {
            Some(code) => code,
            // Only organisation grants: their people are on the organisation's pages.
            None => return Ok(Redirect::to("/quan-ly").into_response()),
        },
    };
    let unit = state.store.unit(&code).await?.ok_or_else(|| {
        Problem::not_found(binhdan_core::unit::UnitError::UnknownUnit {
            code: code.to_string(),
        })
    })?;
    s.require(Permission::ViewPeople, &Target::Unit(&unit.path))?;
    let after = q.sau.as_deref().and_then(|c| {
        let (k, id) = c.rsplit_once('~')?;
        Some((k.to_owned(), id.parse::<i64>().ok()?))
    });
    let status = match q.status.trim() {
        "" => None,
        slug => Some(
            binhdan_app::learning_status::parse_slug(slug).ok_or_else(|| {
                Problem::bad_request(
                    Msg::new("learning-status-unknown")
                        .arg("value", slug.chars().take(40).collect::<String>()),
                )
            })?,
        ),
    };
    let now = state.clock.now();
    let page = state
        .store
        .learners_under(&binhdan_store::LearnersQuery {
            path: &unit.path,
            text: &q.q,
            status,
            stuck_before: binhdan_app::learning_status::stuck_before(now),
            after: after.as_ref().map(|(k, i)| (k.as_str(), *i)),
            limit: PAGE,
        })
        .await?;
    let found = &page.people;
    state
        .store
        .append_audit(
            AuditEntry::new(s.actor(), "person.list")
                .subject(format!("unit:{}", unit.code))
                .detail(&Detail::new().num("shown", i64::try_from(found.len()).unwrap_or(0))),
            now,
        )
        .await?;
    let next = (found.len() == PAGE as usize)
        .then(|| {
            found.last().map(|p| {
                format!(
                    "{}~{}",
                    binhdan_core::text::search_key(&p.person.name),
                    p.person.id
                )
            })
        })
        .flatten();
    let roster = state
        .store
        .roster_under(&unit.path, unit.level, &unit.code)
        .await?;
    let status_slug = status.map_or("", binhdan_app::learning_status::slug);
    Ok(PeoplePage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("people-title").arg("unit", unit.name.clone())),
        )
        .wide(),
        unit_code: unit.code.to_string(),
        unit_name: unit.name.clone(),
        q: q.q.clone(),
        status: status_slug,
        statuses: binhdan_store::LearningStatus::ALL
            .into_iter()
            .map(|x| StatusOption {
                slug: binhdan_app::learning_status::slug(x),
                words: lang.text(binhdan_app::learning_status::msg_key(x)),
                chosen: Some(x) == status,
            })
            .collect(),
        stuck_hint: lang.tr(&Msg::new("learning-stuck-hint").arg(
            "days",
            binhdan_app::learning_status::STUCK_AFTER_DAYS.to_string(),
        )),
        people: found
            .iter()
            .map(|p| PersonRow {
                id: p.person.id,
                name: p.person.name.clone(),
                cccd: p.person.cccd_masked.clone(),
                birth: birth_text(&p.person),
                unit: p.home.clone(),
                learning: learning_view(lang, &p.facts, page.lessons_total, now),
            })
            .collect(),
        next,
        roster: crate::pages::counts_by_group(lang, &roster),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
pub(super) struct PersonPage {
    l: Layout,
    name: String,
    cccd: String,
    unmasked: bool,
    birth: String,
    sex: String,
    unit: String,
    phone: String,
    memberships: Vec<String>,
    vneid: bool,
    learning: LearningView,
    stuck_hint: String,
    csrf: String,
    /// Id, issued, status (revoked with its reason) of each certificate.
    certificates: Vec<(String, String, Option<String>)>,
    may_revoke: bool,
    /// The simulated tasks they could do at the placement test and at the exam.
    tasks_placed: Vec<String>,
    tasks_examined: Vec<String>,
}

/// A person's record, with where they stand in their learning. The CCCD is shown in full only to a role that may see it (commune
/// admins, in their commune); every view is audited.
#[utoipa::path(get, path = "/quan-ly/nguoi/{id}", tag = "pages",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, description = "A person (HTML)", content_type = "text/html"), (status = 403, description = "Outside the caller's scope"), (status = 404, description = "No such person")))]
pub async fn person(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let vault = state
        .auth
        .vault
        .as_ref()
        .ok_or_else(|| Problem::internal(&"no vault"))?;
    let binhdan_app::person::PersonView {
        detail: p,
        cccd,
        unmasked,
    } = binhdan_app::person::view(
        state.store.as_ref(),
        vault,
        s.actor(),
        &s.grants,
        id,
        state.clock.now(),
    )
    .await?;
    let target = Target::Unit(&p.summary.unit_path);
    let (facts, lessons_total) = state.store.learner_facts(p.summary.id).await?;
    let now = state.clock.now();
    let unit = match UnitCode::parse(&p.summary.unit_code) {
        Ok(c) => state
            .store
            .unit(&c)
            .await?
            .map(|u| u.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let results = state.store.task_results(p.summary.id).await?;
    let done = |kind| binhdan_app::exam::tasks_done(&results, kind);
    let tasks_placed =
        crate::exam::task_lines(&state, lang, &done(binhdan_store::ExamKind::Placement)).await?;
    let tasks_examined =
        crate::exam::task_lines(&state, lang, &done(binhdan_store::ExamKind::Certification))
            .await?;
    let mut r = PersonPage {
        tasks_placed,
        tasks_examined,
        l: Layout::new(lang, p.summary.name.clone()),
        name: p.summary.name.clone(),
        cccd,
        unmasked,
        birth: birth_text(&p.summary),
        sex: lang.tr(&p.summary.sex.msg()),
        unit,
        phone: p.phone.clone().unwrap_or_default(),
        memberships: p
            .memberships
            .iter()
            .map(|m| {
                let grade = m
                    .class
                    .clone()
                    .or(m.grade.map(|g| g.to_string()))
                    .unwrap_or_default();
                format!(
                    "{} — {} {}",
                    m.organisation_name,
                    lang.tr(&m.group.label()),
                    grade
                )
                .trim_end()
                .to_owned()
            })
            .collect(),
        vneid: p.oidc_subject.is_some(),
        learning: learning_view(lang, &facts, lessons_total, now),
        stuck_hint: lang.tr(&Msg::new("learning-stuck-hint").arg(
            "days",
            binhdan_app::learning_status::STUCK_AFTER_DAYS.to_string(),
        )),
        csrf: s.token.csrf_token().expose().clone(),
        certificates: state
            .store
            .certificates_of(p.summary.id)
            .await?
            .into_iter()
            .map(|c| {
                let issued = binhdan_core::people::Date::from_timestamp_vietnam(c.issued_at)
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                (
                    c.id.trim_start_matches("urn:uuid:").to_owned(),
                    issued,
                    c.revoked_at.map(|_| c.revoked_reason.unwrap_or_default()),
                )
            })
            .collect(),
        may_revoke: s.may(Permission::RevokeCertificate, &target),
    }
    .into_response();
    // Personal data: never cached, never kept by a shared computer's browser.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

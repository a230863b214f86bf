//! The learner's placement test and certification exam (see `binhdan_app::exam`): the exam
//! page per group (standing, attempts left, the cool-down), starting a sitting, and one
//! question per page with the time left, answered by a plain form. No feedback during a
//! sitting; the result at its end on the ability scale, with the gain since the placement test.
//!
//! A simulated task given in a sitting is shown one screen per page, with the same rendering
//! as practice ([`crate::tasks::SimScreen`]), its forms naming the sitting, the position and the
//! step; no feedback, no hint, a plain word that it is a simulation and never to type a real
//! password or OTP (`exam_task.html`, which a supervised sitting on a member's device shows
//! too). The tasks a person could do are listed on the result, on the exam page and on the
//! staff's person page.

use crate::problem::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::exam::{
    Answered, ExamFailure, GroupBank, Session, Start, answers_right, scaled_score, tasks_done,
};
use binhdan_core::kpi::Group;
use binhdan_core::{Msg, Timestamp};
use binhdan_i18n::Lang;
use binhdan_store::{ExamAttempt, ExamKind, ExamStart, TaskResult};
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::Problem;
use crate::quiz::{QuestionView, form_field, learner_groups, option_views};
use crate::respond::{cutoff, no_store};
use crate::session::{Citizen, CitizenCaller};
use crate::tasks::{SimScreen, text_lang};

fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, Msg::new("exam-not-found"))
}

impl From<ExamFailure> for Problem {
    fn from(e: ExamFailure) -> Self {
        match e {
            ExamFailure::Store(e) => e.into(),
            other => Self::internal(&other),
        }
    }
}

/// A kind from its path segment.
fn parse_kind(slug: &str) -> Option<ExamKind> {
    match slug {
        "dau-vao" => Some(ExamKind::Placement),
        "chung-chi" => Some(ExamKind::Certification),
        _ => None,
    }
}

/// A day and time as Vietnam reads it (UTC+7), `HH:MM DD/MM/YYYY`.
fn local_time(t: Timestamp) -> String {
    binhdan_core::time::format_vietnam_time(t)
}

/// One group's standing, on the exam page.
pub struct GroupExam {
    pub group: &'static str,
    pub label: String,
    /// The placement test's score, if taken.
    pub placement: Option<u32>,
    /// Whether the placement test may still be taken.
    pub may_place: bool,
    /// What the learner can do about the exam, in words.
    pub status: String,
    /// An open sitting to go on with.
    pub open: Option<i64>,
    /// Whether a new sitting may start now.
    pub may_start: bool,
    pub passed: bool,
    /// The tasks the person could do at the placement test and at the exam.
    pub tasks_placed: Vec<String>,
    pub tasks_examined: Vec<String>,
    /// Earlier sittings, newest first: when, kind, score, result.
    pub history: Vec<(String, String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "exam_home.html")]
struct ExamHome {
    l: Layout,
    csrf: String,
    notice: Option<String>,
    rules: String,
    groups: Vec<GroupExam>,
}

async fn group_exam(
    state: &AppState,
    lang: Lang,
    person: i64,
    group: Group,
    now: Timestamp,
) -> Result<Option<GroupExam>, Problem> {
    if state
        .exams
        .bank(state.store.as_ref(), group, ExamKind::Certification, now)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let config = state.exams.config();
    let limits = config.limits();
    let history = state.store.exam_history(person, group).await?;
    let ability = state.store.ability(person, group).await?;
    let pass = state.store.exam_pass(person, group).await?;
    let results: Vec<TaskResult> = state
        .store
        .task_results(person)
        .await?
        .into_iter()
        .filter(|r| r.group == group)
        .collect();
    let exams: Vec<&ExamAttempt> = history
        .iter()
        .filter(|a| a.kind == ExamKind::Certification)
        .collect();
    let open = history.iter().find(|a| a.finished_at.is_none());
    let recent = exams
        .iter()
        .filter(|a| a.started_at.millis() > now.millis() - limits.window_ms)
        .count();
    let left = usize::try_from(config.max_attempts)
        .unwrap_or(0)
        .saturating_sub(recent);
    let cooling = exams
        .iter()
        .filter(|a| a.passed == Some(false))
        .filter_map(|a| a.finished_at)
        .max()
        .map(|t| Timestamp(t.millis() + limits.cooldown_ms))
        .filter(|until| *until > now);
    let (status, may_start) = if let Some(p) = &pass {
        (
            lang.tr(&Msg::new("exam-status-passed")
                .arg("score", scaled_score(p.theta))
                .arg("date", local_time(p.passed_at))),
            false,
        )
    } else if open.is_some_and(|a| a.kind == ExamKind::Certification) {
        (lang.text("exam-status-open"), false)
    } else if left == 0 {
        let oldest = exams
            .iter()
            .map(|a| a.started_at.millis())
            .filter(|&t| t > now.millis() - limits.window_ms)
            .min()
            .unwrap_or(now.millis());
        (
            lang.tr(&Msg::new("exam-status-no-attempts")
                .arg("until", local_time(Timestamp(oldest + limits.window_ms)))),
            false,
        )
    } else if let Some(until) = cooling {
        (
            lang.tr(&Msg::new("exam-status-cooling").arg("until", local_time(until))),
            false,
        )
    } else {
        (
            lang.tr(&Msg::new("exam-status-ready")
                .arg("left", left)
                .arg("max", config.max_attempts)
                .arg("days", config.window_days)),
            true,
        )
    };
    let history = history
        .iter()
        .filter(|a| a.finished_at.is_some())
        .map(|a| {
            (
                local_time(a.started_at),
                lang.text(match a.kind {
                    ExamKind::Placement => "exam-kind-placement",
                    ExamKind::Certification => "exam-kind-certification",
                }),
                a.theta
                    .map(scaled_score)
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
                lang.text(if a.timed_out {
                    "exam-result-timed-out"
                } else if a.kind == ExamKind::Placement {
                    "exam-result-placed"
                } else if a.passed == Some(true) {
                    "exam-result-passed"
                } else {
                    "exam-result-failed"
                }),
            )
        })
        .collect();
    Ok(Some(GroupExam {
        group: group.as_str(),
        label: lang.tr(&group.label()),
        placement: ability.placement.map(scaled_score),
        may_place: ability.placement.is_none() && history_is_empty(&exams, open),
        status,
        open: open.map(|a| a.id),
        may_start,
        passed: pass.is_some(),
        tasks_placed: task_lines(state, lang, &tasks_done(&results, ExamKind::Placement)).await?,
        tasks_examined: task_lines(state, lang, &tasks_done(&results, ExamKind::Certification))
            .await?,
        history,
    }))
}

/// Each task result as a line: the task's title and its score ("Chuyển tiền…: 3/3 điểm").
pub(crate) async fn task_lines(
    state: &AppState,
    lang: Lang,
    results: &[&TaskResult],
) -> Result<Vec<String>, Problem> {
    let mut lines = Vec::with_capacity(results.len());
    for r in results {
        let title = state.store.sim_task(&r.task_id).await?.map_or_else(
            || r.task_id.clone(),
            |t| t.title.get(text_lang(lang)).to_owned(),
        );
        lines.push(
            lang.tr(&Msg::new("exam-task-line")
                .arg("title", title)
                .arg("points", r.score)
                .arg("max", r.credit)),
        );
    }
    Ok(lines)
}

fn history_is_empty(exams: &[&ExamAttempt], open: Option<&ExamAttempt>) -> bool {
    exams.is_empty() && open.is_none_or(|a| a.kind == ExamKind::Placement)
}

async fn home_page(
    state: &AppState,
    lang: Lang,
    c: &CitizenCaller,
    notice: Option<String>,
) -> Result<ExamHome, Problem> {
    let person = state
        .store
        .person(c.person_id)
        .await?
        .ok_or_else(not_found)?;
    let now = state.clock.now();
    let mut groups = Vec::new();
    for group in learner_groups(state, &person) {
        if let Some(g) = group_exam(state, lang, c.person_id, group, now).await? {
            groups.push(g);
        }
    }
    let config = state.exams.config();
    Ok(ExamHome {
        l: Layout::new(lang, lang.text("exam-title")),
        csrf: c.token.csrf_token().expose().clone(),
        notice,
        rules: lang.tr(&Msg::new("exam-rules")
            .arg("minutes", config.minutes)
            .arg("placement", config.placement_minutes)
            .arg("max", config.max_attempts)
            .arg("days", config.window_days)
            .arg("hours", config.cooldown_hours)
            .arg("cut", scaled_score(config.cut))),
        groups,
    })
}

/// The learner's exams: per group, the placement test and the certification exam, with what
/// may be done now.
#[utoipa::path(get, path = "/hoc/thi", tag = "pages", responses((status = 200, description = "My exams (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page")))]
pub async fn exam_home(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
) -> Result<Response, Problem> {
    let page = home_page(&state, lang, &c, None).await?;
    Ok(no_store(page.into_response()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StartForm {
    #[serde(default)]
    csrf: String,
}

/// Starts a sitting (or goes back to the open one): to its first question.
#[utoipa::path(post, path = "/hoc/thi/{group}/{kind}", tag = "pages",
    params(("group" = String, Path, description = "Group: adult, public_servant, student, worker"), ("kind" = String, Path, description = "dau-vao (placement) or chung-chi (certification)")),
    request_body(content = StartForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "To the sitting"), (status = 403, description = "Wrong CSRF token"), (status = 404, description = "Not one of the learner's groups, or no exam for it"), (status = 409, description = "Not now: passed already, placement closed, cooling down or no sitting left (HTML, says until when)")))]
pub async fn start(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
    Path((group, kind)): Path<(String, String)>,
    crate::problem::Form(form): crate::problem::Form<StartForm>,
) -> Result<Response, Problem> {
    c.check_csrf(&form.csrf)?;
    let kind = parse_kind(&kind).ok_or_else(not_found)?;
    let group = Group::parse(&group).ok_or_else(not_found)?;
    let person = state
        .store
        .person(c.person_id)
        .await?
        .ok_or_else(not_found)?;
    if !learner_groups(&state, &person).contains(&group) {
        return Err(not_found());
    }
    let now = state.clock.now();
    let mut started = state
        .exams
        .start(state.store.as_ref(), c.person_id, group, kind, now)
        .await?;
    // An open sitting whose time ran out, or whose every item is answered, ends now; then a
    // new one may start.
    if let Start::Sitting(a) = &started
        && state
            .exams
            .settle(state.store.as_ref(), a.clone(), cutoff(&state), now)
            .await?
            .finished_at
            .is_some()
    {
        started = state
            .exams
            .start(state.store.as_ref(), c.person_id, group, kind, now)
            .await?;
    }
    let refusal = match started {
        Start::Sitting(a) => {
            return Ok(Redirect::to(&format!("/hoc/thi/lan/{}", a.id)).into_response());
        }
        Start::NoBank => return Err(not_found()),
        Start::Refused(r) => r,
    };
    let notice = match refusal {
        ExamStart::AlreadyPassed => lang.text("exam-refused-passed"),
        ExamStart::PlacementClosed => lang.text("exam-refused-placement"),
        ExamStart::CoolingDown { until } => {
            lang.tr(&Msg::new("exam-status-cooling").arg("until", local_time(until)))
        }
        ExamStart::NoAttemptsLeft { until } => {
            lang.tr(&Msg::new("exam-status-no-attempts").arg("until", local_time(until)))
        }
        ExamStart::Started(_) | ExamStart::Open(_) => lang.text("exam-status-open"),
    };
    let page = home_page(&state, lang, &c, Some(notice)).await?;
    let mut r = page.into_response();
    *r.status_mut() = StatusCode::CONFLICT;
    Ok(no_store(r))
}

pub struct ExamResultView {
    pub passed: bool,
    pub summary: String,
    pub gain: Option<String>,
    /// The number of right answers, and why the score is not their share.
    pub explained: Option<String>,
    /// The sitting's tasks: could do, and the others.
    pub tasks_done: Vec<String>,
    pub tasks_not_done: Vec<String>,
}

/// The current task of a sitting, above its screen.
pub struct TaskView {
    pub number: usize,
    pub title: String,
    pub goal: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "exam.html")]
struct SittingPage {
    l: Layout,
    csrf: String,
    sitting: i64,
    heading: String,
    notice: Option<String>,
    time_left: String,
    question: Option<QuestionView>,
    task: Option<TaskView>,
    screen: Option<SimScreen>,
    result: Option<ExamResultView>,
}

impl SittingPage {
    fn respond(self, status: StatusCode) -> Response {
        let mut r = self.into_response();
        *r.status_mut() = status;
        no_store(r)
    }
}

pub(crate) fn question_of(
    bank: &GroupBank,
    attempt: &ExamAttempt,
    max_items: usize,
    error: Option<String>,
    now: Timestamp,
) -> Option<QuestionView> {
    let session: Session = serde_json::from_str(&attempt.state).ok()?;
    let (at, given) = session.current()?;
    let item = bank.item(&given.item)?;
    let options = option_views(item, &given.order);
    Some(QuestionView {
        attempt: attempt.id,
        item_id: item.id.clone(),
        number: at + 1,
        total: max_items,
        stem: item.stem.clone(),
        kind: item.kind.as_str(),
        ranks: (1..=item.options.len()).collect(),
        options,
        picked: Vec::new(),
        shown_at: now.millis(),
        error,
    })
}

/// The sitting's current task, if its current item is one: what to do and its screen, whose
/// forms post to `action` (the learner's sitting, or a supervised one on a member's device)
/// naming the position and the step.
pub(crate) fn task_of(
    bank: &GroupBank,
    attempt: &ExamAttempt,
    lang: Lang,
    csrf: &str,
    action: String,
    error: Option<String>,
) -> Option<(TaskView, SimScreen)> {
    let session: Session = serde_json::from_str(&attempt.state).ok()?;
    let (at, given, current) = session.current_task()?;
    let task = bank.task(&given.item)?;
    let view = current.attempt.view(task, text_lang(lang));
    let hidden = vec![
        ("csrf".to_owned(), csrf.to_owned()),
        ("position".to_owned(), at.to_string()),
        ("item".to_owned(), given.item.clone()),
        ("step".to_owned(), view.step.to_string()),
    ];
    let shown = TaskView {
        number: at + 1,
        title: view.task_title.clone(),
        goal: view.goal.clone(),
        error,
    };
    Some((shown, SimScreen::of(view, action, hidden)))
}

async fn sitting_page(
    state: &AppState,
    lang: Lang,
    c: &CitizenCaller,
    attempt: &ExamAttempt,
    notice: Option<String>,
    error: Option<String>,
) -> Result<SittingPage, Problem> {
    let now = state.clock.now();
    let heading = lang.tr(&Msg::new(match attempt.kind {
        ExamKind::Placement => "exam-kind-placement",
        ExamKind::Certification => "exam-kind-certification",
    }));
    let heading = format!("{heading} — {}", lang.tr(&attempt.group.label()));
    let config = state.exams.config();
    let mut page = SittingPage {
        l: Layout::new(lang, heading.clone()),
        csrf: c.token.csrf_token().expose().clone(),
        sitting: attempt.id,
        heading,
        notice,
        time_left: String::new(),
        question: None,
        task: None,
        screen: None,
        result: None,
    };
    if attempt.finished_at.is_some() {
        let score = attempt.theta.map_or(0, scaled_score);
        let ability = state
            .store
            .ability(attempt.person_id, attempt.group)
            .await?;
        let passed = attempt.passed == Some(true);
        let summary = if attempt.kind == ExamKind::Placement {
            lang.tr(&Msg::new("exam-placed").arg("score", score))
        } else if passed {
            lang.tr(&Msg::new("exam-passed").arg("score", score))
        } else {
            lang.tr(&Msg::new(if attempt.timed_out {
                "exam-failed-time"
            } else {
                "exam-failed"
            })
            .arg("score", score)
            .arg("cut", scaled_score(config.cut)))
        };
        let gain = match (attempt.kind, ability.placement, attempt.theta) {
            (ExamKind::Certification, Some(p), Some(t)) if !attempt.timed_out => {
                let delta = i64::from(scaled_score(t)) - i64::from(scaled_score(p));
                Some(
                    lang.tr(&Msg::new("exam-gain")
                        .arg("before", scaled_score(p))
                        .arg("after", scaled_score(t))
                        .arg("gain", delta)),
                )
            }
            _ => None,
        };
        let explained = answers_right(attempt).map(|(right, answered)| {
            lang.tr(&Msg::new("exam-score-explained")
                .arg("right", right)
                .arg("answered", answered)
                .arg("cut", scaled_score(config.cut)))
        });
        let results = state.store.sitting_task_results(attempt.id).await?;
        let (done, not_done): (Vec<&TaskResult>, Vec<&TaskResult>) =
            results.iter().partition(|r| r.could_do());
        page.result = Some(ExamResultView {
            passed,
            summary,
            gain,
            explained,
            tasks_done: task_lines(state, lang, &done).await?,
            tasks_not_done: task_lines(state, lang, &not_done).await?,
        });
        return Ok(page);
    }
    let bank = state
        .exams
        .bank(state.store.as_ref(), attempt.group, attempt.kind, now)
        .await?
        .ok_or_else(not_found)?;
    let left_ms = (attempt.deadline_at.millis() - now.millis()).max(0);
    page.time_left = lang.tr(&Msg::new("exam-time-left")
        .arg("minutes", (left_ms + 59_999) / 60_000)
        .arg("until", local_time(attempt.deadline_at)));
    let max_items = match attempt.kind {
        ExamKind::Placement => config.placement_max_items,
        ExamKind::Certification => config.max_items,
    };
    page.question = question_of(&bank, attempt, max_items, error.clone(), now);
    if page.question.is_none()
        && let Some((task, screen)) = task_of(
            &bank,
            attempt,
            lang,
            &page.csrf,
            format!("/hoc/thi/lan/{}", attempt.id),
            error,
        )
    {
        page.task = Some(task);
        page.screen = Some(screen);
    }
    Ok(page)
}

/// A sitting: its current question with the time left, or its result.
#[utoipa::path(get, path = "/hoc/thi/lan/{sitting}", tag = "pages",
    params(("sitting" = i64, Path, description = "Sitting id")),
    responses((status = 200, description = "The current question, or the result (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page"), (status = 404, description = "No such sitting of this learner")))]
pub async fn sitting(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let mut attempt = state
        .store
        .exam_attempt(id)
        .await?
        .filter(|a| a.person_id == c.person_id)
        .ok_or_else(not_found)?;
    let now = state.clock.now();
    let mut notice = None;
    if attempt.finished_at.is_none() {
        attempt = state
            .exams
            .settle(state.store.as_ref(), attempt, cutoff(&state), now)
            .await?;
        if attempt.timed_out {
            notice = Some(lang.text("exam-time-up"));
        }
    }
    let page = sitting_page(&state, lang, &c, &attempt, notice, None).await?;
    Ok(page.respond(StatusCode::OK))
}

/// Answers the sitting's current question. Nothing is said about right or wrong: the next
/// question follows on the same page, or the result.
#[utoipa::path(post, path = "/hoc/thi/lan/{sitting}", tag = "pages",
    params(("sitting" = i64, Path, description = "Sitting id")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "csrf, position, item, and the answer: choice (repeated for several) or rank_K for each shown position K; for a simulated task, step (the step shown), a (the action's shown position) and f0… (a form's fields)"),
    responses((status = 200, description = "The next question, or the result (HTML)"), (status = 403, description = "Wrong CSRF token"), (status = 404, description = "No such sitting of this learner"), (status = 409, description = "Not the current question or task step (a replay or out of turn), the sitting is over, or its time is up: nothing recorded"), (status = 422, description = "No answer chosen, or a malformed one")))]
pub async fn answer(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
    Path(id): Path<i64>,
    crate::problem::Form(mut fields): crate::problem::Form<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    c.check_csrf(form_field(&fields, "csrf"))?;
    match crate::quiz::taps(&fields) {
        crate::quiz::Taps::None => {}
        // A step of an ordering question tapped: the same question, with the steps so far.
        crate::quiz::Taps::Partial(picked) => {
            let attempt = state
                .store
                .exam_attempt(id)
                .await?
                .filter(|a| a.person_id == c.person_id)
                .ok_or_else(not_found)?;
            let mut page = sitting_page(&state, lang, &c, &attempt, None, None).await?;
            if let Some(q) = page.question.as_mut() {
                q.picked = picked;
            }
            return Ok(page.respond(StatusCode::OK));
        }
        crate::quiz::Taps::Complete(ranks) => fields.extend(ranks),
    }
    let field = |name: &str| form_field(&fields, name);
    let now = state.clock.now();
    let position: usize = field("position").parse().unwrap_or(usize::MAX);
    let outcome = state
        .exams
        .answer(
            state.store.as_ref(),
            id,
            c.person_id,
            position,
            field("item"),
            &fields,
            cutoff(&state),
            now,
        )
        .await?;
    let (attempt, status, notice, error) = match outcome {
        Answered::NotFound => return Err(not_found()),
        Answered::Next(a) => (a, StatusCode::OK, None, None),
        Answered::Finished(a) => {
            // A pass earns its certificate now; if that fails it is issued on the learner's
            // next visit to their certificates (once per pass either way).
            if a.passed == Some(true)
                && let Some(issuer) = &state.issuer
                && let Some(pass) = state.store.exam_pass(c.person_id, a.group).await?
                && let Err(e) = issuer
                    .issue(state.store.as_ref(), &pass, cutoff(&state), now)
                    .await
            {
                tracing::warn!(person = c.person_id, error = %e, "certificate not issued yet");
            }
            (a, StatusCode::OK, None, None)
        }
        Answered::TimeUp(a) => (
            a,
            StatusCode::CONFLICT,
            Some(lang.text("exam-time-up")),
            None,
        ),
        Answered::Stale(a) => {
            let key = if a.finished_at.is_some() {
                "exam-over"
            } else {
                "exam-stale"
            };
            (a, StatusCode::CONFLICT, Some(lang.text(key)), None)
        }
        Answered::Invalid(e) => {
            let a = state.store.exam_attempt(id).await?.ok_or_else(not_found)?;
            (
                a,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(lang.text(e.msg_key())),
            )
        }
    };
    if status == StatusCode::CONFLICT {
        tracing::info!(
            person = c.person_id,
            sitting = id,
            "refused an exam answer (stale, over or late)"
        );
    }
    let page = sitting_page(&state, lang, &c, &attempt, notice, error).await?;
    Ok(page.respond(status))
}

//! A class's shared device (issue 19, item 5): the member picks a learner among those present
//! and the learner answers the module's quiz on the member's phone; one tap goes on to the
//! next learner. Every answer goes through `binhdan_app::teams::record_answer` (the ordinary
//! store functions, counted as any other) and is marked with the member who helped. Also the
//! class's join code, shown as a QR code for learners with their own phone (`join.rs`).

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use binhdan_app::teams::{self, Answerer};
use binhdan_content::{Item, quiz};
use binhdan_core::Msg;
use binhdan_i18n::Lang;
use binhdan_store::{AnswerOutcome, Attempt, ClassRecord, ModuleQuiz, NewAnswer};
use serde::Deserialize;

use super::{actor, new_op};
use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::quiz::{
    Feedback, QuestionView, QuizResult, Taps, form_field, option_views, plan_for, taps,
};
use crate::respond::{cutoff, no_store};
use crate::session::Staff;

/// A shown answer time above this is taken as this (the learner left the page).
const MAX_ELAPSED_MS: i64 = 60 * 60 * 1000;

/// One learner's step of a class quiz: the feedback on the last answer, the result, the next
/// question.
#[derive(Default)]
pub struct Step {
    pub feedback: Option<Feedback>,
    pub result: Option<QuizResult>,
    pub question: Option<QuestionView>,
    pub notice: Option<String>,
}

/// The class's module quiz (with its items).
pub(super) async fn class_quiz(
    state: &AppState,
    class: &ClassRecord,
) -> Result<Arc<ModuleQuiz>, Problem> {
    Ok(Arc::new(
        state
            .store
            .module_quiz(&class.module_id)
            .await?
            .filter(|q| !q.items.is_empty())
            .ok_or_else(|| Problem::not_found(Msg::new("learn-not-found")))?,
    ))
}

fn item_of<'a>(quiz: &'a ModuleQuiz, id: &str) -> Option<&'a Item> {
    quiz.items.iter().map(|(i, _)| i).find(|i| i.id == id)
}

/// The person's open attempt at the class's module (a finished-but-unclosed one is closed),
/// or a new one: the same store functions as the learner's own quiz page.
pub(super) async fn open_or_start(
    state: &AppState,
    quiz: &ModuleQuiz,
    person: i64,
) -> Result<Attempt, Problem> {
    let now = state.clock.now();
    match state.store.open_attempt(person, &quiz.module_id).await? {
        Some(a) if a.next_item().is_none() => {
            state
                .store
                .finish_attempt(a.id, person, cutoff(state), now)
                .await?;
        }
        Some(a) => return Ok(a),
        None => {}
    }
    Ok(state
        .store
        .create_attempt(person, &quiz.module_id, &plan_for(quiz), now)
        .await?)
}

/// The attempt's current question as a form.
pub(super) fn question_of(
    state: &AppState,
    quiz: &ModuleQuiz,
    attempt: &Attempt,
    error: Option<String>,
) -> Option<QuestionView> {
    let (at, planned) = attempt.next_item()?;
    let item = item_of(quiz, &planned.item_id)?;
    Some(QuestionView {
        attempt: attempt.id,
        item_id: item.id.clone(),
        number: at + 1,
        total: attempt.plan.len(),
        stem: item.stem.clone(),
        kind: item.kind.as_str(),
        ranks: (1..=item.options.len()).collect(),
        options: option_views(item, &planned.order),
        picked: Vec::new(),
        shown_at: state.clock.now().millis(),
        error,
    })
}

/// Answers the current question of `person`'s attempt in the class, for `answerer`: graded,
/// recorded through the app's use case, and the next step.
pub(super) async fn answer_step(
    state: &AppState,
    lang: Lang,
    answerer: Answerer<'_>,
    class: &ClassRecord,
    person: i64,
    fields: &[(String, String)],
) -> Result<(StatusCode, Step), Problem> {
    let field = |name: &str| form_field(fields, name);
    let quiz = class_quiz(state, class).await?;
    let not_found = || Problem::not_found(Msg::new("learn-not-found"));
    let attempt_id: i64 = field("attempt").parse().map_err(|_| not_found())?;
    let attempt = state
        .store
        .attempt(attempt_id)
        .await?
        .filter(|a| a.person_id == person && a.module_id == class.module_id)
        .ok_or_else(not_found)?;
    let mut step = Step::default();
    let item_id = field("item");
    let planned = attempt
        .plan
        .iter()
        .enumerate()
        .find(|(_, p)| p.item_id == item_id);
    let (Some((position, planned)), Some(item)) = (planned, item_of(&quiz, item_id)) else {
        step.notice = Some(lang.text("quiz-not-in-attempt"));
        step.question = question_of(state, &quiz, &attempt, None);
        return Ok((StatusCode::CONFLICT, step));
    };
    let completed: Vec<(String, String)>;
    let fields: &[(String, String)] = match taps(fields) {
        Taps::None => fields,
        // A step of an ordering question tapped: the same question, with the steps so far.
        Taps::Partial(picked) => {
            step.question = question_of(state, &quiz, &attempt, None).map(|mut q| {
                q.picked = picked;
                q
            });
            return Ok((StatusCode::OK, step));
        }
        Taps::Complete(ranks) => {
            completed = fields.iter().cloned().chain(ranks).collect();
            &completed
        }
    };
    let field = |name: &str| form_field(fields, name);
    let reply = match quiz::read_reply(item.kind, &planned.order, fields) {
        Ok(r) => r,
        Err(e) => {
            step.question = question_of(state, &quiz, &attempt, Some(lang.text(e.msg_key())));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, step));
        }
    };
    let now = state.clock.now();
    let correct = quiz::grade(item, &reply);
    let shown_at: i64 = field("shown_at").parse().unwrap_or(now.millis());
    let outcome = teams::record_answer(
        state.store.as_ref(),
        answerer,
        class,
        person,
        attempt.id,
        &NewAnswer {
            item_id: item.id.clone(),
            position: u32::try_from(position).unwrap_or(u32::MAX),
            revision: planned.revision,
            last: position + 1 == attempt.plan.len(),
            reply,
            correct,
            elapsed_ms: (now.millis() - shown_at).clamp(0, MAX_ELAPSED_MS),
        },
        cutoff(state),
        now,
    )
    .await?;
    let fresh = state
        .store
        .attempt(attempt.id)
        .await?
        .ok_or_else(not_found)?;
    let finished = match outcome {
        AnswerOutcome::Recorded { finished, .. } => finished,
        AnswerOutcome::Duplicate | AnswerOutcome::NotInAttempt => {
            step.notice = Some(lang.text(if matches!(outcome, AnswerOutcome::Duplicate) {
                "quiz-already-answered"
            } else {
                "quiz-not-in-attempt"
            }));
            step.question = question_of(state, &quiz, &fresh, None);
            return Ok((StatusCode::CONFLICT, step));
        }
    };
    step.feedback = Some(Feedback::of(lang, item, correct));
    if let Some(end) = finished {
        step.result = Some(QuizResult::of(
            lang,
            end.passed,
            end.correct,
            attempt.plan.len(),
        ));
    } else {
        step.question = question_of(state, &quiz, &fresh, None);
    }
    Ok((StatusCode::OK, step))
}

#[derive(Template, WebTemplate)]
#[template(path = "team_assist.html")]
struct AssistPage {
    l: Layout,
    id: i64,
    csrf: String,
    op: String,
    /// The module's title (the page's heading is the same for every class).
    module: String,
    /// Those present, with where each stands in the module's quiz.
    present: Vec<PresentRow>,
    /// The learner now (id, name).
    learner: Option<(i64, String)>,
    /// Under the feedback: whom the answer was recorded for; after the last question: who is
    /// done.
    marked: Option<String>,
    /// The next one present (id, the button).
    next: Option<(i64, String)>,
    step: Step,
}

/// Someone present at the class, as the shared device lists them.
struct PresentRow {
    id: i64,
    name: String,
    /// Where they stand in the module's quiz ("đang làm: 3/8 câu", "đã đạt"), if anywhere.
    status: Option<String>,
}

/// Which learner the page is for.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct Learner {
    /// A person present at the class.
    nguoi: Option<i64>,
}

/// Builds the shared-device page for the class, with `person` (if any) learning.
async fn assist_page(
    state: &AppState,
    lang: Lang,
    s: &crate::session::StaffCaller,
    class: &ClassRecord,
    person: Option<i64>,
    step: Step,
) -> Result<AssistPage, Problem> {
    let quiz = class_quiz(state, class).await?;
    let mut present = Vec::new();
    for a in state.store.attendees(class.id).await? {
        // Where each stands, so that the member sees every answer counted for its learner.
        let status = match state
            .store
            .open_attempt(a.person_id, &class.module_id)
            .await?
        {
            Some(open) => Some(
                lang.tr(&Msg::new("team-assist-status-open")
                    .arg("answered", open.answered)
                    .arg("total", open.plan.len())),
            ),
            None => state
                .store
                .course_progress(a.person_id, &quiz.course_id)
                .await?
                .quizzes_passed
                .contains(&class.module_id)
                .then(|| lang.text("team-assist-status-passed")),
        };
        present.push(PresentRow {
            id: a.person_id,
            name: a.name,
            status,
        });
    }
    let at = person.and_then(|p| present.iter().position(|r| r.id == p));
    let learner = at
        .and_then(|i| present.get(i))
        .map(|r| (r.id, r.name.clone()));
    // One tap to the next one present (after the last, the first again).
    let next = at
        .map(|i| i + 1)
        .and_then(|i| present.get(i).or_else(|| present.first()))
        .filter(|n| learner.as_ref().is_none_or(|l| l.0 != n.id))
        .map(|r| {
            (
                r.id,
                lang.tr(&Msg::new("team-assist-next").arg("name", &r.name)),
            )
        });
    let marked = learner.as_ref().and_then(|(_, name)| {
        if step.result.is_some() {
            Some(lang.tr(&Msg::new("team-assist-done").arg("name", name)))
        } else {
            step.feedback
                .as_ref()
                .map(|_| lang.tr(&Msg::new("team-assist-marked").arg("name", name)))
        }
    });
    Ok(AssistPage {
        l: Layout::new(lang, lang.text("team-assist-heading")),
        id: class.id,
        csrf: s.csrf().expose().clone(),
        op: new_op(),
        module: quiz.module_title.clone(),
        present,
        learner,
        marked,
        next,
        step,
    })
}

/// The class's shared device: those present to pick from and, for the learner picked, their
/// next question of the module's quiz (their attempt resumed, or started).
#[utoipa::path(get, path = "/quan-ly/lop-hoc/{id}/may-chung", tag = "pages",
    params(("id" = i64, Path, description = "Class id"), Learner),
    responses((status = 200, description = "The shared device (HTML)", content_type = "text/html"), (status = 403, description = "Not a member of the class's village team"), (status = 404, description = "No such class"), (status = 422, description = "The person is not present at the class")))]
pub async fn shared_device(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    axum::extract::Query(who): axum::extract::Query<Learner>,
) -> Result<Response, Problem> {
    let store = state.store.as_ref();
    let (class, _) = teams::members_class(store, actor(&s), id).await?;
    let mut step = Step::default();
    if let Some(person) = who.nguoi {
        teams::pick_learner(store, actor(&s), id, person).await?;
        let quiz = class_quiz(&state, &class).await?;
        let attempt = open_or_start(&state, &quiz, person).await?;
        step.question = question_of(&state, &quiz, &attempt, None);
    }
    let page = assist_page(&state, lang, &s, &class, who.nguoi, step).await?;
    Ok(no_store(page.into_response()))
}

/// Answers for the learner picked on the shared device (recorded for them, marked as assisted
/// by the member; a resent form counts once), then their next question, or their result.
#[utoipa::path(post, path = "/quan-ly/lop-hoc/{id}/may-chung", tag = "pages",
    params(("id" = i64, Path, description = "Class id")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "csrf, op, person, attempt, item, shown_at, and the answer: choice (repeated for several) or rank_K"),
    responses((status = 200, description = "Feedback and the learner's next question (HTML)"), (status = 403, description = "Not a member of the class's village team, or a wrong CSRF token"), (status = 404, description = "No such class or attempt"), (status = 409, description = "Already answered or not the current question"), (status = 422, description = "No answer chosen, or the person is not present")))]
pub async fn assisted_answer(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    crate::problem::Form(fields): crate::problem::Form<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    s.check_csrf(form_field(&fields, "csrf"))?;
    let store = state.store.as_ref();
    let (class, _) = teams::members_class(store, actor(&s), id).await?;
    let person: i64 = form_field(&fields, "person").parse().map_err(|_| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Msg::new("team-assist-not-present"),
        )
    })?;
    let (status, step) = answer_step(
        &state,
        lang,
        Answerer::Member {
            actor: actor(&s),
            op: form_field(&fields, "op"),
        },
        &class,
        person,
        &fields,
    )
    .await?;
    let page = assist_page(&state, lang, &s, &class, Some(person), step).await?;
    let mut r = no_store(page.into_response());
    *r.status_mut() = status;
    Ok(r)
}

#[derive(Template, WebTemplate)]
#[template(path = "team_join_code.html")]
struct JoinCodePage {
    l: Layout,
    id: i64,
    link: String,
    qr: String,
    show: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct JoinCodeForm {
    #[serde(default)]
    csrf: String,
}

/// Makes the class's join code and shows it as a QR code (a link with an unguessable token
/// bound to the class, expiring with it; only its hash is kept).
#[utoipa::path(post, path = "/quan-ly/lop-hoc/{id}/ma-vao", tag = "pages",
    params(("id" = i64, Path, description = "Class id")),
    request_body(content = JoinCodeForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The join code as a QR code (HTML)", content_type = "text/html"), (status = 403, description = "Not a member of the class's village team, or a wrong CSRF token"), (status = 404, description = "No such class"), (status = 422, description = "The class is over")))]
pub async fn join_code(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
    crate::problem::Form(form): crate::problem::Form<JoinCodeForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let (token, expires) = teams::create_join(
        state.store.as_ref(),
        actor(&s),
        id,
        state.config.assisted.join_hours,
        state.clock.now(),
    )
    .await?;
    let path = format!("/lop/{id}/vao/{}", token.expose());
    // A phone's camera opens only a whole address: the configured public URL, else the host
    // the member's own browser reached this server by.
    let origin = state.config.public_url.clone().unwrap_or_else(|| {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
            })
            .map_or_else(|| state.config.listen.clone(), str::to_owned);
        format!("http://{host}")
    });
    let link = format!("{}{path}", origin.trim_end_matches('/'));
    let page = JoinCodePage {
        l: Layout::new(lang, lang.text("team-join-title")),
        id,
        qr: crate::respond::qr_svg(&link),
        link,
        show: lang.tr(&Msg::new("team-join-show")
            .arg("until", binhdan_app::events::format_local_time(expires))),
    };
    Ok(no_store(page.into_response()))
}

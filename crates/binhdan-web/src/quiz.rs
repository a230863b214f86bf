//! The learner's side of learning: marking a lesson done, a module's quiz one question at a
//! time (options shuffled per attempt, immediate feedback with the explanation, every answer
//! recorded with its time), and "my courses" with progress. Plain forms that work without
//! JavaScript; an attempt resumes where it stopped, on any device.

use crate::problem::Path;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_content::quiz;
use binhdan_content::{Answer, Item, ItemOption};
use binhdan_core::Msg;
use binhdan_core::kpi::Group;
use binhdan_i18n::Lang;
use std::sync::Arc;

use binhdan_store::{AnswerOutcome, Attempt, ModuleQuiz, NewAnswer, PlannedItem};
use serde::Deserialize;

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::Problem;
use crate::respond::{cutoff, no_store};
use crate::session::{Citizen, CitizenCaller};

/// A shown answer time above this is taken as this (the learner left the page).
const MAX_ELAPSED_MS: i64 = 60 * 60 * 1000;

fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, Msg::new("learn-not-found"))
}
#[derive(Deserialize, utoipa::ToSchema)]
pub struct DoneForm {
    #[serde(default)]
    csrf: String,
}

/// Marks a lesson done for the signed-in learner, then goes on: to the next lesson, or to the
/// module's quiz after its last lesson.
#[utoipa::path(post, path = "/bai/{lesson}/xong", tag = "pages",
    params(("lesson" = String, Path, description = "Lesson id")),
    request_body(content = DoneForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Saved: to what comes next"), (status = 403, description = "Wrong CSRF token"), (status = 404, description = "No such lesson")))]
pub async fn lesson_done(
    State(state): State<AppState>,
    Citizen(c): Citizen,
    Path(id): Path<String>,
    crate::problem::Form(form): crate::problem::Form<DoneForm>,
) -> Result<Response, Problem> {
    c.check_csrf(&form.csrf)?;
    let page = state.store.lesson_page(&id).await?.ok_or_else(not_found)?;
    state
        .store
        .complete_lesson(c.person_id, &id, cutoff(&state), state.clock.now())
        .await?;
    let has_quiz = state
        .store
        .module_quiz(&page.module_id)
        .await?
        .is_some_and(|q| !q.items.is_empty());
    let to = if page.last_in_module && has_quiz {
        format!("/hoc/kiem-tra/{}", page.module_id)
    } else if let Some(next) = page.next {
        format!("/bai/{}", next.id)
    } else {
        format!("/hoc/{}", page.course_id)
    };
    Ok(Redirect::to(&to).into_response())
}

/// Module quizzes kept in memory for a short while: every question and every answer needs the
/// module's items, which change only when content is loaded (by another process, so entries
/// expire rather than being told).
pub struct QuizCache {
    /// Aged on the server's clock.
    entries: binhdan_app::cache::TtlCache<String, Arc<ModuleQuiz>>,
    /// Attempts' plans (who, which module, which questions in which order): they never change.
    plans: std::sync::RwLock<std::collections::HashMap<i64, Arc<Attempt>>>,
}

/// At most this many attempt plans are kept.
const PLANS_MAX: usize = 100_000;

/// How long a cached quiz is trusted.
const QUIZ_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// At most this many modules' quizzes are kept.
const QUIZZES_MAX: usize = 10_000;

impl Default for QuizCache {
    fn default() -> Self {
        Self {
            entries: binhdan_app::cache::TtlCache::new(QUIZ_TTL, QUIZZES_MAX),
            plans: std::sync::RwLock::default(),
        }
    }
}

impl QuizCache {
    async fn get(&self, state: &AppState, module: &str) -> Result<Arc<ModuleQuiz>, Problem> {
        self.get_at(module, state.clock.now(), || async {
            Ok(Arc::new(
                state
                    .store
                    .module_quiz(module)
                    .await?
                    .filter(|q| !q.items.is_empty())
                    .ok_or_else(not_found)?,
            ))
        })
        .await
    }

    /// The module's quiz as cached at `now`, or `load`ed (a quiz that is not found is not
    /// kept).
    async fn get_at<F, Fut>(
        &self,
        module: &str,
        now: binhdan_core::Timestamp,
        load: F,
    ) -> Result<Arc<ModuleQuiz>, Problem>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Arc<ModuleQuiz>, Problem>>,
    {
        self.entries
            .get_or_try_load(module.to_owned(), now, load)
            .await
    }

    /// An attempt's plan and owner (its progress, `answered`, may be stale: do not use it).
    async fn attempt(&self, state: &AppState, id: i64) -> Result<Option<Arc<Attempt>>, Problem> {
        if let Ok(plans) = self.plans.read()
            && let Some(a) = plans.get(&id)
        {
            return Ok(Some(a.clone()));
        }
        let Some(attempt) = state.store.attempt(id).await? else {
            return Ok(None);
        };
        let attempt = Arc::new(attempt);
        self.keep(attempt.clone());
        Ok(Some(attempt))
    }

    fn keep(&self, attempt: Arc<Attempt>) {
        if let Ok(mut plans) = self.plans.write() {
            if plans.len() >= PLANS_MAX {
                plans.clear();
            }
            plans.insert(attempt.id, attempt);
        }
    }
}

pub struct OptionView {
    /// The shown position (what the form sends back).
    pub position: usize,
    pub text: String,
    pub image: Option<(String, String)>,
}

pub struct QuestionView {
    pub attempt: i64,
    pub item_id: String,
    pub number: usize,
    pub total: usize,
    pub stem: String,
    pub kind: &'static str,
    pub options: Vec<OptionView>,
    pub ranks: Vec<usize>,
    pub shown_at: i64,
    pub error: Option<String>,
    /// An ordering question's steps tapped so far, in order (shown positions).
    pub picked: Vec<usize>,
}

impl QuestionView {
    /// The steps tapped so far, in the order tapped.
    #[must_use]
    pub fn picked_steps(&self) -> Vec<&OptionView> {
        self.picked
            .iter()
            .filter_map(|p| self.options.iter().find(|o| o.position == *p))
            .collect()
    }

    /// The steps not tapped yet, in the order shown.
    #[must_use]
    pub fn remaining_steps(&self) -> Vec<&OptionView> {
        self.options
            .iter()
            .filter(|o| !self.picked.contains(&o.position))
            .collect()
    }

    /// The tapped steps as the form carries them back (`2,0`).
    #[must_use]
    pub fn picked_field(&self) -> String {
        self.picked
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The most steps an ordering question has.
const MAX_STEPS: usize = 12;

/// An ordering question answered by tapping its steps one after the other (a form
/// submission per tap, no JavaScript): what the taps so far amount to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Taps {
    /// The form answers some other way (`rank_K` fields, choices).
    None,
    /// Not every step is tapped yet: the steps tapped, in order (shown positions).
    Partial(Vec<usize>),
    /// Every step is tapped: the order as the `rank_K` fields the grader reads.
    Complete(Vec<(String, String)>),
}

/// Reads the taps of an ordering question: `picked` (the steps tapped before, `2,0`),
/// `pick` (the step tapped now, or `lai` to start again) and `steps` (how many there are).
/// Whatever a client sends, the grader still checks the complete answer.
pub(crate) fn taps(fields: &[(String, String)]) -> Taps {
    let pick = form_field(fields, "pick");
    if pick.is_empty() {
        return Taps::None;
    }
    if pick == "lai" {
        return Taps::Partial(Vec::new());
    }
    let steps = form_field(fields, "steps")
        .parse::<usize>()
        .unwrap_or(0)
        .min(MAX_STEPS);
    let mut picked: Vec<usize> = Vec::new();
    let tapped = form_field(fields, "picked")
        .split(',')
        .chain(std::iter::once(pick))
        .filter_map(|p| p.trim().parse::<usize>().ok());
    for p in tapped {
        if p < steps && !picked.contains(&p) {
            picked.push(p);
        }
    }
    if steps > 0 && picked.len() == steps {
        Taps::Complete(
            picked
                .iter()
                .enumerate()
                .map(|(rank, position)| (format!("rank_{position}"), (rank + 1).to_string()))
                .collect(),
        )
    } else {
        Taps::Partial(picked)
    }
}

pub struct Feedback {
    pub correct: bool,
    pub right_answer: String,
    pub explanation: String,
}

pub struct QuizResult {
    pub passed: bool,
    pub summary: String,
}

impl Feedback {
    /// What a learner is told after answering `item`: right or not, the right answer, why.
    pub(crate) fn of(lang: Lang, item: &Item, correct: bool) -> Self {
        Self {
            correct,
            right_answer: right_answer(lang, item),
            explanation: item.explanation.clone(),
        }
    }
}

impl QuizResult {
    /// A finished quiz in words: `correct` of `total`, passed or not.
    pub(crate) fn of(lang: Lang, passed: bool, correct: u32, total: usize) -> Self {
        Self {
            passed,
            summary: lang.tr(
                &Msg::new(if passed { "quiz-passed" } else { "quiz-failed" })
                    .arg("correct", correct)
                    .arg("total", total)
                    .arg("percent", quiz::PASS_PERCENT),
            ),
        }
    }
}

/// The quiz page: feedback on the last answer (if any) and the next question (if any) on one
/// page, so each question costs one round trip on a weak network.
#[derive(Template, WebTemplate)]
#[template(path = "quiz.html")]
struct QuizPage {
    l: Layout,
    csrf: String,
    module_id: String,
    module_title: String,
    course_id: String,
    course_title: String,
    feedback: Option<Feedback>,
    notice: Option<String>,
    result: Option<QuizResult>,
    question: Option<QuestionView>,
}

impl QuizPage {
    fn new(lang: Lang, c: &CitizenCaller, quiz: &ModuleQuiz) -> Self {
        Self {
            l: Layout::new(lang, quiz.module_title.clone()),
            csrf: c.token.csrf_token().expose().clone(),
            module_id: quiz.module_id.clone(),
            module_title: quiz.module_title.clone(),
            course_id: quiz.course_id.clone(),
            course_title: quiz.course_title.clone(),
            feedback: None,
            notice: None,
            result: None,
            question: None,
        }
    }

    fn respond(self, status: StatusCode) -> Response {
        let mut r = self.into_response();
        *r.status_mut() = status;
        no_store(r)
    }
}

pub(crate) fn option_text(o: &ItemOption) -> String {
    match o {
        ItemOption::Text(t) => t.clone(),
        ItemOption::Image { alt, .. } => alt.clone(),
    }
}

/// The right answer, in words, for the feedback.
pub(crate) fn right_answer(lang: Lang, item: &Item) -> String {
    match &item.answer {
        Answer::One(i) => item.options.get(*i).map(option_text).unwrap_or_default(),
        Answer::Many(v) => v
            .iter()
            .filter_map(|i| item.options.get(*i).map(option_text))
            .collect::<Vec<_>>()
            .join("; "),
        Answer::Bool(b) => lang.text(if *b { "quiz-true" } else { "quiz-false" }),
        Answer::InOrder => item
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| format!("{}. {}", i + 1, option_text(o)))
            .collect::<Vec<_>>()
            .join(" → "),
    }
}

pub(crate) fn plan_for(quiz: &ModuleQuiz) -> Vec<PlannedItem> {
    let mut rng = rand::rng();
    quiz.items
        .iter()
        .map(|(item, revision)| PlannedItem {
            item_id: item.id.clone(),
            revision: *revision,
            order: quiz::present(item, &mut rng),
        })
        .collect()
}

fn item_of<'a>(quiz: &'a ModuleQuiz, id: &str) -> Option<&'a Item> {
    quiz.items.iter().map(|(i, _)| i).find(|i| i.id == id)
}

/// An item's options in the order shown (`order` holds their written indices).
pub(crate) fn option_views(item: &Item, order: &[usize]) -> Vec<OptionView> {
    order
        .iter()
        .enumerate()
        .filter_map(|(shown, &original)| {
            item.options.get(original).map(|o| OptionView {
                position: shown,
                text: option_text(o),
                image: match o {
                    ItemOption::Image { path, alt } => {
                        Some((format!("/noi-dung/tep/{path}"), alt.clone()))
                    }
                    ItemOption::Text(_) => None,
                },
            })
        })
        .collect()
}

/// A submitted form's field (the first of that name), or "".
pub(crate) fn form_field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The question at `position` of the attempt, as a form.
fn question(
    state: &AppState,
    quiz: &ModuleQuiz,
    attempt: &Attempt,
    position: usize,
    planned: &PlannedItem,
    error: Option<String>,
) -> Option<QuestionView> {
    let item = item_of(quiz, &planned.item_id)?;
    let options = option_views(item, &planned.order);
    Some(QuestionView {
        attempt: attempt.id,
        item_id: item.id.clone(),
        number: position + 1,
        total: attempt.plan.len(),
        stem: item.stem.clone(),
        kind: item.kind.as_str(),
        ranks: (1..=item.options.len()).collect(),
        options,
        picked: Vec::new(),
        shown_at: state.clock.now().millis(),
        error,
    })
}

/// A module's quiz: starts an attempt (or resumes the open one) and shows its next question.
#[utoipa::path(get, path = "/hoc/kiem-tra/{module}", tag = "pages",
    params(("module" = String, Path, description = "Module id")),
    responses((status = 200, description = "The next question (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page"), (status = 404, description = "No such module, or it has no quiz")))]
pub async fn quiz_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
    Path(module): Path<String>,
) -> Result<Response, Problem> {
    let quiz = state.quizzes.get(&state, &module).await?;
    let open = match state.store.open_attempt(c.person_id, &module).await? {
        // Every question answered but not finished (the server stopped in between): finish it
        // now and start afresh.
        Some(a) if a.next_item().is_none() => {
            state
                .store
                .finish_attempt(a.id, c.person_id, cutoff(&state), state.clock.now())
                .await?;
            None
        }
        other => other,
    };
    let attempt = if let Some(a) = open {
        a
    } else {
        let a = state
            .store
            .create_attempt(c.person_id, &module, &plan_for(&quiz), state.clock.now())
            .await?;
        state.quizzes.keep(Arc::new(a.clone()));
        a
    };
    let mut page = QuizPage::new(lang, &c, &quiz);
    page.question = attempt
        .next_item()
        .and_then(|(at, planned)| question(&state, &quiz, &attempt, at, planned, None));
    if page.question.is_none() {
        return Err(not_found());
    }
    Ok(page.respond(StatusCode::OK))
}

/// Answers the current question of an attempt: graded at once, recorded once with its time,
/// answered with the explanation and, on the same page, the next question — or, after the
/// last one, the attempt's result.
#[utoipa::path(post, path = "/hoc/kiem-tra/{module}", tag = "pages",
    params(("module" = String, Path, description = "Module id")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "csrf, attempt, item, shown_at, and the answer: choice (repeated for several) or rank_K for each shown position K"),
    responses((status = 200, description = "Feedback on the answer and the next question (HTML)"), (status = 403, description = "Wrong CSRF token, or another learner's attempt"), (status = 404, description = "No such module or attempt"), (status = 409, description = "Already answered, or not the current question of this attempt"), (status = 422, description = "No answer chosen, or a malformed one")))]
pub async fn answer(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
    Path(module): Path<String>,
    crate::problem::Form(fields): crate::problem::Form<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let field = |name: &str| form_field(&fields, name);
    c.check_csrf(field("csrf"))?;
    let now = state.clock.now();
    let quiz = state.quizzes.get(&state, &module).await?;
    let attempt_id: i64 = field("attempt").parse().map_err(|_| not_found())?;
    // The plan of an attempt never changes: it is read once and kept; whether this is the
    // current question is the store's check, in the same statement that records the answer.
    let attempt = state
        .quizzes
        .attempt(&state, attempt_id)
        .await?
        .filter(|a| a.module_id == module)
        .ok_or_else(not_found)?;
    if attempt.person_id != c.person_id {
        tracing::warn!(
            person = c.person_id,
            attempt = attempt_id,
            "refused an answer to another learner's attempt"
        );
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    // A refusal changes nothing and offers to go on with the current question (read afresh).
    // Without a key, the fresh attempt tells which: over, or answered out of turn.
    let refuse = async |key: Option<&'static str>| -> Result<Response, Problem> {
        let fresh = state
            .store
            .attempt(attempt_id)
            .await?
            .ok_or_else(not_found)?;
        let key = key.unwrap_or(if fresh.finished_at.is_some() {
            "quiz-attempt-over"
        } else {
            "quiz-not-in-attempt"
        });
        let mut page = QuizPage::new(lang, &c, &quiz);
        page.notice = Some(lang.text(key));
        page.question = fresh
            .next_item()
            .and_then(|(at, planned)| question(&state, &quiz, &fresh, at, planned, None));
        Ok(page.respond(StatusCode::CONFLICT))
    };
    let item_id = field("item");
    let Some((position, planned)) = attempt
        .plan
        .iter()
        .enumerate()
        .find(|(_, p)| p.item_id == item_id)
    else {
        return refuse(Some("quiz-not-in-attempt")).await;
    };
    let Some(item) = item_of(&quiz, item_id) else {
        return refuse(Some("quiz-not-in-attempt")).await;
    };
    let completed: Vec<(String, String)>;
    let answer_fields: &[(String, String)] = match taps(&fields) {
        Taps::None => &fields,
        // A step tapped: the same question again, with the steps tapped so far.
        Taps::Partial(picked) => {
            let mut page = QuizPage::new(lang, &c, &quiz);
            page.question =
                question(&state, &quiz, &attempt, position, planned, None).map(|mut q| {
                    q.picked = picked;
                    q.shown_at = field("shown_at").parse().unwrap_or(q.shown_at);
                    q
                });
            return Ok(page.respond(StatusCode::OK));
        }
        Taps::Complete(ranks) => {
            completed = fields.iter().cloned().chain(ranks).collect();
            &completed
        }
    };
    let reply = match quiz::read_reply(item.kind, &planned.order, answer_fields) {
        Ok(r) => r,
        Err(e) => {
            let mut page = QuizPage::new(lang, &c, &quiz);
            page.question = question(
                &state,
                &quiz,
                &attempt,
                position,
                planned,
                Some(lang.text(e.msg_key())),
            );
            return Ok(page.respond(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let correct = quiz::grade(item, &reply);
    let shown_at: i64 = field("shown_at").parse().unwrap_or(now.millis());
    let elapsed_ms = (now.millis() - shown_at).clamp(0, MAX_ELAPSED_MS);
    let outcome = state
        .store
        .record_answer(
            attempt.id,
            c.person_id,
            &NewAnswer {
                item_id: item.id.clone(),
                position: u32::try_from(position).unwrap_or(u32::MAX),
                revision: planned.revision,
                last: position + 1 == attempt.plan.len(),
                reply,
                correct,
                elapsed_ms,
            },
            cutoff(&state),
            now,
        )
        .await?;
    let (answered, finished) = match outcome {
        AnswerOutcome::Recorded { answered, finished } => (answered, finished),
        AnswerOutcome::Duplicate => return refuse(Some("quiz-already-answered")).await,
        // Answered out of turn, or after the attempt's end.
        AnswerOutcome::NotInAttempt => return refuse(None).await,
    };
    let mut page = QuizPage::new(lang, &c, &quiz);
    page.feedback = Some(Feedback::of(lang, item, correct));
    if let Some(end) = finished {
        page.result = Some(QuizResult::of(
            lang,
            end.passed,
            end.correct,
            attempt.plan.len(),
        ));
    } else {
        let moved = Attempt {
            answered,
            ..(*attempt).clone()
        };
        page.question = moved
            .next_item()
            .and_then(|(at, planned)| question(&state, &quiz, &moved, at, planned, None));
    }
    Ok(page.respond(StatusCode::OK))
}

/// The groups a person learns in: adult by the campaign's cutoff, the rest by membership.
pub(crate) fn learner_groups(state: &AppState, person: &binhdan_store::PersonDetail) -> Vec<Group> {
    let mut groups: Vec<Group> = person.memberships.iter().map(|m| m.group).collect();
    if cutoff(state).is_adult(person.summary.birth_year, person.summary.birth_day) {
        groups.push(Group::Adult);
    }
    groups.sort_unstable();
    groups.dedup();
    groups
}

pub struct MyCourse {
    pub id: String,
    pub title: String,
    pub audience: String,
    pub percent: u32,
    pub progress: String,
    pub completed: bool,
    pub next: Option<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "my_courses.html")]
struct MyCoursesPage {
    l: Layout,
    name: String,
    courses: Vec<MyCourse>,
    /// Before any lesson or test: an invitation to the placement test first.
    place_first: bool,
}

/// The learner's courses (those of their groups) with their progress and next lesson, and
/// whether they should take the placement test first (nothing started, never placed).
pub(crate) async fn learner_courses(
    state: &AppState,
    lang: Lang,
    person: &binhdan_store::PersonDetail,
) -> Result<(Vec<MyCourse>, bool), Problem> {
    let groups = learner_groups(state, person);
    let mut courses = Vec::new();
    for course in state.store.courses().await? {
        let mine = Group::parse(&course.group).is_some_and(|g| groups.contains(&g));
        if !mine {
            continue;
        }
        let progress = state
            .store
            .course_progress(person.summary.id, &course.id)
            .await?;
        let outline = state.store.course_outline(&course.id).await?;
        let total_lessons = course.lessons.max(1);
        let done = progress.lessons_done.len() as u64;
        let next = outline.and_then(|o| {
            o.modules
                .into_iter()
                .flat_map(|m| m.lessons)
                .find(|l| !progress.lessons_done.contains(&l.id))
                .map(|l| (l.id, l.title))
        });
        courses.push(MyCourse {
            percent: u32::try_from(done * 100 / total_lessons).unwrap_or(100),
            progress: lang.tr(&Msg::new("my-courses-progress")
                .arg("done", done)
                .arg("lessons", course.lessons)
                .arg("quizzes", progress.quizzes_passed.len())
                .arg("modules", course.modules)),
            audience: Group::parse(&course.group)
                .map(|g| lang.tr(&g.label()))
                .unwrap_or_default(),
            completed: progress.completed,
            id: course.id,
            title: course.title,
            next,
        });
    }
    // A learner who has not started yet is invited to the placement test, so that their
    // progress can be measured from where they began.
    let started = courses.iter().any(|c| c.percent > 0);
    let mut place_first = false;
    if !started {
        for g in &groups {
            if state
                .store
                .exam_history(person.summary.id, *g)
                .await?
                .is_empty()
            {
                place_first = true;
                break;
            }
        }
    }
    Ok((courses, place_first))
}

/// The signed-in learner's courses (those of their groups first) with their progress.
#[utoipa::path(get, path = "/hoc/cua-toi", tag = "pages", responses((status = 200, description = "My courses (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page")))]
pub async fn my_courses(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
) -> Result<Response, Problem> {
    let person = state
        .store
        .person(c.person_id)
        .await?
        .ok_or_else(not_found)?;
    let (courses, place_first) = learner_courses(&state, lang, &person).await?;
    Ok(no_store(
        MyCoursesPage {
            l: Layout::new(lang, lang.text("my-courses-title")),
            name: person.summary.name,
            place_first,
            courses,
        }
        .into_response(),
    ))
}

#[cfg(test)]
mod cache_tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use binhdan_core::Timestamp;
    use binhdan_store::ModuleQuiz;

    use super::{QUIZ_TTL, QuizCache};

    /// A quiz is read from the store again once the clock has moved past the TTL, not before.
    #[tokio::test]
    async fn a_cached_quiz_is_read_again_once_the_clock_passes_its_ttl() {
        let cache = QuizCache::default();
        let loads = AtomicU32::new(0);
        let load = || async {
            let n = loads.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(Arc::new(ModuleQuiz {
                module_id: "m".into(),
                module_title: format!("read {n}"),
                course_id: "c".into(),
                course_title: "c".into(),
                items: Vec::new(),
            }))
        };
        let t0 = Timestamp(1_764_000_000_000);
        let ttl = i64::try_from(QUIZ_TTL.as_millis()).unwrap();
        let title = |q: Arc<ModuleQuiz>| q.module_title.clone();
        assert_eq!(title(cache.get_at("m", t0, load).await.unwrap()), "read 1");
        let later = Timestamp(t0.millis() + ttl - 1);
        assert_eq!(
            title(cache.get_at("m", later, load).await.unwrap()),
            "read 1"
        );
        let expired = Timestamp(t0.millis() + ttl);
        assert_eq!(
            title(cache.get_at("m", expired, load).await.unwrap()),
            "read 2"
        );
    }
}

#[cfg(test)]
mod taps_tests {
    use super::{Taps, taps};

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn steps_tapped_in_order_become_the_ranks_the_grader_reads() {
        assert_eq!(taps(&form(&[("choice", "1")])), Taps::None);
        assert_eq!(
            taps(&form(&[("steps", "3"), ("picked", ""), ("pick", "2")])),
            Taps::Partial(vec![2])
        );
        assert_eq!(
            taps(&form(&[("steps", "3"), ("picked", "2"), ("pick", "0")])),
            Taps::Partial(vec![2, 0])
        );
        assert_eq!(
            taps(&form(&[("steps", "3"), ("picked", "2,0"), ("pick", "1")])),
            Taps::Complete(vec![
                ("rank_2".into(), "1".into()),
                ("rank_0".into(), "2".into()),
                ("rank_1".into(), "3".into()),
            ])
        );
        // Starting again, a step tapped twice, steps that do not exist, and junk.
        assert_eq!(
            taps(&form(&[("steps", "3"), ("picked", "2,0"), ("pick", "lai")])),
            Taps::Partial(vec![])
        );
        assert_eq!(
            taps(&form(&[("steps", "3"), ("picked", "2"), ("pick", "2")])),
            Taps::Partial(vec![2])
        );
        assert_eq!(
            taps(&form(&[
                ("steps", "3"),
                ("picked", "9,x,-1"),
                ("pick", "7")
            ])),
            Taps::Partial(vec![])
        );
        assert_eq!(
            taps(&form(&[("steps", "999999"), ("pick", "0")])),
            Taps::Partial(vec![0]),
            "a step count is bounded"
        );
    }
}

//! Practice with simulated real-service tasks (`content/tasks`): the list, a task's
//! introduction, and its steps. Each step is a page of plain forms (no script needed): the
//! simulated screen, clearly labelled as a simulation, with its buttons, its choices (each a
//! submit button of its own: one tap, as in an app) and its forms;
//! after a wrong step the feedback and the screen's hint; at the end the score and a retry
//! (with the goal screen, when done, to show what success looks like). The introduction and
//! the result link to the lessons that prepare for the task.
//!
//! Practice stores nothing. The attempt (its seed, screen, step number and counts — never what
//! was typed) travels in the page, sealed by the vault for this learner and this task: it can
//! be neither read, changed nor replayed by anyone else. A step names the step it was shown
//! at; anything else is refused and changes nothing, and resending a page gives the same
//! answer again (an attempt is a pure function of its seed and inputs). Attempts expire after
//! [`ATTEMPT_HOURS`]. An assessment keeps its attempts in the store instead (`exam.rs`); both
//! show a screen through [`SimScreen`] and the `sim_screen.html` partial.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use binhdan_content::Task;
use binhdan_content::task::{
    ActionKind, Attempt, Input, Last, ScreenView, Status, StepError, TextLang,
};
use binhdan_core::kpi::Group;
use binhdan_core::{Msg, Timestamp};
use binhdan_i18n::Lang;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::session::{Caller, Citizen, CitizenCaller};

/// How long an attempt may be continued.
pub const ATTEMPT_HOURS: i64 = 3;

pub(crate) fn text_lang(lang: Lang) -> TextLang {
    match lang {
        Lang::Vi => TextLang::Vi,
        Lang::En => TextLang::En,
    }
}

fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, Msg::new("task-not-found"))
}

fn group_labels(lang: Lang, task: &Task) -> String {
    task.groups
        .iter()
        .filter_map(|g| Group::parse(g.as_str()))
        .map(|g| lang.tr(&g.label()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub struct TaskCard {
    pub id: String,
    pub title: String,
    pub app: String,
    pub audience: String,
}

fn card(lang: Lang, t: &Task) -> TaskCard {
    let tl = text_lang(lang);
    TaskCard {
        id: t.id.clone(),
        title: t.title.get(tl).to_owned(),
        app: t.app.get(tl).to_owned(),
        audience: group_labels(lang, t),
    }
}

/// The tasks a lesson prepares for, as links (for the lesson page).
pub(crate) async fn for_lesson(
    state: &AppState,
    lang: Lang,
    lesson: &str,
) -> Result<Vec<TaskCard>, Problem> {
    Ok(state
        .store
        .sim_tasks_for_lesson(lesson)
        .await?
        .iter()
        .map(|t| card(lang, t))
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "tasks.html")]
struct ListPage {
    l: Layout,
    tasks: Vec<TaskCard>,
}

/// The simulated tasks to practise.
#[utoipa::path(get, path = "/thuc-hanh", tag = "pages", responses((status = 200, description = "The tasks to practise (HTML)", content_type = "text/html")))]
pub async fn list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
) -> Result<Response, Problem> {
    let tasks = state.store.sim_tasks().await?;
    let page = ListPage {
        l: Layout::new(lang, lang.text("task-list-title")),
        tasks: tasks.iter().map(|t| card(lang, t)).collect(),
    };
    Ok(page.into_response())
}

/// A field of a form, as shown.
pub struct FieldBox {
    pub name: String,
    pub label: String,
    pub secret: bool,
}

/// A form that types into fields.
pub struct TypeForm {
    pub position: usize,
    pub label: String,
    pub fields: Vec<FieldBox>,
}

/// A button or a choice.
pub struct Button {
    pub position: usize,
    pub label: String,
    pub back: bool,
}

/// A simulated screen as a page shows it (practice and the exam alike): every form posts to
/// `action` with the `hidden` fields, and `a` naming the action's shown position.
pub struct SimScreen {
    pub action: String,
    pub hidden: Vec<(String, String)>,
    pub app: String,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub rows: Vec<(String, String)>,
    pub forms: Vec<TypeForm>,
    pub choices: Vec<Button>,
    pub buttons: Vec<Button>,
}

impl SimScreen {
    /// The screen of `view` (its feedback and hint are not part of it).
    #[must_use]
    pub fn of(view: ScreenView, action: String, hidden: Vec<(String, String)>) -> Self {
        let mut screen = Self {
            action,
            hidden,
            app: view.app,
            title: view.title,
            paragraphs: view.paragraphs,
            rows: view.rows,
            forms: Vec::new(),
            choices: Vec::new(),
            buttons: Vec::new(),
        };
        for action in view.actions {
            match action.kind {
                ActionKind::Type => screen.forms.push(TypeForm {
                    position: action.position,
                    label: action.label,
                    fields: action
                        .fields
                        .into_iter()
                        .enumerate()
                        .map(|(i, f)| FieldBox {
                            name: format!("f{i}"),
                            label: f.label,
                            secret: f.secret,
                        })
                        .collect(),
                }),
                ActionKind::Choose => screen.choices.push(Button {
                    position: action.position,
                    label: action.label,
                    back: false,
                }),
                ActionKind::Tap | ActionKind::Back => screen.buttons.push(Button {
                    position: action.position,
                    back: action.kind == ActionKind::Back,
                    label: action.label,
                }),
            }
        }
        screen
    }
}

/// The end of an attempt.
pub struct Outcome {
    pub done: bool,
    pub score: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "task.html")]
struct TaskPage {
    l: Layout,
    id: String,
    title: String,
    app: String,
    audience: String,
    /// The learner's CSRF token (none: not signed in).
    csrf: Option<String>,
    /// The sealed attempt (none: the introduction).
    sealed: Option<String>,
    goal: String,
    notice: Option<String>,
    feedback: Option<String>,
    hint: Option<String>,
    /// The last step was wrong (said even when the task has no words for why).
    wrong_step: bool,
    screen: Option<SimScreen>,
    outcome: Option<Outcome>,
    /// The lessons that prepare for the task: on the introduction and the result, the way
    /// back to learning.
    lessons: Vec<LessonLink>,
}

impl TaskPage {
    fn intro(lang: Lang, task: &Task, csrf: Option<String>) -> Self {
        let tl = text_lang(lang);
        Self {
            l: Layout::new(lang, task.title.get(tl).to_owned()),
            id: task.id.clone(),
            title: task.title.get(tl).to_owned(),
            app: task.app.get(tl).to_owned(),
            audience: group_labels(lang, task),
            csrf,
            sealed: None,
            goal: String::new(),
            notice: None,
            feedback: None,
            hint: None,
            wrong_step: false,
            screen: None,
            outcome: None,
            lessons: Vec::new(),
        }
    }

    fn attempt(
        lang: Lang,
        task: &Task,
        c: &CitizenCaller,
        sealed: &SealedAttempt,
        sealed_text: String,
    ) -> Self {
        let a = &sealed.attempt;
        let mut view = a.view(task, text_lang(lang));
        let csrf = c.token.csrf_token().expose().clone();
        let mut page = Self::intro(lang, task, Some(csrf.clone()));
        page.goal = std::mem::take(&mut view.goal);
        page.feedback = view.feedback.take();
        page.hint = view.hint.take();
        let status = view.status;
        page.wrong_step = status == Status::Open
            && matches!(a.last, Some(Last::Wrong { .. } | Last::Mismatch { .. }));
        let hidden = vec![
            ("csrf".to_owned(), csrf),
            ("attempt".to_owned(), sealed_text.clone()),
            ("step".to_owned(), view.step.to_string()),
        ];
        page.screen = Some(SimScreen::of(
            view,
            format!("/thuc-hanh/{}", task.id),
            hidden,
        ));
        page.sealed = Some(sealed_text);
        if status != Status::Open {
            let score = a.score(task);
            page.outcome = Some(Outcome {
                done: status == Status::Done,
                score: lang.tr(&Msg::new("task-score")
                    .arg("points", score.points)
                    .arg("max", score.max)),
            });
        }
        page
    }
}

/// A task's introduction: what it is, the simulation's label, and (signed in) the button that
/// starts an attempt.
#[utoipa::path(get, path = "/thuc-hanh/{task}", tag = "pages",
    params(("task" = String, Path, description = "Task id")),
    responses((status = 200, description = "The task's introduction (HTML)", content_type = "text/html"), (status = 404, description = "No such task")))]
pub async fn intro(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let task = state.store.sim_task(&id).await?.ok_or_else(not_found)?;
    let csrf = match &caller {
        Caller::Citizen(c) => Some(c.token.csrf_token().expose().clone()),
        _ => None,
    };
    let mut page = TaskPage::intro(lang, &task, csrf);
    page.lessons = lesson_links(&state, lang, &task).await?;
    Ok(page.into_response())
}

/// A link to a lesson that prepares for a task.
pub struct LessonLink {
    pub id: String,
    /// In the page's language when the content has it, else in Vietnamese.
    pub title: String,
    /// The page is English but the title Vietnamese (the link says so, for screen readers).
    pub vietnamese: bool,
}

/// The lessons that prepare for `task`, those still in the pack, titled in `lang` where the
/// content gives a title in it (lessons are written in Vietnamese; some have an English title).
async fn lesson_links(
    state: &AppState,
    lang: Lang,
    task: &Task,
) -> Result<Vec<LessonLink>, Problem> {
    let mut links = Vec::with_capacity(task.lessons.len());
    for id in &task.lessons {
        if let Some(lesson) = state.store.lesson_page(id).await? {
            let (title, vietnamese) = match (lang, lesson.title_en) {
                (Lang::Vi, _) => (lesson.title, false),
                (Lang::En, Some(en)) => (en, false),
                (Lang::En, None) => (lesson.title, true),
            };
            links.push(LessonLink {
                id: lesson.id,
                title,
                vietnamese,
            });
        }
    }
    Ok(links)
}

/// What the page carries: the attempt and when it began.
#[derive(Serialize, Deserialize)]
struct SealedAttempt {
    attempt: Attempt,
    started: i64,
}

/// Bound to the learner, the task and its version: an attempt sealed for one does not open as
/// another.
fn context(person: i64, task: &Task) -> String {
    format!("sim-task/{person}/{}/{}", task.id, task.version)
}

fn vault(state: &AppState) -> Result<&binhdan_vault::Vault, Problem> {
    state.auth.vault.as_deref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Msg::new("task-unavailable"),
        )
    })
}

fn seal(
    vault: &binhdan_vault::Vault,
    person: i64,
    task: &Task,
    sealed: &SealedAttempt,
) -> Result<String, Problem> {
    let unavailable = || {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Msg::new("task-unavailable"),
        )
    };
    let plain = serde_json::to_vec(sealed).map_err(|_| unavailable())?;
    vault
        .seal_secret(&plain, &context(person, task), &mut rand::rng())
        .map(|s| URL_SAFE_NO_PAD.encode(s.as_bytes()))
        .map_err(|_| unavailable())
}

fn open(
    vault: &binhdan_vault::Vault,
    person: i64,
    task: &Task,
    text: &str,
) -> Option<SealedAttempt> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let plain = vault.open_secret(&bytes, &context(person, task)).ok()?;
    serde_json::from_slice(plain.expose()).ok()
}

async fn respond(
    state: &AppState,
    lang: Lang,
    task: &Task,
    c: &CitizenCaller,
    sealed: &SealedAttempt,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, Problem> {
    let text = seal(vault(state)?, c.person_id, task, sealed)?;
    let mut page = TaskPage::attempt(lang, task, c, sealed, text);
    page.notice = notice.map(|k| lang.text(k));
    if page.outcome.is_some() {
        page.lessons = lesson_links(state, lang, task).await?;
    }
    Ok((status, page).into_response())
}

/// Starts an attempt (no `attempt` field, or `restart`) or takes one step of it: `a` is the
/// action's position as shown, `f0`… the fields of a form. Answers with the next screen.
#[utoipa::path(post, path = "/thuc-hanh/{task}", tag = "pages",
    params(("task" = String, Path, description = "Task id")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "csrf; to start, nothing else (or restart=1); to step, attempt (as sealed in the page), step, a, and f0… for a form's fields"),
    responses((status = 200, description = "The next screen, or the result (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page"), (status = 403, description = "Wrong CSRF token, or an attempt that is not this learner's"), (status = 404, description = "No such task"), (status = 409, description = "Not the attempt's current step, the attempt is over or has expired"), (status = 422, description = "No such action on this screen, or a form without its fields")))]
pub async fn step(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
    Path(id): Path<String>,
    crate::problem::Form(fields): crate::problem::Form<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let field = |name: &str| crate::quiz::form_field(&fields, name);
    c.check_csrf(field("csrf"))?;
    let task = state.store.sim_task(&id).await?.ok_or_else(not_found)?;
    let vault = vault(&state)?;
    let now: Timestamp = state.clock.now();
    let sealed_text = field("attempt");
    if sealed_text.is_empty() || field("restart") == "1" {
        let fresh = SealedAttempt {
            attempt: Attempt::start(&task, rand::random::<u64>()),
            started: now.millis(),
        };
        return respond(&state, lang, &task, &c, &fresh, None, StatusCode::OK).await;
    }
    let Some(mut sealed) = open(vault, c.person_id, &task, sealed_text) else {
        tracing::warn!(
            person = c.person_id,
            "refused a task step with an attempt that is not this learner's"
        );
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("task-not-yours"),
        ));
    };
    let max_age = ATTEMPT_HOURS * 3_600_000;
    if now.millis().saturating_sub(sealed.started) > max_age {
        let mut page = TaskPage::intro(lang, &task, Some(c.token.csrf_token().expose().clone()));
        page.notice = Some(lang.text("task-expired"));
        page.lessons = lesson_links(&state, lang, &task).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let step: Option<u32> = field("step").parse().ok();
    let position: Option<usize> = field("a").parse().ok();
    // Only the fields the form sent, in order; what was typed is compared, never kept.
    let typed: Vec<String> = (0..*binhdan_content::task::FIELDS_PER_FORM.end())
        .map_while(|i| {
            let name = format!("f{i}");
            fields
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .collect();
    let result = match (step, position) {
        (None, _) => Err(StepError::OutOfOrder),
        (_, None) => Err(StepError::UnknownAction),
        (Some(step), Some(position)) => {
            sealed
                .attempt
                .apply(&task, step, &Input { position, typed })
        }
    };
    match result {
        Ok(()) => respond(&state, lang, &task, &c, &sealed, None, StatusCode::OK).await,
        Err(e) => {
            let status = match e {
                StepError::UnknownAction | StepError::BadFields => StatusCode::UNPROCESSABLE_ENTITY,
                StepError::Finished | StepError::OutOfOrder | StepError::OtherTask => {
                    StatusCode::CONFLICT
                }
            };
            respond(&state, lang, &task, &c, &sealed, Some(e.msg_key()), status).await
        }
    }
}

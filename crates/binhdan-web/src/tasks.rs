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
//!
//! Anyone may practise, without an account: a visitor who is not a signed-in citizen (someone
//! a village team member shows the site to on their phone, or a staff member) gets the
//! practice cookie, [`PRACTICE_COOKIE`] — a random token, `HttpOnly`, `SameSite=Lax`, kept by
//! nobody but the browser. Their attempts are sealed for it instead of a person, and their
//! forms carry a CSRF token derived from it (checked in constant time: a double submit, as
//! a session's). A step without the cookie, with another's, or with an attempt sealed for
//! another is refused and changes nothing. Nothing of a visitor's practice is stored or
//! counted; the introduction and the result offer to sign in (or register) to have learning
//! kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use binhdan_auth::session::{CookieOptions, SessionToken};
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
use crate::session::{Caller, CitizenCaller, token_cookie};

/// How long an attempt may be continued.
pub const ATTEMPT_HOURS: i64 = 3;

/// The practice cookie of a visitor who is not a signed-in citizen (`__Host-` and `Secure`
/// behind TLS, like the session's).
pub const PRACTICE_COOKIE: &str = "binhdan_thuc_hanh";

/// How long the practice cookie lives, renewed by every practice page: a day, so that an
/// introduction left open on a phone overnight still starts.
const PRACTICE_COOKIE_SECONDS: u64 = 24 * 3_600;

fn practice_cookie(state: &AppState) -> CookieOptions {
    CookieOptions::new(PRACTICE_COOKIE, state.auth.cookie.secure)
}

/// Who practises: a signed-in citizen (their session binds the attempt and the forms), or a
/// visitor with the practice cookie.
enum Learner {
    Citizen(CitizenCaller),
    Visitor {
        token: SessionToken,
        /// Not signed in at all (a staff member is not offered to sign in).
        anonymous: bool,
    },
}

impl Learner {
    /// The caller as a learner, with the practice cookie the request carries (`None`: a visitor
    /// without one).
    fn of(state: &AppState, caller: Caller, headers: &HeaderMap) -> Option<Self> {
        match caller {
            Caller::Citizen(c) => Some(Self::Citizen(c)),
            other => token_cookie(headers, &practice_cookie(state).cookie_name()).map(|token| {
                Self::Visitor {
                    token,
                    anonymous: matches!(other, Caller::Anonymous),
                }
            }),
        }
    }

    /// What an attempt is sealed for: the person, or the visitor's cookie (by its hash).
    fn owner(&self) -> String {
        match self {
            Self::Citizen(c) => c.person_id.to_string(),
            Self::Visitor { token, .. } => format!("visitor/{}", token.storage_key()),
        }
    }

    fn csrf(&self) -> String {
        match self {
            Self::Citizen(c) => c.token.csrf_token().expose().clone(),
            Self::Visitor { token, .. } => token.csrf_token().expose().clone(),
        }
    }

    fn offer_sign_in(&self) -> bool {
        matches!(
            self,
            Self::Visitor {
                anonymous: true,
                ..
            }
        )
    }

    /// A visitor's page renews their cookie and is never kept by a cache (it carries their
    /// CSRF token); a citizen's is marked private by the security headers already.
    fn finish(&self, state: &AppState, mut r: Response) -> Response {
        if let Self::Visitor { token, .. } = self {
            let cookie = practice_cookie(state).set_cookie(token, PRACTICE_COOKIE_SECONDS);
            if let Ok(v) = HeaderValue::from_str(cookie.expose()) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store, private"),
            );
        }
        r
    }
}

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
    /// The learner's CSRF token (none: a visitor's form was refused; the page offers to open
    /// the task again).
    csrf: Option<String>,
    /// A visitor who is not signed in: the page says no account is needed, and offers to sign
    /// in (or register) to have learning kept.
    offer_sign_in: bool,
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
            offer_sign_in: false,
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
        learner: &Learner,
        sealed: &SealedAttempt,
        sealed_text: String,
    ) -> Self {
        let a = &sealed.attempt;
        let mut view = a.view(task, text_lang(lang));
        let csrf = learner.csrf();
        let mut page = Self::intro(lang, task, Some(csrf.clone()));
        page.offer_sign_in = learner.offer_sign_in();
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

/// A task's introduction: what it is, the simulation's label, and the button that starts an
/// attempt. A visitor who is not a signed-in citizen gets the practice cookie (a new one, or
/// theirs renewed) and may practise at once.
#[utoipa::path(get, path = "/thuc-hanh/{task}", tag = "pages",
    params(("task" = String, Path, description = "Task id")),
    responses((status = 200, description = "The task's introduction (HTML); a visitor who is not a signed-in citizen also gets the practice cookie", content_type = "text/html"), (status = 404, description = "No such task")))]
pub async fn intro(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let task = state.store.sim_task(&id).await?.ok_or_else(not_found)?;
    let anonymous = matches!(caller, Caller::Anonymous);
    let learner = Learner::of(&state, caller, &headers).unwrap_or_else(|| Learner::Visitor {
        token: SessionToken::generate(&mut rand::rng()),
        anonymous,
    });
    let mut page = TaskPage::intro(lang, &task, Some(learner.csrf()));
    page.offer_sign_in = learner.offer_sign_in();
    page.lessons = lesson_links(&state, lang, &task).await?;
    Ok(learner.finish(&state, page.into_response()))
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

/// Bound to the learner (a person's id, or `visitor/` and the hash of a visitor's cookie), the
/// task and its version: an attempt sealed for one does not open as another.
fn context(owner: &str, task: &Task) -> String {
    format!("sim-task/{owner}/{}/{}", task.id, task.version)
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
    owner: &str,
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
        .seal_secret(&plain, &context(owner, task), &mut rand::rng())
        .map(|s| URL_SAFE_NO_PAD.encode(s.as_bytes()))
        .map_err(|_| unavailable())
}

fn open(
    vault: &binhdan_vault::Vault,
    owner: &str,
    task: &Task,
    text: &str,
) -> Option<SealedAttempt> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let plain = vault.open_secret(&bytes, &context(owner, task)).ok()?;
    serde_json::from_slice(plain.expose()).ok()
}

async fn respond(
    state: &AppState,
    lang: Lang,
    task: &Task,
    learner: &Learner,
    sealed: &SealedAttempt,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Result<Response, Problem> {
    let text = seal(vault(state)?, &learner.owner(), task, sealed)?;
    let mut page = TaskPage::attempt(lang, task, learner, sealed, text);
    page.notice = notice.map(|k| lang.text(k));
    if page.outcome.is_some() {
        page.lessons = lesson_links(state, lang, task).await?;
    }
    Ok(learner.finish(state, (status, page).into_response()))
}

/// A visitor's form refused (no practice cookie, or a CSRF token that is not its own): the
/// introduction again, saying the page was out of date, with a link that opens the task
/// afresh (and so gives a cookie). Nothing is set here: a cookie is only given by a page.
async fn refuse_visitor(state: &AppState, lang: Lang, task: &Task) -> Result<Response, Problem> {
    tracing::info!("refused a practice step without the visitor's cookie or its CSRF token");
    let mut page = TaskPage::intro(lang, task, None);
    page.notice = Some(lang.text("task-visitor-stale"));
    page.lessons = lesson_links(state, lang, task).await?;
    let mut r = (StatusCode::FORBIDDEN, page).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Starts an attempt (no `attempt` field, or `restart`) or takes one step of it: `a` is the
/// action's position as shown, `f0`… the fields of a form. Answers with the next screen. A
/// signed-in citizen's forms go by their session; anyone else's by the practice cookie.
#[utoipa::path(post, path = "/thuc-hanh/{task}", tag = "pages",
    params(("task" = String, Path, description = "Task id")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "csrf; to start, nothing else (or restart=1); to step, attempt (as sealed in the page), step, a, and f0… for a form's fields"),
    responses((status = 200, description = "The next screen, or the result (HTML)", content_type = "text/html"), (status = 403, description = "Wrong CSRF token, a visitor without the practice cookie (the introduction again, HTML), or an attempt that is not this learner's"), (status = 404, description = "No such task"), (status = 409, description = "Not the attempt's current step, the attempt is over or has expired"), (status = 422, description = "No such action on this screen, or a form without its fields")))]
pub async fn step(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    crate::problem::Form(fields): crate::problem::Form<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let field = |name: &str| crate::quiz::form_field(&fields, name);
    let learner = match Learner::of(&state, caller, &headers) {
        Some(Learner::Citizen(c)) => {
            c.check_csrf(field("csrf"))?;
            Learner::Citizen(c)
        }
        Some(Learner::Visitor { token, anonymous }) if token.verify_csrf(field("csrf")) => {
            Learner::Visitor { token, anonymous }
        }
        _ => {
            let task = state.store.sim_task(&id).await?.ok_or_else(not_found)?;
            return refuse_visitor(&state, lang, &task).await;
        }
    };
    let task = state.store.sim_task(&id).await?.ok_or_else(not_found)?;
    let vault = vault(&state)?;
    let now: Timestamp = state.clock.now();
    let sealed_text = field("attempt");
    if sealed_text.is_empty() || field("restart") == "1" {
        let fresh = SealedAttempt {
            attempt: Attempt::start(&task, rand::random::<u64>()),
            started: now.millis(),
        };
        return respond(&state, lang, &task, &learner, &fresh, None, StatusCode::OK).await;
    }
    let Some(mut sealed) = open(vault, &learner.owner(), &task, sealed_text) else {
        match &learner {
            Learner::Citizen(c) => tracing::warn!(
                person = c.person_id,
                "refused a task step with an attempt that is not this learner's"
            ),
            Learner::Visitor { .. } => {
                tracing::warn!("refused a task step with an attempt that is not this visitor's");
            }
        }
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("task-not-yours"),
        ));
    };
    let max_age = ATTEMPT_HOURS * 3_600_000;
    if now.millis().saturating_sub(sealed.started) > max_age {
        let mut page = TaskPage::intro(lang, &task, Some(learner.csrf()));
        page.offer_sign_in = learner.offer_sign_in();
        page.notice = Some(lang.text("task-expired"));
        page.lessons = lesson_links(&state, lang, &task).await?;
        return Ok(learner.finish(&state, (StatusCode::CONFLICT, page).into_response()));
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
        Ok(()) => respond(&state, lang, &task, &learner, &sealed, None, StatusCode::OK).await,
        Err(e) => {
            let status = match e {
                StepError::UnknownAction | StepError::BadFields => StatusCode::UNPROCESSABLE_ENTITY,
                StepError::Finished | StepError::OutOfOrder | StepError::OtherTask => {
                    StatusCode::CONFLICT
                }
            };
            respond(
                &state,
                lang,
                &task,
                &learner,
                &sealed,
                Some(e.msg_key()),
                status,
            )
            .await
        }
    }
}

//! Learning without a network: the service worker and the web app manifest (so the site
//! installs on an Android home screen), the page that says what works offline, the list of
//! what saving a module for offline reading fetches ("Tải về để học khi không có mạng"), a
//! module's practice quiz as one page to answer offline, and the sync endpoint that receives
//! what was done offline (`binhdan_app::offline` decides when it counts and who may send it).
//! The script that uses them is `static/ngoai-tuyen.js`; the pages work without it.

use crate::problem::{Json, Path};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use binhdan_app::offline::{MAX_BATCH, OfflineConfig, Queued, Refusal};
use binhdan_content::quiz;
use binhdan_core::Msg;
use binhdan_i18n::Lang;
use binhdan_store::{AnswerOutcome, Attempt, ModuleQuiz, NewAnswer};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::Problem;
use crate::quiz::{QuestionView, option_views};
use crate::respond::{cutoff, no_store};
use crate::session::{Caller, Citizen};

mod team;
pub use team::*;

/// A shown answer time above this is taken as this (as for answers sent online).
const MAX_ELAPSED_MS: i64 = 60 * 60 * 1000;

/// What the offline script needs to know on a page: whose queue it is (0: nobody signed in)
/// and the session's CSRF token, which binds what is queued to this session. `staff`: a
/// village team member (`person` is their account), whose queue goes to the team's sync.
#[derive(Clone, Default)]
pub struct Learner {
    pub person: i64,
    pub csrf: String,
    pub staff: bool,
}

impl Learner {
    #[must_use]
    pub fn of(caller: &Caller) -> Self {
        match caller {
            Caller::Citizen(c) => Self {
                person: c.person_id,
                csrf: c.token.csrf_token().expose().clone(),
                staff: false,
            },
            _ => Self::default(),
        }
    }

    /// A village team member on their team's pages: their work queues when offline.
    #[must_use]
    pub fn member(s: &crate::session::StaffCaller) -> Self {
        Self {
            person: s.id,
            csrf: s.csrf().expose().clone(),
            staff: true,
        }
    }
}

fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, Msg::new("learn-not-found"))
}

/// The service worker, at the site's root so that it serves every page.
#[utoipa::path(get, path = "/sw.js", tag = "pages", responses((status = 200, description = "The service worker", content_type = "text/javascript")))]
pub async fn service_worker() -> Response {
    let mut r = crate::assets::service_worker().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    // Browsers check for a new version at every visit; it is small.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// The web app manifest: name, icons and start page of the installed app.
#[utoipa::path(get, path = "/manifest.webmanifest", tag = "pages", responses((status = 200, description = "The web app manifest", content_type = "application/manifest+json")))]
pub async fn manifest(ReqLang(lang): ReqLang) -> Response {
    let body = serde_json::json!({
        "name": lang.text("offline-app-name"),
        "short_name": lang.text("app-name"),
        "description": lang.text("app-tagline"),
        "lang": lang.tag(),
        "start_url": "/hoc",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": [
            {"src": crate::assets::icon_url(false), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": crate::assets::icon_url(true), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": crate::assets::icon_url(true), "sizes": "512x512", "type": "image/png", "purpose": "maskable"}
        ]
    });
    let mut r = body.to_string().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/manifest+json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    r
}

#[derive(Template, WebTemplate)]
#[template(path = "offline.html")]
struct OfflinePage {
    l: Layout,
    off: Learner,
}

/// What works without a network: saved modules and the space they use, what waits to be
/// sent and what was refused. The service worker shows it for a page it does not have.
#[utoipa::path(get, path = "/ngoai-tuyen", tag = "pages", responses((status = 200, description = "Learning offline (HTML)", content_type = "text/html")))]
pub async fn page(ReqLang(lang): ReqLang, caller: Caller) -> Response {
    OfflinePage {
        l: Layout::new(lang, lang.text("offline-title")),
        off: Learner::of(&caller),
    }
    .into_response()
}

/// What saving a module fetches, and about how many bytes it keeps on the phone.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SaveList {
    pub module: String,
    pub title: String,
    pub course: String,
    pub urls: Vec<String>,
    pub bytes: u64,
}

/// The page around a lesson's text, in bytes (header, tools, forms), as rendered now: the
/// offline test keeps the size shown within 5% of the bytes the phone then keeps.
const PAGE_FRAME_BYTES: u64 = 4_700;

/// The images a lesson's HTML shows (`/noi-dung/tep/…`), without repeats.
fn images(html: &str, out: &mut Vec<String>) {
    for part in html.split("src=\"").skip(1) {
        if let Some(end) = part.find('"') {
            let src = &part[..end];
            if src.starts_with("/noi-dung/tep/") && !out.iter().any(|u| u == src) {
                out.push(src.to_owned());
            }
        }
    }
}

/// The lessons, images, course page and (signed in) practice quiz of a module.
#[utoipa::path(get, path = "/hoc/tai-ve/{module}", tag = "pages",
    params(("module" = String, Path, description = "Module id")),
    responses((status = 200, description = "What to fetch and its size", body = SaveList), (status = 404, description = "No such module")))]
pub async fn save_list(
    State(state): State<AppState>,
    caller: Caller,
    Path(module): Path<String>,
) -> Result<Response, Problem> {
    let mut found = None;
    for course in state.store.courses().await? {
        if let Some(outline) = state.store.course_outline(&course.id).await?
            && let Some(m) = outline.modules.into_iter().find(|m| m.id == module)
        {
            found = Some((course.id, m));
            break;
        }
    }
    let (course, m) = found.ok_or_else(not_found)?;
    let mut urls = vec![format!("/hoc/{course}")];
    let mut bytes = PAGE_FRAME_BYTES * 2;
    let mut pictures = Vec::new();
    for lesson in &m.lessons {
        let Some(p) = state.store.lesson_page(&lesson.id).await? else {
            continue;
        };
        urls.push(format!("/bai/{}", lesson.id));
        bytes += PAGE_FRAME_BYTES + p.html.len() as u64;
        images(&p.html, &mut pictures);
    }
    if matches!(caller, Caller::Citizen(_))
        && let Some(q) = state
            .store
            .module_quiz(&module)
            .await?
            .filter(|q| !q.items.is_empty())
    {
        urls.push(format!("/hoc/kiem-tra/{module}/ngoai-tuyen"));
        bytes += PAGE_FRAME_BYTES;
        for (item, _) in &q.items {
            bytes += 300 + (item.stem.len() + item.explanation.len()) as u64;
            for o in &item.options {
                bytes += 120 + crate::quiz::option_text(o).len() as u64;
                if let binhdan_content::ItemOption::Image { path, .. } = o {
                    let src = format!("/noi-dung/tep/{path}");
                    if !pictures.contains(&src) {
                        pictures.push(src);
                    }
                }
            }
        }
    }
    for src in &pictures {
        let path = src.trim_start_matches("/noi-dung/tep/");
        if let Some(b) = state.store.content_asset(path).await? {
            bytes += b.len() as u64;
            urls.push(src.clone());
        }
    }
    Ok(no_store(
        axum::Json(SaveList {
            module: m.id,
            title: m.title,
            course,
            urls,
            bytes,
        })
        .into_response(),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "quiz_offline.html")]
struct OfflineQuizPage {
    l: Layout,
    off: Learner,
    module_id: String,
    module_title: String,
    course_id: String,
    course_title: String,
    questions: Vec<QuestionView>,
}

fn questions(state: &AppState, quiz: &ModuleQuiz, attempt: &Attempt) -> Vec<QuestionView> {
    let from = usize::try_from(attempt.answered).unwrap_or(usize::MAX);
    attempt
        .plan
        .iter()
        .enumerate()
        .skip(from)
        .filter_map(|(at, planned)| {
            let item = quiz
                .items
                .iter()
                .map(|(i, _)| i)
                .find(|i| i.id == planned.item_id)?;
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
                error: None,
            })
        })
        .collect()
}

/// A module's practice quiz as one page, every question left in the open attempt (started
/// if there is none): saved with the module, answered offline, graded when it is sent.
#[utoipa::path(get, path = "/hoc/kiem-tra/{module}/ngoai-tuyen", tag = "pages",
    params(("module" = String, Path, description = "Module id")),
    responses((status = 200, description = "The questions left (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in: to the sign-in page"), (status = 404, description = "No such module, or it has no quiz")))]
pub async fn quiz_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    caller: Caller,
    Citizen(c): Citizen,
    Path(module): Path<String>,
) -> Result<Response, Problem> {
    let quiz = state
        .store
        .module_quiz(&module)
        .await?
        .filter(|q| !q.items.is_empty())
        .ok_or_else(not_found)?;
    let open = state
        .store
        .open_attempt(c.person_id, &module)
        .await?
        .filter(|a| a.next_item().is_some());
    let attempt = match open {
        Some(a) => a,
        None => {
            state
                .store
                .create_attempt(
                    c.person_id,
                    &module,
                    &crate::quiz::plan_for(&quiz),
                    state.clock.now(),
                )
                .await?
        }
    };
    let page = OfflineQuizPage {
        l: Layout::new(lang, quiz.module_title.clone()),
        off: Learner::of(&caller),
        questions: questions(&state, &quiz, &attempt),
        module_id: quiz.module_id,
        module_title: quiz.module_title,
        course_id: quiz.course_id,
        course_title: quiz.course_title,
    };
    Ok(no_store(page.into_response()))
}

/// What was done offline, sent when the network returned.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SyncBatch {
    /// The CSRF token of the session sending it.
    #[serde(default)]
    pub csrf: String,
    /// The device's clock when sending (milliseconds), to measure each action's age.
    #[serde(default)]
    pub now: i64,
    #[serde(default)]
    pub items: Vec<QueuedAction>,
}

/// One action taken offline.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct QueuedAction {
    /// Made by the device; the answer names it.
    #[serde(default)]
    pub id: String,
    /// `lesson_done` or `answer`.
    #[serde(default)]
    pub kind: String,
    /// The device's clock when it was taken (milliseconds).
    #[serde(default)]
    pub at: i64,
    /// Who was signed in when it was taken.
    #[serde(default)]
    pub person: i64,
    /// The CSRF token of the session it was taken in.
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub lesson: String,
    #[serde(default)]
    pub module: String,
    #[serde(default)]
    pub attempt: i64,
    #[serde(default)]
    pub item: String,
    /// The answer's form fields, as `[name, value]` pairs.
    #[serde(default)]
    pub fields: Vec<Vec<String>>,
    #[serde(default)]
    pub elapsed_ms: i64,
}

impl QueuedAction {
    /// What the device says of it, sent in a batch at `sent` (device clock).
    #[must_use]
    pub fn queued(&self, sent: i64) -> Queued<'_> {
        Queued {
            id: &self.id,
            person: self.person,
            session: &self.session,
            taken: self.at,
            sent,
        }
    }
}

/// What became of one action.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SyncResult {
    pub id: String,
    /// `counted` (now), `duplicate` (counted before) or `refused` (kept on the device).
    pub status: &'static str,
    /// Why it was refused, for the device (`session`: the learner may confirm and resend).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SyncReply {
    pub results: Vec<SyncResult>,
}

fn refused(lang: Lang, id: &str, code: &'static str, msg: &Msg) -> SyncResult {
    SyncResult {
        id: id.to_owned(),
        status: "refused",
        code: Some(code),
        message: lang.tr(msg),
    }
}

fn refusal(lang: Lang, id: &str, r: Refusal, config: &OfflineConfig) -> SyncResult {
    let msg = match r {
        Refusal::TooOld => Msg::new(r.msg_key()).arg("days", config.max_delay_days),
        _ => Msg::new(r.msg_key()),
    };
    refused(lang, id, r.code(), &msg)
}

fn counted(lang: Lang, id: &str, newly: bool, msg: Option<String>) -> SyncResult {
    SyncResult {
        id: id.to_owned(),
        status: if newly { "counted" } else { "duplicate" },
        code: None,
        message: msg.unwrap_or_else(|| {
            lang.text(if newly {
                "offline-counted"
            } else {
                "offline-duplicate"
            })
        }),
    }
}

/// Receives what was done offline: each action counts once (a lesson is done once, a
/// question answered once, whatever the resends), at the time it was taken, if the caller is
/// the person who took it, in the session it was taken in. Each gets its own result.
#[utoipa::path(post, path = "/hoc/dong-bo", tag = "pages",
    request_body = SyncBatch,
    responses((status = 200, description = "What became of each", body = SyncReply), (status = 400, description = "Too many at once"), (status = 401, description = "Not signed in"), (status = 403, description = "Wrong CSRF token")))]
pub async fn sync(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Citizen(c): Citizen,
    Json(batch): Json<SyncBatch>,
) -> Result<Response, Problem> {
    c.check_csrf(&batch.csrf)?;
    if batch.items.len() > MAX_BATCH {
        return Err(Problem::bad_request(
            Msg::new("offline-batch-too-large").arg("max", MAX_BATCH),
        ));
    }
    let now = state.clock.now();
    // Lessons first, then answers in each attempt's order (answered offline in any order,
    // they count in the order of the questions).
    let mut items: Vec<&QueuedAction> = batch.items.iter().collect();
    items.sort_by_key(|a| (a.kind == "answer", a.attempt));
    let mut results = Vec::with_capacity(items.len());
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut answers = Vec::new();
    for a in items {
        let checked = binhdan_app::offline::admit(
            &a.queued(batch.now),
            c.person_id,
            |t| c.token.verify_csrf(t),
            now,
            &state.config.offline,
        );
        let taken = match checked {
            Ok(t) => t,
            Err(r) => {
                results.push(refusal(lang, &a.id, r, &state.config.offline));
                continue;
            }
        };
        match a.kind.as_str() {
            "lesson_done" => {
                if state.store.lesson_page(&a.lesson).await?.is_none() {
                    results.push(refused(lang, &a.id, "lesson", &Msg::new("learn-not-found")));
                    continue;
                }
                let done = state
                    .store
                    .complete_lesson(c.person_id, &a.lesson, cutoff(&state), taken)
                    .await?;
                results.push(counted(lang, &a.id, done.newly, None));
            }
            "answer" => {
                if !attempts.iter().any(|x| x.id == a.attempt)
                    && let Some(found) = state.store.attempt(a.attempt).await?
                {
                    attempts.push(found);
                }
                let Some(attempt) = attempts.iter().find(|x| x.id == a.attempt) else {
                    results.push(refused(lang, &a.id, "quiz", &Msg::new("learn-not-found")));
                    continue;
                };
                if attempt.person_id != c.person_id {
                    tracing::warn!(
                        person = c.person_id,
                        attempt = a.attempt,
                        "refused an offline answer to another learner's attempt"
                    );
                    results.push(refusal(
                        lang,
                        &a.id,
                        Refusal::OtherPerson,
                        &state.config.offline,
                    ));
                    continue;
                }
                if !a.module.is_empty() && attempt.module_id != a.module {
                    results.push(refused(
                        lang,
                        &a.id,
                        "quiz",
                        &Msg::new("quiz-not-in-attempt"),
                    ));
                    continue;
                }
                let position = attempt
                    .plan
                    .iter()
                    .position(|p| p.item_id == a.item)
                    .unwrap_or(usize::MAX);
                answers.push((position, a, taken));
            }
            _ => results.push(refusal(
                lang,
                &a.id,
                Refusal::Malformed,
                &state.config.offline,
            )),
        }
    }
    answers.sort_by_key(|(position, a, _)| (a.attempt, *position));
    let mut quizzes: Vec<ModuleQuiz> = Vec::new();
    for (position, a, taken) in answers {
        let Some(attempt) = attempts.iter().find(|x| x.id == a.attempt) else {
            continue;
        };
        if !quizzes.iter().any(|q| q.module_id == attempt.module_id)
            && let Some(q) = state.store.module_quiz(&attempt.module_id).await?
        {
            quizzes.push(q);
        }
        let quiz = quizzes.iter().find(|q| q.module_id == attempt.module_id);
        let planned = attempt.plan.get(position);
        let item = quiz
            .zip(planned)
            .and_then(|(q, p)| q.items.iter().map(|(i, _)| i).find(|i| i.id == p.item_id));
        let (Some(planned), Some(item)) = (planned, item) else {
            results.push(refused(
                lang,
                &a.id,
                "quiz",
                &Msg::new("quiz-not-in-attempt"),
            ));
            continue;
        };
        let fields: Vec<(String, String)> = a
            .fields
            .iter()
            .filter_map(|f| match f.as_slice() {
                [k, v] => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect();
        let reply = match quiz::read_reply(item.kind, &planned.order, &fields) {
            Ok(r) => r,
            Err(e) => {
                results.push(refused(lang, &a.id, "quiz", &Msg::new(e.msg_key())));
                continue;
            }
        };
        let correct = quiz::grade(item, &reply);
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
                    elapsed_ms: a.elapsed_ms.clamp(0, MAX_ELAPSED_MS),
                },
                cutoff(&state),
                taken,
            )
            .await?;
        match outcome {
            AnswerOutcome::Recorded { finished, .. } => {
                let mut text = lang.text(if correct { "quiz-right" } else { "quiz-wrong" });
                if let Some(end) = finished {
                    text.push(' ');
                    text.push_str(
                        &lang.tr(&Msg::new(if end.passed {
                            "quiz-passed"
                        } else {
                            "quiz-failed"
                        })
                        .arg("correct", end.correct)
                        .arg("total", attempt.plan.len())
                        .arg("percent", quiz::PASS_PERCENT)),
                    );
                }
                results.push(counted(lang, &a.id, true, Some(text)));
            }
            AnswerOutcome::Duplicate => results.push(counted(lang, &a.id, false, None)),
            AnswerOutcome::NotInAttempt => {
                let over = state
                    .store
                    .attempt(attempt.id)
                    .await?
                    .is_some_and(|x| x.finished_at.is_some());
                let key = if over {
                    "quiz-attempt-over"
                } else {
                    "quiz-not-in-attempt"
                };
                results.push(refused(lang, &a.id, "quiz", &Msg::new(key)));
            }
        }
    }
    Ok(no_store(axum::Json(SyncReply { results }).into_response()))
}

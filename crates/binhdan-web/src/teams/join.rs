//! A learner with their own phone joins a class by its QR code (`/lop/{id}/vao/{token}`):
//! they type the CCCD number used at attendance and, if they were marked present, get a narrow
//! session (its own cookie) that reaches only this class's quiz and ends with the class — no
//! VNeID, no other page. Their answers go through the same use case as everyone's.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::teams::{self, Answerer};
use binhdan_auth::session::{CookieOptions, SessionToken};
use binhdan_core::Msg;
use binhdan_i18n::Lang;
use binhdan_store::{ClassRecord, ClassSession};
use serde::Deserialize;

use super::shared_device::{Step, answer_step, class_quiz, open_or_start, question_of};
use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::quiz::form_field;
use crate::respond::no_store;
use crate::session::token_cookie;

/// The learner's class session cookie.
const CLASS_COOKIE: &str = "binhdan_lop";
/// The join form's own cookie (its CSRF proof: the learner has no session yet).
const JOIN_COOKIE: &str = "binhdan_lop_vao";

fn cookie(state: &AppState, name: &str) -> CookieOptions {
    CookieOptions::new(name, state.auth.cookie.secure)
}

#[derive(Template, WebTemplate)]
#[template(path = "team_join.html")]
struct JoinPage {
    l: Layout,
    action: String,
    csrf: String,
    error: Option<String>,
}

/// The join form for a class's code (refused at once when the code is not this class's or has
/// expired).
#[utoipa::path(get, path = "/lop/{id}/vao/{token}", tag = "pages",
    params(("id" = i64, Path, description = "Class id"), ("token" = String, Path, description = "The class's join token (its QR code)")),
    responses((status = 200, description = "The join form (HTML)", content_type = "text/html"), (status = 403, description = "An unknown code, another class's, or an expired one")))]
pub async fn join_form(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Path((id, token)): Path<(i64, String)>,
) -> Result<Response, Problem> {
    let now = state.clock.now();
    let (_, expires) = teams::check_join(state.store.as_ref(), id, &token, now).await?;
    let proof = SessionToken::generate(&mut rand::rng());
    let page = JoinPage {
        l: Layout::new(lang, lang.text("team-join-heading")),
        action: format!("/lop/{id}/vao/{token}"),
        csrf: proof.csrf_token().expose().clone(),
        error: None,
    };
    let age = u64::try_from((expires.millis() - now.millis()) / 1000).unwrap_or(0);
    let mut r = no_store(page.into_response());
    if let Ok(v) = cookie(&state, JOIN_COOKIE)
        .set_cookie(&proof, age.min(3_600))
        .expose()
        .parse()
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct JoinForm {
    #[serde(default)]
    csrf: String,
    /// The learner's CCCD (or their card's QR text).
    #[serde(default)]
    identity: String,
}

/// Joins the class: the person typed must have been marked present; a narrow session for
/// this class starts (its cookie), and the learner goes to the class's quiz.
#[utoipa::path(post, path = "/lop/{id}/vao/{token}", tag = "pages",
    params(("id" = i64, Path, description = "Class id"), ("token" = String, Path, description = "The class's join token")),
    request_body(content = JoinForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Joined: to the class's quiz"), (status = 403, description = "A wrong CSRF token, an unknown code, another class's, or an expired one"), (status = 422, description = "A number refused, or someone not present at the class (HTML, says why)")))]
pub async fn join(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path((id, token)): Path<(i64, String)>,
    crate::problem::Form(form): crate::problem::Form<JoinForm>,
) -> Result<Response, Problem> {
    let proof = token_cookie(&headers, &cookie(&state, JOIN_COOKIE).cookie_name());
    if !proof.is_some_and(|p| p.verify_csrf(&form.csrf)) {
        return Err(Problem::new(StatusCode::FORBIDDEN, Msg::new("error-csrf")));
    }
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault configured"))?;
    let now = state.clock.now();
    let joined = teams::join(
        state.store.as_ref(),
        &vault,
        id,
        &token,
        &form.identity,
        now,
    )
    .await;
    let (session_token, session) = match joined {
        Ok(j) => j,
        Err(e @ teams::TeamError::Invalid(_)) => {
            let refused: Problem = e.into();
            let page = JoinPage {
                l: Layout::new(lang, lang.text("team-join-heading")),
                action: format!("/lop/{id}/vao/{token}"),
                csrf: form.csrf.clone(),
                error: Some(refused.body(lang).error.message),
            };
            let mut r = no_store(page.into_response());
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
        Err(e) => return Err(e.into()),
    };
    let age = u64::try_from((session.expires_at.millis() - now.millis()) / 1000).unwrap_or(0);
    let mut r = Redirect::to(&format!("/lop/{id}/hoc")).into_response();
    if let Ok(v) = cookie(&state, CLASS_COOKIE)
        .set_cookie(&session_token, age)
        .expose()
        .parse()
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[derive(Template, WebTemplate)]
#[template(path = "team_learner.html")]
struct LearnerPage {
    l: Layout,
    id: i64,
    csrf: String,
    who: String,
    step: Step,
}

/// The learner's class session for `id`, or a refusal.
async fn learner(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
) -> Result<(ClassRecord, ClassSession, SessionToken), Problem> {
    let token = token_cookie(headers, &cookie(state, CLASS_COOKIE).cookie_name());
    let (class, session) =
        teams::class_learner(state.store.as_ref(), id, token.as_ref(), state.clock.now()).await?;
    let token =
        token.ok_or_else(|| Problem::new(StatusCode::FORBIDDEN, Msg::new("error-forbidden")))?;
    Ok((class, session, token))
}

async fn learner_page(
    state: &AppState,
    lang: Lang,
    class: &ClassRecord,
    session: &ClassSession,
    token: &SessionToken,
    step: Step,
) -> Result<LearnerPage, Problem> {
    let name = state
        .store
        .person(session.person_id)
        .await?
        .map(|p| p.summary.name)
        .unwrap_or_default();
    let quiz = class_quiz(state, class).await?;
    Ok(LearnerPage {
        l: Layout::new(lang, quiz.module_title.clone()),
        id: class.id,
        csrf: token.csrf_token().expose().clone(),
        who: lang.tr(&Msg::new("team-join-learning").arg("name", name)),
        step,
    })
}

/// The class's quiz for the learner who joined with their phone: their next question.
#[utoipa::path(get, path = "/lop/{id}/hoc", tag = "pages",
    params(("id" = i64, Path, description = "Class id")),
    responses((status = 200, description = "The learner's next question (HTML)", content_type = "text/html"), (status = 403, description = "No class session for this class, or it has ended")))]
pub async fn class_learning(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let (class, session, token) = learner(&state, &headers, id).await?;
    let quiz = class_quiz(&state, &class).await?;
    let attempt = open_or_start(&state, &quiz, session.person_id).await?;
    let step = Step {
        question: question_of(&state, &quiz, &attempt, None),
        ..Step::default()
    };
    let page = learner_page(&state, lang, &class, &session, &token, step).await?;
    Ok(no_store(page.into_response()))
}

/// Answers the learner's current question of the class's quiz (counted as any answer).
#[utoipa::path(post, path = "/lop/{id}/hoc", tag = "pages",
    params(("id" = i64, Path, description = "Class id")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "csrf, attempt, item, shown_at, and the answer"),
    responses((status = 200, description = "Feedback and the next question (HTML)"), (status = 403, description = "No class session for this class, or a wrong CSRF token"), (status = 404, description = "No such attempt of the learner's"), (status = 409, description = "Already answered or not the current question"), (status = 422, description = "No answer chosen")))]
pub async fn class_answer(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Path(id): Path<i64>,
    crate::problem::Form(fields): crate::problem::Form<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let (class, session, token) = learner(&state, &headers, id).await?;
    if !token.verify_csrf(form_field(&fields, "csrf")) {
        return Err(Problem::new(StatusCode::FORBIDDEN, Msg::new("error-csrf")));
    }
    let (status, step) = answer_step(
        &state,
        lang,
        Answerer::Learner,
        &class,
        session.person_id,
        &fields,
    )
    .await?;
    let page = learner_page(&state, lang, &class, &session, &token, step).await?;
    let mut r = no_store(page.into_response());
    *r.status_mut() = status;
    Ok(r)
}

//! Assisted certification (issue 19, item 6) on the member's device: starting a supervised
//! sitting (the card's QR text or someone present at the member's class, and the member's
//! statement), the sitting itself — the same adaptive exam (its simulated tasks shown as in
//! the learner's own, `crate::exam::task_of`) and certificate as a learner's own —
//! and the commune admin's review of flagged sittings. The rules are
//! `binhdan_app::teams::{start_sitting, answer_sitting, review_sitting}`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use binhdan_app::exam::{Answered, scaled_score};
use binhdan_app::teams::{self, SittingInput, TeamError};
use binhdan_core::Msg;
use binhdan_core::unit::{Unit, UnitCode, UnitLevel};
use binhdan_i18n::Lang;
use binhdan_store::{AssistedSitting, ExamAttempt, Review};
use serde::Deserialize;

use super::{actor, new_op};
use crate::AppState;
use crate::lang::ReqLang;
use crate::pages::Layout;
use crate::problem::{Path, Problem};
use crate::quiz::{QuestionView, form_field};
use crate::respond::{cutoff, no_store};
use crate::session::{Staff, StaffCaller};

/// Classes offered for picking a candidate, per village.
const CLASSES_OFFERED: u32 = 5;

#[derive(Template, WebTemplate)]
#[template(path = "team_exam_start.html")]
struct StartPage {
    l: Layout,
    csrf: String,
    op: String,
    error: Option<String>,
    /// The member's open sitting: (attempt, the line naming its candidate).
    open: Option<(i64, String)>,
    /// People present at the member's classes: (`class:person`, label).
    present: Vec<(String, String)>,
    /// The QR decoder's URL, which the card scanner loads when first used.
    decoder: String,
}

async fn start_page(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    error: Option<String>,
) -> Result<StartPage, Problem> {
    let store = state.store.as_ref();
    let open = store.open_assisted_sitting(s.id).await?.map(|o| {
        (
            o.attempt_id,
            lang.tr(&Msg::new("team-exam-open").arg("name", o.person_name)),
        )
    });
    let mut present = Vec::new();
    for (village, _) in store.teams_of(s.id).await? {
        for class in store.village_classes(&village, CLASSES_OFFERED).await? {
            for a in store.attendees(class.id).await? {
                present.push((
                    format!("{}:{}", class.id, a.person_id),
                    format!("{} — {}", a.name, class.place),
                ));
            }
        }
    }
    Ok(StartPage {
        // The card scanner (the class page's) fills the card field and sends the form.
        l: Layout::new(lang, lang.text("team-exam-title"))
            .with_script(crate::assets::scan_js_url()),
        csrf: s.csrf().expose().clone(),
        op: new_op(),
        error,
        open,
        present,
        decoder: crate::assets::jsqr_js_url(),
    })
}

/// Where a member starts a supervised certification sitting (for someone who cannot sign in
/// to VNeID), and their open one.
#[utoipa::path(get, path = "/quan-ly/thi-ho", tag = "pages",
    responses((status = 200, description = "The form (HTML)", content_type = "text/html"), (status = 303, description = "Not signed in")))]
pub async fn exam_start_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
) -> Result<Response, Problem> {
    teams::require_some_team(state.store.as_ref(), actor(&s)).await?;
    let page = start_page(&state, lang, &s, None).await?;
    Ok(no_store(page.into_response()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SittingForm {
    #[serde(default)]
    csrf: String,
    /// The device-made id.
    #[serde(default)]
    op: String,
    /// The text of the candidate's ID card's QR code.
    #[serde(default)]
    card: String,
    /// `class:person`, someone present at one of the member's classes.
    #[serde(default)]
    present: String,
    /// `1`: the member's statement, ticked.
    #[serde(default)]
    attest: String,
}

/// The member's device: a digest of their session (never the token itself).
fn device_of(s: &StaffCaller) -> String {
    format!(
        "s:{}",
        s.token.storage_key().chars().take(16).collect::<String>()
    )
}

/// Starts a supervised certification sitting (a resent form finds the same one).
#[utoipa::path(post, path = "/quan-ly/thi-ho", tag = "pages",
    request_body(content = SittingForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "To the sitting"), (status = 403, description = "A wrong CSRF token, or someone outside the member's villages"), (status = 409, description = "Another sitting of the member is open, the person's own is, or the exam refuses (passed, cooling down)"), (status = 422, description = "No statement, a card refused, nobody picked, or someone not present")))]
pub async fn exam_start(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    crate::problem::Form(form): crate::problem::Form<SittingForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let vault = state
        .auth
        .vault
        .clone()
        .ok_or_else(|| Problem::internal(&"no vault configured"))?;
    let (class_id, person_id) = form
        .present
        .split_once(':')
        .map_or((None, None), |(c, p)| (c.parse().ok(), p.parse().ok()));
    let device = device_of(&s);
    let started = teams::start_sitting(
        state.store.as_ref(),
        &state.exams,
        &vault,
        &state.config.assisted,
        actor(&s),
        &SittingInput {
            op: &form.op,
            card: &form.card,
            class_id,
            person_id,
            attested: form.attest == "1",
            device: &device,
        },
        cutoff(&state),
        state.clock.now(),
    )
    .await;
    match started {
        Ok(sitting) => {
            Ok(Redirect::to(&format!("/quan-ly/thi-ho/{}", sitting.attempt_id)).into_response())
        }
        // A refusal keeps the member on the form, the reason above it.
        Err(e @ (TeamError::Invalid(_) | TeamError::Conflict(_))) => {
            let refused: Problem = e.into();
            let status = refused.status;
            let page = start_page(&state, lang, &s, Some(refused.body(lang).error.message)).await?;
            let mut r = no_store(page.into_response());
            *r.status_mut() = status;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "team_exam.html")]
struct SittingPage {
    l: Layout,
    csrf: String,
    sitting: i64,
    notice: Option<String>,
    question: Option<QuestionView>,
    /// The current item when it is a simulated task: what to do, and its screen (the same
    /// rendering as the learner's own exam, posting here).
    task: Option<crate::exam::TaskView>,
    screen: Option<crate::tasks::SimScreen>,
    /// The result, once over.
    result: Option<(bool, String)>,
    /// The commune's decision on it, with its reason, once reviewed.
    review: Option<String>,
}

#[allow(
    clippy::too_many_arguments,
    reason = "one page, each argument a different thing"
)]
fn sitting_page(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    sitting: &AssistedSitting,
    attempt: &ExamAttempt,
    bank: Option<&binhdan_app::exam::GroupBank>,
    notice: Option<String>,
    error: Option<String>,
) -> SittingPage {
    let result = attempt.finished_at.map(|_| {
        let passed = attempt.passed == Some(true);
        let score = attempt.theta.map_or(0, scaled_score);
        let text = if passed {
            lang.tr(&Msg::new("exam-passed").arg("score", score))
        } else {
            lang.tr(&Msg::new(if attempt.timed_out {
                "exam-failed-time"
            } else {
                "exam-failed"
            })
            .arg("score", score)
            .arg("cut", scaled_score(state.exams.config().cut)))
        };
        (passed, text)
    });
    let csrf = s.csrf().expose().clone();
    let (mut question, mut task) = (None, None);
    if let (None, Some(bank)) = (attempt.finished_at, bank) {
        question = crate::exam::question_of(
            bank,
            attempt,
            state.exams.config().max_items,
            error.clone(),
            state.clock.now(),
        );
        if question.is_none() {
            task = crate::exam::task_of(
                bank,
                attempt,
                lang,
                &csrf,
                format!("/quan-ly/thi-ho/{}", attempt.id),
                error,
            );
        }
    }
    let (task, screen) = task.unzip();
    SittingPage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("team-exam-sitting").arg("name", &sitting.person_name)),
        ),
        csrf,
        sitting: sitting.attempt_id,
        notice,
        question,
        task,
        screen,
        result,
        review: review_text(lang, sitting),
    }
}

/// The commune's decision on a sitting and its reason, as the member and the admin read it.
fn review_text(lang: Lang, s: &AssistedSitting) -> Option<String> {
    let key = match s.review.as_deref()? {
        "voided" => "team-exam-reviewed-voided",
        _ => "team-exam-reviewed-confirmed",
    };
    Some(lang.tr(&Msg::new(key).arg("reason", s.review_reason.as_deref().unwrap_or("-"))))
}

/// A supervised sitting: its current question, or its result.
#[utoipa::path(get, path = "/quan-ly/thi-ho/{sitting}", tag = "pages",
    params(("sitting" = i64, Path, description = "Sitting id")),
    responses((status = 200, description = "The question or the result (HTML)", content_type = "text/html"), (status = 403, description = "Not the member's sitting"), (status = 404, description = "No such sitting")))]
pub async fn exam_sitting(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let store = state.store.as_ref();
    let (sitting, _) = teams::members_sitting(store, actor(&s), id).await?;
    let now = state.clock.now();
    let sitting = teams::settle_sitting(
        store,
        &state.exams,
        &state.config.assisted,
        &sitting,
        cutoff(&state),
        now,
    )
    .await?;
    let attempt = store
        .exam_attempt(id)
        .await?
        .ok_or_else(|| Problem::not_found(Msg::new("team-exam-unknown")))?;
    let bank = state
        .exams
        .bank(store, attempt.group, attempt.kind, state.clock.now())
        .await?;
    let page = sitting_page(
        &state,
        lang,
        &s,
        &sitting,
        &attempt,
        bank.as_deref(),
        None,
        None,
    );
    Ok(no_store(page.into_response()))
}

/// Answers the supervised sitting's current question (no feedback): the next question, or
/// the result; a pass earns the certificate as a learner's own does.
#[utoipa::path(post, path = "/quan-ly/thi-ho/{sitting}", tag = "pages",
    params(("sitting" = i64, Path, description = "Sitting id")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "csrf, position, item, and the answer; for a simulated task, step (the step shown), a (the action's shown position) and f0… (a form's fields)"),
    responses((status = 200, description = "The next question or the result (HTML)"), (status = 403, description = "Not the member's sitting, or a wrong CSRF token"), (status = 404, description = "No such sitting"), (status = 409, description = "Not the current question, over, or time is up"), (status = 422, description = "No answer chosen")))]
pub async fn exam_answer(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(id): Path<i64>,
    crate::problem::Form(mut fields): crate::problem::Form<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    s.check_csrf(form_field(&fields, "csrf"))?;
    let store = state.store.as_ref();
    let (sitting, attempt) = teams::members_sitting(store, actor(&s), id).await?;
    let bank = state
        .exams
        .bank(store, attempt.group, attempt.kind, state.clock.now())
        .await?;
    match crate::quiz::taps(&fields) {
        crate::quiz::Taps::None => {}
        crate::quiz::Taps::Partial(picked) => {
            let mut page = sitting_page(
                &state,
                lang,
                &s,
                &sitting,
                &attempt,
                bank.as_deref(),
                None,
                None,
            );
            if let Some(q) = page.question.as_mut() {
                q.picked = picked;
            }
            return Ok(no_store(page.into_response()));
        }
        crate::quiz::Taps::Complete(ranks) => fields.extend(ranks),
    }
    let now = state.clock.now();
    let position: usize = form_field(&fields, "position")
        .parse()
        .unwrap_or(usize::MAX);
    let item = form_field(&fields, "item").to_owned();
    let (answered, sitting) = teams::answer_sitting(
        store,
        &state.exams,
        &state.config.assisted,
        actor(&s),
        id,
        position,
        &item,
        &fields,
        cutoff(&state),
        now,
    )
    .await?;
    let (attempt, status, notice, error) = match answered {
        Answered::NotFound => {
            return Err(Problem::not_found(Msg::new("team-exam-unknown")));
        }
        Answered::Next(a) => (a, StatusCode::OK, None, None),
        Answered::Finished(a) => {
            // The same certificate as a learner's own pass, issued now (or on their next
            // visit to their certificates if this fails).
            if a.passed == Some(true)
                && let Some(issuer) = &state.issuer
                && let Some(pass) = store.exam_pass(a.person_id, a.group).await?
                && let Err(e) = issuer.issue(store, &pass, cutoff(&state), now).await
            {
                tracing::warn!(sitting = id, error = %e, "certificate not issued yet");
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
        Answered::Invalid(e) => (
            attempt,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(lang.text(e.msg_key())),
        ),
    };
    let page = sitting_page(
        &state,
        lang,
        &s,
        &sitting,
        &attempt,
        bank.as_deref(),
        notice,
        error,
    );
    let mut r = no_store(page.into_response());
    *r.status_mut() = status;
    Ok(r)
}

/// A flagged sitting as the commune admin sees it.
pub struct FlaggedRow {
    pub id: i64,
    pub person: String,
    pub member: String,
    pub result: String,
    pub flags: String,
    pub review: Option<String>,
    /// When it was sat.
    pub sat: String,
    /// A refusal of the last decision sent on this sitting's form.
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "team_review.html")]
struct ReviewPage {
    l: Layout,
    code: String,
    csrf: String,
    rows: Vec<FlaggedRow>,
}

/// The commune named by `code`, if the caller reviews its sittings.
async fn reviewed_commune(state: &AppState, s: &StaffCaller, code: &str) -> Result<Unit, Problem> {
    let unknown = || {
        Problem::not_found(
            Msg::new("unit-unknown").arg("code", code.chars().take(12).collect::<String>()),
        )
    };
    let code = UnitCode::parse(code).map_err(|_| unknown())?;
    let commune = state
        .store
        .unit(&code)
        .await?
        .filter(|u| u.level == UnitLevel::Commune)
        .ok_or_else(unknown)?;
    if !teams::may_review(actor(s), &commune) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            Msg::new("error-forbidden"),
        ));
    }
    Ok(commune)
}

fn flag_text(lang: Lang, s: &AssistedSitting) -> String {
    s.flags
        .iter()
        .map(|f| match f.as_str() {
            "fast" => {
                lang.tr(&Msg::new("team-review-flag-fast").arg("seconds", s.seconds.unwrap_or(0)))
            }
            "device" => lang.text("team-review-flag-device"),
            _ => lang.text("team-review-flag-member"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The review page for `commune`; `error` is a refusal said on one sitting's form.
async fn review_page(
    state: &AppState,
    lang: Lang,
    s: &StaffCaller,
    commune: &Unit,
    error: Option<(i64, String)>,
) -> Result<ReviewPage, Problem> {
    let rows = state
        .store
        .flagged_sittings(&commune.code, 200)
        .await?
        .into_iter()
        .map(|f| FlaggedRow {
            id: f.attempt_id,
            flags: flag_text(lang, &f),
            result: lang.text(if f.passed == Some(true) {
                "team-review-passed"
            } else {
                "team-review-failed"
            }),
            review: review_text(lang, &f),
            sat: lang.tr(&Msg::new("team-review-sat")
                .arg("at", binhdan_app::events::format_local_time(f.attested_at))),
            error: error
                .as_ref()
                .filter(|(id, _)| *id == f.attempt_id)
                .map(|(_, e)| e.clone()),
            person: f.person_name,
            member: f.member_name,
        })
        .collect();
    Ok(ReviewPage {
        l: Layout::new(
            lang,
            lang.tr(&Msg::new("team-review-title").arg("commune", &commune.name)),
        ),
        code: commune.code.to_string(),
        csrf: s.csrf().expose().clone(),
        rows,
    })
}

/// The commune's flagged supervised sittings, those not reviewed first.
#[utoipa::path(get, path = "/quan-ly/xa/{code}/thi-ho", tag = "pages",
    params(("code" = String, Path, description = "Commune code")),
    responses((status = 200, description = "The flagged sittings (HTML)", content_type = "text/html"), (status = 403, description = "Not the caller's commune"), (status = 404, description = "No such commune")))]
pub async fn review_list(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let commune = reviewed_commune(&state, &s, &code).await?;
    let page = review_page(&state, lang, &s, &commune, None).await?;
    Ok(no_store(page.into_response()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    /// `xac-nhan` (confirm) or `huy` (void).
    #[serde(default)]
    decision: String,
    /// Why the admin confirms or voids it (required, at most 500 characters): kept with the
    /// sitting, in the audit log, and shown to the member.
    #[serde(default)]
    reason: String,
}

/// Confirms or voids a flagged sitting of the commune (voiding revokes its certificate and
/// moves the counters back).
#[utoipa::path(post, path = "/quan-ly/xa/{code}/thi-ho/{sitting}", tag = "pages",
    params(("code" = String, Path, description = "Commune code"), ("sitting" = i64, Path, description = "Sitting id")),
    request_body(content = ReviewForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Recorded: back to the list"), (status = 403, description = "Not the caller's commune, or a wrong CSRF token"), (status = 404, description = "No such sitting in the commune"), (status = 422, description = "Reviewed before, no decision, or no reason (or one too long)")))]
pub async fn review(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    Staff(s): Staff,
    Path((code, id)): Path<(String, i64)>,
    crate::problem::Form(form): crate::problem::Form<ReviewForm>,
) -> Result<Response, Problem> {
    s.check_csrf(&form.csrf)?;
    let commune = reviewed_commune(&state, &s, &code).await?;
    let decision = match form.decision.as_str() {
        "xac-nhan" => Review::Confirmed,
        "huy" => Review::Voided,
        _ => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::new("team-review-decision"),
            ));
        }
    };
    // The reason is checked by the use case (required for either decision, bounded).
    let refusal = match teams::review_sitting(
        state.store.as_ref(),
        actor(&s),
        &commune,
        id,
        decision,
        &form.reason,
        cutoff(&state),
        state.clock.now(),
    )
    .await
    {
        Ok(_) => None,
        Err(e @ TeamError::Invalid(_)) => Some(Problem::from(e).body(lang).error.message),
        Err(e) => return Err(e.into()),
    };
    // A refusal keeps the admin on the list, the reason on that sitting's form.
    if let Some(message) = refusal {
        let page = review_page(&state, lang, &s, &commune, Some((id, message))).await?;
        let mut r = no_store(page.into_response());
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    Ok(Redirect::to(&format!("/quan-ly/xa/{}/thi-ho", commune.code)).into_response())
}

//! Assisted certification (issue 19, item 6): someone who cannot sign in to VNeID sits the
//! certification exam — the same adaptive exam ([`crate::exam::Exams`]), the same
//! certificate — on a member's device, under their supervision, identified by their card's QR
//! code or picked among those present at the member's class, the member attesting it.
//!
//! The sitting is recorded as assisted (who supervised, on which device); a member supervises
//! one sitting at a time. When it ends it is flagged to the commune when it was implausibly
//! fast, one of many on the device that day, or the member's sittings are far above the
//! others' in the commune; the commune admin confirms or voids it, and voiding revokes the
//! certificate through [`crate::revocation::revoke`] and moves the assisted figure back.

use binhdan_auth::access::{Permission, Target, allows};
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::CardQr;
use binhdan_core::kpi::Group;
use binhdan_core::unit::{Unit, UnitCode};
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{
    AdultCutoff, AssistVia, AssistedSitting, AssistedStart, ExamAttempt, ExamKind, ExamStart,
    NewAssistedSitting, Review, Store, StoreError,
};
use binhdan_vault::Vault;
use serde::Deserialize;

use super::visits::{op_taken, today};
use super::{Actor, TeamError, check_op, invalid, is_member};
use crate::exam::{Answered, Exams, Start};
use crate::revocation::{RevokeError, Revoker, revoke};

/// When a supervised sitting is flagged to the commune (the `[assisted]` section of the
/// server's configuration).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AssistConfig {
    /// A sitting that took less than this, in seconds, is implausibly fast.
    pub min_seconds: i64,
    /// More supervised sittings than this on one device in a day are flagged.
    pub device_per_day: i64,
    /// A member whose sittings in the commune (over `window_days`) exceed this many times the
    /// other members' average, and at least `member_min`, has theirs flagged.
    pub member_factor: f64,
    pub member_min: i64,
    pub window_days: i64,
    /// How long after a class's start its join code and the sessions opened with it last.
    pub join_hours: i64,
}

impl Default for AssistConfig {
    fn default() -> Self {
        Self {
            min_seconds: 240,
            device_per_day: 8,
            member_factor: 3.0,
            member_min: 10,
            window_days: 30,
            join_hours: super::JOIN_HOURS,
        }
    }
}

/// Who sits, as the member's form gives it: the text of their card's QR code, or a person
/// present at one of the member's classes; and the member's attestation.
#[derive(Clone, Debug, Default)]
pub struct SittingInput<'a> {
    pub op: &'a str,
    pub card: &'a str,
    pub class_id: Option<i64>,
    pub person_id: Option<i64>,
    /// The member ticked the statement that they identified the person and supervise them.
    pub attested: bool,
    /// The member's device (a digest of their session).
    pub device: &'a str,
}

/// The sitter's home village, if its team is the actor's.
async fn sitter_village(
    store: &dyn Store,
    actor: Actor<'_>,
    person: &binhdan_store::PersonDetail,
) -> Result<Unit, TeamError> {
    let outside = || {
        TeamError::Forbidden(Msg::new("team-exam-person-outside").arg("name", &person.summary.name))
    };
    let code = UnitCode::parse(&person.summary.unit_code).map_err(|_| outside())?;
    let village = store.unit(&code).await?.ok_or_else(outside)?;
    if !is_member(store, actor, &village).await? {
        return Err(outside());
    }
    Ok(village)
}

/// Refuses an actor who is on no village's team (or no longer its facilitator).
///
/// # Errors
/// Not on any team.
pub async fn require_some_team(store: &dyn Store, actor: Actor<'_>) -> Result<(), TeamError> {
    for (code, _) in store.teams_of(actor.id).await? {
        if let Some(village) = store.unit(&code).await?
            && is_member(store, actor, &village).await?
        {
            return Ok(());
        }
    }
    Err(TeamError::Forbidden(Msg::new("team-not-member-any")))
}

/// Starts a supervised certification sitting (a resend of the same `op` finds it).
///
/// # Errors
/// No attestation, a card refused, someone outside the member's villages or not present at
/// their class, another sitting of the member still open, the person's own sitting open, or
/// the exam's refusal (passed, cooling down, no attempt left).
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn start_sitting(
    store: &dyn Store,
    exams: &Exams,
    vault: &Vault,
    config: &AssistConfig,
    actor: Actor<'_>,
    input: &SittingInput<'_>,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<AssistedSitting, TeamError> {
    require_some_team(store, actor).await?;
    let op = check_op(input.op)?;
    if let Some(first) = resent(store, actor, op).await? {
        return Ok(first);
    }
    if !input.attested {
        return Err(invalid("team-exam-attest-required"));
    }
    let (person_id, via) = if !input.card.trim().is_empty() {
        let card = CardQr::parse(input.card).map_err(|e| TeamError::Invalid(e.msg()))?;
        let person = store
            .person_by_cccd_hash(&vault.lookup_hash(&card.number))
            .await?
            .ok_or_else(|| invalid("team-exam-card-unknown"))?;
        (person.summary.id, AssistVia::Card)
    } else if let (Some(class), Some(person)) = (input.class_id, input.person_id) {
        super::pick_learner(store, actor, class, person).await?;
        (person, AssistVia::List)
    } else {
        return Err(invalid("team-exam-who"));
    };
    let person = store
        .person(person_id)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("people-not-found")))?;
    let village = sitter_village(store, actor, &person).await?;
    if !cutoff.is_adult(person.summary.birth_year, person.summary.birth_day) {
        return Err(invalid("team-exam-not-adult"));
    }
    // The member's earlier sitting, ended since (its time ran out), is closed first.
    if let Some(open) = store.open_assisted_sitting(actor.id).await? {
        let closed = settle_sitting(store, exams, config, &open, cutoff, now).await?;
        if closed.open {
            return Err(TeamError::Conflict(
                Msg::new("team-exam-busy").arg("name", &open.person_name),
            ));
        }
    }
    let own_open = store
        .exam_history(person_id, Group::Adult)
        .await?
        .into_iter()
        .any(|a| a.kind == ExamKind::Certification && a.finished_at.is_none());
    if own_open {
        return Err(TeamError::Conflict(
            Msg::new("team-exam-person-open").arg("name", &person.summary.name),
        ));
    }
    let attempt = match exams
        .start(store, person_id, Group::Adult, ExamKind::Certification, now)
        .await
        .map_err(exam_failure)?
    {
        // An open placement test (the exam waits for it) is not a sitting to supervise.
        Start::Sitting(a) if a.kind == ExamKind::Certification => a,
        Start::Sitting(_) => {
            return Err(TeamError::Conflict(
                Msg::new("team-exam-person-open").arg("name", &person.summary.name),
            ));
        }
        Start::NoBank => return Err(TeamError::NotFound(Msg::new("learn-not-found"))),
        Start::Refused(r) => return Err(TeamError::Conflict(refusal(&r))),
    };
    let commune = village
        .parent_code
        .clone()
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    let started = store
        .start_assisted_sitting(
            &NewAssistedSitting {
                op: op.to_owned(),
                attempt_id: attempt.id,
                person_id,
                member_id: actor.id,
                village: village.code.clone(),
                commune,
                device: input.device.chars().take(64).collect(),
                via,
                day: today(now),
            },
            AuditEntry::new(actor.audit_name(), "team.exam.assist"),
            now,
        )
        .await;
    match started {
        Ok(AssistedStart::Recorded(s)) => Ok(s),
        Ok(AssistedStart::Busy(other)) => Err(TeamError::Conflict(
            Msg::new("team-exam-busy").arg("name", &other.person_name),
        )),
        // Another member started the person's sitting at the same moment (the store decided).
        Ok(AssistedStart::PersonBusy(other)) => Err(TeamError::Conflict(
            Msg::new("team-exam-person-supervised")
                .arg("name", &other.person_name)
                .arg("member", &other.member_name),
        )),
        Err(StoreError::Conflict("assisted_sitting")) => Err(TeamError::Conflict(
            Msg::new("team-exam-person-open").arg("name", &person.summary.name),
        )),
        Err(e) => Err(op_taken(e)),
    }
}

/// The sitting a resent `op` started, if it is the actor's; another's `op` is refused.
async fn resent(
    store: &dyn Store,
    actor: Actor<'_>,
    op: &str,
) -> Result<Option<AssistedSitting>, TeamError> {
    match store.assisted_sitting_by_op(op).await? {
        Some(first) if first.member_id == actor.id => Ok(Some(first)),
        Some(_) => Err(TeamError::Conflict(Msg::new("team-op-taken"))),
        None => Ok(None),
    }
}

fn exam_failure(e: crate::exam::ExamFailure) -> TeamError {
    match e {
        crate::exam::ExamFailure::Store(e) => TeamError::Store(e),
        other => TeamError::Exam(other),
    }
}

fn refusal(r: &ExamStart) -> Msg {
    match r {
        ExamStart::AlreadyPassed => Msg::new("exam-refused-passed"),
        ExamStart::CoolingDown { until } => Msg::new("exam-status-cooling")
            .arg("until", binhdan_core::time::format_vietnam_time(*until)),
        ExamStart::NoAttemptsLeft { until } => Msg::new("exam-status-no-attempts")
            .arg("until", binhdan_core::time::format_vietnam_time(*until)),
        ExamStart::PlacementClosed | ExamStart::Started(_) | ExamStart::Open(_) => {
            Msg::new("exam-status-open")
        }
    }
}

/// The member's supervised sitting and its exam attempt, or why not.
///
/// # Errors
/// No such sitting, or not the member's (or they are no longer on the village's team).
pub async fn members_sitting(
    store: &dyn Store,
    actor: Actor<'_>,
    attempt_id: i64,
) -> Result<(AssistedSitting, ExamAttempt), TeamError> {
    require_some_team(store, actor).await?;
    let unknown = || TeamError::NotFound(Msg::new("team-exam-unknown"));
    let sitting = store
        .assisted_sitting(attempt_id)
        .await?
        .ok_or_else(unknown)?;
    let village = store
        .unit(&UnitCode::parse(&sitting.village_code).map_err(|_| unknown())?)
        .await?
        .ok_or_else(unknown)?;
    if sitting.member_id != actor.id || !is_member(store, actor, &village).await? {
        return Err(TeamError::Forbidden(Msg::new("team-exam-not-yours")));
    }
    let attempt = store.exam_attempt(attempt_id).await?.ok_or_else(unknown)?;
    Ok((sitting, attempt))
}

/// Why a sitting that ended is shown to the commune.
async fn flags(
    store: &dyn Store,
    config: &AssistConfig,
    sitting: &AssistedSitting,
    seconds: i64,
    now: Timestamp,
) -> Result<Vec<&'static str>, StoreError> {
    let mut out = Vec::new();
    if seconds < config.min_seconds {
        out.push("fast");
    }
    let day = today(sitting.attested_at);
    if store.assisted_on_device(&sitting.device, day).await? > config.device_per_day {
        out.push("device");
    }
    if let Ok(commune) = UnitCode::parse(&sitting.commune_code) {
        let since = Timestamp(now.millis() - config.window_days.max(1) * 86_400_000);
        let counts = store.assisted_by_member(&commune, since).await?;
        let mine = counts
            .iter()
            .find(|(m, _)| *m == sitting.member_id)
            .map_or(0, |(_, n)| *n);
        let others: Vec<i64> = counts
            .iter()
            .filter(|(m, _)| *m != sitting.member_id)
            .map(|(_, n)| *n)
            .collect();
        #[allow(clippy::cast_precision_loss, reason = "counts of sittings")]
        let average = if others.is_empty() {
            0.0
        } else {
            others.iter().sum::<i64>() as f64 / others.len() as f64
        };
        #[allow(clippy::cast_precision_loss, reason = "counts of sittings")]
        let far_above = mine >= config.member_min && mine as f64 > config.member_factor * average;
        if far_above {
            out.push("member");
        }
    }
    Ok(out)
}

/// Closes the assisted record of a sitting whose exam attempt has ended (its result, time and
/// flags); the record as it is otherwise. A sitting whose deadline has passed is ended first.
///
/// # Errors
/// The store failed.
pub async fn settle_sitting(
    store: &dyn Store,
    exams: &Exams,
    config: &AssistConfig,
    sitting: &AssistedSitting,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<AssistedSitting, TeamError> {
    if !sitting.open {
        return Ok(sitting.clone());
    }
    let Some(attempt) = store.exam_attempt(sitting.attempt_id).await? else {
        return Ok(sitting.clone());
    };
    let attempt = exams
        .settle(store, attempt, cutoff, now)
        .await
        .map_err(exam_failure)?;
    close_if_ended(store, config, sitting, &attempt, now).await
}

async fn close_if_ended(
    store: &dyn Store,
    config: &AssistConfig,
    sitting: &AssistedSitting,
    attempt: &ExamAttempt,
    now: Timestamp,
) -> Result<AssistedSitting, TeamError> {
    let Some(finished) = attempt.finished_at else {
        return Ok(sitting.clone());
    };
    let seconds = (finished.millis() - attempt.started_at.millis()).max(0) / 1000;
    let flags = flags(store, config, sitting, seconds, now).await?;
    let passed = attempt.passed == Some(true);
    Ok(store
        .close_assisted_sitting(sitting.attempt_id, passed, seconds, &flags, now)
        .await?
        .unwrap_or_else(|| sitting.clone()))
}

/// Answers the current question of the member's supervised sitting through the exam's own
/// [`Exams::answer`]; when the sitting ends, its assisted record is closed and flagged.
///
/// # Errors
/// Not the member's sitting, or the store failed.
#[allow(
    clippy::too_many_arguments,
    reason = "one step of a sitting, all of it needed"
)]
pub async fn answer_sitting(
    store: &dyn Store,
    exams: &Exams,
    config: &AssistConfig,
    actor: Actor<'_>,
    attempt_id: i64,
    position: usize,
    item_id: &str,
    fields: &[(String, String)],
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<(Answered, AssistedSitting), TeamError> {
    let (sitting, _) = members_sitting(store, actor, attempt_id).await?;
    let answered = exams
        .answer(
            store,
            attempt_id,
            sitting.person_id,
            position,
            item_id,
            fields,
            cutoff,
            now,
        )
        .await
        .map_err(exam_failure)?;
    let sitting = match &answered {
        Answered::Finished(a) | Answered::TimeUp(a) | Answered::Stale(a) => {
            close_if_ended(store, config, &sitting, a, now).await?
        }
        _ => sitting,
    };
    Ok((answered, sitting))
}

/// Whether the actor reviews the commune's supervised sittings (its admin, or the
/// province's).
#[must_use]
pub fn may_review(actor: Actor<'_>, commune: &Unit) -> bool {
    allows(
        actor.grants,
        Permission::ManageStaff,
        &Target::Unit(&commune.path),
    )
}

/// The reason of a review, cleaned: required (confirming as voiding), at most
/// [`MAX_REASON_CHARS`](crate::revocation::MAX_REASON_CHARS) characters.
///
/// # Errors
/// Empty, or too long.
pub fn review_reason(reason: &str) -> Result<String, TeamError> {
    let reason = binhdan_core::text::clean(reason);
    if reason.is_empty() {
        return Err(invalid("team-review-reason-required"));
    }
    let max = crate::revocation::MAX_REASON_CHARS;
    if reason.chars().count() > max {
        return Err(TeamError::Invalid(
            Msg::new("team-review-reason-long").arg("max", max),
        ));
    }
    Ok(reason)
}

/// Confirms or voids a flagged sitting of the commune, once, for a reason (kept with the
/// sitting, in the audit record, and shown to the member). Voiding a passed one revokes its
/// certificate (the revocation use case: `certified` back, the notice to VNeID) and moves the
/// assisted figure back.
///
/// # Errors
/// Not the caller's commune, no such sitting, reviewed before, no reason (or too long), or
/// the revocation refused.
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn review_sitting(
    store: &dyn Store,
    actor: Actor<'_>,
    commune: &Unit,
    attempt_id: i64,
    review: Review,
    reason: &str,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<AssistedSitting, TeamError> {
    if !may_review(actor, commune) {
        return Err(TeamError::Forbidden(Msg::new("error-forbidden")));
    }
    let unknown = || TeamError::NotFound(Msg::new("team-exam-unknown"));
    let sitting = store
        .assisted_sitting(attempt_id)
        .await?
        .filter(|s| s.commune_code == commune.code.as_str())
        .ok_or_else(unknown)?;
    if sitting.review.is_some() || sitting.open {
        return Err(invalid("team-exam-reviewed"));
    }
    let reason = review_reason(reason)?;
    if review == Review::Voided {
        let pass = store
            .exam_pass(sitting.person_id, Group::Adult)
            .await?
            .filter(|p| p.attempt_id == attempt_id);
        if let Some(pass) = pass {
            let certificate = store
                .certificates_of(sitting.person_id)
                .await?
                .into_iter()
                .find(|c| c.pass_id == pass.id);
            if let Some(c) = certificate {
                revoke(
                    store,
                    Revoker::Review { id: actor.id },
                    &c.id,
                    &reason,
                    cutoff,
                    now,
                )
                .await
                .map_err(|e| match e {
                    RevokeError::Store(e) => TeamError::Store(e),
                    other => TeamError::Invalid(other.msg()),
                })?;
            }
        }
    }
    store
        .review_assisted_sitting(
            attempt_id,
            review,
            &reason,
            actor.id,
            AuditEntry::new(actor.audit_name(), "team.exam.review"),
            cutoff,
            now,
        )
        .await?
        .ok_or_else(|| invalid("team-exam-reviewed"))
}

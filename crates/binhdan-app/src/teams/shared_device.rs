//! Shared devices (issue 19, item 5): in a class, a learner answers the module quiz on the
//! member's device, the member picking them among those present; and a learner with their own
//! phone joins the class by its QR code, learning as the person marked present, for that class
//! only.
//!
//! The answer itself is written as the ordinary one (`create_attempt`, then the statement of
//! `record_answer`, which finishes the attempt and moves the counters), so it counts like any
//! other; on a member's device `record_assisted_answer` marks it with the member who helped in
//! the same transaction, so a crash never leaves an assisted answer unmarked.

use binhdan_auth::session::SessionToken;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::{CardQr, Cccd};
use binhdan_core::unit::Unit;
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{
    AdultCutoff, AnswerOutcome, AssistedAnswer, ClassRecord, ClassSession, NewAnswer, Store,
};
use binhdan_vault::Vault;

use super::{Actor, TeamError, check_op, invalid, require_member};

/// How long after its start a class's join code and the sessions opened with it last, unless
/// configured otherwise.
pub const JOIN_HOURS: i64 = 4;

fn class_unknown() -> TeamError {
    TeamError::NotFound(Msg::new("team-class-unknown"))
}

/// A class of the member's team, with its village, or why not.
///
/// # Errors
/// No such class, or the caller is not a member of its village's team.
pub async fn members_class(
    store: &dyn Store,
    actor: Actor<'_>,
    class_id: i64,
) -> Result<(ClassRecord, Unit), TeamError> {
    let class = store
        .team_class(class_id)
        .await?
        .ok_or_else(class_unknown)?;
    let village = store
        .unit(&class.village_code)
        .await?
        .ok_or_else(class_unknown)?;
    require_member(store, actor, &village).await?;
    Ok((class, village))
}

/// Whether the person was marked present at the class.
async fn present(store: &dyn Store, class_id: i64, person_id: i64) -> Result<bool, TeamError> {
    Ok(store
        .attendees(class_id)
        .await?
        .iter()
        .any(|a| a.person_id == person_id))
}

/// The learner a member picked on their device: someone present at the member's class.
///
/// # Errors
/// Not the member's class, or the person is not present at it.
pub async fn pick_learner(
    store: &dyn Store,
    actor: Actor<'_>,
    class_id: i64,
    person_id: i64,
) -> Result<(ClassRecord, binhdan_store::PersonDetail), TeamError> {
    let (class, _) = members_class(store, actor, class_id).await?;
    if !present(store, class_id, person_id).await? {
        return Err(invalid("team-assist-not-present"));
    }
    let person = store
        .person(person_id)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("people-not-found")))?;
    Ok((class, person))
}

/// Who answers, and on whose device.
#[derive(Clone, Copy, Debug)]
pub enum Answerer<'a> {
    /// A member, for a learner present at their class.
    Member { actor: Actor<'a>, op: &'a str },
    /// The learner, in the narrow session of the class they joined.
    Learner,
}

/// Records an answer to the class's module quiz for `person`, as the ordinary `record_answer`
/// does (counted as any other); on a member's device, marked with the member who helped in
/// the same transaction (`record_assisted_answer`).
///
/// # Errors
/// Not the member's class, the person not present, the attempt not the person's for the
/// class's module, or a refused `op`.
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn record_answer(
    store: &dyn Store,
    answerer: Answerer<'_>,
    class: &ClassRecord,
    person_id: i64,
    attempt_id: i64,
    answer: &NewAnswer,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<AnswerOutcome, TeamError> {
    let op = match answerer {
        Answerer::Member { actor, op } => {
            let op = check_op(op)?;
            pick_learner(store, actor, class.id, person_id).await?;
            Some((actor.id, op))
        }
        Answerer::Learner => None,
    };
    let attempt = store
        .attempt(attempt_id)
        .await?
        .filter(|a| a.person_id == person_id && a.module_id == class.module_id)
        .ok_or_else(|| TeamError::NotFound(Msg::new("learn-not-found")))?;
    match op {
        // On a member's device the answer and its mark are one transaction: no assisted answer
        // is ever left unmarked, whatever stops between.
        Some((member_id, op)) => store
            .record_assisted_answer(
                answer,
                &AssistedAnswer {
                    op: op.to_owned(),
                    attempt_id: attempt.id,
                    position: answer.position,
                    person_id,
                    member_id,
                    class_id: Some(class.id),
                },
                cutoff,
                now,
            )
            .await
            .map_err(super::visits::op_taken),
        None => Ok(store
            .record_answer(attempt.id, person_id, answer, cutoff, now)
            .await?),
    }
}

/// A class's join code, made by a member: the token for the link (shown once, as a QR code;
/// only its hash is kept) and when it expires (with the class).
///
/// # Errors
/// Not the member's class, or the class is over.
pub async fn create_join(
    store: &dyn Store,
    actor: Actor<'_>,
    class_id: i64,
    hours: i64,
    now: Timestamp,
) -> Result<(SessionToken, Timestamp), TeamError> {
    let (class, _) = members_class(store, actor, class_id).await?;
    let expires = Timestamp(class.starts_at.millis() + hours.max(1) * 3_600_000);
    if expires <= now {
        return Err(invalid("team-join-class-over"));
    }
    let token = SessionToken::generate(&mut rand::rng());
    store
        .create_class_join(
            class_id,
            &token.storage_key(),
            actor.id,
            expires,
            AuditEntry::new(actor.audit_name(), "team.class.join"),
            now,
        )
        .await?;
    Ok((token, expires))
}

/// The class a join code opens, if the code is genuine, for this class and not expired.
///
/// # Errors
/// An unknown code, a code of another class, or one expired.
pub async fn check_join(
    store: &dyn Store,
    class_id: i64,
    token: &str,
    now: Timestamp,
) -> Result<(ClassRecord, Timestamp), TeamError> {
    let refused = || TeamError::Forbidden(Msg::new("team-join-unknown"));
    let token = SessionToken::from_cookie(token.trim()).ok_or_else(refused)?;
    let (joined, expires) = store
        .class_join(&token.storage_key())
        .await?
        .ok_or_else(refused)?;
    if joined != class_id {
        return Err(TeamError::Forbidden(Msg::new("team-join-other-class")));
    }
    if expires <= now {
        return Err(TeamError::Forbidden(Msg::new("team-join-expired")));
    }
    let class = store
        .team_class(class_id)
        .await?
        .ok_or_else(class_unknown)?;
    Ok((class, expires))
}

/// Joins a class with its code: the learner says who they are (their CCCD, typed, or their
/// card's QR text) and must have been marked present. Returns the narrow session's token
/// (for the cookie) and the session.
///
/// # Errors
/// A refused code, a number or card refused, or someone not present at the class.
pub async fn join(
    store: &dyn Store,
    vault: &Vault,
    class_id: i64,
    token: &str,
    identity: &str,
    now: Timestamp,
) -> Result<(SessionToken, ClassSession), TeamError> {
    let (class, expires) = check_join(store, class_id, token, now).await?;
    let identity = identity.trim();
    let number = if identity.contains('|') {
        CardQr::parse(identity)
            .map_err(|e| TeamError::Invalid(e.msg()))?
            .number
    } else {
        Cccd::parse(identity).map_err(|e| TeamError::Invalid(e.msg()))?
    };
    let not_present = || TeamError::Invalid(Msg::new("team-join-not-present"));
    let person = store
        .person_by_cccd_hash(&vault.lookup_hash(&number))
        .await?
        .ok_or_else(not_present)?;
    if !present(store, class.id, person.summary.id).await? {
        return Err(not_present());
    }
    let session = ClassSession {
        class_id: class.id,
        person_id: person.summary.id,
        expires_at: expires,
    };
    let token = SessionToken::generate(&mut rand::rng());
    store
        .open_class_session(&token.storage_key(), &session, now)
        .await?;
    Ok((token, session))
}

/// The learner's narrow session for `class_id`, if the cookie holds a live one for that class.
///
/// # Errors
/// No session, an ended one, or one for another class.
pub async fn class_learner(
    store: &dyn Store,
    class_id: i64,
    token: Option<&SessionToken>,
    now: Timestamp,
) -> Result<(ClassRecord, ClassSession), TeamError> {
    let refused = || TeamError::Forbidden(Msg::new("team-join-session-ended"));
    let token = token.ok_or_else(refused)?;
    let session = store
        .class_session(&token.storage_key())
        .await?
        .filter(|s| s.class_id == class_id && s.expires_at > now)
        .ok_or_else(refused)?;
    let class = store
        .team_class(class_id)
        .await?
        .ok_or_else(class_unknown)?;
    Ok((class, session))
}

//! A member's visit to a resident: the device-made `op`, the visit's fields, and recording it
//! once.

use binhdan_core::audit::AuditEntry;
use binhdan_core::time::{Date, VIETNAM_OFFSET_MS};
use binhdan_core::unit::Unit;
use binhdan_core::{Msg, Timestamp};
use binhdan_store::{NewVisit, Store, StoreError, TeamWrite};

use super::{Actor, MAX_HOUSEHOLD, MAX_NEXT_STEP, TeamError, checklist, invalid, require_member};

/// A device-made id: 8–64 letters, digits, `-` and `_` (a UUID fits).
///
/// # Errors
/// Anything else.
pub fn check_op(op: &str) -> Result<&str, TeamError> {
    let op = op.trim();
    if (8..=64).contains(&op.len())
        && op
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(op)
    } else {
        Err(invalid("team-op-invalid"))
    }
}

/// A visit as the member's form gives it.
#[derive(Clone, Debug, Default)]
pub struct VisitInput<'a> {
    pub op: &'a str,
    pub person_id: i64,
    /// `2026-12-01` or `01/12/2026`.
    pub date: &'a str,
    pub done: Vec<String>,
    pub next_step: &'a str,
    pub household: &'a str,
}

/// The day (since 1970) of a date as typed, if it exists.
pub(super) fn parse_day(input: &str) -> Option<Date> {
    let s = input.trim();
    let (y, m, d) = if s.contains('-') {
        let mut it = s.split('-');
        (it.next()?, it.next()?, it.next()?)
    } else {
        let mut it = s.split('/');
        let (d, m, y) = (it.next()?, it.next()?, it.next()?);
        (y, m, d)
    };
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Today in Vietnam, in days since 1970.
#[must_use]
pub fn today(now: Timestamp) -> i64 {
    (now.millis() + VIETNAM_OFFSET_MS).div_euclid(86_400_000)
}

/// A person of the village, or why not.
pub(super) async fn resident(
    store: &dyn Store,
    village: &Unit,
    person_id: i64,
) -> Result<binhdan_store::PersonDetail, TeamError> {
    let person = store
        .person(person_id)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("people-not-found")))?;
    if person.summary.unit_path != village.path {
        return Err(TeamError::Forbidden(
            Msg::new("team-person-outside").arg("village", &village.name),
        ));
    }
    Ok(person)
}

/// Records a member's visit to a person of their village (audited; counted once per `op`).
///
/// # Errors
/// Not a member, a person outside the village, or a refused field.
pub async fn record_visit(
    store: &dyn Store,
    actor: Actor<'_>,
    village: &Unit,
    input: &VisitInput<'_>,
    now: Timestamp,
) -> Result<TeamWrite, TeamError> {
    require_member(store, actor, village).await?;
    let op = check_op(input.op)?;
    resident(store, village, input.person_id).await?;
    let day = parse_day(input.date)
        .ok_or_else(|| invalid("team-visit-date-invalid"))?
        .days_since_epoch();
    if day > today(now) {
        return Err(invalid("team-visit-date-future"));
    }
    if day < today(now) - 366 {
        return Err(invalid("team-visit-date-old"));
    }
    let items = checklist(store, village).await?;
    let mut done: Vec<String> = Vec::new();
    for key in &input.done {
        let key = key.trim();
        if !items.iter().any(|i| i.key == key) {
            return Err(TeamError::Invalid(
                Msg::new("team-visit-item-unknown")
                    .arg("item", key.chars().take(40).collect::<String>()),
            ));
        }
        if !done.iter().any(|d| d == key) {
            done.push(key.to_owned());
        }
    }
    let next_step = binhdan_core::text::clean(input.next_step);
    if next_step.chars().count() > MAX_NEXT_STEP {
        return Err(TeamError::Invalid(
            Msg::new("team-visit-next-too-long").arg("max", MAX_NEXT_STEP),
        ));
    }
    if done.is_empty() && next_step.is_empty() {
        return Err(invalid("team-visit-empty"));
    }
    let household = binhdan_core::text::clean(input.household);
    if household.chars().count() > MAX_HOUSEHOLD {
        return Err(TeamError::Invalid(
            Msg::new("team-household-too-long").arg("max", MAX_HOUSEHOLD),
        ));
    }
    let visit = NewVisit {
        op: op.to_owned(),
        village: village.code.clone(),
        person_id: input.person_id,
        member_id: actor.id,
        visited_on: day,
        done,
        next_step,
        household: (!household.is_empty()).then_some(household),
    };
    store
        .record_visit(
            &visit,
            AuditEntry::new(actor.audit_name(), "team.visit"),
            now,
        )
        .await
        .map_err(op_taken)
}

pub(super) fn op_taken(e: StoreError) -> TeamError {
    match e {
        StoreError::Conflict("op") => TeamError::Conflict(Msg::new("team-op-taken")),
        e => TeamError::Store(e),
    }
}

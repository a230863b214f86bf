//! A village team member's work taken without a network (a class's attendance, a visit to a
//! household), queued on the member's phone and sent later.
//!
//! Each item is admitted as a learner's is ([`super::admit`]: the same member, the same
//! session, a device-made id, not older than the configured delay), then goes through the
//! team's own use cases ([`crate::teams::record_visit`], [`crate::teams::mark_present`]) with
//! the time it was taken: who may act on whom is checked there, and the item's id is the
//! action's `op`, so a resend counts once, as a resent form does.

use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{AdultCutoff, AttendanceOutcome, Store, StoreError};
use binhdan_vault::Vault;

use crate::teams::{self, Actor, AttendInput, TeamError, VisitInput};

/// One queued team action, read from what the device sent.
#[derive(Clone, Debug)]
pub enum TeamAction<'a> {
    /// A visit to a resident of the village `village` (its code).
    Visit {
        village: &'a str,
        input: VisitInput<'a>,
    },
    /// Someone marked present at the class `class_id`.
    Attend {
        class_id: i64,
        input: AttendInput<'a>,
    },
}

/// What became of one team action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Synced {
    /// Recorded now (or this very action resent: answered as the first).
    Counted,
    /// Recorded before: the visit under this id, or the person was already present.
    Duplicate,
    /// Refused, with the reason the member sees; nothing changed and the device keeps it.
    Refused(Msg),
}

/// Records a team action taken at `taken` (when [`super::admit`] says it counts), through
/// the team's use cases, which check the caller's membership and the person's village.
///
/// # Errors
/// Only the store's failures (the device keeps the item and sends it again); every refusal
/// of the action itself is a [`Synced::Refused`].
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn record(
    store: &dyn Store,
    vault: &Vault,
    actor: Actor<'_>,
    op: &str,
    action: TeamAction<'_>,
    cutoff: AdultCutoff,
    taken: Timestamp,
) -> Result<Synced, StoreError> {
    let done = match action {
        TeamAction::Visit { village, mut input } => {
            input.op = op;
            match teams::village(store, village).await {
                Ok(v) => teams::record_visit(store, actor, &v, &input, taken)
                    .await
                    .map(|w| {
                        if w.new {
                            Synced::Counted
                        } else {
                            Synced::Duplicate
                        }
                    }),
                Err(e) => Err(e),
            }
        }
        TeamAction::Attend {
            class_id,
            mut input,
        } => {
            input.op = op;
            teams::mark_present(store, vault, actor, class_id, &input, cutoff, taken)
                .await
                .map(|(outcome, _)| match outcome {
                    AttendanceOutcome::New => Synced::Counted,
                    AttendanceOutcome::Resent | AttendanceOutcome::Already { .. } => {
                        Synced::Duplicate
                    }
                })
        }
    };
    match done {
        Ok(s) => Ok(s),
        Err(TeamError::Store(e)) => Err(e),
        Err(e) => {
            if matches!(e, TeamError::Forbidden(_)) {
                tracing::warn!(
                    staff = actor.id,
                    "refused an offline team action outside the member's team"
                );
            }
            Ok(Synced::Refused(e.msg()))
        }
    }
}

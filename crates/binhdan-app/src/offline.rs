//! Actions a learner took without a network (a lesson marked done, a practice-quiz answer),
//! queued on the device and sent later: when they count, and whether the caller may send them.
//!
//! A queued action carries the id the device made for it, the session it was taken in (the
//! CSRF token of that session, which only that session verifies) and the device's clock when
//! it was taken and when it was sent. The server counts it at its own clock minus the age the
//! device measured, so a phone whose clock is wrong still lands on the right day; an action
//! older than [`MAX_DELAY_MS`] is refused rather than counted on a day long closed.

use binhdan_core::Timestamp;

pub mod team;

/// The longest an action may wait on a device and still count: seven days.
pub const MAX_DELAY_MS: i64 = 7 * 24 * 3_600_000;

/// At most this many actions in one sync request.
pub const MAX_BATCH: usize = 200;

/// Why a queued action is refused (it stays on the device, shown with the reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Taken while someone else was signed in on the device.
    OtherPerson,
    /// Taken in an earlier session of the same person: they must confirm it is theirs.
    OtherSession,
    /// Waited longer than [`MAX_DELAY_MS`].
    TooOld,
    /// Not readable (no id, an unknown kind, missing fields).
    Malformed,
}

impl Refusal {
    /// The message key that explains it.
    #[must_use]
    pub const fn msg_key(self) -> &'static str {
        match self {
            Self::OtherPerson => "offline-refused-person",
            Self::OtherSession => "offline-refused-session",
            Self::TooOld => "offline-refused-old",
            Self::Malformed => "offline-refused-malformed",
        }
    }

    /// A short code the device keeps with the item (it offers "send again" for `session`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::OtherPerson => "person",
            Self::OtherSession => "session",
            Self::TooOld => "old",
            Self::Malformed => "malformed",
        }
    }
}

/// When an action taken at `device_taken` (device clock, ms) and sent at `device_sent` (same
/// clock) happened by the server's clock `now`: `now` minus its age, the age never negative.
/// Refused when older than `max_delay_ms`.
pub fn taken_at(
    device_taken: i64,
    device_sent: i64,
    now: Timestamp,
    max_delay_ms: i64,
) -> Result<Timestamp, Refusal> {
    let age = device_sent.saturating_sub(device_taken).max(0);
    if age > max_delay_ms {
        return Err(Refusal::TooOld);
    }
    Ok(Timestamp(now.millis().saturating_sub(age)))
}

/// Whether the caller (`person`, whose session verifies a token with `verifies`) may send an
/// action queued by `claimed_person` under the session token `bound`.
pub fn check_binding(
    person: i64,
    claimed_person: i64,
    bound: &str,
    verifies: impl Fn(&str) -> bool,
) -> Result<(), Refusal> {
    if claimed_person != person {
        return Err(Refusal::OtherPerson);
    }
    if !verifies(bound) {
        return Err(Refusal::OtherSession);
    }
    Ok(())
}

/// What an action queued on a device must pass before it is looked at: the caller
/// (`person`, whose session verifies a token with `verifies`) is who queued it
/// (`claimed_person`), in this session (`bound`); its id is a device-made id; it is not older
/// than [`MAX_DELAY_MS`]. Returns when it counts (see [`taken_at`]). The learner's sync and
/// the village team's both admit their items through here.
///
/// # Errors
/// The first refusal that applies.
#[allow(
    clippy::too_many_arguments,
    reason = "the item's fields, each a different thing"
)]
pub fn admit(
    id: &str,
    person: i64,
    claimed_person: i64,
    bound: &str,
    verifies: impl Fn(&str) -> bool,
    device_taken: i64,
    device_sent: i64,
    now: Timestamp,
) -> Result<Timestamp, Refusal> {
    if let Err(r) = check_binding(person, claimed_person, bound, verifies) {
        if r == Refusal::OtherPerson {
            // Someone replaying what another account queued: worth an operator's look.
            tracing::warn!(
                account = person,
                "refused an offline action queued by another account"
            );
        }
        return Err(r);
    }
    if !valid_id(id) {
        return Err(Refusal::Malformed);
    }
    taken_at(device_taken, device_sent, now, MAX_DELAY_MS)
}

/// A device-made id: 8 to 64 characters of `[A-Za-z0-9-_]`.
#[must_use]
pub fn valid_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_action_counts_at_the_server_clock_minus_its_age() {
        let now = Timestamp(1_000_000_000);
        // The device's clock is a year off: only the difference matters.
        let off = 365 * 24 * 3_600_000;
        assert_eq!(
            taken_at(5_000 + off, 65_000 + off, now, MAX_DELAY_MS),
            Ok(Timestamp(now.0 - 60_000))
        );
        // A clock moved back between taking and sending: counted now.
        assert_eq!(taken_at(9_000, 1_000, now, MAX_DELAY_MS), Ok(now));
        assert_eq!(
            taken_at(0, MAX_DELAY_MS + 1, now, MAX_DELAY_MS),
            Err(Refusal::TooOld)
        );
        assert!(taken_at(0, MAX_DELAY_MS, now, MAX_DELAY_MS).is_ok());
        assert_eq!(taken_at(i64::MIN, i64::MAX, now, 10), Err(Refusal::TooOld));
    }

    #[test]
    fn only_the_same_person_in_the_same_session_may_send() {
        let same = |t: &str| t == "tok";
        assert_eq!(check_binding(7, 7, "tok", same), Ok(()));
        assert_eq!(check_binding(7, 8, "tok", same), Err(Refusal::OtherPerson));
        assert_eq!(check_binding(7, 7, "old", same), Err(Refusal::OtherSession));
    }

    #[test]
    fn admitting_checks_whose_it_is_before_its_shape_and_age() {
        let same = |t: &str| t == "tok";
        let now = Timestamp(1_000_000_000);
        let ok = admit("device-id-0001", 7, 7, "tok", same, 1_000, 61_000, now);
        assert_eq!(ok, Ok(Timestamp(now.0 - 60_000)));
        let theirs = admit("bad", 7, 8, "tok", same, 0, MAX_DELAY_MS + 1, now);
        assert_eq!(theirs, Err(Refusal::OtherPerson));
        let shape = admit("bad", 7, 7, "tok", same, 0, MAX_DELAY_MS + 1, now);
        assert_eq!(shape, Err(Refusal::Malformed));
        let old = admit(
            "device-id-0001",
            7,
            7,
            "tok",
            same,
            0,
            MAX_DELAY_MS + 1,
            now,
        );
        assert_eq!(old, Err(Refusal::TooOld));
    }

    #[test]
    fn device_ids_are_short_and_plain() {
        assert!(valid_id("0b7f9c1e-2a3b-4c5d-8e9f-001122334455"));
        assert!(!valid_id("short"));
        assert!(!valid_id("has space in it"));
        assert!(!valid_id(&"x".repeat(65)));
    }
}

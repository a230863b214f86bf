//! Actions a learner took without a network (a lesson marked done, a practice-quiz answer),
//! queued on the device and sent later: when they count, and whether the caller may send them.
//!
//! A queued action carries the id the device made for it, the session it was taken in (the
//! CSRF token of that session, which only that session verifies) and the device's clock when
//! it was taken and when it was sent. The server counts it at its own clock minus the age the
//! device measured, so a phone whose clock is wrong still lands on the right day; an action
//! older than the configured delay ([`OfflineConfig::max_delay_days`], seven days unless
//! set) is refused rather than counted on a day long closed.

use binhdan_core::Timestamp;
use serde::Deserialize;

pub mod team;

/// How long an action may wait on a device (the `[offline]` section of the configuration).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct OfflineConfig {
    /// The longest an action may wait on a device and still count, in days (1 to 30): a
    /// province whose villages stay offline for longer between market days may raise it.
    pub max_delay_days: u32,
}

impl Default for OfflineConfig {
    fn default() -> Self {
        Self { max_delay_days: 7 }
    }
}

impl OfflineConfig {
    /// The longest delay, in milliseconds.
    #[must_use]
    pub fn max_delay_ms(&self) -> i64 {
        i64::from(self.max_delay_days) * 86_400_000
    }

    /// Whether the setting makes sense; if not, why, in words.
    ///
    /// # Errors
    /// A delay under one day or over thirty.
    pub fn check(&self) -> Result<(), String> {
        if (1..=30).contains(&self.max_delay_days) {
            Ok(())
        } else {
            Err("max_delay_days must be between 1 and 30".into())
        }
    }
}

/// What a device says of an action it queued.
#[derive(Clone, Copy, Debug)]
pub struct Queued<'a> {
    /// The id the device made for it.
    pub id: &'a str,
    /// Who was signed in when it was taken.
    pub person: i64,
    /// The CSRF token of the session it was taken in.
    pub session: &'a str,
    /// The device's clock when it was taken, and when the batch was sent (ms).
    pub taken: i64,
    pub sent: i64,
}

/// At most this many actions in one sync request.
pub const MAX_BATCH: usize = 200;

/// Why a queued action is refused (it stays on the device, shown with the reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Taken while someone else was signed in on the device.
    OtherPerson,
    /// Taken in an earlier session of the same person: they must confirm it is theirs.
    OtherSession,
    /// Waited longer than the configured delay.
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
/// (`person`, whose session verifies a token with `verifies`) is who queued it, in this
/// session; its id is a device-made id; it is not older than the configured delay. Returns
/// when it counts (see [`taken_at`]). The learner's sync and the village team's both admit
/// their items through here.
///
/// # Errors
/// The first refusal that applies.
pub fn admit(
    item: &Queued<'_>,
    person: i64,
    verifies: impl Fn(&str) -> bool,
    now: Timestamp,
    config: &OfflineConfig,
) -> Result<Timestamp, Refusal> {
    if let Err(r) = check_binding(person, item.person, item.session, verifies) {
        if r == Refusal::OtherPerson {
            // Someone replaying what another account queued: worth an operator's look.
            tracing::warn!(
                account = person,
                "refused an offline action queued by another account"
            );
        }
        return Err(r);
    }
    if !valid_id(item.id) {
        return Err(Refusal::Malformed);
    }
    taken_at(item.taken, item.sent, now, config.max_delay_ms())
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

    const MAX_DELAY_MS: i64 = 7 * 86_400_000;

    fn item(id: &str, person: i64, taken: i64, sent: i64) -> Queued<'_> {
        Queued {
            id,
            person,
            session: "tok",
            taken,
            sent,
        }
    }

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
        let week = OfflineConfig::default();
        let ok = admit(
            &item("device-id-0001", 7, 1_000, 61_000),
            7,
            same,
            now,
            &week,
        );
        assert_eq!(ok, Ok(Timestamp(now.0 - 60_000)));
        let theirs = admit(&item("bad", 8, 0, MAX_DELAY_MS + 1), 7, same, now, &week);
        assert_eq!(theirs, Err(Refusal::OtherPerson));
        let shape = admit(&item("bad", 7, 0, MAX_DELAY_MS + 1), 7, same, now, &week);
        assert_eq!(shape, Err(Refusal::Malformed));
        let late = item("device-id-0001", 7, 0, MAX_DELAY_MS + 1);
        assert_eq!(admit(&late, 7, same, now, &week), Err(Refusal::TooOld));
        // A province that allows a fortnight counts it.
        let fortnight = OfflineConfig { max_delay_days: 14 };
        assert!(admit(&late, 7, same, now, &fortnight).is_ok());
    }

    #[test]
    fn the_delay_is_between_a_day_and_a_month() {
        assert!(OfflineConfig::default().check().is_ok());
        assert_eq!(OfflineConfig::default().max_delay_ms(), MAX_DELAY_MS);
        assert!(OfflineConfig { max_delay_days: 0 }.check().is_err());
        assert!(OfflineConfig { max_delay_days: 31 }.check().is_err());
        assert!(OfflineConfig { max_delay_days: 30 }.check().is_ok());
    }

    #[test]
    fn device_ids_are_short_and_plain() {
        assert!(valid_id("0b7f9c1e-2a3b-4c5d-8e9f-001122334455"));
        assert!(!valid_id("short"));
        assert!(!valid_id("has space in it"));
        assert!(!valid_id(&"x".repeat(65)));
    }
}

//! Live events with bridge points (điểm cầu): creating them and their points, checking people
//! in, the live figures and the report after.
//!
//! A check-in names its participant once per event: a person on the registry by their id
//! (found by CCCD, phone or name, or signed in with VNeID when they scan the point's QR code);
//! someone not on the registry by the keyed look-up hash of their CCCD or phone, or by their
//! name at the point. Retried and repeated check-ins therefore count once. Check-ins are taken
//! within the event's window; a host whose connection dropped sends what they took later,
//! with the time it was taken, up to [`LATE_SYNC_MS`] after the end.
//!
//! Check-ins from every host go through one [`CheckInDesk`], which writes whatever has queued
//! up in one transaction (group commit), so 52,000 people checking in at 1,018 points become a
//! few hundred transactions rather than 52,000.

use binhdan_core::people::Date;
use binhdan_core::text::clean;
use binhdan_core::unit::Unit;
use binhdan_core::{Msg, Timestamp};
use binhdan_store::{EventKind, EventRecord, NewEvent, Store, StoreError};

mod check_in;
mod points;
mod report;

pub use check_in::*;
pub use points::*;
pub use report::*;

/// Check-ins taken offline within the window are still accepted this long after its end.
pub const LATE_SYNC_MS: i64 = 6 * 3_600_000;
/// An event lasts at most this long.
const MAX_EVENT_MS: i64 = 7 * 86_400_000;
/// A point's expected headcount, and a reported headcount, at most.
pub const MAX_HEADCOUNT: u32 = 100_000;
const MAX_TITLE: usize = 200;
const MAX_POINT_NAME: usize = 120;
/// Vietnam is UTC+7 all year.
const VIETNAM_OFFSET_MS: i64 = binhdan_core::time::VIETNAM_OFFSET_MS;

/// A refusal: what was wrong, in words for the person who sent it.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("refused: {}", .0.key)]
    Invalid(Msg),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

fn refuse(key: &'static str) -> EventError {
    EventError::Invalid(Msg::new(key))
}

/// Reads `2026-11-27T08:00` (what a `datetime-local` field sends) or `27/11/2026 08:00`, as
/// the time in Vietnam.
#[must_use]
pub fn parse_local_time(input: &str) -> Option<Timestamp> {
    let s = input.trim();
    let (date, time) = s.split_once(['T', ' '])?;
    let date = if date.contains('-') {
        let mut it = date.split('-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?
    } else {
        let mut it = date.split('/');
        let (d, m, y) = (it.next()?, it.next()?, it.next()?);
        Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?
    };
    let mut hm = time.trim().split(':');
    let h: i64 = hm.next()?.parse().ok()?;
    let m: i64 = hm.next()?.parse().ok()?;
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    Some(Timestamp(
        date.days_since_epoch() * 86_400_000 + h * 3_600_000 + m * 60_000 - VIETNAM_OFFSET_MS,
    ))
}

/// `08:05 27/11/2026`, the time in Vietnam.
#[must_use]
pub fn format_local_time(t: Timestamp) -> String {
    binhdan_core::time::format_vietnam_time(t)
}

/// `2026-11-27T08:05`, for a `datetime-local` field.
#[must_use]
pub fn format_local_input(t: Timestamp) -> String {
    let local = t.millis() + VIETNAM_OFFSET_MS;
    let minute = local.rem_euclid(86_400_000) / 60_000;
    Date::from_days_since_epoch(local.div_euclid(86_400_000)).map_or_else(String::new, |d| {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            d.year(),
            d.month(),
            d.day(),
            minute / 60,
            minute % 60
        )
    })
}

/// An event as typed into the form.
#[derive(Clone, Debug, Default)]
pub struct EventDraft<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub starts: &'a str,
    pub ends: &'a str,
    pub broadcast_url: &'a str,
}

/// Checks a draft and creates the event at `unit`.
///
/// # Errors
/// A refused field (the message names it), or the store failed.
pub async fn create_event(
    store: &dyn Store,
    unit: &Unit,
    draft: &EventDraft<'_>,
    by: &str,
    now: Timestamp,
) -> Result<i64, EventError> {
    let event = check_event(unit, draft, now)?;
    Ok(store.create_event(&event, by, now).await?)
}

/// Changes an event's title, kind, window and link (its unit stays); the same checks as
/// creating it.
///
/// # Errors
/// A refused field, or the store failed.
pub async fn change_event(
    store: &dyn Store,
    event: &EventRecord,
    draft: &EventDraft<'_>,
    now: Timestamp,
) -> Result<(), EventError> {
    let unit = store
        .unit(&event.unit_code)
        .await?
        .ok_or(StoreError::NotFound(binhdan_store::Entity::Unit))?;
    let changed = check_event(&unit, draft, now)?;
    Ok(store.update_event(event.id, &changed).await?)
}

/// A draft checked: the event to store.
fn check_event(
    unit: &Unit,
    draft: &EventDraft<'_>,
    now: Timestamp,
) -> Result<NewEvent, EventError> {
    let title = clean(draft.title);
    if title.is_empty() {
        return Err(refuse("event-title-empty"));
    }
    if title.chars().count() > MAX_TITLE {
        return Err(EventError::Invalid(
            Msg::new("event-title-too-long").arg("max", MAX_TITLE),
        ));
    }
    let kind = EventKind::parse(draft.kind).ok_or_else(|| refuse("event-kind-unknown"))?;
    let time = |field: &str, value: &str| {
        parse_local_time(value).ok_or_else(|| {
            EventError::Invalid(
                Msg::new("event-time-invalid")
                    .arg("field", field)
                    .arg("value", value.chars().take(30).collect::<String>()),
            )
        })
    };
    let starts_at = time("starts", draft.starts)?;
    let ends_at = time("ends", draft.ends)?;
    if ends_at <= starts_at {
        return Err(refuse("event-ends-before-start"));
    }
    if ends_at.millis() - starts_at.millis() > MAX_EVENT_MS {
        return Err(refuse("event-too-long"));
    }
    if ends_at < now {
        return Err(refuse("event-in-the-past"));
    }
    let link = draft.broadcast_url.trim();
    let broadcast_url = if link.is_empty() {
        None
    } else if (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() <= 500
        && !link.contains(char::is_whitespace)
        && link
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty())
    {
        Some(link.to_owned())
    } else {
        return Err(refuse("event-link-invalid"));
    };
    Ok(NewEvent {
        title,
        kind,
        unit: unit.code.clone(),
        starts_at,
        ends_at,
        broadcast_url,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use binhdan_core::unit::UnitCode;

    #[test]
    fn times_are_read_and_written_in_vietnam() {
        let t = parse_local_time("2026-11-27T08:05").unwrap();
        assert_eq!(parse_local_time("27/11/2026 08:05"), Some(t));
        // 08:05 in Vietnam is 01:05 UTC.
        assert_eq!(t.millis() % 86_400_000, 65 * 60_000);
        assert_eq!(format_local_time(t), "08:05 27/11/2026");
        assert_eq!(format_local_input(t), "2026-11-27T08:05");
        for bad in [
            "",
            "2026-11-27",
            "2026-13-01T08:00",
            "2026-11-27T24:00",
            "hôm nay 8 giờ",
        ] {
            assert_eq!(parse_local_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn identities_are_told_apart_and_malformed_numbers_are_not_repeated() {
        assert!(matches!(
            Identity::parse(" 038 090 123 456 "),
            Ok(Identity::Cccd(_))
        ));
        assert!(
            matches!(Identity::parse("0912.345.678"), Ok(Identity::Phone(p)) if p.as_str() == "0912345678")
        );
        assert!(matches!(
            Identity::parse("+84 912 345 678"),
            Ok(Identity::Phone(_))
        ));
        assert_eq!(
            Identity::parse("  Nguyễn   Văn An ").unwrap(),
            Identity::Name("Nguyễn Văn An".to_owned())
        );
        // NFD in, NFC stored.
        assert_eq!(
            Identity::parse("Nguye\u{302}\u{303}n").unwrap(),
            Identity::Name("Nguyễn".to_owned())
        );
        let e = Identity::parse("03809012345").unwrap_err();
        assert_eq!(e.key, "checkin-identity-malformed");
        assert!(!format!("{e:?}").contains("03809012345"));
        assert_eq!(
            Identity::parse("999090123456").unwrap_err().key,
            "cccd-province-unknown"
        );
        assert_eq!(
            Identity::parse("An 12").unwrap_err().key,
            "checkin-identity-mixed"
        );
        assert_eq!(
            Identity::parse("  ").unwrap_err().key,
            "checkin-identity-empty"
        );
        assert_eq!(
            Identity::parse("A").unwrap_err().key,
            "checkin-name-invalid"
        );
    }

    fn event() -> EventRecord {
        EventRecord {
            id: 1,
            title: "Lễ ra quân".to_owned(),
            kind: EventKind::Ceremony,
            unit_code: UnitCode::parse("38").unwrap(),
            unit_path: "38/".to_owned(),
            unit_name: "Tỉnh Thanh Hóa".to_owned(),
            starts_at: Timestamp(1_000_000_000),
            ends_at: Timestamp(1_000_000_000 + 3_600_000),
            broadcast_url: None,
            created_by: "staff:1".to_owned(),
            created_at: Timestamp(0),
            points: 0,
        }
    }

    #[test]
    fn check_ins_count_within_the_window_and_late_sync_keeps_the_time_taken() {
        let e = event();
        let start = e.starts_at.millis();
        assert_eq!(
            check_window(&e, None, Timestamp(start - 1))
                .unwrap_err()
                .key,
            "checkin-not-open"
        );
        assert_eq!(
            check_window(&e, None, Timestamp(start + 10)),
            Ok(Timestamp(start + 10))
        );
        // Taken offline during the event, sent two hours after its end.
        let late = Timestamp(e.ends_at.millis() + 2 * 3_600_000);
        assert_eq!(
            check_window(&e, Some(Timestamp(start + 60)), late),
            Ok(Timestamp(start + 60))
        );
        // Taken after the end, or sent too late.
        assert_eq!(
            check_window(&e, None, late).unwrap_err().key,
            "checkin-closed"
        );
        let too_late = Timestamp(e.ends_at.millis() + LATE_SYNC_MS + 1);
        assert_eq!(
            check_window(&e, Some(Timestamp(start + 60)), too_late)
                .unwrap_err()
                .key,
            "checkin-closed"
        );
        // A device clock ahead of ours counts at our time; behind the start, refused.
        assert_eq!(
            check_window(
                &e,
                Some(Timestamp(start + 999_999_999)),
                Timestamp(start + 5)
            ),
            Ok(Timestamp(start + 5))
        );
        assert_eq!(
            check_window(&e, Some(Timestamp(start - 5)), Timestamp(start + 5))
                .unwrap_err()
                .key,
            "checkin-not-open"
        );
    }
}

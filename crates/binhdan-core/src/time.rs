//! Time as the domain sees it: an instant in milliseconds since the Unix epoch, always passed
//! in by the caller (see the `Clock` of the web crate), never read from a hidden clock; the
//! calendar [`Date`]; and Vietnam's wall clock (UTC+7 all year, no daylight saving).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    #[must_use]
    pub const fn millis(self) -> i64 {
        self.0
    }
}

/// Milliseconds in a day.
pub const MILLIS_PER_DAY: i64 = 86_400_000;
/// Vietnam's time zone, UTC+7 all year, in milliseconds.
pub const VIETNAM_OFFSET_MS: i64 = 7 * 3_600_000;

/// A calendar date (proleptic Gregorian), years 1–9999. Orders chronologically; shows as
/// `dd/mm/yyyy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    y: i32,
    m: u8,
    d: u8,
}

const fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

const fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to 1899-12-30, Excel's day 0 for serials from 61 on.
const EXCEL_EPOCH_DAYS: i64 = -25_569;
/// The largest serial Excel shows as a date: 31/12/9999.
const EXCEL_MAX_SERIAL: f64 = 2_958_465.0;

impl Date {
    /// 1 January 1970.
    pub const EPOCH: Self = Self {
        y: 1970,
        m: 1,
        d: 1,
    };

    /// A date from parts known to be real (for constants); [`Date::new`] checks them.
    pub(crate) const fn from_parts_unchecked(y: i32, m: u8, d: u8) -> Self {
        Self { y, m, d }
    }

    /// A date if it exists.
    #[must_use]
    pub fn new(y: i32, m: u32, d: u32) -> Option<Self> {
        let m = u8::try_from(m).ok()?;
        let d = u8::try_from(d).ok()?;
        ((1..=9999).contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m))
            .then_some(Self { y, m, d })
    }

    #[must_use]
    pub const fn year(self) -> i32 {
        self.y
    }

    #[must_use]
    pub const fn month(self) -> u32 {
        self.m as u32
    }

    #[must_use]
    pub const fn day(self) -> u32 {
        self.d as u32
    }

    /// Days since 1970-01-01 (negative before).
    #[must_use]
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.y) - i64::from(self.m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01, if within years 1–9999.
    #[must_use]
    #[allow(clippy::many_single_char_names)] // the published algorithm's names
    pub fn from_days_since_epoch(days: i64) -> Option<Self> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Self::new(
            i32::try_from(y).ok()?,
            u32::try_from(m).ok()?,
            u32::try_from(d).ok()?,
        )
    }

    /// The date of an Excel serial number in the 1900 date system (`1` is 01/01/1900). The time
    /// of day (the fraction) is ignored. Serial 60, Excel's 29/02/1900 that never was, and
    /// anything outside 1–2958465 give `None`.
    #[must_use]
    pub fn from_excel_serial(serial: f64) -> Option<Self> {
        if !serial.is_finite() || !(1.0..EXCEL_MAX_SERIAL + 1.0).contains(&serial) {
            return None;
        }
        // In range, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        let n = serial.floor() as i64;
        match n {
            60 => None,
            // Before the fake leap day, Excel's day 0 is 1899-12-31.
            1..60 => Self::from_days_since_epoch(EXCEL_EPOCH_DAYS + 1 + n),
            _ => Self::from_days_since_epoch(EXCEL_EPOCH_DAYS + n),
        }
    }

    /// The Excel serial number of this date in the 1900 date system (`None` before 1900).
    #[must_use]
    pub fn to_excel_serial(self) -> Option<i64> {
        let n = self.days_since_epoch() - EXCEL_EPOCH_DAYS;
        match n {
            ..=1 => None,
            2..=60 => Some(n - 1),
            _ => Some(n),
        }
    }

    /// The calendar date in Vietnam (UTC+7) at an instant.
    #[must_use]
    pub fn from_timestamp_vietnam(t: Timestamp) -> Option<Self> {
        Self::from_days_since_epoch(
            (t.millis().saturating_add(VIETNAM_OFFSET_MS)).div_euclid(MILLIS_PER_DAY),
        )
    }

    /// Completed years from `self` to `on` (0 if `on` is earlier). Someone born on 29 February
    /// has a birthday on 1 March in common years.
    #[must_use]
    pub fn age_on(&self, on: &Date) -> u32 {
        let mut years = on.y - self.y;
        if (on.m, on.d) < (self.m, self.d) {
            years -= 1;
        }
        u32::try_from(years).unwrap_or(0)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}/{:04}", self.d, self.m, self.y)
    }
}

/// Days since 1970-01-01 of the calendar day in Vietnam at `t` (0 outside years 1–9999).
#[must_use]
pub fn vietnam_day(t: Timestamp) -> i64 {
    Date::from_timestamp_vietnam(t).map_or(0, Date::days_since_epoch)
}

/// A day and time as Vietnam reads it, `HH:MM DD/MM/YYYY` (`08:05 27/11/2026`).
#[must_use]
pub fn format_vietnam_time(t: Timestamp) -> String {
    let local = t.millis().saturating_add(VIETNAM_OFFSET_MS);
    let minute = local.rem_euclid(MILLIS_PER_DAY) / 60_000;
    let date = Date::from_days_since_epoch(local.div_euclid(MILLIS_PER_DAY))
        .map_or_else(String::new, |d| d.to_string());
    format!("{:02}:{:02} {date}", minute / 60, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn calendar_round_trips_and_knows_leap_years() {
        assert_eq!(d(1970, 1, 1).days_since_epoch(), 0);
        assert_eq!(d(2000, 3, 1).days_since_epoch(), 11_017);
        assert_eq!(Date::from_days_since_epoch(-1), Some(d(1969, 12, 31)));
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2026, 4, 31).is_none());
        assert!(Date::new(2026, 13, 1).is_none());
        assert!(Date::new(2026, 1, 0).is_none());
        assert_eq!(d(1990, 1, 5).to_string(), "05/01/1990");
        assert!(d(1990, 1, 5) < d(1990, 2, 1));
    }

    #[test]
    fn excel_serials_follow_excel_including_its_fake_leap_day() {
        assert_eq!(Date::from_excel_serial(1.0), Some(d(1900, 1, 1)));
        assert_eq!(Date::from_excel_serial(59.0), Some(d(1900, 2, 28)));
        assert_eq!(Date::from_excel_serial(60.0), None);
        assert_eq!(Date::from_excel_serial(61.0), Some(d(1900, 3, 1)));
        assert_eq!(Date::from_excel_serial(32_874.0), Some(d(1990, 1, 1)));
        assert_eq!(Date::from_excel_serial(45_943.541), Some(d(2025, 10, 13)));
        assert_eq!(Date::from_excel_serial(2_958_465.0), Some(d(9999, 12, 31)));
        for bad in [0.0, -1.0, 2_958_466.0, f64::NAN, f64::INFINITY] {
            assert_eq!(Date::from_excel_serial(bad), None, "{bad}");
        }
        assert_eq!(d(1990, 1, 1).to_excel_serial(), Some(32_874));
        assert_eq!(d(1900, 2, 28).to_excel_serial(), Some(59));
        assert_eq!(d(1900, 3, 1).to_excel_serial(), Some(61));
    }

    #[test]
    fn vietnam_dates_from_timestamps() {
        // 2026-05-31T17:00:00Z is midnight on 1 June in Vietnam.
        let t = Timestamp(1_780_246_800_000);
        assert_eq!(Date::from_timestamp_vietnam(t), Some(d(2026, 6, 1)));
        assert_eq!(
            Date::from_timestamp_vietnam(Timestamp(t.0 - 1)),
            Some(d(2026, 5, 31))
        );
    }

    #[test]
    fn vietnam_days_and_times() {
        // 2026-05-31T17:00:00Z is midnight on 1 June in Vietnam.
        let t = Timestamp(1_780_246_800_000);
        assert_eq!(vietnam_day(t), d(2026, 6, 1).days_since_epoch());
        assert_eq!(
            vietnam_day(Timestamp(t.0 - 1)),
            d(2026, 5, 31).days_since_epoch()
        );
        assert_eq!(vietnam_day(Timestamp(i64::MAX)), 0);
        assert_eq!(format_vietnam_time(t), "00:00 01/06/2026");
        assert_eq!(format_vietnam_time(Timestamp(t.0 - 1)), "23:59 31/05/2026");
        // 08:05 in Vietnam is 01:05 UTC.
        let t = Timestamp(d(2026, 11, 27).days_since_epoch() * MILLIS_PER_DAY + 65 * 60_000);
        assert_eq!(format_vietnam_time(t), "08:05 27/11/2026");
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -700_000i64..2_900_000) {
            let date = Date::from_days_since_epoch(days).unwrap();
            prop_assert_eq!(date.days_since_epoch(), days);
            prop_assert_eq!(Date::from_days_since_epoch(days + 1).unwrap() > date, true);
        }
    }
}

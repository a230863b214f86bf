//! Minimal UTC time types: the library never reads the clock, callers pass `now` in.
//!
//! VC 2.0 `validFrom`/`validUntil` are XML Schema `dateTimeStamp`s; we write them as
//! `YYYY-MM-DDTHH:MM:SSZ` and read any RFC 3339 timestamp with an offset.

use std::fmt;

/// Seconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A calendar date (proleptic Gregorian), years 0000–9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

const SECS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')))
}

impl Date {
    /// A valid date, or `None`.
    #[must_use]
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        (year <= 9999 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = u16::try_from(digits(&b[0..4])?).ok()?;
        let month = u8::try_from(digits(&b[5..7])?).ok()?;
        let day = u8::try_from(digits(&b[8..10])?).ok()?;
        Self::new(year, month, day)
    }

    #[must_use]
    pub const fn year(self) -> u16 {
        self.year
    }

    #[must_use]
    pub const fn month(self) -> u8 {
        self.month
    }

    #[must_use]
    pub const fn day(self) -> u8 {
        self.day
    }

    /// Midnight UTC at the start of this date.
    #[must_use]
    pub fn start_utc(self) -> Timestamp {
        Timestamp(
            days_from_civil(
                i64::from(self.year),
                i64::from(self.month),
                i64::from(self.day),
            ) * SECS_PER_DAY,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Timestamp {
    #[must_use]
    pub const fn from_unix(secs: i64) -> Self {
        Self(secs)
    }

    #[must_use]
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// The UTC calendar date of this instant, if its year is within 0000–9999.
    #[must_use]
    pub fn date(self) -> Option<Date> {
        let (y, m, d) = civil_from_days(self.0.div_euclid(SECS_PER_DAY));
        Date::new(
            u16::try_from(y).ok()?,
            u8::try_from(m).ok()?,
            u8::try_from(d).ok()?,
        )
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`; `None` outside years 0000–9999.
    #[must_use]
    pub fn to_rfc3339(self) -> Option<String> {
        let date = self.date()?;
        let secs = self.0.rem_euclid(SECS_PER_DAY);
        Some(format!(
            "{date}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        ))
    }

    /// Parses an RFC 3339 timestamp (`2026-11-26T13:00:00Z`, fractional seconds and
    /// `±HH:MM` offsets accepted; fractions are truncated).
    #[must_use]
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() < 20 || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let date = Date::parse(s.get(0..10)?)?;
        let h = i64::from(digits(&b[11..13])?);
        let mi = i64::from(digits(&b[14..16])?);
        let sec = i64::from(digits(&b[17..19])?);
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        let mut rest = &b[19..];
        if let Some((b'.', frac)) = rest.split_first() {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            rest = &frac[n..];
        }
        let offset = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
                let oh = i64::from(digits(&[*oh1, *oh2])?);
                let om = i64::from(digits(&[*om1, *om2])?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let o = oh * 3600 + om * 60;
                if *sign == b'+' { o } else { -o }
            }
            _ => return None,
        };
        Some(Self(date.start_utc().0 + h * 3600 + mi * 60 + sec - offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants() {
        assert_eq!(
            Timestamp::parse_rfc3339("1970-01-01T00:00:00Z"),
            Some(Timestamp(0))
        );
        let t = Timestamp::parse_rfc3339("2026-11-26T13:17:14Z").unwrap();
        assert_eq!(t.unix(), 1_795_699_034);
        assert_eq!(t.to_rfc3339().unwrap(), "2026-11-26T13:17:14Z");
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-26T20:17:14.123+07:00"),
            Some(t)
        );
        assert_eq!(Timestamp::parse_rfc3339("2026-02-30T00:00:00Z"), None);
        assert_eq!(Timestamp::parse_rfc3339("2026-11-26 13:17:14Z"), None);
        assert_eq!(Timestamp::parse_rfc3339("2026-11-26T13:17:14"), None);
        assert_eq!(Date::parse("2000-02-29").unwrap().to_string(), "2000-02-29");
        assert_eq!(Date::parse("1900-02-29"), None);
    }

    proptest! {
        #[test]
        fn rfc3339_round_trip(secs in -62_000_000_000i64..253_000_000_000i64) {
            let t = Timestamp(secs);
            let s = t.to_rfc3339().unwrap();
            prop_assert_eq!(Timestamp::parse_rfc3339(&s), Some(t));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Timestamp::parse_rfc3339(&s);
            let _ = Date::parse(&s);
        }
    }
}

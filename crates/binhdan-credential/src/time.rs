//! Minimal UTC time types: the library never reads the clock, callers pass `now` in.
//!
//! VC 2.0 `validFrom`/`validUntil` are XML Schema `dateTimeStamp`s; we write them as
//! `YYYY-MM-DDTHH:MM:SSZ` and read any RFC 3339 timestamp with an offset.

use std::fmt;

/// Seconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// A calendar date (proleptic Gregorian), years 0001–9999: the domain's
/// [`binhdan_core::people::Date`], written and read here as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(binhdan_core::people::Date);

const SECS_PER_DAY: i64 = 86_400;

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
        binhdan_core::people::Date::new(i32::from(year), u32::from(month), u32::from(day)).map(Self)
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
    pub fn year(self) -> u16 {
        // 1–9999: always fits.
        u16::try_from(self.0.year()).unwrap_or(0)
    }

    #[must_use]
    pub fn month(self) -> u8 {
        u8::try_from(self.0.month()).unwrap_or(0)
    }

    #[must_use]
    pub fn day(self) -> u8 {
        u8::try_from(self.0.day()).unwrap_or(0)
    }

    /// Midnight UTC at the start of this date.
    #[must_use]
    pub fn start_utc(self) -> Timestamp {
        Timestamp(self.0.days_since_epoch() * SECS_PER_DAY)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year(),
            self.month(),
            self.day()
        )
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

    /// The UTC calendar date of this instant, if its year is within 0001–9999.
    #[must_use]
    pub fn date(self) -> Option<Date> {
        binhdan_core::people::Date::from_days_since_epoch(self.0.div_euclid(SECS_PER_DAY)).map(Date)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`; `None` outside years 0001–9999.
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

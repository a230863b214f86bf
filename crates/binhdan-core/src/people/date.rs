//! Dates of birth as officials write them, and who is an adult on the evaluation date.

use std::fmt;

use super::{ADULT_AGE, PersonError, echo};
use crate::time::Date;

/// The campaign's default evaluation date (its 2026 deadline): adults are those 18 or older on
/// it.
pub const DEFAULT_EVALUATION_DATE: Date = Date::from_parts_unchecked(2026, 12, 31);

/// A date of birth: a full date or, in old records, only the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BirthDate {
    Full(Date),
    YearOnly(i32),
}

impl BirthDate {
    /// Parses a date-of-birth cell (see [`crate::people`] for the forms). A bare year is
    /// accepted only when `allow_year_only` is set.
    #[allow(clippy::many_single_char_names)] // d, m, y and the three parts read best short
    pub fn parse_cell(input: &str, allow_year_only: bool) -> Result<Self, PersonError> {
        let s = input.trim().trim_start_matches('\'').trim();
        if s.is_empty() {
            return Err(PersonError::BirthDateEmpty);
        }
        let unreadable = || PersonError::BirthDateUnreadable { value: echo(s) };
        // A number: a year or an Excel serial (possibly with a time fraction).
        if let Some(n) = plain_number(s) {
            let (int, frac) = n;
            if int.len() == 4 && frac.is_empty() {
                let year: i32 = int.parse().map_err(|_| unreadable())?;
                if !(1800..=9999).contains(&year) {
                    return Err(unreadable());
                }
                return if allow_year_only {
                    Ok(Self::YearOnly(year))
                } else {
                    Err(PersonError::BirthDateYearOnly { year })
                };
            }
            if int.len() > 7 {
                return Err(unreadable());
            }
            let serial: f64 = format!("{int}.{}", if frac.is_empty() { "0" } else { frac })
                .parse()
                .map_err(|_| unreadable())?;
            return Date::from_excel_serial(serial)
                .map(Self::Full)
                .ok_or_else(unreadable);
        }
        // Drop a time of day: `1990-01-31T00:00:00`, `31/01/1990 00:00:00`.
        let date_part = s
            .split([' ', 'T'])
            .next()
            .unwrap_or(s)
            .trim_end_matches(',');
        let sep = date_part
            .chars()
            .find(|c| matches!(c, '/' | '-' | '.'))
            .ok_or_else(unreadable)?;
        let mut parts = date_part.split(sep);
        let (Some(a), Some(b), Some(c), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(unreadable());
        };
        if [a, b, c]
            .iter()
            .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|x| x.is_ascii_digit()))
        {
            return Err(unreadable());
        }
        let num = |p: &str| p.parse::<u32>().map_err(|_| unreadable());
        let (y, m, d) = if a.len() == 4 {
            (num(a)?, num(b)?, num(c)?)
        } else if c.len() == 4 {
            (num(c)?, num(b)?, num(a)?)
        } else if c.len() <= 2 && a.len() <= 2 {
            return Err(PersonError::BirthDateTwoDigitYear {
                value: echo(date_part),
            });
        } else {
            return Err(unreadable());
        };
        let y = i32::try_from(y).map_err(|_| unreadable())?;
        if !(1800..=9999).contains(&y) {
            return Err(unreadable());
        }
        Date::new(y, m, d)
            .map(Self::Full)
            .ok_or_else(|| PersonError::BirthDateNotReal {
                value: echo(date_part),
            })
    }

    #[must_use]
    pub const fn year(&self) -> i32 {
        match self {
            Self::Full(d) => d.year(),
            Self::YearOnly(y) => *y,
        }
    }

    /// Completed years on a date. With only the year known, the birthday is taken as 31
    /// December: the age is never overstated, so nobody is counted as an adult too early.
    #[must_use]
    pub fn age_on(&self, on: &Date) -> u32 {
        match self {
            Self::Full(d) => d.age_on(on),
            Self::YearOnly(y) => Date::from_parts_unchecked(*y, 12, 31).age_on(on),
        }
    }

    /// Is the birth after `on`? With only the year, a year after `on`'s.
    #[must_use]
    pub fn is_after(&self, on: &Date) -> bool {
        match self {
            Self::Full(d) => d > on,
            Self::YearOnly(y) => *y > on.year(),
        }
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(d) => d.fmt(f),
            Self::YearOnly(y) => write!(f, "{y:04}"),
        }
    }
}

/// Is a person born on `birth` 18 or older on `on`?
#[must_use]
pub fn is_adult(birth: &BirthDate, on: &Date) -> bool {
    birth.age_on(on) >= ADULT_AGE
}

/// `(integer digits, fraction digits)` of an unsigned decimal number (`.` or `,` as the point).
fn plain_number(s: &str) -> Option<(&str, &str)> {
    let (int, frac) = s.split_once(['.', ',']).unwrap_or((s, ""));
    (!int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (frac.is_empty() || s.len() > int.len() + 1))
        .then_some((int, frac))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::test_util::d;
    use proptest::prelude::*;

    #[test]
    fn ages() {
        let b = d(2008, 6, 2);
        assert_eq!(b.age_on(&d(2026, 6, 1)), 17);
        assert_eq!(b.age_on(&d(2026, 6, 2)), 18);
        assert_eq!(b.age_on(&d(2000, 1, 1)), 0);
        let leap = d(2008, 2, 29);
        assert_eq!(leap.age_on(&d(2026, 2, 28)), 17);
        assert_eq!(leap.age_on(&d(2026, 3, 1)), 18);
        assert!(!is_adult(&BirthDate::Full(b), &d(2026, 6, 1)));
        assert!(is_adult(&BirthDate::Full(b), &d(2026, 6, 2)));
        // Year only: the birthday is taken as 31 December.
        assert!(!is_adult(&BirthDate::YearOnly(2008), &d(2026, 12, 30)));
        assert!(is_adult(&BirthDate::YearOnly(2008), &d(2026, 12, 31)));
    }

    #[test]
    fn birth_date_forms() {
        let want = BirthDate::Full(d(1990, 1, 5));
        for s in [
            "05/01/1990",
            "5/1/1990",
            "05-01-1990",
            "05.01.1990",
            "1990-01-05",
            "1990-01-05T00:00:00",
            "05/01/1990 00:00:00",
            " 5/01/1990 ",
            "'05/01/1990",
            "32878",
            "32878.0",
            "32878.75",
        ] {
            assert_eq!(BirthDate::parse_cell(s, false), Ok(want), "{s:?}");
        }
        assert_eq!(
            BirthDate::parse_cell("1990", true),
            Ok(BirthDate::YearOnly(1990))
        );
        assert_eq!(
            BirthDate::parse_cell("1990", false),
            Err(PersonError::BirthDateYearOnly { year: 1990 })
        );
        assert_eq!(
            BirthDate::parse_cell("31/02/1990", false),
            Err(PersonError::BirthDateNotReal {
                value: "31/02/1990".into()
            })
        );
        assert_eq!(
            BirthDate::parse_cell("5/1/90", false),
            Err(PersonError::BirthDateTwoDigitYear {
                value: "5/1/90".into()
            })
        );
        assert_eq!(
            BirthDate::parse_cell("", false),
            Err(PersonError::BirthDateEmpty)
        );
        for bad in [
            "hôm qua",
            "05/01",
            "05/01/1990/1",
            "05/01-1990",
            "60",
            "1/1/0990",
            "12345678",
        ] {
            assert!(
                matches!(
                    BirthDate::parse_cell(bad, true),
                    Err(PersonError::BirthDateUnreadable { .. })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            BirthDate::parse_cell("13/13/1990", false),
            Err(PersonError::BirthDateNotReal {
                value: "13/13/1990".into()
            })
        );
    }

    proptest! {
        #[test]
        fn written_dates_parse_back(days in -25_000i64..20_000) {
            let date = Date::from_days_since_epoch(days).unwrap();
            prop_assert_eq!(BirthDate::parse_cell(&date.to_string(), false), Ok(BirthDate::Full(date)));
            if let Some(serial) = date.to_excel_serial() {
                prop_assert_eq!(Date::from_excel_serial(serial as f64), Some(date));
            }
        }
    }
}

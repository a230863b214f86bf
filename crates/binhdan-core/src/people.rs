//! People in imported rosters (a village's residents, a school's students, an agency's staff,
//! an enterprise's workers) and the official population figures: the pure rules that check one
//! row, cell by cell and across cells.
//!
//! Cells arrive as text, the way `binhdan-tabular`'s `cell_text` renders them (a number without
//! `.0` or scientific notation, an Excel date as `dd/mm/yyyy`), so the same rules serve CSV and
//! XLSX files.
//!
//! # Names
//!
//! [`PersonName`] does not require two words: some ethnic minorities (Ê Đê, Gia Rai, Ba Na…)
//! record a single given name, and a roster must accept them. A name written wholly in capitals
//! (`NGUYỄN VĂN AN`, common in official lists) is stored in title case.
//!
//! # Dates
//!
//! [`Date`] is a proleptic Gregorian calendar date, with its own arithmetic (no date crate).
//! [`BirthDate::parse_cell`] reads `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy`,
//! `yyyy-mm-dd` (a trailing time such as ` 00:00:00` is ignored) and an Excel serial number in the
//! 1900 date system, where Excel's non-existent 29 February 1900 (serial 60) is refused. A bare
//! four-digit number is a year, accepted only when the rules allow year-only records; a serial
//! number therefore needs five digits (dates from 18 May 1927 on), which every living person
//! under 99 has.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, is_nfc_quick};

use crate::cccd::{Cccd, Sex};
use crate::import::{Columns, Field, RowError};
use crate::kpi::Group;
use crate::msg::{Localized, Msg};
use crate::text;
use crate::time::Timestamp;
use crate::unit::{UnitCode, UnitLevel};

/// The longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest free text (class, position, village name) accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// The oldest age accepted on the evaluation date.
pub const MAX_AGE: u32 = 120;
/// The age of majority.
pub const ADULT_AGE: u32 = 18;

/// Characters of a refused value repeated in an error message.
const ECHO_CHARS: usize = 40;

fn echo(s: &str) -> String {
    s.trim().chars().take(ECHO_CHARS).collect()
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a cell of a person or population row was refused. None holds a full CCCD.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    #[error("no name given")]
    NameEmpty,
    #[error("a name has at most {max} characters")]
    NameTooLong { max: usize },
    #[error("{character:?} cannot be part of a name")]
    NameInvalidCharacter { character: char },
    #[error("no date of birth given")]
    BirthDateEmpty,
    #[error("{value:?} is not a date")]
    BirthDateUnreadable { value: String },
    #[error("{value:?} is not a real date")]
    BirthDateNotReal { value: String },
    #[error("{value:?} has a two-digit year")]
    BirthDateTwoDigitYear { value: String },
    #[error("only the year {year} is given")]
    BirthDateYearOnly { year: i32 },
    #[error("the date of birth {date} is after {on}")]
    BirthDateInFuture { date: String, on: String },
    #[error("aged {age}, over {max}")]
    TooOld { age: u32, max: u32 },
    #[error("{value:?} is not a phone number")]
    PhoneInvalid { value: String },
    #[error("{value:?} is not a mobile number")]
    PhoneNotMobile { value: String },
    #[error("{value:?} is not a sex")]
    SexUnknown { value: String },
    #[error("{value:?} is not a school grade from 1 to 12")]
    GradeInvalid { value: String },
    #[error("at most {max} characters")]
    TextTooLong { max: usize },
    #[error("village {village} is not in commune {commune}")]
    UnitMismatch { village: String, commune: String },
    #[error("the commune column says {named}, the commune code column {coded}")]
    CommuneMismatch { named: String, coded: String },
    #[error("CCCD {cccd} repeats row {first_row}")]
    CccdRepeated { cccd: String, first_row: usize },
    #[error("{value:?} is not a target group")]
    GroupUnknown { value: String },
    #[error("{value:?} is not a whole number")]
    CountInvalid { value: String },
    #[error("a count cannot be negative")]
    CountNegative,
    #[error("unit {unit}, group {} repeats row {first_row}", group.as_str())]
    PopulationRepeated {
        unit: String,
        group: Group,
        first_row: usize,
    },
}

impl Localized for PersonError {
    fn msg(&self) -> Msg {
        match self {
            Self::NameEmpty => Msg::new("person-name-empty"),
            Self::NameTooLong { max } => Msg::new("person-name-too-long").arg("max", max),
            Self::NameInvalidCharacter { character } => {
                Msg::new("person-name-invalid-character").arg("character", character)
            }
            Self::BirthDateEmpty => Msg::new("person-birth-date-empty"),
            Self::BirthDateUnreadable { value } => {
                Msg::new("person-birth-date-unreadable").arg("value", value)
            }
            Self::BirthDateNotReal { value } => {
                Msg::new("person-birth-date-not-real").arg("value", value)
            }
            Self::BirthDateTwoDigitYear { value } => {
                Msg::new("person-birth-date-two-digit-year").arg("value", value)
            }
            Self::BirthDateYearOnly { year } => {
                Msg::new("person-birth-date-year-only").arg("year", year)
            }
            Self::BirthDateInFuture { date, on } => Msg::new("person-birth-date-future")
                .arg("date", date)
                .arg("on", on),
            Self::TooOld { age, max } => Msg::new("person-too-old").arg("age", age).arg("max", max),
            Self::PhoneInvalid { value } => Msg::new("person-phone-invalid").arg("value", value),
            Self::PhoneNotMobile { value } => {
                Msg::new("person-phone-not-mobile").arg("value", value)
            }
            Self::SexUnknown { value } => Msg::new("person-sex-unknown").arg("value", value),
            Self::GradeInvalid { value } => Msg::new("person-grade-invalid").arg("value", value),
            Self::TextTooLong { max } => Msg::new("person-text-too-long").arg("max", max),
            Self::CommuneMismatch { named, coded } => Msg::new("person-commune-mismatch")
                .arg("name", named)
                .arg("named", named)
                .arg("coded", coded),
            Self::UnitMismatch { village, commune } => Msg::new("person-unit-mismatch")
                .arg("village", village)
                .arg("commune", commune),
            Self::CccdRepeated { cccd, first_row } => Msg::new("person-cccd-repeated")
                .arg("cccd", cccd)
                .arg("first_row", first_row),
            Self::GroupUnknown { value } => {
                Msg::new("population-group-unknown").arg("value", value)
            }
            Self::CountInvalid { value } => {
                Msg::new("population-count-invalid").arg("value", value)
            }
            Self::CountNegative => Msg::new("population-count-negative"),
            Self::PopulationRepeated {
                unit,
                group,
                first_row,
            } => Msg::new("population-repeated")
                .arg("unit", unit)
                .arg("group", group.as_str())
                .arg("first_row", first_row),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Names

/// A person's full name: NFC, single spaces, 1–100 characters of letters, spaces, `'` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// Parses a name as typed. Typographic apostrophes (`’`, `ʼ`) become `'`; a name written
    /// wholly in capitals is put in title case.
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        // Most names are already NFC (every precomposed Vietnamese letter is): skip the
        // normalisation then, it is the costliest step of a million-row import.
        let cleaned = if is_nfc_quick(input.chars()) == IsNormalized::Yes {
            std::borrow::Cow::Borrowed(input)
        } else {
            std::borrow::Cow::Owned(text::clean(input))
        };
        let mut out = String::with_capacity(cleaned.len());
        let mut count = 0usize;
        let mut has_lower = false;
        let mut pending_space = false;
        for c in cleaned.chars() {
            if c.is_whitespace() || c.is_control() {
                pending_space = true;
                continue;
            }
            if pending_space && !out.is_empty() {
                out.push(' ');
                count += 1;
            }
            pending_space = false;
            count += 1;
            let c = match c {
                '\u{2019}' | '\u{02bc}' | '\u{2018}' | '`' => '\'',
                '\u{2010}' | '\u{2011}' => '-',
                c => c,
            };
            if !(is_letter(c) || matches!(c, '\'' | '-')) {
                return Err(PersonError::NameInvalidCharacter { character: c });
            }
            has_lower |= c.is_lowercase();
            out.push(c);
        }
        if out.is_empty() {
            return Err(PersonError::NameEmpty);
        }
        if count > MAX_NAME_CHARS {
            return Err(PersonError::NameTooLong {
                max: MAX_NAME_CHARS,
            });
        }
        if !has_lower {
            out = title_case(&out);
        }
        Ok(Self(out))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which two spellings of one name meet (see [`text::identity_key`]).
    #[must_use]
    pub fn identity_key(&self) -> String {
        text::identity_key(&self.0)
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A letter or a combining mark; Vietnamese letters (Latin-1, Latin Extended and Latin
/// Extended Additional) are recognised without Unicode's slower tables.
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}') && c != '×' && c != '÷')
        || (!c.is_ascii() && (c.is_alphabetic() || is_combining_mark(c)))
}

/// `NGUYỄN VĂN AN` → `Nguyễn Văn An`; `H'HEN NIÊ` → `H'hen Niê` (a letter after `'` or `-`
/// stays lower case, as the registry writes such names).
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ';
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dates

/// A calendar date (proleptic Gregorian), years 1–9999. Orders chronologically; shows as
/// `dd/mm/yyyy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    y: i32,
    m: u8,
    d: u8,
}

/// The campaign's default evaluation date (its 2026 deadline): adults are those 18 or older on
/// it.
pub const DEFAULT_EVALUATION_DATE: Date = Date {
    y: 2026,
    m: 12,
    d: 31,
};

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
const MILLIS_PER_DAY: i64 = 86_400_000;
/// Vietnam's time zone, UTC+7 all year.
const VIETNAM_OFFSET_MILLIS: i64 = 7 * 3_600_000;

impl Date {
    /// 1 January 1970.
    pub const EPOCH: Self = Self {
        y: 1970,
        m: 1,
        d: 1,
    };

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
            (t.millis().saturating_add(VIETNAM_OFFSET_MILLIS)).div_euclid(MILLIS_PER_DAY),
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

/// A date of birth: a full date or, in old records, only the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BirthDate {
    Full(Date),
    YearOnly(i32),
}

impl BirthDate {
    /// Parses a date-of-birth cell (see the module documentation for the forms). A bare year is
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
            Self::YearOnly(y) => Date {
                y: *y,
                m: 12,
                d: 31,
            }
            .age_on(on),
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

// ---------------------------------------------------------------------------------------------
// Phones and sex

/// A Vietnamese mobile number, `0` and nine digits with a mobile prefix (03, 05, 07, 08, 09).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// Old 11-digit prefixes and their 10-digit replacements (the 2018 renumbering).
const OLD_PREFIXES: [(&str, &str); 21] = [
    ("0162", "032"),
    ("0163", "033"),
    ("0164", "034"),
    ("0165", "035"),
    ("0166", "036"),
    ("0167", "037"),
    ("0168", "038"),
    ("0169", "039"),
    ("0120", "070"),
    ("0121", "079"),
    ("0122", "077"),
    ("0126", "076"),
    ("0128", "078"),
    ("0123", "083"),
    ("0124", "084"),
    ("0125", "085"),
    ("0127", "081"),
    ("0129", "082"),
    ("0186", "056"),
    ("0188", "058"),
    ("0199", "059"),
];

impl Phone {
    /// Parses a number as typed or exported: spaces, dots, dashes and brackets between digits;
    /// `+84`, `84`, `0084` in front; the leading zero lost by Excel (`912345678`); Excel's
    /// `'` text marker and `.0`; an old 11-digit number (`0168…`) is renumbered.
    pub fn parse(input: &str) -> Result<Self, PersonError> {
        let s = input.trim();
        let invalid = || PersonError::PhoneInvalid { value: echo(s) };
        let body = s.trim_start_matches('\'');
        let body = body.strip_suffix(".0").unwrap_or(body);
        let (plus, body) = match body.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let mut digits = String::with_capacity(12);
        for c in body.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if !(c.is_whitespace() || matches!(c, '.' | '-' | '(' | ')' | '/')) {
                return Err(invalid());
            }
            if digits.len() > 14 {
                return Err(invalid());
            }
        }
        let national = if plus {
            let rest = digits.strip_prefix("84").ok_or_else(invalid)?;
            format!("0{rest}")
        } else if let Some(rest) = digits.strip_prefix("0084") {
            format!("0{rest}")
        } else if digits.len() == 11 && digits.starts_with("84") {
            format!("0{}", &digits[2..])
        } else if digits.len() == 9 && !digits.starts_with('0') {
            format!("0{digits}")
        } else {
            digits
        };
        let national = match national.len() {
            11 => {
                let (old, new) = OLD_PREFIXES
                    .iter()
                    .find(|(old, _)| national.starts_with(old))
                    .ok_or_else(invalid)?;
                format!("{new}{}", &national[old.len()..])
            }
            _ => national,
        };
        let bytes = national.as_bytes();
        if bytes.len() != 10 || bytes[0] != b'0' {
            return Err(invalid());
        }
        if !matches!(bytes[1], b'3' | b'5' | b'7' | b'8' | b'9') {
            return Err(PersonError::PhoneNotMobile { value: echo(s) });
        }
        Ok(Self(national))
    }

    /// The number as `0xxxxxxxxx`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a sex cell: `Nam`/`Nữ` in any case with or without diacritics, `M`/`F`, `male`/`female`.
pub fn parse_sex(input: &str) -> Result<Sex, PersonError> {
    match input.trim() {
        "Nam" | "nam" | "NAM" => return Ok(Sex::Male),
        "Nữ" | "nữ" | "NỮ" => return Ok(Sex::Female),
        _ => {}
    }
    match text::search_key(input).as_str() {
        "nam" | "m" | "male" | "trai" => Ok(Sex::Male),
        "nu" | "f" | "female" | "gai" => Ok(Sex::Female),
        _ => Err(PersonError::SexUnknown { value: echo(input) }),
    }
}

fn parse_text(input: &str) -> Result<String, PersonError> {
    let s = text::clean(input);
    if s.chars().count() > MAX_TEXT_CHARS {
        Err(PersonError::TextTooLong {
            max: MAX_TEXT_CHARS,
        })
    } else {
        Ok(s)
    }
}

/// A school grade from `Khối` (`6`, `Khối 6`) or the grade part of a class (`6A1`, `Lớp 10A`).
fn parse_grade(input: &str) -> Result<u8, PersonError> {
    let key = text::search_key(input);
    let key = key
        .strip_prefix("lop")
        .or_else(|| key.strip_prefix("khoi"))
        .unwrap_or(&key)
        .trim_start();
    let digits: String = key.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse::<u8>()
        .ok()
        .filter(|g| (1..=12).contains(g))
        .ok_or_else(|| PersonError::GradeInvalid { value: echo(input) })
}

// ---------------------------------------------------------------------------------------------
// Person rows

/// Field numbers in [`PERSON_FIELDS`].
pub mod pf {
    pub const NAME: usize = 0;
    pub const CCCD: usize = 1;
    pub const BIRTH: usize = 2;
    pub const SEX: usize = 3;
    pub const VILLAGE_CODE: usize = 4;
    pub const COMMUNE_CODE: usize = 5;
    pub const UNIT_CODE: usize = 6;
    pub const VILLAGE: usize = 7;
    pub const PHONE: usize = 8;
    pub const GRADE: usize = 9;
    pub const CLASS: usize = 10;
    pub const POSITION: usize = 11;
    pub const COMMUNE: usize = 12;
}

/// The columns of a roster of people. Name, CCCD and date of birth are required; the sex, when
/// absent, is taken from the CCCD.
pub const PERSON_FIELDS: [Field; 13] = [
    Field {
        name: "name",
        aliases: &["Họ và tên", "Họ tên", "ho_ten", "ho_va_ten", "full_name"],
        required: true,
    },
    Field {
        name: "cccd",
        aliases: &[
            "Số CCCD",
            "CCCD",
            "Số định danh cá nhân",
            "Số định danh",
            "Số căn cước",
            "Số căn cước công dân",
            "so_cccd",
            "id_number",
        ],
        required: true,
    },
    Field {
        name: "birth_date",
        aliases: &["Ngày sinh", "Ngày tháng năm sinh", "ngay_sinh", "dob"],
        required: true,
    },
    Field {
        name: "sex",
        aliases: &["Giới tính", "gioi_tinh", "gender"],
        required: false,
    },
    Field {
        name: "village_code",
        aliases: &["Mã thôn", "ma_thon", "Mã thôn, bản", "Mã tổ dân phố"],
        required: false,
    },
    Field {
        name: "commune_code",
        aliases: &["Mã xã", "ma_xa", "Mã phường", "Mã xã, phường"],
        required: false,
    },
    Field {
        name: "unit_code",
        aliases: &["Mã đơn vị", "ma_don_vi"],
        required: false,
    },
    Field {
        name: "village",
        aliases: &[
            "Thôn",
            "Thôn, bản",
            "Thôn/bản",
            "Tổ dân phố",
            "Thôn, tổ dân phố",
            "thon",
        ],
        required: false,
    },
    Field {
        name: "phone",
        aliases: &[
            "Số điện thoại",
            "Điện thoại",
            "SĐT",
            "so_dien_thoai",
            "mobile",
        ],
        required: false,
    },
    Field {
        name: "grade",
        aliases: &["Khối", "khoi", "Khối lớp"],
        required: false,
    },
    Field {
        name: "class",
        aliases: &["Lớp", "lop"],
        required: false,
    },
    Field {
        name: "position",
        aliases: &["Chức vụ", "chuc_vu", "Chức danh", "job_title"],
        required: false,
    },
    // The commune by name (`Xã Hoằng Hóa`, `hoang hoa`, `PHƯỜNG HẠC THÀNH`) or by code.
    Field {
        name: "commune",
        aliases: &[
            "Xã/Phường",
            "Xã, phường",
            "Xã, phường, đặc khu",
            "Xã/Phường/Đặc khu",
            "Xã",
            "Phường",
            "Tên xã",
            "Tên xã, phường",
            "Đơn vị hành chính cấp xã",
            "xa_phuong",
            "commune_name",
        ],
        required: false,
    },
];

/// What the checks of a person row depend on besides the row.
#[derive(Clone, Copy, Debug)]
pub struct PersonRules {
    /// The day ages are computed on and after which no one can be born.
    pub evaluation_date: Date,
    /// Accept a date of birth that is only a year (old records).
    pub allow_year_only: bool,
}

/// A person row that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRow {
    /// The spreadsheet row number.
    pub row: usize,
    pub name: PersonName,
    pub cccd: Cccd,
    pub birth: BirthDate,
    /// From the sex column, or from the CCCD when there is none.
    pub sex: Sex,
    /// The most precise unit code given: the village's, else the commune's, else `unit_code`.
    pub unit: Option<UnitCode>,
    /// A village named rather than coded, as written (the store resolves it in the commune).
    pub village_name: Option<String>,
    /// A commune named rather than coded, as written (resolved in the province).
    pub commune_name: Option<String>,
    pub phone: Option<Phone>,
    /// 1–12, from `Khối` or the grade part of `Lớp`.
    pub grade: Option<u8>,
    /// The class as written (`6A1`).
    pub class: Option<String>,
    pub position: Option<String>,
}

impl PersonRow {
    /// Is the person 18 or older on `on`?
    #[must_use]
    pub fn is_adult(&self, on: &Date) -> bool {
        is_adult(&self.birth, on)
    }
}

/// Checks one person row; `row_no` is the spreadsheet row number. Every bad cell is reported;
/// the CCCD is then checked against the date of birth and the sex (errors on the CCCD column,
/// with the number masked), and the date of birth against the evaluation date.
pub fn parse_person_row(
    columns: &Columns,
    row_no: usize,
    cells: &[String],
    rules: &PersonRules,
) -> Result<PersonRow, Vec<RowError>> {
    let fields = &PERSON_FIELDS;
    let mut errors = Vec::new();
    let mut fail = |field: usize, msg: Msg| errors.push(columns.error(fields, row_no, field, msg));
    let cell = |field: usize| columns.cell(cells, field);

    let name = match PersonName::parse(cell(pf::NAME).unwrap_or_default()) {
        Ok(n) => Some(n),
        Err(e) => {
            fail(pf::NAME, e.msg());
            None
        }
    };
    let cccd = match Cccd::parse(cell(pf::CCCD).unwrap_or_default()) {
        Ok(c) => Some(c),
        Err(e) => {
            fail(pf::CCCD, e.msg());
            None
        }
    };
    let birth =
        match BirthDate::parse_cell(cell(pf::BIRTH).unwrap_or_default(), rules.allow_year_only) {
            Ok(b) => {
                let on = &rules.evaluation_date;
                if b.is_after(on) {
                    fail(
                        pf::BIRTH,
                        PersonError::BirthDateInFuture {
                            date: b.to_string(),
                            on: on.to_string(),
                        }
                        .msg(),
                    );
                    None
                } else if b.age_on(on) > MAX_AGE {
                    fail(
                        pf::BIRTH,
                        PersonError::TooOld {
                            age: b.age_on(on),
                            max: MAX_AGE,
                        }
                        .msg(),
                    );
                    None
                } else {
                    Some(b)
                }
            }
            Err(e) => {
                fail(pf::BIRTH, e.msg());
                None
            }
        };
    let sex = match cell(pf::SEX).map(parse_sex) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            fail(pf::SEX, e.msg());
            None
        }
    };

    let mut code = |field: usize, level: Option<UnitLevel>| {
        let c = cell(field)?;
        let parsed = match level {
            Some(level) => UnitCode::parse_cell(c, level),
            None => UnitCode::parse(c),
        };
        match parsed {
            Ok(code) => Some(code),
            Err(e) => {
                fail(field, e.msg());
                None
            }
        }
    };
    let village_code = code(pf::VILLAGE_CODE, Some(UnitLevel::Village));
    let commune_code = code(pf::COMMUNE_CODE, Some(UnitLevel::Commune));
    let unit_code = code(pf::UNIT_CODE, None);
    // The commune column holds a name, or a code (digits, as Excel may have mangled them).
    let (commune_code, commune_name) = match cell(pf::COMMUNE) {
        Some(c)
            if c.chars()
                .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '\'') =>
        {
            match UnitCode::parse_cell(c, UnitLevel::Commune) {
                Ok(named) => match &commune_code {
                    Some(coded) if coded != &named => {
                        fail(
                            pf::COMMUNE,
                            PersonError::CommuneMismatch {
                                named: named.as_str().to_owned(),
                                coded: coded.as_str().to_owned(),
                            }
                            .msg(),
                        );
                        (commune_code, None)
                    }
                    _ => (Some(named), None),
                },
                Err(e) => {
                    fail(pf::COMMUNE, e.msg());
                    (commune_code, None)
                }
            }
        }
        Some(c) => match parse_text(c) {
            Ok(t) => (commune_code, Some(t)),
            Err(e) => {
                fail(pf::COMMUNE, e.msg());
                (commune_code, None)
            }
        },
        None => (commune_code, None),
    };
    if let (Some(v), Some(c)) = (&village_code, &commune_code)
        && !v.as_str().starts_with(c.as_str())
    {
        fail(
            pf::VILLAGE_CODE,
            PersonError::UnitMismatch {
                village: v.as_str().to_owned(),
                commune: c.as_str().to_owned(),
            }
            .msg(),
        );
    }
    let mut optional_text = |field: usize| match cell(field).map(parse_text) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            fail(field, e.msg());
            None
        }
    };
    let village_name = optional_text(pf::VILLAGE);

    let class = optional_text(pf::CLASS);
    let position = optional_text(pf::POSITION);
    let phone = match cell(pf::PHONE).map(Phone::parse) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            fail(pf::PHONE, e.msg());
            None
        }
    };
    let grade = match (cell(pf::GRADE), &class) {
        (Some(g), _) => match parse_grade(g) {
            Ok(g) => Some(g),
            Err(e) => {
                fail(pf::GRADE, e.msg());
                None
            }
        },
        (None, Some(c)) => parse_grade(c).ok(),
        (None, None) => None,
    };

    // Across cells: the CCCD's year and sex digits.
    if let Some(c) = &cccd {
        if let Some(b) = &birth
            && let Err(e) = c.check_birth_year(b.year())
        {
            fail(pf::CCCD, e.msg());
        }
        if let Some(s) = sex
            && let Err(e) = c.check_sex(s)
        {
            fail(pf::CCCD, e.msg());
        }
    }

    match (name, cccd, birth) {
        (Some(name), Some(cccd), Some(birth)) if errors.is_empty() => {
            let sex = sex.unwrap_or_else(|| cccd.sex());
            Ok(PersonRow {
                row: row_no,
                name,
                cccd,
                birth,
                sex,
                unit: village_code.or(commune_code).or(unit_code),
                village_name,
                commune_name,
                phone,
                grade,
                class,
                position,
            })
        }
        _ => Err(errors),
    }
}

/// Finds CCCDs that repeat within a file as rows stream by, remembering each number's first
/// row (about 40 bytes a person).
#[derive(Debug, Default)]
pub struct CccdRepeats {
    /// The 12 digits as a number (below 10^12), to its first row.
    seen: HashMap<u64, usize, BuildHasherDefault<MixHasher>>,
}

/// A fast hasher for keys that are already well spread numbers (a CCCD's digits), not for
/// input an attacker chooses to collide: each key is one number from one official's file.
#[derive(Debug, Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        // The finaliser of SplitMix64.
        let mut z = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

fn cccd_number(c: &Cccd) -> u64 {
    c.expose()
        .bytes()
        .fold(0u64, |n, b| n * 10 + u64::from(b - b'0'))
}

impl CccdRepeats {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `rows` numbers up front (a file's row count, when known, spares rehashing).
    #[must_use]
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            seen: HashMap::with_capacity_and_hasher(rows, BuildHasherDefault::default()),
        }
    }

    /// `None` for a number seen first here; otherwise the error for this row, naming the row
    /// it repeats (on the CCCD column, with the number masked).
    pub fn check(&mut self, row: &PersonRow, columns: &Columns) -> Option<RowError> {
        match self.seen.entry(cccd_number(&row.cccd)) {
            std::collections::hash_map::Entry::Occupied(first) => Some(RowError {
                row: row.row,
                column: columns.header(pf::CCCD, &PERSON_FIELDS),
                msg: PersonError::CccdRepeated {
                    cccd: row.cccd.masked(),
                    first_row: *first.get(),
                }
                .msg(),
            }),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(row.row);
                None
            }
        }
    }
}

/// Every row whose CCCD repeats an earlier row's, reported against the row it repeats.
#[must_use]
pub fn duplicate_cccds(rows: &[PersonRow], columns: &Columns) -> Vec<RowError> {
    let mut repeats = CccdRepeats::new();
    rows.iter()
        .filter_map(|r| repeats.check(r, columns))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Population figures

/// The columns of a file of official population figures: one count per unit and group.
pub const POPULATION_FIELDS: [Field; 3] = [
    Field {
        name: "unit_code",
        aliases: &[
            "Mã đơn vị",
            "ma_don_vi",
            "Mã xã",
            "Mã thôn",
            "Mã tỉnh",
            "Mã",
            "unit",
        ],
        required: true,
    },
    Field {
        name: "group",
        aliases: &["Đối tượng", "doi_tuong", "Nhóm", "Nhóm đối tượng"],
        required: true,
    },
    Field {
        name: "count",
        aliases: &["Số lượng", "so_luong", "Số người", "Tổng số", "Dân số"],
        required: true,
    },
];

/// A population figure that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationRow {
    pub row: usize,
    pub unit_code: UnitCode,
    pub group: Group,
    pub count: u32,
}

/// Reads a target group in Vietnamese or English (`Người trưởng thành`, `adult`, `Học sinh`,
/// `CBCCVC`, `Cán bộ, công chức, viên chức`, `public_servant`, `Người lao động`, `worker`…).
pub fn parse_group(input: &str) -> Result<Group, PersonError> {
    let key = text::search_key(input).replace(' ', "");
    match key.as_str() {
        "nguoitruongthanh" | "truongthanh" | "nguoidan" | "adult" | "adults" => Ok(Group::Adult),
        "hocsinh" | "student" | "students" | "hocsinhsinhvien" => Ok(Group::Student),
        "cbccvc"
        | "cbccvcnld"
        | "canbocongchucvienchuc"
        | "canbocongchucvienchucnguoilaodong"
        | "publicservant"
        | "publicservants" => Ok(Group::PublicServant),
        "nguoilaodong" | "laodong" | "congnhan" | "worker" | "workers" => Ok(Group::Worker),
        _ => Err(PersonError::GroupUnknown { value: echo(input) }),
    }
}

/// Reads a count as officials type it: `1234`, `1.234`, `1,234`, `1 234` (thousands
/// separators, where each group after the first has three digits), `1234.0` (a spreadsheet's
/// number). A fraction such as `1,5` or a negative number is refused.
pub fn parse_count(input: &str) -> Result<u32, PersonError> {
    let s: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    let invalid = || PersonError::CountInvalid { value: echo(input) };
    if s.is_empty() {
        return Err(invalid());
    }
    if s.starts_with('-') && s.len() > 1 {
        return Err(PersonError::CountNegative);
    }
    let digits = if s.bytes().all(|b| b.is_ascii_digit()) {
        s
    } else if let Some(sep) = s.chars().find(|c| matches!(c, '.' | ','))
        && let groups = s.split(sep).collect::<Vec<_>>()
        && groups.len() >= 2
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
    {
        groups.concat()
    } else if let Some((int, frac)) = s.split_once(['.', ','])
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
    {
        int.to_owned()
    } else {
        return Err(invalid());
    };
    digits.parse::<u32>().map_err(|_| invalid())
}

/// Checks one population row; `row_no` is the spreadsheet row number.
pub fn parse_population_row(
    columns: &Columns,
    row_no: usize,
    cells: &[String],
) -> Result<PopulationRow, Vec<RowError>> {
    let fields = &POPULATION_FIELDS;
    let mut errors = Vec::new();
    let mut fail = |field: usize, msg: Msg| errors.push(columns.error(fields, row_no, field, msg));
    let unit = match columns.cell(cells, 0) {
        None => {
            fail(0, Msg::new("import-cell-empty"));
            None
        }
        Some(c) => match UnitCode::parse(c.strip_suffix(".0").unwrap_or(c)) {
            Ok(u) => Some(u),
            Err(e) => {
                fail(0, e.msg());
                None
            }
        },
    };
    let group = match columns.cell(cells, 1) {
        None => {
            fail(1, Msg::new("import-cell-empty"));
            None
        }
        Some(g) => match parse_group(g) {
            Ok(g) => Some(g),
            Err(e) => {
                fail(1, e.msg());
                None
            }
        },
    };
    let count = match columns.cell(cells, 2) {
        None => {
            fail(2, Msg::new("import-cell-empty"));
            None
        }
        Some(c) => match parse_count(c) {
            Ok(n) => Some(n),
            Err(e) => {
                fail(2, e.msg());
                None
            }
        },
    };
    match (unit, group, count) {
        (Some(unit_code), Some(group), Some(count)) => Ok(PopulationRow {
            row: row_no,
            unit_code,
            group,
            count,
        }),
        _ => Err(errors),
    }
}

/// Rows that give a second figure for the same unit and group, against the first.
#[must_use]
pub fn duplicate_population(rows: &[PopulationRow], columns: &Columns) -> Vec<RowError> {
    let mut seen: HashMap<(&UnitCode, Group), usize> = HashMap::new();
    let mut errors = Vec::new();
    for r in rows {
        match seen.entry((&r.unit_code, r.group)) {
            std::collections::hash_map::Entry::Occupied(first) => errors.push(RowError {
                row: r.row,
                column: columns.header(1, &POPULATION_FIELDS),
                msg: PersonError::PopulationRepeated {
                    unit: r.unit_code.as_str().to_owned(),
                    group: r.group,
                    first_row: *first.get(),
                }
                .msg(),
            }),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(r.row);
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    fn rules() -> PersonRules {
        PersonRules {
            evaluation_date: d(2026, 6, 1),
            allow_year_only: false,
        }
    }

    #[test]
    fn names() {
        assert_eq!(
            PersonName::parse("  Nguyễn   Văn  An ").unwrap().as_str(),
            "Nguyễn Văn An"
        );
        let nfd: String =
            unicode_normalization::UnicodeNormalization::nfd("Trần Thị Hoà").collect();
        assert_eq!(PersonName::parse(&nfd).unwrap().as_str(), "Trần Thị Hoà");
        assert_eq!(
            PersonName::parse("NGUYỄN VĂN AN").unwrap().as_str(),
            "Nguyễn Văn An"
        );
        assert_eq!(
            PersonName::parse("ĐẶNG THỊ ĐÀO").unwrap().as_str(),
            "Đặng Thị Đào"
        );
        // One-word names (some minorities) and apostrophes and hyphens.
        assert_eq!(PersonName::parse("Y").unwrap().as_str(), "Y");
        assert_eq!(
            PersonName::parse("H’Hen Niê").unwrap().as_str(),
            "H'Hen Niê"
        );
        assert_eq!(
            PersonName::parse("Ksor Y-Đăng").unwrap().as_str(),
            "Ksor Y-Đăng"
        );
        assert_eq!(PersonName::parse(" "), Err(PersonError::NameEmpty));
        assert_eq!(
            PersonName::parse("Nguyễn Văn 2"),
            Err(PersonError::NameInvalidCharacter { character: '2' })
        );
        assert_eq!(
            PersonName::parse(&"a".repeat(101)),
            Err(PersonError::NameTooLong { max: 100 })
        );
        assert!(PersonName::parse(&"ầ".repeat(100)).is_ok());
        assert_eq!(
            PersonName::parse("Nguyễn Văn Hoà").unwrap().identity_key(),
            PersonName::parse("nguyễn văn hòa").unwrap().identity_key()
        );
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

    #[test]
    fn phones() {
        for s in [
            "0912345678",
            "+84912345678",
            "+84 912 345 678",
            "84 912 345 678",
            "84912345678",
            "0084912345678",
            "091.234.5678",
            "0912-345-678",
            "(091) 234 5678",
            "912345678",
            "912345678.0",
            "'0912345678",
        ] {
            assert_eq!(
                Phone::parse(s).map(|p| p.to_string()),
                Ok("0912345678".into()),
                "{s:?}"
            );
        }
        assert_eq!(Phone::parse("01682345678").unwrap().as_str(), "0382345678");
        assert_eq!(Phone::parse("0356789012").unwrap().as_str(), "0356789012");
        assert!(matches!(
            Phone::parse("02438123456"),
            Err(PersonError::PhoneInvalid { .. })
        ));
        assert!(matches!(
            Phone::parse("0243812345"),
            Err(PersonError::PhoneNotMobile { .. })
        ));
        for bad in [
            "091234567",
            "09123456789",
            "abc",
            "+1 912345678",
            "0912x45678",
            "",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sexes() {
        for s in ["Nam", "nam", "NAM", "M", "m", "male", "Male"] {
            assert_eq!(parse_sex(s), Ok(Sex::Male), "{s}");
        }
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Nữ").collect();
        for s in ["Nữ", "nữ", "NỮ", "nu", "F", "female", nfd.as_str()] {
            assert_eq!(parse_sex(s), Ok(Sex::Female), "{s}");
        }
        assert!(parse_sex("khác").is_err());
    }

    // 038 Thanh Hóa, 1 = female born 1900s, 90 = 1990.
    const WOMAN_1990: &str = "038190123456";

    fn cols(h: &[&str]) -> Columns {
        Columns::resolve(&PERSON_FIELDS, &strings(h)).unwrap()
    }

    #[test]
    fn a_good_row_with_vietnamese_headers() {
        let c = cols(&[
            "STT",
            "Họ và tên",
            "Số CCCD",
            "Ngày sinh",
            "Giới tính",
            "Mã xã",
            "Mã thôn",
            "Số điện thoại",
        ]);
        let r = parse_person_row(
            &c,
            5,
            &strings(&[
                "1",
                "TRẦN THỊ HOA",
                "38190123456",
                "5/1/1990",
                "Nữ",
                "16591",
                "16591001",
                "912 345 678",
            ]),
            &rules(),
        )
        .unwrap();
        assert_eq!(r.row, 5);
        assert_eq!(r.name.as_str(), "Trần Thị Hoa");
        assert_eq!(r.cccd.expose(), WOMAN_1990);
        assert_eq!(r.birth, BirthDate::Full(d(1990, 1, 5)));
        assert_eq!(r.sex, Sex::Female);
        assert_eq!(r.unit.as_ref().map(UnitCode::as_str), Some("16591001"));
        assert_eq!(r.phone.as_ref().map(Phone::as_str), Some("0912345678"));
        assert!(r.is_adult(&d(2026, 6, 1)));
    }

    #[test]
    fn english_headers_students_and_sex_from_the_cccd() {
        let c = cols(&["name", "cccd", "dob", "class", "unit_code"]);
        let r = parse_person_row(
            &c,
            2,
            &strings(&["Lò Văn Páo", "001214000123", "2014-09-02", "6A1", "01"]),
            &rules(),
        )
        .unwrap();
        assert_eq!(
            (r.sex, r.grade, r.class.as_deref()),
            (Sex::Male, Some(6), Some("6A1"))
        );
        assert_eq!(r.unit.unwrap().as_str(), "01");
        assert!(!is_adult(&r.birth, &d(2026, 6, 1)));
        let c = cols(&[
            "Họ tên",
            "Số định danh cá nhân",
            "Ngày sinh",
            "Khối",
            "Chức vụ",
        ]);
        let r = parse_person_row(
            &c,
            2,
            &strings(&[
                "Y",
                "001214000123",
                "02/09/2014",
                "Khối 12",
                " Lớp  trưởng ",
            ]),
            &rules(),
        )
        .unwrap();
        assert_eq!(
            (r.grade, r.position.as_deref()),
            (Some(12), Some("Lớp trưởng"))
        );
    }

    #[test]
    fn every_bad_cell_is_reported_and_the_cccd_is_masked() {
        let c = cols(&["Họ và tên", "CCCD", "Ngày sinh", "Giới tính", "SĐT", "Khối"]);
        let errs = parse_person_row(
            &c,
            9,
            &strings(&[
                "Nguyễn 2",
                "038190123456",
                "31/02/1990",
                "khác",
                "123",
                "13",
            ]),
            &rules(),
        )
        .unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.row, e.column.as_str(), e.msg.key))
            .collect();
        assert_eq!(
            got,
            [
                (9, "Họ và tên", "person-name-invalid-character"),
                (9, "Ngày sinh", "person-birth-date-not-real"),
                (9, "Giới tính", "person-sex-unknown"),
                (9, "SĐT", "person-phone-invalid"),
                (9, "Khối", "person-grade-invalid"),
            ]
        );
        let ok_name = "Trần Thị Hoa";
        let errs = parse_person_row(
            &c,
            3,
            &strings(&[ok_name, WOMAN_1990, "05/01/1991", "Nam"]),
            &rules(),
        )
        .unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.column.as_str(), e.msg.key))
            .collect();
        assert_eq!(
            got,
            [
                ("CCCD", "cccd-birth-year-mismatch"),
                ("CCCD", "cccd-sex-mismatch")
            ]
        );
        for e in &errs {
            let text = format!("{e:?}");
            assert!(
                !text.contains(WOMAN_1990) && text.contains("038*******56"),
                "{text}"
            );
        }
        let errs = parse_person_row(&c, 3, &strings(&["", "", ""]), &rules()).unwrap_err();
        let got: Vec<_> = errs.iter().map(|e| e.msg.key).collect();
        assert_eq!(
            got,
            ["person-name-empty", "cccd-empty", "person-birth-date-empty"]
        );
    }

    #[test]
    fn dates_are_checked_against_the_evaluation_date() {
        let c = cols(&["Họ và tên", "CCCD", "Ngày sinh"]);
        let key = |cccd: &str, dob: &str, r: &PersonRules| {
            parse_person_row(&c, 2, &strings(&["An", cccd, dob]), r)
                .map(|_| ())
                .map_err(|e| e.iter().map(|e| e.msg.key).collect::<Vec<_>>())
        };
        assert_eq!(
            key("001226000001", "02/06/2026", &rules()),
            Err(vec!["person-birth-date-future"])
        );
        assert_eq!(key("001226000001", "01/06/2026", &rules()), Ok(()));
        assert_eq!(
            key("001005000001", "01/01/1905", &rules()),
            Err(vec!["person-too-old"])
        );
        assert_eq!(key("001006000001", "02/06/1906", &rules()), Ok(()));
        let year_only = PersonRules {
            allow_year_only: true,
            ..rules()
        };
        assert_eq!(key("001060000001", "1960", &year_only), Ok(()));
        assert_eq!(
            key("001060000001", "1960", &rules()),
            Err(vec!["person-birth-date-year-only"])
        );
    }

    #[test]
    fn village_code_must_lie_in_the_commune() {
        let c = cols(&["Họ và tên", "CCCD", "Ngày sinh", "Mã xã", "Mã thôn", "Thôn"]);
        let errs = parse_person_row(
            &c,
            4,
            &strings(&[
                "An",
                "001090000001",
                "1/1/1990",
                "16591",
                "16636001",
                "Yên Thái",
            ]),
            &rules(),
        )
        .unwrap_err();
        assert_eq!(errs[0].msg.key, "person-unit-mismatch");
        let r = parse_person_row(
            &c,
            4,
            &strings(&["An", "001090000001", "1/1/1990", "16591", "", "Yên  Thái"]),
            &rules(),
        )
        .unwrap();
        assert_eq!(r.unit.unwrap().as_str(), "16591");
        assert_eq!(r.village_name.as_deref(), Some("Yên Thái"));
    }

    #[test]
    fn repeated_cccds_point_to_the_first_row() {
        let c = cols(&["Họ và tên", "CCCD", "Ngày sinh"]);
        let rows: Vec<_> = [
            ("An", "001090000001"),
            ("Bình", "001090000002"),
            ("An B", "1090000001"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (n, cccd))| {
            parse_person_row(&c, i + 2, &strings(&[n, cccd, "1/1/1990"]), &rules()).unwrap()
        })
        .collect();
        let errs = duplicate_cccds(&rows, &c);
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].row, errs[0].column.as_str()), (4, "CCCD"));
        assert_eq!(errs[0].msg.key, "person-cccd-repeated");
        assert!(errs[0].msg.args.contains(&("first_row", "2".to_owned())));
        assert!(
            errs[0]
                .msg
                .args
                .contains(&("cccd", "001*******01".to_owned()))
        );
    }

    #[test]
    fn groups_and_counts() {
        for (s, g) in [
            ("Người trưởng thành", Group::Adult),
            ("adult", Group::Adult),
            ("NGUOI TRUONG THANH", Group::Adult),
            ("Học sinh", Group::Student),
            ("student", Group::Student),
            ("CBCCVC", Group::PublicServant),
            ("Cán bộ, công chức, viên chức", Group::PublicServant),
            ("public_servant", Group::PublicServant),
            ("Người lao động", Group::Worker),
            ("worker", Group::Worker),
        ] {
            assert_eq!(parse_group(s), Ok(g), "{s}");
        }
        assert!(parse_group("trẻ em").is_err());
        for (s, n) in [
            ("1234", 1234),
            ("1.234", 1234),
            ("1,234", 1234),
            ("1 234", 1234),
            ("12.345.678", 12_345_678),
            ("1234.0", 1234),
            ("0", 0),
            ("  42 ", 42),
        ] {
            assert_eq!(parse_count(s), Ok(n), "{s}");
        }
        assert_eq!(parse_count("-5"), Err(PersonError::CountNegative));
        for bad in ["1,5", "1.23", "abc", "", "1.234,5", "99999999999"] {
            assert!(
                matches!(parse_count(bad), Err(PersonError::CountInvalid { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn population_rows() {
        let c = Columns::resolve(
            &POPULATION_FIELDS,
            &strings(&["Mã đơn vị", "Đối tượng", "Số lượng"]),
        )
        .unwrap();
        let rows: Vec<_> = [
            ["16591", "Người trưởng thành", "1.234"],
            ["16591", "Học sinh", "300"],
            ["16591", "adult", "5"],
        ]
        .iter()
        .enumerate()
        .map(|(i, r)| parse_population_row(&c, i + 2, &strings(r)).unwrap())
        .collect();
        assert_eq!(rows[0].count, 1234);
        let errs = duplicate_population(&rows, &c);
        assert_eq!((errs.len(), errs[0].row), (1, 4));
        let errs = parse_population_row(&c, 7, &strings(&["165", "trẻ em", "-1"])).unwrap_err();
        let got: Vec<_> = errs.iter().map(|e| e.msg.key).collect();
        assert_eq!(
            got,
            [
                "unit-code-malformed",
                "population-group-unknown",
                "population-count-negative"
            ]
        );
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -700_000i64..2_900_000) {
            let date = Date::from_days_since_epoch(days).unwrap();
            prop_assert_eq!(date.days_since_epoch(), days);
            prop_assert_eq!(Date::from_days_since_epoch(days + 1).unwrap() > date, true);
        }

        #[test]
        fn written_dates_parse_back(days in -25_000i64..20_000) {
            let date = Date::from_days_since_epoch(days).unwrap();
            prop_assert_eq!(BirthDate::parse_cell(&date.to_string(), false), Ok(BirthDate::Full(date)));
            if let Some(serial) = date.to_excel_serial() {
                prop_assert_eq!(Date::from_excel_serial(serial as f64), Some(date));
            }
        }

        #[test]
        fn any_cell_gives_a_value_or_an_error(s in "\\PC{0,30}") {
            let _ = BirthDate::parse_cell(&s, true);
            let _ = Phone::parse(&s);
            let _ = PersonName::parse(&s);
            let _ = parse_count(&s);
        }
    }
}

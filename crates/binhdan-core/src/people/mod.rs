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

mod date;
mod name;
mod phone;
mod population;
mod row;

use crate::kpi::Group;
use crate::msg::{Localized, Msg};

pub use crate::time::Date;
pub use date::{BirthDate, DEFAULT_EVALUATION_DATE, is_adult};
pub use name::PersonName;
pub use phone::Phone;
pub use population::{
    POPULATION_FIELDS, PopulationRow, duplicate_population, parse_count, parse_group,
    parse_population_row,
};
pub use row::{
    CccdRepeats, PERSON_FIELDS, PersonRow, PersonRules, duplicate_cccds, parse_person_row,
    parse_sex, pf,
};

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

#[cfg(test)]
mod test_util {
    use super::Date;

    pub fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    pub fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_cell_gives_a_value_or_an_error(s in "\\PC{0,30}") {
            let _ = BirthDate::parse_cell(&s, true);
            let _ = Phone::parse(&s);
            let _ = PersonName::parse(&s);
            let _ = parse_count(&s);
        }
    }
}

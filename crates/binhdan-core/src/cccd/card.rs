//! The QR code printed on the chip-based citizen identity card (thẻ căn cước công dân gắn
//! chip, and the căn cước of 2024): seven fields separated by `|`:
//!
//! ```text
//! 12-digit number | old 9-digit CMND (may be empty) | full name | birth date ddmmyyyy |
//! sex (Nam/Nữ) | permanent address | issue date ddmmyyyy
//! ```
//!
//! [`CardQr::parse`] is strict: anything else (another QR code, a field missing or extra, a
//! number whose structure is wrong, a birth date or sex that disagrees with the number, a date
//! that does not exist) is refused with a [`CardQrError`] naming the field. Like [`Cccd`], a
//! card never prints its number: `Debug` shows the masked form, and no error holds more of it.

use std::fmt;

use super::{Cccd, CccdError, Sex};
use crate::msg::{Localized, Msg};
use crate::people::PersonName;
use crate::text;
use crate::time::Date;

/// The longest card text looked at (a long address is under 200 characters).
const MAX_CARD_CHARS: usize = 600;
/// The longest address kept.
const MAX_ADDRESS_CHARS: usize = 300;
/// Fields of a card's QR code.
const FIELDS: usize = 7;

/// What a card's QR code says.
#[derive(Clone, PartialEq, Eq)]
pub struct CardQr {
    pub number: Cccd,
    /// The old 9-digit identity card number, when the card gives one.
    pub old_number: Option<String>,
    pub name: PersonName,
    pub birth_date: Date,
    pub sex: Sex,
    /// NFC, single spaces.
    pub address: String,
    pub issued_on: Date,
}

impl fmt::Debug for CardQr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardQr")
            .field("number", &self.number)
            .field("name", &self.name.as_str())
            .field("birth_date", &self.birth_date)
            .finish_non_exhaustive()
    }
}

/// Why a card's QR text was refused. No variant holds the number unmasked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CardQrError {
    #[error("nothing was scanned")]
    Empty,
    #[error("too long to be a citizen identity card's QR code")]
    TooLong,
    #[error("not a citizen identity card's QR code ({fields} fields instead of 7)")]
    NotACard { fields: usize },
    #[error("the card's number: {0}")]
    Number(CccdError),
    #[error("the card's old number is not 9 digits")]
    OldNumber,
    #[error("the card's name: {}", .0.key)]
    Name(Msg),
    #[error("the card's {field} is not a date ddmmyyyy")]
    BadDate { field: &'static str },
    #[error("the birth date {year} disagrees with the number {masked}")]
    BirthDateMismatch { masked: String, year: i32 },
    #[error("the sex on the card is neither Nam nor Nữ")]
    BadSex,
    #[error("the sex on the card disagrees with the number {masked}")]
    SexMismatch { masked: String },
    #[error("the card's address is too long")]
    AddressTooLong,
    #[error("the card's issue date is before the birth date")]
    IssuedBeforeBirth,
}

impl Localized for CardQrError {
    fn msg(&self) -> Msg {
        match self {
            Self::Empty => Msg::new("card-qr-empty"),
            Self::TooLong => Msg::new("card-qr-too-long"),
            Self::NotACard { fields } => Msg::new("card-qr-not-a-card").arg("fields", fields),
            // The number's own refusal says what is wrong with it.
            Self::Number(e) => e.msg(),
            Self::OldNumber => Msg::new("card-qr-old-number"),
            Self::Name(m) => m.clone(),
            Self::BadDate { field: "birth" } => Msg::new("card-qr-bad-birth-date"),
            Self::BadDate { .. } => Msg::new("card-qr-bad-issue-date"),
            Self::BirthDateMismatch { masked, year } => Msg::new("card-qr-birth-mismatch")
                .arg("cccd", masked)
                .arg("year", year),
            Self::BadSex => Msg::new("card-qr-bad-sex"),
            Self::SexMismatch { masked } => Msg::new("card-qr-sex-mismatch").arg("cccd", masked),
            Self::AddressTooLong => Msg::new("card-qr-address-too-long"),
            Self::IssuedBeforeBirth => Msg::new("card-qr-issued-before-birth"),
        }
    }
}

/// `ddmmyyyy`, exactly eight ASCII digits of a date that exists.
fn parse_date(s: &str, field: &'static str) -> Result<Date, CardQrError> {
    let bad = || CardQrError::BadDate { field };
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let part = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(day), Some(month), Some(year)) = (part(0..2), part(2..4), part(4..8)) else {
        return Err(bad());
    };
    let year = i32::try_from(year).map_err(|_| bad())?;
    Date::new(year, month, day).ok_or_else(bad)
}

impl CardQr {
    /// Parses the text of a card's QR code, strictly (see the module documentation). A
    /// trailing line break, as some scanners add, is ignored.
    pub fn parse(input: &str) -> Result<Self, CardQrError> {
        let s = input.trim_end_matches(['\r', '\n']).trim();
        if s.is_empty() {
            return Err(CardQrError::Empty);
        }
        if s.chars().count() > MAX_CARD_CHARS {
            return Err(CardQrError::TooLong);
        }
        let fields: Vec<&str> = s.split('|').collect();
        let [number, old, name, birth, sex, address, issued] = fields[..] else {
            return Err(CardQrError::NotACard {
                fields: fields.len(),
            });
        };
        debug_assert_eq!(fields.len(), FIELDS);
        // The number as the card prints it: twelve digits, nothing else.
        let number = number.trim();
        if number.len() != Cccd::LEN || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardQrError::Number(match Cccd::parse(number) {
                Err(e) => e,
                // Separators or a lost zero: a card never prints those.
                Ok(_) => CccdError::WrongLength {
                    digits: number.bytes().filter(u8::is_ascii_digit).count(),
                },
            }));
        }
        let number = Cccd::parse(number).map_err(CardQrError::Number)?;
        let old = old.trim();
        let old_number = if old.is_empty() {
            None
        } else if old.len() == 9 && old.bytes().all(|b| b.is_ascii_digit()) {
            Some(old.to_owned())
        } else {
            return Err(CardQrError::OldNumber);
        };
        let name = PersonName::parse(name).map_err(|e| CardQrError::Name(e.msg()))?;
        let birth_date = parse_date(birth.trim(), "birth")?;
        if birth_date.year() != number.birth_year() {
            return Err(CardQrError::BirthDateMismatch {
                masked: number.masked(),
                year: birth_date.year(),
            });
        }
        let sex = match text::clean(sex).as_str() {
            "Nam" | "NAM" | "nam" => Sex::Male,
            "Nữ" | "NỮ" | "nữ" => Sex::Female,
            _ => return Err(CardQrError::BadSex),
        };
        if sex != number.sex() {
            return Err(CardQrError::SexMismatch {
                masked: number.masked(),
            });
        }
        let address = text::clean(address);
        if address.chars().count() > MAX_ADDRESS_CHARS {
            return Err(CardQrError::AddressTooLong);
        }
        let issued_on = parse_date(issued.trim(), "issue")?;
        if issued_on < birth_date {
            return Err(CardQrError::IssuedBeforeBirth);
        }
        Ok(Self {
            number,
            old_number,
            name,
            birth_date,
            sex,
            address,
            issued_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        "038190012345|172345678|Lê Thị Hoa|15031990|Nữ|Thôn Một, xã Hà Trung, Thanh Hóa|20042021";

    #[test]
    fn a_card_parses() {
        let card = CardQr::parse(GOOD).unwrap();
        assert_eq!(card.number.expose(), "038190012345");
        assert_eq!(card.old_number.as_deref(), Some("172345678"));
        assert_eq!(card.name.as_str(), "Lê Thị Hoa");
        assert_eq!(card.birth_date, Date::new(1990, 3, 15).unwrap());
        assert_eq!(card.sex, Sex::Female);
        assert_eq!(card.issued_on, Date::new(2021, 4, 20).unwrap());
        // A scanner's line break, an empty old number, a decomposed name.
        let nfd = "038090012345||Le\u{302} Va\u{306}n Nam|01011990|Nam|Thôn Hai|01072024\r\n";
        let card = CardQr::parse(nfd).unwrap();
        assert_eq!(card.old_number, None);
        assert_eq!(card.name.as_str(), "Lê Văn Nam");
        assert_eq!(card.sex, Sex::Male);
    }

    #[test]
    fn anything_else_is_refused_by_field() {
        let cases: &[(&str, CardQrError)] = &[
            ("", CardQrError::Empty),
            ("https://example.com/x", CardQrError::NotACard { fields: 1 }),
            (
                "038190012345|172345678|Lê Thị Hoa|15031990|Nữ|Thôn Một",
                CardQrError::NotACard { fields: 6 },
            ),
            (
                "038 190 012 345|172345678|Lê Thị Hoa|15031990|Nữ|Thôn|20042021",
                CardQrError::Number(CccdError::WrongLength { digits: 12 }),
            ),
            (
                "999190012345|172345678|Lê Thị Hoa|15031990|Nữ|Thôn|20042021",
                CardQrError::Number(CccdError::UnknownProvince { code: "999".into() }),
            ),
            (
                "038190012345|1723|Lê Thị Hoa|15031990|Nữ|Thôn|20042021",
                CardQrError::OldNumber,
            ),
            (
                "038190012345|172345678|Lê Thị Hoa|31021990|Nữ|Thôn|20042021",
                CardQrError::BadDate { field: "birth" },
            ),
            (
                "038190012345|172345678|Lê Thị Hoa|15031991|Nữ|Thôn|20042021",
                CardQrError::BirthDateMismatch {
                    masked: "038*******45".into(),
                    year: 1991,
                },
            ),
            (
                "038190012345|172345678|Lê Thị Hoa|15031990|Nam|Thôn|20042021",
                CardQrError::SexMismatch {
                    masked: "038*******45".into(),
                },
            ),
            (
                "038190012345|172345678|Lê Thị Hoa|15031990|F|Thôn|20042021",
                CardQrError::BadSex,
            ),
            (
                "038190012345|172345678|Lê Thị Hoa|15031990|Nữ|Thôn|20041980",
                CardQrError::IssuedBeforeBirth,
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(CardQr::parse(input).as_ref(), Err(expected), "{input}");
        }
        assert!(matches!(
            CardQr::parse("038190012345|172345678|Lê 3 Hoa|15031990|Nữ|Thôn|20042021"),
            Err(CardQrError::Name(_))
        ));
        assert_eq!(CardQr::parse(&"x|".repeat(400)), Err(CardQrError::TooLong));
    }

    #[test]
    fn the_number_never_prints() {
        let card = CardQr::parse(GOOD).unwrap();
        assert!(!format!("{card:?}").contains("038190012345"));
        let e = CardQr::parse("038190012345|172345678|Lê Thị Hoa|15031991|Nữ|Thôn|20042021")
            .unwrap_err();
        assert!(!format!("{e:?} {e}").contains("038190012345"));
    }
}

//! The CCCD (căn cước công dân): the 12-digit personal identification number of a Vietnamese
//! citizen, the key of the people registry. It is personal data: this module never prints it.
//!
//! # Structure
//!
//! Decree 137/2015/NĐ-CP (art. 7) and Circular 07/2016/TT-BCA (art. 7, as amended by Circular
//! 59/2021/TT-BCA), kept by the Identity Law 2023 (art. 12) and Decree 70/2024/NĐ-CP:
//!
//! | digits | meaning |
//! | --- | --- |
//! | 1–3 | province where the birth was registered (`001` Hà Nội … `096` Cà Mau), see [`BirthProvince`] |
//! | 4 | century of birth and sex: `0`/`1` 1900–1999 male/female, `2`/`3` 2000–2099, `4`/`5` 2100–2199, `6`/`7` 2200–2299, `8`/`9` 2300–2399 |
//! | 5–6 | last two digits of the year of birth |
//! | 7–12 | a random number (no check digit) |
//!
//! Only the 20th and 21st centuries (`0`–`3`) are accepted: nobody alive was born in a later one,
//! so a `4`–`9` is a typing error.
//!
//! # Privacy
//!
//! [`Cccd`]'s `Debug` and `Display` print the masked form `038*******23`; the digits come out
//! only through [`Cccd::expose`], which is easy to audit. No [`CccdError`] holds more of the
//! number than the masked form. `Cccd` deliberately does not implement `Serialize`: to store it,
//! seal it (crate `binhdan-vault`).
//!
//! # Input from people and spreadsheets
//!
//! [`Cccd::parse`] takes a number as typed or exported by a spreadsheet: spaces, dots and dashes
//! between digits; Excel's text markers (`'038…`, `="038…"`); numbers that lost their leading
//! zeros (`38123456789`, `38123456789.0`, `3.8123456789E+10`, `3,8123456789E+10` in a
//! Vietnamese locale). Scientific notation that dropped digits (`3.81235E+10`, what a narrow
//! column exports) is refused rather than guessed: the error asks for the column as text.

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::msg::{Localized, Msg};

pub mod card;
pub use card::{CardQr, CardQrError};

const PROVINCES_CSV: &str = include_str!("../data/cccd-province-codes.csv");

/// Characters of input looked at before giving up: a CCCD with every separator a person may
/// type is far shorter.
const MAX_INPUT_CHARS: usize = 64;

/// A valid CCCD: 12 ASCII digits with a known province of birth and a 20th or 21st century.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cccd([u8; 12]);

/// Sex as encoded in the 4th digit (even: male, odd: female).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
}

impl Localized for Sex {
    fn msg(&self) -> Msg {
        match self {
            Self::Male => Msg::new("sex-male"),
            Self::Female => Msg::new("sex-female"),
        }
    }
}

/// Century of birth as encoded in the 4th digit; only those of living people are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Century {
    /// 1900–1999 (digit 0 male, 1 female).
    Twentieth,
    /// 2000–2099 (digit 2 male, 3 female).
    TwentyFirst,
}

impl Century {
    /// The first year of the century (1900, 2000).
    #[must_use]
    pub const fn first_year(self) -> i32 {
        match self {
            Self::Twentieth => 1900,
            Self::TwentyFirst => 2000,
        }
    }
}

/// A province of birth registration, from the annex of Circular 07/2016/TT-BCA: the 63
/// provinces before the 2025 reorganisation. Numbers keep the code they were given, so the list
/// does not change with the merger; `province_2025` is the GSO code of the province that holds
/// the old one since 1 July 2025 (Resolution 202/2025/QH15), as in [`crate::reference`].
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BirthProvince {
    /// Three digits, `001`–`096`.
    pub code: String,
    /// The name in the Circular's annex.
    pub name: String,
    /// Two digits, a province code of the 2025 list.
    pub province_2025: String,
}

/// The embedded list, indexed by the last two digits of the code (every code starts with `0`).
struct ProvinceTable {
    all: Vec<BirthProvince>,
    by_code: [Option<usize>; 100],
}

static PROVINCES: LazyLock<ProvinceTable> = LazyLock::new(|| {
    let mut reader = csv::Reader::from_reader(PROVINCES_CSV.as_bytes());
    let mut all = Vec::with_capacity(63);
    let mut by_code = [None; 100];
    // A malformed row would be a broken build; the tests read every row.
    for row in reader.deserialize::<BirthProvince>().flatten() {
        if let Some(i) = province_index(row.code.as_bytes()) {
            by_code[i] = Some(all.len());
            all.push(row);
        }
    }
    ProvinceTable { all, by_code }
});

/// The slot of a 3-digit code `0dd`.
fn province_index(code: &[u8]) -> Option<usize> {
    match code {
        [b'0', a @ b'0'..=b'9', b @ b'0'..=b'9'] => {
            Some(usize::from(a - b'0') * 10 + usize::from(b - b'0'))
        }
        _ => None,
    }
}

impl BirthProvince {
    /// The 63 provinces of the Circular's annex, in code order.
    #[must_use]
    pub fn all() -> &'static [Self] {
        &PROVINCES.all
    }

    /// The province with this 3-digit code.
    #[must_use]
    pub fn by_code(code: &str) -> Option<&'static Self> {
        let table = &*PROVINCES;
        province_index(code.as_bytes())
            .and_then(|i| table.by_code[i])
            .and_then(|i| table.all.get(i))
    }
}

impl Cccd {
    /// The number of digits.
    pub const LEN: usize = 12;

    /// Parses a CCCD as people and spreadsheets give it (see the module documentation).
    pub fn parse(input: &str) -> Result<Self, CccdError> {
        let digits = extract_digits(input)?;
        let digits = match digits.len() {
            12 => digits,
            // A number that lost its leading zeros never starts with one.
            10 | 11 if digits[0] != b'0' => {
                let mut padded = vec![b'0'; 12 - digits.len()];
                padded.extend_from_slice(&digits);
                padded
            }
            9 => return Err(CccdError::OldCmnd),
            n => return Err(CccdError::WrongLength { digits: n }),
        };
        let mut arr = [0u8; 12];
        arr.copy_from_slice(&digits);
        Self::from_digits(arr)
    }

    /// Checks the structure of exactly 12 ASCII digits.
    fn from_digits(d: [u8; 12]) -> Result<Self, CccdError> {
        if let Some(i) = d.iter().position(|b| !b.is_ascii_digit()) {
            return Err(CccdError::InvalidCharacter {
                character: char::from(d[i]),
                position: i + 1,
            });
        }
        let code = &d[..3];
        if province_index(code)
            .and_then(|i| PROVINCES.by_code[i])
            .is_none()
        {
            return Err(CccdError::UnknownProvince {
                code: String::from_utf8_lossy(code).into_owned(),
            });
        }
        if d[3] > b'3' {
            return Err(CccdError::InvalidCentury);
        }
        Ok(Self(d))
    }

    /// The 12 digits. Every call site is a place where the number leaves its protection: keep
    /// them few (sealing, look-up hashing, showing the person their own number).
    #[must_use]
    pub fn expose(&self) -> &str {
        // The invariant (ASCII digits only) makes this infallible.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The masked form `038*******23`: the province code and the last two digits.
    #[must_use]
    pub fn masked(&self) -> String {
        let d = &self.0;
        let mut s = String::with_capacity(12);
        s.extend(d[..3].iter().map(|&b| char::from(b)));
        s.push_str("*******");
        s.extend(d[10..].iter().map(|&b| char::from(b)));
        s
    }

    /// The 3-digit code of the province where the birth was registered.
    #[must_use]
    pub fn province_code(&self) -> &str {
        self.expose().get(..3).unwrap_or_default()
    }

    /// The province where the birth was registered; always `Some` for a parsed number.
    #[must_use]
    pub fn province(&self) -> Option<&'static BirthProvince> {
        BirthProvince::by_code(self.province_code())
    }

    #[must_use]
    pub fn sex(&self) -> Sex {
        if (self.0[3] - b'0').is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    #[must_use]
    pub fn century(&self) -> Century {
        if self.0[3] <= b'1' {
            Century::Twentieth
        } else {
            Century::TwentyFirst
        }
    }

    /// The year of birth: the century and digits 5–6.
    #[must_use]
    pub fn birth_year(&self) -> i32 {
        self.century().first_year() + i32::from(self.0[4] - b'0') * 10 + i32::from(self.0[5] - b'0')
    }

    /// Checks the number against a year of birth given elsewhere (a date of birth column).
    pub fn check_birth_year(&self, birth_year: i32) -> Result<(), CccdError> {
        if self.birth_year() == birth_year {
            Ok(())
        } else {
            Err(CccdError::BirthYearMismatch {
                masked: self.masked(),
                birth_year,
            })
        }
    }

    /// Checks the number against a sex given elsewhere.
    pub fn check_sex(&self, sex: Sex) -> Result<(), CccdError> {
        if self.sex() == sex {
            Ok(())
        } else {
            Err(CccdError::SexMismatch {
                masked: self.masked(),
                sex,
            })
        }
    }

    /// Checks the number against a year of birth and a sex given elsewhere; the year first.
    pub fn check_against(&self, birth_year: i32, sex: Sex) -> Result<(), CccdError> {
        self.check_birth_year(birth_year)?;
        self.check_sex(sex)
    }
}

/// The digits of an input, undoing what people and spreadsheets do to a number.
fn extract_digits(input: &str) -> Result<Vec<u8>, CccdError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(CccdError::Empty);
    }
    if s.chars().count() > MAX_INPUT_CHARS {
        return Err(CccdError::TooLong);
    }
    // Excel's ways of forcing text: `'038…` and `="038…"`.
    let s = s.strip_prefix('\'').unwrap_or(s);
    let s = s
        .strip_prefix("=\"")
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(s)
        .trim();
    if s.contains(['e', 'E'])
        && s.chars()
            .all(|c| c.is_ascii_digit() || ".,+-eE".contains(c))
    {
        return scientific_digits(s);
    }
    // A number written as a decimal: `38123456789.0`, `38123456789,00`.
    if let Some((int, frac)) = s.split_once(['.', ','])
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
    {
        return Ok(int.as_bytes().to_vec());
    }
    let mut digits = Vec::with_capacity(12);
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_digit() {
            digits.push(c as u8);
        } else if !is_separator(c) {
            return Err(CccdError::InvalidCharacter {
                character: c,
                position: i + 1,
            });
        }
    }
    Ok(digits)
}

/// What people and spreadsheets put between groups of digits.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '.' | ',' | '-' | '_' | '\u{2010}'..='\u{2015}')
}

/// The digits of a number in scientific notation (`3.8123456789E+10`), which must be an
/// integer written with all its digits.
fn scientific_digits(s: &str) -> Result<Vec<u8>, CccdError> {
    let invalid = |c: char| {
        let position = s.chars().position(|x| x == c).map_or(1, |p| p + 1);
        CccdError::InvalidCharacter {
            character: c,
            position,
        }
    };
    let (mantissa, exponent) = s.split_once(['e', 'E']).ok_or(CccdError::Empty)?;
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    if let Some(c) = exponent.chars().find(|c| !c.is_ascii_digit()) {
        return Err(invalid(c));
    }
    if exponent.is_empty() || mantissa.is_empty() {
        return Err(invalid('E'));
    }
    // Any exponent of more than two digits is far beyond 12 digits.
    let exponent = exponent.trim_start_matches('0');
    let exponent: usize = if exponent.len() > 2 {
        99
    } else {
        exponent.parse().unwrap_or(0)
    };
    let (int, frac) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, ""));
    if let Some(c) = int
        .chars()
        .chain(frac.chars())
        .find(|c| !c.is_ascii_digit())
    {
        return Err(invalid(c));
    }
    if int.is_empty() {
        return Err(invalid('.'));
    }
    let (frac_kept, frac_rest) = frac.split_at(exponent.min(frac.len()));
    if frac_rest.bytes().any(|b| b != b'0') {
        // Not an integer: nothing Excel does to a CCCD gives that.
        return Err(CccdError::NotAnInteger);
    }
    if frac_kept.len() < exponent {
        // The number had more digits than were written: they are lost.
        return Err(CccdError::DigitsLost);
    }
    let mut digits: Vec<u8> = int
        .bytes()
        .chain(frac_kept.bytes())
        .skip_while(|&b| b == b'0')
        .collect();
    if digits.is_empty() {
        digits.push(b'0');
    }
    Ok(digits)
}

impl fmt::Debug for Cccd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cccd({})", self.masked())
    }
}

impl fmt::Display for Cccd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl std::str::FromStr for Cccd {
    type Err = CccdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for Cccd {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a CCCD was refused. No variant holds more of the number than its masked form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CccdError {
    #[error("no CCCD given")]
    Empty,
    #[error("too long to be a CCCD")]
    TooLong,
    #[error("character {character:?} at position {position} is not a digit")]
    InvalidCharacter { character: char, position: usize },
    #[error("a CCCD has 12 digits, not {digits}")]
    WrongLength { digits: usize },
    #[error("9 digits: an old CMND number, not a CCCD")]
    OldCmnd,
    #[error("a number in scientific notation whose last digits are lost")]
    DigitsLost,
    #[error("a number with decimals")]
    NotAnInteger,
    #[error("unknown province code {code}")]
    UnknownProvince { code: String },
    #[error("the 4th digit (century and sex) must be 0 to 3")]
    InvalidCentury,
    #[error("CCCD {masked} does not match the year of birth {birth_year}")]
    BirthYearMismatch { masked: String, birth_year: i32 },
    #[error("CCCD {masked} does not match the sex {}", sex.as_str())]
    SexMismatch { masked: String, sex: Sex },
}

impl Localized for CccdError {
    fn msg(&self) -> Msg {
        match self {
            Self::Empty => Msg::new("cccd-empty"),
            Self::TooLong => Msg::new("cccd-too-long"),
            Self::InvalidCharacter {
                character,
                position,
            } => Msg::new("cccd-invalid-character")
                .arg("character", character)
                .arg("position", position),
            Self::WrongLength { digits } => Msg::new("cccd-wrong-length").arg("digits", digits),
            Self::OldCmnd => Msg::new("cccd-old-cmnd"),
            Self::DigitsLost => Msg::new("cccd-digits-lost"),
            Self::NotAnInteger => Msg::new("cccd-not-an-integer"),
            Self::UnknownProvince { code } => Msg::new("cccd-province-unknown").arg("code", code),
            Self::InvalidCentury => Msg::new("cccd-century-invalid"),
            Self::BirthYearMismatch { masked, birth_year } => Msg::new("cccd-birth-year-mismatch")
                .arg("cccd", masked)
                .arg("year", birth_year),
            Self::SexMismatch { masked, sex } => Msg::new("cccd-sex-mismatch")
                .arg("cccd", masked)
                .arg("sex", sex.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::reference;
    use crate::unit::UnitLevel;

    const HN: &str = "001090123456";
    const TH: &str = "038123456789";

    #[test]
    fn the_list_has_the_63_provinces_of_the_circular() {
        let all = BirthProvince::all();
        assert_eq!(all.len(), 63);
        assert_eq!(
            PROVINCES_CSV.lines().count(),
            64,
            "every row of the CSV is read"
        );
        assert_eq!(all[0].code, "001");
        assert_eq!(all[0].name, "Hà Nội");
        assert_eq!(all[62].code, "096");
        assert_eq!(all[62].name, "Cà Mau");
        assert!(
            all.windows(2).all(|w| w[0].code < w[1].code),
            "sorted, no duplicates"
        );
        assert_eq!(BirthProvince::by_code("038").unwrap().name, "Thanh Hóa");
        assert_eq!(BirthProvince::by_code("079").unwrap().name, "Hồ Chí Minh");
        for absent in ["000", "003", "097", "100", "38", "0381", "abc"] {
            assert!(BirthProvince::by_code(absent).is_none(), "{absent}");
        }
    }

    #[test]
    fn every_old_province_maps_onto_the_34_of_2025() {
        let units = reference::admin_units().unwrap();
        let new: std::collections::BTreeSet<&str> = units
            .iter()
            .filter(|u| u.level == UnitLevel::Province)
            .map(|u| u.code.as_str())
            .collect();
        assert_eq!(new.len(), 34);
        let mapped: std::collections::BTreeSet<&str> = BirthProvince::all()
            .iter()
            .map(|p| p.province_2025.as_str())
            .collect();
        assert_eq!(
            mapped, new,
            "each old province lies in a 2025 province and each 2025 one has some"
        );
        // A province that kept its code maps onto itself.
        for p in BirthProvince::all() {
            if new.contains(&p.code[1..]) {
                let kept = units
                    .iter()
                    .find(|u| u.code.as_str() == &p.code[1..])
                    .unwrap();
                assert_eq!(
                    p.province_2025,
                    &p.code[1..],
                    "{} is now {}",
                    p.name,
                    kept.name
                );
            }
        }
    }

    #[test]
    fn structure_is_decoded() {
        let c = Cccd::parse(TH).unwrap();
        assert_eq!(c.expose(), TH);
        assert_eq!(c.province_code(), "038");
        assert_eq!(c.province().unwrap().name, "Thanh Hóa");
        assert_eq!(c.province().unwrap().province_2025, "38");
        assert_eq!(c.sex(), Sex::Female);
        assert_eq!(c.century(), Century::Twentieth);
        assert_eq!(c.birth_year(), 1923);
        let c = Cccd::parse("001098000001").unwrap();
        assert_eq!((c.sex(), c.birth_year()), (Sex::Male, 1998));
        let c = Cccd::parse("079205000001").unwrap();
        assert_eq!(
            (c.sex(), c.century(), c.birth_year()),
            (Sex::Male, Century::TwentyFirst, 2005)
        );
        let c = Cccd::parse("079310000001").unwrap();
        assert_eq!((c.sex(), c.birth_year()), (Sex::Female, 2010));
    }

    #[test]
    fn people_and_spreadsheet_forms_parse() {
        for (input, expected) in [
            ("038123456789", TH),
            ("  038 123 456 789 ", TH),
            ("038.123.456.789", TH),
            ("038-123-456-789", TH),
            ("038\u{a0}123\u{a0}456\u{a0}789", TH),
            ("'038123456789", TH),
            ("=\"038123456789\"", TH),
            ("38123456789", TH),
            ("38123456789.0", TH),
            ("38123456789,00", TH),
            ("038123456789.0", TH),
            ("3.8123456789E+10", TH),
            ("3.8123456789e10", TH),
            ("3,8123456789E+10", TH),
            ("38.123.456.789", TH),
            ("38,123,456,789", TH),
            ("1090123456", HN),
            ("1090123456.0", HN),
            ("1.090123456E+09", HN),
            ("1.0901234560E+09", HN),
        ] {
            assert_eq!(
                Cccd::parse(input).map(|c| c.expose().to_owned()),
                Ok(expected.to_owned()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn errors_are_precise() {
        use CccdError as E;
        for (input, expected) in [
            ("", E::Empty),
            ("   ", E::Empty),
            ("03812345678", E::WrongLength { digits: 11 }),
            ("0381234567890", E::WrongLength { digits: 13 }),
            ("12345", E::WrongLength { digits: 5 }),
            ("123456789", E::OldCmnd),
            (
                "038 123 456 78O",
                E::InvalidCharacter {
                    character: 'O',
                    position: 15,
                },
            ),
            (
                "038/123/456/789",
                E::InvalidCharacter {
                    character: '/',
                    position: 4,
                },
            ),
            ("3.81235E+10", E::DigitsLost),
            (
                "3.8123456789E-10",
                E::InvalidCharacter {
                    character: '-',
                    position: 14,
                },
            ),
            ("3.81234567891E+10", E::NotAnInteger),
            ("000123456789", E::UnknownProvince { code: "000".into() }),
            ("003123456789", E::UnknownProvince { code: "003".into() }),
            ("097123456789", E::UnknownProvince { code: "097".into() }),
            ("381234567890", E::UnknownProvince { code: "381".into() }),
            ("038423456789", E::InvalidCentury),
            ("038923456789", E::InvalidCentury),
        ] {
            assert_eq!(Cccd::parse(input), Err(expected), "{input:?}");
        }
        assert_eq!(Cccd::parse(&"0".repeat(65)), Err(E::TooLong));
    }

    #[test]
    fn checks_against_other_columns() {
        let c = Cccd::parse(TH).unwrap();
        assert_eq!(c.check_against(1923, Sex::Female), Ok(()));
        assert_eq!(
            c.check_against(1987, Sex::Female),
            Err(CccdError::BirthYearMismatch {
                masked: "038*******89".into(),
                birth_year: 1987
            })
        );
        assert_eq!(
            c.check_against(2023, Sex::Female).map_err(|e| e.msg().key),
            Err("cccd-birth-year-mismatch")
        );
        assert_eq!(
            c.check_against(1923, Sex::Male),
            Err(CccdError::SexMismatch {
                masked: "038*******89".into(),
                sex: Sex::Male
            })
        );
    }

    #[test]
    fn the_number_is_hidden() {
        let c = Cccd::parse(TH).unwrap();
        assert_eq!(c.masked(), "038*******89");
        assert_eq!(format!("{c:?}"), "Cccd(038*******89)");
        assert_eq!(format!("{c}"), "038*******89");
        let e = c.check_against(1990, Sex::Male).unwrap_err();
        assert!(!format!("{e} {e:?} {:?}", e.msg()).contains(TH));
    }

    /// A valid number: a listed province, a century digit 0–3, any year and random part.
    fn valid() -> impl Strategy<Value = String> {
        (0..63usize, 0..4u8, 0..100u32, 0..1_000_000u32)
            .prop_map(|(p, c, y, r)| format!("{}{c}{y:02}{r:06}", BirthProvince::all()[p].code))
    }

    proptest! {
        #[test]
        fn valid_numbers_round_trip(s in valid()) {
            let c = Cccd::parse(&s).unwrap();
            prop_assert_eq!(c.expose(), s.as_str());
            prop_assert_eq!(Cccd::parse(c.expose()), Ok(c.clone()));
            prop_assert_eq!(c.check_against(c.birth_year(), c.sex()), Ok(()));
        }

        #[test]
        fn excel_mangled_forms_parse_to_the_same_value(s in valid(), sep in prop::sample::select(vec![" ", ".", "-", ""])) {
            let c = Cccd::parse(&s).unwrap();
            let number = s.trim_start_matches('0');
            let (first, rest) = number.split_at(1);
            let grouped = s.as_bytes().chunks(3).map(|g| std::str::from_utf8(g).unwrap()).collect::<Vec<_>>().join(sep);
            for form in [
                number.to_owned(),
                format!("{number}.0"),
                format!(" {number},00 "),
                format!("'{s}"),
                format!("=\"{s}\""),
                grouped,
            ] {
                prop_assert_eq!(Cccd::parse(&form), Ok(c.clone()), "{}", form);
            }
            // Scientific notation is accepted when it kept every digit, refused when it may not have.
            prop_assert_eq!(Cccd::parse(&format!("{first}.{rest}E+{}", rest.len())), Ok(c.clone()));
            let short = rest.trim_end_matches('0');
            let sci = format!("{first}.{short}E+{}", rest.len());
            if short.len() == rest.len() {
                prop_assert_eq!(Cccd::parse(&sci), Ok(c.clone()), "{}", sci);
            } else {
                prop_assert_eq!(Cccd::parse(&sci), Err(CccdError::DigitsLost), "{}", sci);
            }
        }

        #[test]
        fn masking_shows_at_most_five_digits(s in valid()) {
            let c = Cccd::parse(&s).unwrap();
            let m = c.masked();
            prop_assert_eq!(m.chars().count(), 12);
            prop_assert!(m.chars().filter(char::is_ascii_digit).count() <= 5);
            prop_assert!(m.starts_with(&s[..3]) && m.ends_with(&s[10..]));
        }

        #[test]
        fn debug_and_errors_never_contain_the_number(s in valid(), year in 1900..2100i32) {
            let c = Cccd::parse(&s).unwrap();
            let debug = format!("{c:?} {c} {:?}", Some(&c));
            prop_assert!(!debug.contains(&s));
            prop_assert!(!debug.contains(&s[3..10]));
            for e in [c.check_against(year, Sex::Male), c.check_against(year, Sex::Female)].into_iter().filter_map(Result::err) {
                let text = format!("{e} {e:?} {:?}", e.msg());
                prop_assert!(!text.contains(&s) && !text.contains(&s[3..10]));
            }
        }

        #[test]
        fn any_input_gives_a_value_or_an_error(input in "\\PC{0,40}") {
            if let Ok(c) = Cccd::parse(&input) {
                prop_assert_eq!(c.expose().len(), 12);
            }
        }

        #[test]
        fn numeric_inputs_never_panic(input in "[0-9 .,eE+'=\"-]{0,30}") {
            let _ = Cccd::parse(&input);
        }
    }
}

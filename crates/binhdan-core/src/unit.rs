//! Administrative units: province → commune → village (thôn, bản, tổ dân phố…).
//!
//! Provinces and communes carry the GSO codes of the 2025 reorganisation (2 and 5 digits,
//! leading zeros kept). Villages are not in any national list: each commune creates its own,
//! and they get the commune's code followed by a 3-digit number.
//!
//! Every unit knows its ancestors through its materialised [`UnitPath`], so "everything under
//! X" is one range query on an index.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::msg::{Localized, Msg};
use crate::text;

/// The three levels of the two-level local government plus villages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitLevel {
    Province,
    Commune,
    Village,
}

impl UnitLevel {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::Commune => "commune",
            Self::Village => "village",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "province" => Some(Self::Province),
            "commune" => Some(Self::Commune),
            "village" => Some(Self::Village),
            _ => None,
        }
    }

    /// Digits in a code of this level.
    #[must_use]
    pub const fn code_len(self) -> usize {
        match self {
            Self::Province => 2,
            Self::Commune => 5,
            Self::Village => 8,
        }
    }

    #[must_use]
    pub const fn child(self) -> Option<Self> {
        match self {
            Self::Province => Some(Self::Commune),
            Self::Commune => Some(Self::Village),
            Self::Village => None,
        }
    }
}

/// A unit code: 2 digits for a province, 5 for a commune, 8 for a village.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    /// Parses a code exactly as written: digits only, of a known length.
    pub fn parse(s: &str) -> Result<Self, UnitError> {
        let s = s.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) || UnitCode::level_of_len(s.len()).is_none() {
            return Err(UnitError::MalformedCode {
                code: s.chars().take(20).collect(),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// Parses a code of a given level from a spreadsheet cell, where Excel may have dropped
    /// leading zeros (`1` for `01`, `4.0` for `00004`).
    pub fn parse_cell(s: &str, level: UnitLevel) -> Result<Self, UnitError> {
        let t = s.trim();
        let t = t.strip_suffix(".0").unwrap_or(t);
        if t.is_empty() || t.len() > level.code_len() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UnitError::MalformedCode {
                code: s.trim().chars().take(20).collect(),
            });
        }
        Ok(Self(format!("{t:0>width$}", width = level.code_len())))
    }

    /// Wraps a code read back from storage, where it was checked on the way in.
    #[must_use]
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    const fn level_of_len(len: usize) -> Option<UnitLevel> {
        match len {
            2 => Some(UnitLevel::Province),
            5 => Some(UnitLevel::Commune),
            8 => Some(UnitLevel::Village),
            _ => None,
        }
    }

    #[must_use]
    pub fn level(&self) -> UnitLevel {
        match self.0.len() {
            2 => UnitLevel::Province,
            5 => UnitLevel::Commune,
            _ => UnitLevel::Village,
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of the `n`-th village of this commune (1-based).
    pub fn village(&self, n: u32) -> Result<Self, UnitError> {
        if self.level() != UnitLevel::Commune {
            return Err(UnitError::NotACommune {
                code: self.0.clone(),
            });
        }
        if n == 0 || n > 999 {
            return Err(UnitError::TooManyVillages {
                commune: self.0.clone(),
            });
        }
        Ok(Self(format!("{}{n:03}", self.0)))
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnitCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The materialised path of a unit: the codes from the province down, each followed by `/`
/// (`38/16591/16591001/`). A descendant's path starts with its ancestor's; the trailing slash
/// keeps `38/` from matching `380/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitPath(String);

impl UnitPath {
    #[must_use]
    pub fn root(code: &UnitCode) -> Self {
        Self(format!("{code}/"))
    }

    #[must_use]
    pub fn child(&self, code: &UnitCode) -> Self {
        Self(format!("{}{code}/", self.0))
    }

    /// Wraps a path read back from storage.
    #[must_use]
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The half-open range `[self, upper)` that holds exactly the paths of this unit and its
    /// descendants: `/` is followed by `0` in ASCII, and paths hold only digits and `/`.
    #[must_use]
    pub fn subtree_upper_bound(&self) -> String {
        let mut upper = self.0.clone();
        upper.pop();
        upper.push('0');
        upper
    }

    /// The codes of the ancestors and the unit itself, from the province down.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }
}

/// What a unit is called at its level (`division_type` in the GSO list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DivisionType {
    #[serde(rename = "tỉnh")]
    Tinh,
    #[serde(rename = "thành phố trung ương")]
    ThanhPhoTrungUong,
    #[serde(rename = "xã")]
    Xa,
    #[serde(rename = "phường")]
    Phuong,
    #[serde(rename = "đặc khu")]
    DacKhu,
    #[serde(rename = "thôn")]
    Thon,
    #[serde(rename = "bản")]
    Ban,
    #[serde(rename = "làng")]
    Lang,
    #[serde(rename = "xóm")]
    Xom,
    #[serde(rename = "ấp")]
    Ap,
    #[serde(rename = "buôn")]
    Buon,
    #[serde(rename = "khu phố")]
    KhuPho,
    #[serde(rename = "khóm")]
    Khom,
    #[serde(rename = "tổ dân phố")]
    ToDanPho,
}

impl DivisionType {
    pub const ALL: [Self; 14] = [
        Self::Tinh,
        Self::ThanhPhoTrungUong,
        Self::Xa,
        Self::Phuong,
        Self::DacKhu,
        Self::Thon,
        Self::Ban,
        Self::Lang,
        Self::Xom,
        Self::Ap,
        Self::Buon,
        Self::KhuPho,
        Self::Khom,
        Self::ToDanPho,
    ];

    /// The Vietnamese name, as stored and shown.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tinh => "tỉnh",
            Self::ThanhPhoTrungUong => "thành phố trung ương",
            Self::Xa => "xã",
            Self::Phuong => "phường",
            Self::DacKhu => "đặc khu",
            Self::Thon => "thôn",
            Self::Ban => "bản",
            Self::Lang => "làng",
            Self::Xom => "xóm",
            Self::Ap => "ấp",
            Self::Buon => "buôn",
            Self::KhuPho => "khu phố",
            Self::Khom => "khóm",
            Self::ToDanPho => "tổ dân phố",
        }
    }

    #[must_use]
    pub const fn level(self) -> UnitLevel {
        match self {
            Self::Tinh | Self::ThanhPhoTrungUong => UnitLevel::Province,
            Self::Xa | Self::Phuong | Self::DacKhu => UnitLevel::Commune,
            _ => UnitLevel::Village,
        }
    }

    /// Parses a division type as a person types it: any case, with or without diacritics,
    /// decomposed or not (`To dan pho`, `TỔ DÂN PHỐ`, `tdp`).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let key = text::search_key(s);
        if key == "tdp" {
            return Some(Self::ToDanPho);
        }
        Self::ALL
            .into_iter()
            .find(|t| text::search_key(t.as_str()) == key)
    }

    /// Guesses a village's type from the first words of its name (`Bản Lè` → bản).
    #[must_use]
    pub fn from_village_name(name: &str) -> Option<Self> {
        let key = text::search_key(name);
        Self::ALL
            .into_iter()
            .filter(|t| t.level() == UnitLevel::Village)
            // Longest first, so "tổ dân phố" wins over shorter prefixes.
            .filter(|t| {
                let k = text::search_key(t.as_str());
                key == k || key.starts_with(&format!("{k} "))
            })
            .max_by_key(|t| t.as_str().len())
    }
}

/// A unit name: NFC, trimmed, 1 to 120 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct UnitName(String);

impl UnitName {
    pub const MAX_CHARS: usize = 120;

    pub fn parse(s: &str) -> Result<Self, UnitError> {
        let cleaned = text::clean(s);
        if cleaned.is_empty() {
            return Err(UnitError::EmptyName);
        }
        if cleaned.chars().count() > Self::MAX_CHARS {
            return Err(UnitError::NameTooLong {
                max: Self::MAX_CHARS,
            });
        }
        if !cleaned.chars().any(char::is_alphanumeric) {
            return Err(UnitError::EmptyName);
        }
        Ok(Self(cleaned))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit as the rest of the system sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub level: UnitLevel,
    pub division_type: String,
    pub parent_code: Option<UnitCode>,
    pub path: String,
}

/// Why a unit, a code or a name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("malformed unit code {code:?}")]
    MalformedCode { code: String },
    #[error("unknown unit {code}")]
    UnknownUnit { code: String },
    #[error("{code} is not a commune")]
    NotACommune { code: String },
    #[error("commune {commune} has no free village number")]
    TooManyVillages { commune: String },
    #[error("empty name")]
    EmptyName,
    #[error("name longer than {max} characters")]
    NameTooLong { max: usize },
    #[error("unknown division type {value:?}")]
    UnknownDivisionType { value: String },
    #[error("a village named {name:?} already exists in commune {commune}")]
    DuplicateVillage { commune: String, name: String },
}

impl Localized for UnitError {
    fn msg(&self) -> Msg {
        match self {
            Self::MalformedCode { code } => Msg::new("unit-code-malformed").arg("code", code),
            Self::UnknownUnit { code } => Msg::new("unit-unknown").arg("code", code),
            Self::NotACommune { code } => Msg::new("unit-not-commune").arg("code", code),
            Self::TooManyVillages { commune } => {
                Msg::new("unit-too-many-villages").arg("commune", commune)
            }
            Self::EmptyName => Msg::new("unit-name-empty"),
            Self::NameTooLong { max } => Msg::new("unit-name-too-long").arg("max", max),
            Self::UnknownDivisionType { value } => {
                Msg::new("unit-division-type-unknown").arg("value", value)
            }
            Self::DuplicateVillage { commune, name } => Msg::new("unit-village-duplicate")
                .arg("commune", commune)
                .arg("name", name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_leading_zeros_and_know_their_level() {
        let hn = UnitCode::parse("01").unwrap();
        assert_eq!(hn.as_str(), "01");
        assert_eq!(hn.level(), UnitLevel::Province);
        assert_eq!(
            UnitCode::parse("00004").unwrap().level(),
            UnitLevel::Commune
        );
        for bad in ["1", "abc", "0100", "", "1659100１"] {
            assert!(UnitCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cells_that_lost_their_zeros_are_padded() {
        assert_eq!(
            UnitCode::parse_cell("1", UnitLevel::Province)
                .unwrap()
                .as_str(),
            "01"
        );
        assert_eq!(
            UnitCode::parse_cell("4.0", UnitLevel::Commune)
                .unwrap()
                .as_str(),
            "00004"
        );
        assert!(UnitCode::parse_cell("123456", UnitLevel::Commune).is_err());
        assert!(UnitCode::parse_cell("-4", UnitLevel::Commune).is_err());
    }

    #[test]
    fn village_codes_extend_the_commune() {
        let c = UnitCode::parse("16591").unwrap();
        assert_eq!(c.village(7).unwrap().as_str(), "16591007");
        assert!(c.village(1000).is_err());
        assert!(UnitCode::parse("38").unwrap().village(1).is_err());
    }

    #[test]
    fn subtree_bounds_hold_exactly_the_descendants() {
        let p = UnitPath::root(&UnitCode::parse("38").unwrap());
        let c = p.child(&UnitCode::parse("16591").unwrap());
        let upper = p.subtree_upper_bound();
        let inside = |s: &str| s >= p.as_str() && s < upper.as_str();
        assert!(inside(c.as_str()));
        assert!(inside("38/"));
        assert!(!inside("380/"));
        assert!(!inside("37/99999/"));
        assert!(!inside("39/"));
        assert_eq!(c.codes().collect::<Vec<_>>(), ["38", "16591"]);
    }

    #[test]
    fn division_types_parse_loosely() {
        assert_eq!(
            DivisionType::parse("To dan pho"),
            Some(DivisionType::ToDanPho)
        );
        assert_eq!(DivisionType::parse("THÔN"), Some(DivisionType::Thon));
        assert_eq!(DivisionType::parse("tdp"), Some(DivisionType::ToDanPho));
        assert_eq!(DivisionType::parse("huyện"), None);
        assert_eq!(
            DivisionType::from_village_name("Bản Lè"),
            Some(DivisionType::Ban)
        );
        assert_eq!(
            DivisionType::from_village_name("Tổ dân phố 5"),
            Some(DivisionType::ToDanPho)
        );
        assert_eq!(
            DivisionType::from_village_name("Thôn"),
            Some(DivisionType::Thon)
        );
        assert_eq!(
            DivisionType::from_village_name("Làng Mới"),
            Some(DivisionType::Lang)
        );
        assert_eq!(DivisionType::from_village_name("Khu Đông"), None);
    }

    #[test]
    fn names_are_cleaned_and_bounded() {
        assert_eq!(
            UnitName::parse("  Thôn   Đông ").unwrap().as_str(),
            "Thôn Đông"
        );
        assert_eq!(UnitName::parse(" "), Err(UnitError::EmptyName));
        assert_eq!(UnitName::parse("--"), Err(UnitError::EmptyName));
        assert!(UnitName::parse(&"a".repeat(121)).is_err());
    }
}

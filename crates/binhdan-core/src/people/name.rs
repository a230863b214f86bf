//! A person's name as officials write it.

use std::fmt;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, is_nfc_quick};

use super::{MAX_NAME_CHARS, PersonError};
use crate::text;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! A mobile number as officials write it.

use std::fmt;

use super::{PersonError, echo};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

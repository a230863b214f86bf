//! Vietnamese text: normalisation for storage, keys for search and for identity.
//!
//! - Stored text is NFC with collapsed white space ([`clean`]).
//! - [`search_key`] folds case and every diacritic (`Đ` → `d`), so `thanh hoa`, `THANH HÓA` and
//!   the decomposed (NFD) form all meet at `thanh hoa`.
//! - [`identity_key`] folds case and tone-mark *placement* but keeps the letters and tones, so
//!   `Hoà` and `hòa` are one name while `Đông` and `Đồng` stay two.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC with white space trimmed and inner runs collapsed to one space; control characters
/// become spaces.
#[must_use]
pub fn clean(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for word in input
        .nfc()
        .collect::<String>()
        .split(|c: char| c.is_whitespace() || c.is_control())
    {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The longest text a search looks for, in characters: longer queries are refused by the
/// pages and the API, and cut here by the store (a database refuses patterns past its limits).
pub const MAX_SEARCH_CHARS: usize = 100;

/// Lower-case, diacritic-free key for searching (Vietnamese folds to ASCII): letters and digits kept,
/// everything else becomes a single space.
#[must_use]
pub fn search_key(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// The five Vietnamese tone marks as combining characters, with the digit used for each in
/// [`identity_key`].
const TONES: [(char, char); 5] = [
    ('\u{0300}', '2'), // huyền
    ('\u{0301}', '1'), // sắc
    ('\u{0303}', '4'), // ngã
    ('\u{0309}', '3'), // hỏi
    ('\u{0323}', '5'), // nặng
];

/// Case- and tone-placement-insensitive key that keeps letters and tones: each word becomes
/// its toneless NFC form followed by the tone's digit (`hòa` and `hoà` → `hoa2`).
#[must_use]
pub fn identity_key(input: &str) -> String {
    let cleaned = clean(input);
    let mut out = String::with_capacity(cleaned.len() + 4);
    for (i, word) in cleaned.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut tone = None;
        let base: String = word
            .nfd()
            .filter(|c| match TONES.iter().find(|(mark, _)| mark == c) {
                Some((_, digit)) => {
                    tone = Some(*digit);
                    false
                }
                None => true,
            })
            .flat_map(char::to_lowercase)
            .nfc()
            .collect();
        out.push_str(&base);
        if let Some(digit) = tone {
            out.push(digit);
        }
    }
    out
}

/// Does `haystack` contain `needle` as a search would (see [`search_key`])?
#[must_use]
pub fn search_matches(haystack: &str, needle: &str) -> bool {
    search_key(haystack).contains(&search_key(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn search_key_folds_case_diacritics_and_decomposed_input() {
        let nfd: String = "THANH HÓA".nfd().collect();
        assert_ne!(nfd, "THANH HÓA");
        for q in [
            "thanh hoa",
            "THANH HÓA",
            "Thanh Hóa",
            nfd.as_str(),
            "  thanh   hoá ",
        ] {
            assert_eq!(search_key(q), "thanh hoa", "{q:?}");
        }
        assert_eq!(search_key("Đắk Lắk"), "dak lak");
        assert_eq!(search_key("Tổ dân phố số 3"), "to dan pho so 3");
        assert_eq!(search_key("Bà Rịa–Vũng Tàu"), "ba ria vung tau");
    }

    #[test]
    fn identity_key_ignores_tone_placement_but_not_letters() {
        assert_eq!(identity_key("Hoà"), identity_key("hòa"));
        assert_eq!(identity_key("Thuỷ"), identity_key("THỦY"));
        let nfd: String = "Nguyễn Văn Hoà".nfd().collect();
        assert_eq!(identity_key(&nfd), identity_key("nguyễn văn hòa"));
        assert_ne!(identity_key("Thôn Đông"), identity_key("Thôn Đồng"));
        assert_ne!(identity_key("Hoa"), identity_key("Hòa"));
        assert_ne!(identity_key("Hòa"), identity_key("Hóa"));
    }

    #[test]
    fn clean_gives_nfc_and_single_spaces() {
        let nfd: String = "Thôn  Yên\tThái ".nfd().collect();
        assert_eq!(clean(&nfd), "Thôn Yên Thái");
        assert_eq!(clean(" \n "), "");
    }

    proptest! {
        #[test]
        fn search_key_is_ascii_and_idempotent(s in "\\PC{0,40}") {
            let k = search_key(&s);
            prop_assert_eq!(search_key(&k), k.clone());
            prop_assert!(!k.starts_with(' ') && !k.ends_with(' '));
        }

        #[test]
        fn keys_do_not_depend_on_normal_form(s in "[a-zA-Zàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ ]{0,30}") {
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(search_key(&s), search_key(&nfd));
            prop_assert_eq!(identity_key(&s), identity_key(&nfd));
            prop_assert_eq!(clean(&s), clean(&nfd));
        }
    }
}

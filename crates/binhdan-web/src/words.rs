//! Codes as words: a citizen reads "Cơ bản 2", not `CB2`, and "Giải quyết vấn đề" beside
//! `5.1`, on every page and in the printed certificate.

use std::collections::HashMap;
use std::sync::OnceLock;

use binhdan_i18n::Lang;

/// A step of the competence scale (`CB1` … `CS2`) in words; an unknown code as it is.
#[must_use]
pub fn step(lang: Lang, code: &str) -> String {
    let key = match code {
        "CB1" => "step-cb1",
        "CB2" => "step-cb2",
        "TC1" => "step-tc1",
        "TC2" => "step-tc2",
        "NC1" => "step-nc1",
        "NC2" => "step-nc2",
        "CS1" => "step-cs1",
        "CS2" => "step-cs2",
        _ => return code.to_owned(),
    };
    lang.text(key)
}

/// A competence of the framework (`5.1`) by its name, as the framework writes it.
#[must_use]
pub fn competence(code: &str) -> Option<&'static str> {
    static NAMES: OnceLock<HashMap<String, String>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            binhdan_core::reference::competences()
                .unwrap_or_default()
                .into_iter()
                .filter(|c| !c.name.is_empty())
                .map(|c| (c.code, c.name))
                .collect()
        })
        .get(code)
        .map(String::as_str)
}

/// "“Name” (5.1)", or the code alone when the framework does not name it.
#[must_use]
pub fn competence_label(code: &str) -> String {
    competence(code).map_or_else(|| code.to_owned(), |name| format!("“{name}” ({code})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_competences_read_as_words() {
        assert_eq!(step(Lang::Vi, "CB2"), "Cơ bản 2");
        assert_eq!(step(Lang::En, "TC1"), "Intermediate 1");
        assert_eq!(step(Lang::Vi, "XX"), "XX");
        assert!(competence_label("1.1").starts_with("“Duyệt, tìm kiếm"));
        assert_eq!(competence_label("9.9"), "9.9");
    }
}

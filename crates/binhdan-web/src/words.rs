//! Codes as words: a citizen reads "Cơ bản 2", not `CB2`, on every page and in the printed
//! certificate.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_read_as_words() {
        assert_eq!(step(Lang::Vi, "CB2"), "Cơ bản 2");
        assert_eq!(step(Lang::En, "TC1"), "Intermediate 1");
        assert_eq!(step(Lang::Vi, "XX"), "XX");
    }
}

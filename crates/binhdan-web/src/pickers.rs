//! Choosing a unit or a staff member by name rather than by a typed code (issue 18, item 5),
//! without JavaScript: a `<select>` (units grouped by commune) when the caller's choice is
//! small, else a text field that takes a name or a code, with a `<datalist>` of the communes
//! (or nothing, for thousands of accounts). The server resolves what was typed: a code, a
//! datalist's "Name (code)", or a name matched without regard to case or diacritics
//! (`text::search_key`); a name that fits several is refused with the candidates named.

use binhdan_core::Msg;
use binhdan_core::text::search_key;
use binhdan_core::unit::{Unit, UnitCode, UnitLevel};
use binhdan_i18n::Lang;
use binhdan_store::{Store, StoreError, UnitQuery};

/// Units offered in a `<select>` at most; more, and the field is a search by name.
pub const UNITS_IN_SELECT: u64 = 250;
/// Accounts suggested at most.
pub const STAFF_SUGGESTED: u32 = 200;
/// Candidates read to resolve a name.
const CANDIDATES: u32 = 20;
/// Candidates named when a name fits several.
const NAMED: usize = 5;

/// One option: the value sent, the words shown.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Options under a label (a commune); an empty label for options outside any group.
pub struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

/// A form field to choose by name.
pub struct Picker {
    /// A `<select>` of `groups`; else a text field suggesting `suggestions`.
    pub select: bool,
    pub groups: Vec<ChoiceGroup>,
    pub suggestions: Vec<Choice>,
    /// The value chosen or typed (kept when the form comes back refused).
    pub chosen: String,
    /// The select's empty first option ("Chọn…").
    pub prompt: String,
    /// What the text field takes ("a name or a code").
    pub hint: String,
}

impl Picker {
    /// The same field with `value` chosen.
    #[must_use]
    pub fn with(mut self, value: &str) -> Self {
        value.trim().clone_into(&mut self.chosen);
        self
    }
}

fn unit_label(u: &Unit) -> String {
    format!("{} ({})", u.name, u.code)
}

/// The units under `root` (itself included) to choose from: a `<select>` grouped by commune
/// when there are at most [`UNITS_IN_SELECT`], else a search by name suggesting `root` and
/// its communes.
pub async fn unit_picker(store: &dyn Store, lang: Lang, root: &Unit) -> Result<Picker, StoreError> {
    let counts = store.subtree_counts(&root.code).await?;
    let total = 1 + counts.communes + counts.villages;
    let mut picker = Picker {
        select: total <= UNITS_IN_SELECT,
        groups: Vec::new(),
        suggestions: Vec::new(),
        chosen: String::new(),
        prompt: lang.text("picker-unit-prompt"),
        hint: lang.text("picker-unit-hint"),
    };
    if picker.select {
        let limit = u32::try_from(total).unwrap_or(u32::MAX);
        let under = store.descendants(&root.code, None, None, limit).await?;
        let choice = |u: &Unit| Choice {
            value: u.code.to_string(),
            label: unit_label(u),
        };
        // Each commune a group (itself, then its villages), in code order; the province (or
        // a village chosen alone) outside any group.
        let mut loose = Vec::new();
        for u in std::iter::once(root).chain(under.iter()) {
            match u.level {
                UnitLevel::Commune => picker.groups.push(ChoiceGroup {
                    label: unit_label(u),
                    choices: std::iter::once(u)
                        .chain(
                            under
                                .iter()
                                .filter(|v| v.parent_code.as_ref() == Some(&u.code)),
                        )
                        .map(choice)
                        .collect(),
                }),
                UnitLevel::Village if u.code != root.code => {}
                _ => loose.push(choice(u)),
            }
        }
        if !loose.is_empty() {
            picker.groups.insert(
                0,
                ChoiceGroup {
                    label: String::new(),
                    choices: loose,
                },
            );
        }
    } else {
        let communes = if root.level == UnitLevel::Province {
            let limit = u32::try_from(counts.communes).unwrap_or(u32::MAX);
            store
                .descendants(&root.code, Some(UnitLevel::Commune), None, limit)
                .await?
        } else {
            Vec::new()
        };
        // The datalist's values are what the field shows once one is picked: "Name (code)".
        picker.suggestions = std::iter::once(root)
            .chain(communes.iter())
            .map(|u| Choice {
                value: unit_label(u),
                label: String::new(),
            })
            .collect();
    }
    Ok(picker)
}

/// The code in what was typed: a code, or a datalist's "Name (code)".
fn typed_code(input: &str) -> Option<UnitCode> {
    let t = input.trim();
    if let Ok(code) = UnitCode::parse(t) {
        return Some(code);
    }
    let inner = t.strip_suffix(')')?.rsplit_once('(')?.1;
    UnitCode::parse(inner).ok()
}

/// Whether `name` is what `key` (a search key) names: the same words, or the same after the
/// kind of unit ("Cẩm Sơn" for "Xã Cẩm Sơn").
fn names(name: &str, key: &str) -> bool {
    let own = search_key(name);
    own == key || own.ends_with(&format!(" {key}"))
}

/// What a unit field resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// The code to use.
    Code(String),
    /// Left as typed (empty, or a name that fits nothing: the use case refuses it in its
    /// own words).
    AsTyped,
    /// A name that fits several: the refusal, naming them.
    Ambiguous(Msg),
}

/// A unit typed by code or by name, under `root`.
pub async fn resolve_unit(
    store: &dyn Store,
    input: &str,
    root: &UnitCode,
) -> Result<Resolved, StoreError> {
    if let Some(code) = typed_code(input) {
        return Ok(Resolved::Code(code.to_string()));
    }
    let key = search_key(input);
    if key.is_empty() {
        return Ok(Resolved::AsTyped);
    }
    let found = store
        .search_units(&UnitQuery {
            text: input.to_owned(),
            level: None,
            within: Some(root.clone()),
            limit: CANDIDATES,
        })
        .await?;
    let all: Vec<&Unit> = found.iter().collect();
    let exact: Vec<&Unit> = found.iter().filter(|u| names(&u.name, &key)).collect();
    Ok(match (exact.as_slice(), all.as_slice()) {
        ([one], _) | ([], [one]) => Resolved::Code(one.code.to_string()),
        ([], []) => Resolved::AsTyped,
        (some, all) => {
            let list = if some.is_empty() { all } else { some };
            Resolved::Ambiguous(
                Msg::new("picker-unit-ambiguous")
                    .arg("value", input.trim().chars().take(60).collect::<String>())
                    .arg(
                        "units",
                        list.iter()
                            .take(NAMED)
                            .map(|u| unit_label(u))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
            )
        }
    })
}

/// The accounts holding a grant under `root_path`, suggested by name in a text field that
/// takes a username or a name: at most [`STAFF_SUGGESTED`] (beyond that, the field alone,
/// resolved on the server). Not a `<select>`: a host may be an account from above the unit
/// (a province's official hosting a commune's point), which the list does not hold.
pub async fn staff_picker(
    store: &dyn Store,
    lang: Lang,
    root_path: &str,
) -> Result<Picker, StoreError> {
    let accounts = store
        .staff_within(
            &binhdan_store::StaffWithin::Unit(root_path.to_owned()),
            STAFF_SUGGESTED + 1,
        )
        .await?;
    let mut suggestions: Vec<Choice> = if accounts.len() > STAFF_SUGGESTED as usize {
        Vec::new()
    } else {
        accounts
            .into_iter()
            .filter(|a| !a.disabled)
            .map(|a| Choice {
                label: a.display_name,
                value: a.username,
            })
            .collect()
    };
    suggestions.sort_by_key(|c| search_key(&c.label));
    Ok(Picker {
        select: false,
        groups: Vec::new(),
        suggestions,
        chosen: String::new(),
        prompt: String::new(),
        hint: lang.text("picker-staff-hint"),
    })
}

/// An account typed by username or by display name, among those holding a grant under
/// `root_path`: the username to use.
pub async fn resolve_staff(
    store: &dyn Store,
    input: &str,
    root_path: &str,
) -> Result<Resolved, StoreError> {
    let t = input.trim();
    // "Name (username)", as the select shows it, or a username.
    let username = t
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once('('))
        .map_or(t, |(_, u)| u.trim());
    if username.is_empty() {
        return Ok(Resolved::AsTyped);
    }
    if store.staff_by_username(username).await?.is_some() {
        return Ok(Resolved::Code(username.to_owned()));
    }
    let key = search_key(t);
    if key.is_empty() {
        return Ok(Resolved::AsTyped);
    }
    let accounts = store
        .staff_within(
            &binhdan_store::StaffWithin::Unit(root_path.to_owned()),
            2_000,
        )
        .await?;
    let found: Vec<_> = accounts
        .iter()
        .filter(|a| !a.disabled && search_key(&a.display_name) == key)
        .collect();
    Ok(match found.as_slice() {
        [] => Resolved::AsTyped,
        [one] => Resolved::Code(one.username.clone()),
        many => Resolved::Ambiguous(
            Msg::new("picker-staff-ambiguous")
                .arg("value", t.chars().take(60).collect::<String>())
                .arg(
                    "accounts",
                    many.iter()
                        .take(NAMED)
                        .map(|a| format!("{} ({})", a.display_name, a.username))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_from_a_code_or_a_suggestion() {
        let code = |s: &str| typed_code(s).map(|c| c.to_string());
        assert_eq!(code(" 16591 ").as_deref(), Some("16591"));
        assert_eq!(code("Xã Cẩm Sơn (16591)").as_deref(), Some("16591"));
        assert_eq!(code("Thôn Một (16591001)").as_deref(), Some("16591001"));
        assert_eq!(code("Cẩm Sơn"), None);
        assert_eq!(code("Xã (Cẩm) Sơn"), None);
    }

    #[test]
    fn a_name_is_matched_with_or_without_its_kind_and_diacritics() {
        assert!(names("Xã Cẩm Sơn", &search_key("cam son")));
        assert!(names("Xã Cẩm Sơn", &search_key("XÃ CẨM SƠN")));
        assert!(!names("Xã Cẩm Sơn Đông", &search_key("cam son")));
    }
}

//! The home units of roster rows: resolved by code or by name (village, commune) against the
//! store, cached, and checked against the importer's reach.

use std::collections::{HashMap, HashSet};

use binhdan_core::import::{Columns, RowError};
use binhdan_core::people::{PERSON_FIELDS, PersonRow, pf};
use binhdan_core::unit::{UnitCode, UnitError, UnitLevel};
use binhdan_core::{Localized, Msg};
use binhdan_store::{Store, StoreError};

/// Resolves and checks the home unit of rows, caching what the store says.
pub(super) struct Units<'a> {
    pub(super) store: &'a dyn Store,
    /// The path rows' homes must be inside, and the unit it names (for messages).
    pub(super) scope_path: String,
    pub(super) scope_name: String,
    /// The key of the message for a home outside it.
    pub(super) outside_key: &'static str,
    /// Where rows that name no unit live (`None`: a province's roster, where rows must).
    pub(super) default_unit: Option<UnitCode>,
    pub(super) default_commune: Option<UnitCode>,
    /// The province whose communes a commune's name is looked up in.
    pub(super) province: UnitCode,
    /// Units looked up: their path and name.
    pub(super) known: HashMap<UnitCode, (String, String)>,
    pub(super) unknown: HashSet<UnitCode>,
    /// Per commune: village names (identity keys) to codes.
    pub(super) villages: HashMap<UnitCode, HashMap<String, UnitCode>>,
    pub(super) communes: Option<Names>,
}

/// The communes of a province by name: exactly (identity keys, tones kept) and loosely
/// (search keys, diacritics folded), each with and without the kind (`xã`, `phường`).
#[derive(Default)]
pub(super) struct Names {
    exact: HashMap<String, Vec<(UnitCode, String)>>,
    loose: HashMap<String, Vec<(UnitCode, String)>>,
}

/// What a commune's kind looks like at the start of a name, as a search key.
const COMMUNE_KINDS: [&str; 6] = ["xa ", "phuong ", "dac khu ", "thi tran ", "x ", "p "];

impl Names {
    fn add(&mut self, code: &UnitCode, name: &str, kind: &str) {
        let entry = (code.clone(), name.to_owned());
        let exact = binhdan_core::text::identity_key(name);
        let kind_key = binhdan_core::text::identity_key(kind);
        if let Some(short) = exact.strip_prefix(&format!("{kind_key} ")) {
            push_unique(self.exact.entry(short.to_owned()).or_default(), &entry);
        }
        push_unique(self.exact.entry(exact).or_default(), &entry);
        let loose = binhdan_core::text::search_key(name);
        push_unique(
            self.loose.entry(strip_kind(&loose).to_owned()).or_default(),
            &entry,
        );
        push_unique(self.loose.entry(loose).or_default(), &entry);
    }

    /// The commune a cell names: by its exact name first, else by its name without diacritics
    /// when that is unique.
    fn find(&self, cell: &str) -> Result<UnitCode, Msg> {
        let exact = binhdan_core::text::identity_key(cell);
        if let Some([(code, _)]) = self.exact.get(&exact).map(Vec::as_slice) {
            return Ok(code.clone());
        }
        let loose = binhdan_core::text::search_key(cell);
        let found = self
            .loose
            .get(&loose)
            .or_else(|| self.loose.get(strip_kind(&loose)))
            .map(Vec::as_slice)
            .unwrap_or_default();
        match found {
            [(code, _)] => Ok(code.clone()),
            [] => Err(Msg::new("import-commune-name-unknown").arg("name", cell.to_owned())),
            many => Err(Msg::new("import-commune-name-ambiguous")
                .arg("name", cell.to_owned())
                .arg(
                    "candidates",
                    many.iter()
                        .map(|(c, n)| format!("{n} {c}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                )),
        }
    }
}

fn push_unique(list: &mut Vec<(UnitCode, String)>, entry: &(UnitCode, String)) {
    if !list.iter().any(|(c, _)| c == &entry.0) {
        list.push(entry.clone());
    }
}

fn strip_kind(key: &str) -> &str {
    COMMUNE_KINDS
        .iter()
        .find_map(|k| key.strip_prefix(k))
        .unwrap_or(key)
}

impl Units<'_> {
    async fn path(&mut self, code: &UnitCode) -> Result<Option<String>, StoreError> {
        if let Some((p, _)) = self.known.get(code) {
            return Ok(Some(p.clone()));
        }
        if self.unknown.contains(code) {
            return Ok(None);
        }
        match self.store.unit(code).await? {
            Some(u) if u.level != UnitLevel::Province => {
                self.known
                    .insert(code.clone(), (u.path.clone(), u.name.clone()));
                Ok(Some(u.path))
            }
            _ => {
                self.unknown.insert(code.clone());
                Ok(None)
            }
        }
    }

    async fn village_named(
        &mut self,
        commune: &UnitCode,
        name: &str,
    ) -> Result<Option<UnitCode>, StoreError> {
        if !self.villages.contains_key(commune) {
            let mut names = HashMap::new();
            for v in self.store.children(Some(commune)).await? {
                let full = binhdan_core::text::identity_key(&v.name);
                let kind = binhdan_core::text::identity_key(&v.division_type);
                if let Some(short) = full.strip_prefix(&format!("{kind} ")) {
                    names.insert(short.to_owned(), v.code.clone());
                }
                names.insert(full, v.code.clone());
            }
            self.villages.insert(commune.clone(), names);
        }
        Ok(self
            .villages
            .get(commune)
            .and_then(|m| m.get(&binhdan_core::text::identity_key(name)))
            .cloned())
    }

    async fn commune_named(&mut self, name: &str) -> Result<Result<UnitCode, Msg>, StoreError> {
        if self.communes.is_none() {
            let mut names = Names::default();
            for c in self.store.children(Some(&self.province)).await? {
                names.add(&c.code, &c.name, &c.division_type);
            }
            self.communes = Some(names);
        }
        Ok(self.communes.as_ref().map_or_else(
            || Err(Msg::new("import-commune-name-unknown")),
            |n| n.find(name),
        ))
    }

    /// The refusal of a home outside the roster's unit, naming both.
    fn outside(&self, unit: &UnitCode) -> Msg {
        let name = self
            .known
            .get(unit)
            .map_or_else(|| unit.as_str().to_owned(), |(_, n)| n.clone());
        Msg::new(self.outside_key)
            .arg("name", name)
            .arg("code", unit.as_str().to_owned())
            .arg("scope", self.scope_name.clone())
    }

    /// The row's home unit, or the error to report against it.
    pub(super) async fn resolve(
        &mut self,
        row: &PersonRow,
        columns: &Columns,
    ) -> Result<Result<UnitCode, RowError>, StoreError> {
        let err =
            |field: usize, msg: Msg| Ok(Err(columns.error(&PERSON_FIELDS, row.row, field, msg)));
        let mut unit = row.unit.clone();
        // A commune named rather than coded.
        if let Some(name) = &row.commune_name {
            match self.commune_named(name).await? {
                Ok(commune) => match &unit {
                    Some(u) if u.level() == UnitLevel::Village => {
                        if !u.as_str().starts_with(commune.as_str()) {
                            return err(
                                pf::VILLAGE_CODE,
                                Msg::new("person-unit-mismatch")
                                    .arg("village", u.as_str().to_owned())
                                    .arg("commune", commune.as_str().to_owned()),
                            );
                        }
                    }
                    Some(u) if u != &commune => {
                        return err(
                            pf::COMMUNE,
                            Msg::new("person-commune-mismatch")
                                .arg("name", name.clone())
                                .arg("named", commune.as_str().to_owned())
                                .arg("coded", u.as_str().to_owned()),
                        );
                    }
                    _ => unit = Some(commune),
                },
                Err(msg) => return err(pf::COMMUNE, msg),
            }
        }
        // A commune named outside the roster's unit is said first, before its villages.
        if row.commune_name.is_some()
            && let Some(commune) = unit.clone()
            && let Some(path) = self.path(&commune).await?
            && !path.starts_with(&self.scope_path)
        {
            return err(pf::COMMUNE, self.outside(&commune));
        }
        if let Some(name) = &row.village_name
            && unit
                .as_ref()
                .is_none_or(|u| u.level() == UnitLevel::Commune)
        {
            let commune = unit.clone().or_else(|| self.default_commune.clone());
            let Some(commune) = commune else {
                return err(pf::VILLAGE, Msg::new("import-village-without-commune"));
            };
            match self.village_named(&commune, name).await? {
                Some(v) => unit = Some(v),
                None => {
                    return err(
                        pf::VILLAGE,
                        Msg::new("import-village-name-unknown")
                            .arg("name", name.clone())
                            .arg("commune", commune.as_str().to_owned()),
                    );
                }
            }
        }
        let Some(unit) = unit.or_else(|| self.default_unit.clone()) else {
            return err(pf::COMMUNE, Msg::new("import-row-needs-commune"));
        };
        let field = match unit.level() {
            UnitLevel::Village if row.village_name.is_some() => pf::VILLAGE,
            UnitLevel::Village => pf::VILLAGE_CODE,
            _ if row.commune_name.is_some() => pf::COMMUNE,
            _ => pf::COMMUNE_CODE,
        };
        let Some(path) = self.path(&unit).await? else {
            return err(
                field,
                UnitError::UnknownUnit {
                    code: unit.as_str().to_owned(),
                }
                .msg(),
            );
        };
        if !path.starts_with(&self.scope_path) {
            return err(field, self.outside(&unit));
        }
        Ok(Ok(unit))
    }
}

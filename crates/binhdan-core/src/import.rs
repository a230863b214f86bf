//! Checking imported tables (CSV, XLSX) row by row, with errors that name the row, the column
//! and what is wrong, so an official can fix the whole file at once.
//!
//! The reading of bytes is the caller's; this module sees headers and rows of cells.

use crate::msg::{Localized, Msg};
use crate::text;
use crate::unit::{DivisionType, UnitCode, UnitError, UnitLevel, UnitName};

/// One problem in an imported file. `row` is the row number a spreadsheet shows (the header is
/// row 1); `column` is the header as written in the file, or the field's name if it is missing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub msg: Msg,
}

/// A field an import expects, with the header names officials use for it.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    /// Accepted headers, compared without case, diacritics, spaces or underscores.
    pub aliases: &'static [&'static str],
    pub required: bool,
}

fn header_key(h: &str) -> String {
    text::search_key(h).replace(' ', "")
}

/// Where each expected field sits in a file's header row.
#[derive(Clone, Debug)]
pub struct Columns {
    positions: Vec<Option<usize>>,
    headers: Vec<String>,
}

impl Columns {
    /// Matches the header row against the fields. A missing required field is a [`RowError`]
    /// on row 1; so is a column that two fields both claim (a header written twice).
    pub fn resolve(fields: &[Field], headers: &[String]) -> Result<Self, Vec<RowError>> {
        let keys: Vec<String> = headers
            .iter()
            .map(|h| header_key(h.trim_start_matches('\u{feff}')))
            .collect();
        let mut errors = Vec::new();
        let mut positions = Vec::with_capacity(fields.len());
        for field in fields {
            let matches: Vec<usize> = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| {
                    field
                        .aliases
                        .iter()
                        .chain(&[field.name])
                        .any(|a| header_key(a) == **k)
                })
                .map(|(i, _)| i)
                .collect();
            match matches.as_slice() {
                [] if field.required => errors.push(RowError {
                    row: 1,
                    column: field.name.to_owned(),
                    msg: Msg::new("import-column-missing")
                        .arg("column", field.aliases.first().unwrap_or(&field.name)),
                }),
                [] => positions.push(None),
                [one] => positions.push(Some(*one)),
                [first, ..] => {
                    errors.push(RowError {
                        row: 1,
                        column: headers[*first].clone(),
                        msg: Msg::new("import-column-twice").arg("column", &headers[*first]),
                    });
                    positions.push(None);
                }
            }
        }
        if errors.is_empty() {
            Ok(Self {
                positions,
                headers: headers.to_vec(),
            })
        } else {
            Err(errors)
        }
    }

    /// The trimmed cell of field number `field` (its index in the slice given to `resolve`),
    /// or `None` if the column is absent or the cell is blank.
    #[must_use]
    pub fn cell<'r>(&self, row: &'r [String], field: usize) -> Option<&'r str> {
        let pos = self.positions.get(field).copied().flatten()?;
        row.get(pos).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    /// An error in field number `field` of row `row`, named by the file's own header.
    #[must_use]
    pub fn error(&self, fields: &[Field], row: usize, field: usize, msg: Msg) -> RowError {
        RowError {
            row,
            column: self.header(field, fields),
            msg,
        }
    }

    /// Whether the file has a column for field number `field`.
    #[must_use]
    pub fn has(&self, field: usize) -> bool {
        self.positions.get(field).copied().flatten().is_some()
    }

    /// The headers of the file's columns that no field claims (blank headers left out): the
    /// importer ignores them, and says so.
    #[must_use]
    pub fn unused(&self) -> Vec<String> {
        self.headers
            .iter()
            .enumerate()
            .filter(|(i, h)| {
                !h.trim().trim_start_matches('\u{feff}').is_empty()
                    && !self.positions.contains(&Some(*i))
            })
            .map(|(_, h)| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect()
    }

    /// The header as written in the file for field number `field`.
    #[must_use]
    pub fn header(&self, field: usize, fields: &[Field]) -> String {
        self.positions
            .get(field)
            .copied()
            .flatten()
            .and_then(|p| self.headers.get(p).cloned())
            .unwrap_or_else(|| {
                fields
                    .get(field)
                    .map_or_else(String::new, |f| f.name.to_owned())
            })
    }
}

/// The columns of a village file: the commune's code, the village's name and, optionally, its
/// type (guessed from the name when absent: `Bản Lè` is a bản; otherwise a thôn).
pub const VILLAGE_FIELDS: [Field; 3] = [
    Field {
        name: "commune_code",
        aliases: &["mã xã", "ma_xa", "mã đơn vị", "commune"],
        required: true,
    },
    Field {
        name: "name",
        aliases: &["tên", "tên thôn", "ten_thon", "tên thôn bản", "village"],
        required: true,
    },
    Field {
        name: "division_type",
        aliases: &["loại", "loai", "cấp", "type"],
        required: false,
    },
];

/// A village row that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VillageRow {
    pub row: usize,
    pub commune: UnitCode,
    pub name: UnitName,
    pub division_type: DivisionType,
}

/// Checks one village row; `row_no` is the spreadsheet row number.
pub fn parse_village_row(
    columns: &Columns,
    row_no: usize,
    cells: &[String],
) -> Result<VillageRow, Vec<RowError>> {
    let fields = &VILLAGE_FIELDS;
    let mut errors = Vec::new();
    let mut fail = |field: usize, msg: Msg| errors.push(columns.error(fields, row_no, field, msg));

    let commune = match columns.cell(cells, 0) {
        None => {
            fail(0, Msg::new("import-cell-empty"));
            None
        }
        Some(c) => match UnitCode::parse_cell(c, UnitLevel::Commune) {
            Ok(code) => Some(code),
            Err(e) => {
                fail(0, e.msg());
                None
            }
        },
    };
    let name = match UnitName::parse(columns.cell(cells, 1).unwrap_or_default()) {
        Ok(n) => Some(n),
        Err(e) => {
            fail(1, e.msg());
            None
        }
    };
    let division_type = match columns.cell(cells, 2) {
        Some(t) => match DivisionType::parse(t) {
            Some(d) if d.level() == UnitLevel::Village => Some(d),
            _ => {
                fail(
                    2,
                    UnitError::UnknownDivisionType {
                        value: t.chars().take(40).collect(),
                    }
                    .msg(),
                );
                None
            }
        },
        None => Some(
            name.as_ref()
                .and_then(|n| DivisionType::from_village_name(n.as_str()))
                .unwrap_or(DivisionType::Thon),
        ),
    };
    match (commune, name, division_type) {
        (Some(commune), Some(name), Some(division_type)) if errors.is_empty() => Ok(VillageRow {
            row: row_no,
            commune,
            name,
            division_type,
        }),
        _ => Err(errors),
    }
}

/// Finds rows that repeat an earlier row's village (same commune, same name up to case, tone
/// placement and normal form) and reports each repeat against the row it repeats.
#[must_use]
pub fn duplicate_villages(rows: &[VillageRow], columns: &Columns) -> Vec<RowError> {
    let mut seen = std::collections::HashMap::new();
    let mut errors = Vec::new();
    for r in rows {
        let key = (r.commune.clone(), text::identity_key(r.name.as_str()));
        if let Some(first) = seen.get(&key) {
            errors.push(RowError {
                row: r.row,
                column: columns.header(1, &VILLAGE_FIELDS),
                msg: Msg::new("import-village-repeated")
                    .arg("name", r.name.as_str())
                    .arg("first_row", first),
            });
        } else {
            seen.insert(key, r.row);
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn headers_match_with_or_without_diacritics() {
        for h in [
            &["Mã xã", "Tên thôn", "Loại"][..],
            &["ma_xa", "TEN", "loai"],
            &["\u{feff}commune_code", "name"],
        ] {
            let cols = Columns::resolve(&VILLAGE_FIELDS, &strings(h)).unwrap();
            let row = parse_village_row(&cols, 2, &strings(&["16591", "Bản Lè", "bản"])).unwrap();
            assert_eq!(row.name.as_str(), "Bản Lè");
        }
    }

    #[test]
    fn a_missing_column_is_reported_on_row_one() {
        let errs = Columns::resolve(&VILLAGE_FIELDS, &strings(&["Tên thôn"])).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            (errs[0].row, errs[0].column.as_str(), errs[0].msg.key),
            (1, "commune_code", "import-column-missing")
        );
    }

    #[test]
    fn every_bad_cell_of_a_row_is_reported() {
        let cols = Columns::resolve(&VILLAGE_FIELDS, &strings(&["Mã xã", "Tên", "Loại"])).unwrap();
        let errs = parse_village_row(&cols, 7, &strings(&["38x", " ", "huyện"])).unwrap_err();
        let cols_named: Vec<_> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(cols_named, [(7, "Mã xã"), (7, "Tên"), (7, "Loại")]);
    }

    #[test]
    fn type_is_guessed_from_the_name_and_zeros_restored() {
        let cols = Columns::resolve(&VILLAGE_FIELDS, &strings(&["Mã xã", "Tên"])).unwrap();
        let r = parse_village_row(&cols, 2, &strings(&["4", "Tổ dân phố 3"])).unwrap();
        assert_eq!(
            (r.commune.as_str(), r.division_type),
            ("00004", DivisionType::ToDanPho)
        );
        let r = parse_village_row(&cols, 3, &strings(&["16591", "Yên Thái"])).unwrap();
        assert_eq!(r.division_type, DivisionType::Thon);
    }

    #[test]
    fn repeated_villages_point_to_the_first_row() {
        let cols = Columns::resolve(&VILLAGE_FIELDS, &strings(&["Mã xã", "Tên"])).unwrap();
        let rows: Vec<_> = [
            ("16591", "Thôn Hoà"),
            ("16591", "thôn hòa"),
            ("16636", "Thôn Hoà"),
            ("16591", "Thôn Hoa"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (c, n))| parse_village_row(&cols, i + 2, &strings(&[c, n])).unwrap())
        .collect();
        let errs = duplicate_villages(&rows, &cols);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, 3);
        assert_eq!(errs[0].msg.args[1], ("first_row", "2".to_owned()));
    }
}

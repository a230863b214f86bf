//! Official population figures: one count per unit and target group.

use std::collections::HashMap;

use super::{PersonError, echo};
use crate::import::{Columns, Field, RowError};
use crate::kpi::Group;
use crate::msg::{Localized, Msg};
use crate::text;
use crate::unit::UnitCode;

/// The columns of a file of official population figures: one count per unit and group.
pub const POPULATION_FIELDS: [Field; 3] = [
    Field {
        name: "unit_code",
        aliases: &[
            "Mã đơn vị",
            "ma_don_vi",
            "Mã xã",
            "Mã thôn",
            "Mã tỉnh",
            "Mã",
            "unit",
        ],
        required: true,
    },
    Field {
        name: "group",
        aliases: &["Đối tượng", "doi_tuong", "Nhóm", "Nhóm đối tượng"],
        required: true,
    },
    Field {
        name: "count",
        aliases: &["Số lượng", "so_luong", "Số người", "Tổng số", "Dân số"],
        required: true,
    },
];

/// A population figure that passed its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PopulationRow {
    pub row: usize,
    pub unit_code: UnitCode,
    pub group: Group,
    pub count: u32,
}

/// Reads a target group in Vietnamese or English (`Người trưởng thành`, `adult`, `Học sinh`,
/// `CBCCVC`, `Cán bộ, công chức, viên chức`, `public_servant`, `Người lao động`, `worker`…).
pub fn parse_group(input: &str) -> Result<Group, PersonError> {
    let key = text::search_key(input).replace(' ', "");
    match key.as_str() {
        "nguoitruongthanh" | "truongthanh" | "nguoidan" | "adult" | "adults" => Ok(Group::Adult),
        "hocsinh" | "student" | "students" | "hocsinhsinhvien" => Ok(Group::Student),
        "cbccvc"
        | "cbccvcnld"
        | "canbocongchucvienchuc"
        | "canbocongchucvienchucnguoilaodong"
        | "publicservant"
        | "publicservants" => Ok(Group::PublicServant),
        "nguoilaodong" | "laodong" | "congnhan" | "worker" | "workers" => Ok(Group::Worker),
        _ => Err(PersonError::GroupUnknown { value: echo(input) }),
    }
}

/// Reads a count as officials type it: `1234`, `1.234`, `1,234`, `1 234` (thousands
/// separators, where each group after the first has three digits), `1234.0` (a spreadsheet's
/// number). A fraction such as `1,5` or a negative number is refused.
pub fn parse_count(input: &str) -> Result<u32, PersonError> {
    let s: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    let invalid = || PersonError::CountInvalid { value: echo(input) };
    if s.is_empty() {
        return Err(invalid());
    }
    if s.starts_with('-') && s.len() > 1 {
        return Err(PersonError::CountNegative);
    }
    let digits = if s.bytes().all(|b| b.is_ascii_digit()) {
        s
    } else if let Some(sep) = s.chars().find(|c| matches!(c, '.' | ','))
        && let groups = s.split(sep).collect::<Vec<_>>()
        && groups.len() >= 2
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
    {
        groups.concat()
    } else if let Some((int, frac)) = s.split_once(['.', ','])
        && !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
    {
        int.to_owned()
    } else {
        return Err(invalid());
    };
    digits.parse::<u32>().map_err(|_| invalid())
}

/// Checks one population row; `row_no` is the spreadsheet row number.
pub fn parse_population_row(
    columns: &Columns,
    row_no: usize,
    cells: &[String],
) -> Result<PopulationRow, Vec<RowError>> {
    let fields = &POPULATION_FIELDS;
    let mut errors = Vec::new();
    let mut fail = |field: usize, msg: Msg| errors.push(columns.error(fields, row_no, field, msg));
    let unit = match columns.cell(cells, 0) {
        None => {
            fail(0, Msg::new("import-cell-empty"));
            None
        }
        Some(c) => match UnitCode::parse(c.strip_suffix(".0").unwrap_or(c)) {
            Ok(u) => Some(u),
            Err(e) => {
                fail(0, e.msg());
                None
            }
        },
    };
    let group = match columns.cell(cells, 1) {
        None => {
            fail(1, Msg::new("import-cell-empty"));
            None
        }
        Some(g) => match parse_group(g) {
            Ok(g) => Some(g),
            Err(e) => {
                fail(1, e.msg());
                None
            }
        },
    };
    let count = match columns.cell(cells, 2) {
        None => {
            fail(2, Msg::new("import-cell-empty"));
            None
        }
        Some(c) => match parse_count(c) {
            Ok(n) => Some(n),
            Err(e) => {
                fail(2, e.msg());
                None
            }
        },
    };
    match (unit, group, count) {
        (Some(unit_code), Some(group), Some(count)) => Ok(PopulationRow {
            row: row_no,
            unit_code,
            group,
            count,
        }),
        _ => Err(errors),
    }
}

/// Rows that give a second figure for the same unit and group, against the first.
#[must_use]
pub fn duplicate_population(rows: &[PopulationRow], columns: &Columns) -> Vec<RowError> {
    let mut seen: HashMap<(&UnitCode, Group), usize> = HashMap::new();
    let mut errors = Vec::new();
    for r in rows {
        match seen.entry((&r.unit_code, r.group)) {
            std::collections::hash_map::Entry::Occupied(first) => errors.push(RowError {
                row: r.row,
                column: columns.header(1, &POPULATION_FIELDS),
                msg: PersonError::PopulationRepeated {
                    unit: r.unit_code.as_str().to_owned(),
                    group: r.group,
                    first_row: *first.get(),
                }
                .msg(),
            }),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(r.row);
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::test_util::strings;

    #[test]
    fn groups_and_counts() {
        for (s, g) in [
            ("Người trưởng thành", Group::Adult),
            ("adult", Group::Adult),
            ("NGUOI TRUONG THANH", Group::Adult),
            ("Học sinh", Group::Student),
            ("student", Group::Student),
            ("CBCCVC", Group::PublicServant),
            ("Cán bộ, công chức, viên chức", Group::PublicServant),
            ("public_servant", Group::PublicServant),
            ("Người lao động", Group::Worker),
            ("worker", Group::Worker),
        ] {
            assert_eq!(parse_group(s), Ok(g), "{s}");
        }
        assert!(parse_group("trẻ em").is_err());
        for (s, n) in [
            ("1234", 1234),
            ("1.234", 1234),
            ("1,234", 1234),
            ("1 234", 1234),
            ("12.345.678", 12_345_678),
            ("1234.0", 1234),
            ("0", 0),
            ("  42 ", 42),
        ] {
            assert_eq!(parse_count(s), Ok(n), "{s}");
        }
        assert_eq!(parse_count("-5"), Err(PersonError::CountNegative));
        for bad in ["1,5", "1.23", "abc", "", "1.234,5", "99999999999"] {
            assert!(
                matches!(parse_count(bad), Err(PersonError::CountInvalid { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn population_rows() {
        let c = Columns::resolve(
            &POPULATION_FIELDS,
            &strings(&["Mã đơn vị", "Đối tượng", "Số lượng"]),
        )
        .unwrap();
        let rows: Vec<_> = [
            ["16591", "Người trưởng thành", "1.234"],
            ["16591", "Học sinh", "300"],
            ["16591", "adult", "5"],
        ]
        .iter()
        .enumerate()
        .map(|(i, r)| parse_population_row(&c, i + 2, &strings(r)).unwrap())
        .collect();
        assert_eq!(rows[0].count, 1234);
        let errs = duplicate_population(&rows, &c);
        assert_eq!((errs.len(), errs[0].row), (1, 4));
        let errs = parse_population_row(&c, 7, &strings(&["165", "trẻ em", "-1"])).unwrap_err();
        let got: Vec<_> = errs.iter().map(|e| e.msg.key).collect();
        assert_eq!(
            got,
            [
                "unit-code-malformed",
                "population-group-unknown",
                "population-count-negative"
            ]
        );
    }
}

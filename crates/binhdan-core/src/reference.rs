//! Reference data shipped inside the binary: the GSO list of provinces and communes after the
//! 1 July 2025 reorganisation, and the structure of the national digital competence framework
//! (Circular 02/2025/TT-BGDĐT). Parsed from CSV embedded at compile time.

use serde::Deserialize;

use crate::unit::{DivisionType, UnitCode, UnitLevel};

const ADMIN_UNITS_CSV: &str = include_str!("../data/vn-admin-units-2025.csv");
const COMPETENCES_CSV: &str = include_str!("../data/digital-competence-framework-2025.csv");

/// A province or commune of the official list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminUnit {
    pub code: UnitCode,
    pub name: String,
    pub division_type: DivisionType,
    pub level: UnitLevel,
    pub parent_code: Option<UnitCode>,
}

#[derive(Deserialize)]
struct AdminRow {
    code: String,
    name: String,
    division_type: String,
    level: String,
    parent_code: String,
}

/// Why the embedded reference data could not be read (a build with a broken data file).
#[derive(Debug, thiserror::Error)]
#[error("reference data, row {row}: {reason}")]
pub struct ReferenceError {
    pub row: usize,
    pub reason: String,
}

/// The 34 provinces and 3,321 communes, provinces first, in the order of the official list.
pub fn admin_units() -> Result<Vec<AdminUnit>, ReferenceError> {
    let mut reader = csv::Reader::from_reader(ADMIN_UNITS_CSV.as_bytes());
    let mut units = Vec::with_capacity(3400);
    for (i, row) in reader.deserialize::<AdminRow>().enumerate() {
        let row_no = i + 2;
        let err = |reason: String| ReferenceError {
            row: row_no,
            reason,
        };
        let row = row.map_err(|e| err(e.to_string()))?;
        let level =
            UnitLevel::parse(&row.level).ok_or_else(|| err(format!("level {:?}", row.level)))?;
        let division_type = DivisionType::parse(&row.division_type)
            .ok_or_else(|| err(format!("division_type {:?}", row.division_type)))?;
        let code = UnitCode::parse(&row.code).map_err(|e| err(e.to_string()))?;
        if code.level() != level || division_type.level() != level {
            return Err(err(format!(
                "code {code} does not fit level {}",
                level.as_str()
            )));
        }
        let parent_code = match row.parent_code.as_str() {
            "" => None,
            p => Some(UnitCode::parse(p).map_err(|e| err(e.to_string()))?),
        };
        units.push(AdminUnit {
            code,
            name: crate::text::clean(&row.name),
            division_type,
            level,
            parent_code,
        });
    }
    units.sort_by_key(|u| u.level);
    Ok(units)
}

/// A domain (`1`) or component competence (`1.1`) of the framework.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Competence {
    pub code: String,
    pub domain: String,
    /// Empty for a domain.
    pub name: String,
}

#[derive(Deserialize)]
struct CompetenceRow {
    code: String,
    domain: String,
    competence: String,
}

/// The six domains and 24 component competences.
pub fn competences() -> Result<Vec<Competence>, ReferenceError> {
    let mut reader = csv::Reader::from_reader(COMPETENCES_CSV.as_bytes());
    reader
        .deserialize::<CompetenceRow>()
        .enumerate()
        .map(|(i, row)| {
            let row = row.map_err(|e| ReferenceError {
                row: i + 2,
                reason: e.to_string(),
            })?;
            Ok(Competence {
                code: row.code,
                domain: row.domain,
                name: row.competence,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_official_list_has_34_provinces_and_3321_communes() {
        let units = admin_units().unwrap();
        let provinces = units
            .iter()
            .filter(|u| u.level == UnitLevel::Province)
            .count();
        let communes = units
            .iter()
            .filter(|u| u.level == UnitLevel::Commune)
            .count();
        assert_eq!((provinces, communes), (34, 3321));
        let thanh_hoa = units.iter().find(|u| u.code.as_str() == "38").unwrap();
        assert_eq!(thanh_hoa.name, "Thanh Hóa");
        let in_38 = units
            .iter()
            .filter(|u| u.parent_code.as_ref().is_some_and(|p| p.as_str() == "38"))
            .count();
        assert_eq!(in_38, 166);
        assert_eq!(
            units.iter().find(|u| u.code.as_str() == "01").unwrap().name,
            "Thành phố Hà Nội"
        );
        // Every commune's parent is in the list.
        for u in units.iter().filter(|u| u.level == UnitLevel::Commune) {
            let parent = u.parent_code.as_ref().unwrap();
            assert!(units.iter().any(|p| &p.code == parent), "{}", u.code);
        }
    }

    #[test]
    fn the_framework_has_six_domains_and_24_competences() {
        let all = competences().unwrap();
        assert_eq!(all.iter().filter(|c| !c.code.contains('.')).count(), 6);
        assert_eq!(all.iter().filter(|c| c.code.contains('.')).count(), 24);
    }
}

//! Rows as they come out of SQL, and their conversion to domain values. Shared by both
//! backends (`FromRow` is generic over the database).

use binhdan_core::unit::{Unit, UnitCode, UnitLevel};

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub division_type: String,
    pub name: String,
    pub path: String,
}

impl UnitRow {
    pub fn into_unit(self) -> Unit {
        let code = UnitCode::from_stored(self.code);
        Unit {
            level: UnitLevel::parse(&self.level).unwrap_or_else(|| code.level()),
            code,
            name: self.name,
            division_type: self.division_type,
            parent_code: self.parent_code.map(UnitCode::from_stored),
            path: self.path,
        }
    }
}

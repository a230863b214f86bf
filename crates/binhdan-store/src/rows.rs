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

#[derive(sqlx::FromRow)]
pub(crate) struct CourseRow {
    pub id: String,
    pub version: i64,
    pub grp: String,
    pub title: String,
    pub summary: String,
    pub modules: i64,
    pub lessons: i64,
}

impl CourseRow {
    pub fn into_summary(self) -> crate::CourseSummary {
        crate::CourseSummary {
            id: self.id,
            version: u32::try_from(self.version).unwrap_or(0),
            group: self.grp,
            title: self.title,
            summary: self.summary,
            modules: u64::try_from(self.modules).unwrap_or(0),
            lessons: u64::try_from(self.lessons).unwrap_or(0),
        }
    }
}

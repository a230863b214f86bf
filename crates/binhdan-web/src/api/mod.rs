//! The JSON API under `/api/v1`. Every handler is annotated for the OpenAPI document, and
//! every route is registered through `utoipa_axum`, so the document lists exactly the routes
//! that exist.

pub mod ops;
pub mod units;

use serde::Serialize;
use utoipa::ToSchema;

/// A unit as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDto {
    /// GSO code (province: 2 digits, commune: 5) or village code (8 digits).
    pub code: String,
    pub name: String,
    /// `province`, `commune` or `village`.
    pub level: String,
    /// `tỉnh`, `thành phố trung ương`, `xã`, `phường`, `đặc khu`, `thôn`, `bản`, `tổ dân phố`…
    pub division_type: String,
    pub parent_code: Option<String>,
}

impl From<binhdan_core::unit::Unit> for UnitDto {
    fn from(u: binhdan_core::unit::Unit) -> Self {
        Self {
            code: u.code.to_string(),
            name: u.name,
            level: u.level.as_str().to_owned(),
            division_type: u.division_type,
            parent_code: u.parent_code.map(|c| c.to_string()),
        }
    }
}

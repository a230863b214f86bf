//! What the store offers, one module per area: each area's trait and the records it takes and
//! returns. The crate root re-exports all of it (`binhdan_store::UnitStore`, …); the SQL behind
//! each trait is in `sql/<area>.rs`, compiled into both backends.

pub mod assessment;
pub mod assist;
pub mod certificates;
pub mod content;
pub mod counters;
pub mod dashboard;
pub mod events;
pub mod learning;
pub mod ops;
pub mod people;
pub mod population;
pub mod residents;
pub mod staff;
pub mod targets;
pub mod teams;
pub mod units;

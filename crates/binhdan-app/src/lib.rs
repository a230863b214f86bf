//! Use cases: what the web server and the command line both do, on top of the domain
//! (`binhdan-core`) and the store (`binhdan-store`). Time and randomness come in as arguments.

pub mod abilities;
pub mod bootstrap;
pub mod cache;
pub mod certificates;
pub mod content;
pub mod dashboard;
pub mod delivery;
pub mod demo;
pub mod events;
pub mod exam;
pub mod irt;
pub mod keys;
pub mod learning_status;
pub mod offline;
pub mod people;
pub mod person;
pub mod population;
pub mod public;
pub mod reports;
pub mod revocation;
pub mod staff;
pub mod targets;
pub mod teams;
pub mod unit_search;
pub mod villages;

pub use villages::{ImportFailure, ImportOptions, ImportReport, import_villages};

#[cfg(test)]
mod counters_tests;
#[cfg(test)]
mod irt_tests;
#[cfg(test)]
mod people_tests;
#[cfg(test)]
mod public_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

//! The pure domain of Bình Dân.
//!
//! Everything here is deterministic and free of I/O and async: administrative units and their
//! codes, Vietnamese text handling, the campaign's targets, localisable messages and the
//! synthetic demo province. Time and randomness are passed in by the caller.

pub mod audit;
pub mod cccd;
pub mod demo;
pub mod import;
pub mod kpi;
pub mod msg;
pub mod people;
pub mod reference;
pub mod secret;
pub mod text;
pub mod time;
pub mod unit;

pub use msg::{Localized, Msg};
pub use secret::Secret;
pub use time::Timestamp;

//! Errors of the IRT library.

use thiserror::Error;

/// Why a calibration, an ability estimate or a simulation could not be done.
///
/// For a calibration, every error means "keep the previous parameters": the
/// caller should say so (e.g. "too little data since the last calibration").
#[derive(Debug, Clone, PartialEq, Error)]
pub enum IrtError {
    /// Fewer responses in total than the configured minimum.
    #[error("too little data: {responses} responses, at least {min} needed")]
    TooFewResponses {
        /// Responses given.
        responses: usize,
        /// Configured minimum ([`crate::CalibrationConfig::min_responses`]).
        min: usize,
    },
    /// Fewer distinct persons with at least one response than the configured minimum.
    #[error("too little data: {persons} persons answered, at least {min} needed")]
    TooFewPersons {
        /// Persons with at least one response.
        persons: usize,
        /// Configured minimum ([`crate::CalibrationConfig::min_persons`]).
        min: usize,
    },
    /// No item reached the per-item minimum number of responses.
    #[error("too little data: no item has {min} responses or more")]
    NoCalibratableItem {
        /// Configured per-item minimum ([`crate::CalibrationConfig::min_item_responses`]).
        min: usize,
    },
    /// A response or design names an item outside the bank.
    #[error("item index {item} out of range (bank has {items} items)")]
    ItemOutOfRange {
        /// The offending item index.
        item: usize,
        /// Size of the bank.
        items: usize,
    },
    /// An item bank with no items.
    #[error("the item bank is empty")]
    EmptyBank,
    /// A configuration value outside its domain (named in the message).
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// A score above the highest category of its item.
    #[error("score {score} out of range for item {item} (scores 0..={max})")]
    ScoreOutOfRange {
        /// The item index.
        item: usize,
        /// The offending score.
        score: u8,
        /// The item's highest score.
        max: usize,
    },
    /// Item parameters that are not finite or have `a <= 0`.
    #[error("invalid parameters for item {item}: a must be finite and > 0, b finite")]
    InvalidParams {
        /// Index of the offending item.
        item: usize,
    },
}

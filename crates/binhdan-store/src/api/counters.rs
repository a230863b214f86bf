//! The counters recomputed from the facts, to check (or mend) those moved fact by fact.

use async_trait::async_trait;
use binhdan_core::Timestamp;

use crate::{AdultCutoff, Result};

/// A counter whose stored value is not what the facts give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterDifference {
    /// `unit:16591` or `organisation:3`.
    pub scope: String,
    pub group: String,
    pub metric: String,
    pub stored: i64,
    pub rebuilt: i64,
}

/// What `rebuild_counters` found (and, if asked, mended).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CounterRebuild {
    /// Counters compared (stored or rebuilt).
    pub compared: usize,
    pub differences: Vec<CounterDifference>,
    /// The differences were written (each counter set to its rebuilt value).
    pub written: bool,
}

/// The counters recomputed from the facts (DESIGN invariant 1: a rebuild gives the same
/// numbers as the counters moved fact by fact).
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Recomputes every unit and organisation counter from the facts, in one transaction, and
    /// reports those that differ; with `write`, sets them to the rebuilt values (a commune's
    /// daily changes get the correction on today).
    async fn rebuild_counters(
        &self,
        cutoff: AdultCutoff,
        write: bool,
        now: Timestamp,
    ) -> Result<CounterRebuild>;
}

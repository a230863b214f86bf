//! Official population figures, the denominators of the KPIs.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::demo::PopulationFigure;
use binhdan_core::kpi::Group;
use binhdan_core::unit::UnitCode;

use crate::Result;

/// Official population figures (the denominators of the KPIs).
#[async_trait]
pub trait PopulationStore: Send + Sync {
    /// Sets figures, replacing earlier ones for the same unit and group, in one transaction.
    async fn set_population(
        &self,
        figures: &[PopulationFigure],
        source: &str,
        now: Timestamp,
    ) -> Result<u64>;
    /// The sum of the figures in a unit's subtree, per group.
    async fn population_under(&self, root: &UnitCode) -> Result<Vec<(Group, u64)>>;
}

//! Targets per unit and KPI, set by the province.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::kpi::{Kpi, Target};
use binhdan_core::unit::UnitCode;

use crate::Result;

/// A target a province set on a unit: it holds there and below, where no nearer unit has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitTarget {
    pub unit_code: UnitCode,
    pub kpi: Kpi,
    pub target: Target,
    /// Who set it (the audit actor).
    pub set_by: String,
    pub set_at: Timestamp,
}

/// Targets per unit (the plan's defaults hold wherever none is set).
#[async_trait]
pub trait TargetStore: Send + Sync {
    /// Sets (`Some`) or clears (`None`) a unit's target for a KPI, and appends the audit record,
    /// in one transaction. `NotFound(Entity::Unit)` when there is no such unit.
    async fn set_target(
        &self,
        unit: &UnitCode,
        kpi: Kpi,
        target: Option<Target>,
        by: &str,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()>;
    /// The targets set on any of these units.
    async fn targets_on(&self, units: &[UnitCode]) -> Result<Vec<UnitTarget>>;
}

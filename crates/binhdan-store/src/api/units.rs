//! Administrative units: provinces, communes and villages, their subtrees, and villages
//! created by officials.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::reference::AdminUnit;
use binhdan_core::unit::{DivisionType, Unit, UnitCode, UnitLevel, UnitName};

use crate::Result;

/// A search over units.
#[derive(Clone, Debug, Default)]
pub struct UnitQuery {
    /// Free text, matched without regard to case or diacritics.
    pub text: String,
    pub level: Option<UnitLevel>,
    /// Only units in this unit's subtree (itself included).
    pub within: Option<UnitCode>,
    pub limit: u32,
}

/// A unit with the key searches match (`text::search_key` of its name, as stored).
#[derive(Clone, Debug)]
pub struct KeyedUnit {
    pub name_key: String,
    pub unit: Unit,
}

/// A village to create under a commune.
#[derive(Clone, Debug)]
pub struct NewVillage {
    pub commune: UnitCode,
    pub name: UnitName,
    pub division_type: DivisionType,
}

/// Whether a batch is written or only checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    Commit,
    /// Run every check inside a transaction and roll it back.
    DryRun,
}

/// How many units of each level a subtree holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SubtreeCounts {
    pub communes: u64,
    pub villages: u64,
}

/// Administrative units.
#[async_trait]
pub trait UnitStore: Send + Sync {
    /// Loads the official provinces and communes; units already present are left as they are.
    /// Returns how many were added.
    async fn load_admin_units(&self, units: &[AdminUnit], now: Timestamp) -> Result<u64>;
    async fn unit(&self, code: &UnitCode) -> Result<Option<Unit>>;
    /// The units with these codes (unknown codes are skipped), in code order.
    async fn units_by_codes(&self, codes: &[UnitCode]) -> Result<Vec<Unit>>;
    /// The unit and its ancestors, from the province down.
    async fn lineage(&self, code: &UnitCode) -> Result<Vec<Unit>>;
    /// Direct children, by code; the provinces when `parent` is `None`.
    async fn children(&self, parent: Option<&UnitCode>) -> Result<Vec<Unit>>;
    /// Units under `root` (not itself), optionally of one level, in code order, after the
    /// cursor `after`, at most `limit`: one range scan on the path index.
    async fn descendants(
        &self,
        root: &UnitCode,
        level: Option<UnitLevel>,
        after: Option<&UnitCode>,
        limit: u32,
    ) -> Result<Vec<Unit>>;
    async fn subtree_counts(&self, root: &UnitCode) -> Result<SubtreeCounts>;
    /// The units whose key contains the query's key (case and diacritics folded): the exact
    /// name first, then names that start with it, each by level (province, commune, village),
    /// key and code. A full scan of `unit`: for requests, `app::unit_search` answers the same
    /// from memory.
    async fn search_units(&self, query: &UnitQuery) -> Result<Vec<Unit>>;
    /// Every unit with its search key, for an index in memory (`app::unit_search`).
    async fn keyed_units(&self) -> Result<Vec<KeyedUnit>>;
    /// Creates villages, all or nothing: if any is refused (unknown commune, a name the
    /// commune already has), nothing is written and every refusal is returned.
    async fn create_villages(
        &self,
        villages: &[NewVillage],
        mode: WriteMode,
        now: Timestamp,
    ) -> Result<Vec<Unit>>;
}

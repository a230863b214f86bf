//! The public figures of a unit (what its public page and the home page show), read from the
//! counters in one go and kept a few seconds ([`FIGURES_TTL`]) in the server's one TTL cache:
//! a crowd on the home page reads the counters once per unit every few seconds, not once per
//! request. The figures are raw (counts, targets); hiding counts under five and wording them
//! is the page's job, per request and language.

use std::sync::Arc;
use std::time::Duration;

use binhdan_core::Timestamp;
use binhdan_core::kpi::Group;
use binhdan_core::unit::{Unit, UnitCode, UnitLevel};
use binhdan_store::{Store, StoreError, SubtreeCounts};

use crate::cache::TtlCache;
use crate::targets::InForce;

/// How old the public figures may be.
pub const FIGURES_TTL: Duration = Duration::from_secs(2);

/// At most this many units' figures are kept (a province has a few thousand units).
const CAPACITY: usize = 20_000;

/// A unit's public figures, from the counters (never a scan of people).
#[derive(Clone, Debug)]
pub struct UnitFigures {
    /// The province first, the unit last.
    pub lineage: Vec<Unit>,
    /// Its communes or villages, by code.
    pub children: Vec<Unit>,
    /// How many communes and villages are under it.
    pub subtree: SubtreeCounts,
    /// The targets in force at the unit.
    pub targets: Vec<InForce>,
    /// Official population per group.
    pub population: Vec<(Group, u64)>,
    /// People on the roster per group (the denominator where no official figure exists).
    pub roster: Vec<(Group, u64)>,
    /// Learning counters per group and metric, summed over the unit.
    pub learning: Vec<(Group, String, i64)>,
}

impl UnitFigures {
    /// The unit itself.
    #[must_use]
    pub fn unit(&self) -> Option<&Unit> {
        self.lineage.last()
    }
}

/// Reads a unit's public figures now; `None` for an unknown unit.
///
/// # Errors
/// The store failed.
pub async fn unit_figures(
    store: &dyn Store,
    code: &UnitCode,
) -> Result<Option<UnitFigures>, StoreError> {
    let lineage = store.lineage(code).await?;
    let Some(unit) = lineage.last() else {
        return Ok(None);
    };
    let children = store.children(Some(code)).await?;
    // Only the province's page says how many villages it holds.
    let subtree = if unit.level == UnitLevel::Province {
        store.subtree_counts(code).await?
    } else {
        SubtreeCounts::default()
    };
    let targets = crate::targets::in_force(store, &lineage).await?;
    let population = store.population_under(code).await?;
    let roster = store.roster_under(&unit.path, unit.level, code).await?;
    let learning = store.learning_under(code).await?;
    Ok(Some(UnitFigures {
        lineage,
        children,
        subtree,
        targets,
        population,
        roster,
        learning,
    }))
}

/// Units' public figures as read within the last [`FIGURES_TTL`] (one reader refreshes an
/// entry when it is due; see [`crate::cache`]).
pub struct PublicFigures {
    units: TtlCache<UnitCode, Arc<UnitFigures>>,
}

impl Default for PublicFigures {
    fn default() -> Self {
        Self {
            units: TtlCache::new(FIGURES_TTL, CAPACITY),
        }
    }
}

impl PublicFigures {
    /// A unit's figures, at most [`FIGURES_TTL`] old at `now`; `None` for an unknown unit
    /// (not kept: an unknown code costs one indexed look-up).
    ///
    /// # Errors
    /// The store failed.
    pub async fn of(
        &self,
        store: &dyn Store,
        code: &UnitCode,
        now: Timestamp,
    ) -> Result<Option<Arc<UnitFigures>>, StoreError> {
        let found = self
            .units
            .get_or_try_load(code.clone(), now, || async {
                unit_figures(store, code)
                    .await?
                    .map(Arc::new)
                    .ok_or(Unknown::Unit)
            })
            .await;
        match found {
            Ok(f) => Ok(Some(f)),
            Err(Unknown::Unit) => Ok(None),
            Err(Unknown::Store(e)) => Err(e),
        }
    }
}

/// Why figures were not loaded.
enum Unknown {
    Unit,
    Store(StoreError),
}

impl From<StoreError> for Unknown {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

//! Unit search from memory: the same answers as `UnitStore::search_units`, without its full
//! scan of `unit` on every request.
//!
//! Units change rarely (the official map is loaded once; villages are created by officials)
//! and are never renamed or deleted, so every unit's search key is kept in memory, in the order
//! the answers are given: level (province, commune, village), then key, then code. A search
//! is one pass of `str::find` over all the keys joined in that order. The list is a
//! [`TtlCache`] entry trusted for [`UNITS_TTL`]: a village created by another server or by
//! the command line is found within that time; the server that creates villages forgets the
//! list at once ([`UnitSearch::forget`]).
//!
//! Matching is `search_units`'s exactly (the key contains the query's key; the exact key
//! first, then keys starting with it; then level, key and code, compared as bytes as
//! SQLite's `BINARY` and PostgreSQL's `COLLATE "C"` do): a test compares the two on both
//! backends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use binhdan_core::Timestamp;
use binhdan_core::text::{MAX_SEARCH_CHARS, search_key};
use binhdan_core::unit::{Unit, UnitLevel, UnitPath};
use binhdan_store::{KeyedUnit, Store, StoreError, UnitQuery};

use crate::cache::{Lookup, TtlCache};

/// How long the list of units is trusted.
pub const UNITS_TTL: Duration = Duration::from_secs(30);

/// The units' search keys, kept a short while.
pub struct UnitSearch {
    index: TtlCache<(), Arc<UnitIndex>>,
    /// One reader loads the list at a time: a crowd arriving when there is none (at start,
    /// or after [`UnitSearch::forget`]) waits for that one instead of each reading it.
    loading: tokio::sync::Mutex<()>,
}

impl Default for UnitSearch {
    fn default() -> Self {
        Self {
            index: TtlCache::new(UNITS_TTL, 1),
            loading: tokio::sync::Mutex::new(()),
        }
    }
}

impl UnitSearch {
    /// What `store.search_units(query)` answers, from the list read at most [`UNITS_TTL`]
    /// ago (read now if older).
    ///
    /// # Errors
    /// The store's, when the list has to be read.
    pub async fn search(
        &self,
        store: &dyn Store,
        query: &UnitQuery,
        now: Timestamp,
    ) -> Result<Vec<Unit>, StoreError> {
        let key: String = search_key(&query.text)
            .chars()
            .take(MAX_SEARCH_CHARS)
            .collect();
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let index = match self.index.lookup(&(), now) {
            Lookup::Fresh(index) | Lookup::Stale(index) => index,
            Lookup::Load => {
                let _one = self.loading.lock().await;
                match self.index.get(&(), now) {
                    // Loaded by the reader this one waited for.
                    Some(index) => index,
                    None => match store.keyed_units().await {
                        Ok(units) => {
                            let index = Arc::new(UnitIndex::new(units));
                            self.index.insert((), index.clone(), now);
                            index
                        }
                        Err(e) => {
                            self.index.release(&());
                            return Err(e);
                        }
                    },
                }
            }
        };
        Ok(index.search(&key, query))
    }

    /// Forgets the list (units were created here): the next search reads it again.
    pub fn forget(&self) {
        self.index.clear();
    }
}

/// Every unit's key, joined in answer order.
pub struct UnitIndex {
    /// The units in answer order: level, key, code.
    units: Vec<KeyedUnit>,
    /// The keys joined by `\n` (never in a key), in the same order.
    keys: String,
    /// Where each unit's key starts in `keys`.
    starts: Vec<usize>,
    /// A unit's position by code.
    by_code: HashMap<String, usize>,
}

fn level_rank(level: UnitLevel) -> u8 {
    match level {
        UnitLevel::Province => 0,
        UnitLevel::Commune => 1,
        UnitLevel::Village => 2,
    }
}

impl UnitIndex {
    #[must_use]
    pub fn new(mut units: Vec<KeyedUnit>) -> Self {
        units.sort_by(|a, b| {
            (
                level_rank(a.unit.level),
                a.name_key.as_bytes(),
                a.unit.code.as_str().as_bytes(),
            )
                .cmp(&(
                    level_rank(b.unit.level),
                    b.name_key.as_bytes(),
                    b.unit.code.as_str().as_bytes(),
                ))
        });
        let mut keys = String::with_capacity(units.iter().map(|u| u.name_key.len() + 1).sum());
        let mut starts = Vec::with_capacity(units.len());
        let mut by_code = HashMap::with_capacity(units.len());
        for (i, u) in units.iter().enumerate() {
            starts.push(keys.len());
            keys.push_str(&u.name_key);
            keys.push('\n');
            by_code.insert(u.unit.code.as_str().to_owned(), i);
        }
        Self {
            units,
            keys,
            starts,
            by_code,
        }
    }

    /// The answer to `query`, whose text folds to `key` (not empty).
    #[must_use]
    pub fn search(&self, key: &str, query: &UnitQuery) -> Vec<Unit> {
        let within = match &query.within {
            Some(root) => match self.by_code.get(root.as_str()) {
                Some(&i) => {
                    let path = &self.units[i].unit.path;
                    Some((
                        path.clone(),
                        UnitPath::from_stored(path.clone()).subtree_upper_bound(),
                    ))
                }
                None => return Vec::new(),
            },
            None => None,
        };
        let limit = usize::try_from(query.limit.clamp(1, 200)).unwrap_or(200);
        let (mut exact, mut prefix, mut other) = (Vec::new(), Vec::new(), Vec::new());
        let mut from = 0;
        while let Some(found) = self.keys.get(from..).and_then(|rest| rest.find(key)) {
            let at = from + found;
            // The unit whose key holds this match (the last start at or before it); the next
            // search starts at the next unit's key.
            let i = self.starts.partition_point(|&s| s <= at) - 1;
            from = self.starts.get(i + 1).copied().unwrap_or(self.keys.len());
            let u = &self.units[i];
            if query.level.is_some_and(|l| l != u.unit.level) {
                continue;
            }
            if let Some((lower, upper)) = &within
                && !(u.unit.path.as_str() >= lower.as_str()
                    && u.unit.path.as_str() < upper.as_str())
            {
                continue;
            }
            if u.name_key == key {
                exact.push(i);
            } else if at == self.starts[i] {
                prefix.push(i);
            } else if other.len() < limit {
                other.push(i);
            }
        }
        exact
            .into_iter()
            .chain(prefix)
            .chain(other)
            .take(limit)
            .map(|i| self.units[i].unit.clone())
            .collect()
    }
}

#[cfg(test)]
#[path = "unit_search_tests.rs"]
mod tests;

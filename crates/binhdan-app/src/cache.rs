//! The one time-to-live cache of the server: values read from the store (public figures,
//! rendered public pages, quizzes, sessions…) kept for a few seconds. Age is measured on the
//! server's `Clock`: every call takes `now` (what `state.clock.now()` says), so tests move
//! time instead of sleeping, and a clock that steps back never makes an entry immortal.
//!
//! One policy for everything:
//! - an entry is fresh while `0 <= now - stored < ttl`;
//! - when an entry is stale, the first reader to ask refreshes it ([`Lookup::Load`]) and the
//!   others keep being served the old value meanwhile ([`Lookup::Stale`]), so a crowd never
//!   recomputes the same value at once; a refresher that never comes back (its request
//!   was dropped) is replaced after one more `ttl`;
//! - a poisoned lock is recovered: entries are whole values, replaced in one step, so a
//!   panic elsewhere can never leave one half-written;
//! - at `capacity` entries the stale ones are dropped first; if all are fresh the new value
//!   is simply not kept (memory stays bounded whatever the keys).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use binhdan_core::Timestamp;

/// Values by key, each trusted for `ttl` after it was stored.
pub struct TtlCache<K, V> {
    ttl_ms: i64,
    capacity: usize,
    entries: Mutex<HashMap<K, Entry<V>>>,
}

struct Entry<V> {
    value: V,
    stored_at: Timestamp,
    /// When a reader took on refreshing this entry (the others are served `value`).
    refreshing_since: Option<Timestamp>,
}

/// What a reader finds (see [`TtlCache::lookup`]).
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<V> {
    /// Fresh: use it.
    Fresh(V),
    /// Stale, and another reader is refreshing it: use it meanwhile.
    Stale(V),
    /// Missing, or stale with nobody refreshing it: this reader loads it, then calls
    /// [`TtlCache::insert`] (or [`TtlCache::release`] if loading failed).
    Load,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    /// A cache whose entries are trusted for `ttl`, holding at most `capacity` of them.
    #[must_use]
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl_ms: i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX),
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// How long an entry is trusted.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.ttl_ms).unwrap_or(0))
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Entry<V>>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether something stored (or claimed) at `then` is still within the TTL at `now`.
    fn within(&self, then: Timestamp, now: Timestamp) -> bool {
        let age = now.millis().saturating_sub(then.millis());
        (0..self.ttl_ms).contains(&age)
    }

    /// The value if it is fresh.
    #[must_use]
    pub fn get(&self, key: &K, now: Timestamp) -> Option<V> {
        let entries = self.lock();
        let e = entries.get(key)?;
        self.within(e.stored_at, now).then(|| e.value.clone())
    }

    /// The value, fresh or being refreshed by another reader; or `Load` for this reader.
    pub fn lookup(&self, key: &K, now: Timestamp) -> Lookup<V> {
        let mut entries = self.lock();
        let Some(e) = entries.get_mut(key) else {
            return Lookup::Load;
        };
        if self.within(e.stored_at, now) {
            return Lookup::Fresh(e.value.clone());
        }
        if let Some(since) = e.refreshing_since
            && self.within(since, now)
        {
            return Lookup::Stale(e.value.clone());
        }
        e.refreshing_since = Some(now);
        Lookup::Load
    }

    /// Stores a value read at `now` (its age counts from then).
    pub fn insert(&self, key: K, value: V, now: Timestamp) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, e| self.within(e.stored_at, now));
            if entries.len() >= self.capacity {
                return;
            }
        }
        entries.insert(
            key,
            Entry {
                value,
                stored_at: now,
                refreshing_since: None,
            },
        );
    }

    /// Gives up refreshing an entry (loading failed): the next reader tries again.
    pub fn release(&self, key: &K) {
        if let Some(e) = self.lock().get_mut(key) {
            e.refreshing_since = None;
        }
    }

    /// Forgets one entry (it changed here: the next reader loads it).
    pub fn remove(&self, key: &K) {
        self.lock().remove(key);
    }

    /// Keeps only the entries `keep` says yes to.
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.lock().retain(|k, e| keep(k, &e.value));
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many entries are held (fresh or not).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value if fresh (or being refreshed by another reader), else `load`ed and kept.
    ///
    /// # Errors
    /// Whatever `load` returns; nothing is kept then.
    pub async fn get_or_try_load<E, F, Fut>(&self, key: K, now: Timestamp, load: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        match self.lookup(&key, now) {
            Lookup::Fresh(v) | Lookup::Stale(v) => Ok(v),
            Lookup::Load => match load().await {
                Ok(v) => {
                    self.insert(key, v.clone(), now);
                    Ok(v)
                }
                Err(e) => {
                    self.release(&key);
                    Err(e)
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_000_000);

    fn at(ms: i64) -> Timestamp {
        Timestamp(T0.millis() + ms)
    }

    fn cache() -> TtlCache<&'static str, u32> {
        TtlCache::new(Duration::from_secs(2), 3)
    }

    #[test]
    fn an_entry_is_fresh_until_the_ttl_and_not_after() {
        let c = cache();
        c.insert("a", 1, T0);
        assert_eq!(c.get(&"a", at(1_999)), Some(1));
        assert_eq!(c.get(&"a", at(2_000)), None);
        // A clock that steps back does not make it fresh for ever.
        assert_eq!(c.get(&"a", at(-1)), None);
    }

    #[test]
    fn one_reader_refreshes_a_stale_entry_while_the_others_get_the_old_value() {
        let c = cache();
        assert_eq!(c.lookup(&"a", T0), Lookup::Load);
        c.insert("a", 1, T0);
        assert_eq!(c.lookup(&"a", at(500)), Lookup::Fresh(1));
        assert_eq!(c.lookup(&"a", at(2_500)), Lookup::Load);
        assert_eq!(c.lookup(&"a", at(2_600)), Lookup::Stale(1));
        // The refresher never came back: another takes over one TTL later.
        assert_eq!(c.lookup(&"a", at(4_500)), Lookup::Load);
        c.insert("a", 2, at(4_600));
        assert_eq!(c.lookup(&"a", at(4_700)), Lookup::Fresh(2));
    }

    #[test]
    fn a_failed_refresh_lets_the_next_reader_try() {
        let c = cache();
        c.insert("a", 1, T0);
        assert_eq!(c.lookup(&"a", at(3_000)), Lookup::Load);
        c.release(&"a");
        assert_eq!(c.lookup(&"a", at(3_001)), Lookup::Load);
    }

    #[test]
    fn the_capacity_drops_stale_entries_first_and_never_grows_past() {
        let c = cache();
        c.insert("a", 1, T0);
        c.insert("b", 2, at(1_000));
        c.insert("c", 3, at(1_000));
        // "a" is stale at 2,500: it makes room.
        c.insert("d", 4, at(2_500));
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&"d", at(2_500)), Some(4));
        // All fresh: the newcomer is not kept.
        c.insert("e", 5, at(2_600));
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&"e", at(2_600)), None);
        // Replacing a held key is always possible.
        c.insert("d", 40, at(2_700));
        assert_eq!(c.get(&"d", at(2_700)), Some(40));
    }

    #[tokio::test]
    async fn get_or_try_load_loads_once_per_ttl() {
        let c = cache();
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load =
            || async { Ok::<_, ()>(loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1) };
        assert_eq!(c.get_or_try_load("a", T0, load).await, Ok(1));
        assert_eq!(c.get_or_try_load("a", at(1_999), load).await, Ok(1));
        assert_eq!(c.get_or_try_load("a", at(2_000), load).await, Ok(2));
        assert_eq!(
            c.get_or_try_load("b", at(2_000), || async { Err::<u32, _>("down") })
                .await,
            Err("down")
        );
        assert_eq!(c.get(&"b", at(2_000)), None);
    }
}

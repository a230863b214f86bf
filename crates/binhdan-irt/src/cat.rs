//! Computerised adaptive testing (CAT) as a persistable state machine.
//!
//! A session is a [`CatState`] (serde): the server stores it between
//! requests and, per answer, calls [`record`] then [`next_item`]; when
//! `next_item` returns `None` it calls [`finish`]. Exposure counts
//! ([`Exposure`]) are shared by all sessions: the server increments them
//! ([`Exposure::begin_session`], [`Exposure::administered`]) as it gives items.
//!
//! # Item selection ([`next_item`])
//!
//! 1. **Stopping**: none once [`stop_reason`] is `Some`: the SE target is met
//!    with at least `min_items` items and every domain minimum met, or
//!    `max_items` items were given.
//! 2. **Content balancing** (Kingsbury & Zara's constrained CAT): domain `d`
//!    should make up the share `s_d = min_d / Σ min` of the test; with `n`
//!    items given and `x_d` of them from `d`, domains are ranked by their
//!    deficit `s_d (n + 1) − x_d`, the most under-represented first (ties in
//!    random order). Domains at their maximum are skipped; when the items
//!    left (`max_items − n`) only just cover the unmet minimums, only
//!    domains below their minimum are eligible, so the minimums are always
//!    met by `max_items` (given enough items in the bank).
//! 3. **Exposure control**, two layers:
//!    * *Exposure ceiling* (the restricted maximum-information method,
//!      Revuelta & Ponsoda 1998, with live counts): an item whose
//!      administration would raise its count above
//!      `max_rate · max(sessions, warmup)` is skipped, and the next domain in
//!      the ranking is tried; only when no item under the ceiling is left in
//!      any eligible domain does the first domain give one of its least-given
//!      items. No calibration simulation is needed (unlike Sympson–Hetter)
//!      and the cap holds as the population changes. The ceiling must be
//!      well above the mean exposure, `mean test length / usable items`
//!      (per domain: items given / items in the domain), or it cannot hold.
//!    * *Randomesque* (Kingsbury & Zara 1989): among the `randomesque` most
//!      informative candidates of the chosen domain, one is drawn uniformly,
//!      so even the first items vary between sessions.
//!    * Optionally the *progressive* method ([`ExposureControl::progressive`]):
//!      the first items are ranked by information mixed with a random score.
//! 4. **Information**: candidates are ranked by Fisher information
//!    `a² P (1 − P)` at the current EAP (`a² Var(score | θ)` for the
//!    partial-credit items of a mixed bank, [`ItemBank::mixed`]). Items
//!    already given, uncalibrated items and items of domains outside the
//!    blueprint are never candidates.
//!
//! # Partial credit
//!
//! [`record_score`] records a score `0..=m`; the EAP then comes from
//! [`crate::eap_scored`] over the bank's models, and [`CatState::scores`]
//! keeps every score. A session that only ever records right/wrong
//! answers to dichotomous items is computed exactly as before.

use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::blueprint::{Blueprint, ExamError, ItemBank, ItemId};
use crate::poly::ItemModel;
use crate::{Ability, eap, eap_scored};

/// Exposure-control settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExposureControl {
    /// Draw the next item at random among this many most informative candidates (≥ 1).
    pub randomesque: usize,
    /// Ceiling on an item's exposure rate (share of sessions that gave it), in (0, 1].
    pub max_rate: f64,
    /// Until this many sessions have started, the ceiling is
    /// `max_rate · warmup` administrations, so the first sessions are not starved.
    pub warmup: u64,
    /// Progressive method (Revuelta & Ponsoda 1998) over the first
    /// `progressive` items (0 = off): item `n` (0-based) is ranked by
    /// `(1 − w) · U · I_max + w · I` with `w = n / progressive`, `U ~ U(0, 1)`
    /// per candidate and `I_max` the largest candidate information, so the
    /// first items are nearly random and selection turns into maximum
    /// information as the test goes on.
    #[serde(default)]
    pub progressive: usize,
}

impl Default for ExposureControl {
    /// Randomesque 5, ceiling 25%, warm-up 20 sessions, no progressive phase.
    fn default() -> Self {
        Self {
            randomesque: 5,
            max_rate: 0.25,
            warmup: 20,
            progressive: 0,
        }
    }
}

/// Exposure settings with the live counts they act on: how many sessions
/// started and how often each item was given. The server keeps the counts
/// (e.g. in its database) and rebuilds this per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    /// The settings.
    pub control: ExposureControl,
    /// Sessions started.
    pub sessions: u64,
    /// Per [`ItemId`], how many sessions gave the item.
    pub counts: Vec<u64>,
}

impl Exposure {
    /// No session yet, for a bank of `items` items.
    #[must_use]
    pub fn new(items: usize, control: ExposureControl) -> Self {
        Self {
            control,
            sessions: 0,
            counts: vec![0; items],
        }
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<(), ExamError> {
        if self.control.randomesque == 0 {
            return Err(ExamError::Config("randomesque must be at least 1"));
        }
        let r = self.control.max_rate;
        if !(r.is_finite() && r > 0.0 && r <= 1.0) {
            return Err(ExamError::Config("max_rate must be in (0, 1]"));
        }
        Ok(())
    }

    /// Counts a new session.
    pub fn begin_session(&mut self) {
        self.sessions += 1;
    }

    /// Counts one administration of `item` (ids outside the counts are ignored).
    pub fn administered(&mut self, item: ItemId) {
        if let Some(c) = self.counts.get_mut(item) {
            *c += 1;
        }
    }

    /// Whether giving `item` once more keeps it under the ceiling.
    #[must_use]
    pub fn allows(&self, item: ItemId) -> bool {
        let count = self.counts.get(item).copied().unwrap_or(0);
        let base = self.sessions.max(self.control.warmup).max(1);
        (count + 1) as f64 <= self.control.max_rate * base as f64
    }

    /// Observed exposure rate of `item`: administrations / sessions (0 before any session).
    #[must_use]
    pub fn rate(&self, item: ItemId) -> f64 {
        if self.sessions == 0 {
            return 0.0;
        }
        self.counts.get(item).copied().unwrap_or(0) as f64 / self.sessions as f64
    }

    /// The largest observed exposure rate.
    #[must_use]
    pub fn max_rate(&self) -> f64 {
        (0..self.counts.len())
            .map(|i| self.rate(i))
            .fold(0.0, f64::max)
    }

    /// The mean observed exposure rate over the bank (= mean test length / bank size).
    #[must_use]
    pub fn mean_rate(&self) -> f64 {
        if self.counts.is_empty() {
            return 0.0;
        }
        (0..self.counts.len()).map(|i| self.rate(i)).sum::<f64>() / self.counts.len() as f64
    }

    /// The `m` most given items, most given first (ties by id): what a
    /// cheater collecting answers from earlier candidates would know first.
    #[must_use]
    pub fn most_exposed(&self, m: usize) -> Vec<ItemId> {
        let mut ids: Vec<ItemId> = (0..self.counts.len()).collect();
        ids.sort_by(|&x, &y| self.counts[y].cmp(&self.counts[x]).then(x.cmp(&y)));
        ids.truncate(m);
        ids
    }

    /// Mean number of items two sessions share, over all pairs of sessions
    /// counted here: `Σ_i c_i (c_i − 1) / (N (N − 1))`.
    #[must_use]
    pub fn mean_shared_items(&self) -> f64 {
        let n = self.sessions as f64;
        if self.sessions < 2 {
            return 0.0;
        }
        self.counts
            .iter()
            .map(|&c| c as f64 * (c as f64 - 1.0).max(0.0))
            .sum::<f64>()
            / (n * (n - 1.0))
    }
}

/// One adaptive session, persisted by the server between requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatState {
    /// Items given and whether each was answered correctly, in order.
    pub responses: Vec<(ItemId, bool)>,
    /// Current EAP estimate and its SE (the prior, θ = 0 and SE ≈ 1, before any answer).
    pub ability: Ability,
    /// Items given per blueprint domain (aligned with `Blueprint::domains`).
    pub domain_counts: Vec<usize>,
    /// The score of every entry of `responses` (same order), once a score
    /// was recorded with [`record_score`] or an answer to a partial-credit
    /// item was recorded; empty while every answer is right/wrong to a
    /// dichotomous item (the score is then `correct as u8`). For a
    /// partial-credit item, `responses` holds `correct = (score == m)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<u8>,
}

impl CatState {
    /// A new session for `blueprint`.
    #[must_use]
    pub fn new(blueprint: &Blueprint) -> Self {
        let prior = eap(&[], &[]).unwrap_or(Ability {
            theta: 0.0,
            se: 1.0,
        });
        Self {
            responses: Vec::new(),
            ability: prior,
            domain_counts: vec![0; blueprint.domains.len()],
            scores: Vec::new(),
        }
    }

    /// Every answer as `(item, score)`, in order: the recorded scores,
    /// or `correct as u8` for answers recorded without one.
    #[must_use]
    pub fn scored(&self) -> Vec<(ItemId, u8)> {
        self.responses
            .iter()
            .enumerate()
            .map(|(k, &(id, correct))| {
                (id, self.scores.get(k).copied().unwrap_or(u8::from(correct)))
            })
            .collect()
    }

    /// The items given, in order.
    pub fn items(&self) -> impl Iterator<Item = ItemId> + '_ {
        self.responses.iter().map(|&(id, _)| id)
    }

    fn check(&self, blueprint: &Blueprint) -> Result<(), ExamError> {
        if self.domain_counts.len() == blueprint.domains.len() {
            Ok(())
        } else {
            Err(ExamError::StateMismatch)
        }
    }
}

/// Why a session is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StopReason {
    /// SE at or below the target, with `min_items` and every domain minimum met.
    SeTarget,
    /// `max_items` items given.
    MaxItems,
}

/// The result of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Final EAP.
    pub theta: f64,
    /// Its standard error.
    pub se: f64,
    /// The blueprint's pass rule applied to `theta` and `se`.
    pub passed: bool,
    /// Items given, in order.
    pub items: Vec<ItemId>,
    /// Correct answers.
    pub correct: usize,
    /// Why the session ended; `None` if the stopping rule was not met
    /// (abandoned session, or the bank ran out of eligible items).
    pub stop: Option<StopReason>,
}

/// Whether the session is complete, and why.
#[must_use]
pub fn stop_reason(state: &CatState, blueprint: &Blueprint) -> Option<StopReason> {
    let n = state.responses.len();
    if n >= blueprint.max_items {
        return Some(StopReason::MaxItems);
    }
    let minimums_met = blueprint
        .domains
        .iter()
        .zip(&state.domain_counts)
        .all(|(d, &x)| x >= d.min);
    (n >= blueprint.min_items && minimums_met && state.ability.se <= blueprint.se_target)
        .then_some(StopReason::SeTarget)
}

/// The next item to give, or `None` when the session is complete or no
/// eligible item is left (see the module documentation for the rule).
pub fn next_item(
    state: &CatState,
    bank: &ItemBank,
    blueprint: &Blueprint,
    exposure: &Exposure,
    rng: &mut impl Rng,
) -> Result<Option<ItemId>, ExamError> {
    state.check(blueprint)?;
    exposure.check()?;
    if stop_reason(state, blueprint).is_some() {
        return Ok(None);
    }
    let n = state.responses.len();
    let remaining = blueprint.max_items.saturating_sub(n);
    let unmet: usize = blueprint
        .domains
        .iter()
        .zip(&state.domain_counts)
        .map(|(d, &x)| d.min.saturating_sub(x))
        .sum();
    let forced = remaining <= unmet;
    let shares = blueprint.shares();
    let mut order: Vec<(f64, usize)> = Vec::with_capacity(blueprint.domains.len());
    let mut allowed = vec![false; blueprint.domains.len()];
    for (slot, (d, &x)) in blueprint
        .domains
        .iter()
        .zip(&state.domain_counts)
        .enumerate()
    {
        if x < d.max && (!forced || x < d.min) {
            allowed[slot] = true;
            order.push((shares[slot] * (n + 1) as f64 - x as f64, slot));
        }
    }
    order.shuffle(rng);
    order.sort_by(|p, q| q.0.total_cmp(&p.0));

    let mut given = vec![false; bank.len()];
    for id in state.items() {
        if let Some(g) = given.get_mut(id) {
            *g = true;
        }
    }
    let theta = state.ability.theta;
    // (information, id, slot, under the exposure ceiling)
    let mut candidates: Vec<(f64, ItemId, usize, bool)> = Vec::new();
    let slot_map = bank.slot_map(blueprint);
    for (id, (item, &code)) in bank.items().iter().zip(bank.item_domains()).enumerate() {
        let Some(slot) = slot_map.get(code).copied().flatten() else {
            continue;
        };
        if given[id] || !allowed[slot] || !item.usable() {
            continue;
        }
        candidates.push((bank.information(id, theta), id, slot, exposure.allows(id)));
    }
    let control = exposure.control;
    let mut pool: Vec<(f64, ItemId)> = Vec::new();
    for &(_, slot) in &order {
        pool.clear();
        pool.extend(
            candidates
                .iter()
                .filter(|c| c.2 == slot && c.3)
                .map(|c| (c.0, c.1)),
        );
        if !pool.is_empty() {
            progressive(&mut pool, n, control.progressive, rng);
            return Ok(randomesque(&mut pool, control.randomesque, rng));
        }
    }
    // Every eligible item is at its ceiling: in the first domain that has
    // candidates, the least given ones (the ceiling is exceeded as little
    // as possible), by information.
    for &(_, slot) in &order {
        let least = candidates
            .iter()
            .filter(|c| c.2 == slot)
            .map(|c| exposure.counts.get(c.1).copied().unwrap_or(0))
            .min();
        let Some(least) = least else { continue };
        pool.clear();
        pool.extend(
            candidates
                .iter()
                .filter(|c| c.2 == slot && exposure.counts.get(c.1).copied().unwrap_or(0) == least)
                .map(|c| (c.0, c.1)),
        );
        progressive(&mut pool, n, control.progressive, rng);
        return Ok(randomesque(&mut pool, control.randomesque, rng));
    }
    Ok(None)
}

/// Replaces the information of `pool` by the progressive method's score
/// for item number `n` (see [`ExposureControl::progressive`]).
fn progressive(pool: &mut [(f64, ItemId)], n: usize, span: usize, rng: &mut impl Rng) {
    if n >= span {
        return;
    }
    let w = n as f64 / span as f64;
    let max = pool.iter().map(|p| p.0).fold(0.0, f64::max);
    for p in pool.iter_mut() {
        p.0 = (1.0 - w) * rng.random::<f64>() * max + w * p.0;
    }
}

/// One of the `k` most informative items of `pool`, drawn uniformly.
fn randomesque(pool: &mut [(f64, ItemId)], k: usize, rng: &mut impl Rng) -> Option<ItemId> {
    if pool.is_empty() {
        return None;
    }
    let k = k.clamp(1, pool.len());
    if k < pool.len() {
        pool.select_nth_unstable_by(k - 1, |p, q| q.0.total_cmp(&p.0));
    }
    pool.get(rng.random_range(0..k)).map(|&(_, id)| id)
}

/// Records the answer to `item` and updates the EAP and its SE. Rejects
/// items outside the bank, unusable items, items of domains outside the
/// blueprint and items already given in the session (the state is then unchanged).
/// A right/wrong answer to a partial-credit item counts as full or no
/// credit, through [`record_score`]; so does any answer once the session
/// holds scores.
pub fn record(
    state: &mut CatState,
    bank: &ItemBank,
    blueprint: &Blueprint,
    item: ItemId,
    correct: bool,
) -> Result<(), ExamError> {
    let slot = admissible(state, bank, blueprint, item)?;
    let partial = matches!(bank.models().get(item), Some(ItemModel::Gpcm(_)));
    if partial || !state.scores.is_empty() {
        let max = bank.models().get(item).map_or(1, ItemModel::max_score);
        let score = if correct { max } else { 0 };
        return record_score(
            state,
            bank,
            blueprint,
            item,
            u8::try_from(score).unwrap_or(u8::MAX),
        );
    }
    state.responses.push((item, correct));
    match eap(&state.responses, bank.params()) {
        Ok(ability) => {
            state.ability = ability;
            if let Some(c) = state.domain_counts.get_mut(slot) {
                *c += 1;
            }
            Ok(())
        }
        Err(e) => {
            state.responses.pop();
            Err(e.into())
        }
    }
}

/// Checks that `item` may be recorded in the session; returns its blueprint slot.
fn admissible(
    state: &CatState,
    bank: &ItemBank,
    blueprint: &Blueprint,
    item: ItemId,
) -> Result<usize, ExamError> {
    state.check(blueprint)?;
    let entry = bank.get(item).ok_or(ExamError::UnknownItem {
        item,
        items: bank.len(),
    })?;
    if !entry.usable() {
        return Err(ExamError::UnusableItem(item));
    }
    let slot = bank
        .slot(blueprint, item)
        .ok_or(ExamError::UnusableItem(item))?;
    if state.items().any(|id| id == item) {
        return Err(ExamError::Repeated(item));
    }
    Ok(slot)
}

/// Records a score `0..=m` on `item` (0 or 1 for a dichotomous item) and
/// updates the EAP and its SE from every score so far with
/// [`crate::eap_scored`]. Rejects what [`record`] rejects and a score above
/// the item's top category (the state is then unchanged).
pub fn record_score(
    state: &mut CatState,
    bank: &ItemBank,
    blueprint: &Blueprint,
    item: ItemId,
    score: u8,
) -> Result<(), ExamError> {
    let slot = admissible(state, bank, blueprint, item)?;
    let max = bank.models().get(item).map_or(1, ItemModel::max_score);
    let mut scored = state.scored();
    scored.push((item, score));
    let ability = eap_scored(&scored, bank.models())?;
    state.responses.push((item, usize::from(score) == max));
    state.scores = scored.into_iter().map(|(_, s)| s).collect();
    state.ability = ability;
    if let Some(c) = state.domain_counts.get_mut(slot) {
        *c += 1;
    }
    Ok(())
}

/// The session's result: final EAP, SE, pass decision (the blueprint's
/// [`crate::PassRule`]), items and stop reason. Callable at any time.
#[must_use]
pub fn finish(state: &CatState, blueprint: &Blueprint) -> Outcome {
    let Ability { theta, se } = state.ability;
    Outcome {
        theta,
        se,
        passed: blueprint.pass_rule.passes(theta, se),
        items: state.items().collect(),
        correct: state.responses.iter().filter(|r| r.1).count(),
        stop: stop_reason(state, blueprint),
    }
}

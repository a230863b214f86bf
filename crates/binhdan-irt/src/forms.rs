//! Fixed forms for the non-adaptive mode: each candidate gets a form drawn
//! from the calibrated bank that meets the blueprint, and two candidates'
//! forms differ.
//!
//! # Assembly ([`assemble_form`])
//!
//! 1. **Allocation** ([`domain_allocation`]): every domain gets its minimum,
//!    then the remaining places go one at a time to the domain furthest
//!    below its share (`min_d / Σ min` of the form length), within its
//!    maximum and its usable items. Deterministic: every form has the same
//!    domain counts.
//! 2. **Information-matched strata**: within a domain needing `n` items, the
//!    usable items are ranked by information at [`FormSpec::target_theta`]
//!    (normally the cut score, where the pass decision is made); the top
//!    `n · s` form `n` consecutive strata of `s` items (`s` =
//!    [`FormSpec::stratum_size`], reduced if the domain is too small), and
//!    one item is drawn uniformly from each stratum. Every form thus takes
//!    one item from each stratum, so forms have close information at the
//!    target, and two forms share an item of a stratum with probability `1/s`:
//!    expected overlap about `1/s` of the form.
//! 3. The form is shuffled, so an item's position says nothing of its stratum.

use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::blueprint::{Blueprint, ExamError, ItemBank, ItemId};
use crate::cat::{CatState, Outcome, finish, record};

/// How to draw a fixed form.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FormSpec {
    /// Items in the form, within the blueprint's `[min_items, max_items]`.
    pub length: usize,
    /// Ability at which items are ranked by information (normally the cut score).
    pub target_theta: f64,
    /// Items per stratum (≥ 1): larger means less overlap between forms and
    /// less information per form; 1 gives every candidate the same (most
    /// informative) form.
    pub stratum_size: usize,
}

/// Items per blueprint domain in a form of `length` items (see the module documentation).
pub fn domain_allocation(
    bank: &ItemBank,
    blueprint: &Blueprint,
    length: usize,
) -> Result<Vec<usize>, ExamError> {
    blueprint.check()?;
    if length < blueprint.min_items || length > blueprint.max_items {
        return Err(ExamError::Config(
            "form length outside the blueprint's [min_items, max_items]",
        ));
    }
    let usable = bank.usable_per_domain(blueprint);
    let mut alloc = Vec::with_capacity(blueprint.domains.len());
    let mut caps = Vec::with_capacity(blueprint.domains.len());
    for (d, &available) in blueprint.domains.iter().zip(&usable) {
        if available < d.min {
            return Err(ExamError::NotEnoughItems {
                domain: d.domain.clone(),
                needed: d.min,
                available,
            });
        }
        alloc.push(d.min);
        caps.push(d.max.min(available));
    }
    let shares = blueprint.shares();
    let mut total: usize = alloc.iter().sum();
    while total < length {
        let best = (0..alloc.len())
            .filter(|&k| alloc[k] < caps[k])
            .map(|k| (shares[k] * length as f64 - alloc[k] as f64, k))
            .fold(None, |best: Option<(f64, usize)>, c| match best {
                Some(b) if b.0 >= c.0 => Some(b),
                _ => Some(c),
            });
        let Some((_, k)) = best else {
            return Err(ExamError::BankTooSmall {
                needed: length,
                available: total,
            });
        };
        alloc[k] += 1;
        total += 1;
    }
    Ok(alloc)
}

/// Draws a form meeting the blueprint (see the module documentation).
pub fn assemble_form(
    bank: &ItemBank,
    blueprint: &Blueprint,
    spec: &FormSpec,
    rng: &mut impl Rng,
) -> Result<Vec<ItemId>, ExamError> {
    if spec.stratum_size == 0 || !spec.target_theta.is_finite() {
        return Err(ExamError::Config(
            "stratum_size must be at least 1 and target_theta finite",
        ));
    }
    let alloc = domain_allocation(bank, blueprint, spec.length)?;
    let slots = bank.slots(blueprint);
    let mut form = Vec::with_capacity(spec.length);
    let mut ranked: Vec<(f64, ItemId)> = Vec::new();
    for (slot, &n) in alloc.iter().enumerate() {
        if n == 0 {
            continue;
        }
        ranked.clear();
        ranked.extend(
            bank.items()
                .iter()
                .enumerate()
                .filter(|&(id, item)| slots[id] == Some(slot) && item.usable())
                .map(|(id, item)| (item.params.information(spec.target_theta), id)),
        );
        ranked.sort_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)));
        let s = spec.stratum_size.min(ranked.len() / n).max(1);
        for stratum in ranked.chunks(s).take(n) {
            if let Some(&(_, id)) = stratum.get(rng.random_range(0..stratum.len())) {
                form.push(id);
            }
        }
    }
    form.shuffle(rng);
    Ok(form)
}

/// Items two tests have in common.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Overlap {
    /// Items in both tests.
    pub shared: usize,
    /// `shared` divided by the mean length of the two tests (0 if both are empty):
    /// the share of a test that the other candidate also saw.
    pub rate: f64,
}

/// Overlap between two tests (item lists without repeats, any order).
#[must_use]
pub fn overlap(a: &[ItemId], b: &[ItemId]) -> Overlap {
    let mut x = a.to_vec();
    x.sort_unstable();
    x.dedup();
    let shared = b.iter().filter(|id| x.binary_search(id).is_ok()).count();
    let mean_len = (a.len() + b.len()) as f64 / 2.0;
    Overlap {
        shared,
        rate: if mean_len > 0.0 {
            shared as f64 / mean_len
        } else {
            0.0
        },
    }
}

/// Scores a fixed form's answers: EAP, SE and pass decision as in
/// [`finish`] (its `stop` only says whether the form also met the adaptive
/// stopping rule).
pub fn score_form(
    responses: &[(ItemId, bool)],
    bank: &ItemBank,
    blueprint: &Blueprint,
) -> Result<Outcome, ExamError> {
    let mut state = CatState::new(blueprint);
    for &(id, correct) in responses {
        record(&mut state, bank, blueprint, id, correct)?;
    }
    Ok(finish(&state, blueprint))
}

//! Polytomous items: the generalized partial credit model (GPCM, Muraki
//! 1992), logistic metric (D = 1), and the item kinds a mixed bank holds.
//!
//! An item scored `0..=m` has a slope `a > 0` and step parameters
//! `b_1..b_m`. With `z_0 = 0` and `z_c = Σ_{v ≤ c} a (θ − b_v)`,
//!
//! ```text
//! P(score = c | θ) = exp(z_c) / Σ_{j=0..m} exp(z_j)
//! ```
//!
//! Step `b_v` is where the curves of scores `v − 1` and `v` cross. With
//! `m = 1` this is exactly the 2PL item `(a, b_1)`. The Fisher information
//! is `a² Var(score | θ)`, which for `m = 1` is the 2PL's `a² P (1 − P)`.
//! Category probabilities are computed in the log domain (log-sum-exp), so
//! they are finite for any finite θ and parameters.

use serde::{Deserialize, Serialize};

use crate::model::softplus;
use crate::{IrtError, ItemParams};

/// Most score categories an item may have (scores `0..=15`). Buffers of
/// this size live on the stack, so that EAP and simulation never allocate.
pub const MAX_CATEGORIES: usize = 16;

/// Category probabilities, information and expected score of one item,
/// whatever its kind: implemented by [`ItemParams`] (2PL, scores 0 and 1),
/// [`GpcmItem`] and [`ItemModel`].
pub trait ItemResponse {
    /// Number of score categories (`m + 1` for scores `0..=m`).
    fn categories(&self) -> usize;

    /// Writes `ln P(score = c | θ)` for `c = 0..out.len().min(categories)`
    /// (normalised over all categories) and returns how many were written.
    fn log_probs(&self, theta: f64, out: &mut [f64]) -> usize;

    /// `ln P(score | θ)`; `-∞` for a score outside `0..categories`.
    fn log_prob(&self, theta: f64, score: usize) -> f64 {
        let mut buf = [0.0; MAX_CATEGORIES];
        let n = self.log_probs(theta, &mut buf);
        buf.get(score)
            .filter(|_| score < n)
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    }

    /// Expected score `E[score | θ]`.
    fn expected_score(&self, theta: f64) -> f64 {
        let mut buf = [0.0; MAX_CATEGORIES];
        let n = self.log_probs(theta, &mut buf);
        buf[..n]
            .iter()
            .enumerate()
            .map(|(c, l)| c as f64 * l.exp())
            .sum()
    }

    /// Fisher information about θ carried by the item at `theta`.
    fn item_information(&self, theta: f64) -> f64;
}

impl ItemResponse for ItemParams {
    fn categories(&self) -> usize {
        2
    }

    fn log_probs(&self, theta: f64, out: &mut [f64]) -> usize {
        let (lp, lq) = self.log_pq(theta);
        for (slot, value) in out.iter_mut().zip([lq, lp]) {
            *slot = value;
        }
        out.len().min(2)
    }

    fn item_information(&self, theta: f64) -> f64 {
        self.information(theta)
    }
}

/// Parameters of one generalized-partial-credit item scored `0..=m`, with
/// `m = steps.len()` (logistic metric, D = 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpcmItem {
    /// Slope (discrimination), strictly positive.
    pub a: f64,
    /// Step parameters `b_1..b_m`: `b_v` is the ability at which scores
    /// `v − 1` and `v` are equally likely. Need not be ordered.
    pub steps: Vec<f64>,
}

impl From<ItemParams> for GpcmItem {
    /// The 2PL item `(a, b)` as the GPCM item `(a, [b])` (the same model).
    fn from(p: ItemParams) -> Self {
        Self {
            a: p.a,
            steps: vec![p.b],
        }
    }
}

impl GpcmItem {
    /// Creates an item, checking `a` finite and > 0, every step finite and
    /// `1 ≤ steps.len() < MAX_CATEGORIES`.
    pub fn new(a: f64, steps: Vec<f64>) -> Result<Self, IrtError> {
        let item = Self { a, steps };
        if item.is_valid() {
            Ok(item)
        } else {
            Err(IrtError::InvalidParams { item: 0 })
        }
    }

    /// Whether the parameters are usable (see [`Self::new`]).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.a.is_finite()
            && self.a > 0.0
            && !self.steps.is_empty()
            && self.steps.len() < MAX_CATEGORIES
            && self.steps.iter().all(|b| b.is_finite())
    }

    /// Highest score `m`.
    #[must_use]
    pub fn max_score(&self) -> usize {
        self.steps.len()
    }

    /// Mean of the steps: the item's overall location.
    #[must_use]
    pub fn location(&self) -> f64 {
        if self.steps.is_empty() {
            return 0.0;
        }
        self.steps.iter().sum::<f64>() / self.steps.len() as f64
    }
}

impl ItemResponse for GpcmItem {
    fn categories(&self) -> usize {
        self.steps.len() + 1
    }

    fn log_probs(&self, theta: f64, out: &mut [f64]) -> usize {
        // Two passes over the cumulative sums z_c: the maximum, then the
        // scaled sum of exponentials (log-sum-exp), then the output.
        let mut z = 0.0_f64;
        let mut max = 0.0_f64;
        for &b in &self.steps {
            z += self.a * (theta - b);
            max = max.max(z);
        }
        let mut z = 0.0_f64;
        let mut sum = (-max).exp();
        for &b in &self.steps {
            z += self.a * (theta - b);
            sum += (z - max).exp();
        }
        let log_norm = max + sum.ln();
        let n = out.len().min(self.categories());
        let mut z = 0.0_f64;
        for (c, slot) in out[..n].iter_mut().enumerate() {
            if c > 0 {
                z += self.a * (theta - self.steps[c - 1]);
            }
            *slot = z - log_norm;
        }
        n
    }

    fn item_information(&self, theta: f64) -> f64 {
        let mut buf = [0.0; MAX_CATEGORIES];
        let n = self.log_probs(theta, &mut buf);
        let (mut mean, mut second) = (0.0, 0.0);
        for (c, l) in buf[..n].iter().enumerate() {
            let p = l.exp();
            let c = c as f64;
            mean += c * p;
            second += c * c * p;
        }
        self.a * self.a * (second - mean * mean).max(0.0)
    }
}

/// One item of a mixed bank: dichotomous (2PL/Rasch) or partial credit (GPCM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemModel {
    /// Scored 0 or 1 with the 2PL model.
    Dichotomous(ItemParams),
    /// Scored `0..=m` with the generalized partial credit model.
    Gpcm(GpcmItem),
}

impl From<ItemParams> for ItemModel {
    fn from(p: ItemParams) -> Self {
        Self::Dichotomous(p)
    }
}

impl From<GpcmItem> for ItemModel {
    fn from(p: GpcmItem) -> Self {
        Self::Gpcm(p)
    }
}

impl ItemModel {
    /// Highest score (1 for a dichotomous item).
    #[must_use]
    pub fn max_score(&self) -> usize {
        match self {
            Self::Dichotomous(_) => 1,
            Self::Gpcm(g) => g.max_score(),
        }
    }

    /// Slope `a`.
    #[must_use]
    pub fn slope(&self) -> f64 {
        match self {
            Self::Dichotomous(p) => p.a,
            Self::Gpcm(g) => g.a,
        }
    }

    /// Whether the parameters are usable: `a` finite and > 0, locations
    /// finite, at most [`MAX_CATEGORIES`] categories.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        match self {
            Self::Dichotomous(p) => p.a.is_finite() && p.a > 0.0 && p.b.is_finite(),
            Self::Gpcm(g) => g.is_valid(),
        }
    }

    /// The item as a GPCM item (a dichotomous item is the GPCM with one step).
    #[must_use]
    pub fn to_gpcm(&self) -> GpcmItem {
        match self {
            Self::Dichotomous(p) => GpcmItem::from(*p),
            Self::Gpcm(g) => g.clone(),
        }
    }

    /// A 2PL summary: the item itself if dichotomous, else `(a, mean step)`,
    /// for code that only knows dichotomous items (e.g. fixed forms).
    #[must_use]
    pub fn dichotomous_summary(&self) -> ItemParams {
        match self {
            Self::Dichotomous(p) => *p,
            Self::Gpcm(g) => ItemParams::new(g.a, g.location()),
        }
    }
}

impl ItemResponse for ItemModel {
    fn categories(&self) -> usize {
        self.max_score() + 1
    }

    fn log_probs(&self, theta: f64, out: &mut [f64]) -> usize {
        match self {
            Self::Dichotomous(p) => p.log_probs(theta, out),
            Self::Gpcm(g) => g.log_probs(theta, out),
        }
    }

    fn log_prob(&self, theta: f64, score: usize) -> f64 {
        match (self, score) {
            // ln P = -softplus(-z), ln Q = -softplus(z), z = a (θ - b).
            (Self::Dichotomous(p), 0) => -softplus(p.a * (theta - p.b)),
            (Self::Dichotomous(p), 1) => -softplus(-p.a * (theta - p.b)),
            (Self::Dichotomous(_), _) => f64::NEG_INFINITY,
            (Self::Gpcm(g), _) => g.log_prob(theta, score),
        }
    }

    fn item_information(&self, theta: f64) -> f64 {
        match self {
            Self::Dichotomous(p) => p.information(theta),
            Self::Gpcm(g) => g.item_information(theta),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_invalid_items() {
        assert!(GpcmItem::new(1.0, vec![0.0, 1.0]).is_ok());
        assert!(GpcmItem::new(0.0, vec![0.0]).is_err());
        assert!(GpcmItem::new(1.0, vec![]).is_err());
        assert!(GpcmItem::new(1.0, vec![f64::NAN]).is_err());
        assert!(GpcmItem::new(1.0, vec![0.0; MAX_CATEGORIES]).is_err());
        assert!(!ItemModel::Dichotomous(ItemParams::new(-1.0, 0.0)).is_valid());
    }

    #[test]
    fn steps_are_crossing_points() {
        let item = GpcmItem::new(1.4, vec![-0.8, 0.3, 1.1]).unwrap();
        for (v, &b) in item.steps.iter().enumerate() {
            let lower = item.log_prob(b, v);
            let upper = item.log_prob(b, v + 1);
            assert!((lower - upper).abs() < 1e-12, "step {v}");
        }
        let outside = item.log_prob(0.0, 4);
        assert!(outside.is_infinite() && outside < 0.0);
    }

    #[test]
    fn information_is_finite_far_out_and_largest_inside() {
        let item = GpcmItem::new(1.2, vec![-1.0, 1.0]).unwrap();
        let mid = item.item_information(0.0);
        for theta in [-1e6, -40.0, 40.0, 1e6] {
            let info = item.item_information(theta);
            assert!(info.is_finite() && info >= 0.0 && info < mid);
            let mut buf = [0.0; MAX_CATEGORIES];
            let n = item.log_probs(theta, &mut buf);
            let total: f64 = buf[..n].iter().map(|l| l.exp()).sum();
            assert!((total - 1.0).abs() < 1e-12, "{theta}: {total}");
        }
    }

    #[test]
    fn information_matches_numerical_fisher_information() {
        // I(θ) = Σ_c (d/dθ P_c)² / P_c, by central differences.
        let item = GpcmItem::new(0.9, vec![-0.5, 0.2, 1.5]).unwrap();
        for theta in [-2.0, 0.0, 0.7, 2.5] {
            let h = 1e-5;
            let mut fisher = 0.0;
            for c in 0..item.categories() {
                let p = item.log_prob(theta, c).exp();
                let d = (item.log_prob(theta + h, c).exp() - item.log_prob(theta - h, c).exp())
                    / (2.0 * h);
                fisher += d * d / p;
            }
            let info = item.item_information(theta);
            assert!((fisher - info).abs() < 1e-6, "{theta}: {fisher} vs {info}");
        }
    }

    proptest! {
        /// A 2PL item is the GPCM item with one step: same probabilities,
        /// same information, same expected score, in every item kind.
        #[test]
        fn two_pl_equals_gpcm_with_one_step(a in 0.1f64..4.0, b in -5.0f64..5.0, theta in -30.0f64..30.0) {
            let two_pl = ItemParams::new(a, b);
            let gpcm = GpcmItem::from(two_pl);
            let mixed = ItemModel::from(two_pl);
            prop_assert_eq!(gpcm.categories(), 2);
            for score in 0..2 {
                let want = if score == 1 { two_pl.prob(theta) } else { 1.0 - two_pl.prob(theta) };
                prop_assert!((gpcm.log_prob(theta, score).exp() - want).abs() < 1e-12);
                prop_assert!((mixed.log_prob(theta, score) - gpcm.log_prob(theta, score)).abs() < 1e-9);
                prop_assert!((two_pl.log_prob(theta, score) - gpcm.log_prob(theta, score)).abs() < 1e-9);
            }
            prop_assert!((gpcm.item_information(theta) - two_pl.information(theta)).abs() < 1e-12);
            prop_assert!((mixed.item_information(theta) - two_pl.information(theta)).abs() < 1e-12);
            prop_assert!((gpcm.expected_score(theta) - two_pl.prob(theta)).abs() < 1e-12);
        }

        #[test]
        fn probabilities_sum_to_one_and_expected_score_rises(
            a in 0.1f64..4.0,
            steps in proptest::collection::vec(-4.0f64..4.0, 1..6),
            theta in -50.0f64..50.0,
            d in 0.01f64..2.0,
        ) {
            let item = GpcmItem::new(a, steps).unwrap();
            let mut buf = [0.0; MAX_CATEGORIES];
            let n = item.log_probs(theta, &mut buf);
            prop_assert_eq!(n, item.categories());
            prop_assert!(buf[..n].iter().all(|l| l.is_finite() && *l <= 1e-12));
            let total: f64 = buf[..n].iter().map(|l| l.exp()).sum();
            prop_assert!((total - 1.0).abs() < 1e-9);
            prop_assert!(item.expected_score(theta + d) >= item.expected_score(theta) - 1e-12);
        }
    }
}

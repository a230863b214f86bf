//! The item response functions: 2PL and Rasch, logistic metric (D = 1).

use serde::{Deserialize, Serialize};

/// Which item response model a calibration fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Model {
    /// Two-parameter logistic: `P(correct | θ) = 1 / (1 + exp(-a (θ - b)))`.
    #[default]
    TwoPl,
    /// Rasch (1PL with the common discrimination fixed to `a = 1`), so only
    /// the difficulties `b` are estimated.
    Rasch,
}

/// Parameters of one dichotomous item on the logistic metric (D = 1).
///
/// `a` is the discrimination (slope, > 0), `b` the difficulty (location):
/// a person of ability `θ = b` answers correctly with probability 1/2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemParams {
    /// Discrimination (slope), strictly positive.
    pub a: f64,
    /// Difficulty (location) on the ability scale.
    pub b: f64,
}

impl Default for ItemParams {
    /// An item of average difficulty and unit discrimination (`a = 1, b = 0`),
    /// the conventional starting point of a calibration.
    fn default() -> Self {
        Self { a: 1.0, b: 0.0 }
    }
}

impl ItemParams {
    /// Creates item parameters.
    #[must_use]
    pub const fn new(a: f64, b: f64) -> Self {
        Self { a, b }
    }

    /// Probability of a correct answer at ability `theta`:
    /// `1 / (1 + exp(-a (θ - b)))` (logistic metric, D = 1).
    #[must_use]
    pub fn prob(&self, theta: f64) -> f64 {
        logistic(self.a * (theta - self.b))
    }

    /// Fisher information of the item at `theta`: `a² P(θ) (1 - P(θ))`.
    /// It peaks at `θ = b`, where it equals `a² / 4`.
    #[must_use]
    pub fn information(&self, theta: f64) -> f64 {
        let p = self.prob(theta);
        self.a * self.a * p * (1.0 - p)
    }

    /// `(ln P, ln Q)` at `theta`, computed without overflow or cancellation.
    #[must_use]
    pub fn log_pq(&self, theta: f64) -> (f64, f64) {
        log_pq(self.a * (theta - self.b))
    }
}

/// Probability of a correct answer: free-function form of [`ItemParams::prob`].
#[must_use]
pub fn prob(theta: f64, item: &ItemParams) -> f64 {
    item.prob(theta)
}

/// Item information at `theta`: free-function form of [`ItemParams::information`].
#[must_use]
pub fn item_information(theta: f64, item: &ItemParams) -> f64 {
    item.information(theta)
}

/// Test information at `theta`: the sum of the item informations of `items`.
/// The standard error of a maximum-likelihood ability estimate is about
/// `1 / sqrt(test_information)`.
#[must_use]
pub fn test_information(theta: f64, items: &[ItemParams]) -> f64 {
    items.iter().map(|item| item.information(theta)).sum()
}

/// The item among `candidates` (indices into `items`) with the largest
/// information at `theta`, the usual next-item rule of an adaptive test.
/// Indices out of range are skipped; `None` when no candidate is valid.
#[must_use]
pub fn most_informative_item(
    theta: f64,
    items: &[ItemParams],
    candidates: impl IntoIterator<Item = usize>,
) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for index in candidates {
        let Some(item) = items.get(index) else {
            continue;
        };
        let info = item.information(theta);
        if best.is_none_or(|(_, b)| info > b) {
            best = Some((index, info));
        }
    }
    best.map(|(index, _)| index)
}

/// The logistic function `1 / (1 + e^{-z})`, stable for large `|z|`.
#[must_use]
pub fn logistic(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^x)`, stable for large `|x|`.
#[inline]
pub(crate) fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `(ln σ(z), ln σ(-z))`: log-probabilities of a correct and an incorrect answer.
#[inline]
pub(crate) fn log_pq(z: f64) -> (f64, f64) {
    (-softplus(-z), -softplus(z))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prob_is_half_at_b() {
        let item = ItemParams::new(1.7, 0.3);
        assert!((item.prob(0.3) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn information_peaks_at_b() {
        let item = ItemParams::new(1.3, -0.7);
        let peak = item.information(-0.7);
        assert!((peak - 1.3 * 1.3 / 4.0).abs() < 1e-12);
        for k in 0..=200 {
            let theta = -5.0 + 0.05 * f64::from(k);
            assert!(item.information(theta) <= peak + 1e-15);
        }
    }

    #[test]
    fn test_information_sums_items() {
        let items = [ItemParams::new(1.0, 0.0), ItemParams::new(2.0, 1.0)];
        let t = test_information(0.5, &items);
        assert!((t - items[0].information(0.5) - items[1].information(0.5)).abs() < 1e-12);
    }

    #[test]
    fn most_informative_item_picks_the_nearest_difficulty() {
        let items = [
            ItemParams::new(1.0, -2.0),
            ItemParams::new(1.0, 0.1),
            ItemParams::new(1.0, 2.0),
        ];
        assert_eq!(most_informative_item(0.0, &items, 0..3), Some(1));
        assert_eq!(most_informative_item(0.0, &items, [0, 2, 99]), Some(0));
        assert_eq!(most_informative_item(0.0, &items, [7]), None);
    }

    proptest! {
        #[test]
        fn log_pq_matches_prob(a in 0.1f64..4.0, b in -5.0f64..5.0, theta in -30.0f64..30.0) {
            let item = ItemParams::new(a, b);
            let (lp, lq) = item.log_pq(theta);
            prop_assert!(lp <= 0.0 && lq <= 0.0);
            prop_assert!(lp.is_finite() && lq.is_finite());
            // P + Q = 1 in log space.
            prop_assert!((lp.exp() + lq.exp() - 1.0).abs() < 1e-12);
            prop_assert!((lp.exp() - item.prob(theta)).abs() < 1e-12);
        }

        #[test]
        fn prob_is_monotone_in_theta(a in 0.1f64..4.0, b in -3.0f64..3.0, t in -6.0f64..6.0, d in 0.001f64..2.0) {
            let item = ItemParams::new(a, b);
            prop_assert!(item.prob(t + d) >= item.prob(t));
        }
    }
}

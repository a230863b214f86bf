//! EAP ability estimates from scored answers to a mixed bank (dichotomous
//! and partial-credit items).

use crate::eap::{BUILTIN, moments};
use crate::poly::{ItemModel, ItemResponse};
use crate::quadrature::{MAX_NODES, Quadrature};
use crate::{Ability, IrtError};

/// EAP ability estimate from scored answers `(item index into items, score)`
/// under the standard normal prior, with the same 41 nodes on [-6, 6] as
/// [`crate::eap`]. A dichotomous item takes scores 0 and 1, a GPCM item
/// `0..=m`. Works in the log domain (log-sum-exp per GPCM item and node),
/// so it is finite for any pattern; does not allocate. For dichotomous
/// items only, it agrees with [`crate::eap`] to rounding.
pub fn eap_scored(responses: &[(usize, u8)], items: &[ItemModel]) -> Result<Ability, IrtError> {
    let b = &*BUILTIN;
    eap_scored_core(&b.nodes, &b.log_prior, responses, items)
}

/// [`eap_scored`] with a caller-chosen quadrature. Does not allocate.
pub fn eap_scored_with(
    quadrature: &Quadrature,
    responses: &[(usize, u8)],
    items: &[ItemModel],
) -> Result<Ability, IrtError> {
    eap_scored_core(
        quadrature.nodes(),
        quadrature.log_weights(),
        responses,
        items,
    )
}

fn eap_scored_core(
    nodes: &[f64],
    log_prior: &[f64],
    responses: &[(usize, u8)],
    items: &[ItemModel],
) -> Result<Ability, IrtError> {
    let n = nodes.len().min(log_prior.len()).min(MAX_NODES);
    let nodes = &nodes[..n];
    let mut buffer = [0.0_f64; MAX_NODES];
    let post = &mut buffer[..n];
    post.copy_from_slice(&log_prior[..n]);
    for &(item, score) in responses {
        let model = items.get(item).ok_or(IrtError::ItemOutOfRange {
            item,
            items: items.len(),
        })?;
        if !model.is_valid() {
            return Err(IrtError::InvalidParams { item });
        }
        if usize::from(score) > model.max_score() {
            return Err(IrtError::ScoreOutOfRange {
                item,
                score,
                max: model.max_score(),
            });
        }
        for (l, &theta) in post.iter_mut().zip(nodes) {
            *l += model.log_prob(theta, usize::from(score));
        }
    }
    let max = post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    moments(post.iter().map(|&l| (l - max).exp()), nodes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::GpcmItem;
    use crate::{ItemParams, eap};
    use proptest::prelude::*;

    fn mixed_bank() -> Vec<ItemModel> {
        (0..12)
            .map(|i| {
                let x = f64::from(i);
                if i % 3 == 0 {
                    ItemModel::Gpcm(GpcmItem {
                        a: 1.1,
                        steps: vec![-1.5 + 0.25 * x, -0.5 + 0.25 * x],
                    })
                } else {
                    ItemModel::Dichotomous(ItemParams::new(0.9 + 0.05 * x, -1.5 + 0.25 * x))
                }
            })
            .collect()
    }

    #[test]
    fn empty_pattern_is_the_prior_and_errors_are_reported() {
        let bank = mixed_bank();
        let est = eap_scored(&[], &bank).unwrap();
        assert!(est.theta.abs() < 1e-12 && (est.se - 1.0).abs() < 1e-3);
        assert_eq!(
            eap_scored(&[(0, 3)], &bank),
            Err(IrtError::ScoreOutOfRange {
                item: 0,
                score: 3,
                max: 2
            })
        );
        assert_eq!(
            eap_scored(&[(1, 2)], &bank),
            Err(IrtError::ScoreOutOfRange {
                item: 1,
                score: 2,
                max: 1
            })
        );
        assert!(matches!(
            eap_scored(&[(12, 0)], &bank),
            Err(IrtError::ItemOutOfRange { .. })
        ));
        let bad = [ItemModel::Gpcm(GpcmItem {
            a: 1.0,
            steps: vec![],
        })];
        assert_eq!(
            eap_scored(&[(0, 0)], &bad),
            Err(IrtError::InvalidParams { item: 0 })
        );
    }

    #[test]
    fn partial_credit_sits_between_no_and_full_credit() {
        let bank = mixed_bank();
        let base = [(1, 1), (2, 0), (4, 1)];
        let with = |score| {
            let mut pattern = base.to_vec();
            pattern.push((3, score));
            eap_scored(&pattern, &bank).unwrap()
        };
        let (none, half, full) = (with(0), with(1), with(2));
        assert!(none.theta < half.theta && half.theta < full.theta);
        assert!(full.theta.is_finite() && none.se > 0.0);
    }

    #[test]
    fn extreme_patterns_are_finite() {
        let bank: Vec<ItemModel> = (0..50)
            .map(|i| {
                ItemModel::Gpcm(GpcmItem {
                    a: 30.0,
                    steps: vec![-2.0 + 0.05 * f64::from(i), 0.1 * f64::from(i)],
                })
            })
            .collect();
        for score in [0, 2] {
            let pattern: Vec<(usize, u8)> = (0..50).map(|i| (i, score)).collect();
            let est = eap_scored(&pattern, &bank).unwrap();
            assert!(est.theta.is_finite() && est.se.is_finite());
        }
    }

    proptest! {
        #[test]
        fn agrees_with_dichotomous_eap(
            items in proptest::collection::vec((0.2f64..4.0, -4.0f64..4.0, any::<bool>()), 0..40),
        ) {
            let params: Vec<ItemParams> = items.iter().map(|&(a, b, _)| ItemParams::new(a, b)).collect();
            let models: Vec<ItemModel> = params.iter().copied().map(ItemModel::from).collect();
            let gpcm: Vec<ItemModel> = params.iter().map(|&p| ItemModel::Gpcm(GpcmItem::from(p))).collect();
            let pattern: Vec<(usize, bool)> = items.iter().enumerate().map(|(i, x)| (i, x.2)).collect();
            let scored: Vec<(usize, u8)> = pattern.iter().map(|&(i, c)| (i, u8::from(c))).collect();
            let want = eap(&pattern, &params).unwrap();
            for bank in [&models, &gpcm] {
                let got = eap_scored(&scored, bank).unwrap();
                prop_assert!((got.theta - want.theta).abs() < 1e-9, "{:?} {:?}", got, want);
                prop_assert!((got.se - want.se).abs() < 1e-9, "{:?} {:?}", got, want);
            }
        }
    }
}

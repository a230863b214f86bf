//! Expected a posteriori (EAP) ability estimates.

use crate::model::softplus;
use crate::quadrature::{MAX_NODES, Quadrature};
use crate::{IrtError, ItemParams};

/// An ability estimate: the posterior mean and its posterior standard
/// deviation, which serves as the standard error.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ability {
    /// Posterior mean of θ (EAP).
    pub theta: f64,
    /// Posterior standard deviation of θ (the standard error of the EAP).
    pub se: f64,
}

/// Nodes of the built-in EAP quadrature: 41 equally spaced points on [-6, 6].
const EAP_NODES: usize = 41;
const EAP_BOUND: f64 = 6.0;

/// The built-in quadrature, computed once.
pub(crate) struct Builtin {
    pub(crate) nodes: [f64; EAP_NODES],
    pub(crate) log_prior: [f64; EAP_NODES],
    pub(crate) prior: [f64; EAP_NODES],
}

pub(crate) static BUILTIN: std::sync::LazyLock<Builtin> = std::sync::LazyLock::new(|| {
    let mut b = Builtin {
        nodes: [0.0; EAP_NODES],
        log_prior: [0.0; EAP_NODES],
        prior: [0.0; EAP_NODES],
    };
    let step = 2.0 * EAP_BOUND / (EAP_NODES - 1) as f64;
    for k in 0..EAP_NODES {
        let theta = -EAP_BOUND + step * k as f64;
        b.nodes[k] = theta;
        // Unnormalised N(0, 1) density: the constant cancels in the ratio.
        b.log_prior[k] = -0.5 * theta * theta;
        b.prior[k] = b.log_prior[k].exp();
    }
    b
});

/// EAP ability estimate from the items a person answered, under the
/// standard normal prior, with 41 equally spaced nodes on [-6, 6].
///
/// `responses` are `(item index into params, correct)`; any subset of the
/// bank, in any order, possibly empty (then the result is the prior:
/// θ = 0, SE ≈ 1). Always finite, even for all-correct or all-wrong
/// patterns. Does not allocate, and costs about a microsecond for 20 items
/// (no transcendental function per node): fit for the inner loop of an
/// adaptive test.
pub fn eap(responses: &[(usize, bool)], params: &[ItemParams]) -> Result<Ability, IrtError> {
    let b = &*BUILTIN;
    eap_core(&b.nodes, &b.log_prior, &b.prior, responses, params)
}

/// [`eap`] with a caller-chosen quadrature (e.g. the calibration's). Does not allocate.
pub fn eap_with(
    quadrature: &Quadrature,
    responses: &[(usize, bool)],
    params: &[ItemParams],
) -> Result<Ability, IrtError> {
    eap_core(
        quadrature.nodes(),
        quadrature.log_weights(),
        quadrature.weights(),
        responses,
        params,
    )
}

fn check(params: &[ItemParams], item: usize) -> Result<&ItemParams, IrtError> {
    let p = params.get(item).ok_or(IrtError::ItemOutOfRange {
        item,
        items: params.len(),
    })?;
    if p.a.is_finite() && p.a > 0.0 && p.b.is_finite() {
        Ok(p)
    } else {
        Err(IrtError::InvalidParams { item })
    }
}

/// Largest total log-factor applied between two rescalings, so that the
/// best node's likelihood stays a normal `f64` (> e^-708).
const BUDGET: f64 = 600.0;

/// Works in the probability domain on equally spaced nodes: along the
/// nodes, `e^{-z_k} = e^{-a (θ_0 - b)} · (e^{-a h})^k` is a geometric
/// sequence, so each item costs one multiplication and one division per
/// node. The likelihood is rescaled whenever the worst-case shrinkage since
/// the last rescaling could approach underflow; items too extreme for that
/// (`a (|θ| + |b|)` beyond 600) fall back to the log domain.
fn eap_core(
    nodes: &[f64],
    log_prior: &[f64],
    prior: &[f64],
    responses: &[(usize, bool)],
    params: &[ItemParams],
) -> Result<Ability, IrtError> {
    let n = nodes
        .len()
        .min(log_prior.len())
        .min(prior.len())
        .min(MAX_NODES);
    let nodes = &nodes[..n];
    if n < 2 {
        return eap_log_domain(nodes, &log_prior[..n], responses, params);
    }
    let (lo, step) = (nodes[0], nodes[1] - nodes[0]);
    let reach = lo.abs().max(nodes[n - 1].abs());
    let mut buffer = [0.0_f64; MAX_NODES];
    let lik = &mut buffer[..n];
    lik.copy_from_slice(&prior[..n]);
    let prior_max = log_prior[..n]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let prior_min = log_prior[..n].iter().copied().fold(f64::INFINITY, f64::min);
    let mut budget = BUDGET - (prior_max - prior_min);
    for &(item, correct) in responses {
        let p = check(params, item)?;
        // Every factor P or Q at every node is >= e^-(span).
        let span = p.a * (reach + p.b.abs()) + 1.0;
        if span > BUDGET || budget < 0.0 {
            return eap_log_domain(nodes, &log_prior[..n], responses, params);
        }
        if span > budget {
            let max = lik.iter().copied().fold(0.0, f64::max);
            let inv = 1.0 / max;
            for l in lik.iter_mut() {
                *l *= inv;
            }
            budget = BUDGET;
        }
        budget -= span;
        let mut e = (-p.a * (lo - p.b)).exp();
        let ratio = (-p.a * step).exp();
        if correct {
            for l in lik.iter_mut() {
                *l /= 1.0 + e;
                e *= ratio;
            }
        } else {
            for l in lik.iter_mut() {
                *l *= e / (1.0 + e);
                e *= ratio;
            }
        }
    }
    // Unreachable by the budget argument above; the log domain is the safety net.
    moments(lik.iter().copied(), nodes)
        .or_else(|_| eap_log_domain(nodes, &log_prior[..n], responses, params))
}

/// Posterior mean and SD from unnormalised node weights.
pub(crate) fn moments(
    weights: impl Iterator<Item = f64>,
    nodes: &[f64],
) -> Result<Ability, IrtError> {
    let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
    for (w, &theta) in weights.zip(nodes) {
        s0 += w;
        s1 += w * theta;
        s2 += w * theta * theta;
    }
    if !(s0.is_finite() && s0 > 0.0) {
        return Err(IrtError::InvalidConfig("degenerate EAP posterior"));
    }
    let theta = s1 / s0;
    let var = (s2 / s0 - theta * theta).max(0.0);
    Ok(Ability {
        theta,
        se: var.sqrt(),
    })
}

/// Reference EAP in the log domain (two transcendental functions per item
/// and node): the fallback for extreme items and the check of the fast path.
fn eap_log_domain(
    nodes: &[f64],
    log_prior: &[f64],
    responses: &[(usize, bool)],
    params: &[ItemParams],
) -> Result<Ability, IrtError> {
    let n = nodes.len().min(log_prior.len()).min(MAX_NODES);
    let nodes = &nodes[..n];
    let mut buffer = [0.0_f64; MAX_NODES];
    let post = &mut buffer[..n];
    post.copy_from_slice(&log_prior[..n]);
    for &(item, correct) in responses {
        let p = check(params, item)?;
        // ln P = -softplus(-z), ln Q = -softplus(z), z = a (θ - b).
        let sign = if correct { -p.a } else { p.a };
        for (l, &theta) in post.iter_mut().zip(nodes) {
            *l -= softplus(sign * (theta - p.b));
        }
    }
    let max = post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    moments(post.iter().map(|&l| (l - max).exp()), nodes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bank() -> Vec<ItemParams> {
        (0..30)
            .map(|i| ItemParams::new(0.8 + 0.05 * f64::from(i % 10), -2.0 + 0.14 * f64::from(i)))
            .collect()
    }

    #[test]
    fn empty_pattern_is_the_prior() {
        let est = eap(&[], &bank()).unwrap();
        assert!(est.theta.abs() < 1e-12);
        assert!((est.se - 1.0).abs() < 1e-3, "se {}", est.se);
    }

    #[test]
    fn perfect_and_zero_patterns_are_finite() {
        let params = bank();
        let all_right: Vec<_> = (0..30).map(|i| (i, true)).collect();
        let all_wrong: Vec<_> = (0..30).map(|i| (i, false)).collect();
        let hi = eap(&all_right, &params).unwrap();
        let lo = eap(&all_wrong, &params).unwrap();
        for e in [hi, lo] {
            assert!(e.theta.is_finite() && e.se.is_finite() && e.se > 0.0);
        }
        assert!(hi.theta > 1.5 && lo.theta < -1.5, "{hi:?} {lo:?}");
    }

    #[test]
    fn se_shrinks_as_more_items_are_answered() {
        let params = bank();
        // Alternate right/wrong answers around the middle of the bank.
        let pattern: Vec<_> = (0..30).map(|i| (i, i % 2 == 0)).collect();
        let mut last = eap(&[], &params).unwrap().se;
        for n in [2, 5, 10, 20, 30] {
            let se = eap(&pattern[..n], &params).unwrap().se;
            assert!(se < last, "{n} items: se {se} !< {last}");
            last = se;
        }
    }

    #[test]
    fn custom_quadrature_agrees_with_builtin() {
        let params = bank();
        let pattern: Vec<_> = (0..30).map(|i| (i, i < 17)).collect();
        let a = eap(&pattern, &params).unwrap();
        let b = eap_with(&Quadrature::default(), &pattern, &params).unwrap();
        assert!((a.theta - b.theta).abs() < 1e-12 && (a.se - b.se).abs() < 1e-12);
        let fine = eap_with(&Quadrature::normal(121, 6.0).unwrap(), &pattern, &params).unwrap();
        assert!((a.theta - fine.theta).abs() < 1e-3);
    }

    #[test]
    fn errors_on_unknown_item_and_bad_params() {
        let params = bank();
        assert_eq!(
            eap(&[(30, true)], &params),
            Err(IrtError::ItemOutOfRange {
                item: 30,
                items: 30
            })
        );
        let bad = [ItemParams::new(0.0, 0.0)];
        assert_eq!(
            eap(&[(0, true)], &bad),
            Err(IrtError::InvalidParams { item: 0 })
        );
    }

    #[test]
    fn extreme_items_fall_back_to_the_log_domain() {
        let params = [ItemParams::new(150.0, 0.5), ItemParams::new(1.0, 0.0)];
        for correct in [true, false] {
            let est = eap(&[(0, correct), (1, correct)], &params).unwrap();
            assert!(est.theta.is_finite() && est.se.is_finite());
        }
        // Many very discriminating items: rescaling keeps the fast path finite.
        let sharp: Vec<ItemParams> = (0..200)
            .map(|i| ItemParams::new(40.0, -3.0 + 0.03 * f64::from(i)))
            .collect();
        let pattern: Vec<(usize, bool)> = (0..200).map(|i| (i, i < 100)).collect();
        let est = eap(&pattern, &sharp).unwrap();
        let slow = eap_log_domain(&BUILTIN.nodes, &BUILTIN.log_prior, &pattern, &sharp).unwrap();
        assert!((est.theta - slow.theta).abs() < 1e-9 && (est.se - slow.se).abs() < 1e-9);
        assert!((est.theta - 0.0).abs() < 0.2, "{est:?}");
    }

    proptest! {
        #[test]
        fn fast_path_matches_log_domain(
            items in proptest::collection::vec((0.2f64..4.0, -4.0f64..4.0, any::<bool>()), 0..60),
        ) {
            let params: Vec<ItemParams> = items.iter().map(|&(a, b, _)| ItemParams::new(a, b)).collect();
            let pattern: Vec<(usize, bool)> = items.iter().enumerate().map(|(i, x)| (i, x.2)).collect();
            let fast = eap(&pattern, &params).unwrap();
            let slow = eap_log_domain(&BUILTIN.nodes, &BUILTIN.log_prior, &pattern, &params).unwrap();
            prop_assert!((fast.theta - slow.theta).abs() < 1e-9, "{:?} {:?}", fast, slow);
            prop_assert!((fast.se - slow.se).abs() < 1e-9, "{:?} {:?}", fast, slow);
        }

        #[test]
        fn eap_is_finite_and_more_correct_means_higher(
            pattern in proptest::collection::vec(any::<bool>(), 1..30),
            flip in 0usize..30,
        ) {
            let params = bank();
            let responses: Vec<_> = pattern.iter().copied().enumerate().collect();
            let est = eap(&responses, &params).unwrap();
            prop_assert!(est.theta.is_finite() && est.se > 0.0 && est.se <= 1.0 + 1e-9);
            let flip = flip % responses.len();
            if !responses[flip].1 {
                let mut better = responses.clone();
                better[flip].1 = true;
                prop_assert!(eap(&better, &params).unwrap().theta > est.theta);
            }
        }
    }
}

//! Response simulation for tests and benchmarks. Randomness comes only from
//! the `rng` passed in, so a seeded generator gives reproducible data.

use rand::Rng;

use crate::poly::{GpcmItem, ItemModel, ItemResponse, MAX_CATEGORIES};
use crate::{IrtError, ItemParams, Response, ScoredResponse};

/// A standard normal draw (Box–Muller).
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    // u1 in (0, 1]: avoids ln(0).
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// `n` abilities drawn from N(0, 1), the population the calibration assumes.
pub fn draw_abilities(n: usize, rng: &mut impl Rng) -> Vec<f64> {
    (0..n).map(|_| standard_normal(rng)).collect()
}

/// `n` plausible items: `ln a ~ N(0, 0.3²)` (a mostly in 0.55–1.8) and `b ~ N(0, 1)`.
pub fn draw_items(n: usize, rng: &mut impl Rng) -> Vec<ItemParams> {
    (0..n)
        .map(|_| {
            let a = (0.3 * standard_normal(rng)).exp();
            ItemParams::new(a, standard_normal(rng))
        })
        .collect()
}

/// Every person answers every item (person-major order).
pub fn simulate_dense(params: &[ItemParams], thetas: &[f64], rng: &mut impl Rng) -> Vec<Response> {
    let mut out = Vec::with_capacity(params.len() * thetas.len());
    for (person, &theta) in thetas.iter().enumerate() {
        for (item, p) in params.iter().enumerate() {
            out.push(Response::new(
                person,
                item,
                rng.random::<f64>() < p.prob(theta),
            ));
        }
    }
    out
}

/// Each person answers `per_person` distinct items drawn uniformly from the
/// bank (a sparse design, as when every learner sees a short random form).
pub fn simulate_sparse(
    params: &[ItemParams],
    thetas: &[f64],
    per_person: usize,
    rng: &mut impl Rng,
) -> Result<Vec<Response>, IrtError> {
    if per_person > params.len() {
        return Err(IrtError::InvalidConfig(
            "per_person exceeds the number of items in the bank",
        ));
    }
    let mut order: Vec<usize> = (0..params.len()).collect();
    let mut out = Vec::with_capacity(per_person * thetas.len());
    for (person, &theta) in thetas.iter().enumerate() {
        // Partial Fisher–Yates: the first `per_person` slots become a uniform
        // random subset (the array need not be reset between persons).
        for slot in 0..per_person {
            let pick = rng.random_range(slot..order.len());
            order.swap(slot, pick);
            let item = order[slot];
            out.push(Response::new(
                person,
                item,
                rng.random::<f64>() < params[item].prob(theta),
            ));
        }
    }
    Ok(out)
}

/// Person `p` answers exactly the items `design[p]` (any design).
pub fn simulate_design(
    params: &[ItemParams],
    thetas: &[f64],
    design: &[Vec<usize>],
    rng: &mut impl Rng,
) -> Result<Vec<Response>, IrtError> {
    let mut out = Vec::new();
    for (person, (&theta, items)) in thetas.iter().zip(design).enumerate() {
        for &item in items {
            let p = params.get(item).ok_or(IrtError::ItemOutOfRange {
                item,
                items: params.len(),
            })?;
            out.push(Response::new(
                person,
                item,
                rng.random::<f64>() < p.prob(theta),
            ));
        }
    }
    Ok(out)
}

/// `n` plausible GPCM items with `categories` score categories (clamped
/// to `2..=MAX_CATEGORIES`): `ln a ~ N(0, 0.3²)`, a location `~ N(0, 1)`
/// and steps evenly spread over location ± 0.8 (for 3 categories: location
/// − 0.8 and location + 0.8), each jittered by `N(0, 0.2²)`.
pub fn draw_gpcm_items(n: usize, categories: usize, rng: &mut impl Rng) -> Vec<GpcmItem> {
    let m = categories.clamp(2, MAX_CATEGORIES) - 1;
    (0..n)
        .map(|_| {
            let a = (0.3 * standard_normal(rng)).exp();
            let location = standard_normal(rng);
            let steps = (0..m)
                .map(|v| {
                    let spread = if m == 1 {
                        0.0
                    } else {
                        -0.8 + 1.6 * v as f64 / (m - 1) as f64
                    };
                    location + spread + 0.2 * standard_normal(rng)
                })
                .collect();
            GpcmItem { a, steps }
        })
        .collect()
}

/// A score drawn from the item's category probabilities at `theta`.
pub fn draw_score(item: &impl ItemResponse, theta: f64, rng: &mut impl Rng) -> u8 {
    let mut buf = [0.0; MAX_CATEGORIES];
    let n = item.log_probs(theta, &mut buf);
    let mut u = rng.random::<f64>();
    for (c, l) in buf[..n].iter().enumerate() {
        u -= l.exp();
        if u < 0.0 {
            return u8::try_from(c).unwrap_or(u8::MAX);
        }
    }
    // Rounding left u a hair above 0: the top category.
    u8::try_from(n.saturating_sub(1)).unwrap_or(u8::MAX)
}

/// Every person answers every item of a mixed bank (person-major order),
/// scored by the item's model.
pub fn simulate_scored_dense(
    items: &[ItemModel],
    thetas: &[f64],
    rng: &mut impl Rng,
) -> Vec<ScoredResponse> {
    let mut out = Vec::with_capacity(items.len() * thetas.len());
    for (person, &theta) in thetas.iter().enumerate() {
        for (item, model) in items.iter().enumerate() {
            out.push(ScoredResponse::new(
                person,
                item,
                draw_score(model, theta, rng),
            ));
        }
    }
    out
}

/// Root-mean-square difference of two equally long series (parameter recovery: estimates
/// against the truth). `NaN` for empty input.
#[must_use]
pub fn rmse(x: &[f64], y: &[f64]) -> f64 {
    (x.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Pearson correlation of two equally long series; `NaN` when either is constant.
#[must_use]
pub fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn normal_draws_have_unit_moments() {
        let mut rng = StdRng::seed_from_u64(1);
        let x = draw_abilities(20_000, &mut rng);
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / x.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }

    #[test]
    fn sparse_design_has_distinct_items_per_person() {
        let mut rng = StdRng::seed_from_u64(2);
        let params = draw_items(50, &mut rng);
        let thetas = draw_abilities(100, &mut rng);
        let data = simulate_sparse(&params, &thetas, 10, &mut rng).unwrap();
        assert_eq!(data.len(), 1000);
        for person in data.chunks(10) {
            let mut items: Vec<_> = person.iter().map(|r| r.item).collect();
            items.sort_unstable();
            items.dedup();
            assert_eq!(items.len(), 10);
        }
        assert!(simulate_sparse(&params, &thetas, 51, &mut rng).is_err());
    }

    #[test]
    fn design_rejects_unknown_items() {
        let mut rng = StdRng::seed_from_u64(3);
        let params = draw_items(3, &mut rng);
        let design = vec![vec![0, 2], vec![3]];
        assert!(simulate_design(&params, &[0.0, 1.0], &design, &mut rng).is_err());
        let ok = simulate_design(&params, &[0.0, 1.0], &design[..1], &mut rng).unwrap();
        assert_eq!(ok.len(), 2);
    }

    #[test]
    fn dense_proportions_follow_the_model() {
        let mut rng = StdRng::seed_from_u64(4);
        let params = [ItemParams::new(1.0, 0.0)];
        let thetas = vec![1.0; 20_000];
        let data = simulate_dense(&params, &thetas, &mut rng);
        let prop = data.iter().filter(|r| r.correct).count() as f64 / data.len() as f64;
        assert!((prop - params[0].prob(1.0)).abs() < 0.015, "{prop}");
    }
    #[test]
    fn scored_proportions_follow_the_model() {
        let mut rng = StdRng::seed_from_u64(5);
        let item = GpcmItem {
            a: 1.2,
            steps: vec![-0.5, 0.7],
        };
        let bank = [ItemModel::Gpcm(item.clone())];
        let thetas = vec![0.3; 30_000];
        let data = simulate_scored_dense(&bank, &thetas, &mut rng);
        for c in 0..3 {
            let share = data.iter().filter(|r| usize::from(r.score) == c).count() as f64
                / data.len() as f64;
            let want = item.log_prob(0.3, c).exp();
            assert!((share - want).abs() < 0.012, "{c}: {share} vs {want}");
        }
    }

    #[test]
    fn gpcm_draws_have_the_requested_categories() {
        let mut rng = StdRng::seed_from_u64(6);
        let items = draw_gpcm_items(20, 3, &mut rng);
        assert!(items.iter().all(|g| g.max_score() == 2 && g.is_valid()));
        // Steps spread apart on average: b_2 - b_1 ≈ 1.6.
        let gap = items.iter().map(|g| g.steps[1] - g.steps[0]).sum::<f64>() / 20.0;
        assert!((gap - 1.6).abs() < 0.3, "{gap}");
        assert_eq!(
            draw_gpcm_items(1, 99, &mut rng)[0].max_score(),
            MAX_CATEGORIES - 1
        );
    }
}

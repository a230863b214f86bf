//! MML-EM calibration of a bank mixing dichotomous (2PL/Rasch) and
//! partial-credit (GPCM/PCM) items, on sparse scored responses.
//!
//! The same EM as [`crate::calibrate`]: the log-probability table has one
//! row per item and score category (a dichotomous item has two), the
//! E-step accumulates posterior weights per row and node, and the M-step
//! fits each item by Fisher scoring on `(ln a, b_1..b_m)` from its
//! categories × nodes aggregates. A dichotomous item is fitted as the GPCM
//! with one step, which is the 2PL: same objective, same maximum.

use serde::{Deserialize, Serialize};

use crate::calibrate::{e_step_parallel, group_rows, split_persons, validate_config};
use crate::poly::{GpcmItem, ItemModel, ItemResponse, MAX_CATEGORIES};
use crate::{CalibrationConfig, IrtError, ItemParams, ItemPrior, Model, Response, StartValues};

/// One scored answer: person `person` got score `score` (0..=m) on item `item`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoredResponse {
    /// Person index.
    pub person: usize,
    /// Item index into the bank.
    pub item: usize,
    /// Score, `0..=m` for an item with `m` steps (0 or 1 for a dichotomous item).
    pub score: u8,
}

impl ScoredResponse {
    /// Creates a scored response.
    #[must_use]
    pub const fn new(person: usize, item: usize, score: u8) -> Self {
        Self {
            person,
            item,
            score,
        }
    }
}

impl From<Response> for ScoredResponse {
    fn from(r: Response) -> Self {
        Self::new(r.person, r.item, u8::from(r.correct))
    }
}

/// Outcome for one item of a mixed calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedItemReport {
    /// Estimated parameters (same kind as passed in), or the previous ones if not calibrated.
    pub model: ItemModel,
    /// Number of responses to the item in the data.
    pub responses: usize,
    /// Whether the item had enough responses to be estimated.
    pub calibrated: bool,
}

/// Result of [`calibrate_mixed`]; the fields mean what they mean in [`crate::Calibration`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MixedCalibration {
    /// One report per item of the bank, in bank order.
    pub items: Vec<MixedItemReport>,
    /// EM cycles run.
    pub iterations: usize,
    /// Marginal log-likelihood (without priors) at the last E-step.
    pub log_likelihood: f64,
    /// Whether the tolerance was met within `max_iterations`.
    pub converged: bool,
    /// Largest parameter change (`a` or a step) in the last cycle.
    pub last_change: f64,
    /// Persons with at least one response.
    pub persons: usize,
    /// Responses used.
    pub responses: usize,
}

impl MixedCalibration {
    /// The models of every item, in bank order (calibrated or not).
    #[must_use]
    pub fn models(&self) -> Vec<ItemModel> {
        self.items.iter().map(|r| r.model.clone()).collect()
    }
}

/// Calibrates a bank of dichotomous and GPCM items (`previous`: one entry
/// per item, its kind and number of categories fixed; kept by items that
/// cannot be calibrated, and the start values by default) on scored
/// responses, by MML-EM as [`crate::calibrate`] does, with the same
/// configuration. With [`Model::Rasch`] every slope is fixed at its start
/// value (1 with [`StartValues::Proportions`]): the Rasch and partial
/// credit models. The prior on every step is the prior on `b`.
///
/// Errors as [`crate::calibrate`], plus [`IrtError::ScoreOutOfRange`] for a
/// score above the item's highest category.
pub fn calibrate_mixed(
    responses: &[ScoredResponse],
    previous: &[ItemModel],
    config: &CalibrationConfig,
) -> Result<MixedCalibration, IrtError> {
    if previous.is_empty() {
        return Err(IrtError::EmptyBank);
    }
    let quad = validate_config(config)?;
    for (item, m) in previous.iter().enumerate() {
        if !m.is_valid() {
            return Err(IrtError::InvalidParams { item });
        }
    }
    let n_items = previous.len();
    // Row offsets of the items in the log-probability table.
    let mut first_row = Vec::with_capacity(n_items + 1);
    first_row.push(0);
    for m in previous {
        first_row.push(first_row.last().copied().unwrap_or(0) + m.max_score() + 1);
    }
    let n_rows = first_row.last().copied().unwrap_or(0);

    let mut item_counts = vec![0_usize; n_items];
    let mut category_counts = vec![0_usize; n_rows];
    let mut n_persons = 0;
    for r in responses {
        let model = previous.get(r.item).ok_or(IrtError::ItemOutOfRange {
            item: r.item,
            items: n_items,
        })?;
        if usize::from(r.score) > model.max_score() {
            return Err(IrtError::ScoreOutOfRange {
                item: r.item,
                score: r.score,
                max: model.max_score(),
            });
        }
        item_counts[r.item] += 1;
        category_counts[first_row[r.item] + usize::from(r.score)] += 1;
        n_persons = n_persons.max(r.person.saturating_add(1));
    }
    if responses.len() < config.min_responses {
        return Err(IrtError::TooFewResponses {
            responses: responses.len(),
            min: config.min_responses,
        });
    }
    let grouped = group_rows(
        responses,
        n_persons,
        |r| r.person,
        |r| first_row[r.item] + usize::from(r.score),
    );
    let persons = grouped.offsets.windows(2).filter(|w| w[1] > w[0]).count();
    if persons < config.min_persons {
        return Err(IrtError::TooFewPersons {
            persons,
            min: config.min_persons,
        });
    }
    let min_item = config.min_item_responses.max(1);
    let calibrated: Vec<bool> = item_counts.iter().map(|&c| c >= min_item).collect();
    if !calibrated.iter().any(|&c| c) {
        return Err(IrtError::NoCalibratableItem { min: min_item });
    }

    let mut params: Vec<GpcmItem> = previous.iter().map(ItemModel::to_gpcm).collect();
    for (i, p) in params.iter_mut().enumerate() {
        if calibrated[i] && config.start == StartValues::Proportions {
            let counts = &category_counts[first_row[i]..first_row[i + 1]];
            *p = start_from_proportions(counts);
        }
    }

    let k = quad.len();
    let threads = config.threads.min(grouped.offsets.len().max(2) - 1);
    let chunks = split_persons(&grouped.offsets, threads);
    let mut table = vec![0.0; n_rows * k];
    let mut accs: Vec<Vec<f64>> = vec![vec![0.0; n_rows * k]; chunks.len()];
    let mut posts: Vec<Vec<f64>> = vec![vec![0.0; k]; chunks.len()];

    let mut iterations = 0;
    let mut converged = false;
    let mut log_likelihood = f64::NEG_INFINITY;
    let mut last_change = f64::INFINITY;
    while iterations < config.max_iterations {
        iterations += 1;
        fill_table(&params, quad.nodes(), &first_row, &mut table);
        log_likelihood = e_step_parallel(
            &grouped,
            &chunks,
            &table,
            quad.log_weights(),
            &mut accs,
            &mut posts,
        );
        let (acc, rest) = accs.split_at_mut(1);
        let acc = &mut acc[0];
        for other in rest.iter() {
            for (x, y) in acc.iter_mut().zip(other) {
                *x += y;
            }
        }
        last_change = 0.0;
        for (i, p) in params.iter_mut().enumerate() {
            if !calibrated[i] {
                continue;
            }
            let counts = &acc[first_row[i] * k..first_row[i + 1] * k];
            let new = m_step_gpcm(p, counts, quad.nodes(), config);
            last_change = p
                .steps
                .iter()
                .zip(&new.steps)
                .map(|(x, y)| (x - y).abs())
                .fold(last_change.max((new.a - p.a).abs()), f64::max);
            *p = new;
        }
        if last_change < config.tolerance {
            converged = true;
            break;
        }
    }

    let items = params
        .into_iter()
        .zip(previous)
        .zip(item_counts.iter().zip(&calibrated))
        .map(|((fit, before), (&responses, &calibrated))| {
            let model = if !calibrated {
                before.clone()
            } else if let ItemModel::Dichotomous(_) = before {
                let b = fit.steps.first().copied().unwrap_or(0.0);
                ItemModel::Dichotomous(ItemParams::new(fit.a, b))
            } else {
                ItemModel::Gpcm(fit)
            };
            MixedItemReport {
                model,
                responses,
                calibrated,
            }
        })
        .collect();
    Ok(MixedCalibration {
        items,
        iterations,
        log_likelihood,
        converged,
        last_change,
        persons,
        responses: responses.len(),
    })
}

/// Start values from the observed category counts: `a = 1` and each step
/// from the adjacent-category log-odds, `b_v ≈ −ln(n_v / n_{v−1}) · s`
/// with `s = sqrt(1 + π/8)` the marginalisation over θ ~ N(0, 1) (for one
/// step this is [`StartValues::Proportions`] of the 2PL calibration).
fn start_from_proportions(counts: &[usize]) -> GpcmItem {
    let scale = (1.0 + std::f64::consts::PI / 8.0).sqrt();
    let steps = counts
        .windows(2)
        .map(|w| -((w[1] as f64 + 0.5) / (w[0] as f64 + 0.5)).ln() * scale)
        .collect();
    GpcmItem { a: 1.0, steps }
}

/// `table[(first_row[i] + c) * K + k] = ln P(score c on item i | θ_k)`.
fn fill_table(params: &[GpcmItem], nodes: &[f64], first_row: &[usize], table: &mut [f64]) {
    let k = nodes.len();
    let mut buf = [0.0; MAX_CATEGORIES];
    for (i, p) in params.iter().enumerate() {
        let rows = &mut table[first_row[i] * k..first_row[i + 1] * k];
        for (node, &theta) in nodes.iter().enumerate() {
            let n = p.log_probs(theta, &mut buf);
            for (c, &l) in buf[..n].iter().enumerate() {
                rows[c * k + node] = l;
            }
        }
    }
}

/// Expected complete-data log-posterior of one item from its aggregates
/// (`counts[c * K + k]`: expected persons at node `k` with score `c`).
fn gpcm_objective(
    item: &GpcmItem,
    counts: &[f64],
    nodes: &[f64],
    config: &CalibrationConfig,
) -> f64 {
    let k = nodes.len();
    let mut buf = [0.0; MAX_CATEGORIES];
    let mut f = 0.0;
    for (node, &theta) in nodes.iter().enumerate() {
        let n = item.log_probs(theta, &mut buf);
        for (c, &l) in buf[..n].iter().enumerate() {
            f += counts[c * k + node] * l;
        }
    }
    f + log_prior(item, &config.prior, config.model)
}

fn log_prior(item: &GpcmItem, prior: &ItemPrior, model: Model) -> f64 {
    let mut f = 0.0;
    for &b in &item.steps {
        let z = (b - prior.b_mean) / prior.b_sd;
        f -= 0.5 * z * z;
    }
    if model == Model::TwoPl {
        let z = (item.a.ln() - prior.log_a_mean) / prior.log_a_sd;
        f -= 0.5 * z * z;
    }
    f
}

/// Largest parameter vector of one item: `ln a` and up to 15 steps.
const DIM: usize = MAX_CATEGORIES;

/// Fisher scoring on `(ln a, b_1..b_m)` (steps only for Rasch/PCM) of the
/// item's expected complete-data log-posterior, with step halving so that
/// the objective never decreases.
///
/// With `P_c` the category probabilities at a node, `S_v = P(score ≥ v)`,
/// `T_c = Σ_{v ≤ c} (θ − b_v)` and `T̄ = Σ_c P_c T_c`, the gradient of
/// `ln P_c` is `a (T_c − T̄)` in `ln a` and `−a (1[c ≥ v] − S_v)` in `b_v`;
/// the expected information at the node is `n Σ_c P_c u_c u_cᵀ` for those
/// gradient vectors `u_c`.
#[allow(
    clippy::many_single_char_names,
    clippy::similar_names,
    clippy::needless_range_loop,
    reason = "the names follow the formulas (a, f, g, n, m, t, u, inv_va/inv_vb); the loops index several arrays by parameter and category, as the formulas do"
)]
fn m_step_gpcm(
    start: &GpcmItem,
    counts: &[f64],
    nodes: &[f64],
    config: &CalibrationConfig,
) -> GpcmItem {
    let prior = &config.prior;
    let fit_slope = config.model == Model::TwoPl;
    let k = nodes.len();
    let m = start.steps.len().min(DIM - 1);
    let d = m + 1;
    let inv_va = 1.0 / (prior.log_a_sd * prior.log_a_sd);
    let inv_vb = 1.0 / (prior.b_sd * prior.b_sd);
    let mut item = start.clone();
    let mut f = gpcm_objective(&item, counts, nodes, config);
    let mut buf = [0.0; MAX_CATEGORIES];
    for _ in 0..config.newton_steps {
        let a = item.a;
        let mut g = [0.0; DIM];
        let mut info = [[0.0; DIM]; DIM];
        for (node, &theta) in nodes.iter().enumerate() {
            item.log_probs(theta, &mut buf);
            let mut p = [0.0; MAX_CATEGORIES];
            let mut t = [0.0; MAX_CATEGORIES];
            let mut n = 0.0;
            for c in 0..=m {
                p[c] = buf[c].exp();
                t[c] = if c == 0 {
                    0.0
                } else {
                    t[c - 1] + theta - item.steps[c - 1]
                };
                n += counts[c * k + node];
            }
            let t_bar: f64 = (0..=m).map(|c| p[c] * t[c]).sum();
            // S_v = P(score ≥ v), v = 1..m.
            let mut s = [0.0; MAX_CATEGORIES + 1];
            for v in (1..=m).rev() {
                s[v] = s[v + 1] + p[v];
            }
            for c in 0..=m {
                let mut u = [0.0; DIM];
                u[0] = a * (t[c] - t_bar);
                for v in 1..=m {
                    u[v] = -a * (f64::from(u8::from(c >= v)) - s[v]);
                }
                let r = counts[c * k + node];
                for x in 0..d {
                    g[x] += r * u[x];
                    let w = n * p[c] * u[x];
                    for y in 0..d {
                        info[x][y] += w * u[y];
                    }
                }
            }
        }
        if fit_slope {
            g[0] -= (a.ln() - prior.log_a_mean) * inv_va;
            info[0][0] += inv_va;
        } else {
            // Slope fixed: a unit diagonal decouples ln a from the steps.
            g[0] = 0.0;
            for x in 0..d {
                info[0][x] = 0.0;
                info[x][0] = 0.0;
            }
            info[0][0] = 1.0;
        }
        for v in 1..=m {
            g[v] -= (item.steps[v - 1] - prior.b_mean) * inv_vb;
            info[v][v] += inv_vb;
        }
        let Some(mut delta) = solve_spd(&mut info, &g, d) else {
            break;
        };
        // Cap the step at 1 on every coordinate.
        let big = delta[..d].iter().fold(0.0_f64, |x, y| x.max(y.abs()));
        if big > 1.0 {
            for x in &mut delta[..d] {
                *x /= big;
            }
        }
        let mut accepted = false;
        let mut size = big.min(1.0);
        for _ in 0..20 {
            let trial = GpcmItem {
                a: (item.a.ln() + delta[0]).exp(),
                steps: item
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(v, b)| b + delta.get(v + 1).copied().unwrap_or(0.0))
                    .collect(),
            };
            let nf = gpcm_objective(&trial, counts, nodes, config);
            if nf.is_finite() && nf >= f - 1e-12 * f.abs().max(1.0) {
                item = trial;
                f = nf;
                accepted = true;
                break;
            }
            for x in &mut delta[..d] {
                *x *= 0.5;
            }
            size *= 0.5;
        }
        if !accepted || size < 1e-10 {
            break;
        }
    }
    item
}

/// Solves `A x = g` for a symmetric positive definite `A` (its leading
/// `d × d` block) by Cholesky; `None` when `A` is not positive definite or
/// not finite. Overwrites `A` with its factor.
#[allow(
    clippy::many_single_char_names,
    clippy::needless_range_loop,
    reason = "textbook Cholesky: row and column indices into the matrix and vectors"
)]
fn solve_spd(a: &mut [[f64; DIM]; DIM], g: &[f64; DIM], d: usize) -> Option<[f64; DIM]> {
    for j in 0..d {
        let mut diag = a[j][j];
        for x in 0..j {
            diag -= a[j][x] * a[j][x];
        }
        if !(diag.is_finite() && diag > 0.0) {
            return None;
        }
        let l = diag.sqrt();
        a[j][j] = l;
        for i in j + 1..d {
            let mut v = a[i][j];
            for x in 0..j {
                v -= a[i][x] * a[j][x];
            }
            a[i][j] = v / l;
        }
    }
    let mut y = [0.0; DIM];
    for i in 0..d {
        let mut v = g[i];
        for x in 0..i {
            v -= a[i][x] * y[x];
        }
        y[i] = v / a[i][i];
    }
    let mut out = [0.0; DIM];
    for i in (0..d).rev() {
        let mut v = y[i];
        for x in i + 1..d {
            v -= a[x][i] * out[x];
        }
        out[i] = v / a[i][i];
    }
    out[..d].iter().all(|v| v.is_finite()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quadrature::Quadrature;

    #[test]
    fn cholesky_solves_a_small_system() {
        let mut a = [[0.0; DIM]; DIM];
        a[0][0] = 4.0;
        a[0][1] = 1.0;
        a[1][0] = 1.0;
        a[1][1] = 3.0;
        let mut g = [0.0; DIM];
        g[0] = 1.0;
        g[1] = 2.0;
        let x = solve_spd(&mut a, &g, 2).unwrap();
        assert!((4.0 * x[0] + x[1] - 1.0).abs() < 1e-12);
        assert!((x[0] + 3.0 * x[1] - 2.0).abs() < 1e-12);
        let mut singular = [[0.0; DIM]; DIM];
        assert!(solve_spd(&mut singular, &g, 2).is_none());
    }

    #[test]
    fn m_step_recovers_gpcm_item_from_exact_aggregates() {
        // Aggregates generated from the model itself, with huge counts, so
        // the priors are negligible: the M-step must return the generating item.
        let quad = Quadrature::default();
        let truth = GpcmItem::new(1.3, vec![-0.9, 0.4, 1.2]).unwrap();
        let k = quad.len();
        let mut counts = vec![0.0; 4 * k];
        for (node, (&t, &w)) in quad.nodes().iter().zip(quad.weights()).enumerate() {
            for c in 0..4 {
                counts[c * k + node] = 1e6 * w * truth.log_prob(t, c).exp();
            }
        }
        let config = CalibrationConfig {
            newton_steps: 50,
            ..CalibrationConfig::default()
        };
        let start = GpcmItem::new(1.0, vec![0.0, 0.0, 0.0]).unwrap();
        let est = m_step_gpcm(&start, &counts, quad.nodes(), &config);
        assert!((est.a - truth.a).abs() < 1e-3, "{est:?}");
        for (e, t) in est.steps.iter().zip(&truth.steps) {
            assert!((e - t).abs() < 1e-3, "{est:?}");
        }
        // The partial credit model keeps the slope where it started.
        let rasch = CalibrationConfig {
            model: Model::Rasch,
            ..config
        };
        let pcm = m_step_gpcm(&start, &counts, quad.nodes(), &rasch);
        assert!((pcm.a - 1.0).abs() < 1e-15, "{pcm:?}");
    }

    #[test]
    fn rejects_scores_above_the_top_category() {
        let bank = [
            ItemModel::from(ItemParams::default()),
            ItemModel::Gpcm(GpcmItem::new(1.0, vec![0.0, 1.0]).unwrap()),
        ];
        let config = CalibrationConfig {
            min_responses: 1,
            min_persons: 1,
            min_item_responses: 1,
            ..CalibrationConfig::default()
        };
        let ok = [ScoredResponse::new(0, 1, 2), ScoredResponse::new(1, 0, 1)];
        assert!(calibrate_mixed(&ok, &bank, &config).is_ok());
        for (item, score, max) in [(0, 2, 1), (1, 3, 2)] {
            let bad = [ScoredResponse::new(0, item, score)];
            assert_eq!(
                calibrate_mixed(&bad, &bank, &config),
                Err(IrtError::ScoreOutOfRange { item, score, max })
            );
        }
    }
}

//! Marginal maximum likelihood calibration by EM (Bock–Aitkin) on sparse data.

use serde::{Deserialize, Serialize};

use crate::model::{log_pq, logistic};
use crate::quadrature::Quadrature;
use crate::{IrtError, ItemParams, Model};

/// One observed answer: person `person` answered item `item`, right or wrong.
///
/// Indices are 0-based; persons need not be contiguous (a person index with
/// no response simply contributes nothing), items index the bank passed to
/// [`calibrate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Person index.
    pub person: usize,
    /// Item index into the bank.
    pub item: usize,
    /// Whether the answer was correct.
    pub correct: bool,
}

impl Response {
    /// Creates a response.
    #[must_use]
    pub const fn new(person: usize, item: usize, correct: bool) -> Self {
        Self {
            person,
            item,
            correct,
        }
    }
}

/// Weak priors on the item parameters, making the M-step a posterior-mode
/// (MAP) step: `ln a ~ N(log_a_mean, log_a_sd²)` (a lognormal on `a`, as in
/// BILOG) and `b ~ N(b_mean, b_sd²)`. With hundreds of responses per item
/// they are negligible; with a few dozen they keep `a` positive and moderate
/// and stop `b` running off to ±∞ when an item is answered all right or all
/// wrong.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemPrior {
    /// Mean of `ln a` (default 0, i.e. a median `a` of 1).
    pub log_a_mean: f64,
    /// Standard deviation of `ln a` (default 0.5).
    pub log_a_sd: f64,
    /// Mean of `b` (default 0).
    pub b_mean: f64,
    /// Standard deviation of `b` (default 2).
    pub b_sd: f64,
}

impl Default for ItemPrior {
    fn default() -> Self {
        Self {
            log_a_mean: 0.0,
            log_a_sd: 0.5,
            b_mean: 0.0,
            b_sd: 2.0,
        }
    }
}

/// Where the EM starts for the items it calibrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum StartValues {
    /// From the parameters passed in (a recalibration warm-starts from the
    /// previous calibration).
    #[default]
    Previous,
    /// From the observed proportion correct (`a = 1`, `b` from the normal
    /// approximation of the marginal proportion), ignoring the parameters
    /// passed in for the items to be calibrated.
    Proportions,
}

/// Settings of [`calibrate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationConfig {
    /// Model to fit.
    pub model: Model,
    /// Number of equally spaced quadrature nodes (default 41, at most 256).
    pub quadrature_points: usize,
    /// Nodes span `[-bound, bound]` (default 6).
    pub quadrature_bound: f64,
    /// Maximum number of EM cycles (default 500).
    pub max_iterations: usize,
    /// Convergence: the largest change of any calibrated `a` or `b` in one
    /// EM cycle falls below this (default 1e-4).
    pub tolerance: f64,
    /// Fisher-scoring steps per item per M-step, at most (default 5).
    pub newton_steps: usize,
    /// Items with fewer responses keep their previous parameters and are
    /// reported as not calibrated (default 5; 0 is treated as 1).
    pub min_item_responses: usize,
    /// Fewer responses in total is an error (default 100).
    pub min_responses: usize,
    /// Fewer distinct persons is an error (default 30).
    pub min_persons: usize,
    /// Item priors.
    pub prior: ItemPrior,
    /// Start values.
    pub start: StartValues,
    /// Threads for the E-step (default 1, so that a server calibrating in
    /// the background leaves a core to its requests). Persons are split into
    /// contiguous blocks of about equal numbers of responses; on 2 free
    /// cores, 2 threads roughly halve the time on large data sets. Results
    /// are identical up to floating-point summation order.
    pub threads: usize,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        Self {
            model: Model::TwoPl,
            quadrature_points: 41,
            quadrature_bound: 6.0,
            max_iterations: 500,
            tolerance: 1e-4,
            newton_steps: 5,
            min_item_responses: 5,
            min_responses: 100,
            min_persons: 30,
            prior: ItemPrior::default(),
            start: StartValues::Previous,
            threads: 1,
        }
    }
}

/// Outcome for one item of the bank.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemReport {
    /// Estimated parameters, or the previous ones if not calibrated.
    pub params: ItemParams,
    /// Number of responses to the item in the data.
    pub responses: usize,
    /// Whether the item had enough responses to be estimated. When false,
    /// `params` are exactly the parameters passed in.
    pub calibrated: bool,
}

/// Result of [`calibrate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// One report per item of the bank, in bank order.
    pub items: Vec<ItemReport>,
    /// EM cycles run.
    pub iterations: usize,
    /// Marginal log-likelihood of the data (without the item priors) at the
    /// last E-step, i.e. at the parameters of the start of the last cycle.
    pub log_likelihood: f64,
    /// Whether the tolerance was met within `max_iterations`.
    pub converged: bool,
    /// Largest parameter change in the last cycle.
    pub last_change: f64,
    /// Persons with at least one response.
    pub persons: usize,
    /// Responses used.
    pub responses: usize,
}

impl Calibration {
    /// The parameters of every item, in bank order (calibrated or not).
    #[must_use]
    pub fn params(&self) -> Vec<ItemParams> {
        self.items.iter().map(|r| r.params).collect()
    }
}

/// Responses grouped by person (compressed rows), each stored as its row
/// in the log-probability table: `2 * item + correct` here, the item's
/// first row plus the score in the mixed calibration.
pub(crate) struct Grouped {
    pub(crate) offsets: Vec<usize>,
    pub(crate) rows: Vec<usize>,
}

fn validate(config: &CalibrationConfig, previous: &[ItemParams]) -> Result<Quadrature, IrtError> {
    if previous.is_empty() {
        return Err(IrtError::EmptyBank);
    }
    let quad = validate_config(config)?;
    for (item, q) in previous.iter().enumerate() {
        if !(q.a.is_finite() && q.a > 0.0 && q.b.is_finite()) {
            return Err(IrtError::InvalidParams { item });
        }
    }
    Ok(quad)
}

/// Checks the settings (not the items) and builds the quadrature.
pub(crate) fn validate_config(config: &CalibrationConfig) -> Result<Quadrature, IrtError> {
    if config.max_iterations == 0 {
        return Err(IrtError::InvalidConfig("max_iterations must be >= 1"));
    }
    if !(config.tolerance.is_finite() && config.tolerance > 0.0) {
        return Err(IrtError::InvalidConfig("tolerance must be finite and > 0"));
    }
    if config.newton_steps == 0 {
        return Err(IrtError::InvalidConfig("newton_steps must be >= 1"));
    }
    if config.threads == 0 {
        return Err(IrtError::InvalidConfig("threads must be >= 1"));
    }
    let p = &config.prior;
    let finite = [p.log_a_mean, p.log_a_sd, p.b_mean, p.b_sd]
        .iter()
        .all(|x| x.is_finite());
    if !finite || p.log_a_sd <= 0.0 || p.b_sd <= 0.0 {
        return Err(IrtError::InvalidConfig(
            "prior means must be finite and prior standard deviations finite and > 0",
        ));
    }
    Quadrature::normal(config.quadrature_points, config.quadrature_bound)
}

/// Calibrates the item bank `previous` (one entry per item; the parameters
/// kept by items that cannot be calibrated, and the EM's start values by
/// default) on `responses` by marginal maximum likelihood (EM, Bock–Aitkin).
///
/// Errors mean nothing was estimated and the caller should keep `previous`:
/// too few responses or persons, no item with enough responses, an item
/// index outside the bank, invalid parameters or configuration.
pub fn calibrate(
    responses: &[Response],
    previous: &[ItemParams],
    config: &CalibrationConfig,
) -> Result<Calibration, IrtError> {
    let quad = validate(config, previous)?;
    let n_items = previous.len();

    // Counts per item and per person; range checks.
    let mut item_counts = vec![0_usize; n_items];
    let mut item_correct = vec![0_usize; n_items];
    let mut n_persons = 0;
    for r in responses {
        let count = item_counts
            .get_mut(r.item)
            .ok_or(IrtError::ItemOutOfRange {
                item: r.item,
                items: n_items,
            })?;
        *count += 1;
        if r.correct {
            item_correct[r.item] += 1;
        }
        n_persons = n_persons.max(r.person.saturating_add(1));
    }
    if responses.len() < config.min_responses {
        return Err(IrtError::TooFewResponses {
            responses: responses.len(),
            min: config.min_responses,
        });
    }
    let grouped = group_by_person(responses, n_persons);
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

    let mut params = previous.to_vec();
    for (i, p) in params.iter_mut().enumerate() {
        if !calibrated[i] {
            continue;
        }
        if config.start == StartValues::Proportions {
            let prop = (item_correct[i] as f64 + 0.5) / (item_counts[i] as f64 + 1.0);
            // Marginal P ≈ σ(-a b / sqrt(1 + π a² / 8)) under θ ~ N(0, 1), a = 1.
            let scale = (1.0 + std::f64::consts::PI / 8.0).sqrt();
            *p = ItemParams::new(1.0, -(prop / (1.0 - prop)).ln() * scale);
        }
        if config.model == Model::Rasch {
            p.a = 1.0;
        }
    }

    let k = quad.len();
    let threads = config.threads.min(grouped.offsets.len().max(2) - 1);
    let chunks = split_persons(&grouped.offsets, threads);
    let mut table = vec![0.0; 2 * n_items * k];
    let mut accs: Vec<Vec<f64>> = vec![vec![0.0; 2 * n_items * k]; chunks.len()];
    let mut posts: Vec<Vec<f64>> = vec![vec![0.0; k]; chunks.len()];

    let mut iterations = 0;
    let mut converged = false;
    let mut log_likelihood = f64::NEG_INFINITY;
    let mut last_change = f64::INFINITY;
    while iterations < config.max_iterations {
        iterations += 1;
        fill_table(&params, quad.nodes(), &mut table);
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
            let wrong = &acc[2 * i * k..(2 * i + 1) * k];
            let right = &acc[(2 * i + 1) * k..(2 * i + 2) * k];
            let new = m_step_item(*p, wrong, right, quad.nodes(), config);
            last_change = last_change
                .max((new.a - p.a).abs())
                .max((new.b - p.b).abs());
            *p = new;
        }
        if last_change < config.tolerance {
            converged = true;
            break;
        }
    }

    let items = params
        .iter()
        .zip(&item_counts)
        .zip(&calibrated)
        .map(|((&params, &responses), &calibrated)| ItemReport {
            params,
            responses,
            calibrated,
        })
        .collect();
    Ok(Calibration {
        items,
        iterations,
        log_likelihood,
        converged,
        last_change,
        persons,
        responses: responses.len(),
    })
}

/// Groups the responses by person: a counting sort when person indices are
/// dense enough, otherwise (e.g. database ids as indices) a sort that keeps
/// only the persons present, so memory never depends on the largest index.
fn group_by_person(responses: &[Response], n_persons: usize) -> Grouped {
    group_rows(
        responses,
        n_persons,
        |r| r.person,
        |r| 2 * r.item + usize::from(r.correct),
    )
}

/// [`group_by_person`] for any response type: `person` gives a response's
/// person index (all below `n_persons`), `row` its table row.
pub(crate) fn group_rows<T>(
    responses: &[T],
    n_persons: usize,
    person: impl Fn(&T) -> usize,
    row: impl Fn(&T) -> usize,
) -> Grouped {
    if n_persons > 2 * responses.len() + 1024 {
        let mut order: Vec<usize> = (0..responses.len()).collect();
        order.sort_by_key(|&j| person(&responses[j]));
        let mut offsets = vec![0];
        let mut rows = Vec::with_capacity(responses.len());
        let mut current = None;
        for j in order {
            let r = &responses[j];
            let p = person(r);
            if current.is_some_and(|c| c != p) {
                offsets.push(rows.len());
            }
            current = Some(p);
            rows.push(row(r));
        }
        if !rows.is_empty() {
            offsets.push(rows.len());
        }
        return Grouped { offsets, rows };
    }
    let mut offsets = vec![0_usize; n_persons + 1];
    for r in responses {
        offsets[person(r) + 1] += 1;
    }
    for p in 0..n_persons {
        offsets[p + 1] += offsets[p];
    }
    let mut next = offsets.clone();
    let mut rows = vec![0_usize; responses.len()];
    for r in responses {
        let slot = &mut next[person(r)];
        rows[*slot] = row(r);
        *slot += 1;
    }
    Grouped { offsets, rows }
}

/// Splits persons into at most `threads` contiguous ranges of about equal
/// numbers of responses.
pub(crate) fn split_persons(offsets: &[usize], threads: usize) -> Vec<(usize, usize)> {
    let n_persons = offsets.len().saturating_sub(1);
    let total = offsets.last().copied().unwrap_or(0);
    let mut chunks = Vec::with_capacity(threads);
    let mut start = 0;
    for t in 1..=threads {
        let end = if t == threads {
            n_persons
        } else {
            let target = total * t / threads;
            offsets
                .partition_point(|&o| o < target)
                .min(n_persons)
                .max(start)
        };
        if end > start {
            chunks.push((start, end));
        }
        start = end;
    }
    if chunks.is_empty() {
        chunks.push((0, n_persons));
    }
    chunks
}

/// `table[(2i + c) * K + k] = ln P(answer c to item i | θ_k)`, c = 0 wrong, 1 right.
fn fill_table(params: &[ItemParams], nodes: &[f64], table: &mut [f64]) {
    let k = nodes.len();
    for (p, rows) in params.iter().zip(table.chunks_exact_mut(2 * k)) {
        let (wrong, right) = rows.split_at_mut(k);
        for ((w, r), &theta) in wrong.iter_mut().zip(right.iter_mut()).zip(nodes) {
            let (lp, lq) = log_pq(p.a * (theta - p.b));
            *r = lp;
            *w = lq;
        }
    }
}

pub(crate) fn e_step_parallel(
    grouped: &Grouped,
    chunks: &[(usize, usize)],
    table: &[f64],
    log_w: &[f64],
    accs: &mut [Vec<f64>],
    posts: &mut [Vec<f64>],
) -> f64 {
    if chunks.len() == 1 {
        return accs
            .iter_mut()
            .zip(posts.iter_mut())
            .zip(chunks)
            .map(|((acc, post), &range)| e_step(grouped, range, table, log_w, acc, post))
            .sum();
    }
    std::thread::scope(|scope| {
        let mut jobs = accs.iter_mut().zip(posts.iter_mut()).zip(chunks);
        let first = jobs.next();
        let handles: Vec<_> = jobs
            .map(|((acc, post), &range)| {
                scope.spawn(move || e_step(grouped, range, table, log_w, acc, post))
            })
            .collect();
        let mut total = first.map_or(0.0, |((acc, post), &range)| {
            e_step(grouped, range, table, log_w, acc, post)
        });
        for h in handles {
            // A worker cannot panic short of a bug; if it did, its share of
            // the log-likelihood is lost (NaN makes that visible) rather
            // than the process aborting.
            total += h.join().unwrap_or(f64::NAN);
        }
        total
    })
}

/// E-step over persons `range`: accumulates the posterior weight of every
/// response onto its table row in `acc` (wrong rows give `n - r`, right rows
/// `r`, per node) and returns the marginal log-likelihood of those persons.
fn e_step(
    grouped: &Grouped,
    (start, end): (usize, usize),
    table: &[f64],
    log_w: &[f64],
    acc: &mut [f64],
    post: &mut [f64],
) -> f64 {
    let k = log_w.len();
    acc.fill(0.0);
    let mut loglik = 0.0;
    for person in start..end {
        let rows = &grouped.rows[grouped.offsets[person]..grouped.offsets[person + 1]];
        if rows.is_empty() {
            continue;
        }
        post.copy_from_slice(log_w);
        for &row in rows {
            let lp = &table[row * k..(row + 1) * k];
            for (x, y) in post.iter_mut().zip(lp) {
                *x += y;
            }
        }
        let max = post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for x in post.iter_mut() {
            *x = (*x - max).exp();
            sum += *x;
        }
        loglik += max + sum.ln();
        let scale = 1.0 / sum;
        for x in post.iter_mut() {
            *x *= scale;
        }
        for &row in rows {
            let a = &mut acc[row * k..(row + 1) * k];
            for (x, y) in a.iter_mut().zip(post.iter()) {
                *x += y;
            }
        }
    }
    loglik
}

/// Expected complete-data log-posterior of one item from its aggregates.
fn item_objective(
    a: f64,
    b: f64,
    wrong: &[f64],
    right: &[f64],
    nodes: &[f64],
    prior: &ItemPrior,
    model: Model,
) -> f64 {
    let mut f = 0.0;
    for ((&w, &r), &theta) in wrong.iter().zip(right).zip(nodes) {
        let (lp, lq) = log_pq(a * (theta - b));
        f += r * lp + w * lq;
    }
    let zb = (b - prior.b_mean) / prior.b_sd;
    f -= 0.5 * zb * zb;
    if model == Model::TwoPl {
        let za = (a.ln() - prior.log_a_mean) / prior.log_a_sd;
        f -= 0.5 * za * za;
    }
    f
}

/// Fisher scoring on `(ln a, b)` (or `b` alone for Rasch) of the item's
/// expected complete-data log-posterior, with step halving so that the
/// objective never decreases.
#[allow(
    clippy::similar_names,
    clippy::many_single_char_names,
    reason = "the names follow the formulas: a, b, f, n, p, e, info sums s_* and the information matrix i_*"
)]
fn m_step_item(
    start: ItemParams,
    wrong: &[f64],
    right: &[f64],
    nodes: &[f64],
    config: &CalibrationConfig,
) -> ItemParams {
    let prior = &config.prior;
    let model = config.model;
    let inv_va = 1.0 / (prior.log_a_sd * prior.log_a_sd);
    let inv_vb = 1.0 / (prior.b_sd * prior.b_sd);
    let mut la = start.a.ln();
    let mut b = start.b;
    let mut f = item_objective(start.a, b, wrong, right, nodes, prior, model);
    for _ in 0..config.newton_steps {
        let a = la.exp();
        let (mut s_e, mut s_ed, mut s_w, mut s_wd, mut s_wdd) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for ((&w, &r), &theta) in wrong.iter().zip(right).zip(nodes) {
            let n = w + r;
            let d = theta - b;
            let p = logistic(a * d);
            let e = r - n * p;
            let info = n * p * (1.0 - p);
            s_e += e;
            s_ed += e * d;
            s_w += info;
            s_wd += info * d;
            s_wdd += info * d * d;
        }
        let g_b = -a * s_e - (b - prior.b_mean) * inv_vb;
        let i_bb = a * a * s_w + inv_vb;
        let (mut d_la, mut d_b) = match model {
            Model::Rasch => (0.0, g_b / i_bb),
            Model::TwoPl => {
                let g_la = a * s_ed - (la - prior.log_a_mean) * inv_va;
                let i_aa = a * a * s_wdd + inv_va;
                let i_ab = -a * a * s_wd;
                let det = i_aa * i_bb - i_ab * i_ab;
                if !(det.is_finite() && det > 0.0) {
                    break;
                }
                (
                    (i_bb * g_la - i_ab * g_b) / det,
                    (i_aa * g_b - i_ab * g_la) / det,
                )
            }
        };
        // Cap the step at 1 on either coordinate.
        let big = d_la.abs().max(d_b.abs());
        if big > 1.0 {
            d_la /= big;
            d_b /= big;
        }
        let mut accepted = false;
        for _ in 0..20 {
            let (nla, nb) = (la + d_la, b + d_b);
            let nf = item_objective(nla.exp(), nb, wrong, right, nodes, prior, model);
            if nf.is_finite() && nf >= f - 1e-12 * f.abs().max(1.0) {
                la = nla;
                b = nb;
                f = nf;
                accepted = true;
                break;
            }
            d_la *= 0.5;
            d_b *= 0.5;
        }
        if !accepted || d_la.abs().max(d_b.abs()) < 1e-10 {
            break;
        }
    }
    ItemParams::new(la.exp(), b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_ignores_the_size_of_person_ids() {
        let compact = [
            Response::new(0, 1, true),
            Response::new(1, 0, false),
            Response::new(0, 2, false),
        ];
        let dense = group_by_person(&compact, 2);
        assert_eq!(dense.offsets, vec![0, 2, 3]);
        assert_eq!(dense.rows, vec![3, 4, 0]);
        let huge: Vec<Response> = compact
            .iter()
            .map(|r| Response::new(r.person * 1_000_000_007 + 5, r.item, r.correct))
            .collect();
        let sparse = group_by_person(&huge, 1_000_000_013);
        assert_eq!(sparse.offsets, dense.offsets);
        assert_eq!(sparse.rows, dense.rows);
    }

    #[test]
    fn split_balances_responses() {
        let offsets = [0, 10, 20, 30, 40, 50];
        assert_eq!(split_persons(&offsets, 2), vec![(0, 3), (3, 5)]);
        assert_eq!(split_persons(&offsets, 1), vec![(0, 5)]);
        assert_eq!(split_persons(&[0], 2), vec![(0, 0)]);
    }

    #[test]
    fn m_step_recovers_item_from_exact_aggregates() {
        // Aggregates generated from the model itself, with huge counts, so
        // the prior is negligible: the M-step must return the generating item.
        let quad = Quadrature::default();
        let truth = ItemParams::new(1.6, 0.7);
        let (wrong, right): (Vec<f64>, Vec<f64>) = quad
            .nodes()
            .iter()
            .zip(quad.weights())
            .map(|(&t, &w)| {
                let n = 1e6 * w;
                let p = truth.prob(t);
                (n * (1.0 - p), n * p)
            })
            .unzip();
        let config = CalibrationConfig {
            newton_steps: 50,
            ..CalibrationConfig::default()
        };
        let est = m_step_item(ItemParams::default(), &wrong, &right, quad.nodes(), &config);
        assert!((est.a - truth.a).abs() < 1e-3, "{est:?}");
        assert!((est.b - truth.b).abs() < 1e-3, "{est:?}");
    }
}

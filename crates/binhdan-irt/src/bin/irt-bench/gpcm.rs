//! `irt-bench --gpcm`: parameter recovery of the mixed 2PL + GPCM
//! calibration ([`binhdan_irt::calibrate_mixed`]) against girth's
//! `pcm_mml` (a generalized partial credit model, `scripts/girth_recovery.py`)
//! on the same simulated data: true vs ours vs girth per item, RMSE of each
//! parameter group, correlation of the EAP abilities with the true ones,
//! and the time each took.
//!
//! Both use the same parameterisation (logistic metric, D = 1,
//! `P(c) ∝ exp(Σ_{v ≤ c} a (θ − b_v))`, θ ~ N(0, 1)); a dichotomous item is
//! the one-step case, so no conversion is needed: the numbers are compared
//! as they come.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use binhdan_irt::simulate::{
    correlation, draw_abilities, draw_gpcm_items, draw_items, rmse, simulate_scored_dense,
};
use binhdan_irt::{
    CalibrationConfig, GpcmItem, ItemModel, ItemParams, ScoredResponse, StartValues,
    calibrate_mixed, eap_scored,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Deserialize;

/// What `--gpcm` simulates and how it runs the reference.
pub struct Settings {
    /// Simulated persons (every one answers every item).
    pub persons: usize,
    /// Dichotomous 2PL items.
    pub dichotomous: usize,
    /// GPCM items.
    pub polytomous: usize,
    /// Score categories of the GPCM items.
    pub categories: usize,
    /// Seed of the simulation.
    pub seed: u64,
    /// E-step threads of our calibration.
    pub threads: usize,
    /// Whether to run girth.
    pub reference: bool,
    /// Python interpreter.
    pub python: String,
    /// `scripts/girth_recovery.py`.
    pub script: PathBuf,
    /// girth's `max_iteration`.
    pub girth_iterations: usize,
}

/// One calibration's estimates.
struct Estimates {
    seconds: f64,
    models: Vec<ItemModel>,
    /// EAP abilities, one per person.
    thetas: Vec<f64>,
    note: String,
}

#[derive(Deserialize)]
struct GirthReport {
    girth_version: String,
    function: String,
    seconds: f64,
    a: Vec<Option<f64>>,
    steps: Vec<Vec<Option<f64>>>,
    ability: Vec<Option<f64>>,
    collapsed: Vec<usize>,
}

/// Runs the scenario and prints the report.
pub fn run(s: &Settings) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(s.seed);
    let mut truth: Vec<ItemModel> = draw_items(s.dichotomous, &mut rng)
        .into_iter()
        .map(ItemModel::Dichotomous)
        .collect();
    truth.extend(
        draw_gpcm_items(s.polytomous, s.categories, &mut rng)
            .into_iter()
            .map(ItemModel::Gpcm),
    );
    if truth.is_empty() {
        return Err("--gpcm needs at least one item".to_owned());
    }
    let thetas = draw_abilities(s.persons, &mut rng);
    let data = simulate_scored_dense(&truth, &thetas, &mut rng);
    println!(
        "gpcm: {} persons x ({} 2PL + {} GPCM items with {} categories) = {} responses, seed {}",
        s.persons,
        s.dichotomous,
        s.polytomous,
        s.categories.clamp(2, binhdan_irt::MAX_CATEGORIES),
        data.len(),
        s.seed
    );
    println!(
        "truth: ln a ~ N(0, 0.3^2); 2PL b ~ N(0, 1); GPCM steps = location ~ N(0, 1) spread \
         over +-0.8, jitter N(0, 0.2^2). Same parameterisation for both (D = 1), no conversion."
    );

    let ours = ours(&data, &truth, s)?;
    let girth = if s.reference {
        girth(&data, &truth, s)?
    } else {
        println!("girth: skipped (--no-reference)");
        None
    };
    println!();
    item_table(&truth, &ours, girth.as_ref());
    println!();
    summary_table(&truth, &thetas, &ours, girth.as_ref());
    Ok(())
}

fn ours(data: &[ScoredResponse], truth: &[ItemModel], s: &Settings) -> Result<Estimates, String> {
    let start: Vec<ItemModel> = truth
        .iter()
        .map(|m| match m {
            ItemModel::Dichotomous(_) => ItemModel::Dichotomous(ItemParams::default()),
            ItemModel::Gpcm(g) => ItemModel::Gpcm(GpcmItem {
                a: 1.0,
                steps: vec![0.0; g.steps.len()],
            }),
        })
        .collect();
    let config = CalibrationConfig {
        start: StartValues::Proportions,
        threads: s.threads.max(1),
        ..CalibrationConfig::default()
    };
    let clock = Instant::now();
    let cal = calibrate_mixed(data, &start, &config).map_err(|e| format!("calibration: {e}"))?;
    let seconds = clock.elapsed().as_secs_f64();
    let models = cal.models();
    let thetas = data
        .chunks(truth.len())
        .map(|person| {
            let scored: Vec<(usize, u8)> = person.iter().map(|r| (r.item, r.score)).collect();
            eap_scored(&scored, &models).map_or(f64::NAN, |a| a.theta)
        })
        .collect();
    Ok(Estimates {
        seconds,
        models,
        thetas,
        note: format!(
            "binhdan-irt calibrate_mixed: {} EM cycles, converged={}, logL={:.1}, {} thread(s)",
            cal.iterations, cal.converged, cal.log_likelihood, config.threads
        ),
    })
}

fn write_csv(data: &[ScoredResponse], path: &Path) -> std::io::Result<()> {
    let mut text = String::with_capacity(data.len() * 12 + 32);
    text.push_str("person,item,score\n");
    for r in data {
        let _ = writeln!(text, "{},{},{}", r.person, r.item, r.score);
    }
    std::fs::write(path, text)
}

/// Runs girth; `Ok(None)` (said plainly on stdout) when it cannot.
fn girth(
    data: &[ScoredResponse],
    truth: &[ItemModel],
    s: &Settings,
) -> Result<Option<Estimates>, String> {
    let probe = Command::new(&s.python)
        .args(["-c", "import girth"])
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let why = stderr
                .lines()
                .last()
                .map_or_else(|| o.status.to_string(), str::to_owned);
            println!(
                "girth: skipped ({} -c 'import girth' failed: {why}); install with \
                 `python3 -m pip install girth==0.8.0`",
                s.python,
            );
            return Ok(None);
        }
        Err(e) => {
            println!("girth: skipped (cannot start {}: {e})", s.python);
            return Ok(None);
        }
    }
    let dir = std::env::temp_dir().join(format!("binhdan-irt-gpcm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let csv = dir.join("scored.csv");
    write_csv(data, &csv).map_err(|e| format!("{}: {e}", csv.display()))?;
    eprintln!("running {} {} ...", s.python, s.script.display());
    let clock = Instant::now();
    let output = Command::new(&s.python)
        .arg(&s.script)
        .arg(&csv)
        .args(["--max-iteration", &s.girth_iterations.to_string()])
        .output();
    let wall = clock.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    let output = output.map_err(|e| format!("cannot run {}: {e}", s.python))?;
    if !output.status.success() {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        println!("girth: skipped (the script failed: {})", output.status);
        return Ok(None);
    }
    let report: GirthReport = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("girth script output is not the expected JSON: {e}"))?;
    if report.a.len() != truth.len() || report.steps.len() != truth.len() {
        return Err(format!(
            "girth returned {} items, {} expected",
            report.a.len(),
            truth.len()
        ));
    }
    let models = truth
        .iter()
        .zip(report.a.iter().zip(&report.steps))
        .map(|(kind, (a, steps))| {
            let a = a.unwrap_or(f64::NAN);
            let steps: Vec<f64> = steps.iter().map(|b| b.unwrap_or(f64::NAN)).collect();
            match kind {
                ItemModel::Dichotomous(_) => ItemModel::Dichotomous(ItemParams::new(
                    a,
                    steps.first().copied().unwrap_or(f64::NAN),
                )),
                ItemModel::Gpcm(_) => ItemModel::Gpcm(GpcmItem { a, steps }),
            }
        })
        .collect();
    let mut note = format!(
        "girth {} {} (max_iteration {}), wall time with Python start and CSV parsing {:.2} s",
        report.girth_version, report.function, s.girth_iterations, wall
    );
    if !report.collapsed.is_empty() {
        let _ = write!(
            note,
            "; categories collapsed on items {:?}",
            report.collapsed
        );
    }
    Ok(Some(Estimates {
        seconds: report.seconds,
        models,
        thetas: report
            .ability
            .iter()
            .map(|t| t.unwrap_or(f64::NAN))
            .collect(),
        note,
    }))
}

/// `(name, value)` of every parameter of an item: `a`, then `b` or `b1..bm`.
fn parameters(model: &ItemModel) -> Vec<(String, f64)> {
    match model {
        ItemModel::Dichotomous(p) => vec![("a".to_owned(), p.a), ("b".to_owned(), p.b)],
        ItemModel::Gpcm(g) => std::iter::once(("a".to_owned(), g.a))
            .chain(
                g.steps
                    .iter()
                    .enumerate()
                    .map(|(v, &b)| (format!("b{}", v + 1), b)),
            )
            .collect(),
    }
}

fn item_table(truth: &[ItemModel], ours: &Estimates, girth: Option<&Estimates>) {
    println!("| item | kind | param |    true |    ours |   girth |");
    println!("|-----:|------|-------|--------:|--------:|--------:|");
    for (i, t) in truth.iter().enumerate() {
        let kind = if matches!(t, ItemModel::Gpcm(_)) {
            "gpcm"
        } else {
            "2pl"
        };
        let mine = ours.models.get(i).map(parameters).unwrap_or_default();
        let theirs = girth
            .and_then(|g| g.models.get(i))
            .map(parameters)
            .unwrap_or_default();
        for (k, (name, value)) in parameters(t).iter().enumerate() {
            let cell =
                |p: &[(String, f64)]| p.get(k).map_or("-".to_owned(), |x| format!("{:.3}", x.1));
            println!(
                "| {i:>4} | {kind:<4} | {name:<5} | {value:>7.3} | {:>7} | {:>7} |",
                cell(&mine),
                cell(&theirs)
            );
        }
    }
}

/// (slopes, 2PL difficulties, GPCM steps) of a bank, flattened.
fn groups(models: &[ItemModel]) -> [Vec<f64>; 3] {
    let mut out = [Vec::new(), Vec::new(), Vec::new()];
    for m in models {
        out[0].push(m.slope());
        match m {
            ItemModel::Dichotomous(p) => out[1].push(p.b),
            ItemModel::Gpcm(g) => out[2].extend(&g.steps),
        }
    }
    out
}

fn summary_table(truth: &[ItemModel], thetas: &[f64], ours: &Estimates, girth: Option<&Estimates>) {
    let t = groups(truth);
    let o = groups(&ours.models);
    let g = girth.map(|e| groups(&e.models));
    let cell = |x: Option<f64>| x.map_or("skipped".to_owned(), |v| format!("{v:.4}"));
    println!("| measure                          |     ours |    girth |");
    println!("|----------------------------------|---------:|---------:|");
    let names = [
        "RMSE(a), all items",
        "RMSE(b), 2PL items",
        "RMSE(steps), GPCM items",
    ];
    for (k, name) in names.iter().enumerate() {
        println!(
            "| {name:<32} | {:>8.4} | {:>8} |",
            rmse(&o[k], &t[k]),
            cell(g.as_ref().map(|g| rmse(&g[k], &t[k])))
        );
    }
    let all = |m: &[ItemModel]| -> Vec<f64> {
        m.iter()
            .flat_map(|x| parameters(x).into_iter().map(|p| p.1))
            .collect()
    };
    let agreement = girth.map(|e| rmse(&all(&ours.models), &all(&e.models)));
    println!(
        "| {:<32} | {:>8} | {:>8} |",
        "RMSE(ours - girth), all params",
        "-",
        cell(agreement)
    );
    println!(
        "| {:<32} | {:>8.4} | {:>8} |",
        "corr(EAP θ, true θ)",
        correlation(&ours.thetas, thetas),
        cell(girth.map(|e| correlation(&e.thetas, thetas)))
    );
    println!(
        "| {:<32} | {:>8.3} | {:>8} |",
        "calibration time (s)",
        ours.seconds,
        cell(girth.map(|e| e.seconds))
    );
    println!("{}", ours.note);
    if let Some(g) = girth {
        println!("{}", g.note);
    }
}

//! `irt-bench`: times binhdan-irt's 2PL calibration against the Python
//! reference (`bench/irt/reference.py`, girth) on the same simulated data,
//! and runs a sparse-bank scenario for binhdan-irt alone.
//!
//! ```text
//! cargo run --release -p binhdan-irt --bin irt-bench -- \
//!     [--persons 10000] [--items 40] [--seed 42] [--threads 2] [--tolerance 1e-4] [--no-reference]
//!     [--sparse-persons 20000] [--sparse-items 300] [--sparse-per-person 20]
//!     [--python python3] [--reference PATH/reference.py]
//! ```
//!
//! With `--gpcm` it runs instead the partial-credit recovery study
//! (`irt-bench/gpcm.rs`): mixed 2PL + GPCM data, binhdan-irt against girth's
//! `pcm_mml` through `crates/binhdan-irt/scripts/girth_recovery.py`:
//!
//! ```text
//! irt-bench --gpcm [--gpcm-persons 2000] [--gpcm-dichotomous 10] [--gpcm-polytomous 6]
//!     [--gpcm-categories 3] [--girth-iterations 25] [--girth-script PATH] [--seed 42]
//!     [--threads 2] [--no-reference] [--python python3]
//! ```
#![allow(
    clippy::disallowed_methods,
    reason = "a benchmark times itself with the monotonic clock"
)]
#![allow(
    clippy::print_stdout,
    reason = "a command-line report is this binary's output"
)]
#![allow(
    clippy::print_stderr,
    reason = "progress and diagnostics of a command-line tool"
)]

#[path = "irt-bench/gpcm.rs"]
mod gpcm;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use binhdan_irt::simulate::{
    correlation, draw_abilities, draw_items, rmse, simulate_dense, simulate_sparse,
};
use binhdan_irt::{CalibrationConfig, ItemParams, Model, Response, StartValues, calibrate, eap};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Deserialize;

struct Args {
    persons: usize,
    items: usize,
    seed: u64,
    threads: usize,
    tolerance: f64,
    reference: bool,
    sparse_persons: usize,
    sparse_items: usize,
    sparse_per_person: usize,
    python: String,
    script: PathBuf,
    gpcm: bool,
    gpcm_settings: gpcm::Settings,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        persons: 10_000,
        items: 40,
        seed: 42,
        threads: 2,
        tolerance: CalibrationConfig::default().tolerance,
        reference: true,
        sparse_persons: 20_000,
        sparse_items: 300,
        sparse_per_person: 20,
        python: "python3".to_owned(),
        script: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../bench/irt/reference.py"),
        gpcm: false,
        gpcm_settings: gpcm::Settings {
            persons: 2_000,
            dichotomous: 10,
            polytomous: 6,
            categories: 3,
            seed: 42,
            threads: 2,
            reference: true,
            python: "python3".to_owned(),
            script: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/girth_recovery.py"),
            girth_iterations: 25,
        },
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--no-reference" {
            args.reference = false;
            continue;
        }
        if flag == "--gpcm" {
            args.gpcm = true;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        match flag.as_str() {
            "--persons" => args.persons = number()?,
            "--items" => args.items = number()?,
            "--seed" => args.seed = value.parse().map_err(|e| format!("--seed {value}: {e}"))?,
            "--threads" => args.threads = number()?,
            "--tolerance" => {
                args.tolerance = value
                    .parse()
                    .map_err(|e| format!("--tolerance {value}: {e}"))?;
            }
            "--sparse-persons" => args.sparse_persons = number()?,
            "--sparse-items" => args.sparse_items = number()?,
            "--sparse-per-person" => args.sparse_per_person = number()?,
            "--python" => args.python = value,
            "--reference" => args.script = PathBuf::from(value),
            "--gpcm-persons" => args.gpcm_settings.persons = number()?,
            "--gpcm-dichotomous" => args.gpcm_settings.dichotomous = number()?,
            "--gpcm-polytomous" => args.gpcm_settings.polytomous = number()?,
            "--gpcm-categories" => args.gpcm_settings.categories = number()?,
            "--girth-iterations" => args.gpcm_settings.girth_iterations = number()?,
            "--girth-script" => args.gpcm_settings.script = PathBuf::from(value),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let g = &mut args.gpcm_settings;
    g.seed = args.seed;
    g.threads = args.threads;
    g.reference = args.reference;
    g.python.clone_from(&args.python);
    Ok(args)
}

struct Row {
    name: String,
    model: &'static str,
    seconds: f64,
    a: Vec<f64>,
    b: Vec<f64>,
    note: String,
}

fn score_line(row: &Row, truth: &[ItemParams], fastest_ref: Option<f64>) -> String {
    let ta: Vec<f64> = truth.iter().map(|p| p.a).collect();
    let tb: Vec<f64> = truth.iter().map(|p| p.b).collect();
    let ratio = match fastest_ref {
        Some(r) if row.name.starts_with("binhdan-irt") && row.model == "2pl" => {
            format!("{:.3}", row.seconds / r)
        }
        _ => "-".to_owned(),
    };
    let (ra, ca) = if row.model == "rasch" {
        ("-".to_owned(), "-".to_owned())
    } else {
        (
            format!("{:.4}", rmse(&row.a, &ta)),
            format!("{:.4}", correlation(&row.a, &ta)),
        )
    };
    format!(
        "| {:<26} | {:<5} | {:>9.3} | {:>7} | {:>7.4} | {:>7} | {:>7.4} | {:>7} | {}",
        row.name,
        row.model,
        row.seconds,
        ra,
        rmse(&row.b, &tb),
        ca,
        correlation(&row.b, &tb),
        ratio,
        row.note
    )
}

fn ours(
    name: &str,
    data: &[Response],
    n_items: usize,
    config: &CalibrationConfig,
) -> Result<Row, String> {
    let start = Instant::now();
    let cal = calibrate(data, &vec![ItemParams::default(); n_items], config)
        .map_err(|e| format!("{name}: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    let params = cal.params();
    Ok(Row {
        name: name.to_owned(),
        model: if config.model == Model::Rasch {
            "rasch"
        } else {
            "2pl"
        },
        seconds,
        a: params.iter().map(|p| p.a).collect(),
        b: params.iter().map(|p| p.b).collect(),
        note: format!(
            "{} EM cycles, converged={}, logL={:.1}",
            cal.iterations, cal.converged, cal.log_likelihood
        ),
    })
}

#[derive(Deserialize)]
struct RefReport {
    girth_version: String,
    results: Vec<RefResult>,
}

#[derive(Deserialize)]
struct RefResult {
    name: String,
    model: String,
    seconds: f64,
    a: Vec<f64>,
    b: Vec<f64>,
}

fn write_csv(data: &[Response], path: &std::path::Path) -> std::io::Result<()> {
    let mut text = String::with_capacity(data.len() * 12 + 32);
    text.push_str("person,item,correct\n");
    for r in data {
        let _ = writeln!(text, "{},{},{}", r.person, r.item, u8::from(r.correct));
    }
    std::fs::write(path, text)
}

/// Runs the Python reference; `Ok(None)` when it cannot run (explained on stderr).
fn reference(args: &Args, data: &[Response]) -> Result<Option<(String, Vec<Row>)>, String> {
    let dir = std::env::temp_dir().join(format!("binhdan-irt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let csv = dir.join("responses.csv");
    write_csv(data, &csv).map_err(|e| format!("{}: {e}", csv.display()))?;
    eprintln!(
        "running {} {} {} ...",
        args.python,
        args.script.display(),
        csv.display()
    );
    let output = Command::new(&args.python)
        .arg(&args.script)
        .arg(&csv)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "could not start {}: {e}; reporting binhdan-irt alone",
                args.python
            );
            return Ok(None);
        }
    };
    if !output.status.success() {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        eprintln!(
            "the reference failed ({}); to install it: pip install -r bench/irt/requirements.txt \
             (girth==0.8.0). Reporting binhdan-irt alone.",
            output.status
        );
        return Ok(None);
    }
    let report: RefReport = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("reference output is not the expected JSON: {e}"))?;
    let rows = report
        .results
        .into_iter()
        .map(|r| Row {
            name: r.name,
            model: if r.model == "rasch" { "rasch" } else { "2pl" },
            seconds: r.seconds,
            a: r.a,
            b: r.b,
            note: String::new(),
        })
        .collect();
    Ok(Some((report.girth_version, rows)))
}

fn header() {
    println!(
        "| {:<26} | {:<5} | {:>9} | {:>7} | {:>7} | {:>7} | {:>7} | {:>7} | notes",
        "implementation",
        "model",
        "time (s)",
        "RMSE(a)",
        "RMSE(b)",
        "correlation(a)",
        "correlation(b)",
        "ratio"
    );
    println!(
        "|{}|{}|{}|{}|{}|{}|{}|{}|------",
        "-".repeat(28),
        "-".repeat(7),
        "-".repeat(11),
        "-".repeat(9),
        "-".repeat(9),
        "-".repeat(9),
        "-".repeat(9),
        "-".repeat(9)
    );
}

fn run(args: &Args) -> Result<(), String> {
    if args.gpcm {
        return gpcm::run(&args.gpcm_settings);
    }
    // Dense scenario.
    let mut rng = StdRng::seed_from_u64(args.seed);
    let truth = draw_items(args.items, &mut rng);
    let thetas = draw_abilities(args.persons, &mut rng);
    let data = simulate_dense(&truth, &thetas, &mut rng);
    println!(
        "dense: {} persons x {} items = {} responses, seed {}, 2PL truth ln a ~ N(0, 0.3^2), b ~ N(0, 1)",
        args.persons,
        args.items,
        data.len(),
        args.seed
    );
    let base = CalibrationConfig {
        start: StartValues::Proportions,
        tolerance: args.tolerance,
        ..CalibrationConfig::default()
    };
    let mut rows = Vec::new();
    for threads in [1, args.threads.max(1)] {
        let config = CalibrationConfig {
            threads,
            ..base.clone()
        };
        rows.push(ours(
            &format!(
                "binhdan-irt ({threads} thread{})",
                if threads == 1 { "" } else { "s" }
            ),
            &data,
            args.items,
            &config,
        )?);
        if args.threads <= 1 {
            break;
        }
    }
    let rasch = CalibrationConfig {
        model: Model::Rasch,
        threads: args.threads.max(1),
        ..base.clone()
    };
    rows.push(ours(
        &format!("binhdan-irt ({} thr.)", args.threads.max(1)),
        &data,
        args.items,
        &rasch,
    )?);

    let mut fastest_ref = None;
    if args.reference {
        if let Some((version, refs)) = reference(args, &data)? {
            println!("reference: girth {version} (python), calibration time only");
            fastest_ref = refs
                .iter()
                .filter(|r| r.model == "2pl")
                .map(|r| r.seconds)
                .min_by(f64::total_cmp);
            rows.extend(refs);
        }
    } else {
        println!("reference: skipped (--no-reference)");
    }
    println!();
    header();
    for row in &rows {
        println!("{}", score_line(row, &truth, fastest_ref));
    }
    println!(
        "ratio = our 2PL time / fastest 2PL reference time (target <= 0.5). Rasch rows fit a \
         Rasch model to the 2PL data, so their RMSE(b) reflects model misfit."
    );

    // EAP speed, as used by an adaptive exam after every answer.
    let patterns: Vec<Vec<(usize, bool)>> = data
        .chunks(args.items.max(1))
        .take(1_000)
        .map(|person| {
            person
                .iter()
                .take(20)
                .map(|r| (r.item, r.correct))
                .collect()
        })
        .collect();
    let rounds = 100;
    let start = Instant::now();
    let mut checksum = 0.0;
    for _ in 0..rounds {
        for pattern in &patterns {
            let ability = eap(pattern, &truth).map_err(|e| format!("eap: {e}"))?;
            checksum += ability.theta;
        }
    }
    let calls = rounds * patterns.len();
    println!(
        "EAP: {:.2} µs per call ({} calls, up to 20 answered items, 41 nodes; checksum {:.3})",
        start.elapsed().as_secs_f64() * 1e6 / calls.max(1) as f64,
        calls,
        checksum / calls.max(1) as f64
    );

    // Sparse scenario, ours only.
    let mut rng = StdRng::seed_from_u64(args.seed.wrapping_add(1));
    let truth = draw_items(args.sparse_items, &mut rng);
    let thetas = draw_abilities(args.sparse_persons, &mut rng);
    let data = simulate_sparse(&truth, &thetas, args.sparse_per_person, &mut rng)
        .map_err(|e| format!("sparse simulation: {e}"))?;
    println!();
    println!(
        "sparse: {} persons, {}-item bank, {} random items each = {} responses (~{} per item)",
        args.sparse_persons,
        args.sparse_items,
        args.sparse_per_person,
        data.len(),
        data.len() / args.sparse_items.max(1)
    );
    println!();
    header();
    for threads in [1, args.threads.max(1)] {
        let config = CalibrationConfig {
            threads,
            ..base.clone()
        };
        let row = ours(
            &format!(
                "binhdan-irt ({threads} thread{})",
                if threads == 1 { "" } else { "s" }
            ),
            &data,
            args.sparse_items,
            &config,
        )?;
        println!("{}", score_line(&row, &truth, None));
        if args.threads <= 1 {
            break;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("irt-bench: {msg}");
            }
            eprintln!(
                "usage: irt-bench [--persons N] [--items N] [--seed N] [--threads N] [--tolerance X] [--no-reference] \
                 [--sparse-persons N] [--sparse-items N] [--sparse-per-person N] [--python CMD] [--reference PATH]\n\
                 \x20      irt-bench --gpcm [--gpcm-persons N] [--gpcm-dichotomous N] [--gpcm-polytomous N] \
                 [--gpcm-categories N] [--girth-iterations N] [--girth-script PATH] [--seed N] [--threads N] \
                 [--no-reference] [--python CMD]"
            );
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("irt-bench: {msg}");
            ExitCode::FAILURE
        }
    }
}

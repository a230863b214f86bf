//! `exam-bench`: simulation study of the exam engine (adaptive test with
//! content balancing and exposure control, fixed forms), the
//! leaked-answer-list attack, and the per-answer cost of `next_item` + `record`.
//!
//! ```text
//! cargo run --release -p binhdan-irt --bin exam-bench -- \
//!     [--seed 42] [--examinees 2000] [--items 300] [--attempts 1000] [--attack-theta -2]
//!     [--cut 0] [--z 0] [--se 0.3] [--min-items 18] [--max-items 40] [--form-length 30]
//!     [--randomesque 5] [--max-rate 0.25] [--stratum 4] [--progressive 0]
//!     [--sweep SEEDS] [--leaked 60] [--grid exposure|banks]
//! ```
//!
//! `--sweep SEEDS` prints instead the trade-off study of the server's exam (`[exam]` in the
//! configuration): per bank size, randomesque size, exposure ceiling and test length, the
//! honest pass rates near the cut, the precision, and the pass rate of cheaters who know the
//! `--leaked` most exposed items, as ranges over `SEEDS` seeds (see [`sweep`]).
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

use std::process::ExitCode;
use std::time::Instant;

use binhdan_irt::simulate::draw_abilities;
use binhdan_irt::study::{
    Attack, AttackReport, StudyReport, cat_study, form_study, leak_attack_cat, leak_attack_forms,
    simulated_bank, uniform_blueprint,
};
use binhdan_irt::{
    Blueprint, CatState, ExamError, Exposure, ExposureControl, FormSpec, ItemBank, PassRule,
    assemble_form, next_item, record,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

struct Args {
    seed: u64,
    examinees: usize,
    items: usize,
    attempts: usize,
    attack_theta: f64,
    cut: f64,
    z: f64,
    se: f64,
    min_items: usize,
    max_items: usize,
    form_length: usize,
    randomesque: usize,
    max_rate: f64,
    stratum: usize,
    progressive: usize,
    /// Seeds of the `--sweep` study (0: the usual report).
    sweep: u64,
    /// Items on the cheaters' list in the sweep.
    leaked: usize,
    /// The sweep's settings: `exposure` (the bank `--items` under every exposure setting,
    /// then longer tests and bigger banks) or `banks` (bigger banks, lower ceilings).
    grid: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seed: 42,
        examinees: 2000,
        items: 300,
        attempts: 1000,
        attack_theta: -2.0,
        cut: 0.0,
        z: 0.0,
        se: 0.3,
        min_items: 18,
        max_items: 40,
        form_length: 30,
        randomesque: 5,
        max_rate: 0.25,
        stratum: 4,
        progressive: 0,
        sweep: 0,
        leaked: 60,
        grid: "exposure".to_owned(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let int = || {
            value
                .parse::<usize>()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        let real = || {
            value
                .parse::<f64>()
                .map_err(|e| format!("{flag} {value}: {e}"))
        };
        match flag.as_str() {
            "--seed" => args.seed = value.parse().map_err(|e| format!("--seed {value}: {e}"))?,
            "--examinees" => args.examinees = int()?,
            "--items" => args.items = int()?,
            "--attempts" => args.attempts = int()?,
            "--attack-theta" => args.attack_theta = real()?,
            "--cut" => args.cut = real()?,
            "--z" => args.z = real()?,
            "--se" => args.se = real()?,
            "--min-items" => args.min_items = int()?,
            "--max-items" => args.max_items = int()?,
            "--form-length" => args.form_length = int()?,
            "--randomesque" => args.randomesque = int()?,
            "--max-rate" => args.max_rate = real()?,
            "--stratum" => args.stratum = int()?,
            "--progressive" => args.progressive = int()?,
            "--sweep" => args.sweep = value.parse().map_err(|e| format!("--sweep {value}: {e}"))?,
            "--leaked" => args.leaked = int()?,
            "--grid" => args.grid.clone_from(&value),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(args)
}

fn study_header() {
    println!(
        "| design                          | examinees | mean len | len range | RMSE  | bias   | mean SE | decision acc | pass rate (true) | max exp | mean exp | unused | overlap |"
    );
    println!(
        "|---------------------------------|-----------|----------|-----------|-------|--------|---------|--------------|------------------|---------|----------|--------|---------|"
    );
}

fn study_line(name: &str, r: &StudyReport) {
    println!(
        "| {name:<31} | {:>9} | {:>8.1} | {:>4}–{:<4} | {:.3} | {:>+.3} | {:>7.3} | {:>12.3} | {:>7.3} ({:.3}) | {:>7.3} | {:>8.3} | {:>6} | {:>7.3} |",
        r.examinees,
        r.mean_length,
        r.length_range.0,
        r.length_range.1,
        r.rmse,
        r.bias,
        r.mean_se,
        r.decision_accuracy,
        r.pass_rate,
        r.true_pass_rate,
        r.max_exposure,
        r.mean_exposure,
        r.unused_items,
        r.overlap_rate,
    );
}

fn cell(r: &AttackReport) -> String {
    format!(
        "{:.3} ({:.1}/{:.0})",
        r.pass_rate, r.mean_leaked_seen, r.mean_length
    )
}

struct Setting<'a> {
    bank: &'a ItemBank,
    bp: &'a Blueprint,
    args: &'a Args,
}

/// Mean µs per `next_item` and per `record` over `sessions` simulated sessions.
fn time_calls(
    s: &Setting<'_>,
    control: ExposureControl,
    sessions: usize,
) -> Result<(f64, f64, usize), ExamError> {
    let mut rng = StdRng::seed_from_u64(s.args.seed ^ 0x7173);
    let mut exposure = Exposure::new(s.bank.len(), control);
    let (mut t_next, mut t_record, mut calls) = (0.0, 0.0, 0usize);
    for _ in 0..sessions {
        let theta: f64 = binhdan_irt::simulate::standard_normal(&mut rng);
        exposure.begin_session();
        let mut state = CatState::new(s.bp);
        loop {
            let start = Instant::now();
            let next = next_item(&state, s.bank, s.bp, &exposure, &mut rng)?;
            t_next += start.elapsed().as_secs_f64();
            let Some(id) = next else { break };
            exposure.administered(id);
            let correct = rng.random::<f64>() < s.bank.params()[id].prob(theta);
            let start = Instant::now();
            record(&mut state, s.bank, s.bp, id, correct)?;
            t_record += start.elapsed().as_secs_f64();
            calls += 1;
        }
    }
    let per = |t: f64| t * 1e6 / calls.max(1) as f64;
    Ok((per(t_next), per(t_record), calls))
}

fn run(args: &Args) -> Result<(), ExamError> {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let bank = simulated_bank(args.items, 6, &mut rng);
    let rule = if args.z > 0.0 {
        PassRule::lower_bound(args.cut, args.z)
    } else {
        PassRule::eap(args.cut)
    };
    let bp = uniform_blueprint(6, 3, 8, args.min_items, args.max_items, args.se, rule);
    bp.validate(&bank)?;
    let thetas = draw_abilities(args.examinees, &mut rng);
    println!(
        "bank: {} items over 6 domains (ln a ~ N(0.2, 0.3²), b ~ N(-0.5, 1)); seed {}",
        bank.len(),
        args.seed
    );
    println!(
        "blueprint: 3–8 items per domain, {}–{} items, SE target {}, pass if EAP - {}·SE >= {}",
        bp.min_items, bp.max_items, bp.se_target, rule.z, rule.cut
    );
    println!(
        "CAT: max information at the EAP, content balancing by share deficit, randomesque k = {}, exposure ceiling {} (warm-up 20 sessions), progressive {}",
        args.randomesque, args.max_rate, args.progressive
    );
    println!(
        "forms: {} items, strata of {} items ranked by information at the cut; examinees θ ~ N(0, 1)\n",
        args.form_length, args.stratum
    );

    let control = ExposureControl {
        randomesque: args.randomesque,
        max_rate: args.max_rate,
        warmup: 20,
        progressive: args.progressive,
    };
    let greedy_control = ExposureControl {
        randomesque: 1,
        max_rate: 1.0,
        warmup: 1,
        progressive: 0,
    };
    let spec = FormSpec {
        length: args.form_length,
        target_theta: args.cut,
        stratum_size: args.stratum,
    };
    let single_spec = FormSpec {
        stratum_size: 1,
        ..spec
    };

    let strict_control = ExposureControl {
        randomesque: 10,
        max_rate: 0.1,
        warmup: 20,
        progressive: 0,
    };
    let mut cat_exposure = Exposure::new(bank.len(), control);
    let mut strict_exposure = Exposure::new(bank.len(), strict_control);
    let mut greedy_exposure = Exposure::new(bank.len(), greedy_control);
    let mut forms_exposure = Exposure::new(bank.len(), control);
    let mut single_exposure = Exposure::new(bank.len(), control);
    let seeded = |k: u64| StdRng::seed_from_u64(args.seed.wrapping_mul(1_000_003) ^ k);

    let start = Instant::now();
    let cat = cat_study(&bank, &bp, &mut cat_exposure, &thetas, &mut seeded(1))?;
    let cat_secs = start.elapsed().as_secs_f64();
    let strict = cat_study(&bank, &bp, &mut strict_exposure, &thetas, &mut seeded(6))?;
    let greedy = cat_study(&bank, &bp, &mut greedy_exposure, &thetas, &mut seeded(2))?;
    let forms = form_study(
        &bank,
        &bp,
        &spec,
        false,
        &mut forms_exposure,
        &thetas,
        &mut seeded(3),
    )?;
    let single = form_study(
        &bank,
        &bp,
        &single_spec,
        true,
        &mut single_exposure,
        &thetas,
        &mut seeded(4),
    )?;
    study_header();
    study_line(
        &format!("CAT, k={}, ceiling {}", args.randomesque, args.max_rate),
        &cat,
    );
    study_line("CAT, k=10, ceiling 0.10", &strict);
    study_line("CAT, no exposure control", &greedy);
    study_line("random forms (one per person)", &forms);
    study_line("single fixed form (best at cut)", &single);
    println!(
        "(overlap = mean items shared by two examinees / mean length, over all pairs; {:.2} s for the {} CAT sessions)\n",
        cat_secs, cat.examinees
    );

    // The one published form: the most informative form at the cut.
    let the_form = assemble_form(&bank, &bp, &single_spec, &mut seeded(5))?;
    println!(
        "leaked-answer-list attack: {} attempts per cell, true θ = {}, knows the answers to the M most exposed items \
         (from the exposure counts of the study above), answers the rest by ability",
        args.attempts, args.attack_theta
    );
    println!("cell: pass rate (leaked items met / test length)\n");
    println!(
        "|   M | CAT, k={:<2} ceiling {:<4} | CAT, k=10, ceiling 0.1 | CAT, no exposure control | random forms          | single fixed form     |",
        args.randomesque, args.max_rate
    );
    println!(
        "|-----|------------------------|------------------------|--------------------------|-----------------------|-----------------------|"
    );
    for (k, m) in [0usize, 30, 60, 100].into_iter().enumerate() {
        let salt = 100 + 10 * k as u64;
        let run_cat = |exposure: &Exposure, salt: u64| {
            let leaked = exposure.most_exposed(m);
            let attack = Attack {
                theta: args.attack_theta,
                leaked: &leaked,
                attempts: args.attempts,
            };
            leak_attack_cat(&bank, &bp, exposure, &attack, &mut seeded(salt))
        };
        let a_cat = run_cat(&cat_exposure, salt)?;
        let a_greedy = run_cat(&greedy_exposure, salt + 1)?;
        let a_strict = run_cat(&strict_exposure, salt + 4)?;
        let leaked_forms = forms_exposure.most_exposed(m);
        let a_forms = leak_attack_forms(
            &bank,
            &bp,
            &spec,
            None,
            &Attack {
                theta: args.attack_theta,
                leaked: &leaked_forms,
                attempts: args.attempts,
            },
            &mut seeded(salt + 2),
        )?;
        // The single form's items are the most exposed (rate 1) ones.
        let mut leaked_single: Vec<usize> = the_form.iter().copied().take(m).collect();
        leaked_single.extend(
            (0..bank.len())
                .filter(|id| !the_form.contains(id))
                .take(m.saturating_sub(the_form.len())),
        );
        let a_single = leak_attack_forms(
            &bank,
            &bp,
            &single_spec,
            Some(&the_form),
            &Attack {
                theta: args.attack_theta,
                leaked: &leaked_single,
                attempts: args.attempts,
            },
            &mut seeded(salt + 3),
        )?;
        println!(
            "| {m:>3} | {:<22} | {:<22} | {:<24} | {:<21} | {:<21} |",
            cell(&a_cat),
            cell(&a_strict),
            cell(&a_greedy),
            cell(&a_forms),
            cell(&a_single)
        );
    }

    // Sensitivity of the CAT to its exposure settings (same examinees, same attack).
    println!(
        "\nCAT exposure settings vs the attack (θ = {}, {} attempts; leaked = M most exposed after the {} sessions):\n",
        args.attack_theta, args.attempts, cat.examinees
    );
    println!(
        "| k  | ceiling | progressive | mean len | RMSE  | decision acc | max exp | overlap | pass M=0 | M=30  | M=60  | M=100 |"
    );
    println!(
        "|----|---------|-------------|----------|-------|--------------|---------|---------|----------|-------|-------|-------|"
    );
    for (k, rate, prog) in [
        (1, 1.0, 0),
        (5, 0.25, 0),
        (5, 0.15, 0),
        (10, 0.1, 0),
        (5, 0.25, 10),
        (5, 0.15, 10),
        (5, 0.1, 10),
    ] {
        let control = ExposureControl {
            randomesque: k,
            max_rate: rate,
            warmup: 20,
            progressive: prog,
        };
        let mut exposure = Exposure::new(bank.len(), control);
        let study = cat_study(&bank, &bp, &mut exposure, &thetas, &mut seeded(7))?;
        let mut rates = Vec::new();
        for m in [0usize, 30, 60, 100] {
            let leaked = exposure.most_exposed(m);
            let attack = Attack {
                theta: args.attack_theta,
                leaked: &leaked,
                attempts: args.attempts,
            };
            rates.push(leak_attack_cat(&bank, &bp, &exposure, &attack, &mut seeded(8))?.pass_rate);
        }
        println!(
            "| {k:<2} | {rate:>7.2} | {prog:>11} | {:>8.1} | {:.3} | {:>12.3} | {:>7.3} | {:>7.3} | {:>8.3} | {:.3} | {:.3} | {:.3} |",
            study.mean_length,
            study.rmse,
            study.decision_accuracy,
            study.max_exposure,
            study.overlap_rate,
            rates[0],
            rates[1],
            rates[2],
            rates[3]
        );
    }

    let setting = Setting {
        bank: &bank,
        bp: &bp,
        args,
    };
    // Best of three runs: the machine's 2 cores are shared with other builds.
    let (mut next_us, mut record_us, mut calls) = (f64::INFINITY, f64::INFINITY, 0);
    for _ in 0..3 {
        let (n, r, c) = time_calls(&setting, control, 1000)?;
        next_us = next_us.min(n);
        record_us = record_us.min(r);
        calls = c;
    }
    println!(
        "\nper answer (best of 3 runs of {calls} calls, {}-item bank, k = 5, ceiling 0.25): next_item {next_us:.2} µs, record (EAP) {record_us:.2} µs, together {:.2} µs",
        bank.len(),
        next_us + record_us
    );
    Ok(())
}

/// One setting of the sweep: bank size, randomesque size, ceiling, test length, SE target.
#[derive(Clone, Copy)]
struct Knobs {
    items: usize,
    k: usize,
    ceiling: f64,
    min_items: usize,
    max_items: usize,
    se: f64,
}

/// A setting's figures over one seed.
struct Figures {
    mean_len: f64,
    rmse: f64,
    misclassified: f64,
    max_exp: f64,
    /// Cheaters' pass rate at θ = −2 and −1.
    cheat: [f64; 2],
    /// Leaked items a cheater of θ = −2 meets, on average.
    seen: f64,
    /// Honest pass rates at [`HONEST`].
    honest: [f64; 5],
}

const CHEAT: [f64; 2] = [-2.0, -1.0];
const HONEST: [f64; 5] = [-1.0, -0.5, 0.0, 0.5, 1.0];

/// One seed of one setting, shaped as the server's exam (`app::exam`): six domains of
/// `items / 6` items each, at least 1 and at most `⌈max_items / 2⌉` items per domain, the
/// pass rule `EAP ≥ cut` (`--cut`, `--z`), the warm-up of the exposure ceiling 20 sittings.
/// 2,000 honest sittings (θ ~ N(0, 1)) give the precision and the exposure counts; the
/// cheaters know the `leaked` most exposed items and continue from those counts.
fn sweep_one(args: &Args, knobs: Knobs, seed: u64) -> Result<Figures, ExamError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let bank = simulated_bank(knobs.items, 6, &mut rng);
    let rule = PassRule::lower_bound(args.cut, args.z);
    let bp = uniform_blueprint(
        6,
        1,
        knobs.max_items.div_ceil(2),
        knobs.min_items,
        knobs.max_items,
        knobs.se,
        rule,
    );
    let thetas = draw_abilities(args.examinees, &mut rng);
    let control = ExposureControl {
        randomesque: knobs.k,
        max_rate: knobs.ceiling,
        warmup: 20,
        progressive: 0,
    };
    let mut exposure = Exposure::new(bank.len(), control);
    let study = cat_study(&bank, &bp, &mut exposure, &thetas, &mut rng)?;
    let leaked = exposure.most_exposed(args.leaked);
    let attack = |theta: f64, leaked: &[usize], rng: &mut StdRng| {
        leak_attack_cat(
            &bank,
            &bp,
            &exposure,
            &Attack {
                theta,
                leaked,
                attempts: args.attempts,
            },
            rng,
        )
    };
    let mut cheat = [0.0; 2];
    let mut met = 0.0;
    for (i, (slot, theta)) in cheat.iter_mut().zip(CHEAT).enumerate() {
        let report = attack(theta, &leaked, &mut rng)?;
        *slot = report.pass_rate;
        if i == 0 {
            met = report.mean_leaked_seen;
        }
    }
    let mut honest = [0.0; 5];
    for (slot, theta) in honest.iter_mut().zip(HONEST) {
        *slot = attack(theta, &[], &mut rng)?.pass_rate;
    }
    Ok(Figures {
        mean_len: study.mean_length,
        rmse: study.rmse,
        misclassified: 1.0 - study.decision_accuracy,
        max_exp: study.max_exposure,
        cheat,
        seen: met,
        honest,
    })
}

/// `lo–hi` of a figure over the seeds (one value when they agree to the digits shown).
fn range(values: impl Iterator<Item = f64>, digits: usize) -> String {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (a, b) = (format!("{lo:.digits$}"), format!("{hi:.digits$}"));
    if a == b { a } else { format!("{a}–{b}") }
}

/// The trade-off study (`--sweep SEEDS`): the server's exam as configured by default, then
/// stricter exposure settings, longer tests and bigger banks. Every cell is a range over the
/// seeds `--seed`, `--seed + 1`, ….
fn sweep(args: &Args) -> Result<(), ExamError> {
    let seeds: Vec<u64> = (0..args.sweep).map(|i| args.seed + i).collect();
    let base = Knobs {
        items: args.items,
        k: args.randomesque,
        ceiling: args.max_rate,
        min_items: args.min_items,
        max_items: args.max_items,
        se: args.se,
    };
    let mut grid = Vec::new();
    if args.grid == "banks" {
        // Bigger banks with ceilings low enough that the leaked list covers little of a test
        // (a leaked item held at the ceiling is met by that share of sittings).
        for items in [300, 600, 900, 1200] {
            for ceiling in [0.05, 0.03, 0.02] {
                grid.push(Knobs {
                    items,
                    k: 15,
                    ceiling,
                    ..base
                });
            }
        }
        for items in [600, 900, 1200] {
            grid.push(Knobs {
                items,
                k: 15,
                ceiling: 0.03,
                min_items: 18,
                max_items: 30,
                se: 0.30,
            });
        }
    } else {
        for k in [5, 10, 15] {
            for ceiling in [0.35, 0.25, 0.15, 0.10] {
                grid.push(Knobs { k, ceiling, ..base });
            }
        }
        for (min_items, max_items, se) in [(18, 30, 0.30), (24, 40, 0.25)] {
            for (k, ceiling) in [(5, 0.35), (10, 0.10)] {
                grid.push(Knobs {
                    k,
                    ceiling,
                    min_items,
                    max_items,
                    se,
                    ..base
                });
            }
        }
        for items in [150, 300, 450, 600, 900] {
            for (k, ceiling) in [(5, 0.35), (10, 0.10), (15, 0.10), (15, 0.05)] {
                grid.push(Knobs {
                    items,
                    k,
                    ceiling,
                    ..base
                });
            }
        }
    }
    println!(
        "exam as the server gives it: six domains, 1 to ⌈max/2⌉ items each, pass if EAP - {}·SE >= {}; \
         {} honest sittings (θ ~ N(0, 1)) give the exposure counts; cheaters know the {} most exposed items; \
         {} sittings per pass rate; ranges over seeds {:?}\n",
        args.z, args.cut, args.examinees, args.leaked, args.attempts, seeds
    );
    println!(
        "| bank | k  | ceiling | items  | SE   | mean len    | RMSE        | misclass    | max exp     | met θ=-2    | cheat θ=-2  | cheat θ=-1  | honest θ=-1 | θ=-0.5      | θ=0         | θ=0.5       | θ=1         |"
    );
    println!(
        "|-----:|---:|--------:|--------|------|-------------|-------------|-------------|-------------|-------------|-------------|-------------|-------------|-------------|-------------|-------------|-------------|"
    );
    for knobs in grid {
        let mut runs = Vec::with_capacity(seeds.len());
        for &seed in &seeds {
            runs.push(sweep_one(args, knobs, seed)?);
        }
        let col = |f: &dyn Fn(&Figures) -> f64, d: usize| range(runs.iter().map(f), d);
        print!(
            "| {:>4} | {:>2} | {:>7.2} | {:>2}–{:<3} | {:.2} | {:<11} | {:<11} | {:<11} | {:<11} | {:<11} |",
            knobs.items,
            knobs.k,
            knobs.ceiling,
            knobs.min_items,
            knobs.max_items,
            knobs.se,
            col(&|f| f.mean_len, 1),
            col(&|f| f.rmse, 3),
            col(&|f| f.misclassified, 3),
            col(&|f| f.max_exp, 2),
            col(&|f| f.seen, 1),
        );
        for i in 0..CHEAT.len() {
            print!(" {:<11} |", col(&|f| f.cheat[i], 3));
        }
        for i in 0..HONEST.len() {
            print!(" {:<11} |", col(&|f| f.honest[i], 3));
        }
        println!();
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("exam-bench: {msg}");
            }
            eprintln!(
                "usage: exam-bench [--seed N] [--examinees N] [--items N] [--attempts N] [--attack-theta X] [--cut X] [--z X] \
                 [--se X] [--min-items N] [--max-items N] [--form-length N] [--randomesque N] [--max-rate X] [--stratum N] [--progressive N] \
                 [--sweep SEEDS] [--leaked N] [--grid exposure|banks]"
            );
            return ExitCode::from(2);
        }
    };
    let result = if args.sweep > 0 {
        sweep(&args)
    } else {
        run(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exam-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

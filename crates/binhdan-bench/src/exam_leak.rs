//! `--only exam-leak`: the leaked-answer-list study of `exam-bench` (`crates/binhdan-irt`), with
//! the pack's simulated tasks in the bank as the server gives them (`[exam] tasks`).
//!
//! The setting is `exam-bench`'s: a simulated calibrated bank of 300 multiple-choice items over
//! six domains, the adaptive test with content balancing, 18–40 items, SE target 0.3, pass if
//! the EAP ≥ 0; once with randomesque k = 5 and an exposure ceiling of 0.25 (`exam-bench`'s
//! default), once with k = 10 and 0.10, once with the server's defaults (`[exam] randomesque`
//! and `max_exposure`, `ExamConfig::default()`). A warm-up of 2,000 honest sittings
//! (θ ~ N(0, 1)) gives the exposure counts; the cheaters' list holds the right answers of the
//! `M` most exposed items.
//!
//! With `T` tasks, a sitting also gives `T` of the adult group's tasks as `app::exam` does:
//! task `j` after `(j + 1)·min_items / (T + 1)` items (any left before the end), of the domain
//! least covered, among the 5 most informative at the current θ under the task's provisional
//! GPCM (`app::exam::provisional_task_model`), each with its own seed; its score `0..=credit`
//! enters the sitting's EAP over the mixed answers, which also decides when to stop.
//!
//! * An **honest** learner of ability θ answers items by the 2PL and scores a task by its GPCM.
//! * A **cheater** of ability θ knows the listed items' answers and holds, for every task, the
//!   steps that solved it in another attempt (one leaked attempt per task, the same for every
//!   cheater). The list is replayed on the cheater's own attempt by the engine (a refused step
//!   is skipped); the cheater is credited with the better of the list's score and a score drawn
//!   at their own ability — an upper bound on what the list gives.
//!
//! Every cell is a pass rate over `attempts` sittings, each continuing the live exposure counts.

use std::path::Path;

use binhdan_app::exam::{ExamConfig, provisional_task_model};
use binhdan_content::Task;
use binhdan_content::task::{Attempt, Input, Status, solution};
use binhdan_irt::simulate::draw_abilities;
use binhdan_irt::study::{run_cat_session, simulated_bank, uniform_blueprint};
use binhdan_irt::{
    Blueprint, CatState, Exposure, ExposureControl, GpcmItem, ItemBank, ItemModel, ItemResponse,
    PassRule, eap_scored, next_item, record,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

pub const NAME: &str = "exam-leak";

const ITEMS: usize = 300;
const DOMAINS: usize = 6;
const WARMUP: usize = 2_000;
const RANDOMESQUE: usize = 5;
const THETAS: [f64; 6] = [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5];
/// Items on the cheaters' list (the most exposed).
const LEAKED: usize = 60;

/// A task of the study: the engine's task, its GPCM and its domain ("4" of "4.2").
struct SimTask<'a> {
    task: &'a Task,
    model: GpcmItem,
    domain: String,
    /// The leaked list: the steps that solved it in another attempt.
    leaked: Vec<Input>,
}

/// Who sits.
#[derive(Clone, Copy)]
enum Sitter<'a> {
    Honest,
    /// Knows the answers of these items (a mask over the bank) and has every task's list.
    Cheater(&'a [bool]),
}

/// A score `0..=m` drawn from the item's category probabilities at `theta`.
fn draw_score(model: &impl ItemResponse, theta: f64, rng: &mut impl Rng) -> u8 {
    let mut logp = vec![0.0; model.categories()];
    let n = model.log_probs(theta, &mut logp);
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (k, lp) in logp.iter().take(n).enumerate() {
        acc += lp.exp();
        if u < acc {
            return u8::try_from(k).unwrap_or(u8::MAX);
        }
    }
    u8::try_from(n.saturating_sub(1)).unwrap_or(u8::MAX)
}

/// The leaked list replayed on a fresh attempt from `seed`: its score.
fn replay(task: &Task, seed: u64, steps: &[Input]) -> u8 {
    let mut attempt = Attempt::start(task, seed);
    for input in steps {
        if attempt.status != Status::Open {
            break;
        }
        let step = attempt.step;
        let _ = attempt.apply(task, step, input);
    }
    attempt.score(task).points
}

/// Picks the next task as `app::exam::give_task` does; `None` when none is left.
fn pick_task(
    tasks: &[SimTask<'_>],
    given: &[usize],
    theta: f64,
    rng: &mut impl Rng,
) -> Option<usize> {
    let covered = |d: &str| given.iter().filter(|&&g| tasks[g].domain == d).count();
    let candidates: Vec<(usize, usize, f64)> = tasks
        .iter()
        .enumerate()
        .filter(|(i, _)| !given.contains(i))
        .map(|(i, t)| (i, covered(&t.domain), t.model.item_information(theta)))
        .collect();
    let least = candidates.iter().map(|c| c.1).min()?;
    let mut pool: Vec<(usize, f64)> = candidates
        .iter()
        .filter(|c| c.1 == least)
        .map(|c| (c.0, c.2))
        .collect();
    pool.shuffle(rng);
    pool.sort_by(|p, q| q.1.total_cmp(&p.1));
    pool.truncate(RANDOMESQUE);
    pool.get(rng.random_range(0..pool.len().max(1)))
        .map(|p| p.0)
}

struct Sitting {
    passed: bool,
    /// Tasks given and how many of them scored at least half their credit.
    tasks: usize,
    tasks_done: usize,
}

/// One sitting with `want` tasks, continuing `exposure`.
#[allow(clippy::too_many_arguments, reason = "a simulation's knobs")]
fn sit(
    bank: &ItemBank,
    bp: &Blueprint,
    tasks: &[SimTask<'_>],
    want: usize,
    exposure: &mut Exposure,
    theta: f64,
    who: Sitter<'_>,
    rng: &mut StdRng,
) -> anyhow::Result<Sitting> {
    let want = want.min(tasks.len());
    exposure.begin_session();
    let mut state = CatState::new(bp);
    // Every answer so far for the sitting's EAP: (model, score).
    let mut models: Vec<ItemModel> = Vec::new();
    let mut scores: Vec<(usize, u8)> = Vec::new();
    let mut given_tasks: Vec<usize> = Vec::new();
    let mut tasks_done = 0;
    let mut play_task = |state: &mut CatState,
                         models: &mut Vec<ItemModel>,
                         scores: &mut Vec<(usize, u8)>,
                         given_tasks: &mut Vec<usize>,
                         rng: &mut StdRng|
     -> anyhow::Result<bool> {
        let Some(i) = pick_task(tasks, given_tasks, state.ability.theta, rng) else {
            return Ok(false);
        };
        given_tasks.push(i);
        let t = &tasks[i];
        let own = draw_score(&t.model, theta, rng);
        let score = match who {
            Sitter::Honest => own,
            Sitter::Cheater(_) => own.max(replay(t.task, rng.random(), &t.leaked)),
        };
        if 2 * u16::from(score) >= u16::from(t.task.credit) && score > 0 {
            tasks_done += 1;
        }
        models.push(ItemModel::Gpcm(t.model.clone()));
        scores.push((models.len() - 1, score));
        state.ability = eap_scored(scores, models)?;
        Ok(true)
    };
    loop {
        let mc = state.responses.len();
        if given_tasks.len() < want
            && mc >= (given_tasks.len() + 1) * bp.min_items / (want + 1)
            && play_task(&mut state, &mut models, &mut scores, &mut given_tasks, rng)?
        {
            continue;
        }
        let Some(id) = next_item(&state, bank, bp, exposure, rng)? else {
            if given_tasks.len() < want
                && play_task(&mut state, &mut models, &mut scores, &mut given_tasks, rng)?
            {
                continue;
            }
            break;
        };
        exposure.administered(id);
        let params = bank.params()[id];
        let known = match who {
            Sitter::Cheater(mask) => mask.get(id).copied().unwrap_or(false),
            Sitter::Honest => false,
        };
        let correct = known || rng.random::<f64>() < params.prob(theta);
        record(&mut state, bank, bp, id, correct)?;
        models.push(ItemModel::from(params));
        scores.push((models.len() - 1, u8::from(correct)));
        if !given_tasks.is_empty() {
            state.ability = eap_scored(&scores, &models)?;
        }
    }
    let a = state.ability;
    Ok(Sitting {
        passed: bp.pass_rule.passes(a.theta, a.se),
        tasks: given_tasks.len(),
        tasks_done,
    })
}

/// Runs the study on the pack at `content` and prints its figures.
///
/// # Errors
/// The pack cannot be read, or the engine refuses the setting.
pub fn run(content: &Path, seed: u64, attempts: usize) -> anyhow::Result<()> {
    let pack = binhdan_content::load_dir(content, "/noi-dung")
        .map_err(|e| anyhow::anyhow!("{} errors in the content pack", e.len()))?;
    let mut rng = StdRng::seed_from_u64(seed);
    let adult: Vec<&Task> = pack
        .tasks
        .iter()
        .filter(|t| t.groups.iter().any(|g| g.as_str() == "adult"))
        .collect();
    let mut tasks = Vec::with_capacity(adult.len());
    for task in adult {
        let leaked_seed: u64 = rng.random();
        let leaked = solution(task, leaked_seed)
            .ok_or_else(|| anyhow::anyhow!("{} has no solution", task.id))?;
        tasks.push(SimTask {
            task,
            model: provisional_task_model(task),
            domain: task
                .competence
                .split('.')
                .next()
                .unwrap_or_default()
                .to_owned(),
            leaked,
        });
    }

    let bank = simulated_bank(ITEMS, DOMAINS, &mut rng);
    let bp = uniform_blueprint(DOMAINS, 3, 8, 18, 40, 0.3, PassRule::eap(0.0));
    bp.validate(&bank)?;
    let abilities = draw_abilities(WARMUP, &mut rng);

    // The leaked task lists alone, on the cheaters' own attempts (no ability at all).
    let mut list_done = 0usize;
    let trials = 200usize;
    for t in &tasks {
        for _ in 0..trials {
            let s = replay(t.task, rng.random(), &t.leaked);
            list_done += usize::from(s > 0 && 2 * u16::from(s) >= u16::from(t.task.credit));
        }
    }
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let list_rate = 100.0 * list_done as f64 / (trials * tasks.len()).max(1) as f64;

    println!(
        "exam with tasks, leaked lists (seed {seed}): bank {ITEMS} items over {DOMAINS} domains, {}–{} items, SE {}, \
         pass if EAP ≥ {}; {} adult tasks (provisional GPCM); exposure from {WARMUP} honest sittings",
        bp.min_items,
        bp.max_items,
        bp.se_target,
        bp.pass_rule.cut,
        tasks.len()
    );
    println!(
        "a leaked task list replayed alone counts as done (2·score ≥ credit) in {list_rate:.1}% of attempts"
    );
    println!(
        "cell: pass rate over {attempts} sittings; cheater = answers of the M most exposed items + every task's leaked steps \
         (credited with the better of the list and their own ability)"
    );
    let server = ExamConfig::default();
    for (k, ceiling) in [
        (RANDOMESQUE, 0.25),
        (10, 0.10),
        (server.randomesque, server.max_exposure),
    ] {
        let control = ExposureControl {
            randomesque: k,
            max_rate: ceiling,
            warmup: 20,
            progressive: 0,
        };
        let mut exposure = Exposure::new(bank.len(), control);
        let mut warm = StdRng::seed_from_u64(seed ^ 0x3A7E);
        for &theta in &abilities {
            run_cat_session(&bank, &bp, &mut exposure, &mut warm, |id, r| {
                r.random::<f64>() < bank.params()[id].prob(theta)
            })?;
        }
        println!("\nCAT k = {k}, exposure ceiling {ceiling}:\n");
        table(&bank, &bp, &tasks, &exposure, seed, attempts)?;
    }
    Ok(())
}

/// One table of pass rates: honest and cheating sitters at each θ, with 0 to 6 tasks.
fn table(
    bank: &ItemBank,
    bp: &Blueprint,
    tasks: &[SimTask<'_>],
    exposure: &Exposure,
    seed: u64,
    attempts: usize,
) -> anyhow::Result<()> {
    // (tasks, M, cheater?)
    let cells: [(usize, usize, bool); 8] = [
        (0, 0, false),
        (0, LEAKED, true),
        (2, 0, false),
        (2, LEAKED, true),
        (4, 0, false),
        (4, LEAKED, true),
        (4, 0, true),
        (6, LEAKED, true),
    ];
    print!("|     θ |");
    for (t, m, cheat) in cells {
        if cheat {
            print!(" cheat T={t} M={m:<3} |");
        } else {
            print!(" honest T={t} |");
        }
    }
    println!();
    print!("|------:|");
    for (_, _, cheat) in cells {
        print!(
            "{}",
            if cheat {
                "-----------------:|"
            } else {
                "-----------:|"
            }
        );
    }
    println!();
    let mut task_share = Vec::new();
    for theta in THETAS {
        print!("| {theta:>5.1} |");
        for (k, (t, m, cheat)) in cells.into_iter().enumerate() {
            let mut mask = vec![false; bank.len()];
            for id in exposure.most_exposed(m) {
                if let Some(x) = mask.get_mut(id) {
                    *x = true;
                }
            }
            let who = if cheat {
                Sitter::Cheater(&mask)
            } else {
                Sitter::Honest
            };
            let mut live = exposure.clone();
            let mut cell_rng = StdRng::seed_from_u64(
                seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ theta.to_bits(),
            );
            let (mut pass, mut given, mut done) = (0usize, 0usize, 0usize);
            for _ in 0..attempts {
                let s = sit(bank, bp, tasks, t, &mut live, theta, who, &mut cell_rng)?;
                pass += usize::from(s.passed);
                given += s.tasks;
                done += s.tasks_done;
            }
            #[allow(clippy::cast_precision_loss, reason = "small counts")]
            let rate = pass as f64 / attempts.max(1) as f64;
            if cheat {
                print!(" {rate:>16.3} |");
            } else {
                print!(" {rate:>10.3} |");
            }
            if t == 4 && theta <= -1.0 {
                task_share.push((theta, t, m, cheat, given, done));
            }
        }
        println!();
    }
    println!("\ntasks counted as done (2·score ≥ credit), share of those given:");
    for (theta, t, m, cheat, given, done) in task_share {
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        let share = 100.0 * done as f64 / given.max(1) as f64;
        let who = if cheat { "cheater" } else { "honest" };
        println!("  θ {theta:>5.1}, T={t}, M={m}, {who}: {share:.1}% of {given}");
    }
    Ok(())
}

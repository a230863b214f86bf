//! `--only task-leak`: the leaked-answer-list study for the simulated tasks of the exam.
//!
//! A sitting draws each task's own seed, so the amounts, names, account numbers, which message
//! is the fake one and the order of the options differ per attempt. A cheater holds the list of
//! steps that solved a task in another attempt (the positions pressed and the texts typed) and
//! replays it on their own attempt. Per task, for `pairs` pairs of seeds, this replays the
//! solution of one on the other (a step the attempt refuses is skipped, as a page would not
//! take it) and reports how often the replay reached the goal, scored full credit, or counted
//! as done by the exam's rule (`2 · score ≥ credit`); the same figures for the cheater's own
//! attempt replayed (the control: it must always pass).

use std::path::Path;

use binhdan_content::task::{Attempt, Input, Status, solution};

pub const NAME: &str = "task-leak";

struct Replay {
    goal: usize,
    full: usize,
    done: usize,
    failed: usize,
    points: u64,
    max: u64,
}

fn replay(task: &binhdan_content::Task, seed: u64, steps: &[Input]) -> (Status, u8, u8) {
    let mut attempt = Attempt::start(task, seed);
    for input in steps {
        let step = attempt.step;
        if attempt.status != Status::Open {
            break;
        }
        // Refused steps change nothing: the cheater goes on with the next line of the list.
        let _ = attempt.apply(task, step, input);
    }
    let score = attempt.score(task);
    (attempt.status, score.points, score.max)
}

/// Runs the study on the pack at `content` and prints its figures.
///
/// # Errors
/// The pack cannot be read.
pub fn run(content: &Path, pairs: u64, seed: u64) -> anyhow::Result<()> {
    let pack = binhdan_content::load_dir(content, "/noi-dung")
        .map_err(|e| anyhow::anyhow!("{} errors in the content pack", e.len()))?;
    println!(
        "leaked task steps: {} tasks, {pairs} pairs of seeds each (seed {seed}); the solution of seed A replayed on seed B\n",
        pack.tasks.len()
    );
    println!(
        "| task | credit | goal reached | full credit | counts as done | failed (critical/too long) |"
    );
    println!(
        "|------|-------:|-------------:|------------:|---------------:|---------------------------:|"
    );
    let mut all = Replay {
        goal: 0,
        full: 0,
        done: 0,
        failed: 0,
        points: 0,
        max: 0,
    };
    let mut control_ok = 0u64;
    let mut tasks_never_done = 0usize;
    let mut splitmix = 0x5EED_u64 ^ seed;
    let mut next = || {
        splitmix = splitmix.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = splitmix;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for task in &pack.tasks {
        let mut r = Replay {
            goal: 0,
            full: 0,
            done: 0,
            failed: 0,
            points: 0,
            max: 0,
        };
        for _ in 0..pairs {
            let (a, b) = (next(), next());
            let Some(leaked) = solution(task, a) else {
                continue;
            };
            let (own_status, own, own_max) = replay(task, a, &leaked);
            if own_status == Status::Done && own == own_max {
                control_ok += 1;
            }
            let (status, points, max) = replay(task, b, &leaked);
            r.goal += usize::from(status == Status::Done);
            r.full += usize::from(status == Status::Done && points == max);
            r.done += usize::from(points > 0 && 2 * u16::from(points) >= u16::from(max));
            r.failed += usize::from(status == Status::Failed);
            r.points += u64::from(points);
            r.max += u64::from(max);
        }
        if r.done == 0 {
            tasks_never_done += 1;
        }
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        let pct = |n: usize| 100.0 * n as f64 / pairs.max(1) as f64;
        println!(
            "| {} | {} | {:.1}% | {:.1}% | {:.1}% | {:.1}% |",
            task.id,
            task.credit,
            pct(r.goal),
            pct(r.full),
            pct(r.done),
            pct(r.failed)
        );
        all.goal += r.goal;
        all.full += r.full;
        all.done += r.done;
        all.failed += r.failed;
        all.points += r.points;
        all.max += r.max;
    }
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let total = (pairs * pack.tasks.len() as u64).max(1) as f64;
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let pct = |n: usize| 100.0 * n as f64 / total;
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let share = all.points as f64 / all.max.max(1) as f64;
    println!(
        "| **all** | | {:.1}% | {:.1}% | {:.1}% | {:.1}% |",
        pct(all.goal),
        pct(all.full),
        pct(all.done),
        pct(all.failed)
    );
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let control = 100.0 * control_ok as f64 / total;
    println!(
        "\nmean share of credit scored by a leaked list: {:.1}%; tasks a leaked list never passed: {tasks_never_done}/{}; \
         control (the list replayed on its own attempt) full credit: {control:.1}%",
        100.0 * share,
        pack.tasks.len()
    );
    Ok(())
}

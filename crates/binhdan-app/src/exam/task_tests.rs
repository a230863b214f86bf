//! Simulated tasks as items of a sitting, on a real store (SQLite, and PostgreSQL when
//! configured): a solution scores full credit and moves θ, a critical error scores 0, steps
//! out of order, twice, for another person or after the deadline are refused and change
//! nothing, and nothing typed is kept.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use binhdan_content::quiz;
use binhdan_content::task::{Input, Outcome, solution, way_to_critical};
use binhdan_core::Timestamp;
use binhdan_core::kpi::Group;
use binhdan_store::testing::TestDb;
use binhdan_store::{AdultCutoff, ExamAttempt, ExamKind, Store, TaskStep};

use super::{Answered, ExamConfig, Exams, Session, Start, tasks_done};

const NOW: Timestamp = Timestamp(1_764_000_000_000);
const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX / 2);

/// Tasks of the adult group, all with critical errors to avoid.
const TASKS: [&str; 3] = [
    "chuyen-tien-kiem-tra-ten",
    "sms-ngan-hang-gia",
    "tu-choi-cuoc-goi-otp",
];
/// Those whose solutions take at least two steps.
const LONG_TASKS: [&str; 2] = ["chuyen-tien-kiem-tra-ten", "sms-ngan-hang-gia"];

fn copy_pack(from: &Path, to: &Path, keep: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_pack(&path, &target, keep);
            continue;
        }
        let in_tasks = from.file_name().is_some_and(|n| n == "tasks");
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if in_tasks && path.extension().is_some_and(|e| e == "toml") && !keep.contains(&stem) {
            continue;
        }
        std::fs::copy(&path, &target).unwrap();
    }
}

/// The map and the curriculum with only `keep` among the tasks.
async fn setup(store: &dyn Store, keep: &[&str]) -> Vec<i64> {
    crate::bootstrap::load_map(store, NOW).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    copy_pack(&content, dir.path(), keep);
    crate::content::load(store, dir.path(), NOW).await.unwrap();
    let tasks = store.sim_tasks().await.unwrap();
    assert_eq!(tasks.len(), keep.len());
    assert!(tasks.iter().all(binhdan_content::Task::has_critical));

    super::tests::people(store, 2).await
}

fn config() -> ExamConfig {
    ExamConfig {
        tasks: 2,
        placement_tasks: 1,
        ..ExamConfig::default()
    }
}

fn sitting(start: Start) -> ExamAttempt {
    match start {
        Start::Sitting(a) => a,
        other => panic!("expected a sitting, got {other:?}"),
    }
}

fn session(attempt: &ExamAttempt) -> Session {
    serde_json::from_str(&attempt.state).unwrap()
}

/// The form of one task step.
fn fields(step: u32, input: &Input) -> Vec<(String, String)> {
    let mut f = vec![
        ("step".to_owned(), step.to_string()),
        ("a".to_owned(), input.position.to_string()),
    ];
    for (i, t) in input.typed.iter().enumerate() {
        f.push((format!("f{i}"), t.clone()));
    }
    f
}

async fn step(
    exams: &Exams,
    store: &dyn Store,
    attempt: &ExamAttempt,
    person: i64,
    step: u32,
    input: &Input,
    now: Timestamp,
) -> Answered {
    let s = session(attempt);
    let (at, given, _) = s.current_task().expect("a current task");
    exams
        .answer(
            store,
            attempt.id,
            person,
            at,
            &given.item,
            &fields(step, input),
            CUTOFF,
            now,
        )
        .await
        .unwrap()
}

#[derive(Clone, Copy, PartialEq)]
enum Play {
    Solve,
    Critical,
}

/// The inputs that play the current task of `attempt` as asked.
async fn inputs(exams: &Exams, store: &dyn Store, attempt: &ExamAttempt, play: Play) -> Vec<Input> {
    let bank = exams
        .bank(store, attempt.group, attempt.kind, NOW)
        .await
        .unwrap()
        .unwrap();
    let s = session(attempt);
    let (_, given, current) = s.current_task().unwrap();
    let task = bank.task(&given.item).unwrap();
    let seed = current.attempt.seed;
    match play {
        Play::Solve => solution(task, seed).unwrap(),
        Play::Critical => task
            .screens
            .iter()
            .enumerate()
            .flat_map(|(s, screen)| {
                screen
                    .actions
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| matches!(a.outcome, Outcome::Critical(_)))
                    .map(move |(a, _)| (s, a))
            })
            .find_map(|(s, a)| way_to_critical(task, seed, s, a))
            .unwrap(),
    }
}

/// Sits to the end: items right or wrong, tasks played as asked. Returns the ended sitting,
/// θ before and after each task, and everything typed.
async fn sit(
    exams: &Exams,
    store: &dyn Store,
    mut attempt: ExamAttempt,
    right: bool,
    play: Play,
) -> (ExamAttempt, Vec<(f64, f64)>, Vec<String>) {
    let mut moves = Vec::new();
    let mut typed = Vec::new();
    for _ in 0..60 {
        let s = session(&attempt);
        let answered = if s.current_task().is_some() {
            let before = s.theta;
            let mut last = None;
            for (k, input) in inputs(exams, store, &attempt, play)
                .await
                .iter()
                .enumerate()
            {
                typed.extend(input.typed.iter().cloned());
                let r = step(
                    exams,
                    store,
                    &attempt,
                    attempt.person_id,
                    u32::try_from(k).unwrap(),
                    input,
                    NOW,
                )
                .await;
                match &r {
                    Answered::Next(a) | Answered::Finished(a) => attempt = a.clone(),
                    other => panic!("unexpected {other:?}"),
                }
                last = Some(r);
            }
            moves.push((before, session(&attempt).theta));
            last.unwrap()
        } else {
            let (at, given) = s.current().expect("a current question");
            let bank = exams
                .bank(store, attempt.group, attempt.kind, NOW)
                .await
                .unwrap()
                .unwrap();
            let item = bank.item(&given.item).unwrap();
            let reply = if right {
                quiz::right_reply(item)
            } else {
                quiz::wrong_reply(item)
            };
            exams
                .answer(
                    store,
                    attempt.id,
                    attempt.person_id,
                    at,
                    &given.item,
                    &quiz::form_fields(&reply, &given.order),
                    CUTOFF,
                    NOW,
                )
                .await
                .unwrap()
        };
        match answered {
            Answered::Next(a) => attempt = a,
            Answered::Finished(a) => return (a, moves, typed),
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("the sitting did not end");
}

#[tokio::test]
async fn tasks_in_sittings_are_scored_with_partial_credit_and_keep_nothing_typed() {
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        let ids = setup(store, &TASKS).await;
        let exams = Exams::new(config());

        // The placement test: its one task ended by a critical error scores 0.
        let placement = sitting(
            exams
                .start(store, ids[0], Group::Adult, ExamKind::Placement, NOW)
                .await
                .unwrap(),
        );
        let (placed, moves, _) = sit(&exams, store, placement, false, Play::Critical).await;
        assert_eq!(moves.len(), 1, "{}", db.name);
        let s = session(&placed);
        let tasks: Vec<_> = s.given.iter().filter(|g| g.task.is_some()).collect();
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].task.as_ref().unwrap().score, Some(0));
        assert_eq!(tasks[0].correct, Some(false));
        let results = store.task_results(ids[0]).await.unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].kind, ExamKind::Placement);
        assert_eq!(results[0].score, 0);
        assert!(!results[0].could_do());

        // The exam: two different tasks, each solved: full credit, and θ moves up.
        let exam = sitting(
            exams
                .start(store, ids[0], Group::Adult, ExamKind::Certification, NOW)
                .await
                .unwrap(),
        );
        let (ended, moves, typed) = sit(&exams, store, exam.clone(), true, Play::Solve).await;
        assert_eq!(ended.passed, Some(true), "{}: {ended:?}", db.name);
        assert_eq!(moves.len(), 2);
        for (before, after) in &moves {
            assert!(after > before, "θ {before} → {after}");
        }
        let s = session(&ended);
        let given: Vec<_> = s.given.iter().filter(|g| g.task.is_some()).collect();
        assert_ne!(given[0].item, given[1].item, "a task given twice");
        for g in &given {
            let t = g.task.as_ref().unwrap();
            assert_eq!(t.score, Some(u8::try_from(t.steps.len()).unwrap()));
            assert_eq!(g.correct, Some(true));
        }
        // Nothing typed is kept: neither in the sitting nor in its results.
        for t in typed.iter().filter(|t| t.chars().count() >= 4) {
            assert!(!ended.state.contains(t.as_str()), "{t:?} kept");
        }
        let results = store.task_results(ids[0]).await.unwrap();
        assert_eq!(results.len(), 3);
        let done = tasks_done(&results, ExamKind::Certification);
        assert_eq!(done.len(), 2);
        assert!(
            done.iter()
                .all(|r| r.score == r.credit && r.attempt_id == exam.id)
        );
        assert!(tasks_done(&results, ExamKind::Placement).is_empty());
        assert_eq!(store.sitting_task_results(exam.id).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn task_steps_out_of_order_twice_for_another_or_late_are_refused() {
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        let ids = setup(store, &LONG_TASKS).await;
        let exams = Exams::new(ExamConfig {
            placement_min_items: 1,
            ..config()
        });
        let mut attempt = sitting(
            exams
                .start(store, ids[0], Group::Adult, ExamKind::Placement, NOW)
                .await
                .unwrap(),
        );
        // Up to the task (placement_min_items = 1: after one item).
        while session(&attempt).current_task().is_none() {
            let s = session(&attempt);
            let (at, given) = s.current().unwrap();
            let bank = exams
                .bank(store, attempt.group, attempt.kind, NOW)
                .await
                .unwrap()
                .unwrap();
            let reply = quiz::right_reply(bank.item(&given.item).unwrap());
            match exams
                .answer(
                    store,
                    attempt.id,
                    ids[0],
                    at,
                    &given.item,
                    &quiz::form_fields(&reply, &given.order),
                    CUTOFF,
                    NOW,
                )
                .await
                .unwrap()
            {
                Answered::Next(a) => attempt = a,
                other => panic!("unexpected {other:?}"),
            }
        }
        let plan = inputs(&exams, store, &attempt, Play::Solve).await;
        assert!(plan.len() >= 2, "{}", db.name);
        let unchanged = |before: &ExamAttempt, after: Option<ExamAttempt>| {
            assert_eq!(
                Some(before),
                after.as_ref(),
                "{}: the sitting changed",
                db.name
            );
        };

        // Out of order: the second step first.
        let r = step(&exams, store, &attempt, ids[0], 1, &plan[1], NOW).await;
        assert!(matches!(r, Answered::Stale(_)), "{r:?}");
        unchanged(&attempt, store.exam_attempt(attempt.id).await.unwrap());

        // Another person's sitting.
        let r = step(&exams, store, &attempt, ids[1], 0, &plan[0], NOW).await;
        assert!(matches!(r, Answered::NotFound), "{r:?}");
        unchanged(&attempt, store.exam_attempt(attempt.id).await.unwrap());

        // The first step, then the same again.
        let first = match step(&exams, store, &attempt, ids[0], 0, &plan[0], NOW).await {
            Answered::Next(a) => a,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(first.task_step, 1);
        let r = step(&exams, store, &attempt, ids[0], 0, &plan[0], NOW).await;
        assert!(matches!(r, Answered::Stale(_)), "{r:?}");
        unchanged(&first, store.exam_attempt(attempt.id).await.unwrap());

        // The store itself takes a step only at the sitting's current position and step.
        for (position, step_no) in [(first.answered, 0), (first.answered + 1, 1)] {
            let outcome = store
                .record_task_step(
                    attempt.id,
                    ids[0],
                    &TaskStep {
                        position,
                        step: step_no,
                        state: "{}",
                        ended: None,
                    },
                    NOW,
                )
                .await
                .unwrap();
            assert_eq!(outcome, binhdan_store::ExamAnswerOutcome::Stale);
        }
        unchanged(&first, store.exam_attempt(attempt.id).await.unwrap());

        // After the deadline: refused, nothing recorded; the sitting ends as timed out.
        let late = Timestamp(first.deadline_at.millis() + 1);
        let r = step(&exams, store, &first, ids[0], 1, &plan[1], late).await;
        let Answered::TimeUp(ended) = r else {
            panic!("unexpected {r:?}")
        };
        assert!(ended.timed_out);
        assert_eq!(ended.task_step, 1);
        assert_eq!(session(&ended), session(&first));
        assert!(store.task_results(ids[0]).await.unwrap().is_empty());
    }
}

/// A sitting that opens with a task (here the placement test: its one task comes before its
/// first item) counts once in the exposure, when its first item is given, and not again.
#[tokio::test]
async fn a_sitting_opening_with_a_task_counts_once_in_the_exposure() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    setup(store, &TASKS).await;
    let exams = Exams::new(ExamConfig {
        placement_min_items: 1,
        ..config()
    });
    let kind = ExamKind::Placement;
    let bank = exams
        .bank(store, Group::Adult, kind, NOW)
        .await
        .unwrap()
        .unwrap();
    let mut s = Session {
        se: 1.0,
        tasks: 1,
        ..Session::default()
    };
    assert!(exams.give_next(&bank, kind, &mut s).unwrap());
    assert!(s.given[0].task.is_some(), "the task first");
    assert_eq!(exams.exposure(&bank, kind).sessions, 0);
    // The task ends; then the sitting's first item, and its second.
    let credit = u8::try_from(s.given[0].task.as_ref().unwrap().steps.len()).unwrap();
    s.given[0].task.as_mut().unwrap().score = Some(credit);
    s.given[0].correct = Some(true);
    assert!(exams.give_next(&bank, kind, &mut s).unwrap());
    assert!(s.given[1].task.is_none());
    let e = exams.exposure(&bank, kind);
    assert_eq!((e.sessions, e.counts.iter().sum::<u64>()), (1, 1));
    s.given[1].correct = Some(true);
    assert!(exams.give_next(&bank, kind, &mut s).unwrap());
    let e = exams.exposure(&bank, kind);
    assert_eq!((e.sessions, e.counts.iter().sum::<u64>()), (1, 2));
    // The exam's counts are apart.
    assert_eq!(
        exams
            .exposure(&bank, ExamKind::Certification)
            .counts
            .iter()
            .sum::<u64>(),
        0
    );
    db.cleanup().await;
}

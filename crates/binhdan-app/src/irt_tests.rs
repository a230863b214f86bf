//! `irt calibrate` on a real store: responses simulated from known parameters go through the
//! quiz attempts and the sittings as learners' answers and task results would, and the
//! calibration recovers the items' difficulties and the simulated tasks' GPCM parameters in
//! one run, which the exam's bank then scores the tasks with; a task with too few results stays
//! provisional, results that no longer fit the task are left out, and too little data stores
//! nothing and keeps the previous version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use binhdan_content::Task;
use binhdan_core::Timestamp;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_core::unit::UnitCode;
use binhdan_irt::simulate::{draw_score, standard_normal};
use binhdan_irt::{CalibrationConfig, GpcmItem, IrtError, Model};
use binhdan_store::testing::TestDb;
use binhdan_store::{
    AdultCutoff, ExamAnswerOutcome, ExamKind, ExamLimits, ExamStart, ModuleQuiz, NewAnswer,
    NewExamAttempt, PersonRecord, PlannedItem, Store, TaskEnd, TaskParameter, TaskStep,
};
use rand::SeedableRng as _;

use crate::exam::{ExamConfig, Exams, provisional_task_model};
use crate::irt::{CalibrateError, calibrate_bank};

const NOW: Timestamp = Timestamp(1_764_000_000_000);
const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX / 2);
const MODULE: &str = "cong-dan.dien-thoai";
/// Adults' simulated tasks (each worth 2 credit points).
const TRANSFER: &str = "chuyen-tien-kiem-tra-ten";
const SMS: &str = "sms-ngan-hang-gia";
const OTP: &str = "tu-choi-cuoc-goi-otp";
const FAKE_JOB: &str = "viec-lam-gia";

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut impl rand::Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// Item difficulties evenly spread over [-2, 2].
fn difficulties(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| -2.0 + 4.0 * k as f64 / (n - 1) as f64)
        .collect()
}

/// `n` people of commune 16591 (their CCCD hashes made of `tag`), registered.
async fn register(store: &dyn Store, n: u32, tag: u8) -> Vec<i64> {
    let commune = UnitCode::parse("16591").unwrap();
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    let records: Vec<PersonRecord> = (0..n)
        .map(|i: u32| {
            let mut hash = [tag; 32];
            hash[..4].copy_from_slice(&i.to_le_bytes());
            PersonRecord {
                cccd_hash: hash,
                cccd_sealed: vec![0],
                cccd_masked: "038*******00".into(),
                name: format!("Người {i}"),
                birth_year: 1980,
                birth_day: None,
                sex: Sex::Male,
                unit: commune.clone(),
                phone: None,
                membership: None,
            }
        })
        .collect();
    import.write(&records).await.unwrap();
    import
        .commit(binhdan_core::audit::AuditEntry::new(
            "test",
            "person.import",
        ))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for r in &records {
        let person = store.person_by_cccd_hash(&r.cccd_hash).await.unwrap();
        ids.push(person.unwrap().summary.id);
    }
    ids
}

/// `person`, of ability `theta`, answers the module's quiz: item `k` right with the 2PL
/// probability (`a = 1.3`, `b = truth[k]`).
async fn answer_quiz(
    store: &dyn Store,
    quiz: &ModuleQuiz,
    person: i64,
    theta: f64,
    truth: &[f64],
    rng: &mut impl rand::Rng,
) {
    let plan: Vec<PlannedItem> = quiz
        .items
        .iter()
        .map(|(i, rev)| PlannedItem {
            item_id: i.id.clone(),
            revision: *rev,
            order: (0..i.options.len()).collect(),
        })
        .collect();
    let attempt = store
        .create_attempt(person, MODULE, &plan, NOW)
        .await
        .unwrap();
    for (k, (item, rev)) in quiz.items.iter().enumerate() {
        let p = 1.0 / (1.0 + (-1.3 * (theta - truth[k])).exp());
        let correct = rng.random::<f64>() < p;
        store
            .record_answer(
                attempt.id,
                person,
                &NewAnswer {
                    item_id: item.id.clone(),
                    position: u32::try_from(k).unwrap(),
                    revision: *rev,
                    last: k + 1 == quiz.items.len(),
                    reply: binhdan_content::quiz::Reply::One(0),
                    correct,
                    elapsed_ms: 5_000,
                },
                CUTOFF,
                NOW,
            )
            .await
            .unwrap();
    }
}

/// One certification sitting of `person`'s giving `tasks` (id, version, score, credit) in
/// order, as the exam records them when each ends.
async fn sit(store: &dyn Store, person: i64, tasks: &[(&str, u32, u8, u8)]) {
    let started = store
        .start_exam(
            &NewExamAttempt {
                person_id: person,
                group: Group::Adult,
                kind: ExamKind::Certification,
                calibration: None,
                state: "{}",
                deadline_at: Timestamp(NOW.millis() + 600_000),
            },
            &ExamLimits {
                max_attempts: 3,
                window_ms: 86_400_000,
                cooldown_ms: 0,
            },
            NOW,
        )
        .await
        .unwrap();
    let ExamStart::Started(attempt) = started else {
        panic!("{started:?}");
    };
    for (i, (task, version, score, credit)) in tasks.iter().enumerate() {
        let outcome = store
            .record_task_step(
                attempt.id,
                person,
                &TaskStep {
                    position: u32::try_from(i).unwrap(),
                    step: 0,
                    state: "{}",
                    ended: Some(TaskEnd {
                        task_id: task,
                        version: *version,
                        score: *score,
                        credit: *credit,
                        steps: 4,
                    }),
                },
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(outcome, ExamAnswerOutcome::Recorded);
    }
}

async fn task(store: &dyn Store, id: &str) -> Task {
    store.sim_task(id).await.unwrap().unwrap()
}

fn model_of(p: &TaskParameter) -> GpcmItem {
    GpcmItem {
        a: p.a,
        steps: p.steps.clone(),
    }
}

/// The largest difference between two items' parameters (slope and steps).
fn distance(x: &GpcmItem, y: &GpcmItem) -> f64 {
    x.steps
        .iter()
        .zip(&y.steps)
        .map(|(p, q)| (p - q).abs())
        .fold((x.a - y.a).abs(), f64::max)
}

#[tokio::test]
async fn calibration_recovers_difficulties_and_keeps_the_previous_version_on_too_little_data() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;

    // Nothing answered yet: refused, nothing stored.
    let refused = calibrate_bank(store, Model::TwoPl, None, NOW).await;
    assert!(
        matches!(
            refused,
            Err(CalibrateError::Refused(
                IrtError::EmptyBank | IrtError::TooFewResponses { .. }
            ))
        ),
        "{refused:?}"
    );
    assert!(store.item_parameters().await.unwrap().is_none());

    // 400 learners answer the module's 8 items, simulated from known difficulties.
    let quiz = store.module_quiz(MODULE).await.unwrap().unwrap();
    let n_items = quiz.items.len();
    let truth = difficulties(n_items);
    let people = register(store, 400, 7).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    for &person in &people {
        let theta = normal(&mut rng);
        answer_quiz(store, &quiz, person, theta, &truth, &mut rng).await;
    }

    let report = calibrate_bank(store, Model::TwoPl, None, NOW)
        .await
        .unwrap();
    assert_eq!(report.calibrated, n_items);
    assert_eq!((report.tasks, report.tasks_calibrated), (0, 0));
    assert_eq!(report.persons, people.len());
    assert_eq!(report.responses, people.len() * n_items);
    let (version, params) = store.item_parameters().await.unwrap().unwrap();
    assert_eq!(version, report.version);
    assert!(store.task_parameters(version).await.unwrap().is_empty());
    let estimated: Vec<f64> = quiz
        .items
        .iter()
        .map(|(i, _)| params.iter().find(|p| p.item_id == i.id).unwrap().b)
        .collect();
    let r = correlation(&estimated, &truth);
    assert!(
        r > 0.95,
        "difficulties recovered: r = {r:.3}, {estimated:?}"
    );

    // Asking for more people than there are: refused, and the version in force stays.
    let strict = CalibrationConfig {
        min_persons: 10_000,
        ..CalibrationConfig::default()
    };
    let refused = calibrate_bank(store, Model::Rasch, Some(strict), NOW).await;
    assert!(
        matches!(
            refused,
            Err(CalibrateError::Refused(IrtError::TooFewPersons { .. }))
        ),
        "{refused:?}"
    );
    assert_eq!(store.item_parameters().await.unwrap().unwrap().0, version);
    db.cleanup().await;
}

#[tokio::test]
async fn the_tasks_are_calibrated_with_the_items_and_the_exam_scores_them_so() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;
    let quiz = store.module_quiz(MODULE).await.unwrap().unwrap();
    let n_items = quiz.items.len();
    let item_truth = difficulties(n_items);
    // Three tasks from known parameters, each unlike its provisional model; a fourth given
    // to three people only.
    let mut truth: Vec<(Task, GpcmItem)> = Vec::new();
    for (id, a, steps) in [
        (TRANSFER, 1.6, [-0.6, 0.4]),
        (SMS, 0.7, [-0.3, 1.0]),
        (OTP, 1.2, [0.2, 0.8]),
    ] {
        let t = task(store, id).await;
        let model = GpcmItem::new(a, steps.to_vec()).unwrap();
        assert_eq!(usize::from(t.credit), model.max_score(), "{id}");
        truth.push((t, model));
    }
    let few = task(store, FAKE_JOB).await;

    // 500 learners: the module's quiz, then a sitting giving the tasks.
    let people = register(store, 500, 8).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    for (k, &person) in people.iter().enumerate() {
        let theta = standard_normal(&mut rng);
        answer_quiz(store, &quiz, person, theta, &item_truth, &mut rng).await;
        let mut given: Vec<(&str, u32, u8, u8)> = truth
            .iter()
            .map(|(t, model)| {
                let points = draw_score(model, theta, &mut rng);
                (t.id.as_str(), t.version, points, t.credit)
            })
            .collect();
        if k < 3 {
            given.push((FAKE_JOB, few.version, 1, few.credit));
        }
        sit(store, person, &given).await;
    }

    let report = calibrate_bank(store, Model::TwoPl, None, NOW)
        .await
        .unwrap();
    assert_eq!((report.items, report.calibrated), (n_items, n_items));
    assert_eq!((report.tasks, report.tasks_calibrated), (4, 3));
    assert_eq!(report.persons, people.len());
    assert_eq!(report.responses, people.len() * (n_items + 3) + 3);
    let (version, items) = store.item_parameters().await.unwrap().unwrap();
    assert_eq!(version, report.version);
    let estimated: Vec<f64> = quiz
        .items
        .iter()
        .map(|(i, _)| items.iter().find(|p| p.item_id == i.id).unwrap().b)
        .collect();
    let r = correlation(&estimated, &item_truth);
    assert!(r > 0.95, "difficulties recovered: r = {r:.3}");

    // The tasks' parameters, stored in the same version, recover the generating ones.
    let stored = store.task_parameters(version).await.unwrap();
    assert_eq!(stored.len(), 4);
    for (t, want) in &truth {
        let p = stored.iter().find(|p| p.task_id == t.id).unwrap();
        assert!(p.calibrated, "{p:?}");
        assert_eq!((p.task_version, p.responses), (t.version, 500), "{p:?}");
        let got = model_of(p);
        let error = distance(&got, want);
        // About twice the standard errors of 500 people's results (0.15 to 0.25 here).
        assert!(error < 0.35, "{}: {got:?} for {want:?}", t.id);
        let provisional = provisional_task_model(t);
        assert!(
            distance(&provisional, want) > 2.0 * error,
            "{}: the provisional model was no worse",
            t.id
        );
    }
    let p = stored.iter().find(|p| p.task_id == FAKE_JOB).unwrap();
    assert!(!p.calibrated && p.responses == 3, "{p:?}");
    assert_eq!(model_of(p), provisional_task_model(&few));

    // The exam's bank scores the calibrated tasks with those parameters, the others with
    // their provisional ones.
    let exams = Exams::new(ExamConfig {
        tasks: 2,
        ..ExamConfig::default()
    });
    let bank = exams
        .bank(store, Group::Adult, ExamKind::Certification, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bank.calibration, Some(version));
    assert_eq!(bank.tasks_calibrated, 3);
    assert!(bank.tasks.len() > 4);
    for (t, model) in &bank.tasks {
        match stored.iter().find(|p| p.task_id == t.id && p.calibrated) {
            Some(p) => assert_eq!(model, &model_of(p), "{}", t.id),
            None => assert_eq!(model, &provisional_task_model(t), "{}", t.id),
        }
    }
    db.cleanup().await;
}

#[tokio::test]
async fn a_task_with_too_few_results_stays_provisional_and_results_that_no_longer_fit_are_left_out()
{
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;
    let quiz = store.module_quiz(MODULE).await.unwrap().unwrap();
    let n_items = quiz.items.len();
    let item_truth = difficulties(n_items);
    let (transfer, sms, otp) = (
        task(store, TRANSFER).await,
        task(store, SMS).await,
        task(store, OTP).await,
    );
    assert!(sms.version > 1 && otp.credit < 4);

    // 40 learners answer the quiz; three did the transfer task, ten the SMS task at the
    // version before, ten the OTP task when it was worth 4 points (4 of 4: above its credit).
    let people = register(store, 40, 9).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    for (k, &person) in people.iter().enumerate() {
        let theta = normal(&mut rng);
        answer_quiz(store, &quiz, person, theta, &item_truth, &mut rng).await;
        let mut given = Vec::new();
        if k < 3 {
            given.push((TRANSFER, transfer.version, 2, transfer.credit));
        }
        if k < 10 {
            given.push((SMS, sms.version - 1, 1, sms.credit));
            given.push((OTP, otp.version, 4, 4));
        }
        sit(store, person, &given).await;
    }

    let report = calibrate_bank(store, Model::TwoPl, None, NOW)
        .await
        .unwrap();
    assert_eq!(report.calibrated, n_items);
    assert_eq!((report.tasks, report.tasks_calibrated), (1, 0));
    assert_eq!(report.responses, people.len() * n_items + 3);
    let stored = store.task_parameters(report.version).await.unwrap();
    assert_eq!(
        stored,
        vec![TaskParameter {
            task_id: TRANSFER.to_owned(),
            task_version: transfer.version,
            a: 1.0,
            steps: provisional_task_model(&transfer).steps,
            responses: 3,
            calibrated: false,
        }]
    );

    // The placement test (the quiz items' bank) scores the items with their calibration and
    // every task provisionally.
    let exams = Exams::new(ExamConfig {
        placement_tasks: 2,
        ..ExamConfig::default()
    });
    let bank = exams
        .bank(store, Group::Adult, ExamKind::Placement, NOW)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bank.calibration, Some(report.version));
    assert_eq!((bank.calibrated, bank.tasks_calibrated), (n_items, 0));
    for (t, model) in &bank.tasks {
        assert_eq!(model, &provisional_task_model(t), "{}", t.id);
    }

    // With the Rasch model, again: the items' slopes are 1 and the transfer task still waits.
    let rasch = calibrate_bank(store, Model::Rasch, None, NOW)
        .await
        .unwrap();
    assert!(rasch.version > report.version);
    let (_, items) = store.item_parameters().await.unwrap().unwrap();
    assert!(
        items
            .iter()
            .all(|p| p.calibrated && (p.a - 1.0).abs() < 1e-12),
        "{items:?}"
    );
    assert_eq!(store.task_parameters(rasch.version).await.unwrap(), stored);
    db.cleanup().await;
}

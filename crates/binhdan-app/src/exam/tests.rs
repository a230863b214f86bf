//! Sittings on a real store (SQLite, and PostgreSQL when configured): the placement test and
//! the certification exam over the real curriculum's bank, the pass recorded once, the gain in
//! the counters, replays, the deadline, the cool-down and the attempt limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use binhdan_content::quiz;
use binhdan_core::Timestamp;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_core::unit::UnitCode;
use binhdan_store::testing::TestDb;
use binhdan_store::{AdultCutoff, ExamAttempt, ExamKind, ExamStart, PersonRecord, Store};

use super::{Answered, ExamConfig, Exams, Session, Start};

const NOW: Timestamp = Timestamp(1_764_000_000_000);
const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX / 2);
const MINUTE: i64 = 60_000;

/// `n` people registered in Các Sơn (shared with the task tests).
pub(super) async fn people(store: &dyn Store, n: u8) -> Vec<i64> {
    let commune = UnitCode::parse("16591").unwrap();
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    let records: Vec<PersonRecord> = (0..n)
        .map(|i| PersonRecord {
            cccd_hash: [i + 1; 32],
            cccd_sealed: vec![0],
            cccd_masked: "038*******00".into(),
            name: format!("Người {i}"),
            birth_year: 1960,
            birth_day: None,
            sex: Sex::Female,
            unit: commune.clone(),
            phone: None,
            membership: None,
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
        let p = store
            .person_by_cccd_hash(&r.cccd_hash)
            .await
            .unwrap()
            .unwrap();
        ids.push(p.summary.id);
    }
    ids
}

fn sitting(start: Start) -> ExamAttempt {
    match start {
        Start::Sitting(a) => a,
        other => panic!("expected a sitting, got {other:?}"),
    }
}

/// Answers the current question of `attempt`, right or wrong; returns what happened.
async fn answer(
    exams: &Exams,
    store: &dyn Store,
    attempt: &ExamAttempt,
    right: bool,
    now: Timestamp,
) -> Answered {
    let session: Session = serde_json::from_str(&attempt.state).unwrap();
    let (at, given) = session.current().expect("a current question");
    let bank = exams
        .bank(store, attempt.group, attempt.kind, now)
        .await
        .unwrap()
        .unwrap();
    let item = bank.item(&given.item).unwrap();
    let reply = if right {
        quiz::right_reply(item)
    } else {
        quiz::wrong_reply(item)
    };
    let fields = quiz::form_fields(&reply, &given.order);
    exams
        .answer(
            store,
            attempt.id,
            attempt.person_id,
            at,
            &given.item,
            &fields,
            CUTOFF,
            now,
        )
        .await
        .unwrap()
}

/// Answers until the sitting ends; returns it and the items given.
async fn sit(
    exams: &Exams,
    store: &dyn Store,
    mut attempt: ExamAttempt,
    right: bool,
) -> (ExamAttempt, Vec<String>) {
    for _ in 0..100 {
        match answer(exams, store, &attempt, right, NOW).await {
            Answered::Next(a) => attempt = a,
            Answered::Finished(a) => {
                let session: Session = serde_json::from_str(&a.state).unwrap();
                return (a, session.given.into_iter().map(|g| g.item).collect());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("the sitting did not end");
}

fn counter(counters: &[(Group, String, i64)], metric: &str) -> i64 {
    counters
        .iter()
        .filter(|(g, m, _)| *g == Group::Adult && m == metric)
        .map(|(_, _, v)| *v)
        .sum()
}

#[tokio::test]
async fn placement_then_exam_measures_the_gain_and_records_one_pass() {
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        crate::test_support::map_and_curriculum(store, NOW).await;
        let ids = people(store, 2).await;
        let exams = Exams::new(ExamConfig::default());
        let config = ExamConfig::default();

        // The placement test, answered wrong throughout: a low starting ability.
        let placement = sitting(
            exams
                .start(store, ids[0], Group::Adult, ExamKind::Placement, NOW)
                .await
                .unwrap(),
        );
        let (placed, items) = sit(&exams, store, placement, false).await;
        assert!(
            items.len() >= config.placement_min_items && items.len() <= config.placement_max_items,
            "{}",
            db.name
        );
        assert_eq!(placed.passed, Some(false));
        let before = placed.theta.unwrap();

        // The exam, answered right throughout: a pass, recorded once.
        let exam = sitting(
            exams
                .start(store, ids[0], Group::Adult, ExamKind::Certification, NOW)
                .await
                .unwrap(),
        );
        let (ended, given) = sit(&exams, store, exam.clone(), true).await;
        assert!(
            given.len() >= config.min_items && given.len() <= config.max_items,
            "{} items",
            given.len()
        );
        // The exam gives only its own items (never shown in a quiz), the placement test none.
        assert!(given.iter().all(|id| id.starts_with("thi-")), "{given:?}");
        assert!(items.iter().all(|id| !id.starts_with("thi-")), "{items:?}");
        let distinct: std::collections::HashSet<_> = given.iter().collect();
        assert_eq!(distinct.len(), given.len(), "an item given twice");
        assert_eq!(ended.passed, Some(true), "{ended:?}");
        assert!(!ended.timed_out);
        let after = ended.theta.unwrap();
        assert!(after > before + 1.0, "gain {before} → {after}");
        let pass = store
            .exam_pass(ids[0], Group::Adult)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pass.attempt_id, exam.id);

        // Replaying the last answer changes nothing; finishing again returns the same end.
        let replay = exams
            .answer(
                store,
                exam.id,
                ids[0],
                given.len() - 1,
                given.last().unwrap(),
                &[("choice".into(), "0".into())],
                CUTOFF,
                NOW,
            )
            .await
            .unwrap();
        assert!(matches!(replay, Answered::Stale(_)), "{replay:?}");
        let again = store
            .finish_exam(
                exam.id,
                ids[0],
                &binhdan_store::ExamResult {
                    theta: 9.0,
                    se: 0.1,
                    passed: true,
                    timed_out: false,
                },
                CUTOFF,
                NOW,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.theta, ended.theta);
        // Someone else's sitting is not found.
        let foreign = exams
            .answer(store, exam.id, ids[1], 0, &given[0], &[], CUTOFF, NOW)
            .await
            .unwrap();
        assert!(matches!(foreign, Answered::NotFound));

        // Passed: no further sitting; the placement is closed.
        let refused = exams
            .start(store, ids[0], Group::Adult, ExamKind::Certification, NOW)
            .await
            .unwrap();
        assert!(
            matches!(refused, Start::Refused(ExamStart::AlreadyPassed)),
            "{refused:?}"
        );
        let refused = exams
            .start(store, ids[0], Group::Adult, ExamKind::Placement, NOW)
            .await
            .unwrap();
        assert!(
            matches!(refused, Start::Refused(ExamStart::PlacementClosed)),
            "{refused:?}"
        );

        // The counters of the commune: one placed, one assessed with their gain, one proficient.
        let counters = store
            .learning_under(&UnitCode::parse("16591").unwrap())
            .await
            .unwrap();
        assert_eq!(counter(&counters, "placed"), 1);
        assert_eq!(counter(&counters, "assessed"), 1);
        assert_eq!(counter(&counters, "proficient"), 1);
        let gain = counter(&counters, "gain_milli");
        #[allow(clippy::cast_possible_truncation, reason = "a small θ difference")]
        let expected = ((after - before) * 1000.0).round() as i64;
        assert!(
            (gain - expected).abs() <= 1,
            "gain_milli {gain}, expected {expected}"
        );
        let ability = store.ability(ids[0], Group::Adult).await.unwrap();
        assert_eq!(ability.placement, Some(before));
        assert_eq!(ability.best, Some(after));

        // A second learner side by side gets another test.
        let other = sitting(
            exams
                .start(store, ids[1], Group::Adult, ExamKind::Certification, NOW)
                .await
                .unwrap(),
        );
        let (_, other_items) = sit(&exams, store, other, true).await;
        assert_ne!(other_items, given, "two learners got the same test");
        // Every exam answer is material for the next calibration.
        let scored = store.scored_responses().await.unwrap();
        assert_eq!(scored.len(), items.len() + given.len() + other_items.len());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_deadline_the_cool_down_and_the_attempt_limit_hold() {
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        crate::test_support::map_and_curriculum(store, NOW).await;
        let ids = people(store, 1).await;
        let config = ExamConfig::default();
        let exams = Exams::new(config.clone());
        let person = ids[0];

        // Starting twice gives the same open sitting.
        let exam = sitting(
            exams
                .start(store, person, Group::Adult, ExamKind::Certification, NOW)
                .await
                .unwrap(),
        );
        let same = sitting(
            exams
                .start(store, person, Group::Adult, ExamKind::Certification, NOW)
                .await
                .unwrap(),
        );
        assert_eq!(exam.id, same.id);
        let Answered::Next(exam) = answer(&exams, store, &exam, true, NOW).await else {
            panic!("first answer")
        };
        assert_eq!(exam.answered, 1);

        // After the deadline: refused, not recorded, the sitting ends timed out and failed.
        let late = Timestamp(exam.deadline_at.millis() + 1);
        let refused = answer(&exams, store, &exam, true, late).await;
        let Answered::TimeUp(ended) = refused else {
            panic!("{refused:?}")
        };
        assert!(ended.timed_out && ended.passed == Some(false));
        assert_eq!(ended.answered, 1, "the late answer was counted");
        assert!(
            store
                .exam_pass(person, Group::Adult)
                .await
                .unwrap()
                .is_none()
        );

        // A failed sitting: the cool-down, then the next one.
        let soon = Timestamp(late.millis() + MINUTE);
        let cooling = exams
            .start(store, person, Group::Adult, ExamKind::Certification, soon)
            .await
            .unwrap();
        let Start::Refused(ExamStart::CoolingDown { until }) = cooling else {
            panic!("{cooling:?}")
        };
        assert_eq!(until.millis(), late.millis() + config.limits().cooldown_ms);
        let mut t = until;
        for _ in 1..config.max_attempts {
            let next = sitting(
                exams
                    .start(store, person, Group::Adult, ExamKind::Certification, t)
                    .await
                    .unwrap(),
            );
            let over = Timestamp(next.deadline_at.millis() + 1);
            let Answered::TimeUp(_) = answer(&exams, store, &next, false, over).await else {
                panic!("time up")
            };
            t = Timestamp(over.millis() + config.limits().cooldown_ms);
        }
        // Every sitting of the window used.
        let limit = exams
            .start(store, person, Group::Adult, ExamKind::Certification, t)
            .await
            .unwrap();
        let Start::Refused(ExamStart::NoAttemptsLeft { until }) = limit else {
            panic!("{limit:?}")
        };
        assert_eq!(until.millis(), NOW.millis() + config.limits().window_ms);
        let history = store.exam_history(person, Group::Adult).await.unwrap();
        assert_eq!(history.len(), usize::try_from(config.max_attempts).unwrap());
        // Nothing counted: no pass, no gain.
        let counters = store
            .learning_under(&UnitCode::parse("16591").unwrap())
            .await
            .unwrap();
        assert_eq!(counter(&counters, "proficient"), 0);
        assert_eq!(counter(&counters, "assessed"), 0);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_exam_waits_for_an_open_placement_and_a_sitting_cut_short_is_scored_later() {
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        crate::test_support::map_and_curriculum(store, NOW).await;
        let ids = people(store, 1).await;
        let exams = Exams::new(ExamConfig::default());
        let person = ids[0];

        // An open placement comes first: asking for the exam returns it.
        let placement = sitting(
            exams
                .start(store, person, Group::Adult, ExamKind::Placement, NOW)
                .await
                .unwrap(),
        );
        let asked = sitting(
            exams
                .start(store, person, Group::Adult, ExamKind::Certification, NOW)
                .await
                .unwrap(),
        );
        assert_eq!(asked.id, placement.id, "{}", db.name);
        let (placed, _) = sit(&exams, store, placement, false).await;
        assert!(placed.finished_at.is_some());

        // The server stops between the last answer and the sitting's end: the answer is
        // stored with no next item, and the sitting is still open.
        let exam = sitting(
            exams
                .start(store, person, Group::Adult, ExamKind::Certification, NOW)
                .await
                .unwrap(),
        );
        let mut session: Session = serde_json::from_str(&exam.state).unwrap();
        let item = session.given.last().unwrap().clone();
        session.given.last_mut().unwrap().correct = Some(true);
        let state = serde_json::to_string(&session).unwrap();
        let recorded = store
            .record_exam_answer(
                exam.id,
                person,
                &binhdan_store::ExamAnswer {
                    position: 0,
                    item_id: &item.item,
                    revision: item.revision,
                    reply: "{}",
                    correct: true,
                    state: &state,
                },
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(recorded, binhdan_store::ExamAnswerOutcome::Recorded);
        let stuck = store.exam_attempt(exam.id).await.unwrap().unwrap();
        assert!(stuck.finished_at.is_none());
        // Settled: scored from its answers, not timed out, and not passed on one item.
        let settled = exams.settle(store, stuck, CUTOFF, NOW).await.unwrap();
        assert!(settled.finished_at.is_some() && !settled.timed_out);
        assert_eq!(settled.passed, Some(false));
        db.cleanup().await;
    }
}

#[test]
fn the_rules_are_checked() {
    assert_eq!(ExamConfig::default().check(), Ok(()));
    let bad = [
        ExamConfig {
            min_items: 30,
            ..ExamConfig::default()
        },
        ExamConfig {
            minutes: 0,
            ..ExamConfig::default()
        },
        ExamConfig {
            cut: f64::NAN,
            ..ExamConfig::default()
        },
        ExamConfig {
            max_exposure: 0.0,
            ..ExamConfig::default()
        },
        ExamConfig {
            max_attempts: 0,
            ..ExamConfig::default()
        },
        ExamConfig {
            placement_max_exposure: 0.0,
            ..ExamConfig::default()
        },
        ExamConfig {
            placement_max_exposure: 1.5,
            ..ExamConfig::default()
        },
        ExamConfig {
            placement_max_exposure: f64::NAN,
            ..ExamConfig::default()
        },
        ExamConfig {
            placement_randomesque: 0,
            ..ExamConfig::default()
        },
    ];
    for config in bad {
        assert!(config.check().is_err(), "{config:?}");
    }
}

/// A bank is built again once the server's clock has moved past its TTL, not before.
#[tokio::test]
async fn a_bank_is_rebuilt_once_the_clock_passes_its_ttl() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;
    let exams = Exams::new(ExamConfig::default());
    let kind = ExamKind::Certification;
    let built = exams.bank(store, Group::Adult, kind, NOW).await.unwrap();
    let built = built.expect("the adults' bank");
    let ttl = i64::try_from(super::BANK_TTL.as_millis()).unwrap();
    let later = Timestamp(NOW.0 + ttl - 1);
    let cached = exams.bank(store, Group::Adult, kind, later).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&built, &cached.unwrap()), "cached");
    let expired = Timestamp(NOW.0 + ttl);
    let rebuilt = exams
        .bank(store, Group::Adult, kind, expired)
        .await
        .unwrap();
    assert!(
        !std::sync::Arc::ptr_eq(&built, &rebuilt.unwrap()),
        "rebuilt"
    );
    db.cleanup().await;
}

/// The placement test draws with its own `randomesque` and exposure ceiling, and its sittings
/// are counted apart from the exam's: they use none of the exam's exposure budget, and the
/// exam's none of theirs.
#[tokio::test]
async fn the_placement_test_has_its_own_exposure_settings_and_counts() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;
    let ids = people(store, 4).await;
    let defaults = ExamConfig::default();
    assert_eq!(
        (
            defaults.placement_randomesque,
            defaults.placement_max_exposure
        ),
        (5, 0.25)
    );
    let exams = Exams::new(ExamConfig {
        randomesque: 9,
        max_exposure: 0.1,
        placement_randomesque: 2,
        placement_max_exposure: 0.6,
        ..ExamConfig::default()
    });
    let (placement, certification) = (ExamKind::Placement, ExamKind::Certification);
    let placement_bank = exams
        .bank(store, Group::Adult, placement, NOW)
        .await
        .unwrap()
        .unwrap();
    let exam_bank = exams
        .bank(store, Group::Adult, certification, NOW)
        .await
        .unwrap()
        .unwrap();
    let control = |kind| {
        let bank = if kind == placement {
            &placement_bank
        } else {
            &exam_bank
        };
        let c = exams.exposure(bank, kind).control;
        (c.randomesque, c.max_rate)
    };
    assert_eq!(control(placement), (2, 0.6));
    assert_eq!(control(certification), (9, 0.1));

    // Three placement tests: counted as the placement test's only.
    for &person in &ids[..3] {
        sitting(
            exams
                .start(store, person, Group::Adult, placement, NOW)
                .await
                .unwrap(),
        );
    }
    let placed = exams.exposure(&placement_bank, placement);
    assert_eq!(placed.sessions, 3);
    assert_eq!(placed.counts.iter().sum::<u64>(), 3, "one item each so far");
    let exam = exams.exposure(&exam_bank, certification);
    assert_eq!(exam.sessions, 0, "placement sittings counted as the exam's");
    assert!(exam.counts.iter().all(|&n| n == 0));

    // An exam sitting: counted as the exam's; the placement test's counts do not move.
    sitting(
        exams
            .start(store, ids[3], Group::Adult, certification, NOW)
            .await
            .unwrap(),
    );
    let exam = exams.exposure(&exam_bank, certification);
    assert_eq!((exam.sessions, exam.counts.iter().sum::<u64>()), (1, 1));
    let placed = exams.exposure(&placement_bank, placement);
    assert_eq!((placed.sessions, placed.counts.iter().sum::<u64>()), (3, 3));
    db.cleanup().await;
}

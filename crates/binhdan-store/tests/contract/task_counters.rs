//! What people can do, per unit, group and task (issue 21, item 5): each task's result moves
//! the task counters in its own transaction, once per person, group, task and kind whatever
//! the resits (the best result counts); a village's figures are its commune's, a province's
//! the sum of its communes; a move home takes them along; and a rebuild from `task_result`
//! agrees.

use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_core::unit::UnitLevel;
use binhdan_store::testing::TestDb;
use binhdan_store::{
    AdultCutoff, ExamKind, ExamLimits, ExamResult, ExamStart, NewExamAttempt, PersonRecord, Store,
    TaskEnd, TaskFigure, TaskStep, WriteMode,
};

use super::{NOW, code, shipped_content, village, with_map};

const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX);
const TRANSFER: &str = "chuyen-tien-kiem-tra-ten";
const SMS: &str = "sms-ngan-hang-gia";

fn person(n: u8, unit: &str) -> PersonRecord {
    PersonRecord {
        cccd_hash: [n; 32],
        cccd_sealed: vec![1, n],
        cccd_masked: format!("038*******{n:02}"),
        name: format!("Người {n}"),
        birth_year: 1970,
        birth_day: None,
        sex: Sex::Male,
        unit: code(unit),
        phone: None,
        membership: None,
    }
}

async fn register(store: &dyn Store, people: &[PersonRecord]) -> Vec<i64> {
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    import.write(people).await.unwrap();
    import
        .commit(AuditEntry::new("cli", "person.import"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for p in people {
        ids.push(
            store
                .person_by_cccd_hash(&p.cccd_hash)
                .await
                .unwrap()
                .unwrap()
                .summary
                .id,
        );
    }
    ids
}

/// One sitting of `kind` giving `tasks` (id, score out of 4) in order, then ended (not
/// passed, so a resit may follow).
async fn sit(store: &dyn Store, who: i64, kind: ExamKind, tasks: &[(&str, u8)]) {
    let started = store
        .start_exam(
            &NewExamAttempt {
                person_id: who,
                group: Group::Adult,
                kind,
                calibration: None,
                state: "{}",
                deadline_at: binhdan_core::Timestamp(NOW.millis() + 600_000),
            },
            &ExamLimits {
                max_attempts: 10,
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
    for (i, (task, score)) in tasks.iter().enumerate() {
        let outcome = store
            .record_task_step(
                attempt.id,
                who,
                &TaskStep {
                    position: u32::try_from(i).unwrap(),
                    step: 0,
                    state: "{}",
                    ended: Some(TaskEnd {
                        task_id: task,
                        version: 1,
                        score: *score,
                        credit: 4,
                        steps: 3,
                    }),
                },
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(outcome, binhdan_store::ExamAnswerOutcome::Recorded);
    }
    store
        .finish_exam(
            attempt.id,
            who,
            &ExamResult {
                theta: 0.0,
                se: 0.4,
                passed: false,
                timed_out: false,
            },
            CUTOFF,
            NOW,
        )
        .await
        .unwrap();
}

fn figure(task: &str, kind: ExamKind, tried: u64, could: u64) -> TaskFigure {
    TaskFigure {
        group: Group::Adult,
        task_id: task.to_owned(),
        kind,
        tried,
        could,
    }
}

async fn agrees(store: &dyn Store, name: &str) {
    let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
    assert!(
        rebuilt.differences.is_empty(),
        "{name}: {:#?}",
        rebuilt.differences
    );
}

#[tokio::test]
async fn what_people_could_do_counts_once_per_person_and_moves_with_them() {
    use ExamKind::{Certification as Exam, Placement};
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        store.load_content(&shipped_content(), NOW).await.unwrap();
        store
            .create_villages(&[village("16591", "Thôn Một")], WriteMode::Commit, NOW)
            .await
            .unwrap();
        // Nothing given yet: nothing to show.
        assert!(
            store
                .task_figures(&code("38"), None)
                .await
                .unwrap()
                .is_empty()
        );
        let ids = register(
            store,
            &[
                person(1, "16591001"),
                person(2, "16591001"),
                person(3, "16594"),
            ],
        )
        .await;
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        // A could not transfer at placement, then could at the exam twice (counted once).
        sit(store, a, Placement, &[(TRANSFER, 0)]).await;
        sit(store, a, Exam, &[(TRANSFER, 4)]).await;
        sit(store, a, Exam, &[(TRANSFER, 2), (SMS, 1)]).await;
        // B could at placement (2 of 4 is half the credit) and not at the exam.
        sit(store, b, Placement, &[(TRANSFER, 2)]).await;
        sit(store, b, Exam, &[(TRANSFER, 1)]).await;
        // C, at a commune: a worse resit takes nothing back.
        sit(store, c, Exam, &[(SMS, 3)]).await;
        sit(store, c, Exam, &[(SMS, 0)]).await;

        let thon_mot = vec![
            figure(SMS, Exam, 1, 0),
            figure(TRANSFER, Exam, 2, 1),
            figure(TRANSFER, Placement, 2, 1),
        ];
        let sorted = |mut v: Vec<TaskFigure>| {
            v.sort_by(|x, y| (&x.task_id, x.kind.as_str()).cmp(&(&y.task_id, y.kind.as_str())));
            v
        };
        let thon_mot = sorted(thon_mot);
        for unit in ["16591001", "16591"] {
            let got = sorted(store.task_figures(&code(unit), None).await.unwrap());
            assert_eq!(got, thon_mot, "{}: {unit}", db.name);
            let adults = sorted(
                store
                    .task_figures(&code(unit), Some(Group::Adult))
                    .await
                    .unwrap(),
            );
            assert_eq!(adults, thon_mot, "{}: {unit}", db.name);
        }
        assert!(
            store
                .task_figures(&code("16591"), Some(Group::Student))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.task_figures(&code("16594"), None).await.unwrap(),
            vec![figure(SMS, Exam, 1, 1)],
            "{}",
            db.name
        );
        let province = sorted(store.task_figures(&code("38"), None).await.unwrap());
        assert_eq!(
            province,
            sorted(vec![
                figure(SMS, Exam, 2, 1),
                figure(TRANSFER, Exam, 2, 1),
                figure(TRANSFER, Placement, 2, 1),
            ]),
            "{}",
            db.name
        );
        // The units below, each with its own figures.
        let communes = store
            .task_figures_below(&code("38"), UnitLevel::Commune)
            .await
            .unwrap();
        let names: Vec<&str> = communes.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(names.iter().filter(|c| **c == "16591").count(), 3);
        assert_eq!(names.iter().filter(|c| **c == "16594").count(), 1);
        let villages = store
            .task_figures_below(&code("38"), UnitLevel::Village)
            .await
            .unwrap();
        assert_eq!(villages.len(), 3, "{}", db.name);
        assert!(villages.iter().all(|v| v.code.as_str() == "16591001"));
        assert_eq!(villages[0].name, "Thôn Một");
        agrees(store, db.name).await;

        // A moves to C's commune: what they could do goes with them.
        register(store, &[person(1, "16594")]).await;
        assert_eq!(
            sorted(store.task_figures(&code("16591"), None).await.unwrap()),
            sorted(vec![
                figure(TRANSFER, Exam, 1, 0),
                figure(TRANSFER, Placement, 1, 1),
            ]),
            "{}",
            db.name
        );
        assert_eq!(
            sorted(store.task_figures(&code("16594"), None).await.unwrap()),
            sorted(vec![
                figure(SMS, Exam, 2, 1),
                figure(TRANSFER, Exam, 1, 1),
                figure(TRANSFER, Placement, 1, 0),
            ]),
            "{}",
            db.name
        );
        assert_eq!(
            sorted(store.task_figures(&code("38"), None).await.unwrap()),
            province,
            "a move within the province changes nothing there ({})",
            db.name
        );
        agrees(store, db.name).await;
        db.cleanup().await;
    }
}

/// Migration 0023 on a database with tasks already given: migrated up to 0022, given task
/// results (a resit, a supervised sitting the commune voided, people in a village and at a
/// commune), then 0023: its counters are what a rebuild from `task_result` gives.
mod migration {
    use binhdan_core::kpi::Group;
    use binhdan_store::{ExamKind, Store, TaskFigure};

    use super::{CUTOFF, NOW, SMS, TRANSFER, code};
    use crate::at_migration::{PostgresAt, SqliteAt, drop_schema, remove};

    const BEFORE: i64 = 22;
    const COUNTERS: i64 = 23;

    /// Person 101 (village 16591001): placement 0/4, exam 4/4 then a resit 1/4; person 102
    /// (same village): a supervised exam 4/4 the commune voided; person 103 (commune 16594):
    /// exam 3/4 of the SMS task.
    fn rows() -> Vec<String> {
        let mut rows: Vec<String> = [
            ("38", "NULL", "province", "38/"),
            ("16591", "'38'", "commune", "38/16591/"),
            ("16594", "'38'", "commune", "38/16594/"),
            ("16591001", "'16591'", "village", "38/16591/16591001/"),
        ]
        .iter()
        .map(|(c, p, level, path)| {
            format!(
                "INSERT INTO unit (code, parent_code, level, division_type, name, name_key, identity_key, path, province_code, created_at) \
                 VALUES ('{c}', {p}, '{level}', 'xa', 'Đơn vị {c}', 'don vi {c}', 'don vi {c}', '{path}', '38', 0)"
            )
        })
        .collect();
        for (id, unit, path) in [
            (101, "16591001", "38/16591/16591001/"),
            (102, "16591001", "38/16591/16591001/"),
            (103, "16594", "38/16594/"),
        ] {
            rows.push(format!(
                "INSERT INTO person (id, cccd_hash, cccd_sealed, cccd_masked, name, name_key, birth_year, sex, unit_code, unit_path, created_at, updated_at) \
                 VALUES ({id}, {{blob}}{}, {{blob}}{}, '038*******01', 'Người {id}', 'nguoi {id}', 1960, 'male', '{unit}', '{path}', 0, 0)",
                id - 100,
                id - 100
            ));
        }
        rows.push(
            "INSERT INTO staff_account (id, username, display_name, password_hash, created_at) \
             VALUES (11, 'thon-mot', 'Tổ trưởng', 'x', 0)"
                .into(),
        );
        for task in [TRANSFER, SMS] {
            rows.push(format!(
                "INSERT INTO sim_task (id, version, competence, body, revision, loaded_at) \
                 VALUES ('{task}', 1, '1.1', '{{}}', 1, 0)"
            ));
        }
        for (attempt, person, kind) in [
            (401, 101, "placement"),
            (402, 101, "certification"),
            (403, 101, "certification"),
            (404, 102, "certification"),
            (405, 103, "certification"),
        ] {
            rows.push(format!(
                "INSERT INTO exam_attempt (id, person_id, grp, kind, state, answered, started_at, deadline_at, finished_at, theta, se, passed) \
                 VALUES ({attempt}, {person}, 'adult', '{kind}', 'finished', 1, {attempt}, 9000, {attempt}, 0.0, 0.3, FALSE)"
            ));
        }
        for (attempt, person, kind, task, score) in [
            (401, 101, "placement", TRANSFER, 0),
            (402, 101, "certification", TRANSFER, 4),
            (403, 101, "certification", TRANSFER, 1),
            (404, 102, "certification", TRANSFER, 4),
            (405, 103, "certification", SMS, 3),
        ] {
            rows.push(format!(
                "INSERT INTO task_result (attempt_id, position, person_id, grp, kind, task_id, task_version, score, credit, steps, at) \
                 VALUES ({attempt}, 0, {person}, 'adult', '{kind}', '{task}', 1, {score}, 4, 3, {attempt})"
            ));
        }
        rows.push(
            "INSERT INTO assisted_sitting (attempt_id, op, person_id, member_id, village_code, commune_code, device, via, attested_at, day, open, finished_at, passed, seconds, flags, review, reviewed_by, reviewed_at) \
             VALUES (404, 'sit-op-404', 102, 11, '16591001', '16591', 'device-1', 'card', 404, 20000, FALSE, 404, FALSE, 100, '', 'voided', 11, 500)"
                .into(),
        );
        rows
    }

    fn figure(task: &str, kind: ExamKind, tried: u64, could: u64) -> TaskFigure {
        TaskFigure {
            group: Group::Adult,
            task_id: task.to_owned(),
            kind,
            tried,
            could,
        }
    }

    /// The store, all migrations applied: the backfilled figures, and a rebuild that agrees.
    async fn read_back(store: &dyn Store, db: &str) {
        use ExamKind::{Certification, Placement};
        assert_eq!(
            store.task_figures(&code("16591"), None).await.unwrap(),
            vec![
                figure(TRANSFER, Certification, 1, 1),
                figure(TRANSFER, Placement, 1, 0),
            ],
            "{db}"
        );
        assert_eq!(
            store.task_figures(&code("16591001"), None).await.unwrap(),
            store.task_figures(&code("16591"), None).await.unwrap(),
            "{db}"
        );
        assert_eq!(
            store.task_figures(&code("38"), None).await.unwrap(),
            vec![
                figure(TRANSFER, Certification, 1, 1),
                figure(TRANSFER, Placement, 1, 0),
                figure(SMS, Certification, 1, 1),
            ],
            "{db}"
        );
        let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
        let tasks: Vec<_> = rebuilt
            .differences
            .iter()
            .filter(|d| d.metric.starts_with("task:"))
            .collect();
        assert!(tasks.is_empty(), "{db}: {tasks:#?}");
    }

    #[tokio::test]
    async fn migration_0023_counts_the_tasks_already_given_on_sqlite() {
        let mut db = SqliteAt::new("0023").await;
        db.run_to(BEFORE).await;
        db.insert(&rows()).await;
        db.run_to(COUNTERS).await;
        let (store, path) = db.open().await;
        read_back(&store, "sqlite").await;
        binhdan_store::OpsStore::close(&store).await;
        remove(&path);
    }

    #[tokio::test]
    async fn migration_0023_counts_the_tasks_already_given_on_postgres() {
        let Some(mut db) = PostgresAt::new("mig0023").await else {
            return;
        };
        db.run_to(BEFORE).await;
        db.insert(&rows()).await;
        db.run_to(COUNTERS).await;
        let (store, schema) = db.migrate().await;
        read_back(&store, "postgres").await;
        drop_schema(store, &schema).await;
    }
}

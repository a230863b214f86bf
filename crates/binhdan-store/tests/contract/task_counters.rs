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
    AdultCutoff, ExamKind, ExamLimits, ExamResult, ExamStart, MembershipRecord, NewExamAttempt,
    NewOrganisation, OrgKind, PersonRecord, Store, TaskEnd, TaskFigure, TaskStep, WriteMode,
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

/// One adults' sitting of `kind` giving `tasks` (id, score out of 4) in order, then ended
/// (not passed, so a resit may follow).
async fn sit(store: &dyn Store, who: i64, kind: ExamKind, tasks: &[(&str, u8)]) {
    sit_in(store, who, Group::Adult, kind, tasks).await;
}

/// [`sit`], in `group`'s sittings.
async fn sit_in(store: &dyn Store, who: i64, group: Group, kind: ExamKind, tasks: &[(&str, u8)]) {
    let attempt = open_sitting(store, who, group, kind).await;
    let tasks: Vec<(&str, u32, u8, u8)> = tasks.iter().map(|(t, s)| (*t, 1, *s, 4)).collect();
    end_tasks(store, attempt, who, &tasks).await;
    store
        .finish_exam(
            attempt,
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

/// A sitting of `who`'s in `group`'s sittings of `kind`, open: its id.
pub(super) async fn open_sitting(store: &dyn Store, who: i64, group: Group, kind: ExamKind) -> i64 {
    let started = store
        .start_exam(
            &NewExamAttempt {
                person_id: who,
                group,
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
    attempt.id
}

/// The sitting gives `tasks` (id, version, score, credit) in order, each ended at once.
pub(super) async fn end_tasks(
    store: &dyn Store,
    attempt: i64,
    who: i64,
    tasks: &[(&str, u32, u8, u8)],
) {
    for (i, (task, version, score, credit)) in tasks.iter().enumerate() {
        let outcome = store
            .record_task_step(
                attempt,
                who,
                &TaskStep {
                    position: u32::try_from(i).unwrap(),
                    step: 0,
                    state: "{}",
                    ended: Some(TaskEnd {
                        task_id: task,
                        version: *version,
                        score: *score,
                        credit: *credit,
                        steps: 3,
                    }),
                },
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(outcome, binhdan_store::ExamAnswerOutcome::Recorded);
    }
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

/// An organisation's figures (migration 0026): its members' results under the group their
/// membership gives, each once with their best; someone who joins brings what they could do
/// in that group (not in another); a move home leaves them; a rebuild agrees.
#[tokio::test]
async fn an_organisation_counts_what_its_members_could_do() {
    use ExamKind::{Certification as Exam, Placement};
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        store.load_content(&shipped_content(), NOW).await.unwrap();
        let firm = store
            .create_organisation(
                &NewOrganisation {
                    kind: OrgKind::Enterprise,
                    code: "0101234567".into(),
                    name: "Công ty Một".into(),
                    commune: code("16591"),
                    grades: None,
                },
                AuditEntry::new("cli", "organisation.create"),
                NOW,
            )
            .await
            .unwrap();
        let worker = |n: u8, unit: &str| PersonRecord {
            membership: Some(MembershipRecord {
                organisation_id: firm.id,
                group: Group::Worker,
                grade: None,
                class: None,
                position: None,
            }),
            ..person(n, unit)
        };
        let ids = register(
            store,
            &[worker(1, "16591"), worker(2, "16594"), person(3, "16594")],
        )
        .await;
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        let theirs = |group| store.organisation_task_figures(firm.id, group);
        assert!(theirs(None).await.unwrap().is_empty());
        let worker_figure = |task: &str, kind, tried, could| TaskFigure {
            group: Group::Worker,
            ..figure(task, kind, tried, could)
        };
        // A: 0/4 at placement, then 4/4 and a worse resit; B: 2/4 at the exam. An adults'
        // sitting of A's counts at their commune, not at the enterprise.
        sit_in(store, a, Group::Worker, Placement, &[(TRANSFER, 0)]).await;
        sit_in(store, a, Group::Worker, Exam, &[(TRANSFER, 4)]).await;
        sit_in(store, a, Group::Worker, Exam, &[(TRANSFER, 1)]).await;
        sit_in(store, b, Group::Worker, Exam, &[(TRANSFER, 2)]).await;
        sit(store, a, Exam, &[(SMS, 4)]).await;
        let both = vec![
            worker_figure(TRANSFER, Exam, 2, 2),
            worker_figure(TRANSFER, Placement, 1, 0),
        ];
        assert_eq!(theirs(None).await.unwrap(), both, "{}", db.name);
        assert_eq!(theirs(Some(Group::Worker)).await.unwrap(), both);
        assert!(theirs(Some(Group::Adult)).await.unwrap().is_empty());
        agrees(store, db.name).await;

        // C did the SMS task as a worker (and as an adult) before joining: the worker's
        // result comes along, the adult's stays out.
        sit_in(store, c, Group::Worker, Exam, &[(SMS, 3)]).await;
        sit(store, c, Exam, &[(TRANSFER, 4)]).await;
        assert_eq!(theirs(None).await.unwrap(), both, "not a member yet");
        register(store, &[worker(3, "16594")]).await;
        let mut joined = both.clone();
        joined.push(worker_figure(SMS, Exam, 1, 1));
        assert_eq!(theirs(None).await.unwrap(), joined, "{}", db.name);
        // Joining again changes nothing; a move home changes nothing at the enterprise.
        register(store, &[worker(3, "16591"), worker(1, "16594")]).await;
        assert_eq!(theirs(None).await.unwrap(), joined, "{}", db.name);
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
    pub(super) fn rows() -> Vec<String> {
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
        rows.extend(sittings(
            "adult",
            &[
                (401, 101, "placement", TRANSFER, 0),
                (402, 101, "certification", TRANSFER, 4),
                (403, 101, "certification", TRANSFER, 1),
                (404, 102, "certification", TRANSFER, 4),
                (405, 103, "certification", SMS, 3),
            ],
        ));
        rows.push(voided(404, 102));
        rows
    }

    /// Finished sittings of `group`, each giving one task: (attempt, person, kind, task,
    /// score out of 4).
    pub(super) fn sittings(group: &str, given: &[(i64, i64, &str, &str, u8)]) -> Vec<String> {
        let mut rows = Vec::new();
        for (attempt, person, kind, task, score) in given {
            rows.push(format!(
                "INSERT INTO exam_attempt (id, person_id, grp, kind, state, answered, started_at, deadline_at, finished_at, theta, se, passed) \
                 VALUES ({attempt}, {person}, '{group}', '{kind}', 'finished', 1, {attempt}, 9000, {attempt}, 0.0, 0.3, FALSE)"
            ));
            rows.push(format!(
                "INSERT INTO task_result (attempt_id, position, person_id, grp, kind, task_id, task_version, score, credit, steps, at) \
                 VALUES ({attempt}, 0, {person}, '{group}', '{kind}', '{task}', 1, {score}, 4, 3, {attempt})"
            ));
        }
        rows
    }

    /// A supervised sitting of `person`'s, at their village, that the commune voided.
    pub(super) fn voided(attempt: i64, person: i64) -> String {
        format!(
            "INSERT INTO assisted_sitting (attempt_id, op, person_id, member_id, village_code, commune_code, device, via, attested_at, day, open, finished_at, passed, seconds, flags, review, reviewed_by, reviewed_at) \
             VALUES ({attempt}, 'sit-op-{attempt}', {person}, 11, '16591001', '16591', 'device-1', 'card', {attempt}, 20000, FALSE, {attempt}, FALSE, 100, '', 'voided', 11, 500)"
        )
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
        tasks_agree(store, db, "").await;
    }

    /// A rebuild finds no task counter of a scope starting with `scope` to change.
    pub(super) async fn tasks_agree(store: &dyn Store, db: &str, scope: &str) {
        let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
        let tasks: Vec<_> = rebuilt
            .differences
            .iter()
            .filter(|d| d.scope.starts_with(scope) && d.metric.starts_with("task:"))
            .collect();
        assert!(tasks.is_empty(), "{db}: {tasks:#?}");
    }

    #[tokio::test]
    async fn migration_0023_counts_the_tasks_already_given_on_sqlite() {
        on_sqlite("0023", (BEFORE, COUNTERS), &rows(), read_back).await;
    }

    #[tokio::test]
    async fn migration_0023_counts_the_tasks_already_given_on_postgres() {
        on_postgres("0023", (BEFORE, COUNTERS), &rows(), read_back).await;
    }

    /// On a SQLite file: migrated up to `before`, given `rows`, then up to `after`, then
    /// opened (the rest applied) for `read_back`.
    pub(super) async fn on_sqlite(
        name: &str,
        (before, after): (i64, i64),
        rows: &[String],
        read_back: impl AsyncFn(&dyn Store, &str),
    ) {
        let mut db = SqliteAt::new(name).await;
        db.run_to(before).await;
        db.insert(rows).await;
        db.run_to(after).await;
        let (store, path) = db.open().await;
        read_back(&store, "sqlite").await;
        binhdan_store::OpsStore::close(&store).await;
        remove(&path);
    }

    /// [`on_sqlite`] on a PostgreSQL schema, when `BINHDAN_TEST_POSTGRES_URL` is set.
    pub(super) async fn on_postgres(
        name: &str,
        (before, after): (i64, i64),
        rows: &[String],
        read_back: impl AsyncFn(&dyn Store, &str),
    ) {
        let Some(mut db) = PostgresAt::new(&format!("mig{name}")).await else {
            return;
        };
        db.run_to(before).await;
        db.insert(rows).await;
        db.run_to(after).await;
        let (store, schema) = db.migrate().await;
        read_back(&store, "postgres").await;
        drop_schema(store, &schema).await;
    }
}

/// Migration 0026 on a database with tasks already given to an organisation's members:
/// migrated up to 0025, given the rows of 0023's test, an enterprise whose workers are people
/// 101 and 102 (103 is not a member) and their workers' sittings (a resit, a supervised one
/// the commune voided), then 0026: its counters are what a rebuild gives.
mod organisation_migration {
    use binhdan_core::kpi::Group;
    use binhdan_store::{ExamKind, Store, TaskFigure};

    use super::migration::{on_postgres, on_sqlite, sittings, tasks_agree, voided};
    use super::{SMS, TRANSFER};

    const BEFORE: i64 = 25;
    const COUNTERS: i64 = 26;
    const FIRM: i64 = 501;

    /// 101: placement 1/4 then exam 4/4 of the transfer; 102: exam 2/4 of the transfer, and a
    /// supervised 4/4 of the SMS task the commune voided; 103 (no member): exam 4/4.
    fn rows() -> Vec<String> {
        let mut rows = super::migration::rows();
        rows.push(format!(
            "INSERT INTO organisation (id, kind, code, name, name_key, unit_code, unit_path, created_at) \
             VALUES ({FIRM}, 'enterprise', '0101234567', 'Công ty Một', 'cong ty mot', '16591', '38/16591/', 0)"
        ));
        for person in [101, 102] {
            rows.push(format!(
                "INSERT INTO membership (person_id, organisation_id, grp, updated_at) \
                 VALUES ({person}, {FIRM}, 'worker', 0)"
            ));
        }
        rows.extend(sittings(
            "worker",
            &[
                (411, 101, "placement", TRANSFER, 1),
                (412, 101, "certification", TRANSFER, 4),
                (413, 102, "certification", TRANSFER, 2),
                (414, 102, "certification", SMS, 4),
                (415, 103, "certification", SMS, 4),
            ],
        ));
        rows.push(voided(414, 102));
        rows
    }

    /// The store, all migrations applied: the backfilled figures, and a rebuild that agrees.
    async fn read_back(store: &dyn Store, db: &str) {
        let figure = |task: &str, kind, tried, could| TaskFigure {
            group: Group::Worker,
            task_id: task.to_owned(),
            kind,
            tried,
            could,
        };
        assert_eq!(
            store.organisation_task_figures(FIRM, None).await.unwrap(),
            vec![
                figure(TRANSFER, ExamKind::Certification, 2, 2),
                figure(TRANSFER, ExamKind::Placement, 1, 0),
            ],
            "{db}"
        );
        tasks_agree(store, db, "organisation:").await;
    }

    #[tokio::test]
    async fn migration_0026_counts_the_tasks_organisations_members_did_on_sqlite() {
        on_sqlite("0026", (BEFORE, COUNTERS), &rows(), read_back).await;
    }

    #[tokio::test]
    async fn migration_0026_counts_the_tasks_organisations_members_did_on_postgres() {
        on_postgres("0026", (BEFORE, COUNTERS), &rows(), read_back).await;
    }
}

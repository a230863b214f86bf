//! Migrations on a database with data, not only on an empty one. 0022 (reviewing supervised
//! sittings) rebuilds `exam_pass` on SQLite under the certificates that reference it and adds
//! unique indexes: migrated up to 0021, given a supervised sitting the commune confirmed and
//! one it voided (each passed, with its pass and certificate, the voided one's revoked), then
//! 0022 alone; the rows keep their ids, values and references, the new columns are empty,
//! and once the later migrations are applied the store reads them back. Pinned to "up to 0021,
//! then 0022": a migration added after 0022 runs only after the checks of 0022. SQLite always,
//! PostgreSQL when `BINHDAN_TEST_POSTGRES_URL` is set.

use binhdan_core::kpi::Group;
use binhdan_store::Store;
use sqlx::Connection as _;

use super::at_migration::{PostgresAt, SqliteAt, drop_schema, remove};

/// The last migration before the one under test, and the one under test.
const BEFORE: i64 = 21;
const REVIEW: i64 = 22;

/// A sitting the commune confirmed (person 101, pass 201, certificate 301) and one it voided
/// (person 102, pass 202, certificate 302, revoked), as the code of migration 0021's time
/// wrote them. `{blob}` is a one-byte binary literal in the backend's spelling.
const ROWS: &[&str] = &[
    "INSERT INTO unit (code, parent_code, level, division_type, name, name_key, identity_key, path, province_code, created_at) \
     VALUES ('38', NULL, 'province', 'tinh', 'Thanh Hóa', 'thanh hoa', 'thanh hoa', '38/', '38', 0)",
    "INSERT INTO unit (code, parent_code, level, division_type, name, name_key, identity_key, path, province_code, created_at) \
     VALUES ('16591', '38', 'commune', 'xa', 'Xã Các Sơn', 'xa cac son', 'xa cac son', '38/16591/', '38', 0)",
    "INSERT INTO unit (code, parent_code, level, division_type, name, name_key, identity_key, path, province_code, created_at) \
     VALUES ('16591001', '16591', 'village', 'thon', 'Thôn Một', 'thon mot', 'thon mot', '38/16591/16591001/', '38', 0)",
    "INSERT INTO person (id, cccd_hash, cccd_sealed, cccd_masked, name, name_key, birth_year, sex, unit_code, unit_path, created_at, updated_at) \
     VALUES (101, {blob}1, {blob}1, '038*******01', 'Nguyễn Văn A', 'nguyen van a', 1960, 'male', '16591001', '38/16591/16591001/', 0, 0)",
    "INSERT INTO person (id, cccd_hash, cccd_sealed, cccd_masked, name, name_key, birth_year, sex, unit_code, unit_path, created_at, updated_at) \
     VALUES (102, {blob}2, {blob}2, '038*******02', 'Trần Thị Bình', 'tran thi binh', 1962, 'female', '16591001', '38/16591/16591001/', 0, 0)",
    "INSERT INTO staff_account (id, username, display_name, password_hash, created_at) \
     VALUES (11, 'thon-mot', 'Tổ trưởng Thôn Một', 'x', 0)",
    "INSERT INTO staff_account (id, username, display_name, password_hash, created_at) \
     VALUES (12, 'xa-16591', 'Cán bộ xã', 'x', 0)",
    "INSERT INTO issuer_key (id, public_key, seed_sealed, created_at) VALUES ('key-1', {blob}3, {blob}3, 0)",
    "INSERT INTO exam_attempt (id, person_id, grp, kind, state, answered, started_at, deadline_at, finished_at, theta, se, passed) \
     VALUES (401, 101, 'adult', 'certification', 'finished', 20, 1000, 4000, 2000, 0.75, 0.3, TRUE)",
    "INSERT INTO exam_attempt (id, person_id, grp, kind, state, answered, started_at, deadline_at, finished_at, theta, se, passed) \
     VALUES (402, 102, 'adult', 'certification', 'finished', 20, 1000, 4000, 1200, 1.25, 0.3, TRUE)",
    "INSERT INTO exam_pass (id, person_id, grp, attempt_id, theta, passed_at) VALUES (201, 101, 'adult', 401, 0.75, 2000)",
    "INSERT INTO exam_pass (id, person_id, grp, attempt_id, theta, passed_at) VALUES (202, 102, 'adult', 402, 1.25, 1200)",
    "INSERT INTO certificate (seq, id, pass_id, person_id, grp, key_id, jwt, issued_at) \
     VALUES (301, 'urn:uuid:cert-101', 201, 101, 'adult', 'key-1', 'jwt-101', 2100)",
    "INSERT INTO certificate (seq, id, pass_id, person_id, grp, key_id, jwt, issued_at, revoked_at, revoked_reason) \
     VALUES (302, 'urn:uuid:cert-102', 202, 102, 'adult', 'key-1', 'jwt-102', 1300, 5000, 'assisted sitting voided')",
    "INSERT INTO assisted_sitting (attempt_id, op, person_id, member_id, village_code, commune_code, device, via, attested_at, day, open, finished_at, passed, seconds, flags, review, reviewed_by, reviewed_at) \
     VALUES (401, 'sit-op-401', 101, 11, '16591001', '16591', 'device-1', 'card', 1000, 20000, FALSE, 2000, TRUE, 1000, '', 'confirmed', 12, 3000)",
    "INSERT INTO assisted_sitting (attempt_id, op, person_id, member_id, village_code, commune_code, device, via, attested_at, day, open, finished_at, passed, seconds, flags, review, reviewed_by, reviewed_at) \
     VALUES (402, 'sit-op-402', 102, 11, '16591001', '16591', 'device-1', 'list', 1000, 20000, FALSE, 1200, TRUE, 200, 'fast device', 'voided', 12, 5000)",
];

/// What the rows read after 0022: each pass (id, person, attempt, theta, `passed_at`,
/// `voided_at`), each certificate (seq, pass, `revoked_at`), each sitting (attempt, review,
/// reason, open).
type Pass = (i64, i64, i64, f64, i64, Option<i64>);
type Cert = (i64, i64, Option<i64>);
type Sitting = (i64, Option<String>, Option<String>, bool);

const PASSES: &str =
    "SELECT id, person_id, attempt_id, theta, passed_at, voided_at FROM exam_pass ORDER BY id";
const CERTS: &str = "SELECT seq, pass_id, revoked_at FROM certificate ORDER BY seq";
const SITTINGS: &str =
    "SELECT attempt_id, review, review_reason, open FROM assisted_sitting ORDER BY attempt_id";

fn expected() -> (Vec<Pass>, Vec<Cert>, Vec<Sitting>) {
    (
        vec![
            (201, 101, 401, 0.75, 2000, None),
            (202, 102, 402, 1.25, 1200, None),
        ],
        vec![(301, 201, None), (302, 202, Some(5000))],
        vec![
            (401, Some("confirmed".into()), None, false),
            (402, Some("voided".into()), None, false),
        ],
    )
}

/// 0022's rules on the migrated rows, each tried in a transaction rolled back: a second
/// current pass for a person is refused; once their pass is voided, a new one is taken; a
/// second open sitting for a person is refused, whoever supervises it. (A macro: the same
/// statements on either backend's connection.)
macro_rules! new_rules {
    ($conn:expr, $db:expr) => {{
        let attempt = |id: i64, person: i64| {
            format!(
                "INSERT INTO exam_attempt (id, person_id, grp, kind, state, started_at, deadline_at, finished_at, passed) \
                 VALUES ({id}, {person}, 'adult', 'certification', 'finished', 6000, 9000, 7000, TRUE)"
            )
        };
        let sitting = |id: i64, person: i64, member: i64| {
            format!(
                "INSERT INTO assisted_sitting (attempt_id, op, person_id, member_id, village_code, commune_code, device, via, attested_at, day) \
                 VALUES ({id}, 'sit-op-{id}', {person}, {member}, '16591001', '16591', 'device-2', 'card', 6000, 20001)"
            )
        };
        let run = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql));

        let mut tx = $conn.begin().await.unwrap();
        run(attempt(403, 101)).execute(&mut *tx).await.unwrap();
        let again = run("INSERT INTO exam_pass (id, person_id, grp, attempt_id, theta, passed_at) VALUES (203, 101, 'adult', 403, 1.0, 7000)".into())
            .execute(&mut *tx)
            .await;
        assert!(again.is_err(), "{}: a second current pass", $db);
        tx.rollback().await.unwrap();

        let mut tx = $conn.begin().await.unwrap();
        run("UPDATE exam_pass SET voided_at = 6000 WHERE id = 202".into()).execute(&mut *tx).await.unwrap();
        run(attempt(404, 102)).execute(&mut *tx).await.unwrap();
        run("INSERT INTO exam_pass (id, person_id, grp, attempt_id, theta, passed_at) VALUES (204, 102, 'adult', 404, 1.0, 7000)".into())
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{}: a pass after a voided one: {e}", $db));
        tx.rollback().await.unwrap();

        let mut tx = $conn.begin().await.unwrap();
        run(attempt(405, 101)).execute(&mut *tx).await.unwrap();
        run(attempt(406, 101)).execute(&mut *tx).await.unwrap();
        run(sitting(405, 101, 11)).execute(&mut *tx).await.unwrap();
        let second = run(sitting(406, 101, 12)).execute(&mut *tx).await;
        assert!(second.is_err(), "{}: a second open sitting for one person", $db);
        tx.rollback().await.unwrap();
    }};
}

/// Up to 0021 and nothing after it, the rows, then 0022 alone: the rows keep their ids,
/// values and references. (A macro, as `new_rules!`: the same steps on either backend's
/// database, [`SqliteAt`] or [`PostgresAt`].)
macro_rules! up_to_0022 {
    ($db:expr) => {{
        $db.run_to(BEFORE).await;
        let until = $db.versions_to(BEFORE);
        assert_eq!(
            $db.applied().await,
            until,
            "up to 0021 and nothing after it"
        );
        $db.insert(ROWS).await;

        $db.run_to(REVIEW).await;
        let applied = $db.applied().await;
        assert_eq!(applied.last(), Some(&REVIEW), "0022 and nothing after it");
        let passes: Vec<Pass> = sqlx::query_as(PASSES)
            .fetch_all(&mut $db.conn)
            .await
            .unwrap();
        let certs: Vec<Cert> = sqlx::query_as(CERTS)
            .fetch_all(&mut $db.conn)
            .await
            .unwrap();
        let sittings: Vec<Sitting> = sqlx::query_as(SITTINGS)
            .fetch_all(&mut $db.conn)
            .await
            .unwrap();
        assert_eq!((passes, certs, sittings), expected());
    }};
}

#[tokio::test]
async fn migration_0022_keeps_supervised_sittings_passes_and_certificates_on_sqlite() {
    let mut db = SqliteAt::new("0022").await;
    assert!(db.migrator.version_exists(REVIEW));
    up_to_0022!(db);
    // Every certificate still references its pass (the table was rebuilt under them).
    let broken: Vec<(String, i64)> =
        sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check")
            .fetch_all(&mut db.conn)
            .await
            .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    // The rebuilt table's rules: one attempt a pass; a second current pass refused; a new one
    // allowed once the old is voided.
    new_rules!(db.conn, "sqlite");

    // The rest of the migrations, then the store reads what was there.
    let (store, path) = db.open().await;
    read_back(&store, "sqlite").await;
    binhdan_store::OpsStore::close(&store).await;
    remove(&path);
}

#[tokio::test]
async fn migration_0022_keeps_supervised_sittings_passes_and_certificates_on_postgres() {
    let Some(mut db) = PostgresAt::new("mig0022").await else {
        return;
    };
    up_to_0022!(db);
    new_rules!(db.conn, "postgres");

    let (store, schema) = db.migrate().await;
    read_back(&store, "postgres").await;
    drop_schema(store, &schema).await;
}

/// The store, all migrations applied, reads the sittings, passes and certificates.
async fn read_back(store: &dyn Store, db: &str) {
    let confirmed = store.assisted_sitting(401).await.unwrap().unwrap();
    assert_eq!(
        (
            confirmed.person_name.as_str(),
            confirmed.member_name.as_str(),
            confirmed.review.as_deref(),
            confirmed.review_reason.as_deref(),
            confirmed.passed,
            confirmed.open,
        ),
        (
            "Nguyễn Văn A",
            "Tổ trưởng Thôn Một",
            Some("confirmed"),
            None,
            Some(true),
            false
        ),
        "{db}"
    );
    let voided = store.assisted_sitting(402).await.unwrap().unwrap();
    assert_eq!(voided.review.as_deref(), Some("voided"), "{db}");
    assert_eq!(voided.flags, ["fast", "device"], "{db}");
    let pass = store.exam_pass(101, Group::Adult).await.unwrap().unwrap();
    assert_eq!(
        (pass.id, pass.attempt_id, pass.passed_at.millis()),
        (201, 401, 2000),
        "{db}"
    );
    // Voided before 0022 existed: 0022 left the pass current, 0024 marks it voided at the
    // review's time, so it is no longer the person's pass (they may pass again); the pass row
    // and its revoked certificate stay.
    assert!(
        store.exam_pass(102, Group::Adult).await.unwrap().is_none(),
        "{db}"
    );
    assert_eq!(
        store
            .exam_pass_by_id(202)
            .await
            .unwrap()
            .map(|p| p.person_id),
        Some(102),
        "{db}"
    );
    let certs = store.certificates_of(102).await.unwrap();
    assert_eq!(certs.len(), 1, "{db}");
    assert_eq!(
        (
            certs[0].pass_id,
            certs[0].revoked_at.map(binhdan_core::Timestamp::millis)
        ),
        (202, Some(5000)),
        "{db}"
    );
    let certs = store.certificates_of(101).await.unwrap();
    assert_eq!((certs[0].seq, certs[0].revoked_at), (301, None), "{db}");
}

//! One decoding policy on both backends: a stored value that no writer of ours writes is
//! `StoreError::Corrupt`, naming its table, never a row silently left out of a list (nor a
//! grant silently left out of an account).

use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::Secret;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_store::testing::TestDb;
use binhdan_store::{AdultCutoff, NewStaff, PersonRecord, ResidentsQuery, StoreError, WriteMode};
use sqlx::Connection as _;

use super::{NOW, code, village, with_map};

/// Runs `sql` on the test's database behind the store's back, as a hand edit would.
async fn raw(db: &TestDb, sql: &'static str) {
    let url = db.config.url.expose();
    if db.name == "sqlite" {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        let schema = db.config.schema.clone().unwrap();
        sqlx::query("SELECT set_config('search_path', $1, false)")
            .bind(schema)
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
}

fn corrupt_in<T: std::fmt::Debug>(r: Result<T, StoreError>, table: &str, db: &str) {
    match r {
        Err(StoreError::Corrupt { table: t, detail }) => {
            assert_eq!(t, table, "{db}: {detail}");
        }
        other => panic!("{db}: expected a corrupt row in {table}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_counter_row_of_no_group_is_an_error_and_the_teams_figures_are_not() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let commune = code("16591");
        assert!(store.unit_counters(&commune).await.unwrap().is_empty());
        // The team's figures are no KPI group: readers of the groups' figures leave them out.
        raw(
            &db,
            "INSERT INTO unit_counter (unit_code, level, path, grp, metric, value) \
             VALUES ('16591', 'commune', '38/16591/', 'team', 'visits', 3)",
        )
        .await;
        assert!(store.unit_counters(&commune).await.unwrap().is_empty());
        assert!(store.learning_under(&commune).await.unwrap().is_empty());
        // A group no writer writes: the figures are refused, not shown without that row.
        raw(
            &db,
            "INSERT INTO unit_counter (unit_code, level, path, grp, metric, value) \
             VALUES ('16591', 'commune', '38/16591/', 'elder', 'skilled', 5)",
        )
        .await;
        corrupt_in(store.unit_counters(&commune).await, "unit_counter", db.name);
        corrupt_in(
            store.learning_under(&commune).await,
            "unit_counter",
            db.name,
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_grant_of_no_known_role_makes_the_account_unreadable_not_smaller() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let id = store
            .create_staff(
                &NewStaff {
                    username: "can-bo".into(),
                    display_name: "Cán bộ".into(),
                    password_hash: Secret::new("$argon2id$unused".into()),
                    totp_secret: None,
                    grants: vec![
                        Grant::new(Role::CommuneAdmin, Scope::Everywhere),
                        Grant::new(
                            Role::VillageFacilitator,
                            Scope::Unit {
                                path: "38/16591/16591001/".into(),
                            },
                        ),
                    ],
                },
                AuditEntry::new("test", "staff.create"),
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(store.staff(id).await.unwrap().unwrap().grants.len(), 2);
        raw(
            &db,
            "UPDATE staff_grant SET role = 'emperor' WHERE scope_kind = 'everywhere'",
        )
        .await;
        corrupt_in(store.staff(id).await, "staff_grant", db.name);
        corrupt_in(
            store.staff_by_username("can-bo").await,
            "staff_grant",
            db.name,
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_birth_year_that_does_not_fit_is_an_error_not_zero() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        store
            .create_villages(&[village("16591", "Thôn Một")], WriteMode::Commit, NOW)
            .await
            .unwrap();
        let mut import = store
            .begin_people_import(AdultCutoff(14_244), NOW)
            .await
            .unwrap();
        import
            .write(&[PersonRecord {
                cccd_hash: [7; 32],
                cccd_sealed: vec![1, 7],
                cccd_masked: "038*******07".into(),
                name: "Người Bảy".into(),
                birth_year: 1960,
                birth_day: None,
                sex: Sex::Female,
                unit: code("16591001"),
                phone: None,
                membership: None,
            }])
            .await
            .unwrap();
        import
            .commit(AuditEntry::new("cli", "person.import"))
            .await
            .unwrap();
        let id = store
            .person_by_cccd_hash(&[7; 32])
            .await
            .unwrap()
            .unwrap()
            .summary
            .id;
        let village = code("16591001");
        let everyone = ResidentsQuery {
            name: None,
            limit: 10,
            offset: 0,
        };
        assert_eq!(
            store.person(id).await.unwrap().unwrap().summary.birth_year,
            1960
        );
        assert_eq!(
            store
                .residents(&village, &everyone)
                .await
                .unwrap()
                .residents[0]
                .birth_year,
            1960
        );
        // A year no writer of ours writes (beyond `i32`): refused, never read as 0.
        raw(&db, "UPDATE person SET birth_year = 99999999999").await;
        corrupt_in(store.person(id).await, "person", db.name);
        corrupt_in(
            store.people_under("38/16591/", "", None, 10).await,
            "person",
            db.name,
        );
        corrupt_in(
            store.residents(&village, &everyone).await,
            "person",
            db.name,
        );
        db.cleanup().await;
    }
}

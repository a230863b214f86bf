//! Faults of the database server the store rides through by itself (PostgreSQL only): an
//! administrator's `pg_terminate_backend`, or a failover, ends every connection of the pool;
//! the next reads and writes get new connections without the caller doing anything.

use binhdan_store::testing::{POSTGRES_URL_VAR, TestDb};
use binhdan_store::{StoreError, UnitQuery};
use sqlx::Connection as _;

use super::{NOW, code, with_map};

#[tokio::test]
async fn ended_connections_are_replaced_without_an_error() {
    let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
        return; // SQLite has no server to end its connections
    };
    let db = TestDb::postgres(&url).await;
    let store = with_map(&db).await;
    store.probe_write(NOW).await.unwrap();
    let schema = db.config.schema.clone().unwrap();

    for round in 0..3 {
        // Another session ends every connection of this store, as an administrator would.
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        let ended: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1) ended",
        )
        .bind(format!("binhdan/{schema}"))
        .fetch_one(&mut admin)
        .await
        .unwrap();
        admin.close().await.unwrap();
        assert!(
            ended >= 1,
            "round {round}: no connection of the store was found"
        );

        // Reads and writes go on: each gets a connection that works, or at worst is told the
        // database is busy for a moment (503 with Retry-After), never another error.
        let mut busy = 0;
        for i in 0..20 {
            let outcomes = [
                store.ping().await.err(),
                store.probe_write(NOW).await.err(),
                store
                    .search_units(&UnitQuery {
                        text: "cam son".into(),
                        level: None,
                        within: None,
                        limit: 10,
                    })
                    .await
                    .err(),
                store.unit(&code("16591")).await.err(),
            ];
            for e in outcomes.into_iter().flatten() {
                match e {
                    StoreError::Busy(_) if i == 0 => busy += 1,
                    e => panic!("round {round}, call {i}: {e}"),
                }
            }
        }
        assert!(
            busy <= 4,
            "round {round}: {busy} calls were refused as busy"
        );
    }
    db.cleanup().await;
}

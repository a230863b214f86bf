//! Fresh databases for tests: a temporary SQLite file always, and a PostgreSQL schema of its
//! own when `BINHDAN_TEST_POSTGRES_URL` is set (CI sets it). Each test gets its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use binhdan_core::Secret;

use crate::postgres::PgStore;
use crate::sqlite::SqliteStore;
use crate::{Store, StoreConfig};

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "BINHDAN_TEST_POSTGRES_URL";

/// A database made for one test. Call [`TestDb::cleanup`] at the end to drop a PostgreSQL
/// schema; a SQLite file goes with its temporary directory.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub config: StoreConfig,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(PgStore, String)>,
}

impl TestDb {
    /// A new SQLite database in a temporary directory.
    pub async fn sqlite() -> Self {
        let dir =
            tempfile::tempdir().unwrap_or_else(|e| fail(&format!("temporary directory: {e}")));
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let config = StoreConfig {
            url: Secret::new(url),
            ..StoreConfig::default()
        };
        let store = SqliteStore::open(&config)
            .await
            .unwrap_or_else(|e| fail(&format!("open SQLite: {e}")));
        Self {
            store: Arc::new(store),
            config,
            name: "sqlite",
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A new schema in the PostgreSQL database at `url`.
    pub async fn postgres(url: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let schema = format!(
            "test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let base = StoreConfig {
            url: Secret::new(url.to_owned()),
            migrate_on_start: false,
            ..StoreConfig::default()
        };
        let admin = PgStore::open(&base)
            .await
            .unwrap_or_else(|e| fail(&format!("connect to PostgreSQL: {e}")));
        // A schema left by an earlier run of a process with the same id must not leak in.
        admin
            .drop_schema(&schema)
            .await
            .unwrap_or_else(|e| fail(&format!("drop schema: {e}")));
        crate::OpsStore::close(&admin).await;
        let config = StoreConfig {
            schema: Some(schema.clone()),
            migrate_on_start: true,
            max_connections: 4,
            ..base
        };
        let store = PgStore::open(&config)
            .await
            .unwrap_or_else(|e| fail(&format!("open PostgreSQL schema: {e}")));
        Self {
            store: Arc::new(store.clone()),
            config,
            name: "postgres",
            _dir: None,
            pg: Some((store, schema)),
        }
    }

    /// SQLite, and PostgreSQL when [`POSTGRES_URL_VAR`] is set.
    pub async fn all() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite().await];
        if let Ok(url) = std::env::var(POSTGRES_URL_VAR)
            && !url.is_empty()
        {
            dbs.push(Self::postgres(&url).await);
        }
        dbs
    }

    /// Drops the PostgreSQL schema and closes the pools.
    pub async fn cleanup(self) {
        if let Some((pg, schema)) = &self.pg {
            let _ = pg.drop_schema(schema).await;
        }
        self.store.close().await;
    }
}

#[track_caller]
fn fail(why: &str) -> ! {
    // Test set-up only: a database that cannot be made is the end of the test.
    #[allow(clippy::panic)]
    {
        panic!("test database: {why}")
    }
}

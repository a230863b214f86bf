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
/// schema; a SQLite file goes with its temporary directory. A schema that `cleanup` did not
/// drop (the test panicked, or never called it) is dropped when the `TestDb` is dropped.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    pub config: StoreConfig,
    pub name: &'static str,
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL schema, until it is dropped.
    pg: Option<PgSchema>,
}

/// A test's PostgreSQL schema: the store to drop it with, and the server's address to drop it
/// from a connection of its own when the test's runtime can no longer be awaited.
struct PgSchema {
    store: PgStore,
    name: String,
    url: Secret<String>,
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
            pg: Some(PgSchema {
                store,
                name: schema,
                url: Secret::new(url.to_owned()),
            }),
        }
    }

    /// SQLite, and PostgreSQL when [`POSTGRES_URL_VAR`] is set.
    pub async fn all() -> Vec<Self> {
        let mut dbs = vec![Self::sqlite().await];
        if let Some(url) = postgres_url() {
            dbs.push(Self::postgres(&url).await);
        }
        dbs
    }

    /// One database for a suite that runs once per backend: a PostgreSQL schema of its own
    /// when [`POSTGRES_URL_VAR`] is set, a SQLite file otherwise. Without `cleanup`, the
    /// schema is dropped when the `TestDb` is (a panicking test included).
    pub async fn from_env() -> Self {
        match postgres_url() {
            Some(url) => Self::postgres(&url).await,
            None => Self::sqlite().await,
        }
    }

    /// Whether this database is PostgreSQL: a test of something only SQLite has (a file on
    /// disk, its own faults) skips itself on it.
    #[must_use]
    pub fn is_postgres(&self) -> bool {
        self.name == "postgres"
    }

    /// Drops the PostgreSQL schema and closes the pools.
    pub async fn cleanup(mut self) {
        if let Some(pg) = &self.pg
            && pg.store.drop_schema(&pg.name).await.is_ok()
        {
            self.pg = None;
        }
        self.store.close().await;
        // Were the schema still there, `Drop` tries again on a connection of its own.
    }
}

impl Drop for TestDb {
    /// Drops the schema `cleanup` did not: a panicking test unwinds through here. The test's
    /// runtime cannot be awaited from `drop` (and a current-thread one is the thread we are
    /// on), so a thread of its own connects with a runtime of its own, ends what still holds
    /// locks in the schema (a transaction the panic left open) and drops it; this thread waits.
    fn drop(&mut self) {
        let Some(pg) = self.pg.take() else {
            return;
        };
        let PgSchema { store, name, url } = pg;
        drop(store);
        let schema = name.clone();
        let worker = std::thread::Builder::new()
            .name(format!("drop {name}"))
            .spawn(move || drop_schema_blocking(url.expose(), &schema));
        let outcome = match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err("the thread dropping it panicked".to_owned())),
            Err(e) => Err(format!("thread: {e}")),
        };
        if let Err(e) = outcome {
            // Not a panic: this may run while a test is already panicking.
            eprintln!("test database: could not drop schema {name}: {e}");
        }
    }
}

/// The PostgreSQL server for tests, when [`POSTGRES_URL_VAR`] names one.
#[must_use]
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether the PostgreSQL database at `url` still holds `schema` (a test's, after it ended).
pub async fn postgres_schema_exists(url: &str, schema: &str) -> bool {
    let pool = sqlx::PgPool::connect(url)
        .await
        .unwrap_or_else(|e| fail(&format!("connect to PostgreSQL: {e}")));
    let found: Option<(String,)> =
        sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname = $1")
            .bind(schema)
            .fetch_optional(&pool)
            .await
            .unwrap_or_else(|e| fail(&format!("look for schema {schema}: {e}")));
    pool.close().await;
    found.is_some()
}

/// Drops `schema` on its own connection and runtime (see `Drop for TestDb`).
fn drop_schema_blocking(url: &str, schema: &str) -> Result<(), String> {
    use sqlx::Connection as _;
    use std::str::FromStr as _;
    use std::time::Duration;

    // Only the names `postgres` makes: a plain identifier, safe to splice into SQL.
    let plain = schema.starts_with("test_")
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !plain {
        return Err("not a plain identifier".to_owned());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    runtime.block_on(async {
        let options =
            sqlx::postgres::PgConnectOptions::from_str(url).map_err(|e| format!("URL: {e}"))?;
        let mut conn = tokio::time::timeout(
            Duration::from_secs(30),
            sqlx::postgres::PgConnection::connect_with(&options),
        )
        .await
        .map_err(|_| "connect: timed out".to_owned())?
        .map_err(|e| format!("connect: {e}"))?;
        // Never wait long on a lock: end its holder and try again.
        sqlx::query("SET lock_timeout = '2s'")
            .execute(&mut conn)
            .await
            .map_err(|e| format!("lock_timeout: {e}"))?;
        let drop_sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        let mut last = String::new();
        for _ in 0..5 {
            // The sessions holding locks on the schema's objects: the test's own pools.
            sqlx::query(
                "SELECT pg_terminate_backend(pid) FROM ( \
                     SELECT DISTINCT l.pid FROM pg_locks l \
                     JOIN pg_class c ON c.oid = l.relation \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1 AND l.pid <> pg_backend_pid() \
                 ) holders",
            )
            .bind(schema)
            .execute(&mut conn)
            .await
            .map_err(|e| format!("end the sessions holding locks: {e}"))?;
            match sqlx::query(sqlx::AssertSqlSafe(drop_sql.clone()))
                .execute(&mut conn)
                .await
            {
                Ok(_) => {
                    let _ = conn.close().await;
                    return Ok(());
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    })
}

#[track_caller]
fn fail(why: &str) -> ! {
    // Test set-up only: a database that cannot be made is the end of the test.
    #[allow(clippy::panic)]
    {
        panic!("test database: {why}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::Mutex;

    use super::{POSTGRES_URL_VAR, TestDb, postgres_schema_exists as schema_exists};

    /// A test that panics on a current-thread runtime (as `#[tokio::test]` makes) while one of
    /// its connections holds a transaction with a lock in its schema: the schema goes anyway.
    #[test]
    fn a_panicking_test_drops_its_schema() {
        let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
            return;
        };
        if url.is_empty() {
            return;
        }
        let made = Mutex::new(None::<String>);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let db = TestDb::postgres(&url).await;
                let schema = db.config.schema.clone().unwrap();
                *made.lock().unwrap() = Some(schema.clone());
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                let mut tx = pool.begin().await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "LOCK TABLE {schema}.unit IN ACCESS EXCLUSIVE MODE"
                )))
                .execute(&mut *tx)
                .await
                .unwrap();
                assert!(schema_exists(&url, &schema).await);
                panic!("the test fails with its transaction open");
            });
        }));
        assert!(outcome.is_err(), "the inner test must have panicked");
        let schema = made.lock().unwrap().clone().expect("a schema was made");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        assert!(
            !runtime.block_on(schema_exists(&url, &schema)),
            "schema {schema} outlived its panicking test"
        );
    }

    /// `cleanup` still drops the schema itself, and `Drop` has nothing left to do.
    #[tokio::test]
    async fn cleanup_drops_the_schema() {
        let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
            return;
        };
        if url.is_empty() {
            return;
        }
        let db = TestDb::postgres(&url).await;
        let schema = db.config.schema.clone().unwrap();
        assert!(schema_exists(&url, &schema).await);
        db.cleanup().await;
        assert!(!schema_exists(&url, &schema).await);
    }
}

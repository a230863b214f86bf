//! A database at a given migration, for the tests of one migration on rows already there: a
//! SQLite temporary file or a PostgreSQL schema, a connection to it and the backend's sqlx
//! migrator, which the test runs up to the versions it wants.

use std::path::PathBuf;
use std::str::FromStr as _;

use binhdan_core::Secret;
use binhdan_store::StoreConfig;
use binhdan_store::postgres::PgStore;
use binhdan_store::sqlite::SqliteStore;
use binhdan_store::testing::POSTGRES_URL_VAR;
use sqlx::Connection as _;
use sqlx::migrate::Migrator;

/// The versions applied, in order.
const APPLIED: &str = "SELECT version FROM _sqlx_migrations ORDER BY version";

/// A SQLite file, nothing migrated until the test says.
pub(crate) struct SqliteAt {
    path: PathBuf,
    url: String,
    pub(crate) conn: sqlx::SqliteConnection,
    pub(crate) migrator: Migrator,
}

/// A PostgreSQL schema of its own, with a store opened on it without migrating, nothing
/// migrated until the test says.
pub(crate) struct PostgresAt {
    schema: String,
    store: PgStore,
    pub(crate) conn: sqlx::PgConnection,
    pub(crate) migrator: Migrator,
}

impl SqliteAt {
    /// A new file `binhdan-{name}-{pid}.db` in the temporary directory, foreign keys on.
    pub(crate) async fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("binhdan-{name}-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let url = format!("sqlite://{}", path.display());
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        let migrator: Migrator = sqlx::migrate!("./migrations/sqlite");
        Self {
            path,
            url,
            conn,
            migrator,
        }
    }

    /// Closes the connection and opens the store on the file, which applies the rest of the
    /// migrations. Call [`remove`] on the path once the store is closed.
    pub(crate) async fn open(self) -> (SqliteStore, PathBuf) {
        self.conn.close().await.unwrap();
        let config = StoreConfig {
            url: Secret::new(self.url),
            ..StoreConfig::default()
        };
        (SqliteStore::open(&config).await.unwrap(), self.path)
    }
}

/// Removes a file [`SqliteAt::open`] left.
pub(crate) fn remove(path: &PathBuf) {
    let _ = std::fs::remove_file(path);
}

impl PostgresAt {
    /// A new schema `test_{name}_{pid}`, when `BINHDAN_TEST_POSTGRES_URL` is set.
    pub(crate) async fn new(name: &str) -> Option<Self> {
        let url = std::env::var(POSTGRES_URL_VAR)
            .ok()
            .filter(|u| !u.is_empty())?;
        let schema = format!("test_{name}_{}", std::process::id());
        // Opened without migrating: the schema is made, nothing in it.
        let config = StoreConfig {
            url: Secret::new(url.clone()),
            schema: Some(schema.clone()),
            migrate_on_start: false,
            max_connections: 2,
        };
        let store = PgStore::open(&config).await.unwrap();
        store.drop_schema(&schema).await.unwrap();
        binhdan_store::OpsStore::close(&store).await;
        let store = PgStore::open(&config).await.unwrap();

        let options = sqlx::postgres::PgConnectOptions::from_str(&url)
            .unwrap()
            .options([("search_path", schema.as_str())]);
        let conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
        let mut migrator: Migrator = sqlx::migrate!("./migrations/postgres");
        migrator.set_locking(false);
        Some(Self {
            schema,
            store,
            conn,
            migrator,
        })
    }

    /// Closes the connection and applies the rest of the migrations through the store. Call
    /// [`drop_schema`] once done with it.
    pub(crate) async fn migrate(self) -> (PgStore, String) {
        self.conn.close().await.unwrap();
        binhdan_store::OpsStore::migrate(&self.store).await.unwrap();
        (self.store, self.schema)
    }
}

/// Drops the schema of a [`PostgresAt`] and closes its store.
pub(crate) async fn drop_schema(store: PgStore, schema: &str) {
    store.drop_schema(schema).await.unwrap();
    binhdan_store::OpsStore::close(&store).await;
}

/// What both backends do the same way on their own connection: run the migrations up to a
/// version, list those applied, insert rows whose `{blob}1` to `{blob}3` are one-byte binary
/// literals in the backend's spelling.
macro_rules! either_backend {
    ($at:ty, $blob:expr) => {
        impl $at {
            pub(crate) async fn run_to(&mut self, version: i64) {
                self.migrator.run_to(version, &mut self.conn).await.unwrap();
            }

            /// The versions applied, in order.
            pub(crate) async fn applied(&mut self) -> Vec<i64> {
                sqlx::query_scalar(APPLIED)
                    .fetch_all(&mut self.conn)
                    .await
                    .unwrap()
            }

            /// The migrator's versions up to `version`.
            pub(crate) fn versions_to(&self, version: i64) -> Vec<i64> {
                self.migrator
                    .iter()
                    .map(|m| m.version)
                    .filter(|v| *v <= version)
                    .collect()
            }

            pub(crate) async fn insert(&mut self, rows: &[impl AsRef<str>]) {
                let blob: fn(u8) -> String = $blob;
                for sql in rows {
                    let sql = sql
                        .as_ref()
                        .replace("{blob}1", &blob(1))
                        .replace("{blob}2", &blob(2))
                        .replace("{blob}3", &blob(3));
                    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                        .execute(&mut self.conn)
                        .await
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
            }
        }
    };
}

either_backend!(SqliteAt, |n| format!("x'0{n}'"));
either_backend!(PostgresAt, |n| format!("'\\x0{n}'::bytea"));

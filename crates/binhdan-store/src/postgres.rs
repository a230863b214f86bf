//! The PostgreSQL backend, for stateless servers at scale. The SQL is the same as SQLite's
//! (see `sql/`); it avoids advisory locks and server-specific features so it stays
//! portable to distributed PostgreSQL-wire engines.

#![allow(
    clippy::duplicate_mod,
    reason = "the shared SQL files are compiled once per backend, by design"
)]

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use self::learning::AnswerWriter;
use crate::prelude::*;

// The SQL of each area, written once in `sql/` and compiled here as modules of this
// backend, against its `Db`, `Backend` and `DIALECT` (`sqlite.rs` compiles the same files).
#[path = "sql/assessment.rs"]
mod assessment;
#[path = "sql/assist.rs"]
mod assist;
#[path = "sql/audit.rs"]
mod audit;
#[path = "sql/calibration.rs"]
mod calibration;
#[path = "sql/certificates.rs"]
mod certificates;
#[path = "sql/content.rs"]
mod content;
#[path = "sql/counters.rs"]
mod counters;
#[path = "sql/dashboard.rs"]
mod dashboard;
#[path = "sql/events.rs"]
mod events;
#[path = "sql/learning.rs"]
mod learning;
#[path = "sql/ops.rs"]
mod ops;
#[path = "sql/people.rs"]
mod people;
#[path = "sql/people_import.rs"]
mod people_import;
#[path = "sql/population.rs"]
mod population;
#[path = "sql/residents.rs"]
mod residents;
#[path = "sql/staff.rs"]
mod staff;
#[path = "sql/targets.rs"]
mod targets;
#[path = "sql/task_counters.rs"]
mod task_counters;
#[path = "sql/teams.rs"]
mod teams;
#[path = "sql/units.rs"]
mod units;

type Db = sqlx::Postgres;
const DIALECT: Dialect = Dialect::Postgres;

/// A store in a PostgreSQL database (or one schema of it).
#[derive(Clone, Debug)]
pub struct PgStore {
    read: PgPool,
    write: PgPool,
}
type Backend = PgStore;

impl PgStore {
    /// PostgreSQL takes concurrent writers: quiz answers are inserted directly.
    #[allow(
        clippy::unused_self,
        reason = "the same call as SQLite's, which has a queue"
    )]
    const fn answer_writer(&self) -> Option<&AnswerWriter> {
        None
    }
}

/// A schema name we accept: lower-case ASCII letters, digits and `_`, not starting with a digit.
fn valid_schema(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

impl PgStore {
    /// Connects, creates the configured schema if it is missing, and applies migrations if the
    /// configuration asks for it.
    pub async fn open(config: &StoreConfig) -> Result<Self> {
        let mut options = PgConnectOptions::from_str(config.url.expose())?;
        if let Some(schema) = &config.schema {
            if !valid_schema(schema) {
                return Err(sqlx::Error::Configuration(
                    format!("invalid schema name {schema:?}").into(),
                )
                .into());
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            // The name was checked above to be a plain identifier.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&admin)
            .await?;
            admin.close().await;
            options = options.options([("search_path", schema.as_str())]);
        }
        // Named in `pg_stat_activity`, so an operator (or a test) can tell this store's
        // connections from others: `binhdan`, or `binhdan/<schema>`.
        if options.get_application_name().is_none() {
            let name = config
                .schema
                .as_ref()
                .map_or_else(|| "binhdan".to_owned(), |s| format!("binhdan/{s}"));
            options = options.application_name(&name);
        }
        // A request waits at most 5 s for a connection (sqlx's default is 30 s, as long as the
        // request timeout): with the database down, a write is answered 503 `Retry-After`
        // promptly instead of a 408 after the whole request timeout.
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(2))
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect_with(options)
            .await?;
        let store = Self {
            read: pool.clone(),
            write: pool,
        };
        if config.migrate_on_start {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Drops a schema and everything in it (for tests that made their own).
    pub async fn drop_schema(&self, schema: &str) -> Result<()> {
        if valid_schema(schema) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&self.write)
            .await?;
        }
        Ok(())
    }
}

/// This backend's migrations, without advisory locks (see `StoreConfig::migrate_on_start`).
fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("./migrations/postgres");
    migrator.set_locking(false);
    migrator
}

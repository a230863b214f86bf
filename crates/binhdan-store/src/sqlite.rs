//! The SQLite backend: one database file in WAL mode, a single writer connection (SQLite
//! allows one writer at a time; queueing in our pool is cheaper than `SQLITE_BUSY` retries)
//! and a pool of read-only connections.

#![allow(
    clippy::duplicate_mod,
    reason = "the shared SQL files are compiled once per backend, by design"
)]

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use self::learning::{AnswerRow, AnswerWriter, insert_answers};
use crate::group_commit::{Batcher, GroupCommit, Limits};
use crate::prelude::*;

// The SQL of each area, written once in `sql/` and compiled here as modules of this
// backend, against its `Db`, `Backend` and `DIALECT` (`postgres.rs` compiles the same files).
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

type Db = sqlx::Sqlite;
const DIALECT: Dialect = Dialect::Sqlite;

/// A store in one SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    /// Quiz answers go through one group-commit writer ([`Answers`]).
    answers: AnswerWriter,
}
type Backend = SqliteStore;

impl SqliteStore {
    /// The group-commit writer of quiz answers.
    #[allow(
        clippy::unnecessary_wraps,
        reason = "the same call as PostgreSQL's, which has none"
    )]
    fn answer_writer(&self) -> Option<&AnswerWriter> {
        Some(&self.answers)
    }

    /// Opens (creating if needed) the database file and its directory, and applies
    /// migrations if the configuration asks for it.
    pub async fn open(config: &StoreConfig) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(config.url.expose())?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000");
        if let Some(dir) = options
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(StoreError::DataDir)?;
        }
        // The one writer gets a larger page cache (256 MiB, used only as it fills): a large
        // import inserts into random-order indexes (the CCCD hash) that outgrow 32 MiB.
        //
        // A writer whose transaction did not end cleanly is never reused: after a failed
        // COMMIT (a full disk: SQLite may roll back by itself) the ROLLBACK that follows can
        // fail too, and the connection would go on believing it is inside a transaction, so
        // every later "transaction" would be a savepoint of one that never commits, and
        // acknowledged writes would be lost. So on its way back to the pool the writer waits
        // for any queued rollback (`ping` goes through the same queue), then is closed and
        // replaced unless both sqlx and SQLite agree it is outside any transaction.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .after_release(|conn, _| {
                Box::pin(async move {
                    use sqlx::Connection as _;
                    conn.ping().await?;
                    if conn.is_in_transaction() {
                        tracing::warn!("the SQLite writer left a transaction open: replacing it");
                        return Ok(false);
                    }
                    // SQLite's own view: BEGIN fails inside a transaction.
                    if sqlx::raw_sql("BEGIN; ROLLBACK")
                        .execute(&mut *conn)
                        .await
                        .is_err()
                    {
                        tracing::warn!("the SQLite writer is inside a transaction: replacing it");
                        return Ok(false);
                    }
                    Ok(true)
                })
            })
            .connect_with(options.clone().pragma("cache_size", "-262144"))
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .connect_with(options.read_only(true))
            .await?;
        let answers = GroupCommit::start(
            "answer writer",
            Limits {
                batch: ANSWER_BATCH,
                queue: 4 * ANSWER_BATCH,
            },
            Answers {
                pool: write.clone(),
            },
        );
        let store = Self {
            read,
            write,
            answers,
        };
        if config.migrate_on_start {
            store.migrate().await?;
        }
        Ok(store)
    }
}

/// At most this many answers per statement.
const ANSWER_BATCH: usize = 64;

/// Quiz answers on SQLite, whose one writer would otherwise take them one statement at a
/// time: whatever answers are waiting go in one statement, and each request hears whether its
/// answer went in. Two answers of one attempt never share a statement (the trigger moves the
/// attempt on row by row), so the later waits for the next.
struct Answers {
    pool: sqlx::Pool<Db>,
}

impl Batcher for Answers {
    type Item = AnswerRow;
    type Done = bool;

    fn apart(&self, row: &AnswerRow) -> Option<i64> {
        Some(row.attempt_id)
    }

    async fn commit(&self, rows: &[AnswerRow]) -> Result<Vec<bool>> {
        let refs: Vec<&AnswerRow> = rows.iter().collect();
        let done = insert_answers(&self.pool, &refs).await?;
        Ok(rows
            .iter()
            .map(|r| done.contains(&(r.attempt_id, r.item_id.clone())))
            .collect())
    }
}

/// This backend's migrations.
fn migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/sqlite")
}

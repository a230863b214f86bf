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

use self::learning::{AnswerJob, AnswerRow, insert_answers};
use crate::prelude::*;

// The SQL of each area, written once in `shared/` and compiled here as modules of this
// backend, against its `Db`, `Backend` and `DIALECT` (`postgres.rs` compiles the same files).
#[path = "shared/assessment.rs"]
mod assessment;
#[path = "shared/assist.rs"]
mod assist;
#[path = "shared/audit.rs"]
mod audit;
#[path = "shared/certificates.rs"]
mod certificates;
#[path = "shared/content.rs"]
mod content;
#[path = "shared/counters.rs"]
mod counters;
#[path = "shared/dashboard.rs"]
mod dashboard;
#[path = "shared/events.rs"]
mod events;
#[path = "shared/learning.rs"]
mod learning;
#[path = "shared/ops.rs"]
mod ops;
#[path = "shared/people.rs"]
mod people;
#[path = "shared/people_import.rs"]
mod people_import;
#[path = "shared/population.rs"]
mod population;
#[path = "shared/staff.rs"]
mod staff;
#[path = "shared/targets.rs"]
mod targets;
#[path = "shared/teams.rs"]
mod teams;
#[path = "shared/units.rs"]
mod units;

type Db = sqlx::Sqlite;
const DIALECT: Dialect = Dialect::Sqlite;

/// A store in one SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    /// Quiz answers go through one batching writer ([`answer_writer`]).
    answers: tokio::sync::mpsc::Sender<AnswerJob>,
}
type Backend = SqliteStore;

impl SqliteStore {
    /// The batching writer's queue of quiz answers.
    #[allow(
        clippy::unnecessary_wraps,
        reason = "the same call as PostgreSQL's, which has none"
    )]
    fn answer_queue(&self) -> Option<&tokio::sync::mpsc::Sender<AnswerJob>> {
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
        let (answers, queue) = tokio::sync::mpsc::channel(4 * ANSWER_BATCH);
        tokio::spawn(answer_writer(write.clone(), queue));
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

/// The batching writer (SQLite, whose one writer would otherwise take answers one statement
/// at a time): it takes whatever answers are waiting, inserts them in one statement, and tells
/// each request whether its answer went in. A failed batch is retried answer by answer, so
/// each request gets its own result.
async fn answer_writer(pool: sqlx::Pool<Db>, mut queue: tokio::sync::mpsc::Receiver<AnswerJob>) {
    let mut carried: std::collections::VecDeque<AnswerJob> = std::collections::VecDeque::new();
    loop {
        let first = match carried.pop_front() {
            Some(j) => j,
            None => match queue.recv().await {
                Some(j) => j,
                None => return,
            },
        };
        let mut attempts = std::collections::HashSet::from([first.row.attempt_id]);
        let mut batch = vec![first];
        // The answers carried over, looked at once each (in order): those of an attempt not
        // yet in the batch join it, the others wait for the next one. (Taking them back in
        // a loop spun for ever when every carried answer was of an attempt in the batch:
        // two answers of one attempt arriving together, as a resent offline queue does.)
        let mut waiting = std::collections::VecDeque::with_capacity(carried.len());
        while let Some(next) = carried.pop_front() {
            if batch.len() < ANSWER_BATCH && attempts.insert(next.row.attempt_id) {
                batch.push(next);
            } else {
                waiting.push_back(next);
            }
        }
        carried = waiting;
        while batch.len() < ANSWER_BATCH && carried.len() <= ANSWER_BATCH {
            let Ok(next) = queue.try_recv() else {
                break;
            };
            if attempts.insert(next.row.attempt_id) {
                batch.push(next);
            } else {
                carried.push_back(next);
            }
        }
        let rows: Vec<&AnswerRow> = batch.iter().map(|j| &j.row).collect();
        match insert_answers(&pool, &rows).await {
            Ok(done) => {
                for j in batch {
                    let went_in = done.contains(&(j.row.attempt_id, j.row.item_id.clone()));
                    let _ = j.done.send(Ok(went_in));
                }
            }
            Err(_) => {
                for j in batch {
                    let one = insert_answers(&pool, &[&j.row]).await;
                    let _ = j.done.send(one.map(|d| !d.is_empty()));
                }
            }
        }
    }
}

/// This backend's migrations.
fn migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/sqlite")
}

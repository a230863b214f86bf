//! Storage for Bình Dân: the only crate that knows SQL.
//!
//! The rest of the system sees the [`Store`] trait (made of one trait per area, such as
//! [`UnitStore`]). Each area's trait and the records it takes and returns are declared in a
//! module of their own (`src/api/<area>.rs`) and re-exported here, so every path is
//! `binhdan_store::X`. There are two backends, [`sqlite::SqliteStore`] (the default: one file,
//! one writer, a pool of readers) and [`postgres::PgStore`] (stateless servers at scale). Their
//! SQL is written once: each area's implementation lives in `src/sql/<area>.rs` and is
//! compiled into both backends, as a module of each, against that backend's `Db` type and
//! [`Dialect`]. Where the two dialects differ, the code branches on `DIALECT`.
//!
//! Migrations live in `migrations/{sqlite,postgres}` with identical names; both are applied
//! on every test run.

use std::sync::Arc;

use binhdan_core::unit::UnitError;

mod api;
pub mod config;
pub mod group_commit;
pub mod postgres;
mod prelude;
mod rows;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

pub use api::assessment::*;
pub use api::assist::*;
pub use api::certificates::*;
pub use api::content::*;
pub use api::counters::*;
pub use api::dashboard::*;
pub use api::events::*;
pub use api::learning::*;
pub use api::ops::*;
pub use api::people::*;
pub use api::population::*;
pub use api::residents::*;
pub use api::staff::*;
pub use api::targets::*;
pub use api::teams::*;
pub use api::units::*;
pub use config::StoreConfig;

/// Which backend a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Errors of the store. Database errors are for logs and operators, never shown to users as
/// they are; refusals carry what the user needs to fix their input.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// The disk (or the database's quota) is full: nothing of the write was kept. Answered
    /// 507 with `Retry-After`; the writer recovers by itself once space returns.
    #[error("storage full: {0}")]
    Full(sqlx::Error),
    /// The database is busy (a lock held by a long import, a pool at capacity) or unreachable
    /// for now: nothing of the write was kept, the same request may succeed later (503).
    #[error("busy: {0}")]
    Busy(sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL scheme (expected sqlite: or postgres:)")]
    UnsupportedUrl,
    #[error("could not create the data directory: {0}")]
    DataDir(std::io::Error),
    #[error("refused: {} rows", .0.len())]
    Rejected(Vec<RowRefusal>),
    /// A unique value already taken (a username, an organisation's code).
    #[error("already exists: {0}")]
    Conflict(&'static str),
    /// A reference to something that does not exist (a unit, an organisation, an event…).
    #[error("no such {0}")]
    NotFound(Entity),
    /// A stored row that does not decode: a value no writer of ours writes (the database was
    /// edited by hand, or by a newer release). Reads refuse it rather than skip the row, so a
    /// list never silently loses what is in the database; it is logged where it is handled.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
    /// A writer that no longer runs: the check-in desk's after shutdown, an import already
    /// committed. Nothing of the write was kept.
    #[error("{0} has stopped")]
    Stopped(&'static str),
    /// No signing key to issue a certificate with.
    #[error("no issuer key")]
    NoIssuerKey,
    /// Signing a certificate failed (nothing was stored).
    #[error("signing: {0}")]
    Signing(String),
}

/// What a reference named that does not exist ([`StoreError::NotFound`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Unit,
    /// A unit that is not a commune, where a commune is needed.
    Commune,
    /// A unit that is not a village, where a village is needed.
    Village,
    Organisation,
    Person,
    StaffAccount,
    /// An enabled staff account to host a bridge point.
    Host,
    Event,
    BridgePoint,
    Course,
    Module,
    Lesson,
    /// A village team's class.
    Class,
    AssistedSitting,
}

impl Entity {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Commune => "commune",
            Self::Village => "village",
            Self::Organisation => "organisation",
            Self::Person => "person",
            Self::StaffAccount => "staff account",
            Self::Host => "host",
            Self::Event => "event",
            Self::BridgePoint => "bridge point",
            Self::Course => "course",
            Self::Module => "module",
            Self::Lesson => "lesson",
            Self::Class => "class",
            Self::AssistedSitting => "assisted sitting",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StoreError {
    /// A row of `table` that does not decode; `detail` says which value (never personal data).
    pub(crate) fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            table,
            detail: detail.to_string(),
        }
    }
}

/// A row of a batch that the store refused, by its index in the batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowRefusal {
    pub index: usize,
    pub error: UnitError,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    /// Sorts database errors by what the caller can do about them: a full disk and a busy or
    /// absent database are told apart from faults, so that they are answered 507 and 503 with
    /// `Retry-After` rather than a bare 500.
    fn from(e: sqlx::Error) -> Self {
        match classify(&e) {
            Fault::Full => Self::Full(e),
            Fault::Busy => Self::Busy(e),
            Fault::Other => Self::Database(e),
        }
    }
}

/// What kind of failure a database error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Full,
    Busy,
    Other,
}

fn classify(e: &sqlx::Error) -> Fault {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or_default();
            // SQLite reports (extended) result codes as numbers: the primary code is the low
            // byte. PostgreSQL reports SQLSTATEs.
            if let Ok(n) = code.parse::<i64>() {
                match n & 0xff {
                    // SQLITE_FULL
                    13 => Fault::Full,
                    // SQLITE_BUSY, SQLITE_LOCKED
                    5 | 6 => Fault::Busy,
                    _ => Fault::Other,
                }
            } else {
                match code {
                    // disk_full
                    "53100" => Fault::Full,
                    // insufficient_resources, out_of_memory, too_many_connections,
                    // lock_not_available, serialization_failure, deadlock_detected,
                    // admin_shutdown, crash_shutdown, cannot_connect_now
                    "53000" | "53200" | "53300" | "55P03" | "40001" | "40P01" | "57P01"
                    | "57P02" | "57P03" => Fault::Busy,
                    _ => Fault::Other,
                }
            }
        }
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => Fault::Busy,
        _ => Fault::Other,
    }
}

/// The whole store, as the application uses it.
pub trait Store:
    UnitStore
    + PopulationStore
    + ContentStore
    + LearningStore
    + CalibrationStore
    + AssessmentStore
    + CertificateStore
    + PeopleStore
    + StaffStore
    + TargetStore
    + DashboardStore
    + CounterStore
    + EventStore
    + AuditStore
    + OpsStore
    + TeamStore
    + ResidentStore
    + AssistStore
{
}
impl<T> Store for T where
    T: UnitStore
        + PopulationStore
        + ContentStore
        + LearningStore
        + CalibrationStore
        + AssessmentStore
        + CertificateStore
        + PeopleStore
        + StaffStore
        + TargetStore
        + DashboardStore
        + CounterStore
        + EventStore
        + AuditStore
        + OpsStore
        + TeamStore
        + ResidentStore
        + AssistStore
{
}

/// Opens the store named by the configuration: `sqlite:` or `postgres:` URLs.
pub async fn connect(config: &StoreConfig) -> Result<Arc<dyn Store>> {
    let url = config.url.expose();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(config).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PgStore::open(config).await?))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

//! Storage for Bình Dân: the only crate that knows SQL.
//!
//! The rest of the system sees the [`Store`] trait (made of one trait per area, such as
//! [`UnitStore`]). There are two backends, [`sqlite::SqliteStore`] (the default: one file, one
//! writer, a pool of readers) and [`postgres::PgStore`] (stateless servers at scale). Their SQL
//! is written once: each area's implementation lives in `src/shared/*.rs` and is compiled into
//! both backend modules with `include!`, against that module's `Db` type and [`Dialect`].
//! Where the two dialects differ, the code branches on `DIALECT`.
//!
//! Migrations live in `migrations/{sqlite,postgres}` with identical names; both are applied
//! on every test run.

use std::sync::Arc;

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::demo::PopulationFigure;
use binhdan_core::kpi::Group;
use binhdan_core::reference::AdminUnit;
use binhdan_core::unit::{DivisionType, Unit, UnitCode, UnitError, UnitLevel, UnitName};

pub mod config;
pub mod postgres;
mod prelude;
mod rows;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;

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
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL scheme (expected sqlite: or postgres:)")]
    UnsupportedUrl,
    #[error("could not create the data directory: {0}")]
    DataDir(std::io::Error),
    #[error("refused: {} rows", .0.len())]
    Rejected(Vec<RowRefusal>),
}

/// A row of a batch that the store refused, by its index in the batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowRefusal {
    pub index: usize,
    pub error: UnitError,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A search over units.
#[derive(Clone, Debug, Default)]
pub struct UnitQuery {
    /// Free text, matched without regard to case or diacritics.
    pub text: String,
    pub level: Option<UnitLevel>,
    /// Only units in this unit's subtree (itself included).
    pub within: Option<UnitCode>,
    pub limit: u32,
}

/// A village to create under a commune.
#[derive(Clone, Debug)]
pub struct NewVillage {
    pub commune: UnitCode,
    pub name: UnitName,
    pub division_type: DivisionType,
}

/// Whether a batch is written or only checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    Commit,
    /// Run every check inside a transaction and roll it back.
    DryRun,
}

/// How many units of each level a subtree holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SubtreeCounts {
    pub communes: u64,
    pub villages: u64,
}

/// Administrative units.
#[async_trait]
pub trait UnitStore: Send + Sync {
    /// Loads the official provinces and communes; units already present are left as they are.
    /// Returns how many were added.
    async fn load_admin_units(&self, units: &[AdminUnit], now: Timestamp) -> Result<u64>;
    async fn unit(&self, code: &UnitCode) -> Result<Option<Unit>>;
    /// The units with these codes (unknown codes are skipped), in code order.
    async fn units_by_codes(&self, codes: &[UnitCode]) -> Result<Vec<Unit>>;
    /// The unit and its ancestors, from the province down.
    async fn lineage(&self, code: &UnitCode) -> Result<Vec<Unit>>;
    /// Direct children, by code; the provinces when `parent` is `None`.
    async fn children(&self, parent: Option<&UnitCode>) -> Result<Vec<Unit>>;
    /// Units under `root` (not itself), optionally of one level, in code order, after the
    /// cursor `after`, at most `limit`: one range scan on the path index.
    async fn descendants(
        &self,
        root: &UnitCode,
        level: Option<UnitLevel>,
        after: Option<&UnitCode>,
        limit: u32,
    ) -> Result<Vec<Unit>>;
    async fn subtree_counts(&self, root: &UnitCode) -> Result<SubtreeCounts>;
    async fn search_units(&self, query: &UnitQuery) -> Result<Vec<Unit>>;
    /// Creates villages, all or nothing: if any is refused (unknown commune, a name the
    /// commune already has), nothing is written and every refusal is returned.
    async fn create_villages(
        &self,
        villages: &[NewVillage],
        mode: WriteMode,
        now: Timestamp,
    ) -> Result<Vec<Unit>>;
}

/// Official population figures (the denominators of the KPIs).
#[async_trait]
pub trait PopulationStore: Send + Sync {
    /// Sets figures, replacing earlier ones for the same unit and group, in one transaction.
    async fn set_population(
        &self,
        figures: &[PopulationFigure],
        source: &str,
        now: Timestamp,
    ) -> Result<u64>;
    /// The sum of the figures in a unit's subtree, per group.
    async fn population_under(&self, root: &UnitCode) -> Result<Vec<(Group, u64)>>;
}

/// What a content load changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ContentLoadReport {
    pub courses: u64,
    pub lessons_added: u64,
    pub lessons_changed: u64,
    pub lessons_retired: u64,
    pub items_added: u64,
    pub items_changed: u64,
    pub items_retired: u64,
    pub assets: u64,
}

/// A course as listed to learners and staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseSummary {
    pub id: String,
    pub version: u32,
    pub group: String,
    pub title: String,
    pub summary: String,
    pub modules: u64,
    pub lessons: u64,
}

/// A lesson in a course's outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonRef {
    pub id: String,
    pub title: String,
    pub minutes: u32,
}

/// A module of a course, with its lessons in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleOutline {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub lessons: Vec<LessonRef>,
}

/// A course with its outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseOutline {
    pub course: CourseSummary,
    pub modules: Vec<ModuleOutline>,
}

/// A lesson to read, with where it sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonPage {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    pub competence: String,
    pub step: String,
    pub html: String,
    pub course_id: String,
    pub course_title: String,
    pub module_title: String,
    /// The lessons before and after it in the course, if any.
    pub previous: Option<LessonRef>,
    pub next: Option<LessonRef>,
}

/// The curriculum (see `content/README.md`).
#[async_trait]
pub trait ContentStore: Send + Sync {
    /// Loads a whole, validated pack in one transaction. Ids are stable: a lesson or item
    /// whose text changed gets a new revision; one that left the pack is retired, never
    /// deleted, so progress and responses keep their references.
    async fn load_content(
        &self,
        pack: &binhdan_content::Pack,
        now: Timestamp,
    ) -> Result<ContentLoadReport>;
    /// The active courses, in the pack's order.
    async fn courses(&self) -> Result<Vec<CourseSummary>>;
    /// A course and its outline (active modules and lessons, in order).
    async fn course_outline(&self, id: &str) -> Result<Option<CourseOutline>>;
    /// A lesson with its neighbours in the course.
    async fn lesson_page(&self, id: &str) -> Result<Option<LessonPage>>;
    /// An image of the pack, by its path.
    async fn content_asset(&self, path: &str) -> Result<Option<Vec<u8>>>;
}

/// Health and maintenance.
#[async_trait]
pub trait OpsStore: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// A round trip to the database, for `/readyz`.
    async fn ping(&self) -> Result<()>;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;
    /// Closes the pools, waiting for connections in use.
    async fn close(&self);
}

/// The whole store, as the application uses it.
pub trait Store: UnitStore + PopulationStore + ContentStore + OpsStore {}
impl<T: UnitStore + PopulationStore + ContentStore + OpsStore> Store for T {}

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

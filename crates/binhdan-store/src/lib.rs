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
use binhdan_auth::access::Grant;
use binhdan_core::Secret;
use binhdan_core::Timestamp;
use binhdan_core::audit::{AuditEntry, AuditRecord};
use binhdan_core::cccd::Sex;
use binhdan_core::demo::PopulationFigure;
use binhdan_core::kpi::{Group, Kpi, Target};
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
    /// A reference to something that does not exist (a unit, an organisation).
    #[error("unknown {0}")]
    Unknown(&'static str),
    /// No signing key to issue a certificate with.
    #[error("no issuer key")]
    NoIssuerKey,
    /// Signing a certificate failed (nothing was stored).
    #[error("signing: {0}")]
    Signing(String),
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
    pub module_id: String,
    /// Whether it is the module's last lesson (the module's quiz comes next).
    pub last_in_module: bool,
    /// The lessons before and after it in the course, if any.
    pub previous: Option<LessonRef>,
    pub next: Option<LessonRef>,
}

/// A module's quiz: its items, as loaded, with their revisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleQuiz {
    pub module_id: String,
    pub module_title: String,
    pub course_id: String,
    pub course_title: String,
    pub items: Vec<(binhdan_content::Item, u32)>,
}

/// One item of an attempt as it is shown: which item, which revision, its options' order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlannedItem {
    pub item_id: String,
    pub revision: u32,
    pub order: Vec<usize>,
}

/// A recorded answer of an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerRecord {
    pub item_id: String,
    pub reply: binhdan_content::quiz::Reply,
    pub correct: bool,
}

/// A quiz attempt: its plan and how far it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub id: i64,
    pub person_id: i64,
    pub module_id: String,
    pub plan: Vec<PlannedItem>,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Questions answered: they are answered in order, so the next is `plan[answered]`.
    pub answered: u32,
    pub correct: u32,
    pub passed: Option<bool>,
}

impl Attempt {
    /// The next question, with its position, if any is left.
    #[must_use]
    pub fn next_item(&self) -> Option<(usize, &PlannedItem)> {
        if self.finished_at.is_some() {
            return None;
        }
        let at = usize::try_from(self.answered).ok()?;
        self.plan.get(at).map(|p| (at, p))
    }
}

/// An answer to record: to the question at `position` of the attempt's plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAnswer {
    pub item_id: String,
    pub position: u32,
    pub revision: u32,
    /// Whether it is the plan's last question (the attempt then finishes).
    pub last: bool,
    pub reply: binhdan_content::quiz::Reply,
    pub correct: bool,
    /// Milliseconds the learner took.
    pub elapsed_ms: i64,
}

/// How a finished attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    pub passed: bool,
    pub correct: u32,
}

/// What recording an answer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// Recorded: `answered` questions so far; `finished` when it was the last one.
    Recorded {
        answered: u32,
        finished: Option<Finished>,
    },
    /// That question of the attempt was already answered: nothing changed.
    Duplicate,
    /// Not the attempt's current question (or not the learner's attempt, or it is over):
    /// nothing changed.
    NotInAttempt,
}

/// What completing a lesson did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LessonDone {
    /// False if the lesson was already done (nothing moved).
    pub newly: bool,
    /// Whether this completed the learner's course (lessons and quizzes).
    pub course_completed: bool,
}

/// A learner's standing in one course.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CourseProgress {
    /// The active lessons done.
    pub lessons_done: Vec<String>,
    /// Modules whose quiz was passed.
    pub quizzes_passed: Vec<String>,
    pub completed: bool,
}

/// Lessons, quizzes and progress. Every fact moves the counters of the learner's units and
/// organisations in its own transaction (see `shared/learning.rs` for the metrics).
#[async_trait]
pub trait LearningStore: Send + Sync {
    async fn complete_lesson(
        &self,
        person: i64,
        lesson_id: &str,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<LessonDone>;
    async fn course_progress(&self, person: i64, course_id: &str) -> Result<CourseProgress>;
    /// The module's active quiz items, in the pack's order; `None` for an unknown module.
    async fn module_quiz(&self, module_id: &str) -> Result<Option<ModuleQuiz>>;
    /// The answers recorded in an attempt, in order.
    async fn attempt_answers(&self, id: i64) -> Result<Vec<AnswerRecord>>;
    /// Finishes an attempt whose every question is answered (once: later calls return how it
    /// ended); the first pass of a module and a completed course move the counters. `None` if
    /// the attempt is not the person's or still has questions.
    async fn finish_attempt(
        &self,
        attempt_id: i64,
        person: i64,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<Finished>>;
    /// The person's unfinished attempt at the module's quiz, if any.
    async fn open_attempt(&self, person: i64, module_id: &str) -> Result<Option<Attempt>>;
    async fn create_attempt(
        &self,
        person: i64,
        module_id: &str,
        plan: &[PlannedItem],
        now: Timestamp,
    ) -> Result<Attempt>;
    async fn attempt(&self, id: i64) -> Result<Option<Attempt>>;
    /// Records the answer to the current question of `person`'s attempt (once) in one
    /// statement and, on the last question, finishes the attempt (`finish_attempt`). The caller
    /// has checked that `answer.item_id` sits at `answer.position` of the plan; the store
    /// checks that it is the current question of an open attempt of that person.
    async fn record_answer(
        &self,
        attempt_id: i64,
        person: i64,
        answer: &NewAnswer,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<AnswerOutcome>;
    /// The learning counters of a unit's subtree, per group and metric, summed from the
    /// communes' rows (a province, a commune) or read from the village's: O(units), never a
    /// scan of people.
    async fn learning_under(&self, root: &UnitCode) -> Result<Vec<(Group, String, i64)>>;
    /// How many answers have been recorded, in all.
    async fn answers_recorded(&self) -> Result<u64>;
    /// Counters of one unit (village or commune), per group and metric.
    async fn unit_counters(&self, unit: &UnitCode) -> Result<Vec<(Group, String, i64)>>;
}

/// One recorded answer, as calibration reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoredResponse {
    pub person_id: i64,
    pub item_id: String,
    pub item_revision: u32,
    pub correct: bool,
}

/// Which test a sitting is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExamKind {
    /// The short test a learner takes when they start: their ability before learning.
    Placement,
    /// The certification exam: a pass earns the certificate.
    Certification,
}

impl ExamKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Placement => "placement",
            Self::Certification => "certification",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "placement" => Some(Self::Placement),
            "certification" => Some(Self::Certification),
            _ => None,
        }
    }
}

/// An item the exam may give.
#[derive(Clone, Debug, PartialEq)]
pub struct ExamItem {
    pub item: binhdan_content::Item,
    pub revision: u32,
    /// From the course's exam list (never shown in a quiz), not a quiz item.
    pub exam_only: bool,
}

/// One sitting of a placement test or a certification exam.
#[derive(Clone, Debug, PartialEq)]
pub struct ExamAttempt {
    pub id: i64,
    pub person_id: i64,
    pub group: Group,
    pub kind: ExamKind,
    /// The calibration version in force when it started (`None`: provisional parameters).
    pub calibration: Option<i64>,
    /// The adaptive session (JSON, owned by the application).
    pub state: String,
    pub answered: u32,
    pub started_at: Timestamp,
    pub deadline_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub theta: Option<f64>,
    pub se: Option<f64>,
    pub passed: Option<bool>,
    pub timed_out: bool,
}

/// A new sitting, as the application prepared it (its first item chosen).
#[derive(Clone, Debug)]
pub struct NewExamAttempt<'a> {
    pub person_id: i64,
    pub group: Group,
    pub kind: ExamKind,
    pub calibration: Option<i64>,
    pub state: &'a str,
    pub deadline_at: Timestamp,
}

/// How often the certification exam may be sat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExamLimits {
    /// Sittings within `window_ms`.
    pub max_attempts: u32,
    pub window_ms: i64,
    /// Wait after a failed sitting.
    pub cooldown_ms: i64,
}

/// What asking to start a sitting did.
#[derive(Clone, Debug, PartialEq)]
pub enum ExamStart {
    Started(ExamAttempt),
    /// A sitting of that kind is open: go on with it (its deadline may have passed).
    Open(ExamAttempt),
    /// The certification exam is passed already.
    AlreadyPassed,
    /// The placement test is taken once, before any certification sitting.
    PlacementClosed,
    /// A failed sitting was too recent.
    CoolingDown {
        until: Timestamp,
    },
    /// Every sitting of the window is used.
    NoAttemptsLeft {
        until: Timestamp,
    },
}

/// One answer to the current item of a sitting, with the session as it is after it.
#[derive(Clone, Debug)]
pub struct ExamAnswer<'a> {
    /// The position answered: must be the sitting's `answered`.
    pub position: u32,
    pub item_id: &'a str,
    pub revision: u32,
    /// The reply, as JSON.
    pub reply: &'a str,
    pub correct: bool,
    pub state: &'a str,
}

/// What recording an exam answer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExamAnswerOutcome {
    Recorded,
    /// That position was answered already, or the sitting is over: nothing changed.
    Stale,
    /// The deadline has passed: nothing was recorded.
    TimeUp,
    /// No such sitting of that person.
    NotFound,
}

/// How a sitting ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExamResult {
    pub theta: f64,
    pub se: f64,
    pub passed: bool,
    pub timed_out: bool,
}

/// A person's measured ability in a group.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AbilityRecord {
    pub placement: Option<f64>,
    /// The best completed certification exam.
    pub best: Option<f64>,
}

/// A pass of the certification exam: the fact a certificate is issued for (issue 6).
#[derive(Clone, Debug, PartialEq)]
pub struct ExamPass {
    pub id: i64,
    pub person_id: i64,
    pub group: Group,
    pub attempt_id: i64,
    pub theta: f64,
    pub passed_at: Timestamp,
}

/// Placement tests and certification exams. Finishing a sitting moves, for the learner's
/// village, commune and organisations and in the same transaction:
/// * `placed` — people who took the placement test (once per person and group);
/// * `assessed` — people with both a placement and a completed exam: the gain's count;
/// * `gain_milli` — the sum of their gains (best exam θ − placement θ), in thousandths;
/// * `proficient` — people who passed the exam (once): the share reaching the level.
#[async_trait]
pub trait AssessmentStore: Send + Sync {
    /// The exam's own items and then the quiz items of the active courses for `group`, active
    /// ones only, once each, in course order.
    async fn exam_items(&self, group: Group) -> Result<Vec<ExamItem>>;
    /// Starts a sitting unless one is open or the rules forbid it, in one transaction.
    async fn start_exam(
        &self,
        new: &NewExamAttempt<'_>,
        limits: &ExamLimits,
        now: Timestamp,
    ) -> Result<ExamStart>;
    async fn exam_attempt(&self, id: i64) -> Result<Option<ExamAttempt>>;
    /// A person's sittings in a group, newest first.
    async fn exam_history(&self, person: i64, group: Group) -> Result<Vec<ExamAttempt>>;
    /// Records the answer at `answer.position` and the new session, once, before the deadline.
    async fn record_exam_answer(
        &self,
        attempt_id: i64,
        person: i64,
        answer: &ExamAnswer<'_>,
        now: Timestamp,
    ) -> Result<ExamAnswerOutcome>;
    /// Ends a sitting (once: later calls return it as it ended), records a pass and the
    /// ability, and moves the counters. `None` if it is not that person's.
    async fn finish_exam(
        &self,
        attempt_id: i64,
        person: i64,
        result: &ExamResult,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<ExamAttempt>>;
    async fn exam_pass(&self, person: i64, group: Group) -> Result<Option<ExamPass>>;
    async fn exam_pass_by_id(&self, id: i64) -> Result<Option<ExamPass>>;
    async fn ability(&self, person: i64, group: Group) -> Result<AbilityRecord>;
}

/// A signing key of the province, as stored (the seed sealed by the vault).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredIssuerKey {
    /// The key id's fragment (after `#`).
    pub id: String,
    pub public_key: Vec<u8>,
    pub seed_sealed: Vec<u8>,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

/// Where a new certificate sits, given before it is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateSlot {
    /// Its sequence number (from 1).
    pub seq: i64,
}

impl CertificateSlot {
    /// Entries per revocation status list (the W3C minimum, 16 KB).
    pub const LIST_SIZE: i64 = 131_072;

    /// The status list it is in (from 1) and its index there.
    #[must_use]
    pub const fn status(self) -> (i64, u64) {
        // Sequence numbers start at 1, so the remainder is never negative.
        let zero = self.seq - 1;
        (
            zero.div_euclid(Self::LIST_SIZE) + 1,
            zero.rem_euclid(Self::LIST_SIZE).cast_unsigned(),
        )
    }
}

/// A certificate as the issuer made it, to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCertificate {
    /// `urn:uuid:…`.
    pub id: String,
    pub key_id: String,
    /// The VC-JOSE token.
    pub jwt: String,
    /// What the outbox delivers to VNeID (JSON).
    pub delivery: String,
}

/// A certificate as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRecord {
    pub seq: i64,
    pub id: String,
    pub pass_id: i64,
    pub person_id: i64,
    pub group: Group,
    pub key_id: String,
    pub jwt: String,
    pub issued_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revoked_reason: Option<String>,
}

impl CertificateRecord {
    #[must_use]
    pub const fn slot(&self) -> CertificateSlot {
        CertificateSlot { seq: self.seq }
    }
}

/// A message of the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub topic: String,
    pub idempotency_key: String,
    pub payload: String,
    pub attempts: u32,
    pub state: String,
    pub last_error: Option<String>,
}

/// Certificates, their keys, revocation, and the outbox. Issuing and revoking move the
/// `certified` counter (K4 for adults) of the holder's units and organisations, and write the
/// outbox message, in the same transaction as the certificate.
#[async_trait]
pub trait CertificateStore: Send + Sync {
    /// Every signing key, newest first.
    async fn issuer_keys(&self) -> Result<Vec<StoredIssuerKey>>;
    /// Adds a key; with `retire_others`, every other unretired key is retired (rotation).
    async fn add_issuer_key(
        &self,
        key: &StoredIssuerKey,
        retire_others: bool,
        now: Timestamp,
    ) -> Result<()>;
    /// Passes that have no certificate yet (oldest first), of one person or of everyone.
    async fn passes_without_certificate(
        &self,
        person: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ExamPass>>;
    /// The certificate of a pass: the one already issued, or a new one. `sign` is called inside
    /// the transaction, with the new certificate's place, and makes it; a retried request finds
    /// the first one.
    async fn issue_certificate(
        &self,
        pass: &ExamPass,
        sign: &(
             dyn Fn(CertificateSlot) -> std::result::Result<SignedCertificate, String> + Send + Sync
         ),
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<CertificateRecord>;
    async fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>>;
    async fn certificates_of(&self, person: i64) -> Result<Vec<CertificateRecord>>;
    /// The revoked indices of status list `list`.
    async fn revoked_indices(&self, list: i64) -> Result<Vec<u64>>;
    /// The highest status list in use (0 before any certificate).
    async fn status_lists(&self) -> Result<i64>;
    /// Revokes a certificate with its reason and audit record, once (`None`: no such
    /// certificate; a revoked one is returned as it is).
    async fn revoke_certificate(
        &self,
        id: &str,
        reason: &str,
        audit: AuditEntry,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<CertificateRecord>>;
    /// Claims up to `limit` pending messages due at `now`, oldest first: they are not due
    /// again before `lease_until`, so two workers do not send the same message at once (a
    /// worker that dies mid-send leaves it to be sent again after the lease).
    async fn outbox_claim(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>>;
    async fn outbox_delivered(&self, id: i64, now: Timestamp) -> Result<()>;
    /// A failed try: retried at `next_attempt_at`, or dead after `max_attempts` tries.
    async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Timestamp,
        max_attempts: u32,
    ) -> Result<()>;
    /// Dead messages back to pending, due now; how many.
    async fn outbox_retry_dead(&self, now: Timestamp) -> Result<u64>;
    async fn outbox_messages(&self, state: Option<&str>) -> Result<Vec<OutboxMessage>>;
}

/// An item's parameters in a calibration version.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemParameter {
    pub item_id: String,
    pub item_revision: u32,
    pub a: f64,
    pub b: f64,
    pub responses: u64,
    pub calibrated: bool,
}

/// A calibration run, as stored with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationRun {
    /// `2pl` or `rasch`.
    pub model: String,
    pub persons: u64,
    pub responses: u64,
    pub iterations: u64,
    pub converged: bool,
    pub log_likelihood: f64,
}

/// Item response theory: the responses to calibrate on and the versioned item parameters.
#[async_trait]
pub trait CalibrationStore: Send + Sync {
    /// Every recorded answer to an active item, in quizzes and in exam sittings (the raw
    /// material of calibration).
    async fn scored_responses(&self) -> Result<Vec<ScoredResponse>>;
    /// The latest version's parameters, with its number; `None` before the first calibration.
    async fn item_parameters(&self) -> Result<Option<(i64, Vec<ItemParameter>)>>;
    /// Stores a new version (run and parameters) in one transaction; returns its number.
    async fn store_calibration(
        &self,
        run: &CalibrationRun,
        parameters: &[ItemParameter],
        now: Timestamp,
    ) -> Result<i64>;
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

/// A person as an import or a registration writes them. The CCCD arrives already sealed and
/// hashed by the vault: the store never sees it in clear.
#[derive(Clone, Debug)]
pub struct PersonRecord {
    pub cccd_hash: [u8; 32],
    pub cccd_sealed: Vec<u8>,
    pub cccd_masked: String,
    /// NFC.
    pub name: String,
    pub birth_year: i32,
    /// Days since 1970-01-01; `None` when only the year is known.
    pub birth_day: Option<i64>,
    pub sex: Sex,
    /// The home unit: a village or a commune.
    pub unit: UnitCode,
    /// Kept as it was when `None`.
    pub phone: Option<String>,
    /// A membership to add or update (imports of a school's, agency's or enterprise's people).
    pub membership: Option<MembershipRecord>,
}

/// A membership of an organisation, which gives a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipRecord {
    pub organisation_id: i64,
    pub group: Group,
    pub grade: Option<u8>,
    pub class: Option<String>,
    pub position: Option<String>,
}

/// What writing people did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PeopleWriteCounts {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub memberships_added: u64,
}

impl std::ops::AddAssign for PeopleWriteCounts {
    fn add_assign(&mut self, o: Self) {
        self.added += o.added;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
        self.memberships_added += o.memberships_added;
    }
}

/// Who counts as an adult: born on or before this day (days since 1970-01-01), i.e. 18 or
/// older on the campaign's evaluation date. A person known only by year is taken as born on
/// 31 December.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdultCutoff(pub i64);

impl AdultCutoff {
    /// Whether someone born on `birth_day` (days since 1970-01-01), or in `birth_year` when
    /// only the year is known (taken as 31 December), is an adult.
    #[must_use]
    pub fn is_adult(self, birth_year: i32, birth_day: Option<i64>) -> bool {
        birth_day
            .or_else(|| {
                binhdan_core::people::Date::new(birth_year, 12, 31)
                    .map(binhdan_core::people::Date::days_since_epoch)
            })
            .is_some_and(|d| d <= self.0)
    }
}

/// Which registered people a write may change: the writer's scope. A record whose CCCD belongs
/// to someone outside it is refused (by its index in the batch) and that person is left exactly
/// as they were; a new person is always written (where they live was checked by the caller).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// Anyone (the demo, a citizen's own record by VNeID, the benches).
    pub everyone: bool,
    /// People living in these units' subtrees (paths such as `38/16591/`): their record may be
    /// changed, and their home moved, but only to a unit inside these subtrees.
    pub units: Vec<String>,
    /// Members of these organisations: their record may be changed, their home never moved.
    /// Someone registered elsewhere who is not yet a member joins one of these organisations
    /// only when the record gives their registered name and date of birth too; nothing else
    /// of theirs changes.
    pub organisations: Vec<i64>,
    /// Whether a registered person's home may move (a unit's roster). An organisation's
    /// roster never moves anyone: where a student lives is their commune's business.
    pub moves_home: bool,
}

impl Reach {
    /// Reaches everyone.
    #[must_use]
    pub const fn everyone() -> Self {
        Self {
            everyone: true,
            units: Vec::new(),
            organisations: Vec::new(),
            moves_home: true,
        }
    }

    /// Reaches the people living in one unit's subtree.
    #[must_use]
    pub fn unit(path: impl Into<String>) -> Self {
        Self {
            everyone: false,
            units: vec![path.into()],
            organisations: Vec::new(),
            moves_home: true,
        }
    }

    /// Whether a home at `path` lies in one of the reach's unit subtrees (whole segments).
    #[must_use]
    pub fn covers_home(&self, path: &str) -> bool {
        self.everyone || self.units.iter().any(|outer| path_within(path, outer))
    }
}

/// Whether the unit path `inner` is `outer` or below it, comparing whole segments.
fn path_within(inner: &str, outer: &str) -> bool {
    let outer = outer.trim_end_matches('/');
    let inner = inner.trim_end_matches('/');
    !outer.is_empty()
        && inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// What a write within a [`Reach`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    pub counts: PeopleWriteCounts,
    /// The indexes in the batch of records refused because the person they name is registered
    /// outside the reach; nothing of theirs was changed.
    pub outside: Vec<usize>,
}

/// An import of people under way: one transaction, written batch by batch, committed or rolled
/// back as a whole (dropping it rolls back).
#[async_trait]
pub trait PeopleImport: Send {
    /// Upserts a batch by CCCD hash and moves the roster counters, reaching everyone (the
    /// demo, tests and a citizen's own record; staff and rosters use [`Self::write_within`]).
    async fn write(&mut self, batch: &[PersonRecord]) -> Result<PeopleWriteCounts>;
    /// Upserts the records that the reach allows: new people, and registered people inside
    /// the reach (whose home moves only within its units); the others are refused by index.
    async fn write_within(&mut self, batch: &[PersonRecord], reach: &Reach)
    -> Result<WriteOutcome>;
    /// Records the import in the audit log and commits.
    async fn commit(self: Box<Self>, audit: AuditEntry) -> Result<()>;
    async fn rollback(self: Box<Self>) -> Result<()>;
}

/// A person as staff lists show them (CCCD masked).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PersonSummary {
    pub id: i64,
    pub name: String,
    pub cccd_masked: String,
    pub birth_year: i32,
    pub birth_day: Option<i64>,
    pub sex: Sex,
    pub unit_code: String,
    pub unit_path: String,
}

/// A person with what only some may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonDetail {
    pub summary: PersonSummary,
    pub cccd_sealed: Vec<u8>,
    pub phone: Option<String>,
    pub oidc_subject: Option<String>,
    pub memberships: Vec<MembershipView>,
}

/// A membership as shown with a person.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MembershipView {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub group: Group,
    pub grade: Option<u8>,
    pub class: Option<String>,
}

/// The kinds of organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    School,
    Agency,
    Enterprise,
    Cooperative,
}

impl OrgKind {
    pub const ALL: [Self; 4] = [
        Self::School,
        Self::Agency,
        Self::Enterprise,
        Self::Cooperative,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::School => "school",
            Self::Agency => "agency",
            Self::Enterprise => "enterprise",
            Self::Cooperative => "cooperative",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The group membership gives.
    #[must_use]
    pub const fn group(self) -> Group {
        match self {
            Self::School => Group::Student,
            Self::Agency => Group::PublicServant,
            Self::Enterprise | Self::Cooperative => Group::Worker,
        }
    }
}

/// An organisation to create.
#[derive(Clone, Debug)]
pub struct NewOrganisation {
    pub kind: OrgKind,
    pub code: String,
    pub name: String,
    /// The commune it sits in.
    pub commune: UnitCode,
    pub grades: Option<(u8, u8)>,
}

/// An organisation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Organisation {
    pub id: i64,
    pub kind: OrgKind,
    pub code: String,
    pub name: String,
    pub unit_code: String,
    pub unit_path: String,
    pub grades: Option<(u8, u8)>,
}

/// The person registry and organisations.
#[async_trait]
pub trait PeopleStore: Send + Sync {
    /// Starts an import (one transaction on the writer).
    async fn begin_people_import(
        &self,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Box<dyn PeopleImport>>;
    async fn person(&self, id: i64) -> Result<Option<PersonDetail>>;
    async fn person_by_cccd_hash(&self, hash: &[u8; 32]) -> Result<Option<PersonDetail>>;
    async fn person_by_oidc_subject(&self, subject: &str) -> Result<Option<PersonDetail>>;
    /// Links a person to their VNeID subject.
    async fn link_oidc_subject(&self, person: i64, subject: &str, now: Timestamp) -> Result<()>;
    /// People whose home is in the subtree at `path`, by name, optionally matching `text`
    /// (a name, without regard to case or diacritics), after the cursor, at most `limit`.
    async fn people_under(
        &self,
        path: &str,
        text: &str,
        after: Option<(&str, i64)>,
        limit: u32,
    ) -> Result<Vec<PersonSummary>>;
    /// Members of an organisation, by name.
    async fn organisation_members(
        &self,
        organisation: i64,
        limit: u32,
    ) -> Result<Vec<PersonSummary>>;
    /// Roster counters of a unit's subtree, per group (people on rosters, not official figures).
    async fn roster_under(
        &self,
        path: &str,
        level: UnitLevel,
        code: &UnitCode,
    ) -> Result<Vec<(Group, u64)>>;
    async fn organisation_roster(&self, organisation: i64) -> Result<Vec<(Group, u64)>>;
    /// Creates an organisation; a code its kind already has is refused.
    async fn create_organisation(
        &self,
        org: &NewOrganisation,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<Organisation>;
    async fn organisation(&self, id: i64) -> Result<Option<Organisation>>;
    async fn organisation_by_code(&self, kind: OrgKind, code: &str)
    -> Result<Option<Organisation>>;
    async fn organisations_under(&self, path: &str, limit: u32) -> Result<Vec<Organisation>>;
}

/// A staff account as sign-in reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: Secret<String>,
    pub totp_secret: Option<Secret<String>>,
    pub disabled: bool,
    pub grants: Vec<Grant>,
}

/// A change of a staff account's credentials.
#[derive(Clone, Debug)]
pub enum CredentialChange {
    /// A new Argon2id PHC string.
    Password(Secret<String>),
    /// A new TOTP secret (base32), or none to turn two-step sign-in off.
    Totp(Option<Secret<String>>),
}

/// Where to list staff accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffWithin {
    /// A unit's subtree, by materialised path (`38/16591/`).
    Unit(String),
    Organisation(i64),
}

/// A staff account to create.
#[derive(Clone, Debug)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password_hash: Secret<String>,
    pub totp_secret: Option<Secret<String>>,
    pub grants: Vec<Grant>,
}

/// Who a session belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionOwner {
    Staff(i64),
    Citizen(i64),
}

/// A server-side session, by the hash of its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub key: String,
    pub owner: SessionOwner,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Staff accounts, sessions and sign-ins under way.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Creates an account with its grants; a username already taken is refused
    /// ([`StoreError::Conflict`]).
    async fn create_staff(
        &self,
        staff: &NewStaff,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<i64>;
    /// By username (compared in lower case).
    async fn staff_by_username(&self, username: &str) -> Result<Option<StaffAccount>>;
    async fn staff(&self, id: i64) -> Result<Option<StaffAccount>>;
    /// The accounts holding a grant inside a unit subtree (or in an organisation there), or in
    /// one organisation, by id, at most `limit`.
    async fn staff_within(&self, within: &StaffWithin, limit: u32) -> Result<Vec<StaffAccount>>;
    /// Disables (and signs out everywhere) or re-enables an account, audited; `false` if there
    /// is no such account.
    async fn set_staff_disabled(
        &self,
        id: i64,
        disabled: bool,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<bool>;
    /// Changes an account's password or TOTP secret, audited, and ends every other session of
    /// the account (all but `keep_session`, the key of the session making the change).
    async fn set_staff_credentials(
        &self,
        id: i64,
        change: &CredentialChange,
        keep_session: &str,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()>;
    async fn staff_count(&self) -> Result<u64>;
    /// Records the TOTP step a sign-in used, if it is later than the last one used: `false`
    /// means the code was already spent (a replay) and the sign-in must be refused.
    async fn claim_totp_step(&self, id: i64, step: u64) -> Result<bool>;
    async fn record_login(
        &self,
        id: i64,
        new_password_hash: Option<&Secret<String>>,
        now: Timestamp,
    ) -> Result<()>;
    async fn create_session(&self, session: &SessionRecord) -> Result<()>;
    async fn session(&self, key: &str) -> Result<Option<SessionRecord>>;
    async fn touch_session(&self, key: &str, now: Timestamp, expires_at: Timestamp) -> Result<()>;
    async fn delete_session(&self, key: &str) -> Result<()>;
    /// Removes expired sessions and sign-ins older than `pending_before`; returns how many.
    async fn purge_sessions(&self, now: Timestamp, pending_before: Timestamp) -> Result<u64>;
    async fn put_oidc_pending(&self, state_key: &str, payload: &str, now: Timestamp) -> Result<()>;
    /// Takes (and deletes) a pending sign-in: a state works once.
    async fn take_oidc_pending(&self, state_key: &str) -> Result<Option<(String, Timestamp)>>;
}

/// A target a province set on a unit: it holds there and below, where no nearer unit has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitTarget {
    pub unit_code: UnitCode,
    pub kpi: Kpi,
    pub target: Target,
    /// Who set it (the audit actor).
    pub set_by: String,
    pub set_at: Timestamp,
}

/// Targets per unit (the plan's defaults hold wherever none is set).
#[async_trait]
pub trait TargetStore: Send + Sync {
    /// Sets (`Some`) or clears (`None`) a unit's target for a KPI, and appends the audit record,
    /// in one transaction. `StoreError::Unknown("unit")` when there is no such unit.
    async fn set_target(
        &self,
        unit: &UnitCode,
        kpi: Kpi,
        target: Option<Target>,
        by: &str,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()>;
    /// The targets set on any of these units.
    async fn targets_on(&self, units: &[UnitCode]) -> Result<Vec<UnitTarget>>;
}

/// What kind of live event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A launch ceremony or rally.
    Ceremony,
    /// An online class followed at the points.
    Class,
}

impl EventKind {
    pub const ALL: [Self; 2] = [Self::Ceremony, Self::Class];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ceremony => "ceremony",
            Self::Class => "class",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A live event to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub title: String,
    pub kind: EventKind,
    /// The organising unit.
    pub unit: UnitCode,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub broadcast_url: Option<String>,
}

/// A live event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub id: i64,
    pub title: String,
    pub kind: EventKind,
    pub unit_code: UnitCode,
    pub unit_path: String,
    pub unit_name: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub broadcast_url: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
    /// Its bridge points.
    pub points: u64,
}

/// A bridge point to add to an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPoint {
    pub name: String,
    pub unit: UnitCode,
    /// The host's staff account.
    pub host_id: i64,
    pub expected: u32,
    /// The secret of the point's QR code.
    pub token: String,
}

/// A bridge point and its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointRecord {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub unit_code: UnitCode,
    pub unit_path: String,
    pub unit_name: String,
    /// The commune it is in, with its name; `None` at the province.
    pub commune: Option<(UnitCode, String)>,
    pub host_id: i64,
    pub host_username: String,
    pub expected: u32,
    pub token: String,
    /// Participants checked in one by one.
    pub checked_in: u64,
    /// People without ID, as the host last counted them.
    pub headcount: u64,
    pub headcount_at: Option<Timestamp>,
    /// The host's page first reported in, or the first check-in.
    pub connected_at: Option<Timestamp>,
    pub last_seen_at: Option<Timestamp>,
}

impl PointRecord {
    /// Everyone at the point: those checked in and the headcount.
    #[must_use]
    pub fn participants(&self) -> u64 {
        self.checked_in + self.headcount
    }
}

/// How a participant was checked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckInVia {
    /// They scanned the point's QR code, signed in with VNeID.
    Qr,
    /// The host entered their CCCD.
    Cccd,
    /// The host entered their phone number.
    Phone,
    /// The host entered their name.
    Name,
}

impl CheckInVia {
    pub const ALL: [Self; 4] = [Self::Qr, Self::Cccd, Self::Phone, Self::Name];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::Cccd => "cccd",
            Self::Phone => "phone",
            Self::Name => "name",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A check-in to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCheckIn {
    pub event_id: i64,
    pub point_id: i64,
    /// Who, once per event: `p:<person id>`, or for someone not on the registry a key from
    /// their number or name (never the number itself).
    pub participant: String,
    pub person_id: Option<i64>,
    /// For a CCCD typed by the host, its look-up hash: if someone on the registry has it, they
    /// become the participant (`p:<id>`, under their name); otherwise the check-in stays as
    /// given. (Looked up in the batch's transaction, one query for the whole batch.)
    pub cccd_hash: Option<[u8; 32]>,
    /// Where whoever checks them in may see people's names (unit paths, `38/16591/`; `""`
    /// everywhere): a number matched to someone elsewhere keeps its masked label, so a host
    /// cannot learn names by typing numbers.
    pub reveal_within: Vec<String>,
    pub via: CheckInVia,
    /// What the host sees: a name or a masked number.
    pub label: String,
    /// `staff:<id>` or `person:<id>`.
    pub by: String,
    pub at: Timestamp,
}

/// What became of a check-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckInOutcome {
    /// Counted now.
    New,
    /// Already counted at this event (retries and second scans land here): where and when.
    Already { point_id: i64, at: Timestamp },
}

/// What a batch of check-ins did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInsDone {
    /// Each check-in's outcome, in order, with the label the host sees (the person's name when
    /// their number is on the registry and they live where the host may see names).
    pub outcomes: Vec<(CheckInOutcome, String)>,
    /// The points whose figures moved, as they are now: (point, checked in, headcount).
    pub points: Vec<(i64, u64, u64)>,
}

/// A check-in as the host's list and the report show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInView {
    pub label: String,
    pub via: CheckInVia,
    pub registered: bool,
    pub at: Timestamp,
}

/// Live events, their bridge points and check-ins. A check-in moves the point's counters and,
/// for a person on the registry, their participation (`participated`, once per person and
/// group) in the same transaction.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Creates an event; `StoreError::Unknown("unit")` for an unknown organising unit.
    async fn create_event(&self, event: &NewEvent, by: &str, now: Timestamp) -> Result<i64>;
    async fn event(&self, id: i64) -> Result<Option<EventRecord>>;
    /// Events organised in the subtree at `path` or with a point hosted by `host`, newest
    /// first.
    async fn events_for(
        &self,
        path: Option<&str>,
        host: i64,
        limit: u32,
    ) -> Result<Vec<EventRecord>>;
    /// Adds points to an event, all or none: `StoreError::Conflict("point")` when a name is
    /// taken, `Unknown("unit")` / `Unknown("host")` for a reference to nothing.
    async fn add_points(&self, event: i64, points: &[NewPoint]) -> Result<Vec<i64>>;
    /// Changes an event's title, kind, window and link (not its unit).
    /// `StoreError::Unknown("event")` when there is none.
    async fn update_event(&self, id: i64, event: &NewEvent) -> Result<()>;
    /// Changes a point's name, unit, host and expected headcount (not its token or figures):
    /// `Conflict("point")` when the name is another point's, `Unknown("unit" | "host" | "point")`.
    async fn update_point(&self, id: i64, point: &NewPoint) -> Result<()>;
    /// An event's points, by name.
    async fn points(&self, event: i64) -> Result<Vec<PointRecord>>;
    async fn point(&self, id: i64) -> Result<Option<PointRecord>>;
    /// The points a staff account hosts, in every event.
    async fn points_hosted_by(&self, host: i64) -> Result<Vec<PointRecord>>;
    async fn point_by_token(&self, token: &str) -> Result<Option<PointRecord>>;
    /// Records check-ins in one transaction, each at most once per event and participant;
    /// returns what became of each, in order.
    async fn record_check_ins(
        &self,
        items: &[NewCheckIn],
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<CheckInsDone>;
    /// Sets a point's headcount of people without ID, unless a newer count is already in;
    /// true when it was set.
    async fn set_headcount(
        &self,
        point: i64,
        headcount: u32,
        taken_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool>;
    /// The host's page reports in (the point is connected).
    async fn point_seen(&self, point: i64, now: Timestamp) -> Result<()>;
    /// Participants per group over an event's points (`guest` for people not on the registry).
    async fn event_groups(&self, event: i64) -> Result<Vec<(String, u64)>>;
    /// People with this phone number (normalised, `0912345678`): (id, name, unit path).
    async fn people_with_phone(
        &self,
        phone: &str,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>>;
    /// A point's check-ins, newest first.
    async fn point_check_ins(&self, point: i64, limit: u32) -> Result<Vec<CheckInView>>;
}

/// One unit's figures for a group and metric, for a dashboard's table of units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitFigure {
    pub code: UnitCode,
    pub name: String,
    pub level: UnitLevel,
    /// The metric's value now.
    pub value: i64,
    /// Its change on the days after the `since` day asked for; `None` where daily changes are
    /// not kept (villages: they are kept per commune).
    pub recent: Option<i64>,
    /// The official population of the group, where a figure was given.
    pub population: Option<u64>,
    /// People of the group on the roster.
    pub roster: u64,
}

/// One organisation's figures for a group and metric, for the emulation ranking of agencies,
/// schools and enterprises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganisationFigure {
    pub id: i64,
    pub name: String,
    /// `school`, `agency`, `enterprise` or `cooperative`.
    pub kind: String,
    /// The commune it sits in.
    pub unit_name: String,
    pub value: i64,
    /// Its change on the days after the `since` day asked for.
    pub recent: i64,
    /// Members of the group.
    pub roster: u64,
}

/// Reads for the campaign's dashboards: counters only, never people.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// The figures of each unit directly under `parent` (a province's communes, a commune's
    /// villages), in code order.
    async fn children_figures(
        &self,
        parent: &UnitCode,
        group: Group,
        metric: &str,
        since_day: i64,
    ) -> Result<Vec<UnitFigure>>;
    /// A unit's daily changes of a metric after `after_day` (days since 1970-01-01 in Vietnam),
    /// with the value at the end of `after_day`. `None` for a village (changes are kept per
    /// commune).
    async fn daily_changes(
        &self,
        unit: &UnitCode,
        group: Group,
        metric: &str,
        after_day: i64,
    ) -> Result<Option<(i64, Vec<(i64, i64)>)>>;
    /// An organisation's counters: (group, metric, value).
    async fn organisation_counters(&self, organisation: i64) -> Result<Vec<(Group, String, i64)>>;
    /// The organisations in a unit's subtree with members of the group, and their figures.
    async fn organisation_figures(
        &self,
        root: &UnitCode,
        group: Group,
        metric: &str,
        since_day: i64,
    ) -> Result<Vec<OrganisationFigure>>;
}

/// A counter whose stored value is not what the facts give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterDifference {
    /// `unit:16591` or `organisation:3`.
    pub scope: String,
    pub group: String,
    pub metric: String,
    pub stored: i64,
    pub rebuilt: i64,
}

/// What `rebuild_counters` found (and, if asked, mended).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CounterRebuild {
    /// Counters compared (stored or rebuilt).
    pub compared: usize,
    pub differences: Vec<CounterDifference>,
    /// The differences were written (each counter set to its rebuilt value).
    pub written: bool,
}

/// The counters recomputed from the facts (DESIGN invariant 1: a rebuild gives the same
/// numbers as the counters moved fact by fact).
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Recomputes every unit and organisation counter from the facts, in one transaction, and
    /// reports those that differ; with `write`, sets them to the rebuilt values (a commune's
    /// daily changes get the correction on today).
    async fn rebuild_counters(
        &self,
        cutoff: AdultCutoff,
        write: bool,
        now: Timestamp,
    ) -> Result<CounterRebuild>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends a record in its own transaction.
    async fn append_audit(&self, entry: AuditEntry, now: Timestamp) -> Result<AuditRecord>;
    /// Records after `after_seq`, in order, at most `limit`.
    async fn audit_records(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditRecord>>;
    /// Records about one person, newest first.
    async fn audit_of_person(&self, person: i64, limit: u32) -> Result<Vec<AuditRecord>>;
    /// The last sequence number and hash, as the store keeps them.
    async fn audit_head(&self) -> Result<(i64, String)>;
}

/// Health and maintenance.
#[async_trait]
pub trait OpsStore: Send + Sync {
    fn dialect(&self) -> Dialect;
    /// A round trip to the database, for `/readyz`.
    async fn ping(&self) -> Result<()>;
    /// A small write committed to disk, for `/readyz`: fails while the writer cannot write
    /// (a full disk, a read-only file, a database that refuses writes).
    async fn probe_write(&self, now: Timestamp) -> Result<()>;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;
    /// Closes the pools, waiting for connections in use.
    async fn close(&self);
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

//! Placement tests and certification exams: sittings, answers, abilities and passes.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::kpi::Group;

use crate::{AdultCutoff, Result};

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
    /// Steps taken in the simulated task at position `answered`, while one is current.
    pub task_step: u32,
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

/// One step of the simulated task at a sitting's current position, with the session after it
/// (the engine's state: never what was typed).
#[derive(Clone, Debug)]
pub struct TaskStep<'a> {
    /// The position: must be the sitting's `answered`.
    pub position: u32,
    /// The step taken: must be the sitting's `task_step`.
    pub step: u32,
    pub state: &'a str,
    /// The task ended with this step: its result; the sitting then moves to its next position.
    pub ended: Option<TaskEnd<'a>>,
}

/// How a task given in a sitting ended.
#[derive(Clone, Copy, Debug)]
pub struct TaskEnd<'a> {
    pub task_id: &'a str,
    pub version: u32,
    /// Partial credit, `0..=credit`.
    pub score: u8,
    pub credit: u8,
    pub steps: u32,
}

/// A task a person was given in a sitting, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskResult {
    pub attempt_id: i64,
    pub position: u32,
    pub group: Group,
    pub kind: ExamKind,
    pub task_id: String,
    pub version: u32,
    pub score: u8,
    pub credit: u8,
    pub steps: u32,
    pub at: Timestamp,
}

impl TaskResult {
    /// Whether the person could do the task: the goal reached without a critical error, with
    /// at least half the credit (`2 · score ≥ credit`: a wrong step or two is forgiven, a
    /// wander through many is not).
    #[must_use]
    pub fn could_do(&self) -> bool {
        self.score > 0 && 2 * u16::from(self.score) >= u16::from(self.credit)
    }
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
    /// Records one step of the task at `step.position`, once, in order, before the deadline:
    /// only while that position is current and `step.step` is the next step. When the task
    /// ends, its result is kept and the sitting moves to its next position.
    async fn record_task_step(
        &self,
        attempt_id: i64,
        person: i64,
        step: &TaskStep<'_>,
        now: Timestamp,
    ) -> Result<ExamAnswerOutcome>;
    /// Every task a person was given in a sitting, oldest first.
    async fn task_results(&self, person: i64) -> Result<Vec<TaskResult>>;
    /// The tasks given in one sitting, in order.
    async fn sitting_task_results(&self, attempt_id: i64) -> Result<Vec<TaskResult>>;
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

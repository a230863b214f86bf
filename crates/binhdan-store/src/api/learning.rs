//! Learning: lessons done, quiz attempts and answers, a learner's progress, and the
//! calibration of the item bank (the responses it reads, the parameters it stores).

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::kpi::Group;
use binhdan_core::unit::UnitCode;

use crate::{AdultCutoff, Result};

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
/// organisations in its own transaction (see `sql/learning.rs` for the metrics).
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

/// A simulated task's result in a sitting, as calibration reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoredTask {
    pub person_id: i64,
    pub task_id: String,
    /// The task's version the sitting gave.
    pub task_version: u32,
    /// Partial credit, `0..=credit` as the task was then.
    pub score: u8,
    pub credit: u8,
}

/// A simulated task's generalized partial credit parameters in a calibration version.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskParameter {
    pub task_id: String,
    /// The task's version they were estimated on.
    pub task_version: u32,
    pub a: f64,
    /// The step difficulties `b_1..b_m`, one per credit point (finite, as `a` is: a
    /// non-finite number would be stored as JSON `null` and read back as corrupt).
    pub steps: Vec<f64>,
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

/// Item response theory: the responses and task results to calibrate on, and the versioned
/// parameters of the items and the simulated tasks.
#[async_trait]
pub trait CalibrationStore: Send + Sync {
    /// Every recorded answer to an active item, in quizzes and in exam sittings (the raw
    /// material of calibration).
    async fn scored_responses(&self) -> Result<Vec<ScoredResponse>>;
    /// Every simulated task's result in a sitting, for a task not retired, leaving out the
    /// supervised sittings the commune voided (practice stores nothing): the tasks' raw
    /// material of calibration, by person.
    async fn scored_tasks(&self) -> Result<Vec<ScoredTask>>;
    /// The latest version's parameters, with its number; `None` before the first calibration.
    async fn item_parameters(&self) -> Result<Option<(i64, Vec<ItemParameter>)>>;
    /// The tasks' parameters in a version (none for a version stored without tasks).
    async fn task_parameters(&self, version: i64) -> Result<Vec<TaskParameter>>;
    /// Stores a new version (run, items' and tasks' parameters) in one transaction; returns
    /// its number.
    async fn store_calibration(
        &self,
        run: &CalibrationRun,
        items: &[ItemParameter],
        tasks: &[TaskParameter],
        now: Timestamp,
    ) -> Result<i64>;
}

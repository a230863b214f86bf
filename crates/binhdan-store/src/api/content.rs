//! The curriculum: loading a content pack, and its courses, outlines and lessons as read.

use async_trait::async_trait;
use binhdan_core::Timestamp;

use crate::Result;

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
    /// Simulated tasks in the pack, and those retired because they left it.
    pub tasks: u64,
    pub tasks_retired: u64,
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
    /// The title in English, when the content pack gives one (the text is Vietnamese only).
    pub title_en: Option<String>,
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
    /// The active simulated tasks, by id.
    async fn sim_tasks(&self) -> Result<Vec<binhdan_content::Task>>;
    /// The active simulated tasks a lesson prepares for, by id.
    async fn sim_tasks_for_lesson(&self, lesson: &str) -> Result<Vec<binhdan_content::Task>>;
    /// An active simulated task.
    async fn sim_task(&self, id: &str) -> Result<Option<binhdan_content::Task>>;
}

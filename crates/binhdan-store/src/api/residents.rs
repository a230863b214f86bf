//! A village's residents as its team sees them: where each stands and whom to visit next, a
//! page at a time, however large the village.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::unit::UnitCode;

use crate::Result;

/// A resident of the village as the team sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent facts about a person, read together, not states of one machine"
)]
pub struct Resident {
    pub id: i64,
    pub name: String,
    pub cccd_masked: String,
    pub birth_year: i32,
    pub has_phone: bool,
    pub household: Option<String>,
    /// Started a course (`learning` marked).
    pub learning: bool,
    /// Completed a course (`skilled`).
    pub skilled: bool,
    /// Holds a certificate not revoked.
    pub certified: bool,
    /// The team reached them (a visit or a class).
    pub reached: bool,
    /// When they last finished a lesson.
    pub last_lesson_at: Option<Timestamp>,
    /// The day (since 1970) of their last visit.
    pub last_visit_on: Option<i64>,
}

/// Which page of a village's residents to list (`residents`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResidentsQuery {
    /// Only residents whose name contains this text, compared without diacritics or case.
    pub name: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

/// A page of a village's residents and how many match the query in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResidentsPage {
    pub residents: Vec<Resident>,
    pub total: u64,
}

/// Which page of a village's residents to visit next, and by which rule (`residents_to_visit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitNextQuery {
    /// A learner whose last lesson is before this instant is stuck (`learning_status`).
    pub stuck_before: Timestamp,
    /// Residents visited on this day (since 1970) or later were visited recently: they come
    /// after everyone not visited since.
    pub visited_since: i64,
    pub limit: u32,
    pub offset: u32,
}

/// A resident to visit next, and why: `Skilled` (ready for the exam), `Stuck` or `NotStarted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResidentToVisit {
    pub resident: Resident,
    pub status: crate::LearningStatus,
    /// Visited on or after `visited_since`.
    pub visited_recently: bool,
}

#[async_trait]
pub trait ResidentStore: Send + Sync {
    /// A page of the village's residents (people whose home is the village), by household then
    /// name, and how many match: one bounded query however large the village.
    async fn residents(&self, village: &UnitCode, query: &ResidentsQuery) -> Result<ResidentsPage>;

    /// One resident of the village, with the same standing as in `residents`; `None` when the
    /// person does not live there.
    async fn resident(&self, village: &UnitCode, person_id: i64) -> Result<Option<Resident>>;

    /// A page of the village's residents the team should visit next, in one query: those
    /// certified, or learning with a lesson since `stuck_before`, are left out; those visited
    /// since `visited_since` come after all the others; then ready for the exam, stuck, not
    /// started; then the longest since a visit (never visited first), by name.
    async fn residents_to_visit(
        &self,
        village: &UnitCode,
        query: &VisitNextQuery,
    ) -> Result<Vec<ResidentToVisit>>;
}

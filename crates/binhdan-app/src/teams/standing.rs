//! Where a resident stands (learning, skilled, certified…) and when the team should visit next.

use binhdan_core::Timestamp;
use binhdan_core::unit::UnitCode;
use binhdan_store::{LearningStatus as Status, Resident, Store, StoreError, VisitNextQuery};

use crate::learning_status::{LearnerFacts, LearningStatus, learning_status};

/// Where a resident stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    NotReached,
    /// Reached by the team, not started yet.
    Reached,
    Learning,
    Skilled,
    Certified,
}

impl Standing {
    #[must_use]
    pub const fn msg_key(self) -> &'static str {
        match self {
            Self::NotReached => "team-status-not-reached",
            Self::Reached => "team-status-reached",
            Self::Learning => "team-status-learning",
            Self::Skilled => "team-status-skilled",
            Self::Certified => "team-status-certified",
        }
    }

    /// A short token for styling (`class="status-…"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotReached => "not-reached",
            Self::Reached => "reached",
            Self::Learning => "learning",
            Self::Skilled => "skilled",
            Self::Certified => "certified",
        }
    }
}

/// Why to visit someone next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NextVisit {
    /// Skilled, not certified: ready for the exam.
    ReadyForExam,
    /// Started, no lesson for [`STUCK_AFTER_DAYS`](crate::learning_status::STUCK_AFTER_DAYS).
    Stuck,
    /// Not started.
    NotStarted,
}

impl NextVisit {
    #[must_use]
    pub const fn msg_key(self) -> &'static str {
        match self {
            Self::ReadyForExam => "team-next-exam",
            Self::Stuck => "team-next-stuck",
            Self::NotStarted => "team-next-start",
        }
    }
}

/// The learning facts of a resident, for the shared rule.
#[must_use]
pub const fn facts_of(r: &Resident) -> LearnerFacts {
    LearnerFacts {
        learning: r.learning,
        skilled: r.skilled,
        certified: r.certified,
        lessons_done: 0,
        last_lesson_at: r.last_lesson_at,
    }
}

/// A resident's standing: their learning status (`learning_status`), and for those who have
/// not started, whether the team reached them.
#[must_use]
pub fn standing(r: &Resident) -> Standing {
    // The standing does not depend on the time: stuck learners are learning.
    match learning_status(&facts_of(r), Timestamp(0)) {
        LearningStatus::Certified => Standing::Certified,
        LearningStatus::Skilled => Standing::Skilled,
        LearningStatus::Learning | LearningStatus::Stuck => Standing::Learning,
        LearningStatus::NotStarted if r.reached => Standing::Reached,
        LearningStatus::NotStarted => Standing::NotReached,
    }
}

/// Why the team should visit the resident next, if it should.
#[must_use]
pub fn next_visit(r: &Resident, now: Timestamp) -> Option<NextVisit> {
    match learning_status(&facts_of(r), now) {
        LearningStatus::Certified | LearningStatus::Learning => None,
        LearningStatus::Skilled => Some(NextVisit::ReadyForExam),
        LearningStatus::Stuck => Some(NextVisit::Stuck),
        LearningStatus::NotStarted => Some(NextVisit::NotStarted),
    }
}

/// A resident visited within this many days (today counted) waits: the list of whom to visit
/// next puts them after everyone not visited in that time.
pub const VISITED_RECENTLY_DAYS: i64 = 7;

/// How many people to visit next a page shows.
pub const NEXT_PER_PAGE: u32 = 20;

/// Someone to visit next: the resident, why, and whether the team visited them recently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToVisit {
    pub resident: Resident,
    pub why: NextVisit,
    /// Visited within [`VISITED_RECENTLY_DAYS`]: listed after the others.
    pub visited_recently: bool,
}

/// A page of whom to visit next, and whether another page follows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToVisitPage {
    /// At most [`NEXT_PER_PAGE`] people, in the order of the rule.
    pub people: Vec<ToVisit>,
    /// There are more after these (the query asked for one more than a page).
    pub more: bool,
}

/// Page `page` (from 1) of whom the village's team should visit next, in one bounded query
/// (`LIMIT` a page and one, `OFFSET` the pages before). The rule:
/// those [`next_visit`] names (ready for the exam, stuck, not started), except that anyone
/// visited within [`VISITED_RECENTLY_DAYS`] (a visit recorded today included) comes after all
/// who were not; within each part, ready for the exam first, then stuck, then not started,
/// then the longest since a visit (never visited first), then by name.
///
/// # Errors
/// The store failed.
pub async fn to_visit_next(
    store: &dyn Store,
    village: &UnitCode,
    page: u32,
    now: Timestamp,
) -> Result<ToVisitPage, StoreError> {
    let query = VisitNextQuery {
        stuck_before: crate::learning_status::stuck_before(now),
        visited_since: super::visits::today(now) - (VISITED_RECENTLY_DAYS - 1),
        limit: NEXT_PER_PAGE + 1,
        offset: page.saturating_sub(1).saturating_mul(NEXT_PER_PAGE),
    };
    let mut people: Vec<ToVisit> = store
        .residents_to_visit(village, &query)
        .await?
        .into_iter()
        .map(|r| ToVisit {
            why: match r.status {
                Status::Skilled => NextVisit::ReadyForExam,
                Status::Stuck => NextVisit::Stuck,
                _ => NextVisit::NotStarted,
            },
            visited_recently: r.visited_recently,
            resident: r.resident,
        })
        .collect();
    let shown = usize::try_from(NEXT_PER_PAGE).unwrap_or(usize::MAX);
    let more = people.len() > shown;
    people.truncate(shown);
    Ok(ToVisitPage { people, more })
}

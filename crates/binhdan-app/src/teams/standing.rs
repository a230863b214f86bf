//! Where a resident stands (learning, skilled, certified…) and when the team should visit next.

use binhdan_core::Timestamp;
use binhdan_store::Resident;

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

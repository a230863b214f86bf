//! Where a resident stands (learning, skilled, certified…) and when the team should visit next.

use binhdan_core::Timestamp;
use binhdan_store::Resident;

use super::STUCK_AFTER_DAYS;

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
    /// Started, no lesson for [`STUCK_AFTER_DAYS`].
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

/// A resident's standing.
#[must_use]
pub fn standing(r: &Resident) -> Standing {
    if r.certified {
        Standing::Certified
    } else if r.skilled {
        Standing::Skilled
    } else if r.learning {
        Standing::Learning
    } else if r.reached {
        Standing::Reached
    } else {
        Standing::NotReached
    }
}

/// Why the team should visit the resident next, if it should.
#[must_use]
pub fn next_visit(r: &Resident, now: Timestamp) -> Option<NextVisit> {
    match standing(r) {
        Standing::Certified => None,
        Standing::Skilled => Some(NextVisit::ReadyForExam),
        Standing::Learning => {
            let idle = r
                .last_lesson_at
                .is_none_or(|t| now.millis() - t.millis() > STUCK_AFTER_DAYS * 86_400_000);
            idle.then_some(NextVisit::Stuck)
        }
        Standing::NotReached | Standing::Reached => Some(NextVisit::NotStarted),
    }
}

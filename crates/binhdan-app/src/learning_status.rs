//! Where a person stands in their learning (not started, learning, stuck, skilled,
//! certified): the one rule, read by the staff people pages and by the village teams'
//! standing (`teams::standing`). The store filters lists by the same rule in SQL
//! (`learners_under`); a test checks that the two agree.

use binhdan_core::Timestamp;
pub use binhdan_store::{LearnerFacts, LearningStatus};

/// Days without a lesson after which a learner who started counts as stuck.
pub const STUCK_AFTER_DAYS: i64 = 14;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// The instant before which a last lesson makes a learner stuck, at `now`.
#[must_use]
pub const fn stuck_before(now: Timestamp) -> Timestamp {
    Timestamp(
        now.millis()
            .saturating_sub(STUCK_AFTER_DAYS * MILLIS_PER_DAY),
    )
}

/// A person's status from their facts at `now`: a certificate first, then a completed course,
/// then whether a learner who started did a lesson within [`STUCK_AFTER_DAYS`].
#[must_use]
pub fn learning_status(f: &LearnerFacts, now: Timestamp) -> LearningStatus {
    if f.certified {
        LearningStatus::Certified
    } else if f.skilled {
        LearningStatus::Skilled
    } else if f.learning {
        let fresh = f
            .last_lesson_at
            .is_some_and(|t| t.millis() >= stuck_before(now).millis());
        if fresh {
            LearningStatus::Learning
        } else {
            LearningStatus::Stuck
        }
    } else {
        LearningStatus::NotStarted
    }
}

/// The message key of a status's words ("Đang học").
#[must_use]
pub const fn msg_key(s: LearningStatus) -> &'static str {
    match s {
        LearningStatus::NotStarted => "learning-status-not-started",
        LearningStatus::Learning => "learning-status-learning",
        LearningStatus::Stuck => "learning-status-stuck",
        LearningStatus::Skilled => "learning-status-skilled",
        LearningStatus::Certified => "learning-status-certified",
    }
}

/// A status as a query value and a style token (`chua-bat-dau`).
#[must_use]
pub const fn slug(s: LearningStatus) -> &'static str {
    match s {
        LearningStatus::NotStarted => "chua-bat-dau",
        LearningStatus::Learning => "dang-hoc",
        LearningStatus::Stuck => "dung-lau",
        LearningStatus::Skilled => "dat-ky-nang",
        LearningStatus::Certified => "co-chung-chi",
    }
}

/// The status named by a query value; `None` for anything else.
#[must_use]
pub fn parse_slug(s: &str) -> Option<LearningStatus> {
    LearningStatus::ALL
        .into_iter()
        .find(|x| slug(*x) == s.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MILLIS_PER_DAY;

    #[test]
    fn the_status_follows_the_facts() {
        let now = Timestamp(100 * DAY);
        let mut f = LearnerFacts::default();
        assert_eq!(learning_status(&f, now), LearningStatus::NotStarted);
        f.learning = true;
        f.last_lesson_at = Some(Timestamp(now.millis() - STUCK_AFTER_DAYS * DAY));
        assert_eq!(learning_status(&f, now), LearningStatus::Learning);
        f.last_lesson_at = Some(Timestamp(now.millis() - STUCK_AFTER_DAYS * DAY - 1));
        assert_eq!(learning_status(&f, now), LearningStatus::Stuck);
        f.last_lesson_at = None;
        assert_eq!(learning_status(&f, now), LearningStatus::Stuck);
        f.skilled = true;
        assert_eq!(learning_status(&f, now), LearningStatus::Skilled);
        f.certified = true;
        assert_eq!(learning_status(&f, now), LearningStatus::Certified);
    }

    #[test]
    fn slugs_name_each_status_once() {
        for s in LearningStatus::ALL {
            assert_eq!(parse_slug(slug(s)), Some(s));
        }
        assert_eq!(parse_slug("khac"), None);
    }
}

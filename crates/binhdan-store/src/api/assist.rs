//! What village team members do for someone (issue 19, items 5 and 6): answers given on the
//! member's device for the learner they picked, a class's join code and the narrow sessions of
//! learners who joined with their own phone, and certification sittings under a member's
//! supervision with their review by the commune.
//!
//! The facts helped are the ordinary ones (a `quiz_response`, an `exam_attempt`), recorded and
//! counted by the ordinary functions; these records say who helped. The commune's figure of
//! assisted certifications is the counter `team` × `certified_assisted` (passed assisted
//! sittings not voided), moved here and rebuilt from `assisted_sitting`.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::unit::UnitCode;

use crate::Result;

/// The team counter of passed assisted sittings not voided.
pub const CERTIFIED_ASSISTED: &str = "certified_assisted";

/// Who helped with an answer given on a member's device: written in the answer's own
/// transaction (`record_assisted_answer`), so no assisted answer is ever left unmarked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssistedAnswer {
    pub op: String,
    pub attempt_id: i64,
    pub position: u32,
    pub person_id: i64,
    pub member_id: i64,
    /// The class it was given in, if any.
    pub class_id: Option<i64>,
}

/// A learner's narrow session: one class, one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassSession {
    pub class_id: i64,
    pub person_id: i64,
    pub expires_at: Timestamp,
}

/// How a supervised sitting's person was identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssistVia {
    /// Their card's QR code.
    Card,
    /// Picked among those present at the member's class.
    List,
}

impl AssistVia {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::List => "list",
        }
    }
}

/// A supervised sitting to record, once its exam attempt is started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAssistedSitting {
    pub op: String,
    pub attempt_id: i64,
    pub person_id: i64,
    pub member_id: i64,
    pub village: UnitCode,
    pub commune: UnitCode,
    /// The member's device (a digest of their session; never the token).
    pub device: String,
    pub via: AssistVia,
    /// The day (since 1970, Vietnam) the member attested.
    pub day: i64,
}

/// What recording a supervised sitting did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssistedStart {
    /// Recorded now, or this very `op` resent (the same sitting).
    Recorded(AssistedSitting),
    /// The member supervises another sitting, still open.
    Busy(AssistedSitting),
    /// The person sits another supervised sitting, still open (another member's, or one
    /// started at the same moment).
    PersonBusy(AssistedSitting),
}

/// A supervised sitting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssistedSitting {
    pub attempt_id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub member_id: i64,
    pub member_name: String,
    pub village_code: String,
    pub commune_code: String,
    pub device: String,
    pub via: String,
    pub attested_at: Timestamp,
    pub open: bool,
    pub finished_at: Option<Timestamp>,
    pub passed: Option<bool>,
    pub seconds: Option<i64>,
    /// Why it is shown to the commune (`fast`, `device`, `member`); empty: not flagged.
    pub flags: Vec<String>,
    /// `confirmed` or `voided`, once reviewed.
    pub review: Option<String>,
    /// Why the commune admin decided so.
    pub review_reason: Option<String>,
}

/// A commune admin's decision on a flagged sitting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Review {
    Confirmed,
    Voided,
}

impl Review {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Voided => "voided",
        }
    }
}

/// Shared devices and supervised sittings.
#[async_trait]
pub trait AssistStore: Send + Sync {
    /// Records an answer given on a member's device exactly as `record_answer` does (the same
    /// statement; on the last question the attempt finishes and the counters move) and marks
    /// it with the member who helped, all in one transaction. A resend finds the answer there
    /// (`Duplicate`) and changes nothing; `StoreError::Conflict("op")` when the `op` marks
    /// another answer (nothing is written).
    async fn record_assisted_answer(
        &self,
        answer: &crate::NewAnswer,
        assisted: &AssistedAnswer,
        cutoff: crate::AdultCutoff,
        now: Timestamp,
    ) -> Result<crate::AnswerOutcome>;

    /// The answers a member helped the person with, as (attempt, position, member).
    async fn assisted_answers(&self, person_id: i64) -> Result<Vec<(i64, u32, i64)>>;

    /// Stores a class's join code (the hash of its token), audited.
    async fn create_class_join(
        &self,
        class_id: i64,
        token_hash: &str,
        created_by: i64,
        expires_at: Timestamp,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()>;

    /// The class and expiry of a join code, by its token's hash.
    async fn class_join(&self, token_hash: &str) -> Result<Option<(i64, Timestamp)>>;

    /// Opens a learner's narrow session (the hash of its token).
    async fn open_class_session(
        &self,
        token_hash: &str,
        session: &ClassSession,
        now: Timestamp,
    ) -> Result<()>;

    /// A learner's narrow session, by its token's hash (expired ones too: the caller decides).
    async fn class_session(&self, token_hash: &str) -> Result<Option<ClassSession>>;

    /// Records a supervised sitting, audited. A resend of the same `op` answers the first;
    /// `StoreError::Conflict("op")` when the `op` is another sitting's. The unique indexes
    /// decide between simultaneous starts: one open sitting per member (`Busy`) and per person
    /// (`PersonBusy`); the loser's exam attempt, if it was opened for this start (at `now`, no
    /// answer, no sitting recorded), is taken back in the same transaction, so no unsupervised
    /// sitting is left open.
    async fn start_assisted_sitting(
        &self,
        sitting: &NewAssistedSitting,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<AssistedStart>;

    async fn assisted_sitting(&self, attempt_id: i64) -> Result<Option<AssistedSitting>>;

    /// The sitting recorded under a device-made `op`, if any.
    async fn assisted_sitting_by_op(&self, op: &str) -> Result<Option<AssistedSitting>>;

    /// The member's open supervised sitting, if any.
    async fn open_assisted_sitting(&self, member_id: i64) -> Result<Option<AssistedSitting>>;

    /// Sittings started on a device on a day.
    async fn assisted_on_device(&self, device: &str, day: i64) -> Result<i64>;

    /// Per member, the sittings they supervised in the commune since `since`.
    async fn assisted_by_member(
        &self,
        commune: &UnitCode,
        since: Timestamp,
    ) -> Result<Vec<(i64, i64)>>;

    /// Closes an open supervised sitting with its result and flags (a passed one moves
    /// `certified_assisted` on its village and commune); `None` when it was closed before.
    async fn close_assisted_sitting(
        &self,
        attempt_id: i64,
        passed: bool,
        seconds: i64,
        flags: &[&str],
        now: Timestamp,
    ) -> Result<Option<AssistedSitting>>;

    /// The commune's flagged sittings, those not reviewed first, the latest first.
    async fn flagged_sittings(
        &self,
        commune: &UnitCode,
        limit: u32,
    ) -> Result<Vec<AssistedSitting>>;

    /// Records the commune's decision on a closed sitting with its reason, once, audited (the
    /// reason in the record); `None` when it was reviewed before or is not closed. Voiding a
    /// passed one undoes the pass in the same transaction: the pass is marked voided (the
    /// person may pass again), and `proficient`, `certified_assisted` and the person's best
    /// measure (`assessed`, `gain_milli`, recomputed without the sitting) move back. The
    /// certificate is revoked before, by the revocation use case.
    #[allow(
        clippy::too_many_arguments,
        reason = "one decision: the sitting, what, why, who, its record, the cutoff and the time"
    )]
    async fn review_assisted_sitting(
        &self,
        attempt_id: i64,
        review: Review,
        reason: &str,
        reviewer: i64,
        audit: AuditEntry,
        cutoff: crate::AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<AssistedSitting>>;

    /// The units' counts of assisted certifications (`certified_assisted`), by unit code.
    async fn certified_assisted(&self, units: &[UnitCode]) -> Result<Vec<(String, i64)>>;
}

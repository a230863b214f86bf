//! The person registry: imports, who counts as an adult, whom a write may reach, and
//! organisations with their memberships.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_core::unit::{UnitCode, UnitLevel};

use crate::Result;

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

/// Where a person stands in their learning, as the staff pages name it. The rule that sorts
/// someone into one of these lives in `binhdan_app::learning_status`; the store only filters by
/// it (`learners_under`), with the same rule written in SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LearningStatus {
    /// No lesson done yet.
    NotStarted,
    /// Started, a lesson within the last days, not finished.
    Learning,
    /// Started, no lesson for a while, not finished.
    Stuck,
    /// Completed a course (`skilled`), no certificate yet.
    Skilled,
    /// Holds a certificate that is not revoked.
    Certified,
}

impl LearningStatus {
    pub const ALL: [Self; 5] = [
        Self::NotStarted,
        Self::Learning,
        Self::Stuck,
        Self::Skilled,
        Self::Certified,
    ];
}

/// The facts about a person's learning that their status is read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent facts about a person, read together, not states of one machine"
)]
pub struct LearnerFacts {
    /// Completed a first lesson (`learning` marked, in any group).
    pub learning: bool,
    /// Completed a course (`skilled`, in any group).
    pub skilled: bool,
    /// Holds a certificate not revoked.
    pub certified: bool,
    /// Active lessons of the citizens' (adult) course done.
    pub lessons_done: u32,
    /// When they last finished a lesson (any course).
    pub last_lesson_at: Option<Timestamp>,
}

/// A person of a staff list with their home's name and their learning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnerListing {
    pub person: PersonSummary,
    /// The name of the village (or unit) they live in.
    pub home: String,
    pub facts: LearnerFacts,
}

/// A page of [`LearnerListing`]s with the size of the citizens' course.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LearnersPage {
    /// Active lessons in the citizens' (adult) course.
    pub lessons_total: u32,
    pub people: Vec<LearnerListing>,
}

/// Which people a learners' list reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnersQuery<'a> {
    /// The subtree, by materialised path.
    pub path: &'a str,
    /// A name (matched without case or diacritics); empty for everyone.
    pub text: &'a str,
    /// Only people of this status.
    pub status: Option<LearningStatus>,
    /// A learner whose last lesson is before this (or unknown) is stuck.
    pub stuck_before: Timestamp,
    /// Cursor: the name key and id of the last row shown.
    pub after: Option<(&'a str, i64)>,
    pub limit: u32,
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
    /// People whose home is in the subtree at `path` and whose name is `name` (without regard
    /// to case, diacritics or spacing; the whole name, not a part of it), by id, at most
    /// `limit`: how a host's check-in by name finds the one person it means.
    async fn people_named(&self, path: &str, name: &str, limit: u32) -> Result<Vec<PersonSummary>>;
    /// Like [`people_under`](Self::people_under), with each person's home by name and their
    /// learning, optionally only those of one status: one query for the page.
    async fn learners_under(&self, q: &LearnersQuery<'_>) -> Result<LearnersPage>;
    /// One person's learning and the size of the citizens' course.
    async fn learner_facts(&self, person: i64) -> Result<(LearnerFacts, u32)>;
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

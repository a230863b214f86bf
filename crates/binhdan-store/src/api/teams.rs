//! Village teams (tổ công nghệ số cộng đồng): members, visits, classes and attendance, the
//! team's residents list and figures.
//!
//! Every team write carries `op`, an id made on the device: a resend of the same write finds
//! the first one's row (unique `op`) and is answered with it, counting once. The team's
//! figures are counters under the pseudo-group `team` in `unit_counter` (`visits`, `reached`,
//! `classes`), moved in the write's transaction and rebuilt from the facts like the others.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::unit::UnitCode;

use crate::{AdultCutoff, Result};

/// The counters' group of the team figures (no KPI group: dashboards by group skip it).
pub const TEAM_GROUP: &str = "team";

/// A member of a village's team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMemberRecord {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub appointed_at: Timestamp,
    /// Visits they recorded.
    pub visits: i64,
    /// Classes they opened.
    pub classes: i64,
}

/// A province's own checklist item (the built-in list is the application's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecklistItem {
    pub key: String,
    pub label: String,
}

/// What a resend-safe write did: `new` is false when the same `op` had already been stored,
/// and `id` is then the first write's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeamWrite {
    pub id: i64,
    pub new: bool,
}

/// A visit to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVisit {
    /// The device-made id.
    pub op: String,
    pub village: UnitCode,
    pub person_id: i64,
    pub member_id: i64,
    /// Days since 1970-01-01 of the day of the visit.
    pub visited_on: i64,
    /// Checklist keys ticked.
    pub done: Vec<String>,
    pub next_step: String,
    /// The household the team puts the person in (NFC), when given.
    pub household: Option<String>,
}

/// A recorded visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitRecord {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub member_id: i64,
    pub member_name: String,
    pub visited_on: i64,
    pub done: Vec<String>,
    pub next_step: String,
    pub recorded_at: Timestamp,
}

/// A class to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClass {
    pub op: String,
    pub village: UnitCode,
    pub module_id: String,
    pub place: String,
    pub starts_at: Timestamp,
    pub opened_by: i64,
}

/// A class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassRecord {
    pub id: i64,
    pub village_code: UnitCode,
    pub village_path: String,
    pub module_id: String,
    pub place: String,
    pub starts_at: Timestamp,
    pub opened_by: i64,
    pub opened_at: Timestamp,
    /// People marked present.
    pub present: i64,
}

/// How a learner was found at attendance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttendVia {
    /// The QR code of their citizen identity card.
    Card,
    /// Their CCCD, typed.
    Number,
    /// Their phone number, typed.
    Phone,
    /// Picked from the village list.
    List,
}

impl AttendVia {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::Number => "number",
            Self::Phone => "phone",
            Self::List => "list",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Card, Self::Number, Self::Phone, Self::List]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A learner to mark present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAttendance {
    pub op: String,
    pub class_id: i64,
    pub person_id: i64,
    pub via: AttendVia,
    pub marked_by: i64,
}

/// What marking someone present did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttendanceOutcome {
    /// Marked now (their participation counted, once per person and group ever).
    New,
    /// This very marking resent (the same `op`): counted once, by the first.
    Resent,
    /// Already present in this class, marked by another action, since `at`.
    Already { at: Timestamp },
}

/// Someone present at a class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttendeeView {
    pub person_id: i64,
    pub name: String,
    pub via: AttendVia,
    pub marked_at: Timestamp,
}

/// A village team's figures, from counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TeamFigures {
    /// Adults on the roster.
    pub roster: i64,
    pub reached: i64,
    pub visits: i64,
    pub classes: i64,
    /// Adults certified.
    pub certified: i64,
    /// Of them, certified in a supervised sitting (not voided): `certified_assisted`.
    pub assisted: i64,
}

/// A village's team at a glance, for its commune (or a commune's teams together, for its
/// province).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VillageTeam {
    pub code: UnitCode,
    pub name: String,
    pub members: i64,
    pub figures: TeamFigures,
}

/// Village teams.
#[async_trait]
pub trait TeamStore: Send + Sync {
    /// Appoints a staff account to a village's team (audited); false when already a member.
    /// `StoreError::NotFound` (`Village`, `StaffAccount`) for an unknown village or account.
    async fn appoint_team_member(
        &self,
        village: &UnitCode,
        account_id: i64,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<bool>;

    /// The team's members, by name.
    async fn team_members(&self, village: &UnitCode) -> Result<Vec<TeamMemberRecord>>;

    /// Whether the account is a member of the village's team.
    async fn is_team_member(&self, village: &UnitCode, account_id: i64) -> Result<bool>;

    /// The villages whose team the account is a member of, as (code, name).
    async fn teams_of(&self, account_id: i64) -> Result<Vec<(UnitCode, String)>>;

    /// A province's own visit checklist (empty: it uses the built-in one), retired items left
    /// out.
    async fn visit_checklist(&self, province: &UnitCode) -> Result<Vec<ChecklistItem>>;

    /// Sets a province's own checklist, in order (audited): items left out are retired, never
    /// deleted, since visits name them.
    async fn set_visit_checklist(
        &self,
        province: &UnitCode,
        items: &[ChecklistItem],
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()>;

    /// Records a visit (audited, counted per village and member, the person reached); a resend
    /// of the same `op` changes nothing and answers the first. `StoreError::Conflict("op")`
    /// when the `op` is another visit's.
    async fn record_visit(
        &self,
        visit: &NewVisit,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<TeamWrite>;

    /// The village's latest visits, newest first.
    async fn village_visits(&self, village: &UnitCode, limit: u32) -> Result<Vec<VisitRecord>>;

    /// A person's visits, newest first.
    async fn person_visits(&self, person_id: i64, limit: u32) -> Result<Vec<VisitRecord>>;

    /// Opens a class (counted in the village's and member's `classes`); a resend of the same
    /// `op` answers the first.
    async fn open_class(
        &self,
        class: &NewClass,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<TeamWrite>;

    async fn team_class(&self, id: i64) -> Result<Option<ClassRecord>>;

    /// The village's classes, the latest first.
    async fn village_classes(&self, village: &UnitCode, limit: u32) -> Result<Vec<ClassRecord>>;

    /// Marks a person present: once per class and person; participation counted once per
    /// person and group ever; the person reached by the village's team.
    /// `StoreError::Conflict("op")` when the `op` is another marking's.
    async fn mark_attendance(
        &self,
        attendance: &NewAttendance,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<AttendanceOutcome>;

    /// Who is present, in the order they came.
    async fn attendees(&self, class_id: i64) -> Result<Vec<AttendeeView>>;

    /// The team's figures, from the counters (a commune's are its villages' together).
    async fn team_figures(&self, village: &UnitCode) -> Result<TeamFigures>;

    /// The units directly under `unit` with their teams' figures, by name: a commune's
    /// villages, or a province's communes (each its villages' teams together, from the
    /// commune's counters; `members` counts each account once). Counters and members only, one
    /// row per unit; empty under a village.
    async fn teams_below(&self, unit: &UnitCode) -> Result<Vec<VillageTeam>>;
}

//! Village teams (tổ công nghệ số cộng đồng, guidance 793/BTTTT-THH): the commune appoints
//! members; members visit households and run classes at the village cultural house.
//!
//! Who may do what, checked here for every read and write (the pages only offer it):
//! * **see** a village's team workspace: `ViewPeople` over the village (commune and province
//!   staff, auditors, the village's facilitators);
//! * **appoint** a member: `ManageStaff` over the village (the commune admin, the province);
//!   the account must hold a village facilitator grant over exactly that village;
//! * **act** (visit, open a class, mark attendance): an appointed member of the village's team
//!   who still holds a facilitator grant over it. A member acts only on people whose home is
//!   the village, and on the village's classes.
//!
//! Every write carries `op`, an id made on the device (a hidden field of the form, a queued
//! offline action): a resend is answered as the first and counts once.

use binhdan_auth::access::{Grant, Permission, Role, Target, allows};
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::{CardQr, Cccd};
use binhdan_core::time::{Date, VIETNAM_OFFSET_MS};
use binhdan_core::unit::{Unit, UnitCode, UnitLevel};
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{
    AdultCutoff, AttendVia, AttendanceOutcome, ChecklistItem, NewAttendance, NewClass, NewVisit,
    Resident, Store, StoreError, TeamWrite,
};
use binhdan_vault::Vault;

use crate::events::{Identity, parse_local_time};

/// The built-in visit checklist (a province may set its own): key and message key.
pub const BUILTIN_CHECKLIST: [(&str, &str); 6] = [
    ("vneid-install", "visit-item-vneid-install"),
    ("vneid-level2", "visit-item-vneid-level2"),
    ("first-lesson", "visit-item-first-lesson"),
    ("practice-transfer", "visit-item-practice-transfer"),
    ("two-step", "visit-item-two-step"),
    ("scam-warning", "visit-item-scam-warning"),
];

/// Days without a lesson after which a learner who started counts as stuck.
pub const STUCK_AFTER_DAYS: i64 = 14;
/// Residents listed on the workspace (a village has a few hundred adults).
pub const RESIDENTS_SHOWN: u32 = 2_000;

const MAX_NEXT_STEP: usize = 300;
const MAX_HOUSEHOLD: usize = 80;
const MAX_PLACE: usize = 120;

/// Why a team action was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("not found")]
    NotFound(Msg),
    #[error("outside the caller's scope")]
    Forbidden(Msg),
    #[error("invalid input")]
    Invalid(Msg),
    #[error("the device id belongs to another action")]
    Conflict(Msg),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for TeamError {
    fn msg(&self) -> Msg {
        match self {
            Self::NotFound(m) | Self::Forbidden(m) | Self::Invalid(m) | Self::Conflict(m) => {
                m.clone()
            }
            Self::Store(_) => Msg::new("error-internal"),
        }
    }
}

fn invalid(key: &'static str) -> TeamError {
    TeamError::Invalid(Msg::new(key))
}

/// Who acts: their account and grants.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub id: i64,
    pub grants: &'a [Grant],
}

impl Actor<'_> {
    fn audit_name(&self) -> String {
        format!("staff:{}", self.id)
    }
}

/// The village named by `code`, or why not (not a code, not a village).
///
/// # Errors
/// Unknown or not a village.
pub async fn village(store: &dyn Store, code: &str) -> Result<Unit, TeamError> {
    let unknown = || {
        TeamError::NotFound(
            Msg::new("team-village-unknown").arg("code", code.chars().take(12).collect::<String>()),
        )
    };
    let code = UnitCode::parse(code).map_err(|_| unknown())?;
    let unit = store.unit(&code).await?.ok_or_else(unknown)?;
    if unit.level != UnitLevel::Village {
        return Err(unknown());
    }
    Ok(unit)
}

/// Whether the actor may see the village's team workspace.
#[must_use]
pub fn may_view(actor: Actor<'_>, village: &Unit) -> bool {
    allows(
        actor.grants,
        Permission::ViewPeople,
        &Target::Unit(&village.path),
    )
}

/// Whether the actor may appoint members to the village's team.
#[must_use]
pub fn may_appoint(actor: Actor<'_>, village: &Unit) -> bool {
    allows(
        actor.grants,
        Permission::ManageStaff,
        &Target::Unit(&village.path),
    )
}

/// Whether a grant makes its holder a facilitator of the village.
fn facilitates(grants: &[Grant], village: &Unit) -> bool {
    grants
        .iter()
        .any(|g| g.role == Role::VillageFacilitator && g.scope.covers(&Target::Unit(&village.path)))
}

/// Whether the actor may act for the village's team: appointed, and still its facilitator.
///
/// # Errors
/// The store failed.
pub async fn is_member(
    store: &dyn Store,
    actor: Actor<'_>,
    village: &Unit,
) -> Result<bool, StoreError> {
    Ok(facilitates(actor.grants, village) && store.is_team_member(&village.code, actor.id).await?)
}

async fn require_member(
    store: &dyn Store,
    actor: Actor<'_>,
    village: &Unit,
) -> Result<(), TeamError> {
    if is_member(store, actor, village).await? {
        Ok(())
    } else {
        Err(TeamError::Forbidden(
            Msg::new("team-not-member").arg("village", &village.name),
        ))
    }
}

/// Appoints the staff account `username` to the village's team; false when already a
/// member.
///
/// # Errors
/// Not the caller's to appoint, no such account, or not a facilitator of this village.
pub async fn appoint(
    store: &dyn Store,
    actor: Actor<'_>,
    village: &Unit,
    username: &str,
    now: Timestamp,
) -> Result<bool, TeamError> {
    if !may_appoint(actor, village) {
        return Err(TeamError::Forbidden(Msg::new("error-forbidden")));
    }
    let username = username.trim();
    if username.is_empty() {
        return Err(invalid("team-appoint-empty"));
    }
    let shown: String = username.chars().take(40).collect();
    let Some(account) = store.staff_by_username(username).await? else {
        return Err(TeamError::Invalid(
            Msg::new("team-appoint-unknown").arg("username", shown),
        ));
    };
    let same_scope = account.grants.iter().any(|g| {
        g.role == Role::VillageFacilitator
            && matches!(&g.scope, binhdan_auth::access::Scope::Unit { path } if path.trim_end_matches('/') == village.path.trim_end_matches('/'))
    });
    if account.disabled || !same_scope {
        return Err(TeamError::Invalid(
            Msg::new("team-appoint-not-facilitator")
                .arg("username", shown)
                .arg("village", &village.name),
        ));
    }
    Ok(store
        .appoint_team_member(
            &village.code,
            account.id,
            AuditEntry::new(actor.audit_name(), "team.appoint"),
            now,
        )
        .await?)
}

/// A checklist item as shown: the province's own label, or the built-in one's message key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckItem {
    pub key: String,
    pub label: ItemLabel,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemLabel {
    Builtin(&'static str),
    Own(String),
}

/// The province of a unit path (`38/16591/…` → `38`).
fn province_of(path: &str) -> Option<UnitCode> {
    path.split('/').next().and_then(|c| UnitCode::parse(c).ok())
}

/// The visit checklist in force in the village's province.
///
/// # Errors
/// The store failed.
pub async fn checklist(store: &dyn Store, village: &Unit) -> Result<Vec<CheckItem>, StoreError> {
    match province_of(&village.path) {
        Some(p) => province_checklist(store, &p).await,
        None => province_checklist(store, &village.code).await,
    }
}

/// Whether the actor may set the province's own visit checklist (province staff).
#[must_use]
pub fn may_configure(actor: Actor<'_>, province: &Unit) -> bool {
    province.level == UnitLevel::Province
        && allows(
            actor.grants,
            Permission::SetTargets,
            &Target::Unit(&province.path),
        )
}

/// The visit checklist in force in a province: its own, or the built-in one.
///
/// # Errors
/// The store failed.
pub async fn province_checklist(
    store: &dyn Store,
    province: &UnitCode,
) -> Result<Vec<CheckItem>, StoreError> {
    let own = store.visit_checklist(province).await?;
    if own.is_empty() {
        return Ok(BUILTIN_CHECKLIST
            .iter()
            .map(|(key, msg)| CheckItem {
                key: (*key).to_owned(),
                label: ItemLabel::Builtin(msg),
            })
            .collect());
    }
    Ok(own
        .into_iter()
        .map(|i| CheckItem {
            key: i.key,
            label: ItemLabel::Own(i.label),
        })
        .collect())
}

/// Sets a province's own visit checklist (province staff; audited). Each item is
/// `key = label`; keys are lower-case letters, digits and `-`.
///
/// # Errors
/// Not the caller's province, or a malformed item.
pub async fn set_checklist(
    store: &dyn Store,
    actor: Actor<'_>,
    province: &Unit,
    items: &[(String, String)],
    now: Timestamp,
) -> Result<(), TeamError> {
    if !may_configure(actor, province) {
        return Err(TeamError::Forbidden(Msg::new("error-forbidden")));
    }
    if items.is_empty() {
        return Err(invalid("team-checklist-empty"));
    }
    let mut out: Vec<ChecklistItem> = Vec::new();
    for (key, label) in items {
        let key = key.trim();
        let label = binhdan_core::text::clean(label);
        if key.is_empty()
            || key.len() > 40
            || !key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || label.is_empty()
            || label.chars().count() > 120
            || out.iter().any(|i| i.key == key)
        {
            return Err(TeamError::Invalid(
                Msg::new("team-checklist-item-invalid")
                    .arg("key", key.chars().take(40).collect::<String>()),
            ));
        }
        out.push(ChecklistItem {
            key: key.to_owned(),
            label,
        });
    }
    store
        .set_visit_checklist(
            &province.code,
            &out,
            AuditEntry::new(actor.audit_name(), "team.checklist"),
            now,
        )
        .await?;
    Ok(())
}

/// A device-made id: 8–64 letters, digits, `-` and `_` (a UUID fits).
///
/// # Errors
/// Anything else.
pub fn check_op(op: &str) -> Result<&str, TeamError> {
    let op = op.trim();
    if (8..=64).contains(&op.len())
        && op
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(op)
    } else {
        Err(invalid("team-op-invalid"))
    }
}

/// A visit as the member's form gives it.
#[derive(Clone, Debug, Default)]
pub struct VisitInput<'a> {
    pub op: &'a str,
    pub person_id: i64,
    /// `2026-12-01` or `01/12/2026`.
    pub date: &'a str,
    pub done: Vec<String>,
    pub next_step: &'a str,
    pub household: &'a str,
}

/// The day (since 1970) of a date as typed, if it exists.
fn parse_day(input: &str) -> Option<Date> {
    let s = input.trim();
    let (y, m, d) = if s.contains('-') {
        let mut it = s.split('-');
        (it.next()?, it.next()?, it.next()?)
    } else {
        let mut it = s.split('/');
        let (d, m, y) = (it.next()?, it.next()?, it.next()?);
        (y, m, d)
    };
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Today in Vietnam, in days since 1970.
#[must_use]
pub fn today(now: Timestamp) -> i64 {
    (now.millis() + VIETNAM_OFFSET_MS).div_euclid(86_400_000)
}

/// A person of the village, or why not.
async fn resident(
    store: &dyn Store,
    village: &Unit,
    person_id: i64,
) -> Result<binhdan_store::PersonDetail, TeamError> {
    let person = store
        .person(person_id)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("people-not-found")))?;
    if person.summary.unit_path != village.path {
        return Err(TeamError::Forbidden(
            Msg::new("team-person-outside").arg("village", &village.name),
        ));
    }
    Ok(person)
}

/// Records a member's visit to a person of their village (audited; counted once per `op`).
///
/// # Errors
/// Not a member, a person outside the village, or a refused field.
pub async fn record_visit(
    store: &dyn Store,
    actor: Actor<'_>,
    village: &Unit,
    input: &VisitInput<'_>,
    now: Timestamp,
) -> Result<TeamWrite, TeamError> {
    require_member(store, actor, village).await?;
    let op = check_op(input.op)?;
    resident(store, village, input.person_id).await?;
    let day = parse_day(input.date)
        .ok_or_else(|| invalid("team-visit-date-invalid"))?
        .days_since_epoch();
    if day > today(now) {
        return Err(invalid("team-visit-date-future"));
    }
    if day < today(now) - 366 {
        return Err(invalid("team-visit-date-old"));
    }
    let items = checklist(store, village).await?;
    let mut done: Vec<String> = Vec::new();
    for key in &input.done {
        let key = key.trim();
        if !items.iter().any(|i| i.key == key) {
            return Err(TeamError::Invalid(
                Msg::new("team-visit-item-unknown")
                    .arg("item", key.chars().take(40).collect::<String>()),
            ));
        }
        if !done.iter().any(|d| d == key) {
            done.push(key.to_owned());
        }
    }
    let next_step = binhdan_core::text::clean(input.next_step);
    if next_step.chars().count() > MAX_NEXT_STEP {
        return Err(TeamError::Invalid(
            Msg::new("team-visit-next-too-long").arg("max", MAX_NEXT_STEP),
        ));
    }
    if done.is_empty() && next_step.is_empty() {
        return Err(invalid("team-visit-empty"));
    }
    let household = binhdan_core::text::clean(input.household);
    if household.chars().count() > MAX_HOUSEHOLD {
        return Err(TeamError::Invalid(
            Msg::new("team-household-too-long").arg("max", MAX_HOUSEHOLD),
        ));
    }
    let visit = NewVisit {
        op: op.to_owned(),
        village: village.code.clone(),
        person_id: input.person_id,
        member_id: actor.id,
        visited_on: day,
        done,
        next_step,
        household: (!household.is_empty()).then_some(household),
    };
    store
        .record_visit(
            &visit,
            AuditEntry::new(actor.audit_name(), "team.visit"),
            now,
        )
        .await
        .map_err(op_taken)
}

fn op_taken(e: StoreError) -> TeamError {
    match e {
        StoreError::Conflict("op") => TeamError::Conflict(Msg::new("team-op-taken")),
        e => TeamError::Store(e),
    }
}

/// A class as the member's form gives it.
#[derive(Clone, Debug, Default)]
pub struct ClassInput<'a> {
    pub op: &'a str,
    pub module: &'a str,
    pub place: &'a str,
    /// `2026-12-01T19:30` (a `datetime-local` field) or `01/12/2026 19:30`.
    pub starts: &'a str,
}

/// Opens a class of the village's team (counted once per `op`).
///
/// # Errors
/// Not a member, an unknown module, or a refused field.
pub async fn open_class(
    store: &dyn Store,
    actor: Actor<'_>,
    village: &Unit,
    input: &ClassInput<'_>,
    now: Timestamp,
) -> Result<TeamWrite, TeamError> {
    require_member(store, actor, village).await?;
    let op = check_op(input.op)?;
    let place = binhdan_core::text::clean(input.place);
    if place.is_empty() || place.chars().count() > MAX_PLACE {
        return Err(TeamError::Invalid(
            Msg::new("team-class-place-invalid").arg("max", MAX_PLACE),
        ));
    }
    let starts_at =
        parse_local_time(input.starts).ok_or_else(|| invalid("team-class-time-invalid"))?;
    let module = input.module.trim();
    let class = NewClass {
        op: op.to_owned(),
        village: village.code.clone(),
        module_id: module.to_owned(),
        place,
        starts_at,
        opened_by: actor.id,
    };
    match store
        .open_class(
            &class,
            AuditEntry::new(actor.audit_name(), "team.class"),
            now,
        )
        .await
    {
        Err(StoreError::Unknown("module")) => Err(TeamError::Invalid(
            Msg::new("team-class-module-unknown")
                .arg("module", module.chars().take(60).collect::<String>()),
        )),
        r => r.map_err(op_taken),
    }
}

/// Who a member marks present: the text of a card's QR code, a typed CCCD or phone number,
/// or a person picked from the village list (the first given wins, in that order).
#[derive(Clone, Debug, Default)]
pub struct AttendInput<'a> {
    pub op: &'a str,
    pub card: &'a str,
    pub identity: &'a str,
    pub person_id: Option<i64>,
}

/// Marks someone present at a class of the member's village.
///
/// # Errors
/// Not the member's class, a card or number refused, someone not on the village's roster.
#[allow(clippy::too_many_arguments)]
pub async fn mark_present(
    store: &dyn Store,
    vault: &Vault,
    actor: Actor<'_>,
    class_id: i64,
    input: &AttendInput<'_>,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<(AttendanceOutcome, String), TeamError> {
    let class = store
        .team_class(class_id)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    let village = store
        .unit(&class.village_code)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    require_member(store, actor, &village).await?;
    let op = check_op(input.op)?;
    let by_number = |cccd: &Cccd| vault.lookup_hash(cccd);
    let not_on_roster =
        || TeamError::Invalid(Msg::new("team-attend-not-on-roster").arg("village", &village.name));
    let (person_id, via) = if !input.card.trim().is_empty() {
        let card = CardQr::parse(input.card).map_err(|e| TeamError::Invalid(e.msg()))?;
        let person = store
            .person_by_cccd_hash(&by_number(&card.number))
            .await?
            .ok_or_else(not_on_roster)?;
        (person.summary.id, AttendVia::Card)
    } else if !input.identity.trim().is_empty() {
        match Identity::parse(input.identity).map_err(TeamError::Invalid)? {
            Identity::Cccd(cccd) => {
                let person = store
                    .person_by_cccd_hash(&by_number(&cccd))
                    .await?
                    .ok_or_else(not_on_roster)?;
                (person.summary.id, AttendVia::Number)
            }
            Identity::Phone(phone) => {
                let found: Vec<i64> = store
                    .people_with_phone(phone.as_str(), 20)
                    .await?
                    .into_iter()
                    .filter(|(_, _, path)| *path == village.path)
                    .map(|(id, _, _)| id)
                    .collect();
                match found.as_slice() {
                    [id] => (*id, AttendVia::Phone),
                    [] => return Err(not_on_roster()),
                    _ => return Err(invalid("checkin-phone-shared")),
                }
            }
            Identity::Name(_) => return Err(invalid("team-attend-pick-from-list")),
        }
    } else if let Some(id) = input.person_id {
        (id, AttendVia::List)
    } else {
        return Err(invalid("team-attend-empty"));
    };
    let person = resident(store, &village, person_id).await?;
    let outcome = store
        .mark_attendance(
            &NewAttendance {
                op: op.to_owned(),
                class_id,
                person_id,
                via,
                marked_by: actor.id,
            },
            cutoff,
            now,
        )
        .await
        .map_err(op_taken)?;
    Ok((outcome, person.summary.name))
}

/// Registers the holder of a scanned card as a resident of the class's village, from what
/// the card says (name, number, birth date, sex), unless they are on the registry already:
/// the second tap after a card that is not on the roster. Returns the person's id.
///
/// # Errors
/// Not the member's class, a card refused, or someone registered elsewhere (outside the
/// member's reach).
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn register_from_card(
    store: &dyn Store,
    vault: &Vault,
    actor: Actor<'_>,
    class_id: i64,
    card: &str,
    reach: &binhdan_store::Reach,
    evaluation_date: Date,
    now: Timestamp,
) -> Result<i64, TeamError> {
    let class = store
        .team_class(class_id)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    let village = store
        .unit(&class.village_code)
        .await?
        .ok_or_else(|| TeamError::NotFound(Msg::new("team-class-unknown")))?;
    require_member(store, actor, &village).await?;
    let card = CardQr::parse(card).map_err(|e| TeamError::Invalid(e.msg()))?;
    if let Some(person) = store
        .person_by_cccd_hash(&vault.lookup_hash(&card.number))
        .await?
    {
        return Ok(person.summary.id);
    }
    let entry = crate::people::PersonEntry {
        name: card.name.as_str().to_owned(),
        cccd: card.number.expose().to_owned(),
        birth: card.birth_date.to_string(),
        sex: match card.sex {
            binhdan_core::cccd::Sex::Male => "Nam".to_owned(),
            binhdan_core::cccd::Sex::Female => "Nữ".to_owned(),
        },
        phone: String::new(),
    };
    match crate::people::register_person(
        store,
        vault,
        &entry,
        village.code.clone(),
        reach,
        evaluation_date,
        actor.audit_name(),
        now,
    )
    .await
    {
        Ok((id, _)) => Ok(id),
        Err(crate::ImportFailure::Rows(rows)) => {
            Err(TeamError::Invalid(rows.into_iter().next().map_or_else(
                || Msg::new("team-attend-not-on-roster").arg("village", &village.name),
                |r| r.msg,
            )))
        }
        Err(crate::ImportFailure::Store(e)) => Err(TeamError::Store(e)),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn resident() -> Resident {
        Resident {
            id: 1,
            name: "A".into(),
            cccd_masked: "038*******45".into(),
            birth_year: 1950,
            has_phone: false,
            household: None,
            learning: false,
            skilled: false,
            certified: false,
            reached: false,
            last_lesson_at: None,
            last_visit_on: None,
        }
    }

    #[test]
    fn standing_and_next_visit() {
        let now = Timestamp(100 * 86_400_000);
        let mut r = resident();
        assert_eq!(standing(&r), Standing::NotReached);
        assert_eq!(next_visit(&r, now), Some(NextVisit::NotStarted));
        r.learning = true;
        r.last_lesson_at = Some(Timestamp(99 * 86_400_000));
        assert_eq!(standing(&r), Standing::Learning);
        assert_eq!(next_visit(&r, now), None);
        r.last_lesson_at = Some(Timestamp(80 * 86_400_000));
        assert_eq!(next_visit(&r, now), Some(NextVisit::Stuck));
        r.skilled = true;
        assert_eq!(next_visit(&r, now), Some(NextVisit::ReadyForExam));
        r.certified = true;
        assert_eq!(next_visit(&r, now), None);
    }

    #[test]
    fn device_ids() {
        assert!(check_op("3f2b8c1e-0d4a-4c8e-9b1f-2a7d5e6c9f01").is_ok());
        for bad in [
            "",
            "short",
            "has space in it",
            "x".repeat(65).as_str(),
            "<script>alert</script>",
        ] {
            assert!(check_op(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_as_typed() {
        assert_eq!(parse_day("2026-12-01"), Date::new(2026, 12, 1));
        assert_eq!(parse_day("01/12/2026"), Date::new(2026, 12, 1));
        assert_eq!(parse_day("31/02/2026"), None);
        assert_eq!(
            province_of("38/16591/16591001/").map(|c| c.to_string()),
            Some("38".into())
        );
    }
}

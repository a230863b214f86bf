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
//! * **help** (a shared device, a supervised sitting): a member, for people present at their
//!   team's classes or living in their village; the commune admin reviews flagged sittings
//!   (`assisted`, `shared_device`).
//!
//! Every write carries `op`, an id made on the device (a hidden field of the form, a queued
//! offline action): a resend is answered as the first and counts once.

use binhdan_auth::access::{Grant, Permission, Role, Target, allows};
use binhdan_core::audit::AuditEntry;
use binhdan_core::unit::{Unit, UnitCode, UnitLevel};
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{Store, StoreError};

mod assisted;
mod checklist;
mod classes;
mod report;
mod shared_device;
mod standing;
mod visits;

pub use assisted::*;
pub use checklist::*;
pub use classes::*;
pub use report::*;
pub use shared_device::*;
pub use standing::*;
pub use visits::*;

/// The built-in visit checklist (a province may set its own): key and message key.
pub const BUILTIN_CHECKLIST: [(&str, &str); 6] = [
    ("vneid-install", "visit-item-vneid-install"),
    ("vneid-level2", "visit-item-vneid-level2"),
    ("first-lesson", "visit-item-first-lesson"),
    ("practice-transfer", "visit-item-practice-transfer"),
    ("two-step", "visit-item-two-step"),
    ("scam-warning", "visit-item-scam-warning"),
];

/// Days without a lesson after which a learner who started counts as stuck (the rule is
/// shared with the staff people pages).
pub use crate::learning_status::STUCK_AFTER_DAYS;

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
    /// A supervised sitting could not go on for a reason of the exam's own (its stored state
    /// does not read, the adaptive test found no item).
    #[error(transparent)]
    Exam(crate::exam::ExamFailure),
}

impl Localized for TeamError {
    fn msg(&self) -> Msg {
        match self {
            Self::NotFound(m) | Self::Forbidden(m) | Self::Invalid(m) | Self::Conflict(m) => {
                m.clone()
            }
            Self::Store(_) | Self::Exam(_) => Msg::new("error-internal"),
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

#[cfg(test)]
mod tests {
    use binhdan_core::time::Date;
    use binhdan_store::Resident;

    use super::checklist::province_of;
    use super::visits::parse_day;
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

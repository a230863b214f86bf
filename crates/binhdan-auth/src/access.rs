//! Roles, scopes and permissions: who may do what, where.
//!
//! A staff account holds one or more [`Grant`]s, each a [`Role`] within a [`Scope`]. An action
//! names a [`Permission`] and the [`Target`] it acts on; [`allows`] says yes when some grant's
//! role holds the permission (the table below) **and** its scope covers the target.
//!
//! # Scopes
//!
//! * `Unit { path }` — a unit and everything under it. Paths are materialised paths
//!   (`38/16591/16591007/`): a scope covers a unit when the unit's path starts with the scope's,
//!   segment by segment (`38/` covers `38/16591/`, not `380/`). An organisation is covered when
//!   the unit it sits in is.
//! * `Organisation { id }` — that organisation only (its members, events, certificates).
//! * `Everywhere` — the whole platform, including platform-wide targets (national content).
//!
//! # The table
//!
//! | Permission           | Province admin | Commune admin | Village facilitator | Org admin | Content author | Auditor |
//! |----------------------|:--:|:--:|:--:|:--:|:--:|:--:|
//! | `ViewUnit`           | ✓ | ✓ | ✓ |   |   | ✓ |
//! | `EditUnits`          | ✓ | ✓ |   |   |   |   |
//! | `ImportVillages`     | ✓ | ✓ |   |   |   |   |
//! | `ViewPeople`         | ✓ | ✓ | ✓ | ✓ |   | ✓ |
//! | `ViewPersonIdentity` |   | ✓ |   |   |   |   |
//! | `EditPeople`         | ✓ | ✓ | ✓ | ✓ |   |   |
//! | `ImportPeople`       | ✓ | ✓ |   | ✓ |   |   |
//! | `ManageStaff`        | ✓ | ✓ |   | ✓ |   |   |
//! | `EditContent`        |   |   |   |   | ✓ |   |
//! | `ViewAudit`          | ✓ | ✓ |   |   |   | ✓ |
//! | `ViewDashboard`      | ✓ | ✓ | ✓ | ✓ |   | ✓ |
//! | `ManageEvents`       | ✓ | ✓ | ✓ | ✓ |   |   |
//! | `CheckIn`            | ✓ | ✓ | ✓ | ✓ |   |   |
//! | `IssueCertificate`   | ✓ | ✓ |   | ✓ |   |   |
//! | `RevokeCertificate`  | ✓ |   |   |   |   |   |
//! | `SetTargets`         | ✓ |   |   |   |   |   |
//!
//! The reasons: the **auditor** only reads. The **village facilitator** registers people and
//! checks them in at events in their village, and sees their village's figures. The **content
//! author** edits content and nothing else. The unmasked CCCD (**`ViewPersonIdentity`**) is for
//! the commune admin alone, the lowest level of government with an accountable officer;
//! everyone else sees the masked form (`038*******45`), and looking a person up by full number
//! goes through the vault's keyed hash without revealing it. **Revoking** a certificate is kept
//! from those who issue them in bulk, for a province admin's review.
//!
//! Granting roles ([`may_grant`]) needs `ManageStaff` over the new grant's scope and follows a
//! ladder, so nobody can create an account more powerful than their own: a province admin
//! appoints commune admins, facilitators, organisation admins and auditors in the province; a
//! commune admin appoints facilitators and organisation admins in the commune; an
//! organisation admin appoints further admins of the same organisation. Province admins and
//! content authors are appointed by a platform operator (a `ProvinceAdmin` grant with scope
//! `Everywhere`).

use serde::{Deserialize, Serialize};

/// A staff role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProvinceAdmin,
    CommuneAdmin,
    VillageFacilitator,
    OrgAdmin,
    ContentAuthor,
    Auditor,
}

impl Role {
    pub const ALL: [Self; 6] = [
        Self::ProvinceAdmin,
        Self::CommuneAdmin,
        Self::VillageFacilitator,
        Self::OrgAdmin,
        Self::ContentAuthor,
        Self::Auditor,
    ];

    /// The message key of the role's name (`role-province-admin`, …), for staff lists.
    #[must_use]
    pub const fn msg_key(self) -> &'static str {
        match self {
            Self::ProvinceAdmin => "role-province-admin",
            Self::CommuneAdmin => "role-commune-admin",
            Self::VillageFacilitator => "role-village-facilitator",
            Self::OrgAdmin => "role-org-admin",
            Self::ContentAuthor => "role-content-author",
            Self::Auditor => "role-auditor",
        }
    }

    /// Whether the role holds the permission (wherever its scope reaches). This is the table
    /// of the module documentation.
    #[must_use]
    pub const fn holds(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Self::ProvinceAdmin => !matches!(permission, P::ViewPersonIdentity | P::EditContent),
            Self::CommuneAdmin => !matches!(
                permission,
                P::EditContent | P::RevokeCertificate | P::SetTargets
            ),
            Self::VillageFacilitator => matches!(
                permission,
                P::ViewUnit
                    | P::ViewPeople
                    | P::EditPeople
                    | P::ViewDashboard
                    | P::ManageEvents
                    | P::CheckIn
            ),
            Self::OrgAdmin => matches!(
                permission,
                P::ViewPeople
                    | P::EditPeople
                    | P::ImportPeople
                    | P::ManageStaff
                    | P::ViewDashboard
                    | P::ManageEvents
                    | P::CheckIn
                    | P::IssueCertificate
            ),
            Self::ContentAuthor => matches!(permission, P::EditContent),
            Self::Auditor => matches!(
                permission,
                P::ViewUnit | P::ViewPeople | P::ViewAudit | P::ViewDashboard
            ),
        }
    }

    /// The roles this role may appoint (within its own scope).
    #[must_use]
    pub const fn may_appoint(self, other: Self) -> bool {
        match self {
            // Province admins and content authors only from an `Everywhere` grant (see
            // `may_grant`).
            Self::ProvinceAdmin => true,
            Self::CommuneAdmin => matches!(other, Self::VillageFacilitator | Self::OrgAdmin),
            Self::OrgAdmin => matches!(other, Self::OrgAdmin),
            Self::VillageFacilitator | Self::ContentAuthor | Self::Auditor => false,
        }
    }
}

/// What the platform checks before an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See units, their villages and staff lists.
    ViewUnit,
    /// Create, rename, merge units below the scope, and set their official population figures.
    EditUnits,
    /// Import a village list (CSV).
    ImportVillages,
    /// See people with their CCCD masked.
    ViewPeople,
    /// See a person's CCCD unmasked.
    ViewPersonIdentity,
    /// Register people and correct their records.
    EditPeople,
    /// Import people in bulk (CSV).
    ImportPeople,
    /// Create staff accounts and grant roles (see [`may_grant`]).
    ManageStaff,
    /// Write and publish courses, lessons and quiz items.
    EditContent,
    /// Read the audit log.
    ViewAudit,
    /// See progress figures.
    ViewDashboard,
    /// Plan training sessions and events.
    ManageEvents,
    /// Record attendance at an event.
    CheckIn,
    /// Issue a certificate.
    IssueCertificate,
    /// Revoke a certificate.
    RevokeCertificate,
    /// Set a unit's targets (K1–K5), overriding the plan's defaults there and below.
    SetTargets,
}

impl Permission {
    pub const ALL: [Self; 16] = [
        Self::ViewUnit,
        Self::EditUnits,
        Self::ImportVillages,
        Self::ViewPeople,
        Self::ViewPersonIdentity,
        Self::EditPeople,
        Self::ImportPeople,
        Self::ManageStaff,
        Self::EditContent,
        Self::ViewAudit,
        Self::ViewDashboard,
        Self::ManageEvents,
        Self::CheckIn,
        Self::IssueCertificate,
        Self::RevokeCertificate,
        Self::SetTargets,
    ];
}

/// Where a grant applies.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// A unit's subtree, by materialised path (`38/16591/`).
    Unit { path: String },
    /// One organisation.
    Organisation { id: i64 },
    /// The whole platform.
    Everywhere,
}

/// What an action acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// A unit, or something in it (a person, an event), by the unit's path.
    Unit(&'a str),
    /// An organisation, or something in it, with the path of the unit it sits in.
    Organisation { id: i64, unit_path: &'a str },
    /// Something of the whole platform (national content, platform settings).
    Platform,
}

/// Whether the unit path `inner` is `outer` or below it, comparing whole segments. An empty
/// `outer` covers nothing (that is what `Everywhere` is for).
fn path_within(inner: &str, outer: &str) -> bool {
    let outer = outer.trim_end_matches('/');
    let inner = inner.trim_end_matches('/');
    !outer.is_empty()
        && inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Scope {
    /// Whether the scope reaches the target.
    #[must_use]
    pub fn covers(&self, target: &Target<'_>) -> bool {
        match (self, target) {
            (Self::Everywhere, _) => true,
            (
                Self::Unit { path },
                Target::Unit(unit_path) | Target::Organisation { unit_path, .. },
            ) => path_within(unit_path, path),
            (Self::Organisation { id }, Target::Organisation { id: target_id, .. }) => {
                id == target_id
            }
            (Self::Unit { .. } | Self::Organisation { .. }, _) => false,
        }
    }
}

/// A role held within a scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

impl Grant {
    #[must_use]
    pub fn new(role: Role, scope: Scope) -> Self {
        Self { role, scope }
    }

    /// Whether the scope suits the role: facilitators and commune admins work in a unit,
    /// organisation admins in an organisation; province admins and auditors in a unit or
    /// everywhere; content authors anywhere. Stores refuse other combinations.
    #[must_use]
    pub fn is_well_formed(&self) -> bool {
        match (&self.scope, self.role) {
            (Scope::Unit { path }, _) if path.trim_end_matches('/').is_empty() => false,
            (Scope::Unit { .. }, Role::OrgAdmin) => false,
            (Scope::Unit { .. }, _) => true,
            (Scope::Organisation { .. }, role) => {
                matches!(role, Role::OrgAdmin | Role::ContentAuthor)
            }
            (Scope::Everywhere, role) => matches!(
                role,
                Role::ProvinceAdmin | Role::ContentAuthor | Role::Auditor
            ),
        }
    }
}

/// Whether some grant allows the permission on the target.
#[must_use]
pub fn allows(grants: &[Grant], permission: Permission, target: &Target<'_>) -> bool {
    grants
        .iter()
        .any(|g| g.role.holds(permission) && g.scope.covers(target))
}

/// Whether the holder of `grants` may give someone the grant `new`. `target` is where the new
/// grant's scope sits: `Target::Unit(path)` for a unit scope (the same path),
/// `Target::Organisation { id, unit_path }` for an organisation scope (the same id), and
/// `Target::Platform` for `Everywhere`; a target that does not match the scope refuses.
#[must_use]
pub fn may_grant(grants: &[Grant], new: &Grant, target: &Target<'_>) -> bool {
    let consistent = match (&new.scope, target) {
        (Scope::Unit { path }, Target::Unit(p)) => path == p,
        (Scope::Organisation { id }, Target::Organisation { id: target_id, .. }) => id == target_id,
        (Scope::Everywhere, Target::Platform) => true,
        _ => false,
    };
    consistent
        && new.is_well_formed()
        && grants.iter().any(|g| {
            g.role.holds(Permission::ManageStaff)
                && g.role.may_appoint(new.role)
                && g.scope.covers(target)
                && (!matches!(new.role, Role::ProvinceAdmin | Role::ContentAuthor)
                    || g.scope == Scope::Everywhere)
        })
}

#[cfg(test)]
mod tests;

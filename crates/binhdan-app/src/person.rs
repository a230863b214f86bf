//! Looking at one person's record: who may, whether the CCCD is shown in full, and the audit
//! record every look leaves (`person.view`, or `person.view_identity` when the CCCD was shown).

use binhdan_auth::access::{Grant, Permission, Target, allows};
use binhdan_core::audit::AuditEntry;
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{PersonDetail, Store, StoreError};
use binhdan_vault::Vault;

/// A person as a staff member may see them.
#[derive(Debug)]
pub struct PersonView {
    pub detail: PersonDetail,
    /// The CCCD in full when the viewer may see it, else masked.
    pub cccd: String,
    pub unmasked: bool,
}

/// Why a look was refused.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("no such person")]
    NotFound,
    #[error("outside the viewer's scope")]
    Forbidden,
    #[error("the CCCD cannot be opened")]
    Vault(Msg),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for ViewError {
    fn msg(&self) -> Msg {
        match self {
            Self::NotFound => Msg::new("people-not-found"),
            Self::Forbidden => Msg::new("error-forbidden"),
            Self::Vault(m) => m.clone(),
            Self::Store(_) => Msg::new("error-internal"),
        }
    }
}

/// Person `id` as the staff member `actor` with `grants` may see them: members of an
/// organisation they administer, or people living in their units; the CCCD unmasked only
/// with `ViewPersonIdentity` over the person's unit. Every look is audited.
pub async fn view(
    store: &dyn Store,
    vault: &Vault,
    actor: String,
    grants: &[Grant],
    id: i64,
    now: Timestamp,
) -> Result<PersonView, ViewError> {
    let detail = store.person(id).await?.ok_or(ViewError::NotFound)?;
    let target = Target::Unit(&detail.summary.unit_path);
    // An organisation admin sees the organisation's members.
    let via_org = detail.memberships.iter().any(|m| {
        allows(
            grants,
            Permission::ViewPeople,
            &Target::Organisation {
                id: m.organisation_id,
                unit_path: "",
            },
        )
    });
    if !via_org && !allows(grants, Permission::ViewPeople, &target) {
        return Err(ViewError::Forbidden);
    }
    let unmasked = allows(grants, Permission::ViewPersonIdentity, &target);
    let cccd = if unmasked {
        vault
            .decrypt(&detail.cccd_sealed)
            .map(|c| c.expose().to_owned())
            .map_err(|e| ViewError::Vault(e.msg()))?
    } else {
        detail.summary.cccd_masked.clone()
    };
    let action = if unmasked {
        "person.view_identity"
    } else {
        "person.view"
    };
    store
        .append_audit(
            AuditEntry::new(actor, action).person(detail.summary.id),
            now,
        )
        .await?;
    Ok(PersonView {
        detail,
        cccd,
        unmasked,
    })
}

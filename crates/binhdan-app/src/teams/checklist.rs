//! The visit checklist: a province's own items or the built-in ones, and who may set them.

use binhdan_auth::access::{Permission, Target, allows};
use binhdan_core::audit::AuditEntry;
use binhdan_core::unit::{Unit, UnitCode, UnitLevel};
use binhdan_core::{Msg, Timestamp};
use binhdan_store::{ChecklistItem, Store, StoreError};

use super::{Actor, BUILTIN_CHECKLIST, TeamError, invalid};

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
pub(super) fn province_of(path: &str) -> Option<UnitCode> {
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

//! Revoking a certificate: who may, with what reason, and what follows (the holder's
//! `certified` counter, the notice to VNeID through the outbox, the audit record), in one
//! store transaction. The web page and `binhdan certificate revoke` both call [`revoke`].

use binhdan_auth::access::{Grant, Permission, Target, allows};
use binhdan_core::audit::AuditEntry;
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{AdultCutoff, CertificateRecord, Store, StoreError};

/// Who revokes.
#[derive(Clone, Copy, Debug)]
pub enum Revoker<'a> {
    /// A staff member, with their grants: only over the holder's unit.
    Staff { id: i64, grants: &'a [Grant] },
    /// The operator at the command line.
    Operator,
    /// A staff member voiding a supervised sitting they may review (the caller checked that:
    /// `teams::review_sitting`), whose certificate goes with it.
    Review { id: i64 },
}

impl Revoker<'_> {
    fn actor(&self) -> String {
        match self {
            Self::Staff { id, .. } | Self::Review { id } => format!("staff:{id}"),
            Self::Operator => "cli".to_owned(),
        }
    }
}

/// Why a revocation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("no such certificate")]
    NotFound,
    #[error("not allowed over the holder's unit")]
    Forbidden,
    #[error("a reason of 1 to {max} characters is required")]
    Reason { max: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for RevokeError {
    fn msg(&self) -> Msg {
        match self {
            Self::NotFound => Msg::new("certificate-not-found"),
            Self::Forbidden => Msg::new("error-forbidden"),
            Self::Reason { .. } => Msg::new("certificate-reason-required"),
            Self::Store(_) => Msg::new("error-internal"),
        }
    }
}

/// The longest reason kept.
pub const MAX_REASON_CHARS: usize = 500;

/// The message VNeID receives about a revocation.
#[must_use]
pub fn revocation_notice(id: &str, reason: &str, now: Timestamp) -> String {
    serde_json::json!({
        "type": "certificate.revoked",
        "id": id,
        "reason": reason,
        "revokedAt": now.millis(),
    })
    .to_string()
}

/// Revokes certificate `id` (its `urn:uuid:` form) for `reason`. A certificate revoked already
/// stays as it was (its first reason kept) and is returned as it is.
pub async fn revoke(
    store: &dyn Store,
    revoker: Revoker<'_>,
    id: &str,
    reason: &str,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<CertificateRecord, RevokeError> {
    let record = store.certificate(id).await?.ok_or(RevokeError::NotFound)?;
    if let Revoker::Staff { grants, .. } = revoker {
        let person = store
            .person(record.person_id)
            .await?
            .ok_or(RevokeError::NotFound)?;
        if !allows(
            grants,
            Permission::RevokeCertificate,
            &Target::Unit(&person.summary.unit_path),
        ) {
            return Err(RevokeError::Forbidden);
        }
    }
    let reason = binhdan_core::text::clean(reason);
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(RevokeError::Reason {
            max: MAX_REASON_CHARS,
        });
    }
    let audit = AuditEntry::new(revoker.actor(), "certificate.revoke")
        .person(record.person_id)
        .subject(record.id.clone());
    let notice = revocation_notice(&record.id, &reason, now);
    store
        .revoke_certificate(&record.id, &reason, &notice, audit, cutoff, now)
        .await?
        .ok_or(RevokeError::NotFound)
}

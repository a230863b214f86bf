//! Certificates: signing keys, issuing and revoking, and the outbox that delivers them.

use async_trait::async_trait;
use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::kpi::Group;

use crate::{AdultCutoff, ExamPass, Result};

/// A signing key of the province, as stored (the seed sealed by the vault).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredIssuerKey {
    /// The key id's fragment (after `#`).
    pub id: String,
    pub public_key: Vec<u8>,
    pub seed_sealed: Vec<u8>,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
}

/// Where a new certificate sits, given before it is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateSlot {
    /// Its sequence number (from 1).
    pub seq: i64,
}

impl CertificateSlot {
    /// Entries per revocation status list (the W3C minimum, 16 KB).
    pub const LIST_SIZE: i64 = 131_072;

    /// The status list it is in (from 1) and its index there.
    #[must_use]
    pub const fn status(self) -> (i64, u64) {
        // Sequence numbers start at 1, so the remainder is never negative.
        let zero = self.seq - 1;
        (
            zero.div_euclid(Self::LIST_SIZE) + 1,
            zero.rem_euclid(Self::LIST_SIZE).cast_unsigned(),
        )
    }
}

/// A certificate as the issuer made it, to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCertificate {
    /// `urn:uuid:…`.
    pub id: String,
    pub key_id: String,
    /// The VC-JOSE token.
    pub jwt: String,
    /// What the outbox delivers to VNeID (JSON).
    pub delivery: String,
}

/// A certificate as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRecord {
    pub seq: i64,
    pub id: String,
    pub pass_id: i64,
    pub person_id: i64,
    pub group: Group,
    pub key_id: String,
    pub jwt: String,
    pub issued_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub revoked_reason: Option<String>,
}

impl CertificateRecord {
    #[must_use]
    pub const fn slot(&self) -> CertificateSlot {
        CertificateSlot { seq: self.seq }
    }
}

/// A message of the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub topic: String,
    pub idempotency_key: String,
    pub payload: String,
    pub attempts: u32,
    pub state: String,
    pub last_error: Option<String>,
}

/// Certificates, their keys, revocation, and the outbox. Issuing and revoking move the
/// `certified` counter (K4 for adults) of the holder's units and organisations, and write the
/// outbox message, in the same transaction as the certificate.
#[async_trait]
pub trait CertificateStore: Send + Sync {
    /// Every signing key, newest first.
    async fn issuer_keys(&self) -> Result<Vec<StoredIssuerKey>>;
    /// Adds a key; with `retire_others`, every other unretired key is retired (rotation).
    async fn add_issuer_key(
        &self,
        key: &StoredIssuerKey,
        retire_others: bool,
        now: Timestamp,
    ) -> Result<()>;
    /// Passes that have no certificate yet (oldest first), of one person or of everyone; a pass
    /// whose supervised sitting the commune voided never gets one.
    async fn passes_without_certificate(
        &self,
        person: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ExamPass>>;
    /// The certificate of a pass: the one already issued, or a new one. `sign` is called inside
    /// the transaction, with the new certificate's place, and makes it; a retried request finds
    /// the first one.
    async fn issue_certificate(
        &self,
        pass: &ExamPass,
        sign: &(
             dyn Fn(CertificateSlot) -> std::result::Result<SignedCertificate, String> + Send + Sync
         ),
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<CertificateRecord>;
    async fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>>;
    async fn certificates_of(&self, person: i64) -> Result<Vec<CertificateRecord>>;
    /// The revoked indices of status list `list`.
    async fn revoked_indices(&self, list: i64) -> Result<Vec<u64>>;
    /// The highest status list in use (0 before any certificate).
    async fn status_lists(&self) -> Result<i64>;
    /// Revokes a certificate with its reason and audit record, once, and queues `notice` (the
    /// message for VNeID, built by the app) in the outbox (`None`: no such certificate; a
    /// revoked one is returned as it is).
    async fn revoke_certificate(
        &self,
        id: &str,
        reason: &str,
        notice: &str,
        audit: AuditEntry,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<CertificateRecord>>;
    /// Claims up to `limit` pending messages due at `now`, oldest first: they are not due
    /// again before `lease_until`, so two workers do not send the same message at once (a
    /// worker that dies mid-send leaves it to be sent again after the lease).
    async fn outbox_claim(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>>;
    async fn outbox_delivered(&self, id: i64, now: Timestamp) -> Result<()>;
    /// A failed try: retried at `next_attempt_at`, or dead after `max_attempts` tries.
    async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Timestamp,
        max_attempts: u32,
    ) -> Result<()>;
    /// Dead messages back to pending, due now; how many.
    async fn outbox_retry_dead(&self, now: Timestamp) -> Result<u64>;
    async fn outbox_messages(&self, state: Option<&str>) -> Result<Vec<OutboxMessage>>;
}

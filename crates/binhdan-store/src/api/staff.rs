//! Staff accounts and their grants, server-side sessions, VNeID sign-ins under way, and the
//! audit log.

use async_trait::async_trait;
use binhdan_auth::access::Grant;
use binhdan_core::audit::{AuditEntry, AuditRecord};
use binhdan_core::{Secret, Timestamp};

use crate::Result;

/// A staff account as sign-in reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccount {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: Secret<String>,
    pub totp_secret: Option<Secret<String>>,
    pub disabled: bool,
    pub grants: Vec<Grant>,
}

/// A change of a staff account's credentials.
#[derive(Clone, Debug)]
pub enum CredentialChange {
    /// A new Argon2id PHC string.
    Password(Secret<String>),
    /// A new TOTP secret (base32), or none to turn two-step sign-in off.
    Totp(Option<Secret<String>>),
}

/// Where to list staff accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StaffWithin {
    /// A unit's subtree, by materialised path (`38/16591/`).
    Unit(String),
    Organisation(i64),
}

/// A staff account to create.
#[derive(Clone, Debug)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password_hash: Secret<String>,
    pub totp_secret: Option<Secret<String>>,
    pub grants: Vec<Grant>,
}

/// Who a session belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionOwner {
    Staff(i64),
    Citizen(i64),
}

/// A server-side session, by the hash of its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub key: String,
    pub owner: SessionOwner,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Staff accounts, sessions and sign-ins under way.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Creates an account with its grants; a username already taken is refused
    /// ([`StoreError::Conflict`](crate::StoreError::Conflict)).
    async fn create_staff(
        &self,
        staff: &NewStaff,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<i64>;
    /// By username (compared in lower case).
    async fn staff_by_username(&self, username: &str) -> Result<Option<StaffAccount>>;
    async fn staff(&self, id: i64) -> Result<Option<StaffAccount>>;
    /// The accounts holding a grant inside a unit subtree (or in an organisation there), or in
    /// one organisation, by id, at most `limit`.
    async fn staff_within(&self, within: &StaffWithin, limit: u32) -> Result<Vec<StaffAccount>>;
    /// Disables (and signs out everywhere) or re-enables an account, audited; `false` if there
    /// is no such account.
    async fn set_staff_disabled(
        &self,
        id: i64,
        disabled: bool,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<bool>;
    /// Changes an account's password or TOTP secret, audited, and ends every other session of
    /// the account (all but `keep_session`, the key of the session making the change).
    async fn set_staff_credentials(
        &self,
        id: i64,
        change: &CredentialChange,
        keep_session: &str,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()>;
    async fn staff_count(&self) -> Result<u64>;
    /// Records the TOTP step a sign-in used, if it is later than the last one used: `false`
    /// means the code was already spent (a replay) and the sign-in must be refused.
    async fn claim_totp_step(&self, id: i64, step: u64) -> Result<bool>;
    /// Replaces a TOTP secret stored in clear (`plain`, as read) by the same secret `sealed`,
    /// changing nothing else (the account's sessions stay): `false` when the stored value is
    /// no longer `plain` (changed or resealed meanwhile).
    async fn reseal_totp(&self, id: i64, plain: &str, sealed: &str) -> Result<bool>;
    /// Every account's stored TOTP secret, as stored (sealed or, from before sealing, in
    /// clear), by account id: what a bulk reseal goes through.
    async fn staff_totp_secrets(&self) -> Result<Vec<(i64, Secret<String>)>>;
    async fn record_login(
        &self,
        id: i64,
        new_password_hash: Option<&Secret<String>>,
        now: Timestamp,
    ) -> Result<()>;
    async fn create_session(&self, session: &SessionRecord) -> Result<()>;
    async fn session(&self, key: &str) -> Result<Option<SessionRecord>>;
    /// A session and, when a staff account owns it, the account with its grants (`None`: the
    /// account is gone): what every signed-in request needs, in one read.
    async fn session_with_staff(
        &self,
        key: &str,
    ) -> Result<Option<(SessionRecord, Option<StaffAccount>)>>;
    async fn touch_session(&self, key: &str, now: Timestamp, expires_at: Timestamp) -> Result<()>;
    async fn delete_session(&self, key: &str) -> Result<()>;
    /// Removes expired sessions and sign-ins older than `pending_before`; returns how many.
    async fn purge_sessions(&self, now: Timestamp, pending_before: Timestamp) -> Result<u64>;
    async fn put_oidc_pending(&self, state_key: &str, payload: &str, now: Timestamp) -> Result<()>;
    /// Takes (and deletes) a pending sign-in: a state works once.
    async fn take_oidc_pending(&self, state_key: &str) -> Result<Option<(String, Timestamp)>>;
}

/// Which audit records a reader asks for, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// The reader's units, by materialised path; `None` for the whole log. A record is within
    /// a unit when its person lives there, its subject names a unit there (`unit:16591…` or a
    /// bare code) or an organisation there, or its actor or subject is a staff account whose
    /// every grant is there.
    /// Records about nothing of the kind (a platform operator's, a province's own) are outside
    /// every unit.
    pub within: Option<Vec<String>>,
    /// Only records by this actor (`staff:12`).
    pub actor: Option<String>,
    /// Only records by or about this staff account (`staff:12` as the actor or the subject:
    /// what they did, and what was done to their account, failed sign-ins included).
    pub account: Option<String>,
    /// Only records about this person.
    pub person: Option<i64>,
    /// Only records of this action (`person.view`).
    pub action: Option<String>,
    /// Only records at or after this instant (milliseconds).
    pub from: Option<i64>,
    /// Only records before this instant (milliseconds).
    pub until: Option<i64>,
    /// Cursor: only records before this sequence number.
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends a record in its own transaction.
    async fn append_audit(&self, entry: AuditEntry, now: Timestamp) -> Result<AuditRecord>;
    /// Records after `after_seq`, in order, at most `limit`.
    async fn audit_records(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditRecord>>;
    /// Records matching `q`, newest first, at most `q.limit`.
    async fn audit_search(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>>;
    /// Records about one person, newest first.
    async fn audit_of_person(&self, person: i64, limit: u32) -> Result<Vec<AuditRecord>>;
    /// The last sequence number and hash, as the store keeps them.
    async fn audit_head(&self) -> Result<(i64, String)>;
}

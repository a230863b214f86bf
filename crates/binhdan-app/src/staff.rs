//! Creating staff accounts, for `binhdan admin create` and the staff pages alike: the password
//! policy, the shape of the grant, Argon2id off the async threads, an optional TOTP secret, and
//! the audit record, in one place.

use binhdan_auth::access::Grant;
use binhdan_auth::password::{PasswordPolicy, PolicyError};
use binhdan_auth::totp::TotpSecret;
use binhdan_core::audit::{AuditEntry, Detail};
use binhdan_core::{Localized, Msg, Secret, Timestamp};
use binhdan_store::{NewStaff, Store, StoreError};

/// An account to create.
pub struct StaffRequest {
    pub username: String,
    pub display_name: String,
    pub password: Secret<String>,
    pub grant: Grant,
    /// Enrol an authenticator app (the secret is returned once, to show as a QR code or URI).
    pub totp: bool,
    /// Who creates it, for the audit log (`cli`, `staff:12`).
    pub actor: String,
}

/// Why an account was not created.
#[derive(Debug, thiserror::Error)]
pub enum StaffCreateError {
    #[error("the password does not meet the policy: {0}")]
    Password(PolicyError),
    #[error("the role cannot have that scope")]
    IllFormedGrant,
    #[error("the username is taken")]
    Taken { username: String },
    #[error("the username is empty or has spaces")]
    BadUsername,
    #[error("the display name is empty")]
    NoName,
    #[error("the password could not be hashed")]
    Hash,
    #[error(transparent)]
    Store(StoreError),
}

impl Localized for StaffCreateError {
    fn msg(&self) -> Msg {
        match self {
            Self::Password(e) => e.msg(),
            Self::IllFormedGrant => Msg::new("staff-grant-ill-formed"),
            Self::Taken { username } => {
                Msg::new("cli-admin-exists").arg("username", username.clone())
            }
            Self::BadUsername => Msg::new("staff-username-invalid"),
            Self::NoName => Msg::new("staff-name-missing"),
            Self::Hash => Msg::new("password-hash-failed"),
            Self::Store(_) => Msg::new("error-internal"),
        }
    }
}

/// Creates the account; returns its id and, if asked for, its new TOTP secret.
pub async fn create_staff(
    store: &dyn Store,
    request: StaffRequest,
    now: Timestamp,
) -> Result<(i64, Option<TotpSecret>), StaffCreateError> {
    let username = binhdan_core::text::clean(&request.username);
    // Visible ASCII only: a zero-width space or a Cyrillic `а` would make a lookalike of
    // another account's name.
    if username.is_empty() || username.len() > 64 || !username.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(StaffCreateError::BadUsername);
    }
    let display_name = binhdan_core::text::clean(&request.display_name);
    if display_name.is_empty() {
        return Err(StaffCreateError::NoName);
    }
    if !request.grant.is_well_formed() {
        return Err(StaffCreateError::IllFormedGrant);
    }
    PasswordPolicy::default()
        .check(&request.password, &username)
        .map_err(StaffCreateError::Password)?;
    let password = request.password;
    let hash = tokio::task::spawn_blocking(move || {
        binhdan_auth::password::hash_password(&password, &mut rand::rng())
    })
    .await
    .map_err(|_| StaffCreateError::Hash)?
    .map_err(|_| StaffCreateError::Hash)?;
    let totp = request.totp.then(|| TotpSecret::generate(&mut rand::rng()));
    let staff = NewStaff {
        username: username.clone(),
        display_name,
        password_hash: Secret::new(hash),
        totp_secret: totp.as_ref().map(TotpSecret::to_base32),
        grants: vec![request.grant],
    };
    let audit = AuditEntry::new(request.actor, "staff.create")
        .detail(&Detail::new().str("username", username.clone()));
    match store.create_staff(&staff, audit, now).await {
        Ok(id) => Ok((id, totp)),
        Err(StoreError::Conflict(_)) => Err(StaffCreateError::Taken { username }),
        Err(e) => Err(StaffCreateError::Store(e)),
    }
}

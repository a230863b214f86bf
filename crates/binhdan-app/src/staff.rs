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

/// What a stored TOTP secret sealed by the vault starts with (older rows hold the bare
/// base32 secret, still read).
const SEALED_TOTP: &str = "sealed:";
/// The vault's context for TOTP secrets: a value sealed for anything else does not open as one.
const TOTP_CONTEXT: &str = "staff-totp";

/// A TOTP secret as it is stored: sealed by the vault like a CCCD (`sealed:` and the sealed
/// bytes in hex), so that a copy of the database gives no second factor away.
///
/// # Errors
/// The vault could not seal (no key).
pub fn seal_totp(
    vault: &binhdan_vault::Vault,
    base32: &str,
) -> Result<String, binhdan_vault::VaultError> {
    let sealed = vault.seal_secret(base32.as_bytes(), TOTP_CONTEXT, &mut rand::rng())?;
    Ok(format!("{SEALED_TOTP}{}", hex::encode(sealed.as_bytes())))
}

/// The TOTP secret of a stored value: opened by the vault when sealed, read as base32 when
/// stored before sealing; `None` when it is neither (or the vault cannot open it).
#[must_use]
pub fn open_totp(vault: Option<&binhdan_vault::Vault>, stored: &str) -> Option<TotpSecret> {
    match stored.strip_prefix(SEALED_TOTP) {
        Some(sealed) => {
            let bytes = hex::decode(sealed).ok()?;
            let plain = vault?.open_secret(&bytes, TOTP_CONTEXT).ok()?;
            TotpSecret::from_base32(std::str::from_utf8(plain.expose()).ok()?).ok()
        }
        None => TotpSecret::from_base32(stored).ok(),
    }
}

/// Seals a TOTP secret stored in clear before secrets were sealed, once its owner has signed
/// in with it (so no stored secret stays readable without the vault): `true` if it was
/// resealed now. Without a vault, or when already sealed, nothing changes.
///
/// # Errors
/// The vault could not seal, or the store could not write (the caller only reports it).
pub async fn reseal_legacy_totp(
    store: &dyn Store,
    vault: Option<&binhdan_vault::Vault>,
    id: i64,
    stored: &str,
) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let Some(vault) = vault else {
        return Ok(false);
    };
    if stored.starts_with(SEALED_TOTP) || TotpSecret::from_base32(stored).is_err() {
        return Ok(false);
    }
    let sealed = seal_totp(vault, stored)?;
    Ok(store.reseal_totp(id, stored, &sealed).await?)
}

/// Seals every TOTP secret still stored in clear (from before secrets were sealed) at once,
/// without waiting for each owner's next sign-in: how many were resealed now. An account whose
/// secret changes meanwhile keeps the new one.
///
/// # Errors
/// The store could not be read or written, or the vault could not seal.
pub async fn reseal_all_legacy_totp(
    store: &dyn Store,
    vault: &binhdan_vault::Vault,
) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    let mut resealed = 0;
    for (id, stored) in store.staff_totp_secrets().await? {
        if reseal_legacy_totp(store, Some(vault), id, stored.expose()).await? {
            resealed += 1;
        }
    }
    Ok(resealed)
}

/// Creates the account; returns its id and, if asked for, its new TOTP secret (stored sealed
/// by `vault` when there is one).
pub async fn create_staff(
    store: &dyn Store,
    vault: Option<&binhdan_vault::Vault>,
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
        totp_secret: match (totp.as_ref(), vault) {
            (Some(t), Some(v)) => Some(Secret::new(
                seal_totp(v, t.to_base32().expose()).map_err(|_| StaffCreateError::Hash)?,
            )),
            (Some(t), None) => Some(t.to_base32()),
            (None, _) => None,
        },
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

#[cfg(test)]
mod totp_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use binhdan_vault::{Vault, VaultConfig};

    use super::{TotpSecret, open_totp, seal_totp};

    #[test]
    fn a_totp_secret_is_stored_sealed_and_opens_only_with_its_vault() {
        let vault = Vault::new(&VaultConfig::generate(&mut rand::rng())).unwrap();
        let other = Vault::new(&VaultConfig::generate(&mut rand::rng())).unwrap();
        let secret = TotpSecret::generate(&mut rand::rng());
        let base32 = secret.to_base32();
        let stored = seal_totp(&vault, base32.expose()).unwrap();
        assert!(stored.starts_with("sealed:") && !stored.contains(base32.expose().as_str()));
        let opened = open_totp(Some(&vault), &stored).unwrap();
        assert_eq!(opened.to_base32().expose(), base32.expose());
        assert!(open_totp(Some(&other), &stored).is_none(), "another vault");
        assert!(open_totp(None, &stored).is_none(), "no vault");
        // A secret stored before sealing is still read.
        assert!(open_totp(Some(&vault), base32.expose()).is_some());
        assert!(open_totp(Some(&vault), "sealed:zz").is_none());
    }

    /// The bulk reseal seals every secret stored in clear, leaves sealed ones and accounts
    /// without TOTP alone, and a second run finds nothing to do.
    #[tokio::test]
    async fn a_bulk_reseal_seals_every_clear_secret_once() {
        use binhdan_core::Secret;
        use binhdan_core::audit::AuditEntry;
        use binhdan_store::NewStaff;
        use binhdan_store::testing::TestDb;

        let db = TestDb::sqlite().await;
        let store = db.store.as_ref();
        let vault = Vault::new(&VaultConfig::generate(&mut rand::rng())).unwrap();
        let now = binhdan_core::Timestamp(1_764_000_000_000);
        let clear = TotpSecret::generate(&mut rand::rng()).to_base32();
        let sealed_before = seal_totp(
            &vault,
            TotpSecret::generate(&mut rand::rng()).to_base32().expose(),
        )
        .unwrap();
        let mut ids = Vec::new();
        for (name, totp) in [
            ("cu", Some(clear.expose().clone())),
            ("da-niem", Some(sealed_before.clone())),
            ("khong-totp", None),
        ] {
            let staff = NewStaff {
                username: name.to_owned(),
                display_name: name.to_owned(),
                password_hash: Secret::new("$argon2id$unused".to_owned()),
                totp_secret: totp.map(Secret::new),
                grants: Vec::new(),
            };
            ids.push(
                store
                    .create_staff(&staff, AuditEntry::new("test", "staff.create"), now)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(
            super::reseal_all_legacy_totp(store, &vault).await.unwrap(),
            1
        );
        let stored = |id| async move {
            store
                .staff(id)
                .await
                .unwrap()
                .unwrap()
                .totp_secret
                .map(|s| s.expose().clone())
        };
        let resealed = stored(ids[0]).await.unwrap();
        assert!(resealed.starts_with("sealed:") && !resealed.contains(clear.expose().as_str()));
        assert_eq!(
            open_totp(Some(&vault), &resealed)
                .unwrap()
                .to_base32()
                .expose(),
            clear.expose()
        );
        assert_eq!(
            stored(ids[1]).await.unwrap(),
            sealed_before,
            "already sealed: unchanged"
        );
        assert_eq!(stored(ids[2]).await, None);
        assert_eq!(
            super::reseal_all_legacy_totp(store, &vault).await.unwrap(),
            0,
            "nothing left"
        );
        db.cleanup().await;
    }
}

//! Protection of identity numbers at rest. Pure: no I/O, no clock; randomness is passed in.
//!
//! - **Encryption.** A [`Cccd`] is sealed with XChaCha20-Poly1305 (random 192-bit nonces, so
//!   random nonces never collide in practice) under the *current* key of the [`Vault`]. The
//!   [`Sealed`] bytes name the key they were made with, so keys rotate: older keys stay in the
//!   configuration for decryption, and [`Vault::reseal`] moves a value to the current key.
//! - **Look-up.** [`Vault::lookup_hash`] is a keyed HMAC-SHA-256 of the number: equal numbers
//!   give equal hashes, so a unique index on it finds duplicates and answers "is this CCCD
//!   registered?" without decrypting anything, while a stolen database without the key does not
//!   let anyone test the (small) space of valid numbers.
//! - **Credentials.** [`salted_hash`] and [`identity_hash`] name a person in a credential as a
//!   salted SHA-256 of the number (Open Badges 3.0 `IdentityObject`, `hashed: true`).
//!
//! # Sealed format, version 1
//!
//! | bytes | content |
//! | --- | --- |
//! | 1 | version, `0x01` |
//! | 1 | length `n` of the key id, 1–32 |
//! | n | key id, ASCII `[A-Za-z0-9._-]` |
//! | 24 | nonce |
//! | 12 | the 12 digits, encrypted |
//! | 16 | Poly1305 tag |
//!
//! The associated data is `binhdan/cccd` followed by the header (version, length, key id): a
//! sealed CCCD cannot be passed off as another kind of sealed value, nor moved to another key id.

use std::fmt;
use std::fmt::Write as _;

use base64::Engine as _;
use binhdan_core::cccd::Cccd;
use binhdan_core::{Localized, Msg, Secret};
use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{Key, KeyInit, Tag, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::CryptoRng;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// The version byte of the sealed format.
pub const SEALED_VERSION: u8 = 1;
/// Bytes of an encryption key.
pub const KEY_LEN: usize = 32;
/// Minimum bytes of the look-up (HMAC) key.
pub const MIN_HMAC_KEY_LEN: usize = 32;
/// Maximum bytes of a key id.
pub const MAX_KEY_ID_LEN: usize = 32;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const PURPOSE: &[u8] = b"binhdan/cccd";
const LOOKUP_CONTEXT: &[u8] = b"binhdan/cccd/lookup/v1\0";
const PHONE_LOOKUP_CONTEXT: &[u8] = b"binhdan/phone/lookup/v1\0";
const KEY_CHECK_CONTEXT: &[u8] = b"binhdan/vault/key-check/v1";

type HmacSha256 = Hmac<Sha256>;

/// One encryption key of the configuration.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// A short name stored in every value sealed with the key (`k1`, `2026-01`).
    pub id: String,
    /// 32 bytes as base64 (standard or URL-safe, padded or not) or hex; `hex:` and `base64:`
    /// prefixes remove any doubt.
    pub key: Secret<String>,
}

/// The vault's configuration, as read from the configuration file or the environment.
/// `Debug` shows key ids only.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultConfig {
    /// Every key that may have sealed a stored value; at least the current one.
    pub keys: Vec<KeyConfig>,
    /// The id of the key that seals new values.
    pub current: String,
    /// The key of look-up hashes: 32 bytes or more, base64 or hex. Never rotated casually:
    /// changing it changes every look-up hash (see [`Vault::lookup_key_check`]).
    pub hmac_key: Secret<String>,
}

impl VaultConfig {
    /// A fresh configuration: one encryption key `k1`, current, and a look-up key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self {
            keys: vec![KeyConfig {
                id: "k1".to_owned(),
                key: generate_key(rng),
            }],
            current: "k1".to_owned(),
            hmac_key: generate_key(rng),
        }
    }

    /// Adds a fresh encryption key and makes it current; the old keys stay for decryption.
    /// Returns the new key's id (`k2`, `k3`…, the first free one).
    pub fn rotate<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> String {
        // Among n + 1 candidates, one is free.
        let id = (1..=self.keys.len() + 1)
            .map(|n| format!("k{n}"))
            .find(|id| !self.keys.iter().any(|k| &k.id == id))
            .unwrap_or_default();
        self.keys.push(KeyConfig {
            id: id.clone(),
            key: generate_key(rng),
        });
        self.current.clone_from(&id);
        id
    }

    /// The configuration as a TOML table named `table`, to write to a configuration file. It
    /// holds the keys, so it comes back as a [`Secret`].
    #[must_use]
    pub fn to_toml(&self, table: &str) -> Secret<String> {
        let mut s = format!(
            "[{table}]\ncurrent = \"{}\"\nhmac_key = \"{}\"\n",
            self.current,
            self.hmac_key.expose()
        );
        for k in &self.keys {
            // Writing to a String cannot fail.
            let _ = write!(
                s,
                "\n[[{table}.keys]]\nid = \"{}\"\nkey = \"{}\"\n",
                k.id,
                k.key.expose()
            );
        }
        Secret::new(s)
    }
}

/// A fresh 32-byte key, as standard padded base64 (44 characters).
pub fn generate_key<R: CryptoRng + ?Sized>(rng: &mut R) -> Secret<String> {
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    rng.fill_bytes(bytes.as_mut());
    Secret::new(base64::engine::general_purpose::STANDARD.encode(bytes.as_ref()))
}

/// Decodes key material: `hex:…`, `base64:…`, or unprefixed hex (an even number of hex digits)
/// or base64.
fn decode_key(s: &str) -> Option<Zeroizing<Vec<u8>>> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("hex:") {
        return hex::decode(h).ok().map(Zeroizing::new);
    }
    let b64 = |t: &str| {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|e| e.decode(t).ok())
            .map(Zeroizing::new)
    };
    if let Some(b) = s.strip_prefix("base64:") {
        return b64(b);
    }
    if !s.is_empty() && s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(s).ok().map(Zeroizing::new);
    }
    b64(s)
}

fn valid_key_id(id: &str) -> bool {
    (1..=MAX_KEY_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The keys, ready to seal, open and hash. `Debug` shows key ids only.
#[derive(Clone)]
pub struct Vault {
    keys: Vec<(String, XChaCha20Poly1305)>,
    current: usize,
    hmac: HmacSha256,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field(
                "keys",
                &self
                    .keys
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("current", &self.current_key_id())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Checks the configuration and prepares the keys.
    pub fn new(config: &VaultConfig) -> Result<Self, VaultError> {
        if config.keys.is_empty() {
            return Err(VaultError::NoKeys);
        }
        let mut keys: Vec<(String, XChaCha20Poly1305)> = Vec::with_capacity(config.keys.len());
        let mut raw_keys: Vec<Zeroizing<Vec<u8>>> = Vec::with_capacity(config.keys.len());
        for k in &config.keys {
            if !valid_key_id(&k.id) {
                return Err(VaultError::InvalidKeyId {
                    id: k.id.chars().take(MAX_KEY_ID_LEN + 8).collect(),
                });
            }
            if keys.iter().any(|(id, _)| id == &k.id) {
                return Err(VaultError::DuplicateKeyId { id: k.id.clone() });
            }
            let bytes = decode_key(k.key.expose())
                .ok_or_else(|| VaultError::KeyEncoding { id: k.id.clone() })?;
            if bytes.len() != KEY_LEN {
                return Err(VaultError::KeyLength {
                    id: k.id.clone(),
                    bytes: bytes.len(),
                });
            }
            if raw_keys.iter().any(|r| r.as_slice() == bytes.as_slice()) {
                return Err(VaultError::KeyReused { id: k.id.clone() });
            }
            let mut key = Key::default();
            key.copy_from_slice(&bytes);
            keys.push((k.id.clone(), XChaCha20Poly1305::new(&key)));
            key.zeroize();
            raw_keys.push(bytes);
        }
        let current = keys
            .iter()
            .position(|(id, _)| id == &config.current)
            .ok_or_else(|| VaultError::UnknownCurrentKey {
                id: config.current.chars().take(MAX_KEY_ID_LEN + 8).collect(),
            })?;
        let hmac_key = decode_key(config.hmac_key.expose()).ok_or(VaultError::HmacKeyEncoding)?;
        if hmac_key.len() < MIN_HMAC_KEY_LEN {
            return Err(VaultError::HmacKeyTooShort {
                bytes: hmac_key.len(),
            });
        }
        if raw_keys.iter().any(|r| r.as_slice() == hmac_key.as_slice()) {
            return Err(VaultError::HmacKeyReused);
        }
        let hmac =
            HmacSha256::new_from_slice(&hmac_key).map_err(|_| VaultError::HmacKeyTooShort {
                bytes: hmac_key.len(),
            })?;
        Ok(Self {
            keys,
            current,
            hmac,
        })
    }

    /// The id of the key that seals new values.
    #[must_use]
    pub fn current_key_id(&self) -> &str {
        self.keys
            .get(self.current)
            .map_or("", |(id, _)| id.as_str())
    }

    /// Seals a CCCD under the current key with a fresh random nonce.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        cccd: &Cccd,
        rng: &mut R,
    ) -> Result<Sealed, VaultError> {
        let (id, cipher) = self.keys.get(self.current).ok_or(VaultError::NoKeys)?;
        let id_len = u8::try_from(id.len()).map_err(|_| VaultError::Encrypt)?;
        let digits = cccd.expose().as_bytes();
        let header_len = 2 + id.len();
        let mut out = Vec::with_capacity(header_len + NONCE_LEN + digits.len() + TAG_LEN);
        out.push(SEALED_VERSION);
        out.push(id_len);
        out.extend_from_slice(id.as_bytes());
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        out.extend_from_slice(&nonce);
        let aad = associated_data(&out[..header_len]);
        out.extend_from_slice(digits);
        let body = header_len + NONCE_LEN;
        let tag = cipher
            .encrypt_inout_detached(&XNonce::from(nonce), &aad, (&mut out[body..]).into())
            .map_err(|_| VaultError::Encrypt)?;
        out.extend_from_slice(&tag);
        Ok(Sealed(out))
    }

    /// Opens a sealed CCCD. Fails, without panicking, on anything that was not sealed by one
    /// of this vault's keys and left untouched.
    pub fn decrypt(&self, sealed: &[u8]) -> Result<Cccd, VaultError> {
        let parts = SealedParts::split(sealed)?;
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(id, _)| id.as_bytes() == parts.key_id)
            .ok_or_else(|| VaultError::UnknownKeyId {
                id: String::from_utf8_lossy(parts.key_id).into_owned(),
            })?;
        let aad = associated_data(parts.header);
        let mut buf = Zeroizing::new([0u8; Cccd::LEN]);
        buf.copy_from_slice(parts.ciphertext);
        let nonce = XNonce::try_from(parts.nonce).map_err(|_| VaultError::Malformed)?;
        let tag = Tag::try_from(parts.tag).map_err(|_| VaultError::Malformed)?;
        cipher
            .decrypt_inout_detached(&nonce, &aad, buf.as_mut_slice().into(), &tag)
            .map_err(|_| VaultError::Tampered)?;
        let digits =
            std::str::from_utf8(buf.as_slice()).map_err(|_| VaultError::InvalidPlaintext)?;
        Cccd::parse(digits).map_err(|_| VaultError::InvalidPlaintext)
    }

    /// Seals any secret (a signing key, a TOTP secret) under the current key. `context` names
    /// what it is and is bound to the ciphertext: a value sealed for one context, or a sealed
    /// CCCD, does not open as another.
    pub fn seal_secret<R: CryptoRng + ?Sized>(
        &self,
        plain: &[u8],
        context: &str,
        rng: &mut R,
    ) -> Result<Sealed, VaultError> {
        let (id, cipher) = self.keys.get(self.current).ok_or(VaultError::NoKeys)?;
        let id_len = u8::try_from(id.len()).map_err(|_| VaultError::Encrypt)?;
        let header_len = 2 + id.len();
        let mut out = Vec::with_capacity(header_len + NONCE_LEN + plain.len() + TAG_LEN);
        out.push(SEALED_VERSION);
        out.push(id_len);
        out.extend_from_slice(id.as_bytes());
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        out.extend_from_slice(&nonce);
        let aad = secret_associated_data(&out[..header_len], context);
        out.extend_from_slice(plain);
        let body = header_len + NONCE_LEN;
        let tag = cipher
            .encrypt_inout_detached(&XNonce::from(nonce), &aad, (&mut out[body..]).into())
            .map_err(|_| VaultError::Encrypt)?;
        out.extend_from_slice(&tag);
        Ok(Sealed(out))
    }

    /// Opens a secret sealed by [`Vault::seal_secret`] for the same `context`.
    pub fn open_secret(&self, sealed: &[u8], context: &str) -> Result<Secret<Vec<u8>>, VaultError> {
        if sealed.len() < 2 + NONCE_LEN + TAG_LEN {
            return Err(VaultError::Malformed);
        }
        let id_len = usize::from(sealed[1]);
        let header_len = 2 + id_len;
        if sealed[0] != SEALED_VERSION || sealed.len() < header_len + NONCE_LEN + TAG_LEN {
            return Err(VaultError::Malformed);
        }
        let key_id = &sealed[2..header_len];
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(id, _)| id.as_bytes() == key_id)
            .ok_or_else(|| VaultError::UnknownKeyId {
                id: String::from_utf8_lossy(key_id).into_owned(),
            })?;
        let aad = secret_associated_data(&sealed[..header_len], context);
        let nonce = XNonce::try_from(&sealed[header_len..header_len + NONCE_LEN])
            .map_err(|_| VaultError::Malformed)?;
        let tag_at = sealed.len() - TAG_LEN;
        let tag = Tag::try_from(&sealed[tag_at..]).map_err(|_| VaultError::Malformed)?;
        let mut buf = sealed[header_len + NONCE_LEN..tag_at].to_vec();
        cipher
            .decrypt_inout_detached(&nonce, &aad, buf.as_mut_slice().into(), &tag)
            .map_err(|_| VaultError::Tampered)?;
        Ok(Secret::new(buf))
    }

    /// Whether a sealed value was made with an older key than the current one.
    pub fn needs_reseal(&self, sealed: &[u8]) -> Result<bool, VaultError> {
        Ok(sealed_key_id(sealed)? != self.current_key_id())
    }

    /// Opens a sealed value and seals it again under the current key (key rotation).
    pub fn reseal<R: CryptoRng + ?Sized>(
        &self,
        sealed: &[u8],
        rng: &mut R,
    ) -> Result<Sealed, VaultError> {
        self.encrypt(&self.decrypt(sealed)?, rng)
    }

    /// The keyed look-up hash: HMAC-SHA-256 under the look-up key of
    /// `"binhdan/cccd/lookup/v1\0" ‖ the 12 digits`. Deterministic: store it with a unique index.
    #[must_use]
    pub fn lookup_hash(&self, cccd: &Cccd) -> [u8; 32] {
        self.hmac
            .clone()
            .chain_update(LOOKUP_CONTEXT)
            .chain_update(cccd.expose().as_bytes())
            .finalize()
            .into_bytes()
            .into()
    }

    /// The keyed look-up hash of a phone number (`0912345678`), under the same key as
    /// [`Vault::lookup_hash`] with its own context (`"binhdan/phone/lookup/v1\0"`): it lets a
    /// check-in of someone not on the registry count once without storing their number.
    #[must_use]
    pub fn phone_lookup_hash(&self, phone: &str) -> [u8; 32] {
        self.hmac
            .clone()
            .chain_update(PHONE_LOOKUP_CONTEXT)
            .chain_update(phone.as_bytes())
            .finalize()
            .into_bytes()
            .into()
    }

    /// A short, non-secret fingerprint of the look-up key (hex of 8 bytes). Store it next to the
    /// look-up hashes and compare it at start-up: a changed look-up key would otherwise silently
    /// make every look-up miss.
    #[must_use]
    pub fn lookup_key_check(&self) -> String {
        let full = self
            .hmac
            .clone()
            .chain_update(KEY_CHECK_CONTEXT)
            .finalize()
            .into_bytes();
        hex::encode(&full[..8])
    }
}

/// The associated data of a sealed secret: unlike a CCCD's, it names the secret's context.
fn secret_associated_data(header: &[u8], context: &str) -> Vec<u8> {
    let mut aad = associated_data(header);
    aad.extend_from_slice(b"\0secret\0");
    aad.extend_from_slice(context.as_bytes());
    aad
}

fn associated_data(header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(PURPOSE.len() + header.len());
    aad.extend_from_slice(PURPOSE);
    aad.extend_from_slice(header);
    aad
}

/// The fields of a sealed value, checked for shape only.
struct SealedParts<'a> {
    header: &'a [u8],
    key_id: &'a [u8],
    nonce: &'a [u8],
    ciphertext: &'a [u8],
    tag: &'a [u8],
}

impl<'a> SealedParts<'a> {
    fn split(b: &'a [u8]) -> Result<Self, VaultError> {
        let (&version, rest) = b.split_first().ok_or(VaultError::Malformed)?;
        if version != SEALED_VERSION {
            return Err(VaultError::UnsupportedVersion { version });
        }
        let (&id_len, rest) = rest.split_first().ok_or(VaultError::Malformed)?;
        let id_len = usize::from(id_len);
        if !(1..=MAX_KEY_ID_LEN).contains(&id_len)
            || rest.len() != id_len + NONCE_LEN + Cccd::LEN + TAG_LEN
        {
            return Err(VaultError::Malformed);
        }
        let (key_id, rest) = rest.split_at(id_len);
        if !std::str::from_utf8(key_id).is_ok_and(valid_key_id) {
            return Err(VaultError::Malformed);
        }
        let (nonce, rest) = rest.split_at(NONCE_LEN);
        let (ciphertext, tag) = rest.split_at(Cccd::LEN);
        Ok(Self {
            header: &b[..2 + id_len],
            key_id,
            nonce,
            ciphertext,
            tag,
        })
    }
}

/// The id of the key a sealed value was made with (to find values to reseal).
pub fn sealed_key_id(sealed: &[u8]) -> Result<&str, VaultError> {
    let parts = SealedParts::split(sealed)?;
    std::str::from_utf8(parts.key_id).map_err(|_| VaultError::Malformed)
}

/// A sealed CCCD: self-describing bytes for a BLOB column (see the module documentation).
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(Vec<u8>);

impl Sealed {
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The id of the key that sealed it.
    #[must_use]
    pub fn key_id(&self) -> &str {
        sealed_key_id(&self.0).unwrap_or_default()
    }
}

impl AsRef<[u8]> for Sealed {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Sealed(v{}, key {}, {} bytes)",
            SEALED_VERSION,
            self.key_id(),
            self.0.len()
        )
    }
}

/// SHA-256 over `the 12 digits ‖ salt`: the hash of an Open Badges 3.0 / W3C Verifiable
/// Credential `IdentityObject` with `hashed: true` ("a hash across an identifier and an
/// optionally appended salt string"). Use a fresh random salt per credential
/// ([`generate_salt`]) and publish the salt with the hash, so holders and verifiers who know the
/// number can check it while the credential alone does not reveal it.
#[must_use]
pub fn salted_hash(cccd: &Cccd, salt: &[u8]) -> [u8; 32] {
    Sha256::new()
        .chain_update(cccd.expose().as_bytes())
        .chain_update(salt)
        .finalize()
        .into()
}

/// The `identityHash` string of an `IdentityObject`: `sha256$` and the lowercase hex of
/// [`salted_hash`] with the UTF-8 salt.
#[must_use]
pub fn identity_hash(cccd: &Cccd, salt: &str) -> String {
    format!("sha256${}", hex::encode(salted_hash(cccd, salt.as_bytes())))
}

/// A fresh salt for [`identity_hash`]: 16 random bytes as 32 hex digits.
pub fn generate_salt<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Why the vault could not be built, or a value not sealed or opened. No variant holds key
/// material or a CCCD; key ids are not secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the vault has no encryption key")]
    NoKeys,
    #[error("key id {id:?} is not valid: 1 to 32 letters, digits, '.', '_' or '-'")]
    InvalidKeyId { id: String },
    #[error("key id {id} appears twice")]
    DuplicateKeyId { id: String },
    #[error("key {id} is neither base64 nor hex")]
    KeyEncoding { id: String },
    #[error("key {id} has {bytes} bytes, not 32")]
    KeyLength { id: String, bytes: usize },
    #[error("key {id} repeats another key")]
    KeyReused { id: String },
    #[error("the current key {id:?} is not among the keys")]
    UnknownCurrentKey { id: String },
    #[error("the look-up key is neither base64 nor hex")]
    HmacKeyEncoding,
    #[error("the look-up key has {bytes} bytes, at least 32 are needed")]
    HmacKeyTooShort { bytes: usize },
    #[error("the look-up key repeats an encryption key")]
    HmacKeyReused,
    #[error("encryption failed")]
    Encrypt,
    #[error("not a sealed value")]
    Malformed,
    #[error("sealed value of unknown version {version}")]
    UnsupportedVersion { version: u8 },
    #[error("sealed with key {id}, which is not configured")]
    UnknownKeyId { id: String },
    #[error("the sealed value was altered or the key is wrong")]
    Tampered,
    #[error("the sealed value does not hold a valid CCCD")]
    InvalidPlaintext,
}

impl Localized for VaultError {
    fn msg(&self) -> Msg {
        match self {
            Self::NoKeys => Msg::new("vault-no-keys"),
            Self::InvalidKeyId { id } => Msg::new("vault-key-id-invalid").arg("id", id),
            Self::DuplicateKeyId { id } => Msg::new("vault-key-id-duplicate").arg("id", id),
            Self::KeyEncoding { id } => Msg::new("vault-key-encoding").arg("id", id),
            Self::KeyLength { id, bytes } => Msg::new("vault-key-length")
                .arg("id", id)
                .arg("bytes", bytes),
            Self::KeyReused { id } => Msg::new("vault-key-reused").arg("id", id),
            Self::UnknownCurrentKey { id } => Msg::new("vault-current-key-unknown").arg("id", id),
            Self::HmacKeyEncoding => Msg::new("vault-hmac-key-encoding"),
            Self::HmacKeyTooShort { bytes } => {
                Msg::new("vault-hmac-key-too-short").arg("bytes", bytes)
            }
            Self::HmacKeyReused => Msg::new("vault-hmac-key-reused"),
            Self::Encrypt => Msg::new("vault-encrypt-failed"),
            Self::Malformed => Msg::new("vault-sealed-malformed"),
            Self::UnsupportedVersion { version } => {
                Msg::new("vault-sealed-version").arg("version", version)
            }
            Self::UnknownKeyId { id } => Msg::new("vault-sealed-key-unknown").arg("id", id),
            Self::Tampered => Msg::new("vault-sealed-tampered"),
            Self::InvalidPlaintext => Msg::new("vault-sealed-invalid"),
        }
    }
}

#[cfg(test)]
mod tests;

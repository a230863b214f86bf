//! VC-JOSE: credentials secured as compact JWS (`typ: vc+jwt`), Ed25519 (`alg: EdDSA`).
//!
//! Per W3C "Securing Verifiable Credentials using JOSE and COSE", the JWS payload is the
//! credential JSON itself (no `vc` claim wrapper). The header is
//! `{"alg":"EdDSA","typ":"vc+jwt","kid":"did:web:…#key-…"}`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::credential::AchievementCredential;
use crate::keys::{IssuerKey, KeyRing};
use crate::status::StatusListCredential;
use crate::{Failure, Timestamp};

/// The `typ` header value of a credential secured with JOSE.
pub const TYP_VC_JWT: &str = "vc+jwt";
/// Tokens longer than this are rejected unread (`malformed`).
pub const MAX_TOKEN_LEN: usize = 256 * 1024;

/// Why signing failed (it only can if the payload does not serialize).
#[derive(Debug, thiserror::Error)]
#[error("cannot serialize the credential: {0}")]
pub struct SignError(#[from] serde_json::Error);

#[derive(Serialize)]
struct HeaderOut<'a> {
    alg: &'static str,
    typ: &'static str,
    kid: &'a str,
}

#[derive(Deserialize)]
struct HeaderIn {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
    #[serde(default)]
    b64: Option<serde_json::Value>,
}

/// Signs any JSON payload as a compact JWS with `typ: vc+jwt`.
pub fn sign_payload<T: Serialize>(payload: &T, key: &IssuerKey) -> Result<String, SignError> {
    sign_compact(payload, TYP_VC_JWT, key.id(), |input| key.sign(input))
}

/// Signs a JSON payload as a compact JWS (`alg: EdDSA`) with the given `typ` and `kid`.
pub(crate) fn sign_compact<T: Serialize>(
    payload: &T,
    typ: &'static str,
    kid: &str,
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> Result<String, SignError> {
    let header = serde_json::to_vec(&HeaderOut {
        alg: "EdDSA",
        typ,
        kid,
    })?;
    let body = serde_json::to_vec(payload)?;
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(body, &mut token);
    let sig = sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(sig, &mut token);
    Ok(token)
}

/// Signs a certificate.
pub fn sign_credential(
    credential: &AchievementCredential,
    key: &IssuerKey,
) -> Result<String, SignError> {
    sign_payload(credential, key)
}

/// A JWS whose signature checked out, with the id of the key that made it.
pub(crate) struct Verified<T> {
    pub payload: T,
    pub kid: String,
}

/// Verifies structure, header, key and signature, then decodes the payload. Never panics.
pub(crate) fn verify_payload<T: DeserializeOwned>(
    token: &str,
    ring: &KeyRing,
) -> Result<Verified<T>, Failure> {
    verify_compact(token, TYP_VC_JWT, |kid| {
        ring.get(kid).map(|k| *k.verifying())
    })
}

/// Verifies a compact JWS of the given `typ`, signed with `EdDSA` by the key `key_of` finds
/// for its `kid`, then decodes the payload. Never panics.
pub(crate) fn verify_compact<T: DeserializeOwned>(
    token: &str,
    typ: &str,
    key_of: impl FnOnce(&str) -> Option<ed25519_dalek::VerifyingKey>,
) -> Result<Verified<T>, Failure> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Failure::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h64), Some(p64), Some(s64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Failure::Malformed);
    };
    let header_bytes = URL_SAFE_NO_PAD
        .decode(h64)
        .map_err(|_| Failure::Malformed)?;
    let header: HeaderIn = serde_json::from_slice(&header_bytes).map_err(|_| Failure::Malformed)?;
    if header.alg != "EdDSA" {
        return Err(Failure::AlgUnsupported);
    }
    if header.crit.is_some() || header.b64.is_some() {
        return Err(Failure::Malformed);
    }
    if header.typ.as_deref() != Some(typ) {
        return Err(Failure::TypInvalid);
    }
    let kid = header.kid.ok_or(Failure::KeyUnknown)?;
    let key = key_of(&kid).ok_or(Failure::KeyUnknown)?;
    let sig_bytes = URL_SAFE_NO_PAD
        .decode(s64)
        .map_err(|_| Failure::Malformed)?;
    let sig_arr: [u8; 64] = sig_bytes.try_into().map_err(|_| Failure::Malformed)?;
    let sig = ed25519_dalek::Signature::from_bytes(&sig_arr);
    let signing_input_len = h64.len() + 1 + p64.len();
    let signing_input = token.get(..signing_input_len).ok_or(Failure::Malformed)?;
    key.verify_strict(signing_input.as_bytes(), &sig)
        .map_err(|_| Failure::SignatureInvalid)?;
    let payload_bytes = URL_SAFE_NO_PAD
        .decode(p64)
        .map_err(|_| Failure::Malformed)?;
    let payload = serde_json::from_slice(&payload_bytes).map_err(|_| Failure::Malformed)?;
    Ok(Verified { payload, kid })
}

/// Checks that the key's DID is the credential's issuer and that `now` is within
/// `[validFrom, validUntil)`.
pub(crate) fn check_issuer_and_time(
    kid: &str,
    issuer: &str,
    valid_from: &str,
    valid_until: Option<&str>,
    now: Timestamp,
) -> Result<(), Failure> {
    let did = kid.split_once('#').map_or(kid, |(d, _)| d);
    if did != issuer {
        return Err(Failure::IssuerMismatch);
    }
    let from = Timestamp::parse_rfc3339(valid_from).ok_or(Failure::Malformed)?;
    if now < from {
        return Err(Failure::NotYetValid);
    }
    if let Some(until) = valid_until {
        let until = Timestamp::parse_rfc3339(until).ok_or(Failure::Malformed)?;
        if now >= until {
            return Err(Failure::Expired);
        }
    }
    Ok(())
}

/// The outcome of verifying a certificate token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    Valid {
        credential: Box<AchievementCredential>,
        /// The key that signed it (may be a retired key).
        kid: String,
    },
    Invalid(Failure),
}

impl Verification {
    /// The stable machine code: `valid` or the failure's code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Valid { .. } => "valid",
            Self::Invalid(f) => f.code(),
        }
    }

    #[must_use]
    pub fn is_valid(&self) -> bool {
        matches!(self, Self::Valid { .. })
    }

    pub fn into_result(self) -> Result<AchievementCredential, Failure> {
        match self {
            Self::Valid { credential, .. } => Ok(*credential),
            Self::Invalid(f) => Err(f),
        }
    }
}

/// Verifies a certificate token: structure, `alg` (only `EdDSA`), `typ` (`vc+jwt`), `kid`
/// in the ring, Ed25519 signature, credential JSON, issuer = DID of the key, and
/// `validFrom <= now < validUntil`. Revocation is checked separately
/// ([`crate::status::check_revocation`]) because it needs the status list.
#[must_use]
pub fn verify_jwt(token: &str, ring: &KeyRing, now: Timestamp) -> Verification {
    let run = || -> Result<Verification, Failure> {
        let v: Verified<AchievementCredential> = verify_payload(token, ring)?;
        let c = &v.payload;
        if !c.kind.iter().any(|t| t == "VerifiableCredential")
            || !c
                .kind
                .iter()
                .any(|t| t == "OpenBadgeCredential" || t == "AchievementCredential")
        {
            return Err(Failure::Malformed);
        }
        check_issuer_and_time(
            &v.kid,
            &c.issuer.id,
            &c.valid_from,
            c.valid_until.as_deref(),
            now,
        )?;
        Ok(Verification::Valid {
            credential: Box::new(v.payload),
            kid: v.kid,
        })
    };
    run().unwrap_or_else(Verification::Invalid)
}

/// Verifies a status list credential token the same way.
pub fn verify_status_list_jwt(
    token: &str,
    ring: &KeyRing,
    now: Timestamp,
) -> Result<StatusListCredential, Failure> {
    let v: Verified<StatusListCredential> = verify_payload(token, ring)?;
    let c = &v.payload;
    if !c.kind.iter().any(|t| t == "BitstringStatusListCredential")
        || c.credential_subject.kind != "BitstringStatusList"
    {
        return Err(Failure::Malformed);
    }
    check_issuer_and_time(
        &v.kid,
        &c.issuer.id,
        &c.valid_from,
        c.valid_until.as_deref(),
        now,
    )?;
    Ok(v.payload)
}

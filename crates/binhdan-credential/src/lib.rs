//! Verifiable certificates of the "Bình dân học vụ số" campaign.
//!
//! - [`credential`]: the certificate as an Open Badges 3.0 `OpenBadgeCredential` in the
//!   W3C Verifiable Credentials Data Model 2.0;
//! - [`jws`]: secured as VC-JOSE (`typ: vc+jwt`, compact JWS, Ed25519 `EdDSA`), and verified;
//! - [`keys`]: issuer keys, the verifier's key ring (rotation), JWKS and `did:web` document;
//! - [`status`]: revocation with the W3C Bitstring Status List v1.0;
//! - [`qr`]: a short signed payload for the QR code printed on the certificate;
//! - [`presentation`]: presentations a holder signs (`typ: vp+jwt`, `did:jwk`), verified.
//!
//! Pure: no I/O, no clock (callers pass `now`), randomness only from a caller's CSPRNG.

pub mod credential;
pub mod jws;
pub mod keys;
pub mod presentation;
pub mod qr;
pub mod status;
pub mod time;

pub use credential::{AchievementCredential, CertificateSpec};
pub use jws::{Verification, sign_credential, verify_jwt, verify_status_list_jwt};
pub use keys::{IssuerKey, KeyRing, PublicKey};
pub use status::{StatusList, StatusListCredential, check_revocation, status_of};
pub use time::{Date, Timestamp};

/// Why a token, QR payload or status check did not verify. Each has a stable machine
/// code ([`Failure::code`]) that the web layer translates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Failure {
    /// Not a well-formed token: structure, base64url, JSON, or a required field.
    #[error("malformed")]
    Malformed,
    /// `alg` is not `EdDSA` (this rejects `none`, `HS256`, `RS256`, …).
    #[error("alg-unsupported")]
    AlgUnsupported,
    /// `typ` is not `vc+jwt`.
    #[error("typ-invalid")]
    TypInvalid,
    /// No `kid`, or a `kid` not in the key ring.
    #[error("key-unknown")]
    KeyUnknown,
    /// The signature does not match (tampered header or payload, or wrong key).
    #[error("signature-invalid")]
    SignatureInvalid,
    /// The credential's issuer is not the DID of the key that signed it.
    #[error("issuer-mismatch")]
    IssuerMismatch,
    /// `now` is before `validFrom`.
    #[error("not-yet-valid")]
    NotYetValid,
    /// `now` is at or after `validUntil`.
    #[error("expired")]
    Expired,
    /// The status list marks the credential revoked.
    #[error("revoked")]
    Revoked,
    /// The status list given is not the credential's, or cannot be read.
    #[error("status-unavailable")]
    StatusUnavailable,
}

impl Failure {
    /// The stable machine code, e.g. `signature-invalid`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::AlgUnsupported => "alg-unsupported",
            Self::TypInvalid => "typ-invalid",
            Self::KeyUnknown => "key-unknown",
            Self::SignatureInvalid => "signature-invalid",
            Self::IssuerMismatch => "issuer-mismatch",
            Self::NotYetValid => "not-yet-valid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::StatusUnavailable => "status-unavailable",
        }
    }
}

//! Verifiable presentations secured with JOSE (`typ: vp+jwt`): a holder puts credentials in a
//! presentation and signs it with their own key, so a verifier knows who presents them and
//! (with a `nonce` it chose) that the presentation was made for it.
//!
//! The holder is a `did:jwk` (its public key is the DID itself, `did:jwk:<base64url(JWK)>`), so
//! a presentation verifies with nothing looked up: the JWS `kid` is `did:jwk:…#0`, the key an
//! Ed25519 OKP JWK, and the presentation's `holder`, when it names one, is that DID. The
//! credentials inside are the caller's to verify, one by one (`crate::verify_jwt`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::Deserialize;

use crate::Failure;
use crate::jws::{SignError, sign_compact, verify_compact};

/// The `typ` header value of a presentation secured with JOSE.
pub const TYP_VP_JWT: &str = "vp+jwt";
/// The VC 2.0 context every presentation starts with.
pub const CONTEXT_V2: &str = "https://www.w3.org/ns/credentials/v2";

/// Why a presentation did not verify (the credentials inside are checked separately).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PresentationFailure {
    /// The JWS itself: structure, `alg`, `typ`, the holder's key (`key-unknown`: not a
    /// `did:jwk` of an Ed25519 key), the signature.
    #[error("{0}")]
    Token(Failure),
    /// The payload is not a VC 2.0 `VerifiablePresentation`.
    #[error("not-a-presentation")]
    NotAPresentation,
    /// `holder` names someone other than the key that signed.
    #[error("holder-mismatch")]
    HolderMismatch,
    /// The verifier's challenge is not the presentation's `nonce`.
    #[error("challenge-mismatch")]
    ChallengeMismatch,
    /// The verifier's domain is not the presentation's `aud`.
    #[error("domain-mismatch")]
    DomainMismatch,
}

impl PresentationFailure {
    /// The stable machine code, e.g. `holder-mismatch` or a token's `signature-invalid`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Token(f) => f.code(),
            Self::NotAPresentation => "not-a-presentation",
            Self::HolderMismatch => "holder-mismatch",
            Self::ChallengeMismatch => "challenge-mismatch",
            Self::DomainMismatch => "domain-mismatch",
        }
    }
}

/// What the verifier asked the presentation to be bound to (VC API `options`).
#[derive(Clone, Debug, Default)]
pub struct Binding<'a> {
    /// Must equal the presentation's `nonce`.
    pub challenge: Option<&'a str>,
    /// Must equal (or be among) the presentation's `aud`.
    pub domain: Option<&'a str>,
}

/// Verifies a `vp+jwt`: the holder's signature, the presentation's shape, its holder and the
/// verifier's binding. Returns the presentation (its `verifiableCredential` still to verify)
/// and the holder's DID. Never panics.
pub fn verify_presentation_jwt(
    token: &str,
    binding: &Binding<'_>,
) -> Result<(serde_json::Value, String), PresentationFailure> {
    let mut holder = None;
    let verified = verify_compact::<serde_json::Value>(token, TYP_VP_JWT, |kid| {
        let (did, key) = holder_key(kid)?;
        holder = Some(did);
        Some(key)
    })
    .map_err(PresentationFailure::Token)?;
    let holder = holder.ok_or(PresentationFailure::Token(Failure::KeyUnknown))?;
    let vp = verified.payload;
    check_shape(&vp)?;
    let named = match vp.get("holder") {
        None => None,
        Some(serde_json::Value::String(h)) => Some(h.as_str()),
        Some(h) => h.get("id").and_then(serde_json::Value::as_str),
    };
    if vp.get("holder").is_some() && named != Some(holder.as_str()) {
        return Err(PresentationFailure::HolderMismatch);
    }
    if let Some(challenge) = binding.challenge
        && vp.get("nonce").and_then(serde_json::Value::as_str) != Some(challenge)
    {
        return Err(PresentationFailure::ChallengeMismatch);
    }
    if let Some(domain) = binding.domain {
        let ok = match vp.get("aud") {
            Some(serde_json::Value::String(a)) => a == domain,
            Some(serde_json::Value::Array(a)) => a.iter().any(|a| a.as_str() == Some(domain)),
            _ => false,
        };
        if !ok {
            return Err(PresentationFailure::DomainMismatch);
        }
    }
    Ok((vp, holder))
}

/// Whether a JSON value is a VC 2.0 presentation: `@context` starting with the VC 2.0
/// context, `type` naming `VerifiablePresentation`.
pub fn check_shape(vp: &serde_json::Value) -> Result<(), PresentationFailure> {
    let context_ok = vp
        .get("@context")
        .and_then(serde_json::Value::as_array)
        .and_then(|c| c.first())
        .and_then(serde_json::Value::as_str)
        == Some(CONTEXT_V2);
    let type_ok = match vp.get("type") {
        Some(serde_json::Value::String(t)) => t == "VerifiablePresentation",
        Some(serde_json::Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str() == Some("VerifiablePresentation")),
        _ => false,
    };
    if context_ok && type_ok {
        Ok(())
    } else {
        Err(PresentationFailure::NotAPresentation)
    }
}

#[derive(Deserialize)]
struct OkpJwk {
    kty: String,
    crv: String,
    x: String,
}

/// The holder's DID and key from a `kid` `did:jwk:<base64url(JWK)>#0`, if it is one of an
/// Ed25519 key.
fn holder_key(kid: &str) -> Option<(String, VerifyingKey)> {
    let did = kid.strip_suffix("#0")?;
    let encoded = did.strip_prefix("did:jwk:")?;
    let jwk: OkpJwk = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(encoded).ok()?).ok()?;
    if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
        return None;
    }
    let x: [u8; 32] = URL_SAFE_NO_PAD.decode(jwk.x).ok()?.try_into().ok()?;
    let key = VerifyingKey::from_bytes(&x).ok()?;
    Some((did.to_owned(), key))
}

/// A holder's Ed25519 key, named by its `did:jwk`: what a wallet signs presentations with.
pub struct HolderKey {
    did: String,
    signing: SigningKey,
}

impl std::fmt::Debug for HolderKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HolderKey")
            .field("did", &self.did)
            .finish_non_exhaustive()
    }
}

impl HolderKey {
    /// The key of a 32-byte Ed25519 seed.
    #[must_use]
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(seed);
        let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
        let jwk = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        Self {
            did: format!("did:jwk:{}", URL_SAFE_NO_PAD.encode(jwk)),
            signing,
        }
    }

    /// The holder's DID (`did:jwk:…`).
    #[must_use]
    pub fn did(&self) -> &str {
        &self.did
    }

    /// Signs a presentation as a `vp+jwt`.
    pub fn sign_presentation(&self, vp: &serde_json::Value) -> Result<String, SignError> {
        use ed25519_dalek::Signer as _;
        sign_compact(vp, TYP_VP_JWT, &format!("{}#0", self.did), |input| {
            self.signing.sign(input).to_bytes()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presentation(holder: &str) -> serde_json::Value {
        serde_json::json!({
            "@context": [CONTEXT_V2],
            "type": ["VerifiablePresentation"],
            "holder": holder,
            "nonce": "c-1",
            "aud": "https://verifier.example",
            "verifiableCredential": [],
        })
    }

    #[test]
    fn a_holders_presentation_verifies_and_names_the_holder() {
        let key = HolderKey::from_seed(&[7; 32]);
        let token = key.sign_presentation(&presentation(key.did())).unwrap();
        let binding = Binding {
            challenge: Some("c-1"),
            domain: Some("https://verifier.example"),
        };
        let (vp, holder) = verify_presentation_jwt(&token, &binding).unwrap();
        assert_eq!(holder, key.did());
        assert!(vp["verifiableCredential"].is_array());
    }

    #[test]
    fn a_tampered_or_misbound_presentation_is_refused() {
        let key = HolderKey::from_seed(&[7; 32]);
        let other = HolderKey::from_seed(&[8; 32]);
        let token = key.sign_presentation(&presentation(key.did())).unwrap();
        let none = Binding::default();
        // The payload swapped for another one: the signature no longer matches.
        let forged = key.sign_presentation(&presentation(other.did())).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = forged.split('.').nth(1).unwrap();
        let tampered = parts.join(".");
        assert_eq!(
            verify_presentation_jwt(&tampered, &none)
                .unwrap_err()
                .code(),
            "signature-invalid"
        );
        // Signed by one holder in the name of another.
        let stolen = other.sign_presentation(&presentation(key.did())).unwrap();
        assert_eq!(
            verify_presentation_jwt(&stolen, &none).unwrap_err(),
            PresentationFailure::HolderMismatch
        );
        let wrong = Binding {
            challenge: Some("c-2"),
            domain: None,
        };
        assert_eq!(
            verify_presentation_jwt(&token, &wrong).unwrap_err(),
            PresentationFailure::ChallengeMismatch
        );
        let wrong = Binding {
            challenge: None,
            domain: Some("https://elsewhere.example"),
        };
        assert_eq!(
            verify_presentation_jwt(&token, &wrong).unwrap_err(),
            PresentationFailure::DomainMismatch
        );
        // A credential is not a presentation, and a key that is no did:jwk is unknown.
        assert_eq!(
            verify_presentation_jwt("a.b.c", &none).unwrap_err().code(),
            "malformed"
        );
        let not_vp = key
            .sign_presentation(
                &serde_json::json!({"@context": [CONTEXT_V2], "type": "VerifiableCredential"}),
            )
            .unwrap();
        assert_eq!(
            verify_presentation_jwt(&not_vp, &none).unwrap_err(),
            PresentationFailure::NotAPresentation
        );
        assert_eq!(holder_key("did:web:example.org#key-1"), None);
    }
}

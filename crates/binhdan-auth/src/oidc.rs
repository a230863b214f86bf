//! The pure parts of signing citizens in through VNeID (`OpenID` Connect, authorization code
//! flow with PKCE): the per-attempt secrets and the mapping of ID-token claims to an identity.
//! The HTTP exchanges and the ID token's signature checks belong to the OIDC client (the
//! `openidconnect` crate) in the web layer.
//!
//! A sign-in attempt: [`AuthRequest::generate`] gives `state`, `nonce` and a [`Pkce`] pair. The
//! caller keeps them server-side (or in a short-lived encrypted cookie), sends `state`, `nonce`
//! and the challenge in the authorization URL, checks the returned `state` with
//! [`same_token`], sends the verifier with the code, and maps the validated claims with
//! [`ClaimMapping::identity`], which also checks the `nonce`.

use binhdan_core::cccd::{Cccd, CccdError};
use binhdan_core::{Localized, Msg, Secret};
use rand::CryptoRng;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::session::random_token;

/// A PKCE pair (RFC 7636), method `S256`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkce {
    verifier: Secret<String>,
}

impl Pkce {
    /// The `code_challenge_method` the client sends (its S256 challenge is derived from the
    /// verifier by `openidconnect` in `binhdan-oidc`).
    pub const METHOD: &'static str = "S256";

    /// A fresh verifier (32 random bytes, base64url: 43 characters, within RFC 7636's 43–128).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::from_verifier(Secret::new(random_token(rng)))
    }

    /// Rebuilds it from a stored verifier.
    #[must_use]
    pub const fn from_verifier(verifier: Secret<String>) -> Self {
        Self { verifier }
    }

    /// The `code_verifier`, sent with the code to the token endpoint.
    #[must_use]
    pub fn verifier(&self) -> &Secret<String> {
        &self.verifier
    }
}

/// The secrets of one sign-in attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRequest {
    /// Binds the callback to this browser (CSRF on the redirect).
    pub state: Secret<String>,
    /// Binds the ID token to this attempt (replay).
    pub nonce: Secret<String>,
    pub pkce: Pkce,
}

impl AuthRequest {
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self {
            state: Secret::new(random_token(rng)),
            nonce: Secret::new(random_token(rng)),
            pkce: Pkce::generate(rng),
        }
    }
}

/// Constant-time equality of two tokens (`state` as returned by the provider against the one
/// kept).
#[must_use]
pub fn same_token(expected: &Secret<String>, presented: &str) -> bool {
    let e = expected.expose().as_bytes();
    let p = presented.as_bytes();
    e.len() == p.len() && bool::from(e.ct_eq(p))
}

/// Which claims of the ID token (or `UserInfo` response) carry what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimMapping {
    /// The claim holding the CCCD number (`cccd` in the test provider; configurable because
    /// VNeID's production claim name is set by its integration agreement).
    pub cccd: String,
    /// The person's full name.
    pub name: String,
    /// Date of birth, `YYYY-MM-DD` (OIDC standard claim).
    pub birthdate: String,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            cccd: "cccd".to_owned(),
            name: "name".to_owned(),
            birthdate: "birthdate".to_owned(),
        }
    }
}

/// A citizen as the identity provider vouches for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `iss`: which provider.
    pub issuer: String,
    /// `sub`: the provider's stable identifier of the person.
    pub subject: String,
    /// The CCCD number (its `Debug` and `Display` mask it).
    pub cccd: Cccd,
    pub name: Option<String>,
    /// `YYYY-MM-DD`, as given.
    pub birthdate: Option<String>,
}

/// Why the claims do not make an identity. No variant holds the CCCD number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the ID token has no {claim} claim")]
    MissingClaim { claim: String },
    #[error("the ID token's nonce does not match this sign-in")]
    NonceMismatch,
    #[error("the CCCD in the ID token is not valid: {0}")]
    InvalidCccd(CccdError),
    #[error("the CCCD does not match the birth date in the ID token")]
    BirthdateMismatch,
}

impl Localized for IdentityError {
    fn msg(&self) -> Msg {
        match self {
            Self::MissingClaim { claim } => Msg::new("oidc-missing-claim").arg("claim", claim),
            Self::NonceMismatch => Msg::new("oidc-nonce-mismatch"),
            // The detail (which rule) is for the log; the person cannot fix VNeID's record here.
            Self::InvalidCccd(_) => Msg::new("oidc-invalid-cccd"),
            Self::BirthdateMismatch => Msg::new("oidc-birthdate-mismatch"),
        }
    }
}

fn string_claim(claims: &Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        // A CCCD sent as a JSON number (leading zero lost); `Cccd::parse` restores it.
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl ClaimMapping {
    /// Maps validated claims (signature, `iss`, `aud`, `exp` already checked by the OIDC
    /// client) to an identity, checking the nonce and that the CCCD is structurally valid and
    /// agrees with the birth year when both are given.
    pub fn identity(
        &self,
        claims: &Map<String, Value>,
        expected_nonce: &Secret<String>,
    ) -> Result<Identity, IdentityError> {
        let missing = |claim: &str| IdentityError::MissingClaim {
            claim: claim.to_owned(),
        };
        let nonce = string_claim(claims, "nonce").ok_or(IdentityError::NonceMismatch)?;
        if !same_token(expected_nonce, &nonce) {
            return Err(IdentityError::NonceMismatch);
        }
        let issuer = string_claim(claims, "iss").ok_or_else(|| missing("iss"))?;
        let subject = string_claim(claims, "sub").ok_or_else(|| missing("sub"))?;
        let raw = string_claim(claims, &self.cccd).ok_or_else(|| missing(&self.cccd))?;
        let cccd = Cccd::parse(&raw).map_err(IdentityError::InvalidCccd)?;
        let birthdate = string_claim(claims, &self.birthdate);
        if let Some(year) = birthdate
            .as_deref()
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse::<i32>().ok())
            && cccd.check_birth_year(year).is_err()
        {
            return Err(IdentityError::BirthdateMismatch);
        }
        Ok(Identity {
            issuer,
            subject,
            cccd,
            name: string_claim(claims, &self.name),
            birthdate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use serde_json::json;

    #[test]
    fn a_verifier_is_kept_as_given() {
        let p = Pkce::from_verifier(Secret::new(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned(),
        ));
        assert_eq!(
            p.verifier().expose(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(Pkce::METHOD, "S256");
    }

    #[test]
    fn requests_are_fresh_and_redacted() {
        let mut rng = StdRng::seed_from_u64(9);
        let a = AuthRequest::generate(&mut rng);
        let b = AuthRequest::generate(&mut rng);
        assert_ne!(a.state, b.state);
        assert_ne!(a.state, a.nonce);
        assert_eq!(a.pkce.verifier().expose().len(), 43);
        assert!(same_token(&a.state, a.state.expose()));
        assert!(!same_token(&a.state, b.state.expose()));
        assert!(!same_token(&a.state, ""));
        let shown = format!("{a:?}");
        for secret in [
            a.state.expose(),
            a.nonce.expose(),
            a.pkce.verifier().expose(),
        ] {
            assert!(!shown.contains(secret.as_str()));
        }
    }

    fn claims(v: &Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn claims_to_identity() {
        let nonce = Secret::new("n-0S6_WzA2Mj".to_owned());
        let c = claims(&json!({
            "iss": "http://127.0.0.1:4011",
            "sub": "nguyenvana",
            "nonce": "n-0S6_WzA2Mj",
            "cccd": "038090012345",
            "name": "Nguyễn Văn A",
            "birthdate": "1990-05-17",
        }));
        let id = ClaimMapping::default().identity(&c, &nonce).unwrap();
        assert_eq!(id.subject, "nguyenvana");
        assert_eq!(id.cccd.expose(), "038090012345");
        assert_eq!(id.name.as_deref(), Some("Nguyễn Văn A"));
        assert!(!format!("{id:?}").contains("038090012345"));

        // A configured claim name.
        let mapping = ClaimMapping {
            cccd: "citizen_id".to_owned(),
            ..ClaimMapping::default()
        };
        let mut other = c.clone();
        other.insert("citizen_id".to_owned(), json!(38_090_012_345_i64));
        assert_eq!(
            mapping.identity(&other, &nonce).unwrap().cccd.expose(),
            "038090012345"
        );
        assert_eq!(
            mapping.identity(&c, &nonce),
            Err(IdentityError::MissingClaim {
                claim: "citizen_id".to_owned()
            })
        );

        let wrong_nonce = Secret::new("other".to_owned());
        assert_eq!(
            ClaimMapping::default().identity(&c, &wrong_nonce),
            Err(IdentityError::NonceMismatch)
        );
        let mut bad = c.clone();
        bad.insert("cccd".to_owned(), json!("999090012345"));
        let err = ClaimMapping::default().identity(&bad, &nonce).unwrap_err();
        assert!(matches!(err, IdentityError::InvalidCccd(_)));
        assert!(!format!("{err} {err:?} {:?}", err.msg()).contains("999090012345"));
        let mut born_later = c;
        born_later.insert("birthdate".to_owned(), json!("1995-05-17"));
        assert_eq!(
            ClaimMapping::default().identity(&born_later, &nonce),
            Err(IdentityError::BirthdateMismatch)
        );
    }
}

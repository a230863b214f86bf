//! Issuer keys (Ed25519), the key ring verifiers use, and what is published:
//! a JWKS and a `did:web` DID document.
//!
//! Key ids are DID URLs, `did:web:<host>#<fragment>`: the JWS header `kid`, the JWKS
//! `kid` and the DID document's verification method `id` are the same string.
//! Rotation: a new key becomes current, the old one stays in the ring (and in the
//! published documents) as retired, so certificates it signed keep verifying. A
//! compromised key is removed from the ring instead: its tokens then fail `key-unknown`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde_json::{Value, json};

/// Errors building keys or key rings.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("key id must be a did:web DID URL with a fragment, got {0:?}")]
    BadKeyId(String),
    #[error("a key with id {0:?} is already in the ring")]
    Duplicate(String),
    #[error("malformed JWK: {0}")]
    BadJwk(&'static str),
}

/// Checks that `kid` is `did:web:<method-specific-id>#<fragment>` and returns the DID.
pub fn did_of_kid(kid: &str) -> Result<&str, KeyError> {
    let bad = || KeyError::BadKeyId(kid.to_owned());
    let (did, fragment) = kid.split_once('#').ok_or_else(bad)?;
    let host = did.strip_prefix("did:web:").ok_or_else(bad)?;
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "-._:%".contains(c);
    let frag_ok = |c: char| c.is_ascii_alphanumeric() || "-._".contains(c);
    if host.is_empty()
        || !host.chars().all(ok_char)
        || fragment.is_empty()
        || !fragment.chars().all(frag_ok)
    {
        return Err(bad());
    }
    Ok(did)
}

/// A private signing key of the issuer with its id.
pub struct IssuerKey {
    id: String,
    signing: SigningKey,
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    /// A fresh key from the caller's CSPRNG.
    pub fn generate(id: &str, rng: &mut (impl rand::CryptoRng + ?Sized)) -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let key = Self::from_seed(id, &seed);
        seed.fill(0);
        key
    }

    /// A key from its 32-byte Ed25519 seed (as stored in the key vault).
    pub fn from_seed(id: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        did_of_kid(id)?;
        Ok(Self {
            id: id.to_owned(),
            signing: SigningKey::from_bytes(seed),
        })
    }

    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The DID of the issuer (the part of the id before `#`).
    #[must_use]
    pub fn did(&self) -> &str {
        self.id
            .split_once('#')
            .map_or(self.id.as_str(), |(did, _)| did)
    }

    /// The 32-byte seed, for storing in the vault. Handle with care.
    #[must_use]
    pub fn seed(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    #[must_use]
    pub fn public(&self) -> PublicKey {
        PublicKey {
            id: self.id.clone(),
            key: self.signing.verifying_key(),
            retired: false,
        }
    }

    pub(crate) fn sign(&self, msg: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.signing.sign(msg).to_bytes()
    }
}

/// A public verification key with its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    id: String,
    key: VerifyingKey,
    retired: bool,
}

impl PublicKey {
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    #[must_use]
    pub fn is_retired(&self) -> bool {
        self.retired
    }

    /// The same key marked as retired (no longer signs, still verifies).
    #[must_use]
    pub fn retired(mut self) -> Self {
        self.retired = true;
        self
    }

    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub(crate) fn verifying(&self) -> &VerifyingKey {
        &self.key
    }

    /// The public JWK `{"kty":"OKP","crv":"Ed25519","x":…,"kid":…}` (RFC 8037).
    #[must_use]
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.key.as_bytes()),
            "kid": self.id,
            "alg": "EdDSA",
            "use": "sig",
        })
    }

    /// A key from its 32 bytes, under `kid` (`<did:web DID>#<fragment>`).
    pub fn from_bytes(kid: &str, bytes: &[u8; 32]) -> Result<Self, KeyError> {
        did_of_kid(kid)?;
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::BadJwk("x is not a curve point"))?;
        if key.is_weak() {
            return Err(KeyError::BadJwk("weak key"));
        }
        Ok(Self {
            id: kid.to_owned(),
            key,
            retired: false,
        })
    }

    /// Reads a public JWK as written by [`PublicKey::jwk`].
    pub fn from_jwk(jwk: &Value) -> Result<Self, KeyError> {
        let field = |name: &'static str| jwk.get(name).and_then(Value::as_str);
        if field("kty") != Some("OKP") || field("crv") != Some("Ed25519") {
            return Err(KeyError::BadJwk("kty must be OKP and crv Ed25519"));
        }
        if jwk.get("d").is_some() {
            return Err(KeyError::BadJwk("private key material in a public JWK"));
        }
        let kid = field("kid").ok_or(KeyError::BadJwk("kid missing"))?;
        did_of_kid(kid)?;
        let x = URL_SAFE_NO_PAD
            .decode(field("x").ok_or(KeyError::BadJwk("x missing"))?)
            .map_err(|_| KeyError::BadJwk("x is not base64url"))?;
        let bytes: [u8; 32] = x
            .try_into()
            .map_err(|_| KeyError::BadJwk("x must be 32 bytes"))?;
        Self::from_bytes(kid, &bytes)
    }
}

/// The public keys a verifier trusts, by id: the current one and the retired ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyRing {
    keys: Vec<PublicKey>,
}

impl KeyRing {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key; ids must be unique.
    pub fn insert(&mut self, key: PublicKey) -> Result<(), KeyError> {
        if self.get(key.id()).is_some() {
            return Err(KeyError::Duplicate(key.id.clone()));
        }
        self.keys.push(key);
        Ok(())
    }

    /// Marks a key as retired; returns whether it was found.
    pub fn retire(&mut self, id: &str) -> bool {
        self.keys.iter_mut().find(|k| k.id == id).is_some_and(|k| {
            k.retired = true;
            true
        })
    }

    /// Removes a (compromised) key; returns whether it was found.
    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| k.id != id);
        before != self.keys.len()
    }

    #[must_use]
    pub fn get(&self, id: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PublicKey> {
        self.keys.iter()
    }

    /// `{"keys":[…]}`: every key, current and retired.
    #[must_use]
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(PublicKey::jwk).collect::<Vec<_>>() })
    }

    /// Reads a JWKS as written by [`KeyRing::jwks`] (all keys as not retired).
    pub fn from_jwks(jwks: &Value) -> Result<Self, KeyError> {
        let keys = jwks
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(KeyError::BadJwk("no keys array"))?;
        let mut ring = Self::new();
        for k in keys {
            ring.insert(PublicKey::from_jwk(k)?)?;
        }
        Ok(ring)
    }

    /// The DID document to serve at `https://<host>/.well-known/did.json` for `did`
    /// (`did:web:<host>`), listing the keys of the ring whose id starts with `did#`
    /// as `JsonWebKey` verification methods, all of them in `assertionMethod` (retired
    /// keys too: certificates they signed must keep verifying).
    pub fn did_document(&self, did: &str) -> Result<Value, KeyError> {
        did_of_kid(&format!("{did}#x"))?;
        let prefix = format!("{did}#");
        let mine: Vec<&PublicKey> = self
            .keys
            .iter()
            .filter(|k| k.id.starts_with(&prefix))
            .collect();
        let methods: Vec<Value> = mine
            .iter()
            .map(|k| {
                let mut jwk = k.jwk();
                if let Some(o) = jwk.as_object_mut() {
                    o.remove("use");
                }
                json!({ "id": k.id, "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk })
            })
            .collect();
        Ok(json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
            "id": did,
            "verificationMethod": methods,
            "assertionMethod": mine.iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KID: &str = "did:web:binhdan.gov.vn#key-2026";

    #[test]
    fn kid_must_be_did_web_url() {
        assert_eq!(did_of_kid(KID), Ok("did:web:binhdan.gov.vn"));
        for bad in [
            "key-1",
            "did:key:z6Mk#a",
            "did:web:#a",
            "did:web:x",
            "did:web:x#",
            "did:web:a b#k",
        ] {
            assert!(did_of_kid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn jwks_round_trip_and_did_document() {
        let mut csprng = rand::rng();
        let k1 = IssuerKey::generate(KID, &mut csprng).unwrap();
        let k2 = IssuerKey::generate("did:web:binhdan.gov.vn#key-2027", &mut csprng).unwrap();
        let mut ring = KeyRing::new();
        ring.insert(k1.public().retired()).unwrap();
        ring.insert(k2.public()).unwrap();
        assert_eq!(
            ring.insert(k2.public()),
            Err(KeyError::Duplicate(k2.id().to_owned()))
        );
        let jwks = ring.jwks();
        assert_eq!(jwks["keys"][0]["kty"], "OKP");
        assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
        assert_eq!(jwks["keys"][0]["x"].as_str().unwrap().len(), 43);
        let back = KeyRing::from_jwks(&jwks).unwrap();
        assert_eq!(back.get(KID).unwrap().to_bytes(), k1.public().to_bytes());

        let doc = ring.did_document("did:web:binhdan.gov.vn").unwrap();
        assert_eq!(doc["id"], "did:web:binhdan.gov.vn");
        assert_eq!(doc["verificationMethod"].as_array().unwrap().len(), 2);
        assert_eq!(doc["verificationMethod"][0]["type"], "JsonWebKey");
        assert_eq!(doc["assertionMethod"][1], "did:web:binhdan.gov.vn#key-2027");
        assert!(
            doc["verificationMethod"][0]["publicKeyJwk"]
                .get("d")
                .is_none()
        );
    }

    #[test]
    fn seed_round_trip() {
        let k = IssuerKey::from_seed(KID, &[7u8; 32]).unwrap();
        assert_eq!(
            IssuerKey::from_seed(KID, &k.seed()).unwrap().public(),
            k.public()
        );
        assert!(!format!("{k:?}").contains("signing"));
    }
}

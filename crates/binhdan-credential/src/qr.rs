//! The short payload printed as a QR code on the paper certificate.
//!
//! A compact JWS of the full credential is ~2–3 KB: too dense for a QR code on paper.
//! The QR code instead carries a small signed claim set:
//!
//! ```text
//! <url prefix><base64url(claims)>.<base64url(signature)>
//! claims    = "BD1|" uuid-hex "|" YYYYMMDD "|" achievement-code "|" level "|" initials "|" holder-tag "|" key-fragment
//! signature = Ed25519(issuer key, "binhdan-qr-v1\0" || claims)
//! holder-tag = hex(SHA-256("binhdan-qr-holder-v1\n" || uuid-hex || "\n" || name || "\n" || YYYY-MM-DD)[..8])
//! ```
//!
//! `name` in the holder tag is the full name trimmed, inner whitespace collapsed to one
//! space and lower-cased. The key is `<issuer DID>#<key-fragment>`; the verifier knows
//! the issuer DID. Scanned with a phone, the URL opens the online check (which also
//! checks revocation); an offline verifier with the key ring checks the signature itself.
//!
//! **What it proves** (offline, with the issuer's public keys): the issuer signed a
//! certificate with this id, issue date, achievement code and level, for a person with
//! these initials whose name and birth date give this holder tag — so a verifier who has
//! the person's CCCD in hand can confirm the certificate is theirs.
//!
//! **What it does not prove**: that the certificate is not revoked (offline there is no
//! status list; online, follow the URL); that the person presenting it is the holder
//! without checking their ID against the holder tag; anything about validity dates
//! (`validUntil` is not carried). The holder tag is not a secret: anyone who guesses a
//! name and birth date can test it, so it hides nothing from a targeted guess; it only
//! keeps the name itself off the code. The domain prefix keeps these signatures from ever
//! being mistaken for JWS signatures made with the same key.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::Digest as _;

use crate::Failure;
use crate::credential::{AchievementCredential, parse_urn_uuid};
use crate::keys::{IssuerKey, KeyRing};
use crate::time::Date;

const VERSION: &str = "BD1";
const DOMAIN: &[u8] = b"binhdan-qr-v1\0";
/// Payloads longer than this are rejected unread.
pub const MAX_QR_LEN: usize = 1024;

/// The claims carried by the QR code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrClaims {
    /// The 16 bytes of the credential's `urn:uuid:` id.
    pub credential_id: [u8; 16],
    /// Issue date (UTC date of `validFrom`).
    pub issued: Date,
    /// `achievement.humanCode`.
    pub achievement_code: String,
    /// Level attained, e.g. `CB2`.
    pub level: String,
    /// Initials of the holder's name, e.g. `NVA`.
    pub initials: String,
    pub holder_tag: [u8; 8],
    /// Fragment of the key id (after `#`).
    pub key_fragment: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QrError {
    #[error("the credential lacks {0}")]
    Missing(&'static str),
    #[error("field {0} contains a separator or control character")]
    BadField(&'static str),
}

fn normalize_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Initials of a Vietnamese name: first letter of each word, upper-case (`Nguyễn Văn An` → `NVA`).
#[must_use]
pub fn initials(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The holder tag binding the QR code to a name and birth date.
#[must_use]
pub fn holder_tag(credential_id: &[u8; 16], full_name: &str, birth_date: Date) -> [u8; 8] {
    let mut h = sha2::Sha256::new();
    h.update(b"binhdan-qr-holder-v1\n");
    h.update(hex::encode(credential_id).as_bytes());
    h.update(b"\n");
    h.update(normalize_name(full_name).as_bytes());
    h.update(b"\n");
    h.update(birth_date.to_string().as_bytes());
    let d = h.finalize();
    let mut tag = [0u8; 8];
    tag.copy_from_slice(&d[..8]);
    tag
}

impl QrClaims {
    /// The claims of a built certificate, to be signed with `key_fragment`'s key.
    pub fn from_credential(c: &AchievementCredential, key_fragment: &str) -> Result<Self, QrError> {
        let credential_id = parse_urn_uuid(&c.id).ok_or(QrError::Missing("a urn:uuid id"))?;
        let issued = crate::Timestamp::parse_rfc3339(&c.valid_from)
            .and_then(crate::Timestamp::date)
            .ok_or(QrError::Missing("validFrom"))?;
        let s = &c.credential_subject;
        let birth = Date::parse(&s.date_of_birth).ok_or(QrError::Missing("dateOfBirth"))?;
        Ok(Self {
            credential_id,
            issued,
            achievement_code: s.achievement.human_code.clone(),
            level: c
                .achieved_level()
                .ok_or(QrError::Missing("a level"))?
                .to_owned(),
            initials: initials(&s.name),
            holder_tag: holder_tag(&credential_id, &s.name, birth),
            key_fragment: key_fragment.to_owned(),
        })
    }

    /// `urn:uuid:…` of the credential.
    #[must_use]
    pub fn credential_urn(&self) -> String {
        let h = hex::encode(self.credential_id);
        format!(
            "urn:uuid:{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// Whether this QR code was issued for this name and birth date.
    #[must_use]
    pub fn matches_holder(&self, full_name: &str, birth_date: Date) -> bool {
        holder_tag(&self.credential_id, full_name, birth_date) == self.holder_tag
    }

    fn encode_claims(&self) -> Result<String, QrError> {
        let fields: [(&'static str, &str); 4] = [
            ("achievement_code", &self.achievement_code),
            ("level", &self.level),
            ("initials", &self.initials),
            ("key_fragment", &self.key_fragment),
        ];
        for (name, v) in fields {
            if v.is_empty() || v.chars().any(|c| c == '|' || c.is_control()) {
                return Err(QrError::BadField(name));
            }
        }
        let d = self.issued;
        Ok(format!(
            "{VERSION}|{}|{:04}{:02}{:02}|{}|{}|{}|{}|{}",
            hex::encode(self.credential_id),
            d.year(),
            d.month(),
            d.day(),
            self.achievement_code,
            self.level,
            self.initials,
            hex::encode(self.holder_tag),
            self.key_fragment,
        ))
    }

    fn decode_claims(s: &str) -> Option<Self> {
        let f: Vec<&str> = s.split('|').collect();
        let [version, id, date, code, level, initials, tag, frag] = f.as_slice() else {
            return None;
        };
        if *version != VERSION || [code, level, initials, frag].iter().any(|v| v.is_empty()) {
            return None;
        }
        let mut credential_id = [0u8; 16];
        hex::decode_to_slice(id, &mut credential_id).ok()?;
        let mut holder_tag = [0u8; 8];
        hex::decode_to_slice(tag, &mut holder_tag).ok()?;
        let issued = Date::parse(&format!(
            "{}-{}-{}",
            date.get(0..4)?,
            date.get(4..6)?,
            date.get(6..8)?
        ))
        .filter(|_| date.len() == 8)?;
        Some(Self {
            credential_id,
            issued,
            achievement_code: (*code).to_owned(),
            level: (*level).to_owned(),
            initials: (*initials).to_owned(),
            holder_tag,
            key_fragment: (*frag).to_owned(),
        })
    }
}

fn signing_input(claims: &[u8]) -> Vec<u8> {
    [DOMAIN, claims].concat()
}

/// Signs the claims with `key` (whose id fragment must be `claims.key_fragment`) and
/// returns `url_prefix` followed by the token.
pub fn sign_qr(claims: &QrClaims, key: &IssuerKey, url_prefix: &str) -> Result<String, QrError> {
    if key.id().rsplit_once('#').map(|(_, f)| f) != Some(claims.key_fragment.as_str()) {
        return Err(QrError::BadField("key_fragment"));
    }
    let text = claims.encode_claims()?;
    let sig = key.sign(&signing_input(text.as_bytes()));
    Ok(format!(
        "{url_prefix}{}.{}",
        URL_SAFE_NO_PAD.encode(text),
        URL_SAFE_NO_PAD.encode(sig)
    ))
}

/// Verifies a scanned QR payload (with or without the URL prefix: everything up to
/// the last `/` or `#` is ignored) against the keys of `issuer_did` in `ring`.
pub fn verify_qr(payload: &str, ring: &KeyRing, issuer_did: &str) -> Result<QrClaims, Failure> {
    if payload.len() > MAX_QR_LEN {
        return Err(Failure::Malformed);
    }
    let token = payload.rsplit(['/', '#', '=']).next().unwrap_or(payload);
    let (c64, s64) = token.split_once('.').ok_or(Failure::Malformed)?;
    let claims_bytes = URL_SAFE_NO_PAD
        .decode(c64)
        .map_err(|_| Failure::Malformed)?;
    let sig: [u8; 64] = URL_SAFE_NO_PAD
        .decode(s64)
        .map_err(|_| Failure::Malformed)?
        .try_into()
        .map_err(|_| Failure::Malformed)?;
    let text = std::str::from_utf8(&claims_bytes).map_err(|_| Failure::Malformed)?;
    let claims = QrClaims::decode_claims(text).ok_or(Failure::Malformed)?;
    let key = ring
        .get(&format!("{issuer_did}#{}", claims.key_fragment))
        .ok_or(Failure::KeyUnknown)?;
    key.verifying()
        .verify_strict(
            &signing_input(&claims_bytes),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .map_err(|_| Failure::SignatureInvalid)?;
    Ok(claims)
}

//! W3C Bitstring Status List v1.0: revocation of certificates.
//!
//! The list is a bitstring of at least 131,072 bits (16 KiB), index 0 being the
//! left-most (most significant) bit of the first byte. `encodedList` is the multibase
//! base64url form (prefix `u`, no padding) of the GZIP-compressed bitstring.

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::credential::{AchievementCredential, Profile, VC_V2_CONTEXT};
use crate::{Failure, Timestamp};

/// The spec's minimum size, for herd privacy: 131,072 bits.
pub const MIN_BITS: usize = 131_072;
/// Decoded lists larger than this are refused (a gzip bomb guard): 16 MiB = 134 M entries.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StatusError {
    #[error("a status list must have at least {MIN_BITS} bits, a multiple of 8")]
    BadSize,
    #[error("index {0} is outside the list")]
    OutOfRange(u64),
    #[error("encodedList is not multibase base64url of a gzip stream")]
    BadEncoding,
    #[error("the entry points at another list or purpose")]
    WrongList,
}

impl StatusError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadSize | Self::BadEncoding => "status-list-malformed",
            Self::OutOfRange(_) => "status-index-out-of-range",
            Self::WrongList => "status-list-mismatch",
        }
    }
}

/// A bitstring of statuses; `true` = revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusList {
    bytes: Vec<u8>,
}

impl StatusList {
    /// An all-zero list of `bits` bits (≥ [`MIN_BITS`], multiple of 8).
    pub fn new(bits: usize) -> Result<Self, StatusError> {
        if bits < MIN_BITS || !bits.is_multiple_of(8) || bits / 8 > MAX_BYTES {
            return Err(StatusError::BadSize);
        }
        Ok(Self {
            bytes: vec![0; bits / 8],
        })
    }

    /// An all-zero list of the minimum size.
    #[must_use]
    pub fn with_min_size() -> Self {
        Self {
            bytes: vec![0; MIN_BITS / 8],
        }
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn locate(&self, index: u64) -> Result<(usize, u8), StatusError> {
        let i = usize::try_from(index).map_err(|_| StatusError::OutOfRange(index))?;
        if i >= self.len() {
            return Err(StatusError::OutOfRange(index));
        }
        Ok((i / 8, 0x80 >> (i % 8)))
    }

    pub fn get(&self, index: u64) -> Result<bool, StatusError> {
        let (byte, mask) = self.locate(index)?;
        Ok(self.bytes[byte] & mask != 0)
    }

    pub fn set(&mut self, index: u64, value: bool) -> Result<(), StatusError> {
        let (byte, mask) = self.locate(index)?;
        if value {
            self.bytes[byte] |= mask;
        } else {
            self.bytes[byte] &= !mask;
        }
        Ok(())
    }

    /// The raw bitstring.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `encodedList`: `u` + base64url(gzip(bitstring)).
    #[must_use]
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        let compressed = gz
            .write_all(&self.bytes)
            .and_then(|()| gz.finish())
            .unwrap_or_default();
        let mut out = String::from("u");
        URL_SAFE_NO_PAD.encode_string(compressed, &mut out);
        out
    }

    /// Reads an `encodedList`.
    pub fn decode(encoded: &str) -> Result<Self, StatusError> {
        let b64 = encoded.strip_prefix('u').ok_or(StatusError::BadEncoding)?;
        let compressed = URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|_| StatusError::BadEncoding)?;
        let mut bytes = Vec::new();
        let limit = u64::try_from(MAX_BYTES).unwrap_or(u64::MAX) + 1;
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|_| StatusError::BadEncoding)?;
        if bytes.len() > MAX_BYTES || bytes.len() * 8 < MIN_BITS {
            return Err(StatusError::BadSize);
        }
        Ok(Self { bytes })
    }
}

/// `credentialSubject` of a status list credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BitstringStatusList {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status_purpose: String,
    pub encoded_list: String,
}

/// `BitstringStatusListCredential`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusListCredential {
    #[serde(rename = "@context")]
    pub context: Vec<String>,
    /// The URL the list is served at (`statusListCredential` of the entries).
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    pub issuer: Profile,
    pub valid_from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub credential_subject: BitstringStatusList,
}

impl StatusListCredential {
    /// The revocation list credential served at `url`. `valid_until` lets verifiers
    /// know when to fetch a fresh copy (the spec's caching hint).
    pub fn revocation(
        url: &str,
        issuer: Profile,
        list: &StatusList,
        valid_from: Timestamp,
        valid_until: Option<Timestamp>,
    ) -> Result<Self, crate::credential::BuildError> {
        use crate::credential::BuildError;
        let valid_from = valid_from.to_rfc3339().ok_or(BuildError::TimeOutOfRange)?;
        let valid_until = match valid_until {
            Some(u) => Some(u.to_rfc3339().ok_or(BuildError::TimeOutOfRange)?),
            None => None,
        };
        Ok(Self {
            context: vec![VC_V2_CONTEXT.to_owned()],
            id: url.to_owned(),
            kind: vec![
                "VerifiableCredential".to_owned(),
                "BitstringStatusListCredential".to_owned(),
            ],
            issuer,
            valid_from,
            valid_until,
            credential_subject: BitstringStatusList {
                id: format!("{url}#list"),
                kind: "BitstringStatusList".to_owned(),
                status_purpose: "revocation".to_owned(),
                encoded_list: list.encode(),
            },
        })
    }

    /// Decodes the list.
    pub fn list(&self) -> Result<StatusList, StatusError> {
        StatusList::decode(&self.credential_subject.encoded_list)
    }
}

/// The bit at `index` of a (verified) list credential: `true` = revoked.
pub fn status_of(list_credential: &StatusListCredential, index: u64) -> Result<bool, StatusError> {
    list_credential.list()?.get(index)
}

/// Checks a verified certificate against its verified revocation list: `Ok(())` if it is
/// not revoked (or has no `credentialStatus`), `Err(Failure::Revoked)` if it is.
pub fn check_revocation(
    credential: &AchievementCredential,
    list: &StatusListCredential,
) -> Result<(), Failure> {
    let Some(entry) = &credential.credential_status else {
        return Ok(());
    };
    if entry.kind != "BitstringStatusListEntry"
        || entry.status_purpose != "revocation"
        || list.credential_subject.status_purpose != "revocation"
        || entry.status_list_credential != list.id
        || list.issuer.id != credential.issuer.id
    {
        return Err(Failure::StatusUnavailable);
    }
    let index = entry.index().ok_or(Failure::Malformed)?;
    match status_of(list, index) {
        Ok(false) => Ok(()),
        Ok(true) => Err(Failure::Revoked),
        Err(_) => Err(Failure::StatusUnavailable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bit_order_is_msb_first() {
        let mut l = StatusList::with_min_size();
        assert_eq!(l.len(), 131_072);
        l.set(0, true).unwrap();
        l.set(9, true).unwrap();
        assert_eq!(l.as_bytes()[0], 0b1000_0000);
        assert_eq!(l.as_bytes()[1], 0b0100_0000);
        assert!(l.get(0).unwrap() && l.get(9).unwrap() && !l.get(1).unwrap());
        l.set(0, false).unwrap();
        assert!(!l.get(0).unwrap());
        assert_eq!(l.get(131_072), Err(StatusError::OutOfRange(131_072)));
        assert_eq!(
            l.set(u64::MAX, true),
            Err(StatusError::OutOfRange(u64::MAX))
        );
        assert_eq!(StatusList::new(1000), Err(StatusError::BadSize));
    }

    #[test]
    fn empty_list_compresses_small() {
        let enc = StatusList::with_min_size().encode();
        assert!(enc.starts_with("uH4sI"), "gzip magic in base64url: {enc}");
        assert!(
            enc.len() < 200,
            "all-zero 16 KiB list encodes to {} chars",
            enc.len()
        );
        assert_eq!(
            StatusList::decode(&enc).unwrap(),
            StatusList::with_min_size()
        );
    }

    #[test]
    fn decode_rejects_garbage_and_bombs() {
        assert_eq!(StatusList::decode("H4sI"), Err(StatusError::BadEncoding));
        assert_eq!(StatusList::decode("uAAAA"), Err(StatusError::BadEncoding));
        // A valid gzip of a too-small list.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[0u8; 10]).unwrap();
        let small = format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().unwrap()));
        assert_eq!(StatusList::decode(&small), Err(StatusError::BadSize));
        // 17 MiB of zeros: refused without reading it all.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&vec![0u8; MAX_BYTES + 1024 * 1024]).unwrap();
        let bomb = format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish().unwrap()));
        assert_eq!(StatusList::decode(&bomb), Err(StatusError::BadSize));
    }

    proptest! {
        #[test]
        fn set_bits_round_trip(indices in proptest::collection::btree_set(0u64..131_072, 0..50)) {
            let mut l = StatusList::with_min_size();
            for &i in &indices { l.set(i, true).unwrap(); }
            let back = StatusList::decode(&l.encode()).unwrap();
            for i in (0..131_072u64).step_by(97).chain(indices.iter().copied()) {
                prop_assert_eq!(back.get(i).unwrap(), indices.contains(&i));
            }
        }

        #[test]
        fn decode_never_panics(s in "\\PC{0,200}") {
            let _ = StatusList::decode(&s);
        }
    }
}

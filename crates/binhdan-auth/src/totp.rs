//! Time-based one-time passwords (RFC 6238) as authenticator apps expect them: HMAC-SHA-1,
//! 6 digits, 30-second steps, a 20-byte secret shown as unpadded base32; and one-time recovery
//! codes for a lost phone.
//!
//! Replay protection: [`TotpSecret::verify`] returns the time step that matched. The caller
//! stores it with the account and passes it back as `last_used_step` next time, so a code
//! cannot be used twice, nor can an older one from the window.

use binhdan_core::{Localized, Msg, Secret, Timestamp};
use hmac::{Hmac, KeyInit, Mac};
use rand::CryptoRng;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::encoding::{base32_decode, base32_encode, percent_encode};

/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "Bình Dân";
/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Secret length in bytes (160 bits, RFC 4226's recommendation for SHA-1).
pub const SECRET_LEN: usize = 20;
/// Steps accepted either side of the current one (clock drift between phone and server).
pub const WINDOW: u64 = 1;

/// Why a code was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// Not six digits (spaces are allowed and ignored).
    #[error("the code must be {DIGITS} digits")]
    Malformed,
    /// Wrong code, or too old / too far ahead.
    #[error("the code is wrong or has expired")]
    Invalid,
    /// The code matched a step at or before the last one used: it was already used.
    #[error("the code has already been used")]
    Replayed,
    /// The stored secret is not valid base32 of the right length.
    #[error("the stored TOTP secret is malformed")]
    BadSecret,
}

impl Localized for TotpError {
    fn msg(&self) -> Msg {
        match self {
            Self::Malformed => Msg::new("totp-malformed").arg("digits", DIGITS),
            Self::Invalid => Msg::new("totp-invalid"),
            Self::Replayed => Msg::new("totp-replayed"),
            Self::BadSecret => Msg::new("totp-bad-secret"),
        }
    }
}

/// A TOTP shared secret. `Debug` redacts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotpSecret(Secret<Zeroizing<Vec<u8>>>);

impl TotpSecret {
    /// A fresh random 20-byte secret.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        rng.fill_bytes(&mut bytes);
        Self(Secret::new(bytes))
    }

    /// Reads a secret stored (or typed) as base32. At least 16 bytes (128 bits, RFC 4226).
    pub fn from_base32(s: &str) -> Result<Self, TotpError> {
        let bytes = Zeroizing::new(base32_decode(s).ok_or(TotpError::BadSecret)?);
        if bytes.len() < 16 {
            return Err(TotpError::BadSecret);
        }
        Ok(Self(Secret::new(bytes)))
    }

    /// Wraps raw key bytes (the RFC test vectors use an ASCII key).
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(Secret::new(Zeroizing::new(bytes.to_vec())))
    }

    /// Unpadded upper-case base32: what the person types into the app when they cannot scan
    /// the QR code, and what the server stores (encrypted at rest by the caller).
    #[must_use]
    pub fn to_base32(&self) -> Secret<String> {
        Secret::new(base32_encode(self.0.expose()))
    }

    /// The `otpauth://` URI to show as a QR code at enrolment, e.g.
    /// `otpauth://totp/B%C3%ACnh%20D%C3%A2n:nguyenvana?secret=…&issuer=B%C3%ACnh%20D%C3%A2n&algorithm=SHA1&digits=6&period=30`.
    /// It contains the secret, hence the wrapper.
    #[must_use]
    pub fn otpauth_uri(&self, account: &str) -> Secret<String> {
        let issuer = percent_encode(ISSUER);
        Secret::new(format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            account = percent_encode(account),
            secret = base32_encode(self.0.expose()),
        ))
    }

    /// The code for a time step, with `digits` digits (6 in use; 8 for the RFC vectors).
    #[must_use]
    pub fn code_at_step(&self, step: u64, digits: u32) -> u32 {
        hotp(self.0.expose(), step, digits)
    }

    /// The current 6-digit code, zero-padded (what the app shows). For tests and for a
    /// “confirm enrolment” screen's own checks.
    #[must_use]
    pub fn code_at(&self, now: Timestamp) -> String {
        format!(
            "{:0width$}",
            self.code_at_step(step_of(now), DIGITS),
            width = DIGITS as usize
        )
    }

    /// Checks a code typed by the person. Accepts the current step and one step either side.
    /// Steps at or before `last_used_step` are refused (replay). On success returns the step
    /// that matched: store it as the new `last_used_step`.
    pub fn verify(
        &self,
        code: &str,
        now: Timestamp,
        last_used_step: Option<u64>,
    ) -> Result<u64, TotpError> {
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TotpError::Malformed);
        }
        let presented: u32 = digits.parse().map_err(|_| TotpError::Malformed)?;
        let current = step_of(now);
        let mut matched: Option<u64> = None;
        // Every step in the window is computed and compared, matched or not, in constant time.
        for step in current.saturating_sub(WINDOW)..=current.saturating_add(WINDOW) {
            let expected = self.code_at_step(step, DIGITS);
            let eq: bool = expected.ct_eq(&presented).into();
            if eq && matched.is_none() {
                matched = Some(step);
            }
        }
        match matched {
            None => Err(TotpError::Invalid),
            Some(step) if last_used_step.is_some_and(|last| step <= last) => {
                Err(TotpError::Replayed)
            }
            Some(step) => Ok(step),
        }
    }
}

/// The RFC 6238 time step of an instant: floor(seconds since epoch / 30). Instants before the
/// epoch map to step 0.
#[must_use]
pub fn step_of(now: Timestamp) -> u64 {
    u64::try_from(now.millis().div_euclid(1000).div_euclid(STEP_SECONDS)).unwrap_or(0)
}

/// RFC 4226 HOTP with HMAC-SHA-1 and dynamic truncation.
fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC accepts keys of any length; the error branch cannot happen.
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    bin % 10u32.pow(digits.min(9))
}

/// One-time recovery codes, for a person who lost the phone holding their TOTP secret.
///
/// Each code is 16 characters of Crockford base32 (80 random bits), shown in four groups
/// (`7k2m-q9xd-4hbw-e1rt`). With 80 bits a plain SHA-256 is enough for storage: a leaked table
/// cannot be brute-forced, so no slow hash (and no `spawn_blocking`) is needed. Typing is
/// forgiving: case, spaces and dashes are ignored, and `i`/`l` read as `1`, `o` as `0`.
#[derive(Debug)]
pub struct RecoveryCodes {
    /// The codes to show the person once, and never store.
    pub codes: Vec<Secret<String>>,
    /// Their hashes (lowercase hex SHA-256), to store; one per code, in the same order.
    pub hashes: Vec<String>,
}

/// How many recovery codes a person receives.
pub const RECOVERY_CODES: usize = 10;
const CROCKFORD: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

impl RecoveryCodes {
    /// A fresh set of [`RECOVERY_CODES`] codes.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut codes = Vec::with_capacity(RECOVERY_CODES);
        let mut hashes = Vec::with_capacity(RECOVERY_CODES);
        for _ in 0..RECOVERY_CODES {
            let mut bytes = Zeroizing::new([0u8; 16]);
            rng.fill_bytes(bytes.as_mut());
            let mut code = String::with_capacity(19);
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 && i % 4 == 0 {
                    code.push('-');
                }
                // 256 is a multiple of 32: `b % 32` is uniform.
                code.push(char::from(CROCKFORD[usize::from(b % 32)]));
            }
            hashes.push(Self::hash(&code).unwrap_or_default());
            codes.push(Secret::new(code));
        }
        Self { codes, hashes }
    }

    /// The storage hash of a typed code, or `None` if it cannot be a recovery code.
    #[must_use]
    pub fn hash(typed: &str) -> Option<String> {
        let mut canonical = Zeroizing::new(String::with_capacity(16));
        for c in typed.chars() {
            let c = match c.to_ascii_lowercase() {
                ' ' | '-' => continue,
                'i' | 'l' => '1',
                'o' => '0',
                c if c.is_ascii() && CROCKFORD.contains(&(c as u8)) => c,
                _ => return None,
            };
            canonical.push(c);
        }
        if canonical.len() != 16 {
            return None;
        }
        let digest = Sha256::digest(format!("binhdan-recovery-v1:{}", canonical.as_str()));
        Some(hex::encode(digest))
    }

    /// Finds a typed code among the stored hashes; returns its index so the caller deletes it
    /// (each code works once). Compares every stored hash in constant time.
    #[must_use]
    pub fn find(typed: &str, stored: &[String]) -> Option<usize> {
        let h = Self::hash(typed)?;
        let mut found = None;
        for (i, s) in stored.iter().enumerate() {
            let eq: bool = s.as_bytes().ct_eq(h.as_bytes()).into();
            if eq && found.is_none() {
                found = Some(i);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn at_seconds(s: i64) -> Timestamp {
        Timestamp(s * 1000)
    }

    /// RFC 6238 Appendix B, the SHA-1 column (8 digits, key "12345678901234567890").
    #[test]
    fn rfc6238_appendix_b_sha1() {
        let key = TotpSecret::from_bytes(b"12345678901234567890");
        for (time, code) in [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            let step = step_of(at_seconds(time));
            assert_eq!(key.code_at_step(step, 8), code, "T = {time}");
            // The six-digit code apps show is the low six digits.
            let six = format!("{:06}", code % 1_000_000);
            assert_eq!(key.code_at(at_seconds(time)), six);
            assert_eq!(key.verify(&six, at_seconds(time), None), Ok(step));
        }
    }

    /// RFC 4226 Appendix D (HOTP, same key).
    #[test]
    fn rfc4226_appendix_d() {
        let key = TotpSecret::from_bytes(b"12345678901234567890");
        let expected = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871,
            520_489,
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(key.code_at_step(counter as u64, 6), *code);
        }
    }

    #[test]
    fn window_and_replay() {
        let key = TotpSecret::generate(&mut StdRng::seed_from_u64(3));
        let t = at_seconds(1_700_000_000);
        let step = step_of(t);
        let code = key.code_at(t);
        // The same code is accepted 30 s early or late, not 60 s.
        assert_eq!(
            key.verify(&code, at_seconds(1_700_000_000 - 30), None),
            Ok(step)
        );
        assert_eq!(
            key.verify(&code, at_seconds(1_700_000_000 + 30), None),
            Ok(step)
        );
        assert_eq!(
            key.verify(&code, at_seconds(1_700_000_000 + 60), None),
            Err(TotpError::Invalid)
        );
        // Used once: refused the second time, and an older code too.
        let used = key.verify(&code, t, None).unwrap();
        assert_eq!(key.verify(&code, t, Some(used)), Err(TotpError::Replayed));
        let previous = format!("{:06}", key.code_at_step(step - 1, 6));
        assert_eq!(
            key.verify(&previous, t, Some(used)),
            Err(TotpError::Replayed)
        );
        // The next step's code still works.
        let next_t = at_seconds(1_700_000_000 + 30);
        assert_eq!(
            key.verify(&key.code_at(next_t), next_t, Some(used)),
            Ok(step + 1)
        );
    }

    #[test]
    fn malformed_codes() {
        let key = TotpSecret::from_bytes(b"12345678901234567890");
        let t = at_seconds(59);
        assert_eq!(key.verify("287 082", t, None), Ok(1));
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６", "-12345"] {
            assert_eq!(key.verify(bad, t, None), Err(TotpError::Malformed), "{bad}");
        }
    }

    #[test]
    fn secrets_round_trip_and_uri() {
        let key = TotpSecret::generate(&mut StdRng::seed_from_u64(4));
        let b32 = key.to_base32();
        assert_eq!(b32.expose().len(), 32);
        assert!(!b32.expose().contains('='));
        assert_eq!(TotpSecret::from_base32(b32.expose()).unwrap(), key);
        assert_eq!(
            TotpSecret::from_base32(&b32.expose().to_lowercase()).unwrap(),
            key
        );
        assert_eq!(TotpSecret::from_base32("MZXW6"), Err(TotpError::BadSecret));
        assert_eq!(
            TotpSecret::from_base32("not base32!"),
            Err(TotpError::BadSecret)
        );

        let uri = key.otpauth_uri("nguyễn.văn.a@xa-16591");
        assert_eq!(
            uri.expose().as_str(),
            format!(
                "otpauth://totp/B%C3%ACnh%20D%C3%A2n:nguy%E1%BB%85n.v%C4%83n.a%40xa-16591?secret={}&issuer=B%C3%ACnh%20D%C3%A2n&algorithm=SHA1&digits=6&period=30",
                b32.expose()
            )
        );
        assert!(!format!("{key:?} {uri:?} {uri}").contains(b32.expose().as_str()));
    }

    #[test]
    fn recovery_codes() {
        let set = RecoveryCodes::generate(&mut StdRng::seed_from_u64(5));
        assert_eq!(set.codes.len(), RECOVERY_CODES);
        assert_eq!(set.hashes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = set.hashes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for (i, code) in set.codes.iter().enumerate() {
            let c = code.expose();
            assert_eq!(c.len(), 19);
            assert_eq!(c.matches('-').count(), 3);
            assert_eq!(RecoveryCodes::find(c, &set.hashes), Some(i));
            // Typed in capitals without dashes, with spaces.
            let sloppy = c.replace('-', " ").to_uppercase();
            assert_eq!(RecoveryCodes::find(&sloppy, &set.hashes), Some(i));
            // Hashes are not the code.
            assert!(!set.hashes[i].contains(&c.replace('-', "")));
        }
        // Confusable letters read as digits.
        assert_eq!(
            RecoveryCodes::hash("oooo-iiii-llll-0000"),
            RecoveryCodes::hash("0000-1111-1111-0000")
        );
        // Stored hashes must not change: lower-case hex SHA-256 of the canonical code.
        assert_eq!(
            RecoveryCodes::hash("0000-1111-1111-0000").as_deref(),
            Some("f1af05931a41f784821aed880c14cebac62b3a9d81c6c455f6f9004d6d92acb7")
        );
        assert_eq!(
            RecoveryCodes::find("0000-1111-1111-0000", &set.hashes),
            None
        );
        assert_eq!(RecoveryCodes::hash("too-short"), None);
        assert_eq!(RecoveryCodes::hash("uuuu-uuuu-uuuu-uuuu"), None);
        assert!(!format!("{set:?}").contains(set.codes[0].expose().as_str()));
    }
}

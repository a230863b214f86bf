//! Staff passwords: Argon2id hashes in PHC strings, and the policy a new password must meet.
//!
//! # Parameters
//!
//! Argon2id, version 0x13, **m = 19 MiB (19 456 KiB), t = 2, p = 1**, a 16-byte random salt and a
//! 32-byte output: the OWASP Password Storage Cheat Sheet minimum. The server has two cores and
//! serves many other requests, so one lane (p = 1) and a modest memory cost keep a sign-in from
//! stalling the machine: 19 MiB and about 45 ms per hash, 38 ms per verification, on the
//! two-core server in a release build (`cargo run --release -p binhdan-auth --example
//! hash_timing`). Raising them later is safe: [`needs_rehash`] tells the
//! caller, after a successful sign-in, to store a fresh hash made with the current parameters.
//!
//! # Blocking
//!
//! Hashing and verifying are deliberately slow CPU work. The async caller **must** run
//! [`hash_password`] and [`verify_password`] inside `tokio::task::spawn_blocking`, never on
//! the async worker threads.
//!
//! # Unicode
//!
//! Vietnamese can be typed precomposed (NFC, Windows and most phones) or decomposed (NFD, some
//! macOS keyboards): “mật khẩu” has two byte forms. Passwords are normalised to NFC before
//! hashing and checking, so the same password typed on another device still matches.

use std::borrow::Cow;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use binhdan_core::{Localized, Msg, Secret};
use rand::CryptoRng;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use zeroize::Zeroizing;

/// Memory cost in KiB (19 MiB).
pub const M_COST_KIB: u32 = 19 * 1024;
/// Passes over memory.
pub const T_COST: u32 = 2;
/// Lanes: one, for a two-core server.
pub const P_COST: u32 = 1;
/// Output length in bytes.
pub const OUTPUT_LEN: usize = 32;
/// Salt length in bytes.
pub const SALT_LEN: usize = 16;
/// The largest memory cost a stored hash may ask of [`verify_password`] (256 MiB): a corrupted
/// or planted PHC string must not make one sign-in allocate gigabytes.
const MAX_VERIFY_M_COST_KIB: u32 = 256 * 1024;
/// The largest number of passes likewise.
const MAX_VERIFY_T_COST: u32 = 16;

/// Hashing failed. With the fixed parameters of this module this happens only for inputs far
/// beyond any password (gigabytes); the message never contains the password.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct PasswordError;

impl Localized for PasswordError {
    fn msg(&self) -> Msg {
        Msg::new("password-hash-failed")
    }
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params =
        Params::new(M_COST_KIB, T_COST, P_COST, Some(OUTPUT_LEN)).map_err(|_| PasswordError)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn nfc(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
}

/// Hashes a password with Argon2id and a fresh random salt; returns the PHC string to store
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`). Slow by design: call it inside
/// `spawn_blocking`.
pub fn hash_password<R: CryptoRng + ?Sized>(
    password: &Secret<String>,
    rng: &mut R,
) -> Result<String, PasswordError> {
    let mut salt_bytes = [0u8; SALT_LEN];
    rng.fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| PasswordError)?;
    let normalised = Zeroizing::new(nfc(password.expose()).into_owned());
    let hash = hasher()?
        .hash_password(normalised.as_bytes(), &salt)
        .map_err(|_| PasswordError)?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored PHC string. The comparison of the outputs is
/// constant-time (argon2's `Output` equality); the parameters are those recorded in the PHC
/// string, so hashes made with older parameters still verify. A malformed PHC string or a
/// non-Argon2 algorithm never matches. Slow by design: call it inside `spawn_blocking`.
#[must_use]
pub fn verify_password(password: &Secret<String>, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if !matches!(
        parsed.algorithm.as_str(),
        "argon2id" | "argon2i" | "argon2d"
    ) {
        return false;
    }
    match Params::try_from(&parsed) {
        Ok(p) if p.m_cost() <= MAX_VERIFY_M_COST_KIB && p.t_cost() <= MAX_VERIFY_T_COST => {}
        _ => return false,
    }
    let normalised = Zeroizing::new(nfc(password.expose()).into_owned());
    Argon2::default()
        .verify_password(normalised.as_bytes(), &parsed)
        .is_ok()
}

/// Whether a stored hash was made with other parameters than the current ones (or is not even
/// a valid Argon2id PHC string). After a successful [`verify_password`], the caller hashes the
/// password again and stores the new string.
#[must_use]
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    if parsed.algorithm.as_str() != "argon2id" || parsed.version != Some(0x13) {
        return true;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    params.m_cost() != M_COST_KIB
        || params.t_cost() != T_COST
        || params.p_cost() != P_COST
        || parsed.hash.is_none_or(|h| h.len() != OUTPUT_LEN)
        || parsed.salt.is_none_or(|s| s.len() < 16)
}

/// Why a new password was refused. The messages never repeat the password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the password has {actual} characters; at least {min} are required")]
    TooShort { min: usize, actual: usize },
    #[error("the password is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the password repeats a single character")]
    OneCharacter,
    #[error("the password is the user name or too close to it")]
    SameAsUsername,
    #[error("the password is one of the most common passwords")]
    TooCommon,
}

impl Localized for PolicyError {
    fn msg(&self) -> Msg {
        match self {
            Self::TooShort { min, actual } => Msg::new("password-too-short")
                .arg("min", min)
                .arg("actual", actual),
            Self::TooLong { max } => Msg::new("password-too-long").arg("max", max),
            Self::OneCharacter => Msg::new("password-one-character"),
            Self::SameAsUsername => Msg::new("password-same-as-username"),
            Self::TooCommon => Msg::new("password-too-common"),
        }
    }
}

/// The most common passwords, lower case: international lists (Have I Been Pwned, `NordPass`,
/// `SplashData`) and the Vietnamese favourites (“matkhau” is “password”, “anhyeuem” and
/// “emyeuanh” are “I love you”, phone-number-like digit runs, `Abc@123` patterns that meet
/// “one capital, one digit, one symbol” rules). Entries shorter than the minimum length are kept
/// so the list stays meaningful if the minimum is lowered.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789",
    "1234567890",
    "12345678910",
    "123456789a",
    "a123456789",
    "0123456789",
    "0987654321",
    "9876543210",
    "987654321",
    "1234567899",
    "123123123",
    "1231231234",
    "1234512345",
    "147258369",
    "1472583690",
    "123456abc",
    "abc123456",
    "abc1234567",
    "abcd123456",
    "abcd1234",
    "abcd@1234",
    "abc@123456",
    "aa@123456",
    "aa123456789",
    "qwertyuiop",
    "qwerty123",
    "qwerty1234",
    "qwerty12345",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "zaq12wsx",
    "asdfghjkl",
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "p@ssw0rd",
    "p@ssword123",
    "passw0rd123",
    "iloveyou",
    "iloveyou123",
    "admin123",
    "admin12345",
    "admin@123",
    "administrator",
    "welcome123",
    "letmein123",
    "changeme123",
    "matkhau",
    "matkhau1",
    "matkhau12",
    "matkhau123",
    "matkhau1234",
    "matkhau@123",
    "matkhaumoi",
    "matkhaucuatoi",
    "anhyeuem",
    "anhyeuem123",
    "anhyeuem1",
    "emyeuanh",
    "emyeuanh123",
    "yeuemnhieu",
    "yeuanhnhieu",
    "toiyeuvietnam",
    "vietnam123",
    "vietnam1234",
    "vietnam2025",
    "vietnamvodich",
    "hanoi123",
    "hanoi12345",
    "saigon123",
    "saigon1234",
    "hochiminh",
    "hochiminh123",
    "thanhhoa123",
    "binhdan123",
    "binhdan@123",
    "binhdanhocvu",
    "binhdanhocvuso",
    "hocvuso123",
    "vneid123456",
    "khongbiet",
    "khongcomatkhau",
    "xinchao123",
    "conmeo123",
    "doremon123",
];

/// The rules a new password must meet (at account creation, reset and change; not at sign-in,
/// so tightening the policy never locks anyone out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length in characters (after NFC normalisation: “ậ” counts once).
    pub min_chars: usize,
    /// Maximum length in characters; passphrases fit, megabyte inputs do not.
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 10,
            max_chars: 128,
        }
    }
}

impl PasswordPolicy {
    /// Checks a candidate password for the account `username`. Returns the first rule broken,
    /// checking the most helpful first: a common password is reported as such even if it is
    /// also short.
    pub fn check(&self, password: &Secret<String>, username: &str) -> Result<(), PolicyError> {
        let normalised = Zeroizing::new(nfc(password.expose()).into_owned());
        let lower = Zeroizing::new(normalised.to_lowercase());
        let chars = normalised.chars().count();
        if chars > self.max_chars {
            return Err(PolicyError::TooLong {
                max: self.max_chars,
            });
        }
        if COMMON_PASSWORDS.contains(&lower.as_str()) {
            return Err(PolicyError::TooCommon);
        }
        let mut it = lower.chars();
        if let Some(first) = it.next()
            && it.all(|c| c == first)
            && chars > 1
        {
            return Err(PolicyError::OneCharacter);
        }
        let user = nfc(username.trim()).to_lowercase();
        if !user.is_empty() {
            // "nguyenvana", "NguyenVanA", "nguyenvana123", "nguyenvana@2025".
            let core =
                lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
            if *lower == user || core == user {
                return Err(PolicyError::SameAsUsername);
            }
        }
        if chars < self.min_chars {
            return Err(PolicyError::TooShort {
                min: self.min_chars,
                actual: chars,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn s(p: &str) -> Secret<String> {
        Secret::new(p.to_owned())
    }

    #[test]
    fn hash_then_verify() {
        let mut rng = StdRng::seed_from_u64(1);
        let phc = hash_password(&s("Đồng lúa chín vàng 2025"), &mut rng).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password(&s("Đồng lúa chín vàng 2025"), &phc));
        assert!(!verify_password(&s("Đồng lúa chín vàng 2026"), &phc));
        assert!(!verify_password(&s(""), &phc));
        assert!(!needs_rehash(&phc));
        // Fresh salt every time.
        let again = hash_password(&s("Đồng lúa chín vàng 2025"), &mut rng).unwrap();
        assert_ne!(phc, again);
    }

    #[test]
    fn nfd_and_nfc_spellings_are_the_same_password() {
        let mut rng = StdRng::seed_from_u64(2);
        let composed: String = "mật khẩu của tôi".nfc().collect();
        let decomposed: String = "mật khẩu của tôi".nfd().collect();
        assert_ne!(composed.as_bytes(), decomposed.as_bytes());
        let phc = hash_password(&s(&decomposed), &mut rng).unwrap();
        assert!(verify_password(&s(&composed), &phc));
    }

    #[test]
    fn garbage_hashes_never_verify_and_need_rehash() {
        for phc in [
            "",
            "plain",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$2b$12$abcdefghijklmnopqrstuv",
        ] {
            assert!(!verify_password(&s("anything"), phc));
            assert!(needs_rehash(phc));
        }
    }

    #[test]
    fn older_parameters_verify_but_need_rehash() {
        // Made with m=8 MiB, t=1, p=1 (weaker than today's).
        let params = Params::new(8192, 1, 1, Some(32)).unwrap();
        let old = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
        let phc = old
            .hash_password(b"hoc tap suot doi", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password(&s("hoc tap suot doi"), &phc));
        assert!(needs_rehash(&phc));
        // argon2i is not argon2id.
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::default());
        let phc = argon2i
            .hash_password(b"hoc tap suot doi", &salt)
            .unwrap()
            .to_string();
        assert!(needs_rehash(&phc));
    }

    #[test]
    fn absurd_costs_are_refused_without_hashing() {
        let phc = "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$\
                   AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert!(!verify_password(&s("x"), phc));
        assert!(needs_rehash(phc));
    }

    #[test]
    fn policy() {
        let p = PasswordPolicy::default();
        let check = |pw: &str| p.check(&s(pw), "nguyenvana");
        assert_eq!(check("Lúa vàng trĩu bông"), Ok(()));
        assert_eq!(check("correct horse"), Ok(()));
        assert_eq!(check("123456789"), Err(PolicyError::TooCommon));
        assert_eq!(check("MatKhau123"), Err(PolicyError::TooCommon));
        assert_eq!(check("abc123456"), Err(PolicyError::TooCommon));
        assert_eq!(check("Abc@123456"), Err(PolicyError::TooCommon));
        assert_eq!(check("aaaaaaaaaaaa"), Err(PolicyError::OneCharacter));
        assert_eq!(check("NguyenVanA"), Err(PolicyError::SameAsUsername));
        assert_eq!(check("nguyenvana2025!"), Err(PolicyError::SameAsUsername));
        assert_eq!(
            check("ngắn"),
            Err(PolicyError::TooShort { min: 10, actual: 4 })
        );
        // Ten characters, fourteen bytes: characters count, not bytes.
        assert_eq!(check("ậậậbcdefgh"), Ok(()));
        // NFD input counts its letters once.
        let nfd: String = "ậậậbcdefg".nfd().collect();
        assert_eq!(
            p.check(&s(&nfd), "x"),
            Err(PolicyError::TooShort { min: 10, actual: 9 })
        );
        assert_eq!(
            check(
                &"x".repeat(100)
                    .chars()
                    .chain("yz".repeat(20).chars())
                    .collect::<String>()
            ),
            Err(PolicyError::TooLong { max: 128 })
        );
    }

    #[test]
    fn the_common_list_is_lower_case_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for pw in COMMON_PASSWORDS {
            assert_eq!(*pw, pw.to_lowercase());
            assert!(seen.insert(pw), "{pw} twice");
        }
    }

    #[test]
    fn errors_never_show_the_password() {
        let p = PasswordPolicy::default();
        for pw in ["matkhau123", "ngắn", "zzzzzzzzzzzz", "nguyenvana1"] {
            let e = p.check(&s(pw), "nguyenvana").unwrap_err();
            let shown = format!("{e} {e:?} {:?}", e.msg());
            assert!(!shown.contains(pw), "{shown}");
        }
    }
}

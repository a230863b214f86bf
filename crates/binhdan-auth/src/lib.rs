//! The security primitives of Bình Dân.
//!
//! Staff (province and commune admins, village facilitators, organisation admins, content
//! authors, auditors) sign in with local accounts: an Argon2id password ([`password`]) and an
//! optional TOTP second factor ([`totp`]). Citizens sign in through VNeID with `OpenID` Connect
//! (authorization code + PKCE); [`oidc`] holds the pure parts of that flow. Once signed in, a
//! person holds a [`session`] token, and every action is checked against their grants
//! ([`access`]). Failed sign-ins are slowed down by [`throttle`].
//!
//! Everything here is pure: no I/O, no clock (the caller passes `now` as a
//! [`binhdan_core::Timestamp`]), and randomness comes from a `&mut impl rand::CryptoRng` passed
//! in (in production `rand::rng()`, a CSPRNG seeded from the operating system; in tests a
//! seeded `StdRng`).
//! Secrets travel wrapped in [`binhdan_core::Secret`], whose `Debug` and `Display` redact them;
//! no error message here ever contains one.

pub mod access;
mod encoding;
pub mod oidc;
pub mod password;
pub mod session;
pub mod throttle;
pub mod totp;

pub use access::{Grant, Permission, Role, Scope, Target, allows, may_grant};
pub use oidc::{AuthRequest, ClaimMapping, Identity, IdentityError, Pkce, same_token};
pub use password::{
    PasswordError, PasswordPolicy, PolicyError, hash_password, needs_rehash, verify_password,
};
pub use session::{CookieOptions, SessionPolicy, SessionToken};
pub use throttle::{Decision, Throttle, ThrottlePolicy, TooManyAttempts};
pub use totp::{RecoveryCodes, TotpError, TotpSecret};

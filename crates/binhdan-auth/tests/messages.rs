//! Every error of the crate renders as a real sentence in both languages, with its arguments,
//! and never with a secret in it.

use binhdan_auth::access::Role;
use binhdan_auth::oidc::IdentityError;
use binhdan_auth::password::{PasswordError, PolicyError};
use binhdan_auth::throttle::TooManyAttempts;
use binhdan_auth::totp::TotpError;
use binhdan_core::cccd::CccdError;
use binhdan_core::{Localized, Msg};
use binhdan_i18n::Lang;

fn all_messages() -> Vec<Msg> {
    let mut msgs = vec![
        PasswordError.msg(),
        PolicyError::TooShort { min: 10, actual: 4 }.msg(),
        PolicyError::TooLong { max: 128 }.msg(),
        PolicyError::OneCharacter.msg(),
        PolicyError::SameAsUsername.msg(),
        PolicyError::TooCommon.msg(),
        TotpError::Malformed.msg(),
        TotpError::Invalid.msg(),
        TotpError::Replayed.msg(),
        TotpError::BadSecret.msg(),
        TooManyAttempts { seconds: 30 }.msg(),
        TooManyAttempts { seconds: 900 }.msg(),
        IdentityError::MissingClaim {
            claim: "cccd".to_owned(),
        }
        .msg(),
        IdentityError::NonceMismatch.msg(),
        IdentityError::InvalidCccd(CccdError::InvalidCentury).msg(),
        IdentityError::BirthdateMismatch.msg(),
    ];
    msgs.extend(Role::ALL.map(|r| Msg::new(r.msg_key())));
    msgs
}

#[test]
fn every_message_renders_in_both_languages() {
    for msg in all_messages() {
        let vi = Lang::Vi.tr(&msg);
        let en = Lang::En.tr(&msg);
        assert_ne!(vi, msg.key, "{} missing in vi", msg.key);
        assert_ne!(en, msg.key, "{} missing in en", msg.key);
        assert_ne!(vi, en, "{} not translated", msg.key);
        for (name, value) in &msg.args {
            assert!(
                vi.contains(value.as_str()),
                "{}: ${name} unused in vi: {vi}",
                msg.key
            );
            assert!(
                en.contains(value.as_str()),
                "{}: ${name} unused in en: {en}",
                msg.key
            );
        }
        assert!(!vi.contains("{ $") && !en.contains("{ $"), "{vi} / {en}");
    }
}

#[test]
fn samples() {
    assert_eq!(
        Lang::Vi.tr(&PolicyError::TooShort { min: 10, actual: 4 }.msg()),
        "Mật khẩu phải có ít nhất 10 ký tự (mật khẩu đã nhập có 4 ký tự). Một câu dễ nhớ gồm vài từ là mật khẩu tốt."
    );
    assert_eq!(
        Lang::En.tr(&TooManyAttempts { seconds: 900 }.msg()),
        "Too many failed sign-ins. Please try again in 15 minutes, or reset your password."
    );
}

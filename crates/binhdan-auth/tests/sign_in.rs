//! A staff sign-in from end to end, as the web layer will string the pieces together: throttle,
//! password, second factor with replay protection, session, cookie, CSRF, expiry, permissions.

use binhdan_auth::access::{Grant, Permission, Role, Scope, Target, allows};
use binhdan_auth::password::{PasswordPolicy, hash_password, needs_rehash, verify_password};
use binhdan_auth::session::{CookieOptions, SessionPolicy, SessionToken};
use binhdan_auth::throttle::{Decision, Throttle, ThrottlePolicy};
use binhdan_auth::totp::{RecoveryCodes, TotpSecret};
use binhdan_core::{Secret, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

#[test]
fn a_commune_admin_signs_in() {
    let mut rng = StdRng::seed_from_u64(2025);
    let minute = 60_000;
    let mut now = Timestamp(1_767_225_600_000); // 2026-01-01 00:00 UTC

    // Account creation: policy, hash, TOTP enrolment, recovery codes.
    let password = Secret::new("Đồng lúa Thanh Hóa mùa gặt".to_owned());
    PasswordPolicy::default()
        .check(&password, "lethic.16591")
        .unwrap();
    let phc = hash_password(&password, &mut rng).unwrap();
    let totp = TotpSecret::generate(&mut rng);
    let stored_totp = totp.to_base32();
    let recovery = RecoveryCodes::generate(&mut rng);
    let mut last_step = None;
    let grants = [Grant::new(
        Role::CommuneAdmin,
        Scope::Unit {
            path: "38/16591/".to_owned(),
        },
    )];

    // Three typos, then the right password.
    let (mut account, mut address) = (Throttle::default(), Throttle::default());
    for typo in [
        "Đồng lúa Thanh Hóa mùa gặt!",
        "dong lua",
        "Đồng lúa Thanh Hoá mùa gặt",
    ] {
        let d = account
            .check(&ThrottlePolicy::ACCOUNT, now)
            .and(address.check(&ThrottlePolicy::ADDRESS, now));
        assert_eq!(d, Decision::Allowed);
        // NFC "Hóa" and the old-style "Hoá" are different letters: a real typo.
        assert!(!verify_password(&Secret::new(typo.to_owned()), &phc));
        account.record_failure(&ThrottlePolicy::ACCOUNT, now);
        address.record_failure(&ThrottlePolicy::ADDRESS, now);
        now = Timestamp(now.0 + 10_000);
    }
    assert!(verify_password(&password, &phc));
    assert!(!needs_rehash(&phc));
    account.record_success();

    // Second factor: the code on the phone, once.
    let secret = TotpSecret::from_base32(stored_totp.expose()).unwrap();
    let code = totp.code_at(now);
    last_step = Some(secret.verify(&code, now, last_step).unwrap());
    assert!(secret.verify(&code, now, last_step).is_err());
    // A lost phone: a recovery code works once.
    let used = RecoveryCodes::find(recovery.codes[3].expose(), &recovery.hashes).unwrap();
    assert_eq!(used, 3);

    // Session: token in a __Host- cookie, its hash in the database.
    let token = SessionToken::generate(&mut rng);
    let created = now;
    let policy = SessionPolicy::STAFF;
    let cookie = CookieOptions::new("binhdan_session", true)
        .set_cookie(&token, policy.max_age_seconds(created, now));
    assert!(cookie.expose().starts_with("__Host-binhdan_session="));
    let db_key = token.storage_key();

    // A later request: the cookie comes back, the form carries the CSRF token.
    now = Timestamp(now.0 + 20 * minute);
    let presented = SessionToken::from_cookie(token.expose()).unwrap();
    assert_eq!(presented.storage_key(), db_key);
    assert!(!policy.is_expired(created, created, now));
    assert!(presented.verify_csrf(token.csrf_token().expose()));
    assert!(allows(
        &grants,
        Permission::ViewPersonIdentity,
        &Target::Unit("38/16591/16591007/")
    ));
    assert!(!allows(
        &grants,
        Permission::ViewPeople,
        &Target::Unit("38/16594/")
    ));

    // Lunch break: idle for more than 30 minutes ends the session.
    now = Timestamp(now.0 + 31 * minute);
    assert!(policy.is_expired(created, Timestamp(created.0 + 20 * minute), now));
}

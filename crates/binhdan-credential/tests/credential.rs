//! Integration tests of the public API: build, sign, verify, rotate, revoke, QR.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use binhdan_credential::credential::{BuildError, StatusListEntry};
use binhdan_credential::qr::{QrClaims, sign_qr, verify_qr};
use binhdan_credential::status::StatusError;
use binhdan_credential::{
    AchievementCredential, Date, Failure, IssuerKey, StatusList, StatusListCredential,
    Verification, check_revocation, sign_credential, status_of, verify_jwt, verify_status_list_jwt,
};
use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};

fn now() -> binhdan_credential::Timestamp {
    ts("2026-11-26T13:00:00Z")
}

#[test]
fn credential_json_has_the_ob3_shape() {
    let v = serde_json::to_value(credential()).unwrap();
    println!("{}", serde_json::to_string_pretty(&v).unwrap());
    assert_eq!(
        v["@context"],
        json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ])
    );
    assert_eq!(
        v["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(v["issuer"]["id"], DID);
    assert_eq!(v["issuer"]["type"], json!(["Profile"]));
    assert_eq!(v["validFrom"], "2026-11-20T09:00:00Z");
    assert!(v.get("validUntil").is_none());
    let s = &v["credentialSubject"];
    assert_eq!(s["type"], json!(["AchievementSubject"]));
    assert_eq!(s["identifier"][0]["type"], "IdentityObject");
    assert_eq!(s["identifier"][0]["identityType"], "nationalIdentityNumber");
    assert_eq!(s["identifier"][0]["hashed"], true);
    assert!(
        s["identifier"][0]["identityHash"]
            .as_str()
            .unwrap()
            .starts_with("sha256$")
    );
    assert_eq!(s["name"], "Nguyễn Thị Ánh");
    assert_eq!(s["dateOfBirth"], "1990-05-17");
    let a = &s["achievement"];
    assert_eq!(a["type"], json!(["Achievement"]));
    assert!(!a["criteria"]["narrative"].as_str().unwrap().is_empty());
    assert_eq!(a["alignment"][1]["targetCode"], "4.2");
    assert_eq!(
        a["alignment"][1]["targetUrl"],
        "https://binhdan.gov.vn/khung-nang-luc-so#4.2"
    );
    assert_eq!(
        a["resultDescription"][0]["resultType"],
        "RubricCriterionLevel"
    );
    assert_eq!(
        s["result"][0]["achievedLevel"],
        a["resultDescription"][0]["rubricCriterionLevel"][1]["id"]
    );
    assert_eq!(credential().achieved_level(), Some("CB2"));
    let st = &v["credentialStatus"];
    assert_eq!(st["type"], "BitstringStatusListEntry");
    assert_eq!(st["statusPurpose"], "revocation");
    assert_eq!(st["statusListIndex"], "94567");
    assert_eq!(st["statusListCredential"], LIST_URL);
    // Round trip through JSON.
    let back: AchievementCredential = serde_json::from_value(v).unwrap();
    assert_eq!(back, credential());
}

#[test]
fn build_rejects_bad_input() {
    let mut s = spec();
    s.holder.identity_hash = "sha256$abc".to_owned();
    assert_eq!(
        AchievementCredential::build(&s),
        Err(BuildError::BadIdentityHash)
    );
    let mut s = spec();
    s.achievement.achieved_level = "NC9".to_owned();
    assert_eq!(
        AchievementCredential::build(&s),
        Err(BuildError::UnknownLevel("NC9".to_owned()))
    );
    let mut s = spec();
    s.id = "123".to_owned();
    assert_eq!(AchievementCredential::build(&s), Err(BuildError::BadId));
    let mut s = spec();
    s.issuer.id = "https://binhdan.gov.vn".to_owned();
    assert_eq!(AchievementCredential::build(&s), Err(BuildError::BadIssuer));
    let mut s = spec();
    s.valid_until = Some(s.valid_from);
    assert_eq!(
        AchievementCredential::build(&s),
        Err(BuildError::BadValidity)
    );
}

#[test]
fn sign_and_verify_round_trip() {
    let token = sign_credential(&credential(), &key(KID_2027, 2)).unwrap();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        header,
        json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": KID_2027})
    );
    // The payload is the credential itself.
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(payload, serde_json::to_value(credential()).unwrap());
    match verify_jwt(&token, &ring(), now()) {
        Verification::Valid { credential: c, kid } => {
            assert_eq!(*c, credential());
            assert_eq!(kid, KID_2027);
        }
        other @ Verification::Invalid(_) => panic!("{other:?}"),
    }
}

#[test]
fn rotation_retired_key_still_verifies_unknown_key_fails() {
    let old = sign_credential(&credential(), &key(KID_2026, 1)).unwrap();
    assert!(ring().get(KID_2026).unwrap().is_retired());
    assert!(verify_jwt(&old, &ring(), now()).is_valid());
    // A key the ring does not know, even with a plausible kid.
    let stranger = IssuerKey::from_seed("did:web:binhdan.gov.vn#key-2099", &[9; 32]).unwrap();
    let t = sign_credential(&credential(), &stranger).unwrap();
    assert_eq!(
        verify_jwt(&t, &ring(), now()),
        Verification::Invalid(Failure::KeyUnknown)
    );
    // A known kid but the wrong private key.
    let impostor = IssuerKey::from_seed(KID_2027, &[9; 32]).unwrap();
    let t = sign_credential(&credential(), &impostor).unwrap();
    assert_eq!(verify_jwt(&t, &ring(), now()).code(), "signature-invalid");
    // Retiring the current key keeps its tokens valid.
    let mut r = ring();
    assert!(r.retire(KID_2027));
    assert!(
        verify_jwt(
            &sign_credential(&credential(), &key(KID_2027, 2)).unwrap(),
            &r,
            now()
        )
        .is_valid()
    );
    // A removed (compromised) key.
    let mut r = ring();
    assert!(r.remove(KID_2026));
    assert_eq!(verify_jwt(&old, &r, now()).code(), "key-unknown");
}

fn forge(header: &Value, payload: &[u8], sig: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap()),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

#[test]
fn rejects_tampering_and_bad_headers() {
    let token = sign_credential(&credential(), &key(KID_2027, 2)).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    // Tampered payload: the level raised.
    let mut c = credential();
    c.credential_subject.result[0].achieved_level =
        c.credential_subject.achievement.result_description[0].rubric_criterion_level[2]
            .id
            .clone();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap()),
        parts[2]
    );
    assert_eq!(
        verify_jwt(&tampered, &ring(), now()).code(),
        "signature-invalid"
    );
    let body = serde_json::to_vec(&credential()).unwrap();
    for (alg, code) in [
        ("none", "alg-unsupported"),
        ("HS256", "alg-unsupported"),
        ("RS256", "alg-unsupported"),
        ("ES256", "alg-unsupported"),
    ] {
        let t = forge(
            &json!({"alg": alg, "typ": "vc+jwt", "kid": KID_2027}),
            &body,
            &sig,
        );
        assert_eq!(verify_jwt(&t, &ring(), now()).code(), code, "{alg}");
    }
    let none_empty_sig = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
        parts[1]
    );
    assert_eq!(
        verify_jwt(&none_empty_sig, &ring(), now()).code(),
        "alg-unsupported"
    );
    let t = forge(
        &json!({"alg": "EdDSA", "typ": "JWT", "kid": KID_2027}),
        &body,
        &sig,
    );
    assert_eq!(verify_jwt(&t, &ring(), now()).code(), "typ-invalid");
    let t = forge(&json!({"alg": "EdDSA", "typ": "vc+jwt"}), &body, &sig);
    assert_eq!(verify_jwt(&t, &ring(), now()).code(), "key-unknown");
    let t = forge(
        &json!({"alg": "EdDSA", "typ": "vc+jwt", "kid": KID_2027, "crit": ["exp"]}),
        &body,
        &sig,
    );
    assert_eq!(verify_jwt(&t, &ring(), now()).code(), "malformed");
    for bad in [
        "",
        "a",
        "a.b",
        "a.b.c.d",
        "!!!.e30.AA",
        &format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
        &format!("{}.{}", parts[0], parts[1]),
    ] {
        assert_eq!(
            verify_jwt(bad, &ring(), now()).code(),
            "malformed",
            "{bad:?}"
        );
    }
    // Signed, but the payload is not a credential.
    let k = key(KID_2027, 2);
    let t = binhdan_credential::jws::sign_payload(&json!({"hello": "world"}), &k).unwrap();
    assert_eq!(verify_jwt(&t, &ring(), now()).code(), "malformed");
    // Signed by our key but claiming another issuer.
    let mut c = credential();
    c.issuer.id = "did:web:gia-mao.example".to_owned();
    let t = sign_credential(&c, &k).unwrap();
    assert_eq!(verify_jwt(&t, &ring(), now()).code(), "issuer-mismatch");
}

#[test]
fn validity_window() {
    let mut s = spec();
    s.valid_until = Some(ts("2031-11-20T09:00:00Z"));
    let c = AchievementCredential::build(&s).unwrap();
    let t = sign_credential(&c, &key(KID_2027, 2)).unwrap();
    assert_eq!(
        verify_jwt(&t, &ring(), ts("2026-11-20T08:59:59Z")).code(),
        "not-yet-valid"
    );
    assert_eq!(
        verify_jwt(&t, &ring(), ts("2026-11-20T09:00:00Z")).code(),
        "valid"
    );
    assert_eq!(
        verify_jwt(&t, &ring(), ts("2031-11-20T08:59:59Z")).code(),
        "valid"
    );
    assert_eq!(
        verify_jwt(&t, &ring(), ts("2031-11-20T09:00:00Z")).code(),
        "expired"
    );
}

#[test]
fn status_list_credential_and_revocation() {
    let mut list = StatusList::with_min_size();
    let issued = ts("2026-11-26T00:00:00Z");
    let lc = StatusListCredential::revocation(
        LIST_URL,
        issuer(),
        &list,
        issued,
        Some(ts("2026-11-27T00:00:00Z")),
    )
    .unwrap();
    let v = serde_json::to_value(&lc).unwrap();
    assert_eq!(
        v["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(v["credentialSubject"]["type"], "BitstringStatusList");
    assert_eq!(v["credentialSubject"]["statusPurpose"], "revocation");
    assert!(
        v["credentialSubject"]["encodedList"]
            .as_str()
            .unwrap()
            .starts_with('u')
    );

    let k = key(KID_2027, 2);
    let lt = binhdan_credential::jws::sign_payload(&lc, &k).unwrap();
    let lc2 = verify_status_list_jwt(&lt, &ring(), now()).unwrap();
    let c = credential();
    assert_eq!(check_revocation(&c, &lc2), Ok(()));
    assert_eq!(status_of(&lc2, 94_567), Ok(false));

    list.set(94_567, true).unwrap();
    let lc3 = StatusListCredential::revocation(LIST_URL, issuer(), &list, issued, None).unwrap();
    let lt3 = binhdan_credential::jws::sign_payload(&lc3, &k).unwrap();
    let lc3 = verify_status_list_jwt(&lt3, &ring(), now()).unwrap();
    assert_eq!(status_of(&lc3, 94_567), Ok(true));
    assert_eq!(status_of(&lc3, 94_566), Ok(false));
    assert_eq!(
        status_of(&lc3, 200_000),
        Err(StatusError::OutOfRange(200_000))
    );
    assert_eq!(check_revocation(&c, &lc3), Err(Failure::Revoked));
    assert_eq!(Failure::Revoked.code(), "revoked");

    // An entry pointing at another list.
    let mut other = credential();
    other.credential_status = Some(StatusListEntry::revocation(
        "https://binhdan.gov.vn/trang-thai/2",
        1,
    ));
    assert_eq!(
        check_revocation(&other, &lc3),
        Err(Failure::StatusUnavailable)
    );
    // An expired list (stale cache).
    assert_eq!(
        verify_status_list_jwt(&lt, &ring(), ts("2026-11-27T00:00:00Z")),
        Err(Failure::Expired)
    );
    // A certificate token is not a status list.
    let ct = sign_credential(&c, &k).unwrap();
    assert_eq!(
        verify_status_list_jwt(&ct, &ring(), now()),
        Err(Failure::Malformed)
    );
}

#[test]
fn qr_round_trip_size_and_tamper_detection() {
    let c = credential();
    let k = key(KID_2027, 2);
    let claims = QrClaims::from_credential(&c, "key-2027").unwrap();
    let prefix = "https://binhdan.gov.vn/xac-thuc/";
    let qr = sign_qr(&claims, &k, prefix).unwrap();
    println!("QR payload ({} chars): {qr}", qr.len());
    assert!(qr.len() <= 300, "QR payload is {} chars", qr.len());
    assert!(qr.bytes().all(|b| b.is_ascii_graphic()));
    let back = verify_qr(&qr, &ring(), DID).unwrap();
    assert_eq!(back, claims);
    assert_eq!(back.credential_urn(), c.id);
    assert_eq!(back.level, "CB2");
    assert_eq!(back.initials, "NTÁ");
    assert_eq!(back.issued, Date::parse("2026-11-20").unwrap());
    assert!(back.matches_holder("  nguyễn   thị ánh ", Date::parse("1990-05-17").unwrap()));
    assert!(!back.matches_holder("Nguyễn Thị Ánh", Date::parse("1990-05-18").unwrap()));
    // Bare token (no URL prefix) verifies too.
    assert_eq!(
        verify_qr(qr.strip_prefix(prefix).unwrap(), &ring(), DID),
        Ok(claims.clone())
    );

    // Tampered claims: level raised.
    let token = qr.strip_prefix(prefix).unwrap();
    let (c64, s64) = token.split_once('.').unwrap();
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(c64).unwrap()).unwrap();
    let forged = format!(
        "{}.{s64}",
        URL_SAFE_NO_PAD.encode(text.replace("|CB2|", "|TC1|"))
    );
    assert_eq!(
        verify_qr(&forged, &ring(), DID),
        Err(Failure::SignatureInvalid)
    );
    // Other issuer DID, unknown key fragment, garbage.
    assert_eq!(
        verify_qr(&qr, &ring(), "did:web:gia-mao.example"),
        Err(Failure::KeyUnknown)
    );
    assert_eq!(
        verify_qr("https://x/abc", &ring(), DID),
        Err(Failure::Malformed)
    );
    // The QR signature is not a JWS signature and vice versa (domain separation).
    assert_eq!(
        sign_qr(&claims, &key(KID_2026, 1), prefix).map(|_| ()),
        Err(binhdan_credential::qr::QrError::BadField("key_fragment"))
    );
}

#[test]
fn publish_jwks_and_did_document() {
    let r = ring();
    let jwks = r.jwks();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    assert_eq!(jwks["keys"][0]["kid"], KID_2026);
    let doc = r.did_document(DID).unwrap();
    assert_eq!(doc["assertionMethod"], json!([KID_2026, KID_2027]));
    println!("{}", serde_json::to_string_pretty(&doc).unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn verify_never_panics_on_arbitrary_strings(s in "\\PC{0,300}") {
        let v = verify_jwt(&s, &ring(), now());
        prop_assert!(!v.is_valid());
        let _ = verify_qr(&s, &ring(), DID);
    }

    #[test]
    fn verify_never_panics_on_arbitrary_dotted_base64(a in "[A-Za-z0-9_-]{0,80}", b in "[A-Za-z0-9_-]{0,200}", c in "[A-Za-z0-9_-]{0,100}") {
        let v = verify_jwt(&format!("{a}.{b}.{c}"), &ring(), now());
        prop_assert!(!v.is_valid());
    }
}

fn valid_token() -> String {
    sign_credential(&credential(), &key(KID_2027, 2)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn mutated_tokens_never_verify(pos in any::<prop::sample::Index>(), byte in 0x20u8..0x7f, op in 0u8..3) {
        let token = valid_token();
        let mut bytes = token.clone().into_bytes();
        let i = pos.index(bytes.len());
        match op {
            0 => bytes[i] = byte,
            1 => { bytes.remove(i); }
            _ => bytes.insert(i, byte),
        }
        let mutated = String::from_utf8(bytes).unwrap();
        let v = verify_jwt(&mutated, &ring(), now());
        if mutated != token {
            prop_assert!(!v.is_valid(), "mutation accepted: {}", mutated);
        }
    }

    #[test]
    fn mutated_qr_never_verifies(pos in any::<prop::sample::Index>(), byte in 0x21u8..0x7f) {
        let claims = QrClaims::from_credential(&credential(), "key-2027").unwrap();
        let qr = sign_qr(&claims, &key(KID_2027, 2), "").unwrap();
        let mut bytes = qr.clone().into_bytes();
        let i = pos.index(bytes.len());
        bytes[i] = byte;
        let mutated = String::from_utf8(bytes).unwrap();
        if mutated != qr && !mutated.contains(['/', '#', '=']) {
            prop_assert!(verify_qr(&mutated, &ring(), DID).is_err(), "mutation accepted: {}", mutated);
        }
    }
}

//! The W3C VC API's `POST /presentations/verify`: a holder presents their certificate in a
//! presentation they sign (`vp+jwt`, a `did:jwk` holder) or without a proof; the presentation
//! and every credential in it are verified, and whatever does not verify is said, never 200.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_credential::presentation::{CONTEXT_V2, HolderKey};
use binhdan_store::SessionOwner;

use crate::certificates::learner;
use crate::exam::{app, sit, start};
use crate::helpers::TestApp;
use crate::people::{form, session, staff};

async fn verify(app: &TestApp, body: String) -> (StatusCode, serde_json::Value) {
    let r = app
        .send(
            Request::post("/presentations/verify")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "text/html")
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert!(
        r.header("content-type").starts_with("application/json"),
        "always JSON: {}",
        r.header("content-type")
    );
    (
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null),
    )
}

fn presentation(holder: &HolderKey, credentials: &[String]) -> serde_json::Value {
    serde_json::json!({
        "@context": [CONTEXT_V2],
        "type": ["VerifiablePresentation"],
        "holder": holder.did(),
        "nonce": "thu-thach-1",
        "verifiableCredential": credentials
            .iter()
            .map(|t| serde_json::json!({
                "@context": [CONTEXT_V2],
                "type": "EnvelopedVerifiableCredential",
                "id": format!("data:application/vc+jwt,{t}"),
            }))
            .collect::<Vec<_>>(),
    })
}

fn tamper(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mid = parts[1].len() / 2;
    let flipped = if &parts[1][mid..=mid] == "A" {
        "B"
    } else {
        "A"
    };
    parts[1].replace_range(mid..=mid, flipped);
    parts.join(".")
}

#[tokio::test]
async fn a_presentation_verifies_with_its_credentials_and_says_what_does_not() {
    let app = app().await;
    let me = learner(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let exam = start(&app, &cookie, &csrf, "chung-chi").await;
    sit(&app, &cookie, &csrf, exam, true).await;
    let certs = app.db.store.certificates_of(me).await.unwrap();
    let cert = certs[0].jwt.clone();
    let holder = HolderKey::from_seed(&[9; 32]);

    // Valid: signed by the holder, bare or enveloped, bound to the verifier's challenge.
    let vp = holder
        .sign_presentation(&presentation(&holder, std::slice::from_ref(&cert)))
        .unwrap();
    let (status, body) = verify(
        &app,
        serde_json::json!({ "verifiablePresentation": vp, "options": { "challenge": "thu-thach-1" } })
            .to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verified"], true);
    assert_eq!(body["presentationResult"]["holder"], holder.did());
    assert_eq!(body["credentialResults"][0]["verified"], true, "{body}");
    assert_eq!(body["credentialResults"][0]["credentialId"], certs[0].id);
    let enveloped = serde_json::json!({ "verifiablePresentation": {
        "@context": [CONTEXT_V2],
        "type": "EnvelopedVerifiablePresentation",
        "id": format!("data:application/vp+jwt,{vp}"),
    }});
    let (status, body) = verify(&app, enveloped.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Without a proof, the credentials alone are verified.
    let proofless =
        serde_json::json!({ "presentation": presentation(&holder, std::slice::from_ref(&cert)) });
    let (status, body) = verify(&app, proofless.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["presentationResult"]["holder"],
        serde_json::Value::Null
    );

    // Another challenge, a tampered presentation, a tampered credential inside a good one.
    let (status, body) = verify(
        &app,
        serde_json::json!({ "verifiablePresentation": vp, "options": { "challenge": "khac" } })
            .to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["verified"], false);
    assert_eq!(body["errors"][0]["code"], "challenge-mismatch", "{body}");
    let (status, body) = verify(
        &app,
        serde_json::json!({ "verifiablePresentation": tamper(&vp) }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let code = body["errors"][0]["code"].as_str().unwrap();
    assert!(matches!(code, "signature-invalid" | "malformed"), "{body}");
    let forged = holder
        .sign_presentation(&presentation(&holder, &[cert.clone(), tamper(&cert)]))
        .unwrap();
    let (status, body) = verify(
        &app,
        serde_json::json!({ "verifiablePresentation": forged }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["verified"], false);
    assert_eq!(body["presentationResult"]["verified"], true, "{body}");
    assert_eq!(body["credentialResults"][0]["verified"], true);
    assert_eq!(body["credentialResults"][1]["verified"], false);
    // Signed by one holder in the name of another.
    let thief = HolderKey::from_seed(&[3; 32]);
    let stolen = thief
        .sign_presentation(&presentation(&holder, std::slice::from_ref(&cert)))
        .unwrap();
    let (status, body) = verify(
        &app,
        serde_json::json!({ "verifiablePresentation": stolen }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["code"], "holder-mismatch", "{body}");

    // Malformed: not JSON, no presentation, not a presentation, a proof it cannot check.
    for (request, expected) in [
        ("{".to_owned(), "certificate-api-bad-json"),
        ("{}".to_owned(), "certificate-api-no-presentation"),
        (
            serde_json::json!({ "presentation": { "@context": [], "type": "VerifiablePresentation" } })
                .to_string(),
            "certificate-api-bad-presentation",
        ),
        (
            serde_json::json!({ "presentation": { "@context": [CONTEXT_V2], "type": "VerifiablePresentation", "verifiableCredential": [cert], "proof": { "type": "DataIntegrityProof" } } })
                .to_string(),
            "certificate-api-proof-unsupported",
        ),
        (
            serde_json::json!({ "presentation": { "@context": [CONTEXT_V2], "type": "VerifiablePresentation" } })
                .to_string(),
            "certificate-api-no-credential",
        ),
    ] {
        let (status, body) = verify(&app, request.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}: {body}");
        assert_eq!(body["code"], expected, "{request}: {body}");
    }
    let (status, body) = verify(
        &app,
        serde_json::json!({ "verifiablePresentation": "x.y.z" }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["verified"], false, "{body}");
    // Too big: past the verifier's own bound, and too many credentials.
    let (status, _) = verify(
        &app,
        serde_json::json!({ "presentation": "a".repeat(300 * 1024) }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let many = vec!["x".to_owned(); 21];
    let (status, body) = verify(
        &app,
        serde_json::json!({ "presentation": presentation(&holder, &many) }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(
        body["error"]["code"], "certificate-api-too-many-credentials",
        "{body}"
    );

    // Revoked: the same presentation no longer verifies, and says why.
    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let (p_cookie, p_token) = session(&app, SessionOwner::Staff(province)).await;
    let uuid = certs[0].id.trim_start_matches("urn:uuid:");
    let r = form(
        &app,
        &format!("/quan-ly/chung-chi/{uuid}/thu-hoi"),
        Some(&p_cookie),
        &format!(
            "csrf={}&reason=Thi%20h%E1%BB%99",
            p_token.csrf_token().expose()
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let (status, body) = verify(
        &app,
        serde_json::json!({ "verifiablePresentation": vp }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["presentationResult"]["verified"], true);
    assert_eq!(
        body["credentialResults"][0]["errors"][0]["code"], "revoked",
        "{body}"
    );
}

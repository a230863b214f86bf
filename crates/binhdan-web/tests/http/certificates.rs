//! Certificates through the pages and the API: a pass earns one, the learner sees and
//! downloads it, anyone verifies it (its page, a pasted token, the QR code, the W3C VC API),
//! the keys and status lists are published, and a province admin revokes it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Cccd;
use binhdan_store::{AdultCutoff, PersonRecord, SessionOwner};

use crate::exam::{app, sit, start};
use crate::helpers::{NOW, TestApp};
use crate::people::{form, get_as, session, staff};

/// A learner with a full date of birth and their CCCD sealed by the app's vault.
pub(crate) async fn learner(app: &TestApp) -> i64 {
    let store = app.db.store.as_ref();
    let vault = binhdan_vault::Vault::new(&app.vault).unwrap();
    let cccd = Cccd::parse("038160004321").unwrap();
    let mut import = store
        .begin_people_import(AdultCutoff(i64::MAX), NOW)
        .await
        .unwrap();
    import
        .write(&[PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: vault.encrypt(&cccd, &mut rand::rng()).unwrap().into_bytes(),
            cccd_masked: cccd.masked(),
            name: "Phạm Văn Bình".into(),
            birth_year: 1960,
            birth_day: Some(-3_650),
            sex: cccd.sex(),
            unit: binhdan_core::unit::UnitCode::parse("16591").unwrap(),
            phone: None,
            membership: None,
        }])
        .await
        .unwrap();
    import
        .commit(AuditEntry::new("test", "person.import"))
        .await
        .unwrap();
    store
        .person_by_cccd_hash(&vault.lookup_hash(&cccd))
        .await
        .unwrap()
        .unwrap()
        .summary
        .id
}

async fn json_post(
    app: &TestApp,
    body: &str,
    content_type: &str,
    lang: &str,
) -> (StatusCode, serde_json::Value) {
    let r = app
        .send(
            Request::post("/credentials/verify")
                .header(header::CONTENT_TYPE, content_type)
                .header(header::ACCEPT_LANGUAGE, lang)
                .body(Body::from(body.to_owned()))
                .unwrap(),
        )
        .await;
    (
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn a_pass_earns_a_certificate_that_anyone_verifies_until_a_province_admin_revokes_it() {
    let app = app().await;
    let me = learner(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();

    // Pass the exam: the result offers the certificate, issued at once.
    let exam = start(&app, &cookie, &csrf, "chung-chi").await;
    let (result, _) = sit(&app, &cookie, &csrf, exam, true).await;
    assert!(result.contains("/hoc/chung-chi"), "{result}");
    let store = app.db.store.as_ref();
    let certs = store.certificates_of(me).await.unwrap();
    assert_eq!(certs.len(), 1);
    let cert = &certs[0];
    let uuid = cert.id.trim_start_matches("urn:uuid:").to_owned();

    let mine = get_as(&app, "/hoc/chung-chi", &cookie).await;
    assert_eq!(mine.status, StatusCode::OK);
    let mine = mine.text();
    assert!(
        mine.contains("Phạm Văn Bình") && mine.contains("<svg"),
        "{mine}"
    );
    assert!(mine.contains("Hợp lệ"), "{mine}");
    assert!(!mine.contains("038160004321"), "the CCCD is never shown");
    let dl = get_as(&app, &format!("/hoc/chung-chi/{uuid}/tai-ve"), &cookie).await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.header("content-type"), "application/vc+jwt");
    assert!(dl.header("content-disposition").starts_with("attachment"));
    assert_eq!(dl.text(), cert.jwt);
    // The printable certificate, in both sizes; an unknown size is a clear 404.
    for kho in ["a4", "dien-thoai"] {
        let pdf = get_as(&app, &format!("/hoc/chung-chi/{uuid}/pdf/{kho}"), &cookie).await;
        assert_eq!(pdf.status, StatusCode::OK, "{kho}");
        assert_eq!(pdf.header("content-type"), "application/pdf");
        assert!(
            pdf.header("content-disposition")
                .contains(&format!("-{kho}.pdf"))
        );
        assert!(pdf.body.starts_with(b"%PDF-"), "{kho}");
    }
    let bad = get_as(&app, &format!("/hoc/chung-chi/{uuid}/pdf/a3"), &cookie).await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    assert!(bad.text().contains("khổ giấy"), "{}", bad.text());
    assert!(
        mine.contains(&format!("/hoc/chung-chi/{uuid}/pdf/a4")),
        "{mine}"
    );
    // Another learner cannot download it.
    let (other_cookie, _) = session(
        &app,
        SessionOwner::Citizen(crate::people::fixture(&app).await.0),
    )
    .await;
    assert_eq!(
        get_as(
            &app,
            &format!("/hoc/chung-chi/{uuid}/tai-ve"),
            &other_cookie
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_as(
            &app,
            &format!("/hoc/chung-chi/{uuid}/pdf/a4"),
            &other_cookie
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Anyone: the public page, a pasted token, a tampered one.
    let public = app.get(&format!("/chung-chi/{uuid}")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.text().contains("Hợp lệ") && public.text().contains("Phạm Văn Bình"));
    let pasted = app
        .send(
            Request::post("/xac-minh")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("token={}", cert.jwt)))
                .unwrap(),
        )
        .await;
    assert_eq!(pasted.status, StatusCode::OK, "{}", pasted.text());
    let mut parts: Vec<String> = cert.jwt.split('.').map(str::to_owned).collect();
    let mid = parts[1].len() / 2;
    let flipped = if &parts[1][mid..=mid] == "A" {
        "B"
    } else {
        "A"
    };
    parts[1].replace_range(mid..=mid, flipped);
    let tampered = parts.join(".");
    let refused = app
        .send(
            Request::post("/xac-minh")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("token={tampered}")))
                .unwrap(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains("Chữ ký không khớp") || refused.text().contains("Không đọc được"),
        "{}",
        refused.text()
    );

    // The number printed on the PDF, typed as people type it: found; a wrong one is said.
    let typed = app
        .send(
            Request::post("/xac-minh")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "token={}",
                    crate::people::encode(&format!("Số hiệu: {}", uuid.to_uppercase()))
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(typed.status, StatusCode::OK, "{}", typed.text());
    assert!(typed.text().contains("Phạm Văn Bình") && typed.text().contains("Hợp lệ"));
    let level = typed.text();
    assert!(
        (level.contains("<dd>Cơ bản") || level.contains("<dd>Trung cấp"))
            && !level.contains("<dd>CB")
            && !level.contains("<dd>TC"),
        "the level is in words: {level}"
    );
    let wrong = app
        .send(
            Request::post("/xac-minh")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("token=00000000-0000-4000-8000-000000000000"))
                .unwrap(),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.text().contains(
            "Không có giấy chứng nhận nào mang số hiệu 00000000-0000-4000-8000-000000000000"
        ),
        "{}",
        wrong.text()
    );
    // On the learner's page, the electronic copy is apart from the PDFs and says what it is for.
    assert!(
        mine.contains("Bản điện tử cho VNeID và nơi tuyển dụng"),
        "{mine}"
    );

    // The QR code's payload opens the online check.
    let issuer = binhdan_app::certificates::Issuer::new(
        "http://127.0.0.1:8080",
        "x",
        std::sync::Arc::new(binhdan_vault::Vault::new(&app.vault).unwrap()),
    );
    let qr = issuer.qr_link(store, cert).await.unwrap();
    let path = qr.trim_start_matches("http://127.0.0.1:8080");
    let scanned = app.get(path).await;
    assert_eq!(scanned.status, StatusCode::OK, "{path}: {}", scanned.text());
    assert!(scanned.text().contains("Hợp lệ"));
    assert_eq!(
        app.get("/xac-minh/qr/eyJ.abc").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The VC API: bare and enveloped tokens; specific failures; bad requests are 4xx.
    let (status, body) = json_post(
        &app,
        &serde_json::json!({ "verifiableCredential": cert.jwt }).to_string(),
        "application/json",
        "vi",
    )
    .await;
    assert_eq!(
        (status, body["verified"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    let enveloped = serde_json::json!({ "verifiableCredential": { "@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential", "id": format!("data:application/vc+jwt,{}", cert.jwt) } });
    let (_, body) = json_post(&app, &enveloped.to_string(), "application/json", "vi").await;
    assert_eq!(body["verified"], true, "{body}");
    let (status, body) = json_post(
        &app,
        &serde_json::json!({ "verifiableCredential": tampered }).to_string(),
        "application/json",
        "en",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a failed verification is never 200"
    );
    assert_eq!(body["verified"], false);
    let code = body["errors"][0]["code"].as_str().unwrap();
    assert!(matches!(code, "signature-invalid" | "malformed"), "{body}");
    let (status, body) = json_post(&app, "{not json", "application/json", "en").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["title"], "The request body is not valid JSON.");
    let (status, _) = json_post(&app, "{}", "application/json", "vi").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = json_post(&app, "token", "text/plain", "vi").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A malformed envelope: an empty context, no type, another type.
    for envelope in [
        serde_json::json!({ "@context": [], "type": "EnvelopedVerifiableCredential", "id": format!("data:application/vc+jwt,{}", cert.jwt) }),
        serde_json::json!({ "@context": ["https://www.w3.org/ns/credentials/v2"], "id": format!("data:application/vc+jwt,{}", cert.jwt) }),
        serde_json::json!({ "@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiableCredential", "id": format!("data:application/vc+jwt,{}", cert.jwt) }),
    ] {
        let (status, body) = json_post(
            &app,
            &serde_json::json!({ "verifiableCredential": envelope }).to_string(),
            "application/json",
            "en",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{envelope}");
        assert_eq!(body["code"], "certificate-api-bad-envelope", "{body}");
    }
    // Errors under /credentials/ are JSON whatever the client accepts.
    let html_client = app
        .send(
            Request::post("/credentials/issue")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "text/html")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(html_client.status, StatusCode::UNAUTHORIZED);
    assert!(
        html_client
            .header("content-type")
            .starts_with("application/json"),
        "{}",
        html_client.header("content-type")
    );

    // The published keys and the status list, checked with them.
    let jwks: serde_json::Value =
        serde_json::from_slice(&app.get("/.well-known/jwks.json").await.body).unwrap();
    let kid = jwks["keys"][0]["kid"].as_str().unwrap();
    assert!(kid.starts_with("did:web:127.0.0.1%3A8080#"), "{jwks}");
    assert!(
        jwks["keys"][0].get("d").is_none(),
        "no private key material"
    );
    let did: serde_json::Value =
        serde_json::from_slice(&app.get("/.well-known/did.json").await.body).unwrap();
    assert_eq!(did["id"], "did:web:127.0.0.1%3A8080");
    let list = app.get("/chung-chi/trang-thai/1").await;
    assert_eq!(list.header("content-type"), "application/vc+jwt");
    assert_eq!(
        app.get("/chung-chi/trang-thai/9").await.status,
        StatusCode::NOT_FOUND
    );

    // The VC API's issue: staff over the holder's unit get the pass's one certificate back.
    let pass = store
        .exam_pass(me, binhdan_core::kpi::Group::Adult)
        .await
        .unwrap()
        .unwrap();
    let issue = |cookie: String, body: String| {
        let app = &app;
        async move {
            app.send(
                Request::post("/credentials/issue")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::COOKIE, cookie)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    let sibling = staff(
        &app,
        "xa-ben",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16594/".into(),
            },
        ),
    )
    .await;
    let (sib_cookie, _) = session(&app, SessionOwner::Staff(sibling)).await;
    let body = serde_json::json!({ "options": { "passId": pass.id } }).to_string();
    assert_eq!(
        issue(sib_cookie.clone(), body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        issue(sib_cookie, r#"{"options":{"passId":987654}}"#.into())
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let issuer_admin = staff(
        &app,
        "xa-nay",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    let (admin_cookie, _) = session(&app, SessionOwner::Staff(issuer_admin)).await;
    let answer = issue(admin_cookie.clone(), body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let enveloped: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        enveloped["verifiableCredential"]["id"],
        format!("data:application/vc+jwt,{}", cert.jwt),
        "the same certificate, not a second"
    );
    // A credential sent to be signed is refused, not answered with another one.
    let foreign = issue(
        admin_cookie.clone(),
        serde_json::json!({
            "credential": { "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": "did:example:x", "credentialSubject": { "id": "did:example:y" } },
            "options": { "passId": pass.id }
        })
        .to_string(),
    )
    .await;
    assert_eq!(
        foreign.status,
        StatusCode::BAD_REQUEST,
        "{}",
        foreign.text()
    );
    assert!(
        foreign
            .text()
            .contains("certificate-api-credential-refused")
    );
    assert_eq!(
        issue(admin_cookie.clone(), "{".into()).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        issue(admin_cookie, "{}".into()).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(store.certificates_of(me).await.unwrap().len(), 1);

    // Revocation: a commune admin may not; a province admin must give a reason; then it is.
    let commune = staff(
        &app,
        "xa",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    let (xa_cookie, xa_token) = session(&app, SessionOwner::Staff(commune)).await;
    let url = format!("/quan-ly/chung-chi/{uuid}/thu-hoi");
    let r = form(
        &app,
        &url,
        Some(&xa_cookie),
        &format!("csrf={}&reason=x", xa_token.csrf_token().expose()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A province-level role scoped to another commune may not either.
    let elsewhere = staff(
        &app,
        "noi-khac",
        Grant::new(
            Role::ProvinceAdmin,
            Scope::Unit {
                path: "38/16594/".into(),
            },
        ),
    )
    .await;
    let (e_cookie, e_token) = session(&app, SessionOwner::Staff(elsewhere)).await;
    let r = form(
        &app,
        &url,
        Some(&e_cookie),
        &format!("csrf={}&reason=x", e_token.csrf_token().expose()),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the holder's unit is outside the caller's scope"
    );
    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let (p_cookie, p_token) = session(&app, SessionOwner::Staff(province)).await;
    let p_csrf = p_token.csrf_token().expose().clone();
    let page = get_as(&app, &format!("/quan-ly/nguoi/{me}"), &p_cookie)
        .await
        .text();
    assert!(
        page.contains(&url),
        "the record offers the revocation: {page}"
    );
    let r = form(
        &app,
        &url,
        Some(&p_cookie),
        &format!("csrf={p_csrf}&reason="),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = form(
        &app,
        &url,
        Some(&p_cookie),
        &format!("csrf={p_csrf}&reason=Thi%20h%E1%BB%99"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let public = app.get(&format!("/chung-chi/{uuid}")).await.text();
    assert!(
        public.contains("Đã bị thu hồi") && public.contains("Thi hộ"),
        "{public}"
    );
    let (_, body) = json_post(
        &app,
        &serde_json::json!({ "verifiableCredential": cert.jwt }).to_string(),
        "application/json",
        "vi",
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "revoked", "{body}");
    // A revoked certificate is no longer printed.
    let pdf = get_as(&app, &format!("/hoc/chung-chi/{uuid}/pdf/a4"), &cookie).await;
    assert_eq!(pdf.status, StatusCode::CONFLICT);
    assert!(pdf.text().contains("không còn hiệu lực"), "{}", pdf.text());
    let audit = store.audit_records(0, 1000).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.action == "certificate.revoke")
            .count(),
        1
    );
    let outbox = store.outbox_messages(None).await.unwrap();
    assert_eq!(
        outbox.iter().map(|m| m.topic.as_str()).collect::<Vec<_>>(),
        ["certificate.issued", "certificate.revoked"]
    );
}

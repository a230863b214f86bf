use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::helpers::{TOKEN, TestApp};

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz").await.text(), "ok");
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    app.get("/api/v1/units/01").await;
    app.get("/api/v1/units/77777").await;
    let metrics = app.get("/metrics").await.text();
    assert!(
        metrics.contains(
            "http_requests_total{method=\"GET\",route=\"/api/v1/units/{code}\",status=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains(
        "http_requests_total{method=\"GET\",route=\"/api/v1/units/{code}\",status=\"404\"}"
    ));
    assert!(metrics.contains("http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/units/{code}\",le=\"0.005\"}"));
    // Raw paths never become labels.
    assert!(!metrics.contains("77777"));
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::new().await;
    app.db.store.close().await;
    assert_eq!(
        app.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::new().await;
    for uri in ["/", "/api/v1/units/38", "/nowhere", "/metrics"] {
        let r = app.get(uri).await;
        let csp = r.header("content-security-policy");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{uri}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        assert_eq!(
            r.header("referrer-policy"),
            "strict-origin-when-cross-origin"
        );
        assert_eq!(
            r.header("strict-transport-security"),
            "",
            "no HSTS without TLS"
        );
    }
    let tls =
        TestApp::with(|c| c.public_url = Some("https://binhdan.thanhhoa.gov.vn".into())).await;
    assert!(
        tls.get("/")
            .await
            .header("strict-transport-security")
            .starts_with("max-age=")
    );
}

#[tokio::test]
async fn a_cross_site_post_is_refused_in_vietnamese() {
    let app = TestApp::new().await;
    let forged = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/villages/import")
        .header(header::HOST, "binhdan.example")
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .header(header::CONTENT_TYPE, "text/csv")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::from("ma_xa,ten\n16591,Thôn A\n"))
        .unwrap();
    let r = app.send(forged).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], "error-cross-site");
    assert!(
        app.get("/api/v1/units/16591/children").await.json()["units"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn framework_errors_are_localized_too() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/nowhere").await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("error-not-found"))
    );
    let r = app.get("/nowhere").await;
    assert!(
        r.header("content-type").starts_with("text/html") && r.text().contains("Không tìm thấy")
    );
    let r = app
        .send(
            Request::delete("/api/v1/units/38")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("error-method"))
    );
    let big = "x".repeat(300 * 1024);
    let r = app
        .post("/api/v1/units/16591/villages", "application/json", big)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["code"], "error-too-large");
}

/// The OpenAPI document lists every route; a change to the API shows up here as a diff.
#[tokio::test]
async fn the_openapi_document_covers_every_route() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut paths: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    paths.sort();
    // What OpenAPI 3.1 asks (openapi-spec-validator checks the whole document in CI): unique
    // operation ids, every response described, path templates without axum's `{*…}`.
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(!path.contains("{*"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            assert!(
                ids.insert(id.clone()),
                "operationId {id} repeats ({method} {path})"
            );
            for (status, response) in op["responses"].as_object().unwrap() {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status} has no description"
                );
            }
        }
    }
    insta::assert_yaml_snapshot!("routes", paths);
    insta::assert_json_snapshot!("openapi", doc);
}

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::TestApp;

/// Learner-facing pages must stay under 30 KB compressed (DESIGN.md invariant 5).
const PAGE_BUDGET_BYTES: usize = 30 * 1024;

/// The weight a phone downloads: the body as the server sends it, gzip-compressed.
async fn compressed_size(app: &TestApp, uri: &str) -> usize {
    let r = app
        .send(
            Request::get(uri)
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{uri}");
    assert_eq!(
        r.header("content-encoding"),
        "gzip",
        "{uri} is served compressed"
    );
    r.body.len()
}

#[tokio::test]
async fn the_home_page_shows_the_campaign_targets_and_communes() {
    let app = TestApp::new().await;
    let r = app.get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("Bình dân học vụ số Thanh Hóa"));
    for k in ["K1", "K2", "K3", "K4", "K5"] {
        assert!(
            html.contains(&format!("<span class=\"kpi\">{k}</span>")),
            "{k}"
        );
    }
    assert!(html.contains("80% người trưởng thành được chứng nhận"));
    assert!(html.contains("Xã, phường, đặc khu (166)"));
    assert!(html.contains("href=\"/don-vi/16591\">Xã Các Sơn</a>"));
    // No script at all: the page works with JavaScript off.
    assert!(!html.contains("<script"));
    let en = app.get_en("/").await.text();
    assert!(en.contains("<html lang=\"en\">") && en.contains("2026 targets"));
}

#[tokio::test]
async fn pages_stay_within_the_weight_budget() {
    let app = TestApp::new().await;
    binhdan_app::demo::build(
        app.db.store.as_ref(),
        &binhdan_app::demo::DemoOptions {
            people: 20_000,
            ..Default::default()
        },
        crate::helpers::NOW,
    )
    .await
    .unwrap();
    for uri in [
        "/",
        "/don-vi/38",
        "/don-vi/16591",
        "/tim-kiem?q=thon",
        "/tim-kiem",
    ] {
        let size = compressed_size(&app, uri).await;
        assert!(size < PAGE_BUDGET_BYTES, "{uri}: {size} bytes compressed");
    }
}

#[tokio::test]
async fn unit_pages_and_search_work_without_javascript() {
    let app = TestApp::new().await;
    let r = app.get("/don-vi/16591").await;
    let html = r.text();
    assert!(html.contains("<h1>Xã Các Sơn</h1>"));
    assert!(
        html.contains("href=\"/don-vi/38\">Thanh Hóa</a>"),
        "breadcrumb"
    );
    let r = app.get("/tim-kiem?q=CAC%20SON").await;
    let html = r.text();
    assert!(
        html.contains("href=\"/don-vi/16591\">Xã Các Sơn</a>"),
        "{html}"
    );
    assert!(html.contains("Thanh Hóa"), "the result says where it is");
    let r = app.get("/don-vi/99999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(r.text().contains("Không có đơn vị hành chính mã “99999”"));
}

#[tokio::test]
async fn the_stylesheet_is_cached_by_its_hash() {
    let app = TestApp::new().await;
    let html = app.get("/").await.text();
    let start = html.find("/static/app.").unwrap();
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let r = app.get(url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("cache-control").contains("immutable"));
    assert_eq!(
        app.get("/static/app.0000.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_chosen_language_is_remembered() {
    let app = TestApp::new().await;
    let r = app.get("/?lang=en").await;
    assert!(r.text().contains("<html lang=\"en\">"));
    let cookie = r.header("set-cookie").to_owned();
    assert!(
        cookie.starts_with("lang=en;") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let next = app
        .send(
            Request::get("/don-vi/38")
                .header(header::COOKIE, "lang=en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        next.text().contains("<html lang=\"en\">"),
        "the choice sticks across pages"
    );
    assert!(
        next.headers
            .get_all(header::VARY)
            .iter()
            .any(|v| v.to_str().unwrap_or_default().contains("accept-language"))
    );
    // The query wins over the cookie; the header counts only when nothing was chosen.
    let back = app
        .send(
            Request::get("/?lang=vi")
                .header(header::COOKIE, "lang=en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(back.text().contains("<html lang=\"vi\">"));
}

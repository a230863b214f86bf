//! Targets: the province sets a unit's own, it holds below, the progress table follows it; bad
//! input gets a clear 422 naming the field, in Vietnamese or English; others are refused.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_store::SessionOwner;

use crate::helpers::TestApp;
use crate::people::{fixture, form, get_as, session, staff};

fn body(csrf: &str, kpi: &str, percent: &str, deadline: &str, action: &str) -> String {
    format!("csrf={csrf}&kpi={kpi}&percent={percent}&deadline={deadline}&action={action}")
}

#[tokio::test]
async fn the_province_sets_a_communes_target_which_holds_for_its_villages() {
    let app = TestApp::new().await;
    fixture(&app).await;
    let province = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Everywhere),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(province)).await;
    let csrf = token.csrf_token().expose().clone();

    let page = get_as(&app, "/quan-ly/chi-tieu/16591", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Kế hoạch của tỉnh (mặc định)"),
        "{}",
        page.text()
    );
    assert!(
        page.text().contains("name=\"percent\""),
        "the province may edit"
    );

    // K3 (adults with basic skills) at 70% by 20/12/2025 for the commune.
    let r = form(
        &app,
        "/quan-ly/chi-tieu/16591",
        Some(&cookie),
        &body(&csrf, "K3", "70", "2025-12-20", "dat"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = get_as(&app, r.header("location"), &cookie).await.text();
    assert!(page.contains("Đã lưu chỉ tiêu K3."), "{page}");
    assert!(
        page.contains("Đặt riêng cho đơn vị này") && page.contains("20/12/2025"),
        "{page}"
    );
    // Its village inherits it, and says from where.
    let village = get_as(&app, "/quan-ly/chi-tieu/16591001", &cookie)
        .await
        .text();
    assert!(village.contains("Theo chỉ tiêu của"), "{village}");
    // The progress table (public) measures against it.
    let unit = app.get("/don-vi/16591").await.text();
    assert!(unit.contains("70% · 20/12/2025"), "{unit}");
    let sibling = app.get("/don-vi/16594").await.text();
    assert!(!sibling.contains("70% · 20/12/2025"));

    // Bad input: 422 naming the field, nothing changed.
    for (kpi, percent, deadline, want) in [
        ("K3", "101", "2025-12-31", "từ 0 đến 100"),
        ("K3", "-1", "2025-12-31", "từ 0 đến 100"),
        ("K3", "80", "2025-11-01", "đã qua"),
        ("K3", "80", "hôm qua", "Không đọc được hạn hoàn thành"),
        ("K9", "80", "2025-12-31", "Không có chỉ tiêu “K9”"),
    ] {
        let r = form(
            &app,
            "/quan-ly/chi-tieu/16591",
            Some(&cookie),
            &body(&csrf, kpi, percent, deadline, "dat"),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kpi} {percent} {deadline}"
        );
        assert!(r.text().contains(want), "{want}: {}", r.text());
    }
    // In English on request.
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/quan-ly/chi-tieu/16591")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT_LANGUAGE, "en")
                .header(header::COOKIE, &cookie)
                .body(Body::from(body(&csrf, "K3", "150", "2025-12-31", "dat")))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("a whole number from 0 to 100"),
        "{}",
        r.text()
    );
    assert!(
        app.get("/don-vi/16591")
            .await
            .text()
            .contains("70% · 20/12/2025")
    );

    // An unknown unit: 404. A forged token: 403.
    let r = form(
        &app,
        "/quan-ly/chi-tieu/16599",
        Some(&cookie),
        &body(&csrf, "K3", "80", "2025-12-31", "dat"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = form(
        &app,
        "/quan-ly/chi-tieu/16591",
        Some(&cookie),
        &body("forged", "K3", "80", "2025-12-31", "dat"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Removing it restores the plan's default.
    let r = form(
        &app,
        "/quan-ly/chi-tieu/16591",
        Some(&cookie),
        &body(&csrf, "K3", "", "", "bo"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // The public page's figures are a few seconds old: the removed target until they are due,
    // the plan's default from then on.
    assert!(
        app.get("/don-vi/16591")
            .await
            .text()
            .contains("70% · 20/12/2025")
    );
    app.clock.set(binhdan_core::Timestamp(
        crate::helpers::NOW.millis() + 10_000,
    ));
    assert!(
        app.get("/don-vi/16591")
            .await
            .text()
            .contains("100% · 31/12/2026")
    );

    let audit = app.db.store.audit_records(0, 100).await.unwrap();
    let sets: Vec<_> = audit.iter().filter(|r| r.action == "target.set").collect();
    assert_eq!(
        sets.len(),
        2,
        "one set, one removal; refusals write nothing"
    );
    assert!(
        sets.iter()
            .all(|r| r.actor == format!("staff:{province}") && r.subject == "16591")
    );
}

#[tokio::test]
async fn a_commune_admin_sees_their_targets_but_cannot_set_them() {
    let app = TestApp::new().await;
    fixture(&app).await;
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
    let (cookie, token) = session(&app, SessionOwner::Staff(commune)).await;
    let csrf = token.csrf_token().expose().clone();
    let page = get_as(&app, "/quan-ly/chi-tieu/16591", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text().contains("name=\"percent\""),
        "no form for a commune admin"
    );
    let r = form(
        &app,
        "/quan-ly/chi-tieu/16591",
        Some(&cookie),
        &body(&csrf, "K3", "50", "2025-12-31", "dat"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another commune's targets are outside their scope.
    assert_eq!(
        get_as(&app, "/quan-ly/chi-tieu/16594", &cookie)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(
        app.db
            .store
            .targets_on(&[crate::people::code("16591")])
            .await
            .unwrap()
            .is_empty()
    );
}

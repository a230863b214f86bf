use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::helpers::{TOKEN, TestApp};

#[tokio::test]
async fn search_finds_thanh_hoa_however_it_is_written() {
    let app = TestApp::new().await;
    for q in ["thanh%20hoa", "THANH%20H%C3%93A", "THANH%20HO%CC%81A"] {
        let r = app.get(&format!("/api/v1/units?q={q}&limit=5")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["units"][0]["code"], "38", "{q}");
    }
    let r = app
        .get("/api/v1/units?q=phuong&level=commune&within=38&limit=200")
        .await;
    let units = r.json()["units"].as_array().unwrap().clone();
    assert!(units.len() > 10);
    assert!(units.iter().all(|u| u["parent_code"] == "38"));
}

#[tokio::test]
async fn a_unit_keeps_its_leading_zero_and_lineage() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/units/01").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["unit"]["name"], "Thành phố Hà Nội");
    let r = app.get("/api/v1/units/16591").await;
    let v = r.json();
    assert_eq!(v["unit"]["name"], "Xã Các Sơn");
    assert_eq!(v["lineage"][0]["code"], "38");
    let r = app.get("/api/v1/units/38/children").await;
    assert_eq!(r.json()["units"].as_array().unwrap().len(), 166);
}

#[tokio::test]
async fn unknown_and_malformed_codes_are_404_in_the_readers_language() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/units/99").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "unit-unknown");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Không có đơn vị")
    );
    assert_eq!(r.header("content-language"), "vi");
    let r = app.get_en("/api/v1/units/99").await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("There is no administrative unit")
    );
    let r = app.get("/api/v1/units/xyz").await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unit-code-malformed"))
    );
    let r = app.get("/api/v1/units/99/children").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get("/api/v1/units?q=a&level=district").await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("error-level-unknown"))
    );
    let r = app.get("/api/v1/units").await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("error-query"))
    );
}

#[tokio::test]
async fn villages_are_created_by_the_operator_only() {
    let app = TestApp::new().await;
    let body = json!({"name": "Bản Lè"}).to_string();
    let r = app
        .post(
            "/api/v1/units/16591/villages",
            "application/json",
            body.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["code"], "16591001");
    assert_eq!(r.json()["division_type"], "bản");
    // The same name again, with another tone placement and case.
    let r = app
        .post(
            "/api/v1/units/16591/villages",
            "application/json",
            json!({"name": "bản lè"}).to_string(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("unit-village-duplicate"))
    );
    let r = app
        .post(
            "/api/v1/units/99999/villages",
            "application/json",
            body.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post(
            "/api/v1/units/38/villages",
            "application/json",
            body.clone(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unit-not-commune"))
    );
    let r = app
        .post(
            "/api/v1/units/16591/villages",
            "application/json",
            json!({"name": "X", "division_type": "huyện"}).to_string(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unit-division-type-unknown")
        )
    );
    // Malformed bodies and wrong content types are refused clearly, never with a 500.
    let r = app
        .post(
            "/api/v1/units/16591/villages",
            "application/json",
            "{not json",
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("error-json-syntax"))
    );
    let r = app
        .post(
            "/api/v1/units/16591/villages",
            "application/json",
            json!({"nom": "x"}).to_string(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("error-json-data"))
    );
    let r = app
        .post("/api/v1/units/16591/villages", "text/plain", body.clone())
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Without the token, or with a wrong one.
    let anonymous = Request::post("/api/v1/units/16591/villages")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(app.send(anonymous).await.status, StatusCode::UNAUTHORIZED);
    let wrong = Request::post("/api/v1/units/16591/villages")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}x"))
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(wrong).await.status, StatusCode::FORBIDDEN);
    let r = app.get("/api/v1/units/16591/children").await;
    assert_eq!(
        r.json()["units"].as_array().unwrap().len(),
        1,
        "only the first village exists"
    );
}

#[tokio::test]
async fn the_write_api_is_closed_without_a_configured_token() {
    let app = TestApp::with(|c| c.operator_token = None).await;
    let r = app
        .post(
            "/api/v1/villages/import",
            "text/csv",
            "ma_xa,ten\n16591,Thôn A\n",
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("error-write-api-closed"))
    );
}

#[tokio::test]
async fn a_village_file_imports_whole_or_not_at_all() {
    let app = TestApp::new().await;
    let bad = "Mã xã,Tên thôn\n16591,Thôn Một\n99999,Thôn Hai\n16591,thôn một\n16591,\n";
    let r = app
        .post("/api/v1/villages/import", "text/csv; charset=utf-8", bad)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert_eq!(v["error"]["code"], "import-failed");
    let rows: Vec<_> = v["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["column"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [(4, "Tên thôn".to_owned()), (5, "Tên thôn".to_owned())],
        "file errors first: {v}"
    );
    let r = app.get("/api/v1/units/16591/children").await;
    assert!(
        r.json()["units"].as_array().unwrap().is_empty(),
        "nothing written"
    );

    let missing_column = app
        .post("/api/v1/villages/import", "text/csv", "Tên thôn\nThôn A\n")
        .await;
    let v = missing_column.json();
    assert_eq!(
        (
            v["error"]["rows"][0]["row"].as_u64(),
            v["error"]["rows"][0]["column"].as_str()
        ),
        (Some(1), Some("commune_code"))
    );
    let not_utf8 = app
        .post(
            "/api/v1/villages/import",
            "text/csv",
            &b"ma_xa,ten\n16591,Th\xf4n\n"[..],
        )
        .await;
    assert_eq!(
        not_utf8.json()["error"]["rows"][0]["message"]
            .as_str()
            .map(|m| m.contains("UTF-8")),
        Some(true)
    );
    let wrong_type = app
        .post("/api/v1/villages/import", "application/json", "{}")
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let good = "\u{feff}Mã xã;Tên thôn;Loại\n16591;Thôn Một;\n16591;Bản Hai;bản\n";
    let r = app
        .post("/api/v1/villages/import?dry_run=true", "text/csv", good)
        .await;
    assert_eq!(
        (r.status, r.json()["created"].as_u64()),
        (StatusCode::OK, Some(2))
    );
    let r = app.post("/api/v1/villages/import", "text/csv", good).await;
    assert_eq!(
        (r.status, r.json()["created"].as_u64()),
        (StatusCode::CREATED, Some(2))
    );
    let r = app.get("/api/v1/units/38/descendants?level=village").await;
    let names: Vec<_> = r.json()["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Thôn Một", "Bản Hai"]);
}

#[tokio::test]
async fn descendants_page_through_a_province() {
    let app = TestApp::new().await;
    let mut seen = 0;
    let mut uri = "/api/v1/units/38/descendants?limit=50".to_owned();
    loop {
        let v = app.get(&uri).await.json();
        seen += v["units"].as_array().unwrap().len();
        match v["next"].as_str() {
            Some(next) => uri = format!("/api/v1/units/38/descendants?limit=50&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, 166);
}

/// The search page's and the API's answers come from memory (`app::unit_search`): the same
/// units in the same order as the store's SQL, for queries without diacritics and partial
/// ones; a village created here is found at once.
#[tokio::test]
async fn the_search_answers_what_the_sql_answers_and_finds_a_new_village_at_once() {
    let app = TestApp::new().await;
    let queries = [
        ("cac%20son", "cac son"),
        ("C%C3%A1c%20S%C6%A1n", "Các Sơn"),
        ("ac%20so", "ac so"),
        ("son", "son"),
        ("phuong%20dong", "phuong dong"),
        ("thanh", "thanh"),
        ("o", "o"),
        ("1", "1"),
    ];
    for (encoded, text) in queries {
        for (params, level, within, limit) in [
            ("&limit=200", None, None, 200),
            ("&limit=7", None, None, 7),
            (
                "&level=commune&within=38&limit=50",
                Some(binhdan_core::unit::UnitLevel::Commune),
                Some("38"),
                50,
            ),
        ] {
            let r = app.get(&format!("/api/v1/units?q={encoded}{params}")).await;
            assert_eq!(r.status, StatusCode::OK);
            let got: Vec<String> = r.json()["units"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["code"].as_str().unwrap().to_owned())
                .collect();
            let sql: Vec<String> = app
                .db
                .store
                .search_units(&binhdan_store::UnitQuery {
                    text: text.to_owned(),
                    level,
                    within: within.map(|c| binhdan_core::unit::UnitCode::parse(c).unwrap()),
                    limit,
                })
                .await
                .unwrap()
                .into_iter()
                .map(|u| u.code.to_string())
                .collect();
            assert_eq!(got, sql, "{text}{params}");
        }
    }
    let r = app.get("/api/v1/units?q=ban%20moi%20tinh&limit=5").await;
    assert_eq!(r.json()["units"].as_array().unwrap().len(), 0);
    let r = app
        .post(
            "/api/v1/units/16591/villages",
            "application/json",
            json!({"name": "Bản Mới Tinh"}).to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = app.get("/api/v1/units?q=ban%20moi%20tinh&limit=5").await;
    assert_eq!(r.json()["units"][0]["name"], "Bản Mới Tinh");
    let r = app.get("/tim-kiem?q=ban+moi+tinh").await;
    assert!(r.text().contains("Bản Mới Tinh"), "{}", r.text());
}

//! Refusals by the extractors are localised problems like any other: a path segment that is
//! not UTF-8 or not a number, a form that lacks a field.

use axum::http::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_bad_path_or_form_is_refused_in_the_readers_language() {
    let app = TestApp::new().await;
    // Not UTF-8, under the API: JSON, Vietnamese by default, English on request.
    let r = app.get("/api/v1/units/%FF").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "error-path");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Địa chỉ không hợp lệ")
    );
    let r = app.get_en("/api/v1/units/%FF").await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The address is not valid")
    );
    // Not a number, on a page: an HTML page in Vietnamese.
    let r = app.get("/chung-chi/trang-thai/abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.header("content-type").starts_with("text/html"));
    assert!(r.text().contains("Địa chỉ không hợp lệ"), "{}", r.text());
    // A form without its fields.
    let r = crate::people::form(&app, "/dang-nhap", None, "username=x").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("Biểu mẫu gửi lên không hợp lệ"),
        "{}",
        r.text()
    );
}

//! Refusals by the extractors are localised problems like any other: a path segment that is
//! not UTF-8 or not a number, a form that lacks a field, an upload that cannot be read.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_store::{EventKind, NewEvent, SessionOwner};

use crate::helpers::{NOW, TestApp};
use crate::people::{code, multipart, session, staff};

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

/// Every way an upload's body can be wrong, on every route that takes one (a roster, the
/// population figures, an event's points): the page of a refusal in Vietnamese, in English on
/// request, with the status that says what went wrong, never the framework's English line.
#[tokio::test]
async fn a_malformed_upload_is_refused_in_the_readers_language() {
    let app = TestApp::with(|c| c.import_limit_bytes = 64 * 1024).await;
    let admin = staff(
        &app,
        "tinh",
        Grant::new(Role::ProvinceAdmin, Scope::Unit { path: "38/".into() }),
    )
    .await;
    let (cookie, token) = session(&app, SessionOwner::Staff(admin)).await;
    let csrf = token.csrf_token().expose().clone();
    let event = app
        .db
        .store
        .create_event(
            &NewEvent {
                title: "Lễ ra quân".into(),
                kind: EventKind::Ceremony,
                unit: code("16591"),
                starts_at: NOW,
                ends_at: binhdan_core::Timestamp(NOW.0 + 3_600_000),
                broadcast_url: None,
            },
            "test",
            NOW,
        )
        .await
        .unwrap();
    let routes = [
        "/quan-ly/nhap-danh-sach".to_owned(),
        "/quan-ly/nhap-dan-so".to_owned(),
        format!("/quan-ly/su-kien/{event}/diem/tep"),
    ];
    let (good_type, good) = multipart(
        &[("csrf", &csrf), ("unit", "16591"), ("dry_run", "1")],
        "a.csv",
        "Họ và tên,Số CCCD,Ngày sinh\nA B,038090099999,01/01/1990\n",
    );
    // Cut off inside the file, before the closing boundary.
    let truncated = good[..good.len() - 30].to_owned();
    let (_, huge) = multipart(&[("csrf", &csrf)], "a.csv", &"x".repeat(100 * 1024));
    // The form's fields without the file.
    let no_file = format!(
        "--XbinhdanBoundary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --XbinhdanBoundary\r\nContent-Disposition: form-data; name=\"unit\"\r\n\r\n16591\r\n\
         --XbinhdanBoundary--\r\n"
    );
    // (content type, body, status, Vietnamese, English)
    let cases: [(&str, &str, StatusCode, &str, &str); 7] = [
        (
            "application/x-www-form-urlencoded",
            "csrf=x&unit=16591",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "phải được gửi ở dạng multipart/form-data",
            "must be sent as multipart/form-data",
        ),
        (
            "",
            "",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "phải được gửi ở dạng multipart/form-data",
            "must be sent as multipart/form-data",
        ),
        (
            "multipart/form-data",
            &good,
            StatusCode::BAD_REQUEST,
            "thiếu ranh giới (boundary)",
            "lacks the boundary",
        ),
        (
            &good_type,
            &truncated,
            StatusCode::BAD_REQUEST,
            "bị cắt giữa chừng",
            "was cut off before its end",
        ),
        (
            &good_type,
            "this is not a multipart body at all",
            StatusCode::BAD_REQUEST,
            "không đúng dạng multipart/form-data hoặc không trọn vẹn",
            "is not valid multipart/form-data, or is incomplete",
        ),
        (
            &good_type,
            &huge,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Tệp gửi lên quá lớn: mỗi lần gửi tối đa 64 KB",
            "The file sent is too large: at most 64 KB per upload",
        ),
        (
            &good_type,
            &no_file,
            StatusCode::BAD_REQUEST,
            "Biểu mẫu gửi lên thiếu trường “file”",
            "The form sent lacks the field “file”",
        ),
    ];
    for uri in &routes {
        for (content_type, body, status, vi, en) in &cases {
            for (lang, says) in [("vi", vi), ("en", en)] {
                let mut r = Request::builder()
                    .method(Method::POST)
                    .uri(uri)
                    .header(header::COOKIE, &cookie)
                    .header(header::ACCEPT_LANGUAGE, lang);
                if !content_type.is_empty() {
                    r = r.header(header::CONTENT_TYPE, *content_type);
                }
                let r = app
                    .send(r.body(Body::from(body.to_string())).unwrap())
                    .await;
                let case = format!("{uri} {content_type:?} ({lang}, {} bytes)", body.len());
                assert_eq!(r.status, *status, "{case}: {}", r.text());
                // A browser's form post: the friendly page of every refusal, in its language.
                assert!(
                    r.header("content-type").starts_with("text/html"),
                    "{case}: {}",
                    r.header("content-type")
                );
                assert_eq!(r.header("content-language"), lang, "{case}");
                assert!(r.text().contains(*says), "{case}: {}", r.text());
            }
        }
    }
    // The same upload, well formed, is taken (a dry run changes nothing).
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(&routes[0])
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, &good_type)
                .body(Body::from(good.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::{NOW, TestApp};

async fn with_curriculum() -> TestApp {
    let app = TestApp::new().await;
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_app::content::load(app.db.store.as_ref(), &content, NOW)
        .await
        .unwrap();
    app
}

fn first_link<'a>(html: &'a str, prefix: &str) -> &'a str {
    let start = html.find(&format!("href=\"{prefix}")).unwrap() + 6;
    &html[start..start + html[start..].find('"').unwrap()]
}

#[tokio::test]
async fn a_learner_finds_a_course_and_reads_its_lessons_in_order() {
    let app = with_curriculum().await;
    let html = app.get("/hoc").await.text();
    for course in ["cong-dan", "can-bo", "hoc-sinh", "nguoi-lao-dong"] {
        assert!(
            html.contains(&format!("href=\"/hoc/{course}\"")),
            "{course}"
        );
    }
    let outline = app.get("/hoc/cong-dan").await;
    assert_eq!(outline.status, StatusCode::OK);
    let outline = outline.text();
    assert!(
        outline.contains("Người trưởng thành"),
        "the course says who it is for"
    );
    let first = first_link(&outline, "/bai/").to_owned();
    let lesson = app.get(&first).await;
    assert_eq!(lesson.status, StatusCode::OK);
    let html = lesson.text();
    assert!(html.contains("<article class=\"lesson\" id=\"lesson-text\">"));
    assert!(html.contains("<p>"), "the Markdown is rendered");
    assert!(
        html.contains("rel=\"next\""),
        "the first lesson links to the next"
    );
    assert!(!html.contains("rel=\"prev\""));
    // The listen button is hidden until the script finds a Vietnamese voice; the script is a
    // file of our own (no inline script).
    assert!(html.contains("<button id=\"nghe\" type=\"button\" hidden"));
    assert!(html.contains("<script src=\"/static/nghe."));
    let src_at = html.find("src=\"/static/nghe.").unwrap() + 5;
    let script = app
        .get(&html[src_at..src_at + html[src_at..].find('"').unwrap()])
        .await;
    assert_eq!(
        (script.status, script.header("content-type")),
        (StatusCode::OK, "text/javascript; charset=utf-8")
    );
    let rel_next = html.find("\" rel=\"next\"").unwrap();
    let href = html[..rel_next].rfind("href=\"").unwrap() + 6;
    let next = html[href..rel_next].to_owned();
    let second = app.get(&next).await.text();
    assert!(second.contains(&format!("href=\"{first}\" rel=\"prev\"")));
    assert_eq!(app.get("/bai/khong-co").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/hoc/khong-co").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reading_preferences_need_no_javascript_and_are_remembered() {
    let app = with_curriculum().await;
    let first = first_link(&app.get("/hoc/cong-dan").await.text(), "/bai/").to_owned();
    let r = app.get(&format!("{first}?chu=lon")).await;
    assert!(r.text().contains("<body class=\"large\">"));
    assert!(
        r.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("chu=lon;"))
    );
    let later = app
        .send(
            Request::get("/hoc")
                .header(header::COOKIE, "chu=lon; tuong-phan=cao")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(later.text().contains("<body class=\"large contrast\">"));
    let back = app
        .send(
            Request::get(format!("{first}?chu=thuong"))
                .header(header::COOKIE, "chu=lon")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(back.text().contains("<body>"));
}

#[tokio::test]
async fn lesson_images_are_served_sandboxed_and_pages_stay_light() {
    let app = with_curriculum().await;
    let outline = app.get("/hoc/cong-dan").await.text();
    let mut found_image = false;
    let mut start = 0;
    while let Some(i) = outline[start..].find("href=\"/bai/") {
        let from = start + i + 6;
        let link = &outline[from..from + outline[from..].find('"').unwrap()];
        start = from;
        let r = app
            .send(
                Request::get(link)
                    .header(header::ACCEPT_ENCODING, "gzip")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(
            r.body.len() < 30 * 1024,
            "{link}: {} bytes compressed",
            r.body.len()
        );
        let html = app.get(link).await.text();
        if let Some(i) = html.find("src=\"/noi-dung/tep/") {
            let src = &html[i + 5..i + 5 + html[i + 5..].find('"').unwrap()];
            let img = app.get(src).await;
            assert_eq!(img.status, StatusCode::OK, "{src}");
            assert_eq!(img.header("content-type"), "image/svg+xml");
            assert!(img.header("content-security-policy").contains("sandbox"));
            assert!(html[i..].contains("loading=\"lazy\""));
            found_image = true;
        }
    }
    assert!(found_image, "the citizens' course has illustrated lessons");
    assert_eq!(
        app.get("/noi-dung/tep/courses/none.svg").await.status,
        StatusCode::NOT_FOUND
    );
}

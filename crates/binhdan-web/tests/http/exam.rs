//! The placement test and the certification exam through the pages: a sitting one question at
//! a time with no feedback, the result with the gain, replays and forged answers refused, the
//! deadline kept by the server, the cool-down, and the pass recorded once.

use axum::http::StatusCode;
use binhdan_app::exam::Session;
use binhdan_content::quiz;
use binhdan_core::Timestamp;
use binhdan_core::kpi::Group;
use binhdan_store::SessionOwner;

use crate::helpers::{NOW, TestApp};
use crate::people::{fixture, form, get_as, session};

pub async fn app() -> TestApp {
    let app = TestApp::with(|c| c.exam.minutes = 5).await;
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_app::content::load(app.db.store.as_ref(), &content, NOW)
        .await
        .unwrap();
    app
}

fn value_of<'a>(html: &'a str, name: &str) -> &'a str {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    &html[start..start + html[start..].find('"').unwrap()]
}

/// The form answering the page's question, right or wrong.
pub async fn reply(app: &TestApp, sitting: i64, html: &str, right: bool, csrf: &str) -> String {
    let attempt = app.db.store.exam_attempt(sitting).await.unwrap().unwrap();
    let session: Session = serde_json::from_str(&attempt.state).unwrap();
    let (at, given) = session.current().unwrap();
    assert_eq!(
        value_of(html, "item"),
        given.item,
        "the page shows the current item"
    );
    assert_eq!(value_of(html, "position"), at.to_string());
    let items = app.db.store.exam_items(attempt.group).await.unwrap();
    let item = &items.iter().find(|i| i.item.id == given.item).unwrap().item;
    let r = if right {
        quiz::right_reply(item)
    } else {
        quiz::wrong_reply(item)
    };
    let fields: Vec<String> = quiz::form_fields(&r, &given.order)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!(
        "csrf={csrf}&position={at}&item={}&{}",
        given.item,
        fields.join("&")
    )
}

/// Answers until the result; returns the last page and the last form sent.
pub async fn sit(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    sitting: i64,
    right: bool,
) -> (String, String) {
    let url = format!("/hoc/thi/lan/{sitting}");
    let mut page = get_as(app, &url, cookie).await.text();
    for _ in 0..40 {
        let body = reply(app, sitting, &page, right, csrf).await;
        let r = form(app, &url, Some(cookie), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        page = r.text();
        assert!(
            !page.contains("Đúng rồi") && !page.contains("Đáp án đúng"),
            "no feedback during an exam"
        );
        if !page.contains("name=\"position\"") {
            return (page, body);
        }
    }
    panic!("the sitting did not end");
}

/// A second learner in the same commune.
async fn another_person(app: &TestApp) -> i64 {
    let store = app.db.store.as_ref();
    let mut import = store
        .begin_people_import(binhdan_store::AdultCutoff(i64::MAX), NOW)
        .await
        .unwrap();
    let hash = [9u8; 32];
    import
        .write(&[binhdan_store::PersonRecord {
            cccd_hash: hash,
            cccd_sealed: vec![0],
            cccd_masked: "038*******99".into(),
            name: "Trần Thị B".into(),
            birth_year: 1985,
            birth_day: None,
            sex: binhdan_core::cccd::Sex::Female,
            unit: binhdan_core::unit::UnitCode::parse("16591").unwrap(),
            phone: None,
            membership: None,
        }])
        .await
        .unwrap();
    import
        .commit(binhdan_core::audit::AuditEntry::new(
            "test",
            "person.import",
        ))
        .await
        .unwrap();
    store
        .person_by_cccd_hash(&hash)
        .await
        .unwrap()
        .unwrap()
        .summary
        .id
}

pub async fn start(app: &TestApp, cookie: &str, csrf: &str, kind: &str) -> i64 {
    start_in(app, cookie, csrf, "adult", kind).await
}

/// [`start`], in `group`'s sittings.
pub async fn start_in(app: &TestApp, cookie: &str, csrf: &str, group: &str, kind: &str) -> i64 {
    let r = form(
        app,
        &format!("/hoc/thi/{group}/{kind}"),
        Some(cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location")
        .trim_start_matches("/hoc/thi/lan/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_learner_takes_the_placement_test_then_passes_the_exam_once() {
    let app = app().await;
    let (me, _) = fixture(&app).await;
    let other = another_person(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();

    let home = get_as(&app, "/hoc/thi", &cookie).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.text().contains("/hoc/thi/adult/dau-vao"),
        "{}",
        home.text()
    );
    assert!(
        home.text().contains("Cần từ 43/100 điểm để đạt"),
        "{}",
        home.text()
    );
    let forged = form(&app, "/hoc/thi/adult/dau-vao", Some(&cookie), "csrf=forged").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Not one of the learner's groups.
    let r = form(
        &app,
        "/hoc/thi/student/chung-chi",
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Before anything, "my courses" invites the learner to the placement test.
    let mine = get_as(&app, "/hoc/cua-toi", &cookie).await.text();
    assert!(mine.contains("hãy làm bài kiểm tra đầu vào"), "{mine}");

    // Placement, answered wrong throughout.
    let placement = start(&app, &cookie, &csrf, "dau-vao").await;
    let (result, last) = sit(&app, &cookie, &csrf, placement, false).await;
    assert!(result.contains("Điểm năng lực đầu vào"), "{result}");
    // Replaying the last answer: refused, nothing recorded.
    let url = format!("/hoc/thi/lan/{placement}");
    let replay = form(&app, &url, Some(&cookie), &last).await;
    assert_eq!(replay.status, StatusCode::CONFLICT);
    assert!(replay.text().contains("Không có gì thay đổi"));
    let placed = app.db.store.exam_attempt(placement).await.unwrap().unwrap();
    let mine = get_as(&app, "/hoc/cua-toi", &cookie).await.text();
    assert!(
        !mine.contains("hãy làm bài kiểm tra đầu vào"),
        "taken: no more invitation"
    );

    // The exam, answered right: a pass with the gain. A forged item is refused first.
    let exam = start(&app, &cookie, &csrf, "chung-chi").await;
    let url = format!("/hoc/thi/lan/{exam}");
    let forged = form(
        &app,
        &url,
        Some(&cookie),
        &format!("csrf={csrf}&position=0&item=dt-001&choice=0"),
    )
    .await;
    let fresh = app.db.store.exam_attempt(exam).await.unwrap().unwrap();
    let current: Session = serde_json::from_str(&fresh.state).unwrap();
    if current.current().unwrap().1.item != "dt-001" {
        assert_eq!(forged.status, StatusCode::CONFLICT);
        assert_eq!(fresh.answered, 0);
    }
    // No answer chosen: asked again.
    let empty = form(
        &app,
        &url,
        Some(&cookie),
        &format!(
            "csrf={csrf}&position=0&item={}",
            current.current().unwrap().1.item
        ),
    )
    .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another learner cannot see or answer it.
    let (other_cookie, other_token) = session(&app, SessionOwner::Citizen(other)).await;
    assert_eq!(
        get_as(&app, &url, &other_cookie).await.status,
        StatusCode::NOT_FOUND
    );
    let theirs = form(
        &app,
        &url,
        Some(&other_cookie),
        &format!(
            "csrf={}&position=0&item=x&choice=0",
            other_token.csrf_token().expose()
        ),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    let (result, _) = sit(&app, &cookie, &csrf, exam, true).await;
    assert!(result.contains("Chúc mừng"), "{result}");
    assert!(result.contains("so với bài kiểm tra đầu vào"), "{result}");
    let passed = app.db.store.exam_attempt(exam).await.unwrap().unwrap();
    assert!(passed.theta.unwrap() > placed.theta.unwrap());
    let pass = app
        .db
        .store
        .exam_pass(me, Group::Adult)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pass.attempt_id, exam);

    // The gain is counted; the commune's public page does not show a gain measured on fewer
    // than 5 people (here 1).
    let counters = app
        .db
        .store
        .unit_counters(&binhdan_core::unit::UnitCode::parse("16591").unwrap())
        .await
        .unwrap();
    assert!(
        counters
            .iter()
            .any(|(g, m, v)| *g == Group::Adult && m == "assessed" && *v == 1),
        "{counters:?}"
    );
    let unit = app.get("/don-vi/16591").await.text();
    assert!(
        unit.contains("Tiến bộ năng lực") && !unit.contains("(n = 1)"),
        "{unit}"
    );
    // Passed: the home page says so, and no new sitting starts.
    let home = get_as(&app, "/hoc/thi", &cookie).await.text();
    assert!(home.contains("Bạn đã đạt với"), "{home}");
    let again = form(
        &app,
        "/hoc/thi/adult/chung-chi",
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text().contains("Bạn đã đạt bài thi này rồi"));
    let en = app
        .send(
            axum::http::Request::get("/hoc/thi")
                .header("cookie", &cookie)
                .header("accept-language", "en")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .text();
    assert!(en.contains("You passed with"), "{en}");
}

#[tokio::test]
async fn an_answer_after_the_time_limit_is_refused_and_the_cool_down_follows() {
    let app = app().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let exam = start(&app, &cookie, &csrf, "chung-chi").await;
    let url = format!("/hoc/thi/lan/{exam}");
    let page = get_as(&app, &url, &cookie).await.text();
    assert!(page.contains("còn 5 phút"), "{page}");
    let body = reply(&app, exam, &page, true, &csrf).await;

    // Five minutes and a second later the answer is refused and never counted.
    app.clock.set(Timestamp(NOW.millis() + 5 * 60_000 + 1_000));
    let late = form(&app, &url, Some(&cookie), &body).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        late.text().contains("Đã hết giờ làm bài"),
        "{}",
        late.text()
    );
    assert!(
        late.text().contains("không được tính là đạt"),
        "{}",
        late.text()
    );
    let ended = app.db.store.exam_attempt(exam).await.unwrap().unwrap();
    assert!(ended.timed_out && ended.passed == Some(false) && ended.answered == 0);
    assert!(
        app.db
            .store
            .exam_pass(me, Group::Adult)
            .await
            .unwrap()
            .is_none()
    );

    // The cool-down: a new sitting is refused, saying from when.
    let r = form(
        &app,
        "/hoc/thi/adult/chung-chi",
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("có thể thi lại từ"), "{}", r.text());
}

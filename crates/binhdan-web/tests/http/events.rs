//! Live events through the pages: an organiser creates an event and its points (by form and
//! by file, refusals naming row and field), hosts check people in (idempotent, within the
//! window, only at their own point), a participant checks in by the QR code, and the live feed
//! and the report give the figures.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_auth::session::SessionToken;
use binhdan_core::Timestamp;
use binhdan_core::kpi::Group;
use binhdan_store::{SessionOwner, SessionRecord};
use binhdan_web::Clock as _;

use crate::helpers::{TestApp, TestResponse};
use crate::people::{code, fixture, form, get_as, multipart, staff};

/// 08:00–11:00 on 25/11/2025 in Vietnam (the day after the tests' `NOW`).
const STARTS: &str = "2025-11-25T08:00";
const ENDS: &str = "2025-11-25T11:00";

fn local(s: &str) -> Timestamp {
    binhdan_app::events::parse_local_time(s).unwrap()
}

async fn api(
    app: &TestApp,
    uri: &str,
    cookie: &str,
    body: &serde_json::Value,
    en: bool,
) -> TestResponse {
    let mut r = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, cookie);
    if en {
        r = r.header(header::ACCEPT_LANGUAGE, "en");
    }
    app.send(r.body(Body::from(body.to_string())).unwrap())
        .await
}

/// A session made at the clock's time: (cookie, CSRF token).
async fn signed_in(app: &TestApp, owner: SessionOwner) -> (String, String) {
    let token = SessionToken::generate(&mut rand::rng());
    let now = app.clock.now();
    app.db
        .store
        .create_session(&SessionRecord {
            key: token.storage_key(),
            owner,
            created_at: now,
            last_seen_at: now,
            expires_at: Timestamp(now.0 + 600_000),
        })
        .await
        .unwrap();
    (
        format!("binhdan={}", token.expose()),
        token.csrf_token().expose().clone(),
    )
}

struct World {
    app: TestApp,
    person: i64,
    ids: [i64; 3],
    organiser: (String, String),
    host_a: (String, String),
    event: i64,
    point_a: i64,
    point_b: i64,
}

/// A commune admin creates an event in commune 16591 with two points: one in village
/// 16591001 hosted by its facilitator, one at the commune hosted by another.
async fn world() -> World {
    let app = TestApp::new().await;
    let (person, _) = fixture(&app).await;
    let admin = staff(
        &app,
        "xa.admin",
        Grant::new(
            Role::CommuneAdmin,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    let fa = staff(
        &app,
        "thon.mot",
        Grant::new(
            Role::VillageFacilitator,
            Scope::Unit {
                path: "38/16591/16591001/".into(),
            },
        ),
    )
    .await;
    let fb = staff(
        &app,
        "xa.hai",
        Grant::new(
            Role::VillageFacilitator,
            Scope::Unit {
                path: "38/16591/".into(),
            },
        ),
    )
    .await;
    app.clock.set(local("2025-11-25T07:00"));
    let organiser = signed_in(&app, SessionOwner::Staff(admin)).await;
    let host_a = signed_in(&app, SessionOwner::Staff(fa)).await;

    let r = form(
        &app,
        "/quan-ly/su-kien",
        Some(&organiser.0),
        &format!("csrf={}&title=L%E1%BB%85+ra+qu%C3%A2n&kind=ceremony&unit=16591&starts={STARTS}&ends={ENDS}&link=https%3A%2F%2Fvideo.example%2Fle", organiser.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let event: i64 = r
        .header("location")
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    for (name, unit, host) in [
        ("Điểm thôn Một", "16591001", "thon.mot"),
        ("Điểm xã", "16591", "xa.hai"),
    ] {
        let r = form(
            &app,
            &format!("/quan-ly/su-kien/{event}/diem"),
            Some(&organiser.0),
            &format!(
                "csrf={}&name={}&unit={unit}&host={host}&expected=40",
                organiser.1,
                crate::people::encode(name)
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.text().contains("Đã thêm 1 điểm cầu"), "{}", r.text());
    }
    let points = app.db.store.points(event).await.unwrap();
    let id = |name: &str| points.iter().find(|p| p.name == name).unwrap().id;
    World {
        point_a: id("Điểm thôn Một"),
        point_b: id("Điểm xã"),
        app,
        person,
        ids: [admin, fa, fb],
        organiser,
        host_a,
        event,
    }
}

#[tokio::test]
async fn points_are_refused_with_the_row_and_field_and_added_all_or_none() {
    let w = world().await;
    let (app, (cookie, csrf)) = (&w.app, &w.organiser);
    let uri = format!("/quan-ly/su-kien/{}/diem", w.event);
    // One by one: an unknown host, a unit outside the event's commune, a taken name.
    for (body, says) in [
        (
            "name=Điểm+mới&unit=16591&host=khong.co&expected=5",
            "Không có tài khoản cán bộ “khong.co”",
        ),
        (
            "name=Điểm+mới&unit=16594&host=xa.hai&expected=5",
            "không thuộc",
        ),
        (
            "name=%C4%90i%E1%BB%83m+x%C3%A3&unit=16591&host=xa.hai&expected=5",
            "đã có điểm cầu tên",
        ),
        (
            "name=Điểm+mới&unit=16591&host=thon.mot&expected=5",
            "không có quyền điểm danh",
        ),
        (
            "name=Điểm+mới&unit=16591&host=xa.hai&expected=nhiều",
            "Số người dự kiến “nhiều”",
        ),
    ] {
        let r = form(app, &uri, Some(cookie), &format!("csrf={csrf}&{body}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(r.text().contains(says), "{body}: {}", r.text());
    }
    // A file with one bad row adds nothing, and says which row and column.
    let upload = |csv: &str| {
        let (ct, body) = multipart(&[("csrf", csrf)], "diem.csv", csv);
        Request::builder()
            .method(Method::POST)
            .uri(format!("{uri}/tep"))
            .header(header::CONTENT_TYPE, ct)
            .header(header::COOKIE, cookie.as_str())
            .body(Body::from(body))
            .unwrap()
    };
    let csv = "Tên điểm cầu,Mã đơn vị,Tài khoản chủ trì,Số người dự kiến\nNhà văn hóa thôn Một,16591001,thon.mot,50\nTrường Hai,99999,xa.hai,30\n";
    let r = app.send(upload(csv)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Dòng 3 [Mã đơn vị]"), "{}", r.text());
    assert_eq!(app.db.store.points(w.event).await.unwrap().len(), 2);
    let r = app
        .send(upload("Tên điểm cầu,Mã đơn vị,Tài khoản chủ trì,Số người dự kiến\nNhà văn hóa thôn Một,16591001,thon.mot,50\nTrường xã,16591,xa.hai,30\n"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(app.db.store.points(w.event).await.unwrap().len(), 4);
    // A village's facilitator does not manage the commune's events.
    let r = form(
        app,
        &uri,
        Some(&w.host_a.0),
        &format!(
            "csrf={}&name=X&unit=16591001&host=thon.mot&expected=1",
            w.host_a.1
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hosts_check_people_in_once_within_the_window_at_their_own_point_only() {
    let w = world().await;
    let app = &w.app;
    let (cookie, csrf) = &w.host_a;
    let uri = format!("/api/v1/events/{}/points/{}/check-ins", w.event, w.point_a);
    let batch = |items: serde_json::Value| serde_json::json!({ "csrf": csrf, "items": items });

    // Before the window: refused, nothing written.
    let r = api(
        app,
        &uri,
        cookie,
        &batch(serde_json::json!([{ "id": "1", "identity": "038090012345" }])),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["results"][0]["status"], "refused");
    assert!(
        r.json()["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("chưa bắt đầu")
    );
    assert_eq!(
        app.db
            .store
            .point(w.point_a)
            .await
            .unwrap()
            .unwrap()
            .checked_in,
        0
    );

    app.clock.set(local("2025-11-25T08:30"));
    let (cookie, csrf) = &signed_in(app, SessionOwner::Staff(w.ids[1])).await;
    let batch = |items: serde_json::Value| serde_json::json!({ "csrf": csrf, "items": items });
    let r = api(
        app,
        &uri,
        cookie,
        &batch(serde_json::json!([
            { "id": "1", "identity": "038 090 012 345" },
            { "id": "2", "identity": "038090012345" },
            { "id": "3", "identity": "03809001234" },
            { "id": "4", "identity": "001199000001" },
            { "id": "5", "identity": "0912 345 678" },
            { "id": "6", "identity": "nguyen van a" },
            { "id": "7", "identity": "Trần Thị Khách" },
            { "id": "8", "identity": "trần thị khách" },
        ])),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let reply = r.json();
    let status: Vec<&str> = reply["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    // The registered person counts once (by CCCD twice and by name); the 11-digit number is
    // refused without being repeated; an unknown CCCD and phone count as guests, masked; a
    // guest's name counts once whatever its case and diacritics.
    assert_eq!(
        status,
        [
            "new", "already", "refused", "new", "new", "already", "new", "already"
        ],
        "{reply}"
    );
    assert_eq!(reply["results"][0]["label"], "Nguyễn Văn A");
    assert!(!r.text().contains("03809001234"), "{}", r.text());
    assert!(
        reply["results"][2]["message"]
            .as_str()
            .unwrap()
            .contains("11 chữ số")
    );
    assert_eq!(reply["results"][3]["label"], "001*******01");
    assert_eq!(reply["results"][4]["label"], "091****678");
    assert_eq!(reply["checked_in"], 4);
    // The host is told who was not on the list: a name or phone the registry does not know
    // is a guest; the registered person is not.
    let message = |i: usize| reply["results"][i]["message"].as_str().unwrap().to_owned();
    assert!(message(6).contains("không có trong danh sách"), "{reply}");
    assert!(message(4).contains("khách mời"), "{reply}");
    assert!(!message(0).contains("khách mời"), "{reply}");

    // Retried after a lost reply: counted once.
    let again = api(
        app,
        &uri,
        cookie,
        &batch(serde_json::json!([{ "id": "1", "identity": "038090012345" }])),
        false,
    )
    .await;
    assert_eq!(again.json()["results"][0]["status"], "already");
    assert_eq!(again.json()["checked_in"], 4);

    // The headcount: the newest count wins, a late older one does not undo it.
    let counted = local("2025-11-25T08:40").millis();
    let hc = |value: u32, at: i64| serde_json::json!({ "csrf": csrf, "headcount": { "value": value, "at": at } });
    assert_eq!(
        api(app, &uri, cookie, &hc(12, counted), false).await.json()["headcount"],
        "set"
    );
    assert_eq!(
        api(app, &uri, cookie, &hc(5, counted - 60_000), false)
            .await
            .json()["headcount"],
        "older"
    );
    let pa = app.db.store.point(w.point_a).await.unwrap().unwrap();
    assert_eq!(
        (pa.checked_in, pa.headcount, pa.participants()),
        (4, 12, 16)
    );

    // English.
    let r = api(
        app,
        &uri,
        cookie,
        &batch(serde_json::json!([{ "id": "9", "identity": "12345" }])),
        true,
    )
    .await;
    assert!(
        r.json()["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("neither a CCCD"),
        "{}",
        r.text()
    );

    // Another point's host: refused, nothing changed.
    let other = format!("/api/v1/events/{}/points/{}/check-ins", w.event, w.point_b);
    let r = api(
        app,
        &other,
        cookie,
        &batch(serde_json::json!([{ "id": "x", "identity": "Lê Văn B" }])),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.text().contains("không chủ trì điểm cầu này"),
        "{}",
        r.text()
    );
    let r = form(
        app,
        &format!("/quan-ly/su-kien/{}/diem/{}/diem-danh", w.event, w.point_b),
        Some(cookie),
        &format!("csrf={csrf}&identity=L%C3%AA"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.db
            .store
            .point(w.point_b)
            .await
            .unwrap()
            .unwrap()
            .checked_in,
        0
    );
    // A wrong CSRF token.
    let r = api(
        app,
        &uri,
        cookie,
        &serde_json::json!({ "csrf": "sai", "items": [] }),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An unknown point.
    let r = api(
        app,
        &format!("/api/v1/events/{}/points/99999/check-ins", w.event),
        cookie,
        &batch(serde_json::json!([])),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The same person at the other point: already counted, at the first.
    let (cookie_b, csrf_b) = &signed_in(app, SessionOwner::Staff(w.ids[2])).await;
    let r = api(app, &other, cookie_b, &serde_json::json!({ "csrf": csrf_b, "items": [{ "id": "b", "identity": "038090012345" }] }), false).await;
    assert_eq!(r.json()["results"][0]["status"], "already");
    assert!(
        r.json()["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Điểm thôn Một")
    );

    // The form without JavaScript.
    let r = form(
        app,
        &format!("/quan-ly/su-kien/{}/diem/{}/diem-danh", w.event, w.point_b),
        Some(cookie_b),
        &format!("csrf={csrf_b}&identity=Ph%E1%BA%A1m+V%C4%83n+C"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text().contains("Đã điểm danh: Phạm Văn C"),
        "{}",
        r.text()
    );
    let r = form(
        app,
        &format!("/quan-ly/su-kien/{}/diem/{}/so-nguoi", w.event, w.point_b),
        Some(cookie_b),
        &format!("csrf={csrf_b}&headcount=-3"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // After the window (and its late sync): refused.
    app.clock.set(local("2025-11-25T18:00"));
    let (cookie, csrf) = &signed_in(app, SessionOwner::Staff(w.ids[1])).await;
    let batch = |items: serde_json::Value| serde_json::json!({ "csrf": csrf, "items": items });
    let r = api(
        app,
        &uri,
        cookie,
        &batch(serde_json::json!([{ "id": "z", "identity": "Hoàng Thị D" }])),
        false,
    )
    .await;
    assert!(
        r.json()["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("đã kết thúc")
    );
    // Taken offline during the event and sent within six hours of its end: counted.
    app.clock.set(local("2025-11-25T13:00"));
    let (cookie, csrf) = &signed_in(app, SessionOwner::Staff(w.ids[1])).await;
    let batch = |items: serde_json::Value| serde_json::json!({ "csrf": csrf, "items": items });
    let taken = local("2025-11-25T10:55").millis();
    let r = api(
        app,
        &uri,
        cookie,
        &batch(serde_json::json!([{ "id": "z", "identity": "Hoàng Thị D", "at": taken }])),
        false,
    )
    .await;
    assert_eq!(r.json()["results"][0]["status"], "new", "{}", r.text());

    // Participation reached the counters the dashboards read: the adult in their village.
    let counters = app.db.store.unit_counters(&code("16591001")).await.unwrap();
    assert!(
        counters.contains(&(Group::Adult, "participated".to_owned(), 1)),
        "{counters:?}"
    );
    let admin = signed_in(app, SessionOwner::Staff(w.ids[0])).await;
    let dash = get_as(app, "/quan-ly/tien-do/16591?chi-tieu=K3", &admin.0).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(
        dash.text()
            .contains("Đã tham dự sự kiện hoặc lớp học (có điểm danh)</dt><dd>1</dd>"),
        "{}",
        dash.text()
    );
    assert!(w.person > 0);
}

#[tokio::test]
async fn a_participant_checks_in_by_the_qr_code_and_the_live_feed_and_report_add_up() {
    let w = world().await;
    let app = &w.app;
    let token = app.db.store.point(w.point_a).await.unwrap().unwrap().token;
    app.clock.set(local("2025-11-25T09:00"));
    let (cookie, csrf) = signed_in(app, SessionOwner::Citizen(w.person)).await;
    let host_a = signed_in(app, SessionOwner::Staff(w.ids[1])).await;
    let (cb, sb) = &signed_in(app, SessionOwner::Staff(w.ids[2])).await;
    // The host's page shows the QR code that leads here.
    let host = get_as(
        app,
        &format!("/quan-ly/su-kien/{}/diem/{}", w.event, w.point_a),
        &host_a.0,
    )
    .await;
    assert_eq!(host.status, StatusCode::OK);
    assert!(host.text().contains(&format!("/su-kien/diem/{token}")));
    // Not signed in: to the sign-in page, and back.
    let r = app.get(&format!("/su-kien/diem/{token}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").starts_with("/dang-nhap?tiep="));
    let page = get_as(app, &format!("/su-kien/diem/{token}"), &cookie).await;
    assert!(page.text().contains("Tôi có mặt"));
    let r = form(
        app,
        &format!("/su-kien/diem/{token}"),
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text()
            .contains("Đã ghi nhận bạn có mặt tại Điểm thôn Một"),
        "{}",
        r.text()
    );
    let r = form(
        app,
        &format!("/su-kien/diem/{token}"),
        Some(&cookie),
        &format!("csrf={csrf}"),
    )
    .await;
    assert!(r.text().contains("Bạn đã điểm danh rồi"), "{}", r.text());
    let r = get_as(app, "/su-kien/diem/khong-co", &cookie).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A guest and a headcount at the other point.
    let other = format!("/api/v1/events/{}/points/{}/check-ins", w.event, w.point_b);
    api(app, &other, cb, &serde_json::json!({ "csrf": sb, "items": [{ "id": "g", "identity": "Khách Một" }], "headcount": { "value": 7 } }), false).await;

    // The live screen and, once the event is long over, the feed's final figures.
    let organiser = signed_in(app, SessionOwner::Staff(w.ids[0])).await;
    let live = get_as(
        app,
        &format!("/quan-ly/su-kien/{}/truc-tiep", w.event),
        &organiser.0,
    )
    .await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(live.text().contains("data-feed="), "{}", live.text());
    app.clock.set(local("2025-11-26T08:00"));
    let organiser = signed_in(app, SessionOwner::Staff(w.ids[0])).await;
    let feed = get_as(
        app,
        &format!("/quan-ly/su-kien/{}/truc-tiep/luong", w.event),
        &organiser.0,
    )
    .await;
    assert_eq!(feed.header("content-type"), "text/event-stream");
    let text = feed.text();
    let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let figures: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(figures["participants"], 9, "{figures}");
    assert_eq!(figures["connected"], 2);
    assert_eq!(figures["points"], 2);
    assert_eq!(figures["expected"], 80);
    assert_eq!(figures["communes"][0]["code"], "16591");
    let groups: Vec<(String, u64)> = serde_json::from_value(figures["groups"].clone()).unwrap();
    assert_eq!(
        groups,
        [
            ("adult".to_owned(), 1),
            ("guest".to_owned(), 1),
            ("headcount".to_owned(), 7)
        ]
    );

    // The report: by point (CSV), and the workbook.
    let csv = get_as(
        app,
        &format!("/quan-ly/su-kien/{}/bao-cao?dinh-dang=csv", w.event),
        &organiser.0,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert!(text.contains("Điểm thôn Một,16591001"), "{text}");
    assert!(text.contains("Điểm xã,16591"), "{text}");
    let xlsx = get_as(
        app,
        &format!("/quan-ly/su-kien/{}/bao-cao", w.event),
        &organiser.0,
    )
    .await;
    assert_eq!(&xlsx.body[..2], b"PK");
    let en = app
        .send(
            Request::get(format!(
                "/quan-ly/su-kien/{}/bao-cao?dinh-dang=pdf",
                w.event
            ))
            .header(header::COOKIE, organiser.0.as_str())
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(en.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn events_are_refused_with_clear_reasons() {
    let w = world().await;
    let app = &w.app;
    let (cookie, csrf) = &w.organiser;
    for (body, says) in [
        (
            format!("title=&kind=ceremony&unit=16591&starts={STARTS}&ends={ENDS}"),
            "Chưa nhập tên sự kiện",
        ),
        (
            format!("title=A&kind=ceremony&unit=16591&starts={ENDS}&ends={STARTS}"),
            "phải sau thời điểm bắt đầu",
        ),
        (
            format!("title=A&kind=ceremony&unit=16591&starts=mai&ends={ENDS}"),
            "Thời điểm bắt đầu “mai” không hợp lệ",
        ),
        (
            format!("title=A&kind=ceremony&unit=99&starts={STARTS}&ends={ENDS}"),
            "Không có đơn vị mang mã “99”",
        ),
        (
            format!(
                "title=A&kind=ceremony&unit=16591&starts={STARTS}&ends={ENDS}&link=javascript:alert(1)"
            ),
            "https://",
        ),
        (
            format!("title=A&kind=party&unit=16591&starts={STARTS}&ends={ENDS}"),
            "Hãy chọn loại sự kiện",
        ),
        (
            "title=A&kind=ceremony&unit=16591&starts=2025-11-01T08:00&ends=2025-11-01T09:00"
                .to_owned(),
            "đã kết thúc trong quá khứ",
        ),
    ] {
        let r = form(
            app,
            "/quan-ly/su-kien",
            Some(cookie),
            &format!("csrf={csrf}&{body}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(r.text().contains(says), "{body}: {}", r.text());
    }
    // A commune admin cannot organise in the sibling commune.
    let r = form(
        app,
        "/quan-ly/su-kien",
        Some(cookie),
        &format!("csrf={csrf}&title=A&kind=class&unit=16594&starts={STARTS}&ends={ENDS}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // English.
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/quan-ly/su-kien")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie.as_str())
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::from(format!(
                    "csrf={csrf}&title=A&kind=ceremony&unit=16591&starts={ENDS}&ends={STARTS}"
                )))
                .unwrap(),
        )
        .await;
    assert!(
        r.text().contains("The end must come after the start"),
        "{}",
        r.text()
    );
    // The host sees their point in the list, not the organiser's page.
    let list = get_as(app, "/quan-ly/su-kien", &w.host_a.0).await;
    assert!(
        list.text()
            .contains(&format!("/quan-ly/su-kien/{}/diem/{}", w.event, w.point_a)),
        "{}",
        list.text()
    );
    assert!(
        !list
            .text()
            .contains(&format!("/quan-ly/su-kien/{}/diem/{}", w.event, w.point_b))
    );
    let page = get_as(app, &format!("/quan-ly/su-kien/{}", w.event), &w.host_a.0).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn organisers_change_an_event_and_a_point_and_the_host_changes_with_it() {
    let w = world().await;
    let app = &w.app;
    let (cookie, csrf) = &w.organiser;
    // The event: a new title and end; an end before the start is refused, nothing changed.
    let uri = format!("/quan-ly/su-kien/{}/sua", w.event);
    let r = form(app, &uri, Some(cookie), &format!("csrf={csrf}&title=L%E1%BB%85+ph%C3%A1t+%C4%91%E1%BB%99ng&kind=class&starts={STARTS}&ends=2025-11-25T12:00")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Đã lưu thông tin sự kiện"));
    let e = app.db.store.event(w.event).await.unwrap().unwrap();
    assert_eq!(
        (e.title.as_str(), e.kind, e.ends_at),
        (
            "Lễ phát động",
            binhdan_store::EventKind::Class,
            local("2025-11-25T12:00")
        )
    );
    let r = form(
        app,
        &uri,
        Some(cookie),
        &format!("csrf={csrf}&title=X&kind=class&starts={ENDS}&ends={STARTS}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.db.store.event(w.event).await.unwrap().unwrap().title,
        "Lễ phát động"
    );
    // A facilitator of the village does not organise it.
    let r = form(
        app,
        &uri,
        Some(&w.host_a.0),
        &format!(
            "csrf={}&title=X&kind=class&starts={STARTS}&ends={ENDS}",
            w.host_a.1
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The village's point gets another host: the old one may no longer check in there.
    let before = app.db.store.point(w.point_a).await.unwrap().unwrap();
    let puri = format!("/quan-ly/su-kien/{}/diem/{}/sua", w.event, w.point_a);
    let r = form(
        app,
        &puri,
        Some(cookie),
        &format!(
            "csrf={csrf}&name=%C4%90i%E1%BB%83m+x%C3%A3&unit=16591001&host=xa.hai&expected=60"
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the other point's name"
    );
    assert!(r.text().contains("đã có điểm cầu tên"), "{}", r.text());
    let r = form(app, &puri, Some(cookie), &format!("csrf={csrf}&name=%C4%90i%E1%BB%83m+th%C3%B4n+M%E1%BB%99t&unit=16591001&host=xa.hai&expected=60")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Đã lưu điểm cầu"));
    let after = app.db.store.point(w.point_a).await.unwrap().unwrap();
    assert_eq!(
        (after.host_username.as_str(), after.expected, &after.token),
        ("xa.hai", 60, &before.token)
    );
    app.clock.set(local("2025-11-25T08:30"));
    let old_host = signed_in(app, SessionOwner::Staff(w.ids[1])).await;
    let r = api(
        app,
        &format!("/api/v1/events/{}/points/{}/check-ins", w.event, w.point_a),
        &old_host.0,
        &serde_json::json!({ "csrf": old_host.1, "items": [] }),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// A host's checks use the event and point as read a few seconds ago; a change of the
/// event's window by an organiser applies to the next check-in at once, not after that while.
#[tokio::test]
async fn a_changed_window_applies_to_the_next_check_in_at_once() {
    let w = world().await;
    let app = &w.app;
    app.clock.set(local("2025-11-25T08:30"));
    let (cookie, csrf) = &signed_in(app, SessionOwner::Staff(w.ids[1])).await;
    let uri = format!("/api/v1/events/{}/points/{}/check-ins", w.event, w.point_a);
    let check_in = |n: &str| serde_json::json!({ "csrf": csrf, "items": [{ "id": n, "identity": format!("Khách {n}") }] });
    let r = api(app, &uri, cookie, &check_in("Một"), false).await;
    assert_eq!(r.json()["results"][0]["status"], "new", "{}", r.text());

    // The organiser moves the start to 09:00: the host, at 08:30, is now before the window.
    let (ocookie, ocsrf) = &signed_in(app, SessionOwner::Staff(w.ids[0])).await;
    let r = form(
        app,
        &format!("/quan-ly/su-kien/{}/sua", w.event),
        Some(ocookie),
        &format!("csrf={ocsrf}&title=L%E1%BB%85&kind=ceremony&starts=2025-11-25T09:00&ends={ENDS}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = api(app, &uri, cookie, &check_in("Hai"), false).await;
    assert_eq!(r.json()["results"][0]["status"], "refused", "{}", r.text());
    assert!(
        r.json()["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("chưa bắt đầu"),
        "{}",
        r.text()
    );
}

/// Units and hosts are chosen by name (issue 18): the commune's units listed by commune, a
/// host suggested by name; a name typed without diacritics is found, one that fits several
/// units is refused naming them, and codes still work.
#[tokio::test]
async fn units_and_hosts_are_chosen_by_name() {
    let w = world().await;
    let (app, (cookie, csrf)) = (&w.app, &w.organiser);
    let page = get_as(app, &format!("/quan-ly/su-kien/{}", w.event), cookie)
        .await
        .text();
    assert!(
        page.contains("<select id=\"unit\" name=\"unit\" required>"),
        "{page}"
    );
    assert!(
        page.contains("<optgroup label=\"Xã Các Sơn (16591)\"><option value=\"16591\">Xã Các Sơn (16591)</option><option value=\"16591001\">Thôn Một (16591001)</option></optgroup>"),
        "{page}"
    );
    assert!(page.contains("list=\"host-list\""), "{page}");
    assert!(
        page.contains("<option value=\"xa.hai\" label=\"Cán bộ xa.hai\">"),
        "{page}"
    );
    // By name: the village without diacritics, the host by their name.
    let r = form(
        app,
        &format!("/quan-ly/su-kien/{}/diem", w.event),
        Some(cookie),
        &format!(
            "csrf={csrf}&name=Nh%C3%A0+v%C4%83n+h%C3%B3a&unit=THON+MOT&host={}&expected=7",
            crate::people::encode("cán bộ thon.mot")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let points = app.db.store.points(w.event).await.unwrap();
    let added = points.iter().find(|p| p.name == "Nhà văn hóa").unwrap();
    assert_eq!(added.unit_code.as_str(), "16591001");
    assert_eq!(added.host_username, "thon.mot");

    // A province's organiser: a village name two communes share is refused, naming both.
    app.db
        .store
        .create_villages(
            &[binhdan_store::NewVillage {
                commune: code("16594"),
                name: binhdan_core::unit::UnitName::parse("Thôn Một").unwrap(),
                division_type: binhdan_core::unit::DivisionType::Thon,
            }],
            binhdan_store::WriteMode::Commit,
            crate::helpers::NOW,
        )
        .await
        .unwrap();
    let province = staff(
        app,
        "tinh.sk",
        Grant::new(Role::ProvinceAdmin, Scope::Everywhere),
    )
    .await;
    let (cookie, csrf) = signed_in(app, SessionOwner::Staff(province)).await;
    let create = |unit: &str| {
        let body = format!(
            "csrf={csrf}&title=H%E1%BB%8Dp&kind=class&unit={}&starts={STARTS}&ends={ENDS}",
            crate::people::encode(unit)
        );
        let cookie = cookie.clone();
        async move { form(app, "/quan-ly/su-kien", Some(&cookie), &body).await }
    };
    let r = create("thôn một").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("Có nhiều đơn vị tên “thôn một”")
            && r.text().contains("Thôn Một (16591001)")
            && r.text().contains("Thôn Một (16594"),
        "{}",
        r.text()
    );
    for (typed, unit) in [
        ("xa cac son", "16591"),
        ("Xã Các Sơn (16591)", "16591"),
        ("16594", "16594"),
    ] {
        let r = create(typed).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{typed}: {}", r.text());
        let id: i64 = r
            .header("location")
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let event = app.db.store.event(id).await.unwrap().unwrap();
        assert_eq!(event.unit_code.as_str(), unit, "{typed}");
    }
}

/// The form that changes a point (issue 18): its unit and host chosen as when adding one (a
/// list of the commune's units with the point's own chosen, hosts suggested by name), its
/// expected headcount a number field from 0 to 100,000; the server refuses a headcount out of
/// range or not a number, naming the field, in Vietnamese and in English, and changes nothing.
#[tokio::test]
async fn the_change_point_form_is_typed_and_its_headcount_checked() {
    let w = world().await;
    let (app, (cookie, csrf)) = (&w.app, &w.organiser);
    let page_uri = format!("/quan-ly/su-kien/{}/diem/{}", w.event, w.point_a);
    let page = get_as(app, &page_uri, cookie).await.text();
    assert!(
        page.contains("<select id=\"change-unit\" name=\"unit\" required>"),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"16591001\" selected>Thôn Một (16591001)</option>"),
        "{page}"
    );
    assert!(
        page.contains(
            "<input id=\"change-host\" name=\"host\" value=\"thon.mot\" list=\"change-host-list\""
        ),
        "{page}"
    );
    assert!(
        page.contains("<input id=\"change-expected\" name=\"expected\" type=\"number\" inputmode=\"numeric\" min=\"0\" max=\"100000\" step=\"1\""),
        "{page}"
    );
    // The host of the point sees no change form.
    let hosts = get_as(app, &page_uri, &w.host_a.0).await.text();
    assert!(!hosts.contains("change-expected"), "{hosts}");

    let before = app.db.store.point(w.point_a).await.unwrap().unwrap();
    let uri = format!("{page_uri}/sua");
    let body = |expected: &str| {
        format!(
            "csrf={csrf}&name=%C4%90i%E1%BB%83m+th%C3%B4n+M%E1%BB%99t&unit=16591001&host=thon.mot&expected={expected}"
        )
    };
    for (typed, shown) in [("100001", "100001"), ("abc", "abc"), ("-3", "-3"), ("", "")] {
        let r = form(app, &uri, Some(cookie), &body(typed)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(
            r.text().contains(&format!(
                "Số người dự kiến “{shown}” không hợp lệ: hãy nhập một số nguyên từ 0 đến 100000."
            )),
            "{typed}: {}",
            r.text()
        );
    }
    let en = app
        .send(
            Request::post(&uri)
                .header(header::COOKIE, cookie)
                .header("accept-language", "en")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body("100001")))
                .unwrap(),
        )
        .await;
    assert_eq!(en.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        en.text().contains(
            "The expected headcount “100001” is not valid: enter a whole number from 0 to 100000."
        ),
        "{}",
        en.text()
    );
    assert_eq!(
        app.db.store.point(w.point_a).await.unwrap().unwrap(),
        before
    );
    // At the bound it is taken.
    let r = form(app, &uri, Some(cookie), &body("100000")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.db
            .store
            .point(w.point_a)
            .await
            .unwrap()
            .unwrap()
            .expected,
        100_000
    );
}

//! A village team member's work taken offline (class attendance, visits) and sent later to
//! `/quan-ly/to-cong-nghe/dong-bo`: it counts once however often it is sent, at the time it
//! was taken; it is refused for another account, another village, a person outside the
//! member's village, or when it waited too long; refused items change nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{NOW, TestApp, TestResponse};
use crate::offline::person_in;
use crate::people::{code, encode, form, staff};
use crate::teams::{CARD, Team, VILLAGE, appoint, facilitator, signed_in, team};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// The member's phone's clock, a year off the server's: only differences count.
const DEVICE: i64 = 400 * DAY;

async fn sync(app: &TestApp, cookie: &str, body: &Value) -> TestResponse {
    let r = Request::post("/quan-ly/to-cong-nghe/dong-bo")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, cookie);
    app.send(r.body(Body::from(body.to_string())).unwrap())
        .await
}

/// The results' statuses and codes, in order.
fn outcomes(r: &TestResponse) -> Vec<(String, String)> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["status"].as_str().unwrap().to_owned(),
                x["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn attend(id: &str, who: i64, session: &str, class: i64, person: i64, at: i64) -> Value {
    json!({"id": id, "kind": "attend", "at": at, "person": who, "session": session,
        "class": class, "fields": [["person", person.to_string()]]})
}

fn visit(id: &str, who: i64, session: &str, village: &str, person: i64, at: i64) -> Value {
    json!({"id": id, "kind": "visit", "at": at, "person": who, "session": session,
        "village": village, "fields": [["person", person.to_string()], ["date", "2025-11-24"],
        ["muc-vneid-install", "1"], ["next", "Học bài 2"]]})
}

/// The team with its member appointed and a class opened; the member's staff id and the
/// class's id.
async fn with_class() -> (Team, i64, i64) {
    let t = team().await;
    assert_eq!(
        appoint(&t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/lop"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op=class-op-000001&module=cong-dan.dien-thoai&place={}&starts=2025-11-24T19:30",
            t.member.1,
            encode("Nhà văn hóa")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let class: i64 = r
        .header("location")
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let member = t
        .app
        .db
        .store
        .staff_by_username("thon-mot")
        .await
        .unwrap()
        .unwrap()
        .id;
    (t, member, class)
}

async fn present(t: &Team, class: i64) -> i64 {
    t.app
        .db
        .store
        .team_class(class)
        .await
        .unwrap()
        .unwrap()
        .present
}

async fn visits(t: &Team) -> i64 {
    t.app
        .db
        .store
        .team_figures(&code(VILLAGE))
        .await
        .unwrap()
        .visits
}

#[tokio::test]
async fn team_work_sent_twice_counts_once_at_the_time_it_was_taken() {
    let (t, member, class) = with_class().await;
    let second = person_in(&t.app, VILLAGE, "038090054321", "Trần Thị B").await;
    let csrf = &t.member.1;
    // Taken two hours before sending: one marked from the list, one by their card, a visit.
    let taken = DEVICE - 2 * HOUR;
    let mut items = vec![
        attend("offline-attend-0001", member, csrf, class, second, taken),
        visit("offline-visit-0001", member, csrf, VILLAGE, t.person, taken),
    ];
    items.push(
        json!({"id": "offline-attend-0002", "kind": "attend", "at": taken + 60_000,
        "person": member, "session": csrf, "class": class, "fields": [["card", CARD]]}),
    );
    let batch = json!({"csrf": csrf, "now": DEVICE, "items": items});
    let first = sync(&t.app, &t.member.0, &batch).await;
    assert_eq!(
        outcomes(&first),
        vec![("counted".to_owned(), String::new()); 3]
    );
    // The reply was lost: the phone sends the same again. Nothing more counts.
    let again = sync(&t.app, &t.member.0, &batch).await;
    let statuses: Vec<String> = outcomes(&again).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        statuses, ["duplicate"; 3],
        "each resent marking and the visit are said to be counted already"
    );
    assert_eq!(present(&t, class).await, 2);
    assert_eq!(visits(&t).await, 1);
    // Counted when they were taken, by the server's clock.
    let attendees = t.app.db.store.attendees(class).await.unwrap();
    let by_list = attendees.iter().find(|a| a.person_id == second).unwrap();
    assert_eq!(by_list.marked_at.millis(), NOW.millis() - 2 * HOUR);
    let by_card = attendees.iter().find(|a| a.person_id == t.person).unwrap();
    assert_eq!(by_card.marked_at.millis(), NOW.millis() - 2 * HOUR + 60_000);
    let audit = t.app.db.store.audit_of_person(t.person, 10).await.unwrap();
    assert!(audit.iter().any(|r| r.action == "team.visit"));
    // The same person marked again under another id: already present, not counted twice.
    let other = json!({"csrf": csrf, "now": DEVICE, "items": [
        attend("offline-attend-0003", member, csrf, class, second, DEVICE)]});
    assert_eq!(
        outcomes(&sync(&t.app, &t.member.0, &other).await)[0].0,
        "duplicate"
    );
    assert_eq!(present(&t, class).await, 2);
}

#[tokio::test]
async fn team_work_is_refused_for_another_account_another_village_or_too_late() {
    let (t, member, class) = with_class().await;
    let csrf = t.member.1.clone();
    // Someone living in the village next door, and a facilitator of that village.
    let outside = person_in(&t.app, "16594001", "038090054321", "Lê Văn C").await;
    let other = staff(&t.app, "thon-hai", facilitator("38/16594/16594001/")).await;
    let other = signed_in(&t.app, other).await;

    // What the member queued, sent by another account on the same phone: refused, and
    // nothing counts, even with that account's own token on the batch.
    let mine = json!({"csrf": other.1, "now": DEVICE, "items": [
        attend("offline-attend-1001", member, &csrf, class, t.person, DEVICE),
        visit("offline-visit-1001", member, &csrf, VILLAGE, t.person, DEVICE)]});
    assert_eq!(
        outcomes(&sync(&t.app, &other.0, &mine).await),
        vec![("refused".to_owned(), "person".to_owned()); 2]
    );
    // Relabelled as theirs: the session it was taken in is not theirs.
    let Some(other_id) = t
        .app
        .db
        .store
        .staff_by_username("thon-hai")
        .await
        .unwrap()
        .map(|s| s.id)
    else {
        panic!("no account")
    };
    let relabelled = json!({"csrf": other.1, "now": DEVICE, "items": [
        attend("offline-attend-1001", other_id, &csrf, class, t.person, DEVICE)]});
    assert_eq!(
        outcomes(&sync(&t.app, &other.0, &relabelled).await),
        vec![("refused".to_owned(), "session".to_owned())]
    );
    // In their own session, still not a member of this village's team.
    let theirs = json!({"csrf": other.1, "now": DEVICE, "items": [
        attend("offline-attend-1002", other_id, &other.1, class, t.person, DEVICE),
        visit("offline-visit-1002", other_id, &other.1, VILLAGE, t.person, DEVICE)]});
    assert_eq!(
        outcomes(&sync(&t.app, &other.0, &theirs).await),
        vec![("refused".to_owned(), "team".to_owned()); 2]
    );
    assert_eq!((present(&t, class).await, visits(&t).await), (0, 0));

    // The member, on a person outside their village, and on work that waited 8 days.
    let late = DEVICE - 8 * DAY;
    let batch = json!({"csrf": csrf, "now": DEVICE, "items": [
        attend("offline-attend-2001", member, &csrf, class, outside, DEVICE),
        visit("offline-visit-2001", member, &csrf, VILLAGE, outside, DEVICE),
        visit("offline-visit-2002", member, &csrf, "16594001", outside, DEVICE),
        attend("offline-attend-2002", member, &csrf, class, t.person, late),
        json!({"id": "offline-odd-2003", "kind": "sweep", "at": DEVICE, "person": member,
            "session": &csrf})]});
    let r = sync(&t.app, &t.member.0, &batch).await;
    assert_eq!(
        outcomes(&r),
        vec![
            ("refused".to_owned(), "team".to_owned()),
            ("refused".to_owned(), "team".to_owned()),
            ("refused".to_owned(), "team".to_owned()),
            ("refused".to_owned(), "old".to_owned()),
            ("refused".to_owned(), "malformed".to_owned()),
        ]
    );
    let reasons = r.text();
    assert!(
        reasons.contains("Thôn Một"),
        "says whose village: {reasons}"
    );
    assert!(reasons.contains("hơn 7 ngày"), "{reasons}");
    assert_eq!((present(&t, class).await, visits(&t).await), (0, 0));

    // The batch itself: a wrong token is refused whole; a learner has no team queue.
    let forged = json!({"csrf": "nope", "now": DEVICE, "items": []});
    assert_eq!(
        sync(&t.app, &t.member.0, &forged).await.status,
        StatusCode::FORBIDDEN
    );
    // In English too.
    let en = Request::post("/quan-ly/to-cong-nghe/dong-bo")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, "en")
        .header(header::COOKIE, &t.member.0);
    let en = t
        .app
        .send(en.body(Body::from(batch.to_string())).unwrap())
        .await;
    assert!(en.text().contains("more than 7 days"), "{}", en.text());
}

#[tokio::test]
async fn the_team_pages_carry_the_members_queue() {
    let (t, member, class) = with_class().await;
    let page =
        crate::people::get_as(&t.app, &format!("/quan-ly/lop-hoc/{class}"), &t.member.0).await;
    let html = page.text();
    assert!(
        html.contains(&format!("data-person=\"{member}\"")) && html.contains("data-staff=\"1\""),
        "{html}"
    );
    assert!(html.contains("Đã lưu trên máy, sẽ gửi khi có mạng"));
    assert!(html.contains("id=\"bd-refused\""));
    let person = crate::people::get_as(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/nguoi/{}", t.person),
        &t.member.0,
    )
    .await;
    assert!(person.text().contains("data-staff=\"1\""));
    // The commune admin sees the class but has no form, hence no queue.
    let admin =
        crate::people::get_as(&t.app, &format!("/quan-ly/lop-hoc/{class}"), &t.admin.0).await;
    assert!(!admin.text().contains("data-staff"));
}

#[tokio::test]
async fn an_exam_question_says_offline_that_the_exam_needs_a_network() {
    let app = crate::exam::app().await;
    let (me, _) = crate::people::fixture(&app).await;
    let (cookie, token) =
        crate::people::session(&app, binhdan_store::SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let sitting = crate::exam::start(&app, &cookie, &csrf, "dau-vao").await;
    let page = crate::people::get_as(&app, &format!("/hoc/thi/lan/{sitting}"), &cookie).await;
    let html = page.text();
    assert!(html.contains("id=\"bd-exam-offline\""), "{html}");
    assert!(html.contains("Bài thi lấy chứng chỉ cần có mạng suốt lúc làm bài"));
    assert!(html.contains("/static/ngoai-tuyen."));
}

//! Learning offline: what a learner's phone queued (lessons done, practice answers) and sent
//! to `/hoc/dong-bo` later counts once, at the time it was taken, only for the person and
//! session it was taken in; the service worker, the manifest and the saved module's list.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use binhdan_store::SessionOwner;
use serde_json::{Value, json};

use crate::helpers::{NOW, TestApp, TestResponse};
use crate::learn::with_curriculum;
use crate::people::{code, fixture, get_as, session};

const HOUR: i64 = 3_600_000;

async fn sync(app: &TestApp, cookie: Option<&str>, body: &Value) -> TestResponse {
    let mut r = Request::post("/hoc/dong-bo").header(header::CONTENT_TYPE, "application/json");
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    app.send(r.body(Body::from(body.to_string())).unwrap())
        .await
}

fn done(id: &str, person: i64, session: &str, lesson: &str, at: i64) -> Value {
    json!({"id": id, "kind": "lesson_done", "at": at, "person": person, "session": session, "lesson": lesson})
}

fn statuses(r: &TestResponse) -> Vec<String> {
    r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap().to_owned())
        .collect()
}

/// A second learner, in the same village.
async fn second_person(app: &TestApp) -> i64 {
    person_in(app, "16591001", "038090054321", "Trần Thị B").await
}

/// Someone registered in `village` with the CCCD `number`.
pub(crate) async fn person_in(app: &TestApp, village: &str, number: &str, name: &str) -> i64 {
    use binhdan_core::cccd::Cccd;
    use binhdan_store::{AdultCutoff, PersonRecord};
    let store = app.db.store.as_ref();
    let vault = binhdan_vault::Vault::new(&app.vault).unwrap();
    let cccd = Cccd::parse(number).unwrap();
    let mut import = store
        .begin_people_import(AdultCutoff(i64::MAX), NOW)
        .await
        .unwrap();
    import
        .write(&[PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: vault.encrypt(&cccd, &mut rand::rng()).unwrap().into_bytes(),
            cccd_masked: cccd.masked(),
            name: name.into(),
            birth_year: 1985,
            birth_day: None,
            sex: cccd.sex(),
            unit: code(village),
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
        .person_by_cccd_hash(&vault.lookup_hash(&cccd))
        .await
        .unwrap()
        .unwrap()
        .summary
        .id
}

async fn first_lessons(app: &TestApp, n: usize) -> Vec<String> {
    let outline = app
        .db
        .store
        .course_outline("cong-dan")
        .await
        .unwrap()
        .unwrap();
    outline
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.id.clone()))
        .take(n)
        .collect()
}

async fn lessons_done(app: &TestApp, person: i64) -> usize {
    app.db
        .store
        .course_progress(person, "cong-dan")
        .await
        .unwrap()
        .lessons_done
        .len()
}

#[tokio::test]
async fn lessons_done_offline_count_once_however_often_they_are_sent() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let lessons = first_lessons(&app, 3).await;
    // Taken an hour before sending, by a phone whose clock is days off.
    let device = 9 * 24 * HOUR;
    let items: Vec<Value> = lessons
        .iter()
        .enumerate()
        .map(|(i, l)| {
            done(
                &format!("device-done-{i:04}"),
                me,
                &csrf,
                l,
                device + i64::try_from(i).unwrap(),
            )
        })
        .collect();
    let body = json!({"csrf": csrf, "now": device + HOUR, "items": items});

    // Not signed in, or a forged token: refused as a whole, nothing counted.
    assert_eq!(
        sync(&app, None, &body).await.status,
        StatusCode::UNAUTHORIZED
    );
    let forged = json!({"csrf": "forged", "now": device + HOUR, "items": items});
    assert_eq!(
        sync(&app, Some(&cookie), &forged).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(lessons_done(&app, me).await, 0);

    let first = sync(&app, Some(&cookie), &body).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.header("cache-control"), "no-store");
    assert_eq!(statuses(&first), ["counted", "counted", "counted"]);
    assert_eq!(first.json()["results"][0]["id"], "device-done-0000");
    assert_eq!(lessons_done(&app, me).await, 3);

    // The reply was lost: the phone sends the same again; nothing counts twice.
    let again = sync(&app, Some(&cookie), &body).await;
    assert_eq!(statuses(&again), ["duplicate", "duplicate", "duplicate"]);
    assert!(again.text().contains("Đã được ghi nhận từ trước"));
    assert_eq!(lessons_done(&app, me).await, 3);
}

#[tokio::test]
async fn refused_actions_say_why() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let lessons = first_lessons(&app, 1).await;
    let body = json!({"csrf": csrf, "now": 8 * 24 * HOUR, "items": [
        // Waited eight days on the phone: past the server's bound.
        done("device-old-0001", me, &csrf, &lessons[0], 0),
        // No usable id.
        done("x", me, &csrf, &lessons[0], 8 * 24 * HOUR),
        // No such lesson.
        done("device-none-001", me, &csrf, "khong-co", 8 * 24 * HOUR),
        {"id": "device-kind-001", "kind": "delete_everything", "at": 8 * 24 * HOUR, "person": me, "session": csrf},
    ]});
    let r = sync(&app, Some(&cookie), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(statuses(&r), ["refused", "refused", "refused", "refused"]);
    let results = r.json()["results"].clone();
    assert_eq!(results[0]["code"], "old");
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("hơn 7 ngày"),
        "{results}"
    );
    assert_eq!(results[1]["code"], "malformed");
    assert_eq!(results[2]["code"], "lesson");
    assert_eq!(results[3]["code"], "malformed");
    assert_eq!(lessons_done(&app, me).await, 0);

    // Too many at once.
    let many: Vec<Value> = (0..201)
        .map(|i| done(&format!("device-many-{i:04}"), me, &csrf, &lessons[0], 0))
        .collect();
    let r = sync(
        &app,
        Some(&cookie),
        &json!({"csrf": csrf, "now": 0, "items": many}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_province_may_let_actions_wait_longer_on_the_phone() {
    let app = crate::learn::with_curriculum_and(|c| c.offline.max_delay_days = 14).await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let lessons = first_lessons(&app, 2).await;
    let body = json!({"csrf": csrf, "now": 15 * 24 * HOUR, "items": [
        // Ten days on the phone: within this province's fortnight.
        done("device-ten-0001", me, &csrf, &lessons[0], 5 * 24 * HOUR),
        // Fifteen days: past it, and the message says the province's bound.
        done("device-old-0002", me, &csrf, &lessons[1], 0),
    ]});
    let r = sync(&app, Some(&cookie), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(statuses(&r), ["counted", "refused"]);
    let message = r.json()["results"][1]["message"].clone();
    assert!(
        message.as_str().unwrap().contains("hơn 14 ngày"),
        "{message}"
    );
    assert_eq!(lessons_done(&app, me).await, 1);
}

#[tokio::test]
async fn practice_answers_taken_offline_count_once_in_the_questions_order() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let module = "cong-dan.dien-thoai";

    // The quiz as one page to answer offline: every question of the attempt it starts.
    let page = get_as(
        &app,
        &format!("/hoc/kiem-tra/{module}/ngoai-tuyen"),
        &cookie,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let attempt = app
        .db
        .store
        .open_attempt(me, module)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        page.text()
            .matches("class=\"stack quiz offline-q\"")
            .count(),
        attempt.plan.len()
    );
    // Opened again (saved again): the same attempt, not a new one.
    get_as(
        &app,
        &format!("/hoc/kiem-tra/{module}/ngoai-tuyen"),
        &cookie,
    )
    .await;
    assert_eq!(
        app.db
            .store
            .open_attempt(me, module)
            .await
            .unwrap()
            .unwrap()
            .id,
        attempt.id
    );
    let quiz = app.db.store.module_quiz(module).await.unwrap().unwrap();
    // Answered (or queued) in reverse order: they count in the questions' order.
    let items: Vec<Value> = attempt
        .plan
        .iter()
        .enumerate()
        .rev()
        .map(|(k, planned)| {
            let (item, _) = quiz
                .items
                .iter()
                .find(|(i, _)| i.id == planned.item_id)
                .unwrap();
            let reply = binhdan_content::quiz::right_reply(item);
            let fields: Vec<[String; 2]> =
                binhdan_content::quiz::form_fields(&reply, &planned.order)
                    .into_iter()
                    .map(|(k, v)| [k, v])
                    .collect();
            json!({"id": format!("device-answer-{k:04}"), "kind": "answer", "at": 1_000 + i64::try_from(k).unwrap(),
                   "person": me, "session": csrf, "module": module, "attempt": attempt.id,
                   "item": item.id, "fields": fields, "elapsed_ms": 20_000})
        })
        .collect();
    let body = json!({"csrf": csrf, "now": 60_000, "items": items});
    let r = sync(&app, Some(&cookie), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(statuses(&r).iter().all(|s| s == "counted"), "{}", r.text());
    assert!(r.text().contains("đã đạt"), "{}", r.text());
    let progress = app.db.store.course_progress(me, "cong-dan").await.unwrap();
    assert_eq!(progress.quizzes_passed, [module]);
    assert_eq!(
        app.db
            .store
            .attempt_answers(attempt.id)
            .await
            .unwrap()
            .len(),
        attempt.plan.len()
    );

    // Sent again (the reply was lost): nothing counts twice.
    let again = sync(&app, Some(&cookie), &body).await;
    assert!(
        statuses(&again).iter().all(|s| s == "duplicate"),
        "{}",
        again.text()
    );
    assert_eq!(
        app.db
            .store
            .attempt_answers(attempt.id)
            .await
            .unwrap()
            .len(),
        attempt.plan.len()
    );
}

#[tokio::test]
async fn another_account_cannot_replay_what_a_phone_queued() {
    let app = with_curriculum().await;
    let (a, _) = fixture(&app).await;
    let b = second_person(&app).await;
    let (cookie_a, token_a) = session(&app, SessionOwner::Citizen(a)).await;
    let (cookie_b, token_b) = session(&app, SessionOwner::Citizen(b)).await;
    let csrf_a = token_a.csrf_token().expose().clone();
    let csrf_b = token_b.csrf_token().expose().clone();
    let lessons = first_lessons(&app, 1).await;
    let module = "cong-dan.dien-thoai";
    get_as(
        &app,
        &format!("/hoc/kiem-tra/{module}/ngoai-tuyen"),
        &cookie_a,
    )
    .await;
    let attempt = app.db.store.open_attempt(a, module).await.unwrap().unwrap();
    let answer = |person: i64, session: &str| {
        json!({"id": "device-answer-a-01", "kind": "answer", "at": 0, "person": person,
               "session": session, "module": module, "attempt": attempt.id,
               "item": attempt.plan[0].item_id, "fields": [["choice", "0"]]})
    };

    // A's queue sent with B's session (and B's valid CSRF token): refused, item by item.
    let r = sync(
        &app,
        Some(&cookie_b),
        &json!({"csrf": csrf_b, "now": 0, "items": [
            done("device-done-a-01", a, &csrf_a, &lessons[0], 0),
            // Relabelled as B's, it is still bound to A's session.
            done("device-done-a-02", b, &csrf_a, &lessons[0], 0),
            answer(a, &csrf_a),
            // Relabelled and re-bound to B's session: A's attempt is still A's.
            answer(b, &csrf_b),
        ]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let codes: Vec<Value> = r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["code"].clone())
        .collect();
    assert_eq!(
        codes,
        [
            json!("person"),
            json!("session"),
            json!("person"),
            json!("person")
        ]
    );
    assert_eq!(lessons_done(&app, a).await, 0);
    assert_eq!(lessons_done(&app, b).await, 0);
    assert!(
        app.db
            .store
            .attempt_answers(attempt.id)
            .await
            .unwrap()
            .is_empty()
    );

    // A signs in again (a new session): their earlier queue needs their word that it is theirs.
    let (cookie_a2, token_a2) = session(&app, SessionOwner::Citizen(a)).await;
    let csrf_a2 = token_a2.csrf_token().expose().clone();
    let item = done("device-done-a-03", a, &csrf_a, &lessons[0], 0);
    let r = sync(
        &app,
        Some(&cookie_a2),
        &json!({"csrf": csrf_a2, "now": 0, "items": [item]}),
    )
    .await;
    assert_eq!(r.json()["results"][0]["code"], "session");
    assert!(r.text().contains("lần đăng nhập trước"));
    let rebound = done("device-done-a-03", a, &csrf_a2, &lessons[0], 0);
    let r = sync(
        &app,
        Some(&cookie_a2),
        &json!({"csrf": csrf_a2, "now": 0, "items": [rebound]}),
    )
    .await;
    assert_eq!(statuses(&r), ["counted"]);
    assert_eq!(lessons_done(&app, a).await, 1);
    // The old session's cookie with the new session's token: a CSRF failure.
    let r = sync(
        &app,
        Some(&cookie_a),
        &json!({"csrf": csrf_a2, "now": 0, "items": []}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_site_installs_and_saves_a_module_for_offline_reading() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, _) = session(&app, SessionOwner::Citizen(me)).await;

    let sw = app.get("/sw.js").await;
    assert_eq!(sw.status, StatusCode::OK);
    assert!(sw.header("content-type").starts_with("text/javascript"));
    assert_eq!(sw.header("cache-control"), "no-cache");
    let text = sw.text();
    assert!(!text.contains("__"), "placeholders filled in: {text}");
    assert!(text.contains("var QUEUE_URL = '/static/ngoai-tuyen."));
    let queue_url = text
        .split("var QUEUE_URL = '")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert_eq!(app.get(queue_url).await.status, StatusCode::OK);

    let manifest = app.get("/manifest.webmanifest").await;
    assert_eq!(manifest.header("content-type"), "application/manifest+json");
    let m = manifest.json();
    assert_eq!(m["start_url"], "/hoc");
    assert_eq!(m["display"], "standalone");
    for icon in m["icons"].as_array().unwrap() {
        let png = app.get(icon["src"].as_str().unwrap()).await;
        assert_eq!(png.status, StatusCode::OK);
        assert_eq!(png.header("content-type"), "image/png");
        assert_eq!(&png.body[..4], b"\x89PNG");
    }
    let home = app.get("/hoc").await.text();
    assert!(home.contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">"));

    // What saving a module fetches: its lessons, their images, the course; the quiz only for
    // a signed-in learner. About 300 KB at most.
    let module = "cong-dan.dien-thoai";
    let anonymous = app.get(&format!("/hoc/tai-ve/{module}")).await.json();
    let list = get_as(&app, &format!("/hoc/tai-ve/{module}"), &cookie)
        .await
        .json();
    let urls = |v: &Value| -> Vec<String> {
        v["urls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(urls(&list).contains(&format!("/hoc/kiem-tra/{module}/ngoai-tuyen")));
    assert!(!urls(&anonymous).iter().any(|u| u.contains("kiem-tra")));
    assert!(urls(&list).iter().any(|u| u.starts_with("/bai/")));
    assert!(urls(&list).iter().any(|u| u.starts_with("/noi-dung/tep/")));
    let bytes = list["bytes"].as_u64().unwrap();
    assert!(bytes > 5_000 && bytes < 300_000, "{bytes}");
    // The size the learner is shown first is close to what the phone then keeps (the sum of
    // the bodies the script fetches and stores).
    let mut kept = 0;
    for u in urls(&list) {
        let r = get_as(&app, &u, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{u}");
        kept += r.body.len() as u64;
    }
    let ratio = bytes as f64 / kept as f64;
    assert!(
        (0.95..=1.05).contains(&ratio),
        "shown {bytes} bytes, kept {kept} ({ratio:.3})"
    );
    assert_eq!(
        app.get("/hoc/tai-ve/khong-co").await.status,
        StatusCode::NOT_FOUND
    );

    // The page that says what works offline, and that the exam needs a connection.
    let page = app.get("/ngoai-tuyen").await.text();
    assert!(page.contains("Bài thi lấy chứng chỉ cần có mạng"));
    // The course offers the download (shown by the script only).
    let course = app.get("/hoc/cong-dan").await.text();
    assert!(course.contains(&format!("data-save-module=\"{module}\"")));
}

#[tokio::test]
async fn a_learner_signing_out_takes_their_saved_data_with_them() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let r = crate::people::form(&app, "/dang-xuat", Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("clear-site-data"), "\"cache\", \"storage\"");
}

#[tokio::test]
async fn a_learner_signing_out_leaves_a_team_members_waiting_work_on_the_phone() {
    // On a shared phone the page's script removes the learner's own data and says another
    // account's work waits: the server then clears only the HTTP cache, not the storage
    // holding the member's queue.
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let body = format!("csrf={csrf}&keep_others=1");
    let r = crate::people::form(&app, "/dang-xuat", Some(&cookie), &body).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("clear-site-data"), "\"cache\"");
    // Signed out all the same.
    assert_eq!(
        get_as(&app, "/toi", &cookie).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_same_queue_sent_twice_at_once_counts_once() {
    // The page and the service worker's Background Sync may send one queue at the same time.
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let module = "cong-dan.dien-thoai";
    get_as(
        &app,
        &format!("/hoc/kiem-tra/{module}/ngoai-tuyen"),
        &cookie,
    )
    .await;
    let attempt = app
        .db
        .store
        .open_attempt(me, module)
        .await
        .unwrap()
        .unwrap();
    let quiz = app.db.store.module_quiz(module).await.unwrap().unwrap();
    let items: Vec<Value> = attempt
        .plan
        .iter()
        .enumerate()
        .map(|(k, planned)| {
            let (item, _) = quiz
                .items
                .iter()
                .find(|(i, _)| i.id == planned.item_id)
                .unwrap();
            let reply = binhdan_content::quiz::right_reply(item);
            let fields: Vec<[String; 2]> =
                binhdan_content::quiz::form_fields(&reply, &planned.order)
                    .into_iter()
                    .map(|(k, v)| [k, v])
                    .collect();
            json!({"id": format!("device-twice-{k:04}"), "kind": "answer", "at": 0,
                   "person": me, "session": csrf, "module": module, "attempt": attempt.id,
                   "item": item.id, "fields": fields})
        })
        .collect();
    let body = json!({"csrf": csrf, "now": 0, "items": items});
    let (a, b, c) = tokio::join!(
        sync(&app, Some(&cookie), &body),
        sync(&app, Some(&cookie), &body),
        sync(&app, Some(&cookie), &body)
    );
    let mut counted = 0;
    for r in [&a, &b, &c] {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(
            statuses(r)
                .iter()
                .all(|s| s == "counted" || s == "duplicate"),
            "{}",
            r.text()
        );
        counted += statuses(r).iter().filter(|s| *s == "counted").count();
    }
    assert_eq!(
        counted,
        attempt.plan.len(),
        "each answer counted by one request"
    );
    assert_eq!(
        app.db
            .store
            .attempt_answers(attempt.id)
            .await
            .unwrap()
            .len(),
        attempt.plan.len()
    );
}

//! Shared devices and assisted certification over HTTP (issue 19, items 5 and 6): a quiz for
//! three learners on a member's phone, each answer counted for its learner and marked with the
//! member; a class joined by its QR code (refused for another class and after it ends); a
//! supervised exam that passes and earns the certificate; one too fast, flagged and voided by
//! the commune admin with the counters back; and the refusals, each changing nothing.

use axum::http::StatusCode;
use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_content::quiz;
use binhdan_core::kpi::Group;
use binhdan_store::{AdultCutoff, SessionOwner};

use crate::helpers::{NOW, TestApp, TestResponse};
use crate::people::{code, commune_admin, encode, fixture, form, get_as, session, staff};

const VILLAGE: &str = "16591001";
/// The fixture's person, and three more (valid card strings: province 038, century-sex digit,
/// birth year).
const CARD_A: &str =
    "038090012345||Nguyễn Văn A|01011990|Nam|Thôn Một, xã Hà Trung, Thanh Hóa|01072021";
const CARD_B: &str = "038185001111||Trần Thị Bình|02021985|Nữ|Thôn Một|01072021";
const CARD_C: &str = "038070002222||Lê Văn Cường|03031970|Nam|Thôn Một|01072021";
const CARD_D: &str = "038165003333||Phạm Thị Dung|04041965|Nữ|Thôn Một|01072021";

struct Team {
    app: TestApp,
    admin: (String, String),
    member: (String, String),
    member_id: i64,
    /// A member of the sibling commune's village.
    other: (String, String),
}

async fn signed_in(app: &TestApp, id: i64) -> (String, String) {
    let (cookie, token) = session(app, SessionOwner::Staff(id)).await;
    (cookie, token.csrf_token().expose().clone())
}

fn facilitator(path: &str) -> Grant {
    Grant::new(Role::VillageFacilitator, Scope::Unit { path: path.into() })
}

/// The curriculum (and a 5-minute exam, flagged under 60 seconds), the fixture, a commune
/// admin, an appointed member of Thôn Một, and one of Thôn Hai (commune 16594).
async fn team() -> Team {
    team_with(|_| {}).await
}

/// [`team`] on a server configured further by `configure`.
async fn team_with(configure: impl FnOnce(&mut binhdan_web::WebConfig)) -> Team {
    let app = TestApp::with(|c| {
        c.exam.minutes = 5;
        c.assisted.min_seconds = 60;
        configure(c);
    })
    .await;
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_app::content::load(app.db.store.as_ref(), &content, NOW)
        .await
        .unwrap();
    fixture(&app).await;
    let admin_id = staff(&app, "xa-16591", commune_admin("38/16591/")).await;
    let member_id = staff(&app, "thon-mot", facilitator("38/16591/16591001/")).await;
    let other_id = staff(&app, "thon-hai", facilitator("38/16594/16594001/")).await;
    let admin = signed_in(&app, admin_id).await;
    let member = signed_in(&app, member_id).await;
    let other = signed_in(&app, other_id).await;
    let r = form(
        &app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/thanh-vien"),
        Some(&admin.0),
        &format!("csrf={}&username=thon-mot", admin.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let other_admin = signed_in(
        &app,
        staff(&app, "xa-16594", commune_admin("38/16594/")).await,
    )
    .await;
    let r = form(
        &app,
        "/quan-ly/to-cong-nghe/16594001/thanh-vien",
        Some(&other_admin.0),
        &format!("csrf={}&username=thon-hai", other_admin.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    Team {
        app,
        admin,
        member,
        member_id,
        other,
    }
}

/// Opens a class of Thôn Một (19:30 on the fixture's day, which `NOW` is 3½ hours after).
async fn open_class(t: &Team, op: &str) -> i64 {
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/lop"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op={op}&module=cong-dan.dien-thoai&place={}&starts=2025-11-24T19:30",
            t.member.1,
            encode("Nhà văn hóa")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location")
        .trim_start_matches("/quan-ly/lop-hoc/")
        .parse()
        .unwrap()
}

/// Marks the card's holder present (registering them from the card if needed); their id.
async fn present(t: &Team, class: i64, card: &str, op: &str) -> i64 {
    let r = form(
        &t.app,
        &format!("/quan-ly/lop-hoc/{class}/diem-danh"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op={op}&card={}&register=1",
            t.member.1,
            encode(card)
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let vault = binhdan_vault::Vault::new(&t.app.vault).unwrap();
    let number = binhdan_core::cccd::Cccd::parse(&card[..12]).unwrap();
    t.app
        .db
        .store
        .person_by_cccd_hash(&vault.lookup_hash(&number))
        .await
        .unwrap()
        .unwrap()
        .summary
        .id
}

fn value_of<'a>(html: &'a str, name: &str) -> &'a str {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    &html[start..start + html[start..].find('"').unwrap()]
}

/// The form fields answering a class quiz page's question rightly.
async fn quiz_reply(app: &TestApp, html: &str) -> String {
    let attempt: i64 = value_of(html, "attempt").parse().unwrap();
    let item_id = value_of(html, "item");
    let attempt = app.db.store.attempt(attempt).await.unwrap().unwrap();
    let planned = attempt.plan.iter().find(|p| p.item_id == item_id).unwrap();
    let module = app
        .db
        .store
        .module_quiz(&attempt.module_id)
        .await
        .unwrap()
        .unwrap();
    let item = &module
        .items
        .iter()
        .find(|(i, _)| i.id == item_id)
        .unwrap()
        .0;
    let fields: Vec<String> = quiz::form_fields(&quiz::right_reply(item), &planned.order)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!(
        "attempt={}&item={item_id}&shown_at={}&{}",
        attempt.id,
        value_of(html, "shown_at"),
        fields.join("&")
    )
}

fn rebuilt_agrees(differences: &[binhdan_store::CounterDifference]) -> bool {
    differences.iter().all(|d| {
        !matches!(
            d.metric.as_str(),
            "certified" | "certified_assisted" | "quizzes_passed" | "proficient" | "lessons"
        )
    })
}

#[tokio::test]
async fn three_learners_take_the_quiz_on_one_device() {
    let t = team().await;
    let class = open_class(&t, "class-op-assist-01").await;
    let learners = [
        present(&t, class, CARD_A, "mark-op-assist-a").await,
        present(&t, class, CARD_B, "mark-op-assist-b").await,
        present(&t, class, CARD_C, "mark-op-assist-c").await,
    ];
    let uri = format!("/quan-ly/lop-hoc/{class}/may-chung");
    // Someone not present is refused, and nothing starts for them.
    let absent = present_elsewhere(&t).await;
    let r = get_as(&t.app, &format!("{uri}?nguoi={absent}"), &t.member.0).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("chưa được điểm danh"), "{}", r.text());
    // Another village's member may not use this class's device.
    let r = get_as(&t.app, &format!("{uri}?nguoi={}", learners[0]), &t.other.0).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut page = get_as(&t.app, &format!("{uri}?nguoi={}", learners[0]), &t.member.0).await;
    for (k, learner) in learners.iter().enumerate() {
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let mut answered = 0;
        loop {
            let html = page.text();
            assert!(html.contains(&format!("name=\"person\" value=\"{learner}\"")));
            let op = format!("assist-op-{k}-{answered:04}");
            let body = format!(
                "csrf={}&op={op}&person={learner}&{}",
                t.member.1,
                quiz_reply(&t.app, &html).await
            );
            page = form(&t.app, &uri, Some(&t.member.0), &body).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.text());
            answered += 1;
            if answered == 1 {
                // The same form resent counts once.
                let again = form(&t.app, &uri, Some(&t.member.0), &body).await;
                assert_eq!(again.status, StatusCode::CONFLICT);
            }
            if !page.text().contains("name=\"attempt\"") {
                break;
            }
        }
        let marks = t.app.db.store.assisted_answers(*learner).await.unwrap();
        assert_eq!(marks.len(), answered, "every answer marked as assisted");
        assert!(marks.iter().all(|(_, _, m)| *m == t.member_id));
        let attempts = t
            .app
            .db
            .store
            .open_attempt(*learner, "cong-dan.dien-thoai")
            .await
            .unwrap();
        assert!(attempts.is_none(), "the learner's attempt is finished");
        // One tap to the next learner.
        let html = page.text();
        if let Some(next) = learners.get(k + 1) {
            let link = format!("{uri}?nguoi={next}");
            assert!(html.contains(&link), "{html}");
            page = get_as(&t.app, &link, &t.member.0).await;
        }
    }
    // Each learner's pass counted for them, through the ordinary counters.
    let counters = t.app.db.store.unit_counters(&code(VILLAGE)).await.unwrap();
    let passed: i64 = counters
        .iter()
        .filter(|(g, m, _)| *g == Group::Adult && m == "quizzes_passed")
        .map(|(_, _, n)| n)
        .sum();
    assert_eq!(passed, 3, "{counters:?}");
    let rebuilt = t
        .app
        .db
        .store
        .rebuild_counters(AdultCutoff(i64::MAX), false, NOW)
        .await
        .unwrap();
    assert!(
        rebuilt_agrees(&rebuilt.differences),
        "{:?}",
        rebuilt.differences
    );
}

/// Someone of Thôn Một not present at any class: registered from a card at another class.
async fn present_elsewhere(t: &Team) -> i64 {
    let class = open_class(t, "class-op-elsewhere").await;
    present(t, class, CARD_D, "mark-op-elsewhere").await
}

fn set_cookie(r: &TestResponse, name: &str) -> String {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_owned()
}

/// Makes a class's join code; the join link.
async fn join_link(t: &Team, class: i64) -> String {
    let r = form(
        &t.app,
        &format!("/quan-ly/lop-hoc/{class}/ma-vao"),
        Some(&t.member.0),
        &format!("csrf={}", t.member.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<svg"), "a QR code");
    // A whole address (a phone's camera opens nothing else): its path.
    let href = html.find("href=\"http://").unwrap() + 6;
    let start = href + html[href..].find("/lop/").unwrap();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_learner_joins_a_class_with_its_qr_code_for_that_class_only() {
    let t = team().await;
    let class = open_class(&t, "class-op-join-001").await;
    let other_class = open_class(&t, "class-op-join-002").await;
    let learner = present(&t, class, CARD_B, "mark-op-join-b").await;
    let link = join_link(&t, class).await;
    assert!(link.starts_with(&format!("/lop/{class}/vao/")));
    // The code of this class does not open another.
    let token = link.rsplit('/').next().unwrap();
    let r = t.app.get(&format!("/lop/{other_class}/vao/{token}")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("của một lớp khác"), "{}", r.text());
    // A guessed code is refused.
    let r = t
        .app
        .get(&format!("/lop/{class}/vao/{}", "x".repeat(43)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let page = t.app.get(&link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let proof = set_cookie(&page, "binhdan_lop_vao");
    let csrf = value_of(&page.text(), "csrf").to_owned();
    // Without the form's own cookie: refused.
    let r = form(
        &t.app,
        &link,
        None,
        &format!("csrf={csrf}&identity=038185001111"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Someone not present at this class: refused, nothing opened.
    let r = form(
        &t.app,
        &link,
        Some(&proof),
        &format!("csrf={csrf}&identity=038070002222"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("chưa được điểm danh"), "{}", r.text());
    let r = form(
        &t.app,
        &link,
        Some(&proof),
        &format!("csrf={csrf}&identity=038185001111"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), format!("/lop/{class}/hoc"));
    let learner_cookie = set_cookie(&r, "binhdan_lop");

    // The learner answers on their phone, for themself, not marked as assisted.
    let page = get_as(&t.app, &format!("/lop/{class}/hoc"), &learner_cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("Trần Thị Bình"), "{html}");
    let body = format!(
        "csrf={}&{}",
        value_of(&html, "csrf"),
        quiz_reply(&t.app, &html).await
    );
    let r = form(
        &t.app,
        &format!("/lop/{class}/hoc"),
        Some(&learner_cookie),
        &body,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let attempt = t
        .app
        .db
        .store
        .open_attempt(learner, "cong-dan.dien-thoai")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(attempt.answered, 1);
    assert!(
        t.app
            .db
            .store
            .assisted_answers(learner)
            .await
            .unwrap()
            .is_empty()
    );
    // The narrow session opens nothing else: not another class, not the learner's pages.
    let r = get_as(&t.app, &format!("/lop/{other_class}/hoc"), &learner_cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = get_as(&t.app, "/hoc/cua-toi", &learner_cookie).await;
    assert_ne!(r.status, StatusCode::OK);
    // After the class: the code and the session have ended.
    t.app
        .clock
        .set(binhdan_core::Timestamp(NOW.millis() + 3_600_000));
    let r = t.app.get(&link).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("hết hạn"), "{}", r.text());
    let r = get_as(&t.app, &format!("/lop/{class}/hoc"), &learner_cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// Answers a supervised sitting to its end, rightly; the last page.
async fn sit(t: &Team, sitting: i64, advance_ms: i64) -> String {
    let url = format!("/quan-ly/thi-ho/{sitting}");
    let mut page = get_as(&t.app, &url, &t.member.0).await.text();
    for _ in 0..40 {
        let attempt = t.app.db.store.exam_attempt(sitting).await.unwrap().unwrap();
        let session: binhdan_app::exam::Session = serde_json::from_str(&attempt.state).unwrap();
        let (at, given) = session.current().unwrap();
        assert_eq!(value_of(&page, "item"), given.item);
        let items = t.app.db.store.exam_items(Group::Adult).await.unwrap();
        let item = &items.iter().find(|i| i.item.id == given.item).unwrap().item;
        let fields: Vec<String> = quiz::form_fields(&quiz::right_reply(item), &given.order)
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let now = binhdan_web::Clock::now(t.app.clock.as_ref());
        t.app
            .clock
            .set(binhdan_core::Timestamp(now.millis() + advance_ms));
        let r = form(
            &t.app,
            &url,
            Some(&t.member.0),
            &format!(
                "csrf={}&position={at}&item={}&{}",
                t.member.1,
                given.item,
                fields.join("&")
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        page = r.text();
        if !page.contains("name=\"position\"") {
            return page;
        }
    }
    panic!("the sitting did not end");
}

/// A supervised exam with simulated tasks among its items (`[exam] tasks`): each task's screen
/// is shown on the member's device as in a learner's own exam (labelled a simulation, each
/// choice one tap), its steps post to the supervised sitting, and the sitting passes with the
/// tasks counted.
#[tokio::test]
async fn a_supervised_exam_shows_its_simulated_tasks_and_takes_their_steps() {
    use std::fmt::Write as _;
    let t = team_with(|c| {
        c.exam.minutes = 30;
        c.exam.tasks = 2;
    })
    .await;
    let store = t.app.db.store.as_ref();
    let class = open_class(&t, "class-op-task-001").await;
    let c = present(&t, class, CARD_C, "mark-op-task-c").await;
    let sitting = sitting_of(
        &start(
            &t,
            &format!("op=exam-op-task-001&present={class}:{c}&attest=1"),
        )
        .await,
    );
    let url = format!("/quan-ly/thi-ho/{sitting}");
    let tasks = store.sim_tasks().await.unwrap();
    let items = store.exam_items(Group::Adult).await.unwrap();
    let mut page = get_as(&t.app, &url, &t.member.0).await.text();
    let mut tasks_seen = 0;
    for _ in 0..60 {
        let attempt = store.exam_attempt(sitting).await.unwrap().unwrap();
        if attempt.finished_at.is_some() {
            break;
        }
        // A plausible pace: not flagged as too fast.
        let now = binhdan_web::Clock::now(t.app.clock.as_ref());
        t.app
            .clock
            .set(binhdan_core::Timestamp(now.millis() + 8_000));
        let session: binhdan_app::exam::Session = serde_json::from_str(&attempt.state).unwrap();
        let Some((at, given, current)) = session.current_task() else {
            let (at, given) = session.current().unwrap();
            let item = &items.iter().find(|i| i.item.id == given.item).unwrap().item;
            let fields: Vec<String> = quiz::form_fields(&quiz::right_reply(item), &given.order)
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let body = format!(
                "csrf={}&position={at}&item={}&{}",
                t.member.1,
                given.item,
                fields.join("&")
            );
            let r = form(&t.app, &url, Some(&t.member.0), &body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            page = r.text();
            continue;
        };
        tasks_seen += 1;
        let task = tasks.iter().find(|x| x.id == given.item).unwrap();
        assert!(
            page.contains("Mô phỏng — không phải ứng dụng thật"),
            "{page}"
        );
        assert!(page.contains(task.title.vi.as_str()), "{page}");
        assert!(page.contains(&format!("action=\"{url}\"")), "{page}");
        assert!(page.len() < 30_000, "{} bytes", page.len());
        for (k, input) in binhdan_content::task::solution(task, current.attempt.seed)
            .unwrap()
            .iter()
            .enumerate()
        {
            let _choices = crate::tasks::choice_buttons(&page);
            assert!(
                page.contains(&format!("name=\"step\" value=\"{k}\"")),
                "{page}"
            );
            let mut body = format!(
                "csrf={}&position={at}&item={}&step={k}&a={}",
                t.member.1, given.item, input.position
            );
            for (i, typed) in input.typed.iter().enumerate() {
                write!(body, "&f{i}={}", encode(typed)).unwrap();
            }
            let r = form(&t.app, &url, Some(&t.member.0), &body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            page = r.text();
        }
    }
    assert_eq!(tasks_seen, 2);
    let ended = store.exam_attempt(sitting).await.unwrap().unwrap();
    assert_eq!(ended.passed, Some(true), "{page}");
    assert!(page.contains("Chúc mừng"), "{page}");
    let results = store.sitting_task_results(sitting).await.unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.score == r.credit), "{results:?}");
    assert_eq!(store.certificates_of(c).await.unwrap().len(), 1);
}

async fn start(t: &Team, body: &str) -> TestResponse {
    form(
        &t.app,
        "/quan-ly/thi-ho",
        Some(&t.member.0),
        &format!("csrf={}&{body}", t.member.1),
    )
    .await
}

fn sitting_of(r: &TestResponse) -> i64 {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location")
        .trim_start_matches("/quan-ly/thi-ho/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn supervised_exams_pass_and_a_too_fast_one_is_voided_with_the_counters_back() {
    let t = team().await;
    let store = t.app.db.store.as_ref();
    let class = open_class(&t, "class-op-exam-001").await;
    let b = present(&t, class, CARD_B, "mark-op-exam-b").await;
    let c = present(&t, class, CARD_C, "mark-op-exam-c").await;

    // Refusals, each changing nothing.
    let card = encode(CARD_C);
    let r = start(&t, &format!("op=exam-op-0000001&card={card}")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("lời xác nhận"), "{}", r.text());
    let r = start(
        &t,
        "op=exam-op-0000001&card=https%3A%2F%2Fexample.com&attest=1",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("không phải mã QR của thẻ căn cước"),
        "{}",
        r.text()
    );
    let r = form(
        &t.app,
        "/quan-ly/thi-ho",
        Some(&t.other.0),
        &format!("csrf={}&op=exam-op-0000002&card={card}&attest=1", t.other.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("không thuộc thôn"), "{}", r.text());
    assert!(
        store
            .exam_history(b, Group::Adult)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(
        store
            .exam_history(c, Group::Adult)
            .await
            .unwrap()
            .is_empty()
    );

    // Lê Văn Cường, by their card: a pass at a plausible pace, certificate issued.
    let body = format!("op=exam-op-0000003&card={card}&attest=1");
    let first = sitting_of(&start(&t, &body).await);
    assert_eq!(
        sitting_of(&start(&t, &body).await),
        first,
        "a resend finds it"
    );
    // One sitting at a time per member.
    let r = start(
        &t,
        &format!("op=exam-op-0000004&present={class}:{b}&attest=1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text().contains("mỗi lần chỉ giám sát một bài thi"),
        "{}",
        r.text()
    );
    // Not the other member's sitting.
    let r = get_as(&t.app, &format!("/quan-ly/thi-ho/{first}"), &t.other.0).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = sit(&t, first, 8_000).await;
    assert!(page.contains("Chúc mừng"), "{page}");
    assert_eq!(
        store.exam_attempt(first).await.unwrap().unwrap().person_id,
        c
    );
    assert_eq!(store.certificates_of(c).await.unwrap().len(), 1);
    let sitting = store.assisted_sitting(first).await.unwrap().unwrap();
    assert!(!sitting.open && sitting.flags.is_empty(), "{sitting:?}");
    assert_eq!(sitting.member_id, t.member_id);

    // Trần Thị Bình, picked among those present: a pass in no time, flagged.
    let second = sitting_of(
        &start(
            &t,
            &format!("op=exam-op-0000005&present={class}:{b}&attest=1"),
        )
        .await,
    );
    sit(&t, second, 0).await;
    let flagged = store.assisted_sitting(second).await.unwrap().unwrap();
    assert_eq!(flagged.flags, vec!["fast".to_owned()]);
    assert_eq!(store.certificates_of(b).await.unwrap().len(), 1);
    let assisted = store.certified_assisted(&[code("16591")]).await.unwrap();
    assert_eq!(assisted[0].1, 2);

    // The commune admin sees it (not the first), and the member may not review.
    let list = "/quan-ly/xa/16591/thi-ho";
    let r = get_as(&t.app, list, &t.member.0).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = get_as(&t.app, list, &t.admin.0).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("Trần Thị Bình") && !r.text().contains("Lê Văn Cường"));
    let void = format!("{list}/{second}");
    let r = form(
        &t.app,
        &void,
        Some(&t.admin.0),
        &format!("csrf={}&decision=huy", t.admin.1),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed"
    );
    let r = form(
        &t.app,
        &void,
        Some(&t.admin.0),
        &format!(
            "csrf={}&decision=huy&reason={}",
            t.admin.1,
            encode("Làm bài quá nhanh")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    // Once only.
    let r = form(
        &t.app,
        &void,
        Some(&t.admin.0),
        &format!("csrf={}&decision=xac-nhan&reason=ok", t.admin.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Đã hủy kết quả") || r.text().contains("Xã đã hủy"));
    // The reason is kept, shown to the member and in the audit log.
    assert_eq!(
        store
            .assisted_sitting(second)
            .await
            .unwrap()
            .unwrap()
            .review_reason
            .as_deref(),
        Some("Làm bài quá nhanh")
    );
    let r = get_as(&t.app, &format!("/quan-ly/thi-ho/{second}"), &t.member.0).await;
    assert!(
        r.text()
            .contains("Xã đã hủy kết quả này. Lý do: Làm bài quá nhanh"),
        "{}",
        r.text()
    );
    let audit = store.audit_of_person(b, 50).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "team.exam.review" && a.subject.contains("Làm bài quá nhanh")),
        "{audit:?}"
    );
    // The pass is undone: no pass, `proficient` back, and she may sit again at once.
    assert!(store.exam_pass(b, Group::Adult).await.unwrap().is_none());
    let proficient: i64 = store
        .unit_counters(&code("16591"))
        .await
        .unwrap()
        .iter()
        .filter(|(g, m, _)| *g == Group::Adult && m == "proficient")
        .map(|(_, _, n)| n)
        .sum();
    assert_eq!(proficient, 1, "only Lê Văn Cường's pass counts");
    let certificates = store.certificates_of(b).await.unwrap();
    assert!(
        certificates[0].revoked_at.is_some(),
        "the certificate is revoked"
    );
    assert_eq!(
        store
            .assisted_sitting(second)
            .await
            .unwrap()
            .unwrap()
            .review
            .as_deref(),
        Some("voided")
    );
    let assisted = store
        .certified_assisted(&[code("16591"), code(VILLAGE)])
        .await
        .unwrap();
    assert_eq!((assisted[0].1, assisted[1].1), (1, 1));
    let certified: i64 = store
        .unit_counters(&code("16591"))
        .await
        .unwrap()
        .iter()
        .filter(|(g, m, _)| *g == Group::Adult && m == "certified")
        .map(|(_, _, n)| n)
        .sum();
    assert_eq!(certified, 1, "the certified count is back");
    let rebuilt = store
        .rebuild_counters(AdultCutoff(i64::MAX), false, NOW)
        .await
        .unwrap();
    assert!(
        rebuilt_agrees(&rebuilt.differences),
        "{:?}",
        rebuilt.differences
    );
    let again = sitting_of(
        &start(
            &t,
            &format!("op=exam-op-0000006&present={class}:{b}&attest=1"),
        )
        .await,
    );
    assert_ne!(again, second);
    sit(&t, again, 8_000).await;
    assert!(store.exam_pass(b, Group::Adult).await.unwrap().is_some());
    let rebuilt = store
        .rebuild_counters(AdultCutoff(i64::MAX), false, NOW)
        .await
        .unwrap();
    assert!(
        rebuilt_agrees(&rebuilt.differences),
        "{:?}",
        rebuilt.differences
    );
    // The commune's teams page and dashboard show the assisted share beside the certified.
    let r = get_as(&t.app, "/quan-ly/cac-to-cong-nghe/16591", &t.admin.0).await;
    assert_eq!(
        store.team_figures(&code("16591")).await.unwrap().assisted,
        2
    );
    assert!(r.text().contains("Trong đó có hỗ trợ"), "{}", r.text());
    let r = get_as(&t.app, "/quan-ly/tien-do/16591", &t.admin.0).await;
    assert!(
        r.text().contains("Có hỗ trợ: 2 / 2 chứng chỉ"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn a_review_needs_a_reason_either_way() {
    let t = team().await;
    let store = t.app.db.store.as_ref();
    let class = open_class(&t, "class-op-reason-01").await;
    let b = present(&t, class, CARD_B, "mark-op-reason-b").await;
    let sitting = sitting_of(
        &start(
            &t,
            &format!("op=exam-op-reason-01&present={class}:{b}&attest=1"),
        )
        .await,
    );
    sit(&t, sitting, 0).await;
    let url = format!("/quan-ly/xa/16591/thi-ho/{sitting}");
    for body in [
        format!("csrf={}&decision=xac-nhan", t.admin.1),
        format!("csrf={}&decision=xac-nhan&reason=%20%20", t.admin.1),
    ] {
        let r = form(&t.app, &url, Some(&t.admin.0), &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("Chưa ghi lý do"), "{}", r.text());
    }
    let long = "x".repeat(501);
    let r = form(
        &t.app,
        &url,
        Some(&t.admin.0),
        &format!("csrf={}&decision=xac-nhan&reason={long}", t.admin.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("tối đa 500 ký tự"), "{}", r.text());
    let en = t
        .app
        .send(
            axum::http::Request::post(&url)
                .header("cookie", &t.admin.0)
                .header("accept-language", "en")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!(
                    "csrf={}&decision=xac-nhan",
                    t.admin.1
                )))
                .unwrap(),
        )
        .await;
    assert!(en.text().contains("No reason given"), "{}", en.text());
    assert!(
        store
            .assisted_sitting(sitting)
            .await
            .unwrap()
            .unwrap()
            .review
            .is_none(),
        "nothing decided"
    );
    let r = form(
        &t.app,
        &url,
        Some(&t.admin.0),
        &format!(
            "csrf={}&decision=xac-nhan&reason={}",
            t.admin.1,
            encode("Đã gọi điện hỏi lại, đúng người")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = get_as(&t.app, "/quan-ly/xa/16591/thi-ho", &t.admin.0).await;
    assert!(
        r.text().contains("Đã gọi điện hỏi lại, đúng người"),
        "{}",
        r.text()
    );
    // A confirmed pass stays.
    assert!(store.exam_pass(b, Group::Adult).await.unwrap().is_some());
}

#[tokio::test]
async fn simultaneous_starts_open_one_sitting() {
    let t = team().await;
    let store = t.app.db.store.as_ref();
    let class = open_class(&t, "class-op-race-0001").await;
    let b = present(&t, class, CARD_B, "mark-op-race-b").await;
    let c = present(&t, class, CARD_C, "mark-op-race-c").await;
    // The same member, two people at once: one sitting, the other told why.
    let (one, two) = (
        format!("op=exam-op-race-001&present={class}:{b}&attest=1"),
        format!("op=exam-op-race-002&present={class}:{c}&attest=1"),
    );
    let (first, second) = tokio::join!(start(&t, &one), start(&t, &two));
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let refused = if first.status == StatusCode::CONFLICT {
        &first
    } else {
        &second
    };
    assert!(
        refused.text().contains("mỗi lần chỉ giám sát một bài thi"),
        "{}",
        refused.text()
    );
    let open = store.exam_history(b, Group::Adult).await.unwrap().len()
        + store.exam_history(c, Group::Adult).await.unwrap().len();
    assert_eq!(open, 1, "no unsupervised sitting left open");
}

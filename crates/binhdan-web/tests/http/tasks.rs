//! Practice with simulated tasks: the list, the introduction, a task played step by step
//! through plain forms to the end, a critical error, and every refusal changing nothing; a
//! visitor without an account practising with the practice cookie, in both languages, their
//! steps refused without it or with another's, and nothing of theirs stored or counted.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use binhdan_auth::session::SessionToken;
use binhdan_content::Task;
use binhdan_content::task::{
    ActionKind, Attempt, Input, Outcome, TextLang, solution, way_to_critical,
};
use binhdan_store::SessionOwner;

use crate::helpers::{TestApp, TestResponse};
use crate::learn::with_curriculum;
use crate::people::{code, fixture, form, get_as, session};

const TASK: &str = "chuyen-tien-kiem-tra-ten";

/// The value of the first hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("{name} in {html}"))
        + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The choices of the simulated screen on `html` (practice or exam), checked to be one tap
/// each: every option its own submit button sending its shown position as `a`, inside a
/// labelled group, with no radio button and no separate button to confirm. Their positions.
pub(crate) fn choice_buttons(html: &str) -> Vec<usize> {
    const BUTTON: &str = " type=\"submit\" name=\"a\" value=\"";
    let Some(start) = html.find("<section class=\"sim\"") else {
        return Vec::new();
    };
    let sim = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(!sim.contains("type=\"radio\""), "{sim}");
    let Some(at) = sim.find("<form class=\"sim-choices\"") else {
        return Vec::new();
    };
    let form = &sim[at..at + sim[at..].find("</form>").unwrap()];
    assert!(form.contains("<fieldset><legend>"), "{form}");
    form.split("<button")
        .skip(1)
        .map(|b| {
            let v = b
                .strip_prefix(BUTTON)
                .unwrap_or_else(|| panic!("a choice that is not one tap: {form}"));
            v[..v.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

/// The positions of the choices the attempt's current screen offers, as shown.
fn choices_of(attempt: &Attempt, task: &Task) -> Vec<usize> {
    attempt
        .view(task, TextLang::Vi)
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Choose)
        .map(|a| a.position)
        .collect()
}

fn vault(app: &TestApp) -> binhdan_vault::Vault {
    binhdan_vault::Vault::new(&app.vault).unwrap()
}

/// The attempt a page carries, opened as the server would (the test holds the vault's keys).
fn attempt_of(app: &TestApp, person: i64, task: &Task, html: &str) -> Attempt {
    attempt_for(app, &person.to_string(), task, html)
}

/// The attempt a page carries for `owner`: a person's id, or `visitor/` and the hash of a
/// visitor's practice cookie.
fn attempt_for(app: &TestApp, owner: &str, task: &Task, html: &str) -> Attempt {
    let sealed = URL_SAFE_NO_PAD.decode(hidden(html, "attempt")).unwrap();
    let context = format!("sim-task/{owner}/{}/{}", task.id, task.version);
    let plain = vault(app).open_secret(&sealed, &context).unwrap();
    let v: serde_json::Value = serde_json::from_slice(plain.expose()).unwrap();
    serde_json::from_value(v["attempt"].clone()).unwrap()
}

fn step_body(csrf: &str, html: &str, input: &Input) -> String {
    use std::fmt::Write as _;
    let mut body = format!(
        "csrf={csrf}&attempt={}&step={}&a={}",
        hidden(html, "attempt"),
        hidden(html, "step"),
        input.position
    );
    for (i, t) in input.typed.iter().enumerate() {
        let _ = write!(body, "&f{i}={}", urlencode(t));
    }
    body
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where the first screen shows its first wrong action, in `attempt`'s order.
fn wrong_at_start(task: &Task, attempt: &Attempt) -> usize {
    let wrong = task.screens[task.start]
        .actions
        .iter()
        .position(|a| matches!(a.outcome, Outcome::Wrong(_)))
        .unwrap();
    attempt
        .order(task, task.start)
        .iter()
        .position(|&i| i == wrong)
        .unwrap()
}

#[tokio::test]
async fn tasks_are_listed_labelled_and_linked_from_their_lessons() {
    let app = with_curriculum().await;
    let list = app.get("/thuc-hanh").await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(html.contains("Mô phỏng — không phải ứng dụng thật"));
    assert!(html.matches("href=\"/thuc-hanh/").count() >= 30);
    let intro = app.get(&format!("/thuc-hanh/{TASK}")).await;
    assert_eq!(intro.status, StatusCode::OK);
    let html = intro.text();
    assert!(html.contains("Mô phỏng — không phải ứng dụng thật"));
    assert!(html.contains(&format!("/dang-nhap?tiep=/thuc-hanh/{TASK}")));
    assert!(html.contains("Đừng gõ mật khẩu"));
    let en = app.get_en(&format!("/thuc-hanh/{TASK}")).await.text();
    assert!(en.contains("Simulation — not the real app"), "{en}");
    assert_eq!(
        app.get("/thuc-hanh/khong-co").await.status,
        StatusCode::NOT_FOUND
    );
    let lesson = app
        .get("/bai/cong-dan.thanh-toan.kiem-tra-ten-va-han-muc")
        .await
        .text();
    assert!(
        lesson.contains(&format!("href=\"/thuc-hanh/{TASK}\"")),
        "{lesson}"
    );
    // Starting needs a session or the practice cookie the introduction gives.
    let r = form(&app, &format!("/thuc-hanh/{TASK}"), None, "csrf=x").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The front door leads to practice, for visitors too.
    assert!(app.get("/").await.text().contains("href=\"/thuc-hanh\""));
}

/// An English task page names the lessons that prepare for it by their English titles (the
/// lessons are written in Vietnamese; the pack gives their titles in English too).
#[tokio::test]
async fn english_task_pages_name_their_lessons_in_english() {
    let app = with_curriculum().await;
    let link = "href=\"/bai/cong-dan.thanh-toan.kiem-tra-ten-va-han-muc\"";
    let vi = app.get(&format!("/thuc-hanh/{TASK}")).await.text();
    assert!(
        vi.contains(&format!(
            "{link}>Chuyển tiền an toàn: tên người nhận, hạn mức, xác thực khuôn mặt</a>"
        )),
        "{vi}"
    );
    let en = app.get_en(&format!("/thuc-hanh/{TASK}")).await.text();
    assert!(
        en.contains(&format!(
            "{link}>Sending money safely: the payee&#39;s name, limits, face verification</a>"
        )),
        "{en}"
    );
    assert!(!en.contains("Chuyển tiền an toàn"), "{en}");
    // Every lesson link of every English task introduction is in English.
    for task in app.db.store.sim_tasks().await.unwrap() {
        let en = app.get_en(&format!("/thuc-hanh/{}", task.id)).await.text();
        let lessons = &en[en.find("task-lessons").unwrap()..];
        assert_eq!(
            lessons.matches("href=\"/bai/").count(),
            task.lessons.len(),
            "{}",
            task.id
        );
        assert!(!lessons.contains("lang=\"vi\""), "{}: {lessons}", task.id);
    }
}

#[tokio::test]
async fn a_learner_practises_a_task_to_the_end_with_feedback_and_a_retry() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let task = app.db.store.sim_task(TASK).await.unwrap().unwrap();
    let url = format!("/thuc-hanh/{TASK}");

    let intro = get_as(&app, &url, &cookie).await.text();
    assert!(intro.contains(&format!("action=\"{url}\"")));
    assert_eq!(
        form(&app, &url, Some(&cookie), "csrf=forged").await.status,
        StatusCode::FORBIDDEN
    );
    let first = form(&app, &url, Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(first.status, StatusCode::OK);
    let mut html = first.text();
    assert!(html.contains("Mô phỏng — không phải ứng dụng thật"));
    assert!(!html.contains("<script>") && !html.contains("style=\""));
    let attempt = attempt_of(&app, me, &task, &html);
    assert_eq!(attempt.step, 0);

    // A wrong step first: the feedback and the hint, same screen, nothing else changes.
    let position = wrong_at_start(&task, &attempt);
    let r = form(
        &app,
        &url,
        Some(&cookie),
        &step_body(
            &csrf,
            &html,
            &Input {
                position,
                typed: vec![],
            },
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let after_wrong = r.text();
    assert!(after_wrong.contains("Chưa đúng.") && after_wrong.contains("Gợi ý:"));
    // Sending that same page again gives the same answer (nothing is kept between requests).
    let again = form(
        &app,
        &url,
        Some(&cookie),
        &step_body(
            &csrf,
            &html,
            &Input {
                position,
                typed: vec![],
            },
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        attempt_of(&app, me, &task, &again.text()),
        attempt_of(&app, me, &task, &after_wrong)
    );
    html = after_wrong;

    // A step number that is not the attempt's: refused, the current screen again.
    let current = attempt_of(&app, me, &task, &html);
    let stale = step_body(&csrf, &html, &Input::default()).replace("&step=1&", "&step=0&");
    let r = form(&app, &url, Some(&cookie), &stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(attempt_of(&app, me, &task, &r.text()), current);
    // No action chosen: refused, unchanged.
    let none = step_body(&csrf, &html, &Input::default()).replace("&a=0", "");
    let r = form(&app, &url, Some(&cookie), &none).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(attempt_of(&app, me, &task, &r.text()), current);
    // A tampered attempt, or one sealed for someone else: refused.
    let mut sealed_text = hidden(&html, "attempt").into_bytes();
    sealed_text[40] = if sealed_text[40] == b'A' { b'B' } else { b'A' };
    let sealed_text = String::from_utf8(sealed_text).unwrap();
    let tampered =
        step_body(&csrf, &html, &Input::default()).replace(&hidden(&html, "attempt"), &sealed_text);
    let r = form(&app, &url, Some(&cookie), &tampered).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let theirs = serde_json::json!({ "attempt": Attempt::start(&task, 7), "started": crate::helpers::NOW.millis() });
    let sealed = vault(&app)
        .seal_secret(
            &serde_json::to_vec(&theirs).unwrap(),
            &format!("sim-task/{}/{}/{}", me + 1, task.id, task.version),
            &mut rand::rng(),
        )
        .unwrap();
    let body = format!(
        "csrf={csrf}&attempt={}&step=0&a=0",
        URL_SAFE_NO_PAD.encode(sealed.as_bytes())
    );
    assert_eq!(
        form(&app, &url, Some(&cookie), &body).await.status,
        StatusCode::FORBIDDEN
    );

    // The way to the goal, typing into the forms; a password field warns and is never echoed.
    let seed = current.seed;
    let mut inputs = solution(&task, seed).unwrap();
    // From the start screen (the wrong step stayed there).
    let mut saw_password = false;
    let mut before_last = (String::new(), Input::default());
    for (k, input) in inputs.drain(..).enumerate() {
        let typed_wrong = Input {
            position: input.position,
            typed: input
                .typed
                .iter()
                .map(|_| "<script>alert(1)</script>".to_owned())
                .collect(),
        };
        if !input.typed.is_empty() {
            // A mismatch first: explained, and what was typed is not on the page.
            let r = form(
                &app,
                &url,
                Some(&cookie),
                &step_body(&csrf, &html, &typed_wrong),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "step {k}");
            let t = r.text();
            assert!(!t.contains("alert(1)"), "typed text echoed");
            assert!(t.contains("Chưa đúng."));
            html = t;
        }
        saw_password |= html.contains("type=\"password\"");
        before_last = (html.clone(), input.clone());
        let r = form(&app, &url, Some(&cookie), &step_body(&csrf, &html, &input)).await;
        assert_eq!(r.status, StatusCode::OK, "step {k}: {}", r.text());
        assert!(r.body.len() <= 30 * 1024, "{} bytes", r.body.len());
        html = r.text();
    }
    assert!(saw_password, "the OTP field is a password field");
    assert!(html.contains("Hoàn thành!"), "{html}");
    // The wrong step and each mismatched form cost credit: 1 of 2.
    assert!(html.contains("Điểm: 1/2."), "{html}");
    // The finished page carries no attempt to go on with; resending the last step's page
    // gives the same result again.
    assert!(!html.contains("name=\"attempt\""));
    let r = form(
        &app,
        &url,
        Some(&cookie),
        &step_body(&csrf, &before_last.0, &before_last.1),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("Điểm: 1/2."));
    // Retry: a fresh attempt with its own draw.
    let retry = form(&app, &url, Some(&cookie), &format!("csrf={csrf}&restart=1")).await;
    assert_eq!(retry.status, StatusCode::OK);
    let fresh = attempt_of(&app, me, &task, &retry.text());
    assert_eq!(fresh.step, 0);
    assert_ne!(fresh.seed, seed);
}

#[tokio::test]
async fn a_critical_error_ends_the_attempt_and_an_old_attempt_expires() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let id = "sms-ngan-hang-gia";
    let task = app.db.store.sim_task(id).await.unwrap().unwrap();
    let url = format!("/thuc-hanh/{id}");
    let mut html = form(&app, &url, Some(&cookie), &format!("csrf={csrf}"))
        .await
        .text();
    let seed = attempt_of(&app, me, &task, &html).seed;
    let (s, a) = task
        .screens
        .iter()
        .enumerate()
        .find_map(|(s, screen)| {
            let a = screen
                .actions
                .iter()
                .position(|a| matches!(a.outcome, Outcome::Critical(_)))?;
            Some((s, a))
        })
        .unwrap();
    for input in way_to_critical(&task, seed, s, a).unwrap() {
        let r = form(&app, &url, Some(&cookie), &step_body(&csrf, &html, &input)).await;
        assert_eq!(r.status, StatusCode::OK);
        html = r.text();
    }
    assert!(
        html.contains("Chưa đạt.") && html.contains("Điểm: 0/2."),
        "{html}"
    );
    assert!(html.contains("restart"));

    // An attempt older than its time is refused.
    let old = serde_json::json!({
        "attempt": Attempt::start(&task, 3),
        "started": crate::helpers::NOW.millis() - 4 * 3_600_000,
    });
    let sealed = vault(&app)
        .seal_secret(
            &serde_json::to_vec(&old).unwrap(),
            &format!("sim-task/{me}/{}/{}", task.id, task.version),
            &mut rand::rng(),
        )
        .unwrap();
    let body = format!(
        "csrf={csrf}&attempt={}&step=0&a=0",
        URL_SAFE_NO_PAD.encode(sealed.as_bytes())
    );
    let r = form(&app, &url, Some(&cookie), &body).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("quá hạn"));
}

/// Every task of the pack, played to its goal through the pages: each page within the 30 KB
/// budget, labelled as a simulation, with no script or inline style, every parameter filled
/// in, and every choice one tap (its own button).
#[tokio::test]
async fn every_task_plays_through_its_pages_within_the_budget() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let tasks = app.db.store.sim_tasks().await.unwrap();
    assert!(tasks.len() >= 30);
    let mut choice_steps = 0;
    for task in &tasks {
        let url = format!("/thuc-hanh/{}", task.id);
        let check = |status: StatusCode, html: &str, len: usize| {
            assert_eq!(status, StatusCode::OK, "{}: {html}", task.id);
            assert!(len <= 30 * 1024, "{}: {len} bytes", task.id);
            assert!(
                html.contains("Mô phỏng — không phải ứng dụng thật"),
                "{}",
                task.id
            );
            assert!(
                !html.contains("<script>") && !html.contains("style="),
                "{}",
                task.id
            );
            let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
            assert!(
                !main.contains('{'),
                "{}: a parameter left unfilled",
                task.id
            );
        };
        let r = form(&app, &url, Some(&cookie), &format!("csrf={csrf}")).await;
        let mut html = r.text();
        check(r.status, &html, r.body.len());
        let seed = attempt_of(&app, me, task, &html).seed;
        for input in solution(task, seed).unwrap() {
            // Each choice on the screen is a button of its own: one tap takes the step.
            let choices = choices_of(&attempt_of(&app, me, task, &html), task);
            assert_eq!(choice_buttons(&html), choices, "{}", task.id);
            choice_steps += usize::from(choices.contains(&input.position));
            let r = form(&app, &url, Some(&cookie), &step_body(&csrf, &html, &input)).await;
            html = r.text();
            if html.contains("Hoàn thành!") {
                assert_eq!(r.status, StatusCode::OK);
                break;
            }
            check(r.status, &html, r.body.len());
        }
        assert!(html.contains("Hoàn thành!"), "{}", task.id);
        assert!(
            html.contains(&format!("Điểm: {0}/{0}.", task.credit)),
            "{}",
            task.id
        );
    }
    assert!(choice_steps >= 20, "{choice_steps} steps were choices");
}

/// The practice cookie a response sets (checked `HttpOnly`, `SameSite=Lax`, for the whole
/// site): the `Cookie` header that sends it back, and its token.
fn practice_cookie(r: &TestResponse) -> (String, SessionToken) {
    let set: Vec<&str> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with("binhdan_thuc_hanh="))
        .collect();
    assert_eq!(set.len(), 1, "one practice cookie: {:?}", r.headers);
    let set = set[0];
    assert!(
        set.contains("; Path=/;") && set.contains("; HttpOnly") && set.ends_with("; SameSite=Lax"),
        "{set}"
    );
    let value = set
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("binhdan_thuc_hanh=")
        .unwrap();
    (
        format!("binhdan_thuc_hanh={value}"),
        SessionToken::from_cookie(value).expect("a token"),
    )
}

fn sets_no_cookie(r: &TestResponse) -> bool {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .next()
        .is_none()
}

/// What a visitor's attempt is sealed for.
fn visitor(token: &SessionToken) -> String {
    format!("visitor/{}", token.storage_key())
}

/// A form post in English.
async fn form_en(app: &TestApp, uri: &str, cookie: &str, body: &str) -> TestResponse {
    app.send(
        Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT_LANGUAGE, "en")
            .header(header::COOKIE, cookie)
            .body(Body::from(body.to_owned()))
            .unwrap(),
    )
    .await
}

/// Everything practice could have moved in the store: the task figures and learning counters
/// of the whole province, the answers and task results, the audit log's head.
async fn figures(app: &TestApp) -> String {
    let store = app.db.store.as_ref();
    format!(
        "{:?}",
        (
            store.task_figures(&code("38"), None).await.unwrap(),
            store.learning_under(&code("38")).await.unwrap(),
            store.answers_recorded().await.unwrap(),
            store.scored_tasks().await.unwrap(),
            store.audit_head().await.unwrap(),
        )
    )
}

/// Someone who is not registered tries a task at once: the introduction gives them the
/// practice cookie and a start button; the steps, the feedback, the hint, the result and a
/// retry are a learner's; the result offers to register or sign in to have learning kept; and
/// nothing is stored, counted or made a session.
#[tokio::test]
async fn a_visitor_practises_a_task_to_the_end_without_an_account() {
    let app = with_curriculum().await;
    let task = app.db.store.sim_task(TASK).await.unwrap().unwrap();
    let url = format!("/thuc-hanh/{TASK}");
    let before = figures(&app).await;

    let intro = app.get(&url).await;
    assert_eq!(intro.status, StatusCode::OK);
    assert!(intro.header("cache-control").contains("no-store"));
    let (cookie, token) = practice_cookie(&intro);
    let html = intro.text();
    assert!(html.contains("Không cần tài khoản: bấm “Bắt đầu” để làm thử ngay."));
    assert!(html.contains(&format!("action=\"{url}\"")));
    let csrf = hidden(&html, "csrf");
    assert!(token.verify_csrf(&csrf), "the form's token is the cookie's");
    assert!(html.contains(&format!("href=\"/dang-nhap?tiep=/thuc-hanh/{TASK}\"")));
    // Coming back keeps the cookie (renewed); another visitor gets their own.
    assert_eq!(
        practice_cookie(&get_as(&app, &url, &cookie).await).0,
        cookie
    );
    assert_ne!(practice_cookie(&app.get(&url).await).0, cookie);

    let first = form(&app, &url, Some(&cookie), &format!("csrf={csrf}")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.header("cache-control").contains("no-store"));
    assert_eq!(practice_cookie(&first).0, cookie, "renewed");
    let mut html = first.text();
    assert!(html.contains("Mô phỏng — không phải ứng dụng thật"));
    let attempt = attempt_for(&app, &visitor(&token), &task, &html);
    assert_eq!(attempt.step, 0);

    // A wrong step: the feedback and the hint, on the same screen.
    let position = wrong_at_start(&task, &attempt);
    let wrong = Input {
        position,
        typed: vec![],
    };
    let r = form(&app, &url, Some(&cookie), &step_body(&csrf, &html, &wrong)).await;
    assert_eq!(r.status, StatusCode::OK);
    html = r.text();
    assert!(
        html.contains("Chưa đúng.") && html.contains("Gợi ý:"),
        "{html}"
    );
    assert!(
        !html.contains("task-keep"),
        "the offer waits for the result"
    );

    // The way to the goal.
    for (k, input) in solution(&task, attempt.seed).unwrap().iter().enumerate() {
        let r = form(&app, &url, Some(&cookie), &step_body(&csrf, &html, input)).await;
        assert_eq!(r.status, StatusCode::OK, "step {k}: {}", r.text());
        assert!(r.body.len() <= 30 * 1024, "{} bytes", r.body.len());
        html = r.text();
    }
    assert!(
        html.contains("Hoàn thành!") && html.contains("Điểm: 1/2."),
        "{html}"
    );
    let keep = &html[html.find("class=\"task-keep\"").expect("the offer")..];
    assert!(keep.contains("Bài làm thử không được lưu lại."), "{keep}");
    assert!(
        keep.contains(&format!(
            "<a class=\"button secondary\" href=\"/dang-nhap?tiep=/thuc-hanh/{TASK}\">Đăng ký hoặc đăng nhập</a>"
        )),
        "{keep}"
    );
    assert!(html.contains("href=\"/bai/"), "the way back to the lesson");

    // Again: a fresh attempt.
    let retry = form(&app, &url, Some(&cookie), &format!("csrf={csrf}&restart=1")).await;
    assert_eq!(retry.status, StatusCode::OK);
    let fresh = attempt_for(&app, &visitor(&token), &task, &retry.text());
    assert_eq!(fresh.step, 0);
    assert_ne!(fresh.seed, attempt.seed);

    // Nothing stored, nothing counted, no session.
    assert_eq!(figures(&app).await, before);
    assert!(
        app.db
            .store
            .session(&token.storage_key())
            .await
            .unwrap()
            .is_none()
    );
}

/// A visitor's step without the practice cookie, with another visitor's cookie, or with an
/// attempt sealed for another (a visitor or a citizen) is refused and changes nothing: the
/// attempt goes on where it was.
#[tokio::test]
async fn a_visitors_steps_need_their_own_cookie_and_attempt() {
    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let task = app.db.store.sim_task(TASK).await.unwrap().unwrap();
    let url = format!("/thuc-hanh/{TASK}");
    let (cookie_a, token_a) = practice_cookie(&app.get(&url).await);
    let (cookie_b, token_b) = practice_cookie(&app.get(&url).await);
    let (csrf_a, csrf_b) = (
        token_a.csrf_token().expose().clone(),
        token_b.csrf_token().expose().clone(),
    );
    let page_a = form(&app, &url, Some(&cookie_a), &format!("csrf={csrf_a}"))
        .await
        .text();
    let page_b = form(&app, &url, Some(&cookie_b), &format!("csrf={csrf_b}"))
        .await
        .text();
    let current = attempt_for(&app, &visitor(&token_a), &task, &page_a);
    let before = figures(&app).await;
    let first_a = solution(&task, current.seed).unwrap().remove(0);
    let step_a = step_body(&csrf_a, &page_a, &first_a);

    // Without a cookie: the introduction again, saying the page is out of date, with a way to
    // open the task afresh; no cookie is given in answer to a form.
    for body in [step_a.clone(), format!("csrf={csrf_a}")] {
        let r = form(&app, &url, None, &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(sets_no_cookie(&r));
        let html = r.text();
        assert!(html.contains("Trang này đã cũ."), "{html}");
        assert!(
            html.contains(&format!(
                "<a class=\"button big\" href=\"{url}\">Mở lại bài thực hành</a>"
            )),
            "{html}"
        );
        assert!(!html.contains("name=\"attempt\"") && !html.contains("name=\"csrf\""));
    }
    // Another visitor's cookie with this visitor's page: refused.
    let r = form(&app, &url, Some(&cookie_b), &step_a).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(sets_no_cookie(&r));
    // A forged token with the cookie: refused.
    let other = if csrf_a.starts_with('A') { "B" } else { "A" };
    let forged = step_a.replacen(
        &format!("csrf={csrf_a}"),
        &format!("csrf={other}{}", &csrf_a[1..]),
        1,
    );
    assert_ne!(forged, step_a);
    assert_eq!(
        form(&app, &url, Some(&cookie_a), &forged).await.status,
        StatusCode::FORBIDDEN
    );
    // Another visitor's own cookie and token with this visitor's attempt: not theirs.
    let theirs = step_body(&csrf_b, &page_a, &first_a);
    let r = form(&app, &url, Some(&cookie_b), &theirs).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text().contains("không phải của bạn"));
    // Nor a signed-in citizen's, either way.
    let (session_cookie, session_token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf_me = session_token.csrf_token().expose().clone();
    let mine = step_body(&csrf_me, &page_a, &first_a);
    assert_eq!(
        form(&app, &url, Some(&session_cookie), &mine).await.status,
        StatusCode::FORBIDDEN
    );
    let citizen_page = form(
        &app,
        &url,
        Some(&session_cookie),
        &format!("csrf={csrf_me}"),
    )
    .await
    .text();
    let as_visitor = step_body(&csrf_a, &citizen_page, &Input::default());
    assert_eq!(
        form(&app, &url, Some(&cookie_a), &as_visitor).await.status,
        StatusCode::FORBIDDEN
    );

    // Nothing changed: each visitor's attempt goes on from where it was.
    assert_eq!(figures(&app).await, before);
    let r = form(&app, &url, Some(&cookie_a), &step_a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        attempt_for(&app, &visitor(&token_a), &task, &r.text()).step,
        current.step + 1
    );
    let seed_b = attempt_for(&app, &visitor(&token_b), &task, &page_b).seed;
    let first_b = solution(&task, seed_b).unwrap().remove(0);
    let step_b = step_body(&csrf_b, &page_b, &first_b);
    assert_eq!(
        form(&app, &url, Some(&cookie_b), &step_b).await.status,
        StatusCode::OK
    );
}

/// In English (the reader's language), a visitor's introduction, steps, result and the offer
/// to sign in are in English, and so is a refusal.
#[tokio::test]
async fn a_visitor_practises_in_english() {
    let app = with_curriculum().await;
    let id = "sms-ngan-hang-gia";
    let task = app.db.store.sim_task(id).await.unwrap().unwrap();
    let url = format!("/thuc-hanh/{id}");
    let intro = app.get_en(&url).await;
    assert_eq!(intro.status, StatusCode::OK);
    let (cookie, token) = practice_cookie(&intro);
    let html = intro.text();
    assert!(
        html.contains("You need no account: press “Start” to try it now."),
        "{html}"
    );
    assert!(html.contains(">Register or sign in</a>"), "{html}");
    assert!(html.contains("Simulation — not the real app"));
    let csrf = hidden(&html, "csrf");
    let mut html = form_en(&app, &url, &cookie, &format!("csrf={csrf}"))
        .await
        .text();
    let seed = attempt_for(&app, &visitor(&token), &task, &html).seed;
    for input in solution(&task, seed).unwrap() {
        let r = form_en(&app, &url, &cookie, &step_body(&csrf, &html, &input)).await;
        assert_eq!(r.status, StatusCode::OK);
        html = r.text();
    }
    assert!(html.contains("Done!"), "{html}");
    assert!(html.contains("Practice is not saved."), "{html}");
    assert!(!html.contains("Đăng ký hoặc đăng nhập"));
    let refused = form_en(&app, &url, "", &format!("csrf={csrf}")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = refused.text();
    assert!(
        refused.contains("This page is out of date.")
            && refused.contains(">Open the practice again</a>"),
        "{refused}"
    );
}

/// A staff member (a village team member showing someone the site on their phone) practises
/// as a visitor does, by the practice cookie, and is not asked to sign in.
#[tokio::test]
async fn staff_practise_as_visitors_without_the_offer_to_sign_in() {
    let app = with_curriculum().await;
    let url = format!("/thuc-hanh/{TASK}");
    let staff =
        crate::people::staff(&app, "xa.cacson", crate::people::commune_admin("38/16591/")).await;
    let (staff_cookie, staff_token) = session(&app, SessionOwner::Staff(staff)).await;
    let intro = get_as(&app, &url, &staff_cookie).await;
    assert_eq!(intro.status, StatusCode::OK);
    let (practice, token) = practice_cookie(&intro);
    let html = intro.text();
    assert!(!html.contains("task-keep") && !html.contains("Không cần tài khoản"));
    // The start form's token (the header's sign-out form carries the session's).
    let csrf = hidden(&html[html.find("<main").unwrap()..], "csrf");
    assert!(token.verify_csrf(&csrf) && !staff_token.verify_csrf(&csrf));
    let both = format!("{staff_cookie}; {practice}");
    let r = form(&app, &url, Some(&both), &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("name=\"attempt\""));
}

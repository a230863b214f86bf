//! Practice with simulated tasks: the list, the introduction, a task played step by step
//! through plain forms to the end, a critical error, and every refusal changing nothing.

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use binhdan_content::Task;
use binhdan_content::task::{
    ActionKind, Attempt, Input, Outcome, TextLang, solution, way_to_critical,
};
use binhdan_store::SessionOwner;

use crate::helpers::TestApp;
use crate::learn::with_curriculum;
use crate::people::{fixture, form, get_as, session};

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
    let sealed = URL_SAFE_NO_PAD.decode(hidden(html, "attempt")).unwrap();
    let context = format!("sim-task/{person}/{}/{}", task.id, task.version);
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
    // Starting needs a learner.
    let r = form(&app, &format!("/thuc-hanh/{TASK}"), None, "csrf=x").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
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
    let wrong = task.screens[task.start]
        .actions
        .iter()
        .position(|a| matches!(a.outcome, Outcome::Wrong(_)))
        .unwrap();
    let position = attempt
        .order(&task, task.start)
        .iter()
        .position(|&i| i == wrong)
        .unwrap();
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

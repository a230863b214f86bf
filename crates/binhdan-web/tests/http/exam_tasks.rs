//! Simulated tasks in the certification exam through the pages: each screen a plain form
//! naming the sitting, the position and the step, labelled a simulation with no feedback;
//! a replayed step refused; the exam passed end to end, the tasks listed on the result, the
//! exam page, the staff's person page, the certificate (Open Badges 3.0 results) and its PDF.

use std::fmt::Write as _;

use axum::http::StatusCode;
use base64::Engine as _;
use binhdan_app::exam::Session;
use binhdan_content::task::solution;
use binhdan_store::SessionOwner;

use crate::helpers::{NOW, TestApp};
use crate::people::{encode, form, get_as, session};

async fn app() -> TestApp {
    let app = TestApp::with(|c| {
        c.exam.minutes = 30;
        c.exam.tasks = 2;
    })
    .await;
    let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_app::content::load(app.db.store.as_ref(), &content, NOW)
        .await
        .unwrap();
    app
}

fn session_of(state: &str) -> Session {
    serde_json::from_str(state).unwrap()
}

#[tokio::test]
async fn an_exam_with_tasks_is_passed_and_the_certificate_lists_them() {
    let app = app().await;
    let me = crate::certificates::learner(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let store = app.db.store.as_ref();
    let sitting = crate::exam::start(&app, &cookie, &csrf, "chung-chi").await;
    let url = format!("/hoc/thi/lan/{sitting}");
    let tasks = store.sim_tasks().await.unwrap();

    let mut page = get_as(&app, &url, &cookie).await.text();
    let mut tasks_seen = 0;
    let mut replay_tried = false;
    for _ in 0..60 {
        let attempt = store.exam_attempt(sitting).await.unwrap().unwrap();
        if attempt.finished_at.is_some() {
            break;
        }
        let s = session_of(&attempt.state);
        let Some((at, given, current)) = s.current_task() else {
            let body = crate::exam::reply(&app, sitting, &page, true, &csrf).await;
            let r = form(&app, &url, Some(&cookie), &body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            page = r.text();
            continue;
        };
        tasks_seen += 1;
        // The task's first screen: a simulation, said plainly; no hint, no feedback; light.
        assert!(
            page.contains("Mô phỏng — không phải ứng dụng thật"),
            "{page}"
        );
        assert!(page.contains("Không bao giờ gõ mật khẩu, mã OTP"), "{page}");
        assert!(page.contains(&format!("name=\"position\" value=\"{at}\"")));
        assert!(page.contains("name=\"step\" value=\"0\""), "{page}");
        assert!(
            !page.contains("class=\"feedback"),
            "no feedback during an exam"
        );
        assert!(page.len() < 30_000, "{} bytes", page.len());
        let task = tasks.iter().find(|t| t.id == given.item).unwrap();
        assert!(task.groups.iter().any(|g| g.as_str() == "adult"));
        let steps = solution(task, current.attempt.seed).unwrap();
        let body_of = |k: usize| {
            let input = &steps[k];
            let mut body = format!(
                "csrf={csrf}&position={at}&item={}&step={k}&a={}",
                given.item, input.position
            );
            for (i, t) in input.typed.iter().enumerate() {
                write!(body, "&f{i}={}", encode(t)).unwrap();
            }
            body
        };
        for k in 0..steps.len() {
            // The exam shows a choice as practice does: one tap, its own button.
            let _choices = crate::tasks::choice_buttons(&page);
            let r = form(&app, &url, Some(&cookie), &body_of(k)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            page = r.text();
            assert!(
                !page.contains("class=\"feedback"),
                "no feedback during an exam"
            );
            if !replay_tried && k + 1 < steps.len() {
                // The same step again: refused, said, nothing changed.
                replay_tried = true;
                let before = store.exam_attempt(sitting).await.unwrap().unwrap();
                let again = form(&app, &url, Some(&cookie), &body_of(k)).await;
                assert_eq!(again.status, StatusCode::CONFLICT);
                assert!(again.text().contains("Không có gì thay đổi"));
                let after = store.exam_attempt(sitting).await.unwrap().unwrap();
                assert_eq!(before, after);
            }
        }
    }
    assert_eq!(tasks_seen, 2);
    assert!(replay_tried);
    let ended = store.exam_attempt(sitting).await.unwrap().unwrap();
    assert_eq!(ended.passed, Some(true), "{page}");
    assert!(page.contains("Việc bạn đã tự làm được:"), "{page}");
    let results = store.sitting_task_results(sitting).await.unwrap();
    assert_eq!(results.len(), 2);
    let titles: Vec<String> = results
        .iter()
        .map(|r| {
            assert_eq!(r.score, r.credit);
            tasks
                .iter()
                .find(|t| t.id == r.task_id)
                .unwrap()
                .title
                .vi
                .clone()
        })
        .collect();
    for t in &titles {
        assert!(page.contains(t.as_str()), "{t} on the result");
    }
    let home = get_as(&app, "/hoc/thi", &cookie).await.text();
    assert!(home.contains(titles[0].as_str()), "{home}");

    // The certificate: one Result per task, with its score, aligned to its competence.
    let certs = store.certificates_of(me).await.unwrap();
    assert_eq!(certs.len(), 1);
    let payload = certs[0].jwt.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    let vc = claims.get("vc").unwrap_or(&claims);
    let subject = &vc["credentialSubject"];
    let descriptions = subject["achievement"]["resultDescription"]
        .as_array()
        .unwrap();
    let results_json = subject["result"].as_array().unwrap();
    assert_eq!(results_json.len(), 3, "{subject}");
    for (r, title) in results.iter().zip(&titles) {
        let d = descriptions
            .iter()
            .find(|d| d["name"] == title.as_str())
            .unwrap_or_else(|| panic!("{title} not in {descriptions:?}"));
        assert_eq!(d["resultType"], "RawScore");
        assert_eq!(d["valueMax"], r.credit.to_string());
        assert_eq!(d["alignment"][0]["targetType"], "ceasn:Competency");
        let result = results_json
            .iter()
            .find(|x| x["resultDescription"] == d["id"])
            .unwrap();
        assert_eq!(result["value"], r.score.to_string());
        assert_eq!(result["status"], "Completed");
    }
    let uuid = certs[0].id.trim_start_matches("urn:uuid:").to_owned();
    let public = app.get(&format!("/chung-chi/{uuid}")).await.text();
    assert!(public.contains("Hợp lệ"), "{public}");
    assert!(public.contains(titles[1].as_str()), "{public}");
    let pdf = get_as(&app, &format!("/hoc/chung-chi/{uuid}/pdf/a4"), &cookie).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with(b"%PDF-"));

    // The staff's person page lists them too.
    let admin_id =
        crate::people::staff(&app, "xa-16591", crate::people::commune_admin("38/16591/")).await;
    let (admin, _) = session(&app, SessionOwner::Staff(admin_id)).await;
    let person = get_as(&app, &format!("/quan-ly/nguoi/{me}"), &admin).await;
    assert_eq!(person.status, StatusCode::OK, "{}", person.text());
    assert!(
        person.text().contains(titles[0].as_str()),
        "{}",
        person.text()
    );
}

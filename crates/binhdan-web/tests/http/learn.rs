use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::{NOW, TestApp};

pub async fn with_curriculum() -> TestApp {
    with_curriculum_and(|_| {}).await
}

/// The curriculum loaded, on a server configured by `configure`.
pub async fn with_curriculum_and(configure: impl FnOnce(&mut binhdan_web::WebConfig)) -> TestApp {
    let app = TestApp::with(configure).await;
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
    // The Markdown is rendered, not shown as text: the first lesson's (bat-tat-va-sac.md)
    // heading, bold words and numbered steps come out as elements no page chrome contains.
    assert!(
        html.contains("<h2>Nút nguồn ở đâu?</h2>"),
        "the lesson's `##` heading is rendered"
    );
    assert!(
        html.contains("<ol>\n<li>Nhấn và <strong>giữ</strong> nút nguồn"),
        "the lesson's numbered steps and bold text are rendered"
    );
    assert!(
        !html.contains("**giữ**") && !html.contains("## Nút nguồn"),
        "no Markdown syntax is left over"
    );
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

/// The answer to a question in the positions it was shown at, as the form sends it.
fn right_fields(item: &binhdan_content::Item, order: &[usize]) -> String {
    let reply = binhdan_content::quiz::right_reply(item);
    binhdan_content::quiz::form_fields(&reply, order)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// An ordering question answered as a learner does it: one form per step tapped, in the
/// right order (the last one answers).
fn tap_bodies(item: &binhdan_content::Item, order: &[usize]) -> Vec<String> {
    let reply = binhdan_content::quiz::right_reply(item);
    let mut ranked: Vec<(usize, String)> = binhdan_content::quiz::form_fields(&reply, order)
        .into_iter()
        .map(|(k, v)| (v.parse().unwrap(), k.trim_start_matches("rank_").to_owned()))
        .collect();
    ranked.sort();
    let steps: Vec<String> = ranked.into_iter().map(|(_, k)| k).collect();
    (0..steps.len())
        .map(|j| {
            format!(
                "steps={}&picked={}&pick={}",
                steps.len(),
                steps[..j].join("%2C"),
                steps[j]
            )
        })
        .collect()
}

#[tokio::test]
async fn a_signed_in_learner_reads_answers_a_quiz_and_sees_progress() {
    use binhdan_store::SessionOwner;

    use crate::people::{fixture, form, get_as, session};

    let app = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let outline = app
        .db
        .store
        .course_outline("cong-dan")
        .await
        .unwrap()
        .unwrap();
    let module = &outline.modules[0];

    // Anonymous readers are invited to sign in; a learner gets the button.
    let anonymous = app.get(&format!("/bai/{}", module.lessons[0].id)).await;
    assert!(anonymous.text().contains("/dang-nhap?tiep="));
    let page = get_as(&app, &format!("/bai/{}", module.lessons[0].id), &cookie).await;
    assert!(
        page.text()
            .contains(&format!("/bai/{}/xong", module.lessons[0].id))
    );
    let forged = form(
        &app,
        &format!("/bai/{}/xong", module.lessons[0].id),
        Some(&cookie),
        "csrf=forged",
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    for (i, lesson) in module.lessons.iter().enumerate() {
        let r = form(
            &app,
            &format!("/bai/{}/xong", lesson.id),
            Some(&cookie),
            &format!("csrf={csrf}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let expected = module.lessons.get(i + 1).map_or_else(
            || format!("/hoc/kiem-tra/{}", module.id),
            |n| format!("/bai/{}", n.id),
        );
        assert_eq!(r.header("location"), expected, "after {}", lesson.id);
    }
    let again = get_as(&app, &format!("/bai/{}", module.lessons[0].id), &cookie).await;
    assert!(again.text().contains("Bạn đã học xong bài này"));
    let course = get_as(&app, "/hoc/cong-dan", &cookie).await.text();
    assert!(course.contains("/hoc/cua-toi") && course.contains("✓"));

    // The quiz, one question at a time; the options' order is the attempt's own.
    let quiz_url = format!("/hoc/kiem-tra/{}", module.id);
    let first = get_as(&app, &quiz_url, &cookie).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let attempt = app
        .db
        .store
        .open_attempt(me, &module.id)
        .await
        .unwrap()
        .unwrap();
    let quiz = app.db.store.module_quiz(&module.id).await.unwrap().unwrap();
    assert!(
        first
            .text()
            .contains(&format!("Câu 1 / {}", attempt.plan.len())),
        "{}",
        first.text()
    );
    let post = |item: &str, answer: &str| {
        format!(
            "csrf={csrf}&attempt={}&item={item}&shown_at=0&{answer}",
            attempt.id
        )
    };
    // No answer chosen: asked again, nothing recorded.
    let (item0, _) = &quiz.items[0];
    let r = form(&app, &quiz_url, Some(&cookie), &post(&item0.id, "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Bạn chưa chọn câu trả lời"));
    // A question that is not in the attempt: refused.
    let r = form(
        &app,
        &quiz_url,
        Some(&cookie),
        &post("khong-co", "choice=0"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let mut last = String::new();
    let mut tapped = 0;
    for (k, planned) in attempt.plan.iter().enumerate() {
        let (item, _) = quiz
            .items
            .iter()
            .find(|(i, _)| i.id == planned.item_id)
            .unwrap();
        let answer = if item.kind == binhdan_content::ItemKind::Ordering {
            // Tapping the steps: each tap shows the order so far and records nothing.
            let taps = tap_bodies(item, &planned.order);
            for tap in &taps[..taps.len() - 1] {
                let r = form(&app, &quiz_url, Some(&cookie), &post(&item.id, tap)).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                assert!(r.text().contains("Thứ tự bạn đã chọn"), "{}", r.text());
                assert!(r.text().contains("class=\"step\""));
                assert!(!r.text().contains("Đúng rồi!") && !r.text().contains("Chưa đúng"));
                let recorded = app.db.store.attempt_answers(attempt.id).await.unwrap();
                assert_eq!(recorded.len(), k, "a tap records nothing");
            }
            tapped += 1;
            taps.last().unwrap().clone()
        } else {
            right_fields(item, &planned.order)
        };
        let r = form(&app, &quiz_url, Some(&cookie), &post(&item.id, &answer)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", item.id, r.text());
        assert!(r.text().contains("Đúng rồi!"), "{}", r.text());
        if k + 1 < attempt.plan.len() {
            // The feedback and the next question come on one page.
            assert!(
                r.text()
                    .contains(&format!("Câu {} / {}", k + 2, attempt.plan.len())),
                "{}",
                r.text()
            );
            assert!(r.text().contains(&format!(
                "name=\"item\" value=\"{}\"",
                attempt.plan[k + 1].item_id
            )));
        }
        if k == 0 {
            // The same answer again: the first is kept, nothing moves.
            let twice = form(
                &app,
                &quiz_url,
                Some(&cookie),
                &post(&item.id, &right_fields(item, &planned.order)),
            )
            .await;
            assert_eq!(twice.status, StatusCode::CONFLICT);
            assert!(twice.text().contains("đã trả lời rồi"));
            // Skipping ahead is refused too: questions go in order.
            let last_item = attempt.plan.last().unwrap();
            let (skip_item, _) = quiz
                .items
                .iter()
                .find(|(i, _)| i.id == last_item.item_id)
                .unwrap();
            let skip = form(
                &app,
                &quiz_url,
                Some(&cookie),
                &post(&skip_item.id, &right_fields(skip_item, &last_item.order)),
            )
            .await;
            assert_eq!(skip.status, StatusCode::CONFLICT);
        }
        last = r.text();
    }
    assert!(last.contains("đã đạt"), "{last}");
    assert!(
        tapped > 0,
        "the module's quiz has an ordering question, answered by taps"
    );
    let stored = app.db.store.attempt(attempt.id).await.unwrap().unwrap();
    assert_eq!(stored.passed, Some(true));
    assert_eq!(
        app.db
            .store
            .attempt_answers(attempt.id)
            .await
            .unwrap()
            .len(),
        attempt.plan.len()
    );
    let counters = app
        .db
        .store
        .unit_counters(&binhdan_core::unit::UnitCode::parse("16591001").unwrap())
        .await
        .unwrap();
    let value = |metric: &str| {
        counters
            .iter()
            .find(|(g, m, _)| *g == binhdan_core::kpi::Group::Adult && m == metric)
            .map_or(0, |c| c.2)
    };
    assert_eq!(value("quizzes_passed"), 1, "{counters:?}");
    assert_eq!(
        value("lessons"),
        i64::try_from(module.lessons.len()).unwrap()
    );
    assert_eq!(value("learning"), 1);

    // The unit pages show it from the counters: one adult on the roster (no official figure:
    // marked *), learning — which a public page says as "fewer than 5", never as 1.
    for unit in ["/don-vi/16591001", "/don-vi/16591", "/"] {
        let html = app.get(unit).await.text();
        assert!(html.contains("Tiến độ theo nhóm"), "{unit}");
        assert!(
            html.contains("<td class=\"num\">1<sup>*</sup></td><td class=\"num\">dưới 5</td>"),
            "{unit}: {html}"
        );
    }

    // My courses: the adult course, with its progress.
    let mine = get_as(&app, "/hoc/cua-toi", &cookie).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.text().contains("/hoc/cong-dan"));
    assert!(
        mine.text()
            .contains(&format!("1/{}", outline.modules.len())),
        "{}",
        mine.text()
    );

    // Another learner cannot answer this attempt; a stranger is sent to sign in.
    let other = app.get(&quiz_url).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
}

//! The JSON bodies the server reads, fuzzed: mutations of the committed corpus
//! (`crates/binhdan-fuzz/corpus/json`) posted to the routes that read them, as a signed-in
//! learner (offline sync), the operator (a new village) and anyone (credential
//! verification). Every answer is below 500; under `/api/` and `/credentials/` a refusal is a
//! JSON problem. A failing body is printed (escaped) so it can join the corpus.

use axum::body::Body;
use axum::http::{Request, header};
use binhdan_store::SessionOwner;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::helpers::TestApp;
use crate::learn::with_curriculum;
use crate::people::{fixture, session};

#[tokio::test]
async fn json_bodies_never_make_a_server_error() {
    let app: TestApp = with_curriculum().await;
    let (me, _) = fixture(&app).await;
    let (cookie, token) = session(&app, SessionOwner::Citizen(me)).await;
    let csrf = token.csrf_token().expose().clone();
    let lesson = app
        .db
        .store
        .course_outline("cong-dan")
        .await
        .unwrap()
        .unwrap()
        .modules[0]
        .lessons[0]
        .id
        .clone();
    // The seeds made valid for this database: the session's CSRF token, the person, a lesson.
    let seeds: Vec<(String, Vec<u8>)> = binhdan_fuzz::corpus("json")
        .into_iter()
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes)
                .unwrap()
                .replace("@CSRF@", &csrf)
                .replace("@PERSON@", &me.to_string())
                .replace("@LESSON@", &lesson);
            (name, text.into_bytes())
        })
        .collect();
    let strategy = binhdan_fuzz::mutated(&seeds);
    let mut runner = TestRunner::new(binhdan_fuzz::config("json"));
    let mut by_route = std::collections::BTreeMap::<&str, usize>::new();
    // The seeds themselves first, then their mutations.
    let inputs = seeds.iter().cloned().chain(
        (0..binhdan_fuzz::cases()).map(|_| strategy.new_tree(&mut runner).unwrap().current()),
    );
    for (name, body) in inputs {
        let (uri, who) = match name.split('.').next().unwrap() {
            "sync" => ("/hoc/dong-bo", Some(cookie.as_str())),
            "verify" => ("/credentials/verify", None),
            "issue" => ("/credentials/issue", Some(cookie.as_str())),
            "villages" => ("/api/v1/units/16591/villages", None),
            other => panic!("a JSON seed for no route: {other}"),
        };
        let mut request = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = who {
            request = request.header(header::COOKIE, c);
        } else if uri.starts_with("/api/") {
            request = request.header(
                header::AUTHORIZATION,
                format!("Bearer {}", crate::helpers::TOKEN),
            );
        }
        let r = app
            .send(request.body(Body::from(body.clone())).unwrap())
            .await;
        let shown = String::from_utf8_lossy(&body).escape_debug().to_string();
        assert!(
            r.status.as_u16() < 500,
            "{uri} answered {} to {shown}: {}",
            r.status,
            r.text()
        );
        if r.status.as_u16() >= 400 && !uri.starts_with("/hoc/") {
            assert!(
                r.header("content-type").contains("json"),
                "{uri} refused {shown} with {}",
                r.header("content-type")
            );
        }
        *by_route.entry(uri).or_default() += 1;
    }
    assert_eq!(by_route.len(), 4, "every route was fuzzed: {by_route:?}");
}

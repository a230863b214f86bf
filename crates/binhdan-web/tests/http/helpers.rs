use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use binhdan_core::{Secret, Timestamp};
use binhdan_store::testing::TestDb;
use binhdan_web::{AppState, Clock, WebConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const NOW: Timestamp = Timestamp(1_764_000_000_000);
pub const TOKEN: &str = "test-operator-token";

/// The server's clock in tests: `NOW` until a test moves it.
pub struct TestClock(std::sync::atomic::AtomicI64);

impl TestClock {
    pub fn set(&self, t: Timestamp) {
        self.0
            .store(t.millis(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// A server on a fresh SQLite database holding the official map, called in-process.
pub struct TestApp {
    pub router: Router,
    pub db: TestDb,
    /// The keys of the app's vault (to seal and open CCCDs in tests).
    pub vault: binhdan_vault::VaultConfig,
    pub clock: Arc<TestClock>,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("UTF-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    pub async fn with(configure: impl FnOnce(&mut WebConfig)) -> Self {
        let db = TestDb::sqlite().await;
        binhdan_app::bootstrap::load_map(db.store.as_ref(), NOW)
            .await
            .unwrap();
        let mut config = WebConfig {
            operator_token: Some(Secret::new(TOKEN.to_owned())),
            ..WebConfig::default()
        };
        configure(&mut config);
        let vault = binhdan_vault::VaultConfig::generate(&mut rand::rng());
        let clock = Arc::new(TestClock(std::sync::atomic::AtomicI64::new(NOW.millis())));
        let state = AppState::new(db.store.clone(), config, clock.clone()).with_auth(
            binhdan_vault::Vault::new(&vault).unwrap(),
            None,
            binhdan_core::people::DEFAULT_EVALUATION_DATE,
        );
        Self {
            router: binhdan_web::router(state),
            db,
            vault,
            clock,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn get_en(&self, uri: &str) -> TestResponse {
        self.send(
            Request::get(uri)
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A POST as the operator would send it.
    pub async fn post(&self, uri: &str, content_type: &str, body: impl Into<Body>) -> TestResponse {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::CONTENT_TYPE, content_type)
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(body.into())
                .unwrap(),
        )
        .await
    }
}

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

/// A server on a fresh database holding the official map, called in-process: SQLite, or a
/// PostgreSQL schema of its own (dropped with the app, a panicking test's too) when
/// `BINHDAN_TEST_POSTGRES_URL` is set.
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

/// The suite's database: PostgreSQL (a schema per test) when `BINHDAN_TEST_POSTGRES_URL` is
/// set, SQLite otherwise — unless `BINHDAN_TEST_HTTP_SQLITE` is set: CI keeps the suite on
/// SQLite for time (about three times as long on PostgreSQL) while the rest of the workspace's
/// tests, in the same `cargo test`, run on PostgreSQL.
pub async fn database() -> TestDb {
    if std::env::var_os("BINHDAN_TEST_HTTP_SQLITE").is_some() {
        TestDb::sqlite().await
    } else {
        TestDb::from_env().await
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    pub async fn with(configure: impl FnOnce(&mut WebConfig)) -> Self {
        let db = database().await;
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

    /// A GET as the operator would send it, with its token.
    pub async fn get_as_operator(&self, uri: &str) -> TestResponse {
        self.send(
            Request::get(uri)
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
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

/// A PDF's text as `pdftotext` (poppler-utils; `scripts/test` installs it) reads it back,
/// NFC, its whitespace folded to single spaces.
pub fn pdf_text(bytes: &[u8]) -> String {
    use std::io::Write as _;
    use unicode_normalization::UnicodeNormalization as _;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext (apt-get install poppler-utils; scripts/test installs it)");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cells of an XLSX sheet as text, row by row.
pub fn sheet_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<String>> {
    let mut table = binhdan_tabular::Table::from_reader_named(
        std::io::Cursor::new(bytes.to_vec()),
        Some("xlsx"),
        &binhdan_tabular::Options {
            sheet: Some(sheet.to_owned()),
            ..binhdan_tabular::Options::default()
        },
    )
    .unwrap();
    table
        .rows()
        .unwrap()
        .filter_map(Result::ok)
        .map(|r| {
            r.cells
                .iter()
                .map(binhdan_tabular::cell_text)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use axum::http::StatusCode;
    use binhdan_store::testing::postgres_schema_exists;

    use super::TestApp;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// A test that panics with its app in hand (as an assertion does, on the runtime
    /// `#[tokio::test]` makes) leaves no database behind: its PostgreSQL schema is dropped
    /// while it unwinds, its SQLite file goes with its temporary directory.
    #[test]
    fn a_panicking_test_leaves_no_database_behind() {
        // (PostgreSQL?, schema, URL) of the database the test had.
        let made = Mutex::new(None::<(bool, Option<String>, String)>);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime().block_on(async {
                let app = TestApp::new().await;
                assert_eq!(app.get("/api/v1/units/38").await.status, StatusCode::OK);
                *made.lock().unwrap() = Some((
                    app.db.is_postgres(),
                    app.db.config.schema.clone(),
                    app.db.config.url.expose().clone(),
                ));
                panic!("the test fails with its app in hand");
            });
        }));
        assert!(outcome.is_err(), "the inner test must have panicked");
        let (postgres, schema, url) = made.lock().unwrap().clone().expect("an app was made");
        if postgres {
            let schema = schema.expect("a PostgreSQL test database has a schema");
            assert!(
                !runtime().block_on(postgres_schema_exists(&url, &schema)),
                "schema {schema} outlived its panicking test"
            );
        } else {
            let file = url.strip_prefix("sqlite://").expect("a SQLite URL");
            assert!(
                !std::path::Path::new(file).exists(),
                "{file} outlived its panicking test"
            );
        }
    }
}

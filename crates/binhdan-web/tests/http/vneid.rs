//! Citizen sign-in with VNeID through the web routes, against a real `OpenID` provider: npm
//! `oidc-provider` in `tests-support/oidc-provider` (no mocks), run by `binhdan_oidc::testing`
//! as in `binhdan-oidc`'s own tests.
//! Each test starts its own provider on a free port (killed when the test ends) and plays the
//! browser there with a cookie jar, following redirects by hand; the provider's redirect to our
//! callback is never fetched but handed to the router, called in-process. Cookies between our
//! own requests are carried by hand.
//!
//! The server reads the system clock here, not the fixed `NOW`: the provider's ID tokens are
//! checked against it. Needs Node.js (≥ 20) and npm; `npm ci` runs when `node_modules` is
//! missing. Set `OIDC_PROVIDER_LOG=1` to see the provider's log with `--nocapture`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::{Cccd, Sex};
use binhdan_core::kpi::Group;
use binhdan_core::people::Date;
use binhdan_core::unit::{DivisionType, UnitCode, UnitLevel, UnitName};
use binhdan_core::{Secret, Timestamp};
use binhdan_oidc::testing::{CLIENT_ID, CLIENT_SECRET, TestProvider};
use binhdan_oidc::{OidcClient, OidcConfig};
use binhdan_store::testing::TestDb;
use binhdan_store::{AdultCutoff, NewVillage, PersonDetail, PersonRecord, WriteMode};
use binhdan_vault::{Vault, VaultConfig};
use binhdan_web::{AppState, Clock, SystemClock, WebConfig};
use http_body_util::BodyExt;
use reqwest::Url;
use tower::ServiceExt;

use crate::helpers::{TestApp, TestResponse};

/// Never fetched: the flow stops at it, as a browser would hand it to our server.
const REDIRECT_URI: &str = "http://127.0.0.1:9/dang-nhap/vneid/goi-lai";
const CALLBACK_PATH: &str = "/dang-nhap/vneid/goi-lai";

/// The provider's `nguyenvana`.
const CCCD: &str = "038090012345";
const MASKED: &str = "038*******45";
const NAME: &str = "Nguyễn Văn A";
/// Xã Các Sơn, Thanh Hóa (38), the province the server serves by default.
const COMMUNE: &str = "16591";

// Phrases of the messages the pages must show (crates/binhdan-i18n/locales/*/auth.ftl, web.ftl).
const VI_NO_CCCD: &str = "VNeID không gửi số CCCD của bạn nên chưa đăng nhập được";
const EN_NO_CCCD: &str = "VNeID did not send your CCCD number, so you cannot sign in yet";
const VI_MISMATCH: &str = "Phiên đăng nhập bằng VNeID không khớp hoặc đã hết hạn";
const VI_NOT_SET_UP: &str = "Đăng nhập bằng VNeID chưa được thiết lập đúng";
const EN_NOT_SET_UP: &str = "Sign-in with VNeID is not set up correctly";
const VI_CSRF: &str = "Biểu mẫu đã hết hạn hoặc không gửi từ trang của chúng tôi";
const VI_SIGN_IN_FIRST: &str = "Hãy đăng nhập bằng VNeID trước khi đăng ký";

// --- The server with VNeID sign-in --------------------------------------------------------------

fn now() -> Timestamp {
    SystemClock.now()
}

/// A server with the vault and the VNeID client, on a fresh database holding the official map,
/// and the provider it signs citizens in with.
struct VneidApp {
    router: Router,
    db: TestDb,
    /// The same keys as the server's: to seal, hash and open CCCDs as it does.
    vault: Vault,
    provider: TestProvider,
}

impl VneidApp {
    async fn start() -> Self {
        let provider = TestProvider::start(REDIRECT_URI).await;
        let client = OidcClient::discover(OidcConfig::new(
            &provider.issuer,
            CLIENT_ID,
            Secret::new(CLIENT_SECRET.to_owned()),
            REDIRECT_URI,
        ))
        .await
        .unwrap_or_else(|e| panic!("discovery failed: {e}"));
        let db = crate::helpers::database().await;
        binhdan_app::bootstrap::load_map(db.store.as_ref(), now())
            .await
            .unwrap();
        let keys = VaultConfig::generate(&mut rand::rng());
        let state = AppState::new(
            db.store.clone(),
            WebConfig::default(),
            Arc::new(SystemClock),
        )
        .with_auth(
            Vault::new(&keys).unwrap(),
            Some(client),
            binhdan_core::people::DEFAULT_EVALUATION_DATE,
        );
        Self {
            router: binhdan_web::router(state),
            db,
            vault: Vault::new(&keys).unwrap(),
            provider,
        }
    }

    async fn send(&self, request: Request<Body>) -> TestResponse {
        send(&self.router, request).await
    }

    /// A GET with these cookies (`name=value`), in Vietnamese unless `lang` says otherwise.
    async fn get(&self, uri: &str, cookies: &[&str], lang: Option<&str>) -> TestResponse {
        let mut request = Request::get(uri);
        if !cookies.is_empty() {
            request = request.header(header::COOKIE, cookies.join("; "));
        }
        if let Some(lang) = lang {
            request = request.header(header::ACCEPT_LANGUAGE, lang);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// The registration form, as the browser submits it.
    async fn register(&self, cookie: &str, form: &str) -> TestResponse {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri("/dang-ky")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .body(Body::from(form.to_owned()))
                .unwrap(),
        )
        .await
    }

    /// Starts a sign-in on our server and signs `login` in at the provider: the callback the
    /// browser would bring back, with whatever cookies our server gave it on the way out.
    async fn sign_in_at_provider(&self, login: &str) -> Callback {
        let r = self.get("/dang-nhap/vneid", &[], None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let to = r.header("location").to_owned();
        assert!(to.starts_with(&self.provider.issuer), "{to}");
        let cookies = set_cookies(&r).into_iter().map(cookie_pair).collect();
        let (url, _) = self.provider.sign_in(&to, login).await;
        let uri = format!("{}?{}", url.path(), url.query().unwrap_or_default());
        assert!(uri.starts_with(&format!("{CALLBACK_PATH}?")), "{uri}");
        Callback { uri, cookies }
    }

    /// The browser that started the sign-in comes back to our callback.
    async fn callback(&self, callback: &Callback, lang: Option<&str>) -> TestResponse {
        let cookies: Vec<&str> = callback.cookies.iter().map(String::as_str).collect();
        self.get(&callback.uri, &cookies, lang).await
    }

    async fn person_by_cccd(&self, cccd: &str) -> Option<PersonDetail> {
        let cccd = Cccd::parse(cccd).unwrap();
        self.db
            .store
            .person_by_cccd_hash(&self.vault.lookup_hash(&cccd))
            .await
            .unwrap()
    }

    /// Everyone in the province (Thanh Hóa) the server serves.
    async fn people_in_province(&self) -> usize {
        let province = self
            .db
            .store
            .unit(&UnitCode::parse("38").unwrap())
            .await
            .unwrap()
            .unwrap();
        self.db
            .store
            .people_under(&province.path, "", None, 100)
            .await
            .unwrap()
            .len()
    }

    /// Puts a citizen on the roster of a commune, as an import would.
    async fn put_on_roster(&self, cccd: &str, name: &str, born: Date) -> i64 {
        let cccd = Cccd::parse(cccd).unwrap();
        let record = PersonRecord {
            cccd_hash: self.vault.lookup_hash(&cccd),
            cccd_sealed: self
                .vault
                .encrypt(&cccd, &mut rand::rng())
                .unwrap()
                .into_bytes(),
            cccd_masked: cccd.masked(),
            name: name.to_owned(),
            birth_year: born.year(),
            birth_day: Some(born.days_since_epoch()),
            sex: Sex::Male,
            unit: UnitCode::parse(COMMUNE).unwrap(),
            phone: None,
            membership: None,
        };
        let cutoff: AdultCutoff =
            binhdan_app::people::adult_cutoff(binhdan_core::people::DEFAULT_EVALUATION_DATE);
        let mut import = self
            .db
            .store
            .begin_people_import(cutoff, now())
            .await
            .unwrap();
        import.write(&[record]).await.unwrap();
        import.commit(AuditEntry::new("test", "x")).await.unwrap();
        self.db
            .store
            .person_by_cccd_hash(&self.vault.lookup_hash(&cccd))
            .await
            .unwrap()
            .expect("the person just imported")
            .summary
            .id
    }

    /// The roster counters of a commune or village.
    async fn roster(&self, code: &str) -> Vec<(Group, u64)> {
        let code = UnitCode::parse(code).unwrap();
        let unit = self.db.store.unit(&code).await.unwrap().unwrap();
        self.db
            .store
            .roster_under(&unit.path, unit.level, &code)
            .await
            .unwrap()
    }
}

async fn send(router: &Router, request: Request<Body>) -> TestResponse {
    let response = router.clone().oneshot(request).await.expect("infallible");
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

/// Where the provider sends the browser back to (path and query), and the cookies our server
/// gave that browser when the sign-in started.
struct Callback {
    uri: String,
    cookies: Vec<String>,
}

fn set_cookies(r: &TestResponse) -> Vec<&str> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

/// Neither a session nor a registration started.
fn no_sign_in(r: &TestResponse) -> bool {
    set_cookie(r, "binhdan").is_none() && set_cookie(r, "binhdan_dangky").is_none()
}

/// The `Set-Cookie` header that sets the cookie `name`.
fn set_cookie<'a>(r: &'a TestResponse, name: &str) -> Option<&'a str> {
    set_cookies(r)
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// `name=value` of a `Set-Cookie` header, as the browser sends it back.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_owned()
}

fn attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

/// The value of the form's hidden `csrf` input.
fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no csrf input in the page: {html}"))
        + marker.len();
    let len = html[start..].find('"').unwrap();
    html[start..start + len].to_owned()
}

/// A signed-in citizen's session cookie: `binhdan=…`, `HttpOnly`, `SameSite`, on the whole site.
fn session_cookie(r: &TestResponse) -> String {
    let set =
        set_cookie(r, "binhdan").unwrap_or_else(|| panic!("no session cookie: {:?}", r.headers));
    let attrs = attributes(set);
    assert!(attrs.iter().any(|a| a == "httponly"), "{set}");
    assert!(attrs.iter().any(|a| a == "samesite=lax"), "{set}");
    assert!(attrs.iter().any(|a| a == "path=/"), "{set}");
    let pair = cookie_pair(set);
    assert!(pair.len() > "binhdan=".len() + 20, "{set}");
    pair
}

fn born_1990_05_17() -> Date {
    Date::new(1990, 5, 17).unwrap()
}

// --- The tests -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_citizen_on_a_roster_is_linked_and_signed_in() {
    let app = VneidApp::start().await;
    let id = app.put_on_roster(CCCD, NAME, born_1990_05_17()).await;
    assert_eq!(
        app.db.store.person(id).await.unwrap().unwrap().oidc_subject,
        None
    );

    let callback = app.sign_in_at_provider("nguyenvana").await;
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/toi");
    let session = session_cookie(&r);
    assert!(
        set_cookie(&r, "binhdan_dangky").is_none(),
        "{:?}",
        r.headers
    );

    // Linked to their VNeID subject; nobody else written.
    let person = app.db.store.person(id).await.unwrap().unwrap();
    assert_eq!(person.oidc_subject.as_deref(), Some("nguyenvana"));
    assert_eq!(app.people_in_province().await, 1);

    // Their page: name, masked CCCD and village, never the CCCD itself.
    let r = app.get("/toi", &[&session], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.text();
    assert!(page.contains(NAME), "{page}");
    assert!(page.contains(MASKED), "{page}");
    assert!(page.contains("Xã Các Sơn"), "{page}");
    assert!(!page.contains(CCCD), "{page}");
    assert_eq!(r.header("cache-control"), "no-store");
    // Without the cookie, or with a made-up one: to the sign-in page.
    for cookies in [
        &[][..],
        &["binhdan=not-a-session-token-at-all-0000000000000"][..],
    ] {
        let r = app.get("/toi", cookies, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{cookies:?}");
        assert!(
            r.header("location").starts_with("/dang-nhap"),
            "{cookies:?}"
        );
    }

    // A second sign-in: found by their subject, a new session for the same person.
    let callback = app.sign_in_at_provider("nguyenvana").await;
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/toi");
    let second = session_cookie(&r);
    assert_ne!(second, session);
    let r = app.get("/toi", &[&second], None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains(NAME));
    assert_eq!(app.people_in_province().await, 1);
    assert_eq!(
        app.db
            .store
            .person(id)
            .await
            .unwrap()
            .unwrap()
            .oidc_subject
            .as_deref(),
        Some("nguyenvana")
    );
}

#[tokio::test]
async fn the_vneid_subject_finds_the_citizen_before_the_cccd() {
    let app = VneidApp::start().await;
    // Someone already linked to `nguyenvana` under another CCCD (a card reissued, say): the
    // subject VNeID vouches for is who signs in, and nothing goes to registration.
    let id = app
        .put_on_roster("038090054321", "Nguyễn Văn Cũ", born_1990_05_17())
        .await;
    app.db
        .store
        .link_oidc_subject(id, "nguyenvana", now())
        .await
        .unwrap();

    let callback = app.sign_in_at_provider("nguyenvana").await;
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/toi");
    let session = session_cookie(&r);
    let page = app.get("/toi", &[&session], None).await.text();
    assert!(page.contains("Nguyễn Văn Cũ"), "{page}");
    assert!(page.contains("038*******21"), "{page}");
    assert!(app.person_by_cccd(CCCD).await.is_none());
    assert_eq!(app.people_in_province().await, 1);
}

#[tokio::test]
async fn a_citizen_on_no_roster_registers_in_their_village() {
    let app = VneidApp::start().await;
    let commune = UnitCode::parse(COMMUNE).unwrap();
    let villages = app
        .db
        .store
        .create_villages(
            &[NewVillage {
                commune: commune.clone(),
                name: UnitName::parse("Thôn Một").unwrap(),
                division_type: DivisionType::Thon,
            }],
            WriteMode::Commit,
            now(),
        )
        .await
        .unwrap();
    let village = villages[0].code.to_string();
    assert_eq!(village, "16591001");
    assert_eq!(villages[0].level, UnitLevel::Village);

    let callback = app.sign_in_at_provider("nguyenvana").await;
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/dang-ky");
    assert!(
        set_cookie(&r, "binhdan").is_none(),
        "no session yet: {:?}",
        r.headers
    );
    let set = set_cookie(&r, "binhdan_dangky").expect("the registration cookie");
    let attrs = attributes(set);
    assert!(attrs.iter().any(|a| a == "path=/dang-ky"), "{set}");
    assert!(attrs.iter().any(|a| a == "httponly"), "{set}");
    assert!(attrs.iter().any(|a| a == "samesite=lax"), "{set}");
    let reg = cookie_pair(set);
    assert!(!set.contains(CCCD), "{set}");
    // Nobody written until they pick their village.
    assert!(app.person_by_cccd(CCCD).await.is_none());
    assert_eq!(app.people_in_province().await, 0);

    // The form needs the registration cookie.
    let r = app.get("/dang-ky", &[], None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains(VI_SIGN_IN_FIRST), "{}", r.text());

    // Find the commune by name, then pick the village.
    let r = app
        .get("/dang-ky?q=c%C3%A1c%20s%C6%A1n", &[&reg], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.text().contains(&format!("/dang-ky?xa={COMMUNE}")),
        "{}",
        r.text()
    );
    let r = app
        .get(&format!("/dang-ky?xa={COMMUNE}"), &[&reg], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.text();
    assert!(page.contains("Thôn Một"), "{page}");
    assert!(page.contains(&format!(r#"value="{village}""#)), "{page}");
    assert!(!page.contains(CCCD), "{page}");
    let csrf = csrf_of(&page);
    assert!(csrf.len() >= 20, "{csrf}");

    // A wrong or missing CSRF token: refused, nothing written, the registration still open.
    for form in [
        format!("csrf=not-{csrf}&unit={village}"),
        format!("unit={village}"),
    ] {
        let r = app.register(&reg, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{form}: {}", r.text());
        assert!(r.text().contains(VI_CSRF), "{}", r.text());
        assert!(no_sign_in(&r), "{:?}", r.headers);
    }
    assert!(app.person_by_cccd(CCCD).await.is_none());
    assert_eq!(app.roster(COMMUNE).await, vec![]);

    let r = app
        .register(&reg, &format!("csrf={csrf}&unit={village}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/toi");
    let session = session_cookie(&r);
    // The registration cookie is cleared.
    let cleared = set_cookie(&r, "binhdan_dangky").expect("the registration cookie cleared");
    assert!(cleared.starts_with("binhdan_dangky=;"), "{cleared}");
    assert!(
        attributes(cleared).iter().any(|a| a == "max-age=0"),
        "{cleared}"
    );

    let person = app.person_by_cccd(CCCD).await.expect("registered");
    assert_eq!(person.summary.name, NAME);
    assert_eq!(person.summary.unit_code, village);
    assert_eq!(person.summary.cccd_masked, MASKED);
    assert_eq!(person.summary.birth_year, 1990);
    assert_eq!(
        person.summary.birth_day,
        Some(born_1990_05_17().days_since_epoch())
    );
    assert_eq!(person.summary.sex, Sex::Male);
    assert_eq!(person.oidc_subject.as_deref(), Some("nguyenvana"));
    assert_eq!(
        app.vault.decrypt(&person.cccd_sealed).unwrap().expose(),
        CCCD
    );
    assert_eq!(app.people_in_province().await, 1);
    assert_eq!(app.roster(COMMUNE).await, vec![(Group::Adult, 1)]);
    assert_eq!(app.roster(&village).await, vec![(Group::Adult, 1)]);

    let r = app.get("/toi", &[&session], None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = r.text();
    assert!(page.contains(NAME), "{page}");
    assert!(page.contains(MASKED), "{page}");
    assert!(page.contains("Thôn Một"), "{page}");
    assert!(!page.contains(CCCD), "{page}");

    // The same registration again (a replayed form): it was used.
    let r = app
        .register(&reg, &format!("csrf={csrf}&unit={village}"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    assert!(r.text().contains(VI_SIGN_IN_FIRST), "{}", r.text());
    assert!(no_sign_in(&r), "{:?}", r.headers);
    assert_eq!(app.people_in_province().await, 1);
    assert_eq!(app.roster(COMMUNE).await, vec![(Group::Adult, 1)]);

    // Next time: straight to their page.
    let callback = app.sign_in_at_provider("nguyenvana").await;
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/toi");
    session_cookie(&r);
    assert_eq!(app.people_in_province().await, 1);
}

#[tokio::test]
async fn a_state_never_issued_or_already_used_is_refused() {
    let app = VneidApp::start().await;
    let refused = |r: &TestResponse, what: &str| {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text());
        assert!(r.text().contains(VI_MISMATCH), "{what}: {}", r.text());
        assert!(no_sign_in(r), "{what}: {:?}", r.headers);
    };

    // A code and a state the server never gave out.
    let r = app
        .get(
            &format!("{CALLBACK_PATH}?code=abc&state=never-issued"),
            &[],
            None,
        )
        .await;
    refused(&r, "never issued");
    let r = app.get(CALLBACK_PATH, &[], None).await;
    refused(&r, "no code nor state");

    // A real sign-in whose state is swapped for another the server never issued.
    let callback = app.sign_in_at_provider("nguyenvana").await;
    let url = Url::parse(&format!("http://x{}", callback.uri)).unwrap();
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let forged = Callback {
        uri: format!("{CALLBACK_PATH}?code={}&state=x{}", q["code"], q["state"]),
        cookies: callback.cookies.clone(),
    };
    refused(&app.callback(&forged, None).await, "forged state");

    // The genuine callback works once (to registration: not on a roster) …
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.header("location"), "/dang-ky");
    // … and not twice.
    refused(&app.callback(&callback, None).await, "replayed");

    // Another attempt, for a citizen on the roster: replaying its callback gives no second
    // session.
    app.put_on_roster(CCCD, NAME, born_1990_05_17()).await;
    let callback = app.sign_in_at_provider("nguyenvana").await;
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    session_cookie(&r);
    refused(
        &app.callback(&callback, None).await,
        "replayed (on a roster)",
    );

    // Nobody written but the one put on the roster.
    assert_eq!(app.people_in_province().await, 1);
}

/// Login CSRF (RFC 6749 §10.12, RFC 9700 §4.7.1): someone who signs in as themselves and stops
/// at the callback link must not be able to sign a victim into their account by making the
/// victim's browser follow it. The callback must come from the browser that started the
/// sign-in (`GET /dang-nhap/vneid` sets a cookie the callback checks).
#[tokio::test]
async fn a_callback_in_another_browser_is_refused() {
    let app = VneidApp::start().await;
    app.put_on_roster(CCCD, NAME, born_1990_05_17()).await;
    // The attacker's browser: starts the sign-in and signs in at the provider.
    let callback = app.sign_in_at_provider("nguyenvana").await;
    // The victim's browser follows the link: it never started a sign-in here.
    let r = app.get(&callback.uri, &[], None).await;
    assert!(r.status.is_client_error(), "{}: {:?}", r.status, r.headers);
    assert!(no_sign_in(&r), "{:?}", r.headers);
    // Nor does a browser that started a sign-in of its own.
    let other = app.get("/dang-nhap/vneid", &[], None).await;
    let other_cookies: Vec<String> = set_cookies(&other).into_iter().map(cookie_pair).collect();
    let other_cookies: Vec<&str> = other_cookies.iter().map(String::as_str).collect();
    let r = app.get(&callback.uri, &other_cookies, None).await;
    assert!(r.status.is_client_error(), "{}: {:?}", r.status, r.headers);
    // Neither consumed the pending sign-in: the browser that started it still finishes it.
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    session_cookie(&r);
}

/// A response that names another issuer is refused (RFC 9207, mix-up attacks), and does not
/// consume the sign-in either.
#[tokio::test]
async fn a_response_from_another_issuer_is_refused() {
    let app = VneidApp::start().await;
    app.put_on_roster(CCCD, NAME, born_1990_05_17()).await;
    let callback = app.sign_in_at_provider("nguyenvana").await;
    // The provider names itself in its response; swap in another issuer.
    let url = Url::parse(&format!("http://x{}", callback.uri)).unwrap();
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q.get("iss"), Some(&app.provider.issuer), "{}", callback.uri);
    let mixed = Callback {
        uri: format!(
            "{CALLBACK_PATH}?code={}&state={}&iss=https%3A%2F%2Fevil.example",
            crate::people::encode(&q["code"]),
            crate::people::encode(&q["state"])
        ),
        cookies: callback.cookies.clone(),
    };
    let r = app.callback(&mixed, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(no_sign_in(&r), "{:?}", r.headers);
    // The genuine response still signs in.
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    session_cookie(&r);
}

/// One address cannot fill the table of pending sign-ins.
#[tokio::test]
async fn starting_sign_ins_is_limited_per_address() {
    let app = VneidApp::start().await;
    let start = |from: &'static str| {
        let mut r = Request::get("/dang-nhap/vneid")
            .body(Body::empty())
            .unwrap();
        r.extensions_mut().insert(axum::extract::ConnectInfo(
            from.parse::<std::net::SocketAddr>().unwrap(),
        ));
        r
    };
    for i in 0..30 {
        let r = app.send(start("203.0.113.9:1")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "start {i}");
    }
    let r = app.send(start("203.0.113.9:2")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!r.header("retry-after").is_empty());
    assert_eq!(
        app.send(start("198.51.100.1:1")).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_citizen_without_a_cccd_is_told_why_in_their_language() {
    let app = VneidApp::start().await;
    let callback = app.sign_in_at_provider("khongcccd").await;
    let r = app.callback(&callback, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains(VI_NO_CCCD), "{}", r.text());
    assert!(no_sign_in(&r), "{:?}", r.headers);

    let callback = app.sign_in_at_provider("khongcccd").await;
    let r = app.callback(&callback, Some("en")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains(EN_NO_CCCD), "{}", r.text());
    assert!(!r.text().contains(VI_NO_CCCD), "{}", r.text());
    assert_eq!(r.header("content-language"), "en");
    assert!(no_sign_in(&r), "{:?}", r.headers);

    assert_eq!(app.people_in_province().await, 0);
}

#[tokio::test]
async fn without_a_vneid_client_sign_in_is_unavailable() {
    let app = TestApp::new().await;
    for uri in [
        "/dang-nhap/vneid",
        "/dang-nhap/vneid/goi-lai?code=abc&state=def",
    ] {
        let r = app.get(uri).await;
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}: {}",
            r.text()
        );
        assert!(r.text().contains(VI_NOT_SET_UP), "{uri}: {}", r.text());
        assert!(r.header("location").is_empty(), "{uri}");
        let r = app.get_en(uri).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert!(r.text().contains(EN_NOT_SET_UP), "{uri}: {}", r.text());
    }
}

//! The OIDC client against a real `OpenID` provider: npm `oidc-provider` in
//! `tests-support/oidc-provider` (no mocks). Each test starts its own provider on a free port
//! (killed when the test ends) and plays the browser with a cookie jar, following redirects by
//! hand until the one to our callback.
//!
//! Needs Node.js (≥ 20) and npm; `npm ci` runs here when `node_modules` is missing. Set
//! `OIDC_PROVIDER_LOG=1` to see the provider's log lines with `--nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use binhdan_core::{Localized, Secret, Timestamp};
use binhdan_oidc::testing::{CLIENT_ID, CLIENT_SECRET, TestProvider};
use binhdan_oidc::{OidcClient, OidcConfig, OidcError, PendingLogin};
use reqwest::Url;

/// Never fetched: the flow stops at it, as a browser would hand it to our server.
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/vneid/callback";

/// A running provider; dropping it kills the process.
type Provider = TestProvider;

async fn start_provider() -> Provider {
    TestProvider::start(REDIRECT_URI).await
}

fn config(issuer: &str) -> OidcConfig {
    OidcConfig::new(
        issuer,
        CLIENT_ID,
        Secret::new(CLIENT_SECRET.to_owned()),
        REDIRECT_URI,
    )
}

async fn setup() -> (Provider, OidcClient) {
    let provider = start_provider().await;
    let client = OidcClient::discover(config(&provider.issuer))
        .await
        .unwrap_or_else(|e| panic!("discovery failed: {e}"));
    (provider, client)
}

#[allow(clippy::disallowed_methods)] // tests read the wall clock: the provider's tokens do
fn now() -> Timestamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    Timestamp(i64::try_from(d.as_millis()).unwrap())
}

/// What the provider sent the browser back to us with.
struct Callback {
    code: String,
    state: String,
    iss: Option<String>,
}

/// Signs `login` in at the provider (see [`TestProvider::sign_in`]).
async fn browser_sign_in(provider: &Provider, authorize_url: &str, login: &str) -> Callback {
    let (_, q) = provider.sign_in(authorize_url, login).await;
    Callback {
        code: q["code"].clone(),
        state: q["state"].clone(),
        iss: q.get("iss").cloned(),
    }
}

/// Starts an attempt and signs `login` in: what the server would hold when the callback comes.
async fn attempt(
    provider: &Provider,
    client: &OidcClient,
    login: &str,
) -> (PendingLogin, Callback) {
    let (url, pending) = client.begin();
    let callback = browser_sign_in(provider, &url, login).await;
    (pending, callback)
}

/// A `PendingLogin` made of the parts of two (as a stored one could be swapped or forged).
fn splice(base: &PendingLogin, other: &PendingLogin, fields: &[&str]) -> PendingLogin {
    let mut base = serde_json::to_value(base).unwrap();
    let other = serde_json::to_value(other).unwrap();
    for f in fields {
        base[*f] = other[*f].clone();
    }
    serde_json::from_value(base).unwrap()
}

#[tokio::test]
async fn full_flow_gives_the_citizens_identity() {
    let (provider, client) = setup().await;
    assert_eq!(client.issuer(), provider.issuer);

    let (url, pending) = client.begin();
    let u = Url::parse(&url).unwrap();
    let q: HashMap<String, String> = u.query_pairs().into_owned().collect();
    assert!(url.starts_with(&provider.issuer), "{url}");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["redirect_uri"], REDIRECT_URI);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["state"], pending.state());
    assert!(q["nonce"].len() >= 43);
    assert_eq!(q["scope"], "openid profile cccd");
    // The stored attempt shows nothing of itself.
    let shown = format!("{pending:?}");
    assert!(!shown.contains(pending.state()), "{shown}");

    let callback = browser_sign_in(&provider, &url, "nguyenvana").await;
    assert_eq!(callback.state, pending.state());
    assert_eq!(callback.iss.as_deref(), Some(provider.issuer.as_str()));

    // The web layer keeps the attempt in the session between the two requests.
    let stored = serde_json::to_string(&pending).unwrap();
    let pending: PendingLogin = serde_json::from_str(&stored).unwrap();
    let id = client
        .finish(&pending, &callback.code, &callback.state, now())
        .await
        .unwrap_or_else(|e| panic!("sign-in failed: {e}"));
    assert_eq!(id.issuer, provider.issuer);
    assert_eq!(id.subject, "nguyenvana");
    assert_eq!(id.cccd.expose(), "038090012345");
    assert_eq!(id.name.as_deref(), Some("Nguyễn Văn A"));
    assert_eq!(id.birthdate.as_deref(), Some("1990-05-17"));
    assert!(!format!("{id:?}").contains("038090012345"));

    // A second citizen through the same client.
    let (pending, callback) = attempt(&provider, &client, "tranthib").await;
    let id = client
        .finish(&pending, &callback.code, &callback.state, now())
        .await
        .unwrap();
    assert_eq!(id.cccd.expose(), "001301006789");
    assert_eq!(id.name.as_deref(), Some("Trần Thị Bích"));
    assert_eq!(id.birthdate.as_deref(), Some("2001-11-03"));
}

#[tokio::test]
async fn a_wrong_state_is_refused_before_the_code_is_exchanged() {
    let (provider, client) = setup().await;
    let (pending, callback) = attempt(&provider, &client, "nguyenvana").await;
    for forged in ["forged", "", &callback.state[1..]] {
        let err = client
            .finish(&pending, &callback.code, forged, now())
            .await
            .unwrap_err();
        assert!(matches!(err, OidcError::StateMismatch), "{err}");
        assert_eq!(err.msg().key, "oidc-nonce-mismatch");
        assert!(!err.to_string().contains(&callback.code));
    }
    // The code was never sent: it still works with the right state.
    let id = client
        .finish(&pending, &callback.code, &callback.state, now())
        .await
        .unwrap();
    assert_eq!(id.cccd.expose(), "038090012345");
}

#[tokio::test]
async fn a_code_is_used_once() {
    let (provider, client) = setup().await;
    let (pending, callback) = attempt(&provider, &client, "nguyenvana").await;
    client
        .finish(&pending, &callback.code, &callback.state, now())
        .await
        .unwrap();
    let err = client
        .finish(&pending, &callback.code, &callback.state, now())
        .await
        .unwrap_err();
    let OidcError::CodeRefused { error } = &err else {
        panic!("expected CodeRefused, got {err:?}");
    };
    assert_eq!(error, "invalid_grant");
    assert_eq!(err.msg().key, "oidc-code-refused");
    assert!(!format!("{err} {err:?}").contains(&callback.code));
}

#[tokio::test]
async fn a_pending_login_from_another_attempt_is_refused() {
    let (provider, client) = setup().await;
    let (_, other) = client.begin();

    // Another attempt's record as is: its state does not match.
    let (pending, callback) = attempt(&provider, &client, "nguyenvana").await;
    let err = client
        .finish(&other, &callback.code, &callback.state, now())
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::StateMismatch), "{err}");

    // This attempt's state with another's PKCE verifier: the provider refuses the code.
    let forged = splice(&pending, &other, &["pkce_verifier"]);
    let err = client
        .finish(&forged, &callback.code, &callback.state, now())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OidcError::CodeRefused { error } if error == "invalid_grant"),
        "{err}"
    );

    // State and verifier right, another attempt's nonce: the ID token is refused.
    let (pending, callback) = attempt(&provider, &client, "nguyenvana").await;
    let forged = splice(&pending, &other, &["nonce"]);
    let err = client
        .finish(&forged, &callback.code, &callback.state, now())
        .await
        .unwrap_err();
    assert!(matches!(err, OidcError::NonceMismatch), "{err}");
    assert_eq!(err.msg().key, "oidc-nonce-mismatch");
}

#[tokio::test]
async fn a_citizen_without_a_cccd_gets_the_no_cccd_error() {
    let (provider, client) = setup().await;
    let (pending, callback) = attempt(&provider, &client, "khongcccd").await;
    let err = client
        .finish(&pending, &callback.code, &callback.state, now())
        .await
        .unwrap_err();
    let OidcError::NoCccd { claim } = &err else {
        panic!("expected NoCccd, got {err:?}");
    };
    assert_eq!(claim, "cccd");
    assert_eq!(err.msg().key, "oidc-no-cccd");
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let (provider, client) = setup().await;
    let (pending, callback) = attempt(&provider, &client, "nguyenvana").await;
    let tomorrow = Timestamp(now().millis() + 24 * 3600 * 1000);
    let err = client
        .finish(&pending, &callback.code, &callback.state, tomorrow)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            OidcError::IdToken(openidconnect::ClaimsVerificationError::Expired(_))
        ),
        "{err}"
    );
    assert_eq!(err.msg().key, "oidc-token-invalid");
}

#[tokio::test]
async fn discovery_where_nothing_listens_is_a_clear_error() {
    // A port that was free a moment ago and is closed now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let err = OidcClient::discover(config(&issuer)).await.unwrap_err();
    let OidcError::Discovery { issuer: i, reason } = &err else {
        panic!("expected Discovery, got {err:?}");
    };
    assert_eq!(i, &issuer);
    let text = err.to_string();
    assert!(text.contains(&issuer), "{text}");
    assert!(reason.to_lowercase().contains("connect"), "{text}");
    assert_eq!(err.msg().key, "oidc-unavailable");
    assert!(!format!("{err:?}").contains(CLIENT_SECRET));

    let err = OidcClient::discover(config("not a url")).await.unwrap_err();
    assert!(matches!(err, OidcError::Config(_)), "{err}");
    assert_eq!(err.msg().key, "oidc-misconfigured");
}

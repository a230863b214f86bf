//! A real `OpenID` provider for tests (feature `testing`): npm `oidc-provider` in
//! `tests-support/oidc-provider`, started on a free port and killed when dropped, and a
//! browser played against it with a cookie jar, following redirects by hand until the one to
//! the relying party's callback. The OIDC client's own tests and the web's VNeID tests share it.
//!
//! Needs Node.js (≥ 20) and npm; `npm ci` runs when `node_modules` is missing. Set
//! `OIDC_PROVIDER_LOG=1` to see the provider's log lines (with `--nocapture`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a provider that does not start is a failed test"
)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::LOCATION;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// The client the test provider knows.
pub const CLIENT_ID: &str = "binhdan-test";
/// Its secret.
pub const CLIENT_SECRET: &str = "binhdan-test-secret";

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests-support/oidc-provider")
}

/// Node must be there (the tests fail, not skip, without it); `npm ci` once per run if the
/// provider's packages are missing.
fn ensure_node_and_packages() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let dir = provider_dir();
        match std::process::Command::new("node").arg("--version").output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => panic!(
                "`node --version` failed ({}): the sign-in tests need Node.js ≥ 20 to run the \
                 test provider (tests-support/oidc-provider/README.md)",
                out.status
            ),
            Err(e) => panic!(
                "Node.js is not installed ({e}): the sign-in tests need `node` (≥ 20) and `npm` \
                 to run the test provider in tests-support/oidc-provider (see its README.md)"
            ),
        }
        if dir.join("node_modules/oidc-provider/package.json").exists() {
            return;
        }
        let out = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("could not run `npm ci` in {}: {e}", dir.display()));
        assert!(
            out.status.success(),
            "`npm ci` in {} failed ({}):\n{}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// A running provider that accepts `redirect_uri` for [`CLIENT_ID`]; dropping it kills the
/// process.
pub struct TestProvider {
    pub issuer: String,
    redirect_uri: String,
    _child: Child,
}

impl TestProvider {
    /// Starts a provider on a free port.
    pub async fn start(redirect_uri: &str) -> Self {
        ensure_node_and_packages();
        let mut child = Command::new("node")
            .args(["server.mjs", "0", redirect_uri])
            .current_dir(provider_dir())
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start `node server.mjs`: {e}"));
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut stderr = child.stderr.take().unwrap();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
        let Ok(Ok(Some(line))) = first else {
            let mut log = String::new();
            let _ =
                tokio::time::timeout(Duration::from_secs(2), stderr.read_to_string(&mut log)).await;
            panic!("the test provider did not print READY within 30 s: {first:?}\n{log}");
        };
        let issuer = line
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("the provider's first line is not READY: {line}"))
            .to_owned();
        // Keep reading both pipes: oidc-provider prints notices on stdout later, and a closed
        // pipe kills node (EPIPE); a full one would block it.
        let show = std::env::var_os("OIDC_PROVIDER_LOG").is_some();
        tokio::spawn(async move {
            while let Ok(Some(l)) = lines.next_line().await {
                if show {
                    eprintln!("[provider] {l}");
                }
            }
        });
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                if show {
                    eprintln!("[provider] {l}");
                }
            }
        });
        Self {
            issuer,
            redirect_uri: redirect_uri.to_owned(),
            _child: child,
        }
    }

    /// Plays the browser from the authorization URL to the provider's redirect to the
    /// callback: keeps the provider's cookies, follows each `Location` by hand and signs
    /// `login` in at the interaction step. Returns the callback URL (never fetched: a browser
    /// would hand it to the relying party) and its query; the provider answering with an
    /// error fails the test.
    pub async fn sign_in(
        &self,
        authorize_url: &str,
        login: &str,
    ) -> (Url, HashMap<String, String>) {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut url = Url::parse(authorize_url).unwrap();
        for _ in 0..10 {
            if url.as_str().starts_with(&self.redirect_uri) {
                let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
                if let Some(error) = q.get("error") {
                    panic!(
                        "the provider answered {error}: {}",
                        q.get("error_description").map_or("", String::as_str)
                    );
                }
                assert!(q.contains_key("code") && q.contains_key("state"), "{url}");
                return (url, q);
            }
            if url.path().starts_with("/interaction/")
                && !url.query_pairs().any(|(k, _)| k == "login")
            {
                url.query_pairs_mut().append_pair("login", login);
            }
            let res = browser.get(url.clone()).send().await.unwrap();
            let Some(location) = res.headers().get(LOCATION) else {
                let status = res.status();
                panic!(
                    "no redirect from {}: {status} {}",
                    url.path(),
                    res.text().await.unwrap_or_default()
                );
            };
            url = url.join(location.to_str().unwrap()).unwrap();
        }
        panic!("more than 10 redirects");
    }
}

//! What the tests that run the real server share: starting it, and plain HTTP/1.1 requests.

#![allow(dead_code, reason = "each test binary uses a part")]
#![allow(
    clippy::disallowed_methods,
    reason = "synchronous tests: no runtime thread to block"
)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The operator token the servers are started with.
pub const TOKEN: &str = "test-operator-token";

/// One HTTP/1.1 request; the status and body, or `None` if the server did not answer.
pub fn http(addr: &str, method: &str, path: &str, body: &str) -> Option<(u16, String, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.get(9..12)?.parse().ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    Some((status, head.to_owned(), body.to_owned()))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn binhdan(dir: &Path, db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_binhdan"));
    c.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("BINHDAN_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("BINHDAN_KEYS_FILE", dir.join("keys.toml"))
        .env("BINHDAN_HTTP__OPERATOR_TOKEN", TOKEN)
        .env("BINHDAN_LOG__FILTER", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[allow(
    clippy::disallowed_methods,
    reason = "a deadline for a real server, on the monotonic clock"
)]
pub fn wait_ready(addr: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_mins(1) {
        if http(addr, "GET", "/healthz", "").is_some_and(|r| r.0 == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not start");
}

/// The wall clock, as the store counts time.
pub fn now() -> binhdan_core::Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    binhdan_core::Timestamp(i64::try_from(ms).unwrap())
}

/// The test's own connection to the server's SQLite file.
pub async fn store(db: &Path) -> std::sync::Arc<dyn binhdan_store::Store> {
    binhdan_store::connect(&binhdan_store::StoreConfig {
        url: binhdan_core::Secret::new(format!("sqlite://{}", db.display())),
        ..binhdan_store::StoreConfig::default()
    })
    .await
    .unwrap()
}

/// A session for `owner`, valid an hour: the cookie a browser sends and the CSRF token its
/// forms carry.
pub async fn signed_in(
    store: &dyn binhdan_store::Store,
    owner: binhdan_store::SessionOwner,
    now: binhdan_core::Timestamp,
) -> (String, String) {
    let token = binhdan_auth::session::SessionToken::generate(&mut rand::rng());
    store
        .create_session(&binhdan_store::SessionRecord {
            key: token.storage_key(),
            owner,
            created_at: now,
            last_seen_at: now,
            expires_at: binhdan_core::Timestamp(now.0 + 3_600_000),
        })
        .await
        .unwrap();
    (
        format!("binhdan={}", token.expose()),
        token.csrf_token().expose().clone(),
    )
}

//! The server closes connections that never send a whole request head, and serves a bounded
//! number at once, so a crowd of half-open connections neither keeps file descriptors nor
//! stops `/healthz` from answering for long. The real server, on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(
    clippy::disallowed_methods,
    reason = "a synchronous test of a real server: no runtime thread to block, deadlines on the monotonic clock"
)]

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::{Server, binhdan, free_port, http, wait_ready};

#[test]
fn half_open_connections_are_closed_and_healthz_answers() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.sqlite");
    assert!(
        binhdan(work.path(), &db, &["migrate"])
            .status()
            .unwrap()
            .success()
    );
    let addr = format!("127.0.0.1:{}", free_port());
    let _server = Server(
        binhdan(work.path(), &db, &["serve"])
            .env("BINHDAN_LISTEN", &addr)
            .env("BINHDAN_HTTP__MAX_CONNECTIONS", "20")
            .env("BINHDAN_HTTP__HEADER_READ_TIMEOUT_SECS", "1")
            .spawn()
            .unwrap(),
    );
    wait_ready(&addr);

    // Sixty clients that start a request and never finish its head: three times the cap.
    let mut idle: Vec<TcpStream> = (0..60)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
            s
        })
        .collect();

    // A well-behaved client still gets its answer once slots free (each idle one lasts 1 s).
    let start = Instant::now();
    let (status, _, body) = http(&addr, "GET", "/healthz", "").expect("healthz answers");
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );

    // Every idle connection is closed by the server, none answered 200.
    let start = Instant::now();
    for s in &mut idle {
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        assert!(!text.starts_with("HTTP/1.1 200"), "{text}");
    }
    assert!(
        start.elapsed() < Duration::from_secs(12),
        "idle connections kept open for {:?}",
        start.elapsed()
    );
}

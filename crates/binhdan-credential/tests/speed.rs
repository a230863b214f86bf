//! Verification throughput on one core. Meaningful only in release:
//! `cargo test --release -p binhdan-credential --test speed -- --ignored --nocapture`
#![allow(clippy::unwrap_used)]
#![allow(
    clippy::disallowed_methods,
    reason = "times verification with the monotonic clock"
)]

mod common;

use std::time::Instant;

use binhdan_credential::qr::{QrClaims, sign_qr, verify_qr};
use binhdan_credential::{sign_credential, verify_jwt};
use common::*;

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), so the rate is per
/// core even when the machine is shared; `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Runs `f` `n` times; returns (per wall second, per CPU second).
fn rate(n: u32, mut f: impl FnMut()) -> (f64, Option<f64>) {
    let cpu0 = thread_cpu_ns();
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    let wall = f64::from(n) / start.elapsed().as_secs_f64();
    let cpu = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => Some(f64::from(n) / ((b - a) as f64 / 1e9)),
        _ => None,
    };
    (wall, cpu)
}

#[test]
#[ignore = "timing; run in release with --ignored"]
fn verifications_per_second() {
    let ring = ring();
    let now = ts("2026-11-26T13:00:00Z");
    let token = sign_credential(&credential(), &key(KID_2027, 2)).unwrap();
    let n = 20_000u32;
    let (jwt_wall, jwt_cpu) = rate(n, || {
        assert!(verify_jwt(std::hint::black_box(&token), &ring, now).is_valid());
    });
    let claims = QrClaims::from_credential(&credential(), "key-2027").unwrap();
    let qr = sign_qr(
        &claims,
        &key(KID_2027, 2),
        "https://binhdan.gov.vn/xac-thuc/",
    )
    .unwrap();
    let (qr_wall, qr_cpu) = rate(n, || {
        assert!(verify_qr(std::hint::black_box(&qr), &ring, DID).is_ok());
    });
    eprintln!(
        "verify_jwt ({} byte token): {jwt_wall:.0}/s wall, {jwt_cpu:.0?}/s per CPU-second; \
         verify_qr ({} chars): {qr_wall:.0}/s wall, {qr_cpu:.0?}/s per CPU-second",
        token.len(),
        qr.len()
    );
    if !cfg!(debug_assertions) {
        let per_core = jwt_cpu.unwrap_or(jwt_wall);
        assert!(
            per_core >= 10_000.0,
            "{per_core:.0} verifications/s per core < 10,000"
        );
    }
}

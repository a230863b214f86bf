//! `binhdan counters rebuild`: on a province with villages and population figures, the
//! counters agree with the facts, said in the reader's language, exit 0. (What a rebuild finds
//! and mends is tested on both stores in `binhdan-store`'s contract and, over random
//! sequences of facts, in `binhdan-app`'s property test.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_binhdan"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "BINHDAN_DATABASE_URL",
            format!("sqlite://{}", dir.join("db.sqlite").display()),
        )
        .env("BINHDAN_LOG__FILTER", "error")
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_rebuild_of_a_fresh_province_agrees_with_its_facts() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = run(dir.path(), &["demo", "--people", "20000"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run(dir.path(), &["counters", "rebuild", "--check"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("tất cả khớp"), "{text}");
    let (code, text) = run(dir.path(), &["--lang", "en", "counters", "rebuild"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("all agree"), "{text}");
}

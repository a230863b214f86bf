//! `binhdan outbox`: a wrong state is refused in the reader's language with exit 2; retrying
//! and listing an empty outbox work; delivering without a receiver configured is an error,
//! not a panic. (Delivery itself is tested against a real receiver in `binhdan-app`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn run(dir: &std::path::Path, args: &[&str]) -> (Output, String) {
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
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

#[test]
fn the_outbox_commands_answer_in_the_readers_language() {
    let dir = tempfile::tempdir().unwrap();
    let (out, text) = run(dir.path(), &["outbox", "list", "--state", "lost"]);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("--state phải là pending, delivered hoặc dead"),
        "{text}"
    );
    let (out, text) = run(dir.path(), &["--lang", "en", "outbox", "retry"]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Put 0 dead messages back"), "{text}");
    let (out, text) = run(dir.path(), &["outbox", "list"]);
    assert!(out.status.success() && text.trim().is_empty(), "{text}");
    let (out, text) = run(dir.path(), &["outbox", "deliver"]);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("no delivery URL"), "{text}");
    assert!(!text.contains("panicked"), "{text}");
}

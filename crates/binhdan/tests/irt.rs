//! `binhdan irt calibrate` with too little data says so, in the reader's language, stores
//! nothing and exits 2 (the use case's recovery of known parameters, the items' and the
//! simulated tasks', is tested in `binhdan-app`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

#[test]
fn calibrating_without_answers_says_there_is_too_little_data() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, expected, tasks) in [
        (
            "vi",
            "Chưa đủ dữ liệu để hiệu chỉnh",
            "bài thực hành mô phỏng",
        ),
        ("en", "Too little data to calibrate", "simulated task"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_binhdan"))
            .args(["--lang", lang, "irt", "calibrate", "--model", "rasch"])
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "BINHDAN_DATABASE_URL",
                format!("sqlite://{}", dir.path().join("db.sqlite").display()),
            )
            .env("BINHDAN_LOG__FILTER", "error")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains(expected), "{text}");
        // The simulated tasks are calibrated with the items: the message names them too.
        assert!(text.contains(tasks), "{text}");
    }
}

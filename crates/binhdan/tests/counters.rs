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

#[test]
fn the_report_is_written_as_xlsx_and_csv_and_a_wrong_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = run(
        dir.path(),
        &["demo", "--people", "20000", "--learners", "0"],
    );
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run(
        dir.path(),
        &["report", "--unit", "38", "--out", "bao-cao.xlsx"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Đã ghi báo cáo"), "{text}");
    let xlsx = std::fs::read(dir.path().join("bao-cao.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK"), "a zip (XLSX)");
    let (code, text) = run(
        dir.path(),
        &[
            "report",
            "--unit",
            "38",
            "--format",
            "csv",
            "--out",
            "bao-cao.csv",
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    let csv = std::fs::read(dir.path().join("bao-cao.csv")).unwrap();
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]));
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(csv.contains("Cấp,Mã đơn vị,Tên đơn vị"), "{csv}");
    // The province, its 166 communes and their villages: one header, one line each.
    assert!(csv.lines().count() > 1 + 166, "{}", csv.lines().count());
    let (code, text) = run(
        dir.path(),
        &[
            "--lang", "en", "report", "--unit", "38", "--format", "pdf", "--out", "x",
        ],
    );
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("No report format “pdf”"), "{text}");
}

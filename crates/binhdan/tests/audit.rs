//! `binhdan audit verify` finds an edited, a deleted and a cut-off audit record. The database
//! refuses UPDATE and DELETE on the log (triggers), so the test plays an intruder with direct
//! access to the file who removes the triggers first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use sqlx::Connection as _;

fn run(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_binhdan"))
        .args(["--lang", "en"])
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "BINHDAN_DATABASE_URL",
            format!("sqlite://{}", dir.join("db.sqlite").display()),
        )
        .env("BINHDAN_KEYS_FILE", dir.join("keys.toml"))
        .env("BINHDAN_LOG__FILTER", "error")
        .output()
        .unwrap()
}

async fn tamper(dir: &std::path::Path, sql: &str) {
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A log of three records: three staff accounts created.
fn three_records() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw.txt"), "một mật khẩu đủ dài\n").unwrap();
    for name in ["mot", "hai", "ba"] {
        let o = run(
            dir.path(),
            &[
                "admin",
                "create",
                "--username",
                name,
                "--name",
                name,
                "--unit",
                "38",
                "--password-file",
                "pw.txt",
            ],
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = run(dir.path(), &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("3 records"), "{}", text(&o));
    dir
}

#[tokio::test]
async fn an_edited_record_is_found() {
    let dir = three_records();
    // The log refuses edits...
    let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let refused = sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
        .execute(&mut conn)
        .await;
    assert!(refused.is_err(), "the trigger refuses edits");
    conn.close().await.unwrap();
    // ...until an intruder drops the trigger.
    tamper(
        dir.path(),
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'operator' WHERE seq = 2;",
    )
    .await;
    let o = run(dir.path(), &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("record 2 does not match its hash"),
        "{}",
        text(&o)
    );
}

#[tokio::test]
async fn a_deleted_record_is_found() {
    let dir = three_records();
    tamper(
        dir.path(),
        "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2;",
    )
    .await;
    let o = run(dir.path(), &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("record 3 does not follow"),
        "{}",
        text(&o)
    );
}

#[tokio::test]
async fn records_cut_off_the_end_are_found() {
    let dir = three_records();
    tamper(
        dir.path(),
        "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3;",
    )
    .await;
    let o = run(dir.path(), &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("lost its last records"), "{}", text(&o));
}

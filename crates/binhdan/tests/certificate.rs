//! `binhdan certificate revoke`: the command line's way to the same use case as the staff page
//! (`binhdan_app::revocation`, whose effects are tested in the app). Here: what an operator is
//! told when the certificate does not exist, in both languages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::binhdan;

#[test]
fn revoking_an_unknown_certificate_says_so() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.sqlite");
    assert!(
        binhdan(work.path(), &db, &["migrate"])
            .status()
            .unwrap()
            .success()
    );
    for (lang, text) in [("vi", "Không có chứng chỉ này"), ("en", "certificate")] {
        let out = binhdan(
            work.path(),
            &db,
            &[
                "--lang",
                lang,
                "certificate",
                "revoke",
                "0190b1a2-0000-7000-8000-000000000000",
                "--reason",
                "Gian lận khi thi",
            ],
        )
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
        assert_eq!(out.status.code(), Some(2), "{lang}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(text), "{lang}: {stderr}");
    }
}

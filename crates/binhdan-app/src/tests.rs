//! Tests of the use cases, on a real store.

use binhdan_core::Timestamp;
use binhdan_store::testing::TestDb;

use crate::bootstrap::load_map;
use crate::villages::*;

const NOW: Timestamp = Timestamp(1_764_000_000_000);

async fn import(db: &TestDb, csv: &[u8], dry_run: bool) -> Result<ImportReport, ImportFailure> {
    import_villages(db.store.as_ref(), csv, ImportOptions { dry_run }, NOW).await
}

fn rows(e: ImportFailure) -> Vec<(usize, String, &'static str)> {
    match e {
        ImportFailure::Rows(r) => r
            .into_iter()
            .map(|e| (e.row, e.column, e.msg.key))
            .collect(),
        ImportFailure::Store(e) => panic!("store error {e}"),
    }
}

#[tokio::test]
async fn a_real_officials_file_imports() {
    let db = TestDb::sqlite().await;
    load_map(db.store.as_ref(), NOW).await.unwrap();
    // BOM, semicolons, Vietnamese headers, a commune code that lost its zeros, NFD text,
    // a blank line at the end.
    let nfd = "Tho\u{302}n Ye\u{302}n Tha\u{301}i";
    let csv = format!(
        "\u{feff}Mã xã;Tên thôn;Loại\n16591;{nfd};thôn\n16591;Bản Lè;\n4;Tổ dân phố 1;tdp\n;;\n"
    );
    let report = import(&db, csv.as_bytes(), false).await.unwrap();
    assert_eq!(report.count, 3);
    assert_eq!(report.created[0].name, "Thôn Yên Thái", "stored NFC");
    assert_eq!(report.created[1].division_type, "bản");
    assert_eq!(report.created[2].code.as_str(), "00004001");
    db.cleanup().await;
}

#[tokio::test]
async fn every_error_is_reported_and_nothing_is_written() {
    let db = TestDb::sqlite().await;
    load_map(db.store.as_ref(), NOW).await.unwrap();
    import(&db, "ma_xa,ten\n16591,Thôn Cũ\n".as_bytes(), false)
        .await
        .unwrap();
    let csv = "ma_xa,ten,loai\n16591,Thôn Mới,\n99999,Thôn Lạ,\n16591,thôn cũ,\n16591,,\n16591,Thôn Mới,\n16591,Thôn X,huyện\n";
    let errors = rows(import(&db, csv.as_bytes(), false).await.unwrap_err());
    // The file's own errors come first (rows 5, 6, 7); the store is not asked while any remain.
    assert_eq!(
        errors,
        [
            (5, "ten".to_owned(), "unit-name-empty"),
            (6, "ten".to_owned(), "import-village-repeated"),
            (7, "loai".to_owned(), "unit-division-type-unknown"),
        ]
    );
    let fixed = "ma_xa,ten\n16591,Thôn Mới\n99999,Thôn Lạ\n16591,thôn cũ\n";
    let errors = rows(import(&db, fixed.as_bytes(), false).await.unwrap_err());
    assert_eq!(
        errors,
        [
            (3, "commune_code".to_owned(), "unit-unknown"),
            (4, "name".to_owned(), "unit-village-duplicate")
        ]
    );
    let commune = binhdan_core::unit::UnitCode::parse("16591").unwrap();
    assert_eq!(
        db.store.subtree_counts(&commune).await.unwrap().villages,
        1,
        "only the first import's village"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn bad_files_get_row_level_answers() {
    let db = TestDb::sqlite().await;
    load_map(db.store.as_ref(), NOW).await.unwrap();
    let missing = rows(import(&db, b"ten\nThon A\n", false).await.unwrap_err());
    assert_eq!(
        missing,
        [(1, "commune_code".to_owned(), "import-column-missing")]
    );
    let latin1 = rows(
        import(&db, b"ma_xa,ten\n16591,Th\xf4n A\n", false)
            .await
            .unwrap_err(),
    );
    assert_eq!(latin1, [(2, String::new(), "import-not-utf8")]);
    // The whole file, not one of its rows (row 0), as for a roster.
    let empty = rows(import(&db, b"", false).await.unwrap_err());
    assert_eq!(empty, [(0, String::new(), "import-empty-file")]);
    db.cleanup().await;
}

#[tokio::test]
async fn a_workbook_of_villages_imports_like_a_csv() {
    use binhdan_tabular::write::{Out, Sheet, to_xlsx};
    let db = TestDb::sqlite().await;
    load_map(db.store.as_ref(), NOW).await.unwrap();
    // As an office's workbook: a title above the header, the same columns as the CSV.
    let text = |t: &str| Out::Text(t.to_owned());
    let sheet = Sheet {
        name: "Thôn".to_owned(),
        title: vec!["DANH SÁCH THÔN, BẢN".to_owned()],
        headers: vec!["Mã xã".to_owned(), "Tên thôn".to_owned(), "Loại".to_owned()],
        rows: vec![
            vec![text("16591"), text("Thôn Đông"), text("thôn")],
            vec![text("16591"), text(""), Out::Empty],
        ],
    };
    let xlsx = to_xlsx(std::slice::from_ref(&sheet)).unwrap();
    // A bad row is named by its row in the sheet (the title, a blank row and the header
    // come first) and its column by the header.
    let errors = rows(import(&db, &xlsx, false).await.unwrap_err());
    assert_eq!(errors, [(5, "Tên thôn".to_owned(), "unit-name-empty")]);
    let good = Sheet {
        rows: sheet.rows[..1].to_vec(),
        ..sheet
    };
    let report = import(&db, &to_xlsx(&[good]).unwrap(), false)
        .await
        .unwrap();
    assert_eq!(report.count, 1);
    assert_eq!(report.created[0].name, "Thôn Đông");
    db.cleanup().await;
}

#[tokio::test]
async fn a_dry_run_checks_everything_and_writes_nothing() {
    let db = TestDb::sqlite().await;
    load_map(db.store.as_ref(), NOW).await.unwrap();
    let report = import(
        &db,
        "ma_xa,ten\n16591,Thôn A\n16591,Thôn B\n".as_bytes(),
        true,
    )
    .await
    .unwrap();
    assert_eq!(report.count, 2);
    let commune = binhdan_core::unit::UnitCode::parse("16591").unwrap();
    assert_eq!(db.store.subtree_counts(&commune).await.unwrap().villages, 0);
    let errors = rows(
        import(&db, "ma_xa,ten\n99999,Thôn A\n".as_bytes(), true)
            .await
            .unwrap_err(),
    );
    assert_eq!(errors, [(2, "commune_code".to_owned(), "unit-unknown")]);
    db.cleanup().await;
}

#[tokio::test]
async fn the_demo_builds_a_province_once() {
    let db = TestDb::sqlite().await;
    let options = crate::demo::DemoOptions {
        people: 50_000,
        ..Default::default()
    };
    let summary = crate::demo::build(db.store.as_ref(), &options, NOW)
        .await
        .unwrap();
    assert_eq!(summary.communes, 166);
    assert!(summary.villages > 166 * 10);
    assert_eq!(
        summary.adults, 36_000,
        "exactly 72% of the people are adults"
    );
    let again = crate::demo::build(db.store.as_ref(), &options, NOW)
        .await
        .unwrap_err();
    assert!(
        matches!(again, crate::demo::DemoError::Refused(ref m) if m.key == "demo-province-not-empty")
    );
    db.cleanup().await;
}

#[tokio::test]
async fn a_broken_pack_is_refused_whole_and_a_good_one_loads() {
    let db = TestDb::sqlite().await;
    let dir = std::env::temp_dir().join(format!("binhdan-content-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("courses/x")).unwrap();
    std::fs::write(
        dir.join("courses/x/course.toml"),
        "id = \"x\"\nversion = 1\ngroup = \"nobody\"\n",
    )
    .unwrap();
    let Err(crate::content::ContentLoadError::Invalid(errors)) =
        crate::content::load(db.store.as_ref(), &dir, NOW).await
    else {
        panic!("a broken pack must be refused")
    };
    assert!(
        errors
            .iter()
            .any(|e| e.file.ends_with("course.toml") && e.line > 0),
        "{errors:?}"
    );
    assert!(
        db.store.courses().await.unwrap().is_empty(),
        "nothing loaded"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    let report = crate::content::load(db.store.as_ref(), &shipped, NOW)
        .await
        .unwrap();
    assert_eq!(report.courses, 4);
    db.cleanup().await;
}

#[tokio::test]
async fn official_population_figures_import_whole_or_not_at_all() {
    use binhdan_core::kpi::Group;
    use binhdan_core::unit::UnitCode;

    use crate::population::{PopulationScope, import_population};

    let db = TestDb::sqlite().await;
    load_map(db.store.as_ref(), NOW).await.unwrap();
    let dir = std::env::temp_dir().join(format!("binhdan-population-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "Mã đơn vị;Nhóm;Số lượng\n16591;Người trưởng thành;1.234\n99999;Học sinh;10\n16591;adult;5\n16636;nhóm lạ;7\n").unwrap();
    let ImportFailure::Rows(errors) = import_population(
        db.store.as_ref(),
        &bad,
        ImportOptions::default(),
        &PopulationScope::operator(),
        NOW,
    )
    .await
    .unwrap_err() else {
        panic!("rows expected")
    };
    let rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
    assert_eq!(
        rows,
        [3, 4, 5],
        "unknown unit, repeated group, unknown group: {errors:?}"
    );
    let commune = UnitCode::parse("16591").unwrap();
    assert!(
        db.store
            .population_under(&commune)
            .await
            .unwrap()
            .is_empty(),
        "nothing written"
    );

    let good = dir.join("good.csv");
    std::fs::write(&good, "\u{feff}Mã đơn vị,Nhóm,Số lượng\n16591,Người trưởng thành,\"1,234\"\n16591,Học sinh,300\n38,CBCCVC,40000\n").unwrap();
    let report = import_population(
        db.store.as_ref(),
        &good,
        ImportOptions::default(),
        &PopulationScope::operator(),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!((report.figures, report.people), (3, 41_534));
    assert_eq!(
        db.store.population_under(&commune).await.unwrap(),
        [(Group::Adult, 1234), (Group::Student, 300)]
    );
    let again = import_population(
        db.store.as_ref(),
        &good,
        ImportOptions::default(),
        &PopulationScope::operator(),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(again.figures, 3, "re-importing replaces, never adds");
    assert_eq!(
        db.store.population_under(&commune).await.unwrap(),
        [(Group::Adult, 1234), (Group::Student, 300)]
    );
    let _ = std::fs::remove_dir_all(&dir);
    db.cleanup().await;
}

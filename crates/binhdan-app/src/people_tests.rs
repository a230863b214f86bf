//! Tests of roster imports, on a real store.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use binhdan_core::Timestamp;
use binhdan_core::audit::{GENESIS, verify_chain};
use binhdan_core::kpi::Group;
use binhdan_core::people::Date;
use binhdan_core::unit::{DivisionType, UnitCode, UnitName};
use binhdan_store::testing::TestDb;
use binhdan_store::{NewOrganisation, NewVillage, OrgKind, Store, WriteMode};
use binhdan_vault::{Vault, VaultConfig};

use crate::bootstrap::load_map;
use crate::people::*;
use crate::villages::ImportFailure;

const NOW: Timestamp = Timestamp(1_764_000_000_000);

fn new_vault() -> Vault {
    Vault::new(&VaultConfig::generate(&mut rand::rng())).unwrap()
}

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

async fn setup(db: &TestDb) -> &dyn Store {
    let store = db.store.as_ref();
    load_map(store, NOW).await.unwrap();
    store
        .create_villages(
            &[
                NewVillage {
                    commune: code("16591"),
                    name: UnitName::parse("Thôn Yên Thái").unwrap(),
                    division_type: DivisionType::Thon,
                },
                NewVillage {
                    commune: code("16594"),
                    name: UnitName::parse("Thôn Khác").unwrap(),
                    division_type: DivisionType::Thon,
                },
            ],
            WriteMode::Commit,
            NOW,
        )
        .await
        .unwrap();
    store
}

fn options(roster: Roster) -> PeopleImportOptions {
    PeopleImportOptions {
        roster,
        rejects: RejectPolicy::AllOrNothing,
        dry_run: false,
        evaluation_date: Date::new(2026, 12, 31).unwrap(),
        allow_year_only: false,
        actor: "test".into(),
        reach: binhdan_store::Reach::everyone(),
        cancel: binhdan_tabular::Cancel::default(),
    }
}

fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

async fn run(
    store: &dyn Store,
    vault: &Vault,
    path: &Path,
    options: &PeopleImportOptions,
) -> Result<PeopleImportReport, ImportFailure> {
    let render: Render = Arc::new(|m| binhdan_i18n::Lang::Vi.tr(m));
    import_people(store, vault, path, options, render, &|_| {}, NOW).await
}

async fn roster(store: &dyn Store, unit: &str) -> Vec<(Group, u64)> {
    let u = store.unit(&code(unit)).await.unwrap().unwrap();
    store.roster_under(&u.path, u.level, &u.code).await.unwrap()
}

/// A file as officials make them: a BOM, headers without diacritics, a CCCD that lost its
/// leading zero, an Excel serial date, NFD and old-style tone placement, a village by name.
const OFFICIAL: &str = "\u{feff}Ho va ten,So CCCD,Ngay sinh,Gioi tinh,Thon,So dien thoai\n\
Nguyê\u{303}n Văn Hoà,38090012345,17/05/1990,Nam,Yên Thái,0912345678\n\
Lê Thị Thuý,038195001234,34700,Nữ,,\n\
Trần Văn Em,038210001111,2010-03-04,nam,Thôn Yên Thái,\n";

#[tokio::test]
async fn an_officials_file_imports_and_a_second_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "thon.csv", OFFICIAL);
    for db in TestDb::all().await {
        let store = setup(&db).await;
        let vault = new_vault();
        let opts = options(Roster::Unit(code("16591")));
        let report = run(store, &vault, &path, &opts).await.unwrap();
        assert_eq!((report.rows, report.written.added), (3, 3), "{}", db.name);
        let people = store
            .people_under("38/16591/", "hoa", None, 10)
            .await
            .unwrap();
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].name, "Nguyễn Văn Hoà", "stored NFC");
        assert_eq!(people[0].cccd_masked, "038*******45");
        assert_eq!(people[0].unit_code, "16591001", "the village named");
        // The number is sealed, and only the vault opens it.
        let detail = store.person(people[0].id).await.unwrap().unwrap();
        assert_eq!(
            vault.decrypt(&detail.cccd_sealed).unwrap().expose(),
            "038090012345"
        );
        assert!(new_vault().decrypt(&detail.cccd_sealed).is_err());
        // Adults at home: two (the 2010 child is not).
        assert_eq!(roster(store, "16591").await, vec![(Group::Adult, 2)]);

        let again = run(store, &vault, &path, &opts).await.unwrap();
        assert_eq!((again.written.added, again.written.unchanged), (0, 3));
        assert_eq!(roster(store, "16591").await, vec![(Group::Adult, 2)]);
        // Two imports, two audit records, one chain.
        let records = store.audit_records(0, 10).await.unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].action, "person.import");
        assert!(
            !records[0].detail.contains("038"),
            "no CCCD in the audit log"
        );
        verify_chain((0, GENESIS.to_owned()), &records).unwrap();
        db.cleanup().await;
    }
}

#[tokio::test]
async fn every_bad_row_is_reported_and_nothing_is_written_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Họ và tên,Số CCCD,Ngày sinh,Mã thôn\n\
Nguyễn Văn A,038090012345,17/05/1990,16591001\n\
,038090012346,17/05/1990,16591001\n\
Lê Văn B,038090012345,17/05/1990,16591001\n\
Trần C,038095012347,17/05/1990,16591001\n\
Phạm D,038090012348,17/05/1990,16594001\n\
Đỗ E,038090012349,31/02/1990,16591001\n\
Hồ F,038090012350,01/02/1990,16591009\n";
    let path = file(dir.path(), "xau.csv", text);
    let db = TestDb::sqlite().await;
    let store = setup(&db).await;
    let vault = new_vault();
    let opts = options(Roster::Unit(code("16591")));
    let Err(ImportFailure::Rows(errors)) = run(store, &vault, &path, &opts).await else {
        panic!("refused")
    };
    let got: Vec<(usize, &str, &str)> = errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.msg.key))
        .collect();
    assert_eq!(
        got,
        [
            (3, "Họ và tên", "person-name-empty"),
            (4, "Số CCCD", "person-cccd-repeated"),
            (5, "Số CCCD", "cccd-birth-year-mismatch"),
            (6, "Mã thôn", "import-unit-outside-roster"),
            (7, "Ngày sinh", "person-birth-date-not-real"),
            (8, "Mã thôn", "unit-unknown"),
        ]
    );
    for e in &errors {
        let shown = format!("{:?}", e.msg);
        assert!(
            !shown.contains("038090012345"),
            "a CCCD in a message: {shown}"
        );
    }
    assert!(
        store
            .people_under("38/", "", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.audit_head().await.unwrap().0, 0);

    // Keep the good rows; the bad ones go to a rejects file with their errors.
    let rejects = dir.path().join("loi.csv");
    let mut keep = opts.clone();
    keep.rejects = RejectPolicy::KeepGood(rejects.clone());
    let report = run(store, &vault, &path, &keep).await.unwrap();
    assert_eq!((report.written.added, report.rejected), (1, 6));
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with("Họ và tên,Số CCCD,Ngày sinh,Mã thôn")
    );
    let first = lines.next().unwrap();
    assert!(
        first.contains("Chưa nhập họ và tên") && first.contains(",3,"),
        "{first}"
    );
    assert_eq!(lines.count(), 5);
    db.cleanup().await;
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_an_organisation_gives_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::sqlite().await;
    let store = setup(&db).await;
    let vault = new_vault();
    let school = store
        .create_organisation(
            &NewOrganisation {
                kind: OrgKind::School,
                code: "38-001".into(),
                name: "Trường THCS Yên Thái".into(),
                commune: code("16591"),
                grades: Some((6, 9)),
            },
            binhdan_core::audit::AuditEntry::new("test", "organisation.create"),
            NOW,
        )
        .await
        .unwrap();
    let path = file(
        dir.path(),
        "hs.xlsx.csv",
        "Họ và tên,Số định danh,Ngày sinh,Lớp\nNguyễn Văn Nam,038212000001,01/02/2012,8A1\nLê Thị Lan,038313000002,03/04/2013,7A2\n",
    );
    let mut opts = options(Roster::Organisation(school.clone()));
    opts.dry_run = true;
    let report = run(store, &vault, &path, &opts).await.unwrap();
    assert_eq!(report.written.added, 2);
    assert!(
        store
            .people_under("38/", "", None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    opts.dry_run = false;
    run(store, &vault, &path, &opts).await.unwrap();
    assert_eq!(
        store.organisation_roster(school.id).await.unwrap(),
        vec![(Group::Student, 2)]
    );
    let members = store.organisation_members(school.id, 10).await.unwrap();
    assert_eq!(members.len(), 2);
    let nam = members.iter().find(|m| m.name == "Nguyễn Văn Nam").unwrap();
    let p = store.person(nam.id).await.unwrap().unwrap();
    assert_eq!(p.memberships[0].grade, Some(8), "grade from the class 8A1");
    assert_eq!(
        p.summary.unit_code, "16591",
        "home defaults to the school's commune"
    );
    db.cleanup().await;
}

#[test]
fn adults_are_18_on_the_evaluation_date() {
    let cutoff = adult_cutoff(Date::new(2026, 12, 31).unwrap());
    assert_eq!(
        cutoff.0,
        Date::new(2008, 12, 31).unwrap().days_since_epoch()
    );
    let leap = adult_cutoff(Date::new(2028, 2, 29).unwrap());
    assert_eq!(leap.0, Date::new(2010, 2, 28).unwrap().days_since_epoch());
}

//! The contract every store backend keeps: the same tests run on SQLite always and on
//! PostgreSQL when `BINHDAN_TEST_POSTGRES_URL` is set.

// Helpers outside `#[test]` functions: failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::panic)]

use binhdan_core::Timestamp;
use binhdan_core::demo::PopulationFigure;
use binhdan_core::kpi::Group;
use binhdan_core::reference::admin_units;
use binhdan_core::unit::{DivisionType, UnitCode, UnitError, UnitLevel, UnitName};
use binhdan_store::testing::TestDb;
use binhdan_store::{NewVillage, Store, StoreError, UnitQuery, WriteMode};

const NOW: Timestamp = Timestamp(1_764_000_000_000);

#[path = "contract/assist.rs"]
mod assist;
#[path = "contract/at_migration.rs"]
mod at_migration;
#[path = "contract/decoding.rs"]
mod decoding;
#[path = "contract/faults.rs"]
mod faults;
#[path = "contract/follow_up.rs"]
mod follow_up;
#[path = "contract/migrations.rs"]
mod migrations;
#[path = "contract/task_calibration.rs"]
mod task_calibration;
#[path = "contract/task_counters.rs"]
mod task_counters;
#[path = "contract/tasks.rs"]
mod tasks;
#[path = "contract/teams.rs"]
mod teams;
#[path = "contract/totp.rs"]
mod totp;

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

fn village(commune: &str, name: &str) -> NewVillage {
    NewVillage {
        commune: code(commune),
        name: UnitName::parse(name).unwrap(),
        division_type: DivisionType::Thon,
    }
}

async fn with_map(db: &TestDb) -> &dyn Store {
    let units = admin_units().unwrap();
    assert_eq!(
        db.store.load_admin_units(&units, NOW).await.unwrap(),
        3355,
        "{}",
        db.name
    );
    db.store.as_ref()
}

#[tokio::test]
async fn the_map_loads_once_and_keeps_its_codes() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let units = admin_units().unwrap();
        assert_eq!(
            store.load_admin_units(&units, NOW).await.unwrap(),
            0,
            "second load adds nothing"
        );
        let hn = store.unit(&code("01")).await.unwrap().unwrap();
        assert_eq!(
            (hn.name.as_str(), hn.level),
            ("Thành phố Hà Nội", UnitLevel::Province)
        );
        let provinces = store.children(None).await.unwrap();
        assert_eq!(provinces.len(), 34);
        assert_eq!(provinces[0].code.as_str(), "01");
        assert_eq!(store.children(Some(&code("38"))).await.unwrap().len(), 166);
        let counts = store.subtree_counts(&code("38")).await.unwrap();
        assert_eq!((counts.communes, counts.villages), (166, 0));
        assert!(store.unit(&code("99")).await.unwrap().is_none());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn search_ignores_case_diacritics_and_normal_form() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let nfd = "THANH HO\u{301}A";
        for q in ["thanh hoa", "THANH HÓA", nfd, "Thanh  Hoá"] {
            let found = store
                .search_units(&UnitQuery {
                    text: q.into(),
                    limit: 10,
                    ..Default::default()
                })
                .await
                .unwrap();
            assert_eq!(
                found.first().map(|u| u.code.as_str()),
                Some("38"),
                "{q} on {}",
                db.name
            );
        }
        let in_38 = store
            .search_units(&UnitQuery {
                text: "phuong".into(),
                level: Some(UnitLevel::Commune),
                within: Some(code("38")),
                limit: 200,
            })
            .await
            .unwrap();
        assert!(!in_38.is_empty());
        assert!(
            in_38
                .iter()
                .all(|u| u.path.starts_with("38/") && u.level == UnitLevel::Commune)
        );
        let none = store
            .search_units(&UnitQuery {
                text: "  ".into(),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(none.is_empty());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn villages_get_codes_paths_and_lineage() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let commune = store.children(Some(&code("38"))).await.unwrap()[0]
            .code
            .clone();
        let made = store
            .create_villages(
                &[
                    village(commune.as_str(), "Thôn Đông"),
                    village(commune.as_str(), "Thôn Đồng"),
                ],
                WriteMode::Commit,
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(made[0].code.as_str(), format!("{commune}001"));
        assert_eq!(made[1].code.as_str(), format!("{commune}002"));
        let more = store
            .create_villages(
                &[village(commune.as_str(), "Bản Lè")],
                WriteMode::Commit,
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(more[0].code.as_str(), format!("{commune}003"));

        let some = store
            .units_by_codes(&[code("38"), more[0].code.clone(), code("99")])
            .await
            .unwrap();
        let mut expected = vec!["38", more[0].code.as_str()];
        expected.sort_unstable();
        let got: Vec<_> = some.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(got, expected, "in code order");
        assert!(store.units_by_codes(&[]).await.unwrap().is_empty());

        let lineage = store.lineage(&more[0].code).await.unwrap();
        let codes: Vec<_> = lineage.iter().map(|u| u.code.as_str()).collect();
        assert_eq!(codes, ["38", commune.as_str(), more[0].code.as_str()]);

        let under = store
            .descendants(&code("38"), Some(UnitLevel::Village), None, 100)
            .await
            .unwrap();
        assert_eq!(under.len(), 3);
        let page = store.descendants(&code("38"), None, None, 2).await.unwrap();
        let next = store
            .descendants(&code("38"), None, Some(&page[1].code), 1000)
            .await
            .unwrap();
        assert_eq!(
            page.len() + next.len(),
            169,
            "166 communes and 3 villages, paged without overlap"
        );
        assert!(
            store
                .descendants(&code("01"), Some(UnitLevel::Village), None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.subtree_counts(&code("38")).await.unwrap().villages, 3);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_batch_with_any_bad_village_writes_nothing() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let commune = store.children(Some(&code("38"))).await.unwrap()[1]
            .code
            .clone();
        store
            .create_villages(
                &[village(commune.as_str(), "Thôn Hoà")],
                WriteMode::Commit,
                NOW,
            )
            .await
            .unwrap();
        let batch = [
            village(commune.as_str(), "Thôn Mới"),
            village(commune.as_str(), "thôn hòa"), // the same name, other tone placement
            village("99999", "Thôn Lạ"),           // no such commune
            village(commune.as_str(), "Thôn Mới"), // repeats the first row
        ];
        let Err(StoreError::Rejected(refusals)) =
            store.create_villages(&batch, WriteMode::Commit, NOW).await
        else {
            panic!("the batch must be refused on {}", db.name);
        };
        let by_row: Vec<_> = refusals.iter().map(|r| r.index).collect();
        assert_eq!(by_row, [1, 2, 3]);
        assert!(
            matches!(refusals[0].error, UnitError::DuplicateVillage { ref name, .. } if name == "Thôn Hoà")
        );
        assert!(matches!(refusals[1].error, UnitError::UnknownUnit { .. }));
        assert_eq!(
            store.subtree_counts(&commune).await.unwrap().villages,
            1,
            "nothing of the batch was written"
        );
        // A village can only go under a commune.
        let Err(StoreError::Rejected(r)) = store
            .create_villages(
                &[village("38", "x").with_commune("38")],
                WriteMode::Commit,
                NOW,
            )
            .await
        else {
            panic!()
        };
        assert!(matches!(r[0].error, UnitError::NotACommune { .. }));
        db.cleanup().await;
    }
}

trait WithCommune {
    fn with_commune(self, code: &str) -> Self;
}

impl WithCommune for NewVillage {
    fn with_commune(mut self, code: &str) -> Self {
        self.commune = UnitCode::parse(code).unwrap();
        self
    }
}

#[tokio::test]
async fn population_sums_over_a_subtree_and_replaces_figures() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let communes = store.children(Some(&code("38"))).await.unwrap();
        let made = store
            .create_villages(
                &[
                    village(communes[0].code.as_str(), "Thôn A"),
                    village(communes[1].code.as_str(), "Thôn B"),
                ],
                WriteMode::Commit,
                NOW,
            )
            .await
            .unwrap();
        let fig = |u: &UnitCode, group, count| PopulationFigure {
            unit: u.clone(),
            group,
            count,
        };
        store
            .set_population(
                &[
                    fig(&made[0].code, Group::Adult, 700),
                    fig(&made[1].code, Group::Adult, 300),
                    fig(&made[1].code, Group::Student, 90),
                ],
                "test",
                NOW,
            )
            .await
            .unwrap();
        store
            .set_population(&[fig(&made[0].code, Group::Adult, 710)], "test", NOW)
            .await
            .unwrap();
        let totals = store.population_under(&code("38")).await.unwrap();
        assert_eq!(
            totals,
            [(Group::Adult, 1010), (Group::Student, 90)],
            "{}",
            db.name
        );
        assert_eq!(
            store.population_under(&communes[1].code).await.unwrap(),
            [(Group::Adult, 300), (Group::Student, 90)]
        );
        assert!(
            store
                .population_under(&code("01"))
                .await
                .unwrap()
                .is_empty()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn targets_are_set_replaced_and_cleared_with_their_audit_record() {
    use binhdan_core::audit::AuditEntry;
    use binhdan_core::kpi::{Kpi, Target};
    use binhdan_core::people::Date;
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let t = |percent, d| Target {
            percent,
            deadline: Date::new(2026, 12, d).unwrap(),
        };
        let audit = || AuditEntry::new("admin", "target.set").subject("38");
        store
            .set_target(&code("38"), Kpi::K4, Some(t(85, 31)), "admin", audit(), NOW)
            .await
            .unwrap();
        store
            .set_target(&code("38"), Kpi::K4, Some(t(90, 20)), "admin", audit(), NOW)
            .await
            .unwrap();
        store
            .set_target(&code("01"), Kpi::K1, Some(t(70, 31)), "admin", audit(), NOW)
            .await
            .unwrap();
        let on = store.targets_on(&[code("38"), code("99")]).await.unwrap();
        assert_eq!(on.len(), 1, "{}", db.name);
        assert_eq!(
            (on[0].kpi, on[0].target, on[0].set_by.as_str()),
            (Kpi::K4, t(90, 20), "admin")
        );
        store
            .set_target(&code("38"), Kpi::K4, None, "admin", audit(), NOW)
            .await
            .unwrap();
        assert!(store.targets_on(&[code("38")]).await.unwrap().is_empty());
        assert!(matches!(
            store
                .set_target(&code("99"), Kpi::K4, Some(t(80, 31)), "admin", audit(), NOW)
                .await,
            Err(StoreError::NotFound(binhdan_store::Entity::Unit))
        ));
        // Four changes, four audit records (the refused one wrote none).
        let records = store.audit_records(0, 100).await.unwrap();
        assert_eq!(
            records.iter().filter(|r| r.action == "target.set").count(),
            4,
            "{}",
            db.name
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_store_answers_pings() {
    for db in TestDb::all().await {
        db.store.ping().await.unwrap();
        db.store.migrate().await.unwrap();
        db.cleanup().await;
    }
}

/// The rollups always equal the sum of the figures they stand for, whatever the order and
/// levels of the writes.
#[tokio::test]
async fn population_rollups_agree_with_the_figures() {
    for db in TestDb::all().await {
        let store = with_map(&db).await;
        let communes = store.children(Some(&code("38"))).await.unwrap();
        let (a, b) = (&communes[0].code, &communes[1].code);
        let v = store
            .create_villages(
                &[
                    village(a.as_str(), "Thôn 1"),
                    village(a.as_str(), "Thôn 2"),
                    village(b.as_str(), "Thôn 3"),
                ],
                WriteMode::Commit,
                NOW,
            )
            .await
            .unwrap();
        let fig = |u: &UnitCode, count| PopulationFigure {
            unit: u.clone(),
            group: Group::Worker,
            count,
        };
        store
            .set_population(
                &[
                    fig(&v[0].code, 10),
                    fig(&v[1].code, 20),
                    fig(&v[2].code, 40),
                ],
                "t",
                NOW,
            )
            .await
            .unwrap();
        store
            .set_population(
                &[fig(a, 5), fig(&v[1].code, 25), fig(&code("38"), 1)],
                "t",
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(
            store.population_under(a).await.unwrap(),
            [(Group::Worker, 40)],
            "5 + 10 + 25 on {}",
            db.name
        );
        assert_eq!(
            store.population_under(b).await.unwrap(),
            [(Group::Worker, 40)]
        );
        assert_eq!(
            store.population_under(&v[1].code).await.unwrap(),
            [(Group::Worker, 25)]
        );
        assert_eq!(
            store.population_under(&code("38")).await.unwrap(),
            [(Group::Worker, 81)]
        );
        db.cleanup().await;
    }
}

fn shipped_content() -> binhdan_content::Pack {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
    binhdan_content::load_dir(&root, "/noi-dung/tep")
        .unwrap_or_else(|e| panic!("the shipped content is valid: {e:?}"))
}

/// A content update keeps ids: changed text gets a new revision, what left the pack is
/// retired, and loading the same pack twice changes nothing.
#[tokio::test]
async fn content_loads_whole_and_updates_by_stable_ids() {
    let pack = shipped_content();
    for db in TestDb::all().await {
        let store = db.store.as_ref();
        let first = store.load_content(&pack, NOW).await.unwrap();
        assert_eq!(first.courses, 4, "{}", db.name);
        assert_eq!(first.lessons_added, pack.lessons.len() as u64);
        assert!(first.items_added >= 200);
        let again = store.load_content(&pack, NOW).await.unwrap();
        assert_eq!(
            (
                again.lessons_added,
                again.lessons_changed,
                again.items_added,
                again.items_changed
            ),
            (0, 0, 0, 0)
        );

        let mut edited = pack.clone();
        edited.lessons[0].markdown.push_str("\nThêm một câu.\n");
        let dropped_item = edited.items.pop().unwrap();
        for c in &mut edited.courses {
            for m in &mut c.modules {
                m.quiz.retain(|i| *i != dropped_item.id);
            }
        }
        let update = store.load_content(&edited, NOW).await.unwrap();
        assert_eq!(
            (
                update.lessons_changed,
                update.items_retired,
                update.lessons_retired
            ),
            (1, 1, 0)
        );
        let courses = store.courses().await.unwrap();
        assert_eq!(courses.len(), 4);
        assert_eq!(
            courses.iter().map(|c| c.lessons).sum::<u64>(),
            pack.lessons.len() as u64
        );
        let outline = store.course_outline("cong-dan").await.unwrap().unwrap();
        let first = &outline.modules[0].lessons[0];
        assert_eq!(
            outline.course.lessons,
            outline
                .modules
                .iter()
                .map(|m| m.lessons.len() as u64)
                .sum::<u64>()
        );
        let page = store.lesson_page(&first.id).await.unwrap().unwrap();
        assert_eq!(
            (page.course_id.as_str(), page.previous.as_ref()),
            ("cong-dan", None)
        );
        let second = page.next.clone().unwrap();
        let page2 = store.lesson_page(&second.id).await.unwrap().unwrap();
        assert_eq!(page2.previous.map(|p| p.id), Some(first.id.clone()));
        assert!(store.course_outline("none").await.unwrap().is_none());
        assert!(store.lesson_page("none").await.unwrap().is_none());
        let asset = &pack.assets[0];
        assert_eq!(
            store.content_asset(&asset.path).await.unwrap().as_deref(),
            Some(asset.bytes.as_slice())
        );
        assert!(
            store
                .content_asset("courses/none.svg")
                .await
                .unwrap()
                .is_none()
        );
        db.cleanup().await;
    }
}

// ---------------------------------------------------------------------------------------------
// People, organisations, staff, sessions, audit

mod people {
    use binhdan_auth::access::{Grant, Role, Scope};
    use binhdan_core::audit::{AuditEntry, GENESIS, verify_chain};
    use binhdan_core::cccd::Sex;
    use binhdan_core::kpi::Group;
    use binhdan_core::{Secret, Timestamp};
    use binhdan_store::testing::TestDb;
    use binhdan_store::{
        AdultCutoff, CredentialChange, MembershipRecord, NewOrganisation, NewStaff, OrgKind,
        PersonRecord, SessionOwner, SessionRecord, StaffWithin, Store, StoreError, WriteMode,
    };

    use super::{NOW, code, village, with_map};

    /// Born on or before 2008-12-31 is an adult (days since the epoch).
    const CUTOFF: AdultCutoff = AdultCutoff(14_244);

    fn person(n: u8, unit: &str, birth_year: i32) -> PersonRecord {
        PersonRecord {
            cccd_hash: [n; 32],
            cccd_sealed: vec![1, n],
            cccd_masked: format!("038*******{n:02}"),
            name: format!("Người {n}"),
            birth_year,
            birth_day: None,
            sex: Sex::Female,
            unit: code(unit),
            phone: None,
            membership: None,
        }
    }

    async fn roster(store: &dyn Store, unit: &str) -> Vec<(Group, u64)> {
        let u = store.unit(&code(unit)).await.unwrap().unwrap();
        store.roster_under(&u.path, u.level, &u.code).await.unwrap()
    }

    async fn setup(db: &TestDb) -> &dyn Store {
        let store = with_map(db).await;
        store
            .create_villages(&[village("16591", "Thôn Một")], WriteMode::Commit, NOW)
            .await
            .unwrap();
        store
    }

    #[tokio::test]
    async fn imports_upsert_by_cccd_and_move_roster_counters() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            let batch = vec![
                person(1, "16591001", 1990),
                person(2, "16591001", 2015),
                person(3, "16591", 1970),
            ];
            let counts = import.write(&batch).await.unwrap();
            assert_eq!((counts.added, counts.updated), (3, 0), "{}", db.name);
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            assert_eq!(roster(store, "16591001").await, vec![(Group::Adult, 1)]);
            assert_eq!(roster(store, "16591").await, vec![(Group::Adult, 2)]);
            assert_eq!(roster(store, "38").await, vec![(Group::Adult, 2)]);

            // The same file again changes nothing; a move changes the counters.
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            let counts = import.write(&batch).await.unwrap();
            assert_eq!((counts.added, counts.unchanged), (0, 3));
            let mut moved = person(1, "16591", 1990);
            moved.phone = Some("0912345678".into());
            let counts = import.write(&[moved]).await.unwrap();
            assert_eq!(counts.updated, 1);
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            assert_eq!(roster(store, "16591001").await, vec![(Group::Adult, 0)]);
            assert_eq!(roster(store, "16591").await, vec![(Group::Adult, 2)]);
            let p = store.person_by_cccd_hash(&[1; 32]).await.unwrap().unwrap();
            assert_eq!(
                (p.summary.unit_code.as_str(), p.phone.as_deref()),
                ("16591", Some("0912345678"))
            );
            // Listing and search within a subtree.
            let found = store
                .people_under("38/16591/", "NGUOI 2", None, 10)
                .await
                .unwrap();
            assert_eq!(found.len(), 1);
            assert!(
                store
                    .people_under("38/16594/", "", None, 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            db.cleanup().await;
        }
    }

    /// A check-in by name finds the one person whose whole name it is, without regard to case
    /// or diacritics, within the subtree, however many others' names contain it (a search
    /// for the part, cut at 20, would not reach them: those names sort before it).
    #[tokio::test]
    async fn a_whole_name_is_found_among_names_that_contain_it() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let named = |n: u8, unit: &str, name: &str| PersonRecord {
                name: name.to_owned(),
                ..person(n, unit, 1980)
            };
            let mut batch: Vec<PersonRecord> = (0..25)
                .map(|i| named(10 + i, "16591", &format!("Bùi Lê Văn An {i}")))
                .collect();
            batch.push(named(40, "16591001", "Lê Văn An"));
            batch.push(named(41, "16594", "LÊ VĂN AN"));
            batch.push(named(42, "16591", "Lê Văn Anh"));
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            import.write(&batch).await.unwrap();
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let ids = |found: Vec<binhdan_store::PersonSummary>| {
                found.into_iter().map(|p| p.name).collect::<Vec<_>>()
            };
            assert_eq!(
                ids(store
                    .people_named("38/16591/", "le  van AN", 20)
                    .await
                    .unwrap()),
                vec!["Lê Văn An"],
                "{}",
                db.name
            );
            assert_eq!(
                ids(store.people_named("38/", "Lê Văn An", 20).await.unwrap()),
                vec!["Lê Văn An", "LÊ VĂN AN"],
                "{}",
                db.name
            );
            assert!(
                store
                    .people_named("38/16594/", "Lê Văn Anh", 20)
                    .await
                    .unwrap()
                    .is_empty()
            );
            // The search by a part of the name lists the others first.
            assert!(
                !ids(store
                    .people_under("38/16591/", "le van an", None, 20)
                    .await
                    .unwrap())
                .contains(&"Lê Văn An".to_owned())
            );
            db.cleanup().await;
        }
    }

    /// A write within a reach changes only the people inside it: someone registered outside
    /// is refused by index and left exactly as they were (name, phone, home, counters); an
    /// organisation's roster never moves a home, and joins someone from outside only when the
    /// record gives their registered name and date of birth.
    #[tokio::test]
    async fn writes_within_a_reach_leave_everyone_else_alone() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let org = store
                .create_organisation(
                    &NewOrganisation {
                        kind: OrgKind::School,
                        code: "T1".into(),
                        name: "Trường Một".into(),
                        commune: code("16591"),
                        grades: None,
                    },
                    AuditEntry::new("test", "organisation.create"),
                    NOW,
                )
                .await
                .unwrap();
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            let mut outsider = person(1, "16594", 1990);
            outsider.birth_day = Some(7_441);
            outsider.phone = Some("0912345678".into());
            import
                .write(&[outsider.clone(), person(2, "16591001", 1990)])
                .await
                .unwrap();
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let before = store.person_by_cccd_hash(&[1; 32]).await.unwrap().unwrap();
            let counters = roster(store, "16594").await;

            // A commune's roster: renaming and moving the outsider is refused; its own person
            // moves within the commune; a new person is written.
            let reach = binhdan_store::Reach::unit("38/16591/");
            let mut taken = person(1, "16591", 1990);
            taken.name = "Kẻ Mạo Danh".into();
            taken.phone = Some("0987654321".into());
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            let out = import
                .write_within(
                    &[taken, person(2, "16591", 1990), person(3, "16591", 1990)],
                    &reach,
                )
                .await
                .unwrap();
            assert_eq!(out.outside, vec![0], "{}", db.name);
            assert_eq!(
                (out.counts.added, out.counts.updated),
                (1, 1),
                "{}",
                db.name
            );
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            assert_eq!(
                store.person_by_cccd_hash(&[1; 32]).await.unwrap().unwrap(),
                before
            );
            assert_eq!(roster(store, "16594").await, counters, "{}", db.name);
            let own = store.person_by_cccd_hash(&[2; 32]).await.unwrap().unwrap();
            assert_eq!(own.summary.unit_code, "16591");

            // The school's roster: the outsider under another name is refused; under their
            // registered name and date of birth they join, and keep home, name and phone.
            let reach = binhdan_store::Reach {
                organisations: vec![org.id],
                ..binhdan_store::Reach::default()
            };
            let member = |name: &str| {
                let mut r = person(1, "16591", 1990);
                r.name = name.into();
                r.birth_day = Some(7_441);
                r.membership = Some(MembershipRecord {
                    organisation_id: org.id,
                    group: Group::Student,
                    grade: Some(8),
                    class: Some("8A".into()),
                    position: None,
                });
                r
            };
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            let out = import
                .write_within(&[member("Tên Khác")], &reach)
                .await
                .unwrap();
            assert_eq!(out.outside, vec![0]);
            let out = import
                .write_within(&[member("NGƯỜI 1")], &reach)
                .await
                .unwrap();
            assert!(out.outside.is_empty(), "{}", db.name);
            assert_eq!(out.counts.memberships_added, 1);
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let after = store.person_by_cccd_hash(&[1; 32]).await.unwrap().unwrap();
            assert_eq!(after.summary, before.summary, "{}", db.name);
            assert_eq!(after.phone, before.phone);
            assert_eq!(after.memberships.len(), 1);
            // Now a member: the school changes their class, never their name, phone or home.
            let mut corrected = member("Tên Trường Ghi");
            corrected.phone = Some("0911111111".into());
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            let out = import.write_within(&[corrected], &reach).await.unwrap();
            assert!(out.outside.is_empty());
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let after = store.person_by_cccd_hash(&[1; 32]).await.unwrap().unwrap();
            assert_eq!(after.summary, before.summary, "{}", db.name);
            assert_eq!(after.phone, before.phone);
            db.cleanup().await;
        }
    }

    /// A rebuild from the facts agrees with the counters moved fact by fact; a counter gone
    /// wrong is found, named and mended (and the commune's daily changes still add up).
    #[tokio::test]
    async fn a_rebuild_finds_and_mends_a_counter_that_disagrees_with_the_facts() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            import
                .write(&[
                    person(1, "16591001", 1990),
                    person(2, "16591", 2015),
                    person(3, "16594", 1970),
                ])
                .await
                .unwrap();
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let clean = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
            assert!(
                clean.differences.is_empty(),
                "{}: {:?}",
                db.name,
                clean.differences
            );
            assert!(clean.compared >= 3);
            if db.name != "sqlite" {
                db.cleanup().await;
                continue;
            }
            let pool = sqlx::SqlitePool::connect(db.config.url.expose())
                .await
                .unwrap();
            sqlx::query("UPDATE unit_counter SET value = 7 WHERE unit_code = '16591001' AND metric = 'roster'")
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
            let found = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
            assert_eq!(found.differences.len(), 1, "{:?}", found.differences);
            let d = &found.differences[0];
            assert_eq!(
                (d.scope.as_str(), d.metric.as_str(), d.stored, d.rebuilt),
                ("unit:16591001", "roster", 7, 1)
            );
            assert!(!found.written);
            let mended = store.rebuild_counters(CUTOFF, true, NOW).await.unwrap();
            assert!(mended.written);
            assert!(
                store
                    .rebuild_counters(CUTOFF, false, NOW)
                    .await
                    .unwrap()
                    .differences
                    .is_empty()
            );
            db.cleanup().await;
        }
    }

    /// Dashboards read each child unit's counter, its change since a day, and its population;
    /// a unit's daily changes add up to its counter.
    #[tokio::test]
    async fn dashboards_read_children_and_daily_changes_from_the_counters() {
        const DAY: i64 = 86_400_000;
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let today = binhdan_core::people::Date::from_timestamp_vietnam(NOW)
                .unwrap()
                .days_since_epoch();
            let import_on = |day: i64, people: Vec<PersonRecord>| async move {
                let mut import = store
                    .begin_people_import(CUTOFF, Timestamp(NOW.0 + day * DAY))
                    .await
                    .unwrap();
                import.write(&people).await.unwrap();
                import
                    .commit(AuditEntry::new("cli", "person.import"))
                    .await
                    .unwrap();
            };
            import_on(
                -10,
                vec![person(1, "16591001", 1990), person(2, "16591", 1980)],
            )
            .await;
            import_on(
                -2,
                vec![person(3, "16591001", 1985), person(4, "16594", 1975)],
            )
            .await;
            import_on(0, vec![person(5, "16591001", 1960)]).await;
            store
                .set_population(
                    &[super::PopulationFigure {
                        unit: code("16591001"),
                        group: Group::Adult,
                        count: 40,
                    }],
                    "test",
                    NOW,
                )
                .await
                .unwrap();

            let communes = store
                .children_figures(&code("38"), Group::Adult, "roster", today - 7)
                .await
                .unwrap();
            assert_eq!(communes.len(), 166, "{}", db.name);
            let c = |k: &str| {
                communes
                    .iter()
                    .find(|f| f.code.as_str() == k)
                    .unwrap()
                    .clone()
            };
            let (a, b) = (c("16591"), c("16594"));
            assert_eq!(
                (a.value, a.recent, a.roster),
                (4, Some(2), 4),
                "{}",
                db.name
            );
            assert_eq!(
                a.population,
                Some(40),
                "the commune's roll-up of its village"
            );
            assert_eq!((b.value, b.recent, b.population), (1, Some(1), None));
            let villages = store
                .children_figures(&code("16591"), Group::Adult, "roster", today - 7)
                .await
                .unwrap();
            assert_eq!(villages.len(), 1);
            assert_eq!(
                (
                    villages[0].value,
                    villages[0].recent,
                    villages[0].population
                ),
                (3, None, Some(40))
            );

            let (before, days) = store
                .daily_changes(&code("38"), Group::Adult, "roster", today - 7)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (before, days.clone()),
                (2, vec![(today - 2, 2), (today, 1)]),
                "{}",
                db.name
            );
            let (before, days) = store
                .daily_changes(&code("16591"), Group::Adult, "roster", today - 30)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(before + days.iter().map(|d| d.1).sum::<i64>(), a.value);
            assert!(
                store
                    .daily_changes(&code("16591001"), Group::Adult, "roster", 0)
                    .await
                    .unwrap()
                    .is_none()
            );
            db.cleanup().await;
        }
    }

    #[tokio::test]
    async fn a_rolled_back_or_dropped_import_leaves_nothing() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            import.write(&[person(1, "16591001", 1990)]).await.unwrap();
            import.rollback().await.unwrap();
            {
                let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
                import.write(&[person(2, "16591001", 1990)]).await.unwrap();
                // Dropped without commit.
            }
            // An unknown unit refuses the batch.
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            assert!(matches!(
                import.write(&[person(3, "16594999", 1990)]).await,
                Err(StoreError::NotFound(binhdan_store::Entity::Unit))
            ));
            import.rollback().await.unwrap();
            assert!(
                store
                    .people_under("38/", "", None, 10)
                    .await
                    .unwrap()
                    .is_empty(),
                "{}",
                db.name
            );
            assert!(roster(store, "16591").await.is_empty());
            assert_eq!(store.audit_head().await.unwrap().0, 0);
            db.cleanup().await;
        }
    }

    #[tokio::test]
    async fn memberships_give_groups_counted_at_the_organisation() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let school = store
                .create_organisation(
                    &NewOrganisation {
                        kind: OrgKind::School,
                        code: "38-THCS-01".into(),
                        name: "Trường THCS Một".into(),
                        commune: code("16594"),
                        grades: Some((6, 9)),
                    },
                    AuditEntry::new("cli", "organisation.create"),
                    NOW,
                )
                .await
                .unwrap();
            let again = store
                .create_organisation(
                    &NewOrganisation {
                        kind: OrgKind::School,
                        code: "38-THCS-01".into(),
                        name: "Khác".into(),
                        commune: code("16594"),
                        grades: None,
                    },
                    AuditEntry::new("cli", "organisation.create"),
                    NOW,
                )
                .await;
            assert!(matches!(again, Err(StoreError::Conflict(_))), "{}", db.name);
            let mut student = person(7, "16591001", 2013);
            student.membership = Some(MembershipRecord {
                organisation_id: school.id,
                group: Group::Student,
                grade: Some(7),
                class: Some("7A".into()),
                position: None,
            });
            for _ in 0..2 {
                let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
                import.write(std::slice::from_ref(&student)).await.unwrap();
                import
                    .commit(AuditEntry::new("cli", "person.import"))
                    .await
                    .unwrap();
            }
            assert_eq!(
                store.organisation_roster(school.id).await.unwrap(),
                vec![(Group::Student, 1)]
            );
            assert_eq!(roster(store, "16594").await, vec![(Group::Student, 1)]);
            // A child: no adult count at home.
            assert!(roster(store, "16591001").await.is_empty());
            let p = store.person_by_cccd_hash(&[7; 32]).await.unwrap().unwrap();
            assert_eq!(p.memberships.len(), 1);
            assert_eq!(p.memberships[0].grade, Some(7));
            assert_eq!(
                store
                    .organisation_members(school.id, 10)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            assert_eq!(
                store
                    .organisation_by_code(OrgKind::School, "38-THCS-01")
                    .await
                    .unwrap()
                    .map(|o| o.id),
                Some(school.id)
            );
            db.cleanup().await;
        }
    }

    #[tokio::test]
    async fn staff_sessions_and_sign_ins_under_way() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let staff = NewStaff {
                username: "Admin.TH".into(),
                display_name: "Quản trị".into(),
                password_hash: Secret::new("$argon2id$x".into()),
                totp_secret: None,
                grants: vec![Grant::new(
                    Role::ProvinceAdmin,
                    Scope::Unit { path: "38/".into() },
                )],
            };
            let id = store
                .create_staff(&staff, AuditEntry::new("cli", "staff.create"), NOW)
                .await
                .unwrap();
            assert!(matches!(
                store
                    .create_staff(&staff, AuditEntry::new("cli", "staff.create"), NOW)
                    .await,
                Err(StoreError::Conflict("username"))
            ));
            let found = store.staff_by_username("admin.th").await.unwrap().unwrap();
            assert_eq!((found.id, found.grants.clone()), (id, staff.grants.clone()));
            assert_eq!(store.staff_count().await.unwrap(), 1);
            // A TOTP step is spent once; only a later one signs in next.
            assert!(store.claim_totp_step(id, 100).await.unwrap());
            assert!(!store.claim_totp_step(id, 100).await.unwrap(), "replay");
            assert!(!store.claim_totp_step(id, 99).await.unwrap(), "earlier");
            assert!(store.claim_totp_step(id, 101).await.unwrap());

            let session = SessionRecord {
                key: "k".into(),
                owner: SessionOwner::Staff(id),
                created_at: NOW,
                last_seen_at: NOW,
                expires_at: Timestamp(NOW.0 + 1000),
            };
            store.create_session(&session).await.unwrap();
            assert_eq!(store.session("k").await.unwrap(), Some(session.clone()));
            assert_eq!(
                store
                    .purge_sessions(Timestamp(NOW.0 + 1000), NOW)
                    .await
                    .unwrap(),
                1
            );
            assert_eq!(store.session("k").await.unwrap(), None);

            // Listed within its province, not within another; disabling ends its sessions.
            let listed = |w: StaffWithin| async move { store.staff_within(&w, 10).await.unwrap() };
            let within = staff.grants[0].clone();
            let binhdan_auth::access::Scope::Unit { path } = &within.scope else {
                panic!("a unit grant")
            };
            assert_eq!(listed(StaffWithin::Unit(path.clone())).await.len(), 1);
            assert!(listed(StaffWithin::Unit("99/".into())).await.is_empty());
            assert!(listed(StaffWithin::Organisation(12345)).await.is_empty());
            for key in ["a", "b"] {
                store
                    .create_session(&SessionRecord {
                        key: key.into(),
                        ..session.clone()
                    })
                    .await
                    .unwrap();
            }
            store
                .set_staff_credentials(
                    id,
                    &CredentialChange::Totp(Some(Secret::new("JBSWY3DPEHPK3PXP".into()))),
                    "a",
                    AuditEntry::new("staff:1", "staff.totp_enrol"),
                    NOW,
                )
                .await
                .unwrap();
            assert!(store.session("a").await.unwrap().is_some(), "kept");
            assert!(store.session("b").await.unwrap().is_none(), "ended");
            assert!(
                store
                    .staff(id)
                    .await
                    .unwrap()
                    .unwrap()
                    .totp_secret
                    .is_some()
            );
            assert!(
                store
                    .set_staff_disabled(id, true, AuditEntry::new("staff:1", "staff.disable"), NOW)
                    .await
                    .unwrap()
            );
            assert!(store.session("a").await.unwrap().is_none());
            assert!(store.staff(id).await.unwrap().unwrap().disabled);
            assert!(
                !store
                    .set_staff_disabled(
                        9999,
                        true,
                        AuditEntry::new("staff:1", "staff.disable"),
                        NOW
                    )
                    .await
                    .unwrap()
            );

            store.put_oidc_pending("s", "{}", NOW).await.unwrap();
            assert!(store.take_oidc_pending("s").await.unwrap().is_some());
            assert!(
                store.take_oidc_pending("s").await.unwrap().is_none(),
                "a state works once"
            );
            db.cleanup().await;
        }
    }

    /// What a signed-in request reads: the session with its account and every grant, in the
    /// order given; an account without grants; a citizen's session without an account.
    #[tokio::test]
    async fn a_session_is_read_with_its_account_and_grants() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            let new = |username: &str, grants: Vec<Grant>| NewStaff {
                username: username.into(),
                display_name: "Cán bộ".into(),
                password_hash: Secret::new("$argon2id$x".into()),
                totp_secret: None,
                grants,
            };
            let grants = vec![
                Grant::new(
                    Role::CommuneAdmin,
                    Scope::Unit {
                        path: "38/16591/".into(),
                    },
                ),
                Grant::new(Role::Auditor, Scope::Everywhere),
                Grant::new(
                    Role::VillageFacilitator,
                    Scope::Unit {
                        path: "38/16594/".into(),
                    },
                ),
            ];
            let audit = || AuditEntry::new("cli", "staff.create");
            let with = store
                .create_staff(&new("xa.mot", grants.clone()), audit(), NOW)
                .await
                .unwrap();
            let without = store
                .create_staff(&new("khong.quyen", Vec::new()), audit(), NOW)
                .await
                .unwrap();
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            import.write(&[person(1, "16591", 1990)]).await.unwrap();
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let citizen = store.person_by_cccd_hash(&[1; 32]).await.unwrap().unwrap();
            let session = |key: &str, owner| SessionRecord {
                key: key.into(),
                owner,
                created_at: NOW,
                last_seen_at: NOW,
                expires_at: Timestamp(NOW.0 + 1000),
            };
            for s in [
                session("s1", SessionOwner::Staff(with)),
                session("s2", SessionOwner::Staff(without)),
                session("c1", SessionOwner::Citizen(citizen.summary.id)),
            ] {
                store.create_session(&s).await.unwrap();
            }

            let (s, account) = store.session_with_staff("s1").await.unwrap().unwrap();
            assert_eq!(s, session("s1", SessionOwner::Staff(with)), "{}", db.name);
            let account = account.unwrap();
            assert_eq!(
                (account.id, account.username.as_str(), account.grants),
                (with, "xa.mot", grants.clone())
            );
            let (_, account) = store.session_with_staff("s2").await.unwrap().unwrap();
            let account = account.unwrap();
            assert_eq!((account.id, account.grants.len()), (without, 0));
            let (s, account) = store.session_with_staff("c1").await.unwrap().unwrap();
            assert_eq!(s.owner, SessionOwner::Citizen(citizen.summary.id));
            assert!(account.is_none());
            assert!(store.session_with_staff("none").await.unwrap().is_none());
            // The account read alone agrees.
            assert_eq!(store.staff(with).await.unwrap().unwrap().grants, grants);
            assert!(
                store
                    .staff(without)
                    .await
                    .unwrap()
                    .unwrap()
                    .grants
                    .is_empty()
            );
            assert!(store.staff(9_999).await.unwrap().is_none());
            db.cleanup().await;
        }
    }

    #[tokio::test]
    async fn the_audit_log_is_a_chain_that_refuses_edits() {
        for db in TestDb::all().await {
            let store = setup(&db).await;
            for i in 0..5 {
                store
                    .append_audit(AuditEntry::new("staff:1", "person.view").person(i), NOW)
                    .await
                    .unwrap();
            }
            let records = store.audit_records(0, 100).await.unwrap();
            assert_eq!(records.len(), 5);
            let (seq, hash) = verify_chain((0, GENESIS.to_owned()), &records).unwrap();
            assert_eq!((seq, hash), store.audit_head().await.unwrap());
            assert_eq!(store.audit_of_person(3, 10).await.unwrap().len(), 1);
            db.cleanup().await;
        }
    }
}

mod learning {
    use binhdan_content::quiz::Reply;
    use binhdan_content::{Answer, Item};
    use binhdan_core::audit::AuditEntry;
    use binhdan_core::cccd::Sex;
    use binhdan_core::kpi::Group;
    use binhdan_store::testing::TestDb;
    use binhdan_store::{
        AdultCutoff, AnswerOutcome, Finished, NewAnswer, PersonRecord, PlannedItem, Store,
        WriteMode,
    };

    use super::{NOW, code, shipped_content, village, with_map};

    const CUTOFF: AdultCutoff = AdultCutoff(14_244);

    fn right(item: &Item) -> Reply {
        match &item.answer {
            Answer::One(i) => Reply::One(*i),
            Answer::Many(v) => Reply::Many(v.clone()),
            Answer::Bool(b) => Reply::Bool(*b),
            Answer::InOrder => Reply::Order((0..item.options.len()).collect()),
        }
    }

    fn wrong(item: &Item) -> Reply {
        match &item.answer {
            Answer::One(i) => Reply::One((*i + 1) % item.options.len()),
            Answer::Many(_) => Reply::Many(vec![]),
            Answer::Bool(b) => Reply::Bool(!*b),
            Answer::InOrder => Reply::Order((0..item.options.len()).rev().collect()),
        }
    }

    async fn counters(store: &dyn Store, unit: &str) -> Vec<(Group, String, i64)> {
        store
            .unit_counters(&code(unit))
            .await
            .unwrap()
            .into_iter()
            .filter(|(_, m, _)| m != "roster")
            .collect()
    }

    /// Takes a module's quiz in one attempt, every answer right (or every one wrong).
    async fn take_quiz(store: &dyn Store, person: i64, module: &str, pass: bool) -> Option<bool> {
        let quiz = store.module_quiz(module).await.unwrap().unwrap();
        let plan: Vec<PlannedItem> = quiz
            .items
            .iter()
            .map(|(i, rev)| PlannedItem {
                item_id: i.id.clone(),
                revision: *rev,
                order: (0..i.options.len()).collect(),
            })
            .collect();
        let attempt = store
            .create_attempt(person, module, &plan, NOW)
            .await
            .unwrap();
        let mut last = None;
        for (position, (item, rev)) in quiz.items.iter().enumerate() {
            let reply = if pass { right(item) } else { wrong(item) };
            let correct = binhdan_content::quiz::grade(item, &reply);
            assert_eq!(correct, pass, "{}", item.id);
            let outcome = store
                .record_answer(
                    attempt.id,
                    person,
                    &NewAnswer {
                        item_id: item.id.clone(),
                        position: u32::try_from(position).unwrap(),
                        revision: *rev,
                        last: position + 1 == quiz.items.len(),
                        reply,
                        correct,
                        elapsed_ms: 4_000,
                    },
                    CUTOFF,
                    NOW,
                )
                .await
                .unwrap();
            let AnswerOutcome::Recorded {
                finished, answered, ..
            } = outcome
            else {
                panic!("{outcome:?}")
            };
            assert_eq!(answered as usize, position + 1);
            last = finished.map(|f| f.passed);
        }
        last
    }

    #[tokio::test]
    async fn lessons_and_quizzes_move_the_counters_once_per_fact() {
        let pack = shipped_content();
        for db in TestDb::all().await {
            let store = with_map(&db).await;
            store
                .create_villages(&[village("16591", "Thôn Một")], WriteMode::Commit, NOW)
                .await
                .unwrap();
            store.load_content(&pack, NOW).await.unwrap();
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            import
                .write(&[PersonRecord {
                    cccd_hash: [7; 32],
                    cccd_sealed: vec![1],
                    cccd_masked: "038*******07".into(),
                    name: "Người Học".into(),
                    birth_year: 1960,
                    birth_day: None,
                    sex: Sex::Female,
                    unit: code("16591001"),
                    phone: None,
                    membership: None,
                }])
                .await
                .unwrap();
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let me = store
                .person_by_cccd_hash(&[7; 32])
                .await
                .unwrap()
                .unwrap()
                .summary
                .id;
            let outline = store.course_outline("cong-dan").await.unwrap().unwrap();
            let first = &outline.modules[0];

            let done = store
                .complete_lesson(me, &first.lessons[0].id, CUTOFF, NOW)
                .await
                .unwrap();
            assert!(done.newly && !done.course_completed);
            let again = store
                .complete_lesson(me, &first.lessons[0].id, CUTOFF, NOW)
                .await
                .unwrap();
            assert!(!again.newly, "a lesson is done once");
            for unit in ["16591001", "16591"] {
                assert_eq!(
                    counters(store, unit).await,
                    [
                        (Group::Adult, "learning".to_owned(), 1),
                        (Group::Adult, "lessons".to_owned(), 1)
                    ],
                    "{unit} on {}",
                    db.name
                );
            }
            assert!(
                store
                    .complete_lesson(me, "khong-co-bai-nay", CUTOFF, NOW)
                    .await
                    .is_err()
            );

            // A failed attempt moves nothing; a pass moves `quizzes_passed` once.
            assert_eq!(take_quiz(store, me, &first.id, false).await, Some(false));
            assert_eq!(take_quiz(store, me, &first.id, true).await, Some(true));
            assert_eq!(take_quiz(store, me, &first.id, true).await, Some(true));
            let c = counters(store, "16591").await;
            assert!(
                c.contains(&(Group::Adult, "quizzes_passed".to_owned(), 1)),
                "{c:?}"
            );

            // Answers out of turn, twice, by someone else or after the end change nothing.
            let quiz = store.module_quiz(&first.id).await.unwrap().unwrap();
            let plan: Vec<PlannedItem> = quiz.items[..2]
                .iter()
                .map(|(item, rev)| PlannedItem {
                    item_id: item.id.clone(),
                    revision: *rev,
                    order: (0..item.options.len()).collect(),
                })
                .collect();
            let attempt = store
                .create_attempt(me, &first.id, &plan, NOW)
                .await
                .unwrap();
            assert_eq!(
                store
                    .open_attempt(me, &first.id)
                    .await
                    .unwrap()
                    .map(|a| a.id),
                Some(attempt.id)
            );
            let answer = |k: usize| NewAnswer {
                item_id: quiz.items[k].0.id.clone(),
                position: u32::try_from(k).unwrap(),
                revision: quiz.items[k].1,
                last: k == 1,
                reply: right(&quiz.items[k].0),
                correct: true,
                elapsed_ms: 1_000,
            };
            let record = |person: i64, k: usize| {
                let a = answer(k);
                async move {
                    store
                        .record_answer(attempt.id, person, &a, CUTOFF, NOW)
                        .await
                        .unwrap()
                }
            };
            assert_eq!(
                record(me, 1).await,
                AnswerOutcome::NotInAttempt,
                "out of turn"
            );
            assert_eq!(
                record(me + 1000, 0).await,
                AnswerOutcome::NotInAttempt,
                "not theirs"
            );
            assert_eq!(
                record(me, 0).await,
                AnswerOutcome::Recorded {
                    answered: 1,
                    finished: None
                }
            );
            assert_eq!(record(me, 0).await, AnswerOutcome::Duplicate);
            assert_eq!(
                record(me, 1).await,
                AnswerOutcome::Recorded {
                    answered: 2,
                    finished: Some(Finished {
                        passed: true,
                        correct: 2
                    })
                }
            );
            let stored = store.attempt(attempt.id).await.unwrap().unwrap();
            assert_eq!(
                (stored.answered, stored.correct, stored.passed),
                (2, 2, Some(true))
            );
            assert_eq!(store.attempt_answers(attempt.id).await.unwrap().len(), 2);
            assert!(stored.next_item().is_none());
            assert_eq!(
                store
                    .finish_attempt(attempt.id, me, CUTOFF, NOW)
                    .await
                    .unwrap(),
                Some(Finished {
                    passed: true,
                    correct: 2
                }),
                "finishing again tells how it ended and moves nothing"
            );
            assert!(store.open_attempt(me, &first.id).await.unwrap().is_none());

            // Every lesson and every quiz: the course is done and `skilled` moves once.
            let mut completed = false;
            for m in &outline.modules {
                for l in &m.lessons {
                    completed |= store
                        .complete_lesson(me, &l.id, CUTOFF, NOW)
                        .await
                        .unwrap()
                        .course_completed;
                }
            }
            assert!(!completed, "quizzes are still to pass");
            for m in &outline.modules[1..] {
                assert_eq!(take_quiz(store, me, &m.id, true).await, Some(true));
            }
            let progress = store.course_progress(me, "cong-dan").await.unwrap();
            assert!(progress.completed);
            assert_eq!(progress.quizzes_passed.len(), outline.modules.len());
            let lessons: usize = outline.modules.iter().map(|m| m.lessons.len()).sum();
            assert_eq!(progress.lessons_done.len(), lessons);
            let c = counters(store, "16591").await;
            let get = |metric: &str| {
                c.iter()
                    .find(|(g, m, _)| *g == Group::Adult && m == metric)
                    .map_or(0, |x| x.2)
            };
            assert_eq!(get("skilled"), 1, "{c:?}");
            assert_eq!(get("learning"), 1);
            assert_eq!(get("lessons"), i64::try_from(lessons).unwrap());
            assert_eq!(
                get("quizzes_passed"),
                i64::try_from(outline.modules.len()).unwrap()
            );
            // A province, a commune and a village read the same person once each.
            for unit in ["38", "16591", "16591001"] {
                let under = store.learning_under(&code(unit)).await.unwrap();
                assert!(
                    under.contains(&(Group::Adult, "skilled".to_owned(), 1))
                        && under.contains(&(Group::Adult, "learning".to_owned(), 1)),
                    "{unit}: {under:?}"
                );
            }
            assert!(
                store
                    .learning_under(&code("16594"))
                    .await
                    .unwrap()
                    .is_empty()
            );
            db.cleanup().await;
        }
    }

    #[tokio::test]
    async fn item_parameters_are_stored_as_versions() {
        use binhdan_store::{CalibrationRun, ItemParameter, TaskParameter};

        let pack = shipped_content();
        for db in TestDb::all().await {
            let store = with_map(&db).await;
            store.load_content(&pack, NOW).await.unwrap();
            assert!(store.item_parameters().await.unwrap().is_none());
            assert!(store.scored_responses().await.unwrap().is_empty());
            let run = CalibrationRun {
                model: "2pl".into(),
                persons: 300,
                responses: 2400,
                iterations: 42,
                converged: true,
                log_likelihood: -1234.5,
            };
            let params = vec![
                ItemParameter {
                    item_id: pack.items[0].id.clone(),
                    item_revision: 1,
                    a: 1.25,
                    b: -0.5,
                    responses: 300,
                    calibrated: true,
                },
                ItemParameter {
                    item_id: pack.items[1].id.clone(),
                    item_revision: 1,
                    a: 1.0,
                    b: 0.0,
                    responses: 2,
                    calibrated: false,
                },
            ];
            // The tasks' parameters go with the items' version (steps as given, exactly).
            let tasks = vec![
                TaskParameter {
                    task_id: pack.tasks[0].id.clone(),
                    task_version: pack.tasks[0].version,
                    a: 1.375,
                    steps: vec![-0.8125, 0.1 + 0.2, 1e-17],
                    responses: 250,
                    calibrated: true,
                },
                TaskParameter {
                    task_id: pack.tasks[1].id.clone(),
                    task_version: 7,
                    a: 1.0,
                    steps: vec![-1.25],
                    responses: 3,
                    calibrated: false,
                },
            ];
            let first = store
                .store_calibration(&run, &params, &tasks, NOW)
                .await
                .unwrap();
            let second = store
                .store_calibration(&run, &params[..1], &[], NOW)
                .await
                .unwrap();
            assert!(second > first);
            let (version, stored) = store.item_parameters().await.unwrap().unwrap();
            assert_eq!(version, second, "the latest version is in force");
            assert_eq!(stored, params[..1].to_vec(), "{}", db.name);
            let mut expected = tasks.clone();
            expected.sort_by(|x, y| x.task_id.cmp(&y.task_id));
            assert_eq!(
                store.task_parameters(first).await.unwrap(),
                expected,
                "{}",
                db.name
            );
            assert!(store.task_parameters(second).await.unwrap().is_empty());
            assert!(store.task_parameters(second + 1).await.unwrap().is_empty());
            db.cleanup().await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Live events

mod events {
    use binhdan_auth::access::{Grant, Role, Scope};
    use binhdan_core::Secret;
    use binhdan_core::Timestamp;
    use binhdan_core::audit::AuditEntry;
    use binhdan_core::cccd::Sex;
    use binhdan_core::kpi::Group;
    use binhdan_store::testing::TestDb;
    use binhdan_store::{
        AdultCutoff, CheckInOutcome, CheckInVia, EventKind, MembershipRecord, NewCheckIn, NewEvent,
        NewOrganisation, NewPoint, NewStaff, OrgKind, PersonRecord, Store, StoreError, WriteMode,
    };

    use super::{NOW, code, village, with_map};

    const CUTOFF: AdultCutoff = AdultCutoff(14_244);

    fn person(n: u8, unit: &str, birth_year: i32) -> PersonRecord {
        PersonRecord {
            cccd_hash: [n; 32],
            cccd_sealed: vec![1, n],
            cccd_masked: format!("038*******{n:02}"),
            name: format!("Người {n}"),
            birth_year,
            birth_day: None,
            sex: Sex::Male,
            unit: code(unit),
            phone: Some(format!("09123456{n:02}")),
            membership: None,
        }
    }

    fn check_in(event: i64, point: i64, participant: &str, person: Option<i64>) -> NewCheckIn {
        NewCheckIn {
            event_id: event,
            point_id: point,
            participant: participant.to_owned(),
            person_id: person,
            cccd_hash: None,
            reveal_within: vec!["38/16591/".to_owned()],
            via: CheckInVia::Cccd,
            label: participant.to_owned(),
            by: "staff:1".to_owned(),
            at: NOW,
        }
    }

    async fn host(store: &dyn Store, name: &str) -> i64 {
        store
            .create_staff(
                &NewStaff {
                    username: name.to_owned(),
                    display_name: name.to_owned(),
                    password_hash: Secret::new("x".to_owned()),
                    totp_secret: None,
                    grants: vec![Grant::new(
                        Role::VillageFacilitator,
                        Scope::Unit {
                            path: "38/16591/".to_owned(),
                        },
                    )],
                },
                AuditEntry::new("cli", "staff.create"),
                NOW,
            )
            .await
            .unwrap()
    }

    /// Check-ins count once per participant and event (across points, retries and twins in
    /// one batch); they move the points' figures and, once per person and group, the
    /// `participated` counters, which a rebuild from the facts agrees with; the newest
    /// headcount wins.
    #[tokio::test]
    async fn check_ins_count_once_and_move_points_and_participation() {
        for db in TestDb::all().await {
            let store = with_map(&db).await;
            store
                .create_villages(&[village("16591", "Thôn Một")], WriteMode::Commit, NOW)
                .await
                .unwrap();
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            import
                .write(&[person(1, "16591001", 1990), person(2, "16591001", 2015)])
                .await
                .unwrap();
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let p1 = store
                .person_by_cccd_hash(&[1; 32])
                .await
                .unwrap()
                .unwrap()
                .summary
                .id;
            let p2 = store
                .person_by_cccd_hash(&[2; 32])
                .await
                .unwrap()
                .unwrap()
                .summary
                .id;
            assert_eq!(
                store.people_with_phone("0912345601", 5).await.unwrap(),
                vec![(p1, "Người 1".to_owned(), "38/16591/16591001/".to_owned())]
            );

            let new = NewEvent {
                title: "Lễ ra quân".to_owned(),
                kind: EventKind::Ceremony,
                unit: code("38"),
                starts_at: NOW,
                ends_at: Timestamp(NOW.millis() + 3_600_000),
                broadcast_url: None,
            };
            assert!(matches!(
                store
                    .create_event(
                        &NewEvent {
                            unit: code("99"),
                            ..new.clone()
                        },
                        "staff:1",
                        NOW
                    )
                    .await,
                Err(StoreError::NotFound(binhdan_store::Entity::Unit))
            ));
            let event = store.create_event(&new, "staff:1", NOW).await.unwrap();
            let h = host(store, "chu.tri").await;
            let point = |name: &str, unit: &str, token: &str| NewPoint {
                name: name.to_owned(),
                unit: code(unit),
                host_id: h,
                expected: 40,
                token: token.to_owned(),
            };
            let ids = store
                .add_points(
                    event,
                    &[
                        point("Điểm thôn Một", "16591001", "t1"),
                        point("Điểm xã", "16591", "t2"),
                    ],
                )
                .await
                .unwrap();
            let (a, b) = (ids[0], ids[1]);
            // A taken name refuses the whole batch.
            assert!(matches!(
                store
                    .add_points(
                        event,
                        &[
                            point("Điểm mới", "16591", "t3"),
                            point("Điểm xã", "16591", "t4")
                        ]
                    )
                    .await,
                Err(StoreError::Conflict("point"))
            ));
            assert!(matches!(
                store
                    .add_points(
                        event,
                        &[NewPoint {
                            host_id: 999,
                            ..point("Điểm khác", "16591", "t5")
                        }]
                    )
                    .await,
                Err(StoreError::NotFound(binhdan_store::Entity::Host))
            ));
            assert_eq!(store.points(event).await.unwrap().len(), 2, "{}", db.name);
            let pa = store.point_by_token("t1").await.unwrap().unwrap();
            assert_eq!(
                (pa.id, pa.commune.as_ref().map(|c| c.0.as_str())),
                (a, Some("16591"))
            );
            assert_eq!(store.event(event).await.unwrap().unwrap().points, 2);
            assert_eq!(
                store
                    .events_for(Some("38/16591/"), h, 10)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            assert_eq!(store.events_for(None, h + 1, 10).await.unwrap().len(), 0);
            assert_eq!(store.points_hosted_by(h).await.unwrap().len(), 2);
            assert!(store.points_hosted_by(h + 1).await.unwrap().is_empty());
            assert_eq!(
                store.events_for(Some(""), h + 1, 10).await.unwrap().len(),
                1,
                "everywhere"
            );
            assert_eq!(
                store
                    .events_for(Some("38/16594/"), h + 1, 10)
                    .await
                    .unwrap()
                    .len(),
                0
            );

            let pk1 = format!("p:{p1}");
            let pk2 = format!("p:{p2}");
            let out = store
                .record_check_ins(
                    &[
                        check_in(event, a, &pk1, Some(p1)),
                        check_in(event, a, &pk1, Some(p1)),
                        check_in(event, a, &pk2, Some(p2)),
                        check_in(event, a, "c:guest", None),
                    ],
                    CUTOFF,
                    NOW,
                )
                .await
                .unwrap()
                .outcomes;
            let out: Vec<CheckInOutcome> = out.into_iter().map(|o| o.0).collect();
            assert_eq!(out[0], CheckInOutcome::New, "{}", db.name);
            assert!(matches!(out[1], CheckInOutcome::Already { point_id, .. } if point_id == a));
            assert_eq!(
                (&out[2], &out[3]),
                (&CheckInOutcome::New, &CheckInOutcome::New)
            );
            // The same person at another point, later: already counted, at the first point.
            let out = store
                .record_check_ins(&[check_in(event, b, &pk1, Some(p1))], CUTOFF, NOW)
                .await
                .unwrap()
                .outcomes;
            assert!(matches!(out[0].0, CheckInOutcome::Already { point_id, .. } if point_id == a));
            // A number typed at a point: its person on the registry, counted once (at the first
            // point); a number nobody has stays a guest.
            let typed = |hash: u8| NewCheckIn {
                cccd_hash: Some([hash; 32]),
                ..check_in(event, b, &format!("c:{hash}"), None)
            };
            // Typed by someone who may not see names there: the label stays as given.
            let elsewhere = NewCheckIn {
                reveal_within: vec!["38/16594/".to_owned()],
                ..typed(1)
            };
            let done = store
                .record_check_ins(&[elsewhere], CUTOFF, NOW)
                .await
                .unwrap();
            assert!(
                matches!(&done.outcomes[0], (CheckInOutcome::Already { .. }, label) if label == "c:1"),
                "{:?}",
                done.outcomes
            );
            let done = store
                .record_check_ins(&[typed(2), typed(9)], CUTOFF, NOW)
                .await
                .unwrap();
            assert!(
                matches!(&done.outcomes[0], (CheckInOutcome::Already { point_id, .. }, label) if *point_id == a && label == "Người 2"),
                "{:?}",
                done.outcomes
            );
            assert_eq!(done.outcomes[1], (CheckInOutcome::New, "c:9".to_owned()));
            assert_eq!(done.points, vec![(b, 1, 0)]);

            assert!(
                store
                    .set_headcount(b, 12, Timestamp(NOW.millis() + 10), NOW)
                    .await
                    .unwrap()
            );
            assert!(
                !store
                    .set_headcount(b, 5, Timestamp(NOW.millis() + 5), NOW)
                    .await
                    .unwrap()
            );
            let points = store.points(event).await.unwrap();
            let by_id = |id: i64| points.iter().find(|p| p.id == id).unwrap();
            assert_eq!((by_id(a).checked_in, by_id(a).headcount), (3, 0));
            assert_eq!(
                (
                    by_id(b).checked_in,
                    by_id(b).headcount,
                    by_id(b).participants()
                ),
                (1, 12, 13)
            );
            assert!(by_id(a).connected_at.is_some() && by_id(b).connected_at.is_some());
            assert_eq!(
                store.event_groups(event).await.unwrap(),
                vec![
                    ("adult".to_owned(), 1),
                    ("guest".to_owned(), 2),
                    ("other".to_owned(), 1)
                ]
            );
            assert_eq!(store.point_check_ins(a, 10).await.unwrap().len(), 3);

            // Participation: the adult counts in their village (and commune), once.
            let village = store.unit_counters(&code("16591001")).await.unwrap();
            assert!(
                village.contains(&(Group::Adult, "participated".to_owned(), 1)),
                "{village:?}"
            );
            let second = store
                .create_event(
                    &NewEvent {
                        title: "Lớp học".to_owned(),
                        kind: EventKind::Class,
                        ..new.clone()
                    },
                    "staff:1",
                    NOW,
                )
                .await
                .unwrap();
            let c = store
                .add_points(second, &[point("Điểm thôn Một", "16591001", "t9")])
                .await
                .unwrap()[0];
            let out = store
                .record_check_ins(&[check_in(second, c, &pk1, Some(p1))], CUTOFF, NOW)
                .await
                .unwrap()
                .outcomes;
            assert_eq!(out[0].0, CheckInOutcome::New);
            let commune = store.unit_counters(&code("16591")).await.unwrap();
            assert!(
                commune.contains(&(Group::Adult, "participated".to_owned(), 1)),
                "{commune:?}"
            );
            // A worker of an enterprise, typed by CCCD: the number's look-up also gives their
            // groups (adult and worker), counted at the point and at the enterprise.
            let firm = store
                .create_organisation(
                    &NewOrganisation {
                        kind: OrgKind::Enterprise,
                        code: "38-DN-01".into(),
                        name: "Công ty Một".into(),
                        commune: code("16591"),
                        grades: None,
                    },
                    AuditEntry::new("cli", "organisation.create"),
                    NOW,
                )
                .await
                .unwrap();
            let mut worker = person(3, "16591001", 1985);
            worker.membership = Some(MembershipRecord {
                organisation_id: firm.id,
                group: Group::Worker,
                grade: None,
                class: None,
                position: None,
            });
            let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
            import.write(&[worker]).await.unwrap();
            import
                .commit(AuditEntry::new("cli", "person.import"))
                .await
                .unwrap();
            let done = store
                .record_check_ins(
                    &[NewCheckIn {
                        cccd_hash: Some([3; 32]),
                        ..check_in(second, c, "c:3", None)
                    }],
                    CUTOFF,
                    NOW,
                )
                .await
                .unwrap();
            assert_eq!(
                done.outcomes,
                vec![(CheckInOutcome::New, "Người 3".to_owned())],
                "{}",
                db.name
            );
            assert_eq!(
                store.event_groups(second).await.unwrap(),
                vec![("adult".to_owned(), 2), ("worker".to_owned(), 1)],
                "{}",
                db.name
            );
            assert!(
                store
                    .organisation_counters(firm.id)
                    .await
                    .unwrap()
                    .contains(&(Group::Worker, "participated".to_owned(), 1)),
                "{}",
                db.name
            );
            let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
            assert!(rebuilt.differences.is_empty(), "{:?}", rebuilt.differences);
            db.cleanup().await;
        }
    }
}

/// Tidy: on PostgreSQL every code and path column (`code`, `path`, `…_code`, `…_path`) is in
/// the "C" collation, so that subtree ranges and prefixes compare byte by byte whatever the
/// database's default collation. A new migration that forgets `COLLATE "C"` fails here.
#[tokio::test]
async fn every_code_and_path_column_compares_byte_by_byte() {
    let Ok(url) = std::env::var(binhdan_store::testing::POSTGRES_URL_VAR) else {
        return;
    };
    if url.is_empty() {
        return;
    }
    let db = TestDb::postgres(&url).await;
    let schema = db.config.schema.clone().unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let wrong: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, collation_name::text \
         FROM information_schema.columns \
         WHERE table_schema = $1 AND data_type = 'text' \
           AND (column_name IN ('code', 'path') OR column_name LIKE '%\\_code' OR column_name LIKE '%\\_path') \
           AND collation_name IS DISTINCT FROM 'C' \
         ORDER BY 1, 2",
    )
    .bind(&schema)
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    db.cleanup().await;
    assert!(wrong.is_empty(), "columns without COLLATE \"C\": {wrong:?}");
}

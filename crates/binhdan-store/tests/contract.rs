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

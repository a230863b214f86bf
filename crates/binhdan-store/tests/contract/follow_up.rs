//! What the staff pages read to tell a commune whom to visit: residents with their learning,
//! filtered by status in one query (paged by name), and the audit log searched by person,
//! action and time within the reader's units.

use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_store::testing::TestDb;
use binhdan_store::{
    AdultCutoff, AuditQuery, LearnersQuery, LearningStatus, PersonRecord, Store, WriteMode,
};

use super::{NOW, code, village, with_map};

const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX);
const DAY: i64 = 86_400_000;

/// Thôn Một (16591) with four residents and Thôn Hai (16594) with one: their ids, by name.
async fn setup(db: &TestDb) -> (&dyn Store, Vec<i64>) {
    let store = with_map(db).await;
    store
        .create_villages(
            &[village("16591", "Thôn Một"), village("16594", "Thôn Hai")],
            WriteMode::Commit,
            NOW,
        )
        .await
        .unwrap();
    store
        .load_content(&super::shipped_content(), NOW)
        .await
        .unwrap();
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    let people: Vec<PersonRecord> = ["An", "Bình", "Chi", "Dũng", "Em"]
        .iter()
        .zip(1u8..)
        .map(|(name, n)| PersonRecord {
            cccd_hash: [n; 32],
            cccd_sealed: vec![1, n],
            cccd_masked: format!("038*******{n:02}"),
            name: format!("Người {name}"),
            birth_year: 1960,
            birth_day: None,
            sex: Sex::Female,
            unit: code(if n == 5 { "16594001" } else { "16591001" }),
            phone: None,
            membership: None,
        })
        .collect();
    import.write(&people).await.unwrap();
    import
        .commit(AuditEntry::new("cli", "person.import"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 1..=5u8 {
        ids.push(
            store
                .person_by_cccd_hash(&[n; 32])
                .await
                .unwrap()
                .unwrap()
                .summary
                .id,
        );
    }
    (store, ids)
}

fn query(status: Option<LearningStatus>) -> LearnersQuery<'static> {
    LearnersQuery {
        path: "38/16591/",
        text: "",
        status,
        stuck_before: Timestamp(NOW.0 - 14 * DAY),
        after: None,
        limit: 10,
    }
}

#[tokio::test]
async fn learners_are_read_with_their_learning_and_filtered_by_status() {
    for db in TestDb::all().await {
        let (store, ids) = setup(&db).await;
        let outline = store.course_outline("cong-dan").await.unwrap().unwrap();
        let lessons: Vec<&str> = outline
            .modules
            .iter()
            .flat_map(|m| m.lessons.iter().map(|l| l.id.as_str()))
            .collect();
        // Bình learns today (two lessons), Chi stopped 20 days ago, An and Dũng have not started.
        for l in &lessons[..2] {
            store.complete_lesson(ids[1], l, CUTOFF, NOW).await.unwrap();
        }
        store
            .complete_lesson(ids[2], lessons[0], CUTOFF, Timestamp(NOW.0 - 20 * DAY))
            .await
            .unwrap();

        let all = store.learners_under(&query(None)).await.unwrap();
        assert_eq!(all.lessons_total as usize, lessons.len(), "{}", db.name);
        assert_eq!(all.people.len(), 4, "the commune only, {}", db.name);
        assert_eq!(all.people[0].home, "Thôn Một");
        let binh = &all.people[1];
        assert_eq!(binh.person.name, "Người Bình");
        assert!(binh.facts.learning && !binh.facts.skilled && !binh.facts.certified);
        assert_eq!(binh.facts.lessons_done, 2);
        assert_eq!(binh.facts.last_lesson_at, Some(NOW));

        let names = |page: &binhdan_store::LearnersPage| -> Vec<String> {
            page.people.iter().map(|p| p.person.name.clone()).collect()
        };
        for (status, expected) in [
            (LearningStatus::NotStarted, vec!["Người An", "Người Dũng"]),
            (LearningStatus::Learning, vec!["Người Bình"]),
            (LearningStatus::Stuck, vec!["Người Chi"]),
            (LearningStatus::Skilled, vec![]),
            (LearningStatus::Certified, vec![]),
        ] {
            let page = store.learners_under(&query(Some(status))).await.unwrap();
            assert_eq!(names(&page), expected, "{status:?} on {}", db.name);
        }
        // Paged by name within a status, and searched by name.
        let key = binhdan_core::text::search_key("Người An");
        let after = store
            .learners_under(&LearnersQuery {
                after: Some((&key, ids[0])),
                ..query(Some(LearningStatus::NotStarted))
            })
            .await
            .unwrap();
        assert_eq!(names(&after), ["Người Dũng"], "{}", db.name);
        let found = store
            .learners_under(&LearnersQuery {
                text: "nguoi chi",
                ..query(None)
            })
            .await
            .unwrap();
        assert_eq!(names(&found), ["Người Chi"], "{}", db.name);

        let (facts, total) = store.learner_facts(ids[2]).await.unwrap();
        assert_eq!(total as usize, lessons.len());
        assert!(facts.learning);
        assert_eq!(facts.lessons_done, 1);
        assert_eq!(facts.last_lesson_at, Some(Timestamp(NOW.0 - 20 * DAY)));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_audit_log_is_searched_within_the_readers_units() {
    for db in TestDb::all().await {
        let (store, ids) = setup(&db).await;
        let put = |e: AuditEntry, at: i64| store.append_audit(e, Timestamp(at));
        put(
            AuditEntry::new("staff:1", "person.view").person(ids[0]),
            NOW.0,
        )
        .await
        .unwrap();
        put(
            AuditEntry::new("staff:2", "person.view").person(ids[4]),
            NOW.0,
        )
        .await
        .unwrap();
        put(
            AuditEntry::new("staff:2", "person.list").subject("unit:16594"),
            NOW.0 + 1,
        )
        .await
        .unwrap();
        put(
            AuditEntry::new("staff:1", "team.visit").subject("unit:16591001:visit:7"),
            NOW.0 + 2,
        )
        .await
        .unwrap();
        put(
            AuditEntry::new("cli", "target.set").subject("16591"),
            NOW.0 - 3 * DAY,
        )
        .await
        .unwrap();
        // A subject that only starts like a unit of the commune is not one of it.
        put(
            AuditEntry::new("cli", "report.export").subject("165910"),
            NOW.0,
        )
        .await
        .unwrap();
        let search = |q: AuditQuery| async move {
            store
                .audit_search(&AuditQuery { limit: 50, ..q })
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.action, r.subject, r.person_id))
                .collect::<Vec<_>>()
        };
        let ours = search(AuditQuery {
            within: Some(vec!["38/16591/".into()]),
            ..AuditQuery::default()
        })
        .await;
        assert_eq!(
            ours,
            [
                ("target.set".into(), "16591".into(), None),
                ("team.visit".into(), "unit:16591001:visit:7".into(), None),
                ("person.view".into(), String::new(), Some(ids[0])),
            ],
            "newest first, the commune's only, on {}",
            db.name
        );
        let theirs = search(AuditQuery {
            within: Some(vec!["38/16594/".into()]),
            ..AuditQuery::default()
        })
        .await;
        assert_eq!(theirs.len(), 2, "{theirs:?} on {}", db.name);
        let both = search(AuditQuery {
            within: Some(vec!["38/16591/".into(), "38/16594/".into()]),
            ..AuditQuery::default()
        })
        .await;
        assert_eq!(both.len(), 5, "{both:?}");
        let everything = search(AuditQuery::default()).await;
        assert_eq!(everything.len(), 7, "the import too: {everything:?}");
        // Filters: actor, person, action, time, cursor.
        let by_actor = search(AuditQuery {
            actor: Some("staff:2".into()),
            ..AuditQuery::default()
        })
        .await;
        assert_eq!(by_actor.len(), 2);
        let about = search(AuditQuery {
            person: Some(ids[4]),
            within: Some(vec!["38/16591/".into()]),
            ..AuditQuery::default()
        })
        .await;
        assert!(about.is_empty(), "another commune's person: {about:?}");
        let action = search(AuditQuery {
            action: Some("person.view".into()),
            ..AuditQuery::default()
        })
        .await;
        assert_eq!(action.len(), 2);
        let days = search(AuditQuery {
            from: Some(NOW.0 - 4 * DAY),
            until: Some(NOW.0),
            ..AuditQuery::default()
        })
        .await;
        assert_eq!(days, [("target.set".into(), "16591".into(), None)]);
        let head = store.audit_head().await.unwrap().0;
        let older = search(AuditQuery {
            before_seq: Some(head - 1),
            ..AuditQuery::default()
        })
        .await;
        assert_eq!(older.len(), 5, "before the last two: {older:?}");
        db.cleanup().await;
    }
}

//! Shared devices and supervised sittings: an assisted answer is marked once; a class's join
//! code and sessions are found by their hash; a member has one open sitting, a resend finds
//! it, a passed one moves `certified_assisted` and voiding moves it back, once; the counter
//! agrees with its rebuild.

use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::Secret;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_store::testing::TestDb;
use binhdan_store::{
    AdultCutoff, AssistVia, AssistedAnswer, AssistedStart, CERTIFIED_ASSISTED, ClassSession,
    ExamKind, ExamLimits, ExamStart, NewAssistedSitting, NewClass, NewExamAttempt, NewStaff,
    PersonRecord, Review, Store, StoreError, TEAM_GROUP, WriteMode,
};

use super::{NOW, code, village, with_map};

const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX);

/// Thôn Một, two residents and a facilitator: (store, member, people).
async fn setup(db: &TestDb) -> (&dyn Store, i64, Vec<i64>) {
    let store = with_map(db).await;
    store
        .create_villages(&[village("16591", "Thôn Một")], WriteMode::Commit, NOW)
        .await
        .unwrap();
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    let people: Vec<PersonRecord> = (1..=2u8)
        .map(|n| PersonRecord {
            cccd_hash: [n; 32],
            cccd_sealed: vec![1, n],
            cccd_masked: format!("038*******{n:02}"),
            name: format!("Người {n}"),
            birth_year: 1960,
            birth_day: None,
            sex: Sex::Female,
            unit: code("16591001"),
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
    for n in 1..=2u8 {
        let p = store.person_by_cccd_hash(&[n; 32]).await.unwrap().unwrap();
        ids.push(p.summary.id);
    }
    let member = store
        .create_staff(
            &NewStaff {
                username: "to-truong".into(),
                display_name: "Tổ trưởng".into(),
                password_hash: Secret::new("$argon2id$unused".into()),
                totp_secret: None,
                grants: vec![Grant::new(
                    Role::VillageFacilitator,
                    Scope::Unit {
                        path: "38/16591/16591001/".into(),
                    },
                )],
            },
            AuditEntry::new("test", "staff.create"),
            NOW,
        )
        .await
        .unwrap();
    (store, member, ids)
}

async fn sitting_of(store: &dyn Store, person: i64) -> i64 {
    let started = store
        .start_exam(
            &NewExamAttempt {
                person_id: person,
                group: Group::Adult,
                kind: ExamKind::Certification,
                calibration: None,
                state: "{}",
                deadline_at: binhdan_core::Timestamp(NOW.millis() + 600_000),
            },
            &ExamLimits {
                max_attempts: 3,
                window_ms: 86_400_000,
                cooldown_ms: 0,
            },
            NOW,
        )
        .await
        .unwrap();
    match started {
        ExamStart::Started(a) => a.id,
        other => panic!("{other:?}"),
    }
}

fn new_sitting(op: &str, attempt: i64, person: i64, member: i64) -> NewAssistedSitting {
    NewAssistedSitting {
        op: op.into(),
        attempt_id: attempt,
        person_id: person,
        member_id: member,
        village: code("16591001"),
        commune: code("16591"),
        device: "s:abcdef".into(),
        via: AssistVia::Card,
        day: 20_416,
    }
}

async fn assisted(store: &dyn Store, unit: &str) -> i64 {
    store.certified_assisted(&[code(unit)]).await.unwrap()[0].1
}

#[tokio::test]
async fn one_open_sitting_per_member_and_voiding_moves_the_figure_back() {
    for db in TestDb::all().await {
        let (store, member, people) = setup(&db).await;
        let first = sitting_of(store, people[0]).await;
        let audit = || AuditEntry::new(format!("staff:{member}"), "team.exam.assist");
        let s = new_sitting("exam-op-0001", first, people[0], member);
        let Ok(AssistedStart::Recorded(recorded)) =
            store.start_assisted_sitting(&s, audit(), NOW).await
        else {
            panic!("not recorded");
        };
        assert!(recorded.open && recorded.person_name == "Người 1");
        // The same op again: the same sitting.
        assert!(matches!(
            store.start_assisted_sitting(&s, audit(), NOW).await,
            Ok(AssistedStart::Recorded(r)) if r.attempt_id == first
        ));
        // Another sitting while this one is open: busy; the op of another: refused.
        let second = sitting_of(store, people[1]).await;
        assert!(matches!(
            store
                .start_assisted_sitting(&new_sitting("exam-op-0002", second, people[1], member), audit(), NOW)
                .await,
            Ok(AssistedStart::Busy(b)) if b.attempt_id == first
        ));
        assert!(matches!(
            store
                .start_assisted_sitting(
                    &new_sitting("exam-op-0001", second, people[1], member),
                    audit(),
                    NOW
                )
                .await,
            Err(StoreError::Conflict("op"))
        ));
        assert_eq!(
            store.assisted_on_device("s:abcdef", 20_416).await.unwrap(),
            1
        );
        // Closed as passed (too fast): counted, flagged; closed once.
        let closed = store
            .close_assisted_sitting(first, true, 20, &["fast"], NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(closed.flags, vec!["fast".to_owned()]);
        assert!(
            store
                .close_assisted_sitting(first, true, 20, &[], NOW)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            (
                assisted(store, "16591001").await,
                assisted(store, "16591").await
            ),
            (1, 1)
        );
        let flagged = store.flagged_sittings(&code("16591"), 10).await.unwrap();
        assert_eq!(flagged.len(), 1);
        assert!(
            store
                .flagged_sittings(&code("16594"), 10)
                .await
                .unwrap()
                .is_empty()
        );
        // Now the member may supervise the second.
        assert!(matches!(
            store
                .start_assisted_sitting(
                    &new_sitting("exam-op-0002", second, people[1], member),
                    audit(),
                    NOW
                )
                .await,
            Ok(AssistedStart::Recorded(_))
        ));
        let head = store.audit_head().await.unwrap().0;
        let review = || AuditEntry::new("staff:9", "team.exam.review");
        let voided = store
            .review_assisted_sitting(first, Review::Voided, member, review(), NOW)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(voided.review.as_deref(), Some("voided"));
        assert!(
            store
                .review_assisted_sitting(first, Review::Confirmed, member, review(), NOW)
                .await
                .unwrap()
                .is_none(),
            "reviewed once"
        );
        assert_eq!(
            store.audit_head().await.unwrap().0,
            head + 1,
            "audited once"
        );
        assert_eq!(assisted(store, "16591").await, 0);
        let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
        assert!(
            rebuilt
                .differences
                .iter()
                .all(|d| !(d.group == TEAM_GROUP && d.metric == CERTIFIED_ASSISTED)),
            "{:?}",
            rebuilt.differences
        );
    }
}

#[tokio::test]
async fn assisted_answers_are_marked_once_and_join_codes_are_found_by_hash() {
    for db in TestDb::all().await {
        let (store, member, people) = setup(&db).await;
        store
            .load_content(&super::shipped_content(), NOW)
            .await
            .unwrap();
        let attempt = store
            .create_attempt(people[0], "cong-dan.dien-thoai", &[], NOW)
            .await
            .unwrap()
            .id;
        let mark = AssistedAnswer {
            op: "assist-op-0001".into(),
            attempt_id: attempt,
            position: 0,
            person_id: people[0],
            member_id: member,
            class_id: None,
        };
        assert!(store.mark_assisted_answer(&mark, NOW).await.unwrap());
        assert!(
            !store.mark_assisted_answer(&mark, NOW).await.unwrap(),
            "once"
        );
        assert_eq!(
            store.assisted_answers(people[0]).await.unwrap(),
            vec![(attempt, 0, member)]
        );
        assert!(store.assisted_answers(people[1]).await.unwrap().is_empty());

        let class = store
            .open_class(
                &NewClass {
                    op: "class-op-0001".into(),
                    village: code("16591001"),
                    module_id: "cong-dan.dien-thoai".into(),
                    place: "Nhà văn hóa".into(),
                    starts_at: NOW,
                    opened_by: member,
                },
                AuditEntry::new("staff:1", "team.class"),
                NOW,
            )
            .await
            .unwrap()
            .id;
        let expires = binhdan_core::Timestamp(NOW.millis() + 3_600_000);
        assert!(store.class_join("hash-1").await.unwrap().is_none());
        store
            .create_class_join(
                class,
                "hash-1",
                member,
                expires,
                AuditEntry::new("staff:1", "team.class.join"),
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(
            store.class_join("hash-1").await.unwrap(),
            Some((class, expires))
        );
        let session = ClassSession {
            class_id: class,
            person_id: people[1],
            expires_at: expires,
        };
        store
            .open_class_session("session-1", &session, NOW)
            .await
            .unwrap();
        assert_eq!(
            store.class_session("session-1").await.unwrap(),
            Some(session)
        );
        assert!(store.class_session("hash-1").await.unwrap().is_none());
    }
}

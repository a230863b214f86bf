//! Village teams: members, visits, classes and attendance; resends count once; the team
//! counters agree with their rebuild.

use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_core::Secret;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_store::testing::TestDb;
use binhdan_store::{
    AdultCutoff, AttendVia, AttendanceOutcome, ChecklistItem, LearningStatus, NewAttendance,
    NewClass, NewStaff, NewVisit, PersonRecord, ResidentToVisit, Store, StoreError, TEAM_GROUP,
    VisitNextQuery, WriteMode,
};

use super::{NOW, code, shipped_content, village, with_map};

const CUTOFF: AdultCutoff = AdultCutoff(14_244);
const MODULE: &str = "cong-dan.dien-thoai";

fn person(n: u8, unit: &str) -> PersonRecord {
    PersonRecord {
        cccd_hash: [n; 32],
        cccd_sealed: vec![1, n],
        cccd_masked: format!("038*******{n:02}"),
        name: format!("Người {n}"),
        birth_year: 1960,
        birth_day: None,
        sex: Sex::Female,
        unit: code(unit),
        phone: None,
        membership: None,
    }
}

/// Villages 16591001 and 16594001, two residents of the first and one of the second, a
/// facilitator of the first (a member of its team) and the curriculum: (store, member,
/// people).
async fn setup(db: &TestDb) -> (&dyn Store, i64, Vec<i64>) {
    let store = with_map(db).await;
    store
        .create_villages(
            &[village("16591", "Thôn Một"), village("16594", "Thôn Hai")],
            WriteMode::Commit,
            NOW,
        )
        .await
        .unwrap();
    store.load_content(&shipped_content(), NOW).await.unwrap();
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    import
        .write(&[
            person(1, "16591001"),
            person(2, "16591001"),
            person(3, "16594001"),
        ])
        .await
        .unwrap();
    import
        .commit(AuditEntry::new("cli", "person.import"))
        .await
        .unwrap();
    let mut people = Vec::new();
    for n in 1..=3u8 {
        people.push(
            store
                .person_by_cccd_hash(&[n; 32])
                .await
                .unwrap()
                .unwrap()
                .summary
                .id,
        );
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
    (store, member, people)
}

async fn team_counter(store: &dyn Store, unit: &str, metric: &str) -> i64 {
    // The team group is no KPI group: read it through the figures.
    let f = store.team_figures(&code(unit)).await.unwrap();
    match metric {
        "visits" => f.visits,
        "reached" => f.reached,
        "classes" => f.classes,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn members_are_appointed_once_and_audited() {
    for db in TestDb::all().await {
        let (store, member, _) = setup(&db).await;
        let head = store.audit_head().await.unwrap().0;
        assert!(
            store
                .appoint_team_member(
                    &code("16591001"),
                    member,
                    AuditEntry::new("staff:1", "team.appoint"),
                    NOW
                )
                .await
                .unwrap(),
            "{}",
            db.name
        );
        assert!(
            !store
                .appoint_team_member(
                    &code("16591001"),
                    member,
                    AuditEntry::new("staff:1", "team.appoint"),
                    NOW
                )
                .await
                .unwrap()
        );
        assert_eq!(store.audit_head().await.unwrap().0, head + 1);
        assert!(
            store
                .is_team_member(&code("16591001"), member)
                .await
                .unwrap()
        );
        assert!(
            !store
                .is_team_member(&code("16594001"), member)
                .await
                .unwrap()
        );
        let members = store.team_members(&code("16591001")).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].display_name, "Tổ trưởng");
        assert_eq!(
            store.teams_of(member).await.unwrap(),
            vec![(code("16591001"), "Thôn Một".to_owned())]
        );
        // Only villages; only accounts that exist.
        assert!(matches!(
            store
                .appoint_team_member(
                    &code("16591"),
                    member,
                    AuditEntry::new("x", "team.appoint"),
                    NOW
                )
                .await,
            Err(StoreError::NotFound(binhdan_store::Entity::Village))
        ));
        assert!(matches!(
            store
                .appoint_team_member(
                    &code("16591001"),
                    999_999,
                    AuditEntry::new("x", "team.appoint"),
                    NOW
                )
                .await,
            Err(StoreError::NotFound(binhdan_store::Entity::StaffAccount))
        ));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_resent_visit_counts_once_and_the_counters_rebuild() {
    for db in TestDb::all().await {
        let (store, member, people) = setup(&db).await;
        store
            .appoint_team_member(
                &code("16591001"),
                member,
                AuditEntry::new("staff:1", "team.appoint"),
                NOW,
            )
            .await
            .unwrap();
        let visit = NewVisit {
            op: "3f2b8c1e-0d4a-4c8e-9b1f-2a7d5e6c9f01".into(),
            village: code("16591001"),
            person_id: people[0],
            member_id: member,
            visited_on: 20_400,
            done: vec!["vneid-install".into(), "first-lesson".into()],
            next_step: "Học bài 2".into(),
            household: Some("Hộ bà Năm".into()),
        };
        let head = store.audit_head().await.unwrap().0;
        let first = store
            .record_visit(
                &visit,
                AuditEntry::new(format!("staff:{member}"), "team.visit"),
                NOW,
            )
            .await
            .unwrap();
        assert!(first.new, "{}", db.name);
        let again = store
            .record_visit(
                &visit,
                AuditEntry::new(format!("staff:{member}"), "team.visit"),
                NOW,
            )
            .await
            .unwrap();
        assert_eq!((again.id, again.new), (first.id, false));
        // One audit record: the resend changed nothing.
        assert_eq!(store.audit_head().await.unwrap().0, head + 1);
        let audit = store.audit_of_person(people[0], 10).await.unwrap();
        assert!(audit.iter().any(|r| r.action == "team.visit"));
        // The same op for another visit is refused.
        let other = NewVisit {
            person_id: people[1],
            ..visit.clone()
        };
        assert!(matches!(
            store
                .record_visit(&other, AuditEntry::new("x", "team.visit"), NOW)
                .await,
            Err(StoreError::Conflict("op"))
        ));
        // A second visit to the same person: two visits, one person reached.
        store
            .record_visit(
                &NewVisit {
                    op: "second-visit-0001".into(),
                    done: vec![],
                    household: None,
                    ..visit.clone()
                },
                AuditEntry::new("x", "team.visit"),
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(team_counter(store, "16591001", "visits").await, 2);
        assert_eq!(team_counter(store, "16591001", "reached").await, 1);
        // A village's figures are its commune's too.
        assert_eq!(team_counter(store, "16591", "visits").await, 2);
        let members = store.team_members(&code("16591001")).await.unwrap();
        assert_eq!(members[0].visits, 2);
        let visits = store.village_visits(&code("16591001"), 10).await.unwrap();
        assert_eq!(visits.len(), 2);
        assert_eq!(visits[1].done, vec!["vneid-install", "first-lesson"]);
        assert_eq!(visits[1].person_name, "Người 1");
        assert_eq!(store.person_visits(people[0], 10).await.unwrap().len(), 2);
        // The household the team formed, and the residents' list.
        let all = binhdan_store::ResidentsQuery {
            name: None,
            limit: 100,
            offset: 0,
        };
        let page = store.residents(&code("16591001"), &all).await.unwrap();
        assert_eq!(page.total, 2);
        let residents = page.residents;
        assert_eq!(residents.len(), 2);
        // A page of one, the second; a name search without diacritics; one resident alone.
        let second = store
            .residents(
                &code("16591001"),
                &binhdan_store::ResidentsQuery {
                    limit: 1,
                    offset: 1,
                    ..all.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!((second.total, second.residents.len()), (2, 1));
        assert_eq!(second.residents[0], residents[1]);
        let named = store
            .residents(
                &code("16591001"),
                &binhdan_store::ResidentsQuery {
                    name: Some(residents[1].name.to_uppercase()),
                    ..all.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!((named.total, named.residents.len()), (1, 1));
        assert_eq!(
            store
                .resident(&code("16591001"), residents[0].id)
                .await
                .unwrap()
                .as_ref(),
            Some(&residents[0])
        );
        assert_eq!(
            store
                .resident(&code("16591"), residents[0].id)
                .await
                .unwrap(),
            None,
            "a resident of the village only"
        );
        assert_eq!(residents[0].household.as_deref(), Some("Hộ bà Năm"));
        assert!(residents[0].reached && !residents[1].reached);
        assert_eq!(residents[0].last_visit_on, Some(20_400));
        let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
        assert!(rebuilt.differences.is_empty(), "{:?}", rebuilt.differences);
        // The commune sees its villages' teams, from counters.
        let teams = store.teams_below(&code("16591")).await.unwrap();
        assert_eq!(teams.len(), 1);
        assert_eq!(
            (
                teams[0].code.as_str(),
                teams[0].members,
                teams[0].figures.visits
            ),
            ("16591001", 1, 2)
        );
        assert_eq!((teams[0].figures.reached, teams[0].figures.roster), (1, 2));
        // The province sees its communes', each its villages' teams together.
        let communes = store.teams_below(&code("38")).await.unwrap();
        let commune = communes
            .iter()
            .find(|c| c.code.as_str() == "16591")
            .unwrap();
        assert_eq!(
            (
                commune.members,
                commune.figures.visits,
                commune.figures.reached
            ),
            (1, 2, 1)
        );
        assert!(communes.iter().all(|c| c.code.as_str().len() == 5));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn attendance_counts_participation_once_per_person() {
    for db in TestDb::all().await {
        let (store, member, people) = setup(&db).await;
        store
            .appoint_team_member(
                &code("16591001"),
                member,
                AuditEntry::new("staff:1", "team.appoint"),
                NOW,
            )
            .await
            .unwrap();
        let class = NewClass {
            op: "class-op-000001".into(),
            village: code("16591001"),
            module_id: MODULE.into(),
            place: "Nhà văn hóa thôn".into(),
            starts_at: NOW,
            opened_by: member,
        };
        let opened = store
            .open_class(&class, AuditEntry::new("x", "team.class"), NOW)
            .await
            .unwrap();
        let again = store
            .open_class(&class, AuditEntry::new("x", "team.class"), NOW)
            .await
            .unwrap();
        assert_eq!((again.id, again.new), (opened.id, false), "{}", db.name);
        assert!(matches!(
            store
                .open_class(
                    &NewClass {
                        op: "class-op-000002".into(),
                        module_id: "no.such.module".into(),
                        ..class.clone()
                    },
                    AuditEntry::new("x", "team.class"),
                    NOW
                )
                .await,
            Err(StoreError::NotFound(binhdan_store::Entity::Module))
        ));
        assert_eq!(team_counter(store, "16591001", "classes").await, 1);
        let mark = |op: &str, person: i64| NewAttendance {
            op: op.into(),
            class_id: opened.id,
            person_id: person,
            via: AttendVia::Card,
            marked_by: member,
        };
        assert_eq!(
            store
                .mark_attendance(&mark("mark-000001", people[0]), CUTOFF, NOW)
                .await
                .unwrap(),
            AttendanceOutcome::New
        );
        // The same marking resent: said so, counted once.
        assert_eq!(
            store
                .mark_attendance(&mark("mark-000001", people[0]), CUTOFF, NOW)
                .await
                .unwrap(),
            AttendanceOutcome::Resent
        );
        // Marked again by another action: already present.
        assert!(matches!(
            store
                .mark_attendance(&mark("mark-000002", people[0]), CUTOFF, NOW)
                .await
                .unwrap(),
            AttendanceOutcome::Already { .. }
        ));
        // The op of another marking.
        assert!(matches!(
            store
                .mark_attendance(&mark("mark-000001", people[1]), CUTOFF, NOW)
                .await,
            Err(StoreError::Conflict("op"))
        ));
        store
            .mark_attendance(&mark("mark-000003", people[1]), CUTOFF, NOW)
            .await
            .unwrap();
        let class_now = store.team_class(opened.id).await.unwrap().unwrap();
        assert_eq!(class_now.present, 2);
        assert_eq!(store.attendees(opened.id).await.unwrap().len(), 2);
        // A second class: the person counts once more present, never twice participating.
        let second = store
            .open_class(
                &NewClass {
                    op: "class-op-000003".into(),
                    ..class.clone()
                },
                AuditEntry::new("x", "team.class"),
                NOW,
            )
            .await
            .unwrap();
        store
            .mark_attendance(
                &NewAttendance {
                    class_id: second.id,
                    ..mark("mark-000004", people[0])
                },
                CUTOFF,
                NOW,
            )
            .await
            .unwrap();
        let counters = store.unit_counters(&code("16591001")).await.unwrap();
        let participated = counters
            .iter()
            .find(|(g, m, _)| *g == Group::Adult && m == "participated")
            .map(|c| c.2);
        assert_eq!(participated, Some(2));
        assert_eq!(team_counter(store, "16591001", "reached").await, 2);
        assert_eq!(team_counter(store, "16591", "classes").await, 2);
        let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
        assert!(rebuilt.differences.is_empty(), "{:?}", rebuilt.differences);
        // Team counters are not a KPI group: group figures leave them out.
        assert!(counters.iter().all(|(g, _, _)| g.as_str() != TEAM_GROUP));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_province_sets_its_own_checklist_and_keys_are_kept() {
    for db in TestDb::all().await {
        let (store, _, _) = setup(&db).await;
        let th = code("38");
        assert!(store.visit_checklist(&th).await.unwrap().is_empty());
        let item = |k: &str, l: &str| ChecklistItem {
            key: k.into(),
            label: l.into(),
        };
        store
            .set_visit_checklist(
                &th,
                &[item("vneid", "Cài VNeID"), item("zalo", "Gửi ảnh qua Zalo")],
                AuditEntry::new("staff:1", "team.checklist"),
                NOW,
            )
            .await
            .unwrap();
        store
            .set_visit_checklist(
                &th,
                &[
                    item("zalo", "Gửi ảnh căn cước qua Zalo"),
                    item("dvc", "Dịch vụ công"),
                ],
                AuditEntry::new("staff:1", "team.checklist"),
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(
            store.visit_checklist(&th).await.unwrap(),
            vec![
                item("zalo", "Gửi ảnh căn cước qua Zalo"),
                item("dvc", "Dịch vụ công")
            ],
            "{}",
            db.name
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn whom_to_visit_next_puts_the_recently_visited_last_in_one_query() {
    const DAY: i64 = 86_400_000;
    for db in TestDb::all().await {
        let (store, member, people) = setup(&db).await;
        let today = 20_416;
        let query = |limit: u32, offset: u32| VisitNextQuery {
            stuck_before: binhdan_core::Timestamp(NOW.millis() - 14 * DAY),
            visited_since: today - 6,
            limit,
            offset,
        };
        let ids = |rows: Vec<ResidentToVisit>| {
            rows.into_iter()
                .map(|r| (r.resident.id, r.status, r.visited_recently))
                .collect::<Vec<_>>()
        };
        let village = code("16591001");
        // Neither started, never visited: by name.
        assert_eq!(
            ids(store
                .residents_to_visit(&village, &query(10, 0))
                .await
                .unwrap()),
            vec![
                (people[0], LearningStatus::NotStarted, false),
                (people[1], LearningStatus::NotStarted, false)
            ],
            "{}",
            db.name
        );
        // A visit recorded today moves Người 1 after Người 2.
        store
            .record_visit(
                &NewVisit {
                    op: "5c0e2a44-7a1e-4b59-9a43-0d9f3f0b1c22".into(),
                    village: village.clone(),
                    person_id: people[0],
                    member_id: member,
                    visited_on: today,
                    done: vec![],
                    next_step: String::new(),
                    household: None,
                },
                AuditEntry::new(format!("staff:{member}"), "team.visit"),
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(
            ids(store
                .residents_to_visit(&village, &query(10, 0))
                .await
                .unwrap()),
            vec![
                (people[1], LearningStatus::NotStarted, false),
                (people[0], LearningStatus::NotStarted, true)
            ]
        );
        // One page at a time.
        assert_eq!(
            ids(store
                .residents_to_visit(&village, &query(1, 1))
                .await
                .unwrap()),
            vec![(people[0], LearningStatus::NotStarted, true)]
        );
        // A week later the visit is no longer recent: still after the one never visited.
        let later = VisitNextQuery {
            visited_since: today + 1,
            ..query(10, 0)
        };
        assert_eq!(
            ids(store.residents_to_visit(&village, &later).await.unwrap()),
            vec![
                (people[1], LearningStatus::NotStarted, false),
                (people[0], LearningStatus::NotStarted, false)
            ]
        );
        // A lesson today: Người 2 is learning, not to visit; a lesson long ago: stuck, before
        // those not started.
        let outline = store.course_outline("cong-dan").await.unwrap().unwrap();
        let lesson = outline.modules[0].lessons[0].id.clone();
        store
            .complete_lesson(
                people[1],
                &lesson,
                CUTOFF,
                binhdan_core::Timestamp(NOW.millis() - 30 * DAY),
            )
            .await
            .unwrap();
        assert_eq!(
            ids(store
                .residents_to_visit(&village, &query(10, 0))
                .await
                .unwrap()),
            vec![
                (people[1], LearningStatus::Stuck, false),
                (people[0], LearningStatus::NotStarted, true)
            ]
        );
        let fresh = VisitNextQuery {
            stuck_before: binhdan_core::Timestamp(NOW.millis() - 31 * DAY),
            ..query(10, 0)
        };
        assert_eq!(
            ids(store.residents_to_visit(&village, &fresh).await.unwrap()),
            vec![(people[0], LearningStatus::NotStarted, true)]
        );
    }
}

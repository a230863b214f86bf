//! Shared devices and supervised sittings: an assisted answer is marked once; a class's join
//! code and sessions are found by their hash; a member has one open sitting, a resend finds
//! it, a passed one moves `certified_assisted` and voiding moves it back, once; the counter
//! agrees with its rebuild.

use binhdan_auth::access::{Grant, Role, Scope};
use binhdan_content::quiz::Reply;
use binhdan_core::Secret;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_store::testing::TestDb;
use binhdan_store::{
    AdultCutoff, AnswerOutcome, AssistVia, AssistedAnswer, AssistedStart, CERTIFIED_ASSISTED,
    ClassSession, ExamKind, ExamLimits, ExamResult, ExamStart, ModuleQuiz, NewAnswer,
    NewAssistedSitting, NewClass, NewExamAttempt, NewStaff, PersonRecord, PlannedItem, Review,
    Store, StoreError, TEAM_GROUP, WriteMode,
};

use super::{NOW, code, village, with_map};

const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX);

/// Thôn Một, two residents and a facilitator: (store, member, people).
/// A village (Thôn Một, commune 16591) with `people` residents and its team member (a village
/// facilitator): the store, the member's id and the residents' ids.
pub(super) async fn village_with_team(db: &TestDb, people: u8) -> (&dyn Store, i64, Vec<i64>) {
    let store = with_map(db).await;
    store
        .create_villages(&[village("16591", "Thôn Một")], WriteMode::Commit, NOW)
        .await
        .unwrap();
    let mut import = store.begin_people_import(CUTOFF, NOW).await.unwrap();
    let records: Vec<PersonRecord> = (1..=people)
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
    import.write(&records).await.unwrap();
    import
        .commit(AuditEntry::new("cli", "person.import"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 1..=people {
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

fn plan_of(quiz: &ModuleQuiz) -> Vec<PlannedItem> {
    quiz.items
        .iter()
        .map(|(i, rev)| PlannedItem {
            item_id: i.id.clone(),
            revision: *rev,
            order: (0..i.options.len()).collect(),
        })
        .collect()
}

/// Another member of the village's team (a staff account of the same scope).
async fn second_member(store: &dyn Store) -> i64 {
    store
        .create_staff(
            &NewStaff {
                username: "thanh-vien".into(),
                display_name: "Thành viên".into(),
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
        .unwrap()
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
        let (store, member, people) = village_with_team(&db, 2).await;
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
        // The busy start's attempt, opened for it, was taken back: it is opened again, and now
        // the member may supervise it.
        assert!(store.exam_attempt(second).await.unwrap().is_none());
        let second = sitting_of(store, people[1]).await;
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
            .review_assisted_sitting(
                first,
                Review::Voided,
                "Làm quá nhanh",
                member,
                review(),
                CUTOFF,
                NOW,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(voided.review.as_deref(), Some("voided"));
        assert_eq!(voided.review_reason.as_deref(), Some("Làm quá nhanh"));
        assert!(
            store
                .review_assisted_sitting(
                    first,
                    Review::Confirmed,
                    "Đúng",
                    member,
                    review(),
                    CUTOFF,
                    NOW
                )
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
        let (store, member, people) = village_with_team(&db, 2).await;
        store
            .load_content(&super::shipped_content(), NOW)
            .await
            .unwrap();
        // A member's answer and its mark: one transaction (see the test below); here the mark
        // is found.
        let quiz = store
            .module_quiz("cong-dan.dien-thoai")
            .await
            .unwrap()
            .unwrap();
        let (item, rev) = &quiz.items[0];
        let answer = NewAnswer {
            item_id: item.id.clone(),
            position: 0,
            revision: *rev,
            last: false,
            reply: Reply::One(0),
            correct: true,
            elapsed_ms: 1_000,
        };
        let attempt = store
            .create_attempt(people[0], "cong-dan.dien-thoai", &plan_of(&quiz), NOW)
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
        assert!(matches!(
            store
                .record_assisted_answer(&answer, &mark, CUTOFF, NOW)
                .await
                .unwrap(),
            AnswerOutcome::Recorded { answered: 1, .. }
        ));
        assert_eq!(
            store
                .record_assisted_answer(&answer, &mark, CUTOFF, NOW)
                .await
                .unwrap(),
            AnswerOutcome::Duplicate,
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

#[tokio::test]
async fn an_assisted_answer_and_its_mark_are_written_together_or_not_at_all() {
    for db in TestDb::all().await {
        let (store, member, people) = village_with_team(&db, 2).await;
        store
            .load_content(&super::shipped_content(), NOW)
            .await
            .unwrap();
        let quiz = store
            .module_quiz("cong-dan.dien-thoai")
            .await
            .unwrap()
            .unwrap();
        let mut attempts = Vec::new();
        for p in &people {
            attempts.push(
                store
                    .create_attempt(*p, &quiz.module_id, &plan_of(&quiz), NOW)
                    .await
                    .unwrap()
                    .id,
            );
        }
        let answer = |position: usize| {
            let (item, rev) = &quiz.items[position];
            NewAnswer {
                item_id: item.id.clone(),
                position: u32::try_from(position).unwrap(),
                revision: *rev,
                last: position + 1 == quiz.items.len(),
                reply: Reply::One(0),
                correct: false,
                elapsed_ms: 1_000,
            }
        };
        let mark = |op: &str, who: usize, position: usize| AssistedAnswer {
            op: op.into(),
            attempt_id: attempts[who],
            position: u32::try_from(position).unwrap(),
            person_id: people[who],
            member_id: member,
            class_id: None,
        };
        assert!(matches!(
            store
                .record_assisted_answer(&answer(0), &mark("assist-op-a0", 0, 0), CUTOFF, NOW)
                .await
                .unwrap(),
            AnswerOutcome::Recorded { answered: 1, .. }
        ));
        // The op of another answer: refused, and the answer is not written either (it was
        // written and left unmarked when the mark came after, in its own statement).
        assert!(matches!(
            store
                .record_assisted_answer(&answer(0), &mark("assist-op-a0", 1, 0), CUTOFF, NOW)
                .await,
            Err(StoreError::Conflict("op"))
        ));
        assert_eq!(
            store.attempt(attempts[1]).await.unwrap().unwrap().answered,
            0
        );
        assert!(store.assisted_answers(people[1]).await.unwrap().is_empty());
        // Every answer of the attempt marked; the last finishes it in the same transaction.
        let mut finished = None;
        for position in 1..quiz.items.len() {
            let op = format!("assist-op-a{position}");
            if let AnswerOutcome::Recorded { finished: f, .. } = store
                .record_assisted_answer(&answer(position), &mark(&op, 0, position), CUTOFF, NOW)
                .await
                .unwrap()
            {
                finished = f;
            }
        }
        assert!(finished.is_some(), "the last answer finishes the attempt");
        assert_eq!(
            store.assisted_answers(people[0]).await.unwrap().len(),
            quiz.items.len()
        );
        assert!(
            store
                .attempt(attempts[0])
                .await
                .unwrap()
                .unwrap()
                .finished_at
                .is_some()
        );
    }
}

#[tokio::test]
async fn simultaneous_starts_are_decided_by_the_store() {
    for db in TestDb::all().await {
        let (store, member, people) = village_with_team(&db, 2).await;
        let other = second_member(store).await;
        let audit = || AuditEntry::new("staff:1", "team.exam.assist");
        // The same member, two people at once: one sitting; the other's attempt taken back.
        let (a, b) = (
            sitting_of(store, people[0]).await,
            sitting_of(store, people[1]).await,
        );
        let first = new_sitting("race-op-0001", a, people[0], member);
        let second = new_sitting("race-op-0002", b, people[1], member);
        let (x, y) = tokio::join!(
            store.start_assisted_sitting(&first, audit(), NOW),
            store.start_assisted_sitting(&second, audit(), NOW),
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        let (won, lost) = match (&x, &y) {
            (AssistedStart::Recorded(winner), AssistedStart::Busy(busy))
            | (AssistedStart::Busy(busy), AssistedStart::Recorded(winner)) => {
                (winner.clone(), busy.clone())
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(won.attempt_id, lost.attempt_id, "busy with the winner");
        let loser = if won.attempt_id == a { b } else { a };
        assert!(
            store.exam_attempt(loser).await.unwrap().is_none(),
            "no unsupervised sitting left open"
        );
        assert!(store.exam_attempt(won.attempt_id).await.unwrap().is_some());
        store
            .close_assisted_sitting(won.attempt_id, false, 600, &[], NOW)
            .await
            .unwrap();

        // Two members, the same person at once (the same exam attempt): one sitting.
        let person = if won.attempt_id == a {
            people[1]
        } else {
            people[0]
        };
        let attempt = sitting_of(store, person).await;
        let by_one = new_sitting("race-op-0003", attempt, person, member);
        let by_other = new_sitting("race-op-0004", attempt, person, other);
        let (x, y) = tokio::join!(
            store.start_assisted_sitting(&by_one, audit(), NOW),
            store.start_assisted_sitting(&by_other, audit(), NOW),
        );
        match (x.unwrap(), y.unwrap()) {
            (AssistedStart::Recorded(winner), AssistedStart::PersonBusy(busy))
            | (AssistedStart::PersonBusy(busy), AssistedStart::Recorded(winner)) => {
                assert_eq!(winner.attempt_id, attempt);
                assert_eq!(busy.attempt_id, attempt);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            store.exam_attempt(attempt).await.unwrap().is_some(),
            "the winner's attempt stays"
        );
        // Neither member is left busy with a sitting that is not theirs.
        let one = store.open_assisted_sitting(member).await.unwrap().is_some();
        let two = store.open_assisted_sitting(other).await.unwrap().is_some();
        assert!(one ^ two, "exactly one member supervises");
    }
}

async fn counter(store: &dyn Store, unit: &str, metric: &str) -> i64 {
    store
        .unit_counters(&code(unit))
        .await
        .unwrap()
        .into_iter()
        .find(|(g, m, _)| *g == Group::Adult && m == metric)
        .map_or(0, |(_, _, n)| n)
}

async fn finish(store: &dyn Store, attempt: i64, person: i64, theta: f64, passed: bool) {
    store
        .finish_exam(
            attempt,
            person,
            &ExamResult {
                theta,
                se: 0.3,
                passed,
                timed_out: false,
            },
            CUTOFF,
            NOW,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn voiding_a_passed_sitting_undoes_the_pass_and_its_counters() {
    for db in TestDb::all().await {
        let (store, member, people) = village_with_team(&db, 2).await;
        store
            .load_content(&super::shipped_content(), NOW)
            .await
            .unwrap();
        let quiz = store
            .module_quiz("cong-dan.dien-thoai")
            .await
            .unwrap()
            .unwrap();
        let person = people[0];
        // A placement (θ −0.5), a failed exam of their own (θ 0.1), then a supervised pass
        // (θ 1.2) that the commune voids.
        let placement = match store
            .start_exam(
                &NewExamAttempt {
                    person_id: person,
                    group: Group::Adult,
                    kind: ExamKind::Placement,
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
            .unwrap()
        {
            ExamStart::Started(a) => a.id,
            other => panic!("{other:?}"),
        };
        store
            .record_exam_answer(
                placement,
                person,
                &binhdan_store::ExamAnswer {
                    position: 0,
                    item_id: &quiz.items[0].0.id,
                    revision: quiz.items[0].1,
                    reply: "0",
                    correct: true,
                    state: "{}",
                },
                NOW,
            )
            .await
            .unwrap();
        finish(store, placement, person, -0.5, false).await;
        let own = sitting_of(store, person).await;
        finish(store, own, person, 0.1, false).await;
        let gain_before = counter(store, "16591001", "gain_milli").await;
        let assisted_attempt = sitting_of(store, person).await;
        let audit = || AuditEntry::new("staff:1", "team.exam.assist");
        assert!(matches!(
            store
                .start_assisted_sitting(
                    &new_sitting("void-op-0001", assisted_attempt, person, member),
                    audit(),
                    NOW
                )
                .await,
            Ok(AssistedStart::Recorded(_))
        ));
        finish(store, assisted_attempt, person, 1.2, true).await;
        store
            .close_assisted_sitting(assisted_attempt, true, 30, &["fast"], NOW)
            .await
            .unwrap();
        assert!(
            store
                .exam_pass(person, Group::Adult)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(counter(store, "16591001", "proficient").await, 1);
        assert_eq!(counter(store, "16591", "proficient").await, 1);

        store
            .review_assisted_sitting(
                assisted_attempt,
                Review::Voided,
                "Không có mặt người thi",
                member,
                AuditEntry::new("staff:9", "team.exam.review"),
                CUTOFF,
                NOW,
            )
            .await
            .unwrap()
            .unwrap();
        // The pass is undone: no pass, the counters back, the best measure the failed one's.
        assert!(
            store
                .exam_pass(person, Group::Adult)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(counter(store, "16591001", "proficient").await, 0);
        assert_eq!(counter(store, "16591", "proficient").await, 0);
        assert_eq!(assisted(store, "16591").await, 0);
        assert_eq!(counter(store, "16591001", "gain_milli").await, gain_before);
        let ability = store.ability(person, Group::Adult).await.unwrap();
        assert_eq!(ability.best, Some(0.1));
        let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
        assert!(rebuilt.differences.is_empty(), "{:?}", rebuilt.differences);

        // They may sit again (no cool-down: the voided sitting was no failure) and pass.
        let again = sitting_of(store, person).await;
        finish(store, again, person, 0.9, true).await;
        let pass = store
            .exam_pass(person, Group::Adult)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pass.attempt_id, again);
        assert_eq!(counter(store, "16591001", "proficient").await, 1);
        let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
        assert!(rebuilt.differences.is_empty(), "{:?}", rebuilt.differences);
    }
}

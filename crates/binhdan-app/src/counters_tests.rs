//! DESIGN invariant 1, as a property: after any sequence of facts — people registered and
//! moved between villages and communes, members of a school, lessons read, quizzes passed and
//! failed, courses completed, placement tests and exams sat (some under a team member's
//! supervision) and supervised passes voided by the commune — the counters moved fact by fact
//! are exactly what a rebuild from the facts gives, for every unit and organisation, and the
//! task counters (what people could do of the simulated tasks given in those sittings, per
//! unit and per organisation: pupils' sittings count at their school) too. On SQLite,
//! or on a PostgreSQL schema per case when `BINHDAN_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_core::unit::{DivisionType, UnitCode, UnitName};
use binhdan_store::{
    AdultCutoff, AssistVia, ExamAnswer, ExamAnswerOutcome, ExamKind, ExamLimits, ExamResult,
    ExamStart, MembershipRecord, NewAssistedSitting, NewExamAttempt, NewOrganisation, NewVillage,
    OrgKind, PersonRecord, Review, Store, TaskEnd, TaskStep, WriteMode,
};
use proptest::prelude::*;

const NOW: Timestamp = Timestamp(1_795_000_000_000);
const DAY: i64 = 86_400_000;
/// Born on or before 2008-12-31 is an adult.
const CUTOFF: AdultCutoff = AdultCutoff(14_244);
const COURSES: [&str; 2] = ["cong-dan", "hoc-sinh"];
/// Simulated tasks of the adults' group.
const TASKS: [&str; 2] = ["chuyen-tien-kiem-tra-ten", "sms-ngan-hang-gia"];

#[derive(Clone, Debug)]
enum Op {
    /// Register (or re-register: update, maybe move) person `who` at unit `unit`.
    Register {
        who: u8,
        unit: u8,
        adult: bool,
        pupil: bool,
    },
    Lesson {
        who: u8,
        course: u8,
        lesson: u8,
    },
    Quiz {
        who: u8,
        course: u8,
        module: u8,
        pass: bool,
    },
    Course {
        who: u8,
        course: u8,
    },
    /// A placement test or a certification exam ending at θ = `theta` / 4, maybe passed,
    /// maybe under a team member's supervision, maybe giving a simulated task (which of
    /// `TASKS`, its score out of 4); the adults' sitting, or with `pupil` the pupils' (whose
    /// tasks count at the school of a pupil who is or becomes its member).
    Exam {
        who: u8,
        placement: bool,
        theta: i8,
        pass: bool,
        assisted: bool,
        task: Option<(u8, u8)>,
        pupil: bool,
    },
    /// The commune voids the person's latest supervised sitting not reviewed yet.
    Void {
        who: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..5, 0u8..4, any::<bool>(), any::<bool>())
            .prop_map(|(who, unit, adult, pupil)| Op::Register { who, unit, adult, pupil }),
        3 => (0u8..5, 0u8..2, any::<u8>()).prop_map(|(who, course, lesson)| Op::Lesson { who, course, lesson }),
        2 => (0u8..5, 0u8..2, any::<u8>(), any::<bool>())
            .prop_map(|(who, course, module, pass)| Op::Quiz { who, course, module, pass }),
        1 => (0u8..5, 0u8..2).prop_map(|(who, course)| Op::Course { who, course }),
        3 => (
            (0u8..5, any::<bool>(), -8i8..8, any::<bool>(), any::<bool>()),
            proptest::option::of((0u8..2, 0u8..5)),
            any::<bool>(),
        )
            .prop_map(|((who, placement, theta, pass, assisted), task, pupil)| Op::Exam {
                who,
                placement,
                theta,
                pass,
                assisted,
                task,
                pupil,
            }),
        2 => (0u8..5).prop_map(|who| Op::Void { who }),
    ]
}

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

async fn run(ops: &[Op]) {
    let db = binhdan_store::testing::TestDb::from_env().await;
    let store: &dyn Store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;
    let villages = store
        .create_villages(
            &[
                NewVillage {
                    commune: code("16591"),
                    name: UnitName::parse("Thôn Một").unwrap(),
                    division_type: DivisionType::Thon,
                },
                NewVillage {
                    commune: code("16591"),
                    name: UnitName::parse("Thôn Hai").unwrap(),
                    division_type: DivisionType::Thon,
                },
                NewVillage {
                    commune: code("16594"),
                    name: UnitName::parse("Bản Ba").unwrap(),
                    division_type: DivisionType::Ban,
                },
            ],
            WriteMode::Commit,
            NOW,
        )
        .await
        .unwrap();
    // Three villages in two communes, and one person straight at a commune.
    let units: Vec<UnitCode> = villages
        .iter()
        .map(|v| v.code.clone())
        .chain([code("16594")])
        .collect();
    let school = store
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
    let mut ids: [Option<i64>; 5] = [None; 5];
    let mut homes: [usize; 5] = [0; 5];
    // Supervised sittings not reviewed yet, per person.
    let mut sittings: Vec<(u8, i64)> = Vec::new();
    let member = store
        .create_staff(
            &binhdan_store::NewStaff {
                username: "to-truong".to_owned(),
                display_name: "Tổ trưởng".to_owned(),
                password_hash: binhdan_core::Secret::new("$argon2id$unused".to_owned()),
                totp_secret: None,
                grants: vec![binhdan_auth::access::Grant::new(
                    binhdan_auth::access::Role::VillageFacilitator,
                    binhdan_auth::access::Scope::Unit {
                        path: "38/".to_owned(),
                    },
                )],
            },
            AuditEntry::new("test", "staff.create"),
            NOW,
        )
        .await
        .unwrap();
    for (step, op) in ops.iter().enumerate() {
        let at = Timestamp(NOW.0 + i64::try_from(step).unwrap() * DAY / 3);
        let person = |who: u8| ids[usize::from(who)];
        match op {
            Op::Register {
                who,
                unit,
                adult,
                pupil,
            } => {
                let record = PersonRecord {
                    cccd_hash: [*who + 1; 32],
                    cccd_sealed: vec![*who],
                    cccd_masked: "038*******00".into(),
                    name: format!("Người {who}"),
                    birth_year: if *adult { 1980 } else { 2012 },
                    birth_day: None,
                    sex: Sex::Female,
                    unit: units[usize::from(*unit)].clone(),
                    phone: None,
                    membership: pupil.then(|| MembershipRecord {
                        organisation_id: school.id,
                        group: Group::Student,
                        grade: Some(6),
                        class: None,
                        position: None,
                    }),
                };
                let mut import = store.begin_people_import(CUTOFF, at).await.unwrap();
                import.write(std::slice::from_ref(&record)).await.unwrap();
                import
                    .commit(AuditEntry::new("test", "person.import"))
                    .await
                    .unwrap();
                homes[usize::from(*who)] = usize::from(*unit);
                ids[usize::from(*who)] = Some(
                    store
                        .person_by_cccd_hash(&record.cccd_hash)
                        .await
                        .unwrap()
                        .unwrap()
                        .summary
                        .id,
                );
            }
            Op::Lesson {
                who,
                course,
                lesson,
            } => {
                let Some(p) = person(*who) else { continue };
                let outline = store
                    .course_outline(COURSES[usize::from(*course)])
                    .await
                    .unwrap()
                    .unwrap();
                let lessons: Vec<&str> = outline
                    .modules
                    .iter()
                    .flat_map(|m| m.lessons.iter().map(|l| l.id.as_str()))
                    .collect();
                let l = lessons[usize::from(*lesson) % lessons.len()];
                store.complete_lesson(p, l, CUTOFF, at).await.unwrap();
            }
            Op::Quiz {
                who,
                course,
                module,
                pass,
            } => {
                let Some(p) = person(*who) else { continue };
                let outline = store
                    .course_outline(COURSES[usize::from(*course)])
                    .await
                    .unwrap()
                    .unwrap();
                let m = &outline.modules[usize::from(*module) % outline.modules.len()];
                crate::demo::take_quiz(store, p, &m.id, *pass, CUTOFF, at)
                    .await
                    .unwrap();
            }
            Op::Course { who, course } => {
                let Some(p) = person(*who) else { continue };
                crate::demo::complete_course(store, p, COURSES[usize::from(*course)], CUTOFF, at)
                    .await
                    .unwrap();
            }
            Op::Exam {
                who,
                placement,
                theta,
                pass,
                assisted,
                task,
                pupil,
            } => {
                let Some(p) = person(*who) else { continue };
                let kind = if *placement {
                    ExamKind::Placement
                } else {
                    ExamKind::Certification
                };
                let started = store
                    .start_exam(
                        &NewExamAttempt {
                            person_id: p,
                            group: if *pupil { Group::Student } else { Group::Adult },
                            kind,
                            calibration: None,
                            state: "{}",
                            deadline_at: Timestamp(at.0 + DAY),
                        },
                        &ExamLimits {
                            max_attempts: 100,
                            window_ms: DAY,
                            cooldown_ms: 0,
                        },
                        at,
                    )
                    .await
                    .unwrap();
                let ExamStart::Started(attempt) = started else {
                    continue;
                };
                if *placement {
                    // A placement with no answer measures nothing: one answer.
                    let quiz = store
                        .module_quiz("cong-dan.dien-thoai")
                        .await
                        .unwrap()
                        .unwrap();
                    store
                        .record_exam_answer(
                            attempt.id,
                            p,
                            &ExamAnswer {
                                position: 0,
                                item_id: &quiz.items[0].0.id,
                                revision: quiz.items[0].1,
                                reply: "0",
                                correct: true,
                                state: "{}",
                            },
                            at,
                        )
                        .await
                        .unwrap();
                }
                if let Some((t, score)) = task {
                    let outcome = store
                        .record_task_step(
                            attempt.id,
                            p,
                            &TaskStep {
                                position: u32::from(*placement),
                                step: 0,
                                state: "{}",
                                ended: Some(TaskEnd {
                                    task_id: TASKS[usize::from(*t)],
                                    version: 1,
                                    score: *score,
                                    credit: 4,
                                    steps: 2,
                                }),
                            },
                            at,
                        )
                        .await
                        .unwrap();
                    assert_eq!(outcome, ExamAnswerOutcome::Recorded);
                }
                let supervised = *assisted && !*placement;
                if supervised {
                    let home = &units[homes[usize::from(*who)]];
                    let unit = store.unit(home).await.unwrap().unwrap();
                    let commune = unit.parent_code.clone().unwrap_or_else(|| home.clone());
                    let commune = if unit.level == binhdan_core::unit::UnitLevel::Commune {
                        home.clone()
                    } else {
                        commune
                    };
                    store
                        .start_assisted_sitting(
                            &NewAssistedSitting {
                                op: format!("op-{step}"),
                                attempt_id: attempt.id,
                                person_id: p,
                                member_id: member,
                                village: home.clone(),
                                commune,
                                device: "d".into(),
                                via: AssistVia::Card,
                                day: 0,
                            },
                            AuditEntry::new("test", "team.exam.assist"),
                            at,
                        )
                        .await
                        .unwrap();
                }
                store
                    .finish_exam(
                        attempt.id,
                        p,
                        &ExamResult {
                            theta: f64::from(*theta) / 4.0,
                            se: 0.3,
                            passed: *pass && !*placement,
                            timed_out: false,
                        },
                        CUTOFF,
                        at,
                    )
                    .await
                    .unwrap();
                if supervised {
                    store
                        .close_assisted_sitting(attempt.id, *pass, 600, &["fast"], at)
                        .await
                        .unwrap();
                    sittings.push((*who, attempt.id));
                }
            }
            Op::Void { who } => {
                let Some(i) = sittings.iter().rposition(|(w, _)| w == who) else {
                    continue;
                };
                let (_, attempt) = sittings.remove(i);
                store
                    .review_assisted_sitting(
                        attempt,
                        Review::Voided,
                        "Không có mặt người thi",
                        member,
                        AuditEntry::new("test", "team.exam.review"),
                        CUTOFF,
                        at,
                    )
                    .await
                    .unwrap();
            }
        }
    }
    let rebuilt = store.rebuild_counters(CUTOFF, false, NOW).await.unwrap();
    assert!(
        rebuilt.differences.is_empty(),
        "after {ops:?}: {:#?}",
        rebuilt.differences
    );
    db.cleanup().await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn counters_always_agree_with_a_rebuild_from_the_facts(ops in proptest::collection::vec(op(), 1..24)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(&ops));
    }
}

/// The sequence that once disagreed: learning, then a move to another commune.
#[tokio::test]
async fn a_learner_who_moves_takes_their_counters_along() {
    run(&[
        Op::Register {
            who: 0,
            unit: 0,
            adult: true,
            pupil: false,
        },
        Op::Course { who: 0, course: 0 },
        Op::Register {
            who: 0,
            unit: 2,
            adult: true,
            pupil: false,
        },
        Op::Lesson {
            who: 0,
            course: 0,
            lesson: 1,
        },
    ])
    .await;
}

/// A supervised pass voided after its holder moved: the pass, `proficient`, the assisted
/// figure and the best measure (`assessed`, `gain_milli`) go back where they are now, and the
/// rebuild agrees; a later pass counts again.
#[tokio::test]
async fn a_voided_supervised_pass_takes_its_counters_back() {
    let adult = |unit| Op::Register {
        who: 0,
        unit,
        adult: true,
        pupil: true,
    };
    let exam = |placement, theta, pass, assisted| Op::Exam {
        who: 0,
        placement,
        theta,
        pass,
        assisted,
        task: Some((0, 4)),
        pupil: false,
    };
    run(&[
        adult(0),
        exam(true, -4, false, false),
        exam(false, 1, false, false),
        exam(false, 6, true, true),
        adult(2),
        Op::Void { who: 0 },
        exam(false, 3, true, true),
    ])
    .await;
}

/// A sitting at θ = 1/4, not passed, giving `task` (which of `TASKS`, its score out of 4).
fn task_exam(who: u8, placement: bool, assisted: bool, task: (u8, u8), pupil: bool) -> Op {
    Op::Exam {
        who,
        placement,
        theta: 1,
        pass: false,
        assisted,
        task: Some(task),
        pupil,
    }
}

/// What people could do of the tasks: given at placement and at exams (a resit, a supervised
/// sitting voided), by someone who then moves to another commune; the task counters agree with
/// their rebuild from `task_result`.
#[tokio::test]
async fn what_a_person_could_do_follows_resits_voids_and_moves() {
    let adult = |who, unit| Op::Register {
        who,
        unit,
        adult: true,
        pupil: false,
    };
    let exam = |who, placement, assisted, task| task_exam(who, placement, assisted, task, false);
    run(&[
        adult(0, 0),
        adult(1, 1),
        exam(0, true, false, (0, 1)),
        exam(1, true, false, (0, 4)),
        exam(0, false, true, (0, 4)),
        exam(0, false, false, (0, 3)),
        exam(1, false, true, (1, 4)),
        Op::Void { who: 0 },
        adult(0, 3),
        Op::Void { who: 1 },
        exam(1, false, false, (1, 0)),
    ])
    .await;
}

/// What pupils could do counts at their school: a pupil's tasks before and after joining it,
/// a resit, a supervised sitting voided after a move; the school's task counters agree with
/// their rebuild.
#[tokio::test]
async fn what_a_pupil_could_do_counts_at_their_school() {
    let register = |who, unit, pupil| Op::Register {
        who,
        unit,
        adult: false,
        pupil,
    };
    let exam = |who, placement, assisted, task| task_exam(who, placement, assisted, task, true);
    run(&[
        register(0, 0, false),
        register(1, 1, true),
        exam(0, true, false, (0, 1)),
        exam(1, true, false, (0, 4)),
        exam(0, false, true, (0, 4)),
        register(0, 2, true),
        exam(1, false, true, (1, 4)),
        exam(1, false, false, (1, 0)),
        Op::Void { who: 0 },
        Op::Void { who: 1 },
    ])
    .await;
}

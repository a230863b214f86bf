//! DESIGN invariant 1, as a property: after any sequence of facts — people registered and
//! moved between villages and communes, members of a school, lessons read, quizzes passed and
//! failed, courses completed — the counters moved fact by fact are exactly what a rebuild from
//! the facts gives, for every unit and organisation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use binhdan_core::Timestamp;
use binhdan_core::audit::AuditEntry;
use binhdan_core::cccd::Sex;
use binhdan_core::kpi::Group;
use binhdan_core::unit::{DivisionType, UnitCode, UnitName};
use binhdan_store::{
    AdultCutoff, MembershipRecord, NewOrganisation, NewVillage, OrgKind, PersonRecord, Store,
    WriteMode,
};
use proptest::prelude::*;

const NOW: Timestamp = Timestamp(1_795_000_000_000);
const DAY: i64 = 86_400_000;
/// Born on or before 2008-12-31 is an adult.
const CUTOFF: AdultCutoff = AdultCutoff(14_244);
const COURSES: [&str; 2] = ["cong-dan", "hoc-sinh"];

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
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..5, 0u8..4, any::<bool>(), any::<bool>())
            .prop_map(|(who, unit, adult, pupil)| Op::Register { who, unit, adult, pupil }),
        3 => (0u8..5, 0u8..2, any::<u8>()).prop_map(|(who, course, lesson)| Op::Lesson { who, course, lesson }),
        2 => (0u8..5, 0u8..2, any::<u8>(), any::<bool>())
            .prop_map(|(who, course, module, pass)| Op::Quiz { who, course, module, pass }),
        1 => (0u8..5, 0u8..2).prop_map(|(who, course)| Op::Course { who, course }),
    ]
}

fn code(s: &str) -> UnitCode {
    UnitCode::parse(s).unwrap()
}

async fn run(ops: &[Op]) {
    let db = binhdan_store::testing::TestDb::sqlite().await;
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

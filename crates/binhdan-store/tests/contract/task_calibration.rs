//! The tasks' raw material of calibration: every task result of a sitting, by person, for the
//! tasks not retired; a supervised sitting the commune voided counts for nothing.

use binhdan_core::audit::AuditEntry;
use binhdan_core::kpi::Group;
use binhdan_store::testing::TestDb;
use binhdan_store::{
    AdultCutoff, AssistVia, AssistedStart, ExamKind, NewAssistedSitting, Review, ScoredTask, Store,
};

use super::task_counters::{end_tasks, open_sitting};
use super::{NOW, code, shipped_content};

const CUTOFF: AdultCutoff = AdultCutoff(i64::MAX);
const TRANSFER: &str = "chuyen-tien-kiem-tra-ten";
const SMS: &str = "sms-ngan-hang-gia";
const OTP: &str = "tu-choi-cuoc-goi-otp";

/// A certification sitting of `who`'s, open.
async fn sitting(store: &dyn Store, who: i64) -> i64 {
    open_sitting(store, who, Group::Adult, ExamKind::Certification).await
}

/// The sitting gives `tasks` (id, version, score out of 2) in order.
async fn give(store: &dyn Store, attempt: i64, who: i64, tasks: &[(&str, u32, u8)]) {
    let tasks: Vec<(&str, u32, u8, u8)> = tasks.iter().map(|(t, v, s)| (*t, *v, *s, 2)).collect();
    end_tasks(store, attempt, who, &tasks).await;
}

#[tokio::test]
async fn task_results_to_calibrate_on_leave_out_voided_sittings_and_retired_tasks() {
    let mut pack = shipped_content();
    for db in TestDb::all().await {
        let (store, member, people) = super::assist::village_with_team(&db, 3).await;
        store.load_content(&pack, NOW).await.unwrap();
        assert!(store.scored_tasks().await.unwrap().is_empty());
        let version = {
            let versions: Vec<(String, u32)> = pack
                .tasks
                .iter()
                .map(|t| (t.id.clone(), t.version))
                .collect();
            move |id: &str| versions.iter().find(|(t, _)| t == id).unwrap().1
        };

        // Person 1: a sitting of two tasks, one at a version the pack no longer has (the
        // store keeps what was given; calibration decides what still counts).
        let first = sitting(store, people[0]).await;
        give(
            store,
            first,
            people[0],
            &[(TRANSFER, version(TRANSFER), 2), (SMS, version(SMS) + 5, 0)],
        )
        .await;
        // Person 2: a supervised sitting the commune voided.
        let voided = sitting(store, people[1]).await;
        let started = store
            .start_assisted_sitting(
                &NewAssistedSitting {
                    op: "calib-op-0001".into(),
                    attempt_id: voided,
                    person_id: people[1],
                    member_id: member,
                    village: code("16591001"),
                    commune: code("16591"),
                    device: "s:abcdef".into(),
                    via: AssistVia::Card,
                    day: 20_416,
                },
                AuditEntry::new(format!("staff:{member}"), "team.exam.assist"),
                NOW,
            )
            .await
            .unwrap();
        assert!(matches!(started, AssistedStart::Recorded(_)), "{started:?}");
        give(
            store,
            voided,
            people[1],
            &[(TRANSFER, version(TRANSFER), 1)],
        )
        .await;
        let all = store.scored_tasks().await.unwrap();
        assert_eq!(all.len(), 3, "{}: before the void, {all:?}", db.name);
        store
            .close_assisted_sitting(voided, false, 20, &["fast"], NOW)
            .await
            .unwrap()
            .unwrap();
        store
            .review_assisted_sitting(
                voided,
                Review::Voided,
                "Làm quá nhanh",
                member,
                AuditEntry::new("staff:9", "team.exam.review"),
                CUTOFF,
                NOW,
            )
            .await
            .unwrap()
            .unwrap();
        // Person 3: a task that then leaves the pack (retired).
        let third = sitting(store, people[2]).await;
        give(store, third, people[2], &[(OTP, version(OTP), 2)]).await;
        let kept = pack.tasks.iter().position(|t| t.id == OTP).unwrap();
        let otp = pack.tasks.remove(kept);
        store.load_content(&pack, NOW).await.unwrap();
        pack.tasks.insert(kept, otp);

        let scored = |task: &str, task_version: u32, score: u8| ScoredTask {
            person_id: people[0],
            task_id: task.to_owned(),
            task_version,
            score,
            credit: 2,
        };
        let mut expected = vec![
            scored(TRANSFER, version(TRANSFER), 2),
            scored(SMS, version(SMS) + 5, 0),
        ];
        expected.sort_by(|x, y| x.task_id.cmp(&y.task_id));
        assert_eq!(store.scored_tasks().await.unwrap(), expected, "{}", db.name);
        db.cleanup().await;
    }
}

//! `irt calibrate` on a real store: responses simulated from known parameters go through the
//! quiz attempts as learners' answers would, and the calibration recovers the difficulties;
//! too little data stores nothing and keeps the previous version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use binhdan_core::Timestamp;
use binhdan_core::cccd::Sex;
use binhdan_core::unit::UnitCode;
use binhdan_irt::{CalibrationConfig, IrtError, Model};
use binhdan_store::testing::TestDb;
use binhdan_store::{AdultCutoff, NewAnswer, PersonRecord, PlannedItem};
use rand::{Rng as _, SeedableRng as _};

use crate::irt::{CalibrateError, calibrate_bank};

const NOW: Timestamp = Timestamp(1_764_000_000_000);
const MODULE: &str = "cong-dan.dien-thoai";

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut impl rand::Rng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

#[tokio::test]
async fn calibration_recovers_difficulties_and_keeps_the_previous_version_on_too_little_data() {
    let db = TestDb::sqlite().await;
    let store = db.store.as_ref();
    crate::test_support::map_and_curriculum(store, NOW).await;

    // Nothing answered yet: refused, nothing stored.
    let refused = calibrate_bank(store, Model::TwoPl, None, NOW).await;
    assert!(
        matches!(
            refused,
            Err(CalibrateError::Refused(
                IrtError::EmptyBank | IrtError::TooFewResponses { .. }
            ))
        ),
        "{refused:?}"
    );
    assert!(store.item_parameters().await.unwrap().is_none());

    // 400 learners answer the module's 8 items, simulated from known difficulties.
    let quiz = store.module_quiz(MODULE).await.unwrap().unwrap();
    let n_items = quiz.items.len();
    let truth: Vec<f64> = (0..n_items)
        .map(|k| -2.0 + 4.0 * k as f64 / (n_items - 1) as f64)
        .collect();
    let commune = UnitCode::parse("16591").unwrap();
    let persons = 400;
    let mut import = store
        .begin_people_import(AdultCutoff(i64::MAX / 2), NOW)
        .await
        .unwrap();
    let records: Vec<PersonRecord> = (0..persons)
        .map(|i: u32| {
            let mut hash = [7u8; 32];
            hash[..4].copy_from_slice(&i.to_le_bytes());
            PersonRecord {
                cccd_hash: hash,
                cccd_sealed: vec![0],
                cccd_masked: "038*******00".into(),
                name: format!("Người {i}"),
                birth_year: 1980,
                birth_day: None,
                sex: Sex::Male,
                unit: commune.clone(),
                phone: None,
                membership: None,
            }
        })
        .collect();
    import.write(&records).await.unwrap();
    import
        .commit(binhdan_core::audit::AuditEntry::new(
            "test",
            "person.import",
        ))
        .await
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    for r in &records {
        let person = store
            .person_by_cccd_hash(&r.cccd_hash)
            .await
            .unwrap()
            .unwrap()
            .summary
            .id;
        let theta = normal(&mut rng);
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
            .create_attempt(person, MODULE, &plan, NOW)
            .await
            .unwrap();
        for (k, (item, rev)) in quiz.items.iter().enumerate() {
            let p = 1.0 / (1.0 + (-1.3 * (theta - truth[k])).exp());
            let correct = rng.random::<f64>() < p;
            store
                .record_answer(
                    attempt.id,
                    person,
                    &NewAnswer {
                        item_id: item.id.clone(),
                        position: u32::try_from(k).unwrap(),
                        revision: *rev,
                        last: k + 1 == n_items,
                        reply: binhdan_content::quiz::Reply::One(0),
                        correct,
                        elapsed_ms: 5_000,
                    },
                    AdultCutoff(i64::MAX / 2),
                    NOW,
                )
                .await
                .unwrap();
        }
    }

    let report = calibrate_bank(store, Model::TwoPl, None, NOW)
        .await
        .unwrap();
    assert_eq!(report.calibrated, n_items);
    assert_eq!(report.persons, persons as usize);
    assert_eq!(report.responses, persons as usize * n_items);
    let (version, params) = store.item_parameters().await.unwrap().unwrap();
    assert_eq!(version, report.version);
    let estimated: Vec<f64> = quiz
        .items
        .iter()
        .map(|(i, _)| params.iter().find(|p| p.item_id == i.id).unwrap().b)
        .collect();
    let r = correlation(&estimated, &truth);
    assert!(
        r > 0.95,
        "difficulties recovered: r = {r:.3}, {estimated:?}"
    );

    // Asking for more people than there are: refused, and the version in force stays.
    let strict = CalibrationConfig {
        min_persons: 10_000,
        ..CalibrationConfig::default()
    };
    let refused = calibrate_bank(store, Model::Rasch, Some(strict), NOW).await;
    assert!(
        matches!(
            refused,
            Err(CalibrateError::Refused(IrtError::TooFewPersons { .. }))
        ),
        "{refused:?}"
    );
    assert_eq!(store.item_parameters().await.unwrap().unwrap().0, version);
    db.cleanup().await;
}

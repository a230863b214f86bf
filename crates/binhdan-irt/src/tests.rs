//! Parameter-recovery and behaviour tests of the calibration on simulated data.
//!
//! Sizes are chosen so the whole suite runs in a few seconds in a debug
//! build (the workspace compiles its own crates at opt-level 0).

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::simulate::{
    correlation, draw_abilities, draw_items, rmse, simulate_dense, simulate_sparse,
};
use crate::{
    CalibrationConfig, IrtError, ItemParams, Model, Response, StartValues, calibrate, eap,
};

fn a_b(params: &[ItemParams]) -> (Vec<f64>, Vec<f64>) {
    (
        params.iter().map(|p| p.a).collect(),
        params.iter().map(|p| p.b).collect(),
    )
}

/// 2PL, 3,000 persons × 20 items, dense. With 3,000 answers per item the
/// asymptotic standard errors of these items are about 0.03–0.06 for `b`
/// and 0.04–0.06 for `a` (1 / sqrt(N · info)); the RMSE bounds (0.10 for
/// both) leave about twice that for sampling luck and the (weak) priors.
#[test]
fn recovers_2pl_parameters_dense() {
    let mut rng = StdRng::seed_from_u64(20_260_101);
    let truth = draw_items(20, &mut rng);
    let thetas = draw_abilities(3_000, &mut rng);
    let data = simulate_dense(&truth, &thetas, &mut rng);
    let config = CalibrationConfig {
        start: StartValues::Proportions,
        threads: 2,
        ..CalibrationConfig::default()
    };
    let cal = calibrate(&data, &vec![ItemParams::default(); 20], &config).unwrap();
    assert!(cal.converged, "{} iterations", cal.iterations);
    assert!(cal.log_likelihood.is_finite() && cal.log_likelihood < 0.0);
    assert_eq!(cal.persons, 3_000);
    assert!(
        cal.items
            .iter()
            .all(|r| r.calibrated && r.responses == 3_000)
    );
    let (ta, tb) = a_b(&truth);
    let (ea, eb) = a_b(&cal.params());
    let (ra, rb, ca, cb) = (
        rmse(&ea, &ta),
        rmse(&eb, &tb),
        correlation(&ea, &ta),
        correlation(&eb, &tb),
    );
    eprintln!(
        "rmse(a) {ra:.4} rmse(b) {rb:.4} corr(a) {ca:.4} corr(b) {cb:.4}, {} cycles",
        cal.iterations
    );
    assert!(cb > 0.95 && ca > 0.8, "corr(a) {ca} corr(b) {cb}");
    assert!(rb < 0.10 && ra < 0.10, "rmse(a) {ra} rmse(b) {rb}");
}

/// Rasch, 2,000 persons × 15 items simulated with `a = 1`: SE(b) ≈ 0.05,
/// bound 0.10.
#[test]
fn recovers_rasch_difficulties() {
    let mut rng = StdRng::seed_from_u64(7);
    let truth: Vec<ItemParams> = draw_items(15, &mut rng)
        .into_iter()
        .map(|p| ItemParams::new(1.0, p.b))
        .collect();
    let thetas = draw_abilities(2_000, &mut rng);
    let data = simulate_dense(&truth, &thetas, &mut rng);
    let config = CalibrationConfig {
        model: Model::Rasch,
        ..CalibrationConfig::default()
    };
    // Start from deliberately wrong slopes: Rasch must reset them to 1.
    let cal = calibrate(&data, &vec![ItemParams::new(2.0, 0.0); 15], &config).unwrap();
    assert!(cal.converged);
    let (ea, eb) = a_b(&cal.params());
    assert!(ea.iter().all(|&a| (a - 1.0).abs() < 1e-12));
    let (_, tb) = a_b(&truth);
    let rb = rmse(&eb, &tb);
    eprintln!(
        "rasch rmse(b) {rb:.4} corr(b) {:.4}, {} cycles",
        correlation(&eb, &tb),
        cal.iterations
    );
    assert!(rb < 0.10 && correlation(&eb, &tb) > 0.99, "rmse(b) {rb}");
}

/// Sparse design: a 200-item bank, 4,000 persons each answering 15 random
/// items (about 300 answers per item). With only 15 answers per person the
/// ability posteriors are wide (SD ≈ 0.5), so item estimates are noisier
/// than in the dense test: at this seed RMSE(a) ≈ 0.21 and RMSE(b) ≈ 0.20,
/// shrinking as 1/√N (the benchmark's 1,333 answers per item give ≈ 0.09),
/// i.e. sampling noise, not bias. Bounds: RMSE < 0.3 for both, correlation(b) >
/// 0.95, and correlation(a) > 0.6 (the true `a` vary little, SD ≈ 0.3, which caps
/// their correlation at this noise level).
#[test]
fn recovers_sparse_bank() {
    let mut rng = StdRng::seed_from_u64(99);
    let truth = draw_items(200, &mut rng);
    let thetas = draw_abilities(4_000, &mut rng);
    let data = simulate_sparse(&truth, &thetas, 15, &mut rng).unwrap();
    let config = CalibrationConfig {
        start: StartValues::Proportions,
        threads: 2,
        ..CalibrationConfig::default()
    };
    let cal = calibrate(&data, &vec![ItemParams::default(); 200], &config).unwrap();
    assert!(cal.items.iter().all(|r| r.calibrated));
    assert!(cal.converged, "{} iterations", cal.iterations);
    let (ta, tb) = a_b(&truth);
    let (ea, eb) = a_b(&cal.params());
    let (ra, rb, ca, cb) = (
        rmse(&ea, &ta),
        rmse(&eb, &tb),
        correlation(&ea, &ta),
        correlation(&eb, &tb),
    );
    eprintln!(
        "rmse(a) {ra:.4} rmse(b) {rb:.4} corr(a) {ca:.4} corr(b) {cb:.4}, {} cycles",
        cal.iterations
    );
    assert!(cb > 0.95 && ca > 0.6, "corr(a) {ca} corr(b) {cb}");
    assert!(rb < 0.3 && ra < 0.3, "rmse(a) {ra} rmse(b) {rb}");
}

#[test]
fn items_without_enough_answers_keep_previous_parameters() {
    let mut rng = StdRng::seed_from_u64(5);
    let truth = draw_items(12, &mut rng);
    let thetas = draw_abilities(500, &mut rng);
    // Items 10 and 11 exist in the bank but nobody answered item 10 and only
    // three persons answered item 11.
    let mut data: Vec<Response> = simulate_dense(&truth[..10], &thetas, &mut rng);
    data.extend([0, 1, 2].map(|p| Response::new(p, 11, true)));
    let mut previous = vec![ItemParams::default(); 12];
    previous[10] = ItemParams::new(1.3, 0.4);
    previous[11] = ItemParams::new(0.7, -1.2);
    let config = CalibrationConfig {
        min_item_responses: 5,
        ..CalibrationConfig::default()
    };
    let cal = calibrate(&data, &previous, &config).unwrap();
    assert_eq!(cal.items.len(), 12);
    assert!(
        cal.items[..10]
            .iter()
            .all(|r| r.calibrated && r.responses == 500)
    );
    assert!(!cal.items[10].calibrated && cal.items[10].responses == 0);
    assert!(!cal.items[11].calibrated && cal.items[11].responses == 3);
    assert_eq!(cal.items[10].params, previous[10]);
    assert_eq!(cal.items[11].params, previous[11]);
}

#[test]
fn too_little_data_is_an_error() {
    let bank = vec![ItemParams::default(); 5];
    let few: Vec<Response> = (0..40)
        .map(|p| Response::new(p, p % 5, p % 3 == 0))
        .collect();
    let config = CalibrationConfig::default();
    assert_eq!(
        calibrate(&few, &bank, &config),
        Err(IrtError::TooFewResponses {
            responses: 40,
            min: 100
        })
    );
    // Enough responses but from only 20 persons.
    let narrow: Vec<Response> = (0..200)
        .map(|i| Response::new(i % 20, i % 5, i % 3 == 0))
        .collect();
    assert_eq!(
        calibrate(&narrow, &bank, &config),
        Err(IrtError::TooFewPersons {
            persons: 20,
            min: 30
        })
    );
    // Enough persons, but no item reaches its minimum.
    let spread: Vec<Response> = (0..200)
        .map(|i| Response::new(i, i % 5, i % 2 == 0))
        .collect();
    let strict = CalibrationConfig {
        min_item_responses: 41,
        ..CalibrationConfig::default()
    };
    assert_eq!(
        calibrate(&spread, &bank, &strict),
        Err(IrtError::NoCalibratableItem { min: 41 })
    );
    assert_eq!(
        calibrate(&[Response::new(0, 5, true)], &bank, &config),
        Err(IrtError::ItemOutOfRange { item: 5, items: 5 })
    );
    assert_eq!(calibrate(&spread, &[], &config), Err(IrtError::EmptyBank));
}

#[test]
fn invalid_configuration_is_rejected() {
    let bank = vec![ItemParams::default(); 5];
    let data: Vec<Response> = (0..200)
        .map(|i| Response::new(i, i % 5, i % 2 == 0))
        .collect();
    let bad = [
        CalibrationConfig {
            threads: 0,
            ..CalibrationConfig::default()
        },
        CalibrationConfig {
            tolerance: f64::NAN,
            ..CalibrationConfig::default()
        },
        CalibrationConfig {
            quadrature_points: 1,
            ..CalibrationConfig::default()
        },
        CalibrationConfig {
            max_iterations: 0,
            ..CalibrationConfig::default()
        },
    ];
    for config in bad {
        assert!(matches!(
            calibrate(&data, &bank, &config),
            Err(IrtError::InvalidConfig(_))
        ));
    }
    let mut nan_bank = bank.clone();
    nan_bank[3].a = -1.0;
    assert_eq!(
        calibrate(&data, &nan_bank, &CalibrationConfig::default()),
        Err(IrtError::InvalidParams { item: 3 })
    );
}

/// Items answered all right (or all wrong) by few persons stay finite
/// thanks to the priors.
#[test]
fn extreme_items_stay_finite() {
    let mut rng = StdRng::seed_from_u64(11);
    let truth = draw_items(8, &mut rng);
    let thetas = draw_abilities(300, &mut rng);
    let mut data = simulate_dense(&truth, &thetas, &mut rng);
    data.extend((0..20).map(|p| Response::new(p, 8, true)));
    data.extend((20..40).map(|p| Response::new(p, 9, false)));
    let cal = calibrate(
        &data,
        &[ItemParams::default(); 10],
        &CalibrationConfig::default(),
    )
    .unwrap();
    let easy = cal.items[8].params;
    let hard = cal.items[9].params;
    assert!(cal.items[8].calibrated && cal.items[9].calibrated);
    assert!(
        easy.a.is_finite() && easy.b.is_finite() && easy.b < -1.0,
        "{easy:?}"
    );
    assert!(
        hard.a.is_finite() && hard.b.is_finite() && hard.b > 1.0,
        "{hard:?}"
    );
}

#[test]
fn threads_do_not_change_the_result() {
    let mut rng = StdRng::seed_from_u64(3);
    let truth = draw_items(10, &mut rng);
    let thetas = draw_abilities(400, &mut rng);
    let data = simulate_dense(&truth, &thetas, &mut rng);
    let bank = vec![ItemParams::default(); 10];
    let one = calibrate(&data, &bank, &CalibrationConfig::default()).unwrap();
    let two = calibrate(
        &data,
        &bank,
        &CalibrationConfig {
            threads: 2,
            ..CalibrationConfig::default()
        },
    )
    .unwrap();
    assert_eq!(one.iterations, two.iterations);
    for (x, y) in one.params().iter().zip(two.params()) {
        assert!((x.a - y.a).abs() < 1e-9 && (x.b - y.b).abs() < 1e-9);
    }
    assert!((one.log_likelihood - two.log_likelihood).abs() < 1e-6);
}

/// Person indices may be arbitrary ids (e.g. from a database): the result
/// is the same as with compact indices.
#[test]
fn large_person_ids_give_the_same_calibration() {
    let mut rng = StdRng::seed_from_u64(12);
    let truth = draw_items(6, &mut rng);
    let thetas = draw_abilities(200, &mut rng);
    let data = simulate_dense(&truth, &thetas, &mut rng);
    let ids: Vec<Response> = data
        .iter()
        .map(|r| Response::new(usize::MAX - 3 * r.person, r.item, r.correct))
        .collect();
    let bank = vec![ItemParams::default(); 6];
    let config = CalibrationConfig::default();
    let a = calibrate(&data, &bank, &config).unwrap();
    let b = calibrate(&ids, &bank, &config).unwrap();
    assert_eq!(a.persons, b.persons);
    assert_eq!(a.iterations, b.iterations);
    for (x, y) in a.params().iter().zip(b.params()) {
        assert!((x.a - y.a).abs() < 1e-9 && (x.b - y.b).abs() < 1e-9);
    }
}

/// EAP with calibrated parameters tracks the true abilities.
#[test]
fn eap_tracks_true_abilities() {
    let mut rng = StdRng::seed_from_u64(8);
    let truth = draw_items(30, &mut rng);
    let thetas = draw_abilities(300, &mut rng);
    let data = simulate_dense(&truth, &thetas, &mut rng);
    let estimates: Vec<f64> = data
        .chunks(30)
        .map(|person| {
            let pattern: Vec<(usize, bool)> = person.iter().map(|r| (r.item, r.correct)).collect();
            eap(&pattern, &truth).unwrap().theta
        })
        .collect();
    assert!(correlation(&estimates, &thetas) > 0.9);
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Arbitrary small, messy data sets (duplicates, unanswered items,
        /// all-right persons) never panic; a calibration either fails with
        /// an error or returns finite parameters with `a > 0`, and items
        /// below the minimum keep exactly their previous parameters.
        #[test]
        fn calibration_is_total_and_keeps_uncalibrated_items(
            raw in proptest::collection::vec((0usize..60, 0usize..12, any::<bool>()), 0..400),
            min_item in 1usize..20,
            rasch in any::<bool>(),
        ) {
            let data: Vec<Response> = raw.iter().map(|&(p, i, c)| Response::new(p, i, c)).collect();
            let previous: Vec<ItemParams> =
                (0..12).map(|i| ItemParams::new(0.5 + 0.1 * f64::from(i), -1.0 + 0.2 * f64::from(i))).collect();
            let config = CalibrationConfig {
                model: if rasch { Model::Rasch } else { Model::TwoPl },
                min_item_responses: min_item,
                min_responses: 50,
                min_persons: 10,
                max_iterations: 50,
                ..CalibrationConfig::default()
            };
            match calibrate(&data, &previous, &config) {
                Err(e) => {
                    let expected = matches!(
                        e,
                        IrtError::TooFewResponses { .. }
                            | IrtError::TooFewPersons { .. }
                            | IrtError::NoCalibratableItem { .. }
                    );
                    prop_assert!(expected, "unexpected error {:?}", e);
                }
                Ok(cal) => {
                    prop_assert!(cal.log_likelihood.is_finite());
                    for (i, r) in cal.items.iter().enumerate() {
                        prop_assert!(r.params.a.is_finite() && r.params.a > 0.0 && r.params.b.is_finite());
                        prop_assert_eq!(r.calibrated, r.responses >= min_item);
                        if !r.calibrated {
                            prop_assert_eq!(r.params, previous[i]);
                        }
                    }
                }
            }
        }
    }
}

/// A recalibration warm-started from good parameters needs few cycles, and
/// a cap on cycles is reported as not converged.
#[test]
fn warm_start_and_iteration_cap() {
    let mut rng = StdRng::seed_from_u64(21);
    let truth = draw_items(10, &mut rng);
    let thetas = draw_abilities(800, &mut rng);
    let data = simulate_dense(&truth, &thetas, &mut rng);
    let cold = calibrate(
        &data,
        &[ItemParams::default(); 10],
        &CalibrationConfig::default(),
    )
    .unwrap();
    let warm = calibrate(&data, &cold.params(), &CalibrationConfig::default()).unwrap();
    assert!(cold.converged && warm.converged);
    assert!(warm.iterations <= 2, "{} cycles", warm.iterations);
    let capped = calibrate(
        &data,
        &[ItemParams::default(); 10],
        &CalibrationConfig {
            max_iterations: 1,
            ..CalibrationConfig::default()
        },
    )
    .unwrap();
    assert_eq!(capped.iterations, 1);
    assert!(!capped.converged && capped.last_change >= 1e-4);
}

//! Tests of the mixed dichotomous / partial-credit (GPCM) bank: parameter
//! recovery of the MML-EM calibration, EAP from scored answers, adaptive
//! sessions with partial-credit items. Sizes keep the suite at a few
//! seconds in a debug build.

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::simulate::{
    correlation, draw_abilities, draw_gpcm_items, draw_items, draw_score, rmse,
    simulate_scored_dense,
};
use crate::study::{simulated_bank, uniform_blueprint};
use crate::{
    CalibrationConfig, CatState, ExamError, Exposure, ExposureControl, GpcmItem, IrtError,
    ItemBank, ItemModel, ItemParams, Model, PassRule, Response, ScoredResponse, StartValues,
    calibrate, calibrate_mixed, eap_scored, finish, next_item, record, record_score,
};

/// 10 dichotomous 2PL items then 6 GPCM items with 3 categories.
fn mixed_truth(rng: &mut StdRng) -> Vec<ItemModel> {
    let mut bank: Vec<ItemModel> = draw_items(10, rng)
        .into_iter()
        .map(ItemModel::Dichotomous)
        .collect();
    bank.extend(draw_gpcm_items(6, 3, rng).into_iter().map(ItemModel::Gpcm));
    bank
}

fn start_of(truth: &[ItemModel]) -> Vec<ItemModel> {
    truth
        .iter()
        .map(|m| match m {
            ItemModel::Dichotomous(_) => ItemModel::Dichotomous(ItemParams::default()),
            ItemModel::Gpcm(g) => ItemModel::Gpcm(GpcmItem {
                a: 1.0,
                steps: vec![0.0; g.steps.len()],
            }),
        })
        .collect()
}

/// (slopes, dichotomous b, GPCM steps) of a bank, flattened.
fn flatten(models: &[ItemModel]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut a, mut b, mut steps) = (Vec::new(), Vec::new(), Vec::new());
    for m in models {
        a.push(m.slope());
        match m {
            ItemModel::Dichotomous(p) => b.push(p.b),
            ItemModel::Gpcm(g) => steps.extend(&g.steps),
        }
    }
    (a, b, steps)
}

/// 2,000 persons × (10 2PL + 6 three-category GPCM items), dense. With
/// 2,000 answers per item the asymptotic standard errors are about
/// 0.05–0.09 for `a`, 0.04–0.08 for `b` and 0.06–0.12 for the steps; the
/// bounds leave about twice that for sampling luck and the weak priors.
#[test]
fn recovers_mixed_2pl_and_gpcm_parameters() {
    let mut rng = StdRng::seed_from_u64(20_261_207);
    let truth = mixed_truth(&mut rng);
    let thetas = draw_abilities(2_000, &mut rng);
    let data = simulate_scored_dense(&truth, &thetas, &mut rng);
    let config = CalibrationConfig {
        start: StartValues::Proportions,
        threads: 2,
        ..CalibrationConfig::default()
    };
    let cal = calibrate_mixed(&data, &start_of(&truth), &config).unwrap();
    assert!(cal.converged, "{} iterations", cal.iterations);
    assert!(cal.log_likelihood.is_finite() && cal.log_likelihood < 0.0);
    assert_eq!((cal.persons, cal.responses), (2_000, 32_000));
    let models = cal.models();
    for (got, want) in models.iter().zip(&truth) {
        assert_eq!(got.max_score(), want.max_score(), "kind kept");
    }
    let (ta, tb, ts) = flatten(&truth);
    let (ea, eb, es) = flatten(&models);
    let (ra, rb, rs) = (rmse(&ea, &ta), rmse(&eb, &tb), rmse(&es, &ts));
    println!(
        "{} EM cycles; RMSE a {ra:.4}, b {rb:.4}, steps {rs:.4}",
        cal.iterations
    );
    assert!(ra < 0.15, "RMSE(a) {ra}");
    assert!(rb < 0.15, "RMSE(b) {rb}");
    assert!(rs < 0.20, "RMSE(steps) {rs}");

    // EAP from the calibrated bank tracks the true abilities, and the
    // partial-credit items add to what the dichotomous items alone measure.
    let mut all = Vec::new();
    let mut dichotomous = Vec::new();
    for person in data.chunks(truth.len()) {
        let scored: Vec<(usize, u8)> = person.iter().map(|r| (r.item, r.score)).collect();
        all.push(eap_scored(&scored, &models).unwrap().theta);
        dichotomous.push(eap_scored(&scored[..10], &models).unwrap().theta);
    }
    let (r_all, r_dich) = (
        correlation(&all, &thetas),
        correlation(&dichotomous, &thetas),
    );
    println!("correlation of EAP with θ: {r_all:.4} (dichotomous items only {r_dich:.4})");
    assert!(r_all > 0.85, "correlation {r_all}");
    assert!(
        r_all > r_dich + 0.02,
        "{r_all} vs dichotomous only {r_dich}"
    );
}

/// On dichotomous data the mixed calibration fits the same model as the
/// 2PL calibration, so both reach the same maximum.
#[test]
fn mixed_calibration_of_dichotomous_data_equals_2pl_calibration() {
    let mut rng = StdRng::seed_from_u64(11);
    let truth = draw_items(8, &mut rng);
    let thetas = draw_abilities(600, &mut rng);
    let data = crate::simulate::simulate_dense(&truth, &thetas, &mut rng);
    let scored: Vec<ScoredResponse> = data.iter().copied().map(ScoredResponse::from).collect();
    for model in [Model::TwoPl, Model::Rasch] {
        let config = CalibrationConfig {
            model,
            tolerance: 1e-7,
            start: StartValues::Proportions,
            ..CalibrationConfig::default()
        };
        let two_pl = calibrate(&data, &[ItemParams::default(); 8], &config).unwrap();
        let start = vec![ItemModel::Dichotomous(ItemParams::default()); 8];
        let mixed = calibrate_mixed(&scored, &start, &config).unwrap();
        assert!((two_pl.log_likelihood - mixed.log_likelihood).abs() < 1e-4);
        for (p, m) in two_pl.params().iter().zip(mixed.models()) {
            let ItemModel::Dichotomous(q) = m else {
                panic!("kind changed: {m:?}");
            };
            assert!(
                (p.a - q.a).abs() < 1e-4 && (p.b - q.b).abs() < 1e-4,
                "{p:?} {q:?}"
            );
        }
    }
}

#[test]
fn sparse_items_keep_their_parameters_and_pcm_keeps_slopes() {
    let mut rng = StdRng::seed_from_u64(12);
    let mut truth = mixed_truth(&mut rng);
    truth.truncate(12);
    let thetas = draw_abilities(400, &mut rng);
    let mut data = simulate_scored_dense(&truth[..11], &thetas, &mut rng);
    // Item 11 (GPCM) answered by 3 persons only: below the minimum of 5.
    data.extend((0..3).map(|p| ScoredResponse::new(p, 11, 1)));
    let previous = start_of(&truth);
    let config = CalibrationConfig {
        model: Model::Rasch,
        ..CalibrationConfig::default()
    };
    let cal = calibrate_mixed(&data, &previous, &config).unwrap();
    let last = &cal.items[11];
    assert!(!last.calibrated && last.responses == 3);
    assert_eq!(last.model, previous[11]);
    for report in &cal.items[..11] {
        assert!(report.calibrated);
        assert!((report.model.slope() - 1.0).abs() < 1e-15);
    }
    // The steps did move: the partial credit model was fitted.
    assert!(cal.items[10].model != previous[10]);
    let wrong = [Response::new(0, 12, true)].map(ScoredResponse::from);
    assert!(matches!(
        calibrate_mixed(&wrong, &previous, &config),
        Err(IrtError::ItemOutOfRange { .. })
    ));
}

/// A simulated bank where every fourth item is a three-category GPCM item.
fn mixed_exam_bank(rng: &mut StdRng) -> ItemBank {
    let base = simulated_bank(240, 6, rng);
    let models: Vec<ItemModel> = base
        .params()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 4 == 0 {
                ItemModel::Gpcm(GpcmItem {
                    a: p.a,
                    steps: vec![p.b - 0.7, p.b + 0.7],
                })
            } else {
                ItemModel::Dichotomous(*p)
            }
        })
        .collect();
    ItemBank::mixed(base.items().to_vec(), models).unwrap()
}

#[test]
fn adaptive_sessions_use_partial_credit_items() {
    let mut rng = StdRng::seed_from_u64(13);
    let bank = mixed_exam_bank(&mut rng);
    assert!(bank.has_polytomous());
    let bp = uniform_blueprint(6, 3, 8, 20, 40, 0.3, PassRule::eap(0.0));
    bp.validate(&bank).unwrap();
    let mut exposure = Exposure::new(bank.len(), ExposureControl::default());
    let (mut estimates, mut truths, mut polytomous_given) = (Vec::new(), Vec::new(), 0);
    for s in 0..40 {
        let theta = -2.0 + 4.0 * f64::from(s) / 40.0;
        exposure.begin_session();
        let mut state = CatState::new(&bp);
        while let Some(id) = next_item(&state, &bank, &bp, &exposure, &mut rng).unwrap() {
            exposure.administered(id);
            let score = draw_score(&bank.models()[id], theta, &mut rng);
            record_score(&mut state, &bank, &bp, id, score).unwrap();
        }
        assert_eq!(state.scores.len(), state.responses.len());
        polytomous_given += state
            .items()
            .filter(|&id| bank.models()[id].max_score() == 2)
            .count();
        let out = finish(&state, &bp);
        let se_met = out.stop.is_some() && out.se <= 0.3 + 1e-9;
        assert!(se_met || out.items.len() == 40, "{out:?}");
        estimates.push(out.theta);
        truths.push(theta);
    }
    let r = correlation(&estimates, &truths);
    assert!(r > 0.9, "correlation {r}");
    // A quarter of the bank, more informative per item: well over a quarter of the items given.
    assert!(polytomous_given > 40 * 20 / 4, "{polytomous_given}");
}

#[test]
fn record_score_checks_scores_and_right_wrong_answers_still_work() {
    let mut rng = StdRng::seed_from_u64(14);
    let bank = mixed_exam_bank(&mut rng);
    let bp = uniform_blueprint(6, 3, 8, 20, 40, 0.3, PassRule::eap(0.0));
    let mut state = CatState::new(&bp);
    let before = state.clone();
    assert_eq!(
        record_score(&mut state, &bank, &bp, 0, 3),
        Err(ExamError::Irt(IrtError::ScoreOutOfRange {
            item: 0,
            score: 3,
            max: 2
        }))
    );
    assert_eq!(state, before);
    // Right/wrong on a dichotomous item first: no scores kept yet.
    record(&mut state, &bank, &bp, 1, true).unwrap();
    assert!(state.scores.is_empty());
    // Partial credit: the scores of earlier answers are filled in.
    record_score(&mut state, &bank, &bp, 0, 1).unwrap();
    assert_eq!(state.scores, vec![1, 1]);
    assert_eq!(state.responses, vec![(1, true), (0, false)]);
    let half = state.ability.theta;
    // A right answer to a GPCM item through `record` is full credit.
    record(&mut state, &bank, &bp, 4, true).unwrap();
    assert_eq!(state.scores, vec![1, 1, 2]);
    assert!(state.ability.theta > half);
    assert_eq!(state.scored(), vec![(1, 1), (0, 1), (4, 2)]);
}

/// A bank built with [`ItemBank::mixed`] from dichotomous models only runs
/// exactly the sessions of the same bank built with [`ItemBank::new`].
#[test]
fn dichotomous_mixed_bank_runs_identical_sessions() {
    let mut rng = StdRng::seed_from_u64(15);
    let plain = simulated_bank(120, 6, &mut rng);
    let models = plain
        .params()
        .iter()
        .copied()
        .map(ItemModel::Dichotomous)
        .collect();
    let mixed = ItemBank::mixed(plain.items().to_vec(), models).unwrap();
    assert_eq!(mixed.params(), plain.params());
    let bp = uniform_blueprint(6, 2, 6, 15, 30, 0.35, PassRule::eap(0.0));
    for bank in [&plain, &mixed] {
        assert!(!bank.has_polytomous());
    }
    let run = |bank: &ItemBank| {
        let mut rng = StdRng::seed_from_u64(99);
        let mut exposure = Exposure::new(bank.len(), ExposureControl::default());
        exposure.begin_session();
        let mut state = CatState::new(&bp);
        while let Some(id) = next_item(&state, bank, &bp, &exposure, &mut rng).unwrap() {
            exposure.administered(id);
            record(&mut state, bank, &bp, id, bank.params()[id].b < 0.2).unwrap();
        }
        state
    };
    assert_eq!(run(&plain), run(&mixed));
    assert!(ItemBank::mixed(plain.items().to_vec(), Vec::new()).is_err());
}

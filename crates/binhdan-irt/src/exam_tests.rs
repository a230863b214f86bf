//! Tests of the exam engine: blueprint, adaptive sessions, forms, studies.

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::study::{
    Attack, cat_study, form_study, leak_attack_cat, leak_attack_forms, run_cat_session,
    simulated_bank, uniform_blueprint,
};
use crate::{
    BankItem, Blueprint, CatState, ExamError, Exposure, ExposureControl, FormSpec, ItemBank,
    ItemParams, PassRule, StopReason, assemble_form, domain_allocation, finish, next_item, overlap,
    record, stop_reason,
};

fn setup(seed: u64) -> (ItemBank, Blueprint, StdRng) {
    let mut rng = StdRng::seed_from_u64(seed);
    let bank = simulated_bank(300, 6, &mut rng);
    let bp = uniform_blueprint(6, 3, 8, 20, 40, 0.3, PassRule::eap(0.0));
    (bank, bp, rng)
}

fn domain_counts(bank: &ItemBank, bp: &Blueprint, items: &[usize]) -> Vec<usize> {
    let mut counts = vec![0; bp.domains.len()];
    for &id in items {
        let slot = bp
            .domains
            .iter()
            .position(|d| d.domain == bank.items()[id].domain)
            .unwrap();
        counts[slot] += 1;
    }
    counts
}

#[test]
fn sessions_never_repeat_and_meet_the_blueprint() {
    let (bank, bp, mut rng) = setup(1);
    bp.validate(&bank).unwrap();
    let mut exposure = Exposure::new(bank.len(), ExposureControl::default());
    for s in 0..60 {
        let theta = -2.5 + 5.0 * f64::from(s) / 60.0;
        let out = run_cat_session(&bank, &bp, &mut exposure, &mut rng, |id, r| {
            rand::Rng::random::<f64>(r) < bank.params()[id].prob(theta)
        })
        .unwrap();
        let mut sorted = out.items.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), out.items.len(), "repeat in {:?}", out.items);
        assert!(out.items.len() >= bp.min_items && out.items.len() <= bp.max_items);
        for (count, d) in domain_counts(&bank, &bp, &out.items)
            .iter()
            .zip(&bp.domains)
        {
            assert!(*count >= d.min && *count <= d.max, "{count} for {d:?}");
        }
        assert!(out.stop.is_some());
    }
}

#[test]
fn tight_blueprint_forces_every_domain_minimum() {
    let (bank, _, mut rng) = setup(2);
    // Σ min = max_items: every domain gets exactly its minimum, whatever θ.
    let mut bp = uniform_blueprint(6, 2, 10, 12, 12, 0.01, PassRule::eap(0.0));
    bp.domains[0].min = 5;
    bp.max_items = 15;
    bp.min_items = 15;
    let mut exposure = Exposure::new(bank.len(), ExposureControl::default());
    for theta in [-3.0, 0.0, 3.0] {
        let out = run_cat_session(&bank, &bp, &mut exposure, &mut rng, |id, _| {
            bank.params()[id].b < theta
        })
        .unwrap();
        assert_eq!(out.stop, Some(StopReason::MaxItems));
        assert_eq!(
            domain_counts(&bank, &bp, &out.items),
            vec![5, 2, 2, 2, 2, 2]
        );
    }
}

#[test]
fn exposure_ceiling_holds_over_a_few_hundred_sessions() {
    let (bank, bp, mut rng) = setup(3);
    let thetas = crate::simulate::draw_abilities(300, &mut rng);
    let control = ExposureControl {
        randomesque: 3,
        max_rate: 0.2,
        warmup: 20,
        progressive: 0,
    };
    let mut exposure = Exposure::new(bank.len(), control);
    let report = cat_study(&bank, &bp, &mut exposure, &thetas, &mut rng).unwrap();
    assert!(report.max_exposure <= 0.21, "{report:?}");
    assert!(report.rmse < 0.45 && report.bias.abs() < 0.1, "{report:?}");
    assert!(report.decision_accuracy > 0.8, "{report:?}");
    // Without any exposure control the best items are given to nearly everybody.
    let free = ExposureControl {
        randomesque: 1,
        max_rate: 1.0,
        warmup: 1,
        progressive: 0,
    };
    let mut unlimited = Exposure::new(bank.len(), free);
    let greedy = cat_study(&bank, &bp, &mut unlimited, &thetas[..100], &mut rng).unwrap();
    assert!(greedy.max_exposure > 0.6, "{greedy:?}");
    assert!(report.overlap_rate < greedy.overlap_rate);
}

#[test]
fn se_target_stops_the_test() {
    let (bank, mut bp, mut rng) = setup(4);
    bp.se_target = 0.45;
    bp.min_items = 6;
    bp.domains.iter_mut().for_each(|d| d.min = 1);
    let mut exposure = Exposure::new(bank.len(), ExposureControl::default());
    let out = run_cat_session(&bank, &bp, &mut exposure, &mut rng, |id, r| {
        rand::Rng::random::<f64>(r) < bank.params()[id].prob(0.0)
    })
    .unwrap();
    assert_eq!(out.stop, Some(StopReason::SeTarget));
    assert!(out.se <= 0.45 && out.items.len() < bp.max_items, "{out:?}");
    // An unreachable target runs to max_items.
    bp.se_target = 0.05;
    let out = run_cat_session(&bank, &bp, &mut exposure, &mut rng, |id, r| {
        rand::Rng::random::<f64>(r) < bank.params()[id].prob(0.0)
    })
    .unwrap();
    assert_eq!(out.stop, Some(StopReason::MaxItems));
    assert_eq!(out.items.len(), bp.max_items);
}

#[test]
fn state_round_trips_through_json_and_continues_identically() {
    let (bank, bp, mut rng) = setup(5);
    let exposure = Exposure::new(bank.len(), ExposureControl::default());
    let mut state = CatState::new(&bp);
    for k in 0..7 {
        let id = next_item(&state, &bank, &bp, &exposure, &mut rng)
            .unwrap()
            .unwrap();
        record(&mut state, &bank, &bp, id, k % 3 != 0).unwrap();
    }
    let json = serde_json::to_string(&state).unwrap();
    let restored: CatState = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, state);
    let mut r1 = StdRng::seed_from_u64(9);
    let mut r2 = StdRng::seed_from_u64(9);
    assert_eq!(
        next_item(&state, &bank, &bp, &exposure, &mut r1).unwrap(),
        next_item(&restored, &bank, &bp, &exposure, &mut r2).unwrap()
    );
    let exp_json = serde_json::to_string(&exposure).unwrap();
    assert_eq!(
        serde_json::from_str::<Exposure>(&exp_json).unwrap(),
        exposure
    );
}

#[test]
fn record_rejects_repeats_and_foreign_items() {
    let (mut items, bp) = {
        let (bank, bp, _) = setup(6);
        (bank.items().to_vec(), bp)
    };
    items[1].calibrated = false;
    items[2].domain = "7".to_owned();
    let bank = ItemBank::new(items);
    let mut state = CatState::new(&bp);
    record(&mut state, &bank, &bp, 0, true).unwrap();
    let before = state.clone();
    assert_eq!(
        record(&mut state, &bank, &bp, 0, false),
        Err(ExamError::Repeated(0))
    );
    assert_eq!(
        record(&mut state, &bank, &bp, 1, false),
        Err(ExamError::UnusableItem(1))
    );
    assert_eq!(
        record(&mut state, &bank, &bp, 2, false),
        Err(ExamError::UnusableItem(2))
    );
    assert!(matches!(
        record(&mut state, &bank, &bp, 999, false),
        Err(ExamError::UnknownItem { item: 999, .. })
    ));
    assert_eq!(state, before);
    let mut other = bp.clone();
    other.domains.pop();
    assert_eq!(
        record(&mut state, &bank, &other, 3, true),
        Err(ExamError::StateMismatch)
    );
    // Uncalibrated and foreign items are never selected either.
    let mut rng = StdRng::seed_from_u64(1);
    let exposure = Exposure::new(bank.len(), ExposureControl::default());
    for _ in 0..bp.max_items {
        let Some(id) = next_item(&state, &bank, &bp, &exposure, &mut rng).unwrap() else {
            break;
        };
        assert!(id != 1 && id != 2);
        record(&mut state, &bank, &bp, id, false).unwrap();
    }
}

#[test]
fn finish_applies_the_pass_rule() {
    let (bank, mut bp, _) = setup(7);
    let mut state = CatState::new(&bp);
    let easy: Vec<usize> = (0..bank.len())
        .filter(|&i| bank.params()[i].b < 0.0)
        .take(10)
        .collect();
    for &id in &easy {
        record(&mut state, &bank, &bp, id, true).unwrap();
    }
    let out = finish(&state, &bp);
    assert!(
        out.theta > 0.5 && out.passed && out.correct == 10,
        "{out:?}"
    );
    assert_eq!(out.stop, None);
    assert_eq!(stop_reason(&state, &bp), None);
    bp.pass_rule = PassRule::lower_bound(0.0, 1.645);
    assert_eq!(
        finish(&state, &bp).passed,
        out.theta - 1.645 * out.se >= 0.0
    );
    bp.pass_rule = PassRule::eap(out.theta + 0.01);
    assert!(!finish(&state, &bp).passed);
}

#[test]
fn forms_meet_the_blueprint_and_differ() {
    let (bank, bp, mut rng) = setup(8);
    let spec = FormSpec {
        length: 30,
        target_theta: 0.0,
        stratum_size: 4,
    };
    let alloc = domain_allocation(&bank, &bp, 30).unwrap();
    assert_eq!(alloc, vec![5; 6]);
    let first = assemble_form(&bank, &bp, &spec, &mut rng).unwrap();
    let second = assemble_form(&bank, &bp, &spec, &mut rng).unwrap();
    for form in [&first, &second] {
        assert_eq!(form.len(), 30);
        let mut s = form.clone();
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), 30);
        assert_eq!(domain_counts(&bank, &bp, form), alloc);
    }
    assert_ne!(first, second);
    let shared = overlap(&first, &second);
    assert!(shared.shared < 30 && (shared.rate - shared.shared as f64 / 30.0).abs() < 1e-12);
    // Information-matched: the two forms' information at the target is close.
    let info = |f: &[usize]| -> f64 { f.iter().map(|&i| bank.params()[i].information(0.0)).sum() };
    assert!((info(&first) - info(&second)).abs() < 0.2 * info(&first));
    // Stratum size 1: the one most informative form.
    let one = FormSpec {
        stratum_size: 1,
        ..spec
    };
    let best1 = assemble_form(&bank, &bp, &one, &mut rng).unwrap();
    let best2 = assemble_form(&bank, &bp, &one, &mut rng).unwrap();
    assert_eq!(overlap(&best1, &best2).shared, 30);
    // Length outside the blueprint, or more than the bank holds.
    assert!(domain_allocation(&bank, &bp, 41).is_err());
    let small = ItemBank::new(bank.items()[..30].to_vec());
    assert!(matches!(
        domain_allocation(&small, &bp, 40),
        Err(ExamError::BankTooSmall { .. })
    ));
}

#[test]
fn overlap_counts_shared_items() {
    let o = overlap(&[1, 2, 3, 4], &[4, 3, 9, 10, 11, 12]);
    assert_eq!(o.shared, 2);
    assert!((o.rate - 0.4).abs() < 1e-12);
    assert!(overlap(&[], &[]).rate.abs() < 1e-12);
}

#[test]
fn leaked_single_form_always_passes_and_the_full_bank_leak_beats_the_cat() {
    let (bank, bp, mut rng) = setup(10);
    let spec = FormSpec {
        length: 30,
        target_theta: 0.0,
        stratum_size: 3,
    };
    let form = assemble_form(&bank, &bp, &spec, &mut rng).unwrap();
    let none: Vec<usize> = Vec::new();
    let attack = |leaked| Attack {
        theta: -2.0,
        leaked,
        attempts: 40,
    };
    let honest =
        leak_attack_forms(&bank, &bp, &spec, Some(&form), &attack(&none), &mut rng).unwrap();
    assert!(honest.pass_rate < 0.1, "{honest:?}");
    let full = leak_attack_forms(&bank, &bp, &spec, Some(&form), &attack(&form), &mut rng).unwrap();
    assert!(full.pass_rate > 1.0 - 1e-12);
    let all: Vec<usize> = (0..bank.len()).collect();
    let exposure = Exposure::new(bank.len(), ExposureControl::default());
    let cat = leak_attack_cat(&bank, &bp, &exposure, &attack(&all), &mut rng).unwrap();
    assert!(cat.pass_rate > 1.0 - 1e-12);
    let cat0 = leak_attack_cat(&bank, &bp, &exposure, &attack(&none), &mut rng).unwrap();
    assert!(cat0.pass_rate < 0.1, "{cat0:?}");
    // Random forms per person: exposure is spread.
    let thetas = vec![0.0; 50];
    let mut ex = Exposure::new(bank.len(), ExposureControl::default());
    let study = form_study(&bank, &bp, &spec, false, &mut ex, &thetas, &mut rng).unwrap();
    assert!(
        study.max_exposure < 0.7 && study.overlap_rate < 0.6,
        "{study:?}"
    );
}

#[test]
fn tiny_bank_relaxes_the_ceiling_instead_of_stopping() {
    let items: Vec<BankItem> = (0..12)
        .map(|i| BankItem {
            domain: ((i % 2) + 1).to_string(),
            competence: "1.1".to_owned(),
            step: "CB1".to_owned(),
            params: ItemParams::new(1.0, f64::from(i) / 4.0 - 1.5),
            calibrated: true,
        })
        .collect();
    let bank = ItemBank::new(items);
    let bp = uniform_blueprint(2, 3, 6, 8, 10, 0.2, PassRule::eap(0.0));
    bp.validate(&bank).unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    let mut exposure = Exposure::new(bank.len(), ExposureControl::default());
    for _ in 0..40 {
        let out = run_cat_session(&bank, &bp, &mut exposure, &mut rng, |_, r| {
            rand::Rng::random::<bool>(r)
        })
        .unwrap();
        assert_eq!(out.items.len(), 10);
    }
    let bad = Exposure::new(
        bank.len(),
        ExposureControl {
            randomesque: 0,
            ..ExposureControl::default()
        },
    );
    let state = CatState::new(&bp);
    assert!(matches!(
        next_item(&state, &bank, &bp, &bad, &mut rng),
        Err(ExamError::Config(_))
    ));
}

#[test]
fn progressive_selection_keeps_the_blueprint_and_spreads_first_items() {
    let (bank, bp, mut rng) = setup(12);
    let control = ExposureControl {
        progressive: 10,
        randomesque: 1,
        max_rate: 1.0,
        warmup: 1,
    };
    let mut exposure = Exposure::new(bank.len(), control);
    let mut firsts = Vec::new();
    for _ in 0..30 {
        let out = run_cat_session(&bank, &bp, &mut exposure, &mut rng, |id, r| {
            rand::Rng::random::<f64>(r) < bank.params()[id].prob(0.5)
        })
        .unwrap();
        for (count, d) in domain_counts(&bank, &bp, &out.items)
            .iter()
            .zip(&bp.domains)
        {
            assert!(*count >= d.min && *count <= d.max);
        }
        firsts.push(out.items[0]);
    }
    firsts.sort_unstable();
    firsts.dedup();
    // Without randomness (k = 1, no ceiling) the first item would be one of six
    // (one per domain, the tie between domains is random); the progressive phase spreads it.
    assert!(firsts.len() > 10, "{firsts:?}");
}

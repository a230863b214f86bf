//! Simulation studies of the exam engine: measurement quality, item
//! exposure, test overlap, and the leaked-answer-list attack. Pure: the
//! only randomness is the `rng` passed in.

use rand::Rng;

use crate::ItemParams;
use crate::blueprint::{BankItem, Blueprint, DomainQuota, ExamError, ItemBank, ItemId, PassRule};
use crate::cat::{CatState, Exposure, Outcome, finish, next_item, record};
use crate::forms::{FormSpec, assemble_form, score_form};
use crate::simulate::standard_normal;

/// Proficiency steps cycled through by [`simulated_bank`].
const STEPS: [&str; 4] = ["CB1", "CB2", "NC1", "NC2"];

/// A simulated calibrated bank of `items` items spread evenly over
/// `domains` domains coded "1", "2", …: `ln a ~ N(0.2, 0.3²)` (median
/// a ≈ 1.22, mostly 0.7–2.2) and `b ~ N(−0.5, 1)` (an easy-leaning bank for
/// a basic-skills exam); competences "d.1".."d.4" and steps cycle.
pub fn simulated_bank(items: usize, domains: usize, rng: &mut impl Rng) -> ItemBank {
    let domains = domains.max(1);
    ItemBank::new(
        (0..items)
            .map(|i| {
                let d = i % domains + 1;
                let k = i / domains;
                let a = (0.2 + 0.3 * standard_normal(rng)).exp();
                let b = -0.5 + standard_normal(rng);
                BankItem {
                    domain: d.to_string(),
                    competence: format!("{d}.{}", k % 4 + 1),
                    step: STEPS[k % STEPS.len()].to_owned(),
                    params: ItemParams::new(a, b),
                    calibrated: true,
                }
            })
            .collect(),
    )
}

/// A blueprint over domains "1".."`domains`", each with the same `min` and `max`.
#[must_use]
pub fn uniform_blueprint(
    domains: usize,
    min: usize,
    max: usize,
    min_items: usize,
    max_items: usize,
    se_target: f64,
    pass_rule: PassRule,
) -> Blueprint {
    Blueprint {
        domains: (1..=domains)
            .map(|d| DomainQuota {
                domain: d.to_string(),
                min,
                max,
            })
            .collect(),
        min_items,
        max_items,
        se_target,
        pass_rule,
    }
}

/// Runs one adaptive session to its end. `answer(item, rng)` gives the
/// examinee's response; exposure counts are updated as items are given.
pub fn run_cat_session<R: Rng>(
    bank: &ItemBank,
    blueprint: &Blueprint,
    exposure: &mut Exposure,
    rng: &mut R,
    mut answer: impl FnMut(ItemId, &mut R) -> bool,
) -> Result<Outcome, ExamError> {
    exposure.begin_session();
    let mut state = CatState::new(blueprint);
    while let Some(id) = next_item(&state, bank, blueprint, exposure, rng)? {
        exposure.administered(id);
        let correct = answer(id, rng);
        record(&mut state, bank, blueprint, id, correct)?;
    }
    Ok(finish(&state, blueprint))
}

/// A simulated answer of an examinee of ability `theta` to `item`.
fn answer_by_ability(bank: &ItemBank, theta: f64, item: ItemId, rng: &mut impl Rng) -> bool {
    bank.get(item)
        .is_some_and(|it| rng.random::<f64>() < it.params.prob(theta))
}

/// Summary of a simulation study.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StudyReport {
    /// Simulated examinees.
    pub examinees: usize,
    /// Mean number of items given.
    pub mean_length: f64,
    /// Shortest and longest test.
    pub length_range: (usize, usize),
    /// Share of sessions ended by the SE target (the rest by `max_items`, or ran out).
    pub stopped_by_se: f64,
    /// Mean of `θ̂ − θ`.
    pub bias: f64,
    /// Root mean square of `θ̂ − θ`.
    pub rmse: f64,
    /// Mean reported SE.
    pub mean_se: f64,
    /// Share of examinees whose pass/fail equals `θ ≥ cut`.
    pub decision_accuracy: f64,
    /// Share passing.
    pub pass_rate: f64,
    /// Share with true `θ ≥ cut`.
    pub true_pass_rate: f64,
    /// Largest item exposure rate (share of examinees who saw the item).
    pub max_exposure: f64,
    /// Mean exposure rate over the bank.
    pub mean_exposure: f64,
    /// Items never given.
    pub unused_items: usize,
    /// Mean items shared by two examinees (over all pairs).
    pub mean_shared: f64,
    /// `mean_shared / mean_length`: the share of a test another examinee also saw.
    pub overlap_rate: f64,
}

fn report(
    outcomes: &[Outcome],
    thetas: &[f64],
    blueprint: &Blueprint,
    exposure: &Exposure,
) -> StudyReport {
    let n = outcomes.len().max(1) as f64;
    let cut = blueprint.pass_rule.cut;
    let (mut err, mut sq, mut se, mut right, mut pass, mut truly, mut len, mut by_se) =
        (0.0, 0.0, 0.0, 0usize, 0usize, 0usize, 0usize, 0usize);
    let (mut shortest, mut longest) = (usize::MAX, 0);
    for (o, &theta) in outcomes.iter().zip(thetas) {
        let e = o.theta - theta;
        err += e;
        sq += e * e;
        se += o.se;
        right += usize::from(o.passed == (theta >= cut));
        pass += usize::from(o.passed);
        truly += usize::from(theta >= cut);
        len += o.items.len();
        by_se += usize::from(o.stop == Some(crate::cat::StopReason::SeTarget));
        shortest = shortest.min(o.items.len());
        longest = longest.max(o.items.len());
    }
    let mean_length = len as f64 / n;
    let mean_shared = exposure.mean_shared_items();
    StudyReport {
        examinees: outcomes.len(),
        mean_length,
        length_range: (shortest.min(longest), longest),
        stopped_by_se: by_se as f64 / n,
        bias: err / n,
        rmse: (sq / n).sqrt(),
        mean_se: se / n,
        decision_accuracy: right as f64 / n,
        pass_rate: pass as f64 / n,
        true_pass_rate: truly as f64 / n,
        max_exposure: exposure.max_rate(),
        mean_exposure: exposure.mean_rate(),
        unused_items: exposure.counts.iter().filter(|&&c| c == 0).count(),
        mean_shared,
        overlap_rate: if mean_length > 0.0 {
            mean_shared / mean_length
        } else {
            0.0
        },
    }
}

/// Runs one adaptive session per ability in `thetas`, in order, sharing
/// (and updating) `exposure`, as successive candidates would.
pub fn cat_study(
    bank: &ItemBank,
    blueprint: &Blueprint,
    exposure: &mut Exposure,
    thetas: &[f64],
    rng: &mut impl Rng,
) -> Result<StudyReport, ExamError> {
    blueprint.validate(bank)?;
    let start = exposure.clone();
    let mut outcomes = Vec::with_capacity(thetas.len());
    for &theta in thetas {
        outcomes.push(run_cat_session(bank, blueprint, exposure, rng, |id, r| {
            answer_by_ability(bank, theta, id, r)
        })?);
    }
    Ok(report(
        &outcomes,
        thetas,
        blueprint,
        &since(&start, exposure),
    ))
}

/// The exposure counts accumulated between `start` and `end`.
fn since(start: &Exposure, end: &Exposure) -> Exposure {
    Exposure {
        control: end.control,
        sessions: end.sessions - start.sessions.min(end.sessions),
        counts: end
            .counts
            .iter()
            .zip(start.counts.iter().chain(std::iter::repeat(&0)))
            .map(|(e, s)| e - s.min(e))
            .collect(),
    }
}

/// Fixed forms for every ability in `thetas`: one form drawn once for
/// everybody (`single_form`), or a new form per examinee. Administrations
/// are counted in `exposure`.
pub fn form_study(
    bank: &ItemBank,
    blueprint: &Blueprint,
    spec: &FormSpec,
    single_form: bool,
    exposure: &mut Exposure,
    thetas: &[f64],
    rng: &mut impl Rng,
) -> Result<StudyReport, ExamError> {
    let start = exposure.clone();
    let fixed = if single_form {
        Some(assemble_form(bank, blueprint, spec, rng)?)
    } else {
        None
    };
    let mut outcomes = Vec::with_capacity(thetas.len());
    let mut responses = Vec::new();
    for &theta in thetas {
        let form = match &fixed {
            Some(form) => form.clone(),
            None => assemble_form(bank, blueprint, spec, rng)?,
        };
        exposure.begin_session();
        responses.clear();
        for &id in &form {
            exposure.administered(id);
            responses.push((id, answer_by_ability(bank, theta, id, rng)));
        }
        outcomes.push(score_form(&responses, bank, blueprint)?);
    }
    Ok(report(
        &outcomes,
        thetas,
        blueprint,
        &since(&start, exposure),
    ))
}

/// Result of the leaked-answer-list attack.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AttackReport {
    /// Attempts simulated.
    pub attempts: usize,
    /// Items on the leaked list.
    pub leaked: usize,
    /// Share of attempts that passed.
    pub pass_rate: f64,
    /// Mean final EAP.
    pub mean_theta: f64,
    /// Mean number of items given.
    pub mean_length: f64,
    /// Mean number of leaked items met in a test.
    pub mean_leaked_seen: f64,
}

fn leaked_mask(bank: &ItemBank, leaked: &[ItemId]) -> Vec<bool> {
    let mut mask = vec![false; bank.len()];
    for &id in leaked {
        if let Some(m) = mask.get_mut(id) {
            *m = true;
        }
    }
    mask
}

fn known(mask: &[bool], id: ItemId) -> bool {
    mask.get(id).copied().unwrap_or(false)
}

fn attack_report(outcomes: &[Outcome], mask: &[bool], leaked: usize) -> AttackReport {
    let n = outcomes.len().max(1) as f64;
    AttackReport {
        attempts: outcomes.len(),
        leaked,
        pass_rate: outcomes.iter().filter(|o| o.passed).count() as f64 / n,
        mean_theta: outcomes.iter().map(|o| o.theta).sum::<f64>() / n,
        mean_length: outcomes.iter().map(|o| o.items.len()).sum::<usize>() as f64 / n,
        mean_leaked_seen: outcomes
            .iter()
            .map(|o| o.items.iter().filter(|&&id| known(mask, id)).count())
            .sum::<usize>() as f64
            / n,
    }
}

/// A leaked-answer-list attack: `attempts` examinees of true ability
/// `theta` answer the `leaked` items correctly and the others by their ability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attack<'a> {
    /// True ability of the cheaters.
    pub theta: f64,
    /// Items whose correct answers they know.
    pub leaked: &'a [ItemId],
    /// Attempts to simulate.
    pub attempts: usize,
}

/// The attack on the adaptive test. The cheaters continue from a copy of
/// `exposure` (the live counts after earlier sessions), which is not changed.
pub fn leak_attack_cat(
    bank: &ItemBank,
    blueprint: &Blueprint,
    exposure: &Exposure,
    attack: &Attack<'_>,
    rng: &mut impl Rng,
) -> Result<AttackReport, ExamError> {
    let mask = leaked_mask(bank, attack.leaked);
    let mut live = exposure.clone();
    let mut outcomes = Vec::with_capacity(attack.attempts);
    for _ in 0..attack.attempts {
        outcomes.push(run_cat_session(
            bank,
            blueprint,
            &mut live,
            rng,
            |id, r| known(&mask, id) || answer_by_ability(bank, attack.theta, id, r),
        )?);
    }
    Ok(attack_report(&outcomes, &mask, attack.leaked.len()))
}

/// The same attack on fixed forms: everybody's `form` when given (a single
/// published form), otherwise a new form per attempt drawn with `spec`.
pub fn leak_attack_forms(
    bank: &ItemBank,
    blueprint: &Blueprint,
    spec: &FormSpec,
    form: Option<&[ItemId]>,
    attack: &Attack<'_>,
    rng: &mut impl Rng,
) -> Result<AttackReport, ExamError> {
    let mask = leaked_mask(bank, attack.leaked);
    let mut outcomes = Vec::with_capacity(attack.attempts);
    let mut responses = Vec::new();
    for _ in 0..attack.attempts {
        let items = match form {
            Some(f) => f.to_vec(),
            None => assemble_form(bank, blueprint, spec, rng)?,
        };
        responses.clear();
        for &id in &items {
            let correct = known(&mask, id) || answer_by_ability(bank, attack.theta, id, rng);
            responses.push((id, correct));
        }
        outcomes.push(score_form(&responses, bank, blueprint)?);
    }
    Ok(attack_report(&outcomes, &mask, attack.leaked.len()))
}

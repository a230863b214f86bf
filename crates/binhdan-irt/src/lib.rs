//! Item response theory (IRT) for Bình Dân: models, calibration, ability
//! estimation, information and simulation. Pure: no I/O, no clock, no
//! global randomness (simulators take an `&mut impl rand::Rng`).
//!
//! # Models
//!
//! Dichotomous items, logistic metric with the scaling constant **D = 1**
//! (not the 1.702 normal-ogive approximation), so parameters are on the
//! logistic scale used by e.g. `girth` and `mirt`:
//!
//! * **2PL** ([`Model::TwoPl`]): `P(correct | θ) = 1 / (1 + exp(-a (θ - b)))`,
//!   with discrimination `a > 0` and difficulty `b` per item ([`ItemParams`]).
//! * **Rasch** ([`Model::Rasch`]): the same with `a = 1` for every item; only
//!   `b` is estimated.
//!
//! Item information is `a² P (1 - P)`, peaking at `θ = b` ([`item_information`],
//! [`test_information`], [`most_informative_item`]).
//!
//! Partial-credit items (e.g. the simulated real-service tasks) use the
//! **generalized partial credit model** ([`GpcmItem`], Muraki 1992): an item
//! scored `0..=m` has a slope `a` and steps `b_1..b_m`, and
//! `P(score = c | θ) ∝ exp(Σ_{v ≤ c} a (θ − b_v))` (same metric, D = 1;
//! computed by log-sum-exp). A 2PL item is the GPCM item with one step.
//! [`ItemModel`] is one item of a mixed bank (dichotomous or GPCM), and the
//! [`ItemResponse`] trait gives any kind's category probabilities,
//! expected score and Fisher information (`a² Var(score | θ)` for GPCM).
//! Mixed banks are calibrated by [`calibrate_mixed`] (the same MML-EM, one
//! table row per item and category, Fisher scoring on `(ln a, b_1..b_m)`,
//! the `b` prior on every step; [`Model::Rasch`] gives the partial credit
//! model), scored by [`eap_scored`], and given adaptively from an
//! [`ItemBank::mixed`] with [`record_score`]. Parameter recovery against
//! girth's `pcm_mml`: `irt-bench --gpcm`.
//!
//! # Calibration ([`calibrate`])
//!
//! Marginal maximum likelihood by EM (Bock & Aitkin, 1981) over a fixed
//! quadrature: by default 41 equally spaced nodes on [-6, 6] weighted by the
//! standard normal density ([`Quadrature`]). Data are sparse triples
//! ([`Response`]: person, item, correct); persons answer any subset of the bank.
//!
//! * **E-step**: for every person, the posterior over the nodes given the
//!   items they answered (log `P` and log `Q` are tabulated per item and node
//!   once per cycle); the posterior weights are accumulated per item and node
//!   into expected counts `n_ik` (answers) and `r_ik` (correct answers). The
//!   E-step can be split over threads ([`CalibrationConfig::threads`]).
//! * **M-step**: each item separately maximises its expected complete-data
//!   log-posterior `Σ_k r_ik ln P_i(θ_k) + (n_ik - r_ik) ln Q_i(θ_k)` + log
//!   priors by a few Fisher-scoring steps on `(ln a, b)` (step-halving keeps
//!   each step an ascent), working on the items × nodes aggregates only.
//! * **Convergence**: when no calibrated parameter moves by more than
//!   [`CalibrationConfig::tolerance`] in a cycle, or after
//!   [`CalibrationConfig::max_iterations`] cycles (then `converged` is false).
//!
//! **Priors** ([`ItemPrior`]): weak, `ln a ~ N(0, 0.5²)` and `b ~ N(0, 2²)` by
//! default, so the M-step is a posterior-mode step. They are negligible for
//! items with hundreds of answers and keep sparse items (a few dozen
//! answers, or all answers right/wrong) finite and moderate.
//!
//! **Scale identification**: abilities are N(0, 1) by assumption (the
//! quadrature weights), which fixes the origin and unit of θ; the ability
//! distribution is not re-estimated. For Rasch this also fixes the common
//! slope to 1 on a unit-variance ability scale.
//!
//! **Not calibrated**: an item with fewer than
//! [`CalibrationConfig::min_item_responses`] answers (in particular one nobody
//! answered) is not estimated: it keeps exactly the parameters passed in and
//! its [`ItemReport::calibrated`] is false. Its answers, if any, still inform
//! the persons' posteriors in the E-step, with those fixed parameters. When
//! the data set as a whole is too small ([`IrtError::TooFewResponses`],
//! [`IrtError::TooFewPersons`], [`IrtError::NoCalibratableItem`]), calibration
//! fails and the caller keeps its previous parameters.
//!
//! # Ability estimation ([`eap`])
//!
//! Expected a posteriori θ under the N(0, 1) prior, with the posterior
//! standard deviation as standard error, from any subset of answered items.
//! Finite for all-right and all-wrong patterns; does not allocate.
//!
//! # Example
//!
//! ```
//! use binhdan_irt::simulate::{draw_abilities, draw_items, simulate_sparse};
//! use binhdan_irt::{CalibrationConfig, ItemParams, calibrate, eap, most_informative_item};
//! use rand::{SeedableRng, rngs::StdRng};
//!
//! let mut rng = StdRng::seed_from_u64(1);
//! let truth = draw_items(30, &mut rng);
//! let thetas = draw_abilities(600, &mut rng);
//! let responses = simulate_sparse(&truth, &thetas, 10, &mut rng)?;
//!
//! let previous = vec![ItemParams::default(); 30];
//! let cal = calibrate(&responses, &previous, &CalibrationConfig::default())?;
//! assert!(cal.items.iter().all(|item| item.calibrated));
//! let bank = cal.params();
//!
//! // Adaptive step: estimate, then pick the most informative unseen item.
//! let answered = [(3, true), (17, false)];
//! let ability = eap(&answered, &bank)?;
//! let next = most_informative_item(ability.theta, &bank, (0..30).filter(|i| *i != 3 && *i != 17));
//! assert!(next.is_some() && ability.se < 1.0);
//! # Ok::<(), binhdan_irt::IrtError>(())
//! ```
//!
//! # Simulation ([`simulate`])
//!
//! Dense, random-subset (sparse) or explicit designs, for tests and the
//! `irt-bench` benchmark binary; scored responses to mixed banks
//! ([`simulate::simulate_scored_dense`], [`simulate::draw_gpcm_items`]).
//!
//! # Exam engine ([`blueprint`], [`cat`], [`forms`], [`study`])
//!
//! The certification exam measures ability and resists leaked answer lists:
//! every attempt gets its own adaptive test or its own fixed form.
//!
//! * [`Blueprint`]: items per content domain (min/max), test length bounds,
//!   SE stopping target and [`PassRule`] (`θ̂ − z·SE ≥ cut`, `z = 0` by
//!   default); [`Blueprint::validate`] checks it against an [`ItemBank`].
//! * Adaptive sessions ([`cat`]): a serde [`CatState`]; [`next_item`]
//!   (maximum information at the EAP, content balancing by share deficit,
//!   exposure ceiling on live counts + randomesque, optional progressive
//!   start), [`record`] (EAP update), [`finish`] ([`Outcome`]).
//! * Fixed forms ([`forms`]): [`assemble_form`] draws one item per
//!   information-matched stratum; [`overlap`] compares two tests.
//! * [`study`]: simulation of measurement quality, exposure, overlap and the
//!   leaked-answer-list attack (the `exam-bench` binary).
//!
//! ```
//! use binhdan_irt::study::{simulated_bank, uniform_blueprint};
//! use binhdan_irt::{CatState, Exposure, ExposureControl, PassRule, finish, next_item, record};
//! use rand::{SeedableRng, rngs::StdRng};
//!
//! let mut rng = StdRng::seed_from_u64(7);
//! let bank = simulated_bank(300, 6, &mut rng);
//! let blueprint = uniform_blueprint(6, 3, 8, 18, 40, 0.3, PassRule::eap(0.0));
//! blueprint.validate(&bank)?;
//! let mut exposure = Exposure::new(bank.len(), ExposureControl::default());
//!
//! exposure.begin_session();
//! let mut state = CatState::new(&blueprint); // persisted between requests
//! while let Some(item) = next_item(&state, &bank, &blueprint, &exposure, &mut rng)? {
//!     exposure.administered(item);
//!     let correct = bank.params()[item].b < 0.4; // the candidate's answer
//!     record(&mut state, &bank, &blueprint, item, correct)?;
//! }
//! let outcome = finish(&state, &blueprint);
//! assert!(outcome.stop.is_some() && outcome.items.len() >= 18);
//! # Ok::<(), binhdan_irt::ExamError>(())
//! ```

pub mod blueprint;
mod calibrate;
mod calibrate_mixed;
pub mod cat;
mod eap;
mod eap_mixed;
mod error;
pub mod forms;
mod model;
mod poly;
mod quadrature;
pub mod simulate;
pub mod study;

pub use blueprint::{BankItem, Blueprint, DomainQuota, ExamError, ItemBank, ItemId, PassRule};
pub use calibrate::{
    Calibration, CalibrationConfig, ItemPrior, ItemReport, Response, StartValues, calibrate,
};
pub use calibrate_mixed::{MixedCalibration, MixedItemReport, ScoredResponse, calibrate_mixed};
pub use cat::{
    CatState, Exposure, ExposureControl, Outcome, StopReason, finish, next_item, record,
    record_score, stop_reason,
};
pub use eap::{Ability, eap, eap_with};
pub use eap_mixed::{eap_scored, eap_scored_with};
pub use error::IrtError;
pub use forms::{FormSpec, Overlap, assemble_form, domain_allocation, overlap, score_form};
pub use model::{
    ItemParams, Model, item_information, logistic, most_informative_item, prob, test_information,
};
pub use poly::{GpcmItem, ItemModel, ItemResponse, MAX_CATEGORIES};
pub use quadrature::{MAX_NODES, Quadrature};

#[cfg(test)]
mod exam_tests;
#[cfg(test)]
mod mixed_tests;
#[cfg(test)]
mod tests;

//! The placement test and the certification exam, per group: adaptive sittings over the
//! group's item bank (its courses' quiz items), scored by IRT on the calibrated scale.
//!
//! * **The bank**: every active quiz item of the group's course, with the parameters of the
//!   latest calibration (`binhdan irt calibrate`) for its current revision, or, before an item
//!   has enough answers, provisional ones from its proficiency step (`a = 1`, `b` from CB1 =
//!   −1.5 up by 0.5 a step). The sitting records which it used.
//! * **A sitting** is an adaptive test ([`binhdan_irt::next_item`]): maximum information at the
//!   current ability estimate, content balanced over the framework's domains, one of the
//!   `randomesque` best items drawn at random and an exposure ceiling, so two people side by
//!   side get different tests and a list of answers covers little of anyone's (the placement
//!   test has its own `placement_randomesque` and ceiling, and its exposure is counted apart
//!   from the exam's, per group). It stops at the standard-error target or the item cap.
//!   Options are shuffled per sitting.
//! * **The server keeps the time**: each sitting has a deadline; an answer after it is refused
//!   and not recorded, and the sitting ends as timed out (never a pass).
//! * **Limits**: a few sittings per window, a cool-down after a failed one, none after a pass.
//! * **Replays**: an answer names its position; the store takes it only while it is the
//!   sitting's current one, so a replayed or forged submission changes nothing.
//! * **Simulated tasks** (`[exam] tasks`, `placement_tasks`): a sitting also gives that many of
//!   the group's simulated real-service tasks ([`binhdan_content::task`]), spread over the
//!   multiple-choice items (task `j` of `T` after `(j + 1)·min_items / (T + 1)` of them, any left
//!   before the end), balanced over the framework's domains, never twice, each chosen among
//!   the `randomesque` most informative at the current θ under the generalized partial credit
//!   model: the latest calibration's parameters for the task's current version (`binhdan irt
//!   calibrate` fits the tasks with the items), or, before it has enough results, provisional
//!   ones (`a = 1`, steps spread 0.5 apart around the difficulty of the task's proficiency
//!   step, one per credit point). Each task draws its own seed, so
//!   amounts, names, the fake message and the order of the options differ per sitting. Its
//!   state (the engine's [`Attempt`]: seed, screen, step count — never what was typed) lives in
//!   the sitting's session; a step names the position and the step number, and the store takes
//!   it only while both are current, before the deadline. No feedback and no hint; when the
//!   task ends (goal, critical error or [`binhdan_content::task::MAX_STEPS`]) its partial
//!   credit `0..=credit` is scored with the GPCM in the sitting's EAP (the computation of
//!   [`binhdan_irt::record_score`]) and its result is kept per person (`task_result`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use binhdan_content::quiz::{self, Reply, ReplyError};
use binhdan_content::task::{Attempt, Input, Status, StepError};
use binhdan_content::{Item, Step, Task};
use binhdan_core::Timestamp;
use binhdan_core::kpi::Group;
use binhdan_irt::{
    BankItem, Blueprint, CatState, DomainQuota, Exposure, ExposureControl, GpcmItem, ItemBank,
    ItemModel, ItemParams, ItemResponse, PassRule, eap, eap_scored,
};
use binhdan_store::{
    AdultCutoff, ExamAnswer, ExamAnswerOutcome, ExamAttempt, ExamKind, ExamLimits, ExamResult,
    ExamStart, NewExamAttempt, Store, StoreError, TaskEnd, TaskParameter, TaskResult, TaskStep,
};
use serde::{Deserialize, Serialize};

use crate::cache::TtlCache;

mod bank;
mod config;
mod tasks;

pub use bank::*;
pub use config::*;
pub use tasks::*;

/// An item given in a sitting: what it was scored with and how it was shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Given {
    pub item: String,
    pub revision: u32,
    pub domain: String,
    pub a: f64,
    pub b: f64,
    /// Whether `a` and `b` come from a calibration (else provisional, from the step).
    pub calibrated: bool,
    /// The options' original indices, in the order shown.
    pub order: Vec<usize>,
    /// `None` while it is the current question. For a task: whether it scored full credit.
    pub correct: Option<bool>,
    /// A simulated task (then `item` is its id, `revision` its version, `a` its GPCM slope and
    /// `b` the mean of its steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<GivenTask>,
}

/// A simulated task given in a sitting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GivenTask {
    /// The GPCM step difficulties it is scored with, one per credit point.
    pub steps: Vec<f64>,
    /// The engine's attempt: drawn from a seed of this sitting's own, and what the steps did
    /// (screen, step count, wrong steps) — never what was typed.
    pub attempt: Attempt,
    /// Its partial credit once it ended.
    pub score: Option<u8>,
}

impl Given {
    /// The item's model and, once answered, its score.
    fn scored(&self) -> (ItemModel, Option<u8>) {
        match &self.task {
            Some(t) => (
                ItemModel::Gpcm(GpcmItem {
                    a: self.a,
                    steps: t.steps.clone(),
                }),
                t.score,
            ),
            None => (
                ItemModel::Dichotomous(ItemParams::new(self.a, self.b)),
                self.correct.map(u8::from),
            ),
        }
    }
}

/// A sitting's adaptive session, as the store keeps it (JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub given: Vec<Given>,
    pub theta: f64,
    pub se: f64,
    /// Simulated tasks this sitting includes (fixed when it starts).
    #[serde(default)]
    pub tasks: usize,
}

impl Session {
    /// The current question: the last item given, while unanswered.
    #[must_use]
    pub fn current(&self) -> Option<(usize, &Given)> {
        self.given
            .last()
            .filter(|g| g.correct.is_none())
            .map(|g| (self.given.len() - 1, g))
    }

    /// The current simulated task, if the current item is one.
    #[must_use]
    pub fn current_task(&self) -> Option<(usize, &Given, &GivenTask)> {
        self.current()
            .and_then(|(at, g)| g.task.as_ref().map(|t| (at, g, t)))
    }

    /// The ability from every answer so far: the 2PL EAP while only multiple-choice items are
    /// answered (as before tasks), else the EAP over the mixed responses (GPCM for tasks).
    fn ability(&self) -> Result<binhdan_irt::Ability, binhdan_irt::IrtError> {
        if self.given.iter().all(|g| g.task.is_none()) {
            let params: Vec<ItemParams> = self
                .given
                .iter()
                .map(|g| ItemParams::new(g.a, g.b))
                .collect();
            let responses: Vec<(usize, bool)> = self
                .given
                .iter()
                .enumerate()
                .filter_map(|(i, g)| g.correct.map(|c| (i, c)))
                .collect();
            return eap(&responses, &params);
        }
        let (models, scores): (Vec<ItemModel>, Vec<Option<u8>>) =
            self.given.iter().map(Given::scored).unzip();
        let responses: Vec<(usize, u8)> = scores
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|s| (i, s)))
            .collect();
        eap_scored(&responses, &models)
    }

    pub fn parse(attempt: &ExamAttempt) -> Result<Self, ExamFailure> {
        serde_json::from_str(&attempt.state).map_err(|e| ExamFailure::Corrupt(e.to_string()))
    }

    fn to_json(&self) -> Result<String, ExamFailure> {
        serde_json::to_string(self).map_err(|e| ExamFailure::Corrupt(e.to_string()))
    }
}

/// Why a sitting step failed.
#[derive(Debug, thiserror::Error)]
pub enum ExamFailure {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the sitting's session cannot be read: {0}")]
    Corrupt(String),
    #[error("the adaptive test could not choose an item: {0}")]
    Engine(#[from] binhdan_irt::ExamError),
}

/// What starting a sitting did.
#[derive(Debug)]
pub enum Start {
    /// Go to this sitting (new or open).
    Sitting(ExamAttempt),
    /// The store's refusal (passed, placement closed, cooling down, no attempt left).
    Refused(ExamStart),
    /// The group has no exam bank.
    NoBank,
}

/// What answering did.
#[derive(Debug)]
pub enum Answered {
    /// Recorded; the sitting goes on with its next question.
    Next(ExamAttempt),
    /// Recorded; the sitting is over.
    Finished(ExamAttempt),
    /// The deadline has passed: not recorded; the sitting is over.
    TimeUp(ExamAttempt),
    /// Not the current question (a replay, or answered out of turn): nothing changed.
    Stale(ExamAttempt),
    /// The reply could not be read: ask again.
    Invalid(ReplyError),
    /// Not this person's sitting, or none.
    NotFound,
}

/// How many times each item was given, per group and kind of sitting (the exposure
/// control's counts): placement sittings are counted apart from the exam's, so they use none
/// of its exposure budget.
#[derive(Default)]
struct Exposures {
    sessions: u64,
    counts: HashMap<String, u64>,
}

/// The exams of a server: the banks it built and the exposure it has seen.
pub struct Exams {
    config: ExamConfig,
    /// The banks as built, aged on the server's clock.
    banks: TtlCache<(Group, ExamKind), Arc<GroupBank>>,
    exposure: Mutex<HashMap<(Group, ExamKind), Exposures>>,
}

const BANK_TTL: std::time::Duration = std::time::Duration::from_mins(2);
/// Every group's placement and certification banks.
const BANKS_MAX: usize = 2 * Group::ALL.len();

impl Exams {
    #[must_use]
    pub fn new(config: ExamConfig) -> Self {
        Self {
            config,
            banks: TtlCache::new(BANK_TTL, BANKS_MAX),
            exposure: Mutex::new(HashMap::new()),
        }
    }

    #[must_use]
    pub fn config(&self) -> &ExamConfig {
        &self.config
    }

    /// The group's bank for a kind of sitting (`None` when it has no items). The exam draws on
    /// the course's own exam items once there are at least twice `min_items` of them, so
    /// nobody has seen their answers; before that, on those and the quiz items. The placement
    /// test draws on the quiz items, keeping the exam's own for the exam.
    pub async fn bank(
        &self,
        store: &dyn Store,
        group: Group,
        kind: ExamKind,
        now: Timestamp,
    ) -> Result<Option<Arc<GroupBank>>, StoreError> {
        if let Some(bank) = self.banks.get(&(group, kind), now) {
            return Ok(Some(bank));
        }
        let all = store.exam_items(group).await?;
        let own = all.iter().filter(|i| i.exam_only).count();
        let total = all.len();
        let keep = |exam_only: bool| match kind {
            ExamKind::Certification if own >= 2 * self.config.min_items => exam_only,
            ExamKind::Placement if own < total => !exam_only,
            ExamKind::Certification | ExamKind::Placement => true,
        };
        let items: Vec<(Item, u32)> = all
            .into_iter()
            .filter(|i| keep(i.exam_only))
            .map(|i| (i.item, i.revision))
            .collect();
        if items.is_empty() {
            return Ok(None);
        }
        let parameters = store.item_parameters().await?;
        let (version, params): (Option<i64>, HashMap<String, binhdan_store::ItemParameter>) =
            match parameters {
                Some((v, list)) => (
                    Some(v),
                    list.into_iter().map(|p| (p.item_id.clone(), p)).collect(),
                ),
                None => (None, HashMap::new()),
            };
        let mut fitted_flags = Vec::with_capacity(items.len());
        let bank_items = items
            .iter()
            .map(|(item, revision)| {
                let fitted = params
                    .get(&item.id)
                    .filter(|p| p.calibrated && p.item_revision == *revision && p.a > 0.0);
                fitted_flags.push(fitted.is_some());
                BankItem {
                    domain: domain_of(&item.competence),
                    competence: item.competence.clone(),
                    step: item.step.as_str().to_owned(),
                    params: fitted.map_or_else(
                        || ItemParams::new(1.0, provisional_difficulty(item.step)),
                        |p| ItemParams::new(p.a, p.b),
                    ),
                    // Provisional parameters are usable: the exam runs from the first day.
                    calibrated: true,
                }
            })
            .collect();
        let index = items
            .iter()
            .enumerate()
            .map(|(i, (item, _))| (item.id.clone(), i))
            .collect();
        let calibrated = fitted_flags.iter().filter(|f| **f).count();
        let mut tasks = Vec::new();
        let mut tasks_fitted = Vec::new();
        if self.config.tasks_for(kind) > 0 {
            // The tasks' parameters of the same version as the items' (one run, one scale).
            let task_parameters = match version {
                Some(v) => store.task_parameters(v).await?,
                None => Vec::new(),
            };
            for t in store.sim_tasks().await? {
                if !t.groups.iter().any(|g| g.as_str() == group.as_str()) {
                    continue;
                }
                let fitted = fitted_task_model(&t, &task_parameters);
                tasks_fitted.push(fitted.is_some());
                let model = fitted.unwrap_or_else(|| provisional_task_model(&t));
                tasks.push((t, model));
            }
        }
        let tasks_calibrated = tasks_fitted.iter().filter(|f| **f).count();
        let bank = Arc::new(GroupBank {
            group,
            items,
            bank: ItemBank::new(bank_items),
            index,
            calibration: version.filter(|_| calibrated + tasks_calibrated > 0),
            calibrated,
            fitted: fitted_flags,
            tasks,
            tasks_calibrated,
            tasks_fitted,
        });
        self.banks.insert((group, kind), bank.clone(), now);
        Ok(Some(bank))
    }

    /// The exposure control of `kind` with the counts of the group's sittings of that kind.
    fn exposure(&self, bank: &GroupBank, kind: ExamKind) -> Exposure {
        let mut exposure = Exposure::new(bank.bank.len(), self.config.exposure_control(kind));
        if let Ok(seen) = self.exposure.lock()
            && let Some(e) = seen.get(&(bank.group, kind))
        {
            exposure.sessions = e.sessions;
            for (i, (item, _)) in bank.items.iter().enumerate() {
                if let Some(slot) = exposure.counts.get_mut(i) {
                    *slot = e.counts.get(&item.id).copied().unwrap_or(0);
                }
            }
        }
        exposure
    }

    /// Chooses the next item of `session` (or `None`: the sitting is complete) and adds it.
    fn give_next(
        &self,
        bank: &GroupBank,
        kind: ExamKind,
        session: &mut Session,
    ) -> Result<bool, ExamFailure> {
        let mut rng = rand::rng();
        let blueprint = bank.blueprint(&self.config, kind);
        let want = session.tasks.min(bank.tasks.len());
        let tasks_given = session.given.iter().filter(|g| g.task.is_some()).count();
        let items_given = session.given.len() - tasks_given;
        let control = self.config.exposure_control(kind);
        if tasks_given < want
            && items_given >= (tasks_given + 1) * blueprint.min_items / (want + 1)
            && give_task(bank, session, control.randomesque, &mut rng)
        {
            return Ok(true);
        }
        let state = cat_state(bank, &blueprint, session);
        let exposure = self.exposure(bank, kind);
        let Some(next) =
            binhdan_irt::next_item(&state, &bank.bank, &blueprint, &exposure, &mut rng)?
        else {
            // The items are done: the tasks not given yet come before the end.
            return Ok(
                tasks_given < want && give_task(bank, session, control.randomesque, &mut rng)
            );
        };
        let (Some((item, revision)), Some(entry)) = (bank.items.get(next), bank.bank.get(next))
        else {
            return Ok(false);
        };
        if let Ok(mut seen) = self.exposure.lock() {
            let e = seen.entry((bank.group, kind)).or_default();
            // A sitting counts once, with its first item (a task may come before it).
            if items_given == 0 {
                e.sessions += 1;
            }
            *e.counts.entry(item.id.clone()).or_default() += 1;
        }
        session.given.push(Given {
            item: item.id.clone(),
            revision: *revision,
            domain: entry.domain.clone(),
            a: entry.params.a,
            b: entry.params.b,
            calibrated: bank.fitted.get(next).copied().unwrap_or(false),
            order: quiz::present(item, &mut rng),
            correct: None,
            task: None,
        });
        Ok(true)
    }

    /// Starts a sitting of `kind` for the person in `group` (or finds their open one).
    pub async fn start(
        &self,
        store: &dyn Store,
        person: i64,
        group: Group,
        kind: ExamKind,
        now: Timestamp,
    ) -> Result<Start, ExamFailure> {
        let Some(bank) = self.bank(store, group, kind, now).await? else {
            return Ok(Start::NoBank);
        };
        let mut session = Session {
            theta: 0.0,
            se: 1.0,
            tasks: self.config.tasks_for(kind).min(MAX_TASKS),
            ..Session::default()
        };
        if !self.give_next(&bank, kind, &mut session)? {
            return Ok(Start::NoBank);
        }
        let state = session.to_json()?;
        let outcome = store
            .start_exam(
                &NewExamAttempt {
                    person_id: person,
                    group,
                    kind,
                    calibration: bank.calibration,
                    state: &state,
                    deadline_at: Timestamp(now.millis() + self.config.duration_ms(kind)),
                },
                &self.config.limits(),
                now,
            )
            .await?;
        Ok(match outcome {
            ExamStart::Started(a) | ExamStart::Open(a) => Start::Sitting(a),
            refused => Start::Refused(refused),
        })
    }

    /// Ends a sitting whose deadline has passed (as timed out: never a pass), once.
    pub async fn expire(
        &self,
        store: &dyn Store,
        attempt: &ExamAttempt,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<ExamAttempt, ExamFailure> {
        let session = Session::parse(attempt)?;
        let ended = store
            .finish_exam(
                attempt.id,
                attempt.person_id,
                &ExamResult {
                    theta: session.theta,
                    se: session.se,
                    passed: false,
                    timed_out: true,
                },
                cutoff,
                now,
            )
            .await?;
        Ok(ended.unwrap_or_else(|| attempt.clone()))
    }

    /// Scores a sitting whose last item is answered, by the blueprint's pass rule, and ends it.
    async fn finish_scored(
        &self,
        store: &dyn Store,
        bank: &GroupBank,
        attempt: &ExamAttempt,
        session: &Session,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<ExamAttempt, ExamFailure> {
        let blueprint = bank.blueprint(&self.config, attempt.kind);
        // A pass needs the blueprint's stopping rule met (enough items, every domain's
        // minimum, the SE target or the cap), not only the ability above the cut.
        let complete =
            binhdan_irt::stop_reason(&cat_state(bank, &blueprint, session), &blueprint).is_some();
        let passed = attempt.kind == ExamKind::Certification
            && complete
            && blueprint.pass_rule.passes(session.theta, session.se);
        let ended = store
            .finish_exam(
                attempt.id,
                attempt.person_id,
                &ExamResult {
                    theta: session.theta,
                    se: session.se,
                    passed,
                    timed_out: false,
                },
                cutoff,
                now,
            )
            .await?;
        Ok(ended.unwrap_or_else(|| attempt.clone()))
    }

    /// Brings an open sitting up to date: ended as timed out after its deadline, or scored
    /// if every item given is answered (the server stopped between the last answer and the
    /// end). Anything else is returned as it is.
    pub async fn settle(
        &self,
        store: &dyn Store,
        attempt: ExamAttempt,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<ExamAttempt, ExamFailure> {
        if attempt.finished_at.is_some() {
            return Ok(attempt);
        }
        if now > attempt.deadline_at {
            return self.expire(store, &attempt, cutoff, now).await;
        }
        let session = Session::parse(&attempt)?;
        if session.current().is_some() || session.given.is_empty() {
            return Ok(attempt);
        }
        let Some(bank) = self.bank(store, attempt.group, attempt.kind, now).await? else {
            return Ok(attempt);
        };
        self.finish_scored(store, &bank, &attempt, &session, cutoff, now)
            .await
    }

    /// Answers the current question of a sitting: graded, recorded once before the deadline,
    /// then the next item is chosen, or the sitting is scored and ended.
    #[allow(
        clippy::too_many_arguments,
        reason = "one step of a sitting, all of it needed"
    )]
    pub async fn answer(
        &self,
        store: &dyn Store,
        attempt_id: i64,
        person: i64,
        position: usize,
        item_id: &str,
        fields: &[(String, String)],
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Answered, ExamFailure> {
        let Some(attempt) = store
            .exam_attempt(attempt_id)
            .await?
            .filter(|a| a.person_id == person)
        else {
            return Ok(Answered::NotFound);
        };
        if attempt.finished_at.is_some() {
            return Ok(Answered::Stale(attempt));
        }
        if now > attempt.deadline_at {
            return Ok(Answered::TimeUp(
                self.expire(store, &attempt, cutoff, now).await?,
            ));
        }
        let mut session = Session::parse(&attempt)?;
        let Some((at, given)) = session.current() else {
            return Ok(Answered::Stale(
                self.settle(store, attempt, cutoff, now).await?,
            ));
        };
        if at != position || given.item != item_id {
            return Ok(Answered::Stale(attempt));
        }
        let is_task = given.task.is_some();
        let Some(bank) = self.bank(store, attempt.group, attempt.kind, now).await? else {
            return Ok(Answered::NotFound);
        };
        if is_task {
            return self
                .step_task(
                    store, &bank, attempt, session, position, fields, cutoff, now,
                )
                .await;
        }
        let Some(item) = bank.item(item_id) else {
            return Ok(Answered::Stale(attempt));
        };
        let reply: Reply = match quiz::read_reply(item.kind, &given.order, fields) {
            Ok(r) => r,
            Err(e) => return Ok(Answered::Invalid(e)),
        };
        let correct = quiz::grade(item, &reply);
        let revision = given.revision;
        if let Some(last) = session.given.last_mut() {
            last.correct = Some(correct);
        }
        let ability = session.ability().map_err(binhdan_irt::ExamError::from)?;
        session.theta = ability.theta;
        session.se = ability.se;
        let more = self.give_next(&bank, attempt.kind, &mut session)?;
        let reply_json =
            serde_json::to_string(&reply).map_err(|e| ExamFailure::Corrupt(e.to_string()))?;
        let state = session.to_json()?;
        let recorded = store
            .record_exam_answer(
                attempt.id,
                person,
                &ExamAnswer {
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    item_id,
                    revision,
                    reply: &reply_json,
                    correct,
                    state: &state,
                },
                now,
            )
            .await?;
        self.after_recording(
            store, &bank, &attempt, &session, recorded, more, cutoff, now,
        )
        .await
    }
}

/// The engine's view of a session: the multiple-choice items given mapped to the bank (an
/// item that left the bank still counts for its domain), the ability as the session scored it
/// (tasks included). Tasks are given besides the blueprint's items, so they are not counted
/// in its length or its domains.
fn cat_state(bank: &GroupBank, blueprint: &Blueprint, session: &Session) -> CatState {
    let mut state = CatState::new(blueprint);
    for g in session.given.iter().filter(|g| g.task.is_none()) {
        if let Some(&i) = bank.index.get(&g.item) {
            state.responses.push((i, g.correct.unwrap_or(false)));
        }
        if let Some(slot) = blueprint.domains.iter().position(|d| d.domain == g.domain)
            && let Some(c) = state.domain_counts.get_mut(slot)
        {
            *c += 1;
        }
    }
    state.ability = binhdan_irt::Ability {
        theta: session.theta,
        se: session.se,
    };
    state
}

/// How many of a sitting's answered questions were right, and how many were answered (for
/// the result page: the score is an ability, not a share of right answers). Tasks are not
/// questions: the page lists them apart.
#[must_use]
pub fn answers_right(attempt: &ExamAttempt) -> Option<(usize, usize)> {
    let session = Session::parse(attempt).ok()?;
    let questions = || session.given.iter().filter(|g| g.task.is_none());
    let answered = questions().filter(|g| g.correct.is_some()).count();
    let right = questions().filter(|g| g.correct == Some(true)).count();
    Some((right, answered))
}

/// A θ as the learner sees it: a score from 0 to 100 (50 at the bank's mean, 15 per unit).
#[must_use]
pub fn scaled_score(theta: f64) -> u32 {
    let s = (50.0 + 15.0 * theta).round().clamp(0.0, 100.0);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to 0..=100"
    )]
    let s = s as u32;
    s
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;

#[cfg(test)]
#[path = "task_tests.rs"]
mod task_tests;

//! `binhdan irt calibrate`: estimates the parameters of the item bank (2PL or Rasch) and of the
//! simulated tasks (generalized partial credit, or partial credit with Rasch) in one run of
//! marginal maximum likelihood (`binhdan_irt::calibrate_mixed`: items and tasks on the same
//! persons' θ scale) from every recorded answer and every task result of a sitting, and stores
//! them as a new version. With too little data nothing is stored and the previous version stays
//! in force.

use std::collections::{HashMap, HashSet};

use binhdan_content::Task;
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_irt::{CalibrationConfig, IrtError, ItemModel, ItemParams, Model, ScoredResponse};
use binhdan_store::{CalibrationRun, ItemParameter, ScoredTask, Store, StoreError, TaskParameter};

use crate::exam::{provisional_task_model, stored_task_model};

/// What a calibration stored.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationReport {
    pub version: i64,
    /// Multiple-choice items in the run, and those with enough answers to be estimated.
    pub items: usize,
    pub calibrated: usize,
    /// Simulated tasks in the run, and those with enough results to be estimated.
    pub tasks: usize,
    pub tasks_calibrated: usize,
    pub persons: usize,
    /// Answers and task results used.
    pub responses: usize,
    pub converged: bool,
}

/// Why nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// Too little data (or a bank the estimator refuses): the previous parameters stay.
    #[error("calibration refused: {0}")]
    Refused(IrtError),
    #[error(transparent)]
    Store(StoreError),
}

impl Localized for CalibrateError {
    fn msg(&self) -> Msg {
        match self {
            Self::Refused(IrtError::TooFewResponses { responses, min }) => {
                Msg::new("irt-too-few-responses")
                    .arg("responses", *responses)
                    .arg("min", *min)
            }
            Self::Refused(IrtError::TooFewPersons { persons, min }) => {
                Msg::new("irt-too-few-persons")
                    .arg("persons", *persons)
                    .arg("min", *min)
            }
            Self::Refused(IrtError::NoCalibratableItem { min }) => {
                Msg::new("irt-no-item").arg("min", *min)
            }
            Self::Refused(IrtError::EmptyBank) => Msg::new("irt-no-item").arg("min", 1),
            Self::Refused(other) => Msg::new("irt-refused").arg("detail", other.to_string()),
            Self::Store(_) => Msg::new("error-internal"),
        }
    }
}

/// Calibrates the bank and the simulated tasks on the stored responses and stores a new
/// version.
///
/// Only answers to an item's latest revision count (a reworded item is a new item to the
/// model); an item whose revision changed starts from the defaults, the others from their
/// previous parameters. Only a task's results at its current version and out of its current
/// credit count (one whose content changed is a new task; a score above the credit is left
/// out, never an error); a task starts from its previous parameters for that version, else
/// from its provisional ones ([`provisional_task_model`]). Items and tasks with too few
/// responses (`min_item_responses`) are marked not calibrated: an item keeps its previous (or
/// default) values, a task its provisional ones, and the exam scores both provisionally.
pub async fn calibrate_bank(
    store: &dyn Store,
    model: Model,
    config: Option<CalibrationConfig>,
    now: Timestamp,
) -> Result<CalibrationReport, CalibrateError> {
    let responses = store
        .scored_responses()
        .await
        .map_err(CalibrateError::Store)?;
    let results = store.scored_tasks().await.map_err(CalibrateError::Store)?;
    let current = store.sim_tasks().await.map_err(CalibrateError::Store)?;
    let (previous, previous_tasks) = match store
        .item_parameters()
        .await
        .map_err(CalibrateError::Store)?
    {
        Some((version, items)) => (
            items,
            store
                .task_parameters(version)
                .await
                .map_err(CalibrateError::Store)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let config = CalibrationConfig {
        model,
        ..config.unwrap_or_default()
    };

    // The bank: every item answered (at its latest revision) or calibrated before.
    let mut latest: HashMap<&str, u32> = HashMap::new();
    for r in &responses {
        let rev = latest.entry(r.item_id.as_str()).or_insert(r.item_revision);
        *rev = (*rev).max(r.item_revision);
    }
    for p in &previous {
        latest.entry(p.item_id.as_str()).or_insert(p.item_revision);
    }
    let mut items: Vec<(&str, u32)> = latest.into_iter().collect();
    items.sort_unstable();
    let index: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let mut start: Vec<ItemModel> = items
        .iter()
        .map(|(id, rev)| {
            ItemModel::Dichotomous(
                previous
                    .iter()
                    .find(|p| p.item_id == *id && p.item_revision == *rev)
                    .map_or_else(ItemParams::default, |p| ItemParams::new(p.a, p.b)),
            )
        })
        .collect();
    let mut persons: HashMap<i64, usize> = HashMap::new();
    let mut person = |id: i64| {
        let next = persons.len();
        *persons.entry(id).or_insert(next)
    };
    let mut data = Vec::with_capacity(responses.len() + results.len());
    for r in &responses {
        let Some(&item) = index.get(r.item_id.as_str()) else {
            continue;
        };
        if items[item].1 != r.item_revision {
            continue;
        }
        data.push(ScoredResponse::new(
            person(r.person_id),
            item,
            u8::from(r.correct),
        ));
    }

    // The tasks, after the items: every current task with a result that still counts, or
    // with parameters before.
    let usable: HashMap<&str, &Task> = current
        .iter()
        .filter(|t| provisional_task_model(t).is_valid())
        .map(|t| (t.id.as_str(), t))
        .collect();
    let mut done: HashSet<&str> = HashSet::new();
    for r in &results {
        if let Some(t) = usable.get(r.task_id.as_str())
            && counts(t, r)
        {
            done.insert(t.id.as_str());
        }
    }
    let tasks: Vec<&Task> = current
        .iter()
        .filter(|t| usable.contains_key(t.id.as_str()))
        .filter(|t| {
            done.contains(t.id.as_str()) || previous_tasks.iter().any(|p| p.task_id == t.id)
        })
        .collect();
    let task_index: HashMap<&str, (usize, &Task)> = tasks
        .iter()
        .enumerate()
        .map(|(j, t)| (t.id.as_str(), (items.len() + j, *t)))
        .collect();
    let mut left_out = 0_usize;
    for r in &results {
        match task_index.get(r.task_id.as_str()) {
            Some(&(at, task)) if counts(task, r) => {
                data.push(ScoredResponse::new(person(r.person_id), at, r.score));
            }
            _ => left_out += 1,
        }
    }
    if left_out > 0 {
        tracing::info!(
            left_out,
            "task results of another version or credit, or of a retired task, left out"
        );
    }
    let mut responses_of = vec![0_usize; items.len() + tasks.len()];
    for r in &data {
        responses_of[r.item] += 1;
    }
    let min_item = config.min_item_responses.max(1);
    for (j, task) in tasks.iter().enumerate() {
        let provisional = provisional_task_model(task);
        let before = stored_task_model(task, &previous_tasks).map(|(g, _)| g);
        start.push(ItemModel::Gpcm(match before {
            Some(fitted) if responses_of[items.len() + j] >= min_item => fitted,
            _ => provisional,
        }));
    }
    if model == Model::Rasch {
        // The Rasch and partial credit models: every slope estimated is 1.
        for (m, &n) in start.iter_mut().zip(&responses_of) {
            if n >= min_item {
                match m {
                    ItemModel::Dichotomous(p) => p.a = 1.0,
                    ItemModel::Gpcm(g) => g.a = 1.0,
                }
            }
        }
    }

    let result =
        binhdan_irt::calibrate_mixed(&data, &start, &config).map_err(CalibrateError::Refused)?;
    // An estimate that is not usable (not finite) is not stored as calibrated.
    let fitted = |at: usize| -> (ItemModel, bool) {
        match result.items.get(at) {
            Some(r) if r.model.is_valid() => (r.model.clone(), r.calibrated),
            _ => (start[at].clone(), false),
        }
    };
    let parameters: Vec<ItemParameter> = items
        .iter()
        .enumerate()
        .map(|(i, (id, rev))| {
            let (model, calibrated) = fitted(i);
            let p = model.dichotomous_summary();
            ItemParameter {
                item_id: (*id).to_owned(),
                item_revision: *rev,
                a: p.a,
                b: p.b,
                responses: responses_of[i] as u64,
                calibrated,
            }
        })
        .collect();
    let task_parameters: Vec<TaskParameter> = tasks
        .iter()
        .enumerate()
        .map(|(j, task)| {
            let at = items.len() + j;
            let (model, calibrated) = fitted(at);
            let g = model.to_gpcm();
            TaskParameter {
                task_id: task.id.clone(),
                task_version: task.version,
                a: g.a,
                steps: g.steps,
                responses: responses_of[at] as u64,
                calibrated,
            }
        })
        .collect();
    let run = CalibrationRun {
        model: match model {
            Model::TwoPl => "2pl",
            Model::Rasch => "rasch",
        }
        .to_owned(),
        persons: result.persons as u64,
        responses: result.responses as u64,
        iterations: result.iterations as u64,
        converged: result.converged,
        log_likelihood: result.log_likelihood,
    };
    let version = store
        .store_calibration(&run, &parameters, &task_parameters, now)
        .await
        .map_err(CalibrateError::Store)?;
    tracing::info!(
        version,
        items = parameters.len(),
        tasks = task_parameters.len(),
        "stored a calibration"
    );
    Ok(CalibrationReport {
        version,
        items: parameters.len(),
        calibrated: parameters.iter().filter(|p| p.calibrated).count(),
        tasks: task_parameters.len(),
        tasks_calibrated: task_parameters.iter().filter(|p| p.calibrated).count(),
        persons: result.persons,
        responses: result.responses,
        converged: result.converged,
    })
}

/// Whether a task result still measures the task as it is: given at its current version, out
/// of its current credit, and within it.
fn counts(task: &Task, result: &ScoredTask) -> bool {
    let credit = task.credit.max(1);
    result.task_id == task.id
        && result.task_version == task.version
        && result.credit == credit
        && result.score <= credit
}

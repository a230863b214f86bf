//! `binhdan irt calibrate`: estimates the item bank's parameters (2PL or Rasch, by marginal
//! maximum likelihood in `binhdan-irt`) from every recorded answer, and stores them as a new
//! version. With too little data nothing is stored and the previous version stays in force.

use std::collections::HashMap;

use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_irt::{CalibrationConfig, IrtError, ItemParams, Model, Response};
use binhdan_store::{CalibrationRun, ItemParameter, Store, StoreError};

/// What a calibration stored.
#[derive(Clone, Debug, PartialEq)]
pub struct CalibrationReport {
    pub version: i64,
    pub items: usize,
    pub calibrated: usize,
    pub persons: usize,
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

/// Calibrates the bank on the stored responses and stores a new version.
///
/// Only answers to an item's latest revision count (a reworded item is a new item to the
/// model); an item whose revision changed starts from the defaults, the others from their
/// previous parameters. Items with too few answers keep their previous (or default) values
/// and are marked not calibrated.
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
    let previous = store
        .item_parameters()
        .await
        .map_err(CalibrateError::Store)?
        .map(|(_, p)| p)
        .unwrap_or_default();

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
    let start: Vec<ItemParams> = items
        .iter()
        .map(|(id, rev)| {
            previous
                .iter()
                .find(|p| p.item_id == *id && p.item_revision == *rev)
                .map_or_else(ItemParams::default, |p| ItemParams::new(p.a, p.b))
        })
        .collect();
    let mut persons: HashMap<i64, usize> = HashMap::new();
    let mut data = Vec::with_capacity(responses.len());
    for r in &responses {
        let Some(&item) = index.get(r.item_id.as_str()) else {
            continue;
        };
        if items[item].1 != r.item_revision {
            continue;
        }
        let next = persons.len();
        let person = *persons.entry(r.person_id).or_insert(next);
        data.push(Response::new(person, item, r.correct));
    }
    let config = CalibrationConfig {
        model,
        ..config.unwrap_or_default()
    };
    let result = binhdan_irt::calibrate(&data, &start, &config).map_err(CalibrateError::Refused)?;
    let parameters: Vec<ItemParameter> = items
        .iter()
        .zip(&result.items)
        .map(|((id, rev), report)| ItemParameter {
            item_id: (*id).to_owned(),
            item_revision: *rev,
            a: report.params.a,
            b: report.params.b,
            responses: report.responses as u64,
            calibrated: report.calibrated,
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
        .store_calibration(&run, &parameters, now)
        .await
        .map_err(CalibrateError::Store)?;
    tracing::info!(version, items = parameters.len(), "stored a calibration");
    Ok(CalibrationReport {
        version,
        items: parameters.len(),
        calibrated: parameters.iter().filter(|p| p.calibrated).count(),
        persons: result.persons,
        responses: result.responses,
        converged: result.converged,
    })
}

//! `binhdan demo`: a synthetic province on the real codes (default Thanh Hóa, 38), with
//! villages and population figures, so a newcomer sees a living province at once.
//! Later capabilities add their own data here (people, progress, events).

use std::collections::HashMap;

use binhdan_core::demo::{self, DemoPlan};
use binhdan_core::kpi::Group;
use binhdan_core::reference;
use binhdan_core::unit::{UnitCode, UnitLevel, UnitName};
use binhdan_core::{Msg, Timestamp};
use binhdan_store::{NewVillage, Store, StoreError, WriteMode};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::bootstrap::{self, BootstrapError};

#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub province: UnitCode,
    /// Inhabitants of the synthetic province.
    pub people: u64,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            province: UnitCode::from_stored("38".to_owned()),
            people: demo::THANH_HOA_PEOPLE,
            seed: 2026,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct DemoSummary {
    pub communes: usize,
    pub villages: usize,
    pub adults: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0:?}")]
    Refused(Msg),
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether the province already has villages (then the demo leaves it alone).
pub async fn has_villages(store: &dyn Store, province: &UnitCode) -> Result<bool, StoreError> {
    Ok(store.subtree_counts(province).await?.villages > 0)
}

/// Builds the demo province. Refuses a province that already has villages, so a demo never
/// mixes with real data.
pub async fn build(
    store: &dyn Store,
    options: &DemoOptions,
    now: Timestamp,
) -> Result<DemoSummary, DemoError> {
    bootstrap::load_map(store, now).await?;
    let Some(province) = store.unit(&options.province).await? else {
        return Err(DemoError::Refused(
            Msg::new("unit-unknown").arg("code", &options.province),
        ));
    };
    if province.level != UnitLevel::Province {
        return Err(DemoError::Refused(
            Msg::new("demo-not-a-province").arg("code", &options.province),
        ));
    }
    if has_villages(store, &options.province).await? {
        return Err(DemoError::Refused(
            Msg::new("demo-province-not-empty").arg("name", &province.name),
        ));
    }
    let units = reference::admin_units().map_err(BootstrapError::from)?;
    let communes: Vec<_> = units
        .iter()
        .filter(|u| u.parent_code.as_ref() == Some(&options.province))
        .collect();
    let plan: DemoPlan = demo::plan(
        &communes,
        options.people,
        &mut StdRng::seed_from_u64(options.seed),
    )
    .map_err(|e| DemoError::Refused(binhdan_core::Localized::msg(&e)))?;
    let mut villages = Vec::with_capacity(plan.villages.len());
    for v in &plan.villages {
        let name = UnitName::parse(&v.name)
            .map_err(|e| DemoError::Refused(binhdan_core::Localized::msg(&e)))?;
        villages.push(NewVillage {
            commune: v.commune.clone(),
            name,
            division_type: v.division_type,
        });
    }
    let created = store
        .create_villages(&villages, WriteMode::Commit, now)
        .await?;
    // The store numbers villages as the plan does; map the plan's codes to the stored ones
    // (they are the same in an empty province) rather than rely on it.
    let stored: HashMap<&UnitCode, &UnitCode> = plan
        .villages
        .iter()
        .map(|v| &v.code)
        .zip(created.iter().map(|u| &u.code))
        .collect();
    let figures: Vec<_> = plan
        .population
        .iter()
        .filter_map(|f| {
            Some(demo::PopulationFigure {
                unit: (*stored.get(&f.unit)?).clone(),
                group: f.group,
                count: f.count,
            })
        })
        .collect();
    store.set_population(&figures, "demo", now).await?;
    let adults = figures
        .iter()
        .filter(|f| f.group == Group::Adult)
        .map(|f| f.count)
        .sum();
    Ok(DemoSummary {
        communes: communes.len(),
        villages: created.len(),
        adults,
    })
}

/// The right reply to an item, as a learner who knows it would give; or a wrong one.
fn reply(item: &binhdan_content::Item, right: bool) -> binhdan_content::quiz::Reply {
    use binhdan_content::Answer;
    use binhdan_content::quiz::Reply;
    let n = item.options.len();
    match (&item.answer, right) {
        (Answer::One(i), true) => Reply::One(*i),
        (Answer::One(i), false) => Reply::One((*i + 1) % n.max(1)),
        (Answer::Many(v), true) => Reply::Many(v.clone()),
        (Answer::Many(_), false) => Reply::Many(vec![]),
        (Answer::Bool(b), right) => Reply::Bool(*b == right),
        (Answer::InOrder, true) => Reply::Order((0..n).collect()),
        (Answer::InOrder, false) => Reply::Order((0..n).rev().collect()),
    }
}

/// A demo learner takes a module's quiz at `at`, answering every item rightly (`pass`) or
/// wrongly, through the same store calls as the quiz pages. Returns whether the attempt
/// passed; `None` when the module has no quiz.
///
/// # Errors
/// The store failed.
pub async fn take_quiz(
    store: &dyn Store,
    person: i64,
    module_id: &str,
    pass: bool,
    cutoff: binhdan_store::AdultCutoff,
    at: Timestamp,
) -> Result<Option<bool>, StoreError> {
    let Some(quiz) = store.module_quiz(module_id).await? else {
        return Ok(None);
    };
    if quiz.items.is_empty() {
        return Ok(None);
    }
    let plan: Vec<binhdan_store::PlannedItem> = quiz
        .items
        .iter()
        .map(|(i, rev)| binhdan_store::PlannedItem {
            item_id: i.id.clone(),
            revision: *rev,
            order: (0..i.options.len()).collect(),
        })
        .collect();
    let attempt = store.create_attempt(person, module_id, &plan, at).await?;
    let mut passed = None;
    for (position, (item, revision)) in quiz.items.iter().enumerate() {
        let reply = reply(item, pass);
        let correct = binhdan_content::quiz::grade(item, &reply);
        let outcome = store
            .record_answer(
                attempt.id,
                person,
                &binhdan_store::NewAnswer {
                    item_id: item.id.clone(),
                    position: u32::try_from(position).unwrap_or(u32::MAX),
                    revision: *revision,
                    last: position + 1 == quiz.items.len(),
                    reply,
                    correct,
                    elapsed_ms: 6_000,
                },
                cutoff,
                at,
            )
            .await?;
        if let binhdan_store::AnswerOutcome::Recorded {
            finished: Some(f), ..
        } = outcome
        {
            passed = Some(f.passed);
        }
    }
    Ok(passed)
}

/// A demo learner completes a course at `at`: every lesson read, every module quiz passed with
/// the right answers, through the same store calls as the learning pages, so the counters and
/// their daily changes move as they would for a real learner. Returns whether the course is
/// now completed.
///
/// # Errors
/// The store failed, or the course is not in it.
pub async fn complete_course(
    store: &dyn Store,
    person: i64,
    course_id: &str,
    cutoff: binhdan_store::AdultCutoff,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let outline = store
        .course_outline(course_id)
        .await?
        .ok_or(StoreError::Unknown("course"))?;
    for m in &outline.modules {
        for l in &m.lessons {
            store.complete_lesson(person, &l.id, cutoff, at).await?;
        }
    }
    for m in &outline.modules {
        take_quiz(store, person, &m.id, true, cutoff, at).await?;
    }
    Ok(store.course_progress(person, course_id).await?.completed)
}

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
    #[error(transparent)]
    Vault(#[from] binhdan_vault::VaultError),
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
        .ok_or(StoreError::NotFound(binhdan_store::Entity::Course))?;
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

/// What `learners` made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LearnersSummary {
    pub registered: u64,
    pub started: u64,
    pub completed: u64,
}

/// Demo learners: `n` adults registered in villages across the province 35 days ago, who then
/// learn through the same store calls as the learning pages on days spread over the last 30
/// days, more of them as the campaign gathers pace — about two in three complete the adults'
/// course, the others read some lessons. The counters, their daily changes, the rankings and
/// the trends all move as they would for real learners. Needs the curriculum loaded.
///
/// # Errors
/// The store failed, the adults' course is not loaded, or sealing a CCCD failed.
pub async fn learners(
    store: &dyn Store,
    vault: &binhdan_vault::Vault,
    province: &UnitCode,
    n: u64,
    seed: u64,
    cutoff: binhdan_store::AdultCutoff,
    now: Timestamp,
) -> Result<LearnersSummary, DemoError> {
    use rand::Rng;
    const DAY: i64 = 86_400_000;
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6c65_6172_6e65_7273);
    let outline = store
        .course_outline("cong-dan")
        .await?
        .ok_or(StoreError::NotFound(binhdan_store::Entity::Course))?;
    let lessons: Vec<String> = outline
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.id.clone()))
        .collect();
    // Some communes campaign harder than others: a third of them hold most learners.
    let communes = store.children(Some(province)).await?;
    let mut villages = Vec::new();
    for c in communes.iter().step_by(3) {
        villages.extend(store.children(Some(&c.code)).await?);
    }
    for c in communes.iter().skip(1).step_by(9) {
        villages.extend(store.children(Some(&c.code)).await?);
    }
    if villages.is_empty() || n == 0 {
        return Ok(LearnersSummary::default());
    }
    let mut records = Vec::new();
    for i in 0..n {
        let year: i32 = rng.random_range(1950..=2000);
        let female = rng.random_bool(0.5);
        let digits = format!(
            "038{}{:02}{:06}",
            u8::from(female),
            year % 100,
            (i * 7919 + rng.random_range(0..7919)) % 1_000_000
        );
        let Ok(cccd) = binhdan_core::cccd::Cccd::parse(&digits) else {
            continue;
        };
        let village = &villages[rng.random_range(0..villages.len())];
        let sealed = vault.encrypt(&cccd, &mut rng)?;
        records.push(binhdan_store::PersonRecord {
            cccd_hash: vault.lookup_hash(&cccd),
            cccd_sealed: sealed.into_bytes(),
            cccd_masked: cccd.masked(),
            name: format!("Học viên {}", i + 1),
            birth_year: year,
            birth_day: None,
            sex: cccd.sex(),
            unit: village.code.clone(),
            phone: None,
            membership: None,
        });
    }
    let mut import = store
        .begin_people_import(cutoff, Timestamp(now.0 - 35 * DAY))
        .await?;
    import.write(&records).await?;
    import
        .commit(binhdan_core::audit::AuditEntry::new(
            "demo",
            "person.import",
        ))
        .await?;
    let mut summary = LearnersSummary {
        registered: u64::try_from(records.len()).unwrap_or(0),
        ..LearnersSummary::default()
    };
    for r in &records {
        let Some(person) = store.person_by_cccd_hash(&r.cccd_hash).await? else {
            continue;
        };
        let id = person.summary.id;
        // Three in four start; later days more likely (the square root leans towards today).
        if !rng.random_bool(0.75) {
            continue;
        }
        let lean: f64 = rng.random::<f64>().sqrt();
        #[allow(
            clippy::cast_possible_truncation,
            reason = "a day in 0..30, from a fraction"
        )]
        let days_ago = 30 - (lean * 30.0) as i64;
        let at = Timestamp(now.0 - days_ago * DAY + rng.random_range(0..DAY / 2));
        summary.started += 1;
        if rng.random_bool(0.66) {
            if complete_course(store, id, "cong-dan", cutoff, at).await? {
                summary.completed += 1;
            }
        } else {
            let read = rng.random_range(1..=lessons.len().max(1));
            for l in lessons.iter().take(read) {
                store.complete_lesson(id, l, cutoff, at).await?;
            }
        }
    }
    Ok(summary)
}

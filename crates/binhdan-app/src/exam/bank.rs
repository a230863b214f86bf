//! A group's exam bank: its items and tasks with the parameters they are scored with.

#[allow(clippy::wildcard_imports, reason = "the exam's shared imports")]
use super::*;

/// A group's exam bank, built from the store and kept a few minutes.
#[derive(Debug)]
pub struct GroupBank {
    pub group: Group,
    pub items: Vec<(Item, u32)>,
    pub bank: ItemBank,
    pub(super) index: HashMap<String, usize>,
    /// The calibration version used, if any item or task is calibrated.
    pub calibration: Option<i64>,
    /// Items with calibrated parameters.
    pub calibrated: usize,
    /// Per item, whether its parameters were fitted (else provisional).
    pub(super) fitted: Vec<bool>,
    /// The group's simulated tasks with the GPCM they are scored with.
    pub tasks: Vec<(Task, GpcmItem)>,
    /// Tasks with calibrated parameters (for their current version).
    pub tasks_calibrated: usize,
    /// Per task, whether its parameters were fitted (else provisional).
    pub(super) tasks_fitted: Vec<bool>,
}

impl GroupBank {
    #[must_use]
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.index
            .get(id)
            .and_then(|&i| self.items.get(i))
            .map(|(item, _)| item)
    }

    /// A simulated task of the bank.
    #[must_use]
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().map(|(t, _)| t).find(|t| t.id == id)
    }

    pub(super) fn blueprint(&self, config: &ExamConfig, kind: ExamKind) -> Blueprint {
        let mut available: Vec<(String, usize)> = Vec::new();
        for item in self.bank.items() {
            match available.iter_mut().find(|(d, _)| *d == item.domain) {
                Some((_, n)) => *n += 1,
                None => available.push((item.domain.clone(), 1)),
            }
        }
        let total: usize = available.iter().map(|(_, n)| n).sum();
        let (min_items, max_items, se_target, per_domain_min) = match kind {
            ExamKind::Placement => (
                config.placement_min_items,
                config.placement_max_items,
                config.placement_se_target,
                0,
            ),
            ExamKind::Certification => (config.min_items, config.max_items, config.se_target, 1),
        };
        let max_items = max_items.min(total).max(1);
        let min_items = min_items.min(max_items);
        let cap = max_items.div_ceil(2).max(1);
        let domains = available
            .into_iter()
            .map(|(domain, n)| DomainQuota {
                domain,
                min: per_domain_min.min(n),
                max: cap.max(per_domain_min).min(n).max(1),
            })
            .collect();
        let mut blueprint = Blueprint {
            domains,
            min_items,
            max_items,
            se_target,
            pass_rule: PassRule::lower_bound(config.cut, config.z),
        };
        // Never ask more than the domains can give.
        let capacity: usize = blueprint.domains.iter().map(|d| d.max).sum();
        blueprint.max_items = blueprint.max_items.min(capacity).max(1);
        blueprint.min_items = blueprint.min_items.min(blueprint.max_items);
        let mins: usize = blueprint.domains.iter().map(|d| d.min).sum();
        if mins > blueprint.min_items {
            blueprint.min_items = mins.min(blueprint.max_items);
        }
        blueprint
    }
}

/// The difficulty an item's proficiency step suggests, before it is calibrated.
#[must_use]
pub fn provisional_difficulty(step: Step) -> f64 {
    let rank = Step::ALL.iter().position(|s| *s == step).unwrap_or(0);
    #[allow(clippy::cast_precision_loss, reason = "eight steps")]
    let rank = rank as f64;
    -1.5 + 0.5 * rank
}

/// A task's provisional GPCM before it is calibrated: `a = 1`, one step per credit point,
/// 0.5 apart and centred on the difficulty of its proficiency step.
#[must_use]
pub fn provisional_task_model(task: &Task) -> GpcmItem {
    let centre = provisional_difficulty(task.step);
    let m = usize::from(task.credit.max(1));
    #[allow(clippy::cast_precision_loss, reason = "at most 4 steps")]
    let steps = (1..=m)
        .map(|v| centre + 0.5 * (v as f64 - f64::midpoint(m as f64, 1.0)))
        .collect();
    GpcmItem { a: 1.0, steps }
}

/// The domain of a competence code ("4.2" → "4").
pub(super) fn domain_of(competence: &str) -> String {
    competence
        .split('.')
        .next()
        .unwrap_or(competence)
        .to_owned()
}

/// A task's stored parameters, when they are for its current version and credit and usable:
/// the GPCM, and whether it was fitted (else the provisional one stored with the version).
#[must_use]
pub(crate) fn stored_task_model(
    task: &Task,
    parameters: &[TaskParameter],
) -> Option<(GpcmItem, bool)> {
    let credit = usize::from(task.credit.max(1));
    parameters
        .iter()
        .find(|p| p.task_id == task.id)
        .filter(|p| p.task_version == task.version && p.steps.len() == credit)
        .map(|p| {
            (
                GpcmItem {
                    a: p.a,
                    steps: p.steps.clone(),
                },
                p.calibrated,
            )
        })
        .filter(|(g, _)| g.is_valid())
}

/// The GPCM a task is scored with: the latest calibration's for its current version and
/// credit, when it was fitted (and `None` otherwise: then the provisional one).
pub(super) fn fitted_task_model(task: &Task, parameters: &[TaskParameter]) -> Option<GpcmItem> {
    stored_task_model(task, parameters)
        .filter(|(_, calibrated)| *calibrated)
        .map(|(g, _)| g)
}

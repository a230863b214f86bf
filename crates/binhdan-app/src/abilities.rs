//! What people can do (issue 21, item 5): per unit and group, the share who could do each
//! simulated task at the placement test and at the certification exam, and its change —
//! "Tự chuyển tiền và kiểm tra tên người nhận: 34% → 71%". The campaign is measured by the
//! change in people's ability, not by attendance alone.
//!
//! Read from the task counters (`DashboardStore::task_figures`, moved with each task's result
//! and rebuilt by `binhdan counters rebuild`), never from people: each person counts once per
//! task and kind of sitting, with their best result (migration 0023); an organisation's from
//! its own (`organisation_task_figures`, migration 0026).

use binhdan_content::task::TextLang;
use binhdan_core::kpi::Group;
use binhdan_core::unit::{Unit, UnitCode, UnitLevel};
use binhdan_i18n::Lang;
use binhdan_store::{ExamKind, Store, StoreError, TaskFigure};
use serde::Serialize;

use crate::dashboard::permille;

/// People given a task in sittings of one kind, and how many of them could do it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Share {
    pub tried: u64,
    pub could: u64,
}

impl Share {
    /// The share who could, in tenths of a per cent (rounded as every share of the
    /// dashboards); `None` when nobody was given the task.
    #[must_use]
    pub fn permille(self) -> Option<u64> {
        (self.tried > 0).then(|| permille(self.could, self.tried))
    }

    /// The share as the administrative report gives it: `None` when measured on fewer than
    /// [`REPORTED_MIN`] people, whom a share could name in a small unit.
    #[must_use]
    pub fn reported_permille(self) -> Option<u64> {
        (self.tried >= REPORTED_MIN).then(|| permille(self.could, self.tried))
    }
}

/// The fewest people a share of the administrative report is measured on, as public pages
/// never tell a count of 1 to 4.
pub const REPORTED_MIN: u64 = 5;

/// One task's figures in a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskAbility {
    /// `adult`, `student`, … (the group whose sittings gave it).
    #[serde(serialize_with = "group_code")]
    pub group: Group,
    pub task_id: String,
    /// The task's title in the language asked (its id when it is no longer in the pack).
    pub title: String,
    /// At the placement test (before learning).
    pub placement: Share,
    /// At the certification exam (the best of a person's sittings).
    pub exam: Share,
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "the signature `serialize_with` asks for"
)]
fn group_code<S: serde::Serializer>(g: &Group, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(g.as_str())
}

impl TaskAbility {
    /// The change from the placement's share to the exam's, in tenths of a percentage point:
    /// the difference of the shares as shown (`33,3% → 66,7%` is `+33,4`), so a reader's
    /// subtraction agrees; `None` unless both are known.
    #[must_use]
    pub fn change_permille(&self) -> Option<i64> {
        let (Some(before), Some(after)) = (self.placement.permille(), self.exam.permille()) else {
            return None;
        };
        Some(i64::try_from(after).unwrap_or(0) - i64::try_from(before).unwrap_or(0))
    }
}

fn text_lang(lang: Lang) -> TextLang {
    match lang {
        Lang::Vi => TextLang::Vi,
        Lang::En => TextLang::En,
    }
}

/// The titles of the tasks named, in `lang`: one read of the pack's tasks (a few dozen), the
/// id for a task retired since.
async fn titles(
    store: &dyn Store,
    lang: Lang,
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    Ok(store
        .sim_tasks()
        .await?
        .into_iter()
        .map(|t| {
            let title = t.title.get(text_lang(lang)).to_owned();
            (t.id, title)
        })
        .collect())
}

/// Folds counter figures (ordered by group, task, kind) into one line per group and task.
fn fold(
    figures: impl IntoIterator<Item = TaskFigure>,
    titles: &std::collections::HashMap<String, String>,
) -> Vec<TaskAbility> {
    let mut out: Vec<TaskAbility> = Vec::new();
    for f in figures {
        let share = Share {
            tried: f.tried,
            could: f.could,
        };
        let i = if let Some(i) = out
            .iter()
            .position(|t| t.group == f.group && t.task_id == f.task_id)
        {
            i
        } else {
            out.push(TaskAbility {
                group: f.group,
                title: titles
                    .get(&f.task_id)
                    .cloned()
                    .unwrap_or_else(|| f.task_id.clone()),
                task_id: f.task_id,
                placement: Share::default(),
                exam: Share::default(),
            });
            out.len() - 1
        };
        let Some(line) = out.get_mut(i) else { continue };
        match f.kind {
            ExamKind::Placement => line.placement = share,
            ExamKind::Certification => line.exam = share,
        }
    }
    out
}

/// The order shown: the tasks most people sat first, then by title.
fn sort(lines: &mut [TaskAbility]) {
    lines.sort_by(|a, b| {
        (b.placement.tried + b.exam.tried)
            .cmp(&(a.placement.tried + a.exam.tried))
            .then_with(|| a.title.cmp(&b.title))
            .then_with(|| a.task_id.cmp(&b.task_id))
    });
}

/// What people in `unit` (and everything below it) could do, per task: of `group` only, or
/// of every group. Empty when no task was ever given there.
///
/// # Errors
/// The store failed.
pub async fn task_abilities(
    store: &dyn Store,
    unit: &UnitCode,
    group: Option<Group>,
    lang: Lang,
) -> Result<Vec<TaskAbility>, StoreError> {
    lines(store, store.task_figures(unit, group).await?, lang).await
}

/// What an organisation's members could do, per task: of `group` only, or of every group
/// (its own task counters, migration 0026). Empty when no member was given a task.
///
/// # Errors
/// The store failed.
pub async fn organisation_task_abilities(
    store: &dyn Store,
    organisation: i64,
    group: Option<Group>,
    lang: Lang,
) -> Result<Vec<TaskAbility>, StoreError> {
    let figures = store.organisation_task_figures(organisation, group).await?;
    lines(store, figures, lang).await
}

/// Counter figures as the lines shown: titled, one per group and task, most sat first.
async fn lines(
    store: &dyn Store,
    figures: Vec<TaskFigure>,
    lang: Lang,
) -> Result<Vec<TaskAbility>, StoreError> {
    if figures.is_empty() {
        return Ok(Vec::new());
    }
    let titles = titles(store, lang).await?;
    let mut lines = fold(figures, &titles);
    sort(&mut lines);
    Ok(lines)
}

/// A unit's task figures, as the reports list them.
#[derive(Clone, Debug, Serialize)]
pub struct UnitTasks {
    pub code: String,
    pub name: String,
    /// `province`, `commune` or `village`.
    pub level: &'static str,
    pub tasks: Vec<TaskAbility>,
}

/// The reports' task lines: the unit of `lineage`'s end, then each unit below it with a task
/// given (its communes or villages, and for a province every village), every group. Counter
/// reads only: one per level.
///
/// # Errors
/// The store failed.
pub async fn report_lines(
    store: &dyn Store,
    lineage: &[Unit],
    lang: Lang,
) -> Result<Vec<UnitTasks>, StoreError> {
    let Some(root) = lineage.last() else {
        return Ok(Vec::new());
    };
    let figures = store.task_figures(&root.code, None).await?;
    if figures.is_empty() {
        return Ok(Vec::new());
    }
    let titles = titles(store, lang).await?;
    let mut mine = fold(figures, &titles);
    sort(&mut mine);
    let mut out = vec![UnitTasks {
        code: root.code.to_string(),
        name: root.name.clone(),
        level: root.level.as_str(),
        tasks: mine,
    }];
    let levels: &[UnitLevel] = match root.level {
        UnitLevel::Province => &[UnitLevel::Commune, UnitLevel::Village],
        UnitLevel::Commune => &[UnitLevel::Village],
        UnitLevel::Village => &[],
    };
    for level in levels {
        let below = store.task_figures_below(&root.code, *level).await?;
        for unit in below.chunk_by(|a, b| a.code == b.code) {
            let Some(first) = unit.first() else { continue };
            let mut tasks = fold(unit.iter().map(|f| f.figure.clone()), &titles);
            sort(&mut tasks);
            out.push(UnitTasks {
                code: first.code.to_string(),
                name: first.name.clone(),
                level: level.as_str(),
                tasks,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Share;

    #[test]
    fn the_report_gives_no_share_measured_on_fewer_than_five() {
        let share = |tried, could| Share { tried, could }.reported_permille();
        assert_eq!(share(0, 0), None);
        assert_eq!(share(4, 4), None);
        assert_eq!(share(5, 2), Some(400));
        assert_eq!(share(6, 4), Some(667));
    }
}

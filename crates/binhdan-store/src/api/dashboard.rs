//! Reads for the campaign's dashboards: counters only, never people.

use async_trait::async_trait;
use binhdan_core::kpi::Group;
use binhdan_core::unit::{UnitCode, UnitLevel};

use crate::{ExamKind, Result};

/// One unit's figures for a group and metric, for a dashboard's table of units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitFigure {
    pub code: UnitCode,
    pub name: String,
    pub level: UnitLevel,
    /// The metric's value now.
    pub value: i64,
    /// Its change on the days after the `since` day asked for; `None` where daily changes are
    /// not kept (villages: they are kept per commune).
    pub recent: Option<i64>,
    /// The official population of the group, where a figure was given.
    pub population: Option<u64>,
    /// People of the group on the roster.
    pub roster: u64,
}

/// One organisation's figures for a group and metric, for the emulation ranking of agencies,
/// schools and enterprises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganisationFigure {
    pub id: i64,
    pub name: String,
    /// `school`, `agency`, `enterprise` or `cooperative`.
    pub kind: String,
    /// The commune it sits in.
    pub unit_name: String,
    pub value: i64,
    /// Its change on the days after the `since` day asked for.
    pub recent: i64,
    /// Members of the group.
    pub roster: u64,
}

/// What people of a group could do of one simulated task, in sittings of one kind: counted
/// once per person (migration 0023: `tried` if given it, `could` if they could do it in one of
/// them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskFigure {
    pub group: Group,
    pub task_id: String,
    pub kind: ExamKind,
    pub tried: u64,
    pub could: u64,
}

/// A unit's own task figures, for the reports' lines below the unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitTaskFigure {
    pub code: UnitCode,
    pub name: String,
    pub figure: TaskFigure,
}

/// Reads for the campaign's dashboards: counters only, never people.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// The figures of each unit directly under `parent` (a province's communes, a commune's
    /// villages), in code order.
    async fn children_figures(
        &self,
        parent: &UnitCode,
        group: Group,
        metric: &str,
        since_day: i64,
    ) -> Result<Vec<UnitFigure>>;
    /// A unit's daily changes of a metric after `after_day` (days since 1970-01-01 in Vietnam),
    /// with the value at the end of `after_day`. `None` for a village (changes are kept per
    /// commune).
    async fn daily_changes(
        &self,
        unit: &UnitCode,
        group: Group,
        metric: &str,
        after_day: i64,
    ) -> Result<Option<(i64, Vec<(i64, i64)>)>>;
    /// What people in a unit's subtree could do, per group (or only `group`), task and kind,
    /// summed over one level of the task counters (one range on the path): ordered by group,
    /// task and kind. Empty when no task was given there.
    async fn task_figures(&self, root: &UnitCode, group: Option<Group>) -> Result<Vec<TaskFigure>>;
    /// The task figures of each unit of `level` in a unit's subtree (their own counter rows),
    /// ordered by unit code, group, task and kind.
    async fn task_figures_below(
        &self,
        root: &UnitCode,
        level: UnitLevel,
    ) -> Result<Vec<UnitTaskFigure>>;
    /// What an organisation's members could do, per group (or only `group`), task and kind:
    /// its own task counters (one range of their key, migration 0026), ordered by group, task
    /// and kind. Empty when no member was given a task.
    async fn organisation_task_figures(
        &self,
        organisation: i64,
        group: Option<Group>,
    ) -> Result<Vec<TaskFigure>>;
    /// An organisation's counters: (group, metric, value).
    async fn organisation_counters(&self, organisation: i64) -> Result<Vec<(Group, String, i64)>>;
    /// The organisations in a unit's subtree with members of the group, and their figures.
    async fn organisation_figures(
        &self,
        root: &UnitCode,
        group: Group,
        metric: &str,
        since_day: i64,
    ) -> Result<Vec<OrganisationFigure>>;
}

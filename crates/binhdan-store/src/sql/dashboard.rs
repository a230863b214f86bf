//! Dashboard reads, written once for both backends (see the crate docs): counters and their
//! daily changes only, so a read costs O(units shown) whatever the population.

use super::Backend;
use crate::prelude::*;
use crate::{TaskFigure, UnitTaskFigure};

#[async_trait]
impl DashboardStore for Backend {
    async fn children_figures(
        &self,
        parent: &UnitCode,
        group: Group,
        metric: &str,
        since_day: i64,
    ) -> Result<Vec<UnitFigure>> {
        // A commune's population is its roll-up (itself and its villages); a village's, its own.
        let rows: Vec<(String, String, String, i64, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT u.code, u.name, u.level, \
             CAST(COALESCE((SELECT c.value FROM unit_counter c WHERE c.unit_code = u.code AND c.grp = $2 AND c.metric = $3), 0) AS BIGINT), \
             CAST(COALESCE((SELECT c.value FROM unit_counter c WHERE c.unit_code = u.code AND c.grp = $2 AND c.metric = 'roster'), 0) AS BIGINT), \
             CAST((SELECT SUM(d.value) FROM unit_day_counter d WHERE d.commune_code = u.code AND d.grp = $2 AND d.metric = $3 AND d.day > $4) AS BIGINT), \
             CAST(COALESCE((SELECT r.count FROM population_rollup r WHERE r.commune_code = u.code AND r.grp = $2), \
                           (SELECT p.count FROM population p WHERE p.unit_code = u.code AND p.grp = $2)) AS BIGINT) \
             FROM unit u WHERE u.parent_code = $1 ORDER BY u.code",
        )
        .bind(parent.as_str())
        .bind(group.as_str())
        .bind(metric)
        .bind(since_day)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, name, level, value, roster, recent, population)| {
                let level = crate::rows::decoded("unit", "level", &level, UnitLevel::parse)?;
                Ok(UnitFigure {
                    code: crate::rows::unit_code("unit", &code)?,
                    name,
                    recent: if level == UnitLevel::Commune {
                        Some(recent.unwrap_or(0))
                    } else {
                        None
                    },
                    level,
                    value,
                    population: population.and_then(|p| u64::try_from(p).ok()),
                    roster: crate::rows::number("unit_counter", "roster", roster)?,
                })
            })
            .collect::<Result<_>>()?)
    }

    async fn daily_changes(
        &self,
        unit: &UnitCode,
        group: Group,
        metric: &str,
        after_day: i64,
    ) -> Result<Option<(i64, Vec<(i64, i64)>)>> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT level, path FROM unit WHERE code = $1")
                .bind(unit.as_str())
                .fetch_optional(&self.read)
                .await?;
        let Some((level, path)) = row else {
            return Ok(None);
        };
        if level == "village" {
            return Ok(None);
        }
        let upper = binhdan_core::unit::UnitPath::from_stored(path.clone()).subtree_upper_bound();
        let before: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(value) AS BIGINT) FROM unit_day_counter \
             WHERE path >= $1 AND path < $2 AND grp = $3 AND metric = $4 AND day <= $5",
        )
        .bind(&path)
        .bind(&upper)
        .bind(group.as_str())
        .bind(metric)
        .bind(after_day)
        .fetch_one(&self.read)
        .await?;
        let days: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT day, CAST(SUM(value) AS BIGINT) FROM unit_day_counter \
             WHERE path >= $1 AND path < $2 AND grp = $3 AND metric = $4 AND day > $5 GROUP BY day ORDER BY day",
        )
        .bind(&path)
        .bind(&upper)
        .bind(group.as_str())
        .bind(metric)
        .bind(after_day)
        .fetch_all(&self.read)
        .await?;
        Ok(Some((before.unwrap_or(0), days)))
    }

    async fn organisation_figures(
        &self,
        root: &UnitCode,
        group: Group,
        metric: &str,
        since_day: i64,
    ) -> Result<Vec<OrganisationFigure>> {
        let path: Option<String> = sqlx::query_scalar("SELECT path FROM unit WHERE code = $1")
            .bind(root.as_str())
            .fetch_optional(&self.read)
            .await?;
        let Some(path) = path else {
            return Ok(Vec::new());
        };
        let upper = binhdan_core::unit::UnitPath::from_stored(path.clone()).subtree_upper_bound();
        let rows: Vec<(i64, String, String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT o.id, o.name, o.kind, u.name, \
             CAST(COALESCE((SELECT c.value FROM organisation_counter c WHERE c.organisation_id = o.id AND c.grp = $3 AND c.metric = $4), 0) AS BIGINT), \
             CAST(COALESCE((SELECT SUM(d.value) FROM organisation_day_counter d WHERE d.organisation_id = o.id AND d.grp = $3 AND d.metric = $4 AND d.day > $5), 0) AS BIGINT), \
             CAST(r.value AS BIGINT) \
             FROM organisation o JOIN unit u ON u.code = o.unit_code \
             JOIN organisation_counter r ON r.organisation_id = o.id AND r.grp = $3 AND r.metric = 'roster' \
             WHERE o.unit_path >= $1 AND o.unit_path < $2 AND r.value > 0 ORDER BY o.id",
        )
        .bind(&path)
        .bind(&upper)
        .bind(group.as_str())
        .bind(metric)
        .bind(since_day)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, kind, unit_name, value, recent, roster)| {
                Ok(OrganisationFigure {
                    id,
                    name,
                    kind,
                    unit_name,
                    value,
                    recent,
                    roster: crate::rows::number("organisation_counter", "roster", roster)?,
                })
            })
            .collect::<Result<_>>()?)
    }

    async fn task_figures(&self, root: &UnitCode, group: Option<Group>) -> Result<Vec<TaskFigure>> {
        let Some((summed, path, upper)) = self.counter_range(root).await? else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT grp, task_id, kind, CAST(SUM(tried) AS BIGINT), CAST(SUM(could) AS BIGINT) \
             FROM unit_task_counter WHERE level = $1 AND path >= $2 AND path < $3 \
             AND ($4 = '' OR grp = $4) GROUP BY grp, task_id, kind ORDER BY grp, task_id, kind",
        )
        .bind(summed)
        .bind(&path)
        .bind(&upper)
        .bind(group.map_or("", Group::as_str))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .filter(|r| r.3 != 0 || r.4 != 0)
            .map(|(grp, task_id, kind, tried, could)| {
                task_figure(UNIT_TASKS, grp, task_id, &kind, tried, could)
            })
            .collect()
    }

    async fn organisation_task_figures(
        &self,
        organisation: i64,
        group: Option<Group>,
    ) -> Result<Vec<TaskFigure>> {
        let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT grp, task_id, kind, tried, could FROM organisation_task_counter \
             WHERE organisation_id = $1 AND ($2 = '' OR grp = $2) AND (tried <> 0 OR could <> 0) \
             ORDER BY grp, task_id, kind",
        )
        .bind(organisation)
        .bind(group.map_or("", Group::as_str))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(grp, task_id, kind, tried, could)| {
                task_figure(ORG_TASKS, grp, task_id, &kind, tried, could)
            })
            .collect()
    }

    async fn task_figures_below(
        &self,
        root: &UnitCode,
        level: UnitLevel,
    ) -> Result<Vec<UnitTaskFigure>> {
        let Some(path) = self.path_of(root).await? else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, String, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT c.unit_code, u.name, c.grp, c.task_id, c.kind, c.tried, c.could \
             FROM unit_task_counter c JOIN unit u ON u.code = c.unit_code \
             WHERE c.level = $1 AND c.path >= $2 AND c.path < $3 AND (c.tried <> 0 OR c.could <> 0) \
             ORDER BY c.unit_code, c.grp, c.task_id, c.kind",
        )
        .bind(level.as_str())
        .bind(path.as_str())
        .bind(path.subtree_upper_bound())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(code, name, grp, task_id, kind, tried, could)| {
                Ok(UnitTaskFigure {
                    code: crate::rows::unit_code("unit_task_counter", &code)?,
                    name,
                    figure: task_figure(UNIT_TASKS, grp, task_id, &kind, tried, could)?,
                })
            })
            .collect()
    }

    async fn organisation_counters(&self, organisation: i64) -> Result<Vec<(Group, String, i64)>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT grp, metric, value FROM organisation_counter WHERE organisation_id = $1 ORDER BY grp, metric",
        )
        .bind(organisation)
        .fetch_all(&self.read)
        .await?;
        crate::rows::kpi_counters("organisation_counter", rows)
    }
}

const UNIT_TASKS: &str = "unit_task_counter";
const ORG_TASKS: &str = "organisation_task_counter";

/// A task counter row of `table`, decoded.
fn task_figure(
    table: &'static str,
    grp: String,
    task_id: String,
    kind: &str,
    tried: i64,
    could: i64,
) -> Result<TaskFigure> {
    Ok(TaskFigure {
        group: crate::rows::group(table, &grp)?,
        task_id,
        kind: crate::rows::decoded(table, "kind", kind, ExamKind::parse)?,
        tried: crate::rows::number(table, "tried", tried)?,
        could: crate::rows::number(table, "could", could)?,
    })
}

//! The item bank's calibrations (`CalibrationStore`): the scored answers and task results they
//! are estimated from, and the versions of item and task parameters they store.

use super::Backend;
use crate::prelude::*;

#[async_trait]
impl CalibrationStore for Backend {
    async fn scored_responses(&self) -> Result<Vec<ScoredResponse>> {
        let rows: Vec<(i64, String, i64, bool)> = sqlx::query_as(
            "SELECT a.person_id, r.item_id, r.item_revision, r.correct FROM quiz_response r \
             JOIN quiz_attempt a ON a.id = r.attempt_id JOIN item i ON i.id = r.item_id \
             WHERE i.retired_at IS NULL \
             UNION ALL \
             SELECT e.person_id, r.item_id, r.item_revision, r.correct FROM exam_response r \
             JOIN exam_attempt e ON e.id = r.attempt_id JOIN item i ON i.id = r.item_id \
             WHERE i.retired_at IS NULL ORDER BY 1, 2",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(person_id, item_id, revision, correct)| {
                Ok(ScoredResponse {
                    person_id,
                    item_id,
                    item_revision: crate::rows::number("quiz_response", "item_revision", revision)?,
                    correct,
                })
            })
            .collect::<Result<_>>()?)
    }

    async fn scored_tasks(&self) -> Result<Vec<ScoredTask>> {
        const T: &str = "task_result";
        let rows: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT r.person_id, r.task_id, r.task_version, r.score, r.credit FROM task_result r \
             JOIN sim_task t ON t.id = r.task_id \
             WHERE t.retired_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM assisted_sitting s \
                             WHERE s.attempt_id = r.attempt_id AND s.review = 'voided') \
             ORDER BY r.person_id, r.task_id, r.attempt_id, r.position",
        )
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(person_id, task_id, version, score, credit)| {
                Ok(ScoredTask {
                    person_id,
                    task_id,
                    task_version: crate::rows::number(T, "task_version", version)?,
                    score: crate::rows::number(T, "score", score)?,
                    credit: crate::rows::number(T, "credit", credit)?,
                })
            })
            .collect()
    }

    async fn item_parameters(&self) -> Result<Option<(i64, Vec<ItemParameter>)>> {
        let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM item_calibration")
            .fetch_one(&self.read)
            .await?;
        let Some(version) = version else {
            return Ok(None);
        };
        let rows: Vec<(String, i64, f64, f64, i64, bool)> = sqlx::query_as(
            "SELECT item_id, item_revision, a, b, responses, calibrated FROM item_parameter WHERE version = $1 ORDER BY item_id",
        )
        .bind(version)
        .fetch_all(&self.read)
        .await?;
        Ok(Some((
            version,
            rows.into_iter()
                .map(|(item_id, revision, a, b, responses, calibrated)| {
                    Ok(ItemParameter {
                        item_id,
                        item_revision: crate::rows::number(
                            "item_parameter",
                            "item_revision",
                            revision,
                        )?,
                        a,
                        b,
                        responses: crate::rows::number("item_parameter", "responses", responses)?,
                        calibrated,
                    })
                })
                .collect::<Result<_>>()?,
        )))
    }

    async fn task_parameters(&self, version: i64) -> Result<Vec<TaskParameter>> {
        const T: &str = "task_parameter";
        let rows: Vec<(String, i64, f64, String, i64, bool)> = sqlx::query_as(
            "SELECT task_id, task_version, a, steps, responses, calibrated FROM task_parameter \
             WHERE version = $1 ORDER BY task_id",
        )
        .bind(version)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(task_id, task_version, a, steps, responses, calibrated)| {
                let steps = crate::rows::decoded(T, "steps", &steps, crate::rows::decode_steps)?;
                Ok(TaskParameter {
                    task_id,
                    task_version: crate::rows::number(T, "task_version", task_version)?,
                    a,
                    steps,
                    responses: crate::rows::number(T, "responses", responses)?,
                    calibrated,
                })
            })
            .collect()
    }

    async fn store_calibration(
        &self,
        run: &CalibrationRun,
        parameters: &[ItemParameter],
        tasks: &[TaskParameter],
        now: Timestamp,
    ) -> Result<i64> {
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let mut tx = self.write.begin().await?;
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO item_calibration (model, persons, responses, iterations, converged, log_likelihood, calibrated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING version",
        )
        .bind(run.model.clone())
        .bind(count(run.persons))
        .bind(count(run.responses))
        .bind(count(run.iterations))
        .bind(run.converged)
        .bind(run.log_likelihood)
        .bind(now.millis())
        .fetch_one(&mut *tx)
        .await?;
        for p in parameters {
            sqlx::query(
                "INSERT INTO item_parameter (version, item_id, item_revision, a, b, responses, calibrated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(version)
            .bind(p.item_id.clone())
            .bind(i64::from(p.item_revision))
            .bind(p.a)
            .bind(p.b)
            .bind(count(p.responses))
            .bind(p.calibrated)
            .execute(&mut *tx)
            .await?;
        }
        for t in tasks {
            let steps = crate::rows::encode_steps(&t.steps);
            sqlx::query(
                "INSERT INTO task_parameter (version, task_id, task_version, a, steps, responses, calibrated) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(version)
            .bind(t.task_id.clone())
            .bind(i64::from(t.task_version))
            .bind(t.a)
            .bind(steps)
            .bind(count(t.responses))
            .bind(t.calibrated)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(version)
    }
}

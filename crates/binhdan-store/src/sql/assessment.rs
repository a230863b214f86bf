//! Placement tests and certification exams: sittings, responses, abilities and passes, and the
//! counters they move, written once for both backends (see `AssessmentStore` for the metrics).

use super::learning::{LearningDeltas, learner_facts};
use super::task_counters::{move_person_tasks, person_tasks};
use super::{Backend, Db};
use crate::prelude::*;
use crate::{TaskResult, TaskStep};

#[derive(sqlx::FromRow)]
struct ExamRow {
    id: i64,
    person_id: i64,
    grp: String,
    kind: String,
    calibration: Option<i64>,
    state: String,
    answered: i64,
    task_step: i64,
    started_at: i64,
    deadline_at: i64,
    finished_at: Option<i64>,
    theta: Option<f64>,
    se: Option<f64>,
    passed: Option<bool>,
    timed_out: bool,
}

impl ExamRow {
    fn into_attempt(self) -> Result<ExamAttempt> {
        let group = crate::rows::group("exam_attempt", &self.grp)?;
        let kind = crate::rows::decoded("exam_attempt", "kind", &self.kind, ExamKind::parse)?;
        Ok(ExamAttempt {
            id: self.id,
            person_id: self.person_id,
            group,
            kind,
            calibration: self.calibration,
            state: self.state,
            answered: u32::try_from(self.answered).unwrap_or(u32::MAX),
            task_step: u32::try_from(self.task_step).unwrap_or(u32::MAX),
            started_at: Timestamp(self.started_at),
            deadline_at: Timestamp(self.deadline_at),
            finished_at: self.finished_at.map(Timestamp),
            theta: self.theta,
            se: self.se,
            passed: self.passed,
            timed_out: self.timed_out,
        })
    }
}

macro_rules! select_exam {
    ($rest:literal) => {
        concat!(
            "SELECT id, person_id, grp, kind, calibration, state, answered, task_step, started_at, deadline_at, \
             finished_at, theta, se, passed, timed_out FROM exam_attempt ",
            $rest
        )
    };
}

/// Thousandths of a θ difference, for the `gain_milli` counter.
pub(super) fn milli(x: f64) -> i64 {
    // A θ is within ±6 by construction: the product fits easily.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "bounded by the quadrature range"
    )]
    let m = (x * 1000.0).round() as i64;
    m
}

#[derive(sqlx::FromRow)]
struct TaskResultRow {
    attempt_id: i64,
    position: i64,
    grp: String,
    kind: String,
    task_id: String,
    task_version: i64,
    score: i64,
    credit: i64,
    steps: i64,
    at: i64,
}

impl TaskResultRow {
    fn into_result(self) -> Result<TaskResult> {
        const T: &str = "task_result";
        let corrupt = |what: &str, v: i64| StoreError::corrupt(T, format_args!("{what} {v}"));
        Ok(TaskResult {
            attempt_id: self.attempt_id,
            position: u32::try_from(self.position)
                .map_err(|_| corrupt("position", self.position))?,
            group: crate::rows::group(T, &self.grp)?,
            kind: crate::rows::decoded(T, "kind", &self.kind, ExamKind::parse)?,
            task_id: self.task_id,
            version: u32::try_from(self.task_version)
                .map_err(|_| corrupt("version", self.task_version))?,
            score: u8::try_from(self.score).map_err(|_| corrupt("score", self.score))?,
            credit: u8::try_from(self.credit).map_err(|_| corrupt("credit", self.credit))?,
            steps: u32::try_from(self.steps).unwrap_or(u32::MAX),
            at: Timestamp(self.at),
        })
    }
}

macro_rules! select_task_result {
    ($rest:literal) => {
        concat!(
            "SELECT attempt_id, position, grp, kind, task_id, task_version, score, credit, steps, at \
             FROM task_result ",
            $rest
        )
    };
}

async fn exam_row(
    conn: &mut <Db as sqlx::Database>::Connection,
    id: i64,
) -> Result<Option<ExamAttempt>> {
    let row: Option<ExamRow> = sqlx::query_as(select_exam!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(ExamRow::into_attempt).transpose()
}

#[async_trait]
impl AssessmentStore for Backend {
    async fn exam_items(&self, group: Group) -> Result<Vec<ExamItem>> {
        let rows: Vec<(String, String, i64, bool)> = sqlx::query_as(
            "SELECT id, body, revision, exam_only FROM ( \
               SELECT i.id, i.body, i.revision, TRUE AS exam_only, c.position AS cpos, -1 AS mpos, e.position AS ipos \
               FROM course c JOIN course_exam e ON e.course_id = c.id JOIN item i ON i.id = e.item_id \
               WHERE c.grp = $1 AND c.retired_at IS NULL AND i.retired_at IS NULL \
               UNION ALL \
               SELECT i.id, i.body, i.revision, FALSE AS exam_only, c.position AS cpos, m.position AS mpos, q.position AS ipos \
               FROM course c JOIN course_module m ON m.course_id = c.id \
               JOIN module_quiz q ON q.module_id = m.id JOIN item i ON i.id = q.item_id \
               WHERE c.grp = $1 AND c.retired_at IS NULL AND m.retired_at IS NULL AND i.retired_at IS NULL \
             ) bank ORDER BY cpos, mpos, ipos",
        )
        .bind(group.as_str())
        .fetch_all(&self.read)
        .await?;
        let mut seen = std::collections::HashSet::new();
        let mut items = Vec::with_capacity(rows.len());
        for (id, body, revision, exam_only) in rows {
            if !seen.insert(id) {
                continue;
            }
            let item: binhdan_content::Item = serde_json::from_str(&body)
                .map_err(|e| StoreError::corrupt("item", format_args!("body: {e}")))?;
            items.push(ExamItem {
                item,
                revision: crate::rows::number("item", "revision", revision)?,
                exam_only,
            });
        }
        Ok(items)
    }

    async fn start_exam(
        &self,
        new: &NewExamAttempt<'_>,
        limits: &ExamLimits,
        now: Timestamp,
    ) -> Result<ExamStart> {
        let mut tx = self.write.begin().await?;
        let open: Option<ExamRow> = sqlx::query_as(select_exam!(
            "WHERE person_id = $1 AND grp = $2 AND kind = $3 AND finished_at IS NULL"
        ))
        .bind(new.person_id)
        .bind(new.group.as_str())
        .bind(new.kind.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(open) = open {
            tx.rollback().await?;
            return Ok(ExamStart::Open(open.into_attempt()?));
        }
        // The exam waits for an open placement test: the gain needs its starting point first.
        if new.kind == ExamKind::Certification {
            let placing: Option<ExamRow> = sqlx::query_as(select_exam!(
                "WHERE person_id = $1 AND grp = $2 AND kind = 'placement' AND finished_at IS NULL"
            ))
            .bind(new.person_id)
            .bind(new.group.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(open) = placing {
                tx.rollback().await?;
                return Ok(ExamStart::Open(open.into_attempt()?));
            }
        }
        let passed: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM exam_pass WHERE person_id = $1 AND grp = $2 AND voided_at IS NULL",
        )
        .bind(new.person_id)
        .bind(new.group.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let sittings: Vec<(String, i64, Option<i64>, Option<bool>)> = sqlx::query_as(
            "SELECT kind, started_at, finished_at, passed FROM exam_attempt \
             WHERE person_id = $1 AND grp = $2 ORDER BY started_at",
        )
        .bind(new.person_id)
        .bind(new.group.as_str())
        .fetch_all(&mut *tx)
        .await?;
        let refusal = match new.kind {
            ExamKind::Placement => (!sittings.is_empty()).then_some(ExamStart::PlacementClosed),
            ExamKind::Certification if passed.is_some() => Some(ExamStart::AlreadyPassed),
            ExamKind::Certification => {
                let exams: Vec<_> = sittings
                    .iter()
                    .filter(|s| s.0 == ExamKind::Certification.as_str())
                    .collect();
                let recent: Vec<i64> = exams
                    .iter()
                    .map(|s| s.1)
                    .filter(|&t| t > now.millis() - limits.window_ms)
                    .collect();
                let last_fail = exams
                    .iter()
                    .filter(|s| s.3 == Some(false))
                    .filter_map(|s| s.2)
                    .max();
                if recent.len() >= usize::try_from(limits.max_attempts).unwrap_or(usize::MAX) {
                    let oldest = recent.iter().copied().min().unwrap_or(now.millis());
                    Some(ExamStart::NoAttemptsLeft {
                        until: Timestamp(oldest + limits.window_ms),
                    })
                } else {
                    last_fail
                        .filter(|&t| t + limits.cooldown_ms > now.millis())
                        .map(|t| ExamStart::CoolingDown {
                            until: Timestamp(t + limits.cooldown_ms),
                        })
                }
            }
        };
        if let Some(refusal) = refusal {
            tx.rollback().await?;
            return Ok(refusal);
        }
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO exam_attempt (person_id, grp, kind, calibration, state, started_at, deadline_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (person_id, grp, kind) WHERE finished_at IS NULL DO NOTHING RETURNING id",
        )
        .bind(new.person_id)
        .bind(new.group.as_str())
        .bind(new.kind.as_str())
        .bind(new.calibration)
        .bind(new.state)
        .bind(now.millis())
        .bind(new.deadline_at.millis())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            // Another request opened one in between: go on with that one.
            let open: Option<ExamRow> = sqlx::query_as(select_exam!(
                "WHERE person_id = $1 AND grp = $2 AND kind = $3 AND finished_at IS NULL"
            ))
            .bind(new.person_id)
            .bind(new.group.as_str())
            .bind(new.kind.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            tx.rollback().await?;
            let open = open.ok_or_else(|| StoreError::Database(sqlx::Error::RowNotFound))?;
            return Ok(ExamStart::Open(open.into_attempt()?));
        };
        let attempt = exam_row(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Database(sqlx::Error::RowNotFound))?;
        tx.commit().await?;
        Ok(ExamStart::Started(attempt))
    }

    async fn exam_attempt(&self, id: i64) -> Result<Option<ExamAttempt>> {
        let mut conn = self.read.acquire().await?;
        exam_row(&mut conn, id).await
    }

    async fn exam_history(&self, person: i64, group: Group) -> Result<Vec<ExamAttempt>> {
        let rows: Vec<ExamRow> = sqlx::query_as(select_exam!(
            "WHERE person_id = $1 AND grp = $2 ORDER BY started_at DESC, id DESC"
        ))
        .bind(person)
        .bind(group.as_str())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(ExamRow::into_attempt).collect()
    }

    async fn record_exam_answer(
        &self,
        attempt_id: i64,
        person: i64,
        answer: &ExamAnswer<'_>,
        now: Timestamp,
    ) -> Result<ExamAnswerOutcome> {
        let mut tx = self.write.begin().await?;
        let moved = sqlx::query(
            "UPDATE exam_attempt SET answered = answered + 1, state = $1 \
             WHERE id = $2 AND person_id = $3 AND answered = $4 AND finished_at IS NULL AND deadline_at >= $5",
        )
        .bind(answer.state)
        .bind(attempt_id)
        .bind(person)
        .bind(i64::from(answer.position))
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            let row: Option<(Option<i64>, i64)> = sqlx::query_as(
                "SELECT finished_at, deadline_at FROM exam_attempt WHERE id = $1 AND person_id = $2",
            )
            .bind(attempt_id)
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?;
            tx.rollback().await?;
            return Ok(match row {
                None => ExamAnswerOutcome::NotFound,
                Some((None, deadline)) if deadline < now.millis() => ExamAnswerOutcome::TimeUp,
                Some(_) => ExamAnswerOutcome::Stale,
            });
        }
        sqlx::query(
            "INSERT INTO exam_response (attempt_id, position, item_id, item_revision, reply, correct, answered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(attempt_id)
        .bind(i64::from(answer.position))
        .bind(answer.item_id)
        .bind(i64::from(answer.revision))
        .bind(answer.reply)
        .bind(answer.correct)
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ExamAnswerOutcome::Recorded)
    }

    async fn record_task_step(
        &self,
        attempt_id: i64,
        person: i64,
        step: &TaskStep<'_>,
        now: Timestamp,
    ) -> Result<ExamAnswerOutcome> {
        let mut tx = self.write.begin().await?;
        let sql = if step.ended.is_some() {
            "UPDATE exam_attempt SET answered = answered + 1, task_step = 0, state = $1 \
             WHERE id = $2 AND person_id = $3 AND answered = $4 AND task_step = $5 \
             AND finished_at IS NULL AND deadline_at >= $6 RETURNING grp, kind"
        } else {
            "UPDATE exam_attempt SET task_step = task_step + 1, state = $1 \
             WHERE id = $2 AND person_id = $3 AND answered = $4 AND task_step = $5 \
             AND finished_at IS NULL AND deadline_at >= $6 RETURNING grp, kind"
        };
        let moved: Option<(String, String)> = sqlx::query_as(sql)
            .bind(step.state)
            .bind(attempt_id)
            .bind(person)
            .bind(i64::from(step.position))
            .bind(i64::from(step.step))
            .bind(now.millis())
            .fetch_optional(&mut *tx)
            .await?;
        let Some((grp, kind)) = moved else {
            let row: Option<(Option<i64>, i64)> = sqlx::query_as(
                "SELECT finished_at, deadline_at FROM exam_attempt WHERE id = $1 AND person_id = $2",
            )
            .bind(attempt_id)
            .bind(person)
            .fetch_optional(&mut *tx)
            .await?;
            tx.rollback().await?;
            return Ok(match row {
                None => ExamAnswerOutcome::NotFound,
                Some((None, deadline)) if deadline < now.millis() => ExamAnswerOutcome::TimeUp,
                Some(_) => ExamAnswerOutcome::Stale,
            });
        };
        if let Some(end) = &step.ended {
            // What the person could do before, to move the task counters by the difference.
            let before = person_tasks(&mut tx, person, None).await?;
            sqlx::query(
                "INSERT INTO task_result (attempt_id, position, person_id, grp, kind, task_id, task_version, \
                 score, credit, steps, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(attempt_id)
            .bind(i64::from(step.position))
            .bind(person)
            .bind(grp)
            .bind(kind)
            .bind(end.task_id)
            .bind(i64::from(end.version))
            .bind(i64::from(end.score))
            .bind(i64::from(end.credit))
            .bind(i64::from(end.steps))
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
            move_person_tasks(&mut tx, person, &before).await?;
        }
        tx.commit().await?;
        Ok(ExamAnswerOutcome::Recorded)
    }

    async fn task_results(&self, person: i64) -> Result<Vec<TaskResult>> {
        let rows: Vec<TaskResultRow> = sqlx::query_as(select_task_result!(
            "WHERE person_id = $1 ORDER BY at, attempt_id, position"
        ))
        .bind(person)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(TaskResultRow::into_result).collect()
    }

    async fn sitting_task_results(&self, attempt_id: i64) -> Result<Vec<TaskResult>> {
        let rows: Vec<TaskResultRow> = sqlx::query_as(select_task_result!(
            "WHERE attempt_id = $1 ORDER BY position"
        ))
        .bind(attempt_id)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(TaskResultRow::into_result).collect()
    }

    async fn finish_exam(
        &self,
        attempt_id: i64,
        person: i64,
        result: &ExamResult,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<ExamAttempt>> {
        let mut tx = self.write.begin().await?;
        let ended: Option<(String, String, i64)> = sqlx::query_as(
            "UPDATE exam_attempt SET finished_at = $1, theta = $2, se = $3, passed = $4, timed_out = $5 \
             WHERE id = $6 AND person_id = $7 AND finished_at IS NULL RETURNING grp, kind, answered",
        )
        .bind(now.millis())
        .bind(result.theta)
        .bind(result.se)
        .bind(result.passed)
        .bind(result.timed_out)
        .bind(attempt_id)
        .bind(person)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((grp, kind, answered)) = ended else {
            let before = exam_row(&mut tx, attempt_id)
                .await?
                .filter(|a| a.person_id == person);
            tx.rollback().await?;
            return Ok(before);
        };
        let group = Group::parse(&grp);
        let facts = learner_facts(&mut tx, person, cutoff).await?;
        if let (Some(group), Some(facts)) = (group, facts) {
            let mut deltas = LearningDeltas::default();
            let before: Option<(Option<f64>, Option<f64>)> = sqlx::query_as(
                "SELECT placement_theta, best_theta FROM ability WHERE person_id = $1 AND grp = $2",
            )
            .bind(person)
            .bind(group.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let (placement, best) = before.unwrap_or((None, None));
            if kind == ExamKind::Placement.as_str() {
                // A placement with no answer measured nothing: it is not recorded.
                if placement.is_none() && answered > 0 {
                    deltas.add_n(&facts, group, "placed", 1);
                    if let Some(b) = best {
                        deltas.add_n(&facts, group, "assessed", 1);
                        deltas.add_n(&facts, group, "gain_milli", milli(b - result.theta));
                    }
                    sqlx::query(
                        "INSERT INTO ability (person_id, grp, placement_theta) VALUES ($1, $2, $3) \
                         ON CONFLICT (person_id, grp) DO UPDATE SET placement_theta = excluded.placement_theta \
                         WHERE ability.placement_theta IS NULL",
                    )
                    .bind(person)
                    .bind(group.as_str())
                    .bind(result.theta)
                    .execute(&mut *tx)
                    .await?;
                }
            } else if !result.timed_out && best.is_none_or(|b| result.theta > b) {
                if let Some(p) = placement {
                    match best {
                        None => {
                            deltas.add_n(&facts, group, "assessed", 1);
                            deltas.add_n(&facts, group, "gain_milli", milli(result.theta - p));
                        }
                        Some(b) => deltas.add_n(
                            &facts,
                            group,
                            "gain_milli",
                            milli(result.theta - p) - milli(b - p),
                        ),
                    }
                }
                sqlx::query(
                    "INSERT INTO ability (person_id, grp, best_theta) VALUES ($1, $2, $3) \
                     ON CONFLICT (person_id, grp) DO UPDATE SET best_theta = excluded.best_theta \
                     WHERE ability.best_theta IS NULL OR ability.best_theta < excluded.best_theta",
                )
                .bind(person)
                .bind(group.as_str())
                .bind(result.theta)
                .execute(&mut *tx)
                .await?;
            }
            if kind == ExamKind::Certification.as_str() && result.passed && !result.timed_out {
                let pass = sqlx::query(
                    "INSERT INTO exam_pass (person_id, grp, attempt_id, theta, passed_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (person_id, grp) WHERE voided_at IS NULL DO NOTHING",
                )
                .bind(person)
                .bind(group.as_str())
                .bind(attempt_id)
                .bind(result.theta)
                .bind(now.millis())
                .execute(&mut *tx)
                .await?;
                if pass.rows_affected() == 1 {
                    deltas.add_n(&facts, group, "proficient", 1);
                }
            }
            deltas.apply(&mut tx, now).await?;
        }
        let after = exam_row(&mut tx, attempt_id).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn exam_pass(&self, person: i64, group: Group) -> Result<Option<ExamPass>> {
        let row: Option<(i64, i64, f64, i64)> = sqlx::query_as(
            "SELECT id, attempt_id, theta, passed_at FROM exam_pass WHERE person_id = $1 AND grp = $2 \
             AND voided_at IS NULL",
        )
        .bind(person)
        .bind(group.as_str())
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|(id, attempt_id, theta, at)| ExamPass {
            id,
            person_id: person,
            group,
            attempt_id,
            theta,
            passed_at: Timestamp(at),
        }))
    }

    async fn exam_pass_by_id(&self, id: i64) -> Result<Option<ExamPass>> {
        let row: Option<(i64, String, i64, f64, i64)> = sqlx::query_as(
            "SELECT person_id, grp, attempt_id, theta, passed_at FROM exam_pass WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|(person_id, grp, attempt_id, theta, at)| {
            Ok(ExamPass {
                id,
                person_id,
                group: crate::rows::group("exam_pass", &grp)?,
                attempt_id,
                theta,
                passed_at: Timestamp(at),
            })
        })
        .transpose()
    }

    async fn ability(&self, person: i64, group: Group) -> Result<AbilityRecord> {
        let row: Option<(Option<f64>, Option<f64>)> = sqlx::query_as(
            "SELECT placement_theta, best_theta FROM ability WHERE person_id = $1 AND grp = $2",
        )
        .bind(person)
        .bind(group.as_str())
        .fetch_optional(&self.read)
        .await?;
        Ok(row
            .map(|(placement, best)| AbilityRecord { placement, best })
            .unwrap_or_default())
    }
}

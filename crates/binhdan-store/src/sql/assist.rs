//! Shared devices and supervised sittings, written once for both backends (see
//! `api/assist.rs`). A supervised sitting moves `team` × `certified_assisted` when it closes as
//! passed and back when the commune voids it, in the same transaction; `assisted_counts`
//! gives the rebuild the same figure from the facts.

use std::collections::BTreeMap;

use super::assessment::milli;
use super::audit::append_audit_in;
use super::counters::apply_unit_deltas;
use super::learning::{
    LearningDeltas, answer_missed, answer_row, finish_attempt_in, insert_answers, learner_facts,
};
use super::task_counters::{move_person_tasks, person_tasks};
use super::{Backend, Db};
use crate::prelude::*;
use crate::{
    AssistStore, AssistedAnswer, AssistedSitting, AssistedStart, CERTIFIED_ASSISTED, ClassSession,
    NewAssistedSitting, Review, TEAM_GROUP,
};

/// A supervised sitting as read, with the names of the person and the member.
#[derive(sqlx::FromRow)]
struct SittingRow {
    attempt_id: i64,
    person_id: i64,
    person_name: String,
    member_id: i64,
    member_name: String,
    village_code: String,
    commune_code: String,
    device: String,
    via: String,
    attested_at: i64,
    open: bool,
    finished_at: Option<i64>,
    passed: Option<bool>,
    seconds: Option<i64>,
    flags: String,
    review: Option<String>,
    review_reason: Option<String>,
}

impl From<SittingRow> for AssistedSitting {
    fn from(r: SittingRow) -> Self {
        Self {
            attempt_id: r.attempt_id,
            person_id: r.person_id,
            person_name: r.person_name,
            member_id: r.member_id,
            member_name: r.member_name,
            village_code: r.village_code,
            commune_code: r.commune_code,
            device: r.device,
            via: r.via,
            attested_at: Timestamp(r.attested_at),
            open: r.open,
            finished_at: r.finished_at.map(Timestamp),
            passed: r.passed,
            seconds: r.seconds,
            flags: r.flags.split_whitespace().map(str::to_owned).collect(),
            review: r.review,
            review_reason: r.review_reason,
        }
    }
}

/// The select of a sitting with names; `{where}` completes it.
const SELECT_SITTING: &str = "SELECT s.attempt_id, s.person_id, p.name AS person_name, s.member_id, \
     a.display_name AS member_name, s.village_code, s.commune_code, s.device, s.via, s.attested_at, \
     s.open, s.finished_at, s.passed, s.seconds, s.flags, s.review, s.review_reason \
     FROM assisted_sitting s JOIN person p ON p.id = s.person_id \
     JOIN staff_account a ON a.id = s.member_id ";

async fn sitting_in(
    conn: &mut <Db as sqlx::Database>::Connection,
    attempt_id: i64,
) -> Result<Option<AssistedSitting>> {
    let row: Option<SittingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT_SITTING} WHERE s.attempt_id = $1"
    )))
    .bind(attempt_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Into::into))
}

/// Moves `certified_assisted` of the village (and so its commune) by `n`.
async fn move_assisted(
    tx: &mut sqlx::Transaction<'_, Db>,
    village: &str,
    n: i64,
    now: Timestamp,
) -> Result<()> {
    let mut deltas: BTreeMap<(String, &'static str, &'static str), i64> = BTreeMap::new();
    deltas.insert((village.to_owned(), TEAM_GROUP, CERTIFIED_ASSISTED), n);
    apply_unit_deltas(tx, &deltas, now).await
}

/// Why a supervised sitting did not go in: this `op` resent (the same sitting) or another's,
/// the member's other open sitting, or the person's.
async fn not_started(
    tx: &mut sqlx::Transaction<'_, Db>,
    sitting: &NewAssistedSitting,
) -> Result<Result<AssistedStart>> {
    let first: Option<(i64, i64)> =
        sqlx::query_as("SELECT attempt_id, member_id FROM assisted_sitting WHERE op = $1")
            .bind(&sitting.op)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some((attempt, member)) = first {
        return Ok(match sitting_in(tx, attempt).await? {
            Some(s) if attempt == sitting.attempt_id && member == sitting.member_id => {
                Ok(AssistedStart::Recorded(s))
            }
            _ => Err(StoreError::Conflict("op")),
        });
    }
    let member_open: Option<i64> =
        sqlx::query_scalar("SELECT attempt_id FROM assisted_sitting WHERE member_id = $1 AND open")
            .bind(sitting.member_id)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(open) = member_open
        && let Some(s) = sitting_in(tx, open).await?
    {
        return Ok(Ok(if open == sitting.attempt_id {
            AssistedStart::Recorded(s)
        } else {
            AssistedStart::Busy(s)
        }));
    }
    let person_open: Option<i64> = sqlx::query_scalar(
        "SELECT attempt_id FROM assisted_sitting WHERE (person_id = $1 AND open) OR attempt_id = $2 \
         ORDER BY attempt_id LIMIT 1",
    )
    .bind(sitting.person_id)
    .bind(sitting.attempt_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(open) = person_open
        && let Some(s) = sitting_in(tx, open).await?
    {
        return Ok(Ok(AssistedStart::PersonBusy(s)));
    }
    Ok(Err(StoreError::Conflict("assisted_sitting")))
}

/// Takes back the exam attempt opened for a supervised sitting that did not go in: only one
/// opened at this very instant, with no answer, that no sitting records (another member's
/// sitting of the same attempt keeps it).
async fn release_attempt(
    tx: &mut sqlx::Transaction<'_, Db>,
    attempt_id: i64,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM exam_attempt WHERE id = $1 AND started_at = $2 AND answered = 0 \
         AND finished_at IS NULL AND kind = 'certification' \
         AND NOT EXISTS (SELECT 1 FROM assisted_sitting s WHERE s.attempt_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM exam_response r WHERE r.attempt_id = $1)",
    )
    .bind(attempt_id)
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a voided sitting leaves undone, in the voiding transaction: its pass, if it passed, is
/// marked voided (`proficient` back; the person may pass again), and the person's best measure
/// is recomputed from their sittings not voided (`assessed` and `gain_milli` moved by the
/// difference), as `finish_exam` would have left it without this sitting.
async fn undo_sitting(
    tx: &mut sqlx::Transaction<'_, Db>,
    attempt_id: i64,
    person: i64,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<()> {
    let Some(group) = sqlx::query_scalar::<_, String>("SELECT grp FROM exam_attempt WHERE id = $1")
        .bind(attempt_id)
        .fetch_optional(&mut **tx)
        .await?
        .and_then(|g| Group::parse(&g))
    else {
        return Ok(());
    };
    let Some(facts) = learner_facts(tx, person, cutoff).await? else {
        return Ok(());
    };
    let mut deltas = LearningDeltas::default();
    let voided = sqlx::query(
        "UPDATE exam_pass SET voided_at = $1 WHERE attempt_id = $2 AND voided_at IS NULL",
    )
    .bind(now.millis())
    .bind(attempt_id)
    .execute(&mut **tx)
    .await?;
    if voided.rows_affected() == 1 {
        deltas.add_n(&facts, group, "proficient", -1);
    }
    let before: Option<(Option<f64>, Option<f64>)> = sqlx::query_as(
        "SELECT placement_theta, best_theta FROM ability WHERE person_id = $1 AND grp = $2",
    )
    .bind(person)
    .bind(group.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let (placement, best) = before.unwrap_or((None, None));
    let best_now: Option<f64> = sqlx::query_scalar(
        "SELECT MAX(a.theta) FROM exam_attempt a WHERE a.person_id = $1 AND a.grp = $2 \
         AND a.kind = 'certification' AND a.finished_at IS NOT NULL AND a.timed_out = FALSE \
         AND a.theta IS NOT NULL AND NOT EXISTS (SELECT 1 FROM assisted_sitting s \
         WHERE s.attempt_id = a.id AND s.review = 'voided')",
    )
    .bind(person)
    .bind(group.as_str())
    .fetch_one(&mut **tx)
    .await?;
    if best.map(f64::to_bits) != best_now.map(f64::to_bits) {
        if let Some(p) = placement {
            let gain = |b: Option<f64>| b.map_or(0, |b| milli(b - p));
            let assessed = i64::from(best_now.is_some()) - i64::from(best.is_some());
            deltas.add_n(&facts, group, "assessed", assessed);
            deltas.add_n(&facts, group, "gain_milli", gain(best_now) - gain(best));
        }
        sqlx::query("UPDATE ability SET best_theta = $1 WHERE person_id = $2 AND grp = $3")
            .bind(best_now)
            .bind(person)
            .bind(group.as_str())
            .execute(&mut **tx)
            .await?;
    }
    deltas.apply(tx, now).await
}

#[async_trait]
impl AssistStore for Backend {
    async fn record_assisted_answer(
        &self,
        answer: &crate::NewAnswer,
        assisted: &AssistedAnswer,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<AnswerOutcome> {
        let (attempt_id, person) = (assisted.attempt_id, assisted.person_id);
        // The answer as `record_answer` writes it (not through SQLite's batching writer: the
        // mark must share its transaction), then the mark, then the finish.
        let row = answer_row(attempt_id, person, answer, now)?;
        let mut tx = self.write.begin().await?;
        if insert_answers(&mut *tx, &[&row]).await?.is_empty() {
            let missed = answer_missed(&mut *tx, attempt_id, &answer.item_id, person).await?;
            tx.rollback().await?;
            return Ok(missed);
        }
        let marked = sqlx::query(
            "INSERT INTO assisted_answer (attempt_id, position, person_id, member_id, class_id, op, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(attempt_id)
        .bind(i64::from(answer.position))
        .bind(person)
        .bind(assisted.member_id)
        .bind(assisted.class_id)
        .bind(&assisted.op)
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() == 0 {
            // The answer is new, so the `op` is another answer's: nothing is written.
            tx.rollback().await?;
            return Err(StoreError::Conflict("op"));
        }
        let finished = if answer.last {
            finish_attempt_in(&mut tx, attempt_id, person, cutoff, now).await?
        } else {
            None
        };
        tx.commit().await?;
        Ok(AnswerOutcome::Recorded {
            answered: answer.position.saturating_add(1),
            finished,
        })
    }

    async fn assisted_answers(&self, person_id: i64) -> Result<Vec<(i64, u32, i64)>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT attempt_id, position, member_id FROM assisted_answer WHERE person_id = $1 \
             ORDER BY attempt_id, position",
        )
        .bind(person_id)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(a, p, m)| Ok((a, crate::rows::number("assisted_answer", "position", p)?, m)))
            .collect()
    }

    async fn create_class_join(
        &self,
        class_id: i64,
        token_hash: &str,
        created_by: i64,
        expires_at: Timestamp,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO class_join (token_hash, class_id, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(class_id)
        .bind(created_by)
        .bind(now.millis())
        .bind(expires_at.millis())
        .execute(&mut *tx)
        .await?;
        append_audit_in(
            &mut tx,
            &audit.subject(format!("class:{class_id}:join")),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn class_join(&self, token_hash: &str) -> Result<Option<(i64, Timestamp)>> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT class_id, expires_at FROM class_join WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.read)
                .await?;
        Ok(row.map(|(c, e)| (c, Timestamp(e))))
    }

    async fn open_class_session(
        &self,
        token_hash: &str,
        session: &ClassSession,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO class_session (token_hash, class_id, person_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(session.class_id)
        .bind(session.person_id)
        .bind(now.millis())
        .bind(session.expires_at.millis())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn class_session(&self, token_hash: &str) -> Result<Option<ClassSession>> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT class_id, person_id, expires_at FROM class_session WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|(class_id, person_id, e)| ClassSession {
            class_id,
            person_id,
            expires_at: Timestamp(e),
        }))
    }

    async fn start_assisted_sitting(
        &self,
        sitting: &NewAssistedSitting,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<AssistedStart> {
        let mut tx = self.write.begin().await?;
        // The unique indexes decide (the op; one open sitting per member, per person; one per
        // attempt), whatever starts at the same moment; then the reason it did not go in.
        let inserted = sqlx::query(
            "INSERT INTO assisted_sitting (attempt_id, op, person_id, member_id, village_code, \
             commune_code, device, via, attested_at, day) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        )
        .bind(sitting.attempt_id)
        .bind(&sitting.op)
        .bind(sitting.person_id)
        .bind(sitting.member_id)
        .bind(sitting.village.as_str())
        .bind(sitting.commune.as_str())
        .bind(&sitting.device)
        .bind(sitting.via.as_str())
        .bind(now.millis())
        .bind(sitting.day)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            let outcome = not_started(&mut tx, sitting).await?;
            if !matches!(outcome, Ok(AssistedStart::Recorded(_))) {
                release_attempt(&mut tx, sitting.attempt_id, now).await?;
            }
            tx.commit().await?;
            return outcome;
        }
        append_audit_in(
            &mut tx,
            &audit
                .person(sitting.person_id)
                .subject(format!("exam:{}:assisted", sitting.attempt_id)),
            now,
        )
        .await?;
        let recorded = sitting_in(&mut tx, sitting.attempt_id)
            .await?
            .ok_or(StoreError::NotFound(Entity::AssistedSitting))?;
        tx.commit().await?;
        Ok(AssistedStart::Recorded(recorded))
    }

    async fn assisted_sitting(&self, attempt_id: i64) -> Result<Option<AssistedSitting>> {
        let mut conn = self.read.acquire().await?;
        sitting_in(&mut conn, attempt_id).await
    }

    async fn assisted_sitting_by_op(&self, op: &str) -> Result<Option<AssistedSitting>> {
        let row: Option<SittingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT_SITTING} WHERE s.op = $1"
        )))
        .bind(op)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn open_assisted_sitting(&self, member_id: i64) -> Result<Option<AssistedSitting>> {
        let row: Option<SittingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT_SITTING} WHERE s.member_id = $1 AND s.open"
        )))
        .bind(member_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn assisted_on_device(&self, device: &str, day: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM assisted_sitting WHERE device = $1 AND day = $2",
        )
        .bind(device)
        .bind(day)
        .fetch_one(&self.read)
        .await?)
    }

    async fn assisted_by_member(
        &self,
        commune: &UnitCode,
        since: Timestamp,
    ) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT member_id, COUNT(*) FROM assisted_sitting WHERE commune_code = $1 \
             AND attested_at >= $2 GROUP BY member_id ORDER BY member_id",
        )
        .bind(commune.as_str())
        .bind(since.millis())
        .fetch_all(&self.read)
        .await?)
    }

    async fn close_assisted_sitting(
        &self,
        attempt_id: i64,
        passed: bool,
        seconds: i64,
        flags: &[&str],
        now: Timestamp,
    ) -> Result<Option<AssistedSitting>> {
        let mut tx = self.write.begin().await?;
        let village: Option<String> = sqlx::query_scalar(
            "UPDATE assisted_sitting SET open = FALSE, finished_at = $1, passed = $2, seconds = $3, \
             flags = $4 WHERE attempt_id = $5 AND open RETURNING village_code",
        )
        .bind(now.millis())
        .bind(passed)
        .bind(seconds)
        .bind(flags.join(" "))
        .bind(attempt_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(village) = village else {
            tx.rollback().await?;
            return Ok(None);
        };
        if passed {
            move_assisted(&mut tx, &village, 1, now).await?;
        }
        let closed = sitting_in(&mut tx, attempt_id).await?;
        tx.commit().await?;
        Ok(closed)
    }

    async fn flagged_sittings(
        &self,
        commune: &UnitCode,
        limit: u32,
    ) -> Result<Vec<AssistedSitting>> {
        let rows: Vec<SittingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT_SITTING} WHERE s.commune_code = $1 AND s.flags <> '' AND NOT s.open \
             ORDER BY CASE WHEN s.review IS NULL THEN 0 ELSE 1 END, s.attested_at DESC LIMIT $2"
        )))
        .bind(commune.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one decision: the sitting, what, why, who, its record, the cutoff and the time"
    )]
    async fn review_assisted_sitting(
        &self,
        attempt_id: i64,
        review: Review,
        reason: &str,
        reviewer: i64,
        audit: AuditEntry,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<AssistedSitting>> {
        let mut tx = self.write.begin().await?;
        let done: Option<(String, i64, Option<bool>)> = sqlx::query_as(
            "UPDATE assisted_sitting SET review = $1, reviewed_by = $2, reviewed_at = $3, \
             review_reason = $4 WHERE attempt_id = $5 AND review IS NULL AND NOT open \
             RETURNING village_code, person_id, passed",
        )
        .bind(review.as_str())
        .bind(reviewer)
        .bind(now.millis())
        .bind(reason)
        .bind(attempt_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((village, person, passed)) = done else {
            tx.rollback().await?;
            return Ok(None);
        };
        if review == Review::Voided {
            if passed == Some(true) {
                move_assisted(&mut tx, &village, -1, now).await?;
            }
            undo_sitting(&mut tx, attempt_id, person, cutoff, now).await?;
            // What the person could do in the sitting no longer counts.
            let before = person_tasks(&mut tx, person, Some(attempt_id)).await?;
            move_person_tasks(&mut tx, person, &before).await?;
        }
        append_audit_in(
            &mut tx,
            &audit
                .person(person)
                .subject(format!("exam:{attempt_id}:{}: {reason}", review.as_str()))
                .detail(&binhdan_core::audit::Detail::new().str("reason", reason)),
            now,
        )
        .await?;
        let after = sitting_in(&mut tx, attempt_id).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn certified_assisted(&self, units: &[UnitCode]) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::with_capacity(units.len());
        for unit in units {
            let n: Option<i64> = sqlx::query_scalar(
                "SELECT value FROM unit_counter WHERE unit_code = $1 AND grp = $2 AND metric = $3",
            )
            .bind(unit.as_str())
            .bind(TEAM_GROUP)
            .bind(CERTIFIED_ASSISTED)
            .fetch_optional(&self.read)
            .await?;
            out.push((unit.as_str().to_owned(), n.unwrap_or(0)));
        }
        Ok(out)
    }
}

/// `certified_assisted` per village from the facts: what `rebuild_counters` compares.
pub(super) async fn assisted_counts(
    conn: &mut <Db as sqlx::Database>::Connection,
) -> Result<Vec<(String, &'static str, i64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT village_code, COUNT(*) FROM assisted_sitting WHERE passed = TRUE \
         AND (review IS NULL OR review <> 'voided') GROUP BY village_code",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(v, n)| (v, CERTIFIED_ASSISTED, n))
        .collect())
}

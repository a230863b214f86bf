//! Certificates, signing keys, revocation and the outbox, written once for both backends (see
//! `CertificateStore`).

use super::audit::append_audit_in;
use super::learning::{LearningDeltas, learner_facts};
use super::{Backend, DIALECT, Db};
use crate::prelude::*;

#[derive(sqlx::FromRow)]
struct CertificateRow {
    seq: i64,
    id: String,
    pass_id: i64,
    person_id: i64,
    grp: String,
    key_id: String,
    jwt: String,
    issued_at: i64,
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
}

impl CertificateRow {
    fn into_record(self) -> Result<CertificateRecord> {
        let group = crate::rows::group("certificate", &self.grp)?;
        Ok(CertificateRecord {
            seq: self.seq,
            id: self.id,
            pass_id: self.pass_id,
            person_id: self.person_id,
            group,
            key_id: self.key_id,
            jwt: self.jwt,
            issued_at: Timestamp(self.issued_at),
            revoked_at: self.revoked_at.map(Timestamp),
            revoked_reason: self.revoked_reason,
        })
    }
}

macro_rules! select_certificate {
    ($rest:literal) => {
        concat!(
            "SELECT seq, id, pass_id, person_id, grp, key_id, jwt, issued_at, revoked_at, revoked_reason FROM certificate ",
            $rest
        )
    };
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    topic: String,
    idempotency_key: String,
    payload: String,
    attempts: i64,
    state: String,
    last_error: Option<String>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(r: OutboxRow) -> Self {
        Self {
            id: r.id,
            topic: r.topic,
            idempotency_key: r.idempotency_key,
            payload: r.payload,
            attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
            state: r.state,
            last_error: r.last_error,
        }
    }
}

macro_rules! select_outbox {
    ($rest:literal) => {
        concat!(
            "SELECT id, topic, idempotency_key, payload, attempts, state, last_error FROM outbox ",
            $rest
        )
    };
}

async fn certificate_by(
    conn: &mut <Db as sqlx::Database>::Connection,
    id: &str,
) -> Result<Option<CertificateRecord>> {
    let row: Option<CertificateRow> = sqlx::query_as(select_certificate!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(CertificateRow::into_record).transpose()
}

/// Moves the `certified` counter of the holder's units and organisations by `delta`.
async fn move_certified(
    tx: &mut sqlx::Transaction<'_, Db>,
    person: i64,
    group: Group,
    delta: i64,
    cutoff: AdultCutoff,
    now: Timestamp,
) -> Result<()> {
    if let Some(facts) = learner_facts(tx, person, cutoff).await? {
        let mut deltas = LearningDeltas::default();
        deltas.add_n(&facts, group, "certified", delta);
        deltas.apply(tx, now).await?;
    }
    Ok(())
}

async fn enqueue(
    tx: &mut sqlx::Transaction<'_, Db>,
    topic: &str,
    key: &str,
    payload: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (topic, idempotency_key, payload, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(topic)
    .bind(key)
    .bind(payload)
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl CertificateStore for Backend {
    async fn issuer_keys(&self) -> Result<Vec<StoredIssuerKey>> {
        let rows: Vec<(String, Vec<u8>, Vec<u8>, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, public_key, seed_sealed, created_at, retired_at FROM issuer_key ORDER BY created_at DESC, id DESC",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, public_key, seed_sealed, created, retired)| StoredIssuerKey {
                    id,
                    public_key,
                    seed_sealed,
                    created_at: Timestamp(created),
                    retired_at: retired.map(Timestamp),
                },
            )
            .collect())
    }

    async fn add_issuer_key(
        &self,
        key: &StoredIssuerKey,
        retire_others: bool,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        if retire_others {
            sqlx::query("UPDATE issuer_key SET retired_at = $1 WHERE retired_at IS NULL")
                .bind(now.millis())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO issuer_key (id, public_key, seed_sealed, created_at, retired_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(key.id.clone())
            .bind(key.public_key.clone())
            .bind(key.seed_sealed.clone())
            .bind(key.created_at.millis())
            .bind(key.retired_at.map(Timestamp::millis))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn passes_without_certificate(
        &self,
        person: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ExamPass>> {
        let rows: Vec<(i64, i64, String, i64, f64, i64)> = sqlx::query_as(
            "SELECT p.id, p.person_id, p.grp, p.attempt_id, p.theta, p.passed_at FROM exam_pass p \
             WHERE NOT EXISTS (SELECT 1 FROM certificate c WHERE c.pass_id = p.id) \
             AND NOT EXISTS (SELECT 1 FROM assisted_sitting s WHERE s.attempt_id = p.attempt_id \
             AND s.review = 'voided') \
             AND ($1 IS NULL OR p.person_id = $1) ORDER BY p.id LIMIT $2",
        )
        .bind(person)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(id, person_id, grp, attempt_id, theta, at)| {
                Ok(ExamPass {
                    id,
                    person_id,
                    group: crate::rows::group("exam_pass", &grp)?,
                    attempt_id,
                    theta,
                    passed_at: Timestamp(at),
                })
            })
            .collect()
    }

    async fn issue_certificate(
        &self,
        pass: &ExamPass,
        sign: &(
             dyn Fn(CertificateSlot) -> std::result::Result<SignedCertificate, String> + Send + Sync
         ),
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<CertificateRecord> {
        let mut tx = self.write.begin().await?;
        // Concurrent issues of one pass wait for each other here (SQLite has one writer).
        if DIALECT == Dialect::Postgres {
            sqlx::query("SELECT id FROM exam_pass WHERE id = $1 FOR UPDATE")
                .bind(pass.id)
                .execute(&mut *tx)
                .await?;
        }
        let existing: Option<CertificateRow> =
            sqlx::query_as(select_certificate!("WHERE pass_id = $1"))
                .bind(pass.id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(row) = existing {
            tx.rollback().await?;
            return row.into_record();
        }
        // The row first, for its sequence number; the token once it is signed.
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO certificate (id, pass_id, person_id, grp, key_id, jwt, issued_at) \
             SELECT $1, $2, $3, $4, id, '', $5 FROM issuer_key WHERE retired_at IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT 1 RETURNING seq",
        )
        .bind(format!("pending:{}", pass.id))
        .bind(pass.id)
        .bind(pass.person_id)
        .bind(pass.group.as_str())
        .bind(now.millis())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NoIssuerKey)?;
        let signed = sign(CertificateSlot { seq }).map_err(StoreError::Signing)?;
        sqlx::query("UPDATE certificate SET id = $1, key_id = $2, jwt = $3 WHERE seq = $4")
            .bind(signed.id.clone())
            .bind(signed.key_id.clone())
            .bind(signed.jwt.clone())
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        enqueue(
            &mut tx,
            "certificate.issued",
            &format!("issued:{}", signed.id),
            &signed.delivery,
            now,
        )
        .await?;
        move_certified(&mut tx, pass.person_id, pass.group, 1, cutoff, now).await?;
        let record = certificate_by(&mut tx, &signed.id)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))?;
        tx.commit().await?;
        Ok(record)
    }

    async fn certificate(&self, id: &str) -> Result<Option<CertificateRecord>> {
        let mut conn = self.read.acquire().await?;
        certificate_by(&mut conn, id).await
    }

    async fn certificates_of(&self, person: i64) -> Result<Vec<CertificateRecord>> {
        let rows: Vec<CertificateRow> = sqlx::query_as(select_certificate!(
            "WHERE person_id = $1 ORDER BY seq DESC"
        ))
        .bind(person)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(CertificateRow::into_record).collect()
    }

    async fn revoked_indices(&self, list: i64) -> Result<Vec<u64>> {
        let size = CertificateSlot::LIST_SIZE;
        let seqs: Vec<i64> = sqlx::query_scalar(
            "SELECT seq FROM certificate WHERE revoked_at IS NOT NULL AND seq > $1 AND seq <= $2 ORDER BY seq",
        )
        .bind((list - 1) * size)
        .bind(list * size)
        .fetch_all(&self.read)
        .await?;
        Ok(seqs
            .into_iter()
            .map(|seq| CertificateSlot { seq }.status().1)
            .collect())
    }

    async fn status_lists(&self) -> Result<i64> {
        let max: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM certificate")
            .fetch_one(&self.read)
            .await?;
        Ok(max.map_or(0, |seq| CertificateSlot { seq }.status().0))
    }

    async fn revoke_certificate(
        &self,
        id: &str,
        reason: &str,
        notice: &str,
        audit: AuditEntry,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Option<CertificateRecord>> {
        let mut tx = self.write.begin().await?;
        let revoked: Option<(i64, String)> = sqlx::query_as(
            "UPDATE certificate SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL \
             RETURNING person_id, grp",
        )
        .bind(now.millis())
        .bind(reason)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((person, grp)) = revoked {
            let group = crate::rows::group("certificate", &grp)?;
            move_certified(&mut tx, person, group, -1, cutoff, now).await?;
            enqueue(
                &mut tx,
                "certificate.revoked",
                &format!("revoked:{id}"),
                notice,
                now,
            )
            .await?;
            append_audit_in(&mut tx, &audit, now).await?;
        }
        let record = certificate_by(&mut tx, id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn outbox_claim(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<OutboxMessage>> {
        let mut tx = self.write.begin().await?;
        let rows: Vec<OutboxRow> = sqlx::query_as(select_outbox!(
            "WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
        ))
        .bind(now.millis())
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            // Only if no other worker claimed it in between.
            let taken = sqlx::query(
                "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND state = 'pending' AND next_attempt_at <= $3",
            )
            .bind(lease_until.millis())
            .bind(row.id)
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
            if taken.rows_affected() == 1 {
                claimed.push(OutboxMessage::from(row));
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    async fn outbox_delivered(&self, id: i64, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE outbox SET state = 'delivered', delivered_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
            .bind(now.millis())
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Timestamp,
        max_attempts: u32,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, \
             state = CASE WHEN attempts + 1 >= $3 THEN 'dead' ELSE 'pending' END WHERE id = $4 AND state = 'pending'",
        )
        .bind(error)
        .bind(next_attempt_at.millis())
        .bind(i64::from(max_attempts))
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn outbox_retry_dead(&self, now: Timestamp) -> Result<u64> {
        let done = sqlx::query("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1 WHERE state = 'dead'")
            .bind(now.millis())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }

    async fn outbox_messages(&self, state: Option<&str>) -> Result<Vec<OutboxMessage>> {
        let rows: Vec<OutboxRow> = sqlx::query_as(select_outbox!(
            "WHERE ($1 IS NULL OR state = $1) ORDER BY id"
        ))
        .bind(state)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(OutboxMessage::from).collect())
    }
}

//! The audit log's hash chain: an append inside the writer's transaction, written once for
//! both backends. Every audited write (people, staff, certificates, targets) appends through
//! it; `AuditStore` (`staff.rs`) reads the log, and appends through it in a transaction of
//! its own.

use super::Db;
use crate::prelude::*;

/// Appends an audit record inside the caller's transaction. `audit_head` is updated first, so
/// concurrent appenders queue on its row and the chain stays a line.
pub(super) async fn append_audit_in(
    tx: &mut sqlx::Transaction<'_, Db>,
    entry: &AuditEntry,
    now: Timestamp,
) -> Result<AuditRecord> {
    let (seq, prev_hash): (i64, String) =
        sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut **tx)
            .await?;
    let record = entry.seal(seq - 1, &prev_hash, now.millis());
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, person_id, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(record.seq)
    .bind(record.at)
    .bind(record.actor.clone())
    .bind(record.action.clone())
    .bind(record.person_id)
    .bind(record.subject.clone())
    .bind(record.detail.clone())
    .bind(record.prev_hash.clone())
    .bind(record.hash.clone())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(record.hash.clone())
        .execute(&mut **tx)
        .await?;
    Ok(record)
}

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

/// A value bound to the audit search's numbered placeholders.
enum Bound {
    Text(String),
    Int(i64),
}

/// The SQL and bindings of an audit search (see [`AuditQuery`](crate::AuditQuery)): the
/// conditions are chosen by which filters are set, every value is bound.
fn audit_search_sql(q: &crate::AuditQuery) -> (String, Vec<Bound>) {
    let mut binds: Vec<Bound> = Vec::new();
    let mut place = |b: Bound| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut conds: Vec<String> = Vec::new();
    if let Some(paths) = &q.within {
        let mut any: Vec<String> = Vec::new();
        for path in paths {
            let upper =
                binhdan_core::unit::UnitPath::from_stored(path.clone()).subtree_upper_bound();
            let (p, u) = (place(Bound::Text(path.clone())), place(Bound::Text(upper)));
            any.push(format!(
                "EXISTS (SELECT 1 FROM person p WHERE p.id = a.person_id \
                 AND p.unit_path >= {p} AND p.unit_path < {u}) \
                 OR EXISTS (SELECT 1 FROM unit u WHERE u.code IN (a.subject, SUBSTR(a.subject, 6, 2), \
                 SUBSTR(a.subject, 6, 5), SUBSTR(a.subject, 6, 8)) AND u.path >= {p} AND u.path < {u} \
                 AND (a.subject = u.code OR a.subject = 'unit:' || u.code OR a.subject LIKE 'unit:' || u.code || ':%')) \
                 OR a.subject IN (SELECT 'organisation:' || CAST(o.id AS TEXT) FROM organisation o \
                 WHERE o.unit_path >= {p} AND o.unit_path < {u}) \
                 OR a.actor IN ({staff}) OR a.subject IN ({staff})",
                staff = format!(
                    "SELECT 'staff:' || CAST(g.account_id AS TEXT) FROM staff_grant g GROUP BY g.account_id \
                     HAVING MIN(CASE WHEN g.scope_kind = 'unit' AND g.scope_path >= {p} AND g.scope_path < {u} \
                     THEN 1 ELSE 0 END) = 1"
                )
            ));
        }
        if any.is_empty() {
            conds.push("1 = 0".to_owned());
        } else {
            conds.push(format!("({})", any.join(") OR (")));
        }
    }
    if let Some(actor) = &q.actor {
        conds.push(format!("a.actor = {}", place(Bound::Text(actor.clone()))));
    }
    if let Some(account) = &q.account {
        let (by, about) = (
            place(Bound::Text(account.clone())),
            place(Bound::Text(account.clone())),
        );
        conds.push(format!("a.actor = {by} OR a.subject = {about}"));
    }
    if let Some(person) = q.person {
        conds.push(format!("a.person_id = {}", place(Bound::Int(person))));
    }
    if let Some(action) = &q.action {
        conds.push(format!("a.action = {}", place(Bound::Text(action.clone()))));
    }
    if let Some(from) = q.from {
        conds.push(format!("a.at >= {}", place(Bound::Int(from))));
    }
    if let Some(until) = q.until {
        conds.push(format!("a.at < {}", place(Bound::Int(until))));
    }
    if let Some(before) = q.before_seq {
        conds.push(format!("a.seq < {}", place(Bound::Int(before))));
    }
    let limit = place(Bound::Int(i64::from(q.limit)));
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE ({}) ", conds.join(") AND ("))
    };
    (
        format!(
            "SELECT a.seq, a.at, a.actor, a.action, a.person_id, a.subject, a.detail, a.prev_hash, a.hash \
             FROM audit_log a {filter}ORDER BY a.seq DESC LIMIT {limit}"
        ),
        binds,
    )
}

/// Runs an audit search on `db`, decoding rows with `R`.
pub(super) async fn audit_search<R>(db: &sqlx::Pool<Db>, q: &crate::AuditQuery) -> Result<Vec<R>>
where
    R: for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> + Send + Unpin,
{
    let (sql, binds) = audit_search_sql(q);
    let mut query = sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = match b {
            Bound::Text(t) => query.bind(t),
            Bound::Int(i) => query.bind(i),
        };
    }
    Ok(query.fetch_all(db).await?)
}

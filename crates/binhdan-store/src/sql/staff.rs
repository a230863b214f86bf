//! Staff accounts, sessions, sign-ins under way and the audit log, written once for both
//! backends (see the crate docs).

use super::Backend;
use super::audit::append_audit_in;
use crate::prelude::*;

#[derive(sqlx::FromRow)]
struct StaffRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    totp_secret: Option<String>,
    disabled_at: Option<i64>,
}

/// An account beside one of its grants.
#[derive(sqlx::FromRow)]
struct StaffGrantRow {
    #[sqlx(flatten)]
    account: StaffRow,
    #[sqlx(flatten)]
    grant: GrantRow,
}

/// A grant's columns, all null where a `LEFT JOIN` found none.
#[derive(sqlx::FromRow)]
struct GrantRow {
    role: Option<String>,
    scope_kind: Option<String>,
    scope_path: Option<String>,
    scope_org: Option<i64>,
}

impl GrantRow {
    /// The grant, or `None` for a row without one.
    fn into_grant(self) -> Result<Option<Grant>> {
        const T: &str = "staff_grant";
        let (Some(role), Some(scope_kind)) = (self.role, self.scope_kind) else {
            return Ok(None);
        };
        let parsed: Role = serde_json::from_value(serde_json::Value::String(role.clone()))
            .map_err(|_| StoreError::corrupt(T, format_args!("role {role:?}")))?;
        let missing =
            || StoreError::corrupt(T, format_args!("{scope_kind} scope without its value"));
        let scope = match scope_kind.as_str() {
            "unit" => Scope::Unit {
                path: self.scope_path.ok_or_else(missing)?,
            },
            "organisation" => Scope::Organisation {
                id: self.scope_org.ok_or_else(missing)?,
            },
            "everywhere" => Scope::Everywhere,
            other => return Err(StoreError::corrupt(T, format_args!("scope {other:?}"))),
        };
        Ok(Some(Grant::new(parsed, scope)))
    }
}

fn role_str(role: Role) -> String {
    match serde_json::to_value(role) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

#[derive(Clone, sqlx::FromRow)]
struct SessionRow {
    key: String,
    kind: String,
    account_id: Option<i64>,
    person_id: Option<i64>,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
}

impl SessionRow {
    /// The session, or `None` for a row whose owner is missing (never written so).
    fn into_record(self) -> Option<SessionRecord> {
        let owner = match (self.kind.as_str(), self.account_id, self.person_id) {
            ("staff", Some(a), _) => SessionOwner::Staff(a),
            ("citizen", _, Some(p)) => SessionOwner::Citizen(p),
            _ => return None,
        };
        Some(SessionRecord {
            key: self.key,
            owner,
            created_at: Timestamp(self.created_at),
            last_seen_at: Timestamp(self.last_seen_at),
            expires_at: Timestamp(self.expires_at),
        })
    }
}

/// A session beside its staff account and one of the account's grants (nulls where there is
/// none: a citizen's session, an account without grants).
#[derive(sqlx::FromRow)]
struct SessionStaffRow {
    #[sqlx(flatten)]
    session: SessionRow,
    staff_id: Option<i64>,
    username: Option<String>,
    display_name: Option<String>,
    password_hash: Option<String>,
    totp_secret: Option<String>,
    disabled_at: Option<i64>,
    #[sqlx(flatten)]
    grant: GrantRow,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    person_id: Option<i64>,
    subject: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl AuditRow {
    fn into_record(self) -> AuditRecord {
        AuditRecord {
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            action: self.action,
            person_id: self.person_id,
            subject: self.subject,
            detail: self.detail,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

macro_rules! select_audit {
    ($rest:literal) => {
        concat!("SELECT seq, at, actor, action, person_id, subject, detail, prev_hash, hash FROM audit_log ", $rest)
    };
}

impl Backend {
    /// An account and its grants, in one statement (a session's owner is read this way on
    /// every request on PostgreSQL, and on SQLite whenever the session cache refreshes).
    async fn staff_where(&self, clause: &str, bind: StaffKey) -> Result<Option<StaffAccount>> {
        let sql = format!(
            "SELECT a.id, a.username, a.display_name, a.password_hash, a.totp_secret, a.disabled_at, \
             g.role, g.scope_kind, g.scope_path, g.scope_org \
             FROM staff_account a LEFT JOIN staff_grant g ON g.account_id = a.id \
             WHERE a.{clause} ORDER BY g.id"
        );
        let q = sqlx::query_as::<_, StaffGrantRow>(sqlx::AssertSqlSafe(sql));
        let q = match bind {
            StaffKey::Id(id) => q.bind(id),
            StaffKey::Username(u) => q.bind(u),
        };
        let rows = q.fetch_all(&self.read).await?;
        gather(rows.into_iter().map(|r| (r.account, r.grant)))
    }
}

/// An account from its rows, one per grant (or one with a null grant): `None` without rows.
fn gather(rows: impl Iterator<Item = (StaffRow, GrantRow)>) -> Result<Option<StaffAccount>> {
    let mut grants = Vec::new();
    let mut account = None;
    for (row, grant) in rows {
        grants.extend(grant.into_grant()?);
        account.get_or_insert(row);
    }
    Ok(account.map(|row| StaffAccount {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        password_hash: Secret::new(row.password_hash),
        totp_secret: row.totp_secret.map(Secret::new),
        disabled: row.disabled_at.is_some(),
        grants,
    }))
}

enum StaffKey {
    Id(i64),
    Username(String),
}

/// Usernames are compared in lower case, NFC.
fn username_key(username: &str) -> String {
    binhdan_core::text::clean(username).to_lowercase()
}

#[async_trait]
impl StaffStore for Backend {
    async fn create_staff(
        &self,
        staff: &NewStaff,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let inserted: std::result::Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO staff_account (username, display_name, password_hash, totp_secret, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(username_key(&staff.username))
        .bind(binhdan_core::text::clean(&staff.display_name))
        .bind(staff.password_hash.expose().clone())
        .bind(staff.totp_secret.as_ref().map(|s| s.expose().clone()))
        .bind(now.millis())
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Err(StoreError::Conflict("username"));
            }
            Err(e) => return Err(e.into()),
        };
        for g in &staff.grants {
            let (kind, path, org) = match &g.scope {
                Scope::Unit { path } => ("unit", Some(path.clone()), None),
                Scope::Organisation { id } => ("organisation", None, Some(*id)),
                Scope::Everywhere => ("everywhere", None, None),
            };
            sqlx::query(
                "INSERT INTO staff_grant (account_id, role, scope_kind, scope_path, scope_org, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(role_str(g.role))
            .bind(kind)
            .bind(path)
            .bind(org)
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
        }
        append_audit_in(&mut tx, &audit.subject(format!("staff:{id}")), now).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn staff_by_username(&self, username: &str) -> Result<Option<StaffAccount>> {
        self.staff_where("username = $1", StaffKey::Username(username_key(username)))
            .await
    }

    async fn staff(&self, id: i64) -> Result<Option<StaffAccount>> {
        self.staff_where("id = $1", StaffKey::Id(id)).await
    }

    async fn staff_within(&self, within: &StaffWithin, limit: u32) -> Result<Vec<StaffAccount>> {
        // Accounts with a grant inside the scope: a unit subtree (or an organisation that sits
        // in it), or one organisation.
        let ids: Vec<i64> = match within {
            StaffWithin::Unit(path) => {
                sqlx::query_scalar(
                    "SELECT DISTINCT g.account_id FROM staff_grant g \
                     LEFT JOIN organisation o ON o.id = g.scope_org \
                     WHERE (g.scope_path >= $1 AND g.scope_path < $2) \
                        OR (o.unit_path >= $1 AND o.unit_path < $2) \
                     ORDER BY g.account_id LIMIT $3",
                )
                .bind(path.clone())
                .bind(binhdan_core::unit::UnitPath::from_stored(path.clone()).subtree_upper_bound())
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?
            }
            StaffWithin::Organisation(id) => {
                sqlx::query_scalar(
                    "SELECT DISTINCT account_id FROM staff_grant WHERE scope_org = $1 \
                     ORDER BY account_id LIMIT $2",
                )
                .bind(*id)
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?
            }
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(a) = self.staff_where("id = $1", StaffKey::Id(id)).await? {
                out.push(a);
            }
        }
        Ok(out)
    }

    async fn set_staff_disabled(
        &self,
        id: i64,
        disabled: bool,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query("UPDATE staff_account SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then_some(now.millis()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if disabled {
            // Signed out everywhere at once.
            sqlx::query("DELETE FROM session WHERE kind = 'staff' AND account_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        append_audit_in(&mut tx, &audit.subject(format!("staff:{id}")), now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_staff_credentials(
        &self,
        id: i64,
        change: &CredentialChange,
        keep_session: &str,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        match change {
            CredentialChange::Password(hash) => {
                sqlx::query("UPDATE staff_account SET password_hash = $1 WHERE id = $2")
                    .bind(hash.expose().clone())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            CredentialChange::Totp(secret) => {
                sqlx::query("UPDATE staff_account SET totp_secret = $1 WHERE id = $2")
                    .bind(secret.as_ref().map(|s| s.expose().clone()))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // Every other session of the account ends: whoever else was signed in is signed out.
        sqlx::query("DELETE FROM session WHERE kind = 'staff' AND account_id = $1 AND key <> $2")
            .bind(id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        append_audit_in(&mut tx, &audit.subject(format!("staff:{id}")), now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn staff_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff_account")
            .fetch_one(&self.read)
            .await?;
        crate::rows::number("staff_account", "count", n)
    }

    async fn record_login(
        &self,
        id: i64,
        new_password_hash: Option<&Secret<String>>,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE staff_account SET last_login_at = $1, password_hash = COALESCE($2, password_hash) WHERE id = $3",
        )
        .bind(now.millis())
        .bind(new_password_hash.map(|h| h.expose().clone()))
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn claim_totp_step(&self, id: i64, step: u64) -> Result<bool> {
        let step = i64::try_from(step).map_err(|_| StoreError::Conflict("totp step"))?;
        // One conditional update: of two sign-ins racing with the same code, one wins.
        let done = sqlx::query(
            "UPDATE staff_account SET totp_last_step = $1 \
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn reseal_totp(&self, id: i64, plain: &str, sealed: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE staff_account SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3",
        )
        .bind(sealed)
        .bind(id)
        .bind(plain)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn staff_totp_secrets(&self) -> Result<Vec<(i64, Secret<String>)>> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, totp_secret FROM staff_account WHERE totp_secret IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, secret)| (id, Secret::new(secret)))
            .collect())
    }

    async fn create_session(&self, session: &SessionRecord) -> Result<()> {
        let (kind, account, person) = match session.owner {
            SessionOwner::Staff(id) => ("staff", Some(id), None),
            SessionOwner::Citizen(id) => ("citizen", None, Some(id)),
        };
        sqlx::query(
            "INSERT INTO session (key, kind, account_id, person_id, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(session.key.clone())
        .bind(kind)
        .bind(account)
        .bind(person)
        .bind(session.created_at.millis())
        .bind(session.last_seen_at.millis())
        .bind(session.expires_at.millis())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn session(&self, key: &str) -> Result<Option<SessionRecord>> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT key, kind, account_id, person_id, created_at, last_seen_at, expires_at FROM session WHERE key = $1",
        )
        .bind(key.to_owned())
        .fetch_optional(&self.read)
        .await?;
        Ok(row.and_then(SessionRow::into_record))
    }

    async fn session_with_staff(
        &self,
        key: &str,
    ) -> Result<Option<(SessionRecord, Option<StaffAccount>)>> {
        let rows: Vec<SessionStaffRow> = sqlx::query_as(
            "SELECT s.key, s.kind, s.account_id, s.person_id, s.created_at, s.last_seen_at, s.expires_at, \
             a.id AS staff_id, a.username, a.display_name, a.password_hash, a.totp_secret, a.disabled_at, \
             g.role, g.scope_kind, g.scope_path, g.scope_org \
             FROM session s \
             LEFT JOIN staff_account a ON s.kind = 'staff' AND a.id = s.account_id \
             LEFT JOIN staff_grant g ON g.account_id = a.id \
             WHERE s.key = $1 ORDER BY g.id",
        )
        .bind(key.to_owned())
        .fetch_all(&self.read)
        .await?;
        let mut rows = rows.into_iter().peekable();
        let Some(session) = rows.peek().map(|r| r.session.clone()) else {
            return Ok(None);
        };
        let Some(session) = session.into_record() else {
            return Ok(None);
        };
        let staff = gather(rows.filter_map(|r| {
            Some((
                StaffRow {
                    id: r.staff_id?,
                    username: r.username?,
                    display_name: r.display_name?,
                    password_hash: r.password_hash?,
                    totp_secret: r.totp_secret,
                    disabled_at: r.disabled_at,
                },
                r.grant,
            ))
        }))?;
        Ok(Some((session, staff)))
    }

    async fn touch_session(&self, key: &str, now: Timestamp, expires_at: Timestamp) -> Result<()> {
        sqlx::query("UPDATE session SET last_seen_at = $1, expires_at = $2 WHERE key = $3")
            .bind(now.millis())
            .bind(expires_at.millis())
            .bind(key.to_owned())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM session WHERE key = $1")
            .bind(key.to_owned())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn purge_sessions(&self, now: Timestamp, pending_before: Timestamp) -> Result<u64> {
        let a = sqlx::query("DELETE FROM session WHERE expires_at <= $1")
            .bind(now.millis())
            .execute(&self.write)
            .await?;
        let b = sqlx::query("DELETE FROM oidc_pending WHERE created_at < $1")
            .bind(pending_before.millis())
            .execute(&self.write)
            .await?;
        Ok(a.rows_affected() + b.rows_affected())
    }

    async fn put_oidc_pending(&self, state_key: &str, payload: &str, now: Timestamp) -> Result<()> {
        sqlx::query(
            "INSERT INTO oidc_pending (state_key, payload, created_at) VALUES ($1, $2, $3)",
        )
        .bind(state_key.to_owned())
        .bind(payload.to_owned())
        .bind(now.millis())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn take_oidc_pending(&self, state_key: &str) -> Result<Option<(String, Timestamp)>> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "DELETE FROM oidc_pending WHERE state_key = $1 RETURNING payload, created_at",
        )
        .bind(state_key.to_owned())
        .fetch_optional(&self.write)
        .await?;
        Ok(row.map(|(p, at)| (p, Timestamp(at))))
    }
}

#[async_trait]
impl AuditStore for Backend {
    async fn append_audit(&self, entry: AuditEntry, now: Timestamp) -> Result<AuditRecord> {
        let mut tx = self.write.begin().await?;
        let record = append_audit_in(&mut tx, &entry, now).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn audit_records(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> =
            sqlx::query_as(select_audit!("WHERE seq > $1 ORDER BY seq LIMIT $2"))
                .bind(after_seq)
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
        Ok(rows.into_iter().map(AuditRow::into_record).collect())
    }

    async fn audit_search(&self, q: &crate::AuditQuery) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = super::audit::audit_search(&self.read, q).await?;
        Ok(rows.into_iter().map(AuditRow::into_record).collect())
    }

    async fn audit_of_person(&self, person: i64, limit: u32) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = sqlx::query_as(select_audit!(
            "WHERE person_id = $1 ORDER BY seq DESC LIMIT $2"
        ))
        .bind(person)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(AuditRow::into_record).collect())
    }

    async fn audit_head(&self) -> Result<(i64, String)> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&self.read)
                .await?,
        )
    }
}

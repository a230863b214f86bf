//! Village teams, written once for both backends (see `api/teams.rs`): members, the visit
//! checklist, visits, classes and attendance. Each write moves the team counters (`team` ×
//! `visits`, `reached`, `classes` on the village and its commune) and the member's own figures
//! in its transaction; a resend of the same device-made `op` finds the first row and moves
//! nothing.

use std::collections::BTreeMap;

use super::audit::append_audit_in;
use super::counters::apply_unit_deltas;
use super::learning::{LearningDeltas, learner_facts};
use super::{Backend, Db};
use crate::prelude::*;
use crate::{
    AttendVia, AttendanceOutcome, AttendeeView, ChecklistItem, ClassRecord, NewAttendance,
    NewClass, NewVisit, TEAM_GROUP, TeamFigures, TeamMemberRecord, TeamStore, TeamWrite,
    VillageTeam, VisitRecord,
};

type Deltas = BTreeMap<(String, &'static str, &'static str), i64>;

/// Marks the person reached by the village's team; true the first time.
async fn reach(
    tx: &mut sqlx::Transaction<'_, Db>,
    village: &str,
    person: i64,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO team_reach (village_code, person_id, first_at) VALUES ($1, $2, $3) \
         ON CONFLICT (village_code, person_id) DO NOTHING",
    )
    .bind(village)
    .bind(person)
    .bind(now.millis())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A visit row as read.
#[derive(sqlx::FromRow)]
struct VisitRow {
    id: i64,
    person_id: i64,
    person_name: String,
    member_id: i64,
    member_name: String,
    visited_on: i64,
    done: String,
    next_step: String,
    recorded_at: i64,
}

impl From<VisitRow> for VisitRecord {
    fn from(r: VisitRow) -> Self {
        Self {
            id: r.id,
            person_id: r.person_id,
            person_name: r.person_name,
            member_id: r.member_id,
            member_name: r.member_name,
            visited_on: r.visited_on,
            done: r.done.split_whitespace().map(str::to_owned).collect(),
            next_step: r.next_step,
            recorded_at: Timestamp(r.recorded_at),
        }
    }
}

const VISIT_SELECT: &str = "SELECT v.id, v.person_id, p.name AS person_name, v.member_id, \
     s.display_name AS member_name, v.visited_on, v.done, v.next_step, v.recorded_at \
     FROM team_visit v JOIN person p ON p.id = v.person_id JOIN staff_account s ON s.id = v.member_id";

#[derive(sqlx::FromRow)]
struct ClassRow {
    id: i64,
    village_code: String,
    village_path: String,
    module_id: String,
    place: String,
    starts_at: i64,
    opened_by: i64,
    opened_at: i64,
    present: i64,
}

impl ClassRow {
    fn into_record(self) -> Result<ClassRecord> {
        Ok(ClassRecord {
            id: self.id,
            village_code: crate::rows::unit_code("team_class", &self.village_code)?,
            village_path: self.village_path,
            module_id: self.module_id,
            place: self.place,
            starts_at: Timestamp(self.starts_at),
            opened_by: self.opened_by,
            opened_at: Timestamp(self.opened_at),
            present: self.present,
        })
    }
}

const CLASS_SELECT: &str = "SELECT c.id, c.village_code, u.path AS village_path, c.module_id, \
     c.place, c.starts_at, c.opened_by, c.opened_at, c.present \
     FROM team_class c JOIN unit u ON u.code = c.village_code";

#[async_trait]
impl TeamStore for Backend {
    async fn appoint_team_member(
        &self,
        village: &UnitCode,
        account_id: i64,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        let level: Option<String> = sqlx::query_scalar("SELECT level FROM unit WHERE code = $1")
            .bind(village.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if level.as_deref() != Some("village") {
            return Err(StoreError::NotFound(Entity::Village));
        }
        let account: Option<i64> = sqlx::query_scalar("SELECT id FROM staff_account WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
        if account.is_none() {
            return Err(StoreError::NotFound(Entity::StaffAccount));
        }
        let done = sqlx::query(
            "INSERT INTO team_member (village_code, account_id, appointed_by, appointed_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (village_code, account_id) DO NOTHING",
        )
        .bind(village.as_str())
        .bind(account_id)
        .bind(audit.actor.clone())
        .bind(now.millis())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit_in(
            &mut tx,
            &audit.subject(format!("unit:{}:staff:{account_id}", village.as_str())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn team_members(&self, village: &UnitCode) -> Result<Vec<TeamMemberRecord>> {
        let rows: Vec<(i64, String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT t.account_id, s.username, s.display_name, t.appointed_at, t.visits, t.classes \
             FROM team_member t JOIN staff_account s ON s.id = t.account_id \
             WHERE t.village_code = $1 ORDER BY s.display_name, t.account_id",
        )
        .bind(village.as_str())
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(account_id, username, display_name, at, visits, classes)| TeamMemberRecord {
                    account_id,
                    username,
                    display_name,
                    appointed_at: Timestamp(at),
                    visits,
                    classes,
                },
            )
            .collect())
    }

    async fn is_team_member(&self, village: &UnitCode, account_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM team_member WHERE village_code = $1 AND account_id = $2",
        )
        .bind(village.as_str())
        .bind(account_id)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    async fn teams_of(&self, account_id: i64) -> Result<Vec<(UnitCode, String)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT t.village_code, u.name FROM team_member t JOIN unit u ON u.code = t.village_code \
             WHERE t.account_id = $1 ORDER BY u.name, t.village_code",
        )
        .bind(account_id)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(c, n)| Ok((crate::rows::unit_code("team_member", &c)?, n)))
            .collect()
    }

    async fn visit_checklist(&self, province: &UnitCode) -> Result<Vec<ChecklistItem>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT item_key, label FROM visit_checklist WHERE province_code = $1 AND retired = FALSE \
             ORDER BY position, item_key",
        )
        .bind(province.as_str())
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(key, label)| ChecklistItem { key, label })
            .collect())
    }

    async fn set_visit_checklist(
        &self,
        province: &UnitCode,
        items: &[ChecklistItem],
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("UPDATE visit_checklist SET retired = TRUE WHERE province_code = $1")
            .bind(province.as_str())
            .execute(&mut *tx)
            .await?;
        for (i, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO visit_checklist (province_code, item_key, label, position, retired) \
                 VALUES ($1, $2, $3, $4, FALSE) ON CONFLICT (province_code, item_key) DO UPDATE \
                 SET label = excluded.label, position = excluded.position, retired = FALSE",
            )
            .bind(province.as_str())
            .bind(&item.key)
            .bind(&item.label)
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        }
        append_audit_in(
            &mut tx,
            &audit.subject(format!("unit:{}", province.as_str())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_visit(
        &self,
        visit: &NewVisit,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<TeamWrite> {
        let mut tx = self.write.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO team_visit (op, village_code, person_id, member_id, visited_on, done, next_step, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (op) DO NOTHING RETURNING id",
        )
        .bind(&visit.op)
        .bind(visit.village.as_str())
        .bind(visit.person_id)
        .bind(visit.member_id)
        .bind(visit.visited_on)
        .bind(visit.done.join(" "))
        .bind(&visit.next_step)
        .bind(now.millis())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            // A resend: the first one's answer, if it is the same visit.
            let first: Option<(i64, i64, i64)> =
                sqlx::query_as("SELECT id, person_id, member_id FROM team_visit WHERE op = $1")
                    .bind(&visit.op)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return match first {
                Some((id, person, member))
                    if person == visit.person_id && member == visit.member_id =>
                {
                    Ok(TeamWrite { id, new: false })
                }
                _ => Err(StoreError::Conflict("op")),
            };
        };
        let village = visit.village.as_str().to_owned();
        sqlx::query(
            "UPDATE team_member SET visits = visits + 1 WHERE village_code = $1 AND account_id = $2",
        )
        .bind(&village)
        .bind(visit.member_id)
        .execute(&mut *tx)
        .await?;
        if let Some(label) = &visit.household {
            sqlx::query(
                "INSERT INTO team_household (person_id, village_code, label, label_key, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE \
                 SET village_code = excluded.village_code, label = excluded.label, \
                 label_key = excluded.label_key, updated_at = excluded.updated_at",
            )
            .bind(visit.person_id)
            .bind(&village)
            .bind(label)
            .bind(binhdan_core::text::search_key(label))
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
        }
        let mut deltas = Deltas::new();
        deltas.insert((village.clone(), TEAM_GROUP, "visits"), 1);
        if reach(&mut tx, &village, visit.person_id, now).await? {
            deltas.insert((village.clone(), TEAM_GROUP, "reached"), 1);
        }
        apply_unit_deltas(&mut tx, &deltas, now).await?;
        append_audit_in(
            &mut tx,
            &audit
                .person(visit.person_id)
                .subject(format!("unit:{village}:visit:{id}")),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(TeamWrite { id, new: true })
    }

    async fn village_visits(&self, village: &UnitCode, limit: u32) -> Result<Vec<VisitRecord>> {
        let rows: Vec<VisitRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{VISIT_SELECT} WHERE v.village_code = $1 ORDER BY v.id DESC LIMIT $2"
        )))
        .bind(village.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(VisitRecord::from).collect())
    }

    async fn person_visits(&self, person_id: i64, limit: u32) -> Result<Vec<VisitRecord>> {
        let rows: Vec<VisitRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{VISIT_SELECT} WHERE v.person_id = $1 ORDER BY v.id DESC LIMIT $2"
        )))
        .bind(person_id)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(VisitRecord::from).collect())
    }

    async fn open_class(
        &self,
        class: &NewClass,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<TeamWrite> {
        let mut tx = self.write.begin().await?;
        let module: Option<String> =
            sqlx::query_scalar("SELECT id FROM course_module WHERE id = $1")
                .bind(&class.module_id)
                .fetch_optional(&mut *tx)
                .await?;
        if module.is_none() {
            return Err(StoreError::NotFound(Entity::Module));
        }
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO team_class (op, village_code, module_id, place, starts_at, opened_by, opened_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (op) DO NOTHING RETURNING id",
        )
        .bind(&class.op)
        .bind(class.village.as_str())
        .bind(&class.module_id)
        .bind(&class.place)
        .bind(class.starts_at.millis())
        .bind(class.opened_by)
        .bind(now.millis())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            let first: Option<(i64, String, i64)> =
                sqlx::query_as("SELECT id, village_code, opened_by FROM team_class WHERE op = $1")
                    .bind(&class.op)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return match first {
                Some((id, village, by))
                    if village == class.village.as_str() && by == class.opened_by =>
                {
                    Ok(TeamWrite { id, new: false })
                }
                _ => Err(StoreError::Conflict("op")),
            };
        };
        let village = class.village.as_str().to_owned();
        sqlx::query(
            "UPDATE team_member SET classes = classes + 1 WHERE village_code = $1 AND account_id = $2",
        )
        .bind(&village)
        .bind(class.opened_by)
        .execute(&mut *tx)
        .await?;
        let mut deltas = Deltas::new();
        deltas.insert((village.clone(), TEAM_GROUP, "classes"), 1);
        apply_unit_deltas(&mut tx, &deltas, now).await?;
        append_audit_in(
            &mut tx,
            &audit.subject(format!("unit:{village}:class:{id}")),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(TeamWrite { id, new: true })
    }

    async fn team_class(&self, id: i64) -> Result<Option<ClassRecord>> {
        let row: Option<ClassRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CLASS_SELECT} WHERE c.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(ClassRow::into_record).transpose()
    }

    async fn village_classes(&self, village: &UnitCode, limit: u32) -> Result<Vec<ClassRecord>> {
        let rows: Vec<ClassRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CLASS_SELECT} WHERE c.village_code = $1 ORDER BY c.starts_at DESC, c.id DESC LIMIT $2"
        )))
        .bind(village.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(ClassRow::into_record).collect()
    }

    async fn mark_attendance(
        &self,
        a: &NewAttendance,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<AttendanceOutcome> {
        let mut tx = self.write.begin().await?;
        let village: Option<String> =
            sqlx::query_scalar("SELECT village_code FROM team_class WHERE id = $1")
                .bind(a.class_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(village) = village else {
            return Err(StoreError::NotFound(Entity::Class));
        };
        let inserted = sqlx::query(
            "INSERT INTO team_attendance (class_id, person_id, op, via, marked_by, marked_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(a.class_id)
        .bind(a.person_id)
        .bind(&a.op)
        .bind(a.via.as_str())
        .bind(a.marked_by)
        .bind(now.millis())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !inserted {
            let by_op: Option<(i64, i64, i64)> = sqlx::query_as(
                "SELECT class_id, person_id, marked_at FROM team_attendance WHERE op = $1",
            )
            .bind(&a.op)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match by_op {
                // The same marking resent: counted once, by the first.
                Some((class, person, _)) if class == a.class_id && person == a.person_id => {
                    Ok(AttendanceOutcome::Resent)
                }
                Some(_) => Err(StoreError::Conflict("op")),
                None => {
                    let at: i64 = sqlx::query_scalar(
                        "SELECT marked_at FROM team_attendance WHERE class_id = $1 AND person_id = $2",
                    )
                    .bind(a.class_id)
                    .bind(a.person_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    Ok(AttendanceOutcome::Already { at: Timestamp(at) })
                }
            };
            tx.rollback().await?;
            return outcome;
        }
        sqlx::query("UPDATE team_class SET present = present + 1 WHERE id = $1")
            .bind(a.class_id)
            .execute(&mut *tx)
            .await?;
        let mut deltas = Deltas::new();
        if reach(&mut tx, &village, a.person_id, now).await? {
            deltas.insert((village.clone(), TEAM_GROUP, "reached"), 1);
        }
        apply_unit_deltas(&mut tx, &deltas, now).await?;
        // Participation: once per person and group, ever (as a check-in at an event).
        if let Some(facts) = learner_facts(&mut tx, a.person_id, cutoff).await? {
            let mut learning = LearningDeltas::default();
            for g in &facts.groups {
                let marked = sqlx::query(
                    "INSERT INTO learner_mark (person_id, grp, metric, at) VALUES ($1, $2, 'participated', $3) \
                     ON CONFLICT (person_id, grp, metric) DO NOTHING",
                )
                .bind(a.person_id)
                .bind(g.as_str())
                .bind(now.millis())
                .execute(&mut *tx)
                .await?;
                if marked.rows_affected() > 0 {
                    learning.add(&facts, *g, "participated");
                }
            }
            learning.apply(&mut tx, now).await?;
        }
        append_audit_in(
            &mut tx,
            &AuditEntry::new(format!("staff:{}", a.marked_by), "team.attend")
                .person(a.person_id)
                .subject(format!("unit:{village}:class:{}", a.class_id)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(AttendanceOutcome::New)
    }

    async fn attendees(&self, class_id: i64) -> Result<Vec<AttendeeView>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT a.person_id, p.name, a.via, a.marked_at FROM team_attendance a \
             JOIN person p ON p.id = a.person_id WHERE a.class_id = $1 ORDER BY a.marked_at, a.person_id",
        )
        .bind(class_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(person_id, name, via, at)| {
                Ok(AttendeeView {
                    person_id,
                    name,
                    via: crate::rows::decoded("team_attendance", "via", &via, AttendVia::parse)?,
                    marked_at: Timestamp(at),
                })
            })
            .collect::<Result<_>>()?)
    }

    async fn team_figures(&self, village: &UnitCode) -> Result<TeamFigures> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT grp, metric, value FROM unit_counter WHERE unit_code = $1 \
             AND (grp = $2 OR (grp = 'adult' AND metric IN ('roster', 'certified')))",
        )
        .bind(village.as_str())
        .bind(TEAM_GROUP)
        .fetch_all(&self.read)
        .await?;
        let mut f = TeamFigures::default();
        for (grp, metric, value) in rows {
            match (grp.as_str() == TEAM_GROUP, metric.as_str()) {
                (true, "visits") => f.visits = value,
                (true, "reached") => f.reached = value,
                (true, "classes") => f.classes = value,
                (true, crate::CERTIFIED_ASSISTED) => f.assisted = value,
                (false, "roster") => f.roster = value,
                (false, "certified") => f.certified = value,
                _ => {}
            }
        }
        Ok(f)
    }

    async fn teams_below(&self, unit: &UnitCode) -> Result<Vec<VillageTeam>> {
        // A commune's row holds its villages' team figures too (`apply_unit_deltas`).
        let rows: Vec<(String, String, Option<String>, Option<String>, Option<i64>)> =
            sqlx::query_as(
                "SELECT u.code, u.name, c.grp, c.metric, c.value FROM unit u \
                 LEFT JOIN unit_counter c ON c.unit_code = u.code \
                 AND (c.grp = $2 OR (c.grp = 'adult' AND c.metric IN ('roster', 'certified'))) \
                 WHERE u.parent_code = $1 AND u.level IN ('commune', 'village') \
                 ORDER BY u.name, u.code",
            )
            .bind(unit.as_str())
            .bind(TEAM_GROUP)
            .fetch_all(&self.read)
            .await?;
        // Members per village under a commune, per commune (each account once) under a
        // province.
        let members: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT CASE WHEN u.parent_code = $1 THEN u.code ELSE u.parent_code END, \
             COUNT(DISTINCT t.account_id) FROM team_member t JOIN unit u ON u.code = t.village_code \
             WHERE u.parent_code = $1 OR u.parent_code IN (SELECT code FROM unit WHERE parent_code = $1) \
             GROUP BY 1",
        )
        .bind(unit.as_str())
        .fetch_all(&self.read)
        .await?;
        let members: std::collections::HashMap<String, i64> = members
            .into_iter()
            .filter_map(|(code, n)| Some((code?, n)))
            .collect();
        let mut out: Vec<VillageTeam> = Vec::new();
        for (code, name, grp, metric, value) in rows {
            if out.last().is_none_or(|v| v.code.as_str() != code) {
                let parsed = crate::rows::unit_code("unit", &code)?;
                out.push(VillageTeam {
                    members: members.get(&code).copied().unwrap_or(0),
                    code: parsed,
                    name,
                    figures: TeamFigures::default(),
                });
            }
            let (Some(v), Some(grp), Some(metric), Some(value)) =
                (out.last_mut(), grp, metric, value)
            else {
                continue;
            };
            let f = &mut v.figures;
            match (grp.as_str() == TEAM_GROUP, metric.as_str()) {
                (true, "visits") => f.visits = value,
                (true, "reached") => f.reached = value,
                (true, "classes") => f.classes = value,
                (true, crate::CERTIFIED_ASSISTED) => f.assisted = value,
                (false, "roster") => f.roster = value,
                (false, "certified") => f.certified = value,
                _ => {}
            }
        }
        Ok(out)
    }
}

/// The team counters from the facts, per village: what `rebuild_counters` compares.
pub(super) async fn team_counts(
    conn: &mut <Db as sqlx::Database>::Connection,
) -> Result<Vec<(String, &'static str, i64)>> {
    let mut out = Vec::new();
    for (metric, sql) in [
        (
            "visits",
            "SELECT village_code, COUNT(*) FROM team_visit GROUP BY village_code",
        ),
        (
            "reached",
            "SELECT village_code, COUNT(*) FROM team_reach GROUP BY village_code",
        ),
        (
            "classes",
            "SELECT village_code, COUNT(*) FROM team_class GROUP BY village_code",
        ),
    ] {
        let rows: Vec<(String, i64)> = sqlx::query_as(sql).fetch_all(&mut *conn).await?;
        out.extend(rows.into_iter().map(|(v, n)| (v, metric, n)));
    }
    Ok(out)
}

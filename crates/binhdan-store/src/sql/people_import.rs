//! A roster import of people, written once for both backends (see the crate docs): one
//! transaction on the writer, written batch by batch; people are upserted by the keyed hash of
//! their CCCD, and the roster counters (per village and commune, and per organisation) move in
//! the same transaction, so a crash or a refusal leaves nothing behind.

use super::audit::append_audit_in;
use super::counters::{LEARNING_METRICS, apply_org_deltas, apply_unit_deltas, person_learning};
use super::people::{is_adult_born, parse_sex};
use super::task_counters::{join_org_tasks, move_home_tasks};
use super::units::{UnitFacts, unit_facts};
use super::{DIALECT, Db};
use crate::prelude::*;

#[derive(Clone, sqlx::FromRow)]
struct ExistingPerson {
    id: i64,
    cccd_hash: Vec<u8>,
    name: String,
    birth_year: i64,
    birth_day: Option<i64>,
    sex: String,
    unit_code: String,
    phone: Option<String>,
    unit_path: String,
}
/// An import of people under way (see [`PeopleImport`]).
pub(super) struct ImportTx {
    pub(super) tx: Option<sqlx::Transaction<'static, Db>>,
    pub(super) cutoff: AdultCutoff,
    pub(super) now: Timestamp,
    pub(super) units: std::collections::HashMap<String, UnitFacts>,
    pub(super) orgs: std::collections::HashMap<i64, String>,
    pub(super) unit_deltas: std::collections::BTreeMap<(String, &'static str, &'static str), i64>,
    pub(super) org_deltas: std::collections::BTreeMap<(i64, &'static str, &'static str), i64>,
}

const ROSTER: &str = "roster";

impl ImportTx {
    fn tx(&mut self) -> Result<&mut sqlx::Transaction<'static, Db>> {
        self.tx.as_mut().ok_or(StoreError::Stopped("import"))
    }

    async fn load_units(&mut self, batch: &[PersonRecord]) -> Result<()> {
        let missing: Vec<String> = batch
            .iter()
            .map(|r| r.unit.as_str().to_owned())
            .filter(|c| !self.units.contains_key(c))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let tx = self.tx()?;
        let found = unit_facts(tx, &missing).await?;
        if found.len() < missing.len() {
            return Err(StoreError::NotFound(Entity::Unit));
        }
        self.units.extend(found);
        Ok(())
    }

    async fn load_orgs(&mut self, batch: &[PersonRecord]) -> Result<()> {
        let missing: Vec<i64> = batch
            .iter()
            .filter_map(|r| r.membership.as_ref().map(|m| m.organisation_id))
            .filter(|id| !self.orgs.contains_key(id))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for id in missing {
            let tx = self.tx()?;
            let unit: Option<String> =
                sqlx::query_scalar("SELECT unit_code FROM organisation WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
            self.orgs
                .insert(id, unit.ok_or(StoreError::NotFound(Entity::Organisation))?);
        }
        Ok(())
    }

    /// Who of the batch is registered already, with where they live. On PostgreSQL the rows
    /// are locked until the import ends, so what a write decides from them still holds when it
    /// writes (a concurrent import waits, or fails on the CCCD's uniqueness).
    async fn existing_people(
        &mut self,
        batch: &[PersonRecord],
    ) -> Result<std::collections::HashMap<Vec<u8>, ExistingPerson>> {
        let mut found = std::collections::HashMap::new();
        for chunk in batch.chunks(1000) {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, cccd_hash, name, birth_year, birth_day, sex, unit_code, phone, unit_path FROM person WHERE cccd_hash IN (",
            );
            let mut list = q.separated(", ");
            for r in chunk {
                list.push_bind(r.cccd_hash.to_vec());
            }
            q.push(")");
            if DIALECT == Dialect::Postgres {
                q.push(" FOR UPDATE");
            }
            let tx = self.tx()?;
            let rows: Vec<ExistingPerson> = q.build_query_as().fetch_all(&mut **tx).await?;
            found.extend(rows.into_iter().map(|p| (p.cccd_hash.clone(), p)));
        }
        Ok(found)
    }

    /// Inserts the batch's new people and updates the registered ones (`existing`, read by
    /// the caller in this transaction), moving the counters.
    #[allow(
        clippy::type_complexity,
        reason = "membership rows as the query returns them"
    )]
    async fn upsert(
        &mut self,
        batch: &[PersonRecord],
        existing: std::collections::HashMap<Vec<u8>, ExistingPerson>,
    ) -> Result<PeopleWriteCounts> {
        let mut counts = PeopleWriteCounts::default();
        if batch.is_empty() {
            return Ok(counts);
        }
        self.load_units(batch).await?;
        self.load_orgs(batch).await?;
        let now = self.now.millis();
        let mut ids: std::collections::HashMap<Vec<u8>, i64> =
            existing.iter().map(|(h, p)| (h.clone(), p.id)).collect();
        // New people, many rows per statement.
        let new: Vec<&PersonRecord> = batch
            .iter()
            .filter(|r| !existing.contains_key(r.cccd_hash.as_slice()))
            .collect();
        for chunk in new.chunks(1000) {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO person (cccd_hash, cccd_sealed, cccd_masked, name, name_key, birth_year, birth_day, sex, \
                 unit_code, unit_path, phone, created_at, updated_at) ",
            );
            let units = &self.units;
            q.push_values(chunk, |mut b, r| {
                let path = units
                    .get(r.unit.as_str())
                    .map(|u| u.path.clone())
                    .unwrap_or_default();
                b.push_bind(r.cccd_hash.to_vec())
                    .push_bind(r.cccd_sealed.clone())
                    .push_bind(r.cccd_masked.clone())
                    .push_bind(r.name.clone())
                    .push_bind(binhdan_core::text::search_key(&r.name))
                    .push_bind(i64::from(r.birth_year))
                    .push_bind(r.birth_day)
                    .push_bind(r.sex.as_str())
                    .push_bind(r.unit.as_str().to_owned())
                    .push_bind(path)
                    .push_bind(r.phone.clone())
                    .push_bind(now)
                    .push_bind(now);
            });
            q.push(" RETURNING id, cccd_hash");
            let tx = self.tx()?;
            let rows: Vec<(i64, Vec<u8>)> = q.build_query_as().fetch_all(&mut **tx).await?;
            ids.extend(rows.into_iter().map(|(id, h)| (h, id)));
        }
        for r in &new {
            counts.added += 1;
            self.count_adult(r.unit.as_str(), i64::from(r.birth_year), r.birth_day, 1);
        }
        // People already registered: update what changed.
        for r in batch {
            let Some(old) = existing.get(r.cccd_hash.as_slice()) else {
                continue;
            };
            let phone = r.phone.clone().or_else(|| old.phone.clone());
            let same = old.name == r.name
                && old.birth_year == i64::from(r.birth_year)
                && old.birth_day == r.birth_day
                && old.sex == r.sex.as_str()
                && old.unit_code == r.unit.as_str()
                && old.phone == phone;
            if same {
                counts.unchanged += 1;
                continue;
            }
            counts.updated += 1;
            let path = self
                .units
                .get(r.unit.as_str())
                .map(|u| u.path.clone())
                .unwrap_or_default();
            let tx = self.tx()?;
            sqlx::query(
                "UPDATE person SET name = $1, name_key = $2, birth_year = $3, birth_day = $4, sex = $5, \
                 unit_code = $6, unit_path = $7, phone = $8, updated_at = $9 WHERE id = $10",
            )
            .bind(r.name.clone())
            .bind(binhdan_core::text::search_key(&r.name))
            .bind(i64::from(r.birth_year))
            .bind(r.birth_day)
            .bind(r.sex.as_str())
            .bind(r.unit.as_str().to_owned())
            .bind(path)
            .bind(phone)
            .bind(now)
            .bind(old.id)
            .execute(&mut **tx)
            .await?;
            let (old_unit, old_year, old_day) =
                (old.unit_code.clone(), old.birth_year, old.birth_day);
            self.count_adult(&old_unit, old_year, old_day, -1);
            self.count_adult(r.unit.as_str(), i64::from(r.birth_year), r.birth_day, 1);
            // Someone who moves takes their learning with them: the counters follow the facts.
            if old_unit != r.unit.as_str() {
                let tx = self.tx()?;
                move_home_tasks(tx, old.id, &old_unit).await?;
                for (grp, metric, n) in person_learning(tx, old.id).await? {
                    let (Some(g), Some(m)) = (
                        Group::parse(&grp),
                        LEARNING_METRICS.iter().find(|x| **x == metric),
                    ) else {
                        continue;
                    };
                    *self
                        .unit_deltas
                        .entry((old_unit.clone(), g.as_str(), m))
                        .or_default() -= n;
                    *self
                        .unit_deltas
                        .entry((r.unit.as_str().to_owned(), g.as_str(), m))
                        .or_default() += n;
                }
            }
        }
        // Memberships.
        let members: Vec<(i64, &MembershipRecord)> = batch
            .iter()
            .filter_map(|r| Some((*ids.get(r.cccd_hash.as_slice())?, r.membership.as_ref()?)))
            .collect();
        if !members.is_empty() {
            let mut known: std::collections::HashMap<
                (i64, i64),
                (Option<i64>, Option<String>, Option<String>),
            > = std::collections::HashMap::new();
            for chunk in members.chunks(500) {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT person_id, organisation_id, grade, class, position FROM membership WHERE (person_id, organisation_id) IN (",
                );
                let mut first = true;
                for (pid, m) in chunk {
                    if !first {
                        q.push(", ");
                    }
                    first = false;
                    q.push("(")
                        .push_bind(*pid)
                        .push(", ")
                        .push_bind(m.organisation_id)
                        .push(")");
                }
                q.push(")");
                let tx = self.tx()?;
                let rows: Vec<(i64, i64, Option<i64>, Option<String>, Option<String>)> =
                    q.build_query_as().fetch_all(&mut **tx).await?;
                known.extend(
                    rows.into_iter()
                        .map(|(p, o, g, c, pos)| ((p, o), (g, c, pos))),
                );
            }
            for (pid, m) in members {
                let grade = m.grade.map(i64::from);
                match known.get(&(pid, m.organisation_id)) {
                    Some((g, c, p)) if *g == grade && *c == m.class && *p == m.position => {}
                    Some(_) => {
                        let tx = self.tx()?;
                        sqlx::query(
                            "UPDATE membership SET grade = $1, class = $2, position = $3, updated_at = $4 \
                             WHERE person_id = $5 AND organisation_id = $6",
                        )
                        .bind(grade)
                        .bind(m.class.clone())
                        .bind(m.position.clone())
                        .bind(now)
                        .bind(pid)
                        .bind(m.organisation_id)
                        .execute(&mut **tx)
                        .await?;
                    }
                    None => {
                        let tx = self.tx()?;
                        sqlx::query(
                            "INSERT INTO membership (person_id, organisation_id, grp, grade, class, position, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(pid)
                        .bind(m.organisation_id)
                        .bind(m.group.as_str())
                        .bind(grade)
                        .bind(m.class.clone())
                        .bind(m.position.clone())
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                        counts.memberships_added += 1;
                        let org_unit = self
                            .orgs
                            .get(&m.organisation_id)
                            .cloned()
                            .unwrap_or_default();
                        *self
                            .unit_deltas
                            .entry((org_unit, m.group.as_str(), ROSTER))
                            .or_default() += 1;
                        *self
                            .org_deltas
                            .entry((m.organisation_id, m.group.as_str(), ROSTER))
                            .or_default() += 1;
                        // What they already learned in the group, and could do of its
                        // tasks, now counts for the organisation.
                        let tx = self.tx()?;
                        join_org_tasks(tx, pid, m.organisation_id).await?;
                        for (grp, metric, n) in person_learning(tx, pid).await? {
                            let Some(metric) = LEARNING_METRICS.iter().find(|x| **x == metric)
                            else {
                                continue;
                            };
                            if grp == m.group.as_str() {
                                *self
                                    .org_deltas
                                    .entry((m.organisation_id, m.group.as_str(), metric))
                                    .or_default() += n;
                            }
                        }
                    }
                }
            }
        }
        Ok(counts)
    }

    fn count_adult(&mut self, unit: &str, birth_year: i64, birth_day: Option<i64>, delta: i64) {
        if is_adult_born(birth_year, birth_day, self.cutoff) {
            *self
                .unit_deltas
                .entry((unit.to_owned(), Group::Adult.as_str(), ROSTER))
                .or_default() += delta;
        }
    }
}

#[async_trait]
impl PeopleImport for ImportTx {
    async fn write_within(
        &mut self,
        batch: &[PersonRecord],
        reach: &Reach,
    ) -> Result<WriteOutcome> {
        if batch.is_empty() {
            return Ok(WriteOutcome::default());
        }
        self.load_units(batch).await?;
        // One read decides and writes: who is registered, and where (locked on PostgreSQL).
        let found = self.existing_people(batch).await?;
        // Which of them are members of the reach's organisations.
        let mut members: std::collections::HashSet<i64> = std::collections::HashSet::new();
        if !reach.organisations.is_empty() {
            let ids: Vec<i64> = found.values().map(|p| p.id).collect();
            for chunk in ids.chunks(500) {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT person_id FROM membership WHERE person_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") AND organisation_id IN (");
                let mut list = q.separated(", ");
                for org in &reach.organisations {
                    list.push_bind(*org);
                }
                q.push(")");
                let tx = self.tx()?;
                let rows: Vec<i64> = q.build_query_scalar().fetch_all(&mut **tx).await?;
                members.extend(rows);
            }
        }
        let mut kept = Vec::with_capacity(batch.len());
        let mut outside = Vec::new();
        let mut existing = std::collections::HashMap::new();
        for (i, r) in batch.iter().enumerate() {
            let Some(old) = found.get(r.cccd_hash.as_slice()) else {
                kept.push(r.clone());
                continue;
            };
            let Ok(home) = UnitCode::parse(&old.unit_code) else {
                outside.push(i);
                continue;
            };
            // As registered: the record of someone the writer may not change beyond their
            // membership keeps the registry's name, birth, sex, phone and home.
            let as_registered = || PersonRecord {
                name: old.name.clone(),
                birth_year: i32::try_from(old.birth_year).unwrap_or(r.birth_year),
                birth_day: old.birth_day,
                sex: parse_sex(&old.sex),
                unit: home.clone(),
                phone: None,
                ..r.clone()
            };
            let new_home = self
                .units
                .get(r.unit.as_str())
                .map(|u| u.path.as_str())
                .unwrap_or_default();
            let record = if reach.covers_home(&old.unit_path) {
                if reach.moves_home && reach.covers_home(new_home) {
                    r.clone()
                } else {
                    PersonRecord {
                        unit: home.clone(),
                        ..r.clone()
                    }
                }
            } else if members.contains(&old.id)
                || (r
                    .membership
                    .as_ref()
                    .is_some_and(|m| reach.organisations.contains(&m.organisation_id))
                    && binhdan_core::text::identity_key(&old.name)
                        == binhdan_core::text::identity_key(&r.name)
                    && old.birth_year == i64::from(r.birth_year)
                    && old.birth_day == r.birth_day)
            {
                // An organisation's member, or someone registered elsewhere whom the roster
                // proves it knows (their registered name and date of birth): their membership
                // is the organisation's business, the rest is their commune's.
                as_registered()
            } else {
                outside.push(i);
                continue;
            };
            existing.insert(old.cccd_hash.clone(), old.clone());
            kept.push(record);
        }
        let counts = self.upsert(&kept, existing).await?;
        Ok(WriteOutcome { counts, outside })
    }

    async fn write(&mut self, batch: &[PersonRecord]) -> Result<PeopleWriteCounts> {
        if batch.is_empty() {
            return Ok(PeopleWriteCounts::default());
        }
        let existing = self.existing_people(batch).await?;
        self.upsert(batch, existing).await
    }

    async fn commit(mut self: Box<Self>, audit: AuditEntry) -> Result<()> {
        let unit_deltas = std::mem::take(&mut self.unit_deltas);
        let org_deltas = std::mem::take(&mut self.org_deltas);
        let now = self.now;
        let mut tx = self.tx.take().ok_or(StoreError::Stopped("import"))?;
        apply_unit_deltas(&mut tx, &unit_deltas, now).await?;
        apply_org_deltas(&mut tx, &org_deltas, now).await?;
        append_audit_in(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn rollback(mut self: Box<Self>) -> Result<()> {
        if let Some(tx) = self.tx.take() {
            tx.rollback().await?;
        }
        Ok(())
    }
}

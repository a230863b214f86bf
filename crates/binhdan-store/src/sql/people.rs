//! The person registry, organisations and roster counters, written once for both backends
//! (see the crate docs).
//!
//! An import (`people_import.rs`) is one transaction on the writer, written batch by batch: people are upserted by
//! the keyed hash of their CCCD, and the roster counters (per village and commune, and per
//! organisation) move in the same transaction, so a crash or a refusal leaves nothing behind.

use super::Backend;
use super::audit::append_audit_in;
use super::people_import::ImportTx;
use crate::prelude::*;
use crate::{LearnerFacts, LearnerListing, LearnersPage, LearnersQuery, LearningStatus};

/// Organisation id and name, group, grade, class.
type MembershipRow = (i64, String, String, Option<i64>, Option<String>);

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: i64,
    name: String,
    cccd_masked: String,
    birth_year: i64,
    birth_day: Option<i64>,
    sex: String,
    unit_code: String,
    unit_path: String,
}

impl PersonRow {
    /// # Errors
    /// A birth year that does not fit is [`StoreError::Corrupt`].
    fn into_summary(self) -> Result<PersonSummary> {
        Ok(PersonSummary {
            id: self.id,
            name: self.name,
            cccd_masked: self.cccd_masked,
            birth_year: crate::rows::number("person", "birth_year", self.birth_year)?,
            birth_day: self.birth_day,
            sex: parse_sex(&self.sex),
            unit_code: self.unit_code,
            unit_path: self.unit_path,
        })
    }
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    kind: String,
    code: String,
    name: String,
    unit_code: String,
    unit_path: String,
    min_grade: Option<i64>,
    max_grade: Option<i64>,
}

impl OrgRow {
    fn into_org(self) -> Result<Organisation> {
        let grade = |g: Option<i64>| g.and_then(|g| u8::try_from(g).ok());
        Ok(Organisation {
            id: self.id,
            kind: crate::rows::decoded("organisation", "kind", &self.kind, OrgKind::parse)?,
            code: self.code,
            name: self.name,
            unit_code: self.unit_code,
            unit_path: self.unit_path,
            grades: grade(self.min_grade).zip(grade(self.max_grade)),
        })
    }
}

macro_rules! select_person {
    ($rest:literal) => {
        concat!("SELECT id, name, cccd_masked, birth_year, birth_day, sex, unit_code, unit_path FROM person ", $rest)
    };
}
macro_rules! select_org {
    ($rest:literal) => {
        concat!("SELECT id, kind, code, name, unit_code, unit_path, min_grade, max_grade FROM organisation ", $rest)
    };
}

pub(super) fn parse_sex(s: &str) -> Sex {
    if s == Sex::Female.as_str() {
        Sex::Female
    } else {
        Sex::Male
    }
}

pub(super) fn is_adult_born(birth_year: i64, birth_day: Option<i64>, cutoff: AdultCutoff) -> bool {
    i32::try_from(birth_year).is_ok_and(|year| cutoff.is_adult(year, birth_day))
}

impl Backend {
    async fn person_detail(&self, row: Option<PersonRow>) -> Result<Option<PersonDetail>> {
        let Some(row) = row else { return Ok(None) };
        let (sealed, phone, subject): (Vec<u8>, Option<String>, Option<String>) =
            sqlx::query_as("SELECT cccd_sealed, phone, oidc_subject FROM person WHERE id = $1")
                .bind(row.id)
                .fetch_one(&self.read)
                .await?;
        let memberships: Vec<MembershipRow> = sqlx::query_as(
            "SELECT m.organisation_id, o.name, m.grp, m.grade, m.class FROM membership m \
             JOIN organisation o ON o.id = m.organisation_id WHERE m.person_id = $1 ORDER BY o.name_key",
        )
        .bind(row.id)
        .fetch_all(&self.read)
        .await?;
        Ok(Some(PersonDetail {
            summary: row.into_summary()?,
            cccd_sealed: sealed,
            phone,
            oidc_subject: subject,
            memberships: memberships
                .into_iter()
                .map(|(id, name, grp, grade, class)| {
                    Ok(MembershipView {
                        organisation_id: id,
                        organisation_name: name,
                        group: crate::rows::group("membership", &grp)?,
                        grade: grade.and_then(|g| u8::try_from(g).ok()),
                        class,
                    })
                })
                .collect::<Result<_>>()?,
        }))
    }
}

/// Roster counter rows of the KPI groups (see `rows::kpi_group`).
fn counter_rows(table: &'static str, rows: Vec<(String, i64)>) -> Result<Vec<(Group, u64)>> {
    let mut out = Vec::with_capacity(rows.len());
    for (g, n) in rows {
        if let Some(g) = crate::rows::kpi_group(table, &g)? {
            out.push((g, crate::rows::number(table, "value", n)?));
        }
    }
    Ok(out)
}

/// A person's learning facts, as columns of a query over `person p` (see [`LearnerRow`]).
const LEARNER_FACTS: &str = "EXISTS (SELECT 1 FROM learner_mark m WHERE m.person_id = p.id AND m.metric = 'learning') AS learning, \
     EXISTS (SELECT 1 FROM learner_mark m WHERE m.person_id = p.id AND m.metric = 'skilled') AS skilled, \
     EXISTS (SELECT 1 FROM certificate c WHERE c.person_id = p.id AND c.revoked_at IS NULL) AS certified, \
     (SELECT COUNT(*) FROM lesson_progress lp JOIN lesson l ON l.id = lp.lesson_id \
      JOIN course_module cm ON cm.id = l.module_id JOIN course co ON co.id = cm.course_id \
      WHERE lp.person_id = p.id AND co.grp = 'adult' AND co.retired_at IS NULL AND l.retired_at IS NULL) AS lessons_done, \
     (SELECT MAX(lp.completed_at) FROM lesson_progress lp WHERE lp.person_id = p.id) AS last_lesson_at, \
     (SELECT COUNT(*) FROM lesson l JOIN course_module cm ON cm.id = l.module_id \
      JOIN course co ON co.id = cm.course_id \
      WHERE co.grp = 'adult' AND co.retired_at IS NULL AND l.retired_at IS NULL) AS lessons_total";

/// The status filter over the columns of [`LEARNER_FACTS`] (`x.`), `$7` being the instant
/// before which a last lesson makes a learner stuck: the rule of
/// `binhdan_app::learning_status`, in SQL, so that a filtered list pages by name.
const fn status_filter(status: Option<LearningStatus>) -> &'static str {
    match status {
        None => "$7 IS NOT NULL",
        Some(LearningStatus::Certified) => "x.certified",
        Some(LearningStatus::Skilled) => "NOT x.certified AND x.skilled",
        Some(LearningStatus::Learning) => {
            "NOT x.certified AND NOT x.skilled AND x.learning AND x.last_lesson_at >= $7"
        }
        Some(LearningStatus::Stuck) => {
            "NOT x.certified AND NOT x.skilled AND x.learning \
             AND (x.last_lesson_at IS NULL OR x.last_lesson_at < $7)"
        }
        Some(LearningStatus::NotStarted) => "NOT x.certified AND NOT x.skilled AND NOT x.learning",
    }
}

#[derive(sqlx::FromRow)]
#[allow(clippy::struct_excessive_bools, reason = "a row of independent facts")]
struct LearnerRow {
    id: i64,
    name: String,
    cccd_masked: String,
    birth_year: i64,
    birth_day: Option<i64>,
    sex: String,
    unit_code: String,
    unit_path: String,
    home: Option<String>,
    learning: bool,
    skilled: bool,
    certified: bool,
    lessons_done: i64,
    last_lesson_at: Option<i64>,
    lessons_total: i64,
}

impl LearnerRow {
    fn facts(&self) -> LearnerFacts {
        LearnerFacts {
            learning: self.learning,
            skilled: self.skilled,
            certified: self.certified,
            lessons_done: clamp_u32(self.lessons_done),
            last_lesson_at: self.last_lesson_at.map(Timestamp),
        }
    }
}

fn clamp_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

#[async_trait]
impl PeopleStore for Backend {
    async fn begin_people_import(
        &self,
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<Box<dyn PeopleImport>> {
        let tx = self.write.begin().await?;
        Ok(Box::new(ImportTx {
            tx: Some(tx),
            cutoff,
            now,
            units: std::collections::HashMap::new(),
            orgs: std::collections::HashMap::new(),
            unit_deltas: std::collections::BTreeMap::new(),
            org_deltas: std::collections::BTreeMap::new(),
        }))
    }

    async fn person(&self, id: i64) -> Result<Option<PersonDetail>> {
        let row: Option<PersonRow> = sqlx::query_as(select_person!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        self.person_detail(row).await
    }

    async fn person_by_cccd_hash(&self, hash: &[u8; 32]) -> Result<Option<PersonDetail>> {
        let row: Option<PersonRow> = sqlx::query_as(select_person!("WHERE cccd_hash = $1"))
            .bind(hash.to_vec())
            .fetch_optional(&self.read)
            .await?;
        self.person_detail(row).await
    }

    async fn person_by_oidc_subject(&self, subject: &str) -> Result<Option<PersonDetail>> {
        let row: Option<PersonRow> = sqlx::query_as(select_person!("WHERE oidc_subject = $1"))
            .bind(subject.to_owned())
            .fetch_optional(&self.read)
            .await?;
        self.person_detail(row).await
    }

    async fn link_oidc_subject(&self, person: i64, subject: &str, now: Timestamp) -> Result<()> {
        let done =
            sqlx::query("UPDATE person SET oidc_subject = $1, updated_at = $2 WHERE id = $3")
                .bind(subject.to_owned())
                .bind(now.millis())
                .bind(person)
                .execute(&self.write)
                .await;
        match done {
            Ok(r) if r.rows_affected() == 1 => Ok(()),
            Ok(_) => Err(StoreError::NotFound(Entity::Person)),
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                Err(StoreError::Conflict("oidc_subject"))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn people_under(
        &self,
        path: &str,
        text: &str,
        after: Option<(&str, i64)>,
        limit: u32,
    ) -> Result<Vec<PersonSummary>> {
        let upper =
            binhdan_core::unit::UnitPath::from_stored(path.to_owned()).subtree_upper_bound();
        let key: String = binhdan_core::text::search_key(text)
            .chars()
            .take(binhdan_core::text::MAX_SEARCH_CHARS)
            .collect();
        // The key holds only letters, digits and single spaces, so it needs no LIKE escaping.
        let pattern = format!("%{key}%");
        let (after_key, after_id) =
            after.map_or((None, None), |(k, i)| (Some(k.to_owned()), Some(i)));
        let rows: Vec<PersonRow> = sqlx::query_as(select_person!(
            "WHERE unit_path >= $1 AND unit_path < $2 AND name_key LIKE $3 \
             AND ($4 IS NULL OR name_key > $4 OR (name_key = $4 AND id > $5)) \
             ORDER BY name_key, id LIMIT $6"
        ))
        .bind(path.to_owned())
        .bind(upper)
        .bind(pattern)
        .bind(after_key)
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(PersonRow::into_summary).collect()
    }

    async fn people_named(&self, path: &str, name: &str, limit: u32) -> Result<Vec<PersonSummary>> {
        let upper =
            binhdan_core::unit::UnitPath::from_stored(path.to_owned()).subtree_upper_bound();
        let rows: Vec<PersonRow> = sqlx::query_as(select_person!(
            "WHERE name_key = $1 AND unit_path >= $2 AND unit_path < $3 ORDER BY id LIMIT $4"
        ))
        .bind(binhdan_core::text::search_key(name))
        .bind(path.to_owned())
        .bind(upper)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(PersonRow::into_summary).collect()
    }

    async fn learners_under(&self, q: &LearnersQuery<'_>) -> Result<LearnersPage> {
        let upper =
            binhdan_core::unit::UnitPath::from_stored(q.path.to_owned()).subtree_upper_bound();
        let key: String = binhdan_core::text::search_key(q.text)
            .chars()
            .take(binhdan_core::text::MAX_SEARCH_CHARS)
            .collect();
        // The key holds only letters, digits and single spaces, so it needs no LIKE escaping.
        let pattern = format!("%{key}%");
        let (after_key, after_id) = q
            .after
            .map_or((None, None), |(k, i)| (Some(k.to_owned()), Some(i)));
        let sql = format!(
            "SELECT x.* FROM (SELECT p.id, p.name, p.name_key, p.cccd_masked, p.birth_year, p.birth_day, \
             p.sex, p.unit_code, p.unit_path, u.name AS home, {LEARNER_FACTS} \
             FROM person p LEFT JOIN unit u ON u.code = p.unit_code \
             WHERE p.unit_path >= $1 AND p.unit_path < $2 AND p.name_key LIKE $3 \
             AND ($4 IS NULL OR p.name_key > $4 OR (p.name_key = $4 AND p.id > $5))) x \
             WHERE {} ORDER BY x.name_key, x.id LIMIT $6",
            status_filter(q.status)
        );
        let rows: Vec<LearnerRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(q.path.to_owned())
            .bind(upper)
            .bind(pattern)
            .bind(after_key)
            .bind(after_id)
            .bind(i64::from(q.limit))
            .bind(q.stuck_before.millis())
            .fetch_all(&self.read)
            .await?;
        let lessons_total = rows.first().map_or(0, |r| clamp_u32(r.lessons_total));
        Ok(LearnersPage {
            lessons_total,
            people: rows
                .into_iter()
                .map(|r| {
                    let facts = r.facts();
                    Ok(LearnerListing {
                        home: r.home.clone().unwrap_or_else(|| r.unit_code.clone()),
                        facts,
                        person: PersonRow {
                            id: r.id,
                            name: r.name,
                            cccd_masked: r.cccd_masked,
                            birth_year: r.birth_year,
                            birth_day: r.birth_day,
                            sex: r.sex,
                            unit_code: r.unit_code,
                            unit_path: r.unit_path,
                        }
                        .into_summary()?,
                    })
                })
                .collect::<Result<_>>()?,
        })
    }

    async fn learner_facts(&self, person: i64) -> Result<(LearnerFacts, u32)> {
        let sql = format!(
            "SELECT p.id, p.name, p.cccd_masked, p.birth_year, p.birth_day, p.sex, p.unit_code, \
             p.unit_path, NULL AS home, {LEARNER_FACTS} FROM person p WHERE p.id = $1"
        );
        let row: Option<LearnerRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(person)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map_or((LearnerFacts::default(), 0), |r| {
            (r.facts(), clamp_u32(r.lessons_total))
        }))
    }

    async fn organisation_members(
        &self,
        organisation: i64,
        limit: u32,
    ) -> Result<Vec<PersonSummary>> {
        let rows: Vec<PersonRow> = sqlx::query_as(
            "SELECT p.id, p.name, p.cccd_masked, p.birth_year, p.birth_day, p.sex, p.unit_code, p.unit_path \
             FROM membership m JOIN person p ON p.id = m.person_id WHERE m.organisation_id = $1 \
             ORDER BY p.name_key, p.id LIMIT $2",
        )
        .bind(organisation)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(PersonRow::into_summary).collect()
    }

    async fn roster_under(
        &self,
        path: &str,
        level: UnitLevel,
        code: &UnitCode,
    ) -> Result<Vec<(Group, u64)>> {
        let rows: Vec<(String, i64)> = match level {
            UnitLevel::Village | UnitLevel::Commune => {
                sqlx::query_as("SELECT grp, value FROM unit_counter WHERE unit_code = $1 AND metric = 'roster' ORDER BY grp")
                    .bind(code.as_str().to_owned())
                    .fetch_all(&self.read)
                    .await?
            }
            UnitLevel::Province => {
                let upper = binhdan_core::unit::UnitPath::from_stored(path.to_owned()).subtree_upper_bound();
                sqlx::query_as(
                    "SELECT grp, CAST(SUM(value) AS BIGINT) FROM unit_counter WHERE level = 'commune' \
                     AND path >= $1 AND path < $2 AND metric = 'roster' GROUP BY grp ORDER BY grp",
                )
                .bind(path.to_owned())
                .bind(upper)
                .fetch_all(&self.read)
                .await?
            }
        };
        counter_rows("unit_counter", rows)
    }

    async fn organisation_roster(&self, organisation: i64) -> Result<Vec<(Group, u64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT grp, value FROM organisation_counter WHERE organisation_id = $1 AND metric = 'roster' ORDER BY grp",
        )
        .bind(organisation)
        .fetch_all(&self.read)
        .await?;
        counter_rows("organisation_counter", rows)
    }

    async fn create_organisation(
        &self,
        org: &NewOrganisation,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<Organisation> {
        let mut tx = self.write.begin().await?;
        let unit: Option<(String, String)> =
            sqlx::query_as("SELECT path, level FROM unit WHERE code = $1")
                .bind(org.commune.as_str().to_owned())
                .fetch_optional(&mut *tx)
                .await?;
        let Some((path, level)) = unit else {
            return Err(StoreError::NotFound(Entity::Unit));
        };
        if level != "commune" {
            return Err(StoreError::NotFound(Entity::Commune));
        }
        let name = binhdan_core::text::clean(&org.name);
        let inserted: std::result::Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO organisation (kind, code, name, name_key, unit_code, unit_path, min_grade, max_grade, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(org.kind.as_str())
        .bind(org.code.clone())
        .bind(name.clone())
        .bind(binhdan_core::text::search_key(&name))
        .bind(org.commune.as_str().to_owned())
        .bind(path.clone())
        .bind(org.grades.map(|g| i64::from(g.0)))
        .bind(org.grades.map(|g| i64::from(g.1)))
        .bind(now.millis())
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Err(StoreError::Conflict("organisation"));
            }
            Err(e) => return Err(e.into()),
        };
        append_audit_in(&mut tx, &audit.subject(format!("organisation:{id}")), now).await?;
        tx.commit().await?;
        Ok(Organisation {
            id,
            kind: org.kind,
            code: org.code.clone(),
            name,
            unit_code: org.commune.as_str().to_owned(),
            unit_path: path,
            grades: org.grades,
        })
    }

    async fn organisation(&self, id: i64) -> Result<Option<Organisation>> {
        let row: Option<OrgRow> = sqlx::query_as(select_org!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(OrgRow::into_org).transpose()
    }

    async fn organisation_by_code(
        &self,
        kind: OrgKind,
        code: &str,
    ) -> Result<Option<Organisation>> {
        let row: Option<OrgRow> = sqlx::query_as(select_org!("WHERE kind = $1 AND code = $2"))
            .bind(kind.as_str())
            .bind(code.to_owned())
            .fetch_optional(&self.read)
            .await?;
        row.map(OrgRow::into_org).transpose()
    }

    async fn organisations_under(&self, path: &str, limit: u32) -> Result<Vec<Organisation>> {
        let upper =
            binhdan_core::unit::UnitPath::from_stored(path.to_owned()).subtree_upper_bound();
        let rows: Vec<OrgRow> = sqlx::query_as(select_org!(
            "WHERE unit_path >= $1 AND unit_path < $2 ORDER BY name_key, id LIMIT $3"
        ))
        .bind(path.to_owned())
        .bind(upper)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(OrgRow::into_org).collect()
    }
}

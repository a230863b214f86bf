//! A village's residents as its team sees them (`ResidentStore`): one bounded query a page,
//! the standing of each read only for the rows shown.

use super::Backend;
use crate::prelude::*;
use crate::{
    Resident, ResidentStore, ResidentToVisit, ResidentsPage, ResidentsQuery, VisitNextQuery,
};

#[derive(sqlx::FromRow)]
#[allow(clippy::struct_excessive_bools, reason = "a row of independent facts")]
struct ResidentRow {
    id: i64,
    name: String,
    cccd_masked: String,
    birth_year: i64,
    has_phone: bool,
    household: Option<String>,
    learning: bool,
    skilled: bool,
    certified: bool,
    reached: bool,
    last_lesson_at: Option<i64>,
    last_visit_on: Option<i64>,
}

impl TryFrom<ResidentRow> for Resident {
    type Error = StoreError;

    /// # Errors
    /// A birth year that does not fit is [`StoreError::Corrupt`].
    fn try_from(r: ResidentRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            name: r.name,
            cccd_masked: r.cccd_masked,
            birth_year: crate::rows::number("person", "birth_year", r.birth_year)?,
            has_phone: r.has_phone,
            household: r.household,
            learning: r.learning,
            skilled: r.skilled,
            certified: r.certified,
            reached: r.reached,
            last_lesson_at: r.last_lesson_at.map(Timestamp),
            last_visit_on: r.last_visit_on,
        })
    }
}

/// A resident's columns (`p` the person, `h` their household, `$1` the village): the facts of
/// the learning status and of the team's work.
const RESIDENT_COLUMNS: &str = "p.id, p.name, p.name_key, p.cccd_masked, p.birth_year, \
     p.phone IS NOT NULL AS has_phone, h.label AS household, \
     EXISTS (SELECT 1 FROM learner_mark m WHERE m.person_id = p.id AND m.metric = 'learning') AS learning, \
     EXISTS (SELECT 1 FROM learner_mark m WHERE m.person_id = p.id AND m.metric = 'skilled') AS skilled, \
     EXISTS (SELECT 1 FROM certificate c WHERE c.person_id = p.id AND c.revoked_at IS NULL) AS certified, \
     EXISTS (SELECT 1 FROM team_reach r WHERE r.village_code = $1 AND r.person_id = p.id) AS reached, \
     (SELECT MAX(l.completed_at) FROM lesson_progress l WHERE l.person_id = p.id) AS last_lesson_at, \
     (SELECT MAX(v.visited_on) FROM team_visit v WHERE v.person_id = p.id) AS last_visit_on";

#[derive(sqlx::FromRow)]
struct ToVisitRow {
    #[sqlx(flatten)]
    resident: ResidentRow,
    recent: i64,
    why: i64,
}

#[async_trait]
impl ResidentStore for Backend {
    async fn residents(&self, village: &UnitCode, query: &ResidentsQuery) -> Result<ResidentsPage> {
        let Some(path) = self.path_of(village).await? else {
            return Ok(ResidentsPage::default());
        };
        // The key holds only letters, digits and single spaces, so it needs no LIKE escaping.
        let pattern = query
            .name
            .as_deref()
            .map(|text| {
                binhdan_core::text::search_key(text)
                    .chars()
                    .take(binhdan_core::text::MAX_SEARCH_CHARS)
                    .collect::<String>()
            })
            .filter(|key| !key.is_empty())
            .map(|key| format!("%{key}%"));
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM person WHERE unit_path = $1 AND ($2 IS NULL OR name_key LIKE $2)",
        )
        .bind(path.as_str())
        .bind(pattern.as_deref())
        .fetch_one(&self.read)
        .await?;
        // The page is chosen on the sort keys alone; the standing (five look-ups a person) is
        // read only for the rows shown.
        let sql = format!(
            "SELECT {RESIDENT_COLUMNS} FROM (SELECT p.id AS pid, \
             CASE WHEN h.label_key IS NULL THEN 1 ELSE 0 END AS no_household, \
             h.label_key AS household_key, p.name_key AS person_key \
             FROM person p LEFT JOIN team_household h ON h.person_id = p.id \
             WHERE p.unit_path = $2 AND ($5 IS NULL OR p.name_key LIKE $5) \
             ORDER BY no_household, household_key, person_key, p.id LIMIT $3 OFFSET $4) pg \
             JOIN person p ON p.id = pg.pid LEFT JOIN team_household h ON h.person_id = p.id \
             ORDER BY pg.no_household, pg.household_key, pg.person_key, p.id"
        );
        let rows: Vec<ResidentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(village.as_str())
            .bind(path.as_str())
            .bind(i64::from(query.limit))
            .bind(i64::from(query.offset))
            .bind(pattern.as_deref())
            .fetch_all(&self.read)
            .await?;
        Ok(ResidentsPage {
            residents: rows
                .into_iter()
                .map(Resident::try_from)
                .collect::<Result<_>>()?,
            total: crate::rows::number("person", "count", total)?,
        })
    }

    async fn resident(&self, village: &UnitCode, person_id: i64) -> Result<Option<Resident>> {
        let Some(path) = self.path_of(village).await? else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {RESIDENT_COLUMNS} FROM person p LEFT JOIN team_household h ON h.person_id = p.id \
             WHERE p.unit_path = $2 AND p.id = $3"
        );
        let row: Option<ResidentRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(village.as_str())
            .bind(path.as_str())
            .bind(person_id)
            .fetch_optional(&self.read)
            .await?;
        row.map(Resident::try_from).transpose()
    }

    async fn residents_to_visit(
        &self,
        village: &UnitCode,
        query: &VisitNextQuery,
    ) -> Result<Vec<ResidentToVisit>> {
        let Some(path) = self.path_of(village).await? else {
            return Ok(Vec::new());
        };
        // The rule of `binhdan_app::learning_status` in SQL (as `learners_under` has it): not
        // certified, and skilled (ready for the exam), not started, or stuck.
        let sql = format!(
            "SELECT x.*, CAST(CASE WHEN x.last_visit_on >= $4 THEN 1 ELSE 0 END AS BIGINT) AS recent, \
             CAST(CASE WHEN x.skilled THEN 0 WHEN x.learning THEN 1 ELSE 2 END AS BIGINT) AS why \
             FROM (SELECT {RESIDENT_COLUMNS} FROM person p \
             LEFT JOIN team_household h ON h.person_id = p.id WHERE p.unit_path = $2) x \
             WHERE NOT x.certified AND (x.skilled OR NOT x.learning \
             OR x.last_lesson_at IS NULL OR x.last_lesson_at < $3) \
             ORDER BY recent, why, CASE WHEN x.last_visit_on IS NULL THEN 0 ELSE 1 END, \
             x.last_visit_on, x.name_key, x.id LIMIT $5 OFFSET $6"
        );
        let rows: Vec<ToVisitRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(village.as_str())
            .bind(path.as_str())
            .bind(query.stuck_before.millis())
            .bind(query.visited_since)
            .bind(i64::from(query.limit))
            .bind(i64::from(query.offset))
            .fetch_all(&self.read)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(ResidentToVisit {
                    status: match r.why {
                        0 => crate::LearningStatus::Skilled,
                        1 => crate::LearningStatus::Stuck,
                        _ => crate::LearningStatus::NotStarted,
                    },
                    visited_recently: r.recent == 1,
                    resident: r.resident.try_into()?,
                })
            })
            .collect()
    }
}

//! The unit and organisation counters, written once for both backends (see the crate docs):
//! how every writer moves them (`apply_unit_deltas`, `apply_org_deltas`, in the writer's
//! transaction), and their rebuild from the facts.
//!
//! What each counter counts, as the writers move it (`learning.rs`, `assessment.rs`,
//! `certificates.rs`, `people_import.rs`), here as GROUP BYs over the facts:
//! * at the person's unit, under the fact's group: `lessons` (lessons done, under the course's
//!   group), `quizzes_passed` (modules passed at least once), `learning` and `skilled`
//!   (`learner_mark`), `placed`, `assessed`, `gain_milli` (`ability`), `proficient`
//!   (`exam_pass` not voided), `certified` (certificates not revoked), `participated` (`learner_mark`: came
//!   to a live event);
//! * `roster`: adults at the person's unit, members at their organisation's unit;
//! * per organisation: the same learning figures for members whose membership gives the fact's
//!   group, and `roster` per membership.
//!
//! * per village, under the pseudo-group `team` (`teams.rs`): `visits`, `reached` (people
//!   visited or taught, once each) and `classes` of the village's team, and
//!   `certified_assisted` (passed supervised sittings not voided, `assist.rs`).
//!
//! * `unit_task_counter`, per unit, group, simulated task and kind of sitting: `tried` and
//!   `could` (what people could do, once per person: the rule is migration 0023's), moved by
//!   `record_task_step`, a voided supervised sitting and a move home (`move_person_tasks`,
//!   `move_home_tasks`); `organisation_task_counter` the same per organisation, for members
//!   whose membership gives the result's group (migration 0026), moved by the same writers
//!   and by a new membership (`join_org_tasks`).
//!
//! A village's figures are also its commune's.

use super::assessment::milli;
use super::people::is_adult_born;
use super::task_counters::{rebuild_all_task_counters, write_task_counter_fixes};
use super::units::{UnitFacts, unit_facts};
use super::{Backend, Db};
use crate::prelude::*;

/// The distinct unit codes of a batch (each looked up once by [`unit_facts`]), in order.
pub(super) fn distinct_units<'a>(codes: impl Iterator<Item = &'a String>) -> Vec<String> {
    codes
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect()
}

/// Adds `deltas` (unit code, group, metric → change) to the unit counters, each on the unit's
/// own row and, for a village, on its commune's: O(units touched) rows, never a shared hot row.
/// Moves the counters of the units named (a village's also moves its commune's), and the
/// commune's daily change for the day of `now` in Vietnam, which trends and week-on-week
/// rankings read.
pub(super) async fn apply_unit_deltas(
    tx: &mut sqlx::Transaction<'_, Db>,
    deltas: &std::collections::BTreeMap<(String, &'static str, &'static str), i64>,
    now: Timestamp,
) -> Result<()> {
    let day = vietnam_day(now);
    let mut by_unit: std::collections::BTreeMap<(String, &'static str, &'static str), i64> =
        std::collections::BTreeMap::new();
    let codes = distinct_units(deltas.keys().map(|k| &k.0));
    let facts = unit_facts(tx, &codes).await?;
    for ((code, grp, metric), d) in deltas {
        if *d == 0 {
            continue;
        }
        let Some(f) = facts.get(code) else { continue };
        *by_unit.entry((code.clone(), grp, metric)).or_default() += d;
        if f.level == "village"
            && let Some(parent) = &f.parent_code
        {
            *by_unit.entry((parent.clone(), grp, metric)).or_default() += d;
        }
    }
    let parents = distinct_units(
        by_unit
            .keys()
            .map(|k| &k.0)
            .filter(|c| !facts.contains_key(*c)),
    );
    let mut facts = facts;
    facts.extend(unit_facts(tx, &parents).await?);
    // One multi-row statement per table and chunk, whatever the number of units.
    let rows: Vec<(&String, &UnitFacts, &str, &str, i64)> = by_unit
        .iter()
        .filter(|(_, d)| **d != 0)
        .filter_map(|((code, grp, metric), d)| Some((code, facts.get(code)?, *grp, *metric, *d)))
        .collect();
    for chunk in rows.chunks(DELTA_CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO unit_counter (unit_code, level, path, grp, metric, value) ",
        );
        q.push_values(chunk, |mut b, (code, f, grp, metric, d)| {
            b.push_bind((*code).clone())
                .push_bind(f.level.clone())
                .push_bind(f.path.clone())
                .push_bind(*grp)
                .push_bind(*metric)
                .push_bind(*d);
        });
        q.push(" ON CONFLICT (unit_code, grp, metric) DO UPDATE SET value = unit_counter.value + excluded.value");
        q.build().execute(&mut **tx).await?;
    }
    let communes: Vec<&(&String, &UnitFacts, &str, &str, i64)> =
        rows.iter().filter(|r| r.1.level == "commune").collect();
    for chunk in communes.chunks(DELTA_CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO unit_day_counter (commune_code, path, grp, metric, day, value) ",
        );
        q.push_values(chunk, |mut b, (code, f, grp, metric, d)| {
            b.push_bind((*code).clone())
                .push_bind(f.path.clone())
                .push_bind(*grp)
                .push_bind(*metric)
                .push_bind(day)
                .push_bind(*d);
        });
        q.push(" ON CONFLICT (commune_code, grp, metric, day) DO UPDATE SET value = unit_day_counter.value + excluded.value");
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Counter rows per multi-row statement (six bound values each).
pub(super) const DELTA_CHUNK: usize = 1_000;

/// Days since 1970-01-01 of the calendar day in Vietnam (UTC+7) at `t`.
fn vietnam_day(t: Timestamp) -> i64 {
    binhdan_core::time::vietnam_day(t)
}

/// Moves organisations' counters, and their daily changes for the day of `now` in Vietnam
/// (the week-on-week change of the organisations' ranking reads these).
pub(super) async fn apply_org_deltas(
    tx: &mut sqlx::Transaction<'_, Db>,
    deltas: &std::collections::BTreeMap<(i64, &'static str, &'static str), i64>,
    now: Timestamp,
) -> Result<()> {
    let day = vietnam_day(now);
    let rows: Vec<(&(i64, &'static str, &'static str), &i64)> =
        deltas.iter().filter(|(_, d)| **d != 0).collect();
    for chunk in rows.chunks(DELTA_CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO organisation_counter (organisation_id, grp, metric, value) ",
        );
        q.push_values(chunk, |mut b, ((org, grp, metric), d)| {
            b.push_bind(*org)
                .push_bind(*grp)
                .push_bind(*metric)
                .push_bind(**d);
        });
        q.push(" ON CONFLICT (organisation_id, grp, metric) DO UPDATE SET value = organisation_counter.value + excluded.value");
        q.build().execute(&mut **tx).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO organisation_day_counter (organisation_id, grp, metric, day, value) ",
        );
        q.push_values(chunk, |mut b, ((org, grp, metric), d)| {
            b.push_bind(*org)
                .push_bind(*grp)
                .push_bind(*metric)
                .push_bind(day)
                .push_bind(**d);
        });
        q.push(" ON CONFLICT (organisation_id, grp, metric, day) DO UPDATE SET value = organisation_day_counter.value + excluded.value");
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

type UnitKey = (String, String, String);
type OrgKey = (i64, String, String);

/// Counts from the facts: per (unit, group, metric) at the unit where each fact belongs
/// (villages not yet added to their communes), and per (organisation, group, metric). With a
/// person, only their learning facts (no roster), for moving them.
async fn facts_counts(
    conn: &mut <Db as sqlx::Database>::Connection,
    person: Option<i64>,
    cutoff: AdultCutoff,
) -> Result<(
    std::collections::BTreeMap<UnitKey, i64>,
    std::collections::BTreeMap<OrgKey, i64>,
)> {
    let mut units: std::collections::BTreeMap<UnitKey, i64> = std::collections::BTreeMap::new();
    let mut orgs: std::collections::BTreeMap<OrgKey, i64> = std::collections::BTreeMap::new();
    let only = if person.is_some() {
        "AND p.id = $1"
    } else {
        ""
    };
    // Each source counts (key, group, metric, n): the key is the person's unit, or (joined to
    // the memberships that give the fact's group) the organisation. The SQL is built from
    // these constants only.
    let sources: [(&str, String); 6] = [
        (
            "lessons",
            format!(
                "SELECT {{key}}, c.grp, 'lessons', COUNT(*) FROM lesson_progress f JOIN person p ON p.id = f.person_id \
                 JOIN lesson l ON l.id = f.lesson_id JOIN course_module cm ON cm.id = l.module_id JOIN course c ON c.id = cm.course_id \
                 {{join}} WHERE {{org}}1 = 1 {only} GROUP BY {{key}}, c.grp"
            ),
        ),
        (
            "quizzes_passed",
            format!(
                "SELECT {{key}}, c.grp, 'quizzes_passed', COUNT(*) FROM \
                 (SELECT DISTINCT person_id, module_id FROM quiz_attempt WHERE passed = TRUE) f JOIN person p ON p.id = f.person_id \
                 JOIN course_module cm ON cm.id = f.module_id JOIN course c ON c.id = cm.course_id \
                 {{join}} WHERE {{org}}1 = 1 {only} GROUP BY {{key}}, c.grp"
            ),
        ),
        (
            "marks",
            format!(
                "SELECT {{key}}, f.grp, f.metric, COUNT(*) FROM learner_mark f JOIN person p ON p.id = f.person_id \
                 {{join}} WHERE {{org}}1 = 1 {only} GROUP BY {{key}}, f.grp, f.metric"
            ),
        ),
        (
            "proficient",
            format!(
                "SELECT {{key}}, f.grp, 'proficient', COUNT(*) FROM exam_pass f JOIN person p ON p.id = f.person_id \
                 {{join}} WHERE {{org}}f.voided_at IS NULL {only} GROUP BY {{key}}, f.grp"
            ),
        ),
        (
            "certified",
            format!(
                "SELECT {{key}}, f.grp, 'certified', COUNT(*) FROM certificate f JOIN person p ON p.id = f.person_id \
                 {{join}} WHERE {{org}}f.revoked_at IS NULL {only} GROUP BY {{key}}, f.grp"
            ),
        ),
        (
            "placed",
            format!(
                "SELECT {{key}}, f.grp, 'placed', COUNT(*) FROM ability f JOIN person p ON p.id = f.person_id \
                 {{join}} WHERE {{org}}f.placement_theta IS NOT NULL {only} GROUP BY {{key}}, f.grp"
            ),
        ),
    ];
    for (_, sql) in &sources {
        let unit_sql = sql
            .replace("{key}", "p.unit_code")
            .replace("{join}", "")
            .replace("{org}", "");
        let q = sqlx::query_as::<_, (String, String, String, i64)>(sqlx::AssertSqlSafe(unit_sql));
        let q = if let Some(p) = person { q.bind(p) } else { q };
        for (unit, grp, metric, n) in q.fetch_all(&mut *conn).await? {
            *units.entry((unit, grp, metric)).or_default() += n;
        }
        // The membership must give the fact's group.
        let grp_col = if sql.contains("c.grp") {
            "c.grp"
        } else {
            "f.grp"
        };
        let org_sql = sql
            .replace("{key}", "ms.organisation_id")
            .replace("{join}", "JOIN membership ms ON ms.person_id = p.id")
            .replace("{org}", &format!("ms.grp = {grp_col} AND "));
        let q = sqlx::query_as::<_, (i64, String, String, i64)>(sqlx::AssertSqlSafe(org_sql));
        let q = if let Some(p) = person { q.bind(p) } else { q };
        for (org, grp, metric, n) in q.fetch_all(&mut *conn).await? {
            *orgs.entry((org, grp, metric)).or_default() += n;
        }
    }
    // Gains: both measures known, summed as the writers round them (thousandths of θ).
    let gains_sql = format!(
        "SELECT p.id, p.unit_code, f.grp, f.placement_theta, f.best_theta FROM ability f JOIN person p ON p.id = f.person_id \
         WHERE f.placement_theta IS NOT NULL AND f.best_theta IS NOT NULL {only}"
    );
    let q = sqlx::query_as::<_, (i64, String, String, f64, f64)>(sqlx::AssertSqlSafe(gains_sql));
    let q = if let Some(p) = person { q.bind(p) } else { q };
    let gains = q.fetch_all(&mut *conn).await?;
    if !gains.is_empty() {
        let members: Vec<(i64, i64, String)> = if let Some(p) = person {
            sqlx::query_as(
                "SELECT person_id, organisation_id, grp FROM membership WHERE person_id = $1",
            )
            .bind(p)
            .fetch_all(&mut *conn)
            .await?
        } else {
            sqlx::query_as("SELECT person_id, organisation_id, grp FROM membership")
                .fetch_all(&mut *conn)
                .await?
        };
        for (id, unit, grp, placement, best) in gains {
            let gain = milli(best - placement);
            *units
                .entry((unit.clone(), grp.clone(), "assessed".into()))
                .or_default() += 1;
            *units
                .entry((unit, grp.clone(), "gain_milli".into()))
                .or_default() += gain;
            for (_, org, g) in members.iter().filter(|m| m.0 == id && m.2 == grp) {
                *orgs
                    .entry((*org, g.clone(), "assessed".into()))
                    .or_default() += 1;
                *orgs
                    .entry((*org, g.clone(), "gain_milli".into()))
                    .or_default() += gain;
            }
        }
    }
    if person.is_none() {
        // The roster: adults where they live, members where their organisation is.
        let people: Vec<(String, i64, Option<i64>)> =
            sqlx::query_as("SELECT unit_code, birth_year, birth_day FROM person")
                .fetch_all(&mut *conn)
                .await?;
        for (unit, year, day) in people {
            if is_adult_born(year, day, cutoff) {
                *units
                    .entry((unit, Group::Adult.as_str().to_owned(), "roster".into()))
                    .or_default() += 1;
            }
        }
        let members: Vec<(String, i64, String, i64)> = sqlx::query_as(
            "SELECT o.unit_code, m.organisation_id, m.grp, COUNT(*) FROM membership m \
             JOIN organisation o ON o.id = m.organisation_id GROUP BY o.unit_code, m.organisation_id, m.grp",
        )
        .fetch_all(&mut *conn)
        .await?;
        for (unit, org, grp, n) in members {
            *units
                .entry((unit, grp.clone(), "roster".into()))
                .or_default() += n;
            *orgs.entry((org, grp, "roster".into())).or_default() += n;
        }
    }
    Ok((units, orgs))
}

/// The metrics a person's learning moves, as the static names the deltas take.
pub(super) const LEARNING_METRICS: [&str; 10] = [
    "lessons",
    "quizzes_passed",
    "learning",
    "skilled",
    "placed",
    "assessed",
    "gain_milli",
    "proficient",
    "certified",
    "participated",
];

/// A person's learning figures (no roster), per (group, metric): what moves with them.
pub(super) async fn person_learning(
    conn: &mut <Db as sqlx::Database>::Connection,
    person: i64,
) -> Result<Vec<(String, String, i64)>> {
    let (units, _) = facts_counts(conn, Some(person), AdultCutoff(i64::MIN)).await?;
    let mut by: std::collections::BTreeMap<(String, String), i64> =
        std::collections::BTreeMap::new();
    for ((_, grp, metric), n) in units {
        *by.entry((grp, metric)).or_default() += n;
    }
    Ok(by
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((g, m), n)| (g, m, n))
        .collect())
}

#[async_trait]
impl CounterStore for Backend {
    async fn rebuild_counters(
        &self,
        cutoff: AdultCutoff,
        write: bool,
        now: Timestamp,
    ) -> Result<CounterRebuild> {
        let mut tx = self.write.begin().await?;
        let (mut by_unit, orgs) = facts_counts(&mut tx, None, cutoff).await?;
        // The village teams' figures (`teams.rs`), at the village where the work was done.
        let mut team = super::teams::team_counts(&mut tx).await?;
        team.extend(super::assist::assisted_counts(&mut tx).await?);
        for (village, metric, n) in team {
            *by_unit
                .entry((village, crate::TEAM_GROUP.to_owned(), metric.to_owned()))
                .or_default() += n;
        }
        // Villages add to their communes.
        let units: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT code, level, parent_code FROM unit WHERE level IN ('village', 'commune')",
        )
        .fetch_all(&mut *tx)
        .await?;
        let parent: std::collections::HashMap<&str, &str> = units
            .iter()
            .filter(|(_, level, _)| level == "village")
            .filter_map(|(code, _, p)| Some((code.as_str(), p.as_deref()?)))
            .collect();
        let mut rebuilt: std::collections::BTreeMap<UnitKey, i64> =
            std::collections::BTreeMap::new();
        for ((unit, grp, metric), n) in by_unit {
            if let Some(p) = parent.get(unit.as_str()) {
                *rebuilt
                    .entry(((*p).to_owned(), grp.clone(), metric.clone()))
                    .or_default() += n;
            }
            *rebuilt.entry((unit, grp, metric)).or_default() += n;
        }
        let stored: Vec<(String, String, String, i64)> =
            sqlx::query_as("SELECT unit_code, grp, metric, value FROM unit_counter")
                .fetch_all(&mut *tx)
                .await?;
        let stored_orgs: Vec<(i64, String, String, i64)> =
            sqlx::query_as("SELECT organisation_id, grp, metric, value FROM organisation_counter")
                .fetch_all(&mut *tx)
                .await?;
        let mut report = CounterRebuild::default();
        let mut unit_deltas: std::collections::BTreeMap<UnitKey, i64> =
            std::collections::BTreeMap::new();
        let stored_units: std::collections::BTreeMap<UnitKey, i64> = stored
            .into_iter()
            .map(|(u, g, m, v)| ((u, g, m), v))
            .collect();
        for key in stored_units
            .keys()
            .chain(rebuilt.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let (s, r) = (
                stored_units.get(key).copied().unwrap_or(0),
                rebuilt.get(key).copied().unwrap_or(0),
            );
            report.compared += 1;
            if s != r {
                report.differences.push(CounterDifference {
                    scope: format!("unit:{}", key.0),
                    group: key.1.clone(),
                    metric: key.2.clone(),
                    stored: s,
                    rebuilt: r,
                });
                unit_deltas.insert(key.clone(), r - s);
            }
        }
        let stored_orgs: std::collections::BTreeMap<OrgKey, i64> = stored_orgs
            .into_iter()
            .map(|(o, g, m, v)| ((o, g, m), v))
            .collect();
        let mut org_fixes: Vec<(OrgKey, i64, i64)> = Vec::new();
        for key in stored_orgs
            .keys()
            .chain(orgs.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let (s, r) = (
                stored_orgs.get(key).copied().unwrap_or(0),
                orgs.get(key).copied().unwrap_or(0),
            );
            report.compared += 1;
            if s != r {
                report.differences.push(CounterDifference {
                    scope: format!("organisation:{}", key.0),
                    group: key.1.clone(),
                    metric: key.2.clone(),
                    stored: s,
                    rebuilt: r,
                });
                org_fixes.push((key.clone(), r, r - s));
            }
        }
        // The task figures (what people could do), per unit, group, task and kind.
        let task_fixes = rebuild_all_task_counters(&mut tx, &parent, &mut report).await?;
        if !write || report.differences.is_empty() {
            return Ok(report);
        }
        write_task_counter_fixes(&mut tx, &task_fixes).await?;
        // Set each differing counter to its rebuilt value; a commune's daily changes get the
        // correction on today, so they still add up to the counter.
        let day = vietnam_day(now);
        for ((unit, grp, metric), delta) in &unit_deltas {
            let Some((_, level, _)) = units.iter().find(|u| &u.0 == unit) else {
                continue;
            };
            let path: String = sqlx::query_scalar("SELECT path FROM unit WHERE code = $1")
                .bind(unit)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO unit_counter (unit_code, level, path, grp, metric, value) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (unit_code, grp, metric) DO UPDATE SET value = unit_counter.value + excluded.value",
            )
            .bind(unit)
            .bind(level)
            .bind(&path)
            .bind(grp)
            .bind(metric)
            .bind(delta)
            .execute(&mut *tx)
            .await?;
            if level == "commune" {
                sqlx::query(
                    "INSERT INTO unit_day_counter (commune_code, path, grp, metric, day, value) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (commune_code, grp, metric, day) DO UPDATE SET value = unit_day_counter.value + excluded.value",
                )
                .bind(unit)
                .bind(&path)
                .bind(grp)
                .bind(metric)
                .bind(day)
                .bind(delta)
                .execute(&mut *tx)
                .await?;
            }
        }
        for ((org, grp, metric), value, delta) in org_fixes {
            sqlx::query(
                "INSERT INTO organisation_counter (organisation_id, grp, metric, value) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (organisation_id, grp, metric) DO UPDATE SET value = excluded.value",
            )
            .bind(org)
            .bind(&grp)
            .bind(&metric)
            .bind(value)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO organisation_day_counter (organisation_id, grp, metric, day, value) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (organisation_id, grp, metric, day) DO UPDATE SET value = organisation_day_counter.value + excluded.value",
            )
            .bind(org)
            .bind(&grp)
            .bind(&metric)
            .bind(day)
            .bind(delta)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        report.written = true;
        Ok(report)
    }
}

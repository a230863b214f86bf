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
use super::units::{UnitFacts, unit_facts};
use super::{Backend, Db};
use crate::prelude::*;

/// The distinct unit codes of a batch (each looked up once by [`unit_facts`]), in order.
fn distinct_units<'a>(codes: impl Iterator<Item = &'a String>) -> Vec<String> {
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
const DELTA_CHUNK: usize = 1_000;

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
        let task_fixes = rebuild_task_counters(&mut tx, &parent, &mut report).await?;
        let org_tasks: OrgTaskTallies = tallies(&mut tx, AT_ORGANISATION, None, None).await?;
        let stored = "SELECT organisation_id, grp, task_id, kind, tried, could FROM organisation_task_counter";
        let org_task_fixes =
            compare_tallies(&mut tx, stored, &org_tasks, "organisation", &mut report).await?;
        if !write || report.differences.is_empty() {
            return Ok(report);
        }
        write_task_fixes(&mut tx, &task_fixes).await?;
        let org_task_fixes: OrgTaskTallies = org_task_fixes
            .into_iter()
            .map(|(key, _, change)| (key, change))
            .collect();
        apply_org_task_deltas(&mut tx, &org_task_fixes).await?;
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

/// A task counter's figures: (people who tried it, people who could do it).
pub(super) type TaskTally = (i64, i64);
/// A task counter's key: (where, group, task id, kind of sitting); where is a unit's code or
/// an organisation's id.
type TaskKeyAt<K> = (K, String, String, String);
type TaskKey = TaskKeyAt<String>;
type Tallies<K> = std::collections::BTreeMap<TaskKeyAt<K>, TaskTally>;
type TaskTallies = Tallies<String>;
type OrgTaskTallies = Tallies<i64>;

/// Where the task figures of people are summed: the key's column, and the join that gives it.
type SummedBy = (&'static str, &'static str);
/// At each person's unit (villages not yet added to their communes).
const AT_UNIT: SummedBy = ("p.unit_code", "JOIN person p ON p.id = t.person_id");
/// At each organisation whose membership gives the result's group, as the organisation
/// counters count learning (migration 0026).
const AT_ORGANISATION: SummedBy = (
    "ms.organisation_id",
    "JOIN membership ms ON ms.person_id = t.person_id AND ms.grp = t.grp",
);

/// The task figures from the facts (the rule is migration 0023's): per person, group, task and
/// kind once, `tried` if given it in a sitting of that kind, `could` if they could do it in
/// one, sittings voided by the commune left out; summed `by` unit or organisation. With
/// `person`, only theirs. `unvoided` is a sitting counted as if it were not voided: the
/// figures just before the commune voided it.
async fn tallies<K>(
    conn: &mut <Db as sqlx::Database>::Connection,
    (key, join): SummedBy,
    person: Option<i64>,
    unvoided: Option<i64>,
) -> Result<Tallies<K>>
where
    K: Ord + Send + Unpin + for<'r> sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    let only = if person.is_some() {
        "AND r.person_id = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {key}, t.grp, t.task_id, t.kind, COUNT(*), CAST(SUM(t.could) AS BIGINT) FROM ( \
           SELECT r.person_id, r.grp, r.task_id, r.kind, \
           MAX(CASE WHEN r.score > 0 AND 2 * r.score >= r.credit THEN 1 ELSE 0 END) AS could \
           FROM task_result r WHERE NOT EXISTS (SELECT 1 FROM assisted_sitting s \
             WHERE s.attempt_id = r.attempt_id AND s.review = 'voided' AND s.attempt_id <> $1) {only} \
           GROUP BY r.person_id, r.grp, r.task_id, r.kind \
         ) t {join} GROUP BY {key}, t.grp, t.task_id, t.kind"
    );
    let q = sqlx::query_as::<_, (K, String, String, String, i64, i64)>(sqlx::AssertSqlSafe(sql))
        .bind(unvoided.unwrap_or(-1));
    let q = if let Some(p) = person { q.bind(p) } else { q };
    Ok(q.fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(at, grp, task, kind, tried, could)| ((at, grp, task, kind), (tried, could)))
        .collect())
}

/// The task figures from the facts summed at each person's unit (see [`tallies`]).
async fn task_tallies(
    conn: &mut <Db as sqlx::Database>::Connection,
    person: Option<i64>,
    unvoided: Option<i64>,
) -> Result<TaskTallies> {
    tallies(conn, AT_UNIT, person, unvoided).await
}

/// A person's task figures at their unit and at their organisations, read before a write so
/// that [`move_person_tasks`] moves the counters by the difference.
pub(super) struct PersonTasks {
    units: TaskTallies,
    organisations: OrgTaskTallies,
}

/// A person's task figures now (`unvoided`: as if that sitting were not voided).
pub(super) async fn person_tasks(
    conn: &mut <Db as sqlx::Database>::Connection,
    person: i64,
    unvoided: Option<i64>,
) -> Result<PersonTasks> {
    Ok(PersonTasks {
        units: tallies(conn, AT_UNIT, Some(person), unvoided).await?,
        organisations: tallies(conn, AT_ORGANISATION, Some(person), unvoided).await?,
    })
}

/// `after - before`, key by key.
fn difference<K: Ord + Clone>(after: &Tallies<K>, before: &Tallies<K>) -> Tallies<K> {
    let mut deltas = after.clone();
    for (k, (tried, could)) in before {
        let e = deltas.entry(k.clone()).or_default();
        e.0 -= tried;
        e.1 -= could;
    }
    deltas
}

/// Adds `deltas` to the task counters, each on the unit's own row and, for a village, on its
/// commune's (as `apply_unit_deltas`): O(units × tasks touched) rows.
pub(super) async fn apply_task_deltas(
    tx: &mut sqlx::Transaction<'_, Db>,
    deltas: &TaskTallies,
) -> Result<()> {
    let codes = distinct_units(deltas.keys().map(|k| &k.0));
    let mut facts = unit_facts(tx, &codes).await?;
    let mut by_unit = TaskTallies::new();
    for ((code, grp, task, kind), (tried, could)) in deltas {
        if (*tried, *could) == (0, 0) {
            continue;
        }
        let Some(f) = facts.get(code) else { continue };
        let mut add = |unit: &String| {
            let e = by_unit
                .entry((unit.clone(), grp.clone(), task.clone(), kind.clone()))
                .or_default();
            e.0 += tried;
            e.1 += could;
        };
        add(code);
        if f.level == "village"
            && let Some(parent) = &f.parent_code
        {
            add(parent);
        }
    }
    let parents = distinct_units(
        by_unit
            .keys()
            .map(|k| &k.0)
            .filter(|c| !facts.contains_key(*c)),
    );
    facts.extend(unit_facts(tx, &parents).await?);
    let rows: Vec<(&TaskKey, &UnitFacts, &TaskTally)> = by_unit
        .iter()
        .filter(|(_, d)| **d != (0, 0))
        .filter_map(|(k, d)| Some((k, facts.get(&k.0)?, d)))
        .collect();
    for chunk in rows.chunks(DELTA_CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO unit_task_counter (unit_code, level, path, grp, task_id, kind, tried, could) ",
        );
        q.push_values(chunk, |mut b, ((code, grp, task, kind), f, figures)| {
            b.push_bind(code.clone())
                .push_bind(f.level.clone())
                .push_bind(f.path.clone());
            bind_task_figures(&mut b, (grp, task, kind), **figures);
        });
        q.push(
            " ON CONFLICT (unit_code, grp, task_id, kind) DO UPDATE SET \
             tried = unit_task_counter.tried + excluded.tried, could = unit_task_counter.could + excluded.could",
        );
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Binds a task counter's group, task id, kind, `tried` and `could`, after the columns of its
/// place (a unit's or an organisation's), as both tables' inserts list them.
fn bind_task_figures(
    b: &mut sqlx::query_builder::Separated<'_, Db, &'static str>,
    (grp, task, kind): (&str, &str, &str),
    (tried, could): TaskTally,
) {
    b.push_bind(grp.to_owned())
        .push_bind(task.to_owned())
        .push_bind(kind.to_owned())
        .push_bind(tried)
        .push_bind(could);
}

/// Adds `deltas` to the organisations' task counters: O(organisations × tasks touched) rows.
async fn apply_org_task_deltas(
    tx: &mut sqlx::Transaction<'_, Db>,
    deltas: &OrgTaskTallies,
) -> Result<()> {
    let rows: Vec<_> = deltas.iter().filter(|(_, d)| **d != (0, 0)).collect();
    for chunk in rows.chunks(DELTA_CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO organisation_task_counter (organisation_id, grp, task_id, kind, tried, could) ",
        );
        q.push_values(chunk, |mut b, ((org, grp, task, kind), figures)| {
            b.push_bind(*org);
            bind_task_figures(&mut b, (grp, task, kind), **figures);
        });
        q.push(
            " ON CONFLICT (organisation_id, grp, task_id, kind) DO UPDATE SET \
             tried = organisation_task_counter.tried + excluded.tried, \
             could = organisation_task_counter.could + excluded.could",
        );
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Moves a person's task counters, at their unit and at their organisations, by what changed
/// since `before` (their [`person_tasks`] then), in the writer's transaction.
pub(super) async fn move_person_tasks(
    tx: &mut sqlx::Transaction<'_, Db>,
    person: i64,
    before: &PersonTasks,
) -> Result<()> {
    let after = person_tasks(tx, person, None).await?;
    apply_task_deltas(tx, &difference(&after.units, &before.units)).await?;
    apply_org_task_deltas(tx, &difference(&after.organisations, &before.organisations)).await
}

/// Counts what a person could do at an organisation they have just joined (the membership is
/// written): under the group it gives, as their learning's figures follow them there.
pub(super) async fn join_org_tasks(
    tx: &mut sqlx::Transaction<'_, Db>,
    person: i64,
    organisation: i64,
) -> Result<()> {
    let mut mine: OrgTaskTallies = tallies(tx, AT_ORGANISATION, Some(person), None).await?;
    mine.retain(|k, _| k.0 == organisation);
    apply_org_task_deltas(tx, &mine).await
}

/// Moves a person's task counters from `old_unit` to where they live now (a move home: what
/// they could do goes with them; their organisations' figures stay).
pub(super) async fn move_home_tasks(
    tx: &mut sqlx::Transaction<'_, Db>,
    person: i64,
    old_unit: &str,
) -> Result<()> {
    let now = task_tallies(tx, Some(person), None).await?;
    let mut deltas = TaskTallies::new();
    for ((unit, grp, task, kind), (tried, could)) in now {
        if unit == old_unit {
            continue;
        }
        let e = deltas
            .entry((old_unit.to_owned(), grp.clone(), task.clone(), kind.clone()))
            .or_default();
        e.0 -= tried;
        e.1 -= could;
        let e = deltas.entry((unit, grp, task, kind)).or_default();
        e.0 += tried;
        e.1 += could;
    }
    apply_task_deltas(tx, &deltas).await
}

/// Compares the task counters as stored (read by `stored_sql`: key, group, task, kind, tried,
/// could) with those rebuilt from the facts, adding each difference to `report` (scope
/// `{scope}:{key}`, metric `task:{id}:{kind}:tried` or `…:could`): the keys that differ, with
/// the rebuilt figures and the change to them.
async fn compare_tallies<K>(
    tx: &mut sqlx::Transaction<'_, Db>,
    stored_sql: &'static str,
    rebuilt: &Tallies<K>,
    scope: &str,
    report: &mut CounterRebuild,
) -> Result<Vec<(TaskKeyAt<K>, TaskTally, TaskTally)>>
where
    K: Ord + Clone + std::fmt::Display + Send + Unpin,
    K: for<'r> sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    let rows: Vec<(K, String, String, String, i64, i64)> =
        sqlx::query_as(stored_sql).fetch_all(&mut **tx).await?;
    let stored: Tallies<K> = rows
        .into_iter()
        .map(|(at, g, t, k, tried, could)| ((at, g, t, k), (tried, could)))
        .collect();
    let mut fixes = Vec::new();
    for key in stored
        .keys()
        .chain(rebuilt.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let s = stored.get(key).copied().unwrap_or_default();
        let r = rebuilt.get(key).copied().unwrap_or_default();
        for (what, s, r) in [("tried", s.0, r.0), ("could", s.1, r.1)] {
            report.compared += 1;
            if s != r {
                report.differences.push(CounterDifference {
                    scope: format!("{scope}:{}", key.0),
                    group: key.1.clone(),
                    metric: format!("task:{}:{}:{what}", key.2, key.3),
                    stored: s,
                    rebuilt: r,
                });
            }
        }
        if s != r {
            fixes.push((key.clone(), r, (r.0 - s.0, r.1 - s.1)));
        }
    }
    Ok(fixes)
}

/// Compares the units' task counters with `task_tallies` from the facts (villages added to
/// their communes through `parent`), as [`compare_tallies`].
async fn rebuild_task_counters(
    tx: &mut sqlx::Transaction<'_, Db>,
    parent: &std::collections::HashMap<&str, &str>,
    report: &mut CounterRebuild,
) -> Result<Vec<(TaskKey, TaskTally, TaskTally)>> {
    let mut rebuilt = TaskTallies::new();
    for ((unit, grp, task, kind), (tried, could)) in task_tallies(tx, None, None).await? {
        let mut add = |u: String| {
            let e = rebuilt
                .entry((u, grp.clone(), task.clone(), kind.clone()))
                .or_default();
            e.0 += tried;
            e.1 += could;
        };
        if let Some(p) = parent.get(unit.as_str()) {
            add((*p).to_owned());
        }
        add(unit);
    }
    let stored = "SELECT unit_code, grp, task_id, kind, tried, could FROM unit_task_counter";
    compare_tallies(tx, stored, &rebuilt, "unit", report).await
}

/// Sets each task counter of `fixes` (key, rebuilt, change) to its rebuilt value.
async fn write_task_fixes(
    tx: &mut sqlx::Transaction<'_, Db>,
    fixes: &[(TaskKey, TaskTally, TaskTally)],
) -> Result<()> {
    let codes = distinct_units(fixes.iter().map(|f| &f.0.0));
    let facts = unit_facts(tx, &codes).await?;
    for ((unit, grp, task, kind), (tried, could), _) in fixes {
        let Some(f) = facts.get(unit) else { continue };
        sqlx::query(
            "INSERT INTO unit_task_counter (unit_code, level, path, grp, task_id, kind, tried, could) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (unit_code, grp, task_id, kind) \
             DO UPDATE SET tried = excluded.tried, could = excluded.could",
        )
        .bind(unit)
        .bind(&f.level)
        .bind(&f.path)
        .bind(grp)
        .bind(task)
        .bind(kind)
        .bind(tried)
        .bind(could)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

//! The simulated tasks' counters (`unit_task_counter`, `organisation_task_counter`): what
//! people could do, once per person with their best result (migrations 0023 and 0026), moved
//! by `record_task_step`, a voided supervised sitting, a move home and a new membership, and
//! rebuilt with the other counters (`counters.rs`).

use super::Db;
use super::counters::{DELTA_CHUNK, distinct_units};
use super::units::{UnitFacts, unit_facts};
use crate::prelude::*;

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

/// What a rebuild found wrong in the task counters: per unit (its fix and the change) and per
/// organisation (the change).
pub(super) struct TaskFixes {
    units: Vec<(TaskKey, TaskTally, TaskTally)>,
    organisations: OrgTaskTallies,
}

/// Rebuilds the task counters of units and organisations from the task results, reporting each
/// difference; nothing is written (`write_task_counter_fixes`).
pub(super) async fn rebuild_all_task_counters(
    tx: &mut sqlx::Transaction<'_, Db>,
    parent: &std::collections::HashMap<&str, &str>,
    report: &mut CounterRebuild,
) -> Result<TaskFixes> {
    let units = rebuild_task_counters(tx, parent, report).await?;
    let org_tasks: OrgTaskTallies = tallies(tx, AT_ORGANISATION, None, None).await?;
    let stored =
        "SELECT organisation_id, grp, task_id, kind, tried, could FROM organisation_task_counter";
    let organisations = compare_tallies(tx, stored, &org_tasks, "organisation", report)
        .await?
        .into_iter()
        .map(|(key, _, change)| (key, change))
        .collect();
    Ok(TaskFixes {
        units,
        organisations,
    })
}

/// Writes what `rebuild_all_task_counters` found, in the rebuild's transaction.
pub(super) async fn write_task_counter_fixes(
    tx: &mut sqlx::Transaction<'_, Db>,
    fixes: &TaskFixes,
) -> Result<()> {
    write_task_fixes(tx, &fixes.units).await?;
    apply_org_task_deltas(tx, &fixes.organisations).await
}

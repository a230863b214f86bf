//! Live events, bridge points and check-ins, written once for both backends (see the crate docs).
//!
//! A batch of check-ins is one transaction of a few multi-row statements, whatever its size:
//! the check-ins (`ON CONFLICT DO NOTHING`: a participant counts once per event), the points'
//! counters (each point's own rows: no row every writer shares), the participants' marks
//! (`participated`, once per person and group, in `learner_mark`) and the unit and
//! organisation counters those marks move.

use super::learning::{LearnerFacts, LearningDeltas};
use super::units::unit_facts;
use super::{Backend, Db};
use crate::prelude::*;

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    title: String,
    kind: String,
    unit_code: String,
    unit_path: String,
    unit_name: String,
    starts_at: i64,
    ends_at: i64,
    broadcast_url: Option<String>,
    created_by: String,
    created_at: i64,
    points: i64,
}

impl EventRow {
    fn into_record(self) -> Result<EventRecord> {
        Ok(EventRecord {
            id: self.id,
            title: self.title,
            kind: crate::rows::decoded("event", "kind", &self.kind, EventKind::parse)?,
            unit_code: crate::rows::unit_code("event", &self.unit_code)?,
            unit_path: self.unit_path,
            unit_name: self.unit_name,
            starts_at: Timestamp(self.starts_at),
            ends_at: Timestamp(self.ends_at),
            broadcast_url: self.broadcast_url,
            created_by: self.created_by,
            created_at: Timestamp(self.created_at),
            points: crate::rows::number("bridge_point", "count", self.points)?,
        })
    }
}

const EVENT_SELECT: &str = "SELECT e.id, e.title, e.kind, e.unit_code, e.unit_path, u.name AS unit_name, e.starts_at, e.ends_at, \
     e.broadcast_url, e.created_by, e.created_at, (SELECT COUNT(*) FROM bridge_point b WHERE b.event_id = e.id) AS points \
     FROM event e JOIN unit u ON u.code = e.unit_code";

#[derive(sqlx::FromRow)]
struct PointRow {
    id: i64,
    event_id: i64,
    name: String,
    unit_code: String,
    unit_path: String,
    unit_name: String,
    commune_code: Option<String>,
    commune_name: Option<String>,
    host_id: i64,
    host_username: String,
    expected: i64,
    token: String,
    checked_in: i64,
    headcount: i64,
    headcount_at: Option<i64>,
    connected_at: Option<i64>,
    last_seen_at: Option<i64>,
}

impl PointRow {
    fn into_record(self) -> Result<PointRecord> {
        let commune = match (self.commune_code, self.commune_name) {
            (Some(c), Some(n)) => Some((crate::rows::unit_code("bridge_point", &c)?, n)),
            _ => None,
        };
        Ok(PointRecord {
            id: self.id,
            event_id: self.event_id,
            name: self.name,
            unit_code: crate::rows::unit_code("bridge_point", &self.unit_code)?,
            unit_path: self.unit_path,
            unit_name: self.unit_name,
            commune,
            host_id: self.host_id,
            host_username: self.host_username,
            expected: crate::rows::number("bridge_point", "expected", self.expected)?,
            token: self.token,
            checked_in: crate::rows::number("bridge_point", "checked_in", self.checked_in)?,
            headcount: crate::rows::number("bridge_point", "headcount", self.headcount)?,
            headcount_at: self.headcount_at.map(Timestamp),
            connected_at: self.connected_at.map(Timestamp),
            last_seen_at: self.last_seen_at.map(Timestamp),
        })
    }
}

const POINT_SELECT: &str = "SELECT b.id, b.event_id, b.name, b.unit_code, b.unit_path, u.name AS unit_name, b.commune_code, \
     c.name AS commune_name, b.host_id, s.username AS host_username, b.expected, b.token, b.checked_in, b.headcount, \
     b.headcount_at, b.connected_at, b.last_seen_at \
     FROM bridge_point b JOIN unit u ON u.code = b.unit_code LEFT JOIN unit c ON c.code = b.commune_code \
     JOIN staff_account s ON s.id = b.host_id";

/// A person found by CCCD for a check-in, with one of their memberships (if any).
#[derive(sqlx::FromRow)]
struct PersonFactsRow {
    cccd_hash: Vec<u8>,
    id: i64,
    name: String,
    unit_path: String,
    unit_code: String,
    birth_year: i64,
    birth_day: Option<i64>,
    organisation_id: Option<i64>,
    grp: Option<String>,
}

/// Statements carry at most this many check-ins (SQLite allows 32,766 bound values).
const CHECK_IN_CHUNK: usize = 500;

/// Adds `n` to (event, point, group) counters.
async fn add_point_groups(
    tx: &mut sqlx::Transaction<'_, Db>,
    counts: &std::collections::BTreeMap<(i64, i64, String), i64>,
) -> Result<()> {
    let entries: Vec<_> = counts.iter().collect();
    for chunk in entries.chunks(CHECK_IN_CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO point_group_counter (event_id, point_id, grp, value) ",
        );
        q.push_values(chunk, |mut b, ((event, point, grp), n)| {
            b.push_bind(*event)
                .push_bind(*point)
                .push_bind(grp.clone())
                .push_bind(**n);
        });
        q.push(" ON CONFLICT (event_id, point_id, grp) DO UPDATE SET value = point_group_counter.value + excluded.value");
        q.build().execute(&mut **tx).await?;
    }
    Ok(())
}

#[async_trait]
impl EventStore for Backend {
    async fn create_event(&self, event: &NewEvent, by: &str, now: Timestamp) -> Result<i64> {
        let mut tx = self.write.begin().await?;
        let path: Option<String> = sqlx::query_scalar("SELECT path FROM unit WHERE code = $1")
            .bind(event.unit.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(path) = path else {
            return Err(StoreError::NotFound(Entity::Unit));
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO event (title, kind, unit_code, unit_path, starts_at, ends_at, broadcast_url, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&event.title)
        .bind(event.kind.as_str())
        .bind(event.unit.as_str())
        .bind(path)
        .bind(event.starts_at.millis())
        .bind(event.ends_at.millis())
        .bind(event.broadcast_url.as_deref())
        .bind(by)
        .bind(now.millis())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn event(&self, id: i64) -> Result<Option<EventRecord>> {
        let row: Option<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{EVENT_SELECT} WHERE e.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(EventRow::into_record).transpose()
    }

    async fn events_for(
        &self,
        path: Option<&str>,
        host: i64,
        limit: u32,
    ) -> Result<Vec<EventRecord>> {
        // `path` ends with `/`; the range `[path, path + '0')` is its subtree ('/' + 1 = '0').
        // An empty path is everywhere (paths are digits and '/', all below '~').
        let (from, to) = path.map_or((String::new(), String::new()), |p| {
            let stem = p.trim_end_matches('/');
            if stem.is_empty() {
                (String::new(), "~".to_owned())
            } else {
                (format!("{stem}/"), format!("{stem}0"))
            }
        });
        let rows: Vec<EventRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{EVENT_SELECT} WHERE (e.unit_path >= $1 AND e.unit_path < $2) \
             OR e.id IN (SELECT event_id FROM bridge_point WHERE host_id = $3) \
             ORDER BY e.starts_at DESC, e.id DESC LIMIT $4"
        )))
        .bind(from)
        .bind(to)
        .bind(host)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(EventRow::into_record).collect()
    }

    async fn add_points(&self, event: i64, points: &[NewPoint]) -> Result<Vec<i64>> {
        let mut tx = self.write.begin().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM event WHERE id = $1")
            .bind(event)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(Entity::Event));
        }
        let codes: Vec<String> = points
            .iter()
            .map(|p| p.unit.as_str().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let facts = unit_facts(&mut tx, &codes).await?;
        let mut ids = Vec::with_capacity(points.len());
        for p in points {
            let Some(f) = facts.get(p.unit.as_str()) else {
                return Err(StoreError::NotFound(Entity::Unit));
            };
            let commune = match f.level.as_str() {
                "commune" => Some(f.code.clone()),
                "village" => f.parent_code.clone(),
                _ => None,
            };
            let host: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM staff_account WHERE id = $1 AND disabled_at IS NULL",
            )
            .bind(p.host_id)
            .fetch_optional(&mut *tx)
            .await?;
            if host.is_none() {
                return Err(StoreError::NotFound(Entity::Host));
            }
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO bridge_point (event_id, name, unit_code, unit_path, commune_code, host_id, expected, token) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id, name) DO NOTHING RETURNING id",
            )
            .bind(event)
            .bind(&p.name)
            .bind(p.unit.as_str())
            .bind(&f.path)
            .bind(commune)
            .bind(p.host_id)
            .bind(i64::from(p.expected))
            .bind(&p.token)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                return Err(StoreError::Conflict("point"));
            };
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    async fn update_event(&self, id: i64, event: &NewEvent) -> Result<()> {
        let done = sqlx::query(
            "UPDATE event SET title = $1, kind = $2, starts_at = $3, ends_at = $4, broadcast_url = $5 WHERE id = $6",
        )
        .bind(&event.title)
        .bind(event.kind.as_str())
        .bind(event.starts_at.millis())
        .bind(event.ends_at.millis())
        .bind(event.broadcast_url.as_deref())
        .bind(id)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(Entity::Event));
        }
        Ok(())
    }

    async fn update_point(&self, id: i64, point: &NewPoint) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let facts = unit_facts(&mut tx, &[point.unit.as_str().to_owned()]).await?;
        let Some(f) = facts.get(point.unit.as_str()) else {
            return Err(StoreError::NotFound(Entity::Unit));
        };
        let commune = match f.level.as_str() {
            "commune" => Some(f.code.clone()),
            "village" => f.parent_code.clone(),
            _ => None,
        };
        let host: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM staff_account WHERE id = $1 AND disabled_at IS NULL",
        )
        .bind(point.host_id)
        .fetch_optional(&mut *tx)
        .await?;
        if host.is_none() {
            return Err(StoreError::NotFound(Entity::Host));
        }
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM bridge_point WHERE event_id = (SELECT event_id FROM bridge_point WHERE id = $1) AND name = $2 AND id <> $1",
        )
        .bind(id)
        .bind(&point.name)
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict("point"));
        }
        let done = sqlx::query(
            "UPDATE bridge_point SET name = $1, unit_code = $2, unit_path = $3, commune_code = $4, host_id = $5, expected = $6 WHERE id = $7",
        )
        .bind(&point.name)
        .bind(point.unit.as_str())
        .bind(&f.path)
        .bind(commune)
        .bind(point.host_id)
        .bind(i64::from(point.expected))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(Entity::BridgePoint));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn points(&self, event: i64) -> Result<Vec<PointRecord>> {
        let rows: Vec<PointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{POINT_SELECT} WHERE b.event_id = $1 ORDER BY b.name, b.id"
        )))
        .bind(event)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(PointRow::into_record).collect()
    }

    async fn point(&self, id: i64) -> Result<Option<PointRecord>> {
        let row: Option<PointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{POINT_SELECT} WHERE b.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(PointRow::into_record).transpose()
    }

    async fn points_hosted_by(&self, host: i64) -> Result<Vec<PointRecord>> {
        let rows: Vec<PointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{POINT_SELECT} WHERE b.host_id = $1 ORDER BY b.event_id, b.name, b.id"
        )))
        .bind(host)
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(PointRow::into_record).collect()
    }

    async fn point_by_token(&self, token: &str) -> Result<Option<PointRecord>> {
        let row: Option<PointRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{POINT_SELECT} WHERE b.token = $1"
        )))
        .bind(token)
        .fetch_optional(&self.read)
        .await?;
        row.map(PointRow::into_record).transpose()
    }

    async fn record_check_ins(
        &self,
        given: &[NewCheckIn],
        cutoff: AdultCutoff,
        now: Timestamp,
    ) -> Result<CheckInsDone> {
        if given.is_empty() {
            return Ok(CheckInsDone {
                outcomes: Vec::new(),
                points: Vec::new(),
            });
        }
        let mut tx = self.write.begin().await?;
        // Numbers on the registry name their person. The same statement reads what the
        // counters need of each (home, birth, memberships), so a batch of CCCDs takes one
        // read, not three.
        let mut items: Vec<NewCheckIn> = given.to_vec();
        let mut facts: std::collections::HashMap<i64, LearnerFacts> =
            std::collections::HashMap::new();
        let hashes: Vec<[u8; 32]> = items
            .iter()
            .filter(|c| c.person_id.is_none())
            .filter_map(|c| c.cccd_hash)
            .collect();
        if !hashes.is_empty() {
            let mut found: std::collections::HashMap<Vec<u8>, (i64, String, String)> =
                std::collections::HashMap::new();
            for chunk in hashes.chunks(CHECK_IN_CHUNK) {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT p.cccd_hash, p.id, p.name, p.unit_path, p.unit_code, p.birth_year, p.birth_day, \
                     m.organisation_id, m.grp FROM person p LEFT JOIN membership m ON m.person_id = p.id \
                     WHERE p.cccd_hash IN (",
                );
                let mut list = q.separated(", ");
                for h in chunk {
                    list.push_bind(h.to_vec());
                }
                q.push(") ORDER BY p.id, m.organisation_id");
                let rows: Vec<PersonFactsRow> = q.build_query_as().fetch_all(&mut *tx).await?;
                for r in rows {
                    let f = facts.entry(r.id).or_insert_with(|| {
                        LearnerFacts::born(r.unit_code.clone(), r.birth_year, r.birth_day, cutoff)
                    });
                    if let (Some(org), Some(grp)) = (r.organisation_id, r.grp.as_deref()) {
                        f.join(org, crate::rows::group("membership", grp)?);
                    }
                    found
                        .entry(r.cccd_hash)
                        .or_insert((r.id, r.name, r.unit_path));
                }
            }
            for c in &mut items {
                if c.person_id.is_none()
                    && let Some((id, name, path)) = c.cccd_hash.and_then(|h| found.get(&h[..]))
                {
                    c.participant = format!("p:{id}");
                    c.person_id = Some(*id);
                    if c.reveal_within
                        .iter()
                        .any(|within| path.starts_with(within.as_str()))
                    {
                        c.label.clone_from(name);
                    }
                }
            }
        }
        let items = &items;
        // The first of a batch's items for a participant is the one that may go in; the others
        // are answered with where it went.
        let mut first: std::collections::HashMap<(i64, &str), usize> =
            std::collections::HashMap::new();
        let mut candidates: Vec<&NewCheckIn> = Vec::new();
        for (i, c) in items.iter().enumerate() {
            if let std::collections::hash_map::Entry::Vacant(v) =
                first.entry((c.event_id, c.participant.as_str()))
            {
                v.insert(i);
                candidates.push(c);
            }
        }
        let mut inserted: std::collections::HashSet<(i64, String)> =
            std::collections::HashSet::new();
        for chunk in candidates.chunks(CHECK_IN_CHUNK) {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO check_in (event_id, participant, point_id, person_id, via, label, by_actor, at) ",
            );
            q.push_values(chunk, |mut b, c| {
                b.push_bind(c.event_id)
                    .push_bind(c.participant.clone())
                    .push_bind(c.point_id)
                    .push_bind(c.person_id)
                    .push_bind(c.via.as_str())
                    .push_bind(c.label.clone())
                    .push_bind(c.by.clone())
                    .push_bind(c.at.millis());
            });
            q.push(
                " ON CONFLICT (event_id, participant) DO NOTHING RETURNING event_id, participant",
            );
            let rows: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
            inserted.extend(rows);
        }
        // Where the others already are.
        let mut already: std::collections::HashMap<(i64, String), (i64, i64)> =
            std::collections::HashMap::new();
        let others: Vec<&NewCheckIn> = candidates
            .iter()
            .copied()
            .filter(|c| !inserted.contains(&(c.event_id, c.participant.clone())))
            .collect();
        for chunk in others.chunks(CHECK_IN_CHUNK) {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT event_id, participant, point_id, at FROM check_in WHERE ",
            );
            for (i, c) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(" OR ");
                }
                q.push("(event_id = ")
                    .push_bind(c.event_id)
                    .push(" AND participant = ")
                    .push_bind(c.participant.clone())
                    .push(")");
            }
            let rows: Vec<(i64, String, i64, i64)> = q.build_query_as().fetch_all(&mut *tx).await?;
            already.extend(
                rows.into_iter()
                    .map(|(e, p, point, at)| ((e, p), (point, at))),
            );
        }
        let mut moved: Vec<(i64, u64, u64)> = Vec::new();
        let new: Vec<&NewCheckIn> = candidates
            .iter()
            .copied()
            .filter(|c| inserted.contains(&(c.event_id, c.participant.clone())))
            .collect();
        if !new.is_empty() {
            // The participants' groups, for the points' figures and their participation: read
            // above for those named by CCCD, here for the others (by phone or name).
            let persons: Vec<i64> = new
                .iter()
                .filter_map(|c| c.person_id)
                .filter(|p| !facts.contains_key(p))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            for chunk in persons.chunks(CHECK_IN_CHUNK) {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT id, unit_code, birth_year, birth_day FROM person WHERE id IN (",
                );
                let mut list = q.separated(", ");
                for p in chunk {
                    list.push_bind(*p);
                }
                q.push(")");
                let rows: Vec<(i64, String, i64, Option<i64>)> =
                    q.build_query_as().fetch_all(&mut *tx).await?;
                for (id, unit_code, year, day) in rows {
                    facts.insert(id, LearnerFacts::born(unit_code, year, day, cutoff));
                }
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "SELECT person_id, organisation_id, grp FROM membership WHERE person_id IN (",
                );
                let mut list = q.separated(", ");
                for p in chunk {
                    list.push_bind(*p);
                }
                q.push(") ORDER BY person_id, organisation_id");
                let rows: Vec<(i64, i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
                for (person, org, grp) in rows {
                    let g = crate::rows::group("membership", &grp)?;
                    if let Some(f) = facts.get_mut(&person) {
                        f.join(org, g);
                    }
                }
            }
            let mut groups: std::collections::BTreeMap<(i64, i64, String), i64> =
                std::collections::BTreeMap::new();
            let mut points: std::collections::BTreeMap<i64, i64> =
                std::collections::BTreeMap::new();
            let mut marks: Vec<(i64, Group)> = Vec::new();
            for c in &new {
                *points.entry(c.point_id).or_default() += 1;
                match c.person_id.and_then(|p| facts.get(&p).map(|f| (p, f))) {
                    Some((person, f)) if !f.groups.is_empty() => {
                        for g in &f.groups {
                            *groups
                                .entry((c.event_id, c.point_id, g.as_str().to_owned()))
                                .or_default() += 1;
                            marks.push((person, *g));
                        }
                    }
                    Some(_) => {
                        *groups
                            .entry((c.event_id, c.point_id, "other".to_owned()))
                            .or_default() += 1;
                    }
                    None => {
                        *groups
                            .entry((c.event_id, c.point_id, "guest".to_owned()))
                            .or_default() += 1;
                    }
                }
            }
            add_point_groups(&mut tx, &groups).await?;
            // The points' figures, one statement for the batch.
            let points: Vec<(i64, i64)> = points.into_iter().collect();
            for chunk in points.chunks(CHECK_IN_CHUNK) {
                let mut q = sqlx::QueryBuilder::<Db>::new("WITH v (id, n) AS (");
                q.push_values(chunk, |mut b, (point, n)| {
                    b.push_bind(*point).push_bind(*n);
                });
                q.push(") UPDATE bridge_point SET checked_in = bridge_point.checked_in + v.n, connected_at = COALESCE(bridge_point.connected_at, ");
                q.push_bind(now.millis());
                q.push("), last_seen_at = ");
                q.push_bind(now.millis());
                q.push(" FROM v WHERE bridge_point.id = v.id RETURNING bridge_point.id, bridge_point.checked_in, bridge_point.headcount");
                let rows: Vec<(i64, i64, i64)> = q.build_query_as().fetch_all(&mut *tx).await?;
                for (id, c, h) in rows {
                    moved.push((
                        id,
                        crate::rows::number("bridge_point", "checked_in", c)?,
                        crate::rows::number("bridge_point", "headcount", h)?,
                    ));
                }
            }
            moved.sort_unstable();
            // Participation: once per person and group, ever.
            let mut deltas = LearningDeltas::default();
            marks.sort_unstable();
            marks.dedup();
            for chunk in marks.chunks(CHECK_IN_CHUNK) {
                let mut q = sqlx::QueryBuilder::<Db>::new(
                    "INSERT INTO learner_mark (person_id, grp, metric, at) ",
                );
                q.push_values(chunk, |mut b, (person, g)| {
                    b.push_bind(*person)
                        .push_bind(g.as_str())
                        .push_bind("participated")
                        .push_bind(now.millis());
                });
                q.push(" ON CONFLICT (person_id, grp, metric) DO NOTHING RETURNING person_id, grp");
                let rows: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
                for (person, grp) in rows {
                    let g = crate::rows::group("learner_mark", &grp)?;
                    if let Some(f) = facts.get(&person) {
                        deltas.add(f, g, "participated");
                    }
                }
            }
            deltas.apply(&mut tx, now).await?;
        }
        tx.commit().await?;
        let outcomes = items
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let key = (c.event_id, c.participant.clone());
                let outcome = if first.get(&(c.event_id, c.participant.as_str())) == Some(&i)
                    && inserted.contains(&key)
                {
                    CheckInOutcome::New
                } else if let Some((point_id, at)) = already.get(&key) {
                    CheckInOutcome::Already {
                        point_id: *point_id,
                        at: Timestamp(*at),
                    }
                } else {
                    // A twin earlier in this batch went in.
                    let twin = &items[first[&(c.event_id, c.participant.as_str())]];
                    CheckInOutcome::Already {
                        point_id: twin.point_id,
                        at: twin.at,
                    }
                };
                (outcome, c.label.clone())
            })
            .collect();
        Ok(CheckInsDone {
            outcomes,
            points: moved,
        })
    }

    async fn set_headcount(
        &self,
        point: i64,
        headcount: u32,
        taken_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE bridge_point SET headcount = $1, headcount_at = $2, connected_at = COALESCE(connected_at, $3), last_seen_at = $3 \
             WHERE id = $4 AND (headcount_at IS NULL OR headcount_at < $2)",
        )
        .bind(i64::from(headcount))
        .bind(taken_at.millis())
        .bind(now.millis())
        .bind(point)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn point_seen(&self, point: i64, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE bridge_point SET connected_at = COALESCE(connected_at, $1), last_seen_at = $1 WHERE id = $2")
            .bind(now.millis())
            .bind(point)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn event_groups(&self, event: i64) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT grp, CAST(SUM(value) AS BIGINT) FROM point_group_counter WHERE event_id = $1 GROUP BY grp ORDER BY grp")
                .bind(event)
                .fetch_all(&self.read)
                .await?;
        rows.into_iter()
            .map(|(g, n)| Ok((g, crate::rows::number("point_group_counter", "value", n)?)))
            .collect()
    }

    async fn people_with_phone(
        &self,
        phone: &str,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, name, unit_path FROM person WHERE phone = $1 ORDER BY id LIMIT $2",
        )
        .bind(phone)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?)
    }

    async fn point_check_ins(&self, point: i64, limit: u32) -> Result<Vec<CheckInView>> {
        let rows: Vec<(String, String, Option<i64>, i64)> = sqlx::query_as(
            "SELECT label, via, person_id, at FROM check_in WHERE point_id = $1 ORDER BY at DESC, participant LIMIT $2",
        )
        .bind(point)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(label, via, person, at)| {
                Ok(CheckInView {
                    label,
                    via: crate::rows::decoded("check_in", "via", &via, CheckInVia::parse)?,
                    registered: person.is_some(),
                    at: Timestamp(at),
                })
            })
            .collect::<Result<_>>()?)
    }
}

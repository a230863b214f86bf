//! Administrative units, written once for both backends (see the crate docs).

use super::{Backend, Db};
use crate::prelude::*;

/// `SELECT <unit columns> FROM unit ` followed by the rest of a query, as a `&'static str`.
macro_rules! select_units {
    ($rest:literal) => {
        concat!(
            "SELECT code, parent_code, level, division_type, name, path FROM unit ",
            $rest
        )
    };
}

pub(super) async fn fetch_unit<'e, E>(executor: E, code: &str) -> Result<Option<Unit>>
where
    E: sqlx::Executor<'e, Database = Db>,
{
    let row: Option<crate::rows::UnitRow> = sqlx::query_as(select_units!("WHERE code = $1"))
        .bind(code.to_owned())
        .fetch_optional(executor)
        .await?;
    row.map(crate::rows::UnitRow::into_unit).transpose()
}

fn into_units(rows: Vec<crate::rows::UnitRow>) -> Result<Vec<Unit>> {
    rows.into_iter()
        .map(crate::rows::UnitRow::into_unit)
        .collect()
}

fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation())
}

/// What imports, check-ins and the counters need of a unit: its level, path and parent.
#[derive(Clone, sqlx::FromRow)]
pub(super) struct UnitFacts {
    pub(super) code: String,
    pub(super) level: String,
    pub(super) path: String,
    pub(super) parent_code: Option<String>,
}

/// The level, path and parent of each unit named (unknown codes are left out).
pub(super) async fn unit_facts(
    conn: &mut <Db as sqlx::Database>::Connection,
    codes: &[String],
) -> Result<std::collections::HashMap<String, UnitFacts>> {
    let mut out = std::collections::HashMap::new();
    for chunk in codes.chunks(500) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT code, level, path, parent_code FROM unit WHERE code IN (",
        );
        let mut list = q.separated(", ");
        for c in chunk {
            list.push_bind(c.clone());
        }
        q.push(")");
        let rows: Vec<UnitFacts> = q.build_query_as().fetch_all(&mut *conn).await?;
        out.extend(rows.into_iter().map(|r| (r.code.clone(), r)));
    }
    Ok(out)
}

impl Backend {
    /// A unit's subtree as the counters read it: the level whose rows to sum (a village's
    /// figures are also in its commune's row, so one level only) and the path range.
    pub(super) async fn counter_range(
        &self,
        code: &UnitCode,
    ) -> Result<Option<(&'static str, String, String)>> {
        let unit: Option<(String, String)> =
            sqlx::query_as("SELECT level, path FROM unit WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&self.read)
                .await?;
        Ok(unit.map(|(level, path)| {
            let summed = if level == "village" {
                "village"
            } else {
                "commune"
            };
            let upper =
                binhdan_core::unit::UnitPath::from_stored(path.clone()).subtree_upper_bound();
            (summed, path, upper)
        }))
    }

    pub(super) async fn path_of(
        &self,
        code: &UnitCode,
    ) -> Result<Option<binhdan_core::unit::UnitPath>> {
        let path: Option<String> = sqlx::query_scalar("SELECT path FROM unit WHERE code = $1")
            .bind(code.as_str().to_owned())
            .fetch_optional(&self.read)
            .await?;
        Ok(path.map(binhdan_core::unit::UnitPath::from_stored))
    }

    async fn try_create_villages(
        &self,
        villages: &[NewVillage],
        mode: WriteMode,
        now: Timestamp,
    ) -> Result<Vec<Unit>> {
        use std::collections::{HashMap, HashSet};

        use binhdan_core::text::{identity_key, search_key};
        use binhdan_core::unit::{UnitError, UnitPath};

        let mut tx = self.write.begin().await?;
        let mut refusals = Vec::new();
        let mut created = Vec::with_capacity(villages.len());
        // Per commune: its path and the next free village number.
        let mut communes: HashMap<UnitCode, Option<(UnitPath, u32)>> = HashMap::new();
        let mut names_in_batch = HashSet::new();
        for (index, v) in villages.iter().enumerate() {
            let refuse = |error| crate::RowRefusal { index, error };
            if !communes.contains_key(&v.commune) {
                let found = match fetch_unit(&mut *tx, v.commune.as_str()).await? {
                    Some(u) if u.level == UnitLevel::Commune => {
                        let max: Option<String> =
                            sqlx::query_scalar("SELECT MAX(code) FROM unit WHERE parent_code = $1")
                                .bind(v.commune.as_str().to_owned())
                                .fetch_one(&mut *tx)
                                .await?;
                        let last = max
                            .and_then(|c| c.get(5..).and_then(|n| n.parse::<u32>().ok()))
                            .unwrap_or(0);
                        Some((UnitPath::from_stored(u.path), last + 1))
                    }
                    Some(u) => {
                        refusals.push(refuse(UnitError::NotACommune {
                            code: u.code.to_string(),
                        }));
                        None
                    }
                    None => {
                        refusals.push(refuse(UnitError::UnknownUnit {
                            code: v.commune.to_string(),
                        }));
                        None
                    }
                };
                communes.insert(v.commune.clone(), found);
                if communes.get(&v.commune).is_some_and(Option::is_none) {
                    continue;
                }
            }
            let Some(Some((commune_path, next))) = communes.get_mut(&v.commune) else {
                refusals.push(refuse(UnitError::UnknownUnit {
                    code: v.commune.to_string(),
                }));
                continue;
            };
            let ikey = identity_key(v.name.as_str());
            let taken: Option<String> =
                sqlx::query_scalar("SELECT name FROM unit WHERE parent_code = $1 AND identity_key = $2 AND level = 'village'")
                    .bind(v.commune.as_str().to_owned())
                    .bind(ikey.clone())
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() || !names_in_batch.insert((v.commune.clone(), ikey.clone())) {
                refusals.push(refuse(UnitError::DuplicateVillage {
                    commune: v.commune.to_string(),
                    name: taken.unwrap_or_else(|| v.name.as_str().to_owned()),
                }));
                continue;
            }
            let code = match v.commune.village(*next) {
                Ok(code) => code,
                Err(e) => {
                    refusals.push(refuse(e));
                    continue;
                }
            };
            *next += 1;
            let path = commune_path.child(&code);
            let province = path.codes().next().unwrap_or_default().to_owned();
            sqlx::query(
                "INSERT INTO unit (code, parent_code, level, division_type, name, name_key, identity_key, path, province_code, created_at) \
                 VALUES ($1, $2, 'village', $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(code.as_str().to_owned())
            .bind(v.commune.as_str().to_owned())
            .bind(v.division_type.as_str())
            .bind(v.name.as_str().to_owned())
            .bind(search_key(v.name.as_str()))
            .bind(ikey)
            .bind(path.as_str().to_owned())
            .bind(province)
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
            created.push(Unit {
                code,
                name: v.name.as_str().to_owned(),
                level: UnitLevel::Village,
                division_type: v.division_type.as_str().to_owned(),
                parent_code: Some(v.commune.clone()),
                path: path.as_str().to_owned(),
            });
        }
        if !refusals.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::Rejected(refusals));
        }
        match mode {
            WriteMode::Commit => tx.commit().await?,
            WriteMode::DryRun => tx.rollback().await?,
        }
        Ok(created)
    }
}

#[async_trait]
impl UnitStore for Backend {
    async fn load_admin_units(&self, units: &[AdminUnit], now: Timestamp) -> Result<u64> {
        use binhdan_core::text::{identity_key, search_key};
        use binhdan_core::unit::UnitPath;

        let mut paths: std::collections::HashMap<&UnitCode, UnitPath> =
            std::collections::HashMap::new();
        let mut tx = self.write.begin().await?;
        let mut added = 0;
        // Provinces come before their communes in `units` (see `reference::admin_units`).
        for u in units {
            let path = match &u.parent_code {
                None => UnitPath::root(&u.code),
                Some(p) => match paths.get(p) {
                    Some(parent) => parent.child(&u.code),
                    None => continue,
                },
            };
            let province = path.codes().next().unwrap_or_default().to_owned();
            let result = sqlx::query(
                "INSERT INTO unit (code, parent_code, level, division_type, name, name_key, identity_key, path, province_code, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (code) DO NOTHING",
            )
            .bind(u.code.as_str().to_owned())
            .bind(u.parent_code.as_ref().map(|p| p.as_str().to_owned()))
            .bind(u.level.as_str())
            .bind(u.division_type.as_str())
            .bind(u.name.clone())
            .bind(search_key(&u.name))
            .bind(identity_key(&u.name))
            .bind(path.as_str().to_owned())
            .bind(province)
            .bind(now.millis())
            .execute(&mut *tx)
            .await?;
            added += result.rows_affected();
            paths.insert(&u.code, path);
        }
        tx.commit().await?;
        Ok(added)
    }

    async fn unit(&self, code: &UnitCode) -> Result<Option<Unit>> {
        fetch_unit(&self.read, code.as_str()).await
    }

    async fn units_by_codes(&self, codes: &[UnitCode]) -> Result<Vec<Unit>> {
        let mut out = Vec::with_capacity(codes.len());
        for chunk in codes.chunks(500) {
            let mut q = sqlx::QueryBuilder::<Db>::new(select_units!("WHERE code IN ("));
            let mut list = q.separated(", ");
            for c in chunk {
                list.push_bind(c.as_str().to_owned());
            }
            q.push(") ORDER BY code");
            let rows: Vec<crate::rows::UnitRow> = q.build_query_as().fetch_all(&self.read).await?;
            out.extend(into_units(rows)?);
        }
        Ok(out)
    }

    async fn lineage(&self, code: &UnitCode) -> Result<Vec<Unit>> {
        let Some(path) = self.path_of(code).await? else {
            return Ok(Vec::new());
        };
        // The ancestors' paths are the prefixes of this one; at most three levels.
        let mut prefixes = Vec::with_capacity(3);
        let mut prefix = String::new();
        for c in path.codes() {
            prefix.push_str(c);
            prefix.push('/');
            prefixes.push(prefix.clone());
        }
        while prefixes.len() < 3 {
            prefixes.push(path.as_str().to_owned());
        }
        let rows = sqlx::query_as(select_units!("WHERE path IN ($1, $2, $3) ORDER BY path"))
            .bind(prefixes[0].clone())
            .bind(prefixes[1].clone())
            .bind(prefixes[2].clone())
            .fetch_all(&self.read)
            .await?;
        into_units(rows)
    }

    async fn children(&self, parent: Option<&UnitCode>) -> Result<Vec<Unit>> {
        let rows = match parent {
            Some(p) => {
                sqlx::query_as(select_units!("WHERE parent_code = $1 ORDER BY code"))
                    .bind(p.as_str().to_owned())
                    .fetch_all(&self.read)
                    .await?
            }
            None => {
                sqlx::query_as(select_units!("WHERE parent_code IS NULL ORDER BY code"))
                    .fetch_all(&self.read)
                    .await?
            }
        };
        into_units(rows)
    }

    async fn descendants(
        &self,
        root: &UnitCode,
        level: Option<UnitLevel>,
        after: Option<&UnitCode>,
        limit: u32,
    ) -> Result<Vec<Unit>> {
        let Some(path) = self.path_of(root).await? else {
            return Ok(Vec::new());
        };
        let lower = match after {
            Some(a) => match self.path_of(a).await? {
                Some(p) if p.as_str() > path.as_str() => p.as_str().to_owned(),
                _ => path.as_str().to_owned(),
            },
            None => path.as_str().to_owned(),
        };
        let rows = sqlx::query_as(select_units!(
            "WHERE path > $1 AND path < $2 AND ($3 IS NULL OR level = $3) ORDER BY path LIMIT $4"
        ))
        .bind(lower)
        .bind(path.subtree_upper_bound())
        .bind(level.map(UnitLevel::as_str))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        into_units(rows)
    }

    async fn subtree_counts(&self, root: &UnitCode) -> Result<SubtreeCounts> {
        let Some(path) = self.path_of(root).await? else {
            return Ok(SubtreeCounts::default());
        };
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT level, COUNT(*) FROM unit WHERE path > $1 AND path < $2 GROUP BY level",
        )
        .bind(path.as_str().to_owned())
        .bind(path.subtree_upper_bound())
        .fetch_all(&self.read)
        .await?;
        let mut counts = SubtreeCounts::default();
        for (level, n) in rows {
            let n = crate::rows::number("unit", "count", n)?;
            match UnitLevel::parse(&level) {
                Some(UnitLevel::Commune) => counts.communes = n,
                Some(UnitLevel::Village) => counts.villages = n,
                _ => {}
            }
        }
        Ok(counts)
    }

    async fn search_units(&self, query: &UnitQuery) -> Result<Vec<Unit>> {
        let key: String = binhdan_core::text::search_key(&query.text)
            .chars()
            .take(binhdan_core::text::MAX_SEARCH_CHARS)
            .collect();
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let (lower, upper) = match &query.within {
            Some(root) => match self.path_of(root).await? {
                Some(p) => (Some(p.as_str().to_owned()), Some(p.subtree_upper_bound())),
                None => return Ok(Vec::new()),
            },
            None => (None, None),
        };
        // The key holds only letters, digits and single spaces, so it needs no LIKE escaping.
        let rows = sqlx::query_as(select_units!(
            "WHERE name_key LIKE $1 AND ($2 IS NULL OR level = $2) AND ($3 IS NULL OR (path >= $3 AND path < $4)) \
             ORDER BY CASE WHEN name_key = $5 THEN 0 WHEN name_key LIKE $6 THEN 1 ELSE 2 END, \
             CASE level WHEN 'province' THEN 0 WHEN 'commune' THEN 1 ELSE 2 END, name_key, code LIMIT $7"
        ))
        .bind(format!("%{key}%"))
        .bind(query.level.map(UnitLevel::as_str))
        .bind(lower)
        .bind(upper)
        .bind(key.clone())
        .bind(format!("{key}%"))
        .bind(i64::from(query.limit.clamp(1, 200)))
        .fetch_all(&self.read)
        .await?;
        into_units(rows)
    }

    async fn keyed_units(&self) -> Result<Vec<crate::KeyedUnit>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            unit: crate::rows::UnitRow,
            name_key: String,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT code, parent_code, level, division_type, name, path, name_key FROM unit",
        )
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(crate::KeyedUnit {
                    name_key: r.name_key,
                    unit: r.unit.into_unit()?,
                })
            })
            .collect()
    }

    async fn create_villages(
        &self,
        villages: &[NewVillage],
        mode: WriteMode,
        now: Timestamp,
    ) -> Result<Vec<Unit>> {
        // Two writers on PostgreSQL may pick the same next code; the loser retries.
        let mut attempt = 0;
        loop {
            match self.try_create_villages(villages, mode, now).await {
                Err(e) if is_unique_violation(&e) && attempt < 5 => attempt += 1,
                other => return other,
            }
        }
    }
}

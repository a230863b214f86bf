//! Population figures, written once for both backends (see the crate docs).
//!
//! Figures are stored per unit (`population`); `population_rollup` holds, per commune, the sum of
//! its own figures and its villages', recomputed in the same transaction for every commune a
//! write touches. A village reads its own rows, a commune its rollup, a province the sum of its
//! communes' rollups plus its own figures: never a scan of every village.

use super::units::fetch_unit;
use super::{Backend, Db};
use crate::prelude::*;

impl Backend {
    /// Recomputes the rollup of the given communes from the figures.
    async fn refresh_population_rollups(
        tx: &mut sqlx::Transaction<'_, Db>,
        communes: &std::collections::BTreeSet<String>,
    ) -> Result<()> {
        for commune in communes {
            sqlx::query("DELETE FROM population_rollup WHERE commune_code = $1")
                .bind(commune.clone())
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "INSERT INTO population_rollup (commune_code, path, grp, count) \
                 SELECT c.code, c.path, p.grp, SUM(p.count) FROM unit c \
                 JOIN unit u ON u.code = c.code OR u.parent_code = c.code \
                 JOIN population p ON p.unit_code = u.code \
                 WHERE c.code = $1 GROUP BY c.code, c.path, p.grp",
            )
            .bind(commune.clone())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl PopulationStore for Backend {
    async fn set_population(
        &self,
        figures: &[PopulationFigure],
        source: &str,
        now: Timestamp,
    ) -> Result<u64> {
        let mut tx = self.write.begin().await?;
        let mut written = 0;
        for chunk in figures.chunks(500) {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO population (unit_code, grp, count, source, updated_at) ",
            );
            q.push_values(chunk, |mut b, f| {
                b.push_bind(f.unit.as_str().to_owned())
                    .push_bind(f.group.as_str())
                    .push_bind(i64::try_from(f.count).unwrap_or(i64::MAX))
                    .push_bind(source.to_owned())
                    .push_bind(now.millis());
            });
            q.push(
                " ON CONFLICT (unit_code, grp) DO UPDATE SET count = excluded.count, source = excluded.source, \
                 updated_at = excluded.updated_at",
            );
            written += q.build().execute(&mut *tx).await?.rows_affected();
        }
        // The communes whose rollups change: a village's parent, or the commune itself.
        let mut communes = std::collections::BTreeSet::new();
        let units: std::collections::BTreeSet<&UnitCode> =
            figures.iter().map(|f| &f.unit).collect();
        let codes: Vec<UnitCode> = units.into_iter().cloned().collect();
        for chunk in codes.chunks(500) {
            let mut q = sqlx::QueryBuilder::<Db>::new(
                "SELECT CASE WHEN level = 'village' THEN parent_code ELSE code END FROM unit \
                 WHERE level IN ('commune', 'village') AND code IN (",
            );
            let mut list = q.separated(", ");
            for c in chunk {
                list.push_bind(c.as_str().to_owned());
            }
            q.push(")");
            let found: Vec<Option<String>> = q.build_query_scalar().fetch_all(&mut *tx).await?;
            communes.extend(found.into_iter().flatten());
        }
        Self::refresh_population_rollups(&mut tx, &communes).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn population_under(&self, root: &UnitCode) -> Result<Vec<(Group, u64)>> {
        let Some(unit) = fetch_unit(&self.read, root.as_str()).await? else {
            return Ok(Vec::new());
        };
        let rows: Vec<(String, i64)> =
            match unit.level {
                UnitLevel::Village => {
                    sqlx::query_as(
                        "SELECT grp, count FROM population WHERE unit_code = $1 ORDER BY grp",
                    )
                    .bind(root.as_str().to_owned())
                    .fetch_all(&self.read)
                    .await?
                }
                UnitLevel::Commune => sqlx::query_as(
                    "SELECT grp, count FROM population_rollup WHERE commune_code = $1 ORDER BY grp",
                )
                .bind(root.as_str().to_owned())
                .fetch_all(&self.read)
                .await?,
                UnitLevel::Province => {
                    let path = binhdan_core::unit::UnitPath::from_stored(unit.path.clone());
                    sqlx::query_as(
                        "SELECT grp, CAST(SUM(count) AS BIGINT) FROM ( \
                       SELECT grp, count FROM population_rollup WHERE path > $1 AND path < $2 \
                       UNION ALL SELECT grp, count FROM population WHERE unit_code = $3 \
                     ) AS figures GROUP BY grp ORDER BY grp",
                    )
                    .bind(path.as_str().to_owned())
                    .bind(path.subtree_upper_bound())
                    .bind(root.as_str().to_owned())
                    .fetch_all(&self.read)
                    .await?
                }
            };
        rows.into_iter()
            .map(|(g, n)| {
                let g = crate::rows::group("population", &g)?;
                Ok((g, crate::rows::number("population", "value", n)?))
            })
            .collect()
    }
}

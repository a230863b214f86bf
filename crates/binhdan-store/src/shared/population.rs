// Population figures, written once for both backends (see the crate docs).

#[async_trait]
impl PopulationStore for Backend {
    async fn set_population(&self, figures: &[PopulationFigure], source: &str, now: Timestamp) -> Result<u64> {
        let mut tx = self.write.begin().await?;
        let mut written = 0;
        for chunk in figures.chunks(500) {
            let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO population (unit_code, grp, count, source, updated_at) ");
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
        tx.commit().await?;
        Ok(written)
    }

    async fn population_under(&self, root: &UnitCode) -> Result<Vec<(Group, u64)>> {
        let Some(path) = self.path_of(root).await? else { return Ok(Vec::new()) };
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT p.grp, CAST(SUM(p.count) AS BIGINT) FROM population p JOIN unit u ON u.code = p.unit_code \
             WHERE u.path >= $1 AND u.path < $2 GROUP BY p.grp ORDER BY p.grp",
        )
        .bind(path.as_str().to_owned())
        .bind(path.subtree_upper_bound())
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(g, n)| Some((Group::parse(&g)?, u64::try_from(n).unwrap_or(0))))
            .collect())
    }
}

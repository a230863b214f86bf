//! Targets per unit and KPI, written once for both backends (see the crate docs). A change and
//! its audit record are one transaction.

use super::audit::append_audit_in;
use super::{Backend, Db};
use crate::prelude::*;

#[async_trait]
impl TargetStore for Backend {
    async fn set_target(
        &self,
        unit: &UnitCode,
        kpi: Kpi,
        target: Option<Target>,
        by: &str,
        audit: AuditEntry,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT code FROM unit WHERE code = $1")
            .bind(unit.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(Entity::Unit));
        }
        match target {
            Some(t) => {
                sqlx::query(
                    "INSERT INTO unit_target (unit_code, kpi, percent, deadline, set_by, set_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (unit_code, kpi) DO UPDATE SET percent = EXCLUDED.percent, \
                     deadline = EXCLUDED.deadline, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at",
                )
                .bind(unit.as_str())
                .bind(kpi.as_str())
                .bind(i64::from(t.percent))
                .bind(t.deadline.days_since_epoch())
                .bind(by)
                .bind(now.millis())
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM unit_target WHERE unit_code = $1 AND kpi = $2")
                    .bind(unit.as_str())
                    .bind(kpi.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        append_audit_in(&mut tx, &audit, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn targets_on(&self, units: &[UnitCode]) -> Result<Vec<UnitTarget>> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT unit_code, kpi, percent, deadline, set_by, set_at FROM unit_target WHERE unit_code IN (",
        );
        let mut list = q.separated(", ");
        for u in units {
            list.push_bind(u.as_str().to_owned());
        }
        q.push(") ORDER BY unit_code, kpi");
        let rows: Vec<(String, String, i64, i64, String, i64)> =
            q.build_query_as().fetch_all(&self.read).await?;
        rows.into_iter()
            .map(|(code, kpi, percent, deadline, set_by, set_at)| {
                const T: &str = "unit_target";
                let corrupt =
                    |what: &str, v: i64| StoreError::corrupt(T, format_args!("{what} {v}"));
                Ok(UnitTarget {
                    unit_code: crate::rows::unit_code(T, &code)?,
                    kpi: crate::rows::decoded(T, "kpi", &kpi, Kpi::parse)?,
                    target: Target {
                        percent: u8::try_from(percent).map_err(|_| corrupt("percent", percent))?,
                        deadline: binhdan_core::people::Date::from_days_since_epoch(deadline)
                            .ok_or_else(|| corrupt("deadline", deadline))?,
                    },
                    set_by,
                    set_at: Timestamp(set_at),
                })
            })
            .collect()
    }
}

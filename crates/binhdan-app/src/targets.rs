//! The targets in force at a unit, and a province setting them.
//!
//! The plan's defaults (K1–K3 and K5 100 %, K4 80 %, by 31/12/2026; `binhdan_core::kpi`) hold
//! everywhere until the province sets a unit's own target; that target then holds for the unit
//! and everything below it that has no nearer one of its own.

use binhdan_core::Msg;
use binhdan_core::Timestamp;
use binhdan_core::audit::{AuditEntry, Detail};
use binhdan_core::kpi::{Kpi, Target};
use binhdan_core::people::Date;
use binhdan_core::unit::{Unit, UnitCode};
use binhdan_store::{Store, StoreError};

/// A KPI's target at a unit and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InForce {
    pub kpi: Kpi,
    pub target: Target,
    /// The unit that set it; `None`: the plan's default.
    pub set_on: Option<(UnitCode, String)>,
}

/// The five targets in force at the last unit of `lineage` (the province first).
///
/// # Errors
/// The store failed.
pub async fn in_force(store: &dyn Store, lineage: &[Unit]) -> Result<Vec<InForce>, StoreError> {
    let codes: Vec<UnitCode> = lineage.iter().map(|u| u.code.clone()).collect();
    let set = store.targets_on(&codes).await?;
    Ok(Kpi::ALL
        .into_iter()
        .map(|kpi| {
            // The nearest unit with a target of its own: the deepest in the lineage.
            lineage
                .iter()
                .rev()
                .find_map(|u| {
                    set.iter()
                        .find(|t| t.kpi == kpi && t.unit_code == u.code)
                        .map(|t| InForce {
                            kpi,
                            target: t.target,
                            set_on: Some((u.code.clone(), u.name.clone())),
                        })
                })
                .unwrap_or(InForce {
                    kpi,
                    target: kpi.default_target(),
                    set_on: None,
                })
        })
        .collect())
}

/// Why a target was not set.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A field was wrong: the message names it.
    #[error("refused: {}", .0.key)]
    Invalid(Msg),
    #[error("no such unit")]
    UnknownUnit,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a province official asked for.
pub enum Change<'a> {
    /// Set the unit's own target from the fields as typed.
    Set { percent: &'a str, deadline: &'a str },
    /// Remove the unit's own target: the one above (or the plan's) holds again.
    Clear,
}

/// Sets or clears a unit's target for a KPI, audited. The caller has checked the right to.
///
/// # Errors
/// A refused field (with its message), an unknown unit, or the store failing.
pub async fn set(
    store: &dyn Store,
    unit: &UnitCode,
    kpi: Kpi,
    change: Change<'_>,
    actor: &str,
    now: Timestamp,
) -> Result<Option<Target>, TargetError> {
    let today = Date::from_timestamp_vietnam(now).unwrap_or(Date::EPOCH);
    let target = match change {
        Change::Set { percent, deadline } => {
            Some(Target::parse(percent, deadline, today).map_err(TargetError::Invalid)?)
        }
        Change::Clear => None,
    };
    let detail = match target {
        Some(t) => Detail::new()
            .str("kpi", kpi.as_str())
            .num("percent", i64::from(t.percent))
            .str("deadline", t.deadline.to_string()),
        None => Detail::new().str("kpi", kpi.as_str()).str("cleared", "yes"),
    };
    let entry = AuditEntry::new(actor, "target.set")
        .subject(unit.to_string())
        .detail(&detail);
    match store.set_target(unit, kpi, target, actor, entry, now).await {
        Ok(()) => Ok(target),
        Err(StoreError::NotFound(binhdan_store::Entity::Unit)) => Err(TargetError::UnknownUnit),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    const NOW: Timestamp = Timestamp(1_795_000_000_000); // 2026-11-18

    fn code(s: &str) -> UnitCode {
        UnitCode::parse(s).unwrap()
    }

    #[tokio::test]
    async fn the_nearest_target_holds_below_and_clearing_restores_the_one_above() {
        let db = binhdan_store::testing::TestDb::sqlite().await;
        let store = db.store.as_ref();
        crate::bootstrap::load_map(store, NOW).await.unwrap();
        let communes = store.children(Some(&code("38"))).await.unwrap();
        let commune = &communes[0];
        let lineage = store.lineage(&commune.code).await.unwrap();
        let k4 = |v: &[InForce]| v.iter().find(|t| t.kpi == Kpi::K4).unwrap().clone();
        assert_eq!(
            k4(&in_force(store, &lineage).await.unwrap()).target.percent,
            80
        );

        set(
            store,
            &code("38"),
            Kpi::K4,
            Change::Set {
                percent: "85",
                deadline: "2026-12-31",
            },
            "staff:1",
            NOW,
        )
        .await
        .unwrap();
        let here = k4(&in_force(store, &lineage).await.unwrap());
        assert_eq!(
            (here.target.percent, here.set_on.unwrap().0),
            (85, code("38"))
        );

        set(
            store,
            &commune.code,
            Kpi::K4,
            Change::Set {
                percent: "95",
                deadline: "30/12/2026",
            },
            "staff:1",
            NOW,
        )
        .await
        .unwrap();
        assert_eq!(
            k4(&in_force(store, &lineage).await.unwrap()).target.percent,
            95
        );
        // The province itself still sees its own.
        assert_eq!(
            k4(&in_force(store, &lineage[..1]).await.unwrap())
                .target
                .percent,
            85
        );

        set(store, &commune.code, Kpi::K4, Change::Clear, "staff:1", NOW)
            .await
            .unwrap();
        assert_eq!(
            k4(&in_force(store, &lineage).await.unwrap()).target.percent,
            85
        );

        // Refusals write nothing.
        for (p, d) in [("120", "2026-12-31"), ("80", "2026-01-01"), ("80", "sớm")] {
            let r = set(
                store,
                &commune.code,
                Kpi::K4,
                Change::Set {
                    percent: p,
                    deadline: d,
                },
                "staff:1",
                NOW,
            )
            .await;
            assert!(matches!(r, Err(TargetError::Invalid(_))), "{p} {d}");
        }
        assert!(matches!(
            set(
                store,
                &code("99999"),
                Kpi::K1,
                Change::Clear,
                "staff:1",
                NOW
            )
            .await,
            Err(TargetError::UnknownUnit)
        ));
        let audit = store.audit_records(0, 100).await.unwrap();
        assert_eq!(audit.iter().filter(|r| r.action == "target.set").count(), 3);
        db.cleanup().await;
    }
}

//! The campaign's dashboard for one unit and one KPI: where the unit stands against the target
//! in force, its last 30 days, and its communes or villages ranked (thi đua) with their change
//! since last week and whether they will reach the target by the deadline at their current pace.
//!
//! Everything is read from the counters and their daily changes (`DashboardStore`), never from
//! people, so a dashboard costs the same for a commune of 5,000 as for a province of 3.7
//! million.

use binhdan_core::Timestamp;
use binhdan_core::kpi::{Group, Kpi, Target};
use binhdan_core::people::Date;
use binhdan_core::unit::{Unit, UnitCode};
use binhdan_store::{Store, StoreError, UnitTarget};

use crate::targets::InForce;

/// Days of history the trend shows, and the window of the current pace.
pub const TREND_DAYS: i64 = 30;
pub const PACE_DAYS: i64 = 7;

/// Where a unit stands against its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// The target is reached.
    Reached,
    /// Not yet, but the pace of the last 7 days reaches it by the deadline.
    OnTrack,
    /// Behind: the pace of the last 7 days is at least half the pace the target needs.
    Behind,
    /// Far behind: less than half the pace the target needs (or no pace known).
    AtRisk,
    /// The deadline has passed without reaching it.
    Missed,
    /// No denominator: neither official figures nor anyone on the roster.
    NoData,
}

impl Standing {
    #[must_use]
    pub const fn key(self) -> &'static str {
        match self {
            Self::Reached => "dash-standing-reached",
            Self::OnTrack => "dash-standing-on-track",
            Self::Behind => "dash-standing-behind",
            Self::AtRisk => "dash-standing-at-risk",
            Self::Missed => "dash-standing-missed",
            Self::NoData => "dash-standing-no-data",
        }
    }
}

/// One unit's figures against its target.
#[derive(Clone, Debug)]
pub struct Standings {
    /// The unit's code, or `tc-{id}` for an organisation.
    pub code: String,
    pub name: String,
    pub value: u64,
    pub denominator: u64,
    /// The denominator is the roster (no official figure).
    pub from_roster: bool,
    /// Tenths of a per cent.
    pub permille: u64,
    /// A week ago, where daily changes are kept.
    pub permille_week_ago: Option<u64>,
    pub target: Target,
    pub goal: u64,
    pub gap: u64,
    /// Reached over the last 7 days, where daily changes are kept.
    pub last_week: Option<u64>,
    /// At the last 7 days' pace, the value at the deadline.
    pub projected: Option<u64>,
    /// People to reach each week from today to reach the target by the deadline (rounded
    /// up); `None` once reached or past the deadline.
    pub needed_per_week: Option<u64>,
    pub standing: Standing,
    /// 1 = first in the ranking (equal shares share a rank); 0 when not ranked: the unit
    /// itself, or a unit without a denominator.
    pub rank: usize,
    pub rank_week_ago: Option<usize>,
}

/// A dashboard.
#[derive(Clone, Debug)]
pub struct Dashboard {
    pub kpi: Kpi,
    pub target: InForce,
    pub unit: Standings,
    /// The value at the end of each of the last 30 days (oldest first); empty for a village.
    pub trend: Vec<(Date, u64)>,
    /// The units directly below, best first.
    pub children: Vec<Standings>,
    /// The agencies, schools or enterprises in the unit whose members the KPI counts (K1, K2,
    /// K5), best first; empty for the adults' KPIs.
    pub organisations: Vec<Standings>,
    /// Measured change in ability for the group: people assessed twice, their summed gain
    /// (thousandths of θ), and how many passed the certification exam.
    pub assessed: u64,
    pub gain_milli: i64,
    pub proficient: u64,
    /// People of the group who came to a live event (checked in at a bridge point).
    pub participated: u64,
}

fn metric(kpi: Kpi) -> &'static str {
    kpi.metric().as_str()
}

/// Tenths of a per cent, rounded half up (as the XLSX and CSV reports show them): the one
/// rounding of a share on every page.
#[must_use]
pub fn permille(value: u64, denominator: u64) -> u64 {
    value
        .saturating_mul(1000)
        .saturating_add(denominator / 2)
        .checked_div(denominator)
        .unwrap_or(0)
}

/// Millionths of the share, rounded: what the ranking compares (finer than what is shown).
fn ppm(value: u64, denominator: u64) -> u64 {
    value
        .saturating_mul(1_000_000)
        .saturating_add(denominator / 2)
        .checked_div(denominator)
        .unwrap_or(0)
}

/// The figures and standing of a unit with `value` now, `last_week` gained over the last 7
/// days, against `target`, on `today`.
fn standings(
    code: String,
    name: String,
    value: u64,
    last_week: Option<u64>,
    denominator: (u64, bool),
    target: Target,
    today: Date,
) -> Standings {
    let (denominator, from_roster) = denominator;
    let goal = target.goal(denominator);
    let days_left = (target.deadline.days_since_epoch() - today.days_since_epoch()).max(0);
    let projected = last_week.map(|w| {
        // value + (w / 7) × days_left, rounded down.
        value.saturating_add(
            w.saturating_mul(u64::try_from(days_left).unwrap_or(0)) / PACE_DAYS.unsigned_abs(),
        )
    });
    let gap = goal.saturating_sub(value);
    let needed_per_week = (gap > 0 && days_left > 0).then(|| {
        gap.saturating_mul(PACE_DAYS.unsigned_abs())
            .div_ceil(days_left.unsigned_abs())
    });
    let standing = if denominator == 0 {
        Standing::NoData
    } else if value >= goal {
        Standing::Reached
    } else if today > target.deadline {
        Standing::Missed
    } else if projected.is_some_and(|p| p >= goal) {
        Standing::OnTrack
    } else if last_week
        .zip(needed_per_week)
        .is_some_and(|(pace, needed)| pace.saturating_mul(2) >= needed)
    {
        Standing::Behind
    } else {
        Standing::AtRisk
    };
    Standings {
        code,
        name,
        value,
        denominator,
        from_roster,
        permille: permille(value, denominator),
        permille_week_ago: last_week.map(|w| permille(value.saturating_sub(w), denominator)),
        target,
        goal,
        gap,
        last_week,
        projected,
        needed_per_week,
        standing,
        rank: 0,
        rank_week_ago: None,
    }
}

impl Standings {
    /// How many more people a week the unit must reach than it did last week to make its
    /// deadline (0 when its pace suffices, or when nothing is needed).
    #[must_use]
    pub fn weekly_shortfall(&self) -> u64 {
        self.needed_per_week
            .unwrap_or(0)
            .saturating_sub(self.last_week.unwrap_or(0))
    }
}

/// The units furthest behind, most first: those whose pace falls shortest of what their
/// target needs each week, at most `n` of them.
#[must_use]
pub fn furthest_behind(units: &[Standings], n: usize) -> Vec<&Standings> {
    let mut behind: Vec<&Standings> = units
        .iter()
        .filter(|u| matches!(u.standing, Standing::AtRisk | Standing::Behind))
        .filter(|u| u.weekly_shortfall() > 0)
        .collect();
    behind.sort_by(|a, b| {
        b.weekly_shortfall()
            .cmp(&a.weekly_shortfall())
            .then(a.code.cmp(&b.code))
    });
    behind.truncate(n);
    behind
}

/// The target in force at a unit given the targets set along its lineage (nearest wins).
fn nearest(set: &[UnitTarget], kpi: Kpi, lineage: &[&UnitCode]) -> Target {
    lineage
        .iter()
        .rev()
        .find_map(|code| {
            set.iter()
                .find(|t| t.kpi == kpi && t.unit_code == **code)
                .map(|t| t.target)
        })
        .unwrap_or_else(|| kpi.default_target())
}

/// Competition ranking ("1, 2, 2, 4") by share reached, of the units with a denominator;
/// `None` for the others.
fn competition(shares: &[Option<u64>]) -> Vec<Option<usize>> {
    shares
        .iter()
        .map(|s| s.map(|mine| 1 + shares.iter().flatten().filter(|o| **o > mine).count()))
        .collect()
}

/// Ranks by share reached, now and a week ago: equal shares share a rank; units without a
/// denominator, or that have reached nobody yet, are not ranked and come last. Best first,
/// then by value and code.
fn rank(children: &mut [Standings]) {
    let key =
        |c: &Standings| (c.denominator > 0 && c.value > 0).then(|| ppm(c.value, c.denominator));
    children.sort_by(|a, b| {
        key(b)
            .is_some()
            .cmp(&key(a).is_some())
            .then(key(b).cmp(&key(a)))
            .then(b.value.cmp(&a.value))
            .then(a.code.cmp(&b.code))
    });
    let now: Vec<Option<u64>> = children.iter().map(key).collect();
    let then: Vec<Option<u64>> = children
        .iter()
        .map(|c| {
            let before = c.value.saturating_sub(c.last_week?);
            (c.denominator > 0 && before > 0).then(|| ppm(before, c.denominator))
        })
        .collect();
    let (now, then) = (competition(&now), competition(&then));
    for ((c, r), t) in children.iter_mut().zip(now).zip(then) {
        c.rank = r.unwrap_or(0);
        c.rank_week_ago = t.filter(|_| c.rank > 0);
    }
}

/// The dashboard of the last unit of `lineage` (the province first) for a KPI, on the day of
/// `now`.
///
/// # Errors
/// The store failed.
pub async fn dashboard(
    store: &dyn Store,
    lineage: &[Unit],
    kpi: Kpi,
    now: Timestamp,
) -> Result<Option<Dashboard>, StoreError> {
    let Some(unit) = lineage.last() else {
        return Ok(None);
    };
    let today = Date::from_timestamp_vietnam(now).unwrap_or(Date::EPOCH);
    let day = today.days_since_epoch();
    let group: Group = kpi.group();
    let m = metric(kpi);
    let children = store
        .children_figures(&unit.code, group, m, day - PACE_DAYS)
        .await?;
    let mut codes: Vec<UnitCode> = lineage.iter().map(|u| u.code.clone()).collect();
    codes.extend(children.iter().map(|c| c.code.clone()));
    let set = store.targets_on(&codes).await?;
    let path: Vec<&UnitCode> = lineage.iter().map(|u| &u.code).collect();
    let target = crate::targets::in_force(store, lineage)
        .await?
        .into_iter()
        .find(|t| t.kpi == kpi)
        .unwrap_or(InForce {
            kpi,
            target: kpi.default_target(),
            set_on: None,
        });

    // The unit itself: its counters summed over its subtree.
    let learning = store.learning_under(&unit.code).await?;
    let value_of = |metric: &str| {
        learning
            .iter()
            .find(|(g, mm, _)| *g == group && mm == metric)
            .map_or(0, |x| x.2)
    };
    let value = u64::try_from(value_of(m)).unwrap_or(0);
    let official = store
        .population_under(&unit.code)
        .await?
        .into_iter()
        .find(|(g, _)| *g == group)
        .map(|p| p.1);
    let roster = store
        .roster_under(&unit.path, unit.level, &unit.code)
        .await?
        .into_iter()
        .find(|(g, _)| *g == group)
        .map_or(0, |r| r.1);
    let denominator = official.map_or((roster, true), |n| (n, false));
    let history = store
        .daily_changes(&unit.code, group, m, day - TREND_DAYS)
        .await?;
    let mut trend = Vec::new();
    let mut last_week = None;
    if let Some((before, days)) = history {
        let mut running = before;
        for d in (day - TREND_DAYS + 1)..=day {
            running += days.iter().filter(|x| x.0 == d).map(|x| x.1).sum::<i64>();
            if let Some(date) = Date::from_days_since_epoch(d) {
                trend.push((date, u64::try_from(running).unwrap_or(0)));
            }
        }
        last_week = Some(
            u64::try_from(
                days.iter()
                    .filter(|x| x.0 > day - PACE_DAYS)
                    .map(|x| x.1)
                    .sum::<i64>()
                    .max(0),
            )
            .unwrap_or(0),
        );
    }
    let me = standings(
        unit.code.to_string(),
        unit.name.clone(),
        value,
        last_week,
        denominator,
        target.target,
        today,
    );
    let mut rows: Vec<Standings> = children
        .into_iter()
        .map(|c| {
            let mut along = path.clone();
            along.push(&c.code);
            let t = nearest(&set, kpi, &along);
            let denominator = c.population.map_or((c.roster, true), |n| (n, false));
            standings(
                c.code.to_string(),
                c.name,
                u64::try_from(c.value).unwrap_or(0),
                c.recent.map(|r| u64::try_from(r.max(0)).unwrap_or(0)),
                denominator,
                t,
                today,
            )
        })
        .collect();
    rank(&mut rows);
    let mut organisations: Vec<Standings> = if group == Group::Adult {
        Vec::new()
    } else {
        store
            .organisation_figures(&unit.code, group, m, day - PACE_DAYS)
            .await?
            .into_iter()
            .map(|o| {
                standings(
                    format!("tc-{}", o.id),
                    format!("{} ({})", o.name, o.unit_name),
                    u64::try_from(o.value).unwrap_or(0),
                    Some(u64::try_from(o.recent.max(0)).unwrap_or(0)),
                    (o.roster, true),
                    target.target,
                    today,
                )
            })
            .collect()
    };
    rank(&mut organisations);
    Ok(Some(Dashboard {
        kpi,
        target,
        unit: me,
        trend,
        children: rows,
        organisations,
        assessed: u64::try_from(value_of("assessed")).unwrap_or(0),
        gain_milli: value_of("gain_milli"),
        proficient: u64::try_from(value_of("proficient")).unwrap_or(0),
        participated: u64::try_from(value_of("participated")).unwrap_or(0),
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn code(s: &str) -> String {
        UnitCode::parse(s).unwrap().to_string()
    }

    fn target(percent: u8) -> Target {
        Target {
            percent,
            deadline: Date::new(2026, 12, 31).unwrap(),
        }
    }

    #[test]
    fn the_standing_follows_the_pace_of_the_last_week() {
        let today = Date::new(2026, 12, 1).unwrap(); // 30 days left
        let s = |value, week, denominator| {
            standings(
                code("16591"),
                "X".into(),
                value,
                week,
                (denominator, false),
                target(80),
                today,
            )
            .standing
        };
        assert_eq!(s(800, Some(0), 1000), Standing::Reached);
        // 700 of 800 needs 100 in 30 days: 24 a week. 28 a week reaches 820: on track;
        // 14 a week is more than half the pace needed: behind; 10 is less: at risk.
        assert_eq!(s(700, Some(28), 1000), Standing::OnTrack);
        assert_eq!(s(700, Some(14), 1000), Standing::Behind);
        assert_eq!(s(700, Some(12), 1000), Standing::Behind);
        assert_eq!(s(700, Some(11), 1000), Standing::AtRisk);
        assert_eq!(s(700, None, 1000), Standing::AtRisk, "no pace known");
        assert_eq!(s(0, Some(0), 0), Standing::NoData);
        let late = standings(
            code("38"),
            "X".into(),
            10,
            Some(5),
            (100, false),
            target(80),
            Date::new(2027, 1, 2).unwrap(),
        );
        assert_eq!(late.standing, Standing::Missed);
        let r = standings(
            code("38"),
            "X".into(),
            700,
            Some(28),
            (1000, true),
            target(80),
            today,
        );
        assert_eq!(
            (r.permille, r.permille_week_ago, r.goal, r.gap, r.projected),
            (700, Some(672), 800, 100, Some(820))
        );
        assert_eq!((r.needed_per_week, r.weekly_shortfall()), (Some(24), 0));
        assert_eq!(
            late.needed_per_week, None,
            "past the deadline, no pace helps"
        );
        let slow = standings(
            code("16594"),
            "Y".into(),
            700,
            Some(4),
            (1000, false),
            target(80),
            today,
        );
        let none = standings(
            code("16597"),
            "Z".into(),
            0,
            Some(0),
            (1000, false),
            target(80),
            today,
        );
        assert_eq!(slow.weekly_shortfall(), 20);
        assert_eq!(none.needed_per_week, Some(187));
        let units = [r.clone(), slow.clone(), none.clone()];
        let first: Vec<&str> = furthest_behind(&units, 5)
            .iter()
            .map(|u| u.code.as_str())
            .collect();
        assert_eq!(
            first,
            ["16597", "16594"],
            "most short of the pace first; on track left out"
        );
    }

    #[test]
    fn the_ranking_is_by_share_and_remembers_last_week() {
        let today = Date::new(2026, 12, 1).unwrap();
        let row = |c: &str, value, week| {
            standings(
                code(c),
                c.into(),
                value,
                Some(week),
                (100, false),
                target(100),
                today,
            )
        };
        // A leads now; a week ago B led (A gained 30, B gained 0).
        let mut rows = vec![
            row("16594", 50, 0),
            row("16591", 60, 30),
            row("16597", 10, 0),
        ];
        rank(&mut rows);
        let order: Vec<(&str, usize, Option<usize>)> = rows
            .iter()
            .map(|r| (r.code.as_str(), r.rank, r.rank_week_ago))
            .collect();
        assert_eq!(
            order,
            [
                ("16591", 1, Some(2)),
                ("16594", 2, Some(1)),
                ("16597", 3, Some(3))
            ]
        );
        // Equal shares share a rank; nobody reached yet, or no denominator: not ranked.
        let mut rows = vec![
            row("16594", 5, 0),
            row("16591", 5, 0),
            row("16597", 40, 0),
            row("16598", 0, 0),
            standings(
                code("16600"),
                "Y".into(),
                0,
                Some(0),
                (0, true),
                target(100),
                today,
            ),
        ];
        rank(&mut rows);
        let order: Vec<(&str, usize)> = rows.iter().map(|r| (r.code.as_str(), r.rank)).collect();
        assert_eq!(
            order,
            [
                ("16597", 1),
                ("16591", 2),
                ("16594", 2),
                ("16598", 0),
                ("16600", 0)
            ]
        );
        // Shares are rounded half up for display: 6 of 603 is 1,0%, not 0,9%.
        assert_eq!(permille(6, 603), 10);
    }
}

/// An organisation's own figures, for its admins: its members of the group its kind serves
/// (a school's pupils, K2; an agency's servants, K1; an enterprise's or cooperative's workers,
/// K5) against the target in force where it sits.
#[derive(Clone, Debug)]
pub struct OrganisationDashboard {
    pub kpi: Kpi,
    pub standing: Standings,
    /// Members who started learning.
    pub learning: u64,
    pub assessed: u64,
    pub gain_milli: i64,
    pub proficient: u64,
    /// Members who came to a live event.
    pub participated: u64,
}

/// The KPI an organisation's members count toward.
#[must_use]
pub fn organisation_kpi(kind: binhdan_store::OrgKind) -> Kpi {
    match kind {
        binhdan_store::OrgKind::School => Kpi::K2,
        binhdan_store::OrgKind::Agency => Kpi::K1,
        binhdan_store::OrgKind::Enterprise | binhdan_store::OrgKind::Cooperative => Kpi::K5,
    }
}

/// The dashboard of an organisation sitting at the last unit of `lineage`.
///
/// # Errors
/// The store failed.
pub async fn organisation(
    store: &dyn Store,
    org: &binhdan_store::Organisation,
    lineage: &[Unit],
    now: Timestamp,
) -> Result<OrganisationDashboard, StoreError> {
    let kpi = organisation_kpi(org.kind);
    let group = kpi.group();
    let today = Date::from_timestamp_vietnam(now).unwrap_or(Date::EPOCH);
    let target = crate::targets::in_force(store, lineage)
        .await?
        .into_iter()
        .find(|t| t.kpi == kpi)
        .map_or_else(|| kpi.default_target(), |t| t.target);
    let counters = store.organisation_counters(org.id).await?;
    let value_of = |metric: &str| {
        counters
            .iter()
            .find(|(g, m, _)| *g == group && m == metric)
            .map_or(0, |x| x.2)
    };
    let count = |metric: &str| u64::try_from(value_of(metric)).unwrap_or(0);
    Ok(OrganisationDashboard {
        kpi,
        standing: standings(
            format!("tc-{}", org.id),
            org.name.clone(),
            count(metric(kpi)),
            None,
            (count("roster"), true),
            target,
            today,
        ),
        learning: count("learning"),
        assessed: count("assessed"),
        gain_milli: value_of("gain_milli"),
        proficient: count("proficient"),
        participated: count("participated"),
    })
}

//! The village teams' figures in the progress reports (issue 19, item 1): the scope's teams
//! together, then one line per unit below it: a commune's villages, or a province's communes
//! (each its villages' teams together; a province has too many villages to list). Read from the
//! counters and the members only, never from people, like the dashboards.

use binhdan_core::unit::{Unit, UnitLevel};
use binhdan_store::{Store, StoreError, TeamFigures};
use serde::Serialize;

/// A unit's team figures, as the reports list them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TeamLine {
    pub code: String,
    pub name: String,
    /// `province`, `commune` or `village`.
    pub level: &'static str,
    /// Members of the teams (each account once per unit).
    pub members: i64,
    /// Adults on the roster.
    pub roster: i64,
    /// People the teams reached (visited or taught), each once.
    pub reached: i64,
    pub visits: i64,
    pub classes: i64,
    /// Adults certified.
    pub certified: i64,
    /// Of them, certified in a sitting a member supervised (not voided).
    pub assisted: i64,
}

impl TeamLine {
    fn new(code: String, name: String, level: &'static str, members: i64, f: TeamFigures) -> Self {
        Self {
            code,
            name,
            level,
            members,
            roster: f.roster,
            reached: f.reached,
            visits: f.visits,
            classes: f.classes,
            certified: f.certified,
            assisted: f.assisted,
        }
    }

    /// Whether any team worked here: a member, a visit, a class or someone reached.
    #[must_use]
    pub fn has_team(&self) -> bool {
        self.members > 0 || self.visits > 0 || self.classes > 0 || self.reached > 0
    }

    /// The share of the certified who were certified with a member's help, in tenths of a per
    /// cent; `None` when nobody is certified.
    #[must_use]
    pub fn assisted_permille(&self) -> Option<u64> {
        let certified = u64::try_from(self.certified).ok().filter(|c| *c > 0)?;
        let assisted = u64::try_from(self.assisted).unwrap_or(0);
        Some(crate::dashboard::permille(assisted, certified))
    }
}

/// The reports' team lines: the unit at `lineage`'s end, then each unit directly below it
/// (every village of a commune, every commune of a province, teams or not). Empty when no team
/// ever worked in the scope. Two or three bounded reads: the counters of the unit and of the
/// units below it, and their members.
///
/// # Errors
/// The store failed.
pub async fn report_lines(
    store: &dyn Store,
    lineage: &[Unit],
) -> Result<Vec<TeamLine>, StoreError> {
    let Some(root) = lineage.last() else {
        return Ok(Vec::new());
    };
    let below = store.teams_below(&root.code).await?;
    let level = root.level.child().map_or("", UnitLevel::as_str);
    let below: Vec<TeamLine> = below
        .into_iter()
        .map(|t| TeamLine::new(t.code.to_string(), t.name, level, t.members, t.figures))
        .collect();
    let total = match root.level {
        // No counter row of its own: its communes' together.
        UnitLevel::Province => below.iter().fold(
            TeamLine {
                code: root.code.to_string(),
                name: root.name.clone(),
                level: root.level.as_str(),
                ..TeamLine::default()
            },
            |mut sum, c| {
                sum.members += c.members;
                sum.roster += c.roster;
                sum.reached += c.reached;
                sum.visits += c.visits;
                sum.classes += c.classes;
                sum.certified += c.certified;
                sum.assisted += c.assisted;
                sum
            },
        ),
        UnitLevel::Commune => TeamLine::new(
            root.code.to_string(),
            root.name.clone(),
            root.level.as_str(),
            below.iter().map(|v| v.members).sum(),
            store.team_figures(&root.code).await?,
        ),
        UnitLevel::Village => TeamLine::new(
            root.code.to_string(),
            root.name.clone(),
            root.level.as_str(),
            i64::try_from(store.team_members(&root.code).await?.len()).unwrap_or(i64::MAX),
            store.team_figures(&root.code).await?,
        ),
    };
    if !total.has_team() {
        return Ok(Vec::new());
    }
    Ok(std::iter::once(total).chain(below).collect())
}

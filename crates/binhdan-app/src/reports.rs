//! The periodic progress report of a scope: one sheet per level (the unit itself, its
//! communes or villages, and for a province every village), each unit with the five KPIs —
//! reached, denominator, share, target, still needed, standing; then what people can do of
//! the simulated tasks and the village teams' figures, each where there is any. Read from the
//! counters, like the dashboards. Written as XLSX or CSV by `binhdan_tabular::write`; the JSON form is the
//! same rows, for the national aggregation.

use binhdan_core::Timestamp;
use binhdan_core::kpi::Kpi;
use binhdan_core::unit::{Unit, UnitLevel};
use binhdan_i18n::Lang;
use binhdan_store::{Store, StoreError};
use binhdan_tabular::write::{Out, Sheet};
use serde::Serialize;

use crate::dashboard::{Standings, dashboard};

/// The file a report is written to: a workbook (one sheet per level), CSV (one table), or the
/// administrative document (PDF, the progress report only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Xlsx,
    Csv,
    Pdf,
}

impl ReportFormat {
    /// `xlsx` (also when absent) or `csv`; anything else is refused with the message
    /// `report-format-unknown` naming what was asked (at most 20 characters of it).
    ///
    /// # Errors
    /// Neither `xlsx` nor `csv`.
    pub fn parse(asked: Option<&str>) -> Result<Self, binhdan_core::Msg> {
        match asked.unwrap_or("xlsx") {
            "xlsx" => Ok(Self::Xlsx),
            "csv" => Ok(Self::Csv),
            "pdf" => Ok(Self::Pdf),
            other => Err(binhdan_core::Msg::new("report-format-unknown")
                .arg("value", other.chars().take(20).collect::<String>())),
        }
    }

    /// Like [`ReportFormat::parse`], for the reports that are tables only (no document).
    ///
    /// # Errors
    /// Neither `xlsx` nor `csv`.
    pub fn parse_table(asked: Option<&str>) -> Result<Self, binhdan_core::Msg> {
        match Self::parse(asked)? {
            Self::Pdf => Err(binhdan_core::Msg::new("report-format-unknown").arg("value", "pdf")),
            table => Ok(table),
        }
    }

    /// The file name's extension.
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Xlsx => "xlsx",
            Self::Csv => "csv",
            Self::Pdf => "pdf",
        }
    }

    #[must_use]
    pub fn is_csv(self) -> bool {
        self == Self::Csv
    }
}

/// One KPI's figures for a unit, as the JSON API gives them.
#[derive(Clone, Debug, Serialize)]
pub struct KpiFigures {
    pub kpi: &'static str,
    pub reached: u64,
    pub denominator: u64,
    /// `population` (official figures) or `roster`.
    pub denominator_source: &'static str,
    pub target_percent: u8,
    /// `YYYY-MM-DD`.
    pub deadline: String,
    pub gap: u64,
    /// `reached`, `on_track`, `behind`, `at_risk`, `missed` or `no_data`.
    pub standing: &'static str,
}

/// A unit's line of the report.
#[derive(Clone, Debug, Serialize)]
pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    /// The unit above (empty for the root).
    pub parent: String,
    pub kpis: Vec<KpiFigures>,
}

fn standing_code(s: crate::dashboard::Standing) -> &'static str {
    use crate::dashboard::Standing as S;
    match s {
        S::Reached => "reached",
        S::OnTrack => "on_track",
        S::Behind => "behind",
        S::AtRisk => "at_risk",
        S::Missed => "missed",
        S::NoData => "no_data",
    }
}

fn figures(kpi: Kpi, s: &Standings) -> KpiFigures {
    let d = s.target.deadline;
    KpiFigures {
        kpi: kpi.as_str(),
        reached: s.value,
        denominator: s.denominator,
        denominator_source: if s.from_roster {
            "roster"
        } else {
            "population"
        },
        target_percent: s.target.percent,
        deadline: format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        gap: s.gap,
        standing: standing_code(s.standing),
    }
}

/// The report's lines, level by level: the root, the units below it, and for a province the
/// villages of every commune.
///
/// # Errors
/// The store failed.
pub async fn progress_lines(
    store: &dyn Store,
    lineage: &[Unit],
    now: Timestamp,
) -> Result<Vec<Vec<UnitLine>>, StoreError> {
    let Some(root) = lineage.last() else {
        return Ok(Vec::new());
    };
    let parent_name = lineage
        .len()
        .checked_sub(2)
        .and_then(|i| lineage.get(i))
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let mut levels = vec![vec![UnitLine {
        code: root.code.to_string(),
        name: root.name.clone(),
        level: root.level.as_str(),
        parent: parent_name,
        kpis: Vec::new(),
    }]];
    let mut below: Vec<UnitLine> = Vec::new();
    for kpi in Kpi::ALL {
        let Some(d) = dashboard(store, lineage, kpi, now).await? else {
            continue;
        };
        levels[0][0].kpis.push(figures(kpi, &d.unit));
        let level = root.level.child().map_or("", UnitLevel::as_str);
        merge(&mut below, kpi, d.children, level, &root.name);
    }
    levels.push(below);
    if root.level == UnitLevel::Province {
        let mut villages: Vec<UnitLine> = Vec::new();
        for commune in store.children(Some(&root.code)).await? {
            let mut along = lineage.to_vec();
            along.push(commune.clone());
            let mut of_commune: Vec<UnitLine> = Vec::new();
            for kpi in Kpi::ALL {
                if let Some(d) = dashboard(store, &along, kpi, now).await? {
                    let level = UnitLevel::Village.as_str();
                    merge(&mut of_commune, kpi, d.children, level, &commune.name);
                }
            }
            villages.extend(of_commune);
        }
        levels.push(villages);
    }
    levels.retain(|l| !l.is_empty());
    Ok(levels)
}

/// Adds one KPI's figures of the units below to their lines (in code order), making the
/// lines on the first KPI.
fn merge(
    lines: &mut Vec<UnitLine>,
    kpi: Kpi,
    mut children: Vec<Standings>,
    level: &'static str,
    parent: &str,
) {
    children.sort_by(|a, b| a.code.cmp(&b.code));
    for c in &children {
        match lines.iter_mut().find(|l| l.code == c.code) {
            Some(line) => line.kpis.push(figures(kpi, c)),
            None => lines.push(UnitLine {
                code: c.code.clone(),
                name: c.name.clone(),
                level,
                parent: parent.to_owned(),
                kpis: vec![figures(kpi, c)],
            }),
        }
    }
}

fn level_name(lang: Lang, level: &str) -> String {
    lang.text(match level {
        "province" => "report-sheet-province",
        "commune" => "report-sheet-communes",
        _ => "report-sheet-villages",
    })
}

/// A standing code of the report (`on_track`, …) in words.
#[must_use]
pub fn standing_text(lang: Lang, code: &str) -> String {
    lang.text(match code {
        "reached" => "dash-standing-reached",
        "on_track" => "dash-standing-on-track",
        "behind" => "dash-standing-behind",
        "at_risk" => "dash-standing-at-risk",
        "missed" => "dash-standing-missed",
        _ => "dash-standing-no-data",
    })
}

/// The report as sheets, headed in `lang`, titled with the scope and the day.
#[must_use]
pub fn sheets(lang: Lang, lines: &[Vec<UnitLine>], scope: &str, day: &str) -> Vec<Sheet> {
    let mut headers = vec![
        lang.text("report-code"),
        lang.text("report-name"),
        lang.text("report-parent"),
    ];
    for kpi in Kpi::ALL {
        let k = kpi.as_str();
        for key in [
            "report-reached",
            "report-denominator",
            "report-source",
            "report-share",
            "report-target",
            "report-deadline",
            "report-gap",
            "report-standing",
        ] {
            headers.push(format!("{k} {}", lang.text(key)));
        }
    }
    let title = vec![lang.text("report-title"), format!("{} · {}", scope, day)];
    lines
        .iter()
        .filter_map(|level| {
            let first = level.first()?;
            let rows = level
                .iter()
                .map(|l| {
                    let mut row = vec![
                        Out::Text(l.code.clone()),
                        Out::Text(l.name.clone()),
                        Out::Text(l.parent.clone()),
                    ];
                    for f in &l.kpis {
                        let d = &f.deadline;
                        row.extend([
                            Out::Count(f.reached),
                            Out::Count(f.denominator),
                            Out::Text(lang.text(if f.denominator_source == "roster" {
                                "report-source-roster"
                            } else {
                                "report-source-population"
                            })),
                            if f.denominator == 0 {
                                Out::Empty
                            } else {
                                #[allow(clippy::cast_precision_loss, reason = "counts of people")]
                                let share = f.reached as f64 / f.denominator as f64;
                                Out::Share(share)
                            },
                            Out::Share(f64::from(f.target_percent) / 100.0),
                            match (
                                d.get(0..4).and_then(|y| y.parse().ok()),
                                d.get(5..7).and_then(|m| m.parse().ok()),
                                d.get(8..10).and_then(|d| d.parse().ok()),
                            ) {
                                (Some(y), Some(m), Some(day)) => Out::Date(y, m, day),
                                _ => Out::Text(d.clone()),
                            },
                            Out::Count(f.gap),
                            Out::Text(standing_text(lang, f.standing)),
                        ]);
                    }
                    row
                })
                .collect();
            Some(Sheet {
                name: level_name(lang, first.level),
                title: title.clone(),
                headers: headers.clone(),
                rows,
            })
        })
        .chain(std::iter::once(legend(lang)))
        .collect()
}

/// The last sheet: what each KPI measures and how the columns are read.
fn legend(lang: Lang) -> Sheet {
    let mut rows: Vec<Vec<Out>> = Kpi::ALL
        .iter()
        .map(|k| {
            vec![
                Out::Text(k.as_str().to_owned()),
                Out::Text(lang.tr(&k.description())),
            ]
        })
        .collect();
    for key in [
        "report-legend-denominator",
        "report-legend-gap",
        "report-legend-standing",
    ] {
        rows.push(vec![Out::Empty, Out::Text(lang.text(key))]);
    }
    Sheet {
        name: lang.text("report-legend"),
        title: vec![lang.text("report-title"), lang.text("report-legend")],
        headers: vec![
            lang.text("report-legend-code"),
            lang.text("report-legend-what"),
        ],
        rows,
    }
}

/// The report as one table (for CSV, which has no sheets): one header row, and a first column
/// naming each line's level, so it sorts and filters as one list in Excel.
#[must_use]
pub fn one_sheet(lang: Lang, lines: &[Vec<UnitLine>], scope: &str, day: &str) -> Sheet {
    let mut all = sheets(lang, lines, scope, day).into_iter();
    let Some(first) = all.next() else {
        return Sheet::default();
    };
    let mut headers = vec![lang.text("report-level")];
    headers.extend(first.headers.iter().cloned());
    let mut rows: Vec<Vec<Out>> = Vec::new();
    for sheet in std::iter::once(first.clone()).chain(all) {
        for row in sheet.rows {
            let mut r = vec![Out::Text(sheet.name.clone())];
            r.extend(row);
            rows.push(r);
        }
    }
    Sheet {
        name: first.name,
        title: first.title,
        headers,
        rows,
    }
}

/// A share of the task sheet: empty when nobody was given the task.
fn task_share(s: crate::abilities::Share) -> Out {
    if s.tried == 0 {
        Out::Empty
    } else {
        #[allow(clippy::cast_precision_loss, reason = "counts of people")]
        let share = s.could as f64 / s.tried as f64;
        Out::Share(share)
    }
}

/// A change in percentage points as the reports write it: `37,0` or `−5,0` (a minus sign, not
/// a hyphen, so no spreadsheet reads it as a formula; no plus sign for the same reason).
fn task_change(lang: Lang, permille: i64) -> String {
    let sep = if lang == Lang::Vi { ',' } else { '.' };
    let sign = if permille < 0 { "−" } else { "" };
    let p = permille.unsigned_abs();
    format!("{sign}{}{sep}{}", p / 10, p % 10)
}

/// What people could do of the simulated tasks, per unit (the scope, then the units below)
/// and task, as one sheet headed in `lang`; `None` when no task was ever given in the scope.
#[must_use]
pub fn task_sheet(
    lang: Lang,
    units: &[crate::abilities::UnitTasks],
    scope: &str,
    day: &str,
) -> Option<Sheet> {
    if units.iter().all(|u| u.tasks.is_empty()) {
        return None;
    }
    let headers = [
        "report-task-level",
        "report-code",
        "report-name",
        "report-task-group",
        "report-task",
        "report-task-id",
        "report-task-placement-tried",
        "report-task-placement-could",
        "report-task-placement-share",
        "report-task-exam-tried",
        "report-task-exam-could",
        "report-task-exam-share",
        "report-task-change",
    ]
    .iter()
    .map(|k| lang.text(k))
    .collect();
    let mut rows = Vec::new();
    for u in units {
        for t in &u.tasks {
            rows.push(vec![
                Out::Text(level_name(lang, u.level)),
                Out::Text(u.code.clone()),
                Out::Text(u.name.clone()),
                Out::Text(lang.tr(&t.group.label())),
                Out::Text(t.title.clone()),
                Out::Text(t.task_id.clone()),
                Out::Count(t.placement.tried),
                Out::Count(t.placement.could),
                task_share(t.placement),
                Out::Count(t.exam.tried),
                Out::Count(t.exam.could),
                task_share(t.exam),
                t.change_permille()
                    .map_or(Out::Empty, |c| Out::Text(task_change(lang, c))),
            ]);
        }
    }
    Some(Sheet {
        name: lang.text("report-tasks-sheet"),
        title: vec![lang.text("report-tasks-title"), format!("{scope} · {day}")],
        headers,
        rows,
    })
}

/// The village teams' figures (`teams::report_lines`) as one sheet headed in `lang`: the
/// scope, then each unit below it; `None` when no team ever worked in the scope.
#[must_use]
pub fn team_sheet(
    lang: Lang,
    lines: &[crate::teams::TeamLine],
    scope: &str,
    day: &str,
) -> Option<Sheet> {
    if lines.is_empty() {
        return None;
    }
    let headers = [
        "report-task-level",
        "report-code",
        "report-name",
        "report-team-members",
        "report-team-roster",
        "report-team-reached",
        "report-team-visits",
        "report-team-classes",
        "report-team-certified",
        "report-team-assisted",
        "report-team-assisted-share",
    ]
    .iter()
    .map(|k| lang.text(k))
    .collect();
    let count = |n: i64| Out::Count(u64::try_from(n).unwrap_or(0));
    let rows = lines
        .iter()
        .map(|l| {
            vec![
                Out::Text(level_name(lang, l.level)),
                Out::Text(l.code.clone()),
                Out::Text(l.name.clone()),
                count(l.members),
                count(l.roster),
                count(l.reached),
                count(l.visits),
                count(l.classes),
                count(l.certified),
                count(l.assisted),
                l.assisted_permille().map_or(Out::Empty, |p| {
                    #[allow(clippy::cast_precision_loss, reason = "0..=1000")]
                    let share = p as f64 / 1000.0;
                    Out::Share(share)
                }),
            ]
        })
        .collect();
    Some(Sheet {
        name: lang.text("report-teams-sheet"),
        title: vec![lang.text("report-teams-title"), format!("{scope} · {day}")],
        headers,
        rows,
    })
}

/// The report's sheets with the further ones (the task sheet, the team sheet, each when there
/// is something to say), in order: before the legend of the workbook's sheets
/// (`legend_last`), or after the CSV's one table.
#[must_use]
pub fn with_sheets(
    mut sheets: Vec<Sheet>,
    further: impl IntoIterator<Item = Option<Sheet>>,
    legend_last: bool,
) -> Vec<Sheet> {
    let at = if legend_last {
        sheets.len().saturating_sub(1)
    } else {
        sheets.len()
    };
    sheets.splice(at..at, further.into_iter().flatten());
    sheets
}

/// The progress report's tables as the staff page and the command line write them: the KPI
/// lines (a sheet per level, or one CSV table), then what people could do of the simulated
/// tasks and the village teams' figures, each when there is something to say. `units` is how
/// many units' lines it holds (for the audit record and the command's message).
///
/// # Errors
/// The store failed.
pub async fn tables(
    store: &dyn Store,
    lineage: &[Unit],
    lang: Lang,
    csv: bool,
    now: Timestamp,
) -> Result<Tables, StoreError> {
    let scope = lineage.last().map(|u| u.name.clone()).unwrap_or_default();
    let day = binhdan_core::people::Date::from_timestamp_vietnam(now)
        .map(|d| d.to_string())
        .unwrap_or_default();
    let lines = progress_lines(store, lineage, now).await?;
    let tasks = crate::abilities::report_lines(store, lineage, lang).await?;
    let teams = crate::teams::report_lines(store, lineage).await?;
    let kpis = if csv {
        vec![one_sheet(lang, &lines, &scope, &day)]
    } else {
        sheets(lang, &lines, &scope, &day)
    };
    let sheets = with_sheets(
        kpis,
        [
            task_sheet(lang, &tasks, &scope, &day),
            team_sheet(lang, &teams, &scope, &day),
        ],
        !csv,
    );
    Ok(Tables {
        sheets,
        units: lines.iter().map(Vec::len).sum(),
    })
}

/// The report's tables (`tables`) and how many units' lines they hold.
pub struct Tables {
    pub sheets: Vec<Sheet>,
    pub units: usize,
}

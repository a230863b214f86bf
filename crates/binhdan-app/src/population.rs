//! Importing the official population figures (the KPIs' denominators) per unit and group,
//! from CSV or XLSX, all or nothing: every row is checked, every error reported with its row
//! and column, and nothing is written if any row is wrong.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use binhdan_core::Timestamp;
use binhdan_core::audit::{AuditEntry, Detail};
use binhdan_core::demo::PopulationFigure;
use binhdan_core::import::RowError;
use binhdan_core::people::{
    POPULATION_FIELDS, PopulationRow, duplicate_population, parse_population_row,
};
use binhdan_core::unit::{UnitCode, UnitError};
use binhdan_core::{Localized, Msg};
use binhdan_store::Store;

use crate::villages::{ImportFailure, ImportOptions};

/// What an import of figures did (or, in a dry run, would do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PopulationReport {
    pub figures: usize,
    pub people: u64,
}

/// Where the figures come from, as stored with them.
pub const SOURCE: &str = "official";

/// Who imports the figures, and where they may set them.
pub struct PopulationScope<'a> {
    /// Recorded in the audit log (`cli`, `staff:12`).
    pub actor: String,
    /// Whether the importer may set the figures of a unit (given its path). A row for a unit
    /// outside is refused like any other bad row, so nothing is written.
    pub may_edit: &'a (dyn Fn(&str) -> bool + Sync),
}

impl PopulationScope<'_> {
    /// The operator at the command line: everywhere.
    #[must_use]
    pub fn operator() -> PopulationScope<'static> {
        fn everywhere(_: &str) -> bool {
            true
        }
        PopulationScope {
            actor: "cli".to_owned(),
            may_edit: &everywhere,
        }
    }
}

/// Reads a file of figures (columns: unit code, group, count) and stores them.
pub async fn import_population(
    store: &dyn Store,
    path: &Path,
    options: ImportOptions,
    scope: &PopulationScope<'_>,
    now: Timestamp,
) -> Result<PopulationReport, ImportFailure> {
    let file_error =
        |e: &binhdan_tabular::TabularError| ImportFailure::Rows(vec![e.to_row_error()]);
    let mut table = crate::people::open_table(path, &binhdan_tabular::Cancel::default())
        .await
        .map_err(|e| file_error(&e))?;
    let mut rows = table.rows().map_err(|e| file_error(&e))?;
    let (_, columns) = rows
        .find_columns(&POPULATION_FIELDS)
        .map_err(ImportFailure::Rows)?;
    let mut errors: Vec<RowError> = Vec::new();
    let mut good: Vec<PopulationRow> = Vec::new();
    for row in rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(e.to_row_error());
                continue;
            }
        };
        if row.is_blank() {
            continue;
        }
        let number = row.number;
        match parse_population_row(&columns, number, &row.into_texts()) {
            Ok(r) => good.push(r),
            Err(mut e) => errors.append(&mut e),
        }
    }
    errors.extend(duplicate_population(&good, &columns));
    // Every unit must exist.
    let codes: Vec<UnitCode> = good
        .iter()
        .map(|r| r.unit_code.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let known: HashMap<UnitCode, String> = store
        .units_by_codes(&codes)
        .await
        .map_err(ImportFailure::Store)?
        .into_iter()
        .map(|u| (u.code, u.path))
        .collect();
    for r in &good {
        let msg = match known.get(&r.unit_code) {
            None => UnitError::UnknownUnit {
                code: r.unit_code.to_string(),
            }
            .msg(),
            Some(path) if !(scope.may_edit)(path) => {
                Msg::new("population-unit-out-of-scope").arg("code", r.unit_code.to_string())
            }
            Some(_) => continue,
        };
        errors.push(columns.error(&POPULATION_FIELDS, r.row, 0, msg));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(ImportFailure::Rows(errors));
    }
    let figures: Vec<PopulationFigure> = good
        .iter()
        .map(|r| PopulationFigure {
            unit: r.unit_code.clone(),
            group: r.group,
            count: u64::from(r.count),
        })
        .collect();
    let report = PopulationReport {
        figures: figures.len(),
        people: figures.iter().map(|f| f.count).sum(),
    };
    if !options.dry_run {
        store
            .set_population(&figures, SOURCE, now)
            .await
            .map_err(ImportFailure::Store)?;
        // Who changed a denominator is worth knowing: it moves every percentage above it.
        store
            .append_audit(
                AuditEntry::new(scope.actor.clone(), "population.import").detail(
                    &Detail::new()
                        .num("figures", i64::try_from(report.figures).unwrap_or(i64::MAX))
                        .num("people", i64::try_from(report.people).unwrap_or(i64::MAX)),
                ),
                now,
            )
            .await
            .map_err(ImportFailure::Store)?;
        tracing::info!(
            population.figures = report.figures,
            "imported population figures"
        );
    }
    Ok(report)
}

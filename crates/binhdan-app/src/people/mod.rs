//! Importing rosters of people (a village's or commune's residents, a school's students, an
//! agency's staff, an enterprise's workers) from CSV or XLSX.
//!
//! The file streams through once: each row is checked ([`parse_person_row`]), its CCCD sealed
//! and hashed by the vault, and good rows are written in batches inside **one** store
//! transaction, so memory stays flat whatever the file's size and a crash or a refusal leaves
//! nothing behind. By default any bad row refuses the whole file and every error is reported;
//! with [`RejectPolicy::KeepGood`] the good rows are imported and the bad ones written, with
//! their errors, to a rejects file the official can fix and import again. Importing the same
//! file twice changes nothing: people are upserted by the keyed hash of their CCCD.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use binhdan_core::audit::{AuditEntry, Detail};
use binhdan_core::import::RowError;
use binhdan_core::people::{CccdRepeats, Date, PERSON_FIELDS, PersonRules, parse_person_row, pf};
use binhdan_core::unit::{UnitCode, UnitError, UnitLevel};
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{AdultCutoff, Organisation, PeopleWriteCounts, Reach, Store};
use binhdan_vault::Vault;

use crate::villages::ImportFailure;

mod register;
mod units;
mod writer;

pub use register::*;
use units::Units;
pub use writer::Render;
use writer::{Rejects, Writer, rejects_unwritable};

/// Rows written per store batch.
pub const BATCH: usize = 2_000;
/// Errors kept in memory and reported; beyond this they are only counted.
pub const MAX_REPORTED_ERRORS: usize = 10_000;

/// Whose people a file holds.
#[derive(Clone, Debug)]
pub enum Roster {
    /// The residents of a village or commune: every row's home must be in it; rows that name
    /// no unit live in it.
    Unit(UnitCode),
    /// An organisation's members: students, staff or workers; rows that name no home unit
    /// live in the organisation's commune.
    Organisation(Organisation),
}

/// What to do with bad rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RejectPolicy {
    /// Import nothing if any row is bad (the default).
    AllOrNothing,
    /// Import the good rows; write the bad ones, with a column of errors, to this CSV file.
    KeepGood(PathBuf),
}

/// How to import.
#[derive(Clone, Debug)]
pub struct PeopleImportOptions {
    pub roster: Roster,
    pub rejects: RejectPolicy,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Ages are computed on this day (the campaign's evaluation date).
    pub evaluation_date: Date,
    /// Accept a date of birth that is only a year.
    pub allow_year_only: bool,
    /// Who imports, for the audit log (`cli`, `staff:12`).
    pub actor: String,
    /// Whom the importer may change: a row naming someone registered outside it is refused
    /// by row and that person left as they are. An organisation's roster never moves anyone's
    /// home, whatever the reach says.
    pub reach: Reach,
    /// Set when the request that asked for the import has ended: opening the file stops.
    pub cancel: binhdan_tabular::Cancel,
}

/// Opens a CSV or XLSX file off the async threads (a workbook is inflated and checked whole
/// before its rows are read, see `binhdan_tabular::guard`), stopping if `cancel` is set.
pub async fn open_table(
    path: &Path,
    cancel: &binhdan_tabular::Cancel,
) -> Result<binhdan_tabular::Table, binhdan_tabular::TabularError> {
    let path = path.to_owned();
    let options = binhdan_tabular::Options {
        cancel: cancel.clone(),
        ..binhdan_tabular::Options::default()
    };
    tokio::task::spawn_blocking(move || binhdan_tabular::open_with(&path, &options))
        .await
        .map_err(|e| binhdan_tabular::TabularError::Io(std::io::Error::other(e.to_string())))?
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PeopleImportReport {
    pub rows: u64,
    pub written: PeopleWriteCounts,
    pub rejected: u64,
    /// The errors, at most [`MAX_REPORTED_ERRORS`] of them.
    #[serde(skip)]
    pub errors: Vec<RowError>,
    pub dry_run: bool,
    /// The file's columns that the import does not read (a row-number column aside).
    pub unused_columns: Vec<String>,
}

/// Who counts as an adult on `evaluation_date`: born 18 years before it or earlier.
#[must_use]
pub fn adult_cutoff(evaluation_date: Date) -> AdultCutoff {
    let born = Date::new(
        evaluation_date.year() - 18,
        evaluation_date.month(),
        evaluation_date.day(),
    )
    // 29 February: the 28th of 18 years before.
    .or_else(|| Date::new(evaluation_date.year() - 18, evaluation_date.month(), 28))
    .map_or(0, Date::days_since_epoch);
    AdultCutoff(born)
}

/// Imports a roster file. `progress` is called with the number of rows read so far, every
/// [`BATCH`] rows and at the end; `render` turns messages into the rejects file's language.
///
/// A row naming someone registered outside `options.reach` is refused (its CCCD column) and
/// that person is left exactly as they were; in an all-or-nothing import the rows keep being
/// written into the transaction that will be rolled back, so every such row is reported.
pub async fn import_people(
    store: &dyn Store,
    vault: &Vault,
    path: &Path,
    options: &PeopleImportOptions,
    render: Render,
    progress: &(dyn Fn(u64) + Send + Sync),
    now: Timestamp,
) -> Result<PeopleImportReport, ImportFailure> {
    let file_error =
        |e: &binhdan_tabular::TabularError| ImportFailure::Rows(vec![e.to_row_error()]);
    let file_level = |msg: Msg| {
        ImportFailure::Rows(vec![RowError {
            row: 0,
            column: String::new(),
            msg,
        }])
    };
    let mut table = open_table(path, &options.cancel)
        .await
        .map_err(|e| file_error(&e))?;
    let mut rows = table.rows().map_err(|e| file_error(&e))?;
    let (header, columns) = rows
        .find_columns(&PERSON_FIELDS)
        .map_err(ImportFailure::Rows)?;

    let (roster_unit, membership) = match &options.roster {
        Roster::Unit(code) => (code.clone(), None),
        Roster::Organisation(org) => (
            UnitCode::parse(&org.unit_code).map_err(|e| file_level(e.msg()))?,
            Some((org.id, org.kind.group())),
        ),
    };
    let scope = store
        .unit(&roster_unit)
        .await
        .map_err(ImportFailure::Store)?
        .ok_or_else(|| {
            file_level(
                UnitError::UnknownUnit {
                    code: roster_unit.as_str().to_owned(),
                }
                .msg(),
            )
        })?;
    let names_units = [
        pf::VILLAGE_CODE,
        pf::COMMUNE_CODE,
        pf::UNIT_CODE,
        pf::VILLAGE,
        pf::COMMUNE,
    ]
    .iter()
    .any(|f| columns.has(*f));
    // A province's roster: every row must say its commune, so a file that cannot is refused
    // once, not row by row.
    if scope.level == UnitLevel::Province && !names_units {
        return Err(file_level(
            Msg::new("import-province-needs-commune").arg("scope", scope.code.as_str().to_owned()),
        ));
    }
    let default_commune = match scope.level {
        UnitLevel::Commune => Some(scope.code.clone()),
        UnitLevel::Village => scope.parent_code.clone(),
        UnitLevel::Province => None,
    };
    let province = scope
        .path
        .split('/')
        .next()
        .and_then(|p| UnitCode::parse(p).ok())
        .unwrap_or_else(|| scope.code.clone());
    let mut units = Units {
        store,
        // An organisation's new people live in the commune where it sits; a unit's, in it.
        scope_path: scope.path.clone(),
        scope_name: scope.name.clone(),
        outside_key: match &options.roster {
            Roster::Unit(_) => "import-unit-outside-roster",
            Roster::Organisation(_) => "import-org-home-outside",
        },
        default_unit: (scope.level != UnitLevel::Province).then(|| scope.code.clone()),
        default_commune,
        province,
        known: HashMap::new(),
        unknown: HashSet::new(),
        villages: HashMap::new(),
        communes: None,
    };
    let rules = PersonRules {
        evaluation_date: options.evaluation_date,
        allow_year_only: options.allow_year_only,
    };
    let mut rejects = match &options.rejects {
        RejectPolicy::KeepGood(p) => Some(
            Rejects::create(p, &header.texts(), render.clone())
                .map_err(|e| rejects_unwritable(0, &e))?,
        ),
        RejectPolicy::AllOrNothing => None,
    };
    let mut reach = options.reach.clone();
    if matches!(options.roster, Roster::Organisation(_)) {
        reach.moves_home = false;
    }
    let import = store
        .begin_people_import(adult_cutoff(options.evaluation_date), now)
        .await
        .map_err(ImportFailure::Store)?;
    let mut writer = Writer {
        vault,
        import,
        pending: Vec::with_capacity(BATCH),
        rows: Vec::with_capacity(BATCH),
        counts: PeopleWriteCounts::default(),
        membership,
        reach,
    };
    let mut report = PeopleImportReport {
        dry_run: options.dry_run,
        unused_columns: columns
            .unused()
            .into_iter()
            .filter(|h| !is_row_number_header(h))
            .collect(),
        ..PeopleImportReport::default()
    };
    let mut repeats = CccdRepeats::new();
    let mut failed = false;
    let keep_cells = rejects.is_some();
    let outside_msg = if membership.is_some() {
        "person-registered-elsewhere-org"
    } else {
        "person-registered-elsewhere"
    };
    // Rows the store refused because they name someone outside the reach.
    let refuse_outside = |report: &mut PeopleImportReport,
                          rejects: &mut Option<Rejects>,
                          refused: Vec<(usize, Vec<String>)>|
     -> Result<bool, ImportFailure> {
        let any = !refused.is_empty();
        for (number, cells) in refused {
            let error = columns.error(&PERSON_FIELDS, number, pf::CCCD, Msg::new(outside_msg));
            if let Some(r) = rejects.as_mut() {
                r.write(number, &cells, std::slice::from_ref(&error))
                    .map_err(|e| rejects_unwritable(number, &e))?;
            }
            note(report, vec![error]);
        }
        Ok(any)
    };

    for row in rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                failed = true;
                note(&mut report, vec![e.to_row_error()]);
                continue;
            }
        };
        if row.is_blank() {
            continue;
        }
        report.rows += 1;
        let number = row.number;
        let cells = row.into_texts();
        let checked = match parse_person_row(&columns, number, &cells, &rules) {
            Ok(p) => match repeats.check(&p, &columns) {
                Some(e) => Err(vec![e]),
                None => match units
                    .resolve(&p, &columns)
                    .await
                    .map_err(ImportFailure::Store)?
                {
                    Ok(unit) => Ok((p, unit)),
                    Err(e) => Err(vec![e]),
                },
            },
            Err(errors) => Err(errors),
        };
        match checked {
            Ok((person, unit)) => {
                // Good rows are written even once the import is bound to fail: the store is
                // what tells a row naming someone outside the reach, and every one is
                // reported. The transaction is rolled back at the end.
                let kept = if keep_cells { cells } else { Vec::new() };
                writer.push(person, unit, kept)?;
                if writer.pending.len() >= BATCH {
                    let refused = writer.flush().await.map_err(ImportFailure::Store)?;
                    failed |= refuse_outside(&mut report, &mut rejects, refused)?;
                }
            }
            Err(errors) => {
                failed = true;
                if let Some(r) = rejects.as_mut() {
                    r.write(number, &cells, &errors)
                        .map_err(|e| rejects_unwritable(number, &e))?;
                }
                note(&mut report, errors);
            }
        }
        if report.rows.is_multiple_of(BATCH as u64) {
            progress(report.rows);
            // A point where an abandoned request's import stops, even a run of bad rows.
            tokio::task::yield_now().await;
        }
    }
    let refused = writer.flush().await.map_err(ImportFailure::Store)?;
    failed |= refuse_outside(&mut report, &mut rejects, refused)?;
    progress(report.rows);
    if failed && rejects.is_none() {
        writer
            .import
            .rollback()
            .await
            .map_err(ImportFailure::Store)?;
        report.errors.sort_by_key(|e| e.row);
        return Err(ImportFailure::Rows(report.errors));
    }
    report.written = writer.counts;
    if options.dry_run {
        writer
            .import
            .rollback()
            .await
            .map_err(ImportFailure::Store)?;
        if let Some(r) = rejects {
            r.finish().map_err(|e| rejects_unwritable(0, &e))?;
        }
        return Ok(report);
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let subject = match &options.roster {
        Roster::Unit(c) => format!("unit:{c}"),
        Roster::Organisation(o) => format!("organisation:{}", o.id),
    };
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let audit = AuditEntry::new(options.actor.clone(), "person.import")
        .subject(subject)
        .detail(
            &Detail::new()
                .str("file", file_name)
                .num("rows", count(report.rows))
                .num("added", count(report.written.added))
                .num("updated", count(report.written.updated))
                .num("rejected", count(report.rejected)),
        );
    // The rejects file is on disk before the import commits; after it, only its name is given.
    if let Some(r) = rejects.as_mut() {
        r.sync().map_err(|e| rejects_unwritable(0, &e))?;
    }
    writer
        .import
        .commit(audit)
        .await
        .map_err(ImportFailure::Store)?;
    if let Some(r) = rejects
        && let Err(e) = r.finish()
    {
        // The rows are stored: say so, and that the file of rejected rows is missing.
        tracing::warn!(error = %e, "the rejects file could not be named after the import committed");
    }
    Ok(report)
}

/// Counts a refused row and keeps its errors, up to [`MAX_REPORTED_ERRORS`].
fn note(report: &mut PeopleImportReport, errors: Vec<RowError>) {
    report.rejected += 1;
    for e in errors {
        if report.errors.len() < MAX_REPORTED_ERRORS {
            report.errors.push(e);
        }
    }
}

/// A column that only numbers the rows (`STT`): not worth a warning when it goes unused.
fn is_row_number_header(header: &str) -> bool {
    matches!(
        binhdan_core::text::search_key(header).as_str(),
        "stt" | "tt" | "so tt" | "so thu tu" | "no" | "#" | ""
    )
}

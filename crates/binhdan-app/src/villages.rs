//! Importing villages (thôn, bản, tổ dân phố) from a CSV or XLSX file, all or nothing.
//!
//! Files as officials make them: UTF-8 with or without a byte-order mark, comma or semicolon
//! separated (Excel in a Vietnamese locale writes `;`), headers in Vietnamese with or without
//! diacritics, commune codes that lost their leading zeros. Every problem is reported with its
//! row and column, all at once; if there is any, nothing is written.

use std::io::Read;

use binhdan_core::import::{RowError, VILLAGE_FIELDS, duplicate_villages, parse_village_row};
use binhdan_core::unit::{Unit, UnitError};
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{NewVillage, Store, StoreError, WriteMode};

/// The most rows one file may hold (a province has about 5,000 villages).
pub const MAX_ROWS: usize = 100_000;

#[derive(Clone, Copy, Debug, Default)]
pub struct ImportOptions {
    /// Check everything, write nothing.
    pub dry_run: bool,
}

#[derive(Debug)]
pub struct ImportReport {
    /// Villages created (or, in a dry run, that would be).
    pub count: usize,
    pub created: Vec<Unit>,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file's content is wrong; each error names its row and column.
    #[error("{} rows refused", .0.len())]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Store(StoreError),
}

/// Reads a whole CSV of villages and creates them all, or none.
pub async fn import_villages(
    store: &dyn Store,
    input: impl Read,
    options: ImportOptions,
    now: Timestamp,
) -> Result<ImportReport, ImportFailure> {
    let rows = read_rows(input)?;
    let villages: Vec<NewVillage> = rows
        .iter()
        .map(|r| NewVillage {
            commune: r.commune.clone(),
            name: r.name.clone(),
            division_type: r.division_type,
        })
        .collect();
    // In a dry run the store's own checks (unknown commune, existing name) run in a
    // transaction that is rolled back, so it reports exactly what a real import would.
    let mode = if options.dry_run {
        WriteMode::DryRun
    } else {
        WriteMode::Commit
    };
    match store.create_villages(&villages, mode, now).await {
        Ok(created) => {
            if mode == WriteMode::Commit {
                tracing::info!(villages.created = created.len(), "imported villages");
            }
            Ok(ImportReport {
                count: created.len(),
                created,
            })
        }
        Err(e) => Err(refusals_to_rows(e, &rows)),
    }
}

fn refusals_to_rows(e: StoreError, rows: &[binhdan_core::import::VillageRow]) -> ImportFailure {
    match e {
        StoreError::Rejected(refusals) => ImportFailure::Rows(
            refusals
                .into_iter()
                .map(|r| {
                    let row = rows.get(r.index).map_or(0, |v| v.row);
                    let column = match r.error {
                        UnitError::UnknownUnit { .. } | UnitError::NotACommune { .. } => {
                            "commune_code"
                        }
                        _ => "name",
                    };
                    RowError {
                        row,
                        column: column.to_owned(),
                        msg: r.error.msg(),
                    }
                })
                .collect(),
        ),
        other => ImportFailure::Store(other),
    }
}

fn file_error_at(row: usize, msg: Msg) -> ImportFailure {
    ImportFailure::Rows(vec![RowError {
        row,
        column: String::new(),
        msg,
    }])
}

/// Reads and checks every row; returns the good rows or every error. The rows come from
/// `binhdan_tabular`, as a roster's do: CSV (either delimiter, with or without a byte-order
/// mark) or an XLSX workbook (checked against bombs before it is read), title rows above the
/// header skipped.
fn read_rows(mut input: impl Read) -> Result<Vec<binhdan_core::import::VillageRow>, ImportFailure> {
    // Villages files are small (a province: a few hundred KB): read whole, so that a workbook
    // can be seeked.
    let mut bytes = Vec::new();
    input
        .by_ref()
        .take(64 * 1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            file_error_at(
                0,
                Msg::new("import-malformed-csv")
                    .arg("row", 0)
                    .arg("detail", e),
            )
        })?;
    let file_error =
        |e: &binhdan_tabular::TabularError| ImportFailure::Rows(vec![e.to_row_error()]);
    let mut table = binhdan_tabular::Table::from_reader(std::io::Cursor::new(bytes))
        .map_err(|e| file_error(&e))?;
    let mut records = table.rows().map_err(|e| file_error(&e))?;
    let (_, columns) = records
        .find_columns(&VILLAGE_FIELDS)
        .map_err(ImportFailure::Rows)?;

    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(e.to_row_error());
                continue;
            }
        };
        if i >= MAX_ROWS {
            return Err(file_error_at(
                record.number,
                Msg::new("import-too-many-rows").arg("max", MAX_ROWS),
            ));
        }
        if record.is_blank() {
            continue; // blank lines, common at the end of exported files
        }
        let number = record.number;
        match parse_village_row(&columns, number, &record.into_texts()) {
            Ok(row) => rows.push(row),
            Err(mut e) => errors.append(&mut e),
        }
    }
    errors.extend(duplicate_villages(&rows, &columns));
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(ImportFailure::Rows(errors))
    }
}

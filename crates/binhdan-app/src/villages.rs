//! Importing villages (thôn, bản, tổ dân phố) from a CSV file, all or nothing.
//!
//! Files as officials make them: UTF-8 with or without a byte-order mark, comma or semicolon
//! separated (Excel in a Vietnamese locale writes `;`), headers in Vietnamese with or without
//! diacritics, commune codes that lost their leading zeros. Every problem is reported with its
//! row and column, all at once; if there is any, nothing is written.

use std::io::Read;

use binhdan_core::import::{
    Columns, RowError, VILLAGE_FIELDS, duplicate_villages, parse_village_row,
};
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

fn file_error(row: usize, msg: Msg) -> ImportFailure {
    ImportFailure::Rows(vec![RowError {
        row,
        column: String::new(),
        msg,
    }])
}

/// Reads and checks every row; returns the good rows or every error.
fn read_rows(mut input: impl Read) -> Result<Vec<binhdan_core::import::VillageRow>, ImportFailure> {
    // Villages files are small (a province: a few hundred KB), so reading them whole is fine
    // and lets us sniff the delimiter from the header line.
    let mut bytes = Vec::new();
    input
        .by_ref()
        .take(64 * 1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            file_error(
                0,
                Msg::new("import-malformed-csv")
                    .arg("row", 0)
                    .arg("detail", e),
            )
        })?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let header_line = body.split(|b| *b == b'\n').next().unwrap_or_default();
    #[allow(clippy::naive_bytecount)] // one short header line
    let semicolons = header_line.iter().filter(|b| **b == b';').count();
    #[allow(clippy::naive_bytecount)]
    let commas = header_line.iter().filter(|b| **b == b',').count();
    let delimiter = if semicolons > commas { b';' } else { b',' };

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(body);
    let mut records = reader.byte_records();
    let headers = match records.next() {
        None => return Err(file_error(1, Msg::new("import-empty-file"))),
        Some(Err(e)) => {
            return Err(file_error(
                1,
                Msg::new("import-malformed-csv")
                    .arg("row", 1)
                    .arg("detail", e),
            ));
        }
        Some(Ok(h)) => utf8_cells(&h, 1)?,
    };
    let columns = Columns::resolve(&VILLAGE_FIELDS, &headers).map_err(ImportFailure::Rows)?;

    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let row_no = i + 2;
        if i >= MAX_ROWS {
            return Err(file_error(
                row_no,
                Msg::new("import-too-many-rows").arg("max", MAX_ROWS),
            ));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    row: row_no,
                    column: String::new(),
                    msg: Msg::new("import-malformed-csv")
                        .arg("row", row_no)
                        .arg("detail", e),
                });
                continue;
            }
        };
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue; // blank lines, common at the end of exported files
        }
        let cells = match utf8_cells(&record, row_no) {
            Ok(c) => c,
            Err(ImportFailure::Rows(mut e)) => {
                errors.append(&mut e);
                continue;
            }
            Err(other) => return Err(other),
        };
        match parse_village_row(&columns, row_no, &cells) {
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

fn utf8_cells(record: &csv::ByteRecord, row: usize) -> Result<Vec<String>, ImportFailure> {
    record
        .iter()
        .map(|c| std::str::from_utf8(c).map(str::to_owned))
        .collect::<Result<_, _>>()
        .map_err(|_| file_error(row, Msg::new("import-not-utf8").arg("row", row)))
}

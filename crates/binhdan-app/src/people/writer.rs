//! Where a roster's rows go: the rejects file (bad rows with their errors) and the writer that
//! seals, hashes and writes good rows to the store in batches.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use binhdan_core::import::RowError;
use binhdan_core::people::PersonRow;
use binhdan_core::unit::UnitCode;
use binhdan_core::{Localized, Msg};
use binhdan_store::{
    MembershipRecord, PeopleImport, PeopleWriteCounts, PersonRecord, Reach, StoreError,
};
use binhdan_tabular::write::csv_cell;
use binhdan_vault::Vault;

use crate::villages::ImportFailure;

/// The rejects file: the original header and rows, with a first column of errors. It is
/// written beside its final name and moved there only once complete, so a failed import never
/// leaves a cut-off file behind.
pub(super) struct Rejects {
    /// Taken by [`Rejects::finish`].
    pub(super) writer: Option<csv::Writer<std::io::BufWriter<std::fs::File>>>,
    pub(super) lang: Render,
    /// Cells per row: the header's; short rows (a blank last cell is often left out) are
    /// padded to it.
    pub(super) width: usize,
    pub(super) partial: PathBuf,
    pub(super) path: PathBuf,
}

/// Renders a message in the rejects file's language (the caller's translator).
pub type Render = std::sync::Arc<dyn Fn(&Msg) -> String + Send + Sync>;

impl Rejects {
    pub(super) fn create(path: &Path, header: &[String], lang: Render) -> std::io::Result<Self> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let mut file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
        // A BOM, so that Excel shows the diacritics.
        file.write_all("\u{feff}".as_bytes())?;
        // Rows may be longer than the header (cells past its last column): keep them whole.
        let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(file);
        let mut first = vec![
            lang(&Msg::new("import-rejects-column-errors")),
            lang(&Msg::new("import-rejects-column-row")),
        ];
        first.extend(header.iter().map(|h| csv_cell(h).into_owned()));
        writer.write_record(&first)?;
        Ok(Self {
            writer: Some(writer),
            lang,
            width: header.len(),
            partial,
            path: path.to_owned(),
        })
    }

    pub(super) fn write(
        &mut self,
        row: usize,
        cells: &[String],
        errors: &[RowError],
    ) -> std::io::Result<()> {
        let text = errors
            .iter()
            .map(|e| format!("{}: {}", e.column, (self.lang)(&e.msg)))
            .collect::<Vec<_>>()
            .join("; ");
        let mut record = vec![csv_cell(&text).into_owned(), row.to_string()];
        record.extend(cells.iter().map(|c| csv_cell(c).into_owned()));
        if cells.len() < self.width {
            record.resize(self.width + 2, String::new());
        }
        if let Some(w) = self.writer.as_mut() {
            w.write_record(&record)?;
        }
        Ok(())
    }

    /// Writes the file through to the disk (before the import commits: a full disk fails the
    /// import, not the file after it).
    pub(super) fn sync(&mut self) -> std::io::Result<()> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let file = writer
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        file.get_ref().sync_all()
    }

    /// Gives the written file its name.
    pub(super) fn finish(mut self) -> std::io::Result<()> {
        self.sync()?;
        std::fs::rename(&self.partial, &self.path)
    }
}

impl Drop for Rejects {
    fn drop(&mut self) {
        // Not finished: take the partial file away (after `finish` it is gone already).
        let _ = std::fs::remove_file(&self.partial);
    }
}

pub(super) fn rejects_unwritable(row: usize, e: &std::io::Error) -> ImportFailure {
    ImportFailure::Rows(vec![RowError {
        row,
        column: String::new(),
        msg: Msg::new("import-rejects-unwritable").arg("detail", e.to_string()),
    }])
}

/// Seals and hashes good rows and writes them to the import in batches.
pub(super) struct Writer<'a> {
    pub(super) vault: &'a Vault,
    pub(super) import: Box<dyn PeopleImport>,
    pub(super) pending: Vec<PersonRecord>,
    /// Each pending record's row number and, when bad rows go to a rejects file, its cells.
    pub(super) rows: Vec<(usize, Vec<String>)>,
    pub(super) counts: PeopleWriteCounts,
    pub(super) membership: Option<(i64, binhdan_core::kpi::Group)>,
    pub(super) reach: Reach,
}

/// A checked row as the store takes it: the CCCD sealed and hashed by the vault, never kept
/// in clear.
pub(super) fn person_record(
    vault: &Vault,
    row: PersonRow,
    unit: UnitCode,
    membership: Option<(i64, binhdan_core::kpi::Group)>,
) -> Result<PersonRecord, ImportFailure> {
    let sealed = vault.encrypt(&row.cccd, &mut rand::rng()).map_err(|e| {
        ImportFailure::Rows(vec![RowError {
            row: row.row,
            column: String::new(),
            msg: e.msg(),
        }])
    })?;
    let (birth_year, birth_day) = match row.birth {
        binhdan_core::people::BirthDate::Full(d) => (d.year(), Some(d.days_since_epoch())),
        binhdan_core::people::BirthDate::YearOnly(y) => (y, None),
    };
    Ok(PersonRecord {
        cccd_hash: vault.lookup_hash(&row.cccd),
        cccd_sealed: sealed.into_bytes(),
        cccd_masked: row.cccd.masked(),
        name: row.name.as_str().to_owned(),
        birth_year,
        birth_day,
        sex: row.sex,
        unit,
        phone: row.phone.map(|p| p.as_str().to_owned()),
        membership: membership.map(|(id, group)| MembershipRecord {
            organisation_id: id,
            group,
            grade: row.grade,
            class: row.class,
            position: row.position,
        }),
    })
}

impl Writer<'_> {
    pub(super) fn push(
        &mut self,
        row: PersonRow,
        unit: UnitCode,
        cells: Vec<String>,
    ) -> Result<(), ImportFailure> {
        let number = row.row;
        self.pending
            .push(person_record(self.vault, row, unit, self.membership)?);
        self.rows.push((number, cells));
        Ok(())
    }

    /// Writes the pending rows; returns those refused because the person they name is
    /// registered outside the importer's reach (row number and cells).
    pub(super) async fn flush(&mut self) -> Result<Vec<(usize, Vec<String>)>, StoreError> {
        if self.pending.is_empty() {
            return Ok(Vec::new());
        }
        let outcome = self.import.write_within(&self.pending, &self.reach).await?;
        self.counts += outcome.counts;
        self.pending.clear();
        let mut rows = std::mem::take(&mut self.rows);
        Ok(outcome
            .outside
            .into_iter()
            .filter_map(|i| rows.get_mut(i).map(std::mem::take))
            .collect())
    }
}

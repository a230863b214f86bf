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
use std::io::Write as _;
use std::path::{Path, PathBuf};

use binhdan_core::audit::{AuditEntry, Detail};
use binhdan_core::import::{Columns, RowError};
use binhdan_core::people::{
    CccdRepeats, Date, PERSON_FIELDS, PersonRow, PersonRules, parse_person_row, pf,
};
use binhdan_core::unit::{UnitCode, UnitError, UnitLevel};
use binhdan_core::{Localized, Msg, Timestamp};
use binhdan_store::{
    AdultCutoff, MembershipRecord, Organisation, PeopleImport, PeopleWriteCounts, PersonRecord,
    Store, StoreError,
};
use binhdan_vault::Vault;

use crate::villages::ImportFailure;

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

/// Resolves and checks the home unit of rows, caching what the store says.
struct Units<'a> {
    store: &'a dyn Store,
    /// The roster's unit path (rows must be inside it), its default unit, and its commune.
    scope_path: String,
    default_unit: UnitCode,
    default_commune: Option<UnitCode>,
    known: HashMap<UnitCode, String>,
    unknown: HashSet<UnitCode>,
    /// Per commune: village names (identity keys) to codes.
    villages: HashMap<UnitCode, HashMap<String, UnitCode>>,
}

impl Units<'_> {
    async fn path(&mut self, code: &UnitCode) -> Result<Option<String>, StoreError> {
        if let Some(p) = self.known.get(code) {
            return Ok(Some(p.clone()));
        }
        if self.unknown.contains(code) {
            return Ok(None);
        }
        match self.store.unit(code).await? {
            Some(u) if u.level != UnitLevel::Province => {
                self.known.insert(code.clone(), u.path.clone());
                Ok(Some(u.path))
            }
            _ => {
                self.unknown.insert(code.clone());
                Ok(None)
            }
        }
    }

    async fn village_named(
        &mut self,
        commune: &UnitCode,
        name: &str,
    ) -> Result<Option<UnitCode>, StoreError> {
        if !self.villages.contains_key(commune) {
            let mut names = HashMap::new();
            for v in self.store.children(Some(commune)).await? {
                let full = binhdan_core::text::identity_key(&v.name);
                let kind = binhdan_core::text::identity_key(&v.division_type);
                if let Some(short) = full.strip_prefix(&format!("{kind} ")) {
                    names.insert(short.to_owned(), v.code.clone());
                }
                names.insert(full, v.code.clone());
            }
            self.villages.insert(commune.clone(), names);
        }
        Ok(self
            .villages
            .get(commune)
            .and_then(|m| m.get(&binhdan_core::text::identity_key(name)))
            .cloned())
    }

    /// The row's home unit, or the error to report against it.
    async fn resolve(
        &mut self,
        row: &PersonRow,
        columns: &Columns,
    ) -> Result<Result<UnitCode, RowError>, StoreError> {
        let err =
            |field: usize, msg: Msg| Ok(Err(columns.error(&PERSON_FIELDS, row.row, field, msg)));
        let mut unit = row.unit.clone();
        if let Some(name) = &row.village_name
            && unit
                .as_ref()
                .is_none_or(|u| u.level() == UnitLevel::Commune)
        {
            let commune = unit.clone().or_else(|| self.default_commune.clone());
            let Some(commune) = commune else {
                return err(pf::VILLAGE, Msg::new("import-village-without-commune"));
            };
            match self.village_named(&commune, name).await? {
                Some(v) => unit = Some(v),
                None => {
                    return err(
                        pf::VILLAGE,
                        Msg::new("import-village-name-unknown")
                            .arg("name", name.clone())
                            .arg("commune", commune.as_str().to_owned()),
                    );
                }
            }
        }
        let unit = unit.unwrap_or_else(|| self.default_unit.clone());
        let field = match unit.level() {
            UnitLevel::Village => pf::VILLAGE_CODE,
            _ => pf::COMMUNE_CODE,
        };
        let Some(path) = self.path(&unit).await? else {
            return err(
                field,
                UnitError::UnknownUnit {
                    code: unit.as_str().to_owned(),
                }
                .msg(),
            );
        };
        if !path.starts_with(&self.scope_path) {
            return err(
                field,
                Msg::new("import-unit-outside-roster")
                    .arg("code", unit.as_str().to_owned())
                    .arg("scope", self.default_unit.as_str().to_owned()),
            );
        }
        Ok(Ok(unit))
    }
}

/// The rejects file: the original header and rows, with a first column of errors.
struct Rejects {
    writer: csv::Writer<std::io::BufWriter<std::fs::File>>,
    lang: Render,
}

/// Renders a message in the rejects file's language (the caller's translator).
pub type Render = std::sync::Arc<dyn Fn(&Msg) -> String + Send + Sync>;

impl Rejects {
    fn create(path: &Path, header: &[String], lang: Render) -> std::io::Result<Self> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        // A BOM, so that Excel shows the diacritics.
        file.write_all("\u{feff}".as_bytes())?;
        let mut writer = csv::Writer::from_writer(file);
        let mut first = vec!["Lỗi (Errors)".to_owned(), "Dòng (Row)".to_owned()];
        first.extend(header.iter().cloned());
        writer.write_record(&first)?;
        Ok(Self { writer, lang })
    }

    fn write(&mut self, row: usize, cells: &[String], errors: &[RowError]) -> std::io::Result<()> {
        let text = errors
            .iter()
            .map(|e| format!("{}: {}", e.column, (self.lang)(&e.msg)))
            .collect::<Vec<_>>()
            .join("; ");
        let mut record = vec![text, row.to_string()];
        record.extend(cells.iter().cloned());
        self.writer.write_record(&record)?;
        Ok(())
    }
}

/// Seals and hashes good rows and writes them to the import in batches.
struct Writer<'a> {
    vault: &'a Vault,
    import: Box<dyn PeopleImport>,
    pending: Vec<PersonRecord>,
    counts: PeopleWriteCounts,
    membership: Option<(i64, binhdan_core::kpi::Group)>,
}

/// A checked row as the store takes it: the CCCD sealed and hashed by the vault, never kept
/// in clear.
fn person_record(
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
    fn push(&mut self, row: PersonRow, unit: UnitCode) -> Result<(), ImportFailure> {
        self.pending
            .push(person_record(self.vault, row, unit, self.membership)?);
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), StoreError> {
        if !self.pending.is_empty() {
            self.counts += self.import.write(&self.pending).await?;
            self.pending.clear();
        }
        Ok(())
    }
}

/// Imports a roster file. `progress` is called with the number of rows read so far, every
/// [`BATCH`] rows and at the end; `render` turns messages into the rejects file's language.
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
    let mut table = binhdan_tabular::open(path).map_err(|e| file_error(&e))?;
    let mut rows = table.rows().map_err(|e| file_error(&e))?;
    let (header, columns) = rows
        .find_columns(&PERSON_FIELDS)
        .map_err(ImportFailure::Rows)?;

    let (default_unit, membership) = match &options.roster {
        Roster::Unit(code) => (code.clone(), None),
        Roster::Organisation(org) => (
            UnitCode::parse(&org.unit_code).map_err(|e| {
                ImportFailure::Rows(vec![RowError {
                    row: 0,
                    column: String::new(),
                    msg: e.msg(),
                }])
            })?,
            Some((org.id, org.kind.group())),
        ),
    };
    let scope = store
        .unit(&default_unit)
        .await
        .map_err(ImportFailure::Store)?
        .ok_or_else(|| {
            ImportFailure::Rows(vec![RowError {
                row: 0,
                column: String::new(),
                msg: UnitError::UnknownUnit {
                    code: default_unit.as_str().to_owned(),
                }
                .msg(),
            }])
        })?;
    let default_commune = match scope.level {
        UnitLevel::Commune => Some(scope.code.clone()),
        UnitLevel::Village => scope.parent_code.clone(),
        UnitLevel::Province => None,
    };
    let mut units = Units {
        store,
        // An organisation's members may live anywhere in the province.
        scope_path: match &options.roster {
            Roster::Unit(_) => scope.path.clone(),
            Roster::Organisation(_) => {
                format!("{}/", scope.path.split('/').next().unwrap_or_default())
            }
        },
        default_unit,
        default_commune,
        known: HashMap::new(),
        unknown: HashSet::new(),
        villages: HashMap::new(),
    };
    let rules = PersonRules {
        evaluation_date: options.evaluation_date,
        allow_year_only: options.allow_year_only,
    };
    let mut rejects = match &options.rejects {
        RejectPolicy::KeepGood(p) => Some(
            Rejects::create(p, &header.texts(), render.clone()).map_err(|e| {
                ImportFailure::Rows(vec![RowError {
                    row: 0,
                    column: String::new(),
                    msg: Msg::new("import-rejects-unwritable").arg("detail", e.to_string()),
                }])
            })?,
        ),
        RejectPolicy::AllOrNothing => None,
    };
    let import = store
        .begin_people_import(adult_cutoff(options.evaluation_date), now)
        .await
        .map_err(ImportFailure::Store)?;
    let mut writer = Writer {
        vault,
        import,
        pending: Vec::with_capacity(BATCH),
        counts: PeopleWriteCounts::default(),
        membership,
    };
    let mut report = PeopleImportReport {
        dry_run: options.dry_run,
        ..PeopleImportReport::default()
    };
    let mut repeats = CccdRepeats::new();
    let mut failed = false;
    let note = |report: &mut PeopleImportReport, errors: Vec<RowError>| {
        report.rejected += 1;
        for e in errors {
            if report.errors.len() < MAX_REPORTED_ERRORS {
                report.errors.push(e);
            }
        }
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
                // Once a row is bad in an all-or-nothing import, nothing will be written:
                // keep checking, stop writing.
                if !(failed && rejects.is_none()) {
                    writer.push(person, unit)?;
                    if writer.pending.len() >= BATCH {
                        writer.flush().await.map_err(ImportFailure::Store)?;
                    }
                }
            }
            Err(errors) => {
                failed = true;
                if let Some(r) = rejects.as_mut() {
                    r.write(number, &cells, &errors).map_err(|e| {
                        ImportFailure::Rows(vec![RowError {
                            row: number,
                            column: String::new(),
                            msg: Msg::new("import-rejects-unwritable").arg("detail", e.to_string()),
                        }])
                    })?;
                }
                note(&mut report, errors);
            }
        }
        if report.rows.is_multiple_of(BATCH as u64) {
            progress(report.rows);
        }
    }
    progress(report.rows);
    if let Some(r) = rejects.as_mut() {
        r.writer.flush().map_err(|e| {
            ImportFailure::Rows(vec![RowError {
                row: 0,
                column: String::new(),
                msg: Msg::new("import-rejects-unwritable").arg("detail", e.to_string()),
            }])
        })?;
    }
    if failed && rejects.is_none() {
        writer
            .import
            .rollback()
            .await
            .map_err(ImportFailure::Store)?;
        return Err(ImportFailure::Rows(report.errors));
    }
    writer.flush().await.map_err(ImportFailure::Store)?;
    report.written = writer.counts;
    if options.dry_run {
        writer
            .import
            .rollback()
            .await
            .map_err(ImportFailure::Store)?;
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
    let audit = AuditEntry::new(options.actor.clone(), "person.import")
        .subject(subject)
        .detail(
            &Detail::new()
                .str("file", file_name)
                .num("rows", i64::try_from(report.rows).unwrap_or(i64::MAX))
                .num(
                    "added",
                    i64::try_from(report.written.added).unwrap_or(i64::MAX),
                )
                .num(
                    "updated",
                    i64::try_from(report.written.updated).unwrap_or(i64::MAX),
                )
                .num(
                    "rejected",
                    i64::try_from(report.rejected).unwrap_or(i64::MAX),
                ),
        );
    writer
        .import
        .commit(audit)
        .await
        .map_err(ImportFailure::Store)?;
    Ok(report)
}

/// One person as a facilitator or a commune officer types them into the registration form.
#[derive(Clone, Debug, Default)]
pub struct PersonEntry {
    pub name: String,
    pub cccd: String,
    /// `dd/mm/yyyy` (or anything a roster's date column accepts).
    pub birth: String,
    /// Empty: taken from the CCCD.
    pub sex: String,
    pub phone: String,
}

/// Registers (or updates, by CCCD) one person living in `unit`, with the same checks as a
/// roster row; errors name the form's fields (row 1). A person already registered in a unit
/// the caller may not edit (`may_edit`, given its path) is refused rather than moved. Returns
/// the person's id and whether the record was new, changed or unchanged.
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn register_person(
    store: &dyn Store,
    vault: &Vault,
    entry: &PersonEntry,
    unit: UnitCode,
    may_edit: &(dyn Fn(&str) -> bool + Sync),
    evaluation_date: Date,
    actor: String,
    now: Timestamp,
) -> Result<(i64, PeopleWriteCounts), ImportFailure> {
    let fields = [pf::NAME, pf::CCCD, pf::BIRTH, pf::SEX, pf::PHONE];
    let headers: Vec<String> = fields
        .iter()
        .map(|f| PERSON_FIELDS[*f].aliases[0].to_owned())
        .collect();
    let columns = Columns::resolve(&PERSON_FIELDS, &headers).map_err(ImportFailure::Rows)?;
    let cells = vec![
        entry.name.clone(),
        entry.cccd.clone(),
        entry.birth.clone(),
        entry.sex.clone(),
        entry.phone.clone(),
    ];
    let rules = PersonRules {
        evaluation_date,
        allow_year_only: false,
    };
    let row = parse_person_row(&columns, 1, &cells, &rules).map_err(ImportFailure::Rows)?;
    let record = person_record(vault, row, unit.clone(), None)?;
    let hash = record.cccd_hash;
    if let Some(existing) = store
        .person_by_cccd_hash(&hash)
        .await
        .map_err(ImportFailure::Store)?
        && !may_edit(&existing.summary.unit_path)
    {
        return Err(ImportFailure::Rows(vec![columns.error(
            &PERSON_FIELDS,
            1,
            pf::CCCD,
            Msg::new("person-registered-elsewhere"),
        )]));
    }
    let mut import = store
        .begin_people_import(adult_cutoff(evaluation_date), now)
        .await
        .map_err(ImportFailure::Store)?;
    let counts = match import.write(std::slice::from_ref(&record)).await {
        Ok(c) => c,
        Err(e) => {
            let _ = import.rollback().await;
            return Err(ImportFailure::Store(e));
        }
    };
    import
        .commit(AuditEntry::new(actor, "person.register").subject(format!("unit:{unit}")))
        .await
        .map_err(ImportFailure::Store)?;
    let person = store
        .person_by_cccd_hash(&hash)
        .await
        .map_err(ImportFailure::Store)?
        .ok_or(ImportFailure::Store(StoreError::Unknown("person")))?;
    Ok((person.summary.id, counts))
}

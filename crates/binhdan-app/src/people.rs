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
    Reach, Store, StoreError,
};
use binhdan_tabular::write::csv_cell;
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

/// Resolves and checks the home unit of rows, caching what the store says.
struct Units<'a> {
    store: &'a dyn Store,
    /// The path rows' homes must be inside, and the unit it names (for messages).
    scope_path: String,
    scope_name: String,
    /// The key of the message for a home outside it.
    outside_key: &'static str,
    /// Where rows that name no unit live (`None`: a province's roster, where rows must).
    default_unit: Option<UnitCode>,
    default_commune: Option<UnitCode>,
    /// The province whose communes a commune's name is looked up in.
    province: UnitCode,
    /// Units looked up: their path and name.
    known: HashMap<UnitCode, (String, String)>,
    unknown: HashSet<UnitCode>,
    /// Per commune: village names (identity keys) to codes.
    villages: HashMap<UnitCode, HashMap<String, UnitCode>>,
    communes: Option<Names>,
}

/// The communes of a province by name: exactly (identity keys, tones kept) and loosely
/// (search keys, diacritics folded), each with and without the kind (`xã`, `phường`).
#[derive(Default)]
struct Names {
    exact: HashMap<String, Vec<(UnitCode, String)>>,
    loose: HashMap<String, Vec<(UnitCode, String)>>,
}

/// What a commune's kind looks like at the start of a name, as a search key.
const COMMUNE_KINDS: [&str; 6] = ["xa ", "phuong ", "dac khu ", "thi tran ", "x ", "p "];

impl Names {
    fn add(&mut self, code: &UnitCode, name: &str, kind: &str) {
        let entry = (code.clone(), name.to_owned());
        let exact = binhdan_core::text::identity_key(name);
        let kind_key = binhdan_core::text::identity_key(kind);
        if let Some(short) = exact.strip_prefix(&format!("{kind_key} ")) {
            push_unique(self.exact.entry(short.to_owned()).or_default(), &entry);
        }
        push_unique(self.exact.entry(exact).or_default(), &entry);
        let loose = binhdan_core::text::search_key(name);
        push_unique(
            self.loose.entry(strip_kind(&loose).to_owned()).or_default(),
            &entry,
        );
        push_unique(self.loose.entry(loose).or_default(), &entry);
    }

    /// The commune a cell names: by its exact name first, else by its name without diacritics
    /// when that is unique.
    fn find(&self, cell: &str) -> Result<UnitCode, Msg> {
        let exact = binhdan_core::text::identity_key(cell);
        if let Some([(code, _)]) = self.exact.get(&exact).map(Vec::as_slice) {
            return Ok(code.clone());
        }
        let loose = binhdan_core::text::search_key(cell);
        let found = self
            .loose
            .get(&loose)
            .or_else(|| self.loose.get(strip_kind(&loose)))
            .map(Vec::as_slice)
            .unwrap_or_default();
        match found {
            [(code, _)] => Ok(code.clone()),
            [] => Err(Msg::new("import-commune-name-unknown").arg("name", cell.to_owned())),
            many => Err(Msg::new("import-commune-name-ambiguous")
                .arg("name", cell.to_owned())
                .arg(
                    "candidates",
                    many.iter()
                        .map(|(c, n)| format!("{n} {c}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                )),
        }
    }
}

fn push_unique(list: &mut Vec<(UnitCode, String)>, entry: &(UnitCode, String)) {
    if !list.iter().any(|(c, _)| c == &entry.0) {
        list.push(entry.clone());
    }
}

fn strip_kind(key: &str) -> &str {
    COMMUNE_KINDS
        .iter()
        .find_map(|k| key.strip_prefix(k))
        .unwrap_or(key)
}

impl Units<'_> {
    async fn path(&mut self, code: &UnitCode) -> Result<Option<String>, StoreError> {
        if let Some((p, _)) = self.known.get(code) {
            return Ok(Some(p.clone()));
        }
        if self.unknown.contains(code) {
            return Ok(None);
        }
        match self.store.unit(code).await? {
            Some(u) if u.level != UnitLevel::Province => {
                self.known
                    .insert(code.clone(), (u.path.clone(), u.name.clone()));
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

    async fn commune_named(&mut self, name: &str) -> Result<Result<UnitCode, Msg>, StoreError> {
        if self.communes.is_none() {
            let mut names = Names::default();
            for c in self.store.children(Some(&self.province)).await? {
                names.add(&c.code, &c.name, &c.division_type);
            }
            self.communes = Some(names);
        }
        Ok(self.communes.as_ref().map_or_else(
            || Err(Msg::new("import-commune-name-unknown")),
            |n| n.find(name),
        ))
    }

    /// The refusal of a home outside the roster's unit, naming both.
    fn outside(&self, unit: &UnitCode) -> Msg {
        let name = self
            .known
            .get(unit)
            .map_or_else(|| unit.as_str().to_owned(), |(_, n)| n.clone());
        Msg::new(self.outside_key)
            .arg("name", name)
            .arg("code", unit.as_str().to_owned())
            .arg("scope", self.scope_name.clone())
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
        // A commune named rather than coded.
        if let Some(name) = &row.commune_name {
            match self.commune_named(name).await? {
                Ok(commune) => match &unit {
                    Some(u) if u.level() == UnitLevel::Village => {
                        if !u.as_str().starts_with(commune.as_str()) {
                            return err(
                                pf::VILLAGE_CODE,
                                Msg::new("person-unit-mismatch")
                                    .arg("village", u.as_str().to_owned())
                                    .arg("commune", commune.as_str().to_owned()),
                            );
                        }
                    }
                    Some(u) if u != &commune => {
                        return err(
                            pf::COMMUNE,
                            Msg::new("person-commune-mismatch")
                                .arg("name", name.clone())
                                .arg("named", commune.as_str().to_owned())
                                .arg("coded", u.as_str().to_owned()),
                        );
                    }
                    _ => unit = Some(commune),
                },
                Err(msg) => return err(pf::COMMUNE, msg),
            }
        }
        // A commune named outside the roster's unit is said first, before its villages.
        if row.commune_name.is_some()
            && let Some(commune) = unit.clone()
            && let Some(path) = self.path(&commune).await?
            && !path.starts_with(&self.scope_path)
        {
            return err(pf::COMMUNE, self.outside(&commune));
        }
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
        let Some(unit) = unit.or_else(|| self.default_unit.clone()) else {
            return err(pf::COMMUNE, Msg::new("import-row-needs-commune"));
        };
        let field = match unit.level() {
            UnitLevel::Village if row.village_name.is_some() => pf::VILLAGE,
            UnitLevel::Village => pf::VILLAGE_CODE,
            _ if row.commune_name.is_some() => pf::COMMUNE,
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
            return err(field, self.outside(&unit));
        }
        Ok(Ok(unit))
    }
}

/// The rejects file: the original header and rows, with a first column of errors. It is
/// written beside its final name and moved there only once complete, so a failed import never
/// leaves a cut-off file behind.
struct Rejects {
    /// Taken by [`Rejects::finish`].
    writer: Option<csv::Writer<std::io::BufWriter<std::fs::File>>>,
    lang: Render,
    /// Cells per row: the header's; short rows (a blank last cell is often left out) are
    /// padded to it.
    width: usize,
    partial: PathBuf,
    path: PathBuf,
}

/// Renders a message in the rejects file's language (the caller's translator).
pub type Render = std::sync::Arc<dyn Fn(&Msg) -> String + Send + Sync>;

impl Rejects {
    fn create(path: &Path, header: &[String], lang: Render) -> std::io::Result<Self> {
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

    fn write(&mut self, row: usize, cells: &[String], errors: &[RowError]) -> std::io::Result<()> {
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
    fn sync(&mut self) -> std::io::Result<()> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let file = writer
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        file.get_ref().sync_all()
    }

    /// Gives the written file its name.
    fn finish(mut self) -> std::io::Result<()> {
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

fn rejects_unwritable(row: usize, e: &std::io::Error) -> ImportFailure {
    ImportFailure::Rows(vec![RowError {
        row,
        column: String::new(),
        msg: Msg::new("import-rejects-unwritable").arg("detail", e.to_string()),
    }])
}

/// Seals and hashes good rows and writes them to the import in batches.
struct Writer<'a> {
    vault: &'a Vault,
    import: Box<dyn PeopleImport>,
    pending: Vec<PersonRecord>,
    /// Each pending record's row number and, when bad rows go to a rejects file, its cells.
    rows: Vec<(usize, Vec<String>)>,
    counts: PeopleWriteCounts,
    membership: Option<(i64, binhdan_core::kpi::Group)>,
    reach: Reach,
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
    fn push(
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
    async fn flush(&mut self) -> Result<Vec<(usize, Vec<String>)>, StoreError> {
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
/// roster row; errors name the form's fields (row 1). A person already registered outside
/// the caller's `reach` is refused rather than changed or moved (checked inside the write's
/// transaction). Returns the person's id and whether the record was new, changed or
/// unchanged.
#[allow(
    clippy::too_many_arguments,
    reason = "one use case, each argument a different thing"
)]
pub async fn register_person(
    store: &dyn Store,
    vault: &Vault,
    entry: &PersonEntry,
    unit: UnitCode,
    reach: &Reach,
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
    let mut import = store
        .begin_people_import(adult_cutoff(evaluation_date), now)
        .await
        .map_err(ImportFailure::Store)?;
    let outcome = match import
        .write_within(std::slice::from_ref(&record), reach)
        .await
    {
        Ok(o) => o,
        Err(e) => {
            let _ = import.rollback().await;
            return Err(ImportFailure::Store(e));
        }
    };
    if !outcome.outside.is_empty() {
        import.rollback().await.map_err(ImportFailure::Store)?;
        return Err(ImportFailure::Rows(vec![columns.error(
            &PERSON_FIELDS,
            1,
            pf::CCCD,
            Msg::new("person-registered-elsewhere"),
        )]));
    }
    let counts = outcome.counts;
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

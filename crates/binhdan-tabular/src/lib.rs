//! Reading the tables officials make — CSV and XLSX rosters and figures — row by row; and
//! writing reports back to them ([`write`]).
//!
//! [`open`] picks the format by content (an XLSX file is a zip: `PK\x03\x04`) and then by
//! extension; [`Table::from_reader`] does the same for an upload. [`Table::rows`] yields
//! [`Row`]s numbered as the spreadsheet shows them (the first row is 1), with each [`Cell`] as
//! the file had it, so a caller can tell a CCCD that Excel turned into a number from one typed
//! as text. [`cell_text`] renders a cell as the official typed it.
//!
//! # Files as officials really make them
//!
//! - CSV in UTF-8 with or without a byte-order mark; `,`, `;` (Excel in a Vietnamese locale)
//!   or tab separated, sniffed from the first lines of the first buffer read; a row that is
//!   not UTF-8 (a file saved as "CSV" in Windows-1258) is an error naming that row, and reading
//!   goes on; a UTF-16 file ("Unicode Text") is refused with a clear message.
//! - XLSX: the first visible worksheet (or a named one); numbers, dates (Excel's date formats),
//!   booleans, errors (`#N/A`) and the last computed value of formulas.
//! - Title rows above the header (`DANH SÁCH NGƯỜI DÂN THÔN …`, often merged over the columns):
//!   [`Rows::find_header`] takes the first row a caller's test accepts.
//! - Blank rows (trailing ones, or `;;;;` lines) are skipped; row numbers still count them,
//!   and a line break inside a quoted CSV cell does not (the number is the spreadsheet's row,
//!   whatever the line endings: `\n`, `\r\n` or `\r`).
//! - Refused with a message saying what to do: the old `.xls` format and password-protected
//!   workbooks (both OLE compound files), web pages saved with an `.xls` name, `OpenDocument`
//!   sheets.
//!
//! # Memory
//!
//! CSV is streamed: one record and a 64 KiB buffer are held at a time. XLSX is read through
//! calamine's cell reader, which streams the sheet's XML out of the zip, but calamine first
//! loads the workbook's shared-strings table whole — every distinct text in the workbook. For a
//! roster that is about the size of its names and other texts (roughly 100 MB for a
//! 1,048,576-row sheet, Excel's limit), and the zip's directory. The file itself is read, not
//! loaded.

pub mod guard;
pub mod write;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use binhdan_core::import::{Columns, Field, RowError};
use binhdan_core::people::Date;
use binhdan_core::{Localized, Msg};
use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx, XlsxCellReader};

/// The buffer a CSV is read through, and the part of it looked at to sniff the delimiter.
const CSV_BUFFER: usize = 64 * 1024;

/// Non-blank rows [`Rows::find_header`] looks at by default.
pub const HEADER_SCAN_ROWS: usize = 20;

/// A cell as the file had it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A number in a date format (XLSX); the time of day is dropped.
    Date(Date),
    Bool(bool),
    /// A formula error such as `#N/A`, as Excel shows it.
    Error(String),
}

impl Cell {
    /// Empty, or text that is only spaces.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// A non-blank row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The row number a spreadsheet shows: the first row of the file is 1.
    pub number: usize,
    /// One cell per column from column A, trailing empty cells dropped.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cells rendered by [`cell_text`], for [`Columns`].
    #[must_use]
    pub fn texts(&self) -> Vec<String> {
        self.cells.iter().map(cell_text).collect()
    }

    /// The cells rendered by [`cell_text`], moving the texts out rather than copying them
    /// (the cheaper way for a large import).
    #[must_use]
    pub fn into_texts(self) -> Vec<String> {
        self.cells
            .into_iter()
            .map(|c| match c {
                Cell::Text(s) | Cell::Error(s) => s,
                other => cell_text(&other),
            })
            .collect()
    }

    #[must_use]
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }
}

/// A cell as the official typed it: integers without `.0` nor scientific notation (a CCCD
/// stored as a number comes back as its digits, less the leading zero Excel dropped), dates
/// as `dd/mm/yyyy`, booleans as `TRUE`/`FALSE`.
#[must_use]
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) | Cell::Error(s) => s.clone(),
        Cell::Number(n) => number_text(*n),
        Cell::Date(d) => d.to_string(),
        Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
    }
}

fn number_text(n: f64) -> String {
    if !n.is_finite() {
        return String::new();
    }
    if n.fract() == 0.0 && n.abs() < 1e18 {
        // Integral and in range: the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        return (n as i64).to_string();
    }
    // Rust's `Display` for floats never uses an exponent and prints the shortest form that
    // reads back to the same number.
    n.to_string()
}

/// The formats this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Why a file, or one of its rows, could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
    #[error("the file is UTF-16 text")]
    Utf16,
    #[error("the file is not text nor a workbook")]
    Binary,
    #[error("the file is an old .xls workbook or a protected one")]
    LegacyExcel,
    #[error("the file is a web page")]
    Html,
    #[error("the file is an OpenDocument spreadsheet")]
    OpenDocument,
    #[error("row {row} is not UTF-8")]
    NotUtf8 { row: usize },
    #[error("row {row}: {detail}")]
    Csv { row: usize, detail: String },
    #[error("unreadable workbook: {detail}")]
    Xlsx { detail: String },
    #[error("the workbook has no worksheet")]
    NoSheet,
    #[error("no sheet named {name:?} (sheets: {available})")]
    SheetNotFound { name: String, available: String },
    #[error("no header row in the first {scanned} rows")]
    HeaderNotFound { scanned: usize },
    #[error("the file has no rows")]
    Empty,
    #[error("part {part} of the workbook inflates past {limit_mib} MiB")]
    PartTooLarge { part: String, limit_mib: u64 },
    #[error("the workbook has {count} parts (at most {max})")]
    TooManyParts { count: usize, max: usize },
    #[error("part {part} of the workbook has a text longer than {limit_kib} KiB")]
    TextTooLong { part: String, limit_kib: u64 },
    #[error("the reading was abandoned")]
    Cancelled,
}

impl TabularError {
    /// The row the error is about, for errors about one row.
    #[must_use]
    pub fn row(&self) -> Option<usize> {
        match self {
            Self::NotUtf8 { row } | Self::Csv { row, .. } => Some(*row),
            _ => None,
        }
    }

    /// As a [`RowError`] for an import's report; file-level errors are on row 0.
    #[must_use]
    pub fn to_row_error(&self) -> RowError {
        RowError {
            row: self.row().unwrap_or(0),
            column: String::new(),
            msg: self.msg(),
        }
    }
}

impl Localized for TabularError {
    fn msg(&self) -> Msg {
        match self {
            Self::Io(e) => Msg::new("tabular-io").arg("detail", e),
            Self::Utf16 => Msg::new("tabular-utf16"),
            Self::Binary => Msg::new("tabular-binary"),
            Self::LegacyExcel => Msg::new("tabular-legacy-excel"),
            Self::Html => Msg::new("tabular-html"),
            Self::OpenDocument => Msg::new("tabular-open-document"),
            Self::NotUtf8 { row } => Msg::new("import-not-utf8").arg("row", row),
            Self::Csv { row, detail } => Msg::new("import-malformed-csv")
                .arg("row", row)
                .arg("detail", detail),
            Self::Xlsx { detail } => Msg::new("tabular-xlsx-unreadable").arg("detail", detail),
            Self::NoSheet => Msg::new("tabular-no-sheet"),
            Self::SheetNotFound { name, available } => Msg::new("tabular-sheet-not-found")
                .arg("name", name)
                .arg("available", available),
            Self::HeaderNotFound { scanned } => {
                Msg::new("tabular-header-not-found").arg("scanned", scanned)
            }
            Self::Empty => Msg::new("import-empty-file"),
            Self::PartTooLarge { part, limit_mib } => Msg::new("tabular-part-too-large")
                .arg("part", part)
                .arg("limit", limit_mib),
            Self::TooManyParts { count, max } => Msg::new("tabular-too-many-parts")
                .arg("count", count)
                .arg("max", max),
            Self::TextTooLong { part, limit_kib } => Msg::new("tabular-text-too-long")
                .arg("part", part)
                .arg("limit", limit_kib),
            Self::Cancelled => Msg::new("tabular-cancelled"),
        }
    }
}

fn xlsx_error(e: &calamine::XlsxError) -> TabularError {
    match e {
        calamine::XlsxError::Password => TabularError::LegacyExcel,
        other => TabularError::Xlsx {
            detail: other.to_string(),
        },
    }
}

/// How to open a file.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The worksheet to read; the first visible one when `None`. Ignored for CSV.
    pub sheet: Option<String>,
    /// How far a workbook may inflate (see [`guard`]).
    pub limits: guard::Limits,
    /// Set when whoever asked for the file has gone (a request that ended): reading stops.
    pub cancel: Cancel,
}

/// A flag that stops a reading in progress, shared with whoever may abandon it.
#[derive(Clone, Debug, Default)]
pub struct Cancel(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    /// Stops the readings that hold this flag.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A guard that cancels when dropped: held by a request handler, it stops the reading
    /// when the request's future is dropped (the client went away, or the timeout struck).
    #[must_use]
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its [`Cancel`] when dropped (see [`Cancel::on_drop`]).
#[derive(Debug)]
pub struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Anything an upload can be read from and rewound.
pub trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

type Source = BufReader<Box<dyn ReadSeek>>;

/// An opened table, ready for [`Table::rows`].
pub struct Table {
    inner: Inner,
}

enum Inner {
    Csv(CsvSource),
    Xlsx {
        book: Box<Xlsx<Source>>,
        sheet: String,
    },
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("format", &self.format())
            .field("sheet", &self.sheet_name())
            .finish_non_exhaustive()
    }
}

/// Opens a CSV or XLSX file with the default [`Options`].
pub fn open(path: impl AsRef<Path>) -> Result<Table, TabularError> {
    open_with(path, &Options::default())
}

/// Opens a CSV or XLSX file.
pub fn open_with(path: impl AsRef<Path>, options: &Options) -> Result<Table, TabularError> {
    let path = path.as_ref();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Table::from_reader_named(File::open(path)?, ext.as_deref(), options)
}

/// What the first bytes say a file is.
#[derive(Debug, PartialEq, Eq)]
enum Sniffed {
    Zip,
    Ole,
    Utf16,
    Html,
    Binary,
    Text,
}

fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(b"PK\x03\x04") {
        return Sniffed::Zip;
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Sniffed::Ole;
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Sniffed::Utf16;
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start: Vec<u8> = text
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(14)
        .map(u8::to_ascii_lowercase)
        .collect();
    if start.starts_with(b"<html")
        || start.starts_with(b"<!doctype html")
        || start.starts_with(b"<table")
        || start.starts_with(b"<?xml")
        || start.starts_with(b"<meta")
    {
        return Sniffed::Html;
    }
    // UTF-16 without a byte-order mark, or another binary format.
    if text.iter().take(4096).any(|b| *b == 0) {
        return Sniffed::Binary;
    }
    Sniffed::Text
}

impl Table {
    /// Opens an upload (a file, or a `Cursor` over its bytes), chosen by content.
    pub fn from_reader(reader: impl Read + Seek + Send + 'static) -> Result<Self, TabularError> {
        Self::from_reader_named(reader, None, &Options::default())
    }

    /// Opens an upload whose file name had extension `ext` (lower case, without the dot);
    /// the content decides, the extension only tells an `OpenDocument` zip from an XLSX one.
    pub fn from_reader_named(
        reader: impl Read + Seek + Send + 'static,
        ext: Option<&str>,
        options: &Options,
    ) -> Result<Self, TabularError> {
        let mut reader: BufReader<Box<dyn ReadSeek>> =
            BufReader::with_capacity(CSV_BUFFER, Box::new(reader));
        let head = reader.fill_buf()?;
        match sniff(head) {
            Sniffed::Zip if ext == Some("ods") => Err(TabularError::OpenDocument),
            Sniffed::Zip => Self::xlsx(reader, options),
            Sniffed::Ole => Err(TabularError::LegacyExcel),
            Sniffed::Utf16 => Err(TabularError::Utf16),
            Sniffed::Html => Err(TabularError::Html),
            Sniffed::Binary => Err(TabularError::Binary),
            Sniffed::Text => Ok(Self {
                inner: Inner::Csv(CsvSource::new(reader)?),
            }),
        }
    }

    /// Reads a CSV from a stream that cannot be rewound (a request body).
    pub fn csv_from_reader(reader: impl Read + Send + 'static) -> Result<Self, TabularError> {
        let mut reader: BufReader<Box<dyn Read + Send>> =
            BufReader::with_capacity(CSV_BUFFER, Box::new(reader));
        match sniff(reader.fill_buf()?) {
            Sniffed::Text => Ok(Self {
                inner: Inner::Csv(CsvSource::new(reader)?),
            }),
            Sniffed::Zip => Err(TabularError::Xlsx {
                detail: "an XLSX workbook needs a seekable reader".to_owned(),
            }),
            Sniffed::Ole => Err(TabularError::LegacyExcel),
            Sniffed::Utf16 => Err(TabularError::Utf16),
            Sniffed::Html => Err(TabularError::Html),
            Sniffed::Binary => Err(TabularError::Binary),
        }
    }

    fn xlsx(mut reader: Source, options: &Options) -> Result<Self, TabularError> {
        reader.seek(SeekFrom::Start(0))?;
        guard::check_xlsx(&mut reader, &options.limits, &|| {
            options.cancel.is_cancelled()
        })?;
        reader.seek(SeekFrom::Start(0))?;
        let book: Xlsx<Source> = Xlsx::new(reader).map_err(|e| xlsx_error(&e))?;
        let sheets = book.sheets_metadata();
        let sheet = match &options.sheet {
            Some(name) => sheets
                .iter()
                .find(|s| s.name == *name)
                .or_else(|| {
                    sheets
                        .iter()
                        .find(|s| s.name.trim().eq_ignore_ascii_case(name.trim()))
                })
                .map(|s| s.name.clone())
                .ok_or_else(|| TabularError::SheetNotFound {
                    name: name.clone(),
                    available: sheets
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?,
            None => sheets
                .iter()
                .filter(|s| s.typ == SheetType::WorkSheet)
                .find(|s| s.visible == SheetVisible::Visible)
                .or_else(|| sheets.iter().find(|s| s.typ == SheetType::WorkSheet))
                .map(|s| s.name.clone())
                .ok_or(TabularError::NoSheet)?,
        };
        Ok(Self {
            inner: Inner::Xlsx {
                book: Box::new(book),
                sheet,
            },
        })
    }

    #[must_use]
    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Csv(_) => Format::Csv,
            Inner::Xlsx { .. } => Format::Xlsx,
        }
    }

    /// The worksheet being read (XLSX only).
    #[must_use]
    pub fn sheet_name(&self) -> Option<&str> {
        match &self.inner {
            Inner::Csv(_) => None,
            Inner::Xlsx { sheet, .. } => Some(sheet),
        }
    }

    /// The CSV delimiter found (CSV only).
    #[must_use]
    pub fn delimiter(&self) -> Option<u8> {
        match &self.inner {
            Inner::Csv(c) => Some(c.delimiter),
            Inner::Xlsx { .. } => None,
        }
    }

    /// The non-blank rows, in order. For CSV, reading continues where a previous call stopped;
    /// for XLSX, each call starts the sheet again.
    pub fn rows(&mut self) -> Result<Rows<'_>, TabularError> {
        Ok(Rows {
            inner: match &mut self.inner {
                Inner::Csv(c) => RowsInner::Csv(c),
                Inner::Xlsx { book, sheet } => {
                    let name = sheet.clone();
                    RowsInner::Xlsx(Box::new(XlsxRows {
                        cells: book
                            .worksheet_cells_reader(&name)
                            .map_err(|e| xlsx_error(&e))?,
                        pending: None,
                        done: false,
                    }))
                }
            },
        })
    }
}

/// Counts the candidate delimiters of one line outside quotes.
fn delimiter_counts(line: &[u8]) -> [usize; 3] {
    let mut counts = [0; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    counts
}

/// The delimiter of a CSV from its first lines: the one that a single line (normally the
/// header) has most of. A title line with a comma in it (`DANH SÁCH …, XÃ …`) does not
/// outweigh a header of many semicolons. Ties go to the comma.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut best = [0usize; 3];
    for line in head.split(|b| *b == b'\n').take(10) {
        let counts = delimiter_counts(line);
        for (b, c) in best.iter_mut().zip(counts) {
            *b = (*b).max(c);
        }
    }
    match best {
        [c, s, t] if s > c && s >= t => b';',
        [c, s, t] if t > c && t > s => b'\t',
        _ => b',',
    }
}

/// Feeds the csv reader lines it numbers as a spreadsheet does: `\r\n` and a lone `\r`
/// become `\n`, and an empty line becomes a line of one space (the csv reader would skip it
/// without counting it; a blank row is skipped later, after being counted). An empty line
/// inside a quoted cell thus gains a space, and a cell's `\r\n` becomes `\n`.
struct LineFilter<R> {
    inner: R,
    at_line_start: bool,
    after_cr: bool,
}

impl<R: BufRead> LineFilter<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            at_line_start: true,
            after_cr: false,
        }
    }
}

impl<R: BufRead> Read for LineFilter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.len() < 2 {
            // Room for a space and a line end is needed; the csv reader asks for more.
            return Ok(0);
        }
        let input = self.inner.fill_buf()?;
        let mut used = 0;
        let mut written = 0;
        while used < input.len() && written + 2 <= out.len() {
            // Copy the run up to the next line end at once.
            let rest = &input[used..];
            let room = out.len() - written - 1;
            let run = rest
                .iter()
                .take(room)
                .position(|b| matches!(b, b'\n' | b'\r'))
                .unwrap_or(rest.len().min(room));
            if run > 0 {
                out[written..written + run].copy_from_slice(&rest[..run]);
                written += run;
                used += run;
                self.at_line_start = false;
                self.after_cr = false;
                continue;
            }
            let b = rest[0];
            used += 1;
            if b == b'\n' && self.after_cr {
                self.after_cr = false;
                continue;
            }
            self.after_cr = b == b'\r';
            if self.at_line_start {
                out[written] = b' ';
                written += 1;
            }
            out[written] = b'\n';
            written += 1;
            self.at_line_start = true;
        }
        self.inner.consume(used);
        if written == 0 && used > 0 {
            // Only a swallowed `\n` was read: go on rather than signal the end.
            return self.read(out);
        }
        Ok(written)
    }
}

struct CsvSource {
    reader: csv::Reader<LineFilter<Box<dyn BufRead + Send>>>,
    record: csv::ByteRecord,
    delimiter: u8,
    /// Line breaks inside quoted cells so far: physical lines that are not spreadsheet rows.
    inner_breaks: u64,
    /// The stream failed; no more rows.
    failed: bool,
}

impl CsvSource {
    fn new<R: BufRead + Send + 'static>(mut reader: R) -> Result<Self, TabularError> {
        let head = reader.fill_buf()?;
        let bom = head.starts_with(b"\xEF\xBB\xBF");
        let delimiter = sniff_delimiter(if bom { &head[3..] } else { head });
        if bom {
            reader.consume(3);
        }
        let boxed: Box<dyn BufRead + Send> = Box::new(reader);
        Ok(Self {
            reader: csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .flexible(true)
                .has_headers(false)
                .from_reader(LineFilter::new(boxed)),
            record: csv::ByteRecord::new(),
            delimiter,
            inner_breaks: 0,
            failed: false,
        })
    }

    fn next_row(&mut self) -> Option<Result<Row, TabularError>> {
        loop {
            if self.failed {
                return None;
            }
            let read = self.reader.read_byte_record(&mut self.record);
            let to_row = |line: u64, breaks: u64| {
                usize::try_from(line.saturating_sub(breaks)).unwrap_or(usize::MAX)
            };
            match read {
                Ok(false) => return None,
                Err(e) => {
                    let line = e
                        .position()
                        .map_or_else(|| self.reader.position().line(), csv::Position::line);
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        // The stream itself failed: nothing more can be read.
                        self.failed = true;
                    }
                    return Some(Err(TabularError::Csv {
                        row: to_row(line, self.inner_breaks),
                        detail: e.to_string(),
                    }));
                }
                Ok(true) => {}
            }
            // The filter leaves no blank line for the csv reader to skip and only `\n` line
            // ends, so a record's first line is exact; less the breaks inside earlier cells,
            // it is the spreadsheet's row.
            let line = self
                .record
                .position()
                .map_or_else(|| self.reader.position().line(), csv::Position::line);
            let row = to_row(line, self.inner_breaks);
            #[allow(clippy::naive_bytecount)] // a few dozen bytes a record
            let breaks = self
                .record
                .as_slice()
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.inner_breaks += u64::try_from(breaks).unwrap_or(0);
            if self
                .record
                .iter()
                .all(|c| c.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            let mut cells = Vec::with_capacity(self.record.len());
            for field in &self.record {
                match std::str::from_utf8(field) {
                    Ok("") => cells.push(Cell::Empty),
                    Ok(s) => cells.push(Cell::Text(s.to_owned())),
                    Err(_) => return Some(Err(TabularError::NotUtf8 { row })),
                }
            }
            while cells.last().is_some_and(Cell::is_blank) {
                cells.pop();
            }
            return Some(Ok(Row { number: row, cells }));
        }
    }
}

struct XlsxRows<'a> {
    cells: XlsxCellReader<'a, Source>,
    /// A cell read past the end of the previous row: `(row, column, value)`.
    pending: Option<(u32, u32, Cell)>,
    done: bool,
}

fn xlsx_cell(value: &DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::Text(s.clone())
        }
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            // 29/02/1900, Excel's day that never was, stays a number.
            Date::new(i32::from(y), u32::from(m), u32::from(d))
                .map_or(Cell::Number(dt.as_f64()), Cell::Date)
        }
        DataRef::DateTime(dt) => Cell::Number(dt.as_f64()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

impl XlsxRows<'_> {
    fn next_cell(&mut self) -> Result<Option<(u32, u32, Cell)>, TabularError> {
        if let Some(p) = self.pending.take() {
            return Ok(Some(p));
        }
        match self.cells.next_cell() {
            Ok(Some(c)) => {
                let (r, col) = c.get_position();
                Ok(Some((r, col, xlsx_cell(c.get_value()))))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(xlsx_error(&e)),
        }
    }

    fn next_row(&mut self) -> Option<Result<Row, TabularError>> {
        while !self.done {
            let mut current: Option<(u32, Vec<Cell>)> = None;
            loop {
                let next = match self.next_cell() {
                    Ok(n) => n,
                    Err(e) => {
                        self.done = true;
                        return Some(Err(e));
                    }
                };
                let Some((r, col, cell)) = next else {
                    self.done = true;
                    break;
                };
                let (row, cells) = current.get_or_insert_with(|| (r, Vec::new()));
                if *row != r {
                    self.pending = Some((r, col, cell));
                    break;
                }
                let col = usize::try_from(col).unwrap_or(usize::MAX);
                if col >= cells.len() {
                    if cell.is_blank() {
                        continue;
                    }
                    cells.resize(col, Cell::Empty);
                    cells.push(cell);
                } else {
                    cells[col] = cell;
                }
            }
            if let Some((r, mut cells)) = current {
                while cells.last().is_some_and(Cell::is_blank) {
                    cells.pop();
                }
                if !cells.is_empty() {
                    return Some(Ok(Row {
                        number: usize::try_from(r).unwrap_or(usize::MAX - 1) + 1,
                        cells,
                    }));
                }
            }
        }
        None
    }
}

enum RowsInner<'a> {
    Csv(&'a mut CsvSource),
    Xlsx(Box<XlsxRows<'a>>),
}

/// The non-blank rows of a [`Table`]. An error about one row (a CSV row that is not UTF-8)
/// is yielded in its place and reading goes on; an error about the file ends the rows.
pub struct Rows<'a> {
    inner: RowsInner<'a>,
}

impl Iterator for Rows<'_> {
    type Item = Result<Row, TabularError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            RowsInner::Csv(c) => c.next_row(),
            RowsInner::Xlsx(x) => x.next_row(),
        }
    }
}

impl Rows<'_> {
    /// Skips title rows: returns the first of the next `max_rows` non-blank rows that
    /// `is_header` accepts, leaving the rows after it to read. An unreadable row on the way
    /// is returned as its error.
    pub fn find_header(
        &mut self,
        max_rows: usize,
        mut is_header: impl FnMut(&Row) -> bool,
    ) -> Result<Row, TabularError> {
        let mut scanned = 0;
        while scanned < max_rows {
            match self.next() {
                None if scanned == 0 => return Err(TabularError::Empty),
                None => break,
                Some(row) => {
                    let row = row?;
                    if is_header(&row) {
                        return Ok(row);
                    }
                    scanned += 1;
                }
            }
        }
        Err(TabularError::HeaderNotFound { scanned })
    }

    /// [`Rows::find_header`] for an import's fields: the header is the first row in which
    /// every required field has its column (see [`Columns::resolve`]), among the first
    /// [`HEADER_SCAN_ROWS`]. Returns the header row and its columns or, when no row fits, the
    /// complaints about the row that came closest (missing or repeated columns, on that row).
    pub fn find_columns(&mut self, fields: &[Field]) -> Result<(Row, Columns), Vec<RowError>> {
        let mut columns = None;
        let mut closest: Option<Vec<RowError>> = None;
        let found = self.find_header(HEADER_SCAN_ROWS, |row| {
            match Columns::resolve(fields, &row.texts()) {
                Ok(c) => {
                    columns = Some(c);
                    true
                }
                Err(mut errors) => {
                    if closest.as_ref().is_none_or(|c| errors.len() < c.len()) {
                        for e in &mut errors {
                            e.row = row.number;
                        }
                        closest = Some(errors);
                    }
                    false
                }
            }
        });
        match (found, columns) {
            (Ok(header), Some(columns)) => Ok((header, columns)),
            (Err(e @ TabularError::HeaderNotFound { .. }), _) => {
                Err(closest.unwrap_or_else(|| vec![e.to_row_error()]))
            }
            (Err(e), _) => Err(vec![e.to_row_error()]),
            (Ok(_), None) => Err(vec![TabularError::Empty.to_row_error()]),
        }
    }
}

#[cfg(test)]
mod tests;

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

mod csv_rows;
mod error;
pub mod guard;
pub mod write;
mod xlsx_rows;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use binhdan_core::import::{Columns, Field, RowError};
use binhdan_core::people::Date;
use calamine::{Reader, SheetType, SheetVisible, Xlsx};

use csv_rows::CsvSource;
pub use error::TabularError;
use error::xlsx_error;
use xlsx_rows::XlsxRows;

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

//! Why a file, or one of its rows, could not be read ([`TabularError`]), in words for the
//! official who sent it.

use std::io::{self};

use binhdan_core::import::RowError;
use binhdan_core::{Localized, Msg};

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

pub(crate) fn xlsx_error(e: &calamine::XlsxError) -> TabularError {
    match e {
        calamine::XlsxError::Password => TabularError::LegacyExcel,
        other => TabularError::Xlsx {
            detail: other.to_string(),
        },
    }
}

//! Zip bombs stop here. An XLSX file is a zip of XML parts, and a few megabytes of it can
//! expand to gigabytes; calamine loads some parts whole (the shared strings: every distinct
//! text of the workbook; the styles; the workbook's list of sheets) and builds a `String` for
//! each cell. So before calamine sees a workbook, every XML part is inflated once here,
//! streaming, and counted: a part larger than its limit, a text run (one cell's text, or one
//! attribute) longer than [`Limits::max_text_run`], or a directory of too many entries refuses
//! the file (pictures and other parts that are not XML are counted for size only). The sizes
//! the zip *declares* are checked first but not trusted: the inflated
//! bytes are counted. Memory stays at one 64 KiB buffer; time is bounded by the limits.

use std::io::{Read, Seek};

use crate::TabularError;

/// How large the parts of a workbook may be once inflated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `xl/sharedStrings.xml`, which calamine holds in memory whole (as strings, about twice
    /// its size at worst).
    pub shared_strings: u64,
    /// A worksheet, which calamine streams: bounded for the time it takes.
    pub sheet: u64,
    /// Any other part (styles, workbook, relationships), each held whole.
    pub other_part: u64,
    /// The longest text between two XML tags: a cell's text or an attribute.
    pub max_text_run: u64,
    /// Entries in the zip's directory.
    pub max_entries: usize,
    /// All parts together.
    pub total: u64,
}

impl Default for Limits {
    /// A roster of 100,000 people with distinct names takes about 5 MiB of shared strings and
    /// 60 MiB of sheet; these limits leave room for ten times that and keep a bomb within
    /// about 100 MiB of memory.
    fn default() -> Self {
        Self {
            shared_strings: 32 * MIB,
            sheet: 1024 * MIB,
            other_part: 16 * MIB,
            max_text_run: MIB,
            max_entries: 10_000,
            total: 2048 * MIB,
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// Inflates and counts every XML part of the zip read from `reader` (rewound by the caller
/// afterwards). `cancelled` is asked between chunks: the reader of an abandoned request stops.
pub fn check_xlsx(
    reader: impl Read + Seek,
    limits: &Limits,
    cancelled: &dyn Fn() -> bool,
) -> Result<(), TabularError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| TabularError::Xlsx {
        detail: e.to_string(),
    })?;
    if zip.len() > limits.max_entries {
        return Err(TabularError::TooManyParts {
            count: zip.len(),
            max: limits.max_entries,
        });
    }
    // Entries that share their compressed bytes inflate many times over: no workbook does it.
    if zip
        .has_overlapping_entries()
        .map_err(|e| TabularError::Xlsx {
            detail: e.to_string(),
        })?
    {
        return Err(TabularError::Xlsx {
            detail: "overlapping entries".to_owned(),
        });
    }
    let mut buf = vec![0_u8; 64 * 1024];
    let mut all: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| TabularError::Xlsx {
            detail: e.to_string(),
        })?;
        let name = entry
            .name()
            .map_err(|e| TabularError::Xlsx {
                detail: e.to_string(),
            })?
            .into_owned();
        // Every part is counted. Text runs are checked everywhere but in pictures and the
        // other binary parts a workbook carries: calamine reads a worksheet from whatever
        // name the workbook's relationships give, so a part's name does not say it is not XML.
        let xml = ![
            "xl/media/",
            "xl/printerSettings/",
            "xl/embeddings/",
            "docProps/thumbnail",
        ]
        .iter()
        .any(|p| name.starts_with(p));
        let limit = if name == "xl/sharedStrings.xml" {
            limits.shared_strings
        } else if name.starts_with("xl/worksheets/") {
            limits.sheet
        } else {
            limits.other_part
        };
        let too_large = || TabularError::PartTooLarge {
            part: name.clone(),
            limit_mib: limit / MIB,
        };
        if entry.size() > limit {
            return Err(too_large());
        }
        let mut total: u64 = 0;
        let mut run: u64 = 0;
        loop {
            if cancelled() {
                return Err(TabularError::Cancelled);
            }
            let n = entry.read(&mut buf).map_err(|e| TabularError::Xlsx {
                detail: format!("{name}: {e}"),
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            all += n as u64;
            if total > limit || all > limits.total {
                return Err(too_large());
            }
            if !xml {
                continue;
            }
            // Text runs: the first piece of the chunk continues the run carried from the
            // last chunk, the last piece is carried on.
            let mut pieces = buf[..n]
                .split(|b| matches!(b, b'<' | b'>' | b'"'))
                .peekable();
            let mut first = true;
            while let Some(piece) = pieces.next() {
                let len = piece.len() as u64;
                let this = if first { run + len } else { len };
                first = false;
                if this > limits.max_text_run {
                    return Err(TabularError::TextTooLong {
                        part: name.clone(),
                        limit_kib: limits.max_text_run / 1024,
                    });
                }
                if pieces.peek().is_none() {
                    run = this;
                }
            }
        }
    }
    Ok(())
}

//! Zip bombs: small XLSX files that inflate to hundreds of megabytes are refused, naming the
//! part, and reading them never takes the process's peak memory more than 100 MiB above
//! where it was. Without the guard, calamine would hold each of these whole (the shared
//! strings, the styles, a cell's text).
//!
//! One test in its own binary, so that nothing else runs in the process while the peak is
//! measured (Linux: `VmHWM`, reset through `/proc/self/clear_refs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Cursor, Write as _};

use binhdan_tabular::{Options, Table, TabularError};

const MIB: usize = 1024 * 1024;

/// A minimal workbook whose part `big` is `head`, then `body` repeated to `size` bytes, then
/// `tail`; the other parts are small and valid.
fn workbook(big: &str, head: &str, body: &str, size: usize, tail: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        (
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c></row></sheetData></worksheet>"#,
        ),
    ];
    for (name, text) in parts {
        if name == big {
            continue;
        }
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file(big, options).unwrap();
    zip.write_all(head.as_bytes()).unwrap();
    let chunk = body.repeat(MIB / body.len());
    let mut written = 0;
    while written < size {
        zip.write_all(chunk.as_bytes()).unwrap();
        written += chunk.len();
    }
    zip.write_all(tail.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn peak_kib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Opens `bytes` as an upload and reads its rows; what came of it, and how far the peak rose.
fn open(bytes: Vec<u8>) -> (Result<usize, TabularError>, usize) {
    // Reset the peak to the current size.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = peak_kib();
    let result = Table::from_reader_named(Cursor::new(bytes), Some("xlsx"), &Options::default())
        .and_then(|mut t| t.rows().map(Iterator::count));
    let rise = peak_kib().saturating_sub(before);
    (result, rise)
}

#[test]
fn zip_bombs_are_refused_within_bounded_memory() {
    let bombs = [
        (
            "shared strings",
            workbook(
                "xl/sharedStrings.xml",
                r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
                "<si><t>Nguyễn Văn A</t></si>",
                400 * MIB,
                "</sst>",
            ),
        ),
        (
            "one cell's text",
            workbook(
                "xl/worksheets/sheet1.xml",
                r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#,
                "AAAAAAAAAAAAAAAA",
                400 * MIB,
                "</t></is></c></row></sheetData></worksheet>",
            ),
        ),
        (
            "styles",
            workbook(
                "xl/styles.xml",
                r#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts>"#,
                r#"<numFmt numFmtId="164" formatCode="0"/>"#,
                400 * MIB,
                "</numFmts></styleSheet>",
            ),
        ),
    ];
    for (what, bytes) in bombs {
        let size = bytes.len();
        let (result, rise_kib) = open(bytes);
        eprintln!(
            "{what}: {} KiB file, {result:?}, peak memory +{} MiB",
            size / 1024,
            rise_kib / 1024
        );
        assert!(
            rise_kib < 100 * 1024,
            "{what}: peak memory rose {rise_kib} KiB"
        );
        let error = result.expect_err("a bomb was read");
        assert!(
            matches!(
                error,
                TabularError::PartTooLarge { .. } | TabularError::TextTooLong { .. }
            ),
            "{what}: {error}"
        );
    }
}

/// A cell placed far beyond the last column (a few bytes in the file) would make its row a
/// vector of billions of empty cells; its reference overflowing 32 bits must not crash the
/// reader either (found by `binhdan-fuzz`).
#[test]
fn cells_beyond_the_last_column_are_refused_within_bounded_memory() {
    for reference in ["XFE1", "ZZZZZ1", "ZZZZZZZZZZZZZ1", "A99999999999"] {
        let sheet = format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c><c r="{reference}" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#
        );
        std::fs::write("/proc/self/clear_refs", "5").unwrap();
        let before = peak_kib();
        let result = Table::from_reader_named(
            Cursor::new(workbook("xl/worksheets/sheet1.xml", &sheet, " ", 1, "")),
            Some("xlsx"),
            &Options::default(),
        )
        .and_then(|mut t| t.rows()?.collect::<Result<Vec<_>, _>>());
        let rise_kib = peak_kib().saturating_sub(before);
        eprintln!("{reference}: {result:?}, peak memory +{rise_kib} KiB");
        assert!(
            rise_kib < 100 * 1024,
            "{reference}: peak memory rose {rise_kib} KiB"
        );
        // Refused, or (a reference that wraps past 32 bits, as calamine computes it) read as
        // some cell within the sheet: never a crash nor a giant row.
        if reference == "XFE1" || reference == "ZZZZZ1" {
            assert!(
                matches!(result, Err(TabularError::Xlsx { .. })),
                "{reference}: {result:?}"
            );
        }
    }
}

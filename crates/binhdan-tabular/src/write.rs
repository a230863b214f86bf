//! Writing reports as officials open them: XLSX with one formatted sheet per table, and CSV in
//! UTF-8 with a byte-order mark so that Excel shows the Vietnamese diacritics.

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

/// A cell of a report.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    Text(String),
    Count(u64),
    /// A share from 0 to 1, shown as a percentage with one decimal.
    Share(f64),
    /// A calendar day (year, month, day): a date in the workbook, `dd/mm/yyyy` in CSV.
    Date(u16, u8, u8),
    Empty,
}

/// One table: a sheet of the workbook.
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    /// The sheet's tab name (at most 31 characters; `[]:*?/\` are replaced).
    pub name: String,
    /// Lines above the header: the report's title, scope and date.
    pub title: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Out>>,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[error("the report could not be written: {0}")]
pub struct WriteError(String);

fn tab_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet".to_owned()
    } else {
        cleaned
    }
}

/// The sheets as an XLSX workbook: a bold title, a bold framed header row frozen in place and
/// filtered, counts with thousands separators, shares as percentages, columns sized to fit.
///
/// # Errors
/// The writer failed (it writes to memory, so only on a malformed sheet name or similar).
pub fn to_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, WriteError> {
    let err = |e: rust_xlsxwriter::XlsxError| WriteError(e.to_string());
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(13);
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin);
    let count = Format::new().set_num_format("#,##0");
    let share = Format::new().set_num_format("0.0%");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(tab_name(&sheet.name)).map_err(err)?;
        // Printed as officials file it: A4 landscape, as wide as the page, the header row on
        // every page, the page number at the foot.
        ws.set_paper_size(9);
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
        ws.set_footer("&C&P / &N");
        let mut r: u32 = 0;
        for line in &sheet.title {
            ws.write_string_with_format(r, 0, line, &title)
                .map_err(err)?;
            // Tall enough for Vietnamese capitals with their marks above (Ể, Ấ).
            ws.set_row_height(r, 24).map_err(err)?;
            r += 1;
        }
        if !sheet.title.is_empty() {
            r += 1;
        }
        let header_row = r;
        let mut widths: Vec<usize> = Vec::new();
        for (c, h) in sheet.headers.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| WriteError(e.to_string()))?;
            ws.write_string_with_format(r, col, h, &header)
                .map_err(err)?;
            widths.push(h.chars().count().min(18));
        }
        ws.set_row_height(r, 45).map_err(err)?;
        for row in &sheet.rows {
            r += 1;
            for (c, cell) in row.iter().enumerate() {
                let col = u16::try_from(c).map_err(|e| WriteError(e.to_string()))?;
                let len = match cell {
                    Out::Text(t) => {
                        ws.write_string(r, col, t).map_err(err)?;
                        t.chars().count()
                    }
                    Out::Count(n) => {
                        // Counts of people stay far below 2^53.
                        #[allow(clippy::cast_precision_loss, reason = "counts of people")]
                        let v = *n as f64;
                        ws.write_number_with_format(r, col, v, &count)
                            .map_err(err)?;
                        n.to_string().len() + 2
                    }
                    Out::Share(s) => {
                        ws.write_number_with_format(r, col, *s, &share)
                            .map_err(err)?;
                        7
                    }
                    Out::Date(y, m, d) => {
                        let day = ExcelDateTime::from_ymd(*y, *m, *d).map_err(err)?;
                        ws.write_datetime_with_format(r, col, &day, &date)
                            .map_err(err)?;
                        10
                    }
                    Out::Empty => 0,
                };
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(len);
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| WriteError(e.to_string()))?;
            #[allow(clippy::cast_precision_loss, reason = "small widths")]
            ws.set_column_width(col, (*w).clamp(6, 48) as f64 + 2.0)
                .map_err(err)?;
        }
        let last_col = u16::try_from(sheet.headers.len().max(1) - 1).unwrap_or(0);
        ws.set_freeze_panes(header_row + 1, 0).map_err(err)?;
        ws.set_repeat_rows(header_row, header_row).map_err(err)?;
        ws.autofilter(header_row, 0, r, last_col).map_err(err)?;
    }
    if sheets.is_empty() {
        book.add_worksheet();
    }
    book.save_to_buffer().map_err(err)
}

/// A cell as a CSV may hold it safely: a spreadsheet would run text starting with `=`, `+`,
/// `-` or `@` (or a tab or carriage return before one) as a formula, so such text is written
/// with a leading apostrophe, which Excel and `LibreOffice` show as text and our importers drop
/// again. Every CSV the server writes goes through this.
#[must_use]
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{text}")),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// The sheets as one CSV: UTF-8 with a byte-order mark, comma separated, each sheet's rows
/// after its header, a blank line between sheets. Shares are written as Excel shows them in
/// Vietnamese (`72,5%`); counts as plain digits.
///
/// # Errors
/// The CSV writer failed (it writes to memory).
pub fn to_csv(sheets: &[Sheet]) -> Result<Vec<u8>, WriteError> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    for (i, sheet) in sheets.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        for line in &sheet.title {
            w.write_record([csv_cell(line).as_ref()])
                .map_err(|e| WriteError(e.to_string()))?;
        }
        w.write_record(sheet.headers.iter().map(|h| csv_cell(h).into_owned()))
            .map_err(|e| WriteError(e.to_string()))?;
        for row in &sheet.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Out::Text(t) => csv_cell(t).into_owned(),
                    Out::Count(n) => n.to_string(),
                    Out::Share(s) => {
                        // Tenths of a per cent, rounded.
                        #[allow(
                            clippy::cast_possible_truncation,
                            clippy::cast_sign_loss,
                            reason = "0..=1000"
                        )]
                        let tenths = (s.clamp(0.0, 10.0) * 1000.0).round() as u64;
                        format!("{},{}%", tenths / 10, tenths % 10)
                    }
                    Out::Date(y, m, d) => format!("{d:02}/{m:02}/{y:04}"),
                    Out::Empty => String::new(),
                })
                .collect();
            w.write_record(&cells)
                .map_err(|e| WriteError(e.to_string()))?;
        }
        out.extend(w.into_inner().map_err(|e| WriteError(e.to_string()))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use calamine::{DataType, Reader};

    fn sheet() -> Sheet {
        Sheet {
            name: "Xã/phường".into(),
            title: vec!["BÁO CÁO TIẾN ĐỘ".into()],
            headers: vec![
                "Mã".into(),
                "Tên đơn vị".into(),
                "Đã đạt".into(),
                "Tỷ lệ".into(),
            ],
            rows: vec![
                vec![
                    Out::Text("16591".into()),
                    Out::Text("Xã Hoằng Hóa, \"A\"".into()),
                    Out::Count(1234),
                    Out::Share(0.725),
                ],
                vec![
                    Out::Text("16594".into()),
                    Out::Text("Phường Đông".into()),
                    Out::Count(0),
                    Out::Empty,
                ],
            ],
        }
    }

    #[test]
    fn csv_has_a_bom_and_vietnamese_shares_and_quotes_what_needs_it() {
        let bytes = to_csv(&[sheet(), sheet()]).unwrap();
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(
            text.starts_with("BÁO CÁO TIẾN ĐỘ\r\nMã,Tên đơn vị,Đã đạt,Tỷ lệ\r\n"),
            "{text}"
        );
        assert!(
            text.contains("16591,\"Xã Hoằng Hóa, \"\"A\"\"\",1234,\"72,5%\"\r\n"),
            "{text}"
        );
        assert_eq!(text.matches("BÁO CÁO").count(), 2, "both sheets");
    }

    #[test]
    fn xlsx_reads_back_with_its_sheets_cells_and_formats() {
        let bytes = to_xlsx(&[sheet()]).unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["Xã-phường"]);
        let range = book.worksheet_range("Xã-phường").unwrap();
        assert_eq!(
            range.get_value((0, 0)).unwrap().to_string(),
            "BÁO CÁO TIẾN ĐỘ"
        );
        assert_eq!(range.get_value((2, 1)).unwrap().to_string(), "Tên đơn vị");
        assert_eq!(range.get_value((3, 2)).unwrap().as_f64(), Some(1234.0));
        assert_eq!(range.get_value((3, 3)).unwrap().as_f64(), Some(0.725));
    }

    /// A part of a workbook, as text.
    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut text).unwrap();
        text
    }

    #[test]
    fn xlsx_prints_on_a4_landscape_as_wide_as_the_page_with_the_header_on_every_page() {
        let mut with_date = sheet();
        with_date.rows[0][3] = Out::Date(2026, 12, 31);
        let bytes = to_xlsx(&[with_date]).unwrap();
        let ws = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(ws.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{ws}");
        assert!(
            ws.contains("<pageSetup paperSize=\"9\" fitToHeight=\"0\" orientation=\"landscape\""),
            "{ws}"
        );
        assert!(
            ws.contains("<oddFooter>&amp;C&amp;P / &amp;N</oddFooter>"),
            "{ws}"
        );
        // The title row is tall enough for capitals with marks; the header row repeats.
        assert!(
            ws.contains("<row r=\"1\" spans=\"1:4\" ht=\"24\" customHeight=\"1\">"),
            "{ws}"
        );
        let book = part(&bytes, "xl/workbook.xml");
        assert!(
            book.contains("<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'Xã-phường'!$3:$3</definedName>"),
            "{book}"
        );
        // A deadline is a date, shown as officials write it.
        let mut read: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = read.worksheet_range("Xã-phường").unwrap();
        let cell = range.get_value((3, 3)).unwrap();
        assert!(cell.is_datetime(), "{cell:?}");
        let csv = to_csv(&[Sheet {
            rows: vec![vec![Out::Date(2026, 12, 31)]],
            ..sheet()
        }])
        .unwrap();
        assert!(String::from_utf8(csv).unwrap().contains("31/12/2026"));
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_written_as_text() {
        let evil = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"];
        let sheet = Sheet {
            name: "x".into(),
            title: vec!["=HYPERLINK(\"http://evil\")".into()],
            headers: vec!["@head".into(), "Tên".into()],
            rows: evil
                .iter()
                .map(|e| vec![Out::Text((*e).into()), Out::Text("Thôn Một".into())])
                .collect(),
        };
        let bytes = to_csv(&[sheet]).unwrap();
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let cells: Vec<String> = reader
            .records()
            .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        for c in &cells {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{c:?} would run as a formula"
            );
        }
        assert!(cells.contains(&"'=1+1".to_owned()));
        assert!(cells.contains(&"Thôn Một".to_owned()));
        assert_eq!(csv_cell("Nguyễn Văn A"), "Nguyễn Văn A");
    }
}

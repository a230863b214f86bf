//! The progress report as an administrative document (Decree 30/2020/NĐ-CP): the issuing body
//! and the document's number on the left, the national motto on the right with the place and
//! date, the title, the K1–K5 table with a legend of what each indicator measures, the further
//! tables (what people can do, the village teams), then the recipients and the signature
//! block. A4 portrait; a table that runs past the page goes on on the next one under its
//! header row again. Text is recorded, so it copies and searches as Vietnamese.

use krilla::Document;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;

use crate::{Day, Fonts, Format, GREY, INK, PdfError, Pen, date_line, fonts, line};

/// One indicator's line of the table.
#[derive(Debug, Clone)]
pub struct ReportRow {
    /// `K1` … `K5`.
    pub kpi: String,
    /// What it measures, in words.
    pub description: String,
    /// "125 / 144.000".
    pub reached: String,
    /// "0,1%".
    pub share: String,
    /// "100% · 31/12/2026".
    pub target: String,
    /// People still needed.
    pub gap: String,
    /// "Có nguy cơ không đạt".
    pub standing: String,
}

/// A further table of the report, under its heading, with notes under it.
#[derive(Debug, Clone, Default)]
pub struct ReportTable {
    /// The line above the table.
    pub heading: String,
    /// Each column's title and relative width (the columns share the text's width).
    pub columns: Vec<(String, f32)>,
    /// The cells, a row at a time, as many as the columns.
    pub rows: Vec<Vec<String>>,
    /// Notes under the table.
    pub notes: Vec<String>,
}

/// What the report says. All text is Vietnamese as it should be printed.
#[derive(Debug, Clone)]
pub struct ProgressReport {
    /// The body above the issuer, e.g. "UBND TỈNH THANH HÓA" (empty when there is none).
    pub parent_body: String,
    /// The issuing body, e.g. "BAN CHỈ ĐẠO PHONG TRÀO BÌNH DÂN HỌC VỤ SỐ".
    pub issuer: String,
    /// "Số: …/BC-BCĐ", left to be numbered by the office (văn thư) when empty.
    pub number: String,
    /// The place in the date line, e.g. "Thanh Hóa".
    pub place: String,
    pub day: Day,
    /// The report's subject, e.g. "Tiến độ phong trào “Bình dân học vụ số” tỉnh Thanh Hóa".
    pub subject: String,
    /// The paragraph before the table.
    pub lead: String,
    pub rows: Vec<ReportRow>,
    /// Notes under the table (what the columns mean).
    pub legend: Vec<String>,
    /// Tables after the indicators' (what people can do, the village teams), in order.
    pub tables: Vec<ReportTable>,
    /// "Nơi nhận" lines.
    pub recipients: Vec<String>,
    /// "TM. BAN CHỈ ĐẠO" / "TRƯỞNG BAN".
    pub signer_role: Vec<String>,
    /// The signer's name under the space for the signature and seal (empty: written by hand).
    pub signer_name: String,
}

/// A table as it is drawn: column widths in points, header and rows.
struct Table<'r> {
    heading: &'r str,
    widths: Vec<f32>,
    head: Vec<&'r str>,
    rows: Vec<Vec<&'r str>>,
    notes: &'r [String],
}

/// What is drawn down the pages after the lead, in order; a page ends before a step that does
/// not fit.
#[derive(Clone, Copy)]
enum Step {
    /// Table `t`'s heading.
    Heading(usize),
    /// Table `t`'s header row.
    Head(usize),
    /// Row `r` of table `t`.
    Row(usize, usize),
    /// Note `n` under table `t`.
    Note(usize, usize),
    Gap(f32),
    /// The recipients and the signature block.
    Closing,
}

const LINE: f32 = 1.35;
const CELL: f32 = 9.0;
const NOTE: f32 = 9.5;
const HEADING: f32 = 10.5;
/// The room left for the signature and the seal above the signer's name.
const SIGNATURE_SPACE: f32 = 60.0;

/// The height of `text` wrapped to `width`, in the pen's lines.
fn text_height(text: &str, font: &krilla::text::Font, size: f32, width: f32) -> f32 {
    crate::usize_f32(crate::wrap(text, font, size, width).len()) * size * LINE
}

fn row_height(f: &Fonts, widths: &[f32], cells: &[&str], bold: bool) -> f32 {
    let font = if bold { &f.bold } else { &f.regular };
    let tallest = widths
        .iter()
        .zip(cells)
        .map(|(w, text)| text_height(text, font, CELL, w - 6.0))
        .fold(0.0, f32::max);
    tallest + 6.0
}

/// Draws a row of cells from `left`, ruled above, below and between the cells.
fn draw_row(
    pen: &mut Pen<'_, '_>,
    f: &Fonts,
    left: f32,
    widths: &[f32],
    cells: &[&str],
    bold: bool,
) {
    let font = if bold { &f.bold } else { &f.regular };
    let row_top = pen.y;
    let right = left + widths.iter().sum::<f32>();
    let mut x = left;
    let mut bottom = row_top;
    for (width, text) in widths.iter().zip(cells) {
        pen.left = x + 3.0;
        pen.right = x + width - 3.0;
        pen.y = row_top + 3.0;
        pen.text_left(text, font, CELL, INK);
        bottom = bottom.max(pen.y + 3.0);
        x += width;
    }
    bottom = bottom.max(row_top + 6.0);
    line(pen.surface, (left, row_top), (right, row_top), GREY, 0.6);
    line(pen.surface, (left, bottom), (right, bottom), GREY, 0.6);
    let mut x = left;
    line(pen.surface, (x, row_top), (x, bottom), GREY, 0.6);
    for width in widths {
        x += width;
        line(pen.surface, (x, row_top), (x, bottom), GREY, 0.6);
    }
    pen.y = bottom;
}

/// Draws the report as A4 PDF pages.
///
/// # Errors
/// The PDF writer refused a page.
pub fn render_report(report: &ProgressReport) -> Result<Vec<u8>, PdfError> {
    let f = fonts()?;
    let (page_width, page_height) = Format::A4.size();
    let mut document = Document::new();
    let settings = PageSettings::from_wh(page_width, page_height)
        .ok_or_else(|| PdfError::Write("page size".to_owned()))?;
    // Decree 30: margins of 20–25 mm left, 15–20 mm right, top and bottom.
    let (left, right) = (64.0, page_width - 48.0);
    let split = left + (right - left) * 0.42;
    let (top, bottom) = (48.0, page_height - 56.0);
    // The tables: the indicators', then the others, each sharing the text's width.
    let kpi_rows: Vec<Vec<&str>> = report
        .rows
        .iter()
        .map(|r| {
            vec![
                r.kpi.as_str(),
                &r.description,
                &r.reached,
                &r.share,
                &r.target,
                &r.gap,
                &r.standing,
            ]
        })
        .collect();
    let mut tables = vec![Table {
        heading: "",
        widths: vec![34.0, 150.0, 78.0, 42.0, 72.0, 50.0, 57.28],
        head: vec![
            "Chỉ tiêu",
            "Nội dung",
            "Đã đạt / Mẫu số",
            "Tỷ lệ",
            "Chỉ tiêu, hạn",
            "Còn thiếu",
            "Đánh giá",
        ],
        rows: kpi_rows,
        notes: &report.legend,
    }];
    for t in &report.tables {
        let total: f32 = t.columns.iter().map(|c| c.1).sum();
        let scale = if total > 0.0 {
            (right - left) / total
        } else {
            0.0
        };
        tables.push(Table {
            heading: &t.heading,
            widths: t.columns.iter().map(|c| c.1 * scale).collect(),
            head: t.columns.iter().map(|c| c.0.as_str()).collect(),
            rows: t
                .rows
                .iter()
                .map(|r| r.iter().map(String::as_str).collect())
                .collect(),
            notes: &t.notes,
        });
    }
    let mut steps = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            steps.push(Step::Gap(14.0));
        }
        if !t.heading.is_empty() {
            steps.push(Step::Heading(i));
        }
        steps.push(Step::Head(i));
        steps.extend((0..t.rows.len()).map(|r| Step::Row(i, r)));
        if !t.notes.is_empty() {
            steps.push(Step::Gap(10.0));
        }
        steps.extend((0..t.notes.len()).map(|n| Step::Note(i, n)));
    }
    steps.push(Step::Gap(18.0));
    steps.push(Step::Closing);
    let width = right - left;
    let height = |step: Step| -> f32 {
        match step {
            Step::Heading(ti) => text_height(tables[ti].heading, &f.bold, HEADING, width) + 4.0,
            Step::Head(ti) => row_height(f, &tables[ti].widths, &tables[ti].head, true),
            Step::Row(ti, ri) => row_height(f, &tables[ti].widths, &tables[ti].rows[ri], false),
            Step::Note(ti, ni) => text_height(&tables[ti].notes[ni], &f.italic, NOTE, width) + 2.0,
            Step::Gap(g) => g,
            Step::Closing => {
                let recipients: f32 = report
                    .recipients
                    .iter()
                    .map(|r| text_height(&format!("- {r}"), &f.regular, 9.5, split - left))
                    .sum();
                let roles: f32 = report
                    .signer_role
                    .iter()
                    .map(|r| text_height(r, &f.bold, 11.0, right - split))
                    .sum::<f32>()
                    + if report.signer_name.is_empty() {
                        0.0
                    } else {
                        SIGNATURE_SPACE
                            + text_height(&report.signer_name, &f.bold, 11.0, right - split)
                    };
                (10.0 * LINE + recipients).max(roles + 10.0 * LINE)
            }
        }
    };
    // A heading and a header row stay with the step after them.
    let keep = |i: usize| -> f32 {
        let mut need = 0.0;
        for step in steps.iter().skip(i) {
            need += height(*step);
            if !matches!(step, Step::Heading(_) | Step::Head(_)) {
                break;
            }
        }
        need
    };
    let mut next = 0;
    let mut first = true;
    while first || next < steps.len() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut pen = Pen {
            surface: &mut surface,
            left,
            right,
            y: top,
        };
        if first {
            head(&mut pen, report, f, (left, split, right), top);
        } else if let Some(Step::Row(ti, _)) = steps.get(next) {
            // A table goes on under its header row again.
            draw_row(
                &mut pen,
                f,
                left,
                &tables[*ti].widths,
                &tables[*ti].head,
                true,
            );
        }
        let mut drawn = 0;
        while let Some(&step) = steps.get(next) {
            if drawn > 0 && pen.y + keep(next) > bottom {
                break;
            }
            pen.left = left;
            pen.right = right;
            match step {
                Step::Heading(ti) => {
                    pen.text_left(tables[ti].heading, &f.bold, HEADING, INK);
                    pen.gap(4.0);
                }
                Step::Head(ti) => {
                    draw_row(
                        &mut pen,
                        f,
                        left,
                        &tables[ti].widths,
                        &tables[ti].head,
                        true,
                    );
                }
                Step::Row(ti, ri) => {
                    draw_row(
                        &mut pen,
                        f,
                        left,
                        &tables[ti].widths,
                        &tables[ti].rows[ri],
                        false,
                    );
                }
                Step::Note(ti, ni) => {
                    pen.text_left(&tables[ti].notes[ni], &f.italic, NOTE, GREY);
                    pen.gap(2.0);
                }
                Step::Gap(g) => {
                    // No gap at the top of a page.
                    if drawn > 0 || first {
                        pen.gap(g);
                    }
                }
                Step::Closing => closing(&mut pen, report, f, (left, split, right)),
            }
            drawn += 1;
            next += 1;
        }
        first = false;
        surface.finish();
        page.finish();
    }
    document.set_metadata(
        Metadata::new()
            .title(format!("Báo cáo — {}", report.subject))
            .language("vi".to_owned())
            .creator("Bình Dân".to_owned())
            .creation_date(
                DateTime::new(report.day.year)
                    .month(report.day.month)
                    .day(report.day.day),
            ),
    );
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// The first page's head: the issuing body and the number (left), the national motto, the
/// place and date (right), the title and the lead.
fn head(
    pen: &mut Pen<'_, '_>,
    report: &ProgressReport,
    f: &Fonts,
    (left, split, right): (f32, f32, f32),
    top: f32,
) {
    pen.left = left;
    pen.right = split;
    if !report.parent_body.is_empty() {
        pen.text(&report.parent_body, &f.regular, 11.0, INK);
    }
    pen.text(&report.issuer, &f.bold, 11.0, INK);
    pen.rule(60.0, INK);
    pen.gap(8.0);
    let number = if report.number.is_empty() {
        "Số: ……/BC-BCĐ".to_owned()
    } else {
        report.number.clone()
    };
    pen.text(&number, &f.regular, 11.0, INK);
    let left_end = pen.y;
    pen.left = split;
    pen.right = right;
    pen.y = top;
    pen.text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", &f.bold, 11.0, INK);
    pen.text("Độc lập - Tự do - Hạnh phúc", &f.bold, 11.5, INK);
    pen.rule(150.0, INK);
    pen.gap(10.0);
    pen.text(&date_line(&report.place, report.day), &f.italic, 11.5, INK);
    pen.y = pen.y.max(left_end) + 24.0;
    pen.left = left;
    pen.right = right;
    pen.text("BÁO CÁO", &f.bold, 14.0, INK);
    pen.text(&report.subject, &f.bold, 12.5, INK);
    pen.rule(80.0, INK);
    pen.gap(16.0);
    pen.text_left(&report.lead, &f.regular, 11.5, INK);
    pen.gap(8.0);
}

/// The recipients (left) and the signature block (right).
fn closing(
    pen: &mut Pen<'_, '_>,
    report: &ProgressReport,
    f: &Fonts,
    (left, split, right): (f32, f32, f32),
) {
    let block = pen.y;
    pen.left = left;
    pen.right = split;
    pen.text_left("Nơi nhận:", &f.bold, 10.0, INK);
    for r in &report.recipients {
        pen.text_left(&format!("- {r}"), &f.regular, 9.5, INK);
    }
    let left_end = pen.y;
    pen.left = split;
    pen.right = right;
    pen.y = block;
    for role in &report.signer_role {
        pen.text(role, &f.bold, 11.0, INK);
    }
    pen.text("(Ký, ghi rõ họ tên và đóng dấu)", &f.italic, 10.0, GREY);
    if !report.signer_name.is_empty() {
        pen.gap(SIGNATURE_SPACE);
        pen.text(&report.signer_name, &f.bold, 11.0, INK);
    }
    pen.y = pen.y.max(left_end);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn report(tables: Vec<ReportTable>) -> ProgressReport {
        let rows = (1..=5)
            .map(|k| ReportRow {
                kpi: format!("K{k}"),
                description: "Người trưởng thành có kiến thức, kỹ năng số cơ bản".to_owned(),
                reached: "125 / 144.000".to_owned(),
                share: "0,1%".to_owned(),
                target: "100% · 31/12/2026".to_owned(),
                gap: "143.875".to_owned(),
                standing: "Có nguy cơ không đạt".to_owned(),
            })
            .collect();
        ProgressReport {
            parent_body: "UBND TỈNH THANH HÓA".to_owned(),
            issuer: "BAN CHỈ ĐẠO PHONG TRÀO BÌNH DÂN HỌC VỤ SỐ".to_owned(),
            number: String::new(),
            place: "Thanh Hóa".to_owned(),
            day: Day {
                year: 2026,
                month: 12,
                day: 7,
            },
            subject: "Tiến độ phong trào “Bình dân học vụ số” tỉnh Thanh Hóa".to_owned(),
            lead: "Số liệu đến ngày 07/12/2026, từ các bộ đếm của nền tảng.".to_owned(),
            rows,
            legend: vec!["Mẫu số: số liệu dân số chính thức.".to_owned()],
            recipients: vec!["Ban Chỉ đạo Trung ương".to_owned(), "Lưu: VT".to_owned()],
            tables,
            signer_role: vec!["TM. BAN CHỈ ĐẠO".to_owned(), "TRƯỞNG BAN".to_owned()],
            signer_name: "Nguyễn Văn Minh".to_owned(),
        }
    }

    fn table(rows: usize) -> ReportTable {
        ReportTable {
            heading: "Tổ công nghệ số cộng đồng theo thôn".to_owned(),
            columns: vec![("Thôn".to_owned(), 3.0), ("Lượt thăm".to_owned(), 1.0)],
            rows: (0..rows)
                .map(|i| vec![format!("Thôn {i}"), i.to_string()])
                .collect(),
            notes: vec!["Số liệu từ các bộ đếm.".to_owned()],
        }
    }

    #[test]
    fn the_report_is_one_a4_page_with_its_text_recorded() {
        let pdf = render_report(&report(vec![table(3)])).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/MediaBox[0 0 595.28 841.89]"), "A4");
        assert_eq!(text.matches("/Type/Page/").count(), 1, "one page");
        assert!(text.contains("/Lang(vi)") && text.contains("/ToUnicode"));
    }

    #[test]
    fn a_long_table_goes_on_over_the_pages() {
        let pdf = render_report(&report(vec![table(3), table(120)])).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        let pages = text.matches("/Type/Page/").count();
        assert!((3..=5).contains(&pages), "{pages} pages");
    }
}

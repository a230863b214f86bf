//! The progress report as an administrative document (Decree 30/2020/NĐ-CP): the issuing body
//! and the document's number on the left, the national motto on the right with the place and
//! date, the title, the K1–K5 table with a legend of what each indicator measures, then the
//! recipients and the signature block. A4 portrait; text is recorded, so it copies and
//! searches as Vietnamese.

use krilla::Document;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;

use crate::{Day, Format, GREY, INK, PdfError, Pen, date_line, fonts, line};

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
    /// "Nơi nhận" lines.
    pub recipients: Vec<String>,
    /// "TM. BAN CHỈ ĐẠO" / "TRƯỞNG BAN".
    pub signer_role: Vec<String>,
}

/// Draws the report as an A4 PDF.
///
/// # Errors
/// The PDF writer refused the page.
pub fn render_report(report: &ProgressReport) -> Result<Vec<u8>, PdfError> {
    let f = fonts()?;
    let (w, h) = Format::A4.size();
    let mut document = Document::new();
    let settings =
        PageSettings::from_wh(w, h).ok_or_else(|| PdfError::Write("page size".to_owned()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    // Decree 30: margins of 20–25 mm left, 15–20 mm right, top and bottom.
    let (left, right) = (64.0, w - 48.0);
    let split = left + (right - left) * 0.42;
    let top = 48.0;
    // The issuing body, its number (left).
    let mut pen = Pen {
        surface: &mut surface,
        left,
        right: split,
        y: top,
    };
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
    // The national motto, the place and date (right).
    pen.left = split;
    pen.right = right;
    pen.y = top;
    pen.text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", &f.bold, 11.0, INK);
    pen.text("Độc lập - Tự do - Hạnh phúc", &f.bold, 11.5, INK);
    pen.rule(150.0, INK);
    pen.gap(10.0);
    pen.text(&date_line(&report.place, report.day), &f.italic, 11.5, INK);
    pen.y = pen.y.max(left_end) + 24.0;
    // The title.
    pen.left = left;
    pen.right = right;
    pen.text("BÁO CÁO", &f.bold, 14.0, INK);
    pen.text(&report.subject, &f.bold, 12.5, INK);
    pen.rule(80.0, INK);
    pen.gap(16.0);
    pen.text_left(&report.lead, &f.regular, 11.5, INK);
    pen.gap(8.0);
    // The table: indicator, what it measures, reached, share, target, still needed, standing.
    let columns: [(f32, &str); 7] = [
        (34.0, "Chỉ tiêu"),
        (150.0, "Nội dung"),
        (78.0, "Đã đạt / Mẫu số"),
        (42.0, "Tỷ lệ"),
        (72.0, "Chỉ tiêu, hạn"),
        (50.0, "Còn thiếu"),
        (57.28, "Đánh giá"),
    ];
    let size = 9.0;
    let row = |pen: &mut Pen<'_, '_>, cells: &[&str], bold: bool| {
        let font = if bold { &f.bold } else { &f.regular };
        let row_top = pen.y;
        let mut x = left;
        let mut bottom = row_top;
        for ((width, _), text) in columns.iter().zip(cells) {
            pen.left = x + 3.0;
            pen.right = x + width - 3.0;
            pen.y = row_top + 3.0;
            pen.text_left(text, font, size, INK);
            bottom = bottom.max(pen.y + 3.0);
            x += width;
        }
        // The row's rules: above, below and between the cells.
        line(pen.surface, (left, row_top), (right, row_top), GREY, 0.6);
        line(pen.surface, (left, bottom), (right, bottom), GREY, 0.6);
        let mut x = left;
        line(pen.surface, (x, row_top), (x, bottom), GREY, 0.6);
        for (width, _) in &columns {
            x += width;
            line(pen.surface, (x, row_top), (x, bottom), GREY, 0.6);
        }
        pen.y = bottom;
    };
    let heads: Vec<&str> = columns.iter().map(|(_, h)| *h).collect();
    row(&mut pen, &heads, true);
    for r in &report.rows {
        row(
            &mut pen,
            &[
                &r.kpi,
                &r.description,
                &r.reached,
                &r.share,
                &r.target,
                &r.gap,
                &r.standing,
            ],
            false,
        );
    }
    pen.left = left;
    pen.right = right;
    pen.gap(10.0);
    for note in &report.legend {
        pen.text_left(note, &f.italic, 9.5, GREY);
        pen.gap(2.0);
    }
    // Recipients (left) and the signature block (right).
    pen.gap(18.0);
    let block = pen.y;
    pen.right = split;
    pen.text_left("Nơi nhận:", &f.bold, 10.0, INK);
    for r in &report.recipients {
        pen.text_left(&format!("- {r}"), &f.regular, 9.5, INK);
    }
    pen.left = split;
    pen.right = right;
    pen.y = block;
    for role in &report.signer_role {
        pen.text(role, &f.bold, 11.0, INK);
    }
    pen.text("(Ký, ghi rõ họ tên và đóng dấu)", &f.italic, 10.0, GREY);
    surface.finish();
    page.finish();
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn the_report_is_one_a4_page_with_its_text_recorded() {
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
        let pdf = render_report(&ProgressReport {
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
            signer_role: vec!["TM. BAN CHỈ ĐẠO".to_owned(), "TRƯỞNG BAN".to_owned()],
        })
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/MediaBox[0 0 595.28 841.89]"), "A4");
        assert_eq!(text.matches("/Type/Page/").count(), 1, "one page");
        assert!(text.contains("/Lang(vi)") && text.contains("/ToUnicode"));
    }
}

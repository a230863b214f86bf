//! The printable certificate: one page of PDF in Vietnamese, A4 for the wall or phone-sized for
//! the screen, with the QR code that verifies it.
//!
//! The page is laid out here, line by line: each line is shaped with `rustybuzz` (the shaper
//! `krilla` uses) so that it can be measured, centred and wrapped, then drawn with `krilla`,
//! which embeds a subset of the font and records the text, so that copying or searching the
//! PDF gives the Vietnamese back. The fonts (the `DejaVu` serif, which covers every Vietnamese letter
//! precomposed and its combining marks) are built into the binary: nothing is read at run time.
//!
//! Text is shaped as given; callers pass NFC (the store keeps text NFC), and decomposed input
//! still comes out right because the shaper composes it where the font has the letter.

use std::sync::OnceLock;

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

mod report;
pub use report::{ProgressReport, ReportRow, ReportTable, render_report};

const SERIF: &[u8] = include_bytes!("../fonts/DejaVuSerif.ttf");
const SERIF_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSerif-Bold.ttf");
const SERIF_ITALIC: &[u8] = include_bytes!("../fonts/DejaVuSerif-Italic.ttf");

/// Why a certificate could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the QR payload does not fit a QR code: {0}")]
    Qr(String),
    #[error("the PDF could not be written: {0}")]
    Write(String),
    #[error("a built-in font could not be read")]
    Font,
}

/// The page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A4 portrait (210 × 297 mm), to print.
    A4,
    /// A tall narrow page (9:18) that reads on a phone without zooming.
    Phone,
}

impl Format {
    /// The page's width and height in points.
    #[must_use]
    pub fn size(self) -> (f32, f32) {
        match self {
            Self::A4 => (595.28, 841.89),
            Self::Phone => (360.0, 720.0),
        }
    }
}

/// A calendar date, as printed ("ngày 5 tháng 3 năm 2026").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// What the certificate says. All text is Vietnamese as it should be printed.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The issuing authority, e.g. "Tỉnh Thanh Hóa".
    pub issuer: String,
    /// The place in the date line, e.g. "Thanh Hóa".
    pub place: String,
    /// The learner's full name.
    pub name: String,
    /// The learner's date of birth, dd/mm/yyyy.
    pub birth: String,
    /// The achievement, e.g. "Kỹ năng số cho người dân".
    pub achievement: String,
    /// The level reached, e.g. "Cơ bản 2"; empty to leave the line out.
    pub level: String,
    /// The simulated real-service tasks the holder did in the exam, by title (at most the
    /// first six are printed).
    pub tasks: Vec<String>,
    /// The day of issue.
    pub issued: Day,
    /// The certificate's identifier (its UUID).
    pub serial: String,
    /// The page that verifies the certificate, printed under the QR code.
    pub verify_url: String,
    /// What the QR code holds: the verification link with its signed payload.
    pub qr: String,
}

struct Fonts {
    regular: Font,
    bold: Font,
    italic: Font,
}

fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts {
                regular: Font::new(SERIF.into(), 0)?,
                bold: Font::new(SERIF_BOLD.into(), 0)?,
                italic: Font::new(SERIF_ITALIC.into(), 0)?,
            })
        })
        .as_ref()
        .ok_or(PdfError::Font)
}

/// The font data behind each face, for the shaper.
fn face_data(font: &Font) -> &'static [u8] {
    let Ok(f) = fonts() else { return SERIF };
    if *font == f.bold {
        SERIF_BOLD
    } else if *font == f.italic {
        SERIF_ITALIC
    } else {
        SERIF
    }
}

const RED: (u8, u8, u8) = (0x9b, 0x1c, 0x1c);
const INK: (u8, u8, u8) = (0x1f, 0x1f, 0x1f);
const GREY: (u8, u8, u8) = (0x55, 0x55, 0x55);
const GOLD: (u8, u8, u8) = (0xb0, 0x8d, 0x3c);

fn fill(rgb: (u8, u8, u8)) -> Fill {
    Fill {
        paint: krilla::color::rgb::Color::new(rgb.0, rgb.1, rgb.2).into(),
        ..Fill::default()
    }
}

fn stroke(rgb: (u8, u8, u8), width: f32) -> Stroke {
    Stroke {
        paint: krilla::color::rgb::Color::new(rgb.0, rgb.1, rgb.2).into(),
        width,
        ..Stroke::default()
    }
}

/// A shaped run of text: its glyphs (advances in em) and its width in em.
struct Run {
    glyphs: Vec<KrillaGlyph>,
    width_em: f32,
}

fn shape(text: &str, font: &Font) -> Run {
    let Some(face) = rustybuzz::Face::from_slice(face_data(font), 0) else {
        return Run {
            glyphs: Vec::new(),
            width_em: 0.0,
        };
    };
    let upem = int_f32(face.units_per_em().max(1));
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(rustybuzz::Direction::LeftToRight);
    let output = rustybuzz::shape(&face, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width_em = 0.0;
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        // A cluster runs to the next glyph with another cluster (left to right).
        let end = infos[i + 1..]
            .iter()
            .find(|n| n.cluster != info.cluster)
            .map_or(text.len(), |n| n.cluster as usize);
        let em = |v: i32| int_f32(v) / upem;
        width_em += em(pos.x_advance);
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            em(pos.x_advance),
            em(pos.x_offset),
            em(pos.y_offset),
            em(pos.y_advance),
            start..end,
            None,
        ));
    }
    Run { glyphs, width_em }
}

#[allow(
    clippy::cast_precision_loss,
    reason = "font units are small integers, exact in f32"
)]
fn int_f32(v: i32) -> f32 {
    v as f32
}

#[allow(
    clippy::cast_precision_loss,
    reason = "QR sizes are at most 177 modules, exact in f32"
)]
fn usize_f32(v: usize) -> f32 {
    v as f32
}

/// Draws lines of text down the page, wrapping at spaces.
struct Pen<'a, 'b> {
    surface: &'a mut Surface<'b>,
    left: f32,
    right: f32,
    /// The top of the next line.
    y: f32,
}

impl Pen<'_, '_> {
    /// Draws `text` centred, wrapped to the pen's width; returns the lines' count.
    fn text(&mut self, text: &str, font: &Font, size: f32, colour: (u8, u8, u8)) -> usize {
        let lines = wrap(text, font, size, self.right - self.left);
        self.surface.set_fill(Some(fill(colour)));
        for (line, run) in &lines {
            let width = run.width_em * size;
            let x = self.left + (self.right - self.left - width) / 2.0;
            let baseline = self.y + size;
            self.surface.draw_glyphs(
                Point::from_xy(x, baseline),
                &run.glyphs,
                font.clone(),
                line,
                size,
                false,
            );
            self.y = baseline + size * 0.35;
        }
        lines.len()
    }

    /// Draws `text` from the pen's left edge, wrapped to its width; returns the lines' count.
    fn text_left(&mut self, text: &str, font: &Font, size: f32, colour: (u8, u8, u8)) -> usize {
        let lines = wrap(text, font, size, self.right - self.left);
        self.surface.set_fill(Some(fill(colour)));
        for (line, run) in &lines {
            let baseline = self.y + size;
            self.surface.draw_glyphs(
                Point::from_xy(self.left, baseline),
                &run.glyphs,
                font.clone(),
                line,
                size,
                false,
            );
            self.y = baseline + size * 0.35;
        }
        lines.len()
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// A short centred rule under the previous line.
    fn rule(&mut self, width: f32, colour: (u8, u8, u8)) {
        let mid = f32::midpoint(self.left, self.right);
        let y = self.y + 3.0;
        line(
            self.surface,
            (mid - width / 2.0, y),
            (mid + width / 2.0, y),
            colour,
            0.8,
        );
    }
}

/// Greedy wrapping at spaces; a word longer than the width (a link) is broken between letters.
fn wrap(text: &str, font: &Font, size: f32, width: f32) -> Vec<(String, Run)> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let fits = |s: &str| shape(s, font).width_em * size <= width;
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        if fits(word) {
            words.push(word.to_owned());
            continue;
        }
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if !fits(&piece) && piece.chars().count() > 1 {
                piece.pop();
                words.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        words.push(piece);
    }
    for word in &words {
        let candidate = if current.is_empty() {
            word.clone()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && !fits(&candidate) {
            let run = shape(&current, font);
            lines.push((std::mem::replace(&mut current, word.clone()), run));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        let run = shape(&current, font);
        lines.push((current, run));
    }
    lines
}

fn line(surface: &mut Surface<'_>, from: (f32, f32), to: (f32, f32), colour: (u8, u8, u8), w: f32) {
    let mut pb = PathBuilder::new();
    pb.move_to(from.0, from.1);
    pb.line_to(to.0, to.1);
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(stroke(colour, w)));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

fn frame(surface: &mut Surface<'_>, (w, h): (f32, f32), inset: f32) {
    for (d, width, colour) in [(inset, 3.0, RED), (inset + 6.0, 0.8, GOLD)] {
        if let Some(rect) = Rect::from_xywh(d, d, w - 2.0 * d, h - 2.0 * d) {
            let mut pb = PathBuilder::new();
            pb.push_rect(rect);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(colour, width)));
                surface.draw_path(&path);
            }
        }
    }
    surface.set_stroke(None);
}

/// The QR code as filled squares, `side` points wide, its top-left at (`x`, `y`), with the
/// quiet zone of four modules inside `side`.
fn qr(surface: &mut Surface<'_>, payload: &str, x: f32, y: f32, side: f32) -> Result<(), PdfError> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)
        .map_err(|e| PdfError::Qr(e.to_string()))?;
    let n = code.width();
    let colors = code.to_colors();
    let module = side / usize_f32(n + 8);
    let mut pb = PathBuilder::new();
    for row in 0..n {
        // One rectangle per horizontal run of dark modules.
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                if let Some(r) = Rect::from_xywh(
                    x + usize_f32(start + 4) * module,
                    y + usize_f32(row + 4) * module,
                    usize_f32(col - start) * module,
                    module,
                ) {
                    pb.push_rect(r);
                }
            } else {
                col += 1;
            }
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(fill((0, 0, 0))));
        surface.draw_path(&path);
    }
    Ok(())
}

fn date_line(place: &str, d: Day) -> String {
    format!("{place}, ngày {} tháng {} năm {}", d.day, d.month, d.year)
}

/// Draws the certificate as a one-page PDF.
///
/// # Errors
/// The QR payload is too long for a QR code, or the PDF writer refused the page.
pub fn render(sheet: &Sheet, format: Format) -> Result<Vec<u8>, PdfError> {
    let f = fonts()?;
    let (w, h) = format.size();
    let mut document = Document::new();
    let settings =
        PageSettings::from_wh(w, h).ok_or_else(|| PdfError::Write("page size".to_owned()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let phone = format == Format::Phone;
    let inset = if phone { 12.0 } else { 24.0 };
    frame(&mut surface, (w, h), inset);
    let margin = if phone { 30.0 } else { 60.0 };
    // Type sizes and the space between blocks, per format.
    let (scale, gap) = if phone { (0.72, 0.72) } else { (1.0, 1.8) };
    let mut pen = Pen {
        surface: &mut surface,
        left: margin,
        right: w - margin,
        y: if phone { 40.0 } else { 80.0 },
    };
    pen.text(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        &f.bold,
        13.0 * scale,
        INK,
    );
    pen.text("Độc lập – Tự do – Hạnh phúc", &f.bold, 12.0 * scale, INK);
    pen.rule(150.0 * scale, INK);
    pen.gap(10.0 * gap);
    pen.text(&sheet.issuer.to_uppercase(), &f.bold, 12.0 * scale, GREY);
    pen.gap(30.0 * gap);
    pen.text("GIẤY CHỨNG NHẬN", &f.bold, 32.0 * scale, RED);
    pen.gap(2.0);
    pen.text(
        "PHỔ CẬP TRI THỨC VỀ CHUYỂN ĐỔI SỐ, KỸ NĂNG SỐ",
        &f.bold,
        13.0 * scale,
        RED,
    );
    pen.text(
        "Phong trào “Bình dân học vụ số”",
        &f.italic,
        12.0 * scale,
        GREY,
    );
    pen.gap(34.0 * gap);
    pen.text("Chứng nhận", &f.italic, 14.0 * scale, INK);
    pen.gap(6.0 * gap);
    pen.text(&sheet.name, &f.bold, 26.0 * scale, INK);
    pen.text(
        &format!("Ngày sinh: {}", sheet.birth),
        &f.regular,
        13.0 * scale,
        INK,
    );
    pen.gap(20.0 * gap);
    pen.text(
        "Đã đạt bài kiểm tra cấp chứng chỉ",
        &f.regular,
        13.0 * scale,
        INK,
    );
    pen.text(&sheet.achievement, &f.bold, 17.0 * scale, INK);
    if !sheet.level.is_empty() {
        pen.text(
            &format!("Trình độ đạt được: {}", sheet.level),
            &f.regular,
            13.0 * scale,
            INK,
        );
    }
    if !sheet.tasks.is_empty() {
        pen.gap(6.0 * gap);
        pen.text(
            "Đã tự làm được trên ứng dụng mô phỏng trong bài thi:",
            &f.regular,
            11.0 * scale,
            INK,
        );
        for task in sheet.tasks.iter().take(6) {
            pen.text(&format!("• {task}"), &f.regular, 11.0 * scale, INK);
        }
    }
    pen.gap(24.0 * gap);
    let after_body = pen.y;
    if phone {
        pen.text(&date_line(&sheet.place, sheet.issued), &f.italic, 11.0, INK);
        pen.text(&format!("Cấp bởi: {}", sheet.issuer), &f.regular, 11.0, INK);
        let side = 210.0;
        let top = pen.y + 4.0;
        qr(pen.surface, &sheet.qr, (w - side) / 2.0, top, side)?;
        pen.y = top + side + 4.0;
    } else {
        // The date and issuer on the right, the QR code on the left, side by side.
        let side = 180.0;
        qr(pen.surface, &sheet.qr, margin - 12.0, after_body, side)?;
        let (left, right) = (pen.left, pen.right);
        pen.left = margin + side;
        pen.y = after_body + 40.0;
        pen.text(&date_line(&sheet.place, sheet.issued), &f.italic, 12.0, INK);
        pen.text(&sheet.issuer.to_uppercase(), &f.bold, 12.0, INK);
        pen.gap(4.0);
        pen.text("(đã ký số)", &f.italic, 11.0, GREY);
        pen.left = left;
        pen.right = right;
        pen.y = after_body + side + 6.0;
    }
    pen.text(
        "Quét mã QR hoặc mở địa chỉ dưới đây để xác minh:",
        &f.regular,
        10.0 * scale.max(0.9),
        GREY,
    );
    pen.text(&sheet.verify_url, &f.regular, 9.0, GREY);
    pen.text(&format!("Số hiệu: {}", sheet.serial), &f.regular, 9.0, GREY);
    surface.finish();
    page.finish();
    document.set_metadata(
        Metadata::new()
            .title(format!("Giấy chứng nhận — {}", sheet.name))
            .language("vi".to_owned())
            .creator("Bình Dân".to_owned())
            .creation_date(
                DateTime::new(sheet.issued.year)
                    .month(sheet.issued.month)
                    .day(sheet.issued.day),
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

    pub(crate) fn sheet() -> Sheet {
        Sheet {
            issuer: "Tỉnh Thanh Hóa".to_owned(),
            place: "Thanh Hóa".to_owned(),
            name: "Nguyễn Thị Hường".to_owned(),
            birth: "05/03/1958".to_owned(),
            achievement:
                "Kỹ năng số cơ bản cho người dân: dịch vụ công trực tuyến và an toàn trên mạng"
                    .to_owned(),
            level: "Cơ bản 2".to_owned(),
            tasks: vec![
                "Chuyển tiền và kiểm tra tên người nhận".to_owned(),
                "Nhận ra tin nhắn ngân hàng giả".to_owned(),
            ],
            issued: Day {
                year: 2026,
                month: 11,
                day: 27,
            },
            serial: "0b7e4a1c-3f2d-4e5a-9c8b-7d6e5f4a3b2c".to_owned(),
            verify_url:
                "https://binhdan.thanhhoa.gov.vn/chung-chi/0b7e4a1c-3f2d-4e5a-9c8b-7d6e5f4a3b2c"
                    .to_owned(),
            qr: format!(
                "https://binhdan.thanhhoa.gov.vn/xac-minh/qr/{}",
                "A".repeat(300)
            ),
        }
    }

    #[test]
    fn both_formats_are_one_page_pdfs_of_their_size() {
        for (format, media) in [
            (Format::A4, "/MediaBox[0 0 595.28 841.89]"),
            (Format::Phone, "/MediaBox[0 0 360 720]"),
        ] {
            let pdf = render(&sheet(), format).unwrap();
            assert!(pdf.starts_with(b"%PDF-"), "{format:?}");
            let text = String::from_utf8_lossy(&pdf);
            assert!(text.contains(media), "{format:?}: no {media}");
            assert_eq!(
                text.matches("/Type/Page/").count(),
                1,
                "{format:?}: one page"
            );
            assert!(
                text.contains("/Lang(vi)"),
                "{format:?}: marked as Vietnamese"
            );
            assert!(
                text.contains("/FontFile2"),
                "{format:?}: the font is embedded"
            );
            assert!(
                text.contains("/ToUnicode"),
                "{format:?}: the text can be copied out"
            );
        }
    }

    #[test]
    fn vietnamese_shapes_to_real_glyphs_in_nfc_and_nfd() {
        let f = fonts().unwrap();
        let nfc = "Nguyễn Thị Hường — Đã đạt kỹ năng số";
        let run = shape(nfc, &f.regular);
        assert!(
            run.glyphs.iter().all(|g| g.glyph_id.to_u32() != 0),
            "no missing glyph (.notdef)"
        );
        // Decomposed: base letters followed by combining marks; the shaper composes them.
        let nfd = "Nguye\u{302}\u{303}n Thi\u{323} Hu\u{31b}o\u{31b}\u{300}ng";
        let run = shape(nfd, &f.regular);
        assert!(run.glyphs.iter().all(|g| g.glyph_id.to_u32() != 0));
        let composed = shape("Nguyễn Thị Hường", &f.regular);
        assert!(
            (run.width_em - composed.width_em).abs() < 0.05,
            "NFD measures as NFC: {} vs {}",
            run.width_em,
            composed.width_em
        );
    }

    #[test]
    fn long_lines_wrap_inside_the_page() {
        let f = fonts().unwrap();
        let lines = wrap(&sheet().achievement, &f.bold, 17.0 * 0.72, 300.0);
        assert!(lines.len() >= 2, "{}", lines.len());
        for (text, run) in &lines {
            assert!(run.width_em * 17.0 * 0.72 <= 300.0, "{text} overflows");
        }
        let joined: Vec<&str> = lines.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(joined.join(" "), sheet().achievement);
    }

    #[test]
    fn a_payload_too_long_for_a_qr_code_is_an_error_not_a_panic() {
        let mut s = sheet();
        s.qr = "x".repeat(5000);
        assert!(matches!(render(&s, Format::A4), Err(PdfError::Qr(_))));
    }
}

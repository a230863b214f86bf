//! Attendance from a photo of the card's QR code, read on the server (a phone without
//! JavaScript): real QR codes of card strings drawn into PNG and JPEG photos (scaled, with a
//! margin, one turned), posted as `multipart/form-data`. The person is marked present once
//! however often the photo is resent; a photo without a code, a file that is not an image, an
//! image too large in pixels or bytes, and a code that is not a card are each refused, in
//! Vietnamese and in English, and change nothing.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use image::{DynamicImage, GrayImage, ImageFormat, Luma};

use crate::helpers::TestResponse;
use crate::people::{encode, form};
use crate::teams::{CARD, Team, VILLAGE, appoint, team};

/// The QR code of `text`, `module` pixels a module, with `margin` light pixels around it, on
/// a grey photo of `canvas` pixels a side, at `(x, y)`.
fn photo(text: &str, module: u32, margin: u32, canvas: (u32, u32), at: (i64, i64)) -> GrayImage {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let n = u32::try_from(code.width()).unwrap();
    let colors = code.to_colors();
    let side = n * module + 2 * margin;
    let qr = GrayImage::from_fn(side, side, |x, y| {
        let inside = (margin..margin + n * module).contains(&x)
            && (margin..margin + n * module).contains(&y);
        let dark = inside && {
            let (cx, cy) = ((x - margin) / module, (y - margin) / module);
            colors[usize::try_from(cy * n + cx).unwrap()] == qrcode::Color::Dark
        };
        Luma([if dark { 30 } else { 230 }])
    });
    let mut out = GrayImage::from_pixel(canvas.0, canvas.1, Luma([150]));
    image::imageops::replace(&mut out, &qr, at.0, at.1);
    out
}

/// `image` turned by `degrees` about its centre (nearest pixel), grey where nothing was.
fn turned(image: &GrayImage, degrees: f64) -> GrayImage {
    let (w, h) = image.dimensions();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
        let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
        if sx >= 0.0 && sy >= 0.0 && sx < f64::from(w) && sy < f64::from(h) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            *image.get_pixel(sx as u32, sy as u32)
        } else {
            Luma([150])
        }
    })
}

fn bytes(image: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageLuma8(image.clone())
        .to_rgb8()
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// The photo form as a browser posts it: the CSRF token, the op, then the file.
fn multipart(csrf: &str, op: &str, file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let b = "XbinhdanPhotoBoundary";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("op", op)] {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    if let Some((content_type, data)) = file {
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"the.jpg\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn send_photo(
    t: &Team,
    uri: &str,
    op: &str,
    file: Option<(&str, &[u8])>,
    english: bool,
) -> TestResponse {
    let (content_type, body) = multipart(&t.member.1, op, file);
    let mut r = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, &t.member.0);
    if english {
        r = r.header(header::ACCEPT_LANGUAGE, "en");
    }
    t.app.send(r.body(Body::from(body)).unwrap()).await
}

/// A team with the facilitator appointed and a class open: the class's URI.
async fn class(t: &Team) -> String {
    assert_eq!(
        appoint(t, &t.admin, "thon-mot").await.status,
        StatusCode::SEE_OTHER
    );
    let r = form(
        &t.app,
        &format!("/quan-ly/to-cong-nghe/{VILLAGE}/lop"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op=class-op-photo01&module=cong-dan.dien-thoai&place=Nh%C3%A0+v%C4%83n+h%C3%B3a&starts=2025-11-24T19:30",
            t.member.1
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    r.header("location").to_owned()
}

async fn present(t: &Team, class_uri: &str) -> i64 {
    let id: i64 = class_uri.rsplit('/').next().unwrap().parse().unwrap();
    t.app
        .db
        .store
        .team_class(id)
        .await
        .unwrap()
        .unwrap()
        .present
}

#[tokio::test]
async fn a_photo_of_the_card_marks_the_person_present_once() {
    let t = team().await;
    let class_uri = class(&t).await;
    // The page offers the form, which works without JavaScript.
    let page = crate::people::get_as(&t.app, &class_uri, &t.member.0)
        .await
        .text();
    assert!(page.contains(&format!(
        r#"action="{class_uri}/diem-danh-anh" method="post" enctype="multipart/form-data""#
    )));
    assert!(page.contains("Gửi ảnh mã QR trên thẻ"));
    assert!(page.contains(r#"name="photo" type="file" accept="image/*" capture="environment""#));
    let uri = format!("{class_uri}/diem-danh-anh");
    // A PNG: 4 pixels a module, the code off-centre on a 900 × 700 picture.
    let png = bytes(
        &photo(CARD, 4, 24, (900, 700), (420, 200)),
        ImageFormat::Png,
    );
    let r = send_photo(
        &t,
        &uri,
        "photo-op-000001",
        Some(("image/png", &png)),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.header("location").ends_with("co-mat=moi"));
    // The same form resent (its reply lost): answered as the first, counted once.
    let r = send_photo(
        &t,
        &uri,
        "photo-op-000001",
        Some(("image/png", &png)),
        false,
    )
    .await;
    assert!(r.header("location").ends_with("co-mat=moi"));
    assert_eq!(present(&t, &class_uri).await, 1);
    // A phone's JPEG, large (12 MP, scaled down before the search) and turned 20°: read,
    // and the person is already present.
    let big = turned(&photo(CARD, 14, 60, (4000, 3000), (1500, 900)), 20.0);
    let jpeg = bytes(&big, ImageFormat::Jpeg);
    let r = send_photo(
        &t,
        &uri,
        "photo-op-000002",
        Some(("image/jpeg", &jpeg)),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        r.header("location").ends_with("co-mat=roi"),
        "{}",
        r.header("location")
    );
    assert_eq!(present(&t, &class_uri).await, 1);
    let page = crate::people::get_as(&t.app, &class_uri, &t.member.0)
        .await
        .text();
    assert!(page.contains("Nguyễn Văn A") && page.contains("quét thẻ"));
    let figures = t
        .app
        .db
        .store
        .team_figures(&crate::people::code(VILLAGE))
        .await
        .unwrap();
    assert_eq!(figures.reached, 1);
}

/// What is sent (its content type and bytes), the status and what the page says, in
/// Vietnamese and in English.
type Refusal<'a> = (
    &'a str,
    Option<(&'a str, &'a [u8])>,
    StatusCode,
    &'a str,
    &'a str,
);

#[tokio::test]
async fn a_photo_that_gives_no_card_is_refused_and_says_why() {
    let t = team().await;
    let class_uri = class(&t).await;
    let uri = format!("{class_uri}/diem-danh-anh");
    let blank = bytes(
        &GrayImage::from_pixel(640, 480, Luma([200])),
        ImageFormat::Jpeg,
    );
    let not_card = bytes(
        &photo("https://example.com/qr", 5, 30, (600, 600), (100, 100)),
        ImageFormat::Png,
    );
    // A PNG whose header says 30000 × 30000: refused on its header, nothing decoded.
    let huge = binhdan_qr::testing::huge_png_header(30_000, 30_000);
    let cases: [Refusal; 6] = [
        (
            "no code",
            Some(("image/jpeg", &blank)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Không đọc được mã QR trong ảnh — hãy chụp gần hơn, đủ sáng, giữ máy thẳng",
            "Could not read a QR code in the photo — take it closer, in good light, holding the phone straight",
        ),
        (
            "not an image",
            Some(("image/jpeg", b"Ho va ten,So CCCD\nA,038090012345\n")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "không phải ảnh JPEG hoặc PNG",
            "not a JPEG or PNG image",
        ),
        (
            "too many pixels",
            Some(("image/png", &huge)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "30000 × 30000 điểm ảnh, tối đa 40 triệu",
            "30000 × 30000 pixels, at most 40 million",
        ),
        (
            "not a card",
            Some(("image/png", &not_card)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "không phải mã QR của thẻ căn cước",
            "This is not an identity card",
        ),
        (
            "no photo",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Chưa chọn ảnh",
            "No photo was chosen",
        ),
        (
            "too large",
            Some(("image/jpeg", &vec![0xff; 8 * 1024 * 1024 + 1])),
            StatusCode::PAYLOAD_TOO_LARGE,
            "Ảnh quá lớn: tối đa 8 MB",
            "The photo is too large: at most 8 MB",
        ),
    ];
    for (i, (what, file, status, vi, en)) in cases.into_iter().enumerate() {
        for english in [false, true] {
            let op = format!("photo-op-bad-{i:02}-{english}");
            let r = send_photo(&t, &uri, &op, file, english).await;
            assert_eq!(r.status, status, "{what}: {}", r.text());
            let text = r.text();
            let says = if english { en } else { vi };
            assert!(text.contains(says), "{what} ({english}): {text}");
            if status == StatusCode::UNPROCESSABLE_ENTITY {
                // The class page, its forms ready, the reason above them.
                assert!(
                    text.contains("role=\"alert\"") && text.contains("id=\"photo-form\""),
                    "{what}: {text}"
                );
                // The photo's form is further down: a link to it, to send another.
                let again = if english {
                    "Take and send the photo again"
                } else {
                    "Chụp và gửi lại ảnh"
                };
                assert!(
                    text.contains(&format!("href=\"#photo-form\">{again}")),
                    "{what}"
                );
            }
            assert!(
                !text.contains("example.com"),
                "a code that is not a card is not shown back"
            );
        }
    }
    assert_eq!(present(&t, &class_uri).await, 0);
    // Someone outside the team has nothing searched: refused.
    let (content_type, body) =
        multipart(&t.admin.1, "photo-op-admin", Some(("image/png", &not_card)));
    let r = t
        .app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(&uri)
                .header(header::CONTENT_TYPE, content_type)
                .header(header::COOKIE, &t.admin.0)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn someone_not_on_the_roster_is_registered_from_a_photo_in_two_taps() {
    let t = team().await;
    let class_uri = class(&t).await;
    let card = "038185012377|123456789|Hà Thị Lan|12031985|Nữ|Thôn Một, xã Hà Trung|15062021";
    let png = bytes(
        &photo(card, 4, 24, (700, 700), (100, 120)),
        ImageFormat::Png,
    );
    let r = send_photo(
        &t,
        &format!("{class_uri}/diem-danh-anh"),
        "photo-op-300001",
        Some(("image/png", &png)),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    assert!(
        page.contains("chưa có trong danh sách người dân của Thôn Một"),
        "{page}"
    );
    // The card read stays in the attendance form, "register from the card" right under the
    // reason: the second tap sends it where a scanned card goes.
    let kept = page
        .split("id=\"card\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert_eq!(kept, card);
    let alert = page.find("role=\"alert\"").unwrap();
    let register = page.find("name=\"register\"").unwrap();
    assert!(register > alert && register < page.find("id=\"card\"").unwrap());
    let op = page
        .split("name=\"op\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let r = form(
        &t.app,
        &format!("{class_uri}/diem-danh"),
        Some(&t.member.0),
        &format!(
            "csrf={}&op={op}&card={}&register=1",
            t.member.1,
            encode(kept)
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.header("location").ends_with("co-mat=moi"));
    assert_eq!(present(&t, &class_uri).await, 1);
}

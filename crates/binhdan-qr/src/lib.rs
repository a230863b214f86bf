//! Reads the QR code printed on a citizen identity card from a photo: the server's fallback for
//! a phone whose browser cannot decode it (JavaScript off, the script failed). The photo is a
//! PNG or JPEG of at most [`Limits::max_bytes`]; its dimensions are read from its header and
//! refused above [`Limits::max_pixels`] before any pixel is decoded, and the decoder may not
//! allocate more than [`Limits::max_alloc`]. The code is searched for on a copy scaled down to
//! [`Limits::search_side`] on its longer side (a phone's 12 MP photo is slow to search whole),
//! then on overlapping crops (a card far from the lens), then at full size when that is
//! small enough. What the code says is returned as it is: the caller parses it as a card.
//!
//! Nothing here panics on any input (`binhdan-fuzz` feeds it mutated photos); the work is
//! CPU-bound, so the web calls it in `spawn_blocking`.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageDecoder as _, ImageFormat, ImageReader};

/// What a photo may be, and how hard it is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file, in bytes.
    pub max_bytes: usize,
    /// Largest image, in pixels (width × height), checked on the header.
    pub max_pixels: u64,
    /// Largest width or height, in pixels.
    pub max_side: u32,
    /// Most memory the image decoder may allocate, in bytes.
    pub max_alloc: u64,
    /// The longer side of the copy searched first, in pixels.
    pub search_side: u32,
    /// Images of at most this many pixels are also searched at full size.
    pub full_search_pixels: u64,
}

impl Limits {
    /// 8 MiB and 40 MP (a phone's photo is 12 MP and 2–6 MB); searched at 1600 pixels, at full
    /// size up to 16 MP.
    pub const DEFAULT: Self = Self {
        max_bytes: 8 * 1024 * 1024,
        max_pixels: 40_000_000,
        max_side: 12_000,
        // 40 MP as RGBA is 160 MB; a 16-bit PNG twice that.
        max_alloc: 384 * 1024 * 1024,
        search_side: 1600,
        full_search_pixels: 16_000_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why no text was read from a photo.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QrError {
    /// No bytes at all.
    #[error("the photo is empty")]
    Empty,
    /// Larger than [`Limits::max_bytes`].
    #[error("the photo has {bytes} bytes, more than {limit}")]
    TooLarge { bytes: usize, limit: usize },
    /// Not a PNG or JPEG, or one that does not decode.
    #[error("not a PNG or JPEG image that can be read")]
    NotAnImage,
    /// Wider, taller or larger than the limits (read from the header, before decoding).
    #[error("the image is {width}×{height} pixels, more than the limit")]
    TooManyPixels { width: u32, height: u32 },
    /// An image in which no QR code could be read.
    #[error("no QR code could be read in the image")]
    NotFound,
}

/// The text of the first QR code read in the photo `bytes` (PNG or JPEG).
///
/// # Errors
/// [`QrError`]: empty, too large (in bytes or pixels), not an image, or no code read.
pub fn decode_card_photo(bytes: &[u8], limits: Limits) -> Result<String, QrError> {
    let grey = grey_image(bytes, limits)?;
    search(&grey, limits).ok_or(QrError::NotFound)
}

/// The photo in shades of grey, its size checked before its pixels are decoded.
fn grey_image(bytes: &[u8], limits: Limits) -> Result<GrayImage, QrError> {
    if bytes.is_empty() {
        return Err(QrError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(QrError::TooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let format = image::guess_format(bytes).map_err(|_| QrError::NotAnImage)?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return Err(QrError::NotAnImage);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // The sides are checked below on the header, so that the refusal can name them; the
    // decoder's own limit bounds what it allocates whatever the header says.
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(decoder_limits);
    let decoder = reader.into_decoder().map_err(|e| refused(&e, None))?;
    let (width, height) = decoder.dimensions();
    if width == 0
        || height == 0
        || width > limits.max_side
        || height > limits.max_side
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(QrError::TooManyPixels { width, height });
    }
    let image =
        DynamicImage::from_decoder(decoder).map_err(|e| refused(&e, Some((width, height))))?;
    Ok(image.into_luma8())
}

/// A decoder's error as ours: a limit reached is the image's size, anything else not an
/// image.
fn refused(e: &image::ImageError, size: Option<(u32, u32)>) -> QrError {
    match (e, size) {
        (image::ImageError::Limits(_), Some((width, height))) => {
            QrError::TooManyPixels { width, height }
        }
        (image::ImageError::Limits(_), None) => QrError::TooManyPixels {
            width: 0,
            height: 0,
        },
        _ => QrError::NotAnImage,
    }
}

/// Searches the scaled-down copy, then overlapping crops, then the full image when small
/// enough: the first text read.
fn search(grey: &GrayImage, limits: Limits) -> Option<String> {
    let (w, h) = grey.dimensions();
    let side = limits.search_side.max(64);
    if let Some(text) = read(&scaled(grey, side)) {
        return Some(text);
    }
    if w.max(h) <= side {
        return None;
    }
    // Four crops, each two thirds of the width and height, overlapping in the middle: a code
    // small in the picture is searched at one and a half times the resolution.
    let (cw, ch) = (w * 2 / 3, h * 2 / 3);
    for (x, y) in [(0, 0), (w - cw, 0), (0, h - ch), (w - cw, h - ch)] {
        let crop = image::imageops::crop_imm(grey, x, y, cw, ch).to_image();
        if let Some(text) = read(&scaled(&crop, side)) {
            return Some(text);
        }
    }
    if u64::from(w) * u64::from(h) <= limits.full_search_pixels {
        return read(grey);
    }
    None
}

/// `grey` scaled so that its longer side is at most `side`.
fn scaled(grey: &GrayImage, side: u32) -> GrayImage {
    let (w, h) = grey.dimensions();
    if w.max(h) <= side {
        return grey.clone();
    }
    let (nw, nh) = if w >= h {
        (side, scale(h, side, w))
    } else {
        (scale(w, side, h), side)
    };
    image::imageops::resize(grey, nw, nh, image::imageops::FilterType::Triangle)
}

/// `value × num / den`, at least 1.
fn scale(value: u32, num: u32, den: u32) -> u32 {
    let scaled = u64::from(value) * u64::from(num) / u64::from(den.max(1));
    u32::try_from(scaled).unwrap_or(num).max(1)
}

/// The first QR code's text in `grey`, if any.
fn read(grey: &GrayImage) -> Option<String> {
    let (w, h) = grey.dimensions();
    let (w, h) = (usize::try_from(w).ok()?, usize::try_from(h).ok()?);
    // The detector is third-party code searching pixels a stranger chose: a panic inside it
    // (none is known; the fuzz target looks for them) is a code not found, not a dead worker.
    std::panic::catch_unwind(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            // In range by construction (x < w, y < h, both from the image).
            grey.get_pixel(u32::try_from(x).unwrap_or(0), u32::try_from(y).unwrap_or(0))
                .0[0]
        });
        prepared
            .detect_grids()
            .into_iter()
            .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
    })
    .ok()
    .flatten()
}

/// Inputs for tests of this crate and of its callers.
#[doc(hidden)]
pub mod testing {
    /// A PNG signature and `IHDR` chunk for an RGB image of `w` × `h`, then an empty `IDAT`
    /// and `IEND`: a header that claims a huge image without its pixels.
    #[must_use]
    pub fn huge_png_header(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, data) in [
            (&b"IHDR"[..], ihdr.as_slice()),
            (b"IDAT", &[]),
            (b"IEND", &[]),
        ] {
            let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc32(&[kind, data].concat()).to_be_bytes());
        }
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffff_u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const CARD: &str =
        "038090012345||Nguyễn Văn A|01011990|Nam|Thôn Một, xã Hà Trung, Thanh Hóa|01072021";

    /// The QR code of `text`, `module` pixels a module, with a quiet zone of `margin` pixels,
    /// on a `canvas` (at least as large), placed at `(x, y)`.
    fn qr(text: &str, module: u32, margin: u32) -> GrayImage {
        let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = u32::try_from(code.width()).unwrap();
        let colors = code.to_colors();
        let side = n * module + 2 * margin;
        GrayImage::from_fn(side, side, |x, y| {
            let inside =
                x >= margin && y >= margin && x < margin + n * module && y < margin + n * module;
            if inside {
                let (cx, cy) = ((x - margin) / module, (y - margin) / module);
                let dark = colors[usize::try_from(cy * n + cx).unwrap()] == qrcode::Color::Dark;
                image::Luma([if dark { 20 } else { 235 }])
            } else {
                image::Luma([235])
            }
        })
    }

    fn encode(image: &GrayImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageLuma8(image.clone())
            .to_rgb8()
            .write_to(&mut out, format)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn a_card_code_is_read_from_png_and_jpeg() {
        let image = qr(CARD, 4, 40);
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let bytes = encode(&image, format);
            assert_eq!(decode_card_photo(&bytes, Limits::default()).unwrap(), CARD);
        }
    }

    #[test]
    fn a_small_code_in_a_large_photo_is_found() {
        // 4000 × 3000 (12 MP), the code 3 pixels a module in a corner: about 1 pixel a module
        // once scaled to 1600, read on a crop or at full size.
        let code = qr(CARD, 3, 12);
        let mut photo = GrayImage::from_pixel(4000, 3000, image::Luma([200]));
        image::imageops::replace(&mut photo, &code, 3500, 2500);
        let bytes = encode(&photo, ImageFormat::Jpeg);
        assert_eq!(decode_card_photo(&bytes, Limits::default()).unwrap(), CARD);
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let limits = Limits::default();
        assert_eq!(decode_card_photo(b"", limits), Err(QrError::Empty));
        assert_eq!(
            decode_card_photo(b"Ho va ten,So CCCD\n", limits),
            Err(QrError::NotAnImage)
        );
        let blank = encode(
            &GrayImage::from_pixel(300, 200, image::Luma([255])),
            ImageFormat::Png,
        );
        assert_eq!(decode_card_photo(&blank, limits), Err(QrError::NotFound));
        let small = Limits {
            max_bytes: 10,
            ..limits
        };
        assert_eq!(
            decode_card_photo(&blank, small),
            Err(QrError::TooLarge {
                bytes: blank.len(),
                limit: 10
            })
        );
        // A PNG cut after its header: not an image.
        assert_eq!(
            decode_card_photo(&blank[..40], limits),
            Err(QrError::NotAnImage)
        );
    }

    /// A PNG whose header says 30000 × 30000 (900 MP, 2.7 GB as RGB) is refused on its
    /// header, before anything of that size is allocated.
    #[test]
    fn a_huge_image_is_refused_on_its_header() {
        let bytes = crate::testing::huge_png_header(30_000, 30_000);
        assert_eq!(
            decode_card_photo(&bytes, Limits::default()),
            Err(QrError::TooManyPixels {
                width: 30_000,
                height: 30_000
            })
        );
        // Within each side's limit but not in area.
        let bytes = crate::testing::huge_png_header(10_000, 10_000);
        assert!(matches!(
            decode_card_photo(&bytes, Limits::default()),
            Err(QrError::TooManyPixels { .. })
        ));
    }
}

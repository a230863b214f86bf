//! Static assets, embedded in the binary and served with a long cache lifetime: their URLs
//! carry a hash of their content, so a new version is a new URL.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub const CSS: &str = include_str!("../static/app.css");
/// The read-aloud button's script ("Nghe"): progressive enhancement of lesson pages.
pub const JS: &str = include_str!("../static/nghe.js");

/// A short content hash for cache-busting URLs (FNV-1a, hex).
const fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// The bridge-point host's script: check-ins queue in the browser and go out when the
/// network allows (progressive enhancement of the host page's forms).
pub const HOST_JS: &str = include_str!("../static/diem-cau.js");
/// The live screen's script: the figures follow the server's events.
pub const LIVE_JS: &str = include_str!("../static/truc-tiep.js");

/// Learning offline: the queue and the pages' part (the service worker loads it too).
pub const OFFLINE_JS: &str = include_str!("../static/ngoai-tuyen.js");
/// The class page's card scanner: the rear camera or a photo, decoded in the browser
/// (progressive enhancement of the attendance form).
pub const SCAN_JS: &str = include_str!("../static/quet-the.js");
/// The QR decoder the scanner loads when first used: jsQR 1.4.0 from npm, unchanged
/// (Apache-2.0; its origin and hash in `static/jsqr.md`).
pub const JSQR_JS: &str = include_str!("../static/jsqr.js");
/// The service worker, before the server fills in the current assets' URLs.
const SW_JS: &str = include_str!("../static/sw.js");
/// The icons of the installed app (Android's home screen).
const ICON_192: &[u8] = include_bytes!("../static/icon-192.png");
const ICON_512: &[u8] = include_bytes!("../static/icon-512.png");
const OFFLINE_JS_HASH: u64 = fnv(OFFLINE_JS.as_bytes());
const ICON_192_HASH: u64 = fnv(ICON_192);
const ICON_512_HASH: u64 = fnv(ICON_512);

/// The offline script's URL, with its hash.
#[must_use]
pub fn offline_js_url() -> String {
    format!("/static/ngoai-tuyen.{OFFLINE_JS_HASH:016x}.js")
}

/// The app icon's URL (192 or 512 pixels square), with its hash.
#[must_use]
pub fn icon_url(large: bool) -> String {
    if large {
        format!("/static/icon-512.{ICON_512_HASH:016x}.png")
    } else {
        format!("/static/icon-192.{ICON_192_HASH:016x}.png")
    }
}

/// The service worker's script: the queue's URL and what it keeps from the start (the
/// stylesheet, the scripts, the offline page and the course list).
#[must_use]
pub fn service_worker() -> String {
    let precache = [
        css_url(),
        js_url(),
        offline_js_url(),
        "/ngoai-tuyen".to_owned(),
        "/hoc".to_owned(),
    ];
    let list = precache
        .iter()
        .map(|u| format!("'{u}'"))
        .collect::<Vec<_>>()
        .join(", ");
    SW_JS
        .replace("'__QUEUE_URL__'", &format!("'{}'", offline_js_url()))
        .replace("__PRECACHE__", &format!("[{list}]"))
}

pub const CSS_HASH: u64 = fnv(CSS.as_bytes());
pub const JS_HASH: u64 = fnv(JS.as_bytes());
const HOST_JS_HASH: u64 = fnv(HOST_JS.as_bytes());
const LIVE_JS_HASH: u64 = fnv(LIVE_JS.as_bytes());
const SCAN_JS_HASH: u64 = fnv(SCAN_JS.as_bytes());
const JSQR_JS_HASH: u64 = fnv(JSQR_JS.as_bytes());

/// The stylesheet's URL, with its hash.
#[must_use]
pub fn css_url() -> String {
    format!("/static/app.{CSS_HASH:016x}.css")
}

/// The read-aloud script's URL, with its hash.
#[must_use]
pub fn js_url() -> String {
    format!("/static/nghe.{JS_HASH:016x}.js")
}

/// The host page's script's URL, with its hash.
#[must_use]
pub fn host_js_url() -> String {
    format!("/static/diem-cau.{HOST_JS_HASH:016x}.js")
}

/// The live screen's script's URL, with its hash.
#[must_use]
pub fn live_js_url() -> String {
    format!("/static/truc-tiep.{LIVE_JS_HASH:016x}.js")
}

/// The card scanner's URL, with its hash.
#[must_use]
pub fn scan_js_url() -> String {
    format!("/static/quet-the.{SCAN_JS_HASH:016x}.js")
}

/// The QR decoder's URL, with its hash.
#[must_use]
pub fn jsqr_js_url() -> String {
    format!("/static/jsqr.{JSQR_JS_HASH:016x}.js")
}

/// The stylesheet or the script, if `requested` is its current URL.
pub fn static_response(requested: &str) -> Response {
    let (body, content_type): (&'static [u8], _) = if requested == css_url() {
        (CSS.as_bytes(), "text/css; charset=utf-8")
    } else if requested == js_url() {
        (JS.as_bytes(), "text/javascript; charset=utf-8")
    } else if requested == host_js_url() {
        (HOST_JS.as_bytes(), "text/javascript; charset=utf-8")
    } else if requested == live_js_url() {
        (LIVE_JS.as_bytes(), "text/javascript; charset=utf-8")
    } else if requested == scan_js_url() {
        (SCAN_JS.as_bytes(), "text/javascript; charset=utf-8")
    } else if requested == jsqr_js_url() {
        (JSQR_JS.as_bytes(), "text/javascript; charset=utf-8")
    } else if requested == offline_js_url() {
        (OFFLINE_JS.as_bytes(), "text/javascript; charset=utf-8")
    } else if requested == icon_url(false) {
        (ICON_192, "image/png")
    } else if requested == icon_url(true) {
        (ICON_512, "image/png")
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    r
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    /// The decoder shipped is jsQR 1.4.0's `dist/jsQR.js` as published, byte for byte (its
    /// hash is recorded in `static/jsqr.md`, with the licence beside it).
    #[test]
    fn the_qr_decoder_is_the_published_one() {
        let sum = hex::encode(Sha256::digest(super::JSQR_JS.as_bytes()));
        assert_eq!(
            sum,
            "bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859"
        );
        let notes = include_str!("../static/jsqr.md");
        assert!(notes.contains(&sum), "static/jsqr.md records another hash");
        assert!(include_str!("../static/jsqr.LICENSE").contains("Apache License"));
    }

    /// Each asset answers at its own URL, with a long cache lifetime, and an old hash is
    /// not found.
    #[test]
    fn scanner_and_decoder_are_served() {
        for (url, body) in [
            (super::scan_js_url(), super::SCAN_JS),
            (super::jsqr_js_url(), super::JSQR_JS),
        ] {
            let r = super::static_response(&url);
            assert_eq!(r.status(), axum::http::StatusCode::OK, "{url}");
            assert!(
                r.headers()[axum::http::header::CACHE_CONTROL]
                    .to_str()
                    .is_ok_and(|v| v.contains("immutable"))
            );
            assert!(!body.is_empty());
        }
        assert_eq!(
            super::static_response("/static/jsqr.0000000000000000.js").status(),
            axum::http::StatusCode::NOT_FOUND
        );
    }
}

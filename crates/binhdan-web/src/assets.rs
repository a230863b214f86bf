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

pub const CSS_HASH: u64 = fnv(CSS.as_bytes());
pub const JS_HASH: u64 = fnv(JS.as_bytes());
const HOST_JS_HASH: u64 = fnv(HOST_JS.as_bytes());
const LIVE_JS_HASH: u64 = fnv(LIVE_JS.as_bytes());

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

/// The stylesheet or the script, if `requested` is its current URL.
pub fn static_response(requested: &str) -> Response {
    let (body, content_type) = if requested == css_url() {
        (CSS, "text/css; charset=utf-8")
    } else if requested == js_url() {
        (JS, "text/javascript; charset=utf-8")
    } else if requested == host_js_url() {
        (HOST_JS, "text/javascript; charset=utf-8")
    } else if requested == live_js_url() {
        (LIVE_JS, "text/javascript; charset=utf-8")
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

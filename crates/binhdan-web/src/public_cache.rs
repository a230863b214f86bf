//! Public pages answered from memory for readers who are not signed in.
//!
//! The home page, a unit's page, unit search, the course list, a lesson and the verification
//! form are the same for every anonymous reader who asks for the same address in the same
//! language, with the same reading preferences and the same accepted encodings. Such a
//! reader is answered, for [`PUBLIC_TTL`], with the bytes rendered and compressed for the
//! first one: a launch-day crowd costs one render per page and variant every few seconds,
//! not one per request (the profile showed the SQL of the figures, the templates and gzip
//! sharing the time; see ARCHITECTURE.md). When the entry is stale, one request renders it
//! again while the others are served the previous copy (see `binhdan_app::cache`).
//!
//! Never cached: a request carrying a session cookie (the header shows who is signed in;
//! the lesson page shows their progress), anything but `GET`, an answer that is not
//! `200 OK` or that sets a cookie (a language or preference just chosen), and a body over
//! [`MAX_BODY`]. Pages about people are never public, so they never come here.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use binhdan_app::cache::{Lookup, TtlCache};
use binhdan_i18n::Lang;

use crate::AppState;

/// How long a rendered public page is served to anonymous readers (its figures are at most
/// this old, plus the figures cache's own [`binhdan_app::public::FIGURES_TTL`]).
pub const PUBLIC_TTL: Duration = Duration::from_secs(2);

/// At most this many page variants are kept (search pages vary by query).
const CAPACITY: usize = 4_096;

/// A page larger than this is not kept (public pages are a few tens of KB).
const MAX_BODY: usize = 512 * 1024;

/// Longer queries or `Accept-Encoding` headers are not worth a key of their own.
const MAX_KEY_PART: usize = 200;

/// What an anonymous reader's page depends on.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    path_and_query: String,
    lang: Lang,
    large_text: bool,
    high_contrast: bool,
    accept_encoding: String,
}

/// A rendered (and compressed) page.
#[derive(Clone)]
pub struct CachedPage {
    headers: HeaderMap,
    body: Bytes,
}

impl CachedPage {
    fn response(self) -> Response {
        let mut r = Response::new(Body::from(self.body));
        *r.headers_mut() = self.headers;
        r
    }
}

/// The pages kept for anonymous readers.
pub struct PublicPages {
    pages: TtlCache<PageKey, CachedPage>,
}

impl Default for PublicPages {
    fn default() -> Self {
        Self {
            pages: TtlCache::new(PUBLIC_TTL, CAPACITY),
        }
    }
}

/// Whether the address is one of the public pages kept.
fn cacheable(path: &str) -> bool {
    matches!(path, "/" | "/hoc" | "/tim-kiem" | "/xac-minh")
        || path
            .strip_prefix("/don-vi/")
            .is_some_and(|rest| !rest.contains('/'))
        || path
            .strip_prefix("/bai/")
            .is_some_and(|rest| !rest.contains('/'))
}

/// The key of an anonymous reader's request for a public page, or `None` when it is not
/// served from memory.
fn key_of(state: &AppState, request: &Request) -> Option<PageKey> {
    if request.method() != Method::GET || !cacheable(request.uri().path()) {
        return None;
    }
    let headers = request.headers();
    if crate::prefs::cookie_value(headers, &state.auth.cookie.cookie_name()).is_some() {
        return None;
    }
    let path_and_query = request.uri().path_and_query()?.as_str();
    let accept_encoding = match headers.get(header::ACCEPT_ENCODING) {
        Some(v) => v.to_str().ok()?,
        None => "",
    };
    if path_and_query.len() > MAX_KEY_PART || accept_encoding.len() > MAX_KEY_PART {
        return None;
    }
    let query = request.uri().query();
    let prefs = crate::prefs::Prefs::of(headers, query);
    Some(PageKey {
        path_and_query: path_and_query.to_owned(),
        lang: crate::lang::ReqLang::of(headers, query),
        large_text: prefs.large_text,
        high_contrast: prefs.high_contrast,
        accept_encoding: accept_encoding.to_owned(),
    })
}

/// Serves public pages to anonymous readers from memory, rendering each at most once per
/// [`PUBLIC_TTL`] (see the module's documentation).
pub async fn serve(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = key_of(&state, &request) else {
        return next.run(request).await;
    };
    let cache = &state.public.pages;
    let now = state.clock.now();
    match cache.lookup(&key, now) {
        Lookup::Fresh(page) | Lookup::Stale(page) => {
            metrics::counter!("public_page_cache_total", "result" => "hit").increment(1);
            page.response()
        }
        Lookup::Load => {
            metrics::counter!("public_page_cache_total", "result" => "miss").increment(1);
            let response = next.run(request).await;
            if response.status() != StatusCode::OK
                || response.headers().contains_key(header::SET_COOKIE)
            {
                cache.release(&key);
                return response;
            }
            let (parts, body) = response.into_parts();
            // Our own page, already rendered in memory: reading it whole costs no more.
            let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
                cache.release(&key);
                return internal_error();
            };
            if body.len() <= MAX_BODY {
                let page = CachedPage {
                    headers: parts.headers.clone(),
                    body: body.clone(),
                };
                cache.insert(key, page, now);
            } else {
                cache.release(&key);
            }
            Response::from_parts(parts, Body::from(body))
        }
    }
}

/// A page whose body failed while being read (a template error midway): nothing to send.
fn internal_error() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    r
}

#[cfg(test)]
mod tests {
    use super::cacheable;

    #[test]
    fn only_the_public_pages_are_kept() {
        for p in [
            "/",
            "/hoc",
            "/tim-kiem",
            "/xac-minh",
            "/don-vi/38",
            "/bai/x.y",
        ] {
            assert!(cacheable(p), "{p}");
        }
        for p in [
            "/toi",
            "/hoc/cong-dan",
            "/quan-ly",
            "/don-vi/38/x",
            "/api/v1/units",
        ] {
            assert!(!cacheable(p), "{p}");
        }
    }
}

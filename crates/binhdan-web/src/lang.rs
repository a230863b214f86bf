//! The reader's language: `?lang=en|vi` first, then the language they chose before (the
//! `lang` cookie, set when they follow a language link), then the `Accept-Language` header;
//! Vietnamese by default.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use binhdan_i18n::Lang;

/// Extracts the reader's [`Lang`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ReqLang(pub Lang);

impl ReqLang {
    #[must_use]
    pub fn of(headers: &axum::http::HeaderMap, query: Option<&str>) -> Lang {
        Self::chosen(query)
            .or_else(|| Self::remembered(headers))
            .unwrap_or_else(|| {
                Lang::from_accept_language(
                    headers
                        .get(axum::http::header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok()),
                )
            })
    }
}

/// The name of the cookie that remembers the reader's choice.
pub const COOKIE: &str = "lang";

impl ReqLang {
    /// The language asked for in the query string (`?lang=en`).
    #[must_use]
    pub fn chosen(query: Option<&str>) -> Option<Lang> {
        query.and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("lang="))
                .and_then(Lang::parse)
        })
    }

    fn remembered(headers: &axum::http::HeaderMap) -> Option<Lang> {
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| c.trim().strip_prefix("lang=").and_then(Lang::parse))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(Self::of(&parts.headers, parts.uri.query())))
    }
}

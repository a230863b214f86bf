//! The reader's language: `?lang=en|vi` first, then the `Accept-Language` header; Vietnamese
//! by default.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use binhdan_i18n::Lang;

/// Extracts the reader's [`Lang`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ReqLang(pub Lang);

impl ReqLang {
    #[must_use]
    pub fn of(parts: &axum::http::HeaderMap, query: Option<&str>) -> Lang {
        let from_query = query.and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("lang="))
                .and_then(Lang::parse)
        });
        from_query.unwrap_or_else(|| {
            Lang::from_accept_language(
                parts
                    .get(axum::http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(Self::of(&parts.headers, parts.uri.query())))
    }
}

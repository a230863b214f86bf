//! Reading preferences of people with weak eyes or old phones: large text and high contrast.
//! Chosen with a link (`?chu=lon`, `?tuong-phan=cao`; `…=thuong` to undo), remembered in a
//! cookie, applied by the server as classes on `<body>`: no JavaScript needed.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prefs {
    pub large_text: bool,
    pub high_contrast: bool,
}

/// (query parameter, cookie, value that turns it on)
const TEXT: (&str, &str) = ("chu", "lon");
const CONTRAST: (&str, &str) = ("tuong-phan", "cao");

fn query_value<'q>(query: Option<&'q str>, name: &str) -> Option<&'q str> {
    query?.split('&').find_map(|kv| {
        kv.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
    })
}

/// The value of the request's cookie `name`, if any.
pub(crate) fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
        })
}

impl Prefs {
    #[must_use]
    pub fn of(headers: &HeaderMap, query: Option<&str>) -> Self {
        let on = |(name, value): (&str, &str)| {
            query_value(query, name)
                .or_else(|| cookie_value(headers, name))
                .is_some_and(|v| v == value)
        };
        Self {
            large_text: on(TEXT),
            high_contrast: on(CONTRAST),
        }
    }

    /// The cookies to set for preferences chosen in this request's query.
    pub fn chosen_cookies(query: Option<&str>) -> impl Iterator<Item = (&'static str, String)> {
        [TEXT.0, CONTRAST.0].into_iter().filter_map(move |name| {
            let v = query_value(query, name)?;
            v.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-')
                .then(|| (name, v.to_owned()))
        })
    }

    /// Classes for `<body>`.
    #[must_use]
    pub fn body_class(self) -> &'static str {
        match (self.large_text, self.high_contrast) {
            (false, false) => "",
            (true, false) => "large",
            (false, true) => "contrast",
            (true, true) => "large contrast",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Prefs {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.headers, parts.uri.query()))
    }
}

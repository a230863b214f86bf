//! Errors as the reader sees them. Every refusal is a [`Problem`]: a status, a message key
//! with its arguments and, for files, the rows and columns at fault. Handlers and extractors
//! return it; the [`localize`] middleware renders it once, in the reader's language, as JSON
//! under `/api/` and as an HTML page elsewhere. Bare error statuses from the framework (no
//! route, wrong method, timeout, body too large, refused cross-site request) get the same
//! treatment, so nothing reaches a person as an English one-liner.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use binhdan_core::import::RowError;
use binhdan_core::{Localized, Msg};
use binhdan_i18n::Lang;
use serde::Serialize;
use utoipa::ToSchema;

use crate::lang::ReqLang;

#[derive(Clone, Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub msg: Msg,
    pub rows: Vec<RowError>,
    /// Seconds after which the same request may succeed (`Retry-After`): the database busy,
    /// the disk full, too many attempts.
    pub retry_after: Option<u64>,
}

impl Problem {
    #[must_use]
    pub fn new(status: StatusCode, msg: Msg) -> Self {
        Self {
            status,
            msg,
            rows: Vec::new(),
            retry_after: None,
        }
    }

    #[must_use]
    pub fn not_found(msg: impl Localized) -> Self {
        Self::new(StatusCode::NOT_FOUND, msg.msg())
    }

    #[must_use]
    pub fn bad_request(msg: impl Localized) -> Self {
        Self::new(StatusCode::BAD_REQUEST, msg.msg())
    }

    /// A file whose rows are at fault: 422 with every row error.
    #[must_use]
    pub fn rows(msg: Msg, rows: Vec<RowError>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            msg,
            rows,
            retry_after: None,
        }
    }

    /// An unexpected failure: logged here, once, with its cause; the reader gets a generic
    /// message.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Msg::new("error-internal"),
        )
    }

    /// Says when to try again.
    #[must_use]
    pub const fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// A failed write of a file of ours: a full disk is said as such (507), anything else is
    /// unexpected.
    pub fn io(e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            tracing::error!(error = %e, "write refused: storage full");
            Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                Msg::new("error-storage-full"),
            )
            .retry_after(60)
        } else {
            Self::internal(e)
        }
    }

    pub(crate) fn body(&self, lang: Lang) -> ProblemBody {
        ProblemBody {
            error: ProblemDetail {
                code: self.msg.key.to_owned(),
                message: lang.tr(&self.msg),
                rows: self
                    .rows
                    .iter()
                    .map(|r| RowProblem {
                        row: r.row,
                        column: r.column.clone(),
                        message: lang.tr(&r.msg),
                    })
                    .collect(),
            },
        }
    }
}

impl From<binhdan_store::StoreError> for Problem {
    fn from(e: binhdan_store::StoreError) -> Self {
        use binhdan_store::StoreError;
        match e {
            // Nothing was kept: say so, and when to try again, rather than a generic 500.
            StoreError::Full(cause) => {
                tracing::error!(error = %cause, "write refused: storage full");
                Self::new(
                    StatusCode::INSUFFICIENT_STORAGE,
                    Msg::new("error-storage-full"),
                )
                .retry_after(60)
            }
            StoreError::Busy(cause) => {
                tracing::warn!(error = %cause, "database busy");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, Msg::new("error-busy")).retry_after(5)
            }
            // What a handler checked is gone by the time it writes (deleted, retired, disabled
            // in between): the same answer as when the handler finds it missing.
            StoreError::NotFound(entity) => Self::new(StatusCode::NOT_FOUND, not_found(entity)),
            e => Self::internal(&e),
        }
    }
}

/// The message for something the store did not find, as the pages that look for it say it.
fn not_found(entity: binhdan_store::Entity) -> Msg {
    use binhdan_store::Entity;
    Msg::new(match entity {
        Entity::Event => "event-not-found",
        Entity::BridgePoint => "point-not-found",
        Entity::Organisation => "org-not-found",
        Entity::Person => "people-not-found",
        Entity::Course | Entity::Module | Entity::Lesson => "learn-not-found",
        Entity::Unit
        | Entity::Commune
        | Entity::Village
        | Entity::StaffAccount
        | Entity::Host
        | Entity::Class
        | Entity::AssistedSitting => "error-not-found",
    })
}

impl From<binhdan_app::revocation::RevokeError> for Problem {
    fn from(e: binhdan_app::revocation::RevokeError) -> Self {
        use binhdan_app::revocation::RevokeError;
        let status = match e {
            RevokeError::Store(s) => return s.into(),
            RevokeError::NotFound => StatusCode::NOT_FOUND,
            RevokeError::Forbidden => StatusCode::FORBIDDEN,
            RevokeError::Reason { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self::new(status, e.msg())
    }
}

impl From<binhdan_app::person::ViewError> for Problem {
    fn from(e: binhdan_app::person::ViewError) -> Self {
        use binhdan_app::person::ViewError;
        match e {
            ViewError::Store(s) => s.into(),
            ViewError::NotFound => Self::new(StatusCode::NOT_FOUND, e.msg()),
            ViewError::Forbidden => Self::new(StatusCode::FORBIDDEN, e.msg()),
            ViewError::Vault(_) => Self::new(StatusCode::INTERNAL_SERVER_ERROR, e.msg()),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The JSON body of an error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemBody {
    pub error: ProblemDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetail {
    /// A stable, machine-readable code (the message key), e.g. `unit-unknown`.
    pub code: String,
    /// The message in the reader's language (`Accept-Language`; Vietnamese by default).
    pub message: String,
    /// For files: every row at fault, with its column.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowProblem {
    /// The row as a spreadsheet numbers it (the header is row 1).
    pub row: usize,
    /// The column's header as written in the file.
    pub column: String,
    pub message: String,
}

/// Refuses a search text longer than [`binhdan_core::text::MAX_SEARCH_CHARS`] (twice that,
/// counting the spaces and marks a search ignores): 400, saying how long it may be.
pub fn check_search(text: &str) -> Result<(), Problem> {
    let max = 2 * binhdan_core::text::MAX_SEARCH_CHARS;
    if text.chars().count() > max {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            Msg::new("error-search-too-long").arg("max", max),
        ));
    }
    Ok(())
}

/// The message for a bare error status from the framework.
fn bare_status_msg(response: &Response) -> Option<Msg> {
    if response
        .extensions()
        .get::<tower_http::csrf::ProtectionError>()
        .is_some()
    {
        return Some(Msg::new("error-cross-site"));
    }
    let key = match response.status() {
        StatusCode::NOT_FOUND => "error-not-found",
        StatusCode::METHOD_NOT_ALLOWED => "error-method",
        StatusCode::REQUEST_TIMEOUT => "error-timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "error-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "error-media-type",
        StatusCode::INTERNAL_SERVER_ERROR => "error-internal",
        _ => return None,
    };
    Some(Msg::new(key))
}

/// Renders problems in the reader's language. Inside it, each request is counted and timed
/// ([`crate::observe::track`]): refusals by the CSRF check and timeouts included.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = ReqLang::of(request.headers(), request.uri().query());
    // The JSON API and the VC API answer JSON problems whatever the client accepts.
    let api = request.uri().path().starts_with("/api/")
        || request.uri().path().starts_with("/credentials/")
        || request.uri().path().starts_with("/presentations/");
    let mut response = crate::observe::track(request, next).await;
    let problem = match response.extensions_mut().remove::<Problem>() {
        Some(p) => p,
        None => match bare_status_msg(&response) {
            Some(msg)
                if response.status().is_client_error() || response.status().is_server_error() =>
            {
                Problem::new(response.status(), msg)
            }
            _ => return response,
        },
    };
    let body = problem.body(lang);
    let mut out = if api {
        (problem.status, axum::Json(body)).into_response()
    } else {
        (problem.status, Html(crate::pages::error_page(lang, &body))).into_response()
    };
    if let Ok(v) = lang.tag().parse() {
        out.headers_mut().insert(header::CONTENT_LANGUAGE, v);
    }
    if let Some(seconds) = problem.retry_after {
        out.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    out
}

/// `axum::Json` whose refusals are problems.
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Msg::new("error-media-type"),
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::new("error-json-data").arg("detail", e.body_text()),
            )),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Msg::new("error-too-large"),
            )),
            Err(e) => Err(Problem::new(
                StatusCode::BAD_REQUEST,
                Msg::new("error-json-syntax").arg("detail", e.body_text()),
            )),
        }
    }
}

/// An extractor of request parts wrapped so that its refusal is a [`Problem`]: 400 with the
/// message `$key` and the framework's detail.
macro_rules! parts_extractor {
    ($(#[$doc:meta])* $name:ident, $inner:path, $key:literal, $($bound:tt)+) => {
        $(#[$doc])*
        pub struct $name<T>(pub T);

        impl<T, S> FromRequestParts<S> for $name<T>
        where
            T: $($bound)+,
            S: Send + Sync,
        {
            type Rejection = Problem;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                <$inner>::from_request_parts(parts, state)
                    .await
                    .map(|v| Self(v.0))
                    .map_err(|e| {
                        Problem::new(StatusCode::BAD_REQUEST, Msg::new($key).arg("detail", e.body_text()))
                    })
            }
        }
    };
}

parts_extractor!(
    /// `axum::extract::Path` whose refusals are problems: a path segment that is not what the
    /// route takes (not UTF-8, not a number) answers 400 in the reader's language.
    Path,
    axum::extract::Path<T>,
    "error-path",
    serde::de::DeserializeOwned + Send
);

parts_extractor!(
    /// `axum::extract::Query` whose refusals are problems.
    Query,
    axum::extract::Query<T>,
    "error-query",
    serde::de::DeserializeOwned
);

/// `axum::Form` whose refusals are problems: a missing or malformed field answers 422 (415
/// without the form's content type), in the reader's language.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::FormRejection;
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Self(v)),
            Err(FormRejection::InvalidFormContentType(_)) => Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Msg::new("error-form-type"),
            )),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Msg::new("error-too-large"),
            )),
            Err(e) => Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::new("error-form").arg("detail", e.body_text()),
            )),
        }
    }
}

/// `axum::extract::Multipart` whose refusals are problems: a body that is not
/// `multipart/form-data` answers 415, one without its boundary 400, in the reader's language.
/// Reading its parts goes through [`Multipart::next_field`], whose failures (a body cut off,
/// malformed, larger than the import limit) are problems too. Every route that takes one sits
/// under the import limit (`routes.rs`), which the refusal of a large upload states.
pub struct Multipart {
    inner: axum::extract::Multipart,
    limit: usize,
}

impl FromRequest<crate::AppState> for Multipart {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &crate::AppState) -> Result<Self, Self::Rejection> {
        let essence = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        if essence != "multipart/form-data" {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Msg::new("upload-media-type"),
            ));
        }
        let limit = state.config.import_limit_bytes;
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(|inner| Self { inner, limit })
            .map_err(|_| Problem::bad_request(Msg::new("upload-no-boundary")))
    }
}

impl Multipart {
    /// The next part of the body, or `None` after the last.
    pub async fn next_field(
        &mut self,
    ) -> Result<Option<axum::extract::multipart::Field<'_>>, Problem> {
        let limit = self.limit;
        self.inner
            .next_field()
            .await
            .map_err(|e| upload_problem(&e, limit))
    }

    /// The largest body the route takes, in bytes (for [`upload_problem`]).
    #[must_use]
    pub const fn limit(&self) -> usize {
        self.limit
    }

    /// The same body under a route whose limit is `limit` rather than the import limit (a
    /// class's photo of a card): its refusal of a large body states that.
    #[must_use]
    pub const fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }
}

/// The problem for a multipart body that could not be read: larger than `limit` (413), cut off
/// before its end (400: send it again), or otherwise malformed (400). The framework's
/// English detail is not passed on.
#[must_use]
pub fn upload_problem(e: &axum::extract::multipart::MultipartError, limit: usize) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::new("upload-too-large").arg("size", byte_size(limit)),
        );
    }
    let cause = std::error::Error::source(e).and_then(|c| c.downcast_ref::<multer::Error>());
    let key = match cause {
        // The body ended inside a part, or stopped coming (the client went, the connection
        // broke). multer says `IncompleteStream` both for a body cut off between parts and
        // for one whose boundaries do not match: that is the malformed one, which the message
        // says may be incomplete.
        Some(
            multer::Error::IncompleteFieldData { .. }
            | multer::Error::IncompleteHeaders
            | multer::Error::StreamReadFailed(_),
        ) => "upload-truncated",
        _ => "upload-malformed",
    };
    Problem::bad_request(Msg::new(key))
}

/// A size in bytes as people read it: `16 MB`, `64 KB`, `900 B`.
pub(crate) fn byte_size(bytes: usize) -> String {
    const KB: usize = 1024;
    if bytes >= KB * KB && bytes.is_multiple_of(KB * KB) {
        format!("{} MB", bytes / (KB * KB))
    } else if bytes >= KB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use binhdan_store::{Entity, StoreError};

    use super::Problem;

    /// What a handler checked but the store no longer finds (deleted, retired or disabled in
    /// between) is the page's own 404, not a 500; a corrupt row stays a 500.
    #[test]
    fn a_store_not_found_is_the_pages_404_and_a_corrupt_row_a_500() {
        for (entity, key) in [
            (Entity::Event, "event-not-found"),
            (Entity::BridgePoint, "point-not-found"),
            (Entity::Lesson, "learn-not-found"),
            (Entity::Host, "error-not-found"),
        ] {
            let p = Problem::from(StoreError::NotFound(entity));
            assert_eq!((p.status, p.msg.key), (StatusCode::NOT_FOUND, key));
        }
        let p = Problem::from(StoreError::Corrupt {
            table: "event",
            detail: "kind \"x\"".into(),
        });
        assert_eq!(
            (p.status, p.msg.key),
            (StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        );
    }
}

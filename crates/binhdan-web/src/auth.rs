//! Who is calling. For now one principal besides the anonymous public: the operator, a
//! program holding the bearer token of the configuration (imports, edits by scripts). Staff
//! accounts with roles scoped to units come with sign-in; they will be further variants of
//! [`Caller`], and every write route already goes through [`Operator`].

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use binhdan_core::Msg;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::problem::Problem;

/// Proof that the request carries the operator token. Scope: the whole installation.
#[derive(Clone, Copy, Debug)]
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(expected) = &state.config.operator_token else {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                Msg::new("error-write-api-closed"),
            ));
        };
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if given.is_empty() {
            return Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                Msg::new("error-unauthorized"),
            ));
        }
        if bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
            Ok(Self)
        } else {
            tracing::warn!("refused a write with a wrong operator token");
            Err(Problem::new(
                StatusCode::FORBIDDEN,
                Msg::new("error-forbidden"),
            ))
        }
    }
}

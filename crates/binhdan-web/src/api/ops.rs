//! Operations endpoints: liveness, readiness, metrics, and the OpenAPI document.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "Alive", content_type = "text/plain")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// How long readiness waits for the database before saying no: a probe must answer promptly
/// even while the database hangs.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Readiness: the database answers a read and commits a small write.
///
/// A full disk still answers reads, and a server that cannot write must leave the load
/// balancer.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, description = "Ready", content_type = "text/plain"), (status = 503, description = "The database does not answer or cannot write", content_type = "text/plain")))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let unavailable = |body: &'static str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            body,
        )
            .into_response()
    };
    match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            return unavailable("database unavailable");
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer in time");
            return unavailable("database unavailable");
        }
    }
    // A writer busy with a long import is working, not broken: only a write that fails says
    // the server cannot write.
    match tokio::time::timeout(READY_TIMEOUT, state.store.probe_write(state.clock.now())).await {
        Ok(Ok(())) => "ready".into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the database cannot write");
            unavailable("database cannot write")
        }
        Err(_) => "ready (the writer is busy)".into_response(),
    }
}

/// Prometheus metrics: request counts and latency histograms by route, method and status.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// This document: OpenAPI 3.1, listing every route of the server.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "ops", responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| {
        crate::routes::openapi()
            .to_pretty_json()
            .unwrap_or_default()
    });
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str()).into_response()
}

//! One id per request, in every log line the request causes and in the response, so that
//! a request can be followed from the load balancer through whichever node served it.
//! An id the load balancer set (HAProxy's `unique-id-header X-Request-Id`) is kept; a
//! request without one gets a fresh UUID.

use axum::http::{HeaderName, Request};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

/// The header carrying the id, both ways.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Sets the id on requests that arrive without one.
pub fn set() -> SetRequestIdLayer<MakeRequestUuid> {
    SetRequestIdLayer::new(HEADER, MakeRequestUuid)
}

/// Copies the id onto the response.
pub fn propagate() -> PropagateRequestIdLayer {
    PropagateRequestIdLayer::new(HEADER)
}

/// The span every request's log lines belong to: method, path (never the query string,
/// which can carry ID numbers and references) and the request id.
pub fn span<B>(request: &Request<B>) -> tracing::Span {
    let id = request.headers().get(&HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
}

//! Prometheus metrics: request counts and latencies per route, plus whatever the jobs record.

use axum::extract::{Extension, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use super::client_ip::ClientIp;
use crate::app::App;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once (tests start many apps in one process).
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|()| handle)
        })
        .as_ref()
}

/// The method as a label: the standard ones by name, anything a client invents as
/// `other`, so no caller can add series to the metrics.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::HEAD, Method::OPTIONS]
        .into_iter()
        .zip(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
        .find(|(known, _)| known == method)
        .map_or("other", |(_, label)| label)
}

/// Records each request. Every label comes from a closed set: the route template (or
/// `unmatched`), the method label and the status code the server chose.
pub async fn track(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = method_label(request.method());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("huduma_http_requests_total", "route" => route.clone(), "method" => method, "status" => status).increment(1);
    metrics::histogram!("huduma_http_request_seconds", "route" => route).record(start.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`, only for the addresses in `HUDUMA_METRICS_ALLOWED`, judged by the
/// client's address (behind a trusted proxy, the address the proxy names), never by the
/// proxy's own. Anyone else gets the ordinary "not found".
pub async fn render(State(app): State<Arc<App>>, Extension(ClientIp(client)): Extension<ClientIp>) -> Response {
    if !app.config.metrics_allowed.iter().any(|range| range.contains(client)) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match install() {
        Some(handle) => handle.render().into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics recorder not installed").into_response(),
    }
}

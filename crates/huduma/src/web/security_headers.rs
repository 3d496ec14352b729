//! Security headers on every response.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

use crate::app::App;

/// No inline script or style (only our own files), nothing from other origins, no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The policy with the card gateway's origin allowed as a form target: the card form
/// posts here, and the browser is then redirected to the gateway's page, which browsers
/// check against `form-action`.
pub fn csp_for(gateway: Option<&str>) -> String {
    let origin = gateway.and_then(|g| url::Url::parse(g).ok()).map(|u| u.origin().ascii_serialization()).filter(|o| o != "null");
    match origin {
        Some(origin) => CSP.replace("form-action 'self'", &format!("form-action 'self' {origin}")),
        None => CSP.to_owned(),
    }
}

/// Adds the headers.
pub async fn layer(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // A handler may set a stricter policy (a sandboxed inline document); keep it.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&app.csp).unwrap_or(HeaderValue::from_static(CSP)));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if app.config.secure_cookies() {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if !is_static && !headers.contains_key(header::CACHE_CONTROL) {
        // Pages can show personal data: never keep them in shared or back-button caches.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

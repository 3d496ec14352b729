//! CSRF protection for every state-changing form: a random secret in an `HttpOnly`
//! cookie, and in each form an HMAC, under the server key, of that secret *and of the
//! session the browser holds* (citizen or staff). A forged cross-site post can neither
//! read the cookie nor compute the token. A planted secret cookie (from a sibling domain,
//! before https made it `__Host-`) is no use either: the attacker can get a token for a
//! secret they know only with their own session, never with the victim's.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use std::sync::Arc;

use super::cookies;
use super::page_error::PageError;
use crate::app::App;
use crate::crypto::{constant_time_eq, keyed_hash, new_token};

/// Largest form body accepted (uploads come with the applications issue).
pub const FORM_LIMIT: usize = 64 * 1024;

/// The browser's CSRF secret and the session it is bound to, in request extensions.
#[derive(Debug, Clone)]
pub struct CsrfSecret {
    /// The random secret from the cookie.
    secret: String,
    /// A hash of the session cookies sent with the request (empty when signed out).
    session: String,
    /// The token a form must carry: none when the browser sent no secret cookie.
    expected: Option<String>,
}

/// The token to put in forms for this secret and session.
pub fn form_token(app: &App, secret: &CsrfSecret) -> String {
    keyed_hash(&app.config.secret_key, &["csrf", &secret.secret, &secret.session])
}

/// What a token is bound to besides the secret: the citizen and staff session cookies,
/// hashed (the token must not be a way to learn them).
fn session_binding(headers: &axum::http::HeaderMap, secure: bool) -> String {
    let citizen = cookies::get(headers, cookies::SESSION, secure).unwrap_or("");
    let staff = cookies::get(headers, cookies::STAFF_SESSION, secure).unwrap_or("");
    if citizen.is_empty() && staff.is_empty() {
        return String::new();
    }
    crate::crypto::hash_token(&format!("{citizen}|{staff}"))
}

/// Paths that never render a form, so they need no CSRF secret.
fn without_forms(path: &str) -> bool {
    ["/api/", "/PaymentAPI/", "/callbacks/", "/static/", "/healthz", "/readyz", "/metrics"].iter().any(|p| path.starts_with(p))
        || path.ends_with(".json")
}

/// Gives every browser a CSRF secret cookie.
pub async fn layer(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    if without_forms(request.uri().path()) {
        return next.run(request).await;
    }
    let secure = app.config.secure_cookies();
    let existing = cookies::get(request.headers(), cookies::CSRF, secure).map(str::to_owned);
    let fresh = existing.is_none();
    let secret = existing.unwrap_or_else(new_token);
    let session = session_binding(request.headers(), secure);
    let mut csrf = CsrfSecret { secret: secret.clone(), session, expected: None };
    if !fresh {
        csrf.expected = Some(form_token(&app, &csrf));
    }
    request.extensions_mut().insert(csrf);
    let mut response = next.run(request).await;
    let is_html = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if fresh && is_html {
        response.headers_mut().append(header::SET_COOKIE, cookies::set(cookies::CSRF, &secret, None, secure));
    }
    response
}

/// Whether a form body carries the token this browser's secret and sessions call for.
fn carries_token(parts: &axum::http::request::Parts, bytes: &[u8]) -> bool {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).unwrap_or_default();
    let sent = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    parts.extensions.get::<CsrfSecret>().and_then(|s| s.expected.as_deref()).is_some_and(|expected| constant_time_eq(sent, expected))
}

/// On routes for signed-in callers: checks a posted form's token before the route's
/// access rule answers, so a forged post is refused as forged (403) whoever sends it,
/// rather than sent to sign in. Uploads (multipart) carry their token among their parts
/// and are checked by their handler.
pub async fn before_access(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/"));
    if safe || multipart {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "body.too_large").into_response();
    };
    if !carries_token(&parts, &bytes) {
        return PageError::new(StatusCode::FORBIDDEN, "csrf.invalid").into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// A form body whose CSRF token was checked.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<App>> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, _: &Arc<App>) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = to_bytes(body, FORM_LIMIT).await.map_err(|_| PageError::new(StatusCode::PAYLOAD_TOO_LARGE, "body.too_large"))?;
        if !carries_token(&parts, &bytes) {
            return Err(PageError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
        }
        let value = serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::new(StatusCode::BAD_REQUEST, "body.invalid"))?;
        Ok(Self(value))
    }
}

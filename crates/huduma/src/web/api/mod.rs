//! The JSON API under `/api/v1`: everything a page can do, for mobile apps and other
//! clients. Flow tokens travel in request bodies (never in URLs, which end up in logs);
//! signed-in calls carry `Authorization: Bearer <access_token>`. No cookies are read here,
//! so cross-site requests cannot ride on a browser session and no CSRF token is needed.
//! The OpenAPI document is generated from these handlers.

pub mod account;
pub mod applications;
pub mod contract;
pub mod error;
pub mod payments;
pub mod receipts;
pub mod registration;
pub mod services;
pub mod sign_in;
pub mod tickets;

use axum::Json;
use axum::Router;
use axum::extract::multipart::Multipart;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{self, any};
use huduma_domain::Language;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::app::App;
use crate::services::Requester;
use crate::services::sessions::{self, Authenticated};
use crate::web::client_ip::ClientIp;
pub use crate::web::error_code::ErrorCode;
pub use contract::{Access, ApiRoute, StandardErrors};
pub use error::{ApiError, ErrorBody};

/// Every documented API route: method, path, who may call it, handler. The router is
/// built from this table and nothing else, so `tests/it/api_contract.rs` can hold it
/// against the OpenAPI document (paths and methods) and against the running server.
pub fn routes() -> Vec<ApiRoute> {
    use Access::{Anyone, Citizen};
    vec![
        ApiRoute::get("/api/v1/services", Anyone, services::list),
        ApiRoute::get("/api/v1/services/{code}", Anyone, services::get_one),
        ApiRoute::post("/api/v1/registrations", Anyone, registration::start),
        // Anyone holding the registration or verification token from the previous step.
        ApiRoute::post("/api/v1/registrations/details", Anyone, registration::details),
        ApiRoute::post("/api/v1/verifications/status", Anyone, registration::verification_status),
        ApiRoute::post("/api/v1/verifications/check", Anyone, registration::verify),
        ApiRoute::post("/api/v1/verifications/resend", Anyone, registration::resend),
        // Anyone; later steps need the sign-in or reset token.
        ApiRoute::post("/api/v1/sign-in", Anyone, sign_in::start),
        ApiRoute::post("/api/v1/sign-in/code", Anyone, sign_in::send_code),
        ApiRoute::post("/api/v1/sign-in/verify", Anyone, sign_in::finish),
        ApiRoute::post("/api/v1/password-reset", Anyone, sign_in::reset_start),
        ApiRoute::post("/api/v1/password-reset/complete", Anyone, sign_in::reset_finish),
        // A signed-in citizen's bearer token; every query is scoped to that account.
        ApiRoute::get("/api/v1/me", Citizen, account::me),
        ApiRoute::patch("/api/v1/me", Citizen, account::update),
        ApiRoute::post("/api/v1/me/password", Citizen, account::change_password),
        ApiRoute::get("/api/v1/me/sessions", Citizen, account::sessions),
        ApiRoute::delete("/api/v1/me/sessions/{id}", Citizen, account::revoke_session),
        ApiRoute::post("/api/v1/me/sign-out", Citizen, account::sign_out),
        ApiRoute::post("/api/v1/me/sign-out-everywhere", Citizen, account::sign_out_everywhere),
        ApiRoute::post("/api/v1/me/contact", Citizen, account::contact_start),
        ApiRoute::post("/api/v1/me/contact/verify", Citizen, account::contact_verify),
        ApiRoute::post("/api/v1/me/totp", Citizen, account::totp_begin),
        ApiRoute::post("/api/v1/me/totp/confirm", Citizen, account::totp_confirm),
        ApiRoute::post("/api/v1/me/totp/disable", Citizen, account::totp_disable),
        ApiRoute::get("/api/v1/applications", Citizen, applications::list),
        ApiRoute::post("/api/v1/applications", Citizen, applications::start),
        ApiRoute::get("/api/v1/applications/{id}", Citizen, applications::get_one),
        ApiRoute::delete("/api/v1/applications/{id}", Citizen, applications::delete_draft),
        ApiRoute::put("/api/v1/applications/{id}/pages/{page}", Citizen, applications::save_page),
        ApiRoute::put("/api/v1/applications/{id}/fee-option", Citizen, applications::fee_option),
        ApiRoute::post("/api/v1/applications/{id}/documents/{requirement}", Citizen, applications::upload)
            .body_limit(crate::web::UPLOAD_BODY_LIMIT),
        ApiRoute::get("/api/v1/applications/{id}/documents/{document}/file", Citizen, applications::download),
        ApiRoute::post("/api/v1/applications/{id}/submit", Citizen, applications::submit_one),
        ApiRoute::post("/api/v1/applications/{id}/respond", Citizen, applications::respond),
        ApiRoute::get("/api/v1/applications/{id}/timeline", Citizen, applications::timeline),
        ApiRoute::get("/api/v1/applications/{id}/certificate", Citizen, applications::certificate),
        ApiRoute::get("/api/v1/applications/{id}/invoice", Citizen, payments::invoice),
        ApiRoute::post("/api/v1/applications/{id}/payments/mpesa", Citizen, payments::mpesa),
        ApiRoute::get("/api/v1/payments/{id}", Citizen, payments::attempt),
        ApiRoute::get("/api/v1/receipts/{number}", Citizen, receipts::get_one),
        ApiRoute::get("/api/v1/receipts/{number}/pdf", Citizen, receipts::pdf),
        // Anyone (rate-limited per address).
        ApiRoute::post("/api/v1/track", Anyone, applications::track),
        // A signed-in citizen: their own tickets only.
        ApiRoute::get("/api/v1/tickets", Citizen, tickets::list),
        ApiRoute::post("/api/v1/tickets", Citizen, tickets::open),
        ApiRoute::get("/api/v1/tickets/{number}", Citizen, tickets::get_one),
        ApiRoute::post("/api/v1/tickets/{number}/messages", Citizen, tickets::reply),
        ApiRoute::post("/api/v1/tickets/{number}/reopen", Citizen, tickets::reopen),
        ApiRoute::post("/api/v1/tickets/{number}/rating", Citizen, tickets::rate),
    ]
}

/// API routes: the table above, the document, and a JSON answer for every other path
/// under `/api/`. Every error leaving here has the API's JSON shape (see [`json_errors`]).
pub fn router() -> Router<Arc<App>> {
    let mut router = Router::new()
        // Anyone: the document itself (not an operation of the API it describes).
        .route("/api/openapi.json", routing::get(openapi_json))
        // Any other path under /api/: a JSON 404, not the HTML page. Routes declared
        // elsewhere under /api/ (the Pesaflow-compatible status query) are more specific
        // and still win.
        .route("/api", any(unknown_route))
        .route("/api/", any(unknown_route))
        .route("/api/{*rest}", any(unknown_route));
    for route in routes() {
        // Two methods on one path merge into one method router.
        router = router.route(route.path, route.into_handler());
    }
    with_json_errors(router)
}

/// Wraps API routes so that every error leaving them, a panic included, is JSON.
fn with_json_errors<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    // Inner layer first: the panic's plain 500 is then converted like any other error.
    router.layer(CatchPanicLayer::new()).layer(axum::middleware::from_fn(json_errors))
}

async fn unknown_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::RouteNotFound)
}

/// Words every error response under the API router in the caller's language, the one
/// place the API reads it for errors: an [`ApiError`] from a handler or extractor gets
/// its messages here. axum answers 405 and extractor rejections (a handler's `Path`,
/// `Query`, …) in plain text, and a panic becomes a plain 500; each of those becomes an
/// [`ApiError`] chosen by its status, keeping `Allow` (405) and `Retry-After`. Other
/// responses already in JSON pass untouched.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let language = language_of(request.headers());
    let response = next.run(request).await;
    if let Some(error) = response.extensions().get::<ApiError>().cloned() {
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        let body = serde_json::to_vec(&error.body(language)).unwrap_or_default();
        return Response::from_parts(parts, axum::body::Body::from(body));
    }
    let status = response.status();
    let is_json =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), "API error answered outside the handlers");
    }
    let mut converted = ApiError::for_status(status).into_response_in(language);
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            converted.headers_mut().insert(name, value.clone());
        }
    }
    converted
}

/// The caller's language: `Accept-Language` only (the API reads no cookies).
pub fn language_of(headers: &HeaderMap) -> Language {
    headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Language::from_accept_language).unwrap_or_default()
}

/// The generated OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Huduma API", description = "Citizen accounts, the service catalogue and applications of the Huduma e-services portal.\n\nEvery error, on every path under `/api/`, is JSON: `{\"error\": {\"code\", \"message\", \"fields\"}}`; `code` is stable and `message` follows `Accept-Language` (`en`, `sw`)."),
    paths(
        services::list, services::get_one,
        registration::start, registration::details, registration::verification_status, registration::verify, registration::resend,
        sign_in::start, sign_in::send_code, sign_in::finish, sign_in::reset_start, sign_in::reset_finish,
        account::me, account::update, account::change_password, account::sessions, account::revoke_session, account::sign_out,
        account::sign_out_everywhere, account::contact_start, account::contact_verify, account::totp_begin, account::totp_confirm,
        account::totp_disable,
        applications::start, applications::list, applications::get_one, applications::delete_draft, applications::save_page,
        applications::fee_option, applications::upload, applications::download, applications::submit_one, applications::respond,
        applications::timeline, applications::certificate, applications::track, payments::invoice, payments::mpesa, payments::attempt,
        receipts::get_one, receipts::pdf,
        tickets::open, tickets::list, tickets::get_one, tickets::reply, tickets::reopen, tickets::rate,
    ),
    modifiers(&BearerAuth, &StandardErrors),
    tags((name = "catalogue"), (name = "registration"), (name = "sign-in"), (name = "account"), (name = "applications"), (name = "payments"), (name = "helpdesk"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The OpenAPI document as pretty JSON (also checked into `docs/openapi.json`).
pub fn openapi_document() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

/// `GET /api/openapi.json`
async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_document())
}

/// Who is calling, for rate limits and session records.
pub struct Caller(pub Requester);

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _app: &Arc<App>) -> Result<Self, Self::Rejection> {
        // Use cases word what they send the caller (messages, documents) in this language.
        let language = language_of(&parts.headers);
        let ip = parts.extensions.get::<ClientIp>().map_or_else(|| "127.0.0.1".to_owned(), |c| c.0.to_string());
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(200).collect();
        Ok(Self(Requester { ip, user_agent, language }))
    }
}

/// A signed-in API caller.
pub struct Me(pub Authenticated, pub Requester);

impl FromRequestParts<Arc<App>> for Me {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let Caller(requester) = Caller::from_request_parts(parts, app).await?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or("");
        if token.is_empty() {
            return Err(ApiError::unauthorized());
        }
        match sessions::authenticate(app, token).await {
            Ok(Some(me)) => Ok(Self(me, requester)),
            Ok(None) => Err(ApiError::unauthorized()),
            Err(err) => Err(ApiError::from(err)),
        }
    }
}

/// A JSON body whose rejections (malformed, too large) are API errors with stable codes.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<App>> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, app).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::rejection(&rejection)),
        }
    }
}

/// Path parameters whose rejection (say, an id that is not valid UTF-8 once decoded) is
/// a 400 `path.invalid` in the API's shape.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<Arc<App>> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, app).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) if rejection.status().is_server_error() => {
                // A route and its handler disagree on the parameters: our bug, not the caller's.
                tracing::error!(error = %rejection.body_text(), "path parameters do not fit the handler");
                Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal))
            }
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::PathInvalid)),
        }
    }
}

/// A query string whose rejection (say, `limit=ten`) is a 400 `query.invalid`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<Arc<App>> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, app).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::QueryInvalid)),
        }
    }
}

/// An upload body: `multipart/form-data` (else 415 `body.content_type`), with a valid
/// boundary (else 400 `body.invalid`), and not declared larger than the upload limit
/// (else 413 `body.too_large` at once, before a byte of it is read).
pub struct ApiMultipart(pub Multipart);

impl FromRequest<Arc<App>> for ApiMultipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let declared =
            request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        if declared > crate::web::UPLOAD_BODY_LIMIT as u64 {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge));
        }
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
        if !multipart {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::BodyContentType));
        }
        match Multipart::from_request(request, app).await {
            Ok(body) => Ok(Self(body)),
            Err(_) => Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BodyInvalid)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panicking handler under the API's layers answers a JSON 500 `internal`, not
    /// tower-http's plain text.
    #[tokio::test]
    async fn a_panic_becomes_a_json_500() {
        async fn boom() -> &'static str {
            panic!("deliberate test panic")
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let router = with_json_errors(Router::new().route("/api/boom", routing::get(boom)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        let response = reqwest::get(format!("http://{address}/api/boom")).await.expect("GET");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers()[header::CONTENT_TYPE].to_str().is_ok_and(|v| v.starts_with("application/json")));
        let body: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(body["error"]["code"], "internal");
    }
}

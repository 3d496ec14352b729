//! The JSON API under `/api/v1`: everything a page can do, for mobile apps and other
//! clients. Flow tokens travel in request bodies (never in URLs, which end up in logs);
//! signed-in calls carry `Authorization: Bearer <access_token>`. No cookies are read here,
//! so cross-site requests cannot ride on a browser session and no CSRF token is needed.
//! The OpenAPI document is generated from these handlers.

pub mod account;
pub mod applications;
pub mod error;
pub mod payments;
pub mod registration;
pub mod services;
pub mod sign_in;
pub mod tickets;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::{delete, get, post, put};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::app::App;
use crate::services::Requester;
use crate::services::sessions::{self, Authenticated};
use crate::web::client_ip::ClientIp;
pub use error::{ApiError, ErrorBody, OrApiError};

/// API routes. Who may call each is stated beside it.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        // Anyone.
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/v1/services", get(services::list))
        .route("/api/v1/services/{code}", get(services::get_one))
        .route("/api/v1/registrations", post(registration::start))
        // Holder of the registration token.
        .route("/api/v1/registrations/details", post(registration::details))
        // Holder of the verification token.
        .route("/api/v1/verifications/status", post(registration::verification_status))
        .route("/api/v1/verifications/check", post(registration::verify))
        .route("/api/v1/verifications/resend", post(registration::resend))
        // Anyone; later steps need the sign-in or reset token.
        .route("/api/v1/sign-in", post(sign_in::start))
        .route("/api/v1/sign-in/code", post(sign_in::send_code))
        .route("/api/v1/sign-in/verify", post(sign_in::finish))
        .route("/api/v1/password-reset", post(sign_in::reset_start))
        .route("/api/v1/password-reset/complete", post(sign_in::reset_finish))
        // Bearer token of a signed-in citizen; every query is scoped to that account.
        .route("/api/v1/me", get(account::me).patch(account::update))
        .route("/api/v1/me/password", post(account::change_password))
        .route("/api/v1/me/sessions", get(account::sessions))
        .route("/api/v1/me/sessions/{id}", delete(account::revoke_session))
        .route("/api/v1/me/sign-out", post(account::sign_out))
        .route("/api/v1/me/sign-out-everywhere", post(account::sign_out_everywhere))
        .route("/api/v1/me/contact", post(account::contact_start))
        .route("/api/v1/me/contact/verify", post(account::contact_verify))
        .route("/api/v1/me/totp", post(account::totp_begin))
        .route("/api/v1/me/totp/confirm", post(account::totp_confirm))
        .route("/api/v1/me/totp/disable", post(account::totp_disable))
        .route("/api/v1/applications", get(applications::list).post(applications::start))
        .route("/api/v1/applications/{id}", get(applications::get_one).delete(applications::delete_draft))
        .route("/api/v1/applications/{id}/pages/{page}", put(applications::save_page))
        .route("/api/v1/applications/{id}/fee-option", put(applications::fee_option))
        .route(
            "/api/v1/applications/{id}/documents/{requirement}",
            post(applications::upload).layer(axum::extract::DefaultBodyLimit::max(crate::web::UPLOAD_BODY_LIMIT)),
        )
        .route("/api/v1/applications/{id}/documents/{document}/file", get(applications::download))
        .route("/api/v1/applications/{id}/submit", post(applications::submit_one))
        .route("/api/v1/applications/{id}/timeline", get(applications::timeline))
        .route("/api/v1/applications/{id}/invoice", get(payments::invoice))
        .route("/api/v1/applications/{id}/payments/mpesa", post(payments::mpesa))
        .route("/api/v1/payments/{id}", get(payments::attempt))
        // Anyone (rate-limited per address).
        .route("/api/v1/track", post(applications::track))
        // Signed-in citizen: their own tickets only.
        .route("/api/v1/tickets", get(tickets::list).post(tickets::open))
        .route("/api/v1/tickets/{number}", get(tickets::get_one))
        .route("/api/v1/tickets/{number}/messages", post(tickets::reply))
        .route("/api/v1/tickets/{number}/reopen", post(tickets::reopen))
        .route("/api/v1/tickets/{number}/rating", post(tickets::rate))
}

/// The generated OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Huduma API", description = "Citizen accounts, the service catalogue and applications of the Huduma e-services portal."),
    paths(
        services::list, services::get_one,
        registration::start, registration::details, registration::verification_status, registration::verify, registration::resend,
        sign_in::start, sign_in::send_code, sign_in::finish, sign_in::reset_start, sign_in::reset_finish,
        account::me, account::update, account::change_password, account::sessions, account::revoke_session, account::sign_out,
        account::sign_out_everywhere, account::contact_start, account::contact_verify, account::totp_begin, account::totp_confirm,
        account::totp_disable,
        applications::start, applications::list, applications::get_one, applications::delete_draft, applications::save_page,
        applications::fee_option, applications::upload, applications::download, applications::submit_one, applications::timeline,
        applications::track, payments::invoice, payments::mpesa, payments::attempt,
        tickets::open, tickets::list, tickets::get_one, tickets::reply, tickets::reopen, tickets::rate,
    ),
    modifiers(&BearerAuth),
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
async fn openapi_json() -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_document())
}

/// Who is calling, for rate limits and session records.
pub struct Caller(pub Requester);

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let language = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(huduma_domain::Language::from_accept_language)
            .unwrap_or_default();
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
            return Err(ApiError::unauthorized(requester.language));
        }
        match sessions::authenticate(app, token).await {
            Ok(Some(me)) => Ok(Self(me, requester)),
            Ok(None) => Err(ApiError::unauthorized(requester.language)),
            Err(err) => Err(ApiError::from_service(err, requester.language)),
        }
    }
}

/// A JSON body whose rejections (malformed, too large) are API errors with stable codes.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<App>> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let language = request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(huduma_domain::Language::from_accept_language)
            .unwrap_or_default();
        match Json::<T>::from_request(request, app).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::rejection(&rejection, language)),
        }
    }
}

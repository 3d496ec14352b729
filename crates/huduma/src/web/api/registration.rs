//! Registration and verification over the API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::{ApiError, ApiJson, Caller, ErrorBody};
use crate::app::App;
use crate::services::codes::Channel;
use crate::services::registration::{self, DetailsInput, Identity, StartInput};
use crate::services::sessions::SessionKind;
use crate::services::verification::{self, Outcome, Status};

/// Answer to step one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationStarted {
    /// Send back with step two; valid 30 minutes.
    pub registration_token: String,
    /// Who the register matched.
    pub identity: Identity,
}

/// `POST /api/v1/registrations`: identify the person (register match or visitor passport).
#[utoipa::path(post, path = "/api/v1/registrations", tag = "registration", request_body = StartInput,
    responses((status = 201, body = RegistrationStarted), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn start(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<StartInput>,
) -> Result<(StatusCode, Json<RegistrationStarted>), ApiError> {
    let started = registration::start(&app, &input, &who).await?;
    Ok((StatusCode::CREATED, Json(RegistrationStarted { registration_token: started.token, identity: started.identity })))
}

/// Step two.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DetailsRequest {
    /// From step one.
    pub registration_token: String,
    /// Contacts and password.
    #[serde(flatten)]
    pub details: DetailsInput,
}

/// Answer to step two.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountCreated {
    /// Send back with the codes; valid 24 hours.
    pub verification_token: String,
    /// Where the SMS code went.
    pub phone_masked: String,
    /// Where the email code went.
    pub email_masked: String,
}

/// `POST /api/v1/registrations/details`: contacts and password; sends both codes.
#[utoipa::path(post, path = "/api/v1/registrations/details", tag = "registration", request_body = DetailsRequest,
    responses((status = 201, body = AccountCreated), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn details(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<DetailsRequest>,
) -> Result<(StatusCode, Json<AccountCreated>), ApiError> {
    let created = registration::complete(&app, &input.registration_token, &input.details, &who).await?;
    Ok((
        StatusCode::CREATED,
        Json(AccountCreated {
            verification_token: created.verify_token,
            phone_masked: created.phone_masked,
            email_masked: created.email_masked,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerificationToken {
    /// From registration or sign-in.
    pub verification_token: String,
}

/// `POST /api/v1/verifications/status`
#[utoipa::path(post, path = "/api/v1/verifications/status", tag = "registration", request_body = VerificationToken,
    responses((status = 200, body = Status), (status = 410, body = ErrorBody)))]
pub async fn verification_status(
    State(app): State<Arc<App>>,
    ApiJson(input): ApiJson<VerificationToken>,
) -> Result<Json<Status>, ApiError> {
    verification::status(&app, &input.verification_token).await.map(Json).map_err(ApiError::from)
}

/// A code for one channel.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyRequest {
    /// From registration or sign-in.
    pub verification_token: String,
    /// `sms` or `email`.
    pub channel: String,
    /// The six digits received.
    pub code: String,
}

/// Where verification stands after a code.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerifyResult {
    /// `pending` (the other channel remains) or `complete` (signed in).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Status>,
    /// Bearer token once complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Expiry of the token (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// `POST /api/v1/verifications/check`: verifies one channel; the second signs in.
#[utoipa::path(post, path = "/api/v1/verifications/check", tag = "registration", request_body = VerifyRequest,
    responses((status = 200, body = VerifyResult), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn verify(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<VerifyRequest>,
) -> Result<Json<VerifyResult>, ApiError> {
    let channel = Channel::parse(&input.channel)?;
    let outcome = verification::verify(&app, &input.verification_token, channel, &input.code, &who, SessionKind::Api, None).await?;
    Ok(Json(match outcome {
        Outcome::Pending(progress) => {
            VerifyResult { status: "pending".into(), progress: Some(progress), access_token: None, expires_at: None }
        }
        Outcome::Done(session) => VerifyResult {
            status: "complete".into(),
            progress: None,
            access_token: Some(session.token),
            expires_at: Some(crate::clock::rfc3339(session.expires_at)),
        },
    }))
}

/// Which channel to resend.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResendRequest {
    /// From registration or sign-in.
    pub verification_token: String,
    /// `sms` or `email`.
    pub channel: String,
}

/// `POST /api/v1/verifications/resend`
#[utoipa::path(post, path = "/api/v1/verifications/resend", tag = "registration", request_body = ResendRequest,
    responses((status = 202), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn resend(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<ResendRequest>,
) -> Result<StatusCode, ApiError> {
    let channel = Channel::parse(&input.channel)?;
    verification::resend(&app, &input.verification_token, channel, &who).await?;
    Ok(StatusCode::ACCEPTED)
}

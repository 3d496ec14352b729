//! Sign-in and password reset over the API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::{ApiError, ApiJson, Caller, ErrorBody};
use crate::app::App;
use crate::services::codes::Channel;
use crate::services::password_reset;
use crate::services::sessions::SessionKind;
use crate::services::sign_in::{self, SecondStep, Started};

/// Password step.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignInRequest {
    /// Email address or ID / alien / passport number.
    pub identifier: String,
    pub password: String,
}

/// What to do after the password.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignInStarted {
    /// `second_factor` or `verify` (the account's contacts are not verified yet).
    pub next: String,
    /// For `second_factor`: send back with the code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_token: Option<String>,
    /// For `second_factor`: which factor and where codes can go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub second_step: Option<SecondStep>,
    /// For `verify`: use with `/api/v1/verifications/*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_token: Option<String>,
}

/// `POST /api/v1/sign-in`
#[utoipa::path(post, path = "/api/v1/sign-in", tag = "sign-in", request_body = SignInRequest,
    responses((status = 200, body = SignInStarted), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn start(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<SignInRequest>,
) -> Result<Json<SignInStarted>, ApiError> {
    let started = sign_in::start(&app, &input.identifier, &input.password, &who).await?;
    Ok(Json(match started {
        Started::SecondStep { token, step } => {
            SignInStarted { next: "second_factor".into(), sign_in_token: Some(token), second_step: Some(step), verification_token: None }
        }
        Started::NeedsVerification { token } => {
            SignInStarted { next: "verify".into(), sign_in_token: None, second_step: None, verification_token: Some(token) }
        }
    }))
}

/// Where to send the code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SendCodeRequest {
    /// From the password step.
    pub sign_in_token: String,
    /// `sms` or `email`.
    pub channel: String,
}

/// `POST /api/v1/sign-in/code`: sends the one-time code.
#[utoipa::path(post, path = "/api/v1/sign-in/code", tag = "sign-in", request_body = SendCodeRequest,
    responses((status = 202), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_code(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<SendCodeRequest>,
) -> Result<StatusCode, ApiError> {
    let channel = Channel::parse(&input.channel)?;
    sign_in::send_code(&app, &input.sign_in_token, channel, &who).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The code (or authenticator code).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FinishRequest {
    /// From the password step.
    pub sign_in_token: String,
    /// Six digits.
    pub code: String,
}

/// A new session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Absolute expiry (RFC 3339); idle sessions end sooner.
    pub expires_at: String,
}

/// `POST /api/v1/sign-in/verify`: checks the code and opens a session.
#[utoipa::path(post, path = "/api/v1/sign-in/verify", tag = "sign-in", request_body = FinishRequest,
    responses((status = 200, body = SessionCreated), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn finish(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<FinishRequest>,
) -> Result<Json<SessionCreated>, ApiError> {
    let session = sign_in::finish(&app, &input.sign_in_token, &input.code, &who, SessionKind::Api, None).await?;
    Ok(Json(SessionCreated { access_token: session.token, expires_at: crate::clock::rfc3339(session.expires_at) }))
}

/// Forgotten password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetRequest {
    /// Email or document number.
    pub identifier: String,
    /// `sms` or `email`.
    pub channel: String,
}

/// Answer to a reset request: the same whether or not the account exists.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResetStarted {
    /// Send back with the code and the new password.
    pub reset_token: String,
}

/// `POST /api/v1/password-reset`
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "sign-in", request_body = ResetRequest,
    responses((status = 202, body = ResetStarted), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn reset_start(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<ResetStarted>), ApiError> {
    let channel = Channel::parse(&input.channel)?;
    let token = password_reset::start(&app, &input.identifier, channel, &who).await?;
    Ok((StatusCode::ACCEPTED, Json(ResetStarted { reset_token: token })))
}

/// Code and new password.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetComplete {
    /// From the reset request.
    pub reset_token: String,
    /// Six digits.
    pub code: String,
    /// New password.
    pub password: String,
    /// The same again.
    pub password_confirmation: String,
}

/// `POST /api/v1/password-reset/complete`: sets the password and ends every session.
#[utoipa::path(post, path = "/api/v1/password-reset/complete", tag = "sign-in", request_body = ResetComplete,
    responses((status = 204), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn reset_finish(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<ResetComplete>,
) -> Result<StatusCode, ApiError> {
    password_reset::finish(&app, &input.reset_token, &input.code, &input.password, &input.password_confirmation, &who).await?;
    Ok(StatusCode::NO_CONTENT)
}

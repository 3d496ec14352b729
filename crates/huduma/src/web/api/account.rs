//! The signed-in person's account over the API. Every call needs a bearer token and
//! touches only that account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::{ApiError, ApiJson, ApiPath, ErrorBody, Me};
use crate::app::App;
use crate::clock::rfc3339;
use crate::services::codes::Channel;
use crate::services::sessions::Authenticated;
use crate::services::totp::{self, Setup};
use crate::services::{profile, sessions};

/// The account as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Profile {
    /// Internal id.
    pub id: String,
    /// `citizen`, `resident`, `visitor`.
    pub account_type: String,
    /// `national_id`, `alien_card`, `passport`.
    pub document_kind: String,
    pub document_number: String,
    pub first_name: String,
    pub other_names: String,
    pub surname: String,
    pub date_of_birth: Option<String>,
    /// Verified phone (E.164).
    pub phone: String,
    /// Verified email.
    pub email: String,
    /// `en` or `sw`.
    pub language: String,
    /// Authenticator app on.
    pub totp_enabled: bool,
}

fn profile_of(me: &Authenticated) -> Profile {
    let a = &me.account;
    Profile {
        id: a.id.to_string(),
        account_type: a.account_type.as_str().to_owned(),
        document_kind: a.document_kind.clone(),
        document_number: a.document_number.clone(),
        first_name: a.first_name.clone(),
        other_names: a.other_names.clone(),
        surname: a.surname.clone(),
        date_of_birth: a.date_of_birth.clone(),
        phone: a.phone.clone(),
        email: a.email.clone(),
        language: a.language.tag().to_owned(),
        totp_enabled: a.totp_secret.is_some(),
    }
}

/// `GET /api/v1/me`
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])), responses((status = 200, body = Profile), (status = 401, body = ErrorBody)))]
pub async fn me(Me(me, _): Me) -> Json<Profile> {
    Json(profile_of(&me))
}

/// Editable settings.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProfileUpdate {
    /// `en` or `sw`.
    pub language: Option<String>,
}

/// `PATCH /api/v1/me`
#[utoipa::path(patch, path = "/api/v1/me", tag = "account", security(("bearer" = [])), request_body = ProfileUpdate,
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(app): State<Arc<App>>,
    Me(mut me, _): Me,
    ApiJson(input): ApiJson<ProfileUpdate>,
) -> Result<Json<Profile>, ApiError> {
    if let Some(tag) = input.language {
        let language = huduma_domain::Language::parse(&tag)
            .ok_or_else(|| ApiError::from(crate::services::ServiceError::field("language", "language.invalid")))?;
        profile::set_language(&app, &me, language).await?;
        me.account.language = language;
    }
    Ok(Json(profile_of(&me)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    /// New password.
    pub password: String,
    /// The same again.
    pub password_confirmation: String,
}

/// `POST /api/v1/me/password`: other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "account", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(app): State<Arc<App>>,
    Me(me, _): Me,
    ApiJson(input): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    profile::change_password(&app, &me, &input.current_password, &input.password, &input.password_confirmation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A live session.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    /// Public id.
    pub id: String,
    /// `web` or `api`.
    pub kind: String,
    /// Sign-in time (RFC 3339).
    pub created_at: String,
    /// Last activity (RFC 3339).
    pub last_seen_at: String,
    /// Client address at sign-in.
    pub ip: String,
    /// Browser or app.
    pub user_agent: String,
    /// The session making this call.
    pub current: bool,
}

/// `GET /api/v1/me/sessions`
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "account", security(("bearer" = [])), responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = ErrorBody)))]
pub async fn sessions(State(app): State<Arc<App>>, Me(me, _): Me) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    let rows = profile::list_sessions(&app, &me).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| SessionInfo {
                current: s.id == me.session.id,
                created_at: rfc3339(s.created_at),
                last_seen_at: rfc3339(s.last_seen_at),
                id: s.id,
                kind: s.kind,
                ip: s.ip,
                user_agent: s.user_agent,
            })
            .collect(),
    ))
}

/// `DELETE /api/v1/me/sessions/{id}`: someone else's session is "not found".
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "account", security(("bearer" = [])), params(("id" = String, Path, description = "Session id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_session(State(app): State<Arc<App>>, Me(me, _): Me, ApiPath(id): ApiPath<String>) -> Result<StatusCode, ApiError> {
    profile::revoke_session(&app, &me, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/sign-out`: ends this session.
#[utoipa::path(post, path = "/api/v1/me/sign-out", tag = "account", security(("bearer" = [])), responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn sign_out(State(app): State<Arc<App>>, Me(me, _): Me) -> Result<StatusCode, ApiError> {
    sessions::end(&app, &me.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/sign-out-everywhere`: ends every session, this one included.
#[utoipa::path(post, path = "/api/v1/me/sign-out-everywhere", tag = "account", security(("bearer" = [])), responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn sign_out_everywhere(State(app): State<Arc<App>>, Me(me, _): Me) -> Result<StatusCode, ApiError> {
    profile::revoke_all_sessions(&app, &me).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New phone or email.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ContactChange {
    /// `sms` (phone) or `email`.
    pub channel: String,
    /// The new phone or address.
    pub value: String,
}

/// A contact change in progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ContactStarted {
    /// Send back with the code.
    pub contact_token: String,
}

/// `POST /api/v1/me/contact`: sends a code to the new contact.
#[utoipa::path(post, path = "/api/v1/me/contact", tag = "account", security(("bearer" = [])), request_body = ContactChange,
    responses((status = 202, body = ContactStarted), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn contact_start(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiJson(input): ApiJson<ContactChange>,
) -> Result<(StatusCode, Json<ContactStarted>), ApiError> {
    let channel = Channel::parse(&input.channel)?;
    let token = profile::start_contact_change(&app, &me, channel, &input.value, &who).await?;
    Ok((StatusCode::ACCEPTED, Json(ContactStarted { contact_token: token })))
}

/// The code sent to the new contact.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ContactCode {
    /// From the change request.
    pub contact_token: String,
    /// Six digits.
    pub code: String,
}

/// `POST /api/v1/me/contact/verify`
#[utoipa::path(post, path = "/api/v1/me/contact/verify", tag = "account", security(("bearer" = [])), request_body = ContactCode,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn contact_verify(
    State(app): State<Arc<App>>,
    Me(me, _): Me,
    ApiJson(input): ApiJson<ContactCode>,
) -> Result<StatusCode, ApiError> {
    profile::finish_contact_change(&app, &me, &input.contact_token, &input.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/totp`: starts authenticator set-up.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "account", security(("bearer" = [])), responses((status = 200, body = Setup), (status = 401, body = ErrorBody)))]
pub async fn totp_begin(State(app): State<Arc<App>>, Me(me, _): Me) -> Result<Json<Setup>, ApiError> {
    totp::begin_setup(&app, &me.account).await.map(Json).map_err(ApiError::from)
}

/// First code from the app.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TotpConfirm {
    /// The `token` from set-up.
    pub setup_token: String,
    /// Six digits from the app.
    pub code: String,
}

/// `POST /api/v1/me/totp/confirm`
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "account", security(("bearer" = [])), request_body = TotpConfirm,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 410, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn totp_confirm(
    State(app): State<Arc<App>>,
    Me(me, _): Me,
    ApiJson(input): ApiJson<TotpConfirm>,
) -> Result<StatusCode, ApiError> {
    totp::confirm_setup(&app, &me.account, &input.setup_token, &input.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A current code from the app.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TotpCode {
    /// Six digits.
    pub code: String,
}

/// `POST /api/v1/me/totp/disable`
#[utoipa::path(post, path = "/api/v1/me/totp/disable", tag = "account", security(("bearer" = [])), request_body = TotpCode,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn totp_disable(State(app): State<Arc<App>>, Me(me, _): Me, ApiJson(input): ApiJson<TotpCode>) -> Result<StatusCode, ApiError> {
    totp::disable(&app, &me.account, &input.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

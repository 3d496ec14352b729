//! API errors: a stable code, a translated message and, for bad input, one entry per field.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use huduma_domain::Language;
use serde::Serialize;

use crate::services::ServiceError;

/// One field's problem.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// JSON key.
    pub field: String,
    /// Stable code.
    pub code: String,
    /// Translated sentence.
    pub message: String,
}

/// The error object.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `phone.invalid`, `rate_limited`, `unauthorized`.
    pub code: String,
    /// Translated sentence (language from `Accept-Language`).
    pub message: String,
    /// Field problems, for invalid input.
    pub fields: Vec<FieldProblem>,
}

/// Every error response has this shape.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An API error ready to send.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after: Option<i64>,
}

fn message(language: Language, code: &str) -> String {
    crate::i18n::I18n::global().tr(language).error(code).to_owned()
}

impl ApiError {
    /// An error with one code.
    pub fn new(status: StatusCode, code: &str, language: Language) -> Self {
        Self {
            status,
            body: ErrorBody { error: ErrorDetail { code: code.to_owned(), message: message(language, code), fields: Vec::new() } },
            retry_after: None,
        }
    }

    /// Missing or dead bearer token.
    pub fn unauthorized(language: Language) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", language)
    }

    /// Maps a use-case failure.
    pub fn from_service(err: ServiceError, language: Language) -> Self {
        match err {
            ServiceError::Invalid(errors) => {
                let fields: Vec<FieldProblem> = errors
                    .iter()
                    .map(|e| FieldProblem {
                        field: e.field.to_string(),
                        code: e.code.to_owned(),
                        message: crate::i18n::I18n::global()
                            .tr(language)
                            .f(&format!("error.{}", e.code), &crate::web::render::args(&e.args)),
                    })
                    .collect();
                let code = errors.first().map_or("invalid", |e| e.code);
                let mut api = Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, language);
                if let Some(first) = fields.first() {
                    // The headline is the first problem's message, placeholders filled in.
                    api.body.error.message = first.message.clone();
                }
                api.body.error.fields = fields;
                api
            }
            ServiceError::FlowExpired => Self::new(StatusCode::GONE, "flow.expired", language),
            ServiceError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", language),
            ServiceError::RateLimited { retry_after } => {
                let minutes = ((retry_after + 59) / 60).max(1).to_string();
                let mut api = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", language);
                api.body.error.message = api.body.error.message.replace("{minutes}", &minutes);
                api.retry_after = Some(retry_after);
                api
            }
            ServiceError::Unavailable(code) => Self::new(StatusCode::SERVICE_UNAVAILABLE, code, language),
            ServiceError::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "API request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", language)
            }
        }
    }

    /// Maps a JSON extractor rejection: too large (413), not sent as JSON (415), JSON of
    /// the wrong shape (422), or not JSON at all (400).
    pub fn rejection(rejection: &JsonRejection, language: Language) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "body.too_large", language),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "body.content_type", language),
            StatusCode::UNPROCESSABLE_ENTITY => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "body.invalid_data", language),
            _ => Self::new(StatusCode::BAD_REQUEST, "body.invalid", language),
        }
    }

    /// The error for a response that left a handler or the router without the API's
    /// shape (axum's own 404, 405 and extractor rejections, a panic), by its status.
    pub fn for_status(status: StatusCode, language: Language) -> Self {
        let code = match status {
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::NOT_FOUND => "route.not_found",
            StatusCode::METHOD_NOT_ALLOWED => "route.method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "body.too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "body.content_type",
            StatusCode::UNPROCESSABLE_ENTITY => "body.invalid_data",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            s if s.is_server_error() => "internal",
            _ => "request.invalid",
        };
        Self::new(status, code, language)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.body.error.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert("retry-after", value);
        }
        response
    }
}

/// Converts a use-case result into an API result in the caller's language.
pub trait OrApiError<T> {
    /// Maps the error with [`ApiError::from_service`].
    fn or_api(self, language: Language) -> Result<T, ApiError>;
}

impl<T> OrApiError<T> for Result<T, ServiceError> {
    fn or_api(self, language: Language) -> Result<T, ApiError> {
        self.map_err(|err| ApiError::from_service(err, language))
    }
}

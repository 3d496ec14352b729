//! API errors: a stable code, a translated message and, for bad input, one entry per field.
//! Handlers and extractors build an [`ApiError`] from codes alone (a use case's
//! [`ServiceError`] converts with `?`); the words are chosen once per request, in the
//! caller's language, by [`super::json_errors`], the layer every API response leaves through.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use huduma_domain::Language;
use serde::Serialize;

use crate::services::{FieldError, ServiceError};
use crate::web::error_code::ErrorCode;

/// One field's problem.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// JSON key.
    pub field: String,
    /// Stable code.
    pub code: ErrorCode,
    /// Translated sentence.
    pub message: String,
}

/// The error object.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `phone.invalid`, `rate_limited`, `unauthorized`.
    pub code: ErrorCode,
    /// Translated sentence (language from `Accept-Language`).
    pub message: String,
    /// Field problems, for invalid input.
    pub fields: Vec<FieldProblem>,
}

/// Every error response has this shape.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// An API error ready to send: status and codes; worded in the caller's language on the
/// way out.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    /// Field problems, with the values for their messages' placeholders.
    fields: Vec<FieldError>,
    retry_after: Option<i64>,
}

impl ApiError {
    /// An error with one code.
    pub fn new(status: StatusCode, code: ErrorCode) -> Self {
        Self { status, code, fields: Vec::new(), retry_after: None }
    }

    /// Something the request needs is down for now (503), with `Retry-After`.
    pub fn unavailable(code: ErrorCode, retry_after: i64) -> Self {
        Self { retry_after: Some(retry_after), ..Self::new(StatusCode::SERVICE_UNAVAILABLE, code) }
    }

    /// Missing or dead bearer token.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    }

    /// Maps a JSON extractor rejection: too large (413), not sent as JSON (415), JSON of
    /// the wrong shape (422), or not JSON at all (400).
    pub fn rejection(rejection: &JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::BodyContentType),
            StatusCode::UNPROCESSABLE_ENTITY => Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BodyInvalidData),
            _ => Self::new(StatusCode::BAD_REQUEST, ErrorCode::BodyInvalid),
        }
    }

    /// The error for a response that left a handler or the router without the API's
    /// shape (axum's own 404, 405 and extractor rejections, a panic), by its status.
    pub fn for_status(status: StatusCode) -> Self {
        let code = match status {
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::NOT_FOUND => ErrorCode::RouteNotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::RouteMethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::BodyContentType,
            StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::BodyInvalidData,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
            s if s.is_server_error() => ErrorCode::Internal,
            _ => ErrorCode::RequestInvalid,
        };
        Self::new(status, code)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The response body in `language`.
    pub fn body(&self, language: Language) -> ErrorBody {
        let tr = crate::i18n::I18n::global().tr(language);
        let fields: Vec<FieldProblem> = self
            .fields
            .iter()
            .map(|e| FieldProblem {
                field: e.field.to_string(),
                code: ErrorCode::of(e.code),
                message: crate::web::render::field_message(tr, e),
            })
            .collect();
        let message = match (self.retry_after, fields.first()) {
            (Some(retry_after), _) => {
                let minutes = ((retry_after + 59) / 60).max(1).to_string();
                tr.f(&format!("error.{}", self.code), &[("minutes", &minutes)])
            }
            // The headline is the first problem's message, placeholders filled in.
            (None, Some(first)) => first.message.clone(),
            (None, None) => tr.error(self.code.as_str()).to_owned(),
        };
        ErrorBody { error: ErrorDetail { code: self.code, message, fields } }
    }

    /// The whole response in `language`.
    pub fn into_response_in(self, language: Language) -> Response {
        let mut response = (self.status, Json(self.body(language))).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert("retry-after", value);
        }
        response
    }
}

/// Maps a use-case failure; internals are logged here, once.
impl From<ServiceError> for ApiError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Invalid(errors) => {
                let code = errors.first().map_or(ErrorCode::Invalid, |e| ErrorCode::of(e.code));
                Self { fields: errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, code) }
            }
            ServiceError::FlowExpired => Self::new(StatusCode::GONE, ErrorCode::FlowExpired),
            ServiceError::NotFound => Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound),
            ServiceError::RateLimited { retry_after } => {
                Self { retry_after: Some(retry_after), ..Self::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited) }
            }
            ServiceError::Unavailable(code) => Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::of(code)),
            err @ ServiceError::StoreUnavailable(_) => {
                crate::web::page_error::log_store_outage(&err);
                Self {
                    retry_after: Some(crate::services::error::STORE_RETRY_AFTER_SECS),
                    ..Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::DocumentsStoreUnavailable)
                }
            }
            ServiceError::Internal(err) if crate::services::error::is_database_outage(&err) => {
                tracing::error!(error = %format!("{err:#}"), "the database is unavailable; the request was refused with 503");
                Self::unavailable(ErrorCode::ServiceDatabaseUnavailable, crate::web::outage::RETRY_AFTER_SECS)
            }
            ServiceError::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "API request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        }
    }
}

/// The error travels to [`super::json_errors`] in the response's extensions, which words
/// it in the request's language; the body written here (English) is what a response
/// that somehow skipped that layer would carry.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.clone().into_response_in(Language::default());
        response.extensions_mut().insert(self);
        response
    }
}

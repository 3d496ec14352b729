//! The one error type of the pages and the back office. A handler returns
//! `Result<Response, PageError>` and uses `?` on a use case's [`ServiceError`]; the error
//! carries a status and a stable code, no words. [`layer`] words it once per request, in
//! the language the request's context chose, as the citizen error page or, when the
//! request came through the back office's context, in the staff frame.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use huduma_domain::Language;
use std::sync::{Arc, Mutex};

use super::back_office::context::StaffBar;
use crate::app::App;
use crate::services::{FieldError, ServiceError};

/// What a page handler returns: its page, or why it cannot be shown.
pub type PageResult = Result<Response, PageError>;

/// Why a page cannot be shown.
#[derive(Debug, Clone)]
pub struct PageError {
    status: StatusCode,
    problem: Problem,
}

/// What the page says.
#[derive(Debug, Clone)]
enum Problem {
    /// The sentence for a stable code.
    Code(&'static str),
    /// A refused input shown as a whole page: its field error, placeholders filled in.
    Field(FieldError),
    /// Too many attempts: the wait in minutes, and `Retry-After`.
    RateLimited(i64),
    /// Too many requests, said with a page's own sentence, and `Retry-After`.
    Throttled(&'static str, i64),
    /// Something the page needs is down for now: its sentence, and `Retry-After`.
    Unavailable(&'static str, i64),
}

impl PageError {
    /// An error page for a stable code.
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self { status, problem: Problem::Code(code) }
    }

    /// Nothing here, or not yours: the two look the same.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found")
    }

    /// Too many requests to a page anyone may open: its own sentence (`code`) and
    /// `Retry-After`, 429.
    pub fn throttled(code: &'static str, retry_after: i64) -> Self {
        Self { status: StatusCode::TOO_MANY_REQUESTS, problem: Problem::Throttled(code, retry_after) }
    }

    /// Something the page needs is down for now (503): its sentence (`code`) and
    /// `Retry-After`.
    pub fn unavailable(code: &'static str, retry_after: i64) -> Self {
        Self { status: StatusCode::SERVICE_UNAVAILABLE, problem: Problem::Unavailable(code, retry_after) }
    }

    /// A bug or an outage: logged here, once, with its cause; the person sees `internal`.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code shown on the page.
    pub fn code(&self) -> &'static str {
        match &self.problem {
            Problem::Code(code) => code,
            Problem::Field(error) => error.code,
            Problem::RateLimited(_) => "rate_limited",
            Problem::Throttled(code, _) | Problem::Unavailable(code, _) => code,
        }
    }

    /// The sentence in `language`.
    fn message(&self, language: Language) -> String {
        let tr = crate::i18n::I18n::global().tr(language);
        match &self.problem {
            Problem::Code(code) => tr.error(code).to_owned(),
            Problem::Field(error) => super::render::field_message(tr, error),
            Problem::RateLimited(retry_after) => super::render::rate_limited_message(tr, *retry_after),
            Problem::Throttled(code, retry_after) | Problem::Unavailable(code, retry_after) => {
                super::retry_after::note(*retry_after);
                tr.error(code).to_owned()
            }
        }
    }

    /// The whole page, in the frame the request's context chose.
    fn render(&self, app: &App, frame: Frame) -> Response {
        let message = self.message(frame.language);
        match frame.staff {
            Some(staff) => super::back_office::errors::staff_page(app, frame.language, &staff, self.status, message, self.code()),
            None => super::render::error_page_saying(app, frame.language, self.status, self.code(), message),
        }
    }
}

/// A use case's failure as a whole page. Refused input is 422, as on the forms (it used
/// to be 409 on some pages); an expired flow is 422 `flow.expired`, as on the forms.
impl From<ServiceError> for PageError {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Invalid(errors) => match errors.into_iter().next() {
                Some(first) => Self { status: StatusCode::UNPROCESSABLE_ENTITY, problem: Problem::Field(first) },
                None => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            },
            ServiceError::FlowExpired => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "flow.expired"),
            ServiceError::NotFound => Self::not_found(),
            ServiceError::RateLimited { retry_after } => {
                Self { status: StatusCode::TOO_MANY_REQUESTS, problem: Problem::RateLimited(retry_after) }
            }
            ServiceError::Unavailable(code) => Self::new(StatusCode::SERVICE_UNAVAILABLE, code),
            err @ ServiceError::StoreUnavailable(_) => {
                log_store_outage(&err);
                Self {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    problem: Problem::Unavailable(err.code(), crate::services::error::STORE_RETRY_AFTER_SECS),
                }
            }
            ServiceError::Internal(err) if crate::services::error::is_database_outage(&err) => {
                tracing::error!(error = %format!("{err:#}"), "the database is unavailable; the request was refused with 503");
                Self::unavailable(super::outage::CODE, super::outage::RETRY_AFTER_SECS)
            }
            ServiceError::Internal(err) => Self::internal(format!("{err:#}")),
        }
    }
}

/// The one log line of a [`ServiceError::StoreUnavailable`], with the store's own words
/// (connection refused, a signature the store rejected…), for pages and the API alike.
pub fn log_store_outage(err: &ServiceError) {
    tracing::error!(error = %err, "the document store is unavailable; the request was refused with 503");
}

/// The error travels to [`layer`] in the response's extensions; the layer draws the page.
impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// The frame an error page is drawn in, as the request's context found it.
struct Frame {
    language: Language,
    staff: Option<StaffFrame>,
}

/// What the staff frame needs: the member's bar, the token for its sign-out form, and the
/// page's address for the language switch.
#[derive(Debug, Clone)]
pub struct StaffFrame {
    /// The member's bar (none when the session could not be read).
    pub bar: Option<StaffBar>,
    /// CSRF token for the sign-out form.
    pub csrf: String,
    /// Path and query of the page.
    pub path: String,
}

#[derive(Debug, Default)]
struct Noted {
    language: Option<Language>,
    staff: Option<StaffFrame>,
}

/// Where the request's context notes the language and frame for an error page, in the
/// request's extensions.
#[derive(Debug, Clone, Default)]
pub struct ErrorFrame(Arc<Mutex<Noted>>);

impl ErrorFrame {
    /// Notes the language the page context chose.
    pub fn note_language(&self, language: Language) {
        if let Ok(mut noted) = self.0.lock() {
            noted.language = Some(language);
        }
    }

    /// Notes that the request is a back-office page, and its frame.
    pub fn note_staff(&self, staff: StaffFrame) {
        if let Ok(mut noted) = self.0.lock() {
            noted.staff = Some(staff);
        }
    }
}

/// Draws every [`PageError`] leaving a handler or extractor as its page.
pub async fn layer(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let frame = ErrorFrame::default();
    request.extensions_mut().insert(frame.clone());
    let language = super::context::language_from_headers(request.headers(), app.config.secure_cookies());
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<PageError>().cloned() else { return response };
    let noted = frame.0.lock().map(|mut n| std::mem::take(&mut *n)).unwrap_or_default();
    error.render(&app, Frame { language: noted.language.unwrap_or(language), staff: noted.staff })
}

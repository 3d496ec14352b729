//! Error pages in the back office's own frame: a member who mistypes an address or
//! opens another agency's application sees the staff header and a way back to their
//! work, not the citizen site's header.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::context::{StaffBar, StaffCtx};
use crate::app::App;
use crate::services::ServiceError;
use crate::web::page_error::{PageError, StaffFrame};
use crate::web::render::{FormErrors, Page, html};
use huduma_domain::Language;

#[derive(Template)]
#[template(path = "staff/error.html")]
struct StaffErrorTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    message: String,
    code: String,
}

/// The error page drawn by [`crate::web::page_error::layer`] for a back-office request.
pub fn staff_page(app: &App, language: Language, frame: &StaffFrame, status: StatusCode, message: String, code: &str) -> Response {
    let mut page = Page::bare(app, language, "error.title");
    page.csrf = frame.csrf.clone();
    page.next = serde_urlencoded::to_string([("next", frame.path.as_str())]).unwrap_or_default();
    html(status, &StaffErrorTemplate { page, staff: frame.bar.clone(), message, code: code.to_owned() })
}

/// How a failed use case shows on a staff form: the errors and status for the form, or a
/// whole staff error page when the failure is not about the input.
pub fn form_failure(s: &StaffCtx, err: ServiceError) -> Result<(StatusCode, FormErrors), PageError> {
    crate::web::render::form_failure(&s.ctx, err)
}

/// `/staff/{*rest}` — any address under `/staff` that no route serves.
pub async fn not_found(_: StaffCtx) -> PageError {
    PageError::not_found()
}

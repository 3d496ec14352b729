//! `GET|POST /track`: anyone can see the status of an application from its reference
//! and the applicant's ID or passport number. Nothing else is shown, "not found" and
//! "not yours" read the same, and look-ups are rate-limited.

use crate::clock::format_nairobi_in;
use crate::services::ServiceError;
use crate::services::applications::tracking::{self, Tracked};
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, form_failure, html};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "track.html")]
struct TrackTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    reference: String,
    document_number: String,
    found: Option<Found>,
    submitted: String,
    updated: String,
}

/// What the page shows of the application found, in the page's language.
struct Found {
    reference: String,
    service: String,
    status: String,
}

fn render(ctx: &Ctx, form: TrackForm, errors: FormErrors, found: Option<Tracked>, status: StatusCode) -> Response {
    let template = TrackTemplate {
        page: ctx.page("track.heading"),
        errors,
        reference: form.reference,
        document_number: form.document_number,
        submitted: found.as_ref().and_then(|f| f.submitted_at).map(|t| format_nairobi_in(t, ctx.language)).unwrap_or_default(),
        updated: found.as_ref().map(|f| format_nairobi_in(f.updated_at, ctx.language)).unwrap_or_default(),
        found: found.map(|f| Found {
            service: f.service.name.get_ref().get(ctx.language).to_owned(),
            status: crate::i18n::words::status(&f.service, &f.status, ctx.tr()),
            reference: f.reference,
        }),
    };
    html(status, &template)
}

/// The empty form.
pub async fn form(ctx: Ctx) -> Response {
    render(&ctx, TrackForm::default(), FormErrors::default(), None, StatusCode::OK)
}

/// What the visitor typed.
#[derive(Debug, Default, Deserialize)]
pub struct TrackForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    document_number: String,
}

/// Looks up.
pub async fn lookup(ctx: Ctx, CsrfForm(form): CsrfForm<TrackForm>) -> PageResult {
    match tracking::track(&ctx.app, &ctx.requester, &form.reference, &form.document_number).await {
        Ok(found) => Ok(render(&ctx, form, FormErrors::default(), Some(found), StatusCode::OK)),
        Err(ServiceError::NotFound) => {
            let errors = FormErrors::single(ctx.tr(), "reference", "track.not_found");
            Ok(render(&ctx, form, errors, None, StatusCode::NOT_FOUND))
        }
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(render(&ctx, form, errors, None, status))
        }
    }
}

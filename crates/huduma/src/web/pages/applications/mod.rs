//! The citizen's side of applying: start, form pages, documents, check your answers,
//! submission, "My applications" and public tracking. Every handler but tracking needs a
//! signed-in citizen, and every look-up is scoped to that citizen in the query itself.

pub mod check_answers;
pub mod fee_option;
pub mod fields;
pub mod form_page;
pub mod list;
pub mod overview;
pub mod start;
pub mod track;
pub mod uploads;

use crate::services::ServiceError;
use crate::services::applications::{self, Loaded};
use crate::web::context::Ctx;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{FormErrors, form_failure};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::{ApplicationId, Money};

/// Loads one of the person's applications. Every route that calls it declares the
/// citizen rule, so a missing sign-in cannot reach here; it would read as "not found".
pub async fn load(ctx: &Ctx, id: &str) -> Result<Loaded, PageError> {
    let me = ctx.me.as_ref().ok_or_else(PageError::not_found)?;
    Ok(applications::load(&ctx.app, me, &parsed(id)?).await?)
}

/// The application id in a URL. Text that cannot be an id names no application: it takes
/// the same "not found" path as an unknown id.
pub fn parsed(id: &str) -> Result<ApplicationId, ServiceError> {
    ApplicationId::parse(id).ok_or(ServiceError::NotFound)
}

/// The service's name in the page's language.
pub fn service_name(ctx: &Ctx, loaded: &Loaded) -> String {
    loaded.service.name.get_ref().get(ctx.language).to_owned()
}

/// Draws a page of a draft: the draft's page when it is still a draft, its overview once
/// submitted (nothing can change any more), or "not found".
pub async fn draft_page(ctx: &Ctx, id: &str, draw: impl Fn(&Ctx, &Loaded, FormErrors, StatusCode) -> Response) -> PageResult {
    let loaded = load(ctx, id).await?;
    if !loaded.status().is_draft() {
        return Ok(Redirect::to(&format!("/applications/{id}")).into_response());
    }
    Ok(draw(ctx, &loaded, FormErrors::default(), StatusCode::OK))
}

/// After a refused input: the same page again with the problems, or the error page when
/// the failure is not about the input. A document store that is down also redraws the
/// page (503, with its sentence at the top), so the person sees their draft is intact.
pub async fn draw_problems(
    ctx: &Ctx,
    id: &str,
    err: ServiceError,
    draw: impl Fn(&Ctx, &Loaded, FormErrors, StatusCode) -> Response,
) -> PageResult {
    if !matches!(err, ServiceError::Invalid(_) | ServiceError::StoreUnavailable(_)) {
        return Err(err.into());
    }
    let (status, errors) = form_failure(ctx, err)?;
    let loaded = load(ctx, id).await?;
    Ok(draw(ctx, &loaded, errors, status))
}

/// A fee as the citizen reads it: "Free" or "KES 1,000".
pub fn fee_text(ctx: &Ctx, fee: Option<Money>) -> String {
    fee.map(|m| if m.minor == 0 { ctx.tr().t("service.free_short").to_owned() } else { m.to_string() }).unwrap_or_default()
}

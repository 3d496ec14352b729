//! `POST /services/{code}/apply`: starts a draft and opens its task list.

use crate::services::applications;
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect};

/// Starts an application for a service.
pub async fn start(
    Citizen(ref me): Citizen,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = applications::start(&ctx.app, me, &code).await?;
    Ok(Redirect::to(&format!("/applications/{id}")).into_response())
}

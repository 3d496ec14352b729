//! `GET /applications` ("My applications": drafts and submissions with their status),
//! `GET /applications/{id}/delete` (asks whether to delete a draft, naming it) and
//! `POST /applications/{id}/delete` (deletes it).

use super::{draft_page, service_name};
use crate::clock::format_nairobi_in;
use crate::i18n::words;
use crate::services::applications::{self, Loaded, definitions, display_reference};
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{FormErrors, Page, html};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// One row of "My applications".
pub struct Row {
    /// Link.
    pub href: String,
    /// Service name.
    pub service: String,
    /// Reference, or empty for drafts.
    pub reference: String,
    /// Status label.
    pub status: String,
    /// Draft or not.
    pub draft: bool,
    /// Last change.
    pub updated: String,
    /// When a draft will be deleted.
    pub expires: String,
    /// Id, for the delete form.
    pub id: String,
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ListTemplate<'a> {
    page: Page<'a>,
    drafts: Vec<Row>,
    submitted: Vec<Row>,
}

/// "My applications".
pub async fn show(Citizen(ref me): Citizen, ctx: Ctx) -> Result<Response, PageError> {
    let rows = applications::list(&ctx.app, me).await?;
    let tr = ctx.tr();
    let (mut drafts, mut submitted) = (Vec::new(), Vec::new());
    for row in rows {
        let service = definitions::service(&ctx.app, &row.service_code, row.service_version, &row.agency).await?;
        let view = Row {
            href: format!("/applications/{}", row.id),
            service: service.name.get_ref().get(ctx.language).to_owned(),
            reference: row.reference.as_deref().map(display_reference).unwrap_or_default(),
            status: words::status(&service, &row.status, tr),
            draft: row.status.is_draft(),
            updated: format_nairobi_in(row.updated_at, ctx.language),
            expires: row.expires_at.map(|t| format_nairobi_in(t, ctx.language)).unwrap_or_default(),
            id: row.id.to_string(),
        };
        if view.draft { drafts.push(view) } else { submitted.push(view) }
    }
    Ok(html(StatusCode::OK, &ListTemplate { page: ctx.page("application.list_heading"), drafts, submitted }))
}

#[derive(Template)]
#[template(path = "application_delete.html")]
struct DeleteTemplate<'a> {
    page: Page<'a>,
    id: String,
    service: String,
    updated: String,
}

fn confirm_page(ctx: &Ctx, loaded: &Loaded, _: FormErrors, status: StatusCode) -> Response {
    let template = DeleteTemplate {
        page: ctx.page("application.delete_title"),
        id: loaded.row.id.to_string(),
        service: service_name(ctx, loaded),
        updated: format_nairobi_in(loaded.row.updated_at, ctx.language),
    };
    html(status, &template)
}

/// Asks before deleting: deleting cannot be undone, so the button that deletes is on a
/// page of its own that names the draft (and works without JavaScript).
pub async fn confirm(_: Citizen, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    draft_page(&ctx, &id, confirm_page).await
}

/// Deletes a draft.
pub async fn delete(
    Citizen(ref me): Citizen,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    applications::delete_draft(&ctx.app, me, &super::parsed(&id)?).await?;
    Ok(Redirect::to("/applications?notice=draft_deleted").into_response())
}

//! `GET|POST /applications/{id}/pages/{page}`: one page of the service's form. Posting
//! saves whatever was typed (so nothing is lost), then either shows the problems next to
//! their fields or moves on to the next step.

use super::fields::{FieldView, views};
use super::{load, service_name};
use crate::services::ServiceError;
use crate::services::applications::{self, Loaded, facts};
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{FormErrors, Page, Question, form_failure, html};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use huduma_domain::application::{fee, progress};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "application_page.html")]
struct FormPageTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    action: String,
    service: String,
    heading: String,
    step: String,
    fields: Vec<FieldView>,
    back: String,
}

/// `?return=check` when the person came from check-your-answers.
#[derive(Debug, Default, Deserialize)]
pub struct Return {
    #[serde(default, rename = "return")]
    to: String,
}

/// Where to go after a page is saved.
pub fn next_step(loaded: &Loaded, after_page: Option<&str>, to_check: bool) -> String {
    let id = &loaded.row.id;
    if to_check && loaded.missing().is_empty() {
        return format!("/applications/{id}/check");
    }
    let pages = &loaded.service.pages;
    let position = after_page.and_then(|code| pages.iter().position(|p| p.code.get_ref() == code));
    let next_page = match position {
        Some(i) => pages.get(i + 1),
        None if after_page.is_none() => None,
        None => pages.first(),
    };
    if let Some(page) = next_page {
        return format!("/applications/{id}/pages/{}", page.code.get_ref());
    }
    if fee::needs_option(&loaded.service) && after_page.is_some() {
        return format!("/applications/{id}/option");
    }
    if progress::documents(&loaded.service, &loaded.answers).next().is_some() {
        return format!("/applications/{id}/documents");
    }
    format!("/applications/{id}/check")
}

fn render(ctx: &Ctx, loaded: &Loaded, page_code: &str, errors: FormErrors, status: StatusCode, to_check: bool) -> PageResult {
    let (index, page) =
        loaded.service.pages.iter().enumerate().find(|(_, p)| p.code.get_ref() == page_code).ok_or_else(PageError::not_found)?;
    let me = ctx.me.as_ref().ok_or_else(PageError::not_found)?;
    let tr = ctx.tr();
    let id = &loaded.row.id;
    let back = if index == 0 {
        format!("/applications/{id}")
    } else {
        format!("/applications/{id}/pages/{}", loaded.service.pages[index - 1].code.get_ref())
    };
    let mut fields = views(page, &loaded.answers, &facts(&me.account), &errors, ctx.language, tr.t("application.only_if"));
    // Each summary line names its question and links to the control to correct.
    let errors = errors.for_questions(tr, fields.iter().map(|f| Question { field: &f.code, label: &f.label, anchor: f.anchor() }));
    for f in &mut fields {
        f.error = errors.get(&f.code).map(str::to_owned);
    }
    let template = FormPageTemplate {
        fields,
        page: Page { title: page.title.get_ref().get(ctx.language).to_owned(), ..ctx.page("application.tasks_heading") },
        errors,
        action: format!("/applications/{id}/pages/{page_code}{}", if to_check { "?return=check" } else { "" }),
        service: service_name(ctx, loaded),
        heading: page.title.get_ref().get(ctx.language).to_owned(),
        step: tr.f("application.step", &[("n", &(index + 1).to_string()), ("total", &loaded.service.pages.len().to_string())]),
        back,
    };
    Ok(html(status, &template))
}

/// Shows a form page.
pub async fn show(_: Citizen, ctx: Ctx, Path((id, page_code)): Path<(String, String)>, Query(ret): Query<Return>) -> PageResult {
    let loaded = load(&ctx, &id).await?;
    if !loaded.status().is_draft() {
        return Ok(Redirect::to(&format!("/applications/{id}")).into_response());
    }
    render(&ctx, &loaded, &page_code, FormErrors::default(), StatusCode::OK, ret.to == "check")
}

/// Saves a form page.
pub async fn save(
    Citizen(ref me): Citizen,
    ctx: Ctx,
    Path((id, page_code)): Path<(String, String)>,
    Query(ret): Query<Return>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let to_check = ret.to == "check";
    let problems = applications::save_page(&ctx.app, me, &super::parsed(&id)?, &page_code, &form).await?;
    let loaded = load(&ctx, &id).await?;
    if problems.is_empty() {
        return Ok(Redirect::to(&next_step(&loaded, Some(&page_code), to_check)).into_response());
    }
    let (status, errors) = form_failure(&ctx, ServiceError::Invalid(problems))?;
    render(&ctx, &loaded, &page_code, errors, status, to_check)
}

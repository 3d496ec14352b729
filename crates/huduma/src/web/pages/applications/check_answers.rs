//! `GET /applications/{id}/check` lists every answer and document with a "Change" link;
//! `POST /applications/{id}/submit` submits after the declaration;
//! `GET /applications/{id}/submitted` is the confirmation panel with the reference.

use super::{draft_page, draw_problems, fee_text, load, parsed, service_name};
use crate::services::applications::{Loaded, display_reference, submit};
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, html};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::application::{Answer, Status};
use serde::Deserialize;

/// One answer on check-your-answers.
pub struct AnswerRow {
    pub question: String,
    /// Answer as the citizen reads it.
    pub answer: String,
    /// "Change" link (empty when not changeable).
    pub change: String,
}

/// One uploaded document.
pub struct DocumentView {
    /// What it is.
    pub label: String,
    pub file_name: String,
    /// Download link.
    pub href: String,
}

/// Every asked question with its answer, in form order.
pub fn answer_rows(ctx: &Ctx, loaded: &Loaded, changeable: bool) -> Vec<AnswerRow> {
    let tr = ctx.tr();
    let mut rows = Vec::new();
    for page in &loaded.service.pages {
        for field in page.fields.iter().filter(|f| loaded.answers.shows(f)) {
            let answer = match loaded.answers.get(field.code.get_ref()) {
                None => tr.t("application.not_answered").to_owned(),
                Some(a) => readable(field, a, ctx),
            };
            rows.push(AnswerRow {
                question: field.label.get_ref().get(ctx.language).to_owned(),
                answer,
                change: if changeable && field.prefill.is_none() {
                    format!("/applications/{}/pages/{}?return=check#{}", loaded.row.id, page.code.get_ref(), field.code.get_ref())
                } else {
                    String::new()
                },
            });
        }
    }
    if let Some(option) = loaded.row.fee_option.as_deref() {
        let chosen = loaded.service.fee.get_ref().options.iter().find(|o| o.code.get_ref() == option);
        if let Some(chosen) = chosen.filter(|_| loaded.service.fee.get_ref().options.len() > 1) {
            rows.push(AnswerRow {
                question: tr.t("application.option_heading").to_owned(),
                answer: chosen.label.get_ref().get(ctx.language).to_owned(),
                change: if changeable { format!("/applications/{}/option", loaded.row.id) } else { String::new() },
            });
        }
    }
    rows
}

/// An answer in words: the label of a chosen option rather than its code.
fn readable(field: &huduma_domain::catalogue::definition::Field, answer: &Answer, ctx: &Ctx) -> String {
    crate::i18n::words::answer(field, answer, ctx.tr())
}

/// The uploaded documents.
pub fn document_views(loaded: &Loaded, language: huduma_domain::Language) -> Vec<DocumentView> {
    loaded
        .documents
        .iter()
        .map(|d| DocumentView {
            label: loaded
                .service
                .documents
                .iter()
                .find(|r| r.code.get_ref() == &d.requirement)
                .map(|r| r.label.get_ref().get(language).to_owned())
                .unwrap_or_default(),
            file_name: d.file_name.clone(),
            href: format!("/applications/{}/files/{}", loaded.row.id, d.id),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "application_check.html")]
struct CheckTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    id: String,
    service: String,
    answers: Vec<AnswerRow>,
    documents: Vec<DocumentView>,
    documents_href: String,
    fee: String,
    paid: bool,
    missing: Vec<String>,
}

fn render(ctx: &Ctx, loaded: &Loaded, errors: FormErrors, status: StatusCode) -> Response {
    let tr = ctx.tr();
    let missing = loaded.missing();
    let mut lines: Vec<String> = missing
        .pages
        .iter()
        .filter_map(|code| loaded.service.pages.iter().find(|p| p.code.get_ref() == code))
        .map(|p| tr.f("application.missing_page", &[("page", p.title.get_ref().get(ctx.language))]))
        .collect();
    lines.extend(
        missing
            .documents
            .iter()
            .filter_map(|code| loaded.service.documents.iter().find(|d| d.code.get_ref() == code))
            .map(|d| tr.f("application.missing_document", &[("document", d.label.get_ref().get(ctx.language))])),
    );
    if missing.fee_option {
        lines.push(tr.t("application.missing_option").to_owned());
    }
    let documents = document_views(loaded, ctx.language);
    let fee = loaded.fee();
    let template = CheckTemplate {
        page: ctx.page("application.check_heading"),
        errors,
        id: loaded.row.id.to_string(),
        service: service_name(ctx, loaded),
        answers: answer_rows(ctx, loaded, true),
        documents,
        documents_href: format!("/applications/{}/documents", loaded.row.id),
        paid: fee.is_some_and(|m| m.minor > 0),
        fee: fee_text(ctx, fee),
        missing: lines,
    };
    html(status, &template)
}

/// Shows check-your-answers.
pub async fn show(_: Citizen, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    draft_page(&ctx, &id, render).await
}

/// The declaration.
#[derive(Debug, Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    declaration: String,
}

pub async fn submit(Citizen(ref me): Citizen, ctx: Ctx, Path(id): Path<String>, CsrfForm(form): CsrfForm<SubmitForm>) -> PageResult {
    match async { submit::submit(&ctx.app, me, &parsed(&id)?, form.declaration == "yes").await }.await {
        Ok(_) => Ok(Redirect::to(&format!("/applications/{id}/submitted")).into_response()),
        Err(err) => draw_problems(&ctx, &id, err, render).await,
    }
}

#[derive(Template)]
#[template(path = "application_submitted.html")]
struct SubmittedTemplate<'a> {
    page: Page<'a>,
    id: String,
    service: String,
    reference: String,
    awaiting_payment: bool,
    fee: String,
    next_steps: String,
}

/// The confirmation panel.
pub async fn submitted(_: Citizen, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let loaded = load(&ctx, &id).await?;
    let Some(reference) = loaded.row.reference.as_deref().map(display_reference) else {
        return Ok(Redirect::to(&format!("/applications/{id}")).into_response());
    };
    let template = SubmittedTemplate {
        page: ctx.page("application.submitted_heading"),
        id: loaded.row.id.to_string(),
        service: service_name(&ctx, &loaded),
        reference,
        awaiting_payment: loaded.row.status == Status::AwaitingPayment,
        fee: loaded.fee().map(|m| m.to_string()).unwrap_or_default(),
        next_steps: loaded.service.next_steps.get_ref().get(ctx.language).to_owned(),
    };
    Ok(html(StatusCode::OK, &template))
}

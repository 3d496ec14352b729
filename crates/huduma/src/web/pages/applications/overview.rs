//! `GET /applications/{id}`: a draft's task list (what is done, what is left), or a
//! submitted application's status, timeline, answers and documents.

use super::check_answers::{AnswerRow, DocumentView, answer_rows, document_views};
use super::{fee_text, load, service_name};
use crate::clock::format_nairobi_in;
use crate::i18n::words;
use crate::services::applications::{Loaded, certificate, display_reference, respond};
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{FormErrors, Page, form_failure, html};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use huduma_domain::application::{fee, progress};
use serde::Deserialize;

/// One line of the task list.
pub struct Task {
    /// Link.
    pub href: String,
    /// What to do.
    pub label: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "application_tasks.html")]
struct TasksTemplate<'a> {
    page: Page<'a>,
    id: String,
    service: String,
    tasks: Vec<Task>,
    ready: bool,
    expires: String,
}

/// One line of the timeline.
pub struct TimelineItem {
    /// When, in Nairobi time.
    pub at: String,
    /// Status label.
    pub status: String,
    /// Note for the citizen.
    pub note: String,
}

#[derive(Template)]
#[template(path = "application_detail.html")]
struct DetailTemplate<'a> {
    page: Page<'a>,
    id: String,
    has_invoice: bool,
    service: String,
    reference: String,
    status: String,
    awaiting_payment: bool,
    fee: String,
    submitted: String,
    timeline: Vec<TimelineItem>,
    answers: Vec<AnswerRow>,
    documents: Vec<DocumentView>,
    /// The agency's question, when the application is back with the applicant.
    question: Option<String>,
    /// Errors of the answer form.
    errors: FormErrors,
    /// Serial of the issued certificate.
    certificate: Option<String>,
}

/// The tasks of a draft, in order: each form page, the fee option, documents, check.
pub fn tasks(ctx: &Ctx, loaded: &Loaded) -> Vec<Task> {
    let id = &loaded.row.id;
    let tr = ctx.tr();
    let mut tasks: Vec<Task> = loaded
        .service
        .pages
        .iter()
        .map(|p| Task {
            href: format!("/applications/{id}/pages/{}", p.code.get_ref()),
            label: p.title.get_ref().get(ctx.language).to_owned(),
            done: progress::page_complete(p, &loaded.answers),
        })
        .collect();
    if fee::needs_option(&loaded.service) {
        tasks.push(Task {
            href: format!("/applications/{id}/option"),
            label: tr.t("application.option_task").to_owned(),
            done: loaded.row.fee_option.as_deref().is_some_and(|o| fee::is_option(&loaded.service, o)),
        });
    }
    if progress::documents(&loaded.service, &loaded.answers).next().is_some() {
        tasks.push(Task {
            href: format!("/applications/{id}/documents"),
            label: tr.t("application.documents_task").to_owned(),
            done: loaded.missing().documents.is_empty(),
        });
    }
    tasks
}

/// Shows an application.
pub async fn show(_: Citizen, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    detail(&ctx, &id, FormErrors::default(), StatusCode::OK).await
}

async fn detail(ctx: &Ctx, id: &str, errors: FormErrors, status_code: StatusCode) -> PageResult {
    let loaded = load(ctx, id).await?;
    let tr = ctx.tr();
    if loaded.status().is_draft() {
        let tasks = tasks(ctx, &loaded);
        let template = TasksTemplate {
            page: Page {
                title: format!("{}: {}", ctx.tr().t("application.tasks_heading"), service_name(ctx, &loaded)),
                ..ctx.page("application.tasks_heading")
            },
            id: loaded.row.id.to_string(),
            service: service_name(ctx, &loaded),
            ready: loaded.missing().is_empty(),
            tasks,
            expires: loaded.row.expires_at.map(|t| format_nairobi_in(t, ctx.language)).unwrap_or_default(),
        };
        return Ok(html(StatusCode::OK, &template));
    }
    let events = crate::services::applications::timeline::events(&ctx.app, &loaded).await?;
    let mut timeline = vec![TimelineItem {
        at: loaded.row.submitted_at.map(|t| format_nairobi_in(t, ctx.language)).unwrap_or_default(),
        status: tr.t("application.timeline_submitted").to_owned(),
        note: String::new(),
    }];
    timeline.extend(events.into_iter().map(|e| TimelineItem {
        at: format_nairobi_in(e.at, ctx.language),
        status: words::status(&loaded.service, &e.status, tr),
        note: [e.note, e.details.as_deref().and_then(|d| words::appointment(d, tr))].into_iter().flatten().collect::<Vec<_>>().join(" · "),
    }));
    let with_applicant =
        huduma_domain::workflow::state(&loaded.service.workflow, loaded.row.status.as_str()).is_some_and(|s| s.with_applicant);
    let question = if with_applicant {
        Some(respond::question(&ctx.app, &loaded.row.id, &loaded.row.status).await?.unwrap_or_default())
    } else {
        None
    };
    let Some(me) = ctx.me.as_ref() else { return Ok(ctx.sign_in_redirect()) };
    let certificate = certificate::certificate_serial(&ctx.app, me, &loaded.row.id).await?;
    let reference = loaded.row.reference.as_deref().map(display_reference).unwrap_or_default();
    let template = DetailTemplate {
        page: Page { title: reference.clone(), ..ctx.page("application.detail_heading") },
        id: loaded.row.id.to_string(),
        has_invoice: loaded.row.fee_minor.is_some_and(|fee| fee > 0),
        service: service_name(ctx, &loaded),
        status: words::status(&loaded.service, &loaded.row.status, tr),
        awaiting_payment: loaded.row.status == huduma_domain::application::Status::AwaitingPayment,
        fee: fee_text(ctx, loaded.fee()),
        submitted: loaded.row.submitted_at.map(|t| format_nairobi_in(t, ctx.language)).unwrap_or_default(),
        timeline,
        answers: answer_rows(ctx, &loaded, false),
        documents: document_views(&loaded, ctx.language),
        reference,
        question,
        errors,
        certificate,
    };
    Ok(html(status_code, &template))
}

/// The applicant's answer.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

/// `POST /applications/{id}/respond` — the owner, while the agency has sent it back.
pub async fn respond(Citizen(ref me): Citizen, ctx: Ctx, Path(id): Path<String>, CsrfForm(form): CsrfForm<AnswerForm>) -> PageResult {
    match async { respond::resubmit(&ctx.app, me, &super::parsed(&id)?, &form.answer).await }.await {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}?notice=resubmitted")).into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            detail(&ctx, &id, errors, status).await
        }
    }
}

/// `GET /applications/{id}/certificate` — the owner: the issued certificate as a PDF.
pub async fn certificate_pdf(Citizen(ref me): Citizen, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let row = certificate::certificate(&ctx.app, me, &super::parsed(&id)?).await?;
    crate::web::pages::certificates::download(&ctx.app, &row, ctx.language).map_err(PageError::from)
}

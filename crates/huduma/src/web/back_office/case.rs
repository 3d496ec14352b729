//! One application in the back office: `GET /staff/applications/{reference}` shows the
//! answers, documents, payment, timeline, internal notes and the actions the member may
//! take; the `POST`s below it take an action, claim or assign it, add a note, revoke its
//! certificate. Documents open inline (images and checked PDFs, sandboxed) or download.

use crate::web::access::Staff;
use crate::web::page_error::{PageError, PageResult};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use huduma_domain::catalogue::definition::ActionKind;
use huduma_domain::workflow::ActionInput;
use serde::Deserialize;

use super::context::{StaffBar, StaffCtx};
use crate::clock::{format_nairobi_date_in, format_nairobi_in};
use crate::i18n::words;
use crate::services::ServiceResult;
use crate::services::applications::display_reference;
use crate::services::back_office::{actions, certificates, queue, sla};
use crate::web::csrf::CsrfForm;
use crate::web::pages::applications::uploads::attachment;
use crate::web::render::{FormErrors, Page, html};

/// An action form as shown.
struct ActionView {
    code: String,
    label: String,
    kind: &'static str,
    note_required: bool,
}

/// A timeline line as staff see it.
struct EventView {
    at: String,
    status: String,
    action: String,
    by: String,
    note: String,
    appointment: String,
}

/// A document line.
struct DocumentView {
    id: String,
    label: String,
    file_name: String,
    content_type: String,
    size_kb: i64,
    uploaded: String,
    /// Opens in the browser (images and checked PDFs).
    inline: bool,
    /// Shown in the viewer beside the answers.
    selected: bool,
}

/// The document shown beside the answers.
struct Viewer {
    id: String,
    label: String,
    file_name: String,
    /// An image (shown with `<img>`); otherwise a PDF in a frame.
    image: bool,
}

#[derive(Template)]
#[template(path = "staff/case.html")]
struct CaseTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    errors: FormErrors,
    reference: String,
    stored_reference: String,
    service: String,
    status: String,
    standing: &'static str,
    standing_label: String,
    due: String,
    applicant: String,
    applicant_document: String,
    applicant_phone: String,
    applicant_email: String,
    answers: Vec<(String, String)>,
    documents: Vec<DocumentView>,
    viewer: Option<Viewer>,
    payment: Vec<(String, String)>,
    events: Vec<EventView>,
    notes: Vec<(String, String, String)>,
    actions: Vec<ActionView>,
    assigned: String,
    claimable: bool,
    members: Vec<(String, String)>,
    /// The assignee's member id, to select them in the list.
    assigned_id: String,
    certificate: Option<(String, String, String)>,
    escalated: bool,
}

/// Whether a document of this type opens in the browser (and so in the viewer).
fn opens_inline(content_type: &str) -> bool {
    matches!(content_type, "image/jpeg" | "image/png" | "application/pdf")
}

async fn render(s: &StaffCtx, reference: &str, selected: Option<&str>, errors: FormErrors, status_code: StatusCode) -> PageResult {
    let Some(me) = s.member.as_ref() else { return Ok(Redirect::to("/staff/sign-in").into_response()) };
    let app = &s.ctx.app;
    let case = queue::case(app, me, reference).await?;
    let language = s.ctx.language;
    let tr = s.ctx.tr();
    let service = &case.service;
    let answers = service
        .fields()
        .filter_map(|f| case.answers.get(f.code.get_ref()).map(|a| (f.label.get_ref().get(language).to_owned(), words::answer(f, a, tr))))
        .collect();
    // The viewer shows the document the member picked, or else the first one that opens.
    let shown = selected
        .and_then(|id| case.documents.iter().find(|d| d.id.as_str() == id && opens_inline(&d.content_type)))
        .or_else(|| case.documents.iter().find(|d| opens_inline(&d.content_type)))
        .map(|d| d.id.clone());
    let documents: Vec<DocumentView> = case
        .documents
        .iter()
        .map(|d| DocumentView {
            id: d.id.to_string(),
            label: service
                .documents
                .iter()
                .find(|r| r.code.get_ref() == &d.requirement)
                .map_or(d.requirement.clone(), |r| r.label.get_ref().get(language).to_owned()),
            file_name: d.file_name.clone(),
            content_type: d.content_type.clone(),
            size_kb: (d.size + 1023) / 1024,
            uploaded: format_nairobi_in(d.uploaded_at, s.ctx.language),
            inline: opens_inline(&d.content_type),
            selected: shown.as_ref() == Some(&d.id),
        })
        .collect();
    let viewer = documents.iter().find(|d| d.selected).map(|d| Viewer {
        id: d.id.clone(),
        label: d.label.clone(),
        file_name: d.file_name.clone(),
        image: d.content_type.starts_with("image/"),
    });
    let mut payment = Vec::new();
    if let Some(invoice) = &case.invoice {
        payment.push((tr.t("staff.invoice").to_owned(), invoice.number.clone()));
        payment
            .push((tr.t("staff.invoice_status").to_owned(), tr.t(&format!("staff.invoice_state.{}", invoice.status.as_str())).to_owned()));
        let money = |minor: i64| huduma_domain::Money { minor, currency: invoice.currency }.to_string();
        payment.push((tr.t("staff.amount_paid").to_owned(), format!("{} / {}", money(invoice.paid_minor), money(invoice.total_minor))));
        for p in &case.payments {
            payment.push((
                format!("{} {}", p.method, format_nairobi_in(p.paid_at, s.ctx.language)),
                format!("{} ({})", money(p.amount_minor), p.provider_ref),
            ));
        }
    } else {
        payment.push((tr.t("staff.invoice").to_owned(), tr.t("staff.no_fee").to_owned()));
    }
    let events = case
        .events
        .iter()
        .map(|e| EventView {
            at: format_nairobi_in(e.at, s.ctx.language),
            status: words::status(service, &e.status, tr),
            action: e
                .action
                .as_deref()
                .and_then(|code| service.workflow.actions.iter().find(|a| a.code.get_ref() == code))
                .map(|a| a.label.get_ref().get(language).to_owned())
                .unwrap_or_default(),
            by: e.staff_name.clone().unwrap_or_default(),
            note: e.note.clone().unwrap_or_default(),
            appointment: e.details.as_deref().and_then(|d| words::appointment(d, tr)).unwrap_or_default(),
        })
        .collect();
    let notes = case.notes.iter().map(|n| (n.author.clone(), format_nairobi_in(n.at, s.ctx.language), n.body.clone())).collect();
    let actions = case
        .actions
        .iter()
        .filter_map(|code| service.workflow.actions.iter().find(|a| a.code.get_ref() == code))
        .map(|a| ActionView {
            code: a.code.get_ref().clone(),
            label: a.label.get_ref().get(language).to_owned(),
            kind: a.kind().code(),
            note_required: matches!(a.kind(), ActionKind::Reject | ActionKind::RequestInformation),
        })
        .collect();
    let members = if me.role.supervises() {
        let list = crate::services::back_office::members::of_agency(app, me.agency()).await?;
        list.into_iter().filter(|m| m.active && m.agency.is_some()).map(|m| (m.id.to_string(), m.name)).collect()
    } else {
        Vec::new()
    };
    let now = app.clock.now();
    let (standing, due) = match case.handling.queue.queue_due {
        Some(due) if case.handling.queue.queue_agency.is_some() => {
            let standing = sla::standing(&app.calendar, due, now);
            (standing.code(), if standing == sla::Standing::Paused { String::new() } else { format_nairobi_in(due - 1, s.ctx.language) })
        }
        _ => ("", String::new()),
    };
    let certificate = case.certificate.as_ref().map(|c| {
        let validity = certificates::validity(c, now);
        (
            c.serial.clone(),
            tr.t(&format!("certificate.status.{}", validity.code())).to_owned(),
            c.valid_until.map(|t| format_nairobi_date_in(t, s.ctx.language)).unwrap_or_default(),
        )
    });
    let template = CaseTemplate {
        page: s.page("staff.case_title"),
        staff: s.bar(),
        errors,
        reference: display_reference(reference),
        stored_reference: reference.to_owned(),
        service: service.name.get_ref().get(language).to_owned(),
        status: words::status(service, &case.row.status, tr),
        standing,
        standing_label: if standing.is_empty() { String::new() } else { tr.t(&format!("staff.standing.{standing}")).to_owned() },
        due,
        applicant: format!("{} {} {}", case.applicant.first_name, case.applicant.other_names, case.applicant.surname)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        applicant_document: case.applicant.document_number.clone(),
        applicant_phone: case.applicant.phone.clone(),
        applicant_email: case.applicant.email.clone(),
        answers,
        documents,
        viewer,
        payment,
        events,
        notes,
        actions,
        assigned: case.handling.assigned_name.clone().unwrap_or_default(),
        claimable: case.handling.assigned_to.is_none() && case.handling.queue.queue_agency.is_some(),
        members,
        assigned_id: case.handling.assigned_to.as_ref().map(ToString::to_string).unwrap_or_default(),
        certificate,
        escalated: case.handling.escalated_at.is_some(),
    };
    let mut response = html(status_code, &template);
    // The viewer frames the document's own sandboxed response from this origin; nothing
    // else may be framed.
    let policy = format!("{}; frame-src 'self'", app.csp);
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

/// The reference as typed in the path, compact and upper case.
fn compact(reference: &str) -> String {
    reference.trim().to_ascii_uppercase().replace('-', "")
}

/// `?doc=` picks the document shown beside the answers.
#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    doc: Option<String>,
}

/// `GET /staff/applications/{reference}` — staff of the application's agency.
pub async fn show(_: Staff, s: StaffCtx, Path(reference): Path<String>, Query(q): Query<CaseQuery>) -> PageResult {
    render(&s, &compact(&reference), q.doc.as_deref(), FormErrors::default(), StatusCode::OK).await
}

async fn after(s: &StaffCtx, reference: &str, result: ServiceResult<()>, notice: &str) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/applications/{reference}?notice={notice}")).into_response()),
        Err(err) => {
            let (status, errors) = super::errors::form_failure(s, err)?;
            render(s, reference, None, errors, status).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    office: String,
}

/// `POST /staff/applications/{reference}/actions/{action}` — the role the workflow names.
pub async fn act(
    Staff(ref me, _): Staff,
    s: StaffCtx,
    Path((reference, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> PageResult {
    let reference = compact(&reference);
    let input = ActionInput { note: form.note, date: form.date, time: form.time, office: form.office };
    let result = actions::take(&s.ctx.app, me, &s.ctx.requester.ip, &reference, &action, &input).await.map(|_| ());
    after(&s, &reference, result, "action_taken").await
}

/// Claim or assignment.
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    /// Member id; empty gives it back to nobody; `me` claims.
    #[serde(default)]
    assignee: String,
}

/// `POST /staff/applications/{reference}/assign` — officers claim; supervisors assign.
pub async fn assign(
    Staff(ref me, _): Staff,
    s: StaffCtx,
    Path(reference): Path<String>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> PageResult {
    let reference = compact(&reference);
    let to = match form.assignee.as_str() {
        "me" => Some(me.row.id.to_string()),
        "" => None,
        other => Some(other.to_owned()),
    };
    let result = actions::assign(&s.ctx.app, me, &s.ctx.requester.ip, &reference, to.as_deref()).await;
    after(&s, &reference, result, "assigned").await
}

#[derive(Debug, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

/// `POST /staff/applications/{reference}/notes` — staff of the agency.
pub async fn note(Staff(ref me, _): Staff, s: StaffCtx, Path(reference): Path<String>, CsrfForm(form): CsrfForm<NoteForm>) -> PageResult {
    let reference = compact(&reference);
    let result = actions::add_note(&s.ctx.app, me, &s.ctx.requester.ip, &reference, &form.body).await;
    after(&s, &reference, result, "note_added").await
}

/// A revocation.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    reason: String,
}

/// `POST /staff/applications/{reference}/certificate/{serial}/revoke` — staff of the issuing agency.
pub async fn revoke(
    Staff(ref me, _): Staff,
    s: StaffCtx,
    Path((reference, serial)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> PageResult {
    let reference = compact(&reference);
    let result = certificates::revoke(&s.ctx.app, me, &s.ctx.requester.ip, &serial, &form.reason).await;
    after(&s, &reference, result, "certificate_revoked").await
}

/// `?inline=1` opens the file in the browser.
#[derive(Debug, Deserialize)]
pub struct DocumentQuery {
    #[serde(default)]
    inline: Option<String>,
}

/// `GET /staff/applications/{reference}/documents/{id}` — staff of the agency; audited.
pub async fn document(
    Staff(ref me, _): Staff,
    s: StaffCtx,
    Path((reference, id)): Path<(String, String)>,
    Query(q): Query<DocumentQuery>,
) -> PageResult {
    // An id that cannot be one names no document: the same "not found".
    let id = huduma_domain::DocumentId::parse(&id).ok_or_else(PageError::not_found)?;
    let (row, bytes) = queue::document(&s.ctx.app, me, &s.ctx.requester.ip, &compact(&reference), &id).await?;
    let mut response = attachment(&row.file_name, &row.content_type, bytes);
    // Images were re-encoded and PDFs checked for scripts at upload; inline viewing
    // still runs in a sandbox with no script, form or plugin rights.
    // Only the case page on this origin may frame it (its viewer).
    if q.inline.is_some() && opens_inline(&row.content_type) {
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"),
        );
    }
    Ok(response)
}

//! Helpdesk tickets in the back office: `/staff/tickets` (the queue: every ticket for
//! helpdesk agents, the agency's own for agency staff) and `/staff/tickets/{number}` (the
//! thread, the citizen's applications and payments looked up read-only, reply from a saved
//! response, resolve, route to an agency).

use crate::web::access::{Agent, Staff};
use crate::web::page_error::PageResult;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::context::{StaffBar, StaffCtx};
use crate::clock::format_nairobi_in;
use crate::services::ServiceError;
use crate::services::applications::display_reference;
use crate::services::helpdesk::{agent, saved};
use crate::web::csrf::CsrfForm;
use crate::web::render::{FormErrors, Page, html};

struct Line {
    number: String,
    subject: String,
    status: String,
    agency: String,
    due: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "staff/tickets.html")]
struct QueueTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    tickets: Vec<Line>,
    status: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    status: String,
}

/// `GET /staff/tickets` — helpdesk agents and platform admins (all), agency staff (their agency's).
pub async fn queue(Staff(ref me, _): Staff, s: StaffCtx, Query(f): Query<Filter>) -> PageResult {
    let rows = agent::queue(&s.ctx.app, me, &f.status).await?;
    let now = s.ctx.app.clock.now();
    let tr = s.ctx.tr();
    let tickets = rows
        .iter()
        .map(|t| Line {
            number: t.number.clone(),
            subject: t.subject.clone(),
            status: tr.t(&format!("ticket.status.{}", t.status.code())).to_owned(),
            agency: t.agency.clone().unwrap_or_default(),
            due: t.due_at.map(|d| format_nairobi_in(d - 1, s.ctx.language)).unwrap_or_default(),
            overdue: t.due_at.is_some_and(|d| d < now),
        })
        .collect();
    Ok(html(StatusCode::OK, &QueueTemplate { page: s.page("ticket.staff_queue_title"), staff: s.bar(), tickets, status: f.status }))
}

struct MessageView {
    from_staff: bool,
    who: String,
    at: String,
    body: String,
}

#[derive(Template)]
#[template(path = "staff/ticket.html")]
struct TicketTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    errors: FormErrors,
    number: String,
    subject: String,
    status: String,
    category: String,
    contact: String,
    agency: String,
    messages: Vec<MessageView>,
    applications: Vec<(String, String, String, String)>,
    saved: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
    can_route: bool,
    open: bool,
    reopen_days: String,
    /// Name of the member who has it.
    assignee: String,
    /// Whether it is the signed-in member.
    mine: bool,
    /// Files: (id, name, size in KB).
    files: Vec<(String, String, i64)>,
}

async fn render(s: &StaffCtx, number: &str, errors: FormErrors, status_code: StatusCode) -> PageResult {
    let Some(me) = s.member.as_ref() else { return Ok(Redirect::to("/staff/sign-in").into_response()) };
    let case = agent::case(&s.ctx.app, me, &s.ctx.requester.ip, number).await?;
    let tr = s.ctx.tr();
    let language = s.ctx.language;
    let live = s.ctx.app.catalogue();
    let t = &case.ticket;
    let assignee = match &t.assigned_to {
        Some(id) => crate::services::back_office::members::name_of(&s.ctx.app, id).await.ok().flatten().unwrap_or_default(),
        None => String::new(),
    };
    let files = crate::services::helpdesk::files::list(&s.ctx.app, &t.id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.file_name, (f.size + 1023) / 1024))
        .collect();
    let mut applications = Vec::with_capacity(case.applications.len());
    for (a, invoice) in &case.applications {
        let definition =
            crate::services::applications::definitions::service(&s.ctx.app, &a.service_code, a.service_version, &a.agency).await.ok();
        let service = definition.as_ref().map_or(a.service_code.clone(), |svc| svc.name.get_ref().get(language).to_owned());
        // Agents read the state as the citizen does, never its code.
        let state = definition.as_ref().map_or_else(
            || tr.t(&format!("application.status.{}", a.status.as_str())).to_owned(),
            |svc| crate::i18n::words::status(svc, &a.status, tr),
        );
        let payment = invoice
            .as_ref()
            .map(|i| format!("{} · {}", i.number, tr.t(&format!("staff.invoice_state.{}", i.status.as_str()))))
            .unwrap_or_default();
        applications.push((a.reference.as_deref().map(display_reference).unwrap_or_default(), service, state, payment));
    }
    let template = TicketTemplate {
        page: s.page("ticket.title"),
        staff: s.bar(),
        errors,
        number: t.number.clone(),
        subject: t.subject.clone(),
        status: tr.t(&format!("ticket.status.{}", t.status.code())).to_owned(),
        category: tr.t(&format!("ticket.category.{}", t.category.code())).to_owned(),
        contact: format!("{} · {} · {}", t.contact_name, t.contact_phone, t.contact_email),
        agency: t.agency.clone().unwrap_or_default(),
        messages: case
            .messages
            .iter()
            .map(|m| MessageView {
                from_staff: m.author == "staff",
                who: m.staff_name.clone().unwrap_or_else(|| t.contact_name.clone()),
                at: format_nairobi_in(m.created_at, s.ctx.language),
                body: m.body.clone(),
            })
            .collect(),
        applications,
        saved: saved::all().into_iter().map(|r| (r.code, r.title.get(language).to_owned())).collect(),
        agencies: live.catalogue.agencies.iter().map(|a| (a.code.get_ref().clone(), a.name.get_ref().get(language).to_owned())).collect(),
        can_route: me.agency().is_none(),
        open: !matches!(t.status.code(), "resolved" | "closed"),
        reopen_days: (s.ctx.app.config.ticket_reopen_secs / 86_400).to_string(),
        mine: t.assigned_to.as_ref() == Some(&me.row.id),
        files,
        assignee,
    };
    Ok(html(status_code, &template))
}

/// `GET /staff/tickets/{number}` — staff who may see the ticket; the look-up is audited.
pub async fn show(_: Staff, s: StaffCtx, Path(number): Path<String>) -> PageResult {
    render(&s, &number, FormErrors::default(), StatusCode::OK).await
}

async fn after(s: &StaffCtx, number: &str, result: Result<(), ServiceError>, notice: &str) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/tickets/{number}?notice={notice}")).into_response()),
        Err(err) => {
            let (status, errors) = super::errors::form_failure(s, err)?;
            render(s, number, errors, status).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    saved: String,
    #[serde(default)]
    resolve: String,
}

/// `POST /staff/tickets/{number}/reply` — staff who may see the ticket.
pub async fn reply(Staff(ref me, _): Staff, s: StaffCtx, Path(number): Path<String>, CsrfForm(form): CsrfForm<ReplyForm>) -> PageResult {
    let result = agent::reply(&s.ctx.app, me, &s.ctx.requester.ip, &number, &form.body, &form.saved, form.resolve == "yes").await;
    after(&s, &number, result, "ticket_answered").await
}

/// A routing.
#[derive(Debug, Deserialize)]
pub struct RouteForm {
    #[serde(default)]
    agency: String,
}

/// `POST /staff/tickets/{number}/route` — helpdesk agents and platform admins.
pub async fn route(Staff(ref me, _): Agent, s: StaffCtx, Path(number): Path<String>, CsrfForm(form): CsrfForm<RouteForm>) -> PageResult {
    let result = agent::route(&s.ctx.app, me, &s.ctx.requester.ip, &number, &form.agency).await;
    after(&s, &number, result, "ticket_routed").await
}

/// Take or release.
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    /// `me` takes it; anything else gives it back to the team.
    #[serde(default)]
    assignee: String,
}

/// `POST /staff/tickets/{number}/assign` — staff who may see the ticket.
pub async fn assign(Staff(ref me, _): Staff, s: StaffCtx, Path(number): Path<String>, CsrfForm(form): CsrfForm<AssignForm>) -> PageResult {
    let result = agent::assign(&s.ctx.app, me, &s.ctx.requester.ip, &number, form.assignee == "me").await;
    after(&s, &number, result, "assigned").await
}

/// `GET /staff/tickets/{number}/files/{id}` — staff who may see the ticket; audited.
pub async fn file(Staff(ref me, _): Staff, s: StaffCtx, Path((number, id)): Path<(String, String)>) -> PageResult {
    let (row, bytes) = crate::services::helpdesk::files::for_staff(&s.ctx.app, me, &s.ctx.requester.ip, &number, &id).await?;
    Ok(crate::web::pages::applications::uploads::attachment(&row.file_name, &row.content_type, bytes))
}

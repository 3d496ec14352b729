//! Helpdesk tickets for citizens: `/help/tickets` (mine), `/help/tickets/new` (from the
//! help centre, or from an application or payment page, then linked to it),
//! `/help/tickets/anonymous` (for people who cannot sign in: phone proved by a code), and
//! `/help/tickets/{number}` (the thread: reply, reopen within the window, rate).

use crate::web::access::Citizen;
use crate::web::page_error::{PageError, PageResult};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::ticket::{Category, Status};
use serde::Deserialize;

use crate::clock::format_nairobi_in;
use crate::services::ServiceError;
use crate::services::helpdesk::citizen::{self, Holder};
use crate::services::helpdesk::{NewTicket, anonymous};
use crate::web::context::{Ctx, redirect_with_cookies};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::render::{FormErrors, Page, form_failure, html};

const FLOW: &str = "ticket";

/// A ticket line in a list.
struct Line {
    number: String,
    subject: String,
    status: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct ListTemplate<'a> {
    page: Page<'a>,
    tickets: Vec<Line>,
}

fn status_text(ctx: &Ctx, status: &str) -> String {
    ctx.tr().t(&format!("ticket.status.{status}")).to_owned()
}

/// `GET /help/tickets` — signed-in citizen: their tickets.
pub async fn list(Citizen(ref me): Citizen, ctx: Ctx) -> PageResult {
    let rows = citizen::list(&ctx.app, me).await?;
    let tickets = rows
        .iter()
        .map(|t| Line {
            number: t.number.clone(),
            subject: t.subject.clone(),
            status: status_text(&ctx, t.status.code()),
            updated: format_nairobi_in(t.updated_at, ctx.language),
        })
        .collect();
    Ok(html(StatusCode::OK, &ListTemplate { page: ctx.page("ticket.list_title"), tickets }))
}

/// What the new-ticket form was opened with.
#[derive(Debug, Default, Deserialize)]
pub struct Prefill {
    #[serde(default)]
    application: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    subject: String,
}

#[derive(Template)]
#[template(path = "ticket_new.html")]
struct NewTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    anonymous: bool,
    categories: Vec<(&'static str, String)>,
    category: String,
    subject: String,
    message: String,
    application: String,
    contact_name: String,
    email: String,
    phone: String,
}

fn categories(ctx: &Ctx) -> Vec<(&'static str, String)> {
    Category::ALL.into_iter().map(|c| (c.code(), ctx.tr().t(&format!("ticket.category.{}", c.code())).to_owned())).collect()
}

fn new_page(ctx: &Ctx, anonymous: bool, form: TicketForm, errors: FormErrors, status: StatusCode) -> Response {
    let template = NewTemplate {
        page: ctx.page("ticket.new_title"),
        errors,
        anonymous,
        categories: categories(ctx),
        category: form.category,
        subject: form.subject,
        message: form.message,
        application: form.application,
        contact_name: form.name,
        email: form.email,
        phone: form.phone,
    };
    html(status, &template)
}

/// `GET /help/tickets/new` — signed-in citizens (others are sent to the anonymous form).
pub async fn new_form(ctx: Ctx, Query(p): Query<Prefill>) -> Response {
    let anonymous = ctx.me.is_none();
    let form = TicketForm { category: p.category, subject: p.subject, application: p.application, ..TicketForm::default() };
    new_page(&ctx, anonymous, form, FormErrors::default(), StatusCode::OK)
}

/// The new-ticket form.
#[derive(Debug, Default, Deserialize)]
pub struct TicketForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    application: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

/// `POST /help/tickets/new` — a signed-in citizen opens a ticket; an anonymous visitor is
/// sent a code to prove their phone first.
pub async fn create(ctx: Ctx, CsrfForm(form): CsrfForm<TicketForm>) -> PageResult {
    let new = NewTicket {
        category: form.category.clone(),
        subject: form.subject.clone(),
        message: form.message.clone(),
        application: Some(form.application.clone()).filter(|a| !a.is_empty()),
    };
    let result = match ctx.me.as_ref() {
        Some(me) => citizen::open(&ctx.app, me, &new)
            .await
            .map(|t| Redirect::to(&format!("/help/tickets/{}?notice=ticket_opened", t.number)).into_response()),
        None => {
            let contact = anonymous::Contact { name: form.name.clone(), email: form.email.clone(), phone: form.phone.clone() };
            anonymous::start(&ctx.app, &contact, &new, &ctx.requester).await.map(|token| {
                redirect_with_cookies("/help/tickets/verify", vec![cookies::set(&cookies::flow(FLOW), &token, None, ctx.secure())])
            })
        }
    };
    match result {
        Ok(response) => Ok(response),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(new_page(&ctx, ctx.me.is_none(), form, errors, status))
        }
    }
}

#[derive(Template)]
#[template(path = "ticket_verify.html")]
struct VerifyTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    sent_to: String,
}

/// `GET /help/tickets/verify` — holder of the anonymous ticket flow.
pub async fn verify_form(ctx: Ctx) -> Response {
    let Some(token) = ctx.flow_token(FLOW) else { return Redirect::to("/help/tickets/new").into_response() };
    match anonymous::sent_to(&ctx.app, &token).await {
        Ok(sent_to) => {
            html(StatusCode::OK, &VerifyTemplate { page: ctx.page("ticket.verify_title"), errors: FormErrors::default(), sent_to })
        }
        Err(_) => Redirect::to("/help/tickets/new").into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /help/tickets/verify` — holder of the anonymous ticket flow.
pub async fn verify(ctx: Ctx, CsrfForm(form): CsrfForm<CodeForm>) -> PageResult {
    let Some(token) = ctx.flow_token(FLOW) else { return Ok(Redirect::to("/help/tickets/new").into_response()) };
    match anonymous::finish(&ctx.app, &token, &form.code, &ctx.requester).await {
        Ok(ticket) => {
            let key = crate::services::helpdesk::access_code(&ctx.app, &ticket.number);
            Ok(redirect_with_cookies(
                &format!("/help/tickets/{}?key={key}&notice=ticket_opened", ticket.number),
                vec![cookies::clear(&cookies::flow(FLOW), ctx.secure())],
            ))
        }
        Err(err) => verify_again(&ctx, &token, err).await,
    }
}

/// The code form again, with why the last code was refused.
async fn verify_again(ctx: &Ctx, token: &str, err: ServiceError) -> PageResult {
    let (status, errors) = form_failure(ctx, err)?;
    let sent_to = anonymous::sent_to(&ctx.app, token).await.unwrap_or_default();
    Ok(html(status, &VerifyTemplate { page: ctx.page("ticket.verify_title"), errors, sent_to }))
}

/// `POST /help/tickets/verify/resend` — holder of the anonymous ticket flow: a new code
/// for the same pending ticket, so a mistyped or lost code never means typing the
/// ticket again.
pub async fn resend(ctx: Ctx, CsrfForm(_): CsrfForm<Vec<(String, String)>>) -> PageResult {
    let Some(token) = ctx.flow_token(FLOW) else { return Ok(Redirect::to("/help/tickets/new").into_response()) };
    match anonymous::resend(&ctx.app, &token, &ctx.requester).await {
        Ok(()) => Ok(Redirect::to("/help/tickets/verify?notice=code_resent").into_response()),
        Err(ServiceError::FlowExpired) => Ok(Redirect::to("/help/tickets/new").into_response()),
        Err(err) => verify_again(&ctx, &token, err).await,
    }
}

/// `?key=` for anonymous tickets.
#[derive(Debug, Default, Deserialize)]
pub struct Key {
    #[serde(default)]
    key: String,
}

struct MessageView {
    from_staff: bool,
    at: String,
    body: String,
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    number: String,
    subject: String,
    status: String,
    key: String,
    messages: Vec<MessageView>,
    can_reply: bool,
    can_reopen: bool,
    can_rate: bool,
    rating: Option<i64>,
    application: String,
    /// Files: (id, name, size in KB).
    files: Vec<(String, String, i64)>,
}

fn holder<'a>(ctx: &'a Ctx, key: &'a str) -> Holder<'a> {
    match ctx.me.as_ref() {
        Some(me) if key.is_empty() => Holder::Citizen(me),
        _ => Holder::Code { key, ip: &ctx.requester.ip },
    }
}

async fn ticket_page(ctx: &Ctx, number: &str, key: &str, errors: FormErrors, status_code: StatusCode) -> PageResult {
    let (ticket, messages) = match citizen::view(&ctx.app, holder(ctx, key), number).await {
        Ok(found) => found,
        Err(ServiceError::NotFound) if ctx.me.is_none() && key.is_empty() => {
            return Ok(ctx.sign_in_redirect());
        }
        Err(err) => return Err(err.into()),
    };
    let files = crate::services::helpdesk::files::list(&ctx.app, &ticket.id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.file_name, (f.size + 1023) / 1024))
        .collect();
    let status = ticket.status;
    let now = ctx.app.clock.now();
    let template = TicketTemplate {
        page: ctx.page("ticket.title"),
        errors,
        number: ticket.number.clone(),
        subject: ticket.subject.clone(),
        status: status_text(ctx, ticket.status.code()),
        key: key.to_owned(),
        messages: messages
            .iter()
            .map(|m| MessageView {
                from_staff: m.author == "staff",
                at: format_nairobi_in(m.created_at, ctx.language),
                body: m.body.clone(),
            })
            .collect(),
        can_reply: !matches!(status, Status::Resolved | Status::Closed),
        can_reopen: status == Status::Resolved && ticket.resolved_at.is_some_and(|at| now - at <= ctx.app.config.ticket_reopen_secs),
        can_rate: matches!(status, Status::Resolved | Status::Closed) && ticket.rating.is_none(),
        rating: ticket.rating,
        application: ticket.application_id.as_ref().filter(|_| ticket.account_id.is_some()).map(ToString::to_string).unwrap_or_default(),
        files,
    };
    Ok(html(status_code, &template))
}

/// `GET /help/tickets/{number}` — the signed-in owner, or whoever holds the ticket's key.
pub async fn show(ctx: Ctx, Path(number): Path<String>, Query(k): Query<Key>) -> PageResult {
    ticket_page(&ctx, &number, &k.key, FormErrors::default(), StatusCode::OK).await
}

/// A reply, reopening or rating.
#[derive(Debug, Deserialize)]
pub struct ThreadForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

async fn after(ctx: &Ctx, number: &str, key: &str, result: Result<(), ServiceError>, notice: &str) -> PageResult {
    let key_part = if key.is_empty() { String::new() } else { format!("key={key}&") };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/help/tickets/{number}?{key_part}notice={notice}")).into_response()),
        Err(err) => {
            let (status, errors) = form_failure(ctx, err)?;
            ticket_page(ctx, number, key, errors, status).await
        }
    }
}

/// `POST /help/tickets/{number}/reply` — the owner or key holder.
pub async fn reply(ctx: Ctx, Path(number): Path<String>, CsrfForm(form): CsrfForm<ThreadForm>) -> PageResult {
    let result = citizen::reply(&ctx.app, holder(&ctx, &form.key), &number, &form.message).await;
    after(&ctx, &number, &form.key, result, "ticket_replied").await
}

/// `POST /help/tickets/{number}/reopen` — the owner or key holder, within the window.
pub async fn reopen(ctx: Ctx, Path(number): Path<String>, CsrfForm(form): CsrfForm<ThreadForm>) -> PageResult {
    let result = citizen::reopen(&ctx.app, holder(&ctx, &form.key), &number, &form.message).await;
    after(&ctx, &number, &form.key, result, "ticket_reopened").await
}

/// `POST /help/tickets/{number}/rate` — the owner or key holder, once resolved.
pub async fn rate(ctx: Ctx, Path(number): Path<String>, CsrfForm(form): CsrfForm<ThreadForm>) -> PageResult {
    let rating = form.rating.parse().unwrap_or(0);
    let result = citizen::rate(&ctx.app, holder(&ctx, &form.key), &number, rating, &form.comment).await;
    after(&ctx, &number, &form.key, result, "ticket_rated").await
}

/// `POST /help/tickets/{number}/files?key=` — the owner or key holder (multipart: the CSRF
/// token first, then the file).
pub async fn attach(ctx: Ctx, Path(number): Path<String>, Query(k): Query<Key>, multipart: axum::extract::Multipart) -> PageResult {
    use crate::web::pages::applications::uploads::read_upload;
    let rule = crate::services::helpdesk::files::rule();
    let result = match read_upload(multipart, rule.max_bytes, Some(&ctx.csrf)).await {
        Ok((name, bytes)) => {
            crate::services::helpdesk::files::attach(&ctx.app, holder(&ctx, &k.key), &number, &name, bytes).await.map(|_| ())
        }
        Err(failed) if failed.is_csrf() => {
            return Err(PageError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
        }
        Err(failed) => match failed.rejection() {
            Some(r) => Err(crate::services::applications::documents::refused("file", r)),
            None => return Err(PageError::new(StatusCode::BAD_REQUEST, "upload.interrupted")),
        },
    };
    after(&ctx, &number, &k.key, result, "document_uploaded").await
}

/// `GET /help/tickets/{number}/files/{id}?key=` — the owner or key holder.
pub async fn file(ctx: Ctx, Path((number, id)): Path<(String, String)>, Query(k): Query<Key>) -> PageResult {
    let (row, bytes) = crate::services::helpdesk::files::for_holder(&ctx.app, holder(&ctx, &k.key), &number, &id).await?;
    Ok(crate::web::pages::applications::uploads::attachment(&row.file_name, &row.content_type, bytes))
}

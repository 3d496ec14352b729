//! The sandbox's own pages: every message the simulators received
//! (`/sandbox/messages`, `.json`), the synthetic people (`/sandbox/people.json`) and the
//! simulated phone that answers M-Pesa prompts (`/sandbox/phone`). They are mounted, with
//! the providers' endpoints from [`crate::simulators`], only in sandbox mode.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};
use serde::Deserialize;
use std::sync::Arc;

use crate::clock::format_nairobi_in;
use crate::simulators::Simulators;
use crate::web::access::Route;
use crate::web::access::Rule::Sandbox;
use crate::web::context::Ctx;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{Page, html};

/// How many messages the sandbox pages show.
const MESSAGES_SHOWN: i64 = 200;

/// Sandbox pages and the simulators' endpoints, declared in the route table like every
/// other route (anyone may call them, and they exist only in sandbox mode).
pub fn routes(simulators: &Arc<Simulators>) -> Vec<Route> {
    let with = Extension(simulators.clone());
    let mut routes = vec![
        Route::new("/sandbox/messages", Sandbox, get(messages_page).layer(with.clone())),
        Route::new("/sandbox/messages.json", Sandbox, get(messages_json).layer(with.clone())),
        Route::new("/sandbox/people.json", Sandbox, get(people_json).layer(with.clone())),
        Route::new("/sandbox/phone", Sandbox, get(phone_page).layer(with.clone())),
        Route::new("/sandbox/phone/{checkout}", Sandbox, post(phone_answer).layer(with)),
    ];
    routes.extend(crate::simulators::routes(simulators).into_iter().map(|(path, methods)| Route::new(path, Sandbox, methods)));
    routes
}

struct MessageView {
    time: String,
    channel: String,
    recipient: String,
    subject: Option<String>,
    body: String,
}

#[derive(Template)]
#[template(path = "sandbox_messages.html")]
struct MessagesTemplate<'a> {
    page: Page<'a>,
    messages: Vec<MessageView>,
}

/// `GET /sandbox/messages`: every SMS and email the sandboxes received, newest first.
async fn messages_page(ctx: Ctx, Extension(sims): Extension<Arc<Simulators>>) -> PageResult {
    let messages = sims
        .latest_messages(MESSAGES_SHOWN)
        .await
        .map_err(|err| PageError::internal(format!("reading sandbox messages failed: {err:#}")))?
        .into_iter()
        .map(|m| MessageView {
            time: format_nairobi_in(m.created_at, ctx.language),
            channel: m.channel,
            recipient: m.recipient,
            subject: m.subject,
            body: m.body,
        })
        .collect();
    Ok(html(StatusCode::OK, &MessagesTemplate { page: ctx.page("sandbox.messages_heading"), messages }))
}

/// `GET /sandbox/messages.json`
async fn messages_json(Extension(sims): Extension<Arc<Simulators>>) -> Response {
    match sims.latest_messages(MESSAGES_SHOWN).await {
        Ok(rows) => {
            let items: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|m| {
                    serde_json::json!({
                        "channel": m.channel,
                        "recipient": m.recipient,
                        "subject": m.subject,
                        "body": m.body,
                        "time": crate::clock::rfc3339(m.created_at),
                    })
                })
                .collect();
            Json(items).into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "reading sandbox messages failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /sandbox/people.json`: the synthetic people testers can register as.
async fn people_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], crate::simulators::iprs::PEOPLE_JSON).into_response()
}

/// A prompt on the sandbox phone.
struct PromptView {
    checkout: String,
    phone: String,
    amount: String,
    account: String,
}

#[derive(Template)]
#[template(path = "sandbox_phone.html")]
struct PhoneTemplate<'a> {
    page: Page<'a>,
    number: String,
    prompts: Vec<PromptView>,
    /// The tester chose to have the page check again by itself (see huduma.js).
    auto: bool,
}

/// Which phone to show.
#[derive(Debug, Deserialize)]
struct PhoneQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    auto: String,
}

/// `GET /sandbox/phone`: the M-Pesa prompts waiting on simulated phones.
async fn phone_page(
    ctx: Ctx,
    Extension(sims): Extension<Arc<Simulators>>,
    axum::extract::Query(q): axum::extract::Query<PhoneQuery>,
) -> Response {
    let phone = huduma_domain::Phone::parse(&q.number).ok().map(|p| p.daraja());
    let prompts = sims
        .daraja
        .pending(phone.as_deref())
        .into_iter()
        .map(|(checkout, p)| PromptView { checkout, phone: p.phone, amount: format!("KES {}", p.amount), account: p.account_reference })
        .collect();
    let auto = q.auto == "1";
    html(StatusCode::OK, &PhoneTemplate { page: ctx.page("sandbox.phone_heading"), number: q.number, prompts, auto })
}

/// The person's answer on the sandbox phone.
#[derive(Debug, Deserialize)]
struct PhoneAnswer {
    #[serde(default)]
    pin: String,
    #[serde(default)]
    action: String,
}

/// `POST /sandbox/phone/{checkout}`: enter the PIN, or cancel.
async fn phone_answer(
    _ctx: Ctx,
    Extension(sims): Extension<Arc<Simulators>>,
    axum::extract::Path(checkout): axum::extract::Path<String>,
    crate::web::csrf::CsrfForm(form): crate::web::csrf::CsrfForm<PhoneAnswer>,
) -> Response {
    let pin = (form.action != "cancel").then_some(form.pin.trim());
    sims.daraja.answer(&checkout, pin);
    axum::response::Redirect::to("/sandbox/phone?notice=phone_answered").into_response()
}

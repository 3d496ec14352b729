//! In-tree simulators of the providers, mounted only in sandbox mode. Each speaks the
//! provider's real contract, so the production clients are what talks to them.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::app::App;
use crate::clock::format_nairobi_in;
use crate::integrations::africastalking::{Recipient, SendResponse, SmsMessageData};
use crate::integrations::iprs::{RegisterDocument, leaf_texts, xml_escape};
use crate::store::sandbox_messages::{self, SandboxMessage};
use crate::web::context::Ctx;
use crate::web::render::{Page, html, internal_error};

/// The synthetic population register.
pub const PEOPLE_JSON: &str = include_str!("../../assets/sandbox/people.json");

/// Sandbox routes (anyone may call them, and only in sandbox mode).
pub fn router(app: &App) -> Router<Arc<App>> {
    let mut router = Router::new();
    if let Some(sim) = &app.pesapal_sandbox {
        router = router.merge(crate::integrations::pesapal_sandbox::router(sim.clone()));
    }
    router
        .route("/sandbox/messages", get(messages_page))
        .route("/sandbox/messages.json", get(messages_json))
        .route("/sandbox/people.json", get(people_json))
        .route("/sandbox/africastalking/version1/messaging", post(africastalking_send))
        .route("/sandbox/iprs", post(iprs))
        .route("/sandbox/phone", get(phone_page))
        .route("/sandbox/phone/{checkout}", post(phone_answer))
        .merge(crate::integrations::daraja_sandbox::router())
}

async fn latest(app: &App) -> Result<Vec<SandboxMessage>, sqlx::Error> {
    let mut conn = app.db.pool().acquire().await?;
    sandbox_messages::latest(&mut conn, 200).await
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
async fn messages_page(ctx: Ctx) -> Response {
    match latest(&ctx.app).await {
        Ok(rows) => {
            let messages = rows
                .into_iter()
                .map(|m| MessageView {
                    time: format_nairobi_in(m.created_at, ctx.language),
                    channel: m.channel,
                    recipient: m.recipient,
                    subject: m.subject,
                    body: m.body,
                })
                .collect();
            html(StatusCode::OK, &MessagesTemplate { page: ctx.page("sandbox.messages_heading"), messages })
        }
        Err(err) => {
            tracing::error!(error = %err, "reading sandbox messages failed");
            internal_error(&ctx.app, ctx.language)
        }
    }
}

/// `GET /sandbox/messages.json`
async fn messages_json(State(app): State<Arc<App>>) -> Response {
    match latest(&app).await {
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
    ([(header::CONTENT_TYPE, "application/json")], PEOPLE_JSON).into_response()
}

/// Africa's Talking send form.
#[derive(Debug, Deserialize)]
struct AtSend {
    #[serde(default)]
    username: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    message: String,
}

/// `POST /sandbox/africastalking/version1/messaging`: Africa's Talking's send contract.
async fn africastalking_send(State(app): State<Arc<App>>, headers: HeaderMap, Form(form): Form<AtSend>) -> Response {
    let key_ok =
        headers.get("apiKey").and_then(|v| v.to_str().ok()).is_some_and(|k| !app.sandbox_api_key.is_empty() && k == app.sandbox_api_key);
    if !key_ok || form.username.is_empty() {
        return (StatusCode::UNAUTHORIZED, "The supplied authentication is invalid").into_response();
    }
    if form.message.is_empty() || form.to.is_empty() {
        return (StatusCode::BAD_REQUEST, "Must have a message and at least one recipient").into_response();
    }
    let now = app.clock.now();
    let mut recipients = Vec::new();
    let mut conn = match app.db.pool().acquire().await {
        Ok(conn) => conn,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError").into_response(),
    };
    for number in form.to.split(',').map(str::trim) {
        // The real gateway wants +254…; anything else is an invalid number.
        let valid = number.starts_with("+254") && huduma_domain::Phone::parse(number).is_ok();
        if !valid {
            recipients.push(Recipient {
                status_code: 403,
                number: number.to_owned(),
                status: "InvalidPhoneNumber".into(),
                cost: "0".into(),
                message_id: "None".into(),
            });
            continue;
        }
        let message = SandboxMessage {
            channel: "sms".into(),
            recipient: number.to_owned(),
            subject: None,
            body: form.message.clone(),
            created_at: now,
        };
        if sandbox_messages::insert(&mut conn, &message).await.is_err() {
            recipients.push(Recipient {
                status_code: 500,
                number: number.to_owned(),
                status: "InternalServerError".into(),
                cost: "0".into(),
                message_id: "None".into(),
            });
            continue;
        }
        let message_id = format!("ATXid_{}", crate::crypto::new_token().get(..32).unwrap_or_default());
        recipients.push(Recipient {
            status_code: 101,
            number: number.to_owned(),
            status: "Success".into(),
            cost: "KES 0.8000".into(),
            message_id,
        });
    }
    let sent = recipients.iter().filter(|r| r.status_code == 101).count();
    let summary = format!("Sent to {sent}/{} Total Cost: KES {:.4}", recipients.len(), 0.8 * sent as f64);
    let body = SendResponse { sms_message_data: SmsMessageData { message: summary, recipients } };
    let wants_json = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("json"));
    if wants_json {
        (StatusCode::CREATED, Json(body)).into_response()
    } else {
        // Without `Accept: application/json` the real API answers in XML.
        let recipients: String = body
            .sms_message_data
            .recipients
            .iter()
            .map(|r| format!("<Recipient><number>{}</number><cost>{}</cost><status>{}</status><statusCode>{}</statusCode><messageId>{}</messageId></Recipient>", xml_escape(&r.number), r.cost, r.status, r.status_code, r.message_id))
            .collect();
        let xml = format!(
            "<AfricasTalkingResponse><SMSMessageData><Message>{}</Message><Recipients>{recipients}</Recipients></SMSMessageData></AfricasTalkingResponse>",
            xml_escape(&body.sms_message_data.message)
        );
        (StatusCode::CREATED, [(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"))], xml).into_response()
    }
}

/// One synthetic person, with the register's field names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Person {
    #[serde(rename = "kind")]
    kind: String,
    #[serde(rename = "ID_Number")]
    id_number: String,
    #[serde(rename = "Serial_Number")]
    serial_number: String,
    #[serde(rename = "First_Name")]
    first_name: String,
    #[serde(rename = "Other_Name")]
    other_name: String,
    surname: String,
    gender: String,
    #[serde(rename = "Date_of_Birth")]
    date_of_birth: String,
    citizenship: String,
    #[serde(rename = "Place_of_Birth")]
    place_of_birth: String,
    #[serde(rename = "Date_of_Issue")]
    date_of_issue: String,
    pin: String,
    #[serde(rename = "Date_of_Death")]
    date_of_death: Option<String>,
}

fn people() -> &'static HashMap<(String, String), Person> {
    static PEOPLE: OnceLock<HashMap<(String, String), Person>> = OnceLock::new();
    PEOPLE.get_or_init(|| {
        let list: Vec<Person> = serde_json::from_str(PEOPLE_JSON).unwrap_or_default();
        list.into_iter().map(|p| ((p.kind.clone(), p.id_number.clone()), p)).collect()
    })
}

fn soap(body: &str) -> Response {
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>{body}</s:Body></s:Envelope>"
    );
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], envelope).into_response()
}

fn soap_fault(message: &str) -> Response {
    let mut response =
        soap(&format!("<s:Fault><faultcode>s:Client</faultcode><faultstring>{}</faultstring></s:Fault>", xml_escape(message)));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// `POST /sandbox/iprs`: the register's SOAP operations over the synthetic people.
async fn iprs(State(app): State<Arc<App>>, body: String) -> Response {
    let Ok(fields) = leaf_texts(&body) else { return soap_fault("Malformed request") };
    let Some(document) = fields.keys().find_map(|k| RegisterDocument::from_operation(k)) else {
        return soap_fault("Unknown operation");
    };
    let (log, pass) = (fields.get("log").cloned().unwrap_or_default(), fields.get("pass").cloned().unwrap_or_default());
    if log != "sandbox" || pass != app.sandbox_api_key {
        return soap_fault("Invalid login credentials");
    }
    let op = document.operation();
    let number = fields.get("id_number").cloned().unwrap_or_default();
    let kind = if document == RegisterDocument::IdCard { "citizen" } else { "resident" };
    let serial = fields.get("serial_number").cloned().unwrap_or_default();
    let found = people().get(&(kind.to_owned(), number.clone())).filter(|p| serial.is_empty() || p.serial_number == serial);
    let result = match found {
        None => {
            "<ErrorCode>1</ErrorCode><ErrorMessage>The provided ID Number was not found.</ErrorMessage><ErrorOcurred>true</ErrorOcurred>"
                .to_owned()
        }
        Some(p) => {
            let field = |name: &str, value: &str| format!("<{name}>{}</{name}>", xml_escape(value));
            [
                "<ErrorCode/><ErrorMessage/><ErrorOcurred>false</ErrorOcurred>".to_owned(),
                field("First_Name", &p.first_name.to_uppercase()),
                field("Other_Name", &p.other_name.to_uppercase()),
                field("Surname", &p.surname.to_uppercase()),
                field("Gender", &p.gender),
                field("Date_of_Birth", &slash_date(&p.date_of_birth)),
                field("ID_Number", &p.id_number),
                field("Serial_Number", &p.serial_number),
                field("Citizenship", &p.citizenship),
                field("Place_of_Birth", &p.place_of_birth),
                field("Date_of_Issue", &slash_date(&p.date_of_issue)),
                field("Pin", &p.pin),
                p.date_of_death.as_deref().map(|d| field("Date_of_Death", &slash_date(d))).unwrap_or_default(),
                "<Photo/>".to_owned(),
            ]
            .concat()
        }
    };
    soap(&format!("<{op}Response xmlns=\"http://tempuri.org/\"><{op}Result>{result}</{op}Result></{op}Response>"))
}

/// The register writes dates as `d/m/yyyy 00:00:00`; so does its simulator.
fn slash_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts[..] {
        [y, m, d] => format!("{}/{}/{y} 00:00:00", d.trim_start_matches('0'), m.trim_start_matches('0')),
        _ => String::new(),
    }
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
async fn phone_page(ctx: Ctx, axum::extract::Query(q): axum::extract::Query<PhoneQuery>) -> Response {
    let phone = huduma_domain::Phone::parse(&q.number).ok().map(|p| p.daraja());
    let prompts = ctx
        .app
        .daraja_sandbox
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
    ctx: Ctx,
    axum::extract::Path(checkout): axum::extract::Path<String>,
    crate::web::csrf::CsrfForm(form): crate::web::csrf::CsrfForm<PhoneAnswer>,
) -> Response {
    let pin = (form.action != "cancel").then_some(form.pin.trim());
    ctx.app.daraja_sandbox.answer(&checkout, pin);
    axum::response::Redirect::to("/sandbox/phone?notice=phone_answered").into_response()
}

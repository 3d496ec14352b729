//! The Africa's Talking SMS simulator: the send contract (form body, `apiKey` header,
//! HTTP 201, per-recipient `statusCode` 101 or 403, XML unless `Accept: application/json`).
//! What it "sends" is kept for `/sandbox/messages`.

use super::Simulators;
use crate::integrations::africastalking::{Recipient, SendResponse, SmsMessageData};
use crate::integrations::iprs::xml_escape;
use crate::store::sandbox_messages::{self, SandboxMessage};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use std::sync::Arc;

/// Africa's Talking send form.
#[derive(Debug, Deserialize)]
pub(super) struct AtSend {
    #[serde(default)]
    username: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    message: String,
}

/// `POST /sandbox/africastalking/version1/messaging`: Africa's Talking's send contract.
pub(super) async fn send(State(sim): State<Arc<Simulators>>, headers: HeaderMap, Form(form): Form<AtSend>) -> Response {
    let key_ok = headers.get("apiKey").and_then(|v| v.to_str().ok()).is_some_and(|k| !sim.api_key.is_empty() && k == sim.api_key);
    if !key_ok || form.username.is_empty() {
        return (StatusCode::UNAUTHORIZED, "The supplied authentication is invalid").into_response();
    }
    if form.message.is_empty() || form.to.is_empty() {
        return (StatusCode::BAD_REQUEST, "Must have a message and at least one recipient").into_response();
    }
    let now = sim.clock.now();
    let mut recipients = Vec::new();
    let mut conn = match sim.db.pool().acquire().await {
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

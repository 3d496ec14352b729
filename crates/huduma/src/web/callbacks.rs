//! Provider callbacks: M-Pesa posts STK outcomes and Paybill validations and confirmations here. The path carries a secret token;
//! an optional allow-list restricts who may post; the body is stored before we answer.

use crate::app::App;
use crate::crypto::constant_time_eq;
use crate::services::payments::{mpesa, paybill};
use crate::web::client_ip::ClientIp;
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// Largest callback body read (real ones are under 2 KB).
const CALLBACK_LIMIT: usize = 64 * 1024;

/// The body of a callback that passed the path token and the address allow-list.
async fn admitted(app: &App, token: &str, ip: Option<axum::Extension<ClientIp>>, body: Body) -> Result<String, Response> {
    if !constant_time_eq(token, app.config.daraja_callback_token.expose()) {
        return Err(StatusCode::NOT_FOUND.into_response());
    }
    let allowed = &app.config.daraja_callback_ips;
    if !allowed.is_empty() && !ip.is_some_and(|axum::Extension(ClientIp(ip))| allowed.contains(&ip)) {
        tracing::warn!("M-Pesa callback from an address not on the allow-list");
        return Err(StatusCode::FORBIDDEN.into_response());
    }
    let bytes = to_bytes(body, CALLBACK_LIMIT).await.map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The answer to a stored message: Daraja's acknowledgement, or a 500 so it sends the
/// message again (nothing was stored, so nothing is lost).
fn acknowledged(stored: crate::services::ServiceResult<()>, body: serde_json::Value, what: &str) -> Response {
    match stored {
        Ok(()) => Json(body).into_response(),
        Err(err) => {
            tracing::error!(error = %format!("{err}"), "{what} could not be stored; Daraja will retry");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `POST /callbacks/mpesa/c2b/validation/{token}` (Safaricom only): may this Paybill payment go ahead?
pub async fn mpesa_c2b_validation(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    ip: Option<axum::Extension<ClientIp>>,
    body: Body,
) -> Response {
    let raw = match admitted(&app, &token, ip, body).await {
        Ok(raw) => raw,
        Err(response) => return response,
    };
    match paybill::validate(&app, &raw).await {
        Ok((code, desc)) => Json(json!({"ResultCode": code, "ResultDesc": desc})).into_response(),
        Err(err) => {
            tracing::error!(error = %format!("{err}"), "Paybill validation failed; refusing the payment");
            Json(json!({"ResultCode": paybill::OTHER.0, "ResultDesc": paybill::OTHER.1})).into_response()
        }
    }
}

/// `POST /callbacks/mpesa/c2b/confirmation/{token}` (Safaricom only): a Paybill payment happened.
pub async fn mpesa_c2b_confirmation(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    ip: Option<axum::Extension<ClientIp>>,
    body: Body,
) -> Response {
    let raw = match admitted(&app, &token, ip, body).await {
        Ok(raw) => raw,
        Err(response) => return response,
    };
    acknowledged(paybill::confirm(&app, &raw).await.map(|_| ()), json!({"ResultCode": 0, "ResultDesc": "Success"}), "Paybill confirmation")
}

/// `POST /callbacks/mpesa/stk/{token}` (Safaricom only: secret path, optional IP list).
pub async fn mpesa_stk(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    ip: Option<axum::Extension<ClientIp>>,
    body: Body,
) -> Response {
    let raw = match admitted(&app, &token, ip, body).await {
        Ok(raw) => raw,
        Err(response) => return response,
    };
    acknowledged(mpesa::callback(&app, &raw).await.map(|_| ()), json!({"ResultCode": 0, "ResultDesc": "Accepted"}), "M-Pesa callback")
}

/// `POST /callbacks/pesapal/ipn/{token}` (Pesapal only: secret path). Stored, then the
/// order is confirmed with Pesapal's status API before anything settles.
pub async fn pesapal_ipn(State(app): State<Arc<App>>, Path(token): Path<String>, body: Body) -> Response {
    if !constant_time_eq(&token, app.config.daraja_callback_token.expose()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(bytes) = to_bytes(body, CALLBACK_LIMIT).await else { return StatusCode::PAYLOAD_TOO_LARGE.into_response() };
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let reference = serde_json::from_str::<serde_json::Value>(&raw)
        .ok()
        .and_then(|b| b.get("OrderMerchantReference").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_default();
    match crate::services::payments::card::ipn(&app, &raw).await {
        Ok(tracking) => Json(json!({
            "orderNotificationType": "IPNCHANGE",
            "orderTrackingId": tracking.unwrap_or_default(),
            "orderMerchantReference": reference,
            "status": 200,
        }))
        .into_response(),
        Err(err) => {
            tracing::error!(error = %format!("{err}"), "Pesapal IPN could not be handled; Pesapal will retry");
            (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"orderNotificationType": "IPNCHANGE", "status": 500}))).into_response()
        }
    }
}

//! Provider callbacks: M-Pesa posts STK outcomes here. The path carries a secret token;
//! an optional allow-list restricts who may post; the body is stored before we answer.

use crate::app::App;
use crate::crypto::constant_time_eq;
use crate::services::payments::mpesa;
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

/// `POST /callbacks/mpesa/stk/{token}` (Safaricom only: secret path, optional IP list).
pub async fn mpesa_stk(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    ip: Option<axum::Extension<ClientIp>>,
    body: Body,
) -> Response {
    if !constant_time_eq(&token, app.config.daraja_callback_token.expose()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let allowed = &app.config.daraja_callback_ips;
    if !allowed.is_empty() && !ip.is_some_and(|axum::Extension(ClientIp(ip))| allowed.contains(&ip)) {
        tracing::warn!("M-Pesa callback from an address not on the allow-list");
        return StatusCode::FORBIDDEN.into_response();
    }
    let Ok(bytes) = to_bytes(body, CALLBACK_LIMIT).await else { return StatusCode::PAYLOAD_TOO_LARGE.into_response() };
    let raw = String::from_utf8_lossy(&bytes);
    match mpesa::callback(&app, &raw).await {
        // Stored (and applied): Daraja may stop sending it.
        Ok(_) => Json(json!({"ResultCode": 0, "ResultDesc": "Accepted"})).into_response(),
        Err(err) => {
            tracing::error!(error = %format!("{err}"), "M-Pesa callback could not be stored; Daraja will retry");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

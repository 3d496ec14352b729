//! Payments over the API: the invoice of an application, an M-Pesa STK push, and the
//! state of an attempt (poll it until it is no longer `requested`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::{ApiError, ApiJson, ErrorBody, Me};
use crate::app::App;
use crate::services::ServiceError;
use crate::services::payments::{invoices, mpesa};
use huduma_domain::{ApplicationId, AttemptId};

/// One invoice line.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceLine {
    /// Agency the money is for (`huduma` for the convenience fee).
    pub agency: String,
    pub revenue_head: String,
    /// What it is.
    pub description: String,
    /// Amount, minor units.
    pub amount_minor: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Invoice {
    /// Invoice number (the M-Pesa account number).
    pub number: String,
    /// `pending`, `partially_paid`, `paid`, `expired`, `cancelled`.
    pub status: String,
    pub currency: String,
    /// Total, minor units.
    pub total_minor: i64,
    /// Paid so far, minor units.
    pub paid_minor: i64,
    pub lines: Vec<InvoiceLine>,
    /// M-Pesa receipts of settled payments.
    pub receipts: Vec<String>,
    /// Huduma receipt numbers (`GET /api/v1/receipts/{number}`).
    pub receipt_numbers: Vec<String>,
}

/// `GET /api/v1/applications/{id}/invoice`
#[utoipa::path(get, path = "/api/v1/applications/{id}/invoice", tag = "payments", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Invoice), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn invoice(State(app): State<Arc<App>>, Me(me, _): Me, Path(id): Path<String>) -> Result<Json<Invoice>, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let view = invoices::for_application(&app, &me, &id).await?;
    Ok(Json(Invoice {
        number: view.invoice.number.clone(),
        status: view.invoice.status.as_str().to_owned(),
        currency: view.invoice.currency.code().to_owned(),
        total_minor: view.invoice.total_minor,
        paid_minor: view.invoice.paid_minor,
        lines: view
            .lines
            .iter()
            .map(|l| InvoiceLine {
                agency: l.agency.clone(),
                revenue_head: l.revenue_head.clone(),
                description: l.description.clone(),
                amount_minor: l.amount_minor,
            })
            .collect(),
        // A payment settled from Daraja's status query has no M-Pesa receipt yet.
        receipts: view.payments.iter().filter(|p| !p.receipt_pending).map(|p| p.provider_ref.clone()).collect(),
        receipt_numbers: view.receipts.clone(),
    }))
}

/// The phone to prompt.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MpesaRequest {
    /// Kenyan mobile number in any usual form.
    pub phone: String,
}

/// A payment attempt.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    /// Id (poll `GET /api/v1/payments/{id}`).
    pub id: String,
    /// `created`, `requested`, `succeeded`, `failed`, `timed_out`.
    pub state: String,
    /// Amount asked, minor units.
    pub amount_minor: i64,
    /// M-Pesa's result code, once known.
    pub result_code: Option<String>,
    /// What happened, in the caller's language.
    pub message: String,
}

async fn attempt_answer(
    app: &App,
    me: &crate::services::sessions::Authenticated,
    id: &AttemptId,
    language: huduma_domain::Language,
) -> Result<Attempt, ApiError> {
    let (attempt, _) = invoices::attempt(app, me, id).await?;
    let tr = app.i18n.tr(language);
    let key = match attempt.state.as_str() {
        "succeeded" => "payment.mpesa.success",
        "timed_out" => "payment.mpesa.still_waiting",
        "failed" => match attempt.result_code.as_deref() {
            Some("unavailable") => "payment.mpesa.unavailable",
            Some(code) if code.contains('.') => "payment.mpesa.refused",
            Some(code) => huduma_domain::payments::mpesa::outcome_key(code),
            None => "payment.mpesa.failed",
        },
        _ => "payment.mpesa.waiting",
    };
    Ok(Attempt {
        id: attempt.id.to_string(),
        state: attempt.state.as_str().to_owned(),
        amount_minor: attempt.amount_minor,
        result_code: attempt.result_code,
        message: tr.t(key).to_owned(),
    })
}

/// `POST /api/v1/applications/{id}/payments/mpesa`: sends the STK prompt for what is due.
#[utoipa::path(post, path = "/api/v1/applications/{id}/payments/mpesa", tag = "payments", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = MpesaRequest, responses((status = 202, body = Attempt), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn mpesa(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MpesaRequest>,
) -> Result<(StatusCode, Json<Attempt>), ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let attempt = mpesa::start(&app, &me, &id, &input.phone).await?;
    Ok((StatusCode::ACCEPTED, Json(attempt_answer(&app, &me, &attempt, who.language).await?)))
}

/// `GET /api/v1/payments/{id}`
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Attempt), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn attempt(State(app): State<Arc<App>>, Me(me, who): Me, Path(id): Path<String>) -> Result<Json<Attempt>, ApiError> {
    let id = AttemptId::parse(&id).ok_or(ServiceError::NotFound)?;
    Ok(Json(attempt_answer(&app, &me, &id, who.language).await?))
}

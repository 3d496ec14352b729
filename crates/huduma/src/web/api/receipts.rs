//! Receipts over the API: the payer's receipt as JSON and as the same PDF a browser
//! downloads. Receipt numbers come from the invoice (`receipt_numbers`); another
//! person's receipt is "not found".

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use std::sync::Arc;

use super::{ApiError, ApiPath, ErrorBody, Me};
use crate::app::App;
use crate::services::ServiceError;
use crate::services::payments::receipts::{self, ReceiptView};

/// One line of what the receipt paid for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptLine {
    /// What it is.
    pub description: String,
    /// Amount, minor units.
    pub amount_minor: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    /// Receipt number.
    pub number: String,
    /// Issued (Unix seconds).
    pub issued_at: i64,
    pub currency: String,
    /// Amount received, minor units.
    pub amount_minor: i64,
    /// `mpesa` or `card`.
    pub method: String,
    /// The provider's reference (M-Pesa receipt).
    pub provider_reference: String,
    /// Who paid (masked phone), if known.
    pub payer: Option<String>,
    /// Invoice number.
    pub invoice: String,
    /// What the invoice is for.
    pub description: String,
    /// The invoice's lines.
    pub lines: Vec<ReceiptLine>,
    /// Invoice total, minor units.
    pub total_minor: i64,
    /// Still due on the invoice after every payment, minor units.
    pub balance_minor: i64,
    /// Public link anyone can open to check the receipt is genuine (the PDF's QR code).
    pub verification_url: String,
    /// Where to download the PDF (`GET`, with the bearer token).
    pub pdf_url: String,
}

fn receipt(app: &App, view: &ReceiptView) -> Receipt {
    let number = view.receipt.number.clone();
    Receipt {
        issued_at: view.receipt.issued_at,
        currency: view.receipt.currency.code().to_owned(),
        amount_minor: view.receipt.amount_minor,
        method: view.receipt.method.clone(),
        provider_reference: view.receipt.provider_ref.clone(),
        payer: view.receipt.payer.clone(),
        invoice: view.invoice.number.clone(),
        description: view.invoice.description.clone(),
        lines: view.lines.iter().map(|l| ReceiptLine { description: l.description.clone(), amount_minor: l.amount_minor }).collect(),
        total_minor: view.invoice.total_minor,
        balance_minor: (view.invoice.total_minor - view.invoice.paid_minor).max(0),
        verification_url: receipts::verification_url(app, &number),
        pdf_url: format!("/api/v1/receipts/{number}/pdf"),
        number,
    }
}

/// `GET /api/v1/receipts/{number}`: one of the caller's receipts.
#[utoipa::path(get, path = "/api/v1/receipts/{number}", tag = "payments", security(("bearer" = [])),
    params(("number" = String, Path, description = "Receipt number, from the invoice's `receipt_numbers`")),
    responses((status = 200, body = Receipt), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(State(app): State<Arc<App>>, Me(me, _): Me, ApiPath(number): ApiPath<String>) -> Result<Json<Receipt>, ApiError> {
    let view = receipts::owned(&app, &me, &number).await?;
    Ok(Json(receipt(&app, &view)))
}

/// `GET /api/v1/receipts/{number}/pdf`: the receipt as a PDF attachment with its QR
/// code, in the caller's language (the receipt's `pdf_url`).
#[utoipa::path(get, path = "/api/v1/receipts/{number}/pdf", tag = "payments", security(("bearer" = [])),
    params(("number" = String, Path, description = "Receipt number")),
    responses((status = 200, description = "The receipt", content_type = "application/pdf"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn pdf(State(app): State<Arc<App>>, Me(me, who): Me, ApiPath(number): ApiPath<String>) -> Result<Response, ApiError> {
    let view = receipts::owned(&app, &me, &number).await?;
    let bytes = crate::web::pages::receipts::receipt_pdf(&app, app.i18n.tr(who.language), &view).map_err(ServiceError::Internal)?;
    Ok(crate::web::pages::applications::uploads::attachment(
        &format!("receipt-{}.pdf", view.receipt.number),
        "application/pdf",
        bytes.into(),
    ))
}

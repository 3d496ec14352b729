//! The checkout API for agency systems (Pesaflow-compatible) and the public checkout
//! page their citizens pay on:
//! `POST /PaymentAPI/iframev2.1.php` (registered clients, signed), `GET
//! /api/invoice/payment/status` (signed), `GET /checkout/{invoice}` and its M-Pesa form and
//! waiting page (anyone holding the invoice link).

use crate::app::App;
use crate::clock::format_nairobi;
use crate::services::checkout::bills::{self, CheckoutError, CheckoutRequest, Created};
use crate::services::payments::{invoices, mpesa};
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::pages::applications::failure;
use crate::web::render::{FormErrors, Page, form_failure, html};
use askama::Template;
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Amount as the contract writes it: `"1050.00"`.
fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor.rem_euclid(100))
}

fn refused(err: &CheckoutError) -> Response {
    let status = match err {
        CheckoutError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        CheckoutError::Invalid(_) => StatusCode::BAD_REQUEST,
        CheckoutError::Internal(inner) => {
            tracing::error!(error = %format!("{inner}"), "checkout failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    (status, Json(json!({"status": "error", "message": err.to_string()}))).into_response()
}

fn link(app: &App, number: &str) -> String {
    format!("{}/checkout/{number}", app.config.callback_base_url.trim_end_matches('/'))
}

/// `POST /PaymentAPI/iframev2.1.php` (registered agency clients; the secureHash proves it).
pub async fn create(State(app): State<Arc<App>>, body: Body) -> Response {
    let Ok(bytes) = to_bytes(body, 16 * 1024).await else { return StatusCode::PAYLOAD_TOO_LARGE.into_response() };
    let request: CheckoutRequest = match serde_urlencoded::from_bytes(&bytes) {
        Ok(r) => r,
        // serde names the unknown or missing field, in the client's own spelling.
        Err(err) => return (StatusCode::BAD_REQUEST, Json(json!({"status": "error", "message": err.to_string()}))).into_response(),
    };
    let created = match bills::create(&app, &request).await {
        Ok(c) => c,
        Err(err) => return refused(&err),
    };
    if request.format.eq_ignore_ascii_case("iframe") {
        return Redirect::to(&format!("/checkout/{}", created.invoice.invoice.number)).into_response();
    }
    let Created { invoice, commission, amount_net, created: fresh, .. } = created;
    let status = if fresh { StatusCode::CREATED } else { StatusCode::OK };
    (
        status,
        Json(json!({
            "invoice_number": invoice.invoice.number,
            "invoice_link": link(&app, &invoice.invoice.number),
            "commission": decimal(commission.minor),
            "amount_net": decimal(amount_net.minor),
            "amount_expected": decimal(invoice.invoice.total_minor),
        })),
    )
        .into_response()
}

/// The status query's parameters.
#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    api_client_id: String,
    ref_no: String,
    secure_hash: String,
}

/// `GET /api/invoice/payment/status` (registered agency clients; signed).
pub async fn status(State(app): State<Arc<App>>, Query(q): Query<StatusQuery>) -> Response {
    match bills::status(&app, &q.api_client_id, &q.ref_no, &q.secure_hash).await {
        Ok((view, bill)) => {
            let status = if view.invoice.paid_minor >= view.invoice.total_minor {
                "settled"
            } else if view.invoice.paid_minor > 0 {
                "partial"
            } else {
                "pending"
            };
            Json(json!({
                "status": status,
                "ref_no": bill.bill_ref,
                "client_invoice_ref": bill.bill_ref,
                "invoice_number": view.invoice.number,
                "amount_expected": decimal(view.invoice.total_minor),
                "amount_paid": decimal(view.invoice.paid_minor),
                "currency": view.invoice.currency,
                "payment_date": view.payments.last().map(|p| format_nairobi(p.paid_at)).unwrap_or_default(),
                "name": bill.client_name,
            }))
            .into_response()
        }
        Err(err) => refused(&err),
    }
}

#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    number: String,
    description: String,
    lines: Vec<(String, String)>,
    total: String,
    due: String,
    open: bool,
    paid: bool,
    phone: String,
    paybill: String,
    back: String,
}

async fn render(ctx: &Ctx, number: &str, errors: FormErrors, status: StatusCode) -> Response {
    let (view, bill) = match invoices::agency_bill(&ctx.app, number).await {
        Ok(found) => found,
        Err(err) => return failure(ctx, err),
    };
    let phone = if bill.client_msisdn.len() == 12 { format!("0{}", &bill.client_msisdn[3..]) } else { String::new() };
    let template = CheckoutTemplate {
        page: ctx.page("payment.heading"),
        errors,
        number: view.invoice.number.clone(),
        description: view.invoice.description.clone(),
        lines: view.lines.iter().map(|l| (l.description.clone(), view.money(l.amount_minor).to_string())).collect(),
        total: view.money(view.invoice.total_minor).to_string(),
        due: view.money(view.due()).to_string(),
        open: view.status().is_open(),
        paid: view.due() == 0,
        phone,
        paybill: ctx.app.daraja.as_ref().map(|d| d.short_code().to_owned()).unwrap_or_default(),
        back: bill.callback_url.clone(),
    };
    html(status, &template)
}

/// `GET /checkout/{invoice}`: the bill and the ways to pay it.
pub async fn page(ctx: Ctx, Path(number): Path<String>) -> Response {
    render(&ctx, &number, FormErrors::default(), StatusCode::OK).await
}

/// The phone to prompt.
#[derive(Debug, Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    phone: String,
}

/// `POST /checkout/{invoice}/mpesa`
pub async fn mpesa(ctx: Ctx, Path(number): Path<String>, CsrfForm(form): CsrfForm<PhoneForm>) -> Response {
    let view = match invoices::agency_bill(&ctx.app, &number).await {
        Ok((view, _)) => view,
        Err(err) => return failure(&ctx, err),
    };
    match mpesa::start_for_invoice(&ctx.app, &view, &form.phone).await {
        Ok(attempt) => Redirect::to(&format!("/checkout/{}/attempts/{attempt}", view.invoice.number)).into_response(),
        Err(err) => match form_failure(&ctx, err) {
            Ok((status, errors)) => render(&ctx, &number, errors, status).await,
            Err(page) => page,
        },
    }
}

/// `GET /checkout/{invoice}/attempts/{attempt}`: the waiting page for an agency bill.
pub async fn attempt(ctx: Ctx, Path((number, attempt)): Path<(String, String)>) -> Response {
    match invoices::bill_attempt(&ctx.app, &number, &attempt).await {
        Ok((attempt, invoice, bill)) => crate::web::pages::payments::attempt_page(
            &ctx,
            &attempt,
            &invoice,
            &bill.callback_url,
            &format!("/checkout/{}", invoice.number),
        ),
        Err(err) => failure(&ctx, err),
    }
}

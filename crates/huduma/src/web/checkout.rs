//! The checkout API for agency systems (Pesaflow-compatible) and the public checkout
//! page their citizens pay on:
//! `POST /PaymentAPI/iframev2.1.php` (registered clients, signed), `GET
//! /api/invoice/payment/status` (signed), `GET /checkout/{invoice}` and its M-Pesa form and
//! waiting page (anyone holding the invoice link).

use crate::app::App;
use crate::i18n::I18n;
use crate::services::ServiceError;
use crate::services::checkout::bills::{self, CheckoutError, CheckoutRequest, Created, Problem};
use crate::services::checkout::ipn;
use crate::services::payments::{invoices, mpesa};
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{FormErrors, Page, form_failure, html};
use askama::Template;
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::Phone;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Amount as the contract writes it: `"1050.00"`.
fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor.rem_euclid(100))
}

/// A refusal in the shape every checkout API error has:
/// `{"status": "error", "code": "checkout.bad_signature", "message": "…"}` (a 429 also
/// carries `Retry-After`).
fn error_response(headers: &HeaderMap, status: StatusCode, problem: &Problem, retry_after: Option<i64>) -> Response {
    // Agency systems send no cookies: their language is the one they accept.
    let language = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(huduma_domain::Language::from_accept_language)
        .unwrap_or_default();
    let tr = I18n::global().tr(language);
    let args: Vec<(&str, &str)> = problem.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let message = tr.f(&format!("error.{}", problem.code), &args);
    let mut response = (status, Json(json!({"status": "error", "code": problem.code, "message": message}))).into_response();
    if let Some(seconds) = retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn refused(headers: &HeaderMap, err: CheckoutError) -> Response {
    match err {
        CheckoutError::Unauthorized(p) => error_response(headers, StatusCode::UNAUTHORIZED, &p, None),
        CheckoutError::Invalid(p) => error_response(headers, StatusCode::BAD_REQUEST, &p, None),
        CheckoutError::Conflict(p) => error_response(headers, StatusCode::CONFLICT, &p, None),
        CheckoutError::NotFound(p) => error_response(headers, StatusCode::NOT_FOUND, &p, None),
        CheckoutError::Internal(ServiceError::RateLimited { retry_after }) => {
            let minutes = ((retry_after + 59) / 60).max(1);
            error_response(
                headers,
                StatusCode::TOO_MANY_REQUESTS,
                &Problem::with("rate_limited", "minutes", minutes.to_string()),
                Some(retry_after),
            )
        }
        CheckoutError::Internal(inner) => {
            tracing::error!(error = %format!("{inner}"), "checkout failed");
            error_response(headers, StatusCode::INTERNAL_SERVER_ERROR, &Problem::new("internal"), None)
        }
    }
}

fn link(app: &App, number: &str) -> String {
    format!("{}/checkout/{number}", app.config.callback_base_url.trim_end_matches('/'))
}

/// `POST /PaymentAPI/iframev2.1.php` (registered agency clients; the secureHash proves it).
/// Answers 200 whether the bill is new or came before, as Pesaflow does; `format=iframe`
/// answers with the checkout page itself.
pub async fn create(ctx: Ctx, body: Body) -> Response {
    let Ok(bytes) = to_bytes(body, 16 * 1024).await else {
        return error_response(&ctx.headers, StatusCode::PAYLOAD_TOO_LARGE, &Problem::new("checkout.too_large"), None);
    };
    let request: CheckoutRequest = match serde_urlencoded::from_bytes(&bytes) {
        Ok(r) => r,
        // serde names the unknown or missing field, in the client's own spelling.
        Err(err) => {
            return error_response(&ctx.headers, StatusCode::BAD_REQUEST, &Problem::with("checkout.form", "detail", err.to_string()), None);
        }
    };
    let created = match bills::create(&ctx.app, &request).await {
        Ok(c) => c,
        Err(err) => return refused(&ctx.headers, err),
    };
    if request.format.eq_ignore_ascii_case("iframe") {
        return render(&ctx, &created.invoice.invoice.number, FormErrors::default(), StatusCode::OK).await.into_response();
    }
    let Created { invoice, commission, amount_net, .. } = created;
    Json(json!({
        "invoice_number": invoice.invoice.number,
        "invoice_link": link(&ctx.app, &invoice.invoice.number),
        "commission": decimal(commission.minor),
        "amount_net": decimal(amount_net.minor),
        "amount_expected": decimal(invoice.invoice.total_minor),
    }))
    .into_response()
}

/// The status query's parameters (read leniently, so a missing one gets the API's own
/// error shape rather than axum's plain-text rejection).
#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    api_client_id: String,
    #[serde(default)]
    ref_no: String,
    #[serde(default)]
    secure_hash: String,
}

/// `GET /api/invoice/payment/status` (registered agency clients; signed).
pub async fn status(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<StatusQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(Query(q)) = query.ok().filter(|Query(q)| !q.api_client_id.is_empty() && !q.ref_no.is_empty() && !q.secure_hash.is_empty())
    else {
        return error_response(&headers, StatusCode::BAD_REQUEST, &Problem::new("checkout.status_query"), None);
    };
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
                // The same form as the IPN's `payment_date`, which agency systems already parse.
                "payment_date": view.payments.last().map(|p| ipn::payment_date(p.paid_at)).unwrap_or_default(),
                "name": bill.client_name,
            }))
            .into_response()
        }
        Err(err) => refused(&headers, err),
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
    payer_phone: String,
    paybill: String,
    back: String,
}

/// A page anyone with the link may open is limited per address: too many is 429 with
/// `Retry-After` and the checkout's own sentence.
fn page_failure(err: ServiceError) -> PageError {
    match err {
        ServiceError::RateLimited { retry_after } => PageError::throttled("checkout.too_many", retry_after),
        other => other.into(),
    }
}

async fn render(ctx: &Ctx, number: &str, errors: FormErrors, status: StatusCode) -> PageResult {
    let (view, bill) = invoices::public_bill(&ctx.app, number, &ctx.requester.ip).await.map_err(page_failure)?;
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
        // Anyone with the link sees this page: the payer's number only masked, never in a
        // field; an empty field means "the number the agency gave".
        phone: String::new(),
        payer_phone: Phone::parse(&bill.client_msisdn).map(|p| p.masked()).unwrap_or_default(),
        paybill: ctx.app.daraja.as_ref().map(|d| d.short_code().to_owned()).unwrap_or_default(),
        back: bill.callback_url.clone(),
    };
    Ok(html(status, &template))
}

/// `GET /checkout/{invoice}`: the bill and the ways to pay it.
pub async fn page(ctx: Ctx, Path(number): Path<String>) -> PageResult {
    render(&ctx, &number, FormErrors::default(), StatusCode::OK).await
}

/// The phone to prompt.
#[derive(Debug, Deserialize)]
pub struct PhoneForm {
    #[serde(default)]
    phone: String,
}

/// `POST /checkout/{invoice}/mpesa`: an empty phone means the payer's number from the bill.
pub async fn mpesa(ctx: Ctx, Path(number): Path<String>, CsrfForm(form): CsrfForm<PhoneForm>) -> PageResult {
    let (view, bill) = invoices::public_bill(&ctx.app, &number, &ctx.requester.ip).await.map_err(page_failure)?;
    let phone = if form.phone.trim().is_empty() { bill.client_msisdn.as_str() } else { form.phone.as_str() };
    match mpesa::start_for_invoice(&ctx.app, &view, phone, mpesa::Asker::Address(&ctx.requester.ip)).await {
        Ok(attempt) => Ok(Redirect::to(&format!("/checkout/{}/attempts/{attempt}", view.invoice.number)).into_response()),
        Err(err) => {
            // A refusal by a rate limit notes its wait (`Retry-After`) as it is worded.
            let (status, errors) = form_failure(&ctx, err)?;
            render(&ctx, &number, errors, status).await
        }
    }
}

/// `GET /checkout/{invoice}/attempts/{attempt}`: the waiting page for an agency bill.
pub async fn attempt(ctx: Ctx, Path((number, attempt)): Path<(String, String)>) -> PageResult {
    // An id that cannot be one names no attempt: the same "not found".
    let attempt = huduma_domain::AttemptId::parse(&attempt).ok_or_else(PageError::not_found)?;
    let (attempt, invoice, bill) = invoices::bill_attempt(&ctx.app, &number, &attempt).await?;
    Ok(crate::web::pages::payments::attempt_page(&ctx, &attempt, &invoice, &bill.callback_url, &format!("/checkout/{}", invoice.number)))
}

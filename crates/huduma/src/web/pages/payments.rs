//! Paying for an application: `GET /applications/{id}/pay` (the invoice and the ways to
//! pay), `POST /applications/{id}/pay/mpesa` (send the M-Pesa prompt) and
//! `GET /payments/{attempt}` (the waiting page: "Check again" until the outcome is known,
//! then says what happened in plain words).

use crate::clock::format_nairobi_in;
use crate::services::payments::{invoices, mpesa};
use crate::store::payments::{AttemptRow, InvoiceRow};
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{FormErrors, Page, form_failure, html};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::Phone;
use huduma_domain::payments::{AttemptState, InvoiceStatus, mpesa as rules};
use serde::Deserialize;

/// One invoice line.
pub struct LineView {
    /// What it is.
    pub description: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "pay.html")]
struct PayTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    id: String,
    number: String,
    lines: Vec<LineView>,
    total: String,
    paid: String,
    due: String,
    open: bool,
    settled: bool,
    phone: String,
    receipts: Vec<(String, String, String)>,
    paybill: String,
    receipt_numbers: Vec<String>,
    cards: bool,
    /// M-Pesa's latest check found it down: say so before the citizen tries.
    mpesa_down: bool,
}

/// The attempt id in a URL; text that cannot be one names no attempt ("not found").
fn attempt_id(text: &str) -> Result<huduma_domain::AttemptId, crate::services::ServiceError> {
    huduma_domain::AttemptId::parse(text).ok_or(crate::services::ServiceError::NotFound)
}

async fn render(ctx: &Ctx, id: &str, errors: FormErrors, status: StatusCode, phone: Option<String>) -> PageResult {
    let me = ctx.me.as_ref().ok_or_else(PageError::not_found)?;
    let view = invoices::for_application(&ctx.app, me, &crate::web::pages::applications::parsed(id)?).await?;
    let template = PayTemplate {
        page: ctx.page("payment.heading"),
        errors,
        id: id.to_owned(),
        number: view.invoice.number.clone(),
        lines: view
            .lines
            .iter()
            .map(|l| LineView {
                description: crate::web::invoice_text::line_description(&ctx.app, l, ctx.language),
                amount: view.money(l.amount_minor).to_string(),
            })
            .collect(),
        total: view.money(view.invoice.total_minor).to_string(),
        paid: view.money(view.invoice.paid_minor).to_string(),
        due: view.money(view.due()).to_string(),
        open: view.status().is_open(),
        settled: view.status() == InvoiceStatus::Paid,
        phone: phone.unwrap_or_else(|| Phone::parse(&me.account.phone).map(|p| format!("0{}", &p.daraja()[3..])).unwrap_or_default()),
        receipts: view
            .payments
            .iter()
            // A payment settled from Daraja's status query has no M-Pesa receipt yet.
            .map(|p| {
                let reference = if p.receipt_pending { String::new() } else { p.provider_ref.clone() };
                (reference, view.money(p.amount_minor).to_string(), format_nairobi_in(p.paid_at, ctx.language))
            })
            .collect(),
        receipt_numbers: view.receipts.clone(),
        cards: ctx.app.pesapal.is_some(),
        mpesa_down: view.status().is_open() && crate::web::pages::status::mpesa_down(&ctx.app).await,
        paybill: ctx.app.daraja.as_ref().map(|d| d.short_code().to_owned()).unwrap_or_default(),
    };
    Ok(html(status, &template))
}

/// The invoice and the M-Pesa form.
pub async fn show(_: Citizen, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    render(&ctx, &id, FormErrors::default(), StatusCode::OK, None).await
}

/// The phone to prompt.
#[derive(Debug, Deserialize)]
pub struct MpesaForm {
    #[serde(default)]
    phone: String,
}

/// Starts a card payment and sends the browser to the card gateway's page.
pub async fn card(Citizen(ref me): Citizen, ctx: Ctx, Path(id): Path<String>, CsrfForm(_): CsrfForm<Vec<(String, String)>>) -> PageResult {
    match async { crate::services::payments::card::start(&ctx.app, me, &crate::web::pages::applications::parsed(&id)?).await }.await {
        Ok(gateway) => Ok(Redirect::to(&gateway).into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            render(&ctx, &id, errors, status, None).await
        }
    }
}

/// Pesapal's return parameters.
#[derive(Debug, Deserialize)]
pub struct CardReturn {
    #[serde(rename = "OrderTrackingId", default)]
    order_tracking_id: String,
}

/// `GET /payments/{attempt}/card-return`: the browser is back from the card page; ask the
/// gateway how it went (the IPN may not have arrived yet), then show the waiting page.
pub async fn card_return(
    Citizen(ref me): Citizen,
    ctx: Ctx,
    Path(attempt): Path<String>,
    axum::extract::Query(back): axum::extract::Query<CardReturn>,
) -> PageResult {
    let (attempt, _) = invoices::attempt(&ctx.app, me, &attempt_id(&attempt)?).await?;
    if attempt.checkout_request_id.as_deref() == Some(back.order_tracking_id.as_str())
        && let Err(err) = crate::services::payments::card::confirm(&ctx.app, &back.order_tracking_id).await
    {
        tracing::warn!(error = %format!("{err}"), "card status check on return failed; the reconciler will retry");
    }
    Ok(Redirect::to(&format!("/payments/{}", attempt.id)).into_response())
}

/// Sends the prompt and goes to the waiting page.
pub async fn mpesa(Citizen(ref me): Citizen, ctx: Ctx, Path(id): Path<String>, CsrfForm(form): CsrfForm<MpesaForm>) -> PageResult {
    match async { mpesa::start(&ctx.app, me, &crate::web::pages::applications::parsed(&id)?, &form.phone).await }.await {
        Ok(attempt) => Ok(Redirect::to(&format!("/payments/{attempt}")).into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            render(&ctx, &id, errors, status, Some(form.phone)).await
        }
    }
}

#[derive(Template)]
#[template(path = "payment_attempt.html")]
struct AttemptTemplate<'a> {
    page: Page<'a>,
    done_href: String,
    retry_href: String,
    waiting: bool,
    succeeded: bool,
    timed_out: bool,
    message: String,
    amount: String,
    phone: String,
    code: String,
    help: String,
    /// Opens a helpdesk ticket about this payment (failed or timed-out attempts).
    ticket_href: String,
    /// This page's path, for "Check again".
    here: String,
    /// The citizen chose to have the page check again by itself (`?auto=1`, honoured by
    /// huduma.js); the page never reloads without that choice.
    auto: bool,
}

/// The waiting page.
pub async fn attempt(Citizen(ref me): Citizen, ctx: Ctx, Path(attempt): Path<String>) -> PageResult {
    let (attempt, invoice) = invoices::attempt(&ctx.app, me, &attempt_id(&attempt)?).await?;
    let application = invoice.application_id.as_ref().map(ToString::to_string).unwrap_or_default();
    Ok(attempt_page(&ctx, &attempt, &invoice, &format!("/applications/{application}"), &format!("/applications/{application}/pay")))
}

/// Draws an attempt: "Check again" while it waits (by itself only when the citizen
/// chose so), then the outcome in plain words with a link onward (`done_href`) or back to
/// paying (`retry_href`).
pub fn attempt_page(ctx: &Ctx, attempt: &AttemptRow, invoice: &InvoiceRow, done_href: &str, retry_href: &str) -> Response {
    let tr = ctx.tr();
    let (here, query) = ctx.path.split_once('?').unwrap_or((ctx.path.as_str(), ""));
    let auto = serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default().iter().any(|(k, v)| k == "auto" && v == "1");
    let state = attempt.state;
    let code = attempt.result_code.clone().unwrap_or_default();
    let card = attempt.method == "card";
    let key = match state {
        AttemptState::Created | AttemptState::Requested if card => "payment.card_waiting",
        AttemptState::Failed if card && code != "unavailable" => "payment.card_declined",
        AttemptState::Created | AttemptState::Requested => "payment.mpesa.waiting",
        AttemptState::TimedOut => "payment.mpesa.still_waiting",
        AttemptState::Succeeded => "payment.mpesa.success",
        AttemptState::Failed if code == "unavailable" => "payment.mpesa.unavailable",
        AttemptState::Failed if code.contains('.') => "payment.mpesa.refused",
        AttemptState::Failed => rules::outcome_key(&code),
    };
    let help = crate::services::help::link_for_error(key).unwrap_or_default();
    let message = tr.t(key).to_owned();
    let currency = invoice.currency;
    let template = AttemptTemplate {
        page: ctx.page("payment.attempt_heading"),
        done_href: done_href.to_owned(),
        retry_href: retry_href.to_owned(),
        waiting: matches!(state, AttemptState::Created | AttemptState::Requested | AttemptState::TimedOut),
        succeeded: state == AttemptState::Succeeded,
        timed_out: state == AttemptState::TimedOut,
        message,
        amount: huduma_domain::Money { minor: attempt.amount_minor, currency }.to_string(),
        // The checkout's waiting page is public: a phone number only ever shows masked.
        phone: attempt.phone.as_deref().and_then(|p| Phone::parse(p).ok()).map(|p| p.masked()).unwrap_or_default(),
        ticket_href: match (&invoice.application_id, state) {
            (Some(application), AttemptState::Failed | AttemptState::TimedOut) => format!(
                "/help/tickets/new?{}",
                serde_urlencoded::to_string([
                    ("application", application.as_str()),
                    ("category", "payment"),
                    ("subject", &format!("{} {}", tr.t("ticket.payment_subject"), invoice.number))
                ])
                .unwrap_or_default()
            ),
            _ => String::new(),
        },
        code,
        help,
        here: here.to_owned(),
        auto,
    };
    html(StatusCode::OK, &template)
}

#[derive(Template)]
#[template(path = "payment_check.html")]
struct CheckTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    receipt: String,
    /// `recorded`, `someone_else`, `unmatched`, `not_yet`, or empty before a look-up.
    outcome: &'static str,
    our_receipt: String,
    invoice: String,
    application: String,
}

/// The M-Pesa receipt the person has in their SMS.
#[derive(Debug, Default, Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    receipt: String,
}

/// `GET /payments/check`: "I paid but the portal says unpaid".
pub async fn check_form(_: Citizen, ctx: Ctx) -> Response {
    let template = CheckTemplate {
        page: ctx.page("lookup.heading"),
        errors: FormErrors::default(),
        receipt: String::new(),
        outcome: "",
        our_receipt: String::new(),
        invoice: String::new(),
        application: String::new(),
    };
    html(StatusCode::OK, &template)
}

/// `POST /payments/check`
pub async fn check(Citizen(ref me): Citizen, ctx: Ctx, CsrfForm(form): CsrfForm<CheckForm>) -> PageResult {
    use crate::services::payments::lookup::{self, Found};
    let mut template = CheckTemplate {
        page: ctx.page("lookup.heading"),
        errors: FormErrors::default(),
        receipt: form.receipt.clone(),
        outcome: "",
        our_receipt: String::new(),
        invoice: String::new(),
        application: String::new(),
    };
    match lookup::find(&ctx.app, me, &form.receipt).await {
        Ok(Found::Recorded { receipt, invoice, application }) => {
            template.outcome = "recorded";
            template.our_receipt = receipt;
            template.invoice = invoice.to_string();
            template.application = application.as_ref().map(ToString::to_string).unwrap_or_default();
        }
        Ok(Found::ForSomeoneElse) => template.outcome = "someone_else",
        Ok(Found::Unmatched) => template.outcome = "unmatched",
        Ok(Found::NotYet) => template.outcome = "not_yet",
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            template.errors = errors;
            return Ok(html(status, &template));
        }
    }
    Ok(html(StatusCode::OK, &template))
}

//! Invoices: created with the submission of an application that has a fee, one line per
//! agency revenue head plus the convenience fee, numbered for M-Pesa's account reference.

use crate::app::App;
use crate::services::rate_limit;
use crate::services::sessions::Authenticated;
use crate::services::{ServiceError, ServiceResult};
use crate::store::Conn;
use crate::store::applications::ApplicationRow;
use crate::store::payments::{self as store, AttemptRow, InvoiceRow, LineRow, PaymentRow};
use huduma_domain::catalogue::Service;
use huduma_domain::payments::InvoiceStatus;
use huduma_domain::reference::{Kind, Reference};
use huduma_domain::{ApplicationId, AttemptId, InvoiceId, Money};
use rand::Rng;

/// Days an invoice stays payable.
pub const INVOICE_DAYS: i64 = 30;
/// The agency code of the platform's own revenue (the convenience fee).
pub const PLATFORM: &str = "huduma";

/// A new invoice number (unique in practice; the unique index has the last word).
pub fn new_number() -> String {
    let mut rng = rand::rng();
    Reference::generate(Kind::Invoice, |n| rng.random_range(0..n)).as_str().to_owned()
}

/// Creates the invoice for a submitted application inside the submission's transaction.
pub async fn create_for_application(
    conn: &mut Conn,
    app: &App,
    row: &ApplicationRow,
    service: &Service,
    fee: Money,
    now: i64,
) -> ServiceResult<InvoiceRow> {
    let convenience = app.config.convenience_fees.fee_for(fee);
    let total = fee.plus(convenience).ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("fee overflow")))?;
    let name = service.name.get_ref().en.clone();
    let lines = vec![
        LineRow { agency: row.agency.clone(), revenue_head: row.service_code.clone(), description: name.clone(), amount_minor: fee.minor },
        LineRow {
            agency: PLATFORM.into(),
            revenue_head: "convenience_fee".into(),
            description: "Convenience fee".into(),
            amount_minor: convenience.minor,
        },
    ];
    let invoice = InvoiceRow {
        id: crate::store::new_id(),
        number: new_number(),
        account_id: Some(row.account_id.clone()),
        application_id: Some(row.id.clone()),
        currency: fee.currency,
        total_minor: total.minor,
        paid_minor: 0,
        status: InvoiceStatus::Pending,
        description: name,
        created_at: now,
        expires_at: now + INVOICE_DAYS * 86_400,
        paid_at: None,
    };
    store::insert_invoice(conn, &invoice, &lines, now).await?;
    Ok(invoice)
}

/// An invoice with its lines, payments and the amount still due.
#[derive(Debug, Clone)]
pub struct InvoiceView {
    /// As stored.
    pub invoice: InvoiceRow,
    pub lines: Vec<LineRow>,
    /// Settled payments.
    pub payments: Vec<PaymentRow>,
    /// Receipt numbers, oldest first.
    pub receipts: Vec<String>,
}

impl InvoiceView {
    /// What is still to pay, minor units (never negative).
    pub fn due(&self) -> i64 {
        (self.invoice.total_minor - self.invoice.paid_minor).max(0)
    }

    pub fn status(&self) -> InvoiceStatus {
        self.invoice.status
    }

    /// Money in the invoice's currency.
    pub fn money(&self, minor: i64) -> Money {
        Money { minor, currency: self.invoice.currency }
    }
}

/// The invoice of one of the person's applications.
pub async fn for_application(app: &App, me: &Authenticated, application_id: &ApplicationId) -> ServiceResult<InvoiceView> {
    let mut conn = app.db.pool().acquire().await?;
    let invoice = store::invoice_for_application(&mut conn, &me.account.id, application_id).await?.ok_or(ServiceError::NotFound)?;
    view(&mut conn, invoice).await
}

async fn view(conn: &mut crate::store::Conn, invoice: InvoiceRow) -> ServiceResult<InvoiceView> {
    let lines = store::lines(conn, &invoice.id).await?;
    let payments = store::payments_for(conn, &invoice.id).await?;
    let receipts = store::receipts_for(conn, &invoice.id).await?;
    Ok(InvoiceView { invoice, lines, payments, receipts })
}

/// An invoice by id (agency bills; jobs).
pub async fn by_id(app: &App, id: &InvoiceId) -> ServiceResult<InvoiceView> {
    let mut conn = app.db.pool().acquire().await?;
    let invoice = store::invoice_by_id(&mut conn, id).await?.ok_or(ServiceError::NotFound)?;
    view(&mut conn, invoice).await
}

/// An invoice by its public number (the checkout page of an agency's bill). Only bills
/// from agency systems are reachable this way; a citizen's own invoices are behind sign-in.
pub async fn agency_bill(app: &App, number: &str) -> ServiceResult<(InvoiceView, crate::store::checkout::BillRow)> {
    let number = Reference::parse(Kind::Invoice, number).map_err(|_| ServiceError::NotFound)?;
    let mut conn = app.db.pool().acquire().await?;
    let invoice = store::invoice_by_number(&mut conn, number.as_str()).await?.ok_or(ServiceError::NotFound)?;
    let bill = crate::store::checkout::bill_for_invoice(&mut conn, &invoice.id).await?.ok_or(ServiceError::NotFound)?;
    Ok((view(&mut conn, invoice).await?, bill))
}

/// An agency bill for its public checkout page, opened by someone at `ip`: rate-limited
/// per address, and much more tightly for invoice numbers that have no page, so they
/// cannot be guessed (a found page names the payer). Once an address has missed too
/// often it sees no page at all, found or not, until the window ends.
pub async fn public_bill(app: &App, number: &str, ip: &str) -> ServiceResult<(InvoiceView, crate::store::checkout::BillRow)> {
    // Every look-up counts as a miss until it is found, so concurrent guesses cannot all
    // slip under the limit; a page that exists gives its count back.
    rate_limit::hit(app, rate_limit::CHECKOUT_MISSES_PER_IP, ip).await?;
    rate_limit::hit(app, rate_limit::CHECKOUT_PAGES_PER_IP, ip).await?;
    let found = agency_bill(app, number).await;
    if !matches!(found, Err(ServiceError::NotFound)) {
        rate_limit::refund(app, rate_limit::CHECKOUT_MISSES_PER_IP, ip).await?;
    }
    found
}

/// An attempt on an agency bill, reached from its checkout page.
pub async fn bill_attempt(
    app: &App,
    number: &str,
    attempt_id: &AttemptId,
) -> ServiceResult<(AttemptRow, InvoiceRow, crate::store::checkout::BillRow)> {
    let (view, bill) = agency_bill(app, number).await?;
    let mut conn = app.db.pool().acquire().await?;
    let attempt = store::attempt_for_invoice(&mut conn, &view.invoice.id, attempt_id).await?.ok_or(ServiceError::NotFound)?;
    Ok((attempt, view.invoice, bill))
}

/// One of the person's payment attempts with its invoice.
pub async fn attempt(app: &App, me: &Authenticated, attempt_id: &AttemptId) -> ServiceResult<(AttemptRow, InvoiceRow)> {
    let mut conn = app.db.pool().acquire().await?;
    let attempt = store::attempt_owned(&mut conn, &me.account.id, attempt_id).await?.ok_or(ServiceError::NotFound)?;
    let invoice = store::invoice_by_id(&mut conn, &attempt.invoice_id).await?.ok_or(ServiceError::NotFound)?;
    Ok((attempt, invoice))
}

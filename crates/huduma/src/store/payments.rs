//! Invoices, payment attempts, settled payments and raw provider messages.

use super::Conn;
use sqlx::Row;

/// An invoice as stored.
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    /// Internal id.
    pub id: String,
    /// Public invoice number.
    pub number: String,
    /// Who owes it (none for an agency system's bill to someone without an account).
    pub account_id: Option<String>,
    /// The application it pays for.
    pub application_id: Option<String>,
    /// `KES` or `USD`.
    pub currency: String,
    /// Amount due, minor units.
    pub total_minor: i64,
    /// Paid so far (can exceed the total).
    pub paid_minor: i64,
    /// Status.
    pub status: String,
    /// What it is for.
    pub description: String,
    /// Creation time.
    pub created_at: i64,
    /// Expiry.
    pub expires_at: i64,
    /// When it became paid.
    pub paid_at: Option<i64>,
}

macro_rules! invoice_columns {
    () => {
        "id, number, account_id, application_id, currency, total_minor, paid_minor, status, description, created_at, expires_at, paid_at"
    };
}

/// The invoice columns, in the order [`invoice_row`] reads them.
pub const INVOICE_COLUMNS: &str = invoice_columns!();

/// An invoice from a row whose first columns are [`INVOICE_COLUMNS`].
pub(crate) fn invoice(row: &sqlx::any::AnyRow) -> Result<InvoiceRow, sqlx::Error> {
    invoice_at(row, 0)
}

/// An invoice from `row`'s columns starting at `at`.
pub(crate) fn invoice_at(row: &sqlx::any::AnyRow, at: usize) -> Result<InvoiceRow, sqlx::Error> {
    Ok(InvoiceRow {
        id: row.try_get(at)?,
        number: row.try_get(at + 1)?,
        account_id: row.try_get(at + 2)?,
        application_id: row.try_get(at + 3)?,
        currency: row.try_get(at + 4)?,
        total_minor: row.try_get(at + 5)?,
        paid_minor: row.try_get(at + 6)?,
        status: row.try_get(at + 7)?,
        description: row.try_get(at + 8)?,
        created_at: row.try_get(at + 9)?,
        expires_at: row.try_get(at + 10)?,
        paid_at: row.try_get(at + 11)?,
    })
}

/// One line of an invoice.
#[derive(Debug, Clone)]
pub struct LineRow {
    /// Agency the money is for (`huduma` for the convenience fee).
    pub agency: String,
    /// Revenue head within the agency.
    pub revenue_head: String,
    /// What it is.
    pub description: String,
    /// Amount, minor units.
    pub amount_minor: i64,
}

/// Marks an invoice's lines as paid at `now` (revenue is reported from them).
pub async fn mark_lines_paid(conn: &mut Conn, invoice_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE invoice_lines SET paid_at = $2 WHERE invoice_id = $1").bind(invoice_id.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Creates an invoice with its lines.
pub async fn insert_invoice(conn: &mut Conn, i: &InvoiceRow, lines: &[LineRow], now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO invoices (id, number, account_id, application_id, currency, total_minor, paid_minor, status, description, created_at, \
         updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $9, $10)",
    )
    .bind(i.id.clone())
    .bind(i.number.clone())
    .bind(i.account_id.clone())
    .bind(i.application_id.clone())
    .bind(i.currency.clone())
    .bind(i.total_minor)
    .bind(i.status.clone())
    .bind(i.description.clone())
    .bind(now)
    .bind(i.expires_at)
    .execute(&mut *conn)
    .await?;
    for (position, line) in lines.iter().enumerate() {
        sqlx::query("INSERT INTO invoice_lines (invoice_id, position, agency, revenue_head, description, amount_minor) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(i.id.clone())
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(line.agency.clone())
            .bind(line.revenue_head.clone())
            .bind(line.description.clone())
            .bind(line.amount_minor)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The invoice of one of the owner's applications.
pub const INVOICE_FOR_APPLICATION: &str =
    concat!("SELECT ", invoice_columns!(), " FROM invoices WHERE application_id = $1 AND account_id = $2");
/// The invoice of one of the owner's applications.
pub async fn invoice_for_application(conn: &mut Conn, account_id: &str, application_id: &str) -> Result<Option<InvoiceRow>, sqlx::Error> {
    sqlx::query(INVOICE_FOR_APPLICATION)
        .bind(application_id.to_owned())
        .bind(account_id.to_owned())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(invoice)
        .transpose()
}

/// An invoice by its public number (Paybill payments name it as the account).
pub async fn invoice_by_number(conn: &mut Conn, number: &str) -> Result<Option<InvoiceRow>, sqlx::Error> {
    sqlx::query(concat!("SELECT ", invoice_columns!(), " FROM invoices WHERE number = $1"))
        .bind(number.to_owned())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(invoice)
        .transpose()
}

/// An invoice by id (jobs and settlement only).
pub async fn invoice_by_id(conn: &mut Conn, id: &str) -> Result<Option<InvoiceRow>, sqlx::Error> {
    sqlx::query(concat!("SELECT ", invoice_columns!(), " FROM invoices WHERE id = $1"))
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(invoice)
        .transpose()
}

/// An invoice's lines in order.
pub async fn lines(conn: &mut Conn, invoice_id: &str) -> Result<Vec<LineRow>, sqlx::Error> {
    sqlx::query("SELECT agency, revenue_head, description, amount_minor FROM invoice_lines WHERE invoice_id = $1 ORDER BY position")
        .bind(invoice_id.to_owned())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(LineRow { agency: r.try_get(0)?, revenue_head: r.try_get(1)?, description: r.try_get(2)?, amount_minor: r.try_get(3)? })
        })
        .collect()
}

/// Adds a settled amount to an invoice and sets its status.
pub async fn add_paid(conn: &mut Conn, id: &str, amount: i64, status: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE invoices SET paid_minor = paid_minor + $1, status = $2, updated_at = $3, \
         paid_at = CASE WHEN $2 = 'paid' AND paid_at IS NULL THEN $3 ELSE paid_at END WHERE id = $4",
    )
    .bind(amount)
    .bind(status.to_owned())
    .bind(now)
    .bind(id.to_owned())
    .execute(conn)
    .await?;
    Ok(())
}

/// A payment attempt as stored.
#[derive(Debug, Clone)]
pub struct AttemptRow {
    /// Id.
    pub id: String,
    /// Invoice.
    pub invoice_id: String,
    /// `mpesa_stk`.
    pub method: String,
    /// State.
    pub state: String,
    /// Amount asked, minor units.
    pub amount_minor: i64,
    /// Phone the prompt went to (Daraja form).
    pub phone: Option<String>,
    /// Daraja's MerchantRequestID.
    pub merchant_request_id: Option<String>,
    /// Daraja's CheckoutRequestID.
    pub checkout_request_id: Option<String>,
    /// Last result code.
    pub result_code: Option<String>,
    /// Last result description.
    pub result_desc: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

impl AttemptRow {
    /// A new attempt, not yet sent to the provider.
    pub fn new(invoice_id: &str, method: &str, amount_minor: i64, phone: Option<String>, now: i64) -> Self {
        Self {
            id: super::new_id(),
            invoice_id: invoice_id.to_owned(),
            method: method.to_owned(),
            state: "created".into(),
            amount_minor,
            phone,
            merchant_request_id: None,
            checkout_request_id: None,
            result_code: None,
            result_desc: None,
            created_at: now,
            updated_at: now,
        }
    }
}

macro_rules! attempt_columns {
    () => {
        "id, invoice_id, method, state, amount_minor, phone, merchant_request_id, checkout_request_id, result_code, result_desc, created_at, updated_at"
    };
}

/// The attempt columns, in the order [`attempt_at`] reads them.
pub const ATTEMPT_COLUMNS: &str = attempt_columns!();

/// An attempt by the provider's id (every callback).
pub const ATTEMPT_BY_CHECKOUT: &str = concat!("SELECT ", attempt_columns!(), " FROM payment_attempts WHERE checkout_request_id = $1");
/// One of the owner's attempts (the waiting page).
pub const ATTEMPT_OWNED: &str = "SELECT p.id, p.invoice_id, p.method, p.state, p.amount_minor, p.phone, p.merchant_request_id, \
     p.checkout_request_id, p.result_code, p.result_desc, p.created_at, p.updated_at FROM payment_attempts p \
     JOIN invoices i ON i.id = p.invoice_id WHERE p.id = $1 AND i.account_id = $2";
/// Attempts the reconciler asks about.
pub const STALE_OPEN_ATTEMPTS: &str = concat!(
    "SELECT ",
    attempt_columns!(),
    " FROM payment_attempts WHERE state IN ('requested', 'timed_out') AND updated_at <= $1 ORDER BY updated_at LIMIT $2"
);

fn attempt(row: &sqlx::any::AnyRow) -> Result<AttemptRow, sqlx::Error> {
    attempt_at(row, 0)
}

/// An attempt from `row`'s columns starting at `at` ([`ATTEMPT_COLUMNS`] order).
pub(crate) fn attempt_at(row: &sqlx::any::AnyRow, at: usize) -> Result<AttemptRow, sqlx::Error> {
    Ok(AttemptRow {
        id: row.try_get(at)?,
        invoice_id: row.try_get(at + 1)?,
        method: row.try_get(at + 2)?,
        state: row.try_get(at + 3)?,
        amount_minor: row.try_get(at + 4)?,
        phone: row.try_get(at + 5)?,
        merchant_request_id: row.try_get(at + 6)?,
        checkout_request_id: row.try_get(at + 7)?,
        result_code: row.try_get(at + 8)?,
        result_desc: row.try_get(at + 9)?,
        created_at: row.try_get(at + 10)?,
        updated_at: row.try_get(at + 11)?,
    })
}

/// Records a new attempt.
pub async fn insert_attempt(conn: &mut Conn, a: &AttemptRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO payment_attempts (id, invoice_id, method, state, amount_minor, phone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(a.id.clone())
    .bind(a.invoice_id.clone())
    .bind(a.method.clone())
    .bind(a.state.clone())
    .bind(a.amount_minor)
    .bind(a.phone.clone())
    .bind(a.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the provider's acceptance (its ids) and the new state.
pub async fn attempt_requested(conn: &mut Conn, id: &str, merchant: &str, checkout: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payment_attempts SET state = CASE WHEN state = 'created' THEN 'requested' ELSE state END, merchant_request_id = $1, \
         checkout_request_id = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(merchant.to_owned())
    .bind(checkout.to_owned())
    .bind(now)
    .bind(id.to_owned())
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves an attempt from `from` to `to` with the provider's result (compare-and-set).
pub async fn set_attempt_state(
    conn: &mut Conn,
    id: &str,
    from: &str,
    to: &str,
    code: Option<&str>,
    desc: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE payment_attempts SET state = $1, result_code = COALESCE($2, result_code), result_desc = COALESCE($3, result_desc), updated_at = $4 \
         WHERE id = $5 AND state = $6",
    )
    .bind(to.to_owned())
    .bind(code.map(str::to_owned))
    .bind(desc.map(str::to_owned))
    .bind(now)
    .bind(id.to_owned())
    .bind(from.to_owned())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An attempt by the provider's CheckoutRequestID.
pub async fn attempt_by_checkout(conn: &mut Conn, checkout: &str) -> Result<Option<AttemptRow>, sqlx::Error> {
    sqlx::query(ATTEMPT_BY_CHECKOUT).bind(checkout.to_owned()).fetch_optional(conn).await?.as_ref().map(attempt).transpose()
}

/// One of the owner's attempts.
pub async fn attempt_owned(conn: &mut Conn, account_id: &str, id: &str) -> Result<Option<AttemptRow>, sqlx::Error> {
    sqlx::query(ATTEMPT_OWNED).bind(id.to_owned()).bind(account_id.to_owned()).fetch_optional(conn).await?.as_ref().map(attempt).transpose()
}

/// An attempt of a given invoice.
pub async fn attempt_for_invoice(conn: &mut Conn, invoice_id: &str, id: &str) -> Result<Option<AttemptRow>, sqlx::Error> {
    sqlx::query(concat!("SELECT ", attempt_columns!(), " FROM payment_attempts WHERE id = $1 AND invoice_id = $2"))
        .bind(id.to_owned())
        .bind(invoice_id.to_owned())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(attempt)
        .transpose()
}

/// Attempts still open and not touched since `before` (for the reconciler).
pub async fn stale_open_attempts(conn: &mut Conn, before: i64, limit: i64) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query(STALE_OPEN_ATTEMPTS).bind(before).bind(limit).fetch_all(conn).await?.iter().map(attempt).collect()
}

/// One account's attempts still waiting for an outcome.
pub async fn open_attempts_of_account(conn: &mut Conn, account_id: &str) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query(
        "SELECT p.id, p.invoice_id, p.method, p.state, p.amount_minor, p.phone, p.merchant_request_id, p.checkout_request_id, p.result_code, \
         p.result_desc, p.created_at, p.updated_at FROM payment_attempts p JOIN invoices i ON i.id = p.invoice_id \
         WHERE i.account_id = $1 AND p.state IN ('requested', 'timed_out') ORDER BY p.created_at DESC LIMIT 20",
    )
    .bind(account_id.to_owned())
    .fetch_all(conn)
    .await?
    .iter()
    .map(attempt)
    .collect()
}

/// Marks an attempt as looked at, so the reconciler moves on to others.
pub async fn touch_attempt(conn: &mut Conn, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payment_attempts SET updated_at = $1 WHERE id = $2").bind(now).bind(id.to_owned()).execute(conn).await?;
    Ok(())
}

/// A settled payment.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    /// Invoice.
    pub invoice_id: String,
    /// Attempt, when it came from one.
    pub attempt_id: Option<String>,
    /// `mpesa`, `card`.
    pub method: String,
    /// The provider's receipt (M-Pesa receipt number); our CheckoutRequestID while
    /// `receipt_pending`.
    pub provider_ref: String,
    /// Settled from a status query that named no receipt: `provider_ref` is not one.
    pub receipt_pending: bool,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// Who paid (phone).
    pub payer: Option<String>,
    /// When.
    pub paid_at: i64,
}

/// Records a payment; its id, or `None` when this provider reference (or this attempt)
/// was already recorded — the caller settles nothing then.
pub async fn insert_payment(conn: &mut Conn, p: &PaymentRow) -> Result<Option<String>, sqlx::Error> {
    let id = super::new_id();
    let done = sqlx::query(
        "INSERT INTO payments (id, invoice_id, attempt_id, method, provider_ref, amount_minor, payer, paid_at, receipt_pending) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    )
    .bind(id.clone())
    .bind(p.invoice_id.clone())
    .bind(p.attempt_id.clone())
    .bind(p.method.clone())
    .bind(p.provider_ref.clone())
    .bind(p.amount_minor)
    .bind(p.payer.clone())
    .bind(p.paid_at)
    .bind(i64::from(p.receipt_pending))
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(id))
}

/// Payments of an invoice.
pub async fn payments_for(conn: &mut Conn, invoice_id: &str) -> Result<Vec<PaymentRow>, sqlx::Error> {
    sqlx::query(
        "SELECT invoice_id, attempt_id, method, provider_ref, amount_minor, payer, paid_at, receipt_pending FROM payments \
         WHERE invoice_id = $1 ORDER BY paid_at",
    )
    .bind(invoice_id.to_owned())
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| {
        Ok(PaymentRow {
            invoice_id: r.try_get(0)?,
            attempt_id: r.try_get(1)?,
            method: r.try_get(2)?,
            provider_ref: r.try_get(3)?,
            amount_minor: r.try_get(4)?,
            payer: r.try_get(5)?,
            paid_at: r.try_get(6)?,
            receipt_pending: r.try_get::<i64, _>(7)? != 0,
        })
    })
    .collect()
}

/// Stores a provider's message as received; returns its id.
pub async fn store_message(
    conn: &mut Conn,
    provider: &str,
    kind: &str,
    body: &str,
    outcome: Option<&str>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let row =
        sqlx::query("INSERT INTO provider_messages (provider, kind, body, received_at, outcome) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(provider.to_owned())
            .bind(kind.to_owned())
            .bind(body.to_owned())
            .bind(now)
            .bind(outcome.map(str::to_owned))
            .fetch_one(conn)
            .await?;
    row.try_get(0)
}

/// Records what a stored message led to.
pub async fn message_outcome(conn: &mut Conn, id: i64, outcome: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE provider_messages SET outcome = $1 WHERE id = $2").bind(outcome.to_owned()).bind(id).execute(conn).await?;
    Ok(())
}

/// Replaces a provisional payment reference (the CheckoutRequestID, when a status query
/// settled first) with the M-Pesa receipt that arrived later, on the payment and its receipt.
pub async fn set_payment_reference(conn: &mut Conn, attempt_id: &str, provisional: &str, receipt: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE receipts SET provider_ref = $1 WHERE payment_id IN \
         (SELECT id FROM payments WHERE attempt_id = $2 AND provider_ref = $3 AND receipt_pending = 1)",
    )
    .bind(receipt.to_owned())
    .bind(attempt_id.to_owned())
    .bind(provisional.to_owned())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE payments SET provider_ref = $1, receipt_pending = 0 WHERE attempt_id = $2 AND provider_ref = $3 AND receipt_pending = 1",
    )
    .bind(receipt.to_owned())
    .bind(attempt_id.to_owned())
    .bind(provisional.to_owned())
    .execute(conn)
    .await?;
    Ok(())
}

/// A receipt as stored.
#[derive(Debug, Clone)]
pub struct ReceiptRow {
    /// Public number.
    pub number: String,
    /// The payment it records.
    pub payment_id: String,
    /// Invoice.
    pub invoice_id: String,
    /// Payer's account, when the invoice has one.
    pub account_id: Option<String>,
    /// Currency.
    pub currency: String,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// `mpesa`, `card`.
    pub method: String,
    /// M-Pesa receipt or card confirmation code; empty until M-Pesa names the receipt.
    pub provider_ref: String,
    /// Paying phone or card, masked as the provider gave it.
    pub payer: Option<String>,
    /// Issue time.
    pub issued_at: i64,
}

/// Stores a receipt.
pub async fn insert_receipt(conn: &mut Conn, r: &ReceiptRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO receipts (number, payment_id, invoice_id, account_id, currency, amount_minor, method, provider_ref, payer, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(r.number.clone())
    .bind(r.payment_id.clone())
    .bind(r.invoice_id.clone())
    .bind(r.account_id.clone())
    .bind(r.currency.clone())
    .bind(r.amount_minor)
    .bind(r.method.clone())
    .bind(r.provider_ref.clone())
    .bind(r.payer.clone())
    .bind(r.issued_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A receipt by number (the caller checks who may see it).
pub async fn receipt(conn: &mut Conn, number: &str) -> Result<Option<ReceiptRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT number, payment_id, invoice_id, account_id, currency, amount_minor, method, provider_ref, payer, issued_at FROM receipts WHERE number = $1",
    )
    .bind(number.to_owned())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(ReceiptRow {
            number: r.try_get(0)?,
            payment_id: r.try_get(1)?,
            invoice_id: r.try_get(2)?,
            account_id: r.try_get(3)?,
            currency: r.try_get(4)?,
            amount_minor: r.try_get(5)?,
            method: r.try_get(6)?,
            provider_ref: r.try_get(7)?,
            payer: r.try_get(8)?,
            issued_at: r.try_get(9)?,
        })
    })
    .transpose()
}

/// Receipt numbers of an invoice, oldest first.
pub async fn receipts_for(conn: &mut Conn, invoice_id: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT number FROM receipts WHERE invoice_id = $1 ORDER BY issued_at, number")
        .bind(invoice_id.to_owned())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect()
}

/// Marks unpaid invoices past their expiry as expired; returns how many.
pub async fn expire_invoices(conn: &mut Conn, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE invoices SET status = 'expired', updated_at = $1 WHERE status = 'pending' AND expires_at <= $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

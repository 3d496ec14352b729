//! Invoices, payment attempts, settled payments and raw provider messages.

use super::Conn;
use super::decode::{flag, get, stored, stored_opt};
use super::statements::statements;
use huduma_domain::payments::{AttemptState, InvoiceStatus};
use huduma_domain::{AccountId, ApplicationId, AttemptId, Currency, InvoiceId, PaymentId};

/// An invoice as stored.
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    /// Internal id.
    pub id: InvoiceId,
    /// Public invoice number.
    pub number: String,
    /// Who owes it (none for an agency system's bill to someone without an account).
    pub account_id: Option<AccountId>,
    /// The application it pays for.
    pub application_id: Option<ApplicationId>,
    /// The currency it is due in.
    pub currency: Currency,
    /// Amount due, minor units.
    pub total_minor: i64,
    /// Paid so far (can exceed the total).
    pub paid_minor: i64,
    pub status: InvoiceStatus,
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
#[cfg(test)]
pub(crate) use invoice_columns;

/// An invoice from a row with the invoice's columns, by name.
pub(crate) fn invoice(row: &sqlx::any::AnyRow) -> Result<InvoiceRow, sqlx::Error> {
    invoice_prefixed(row, "")
}

/// An invoice from a joined row whose invoice columns are aliased `<prefix><column>`.
pub(crate) fn invoice_prefixed(row: &sqlx::any::AnyRow, p: &str) -> Result<InvoiceRow, sqlx::Error> {
    Ok(InvoiceRow {
        id: stored(row, p, "id")?,
        number: get(row, p, "number")?,
        account_id: stored_opt(row, p, "account_id")?,
        application_id: stored_opt(row, p, "application_id")?,
        currency: stored(row, p, "currency")?,
        total_minor: get(row, p, "total_minor")?,
        paid_minor: get(row, p, "paid_minor")?,
        status: stored(row, p, "status")?,
        description: get(row, p, "description")?,
        created_at: get(row, p, "created_at")?,
        expires_at: get(row, p, "expires_at")?,
        paid_at: get(row, p, "paid_at")?,
    })
}

/// One line of an invoice.
#[derive(Debug, Clone, sqlx::FromRow)]
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

macro_rules! attempt_columns {
    () => {
        "id, invoice_id, method, state, amount_minor, phone, merchant_request_id, checkout_request_id, result_code, result_desc, created_at, updated_at"
    };
}

statements! {
    /// Marks an invoice's lines as paid.
    MARK_LINES_PAID = "UPDATE invoice_lines SET paid_at = $2 WHERE invoice_id = $1";
    /// Creates an invoice.
    INSERT_INVOICE = "INSERT INTO invoices (id, number, account_id, application_id, currency, total_minor, paid_minor, status, description, created_at, \
         updated_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, $9, $10)";
    /// Adds one line to an invoice.
    INSERT_LINE = "INSERT INTO invoice_lines (invoice_id, position, agency, revenue_head, description, amount_minor) VALUES ($1, $2, $3, $4, $5, $6)";
    /// The invoice of one of the owner's applications.
    INVOICE_FOR_APPLICATION = concat!("SELECT ", invoice_columns!(), " FROM invoices WHERE application_id = $1 AND account_id = $2");
    /// An invoice by its public number.
    INVOICE_BY_NUMBER = concat!("SELECT ", invoice_columns!(), " FROM invoices WHERE number = $1");
    INVOICE_BY_ID = concat!("SELECT ", invoice_columns!(), " FROM invoices WHERE id = $1");
    /// An invoice's lines in order.
    LINES = "SELECT agency, revenue_head, description, amount_minor FROM invoice_lines WHERE invoice_id = $1 ORDER BY position";
    /// Adds a settled amount to an invoice and sets its status.
    ADD_PAID = "UPDATE invoices SET paid_minor = paid_minor + $1, status = $2, updated_at = $3, \
         paid_at = CASE WHEN $2 = 'paid' AND paid_at IS NULL THEN $3 ELSE paid_at END WHERE id = $4";
    /// An attempt by the provider's id (every callback).
    ATTEMPT_BY_CHECKOUT = concat!("SELECT ", attempt_columns!(), " FROM payment_attempts WHERE checkout_request_id = $1");
    /// One of the owner's attempts (the waiting page).
    ATTEMPT_OWNED = "SELECT p.id, p.invoice_id, p.method, p.state, p.amount_minor, p.phone, p.merchant_request_id, \
     p.checkout_request_id, p.result_code, p.result_desc, p.created_at, p.updated_at FROM payment_attempts p \
     JOIN invoices i ON i.id = p.invoice_id WHERE p.id = $1 AND i.account_id = $2";
    /// Attempts the reconciler asks about.
    STALE_OPEN_ATTEMPTS = concat!(
        "SELECT ",
        attempt_columns!(),
        " FROM payment_attempts WHERE state IN ('requested', 'timed_out') AND updated_at <= $1 ORDER BY updated_at LIMIT $2"
    );
    /// Records a new attempt.
    INSERT_ATTEMPT = "INSERT INTO payment_attempts (id, invoice_id, method, state, amount_minor, phone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
    /// Records the provider's acceptance.
    ATTEMPT_REQUESTED = "UPDATE payment_attempts SET state = CASE WHEN state = 'created' THEN 'requested' ELSE state END, merchant_request_id = $1, \
         checkout_request_id = $2, updated_at = $3 WHERE id = $4";
    /// Moves an attempt between states (compare-and-set).
    SET_ATTEMPT_STATE = "UPDATE payment_attempts SET state = $1, result_code = COALESCE($2, result_code), result_desc = COALESCE($3, result_desc), updated_at = $4 \
         WHERE id = $5 AND state = $6";
    /// An attempt of a given invoice.
    ATTEMPT_FOR_INVOICE = concat!("SELECT ", attempt_columns!(), " FROM payment_attempts WHERE id = $1 AND invoice_id = $2");
    /// One account's attempts still waiting for an outcome.
    OPEN_ATTEMPTS_OF_ACCOUNT = "SELECT p.id, p.invoice_id, p.method, p.state, p.amount_minor, p.phone, p.merchant_request_id, p.checkout_request_id, p.result_code, \
         p.result_desc, p.created_at, p.updated_at FROM payment_attempts p JOIN invoices i ON i.id = p.invoice_id \
         WHERE i.account_id = $1 AND p.state IN ('requested', 'timed_out') ORDER BY p.created_at DESC LIMIT 20";
    /// Marks an attempt as looked at.
    TOUCH_ATTEMPT = "UPDATE payment_attempts SET updated_at = $1 WHERE id = $2";
    /// Records a payment once per provider reference and attempt.
    INSERT_PAYMENT = "INSERT INTO payments (id, invoice_id, attempt_id, method, provider_ref, amount_minor, payer, paid_at, receipt_pending) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
    /// Payments of an invoice.
    PAYMENTS_FOR = "SELECT invoice_id, attempt_id, method, provider_ref, amount_minor, payer, paid_at, receipt_pending FROM payments \
         WHERE invoice_id = $1 ORDER BY paid_at";
    /// Stores a provider's message as received.
    STORE_MESSAGE = "INSERT INTO provider_messages (provider, kind, body, received_at, outcome) VALUES ($1, $2, $3, $4, $5) RETURNING id";
    /// Records what a stored message led to.
    MESSAGE_OUTCOME = "UPDATE provider_messages SET outcome = $1 WHERE id = $2";
    /// Replaces a provisional reference on the receipts of an attempt's payment.
    SET_RECEIPT_REFERENCE = "UPDATE receipts SET provider_ref = $1 WHERE payment_id IN \
         (SELECT id FROM payments WHERE attempt_id = $2 AND provider_ref = $3 AND receipt_pending = 1)";
    /// Replaces a provisional reference on an attempt's payment.
    SET_PAYMENT_REFERENCE = "UPDATE payments SET provider_ref = $1, receipt_pending = 0 WHERE attempt_id = $2 AND provider_ref = $3 AND receipt_pending = 1";
    /// Stores a receipt.
    INSERT_RECEIPT = "INSERT INTO receipts (number, payment_id, invoice_id, account_id, currency, amount_minor, method, provider_ref, payer, issued_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    /// A receipt by number.
    RECEIPT = "SELECT number, payment_id, invoice_id, account_id, currency, amount_minor, method, provider_ref, payer, issued_at FROM receipts WHERE number = $1";
    /// Receipt numbers of an invoice, oldest first.
    RECEIPTS_FOR = "SELECT number FROM receipts WHERE invoice_id = $1 ORDER BY issued_at, number";
    /// Expires unpaid invoices past their expiry.
    EXPIRE_INVOICES = "UPDATE invoices SET status = 'expired', updated_at = $1 WHERE status = 'pending' AND expires_at <= $1";
}

/// Marks an invoice's lines as paid at `now` (revenue is reported from them).
pub async fn mark_lines_paid(conn: &mut Conn, invoice_id: &InvoiceId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(MARK_LINES_PAID).bind(invoice_id.as_str()).bind(now).execute(conn).await?;
    Ok(())
}

/// Creates an invoice with its lines.
pub async fn insert_invoice(conn: &mut Conn, i: &InvoiceRow, lines: &[LineRow], now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_INVOICE)
        .bind(i.id.as_str())
        .bind(i.number.clone())
        .bind(i.account_id.as_ref().map(AccountId::as_str))
        .bind(i.application_id.as_ref().map(ApplicationId::as_str))
        .bind(i.currency.code())
        .bind(i.total_minor)
        .bind(i.status.as_str())
        .bind(i.description.clone())
        .bind(now)
        .bind(i.expires_at)
        .execute(&mut *conn)
        .await?;
    for (position, line) in lines.iter().enumerate() {
        sqlx::query(INSERT_LINE)
            .bind(i.id.as_str())
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
pub async fn invoice_for_application(
    conn: &mut Conn,
    account_id: &AccountId,
    application_id: &ApplicationId,
) -> Result<Option<InvoiceRow>, sqlx::Error> {
    sqlx::query(INVOICE_FOR_APPLICATION)
        .bind(application_id.as_str())
        .bind(account_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(invoice)
        .transpose()
}

/// An invoice by its public number (Paybill payments name it as the account).
pub async fn invoice_by_number(conn: &mut Conn, number: &str) -> Result<Option<InvoiceRow>, sqlx::Error> {
    sqlx::query(INVOICE_BY_NUMBER).bind(number.to_owned()).fetch_optional(conn).await?.as_ref().map(invoice).transpose()
}

/// An invoice by id (jobs and settlement only).
pub async fn invoice_by_id(conn: &mut Conn, id: &InvoiceId) -> Result<Option<InvoiceRow>, sqlx::Error> {
    sqlx::query(INVOICE_BY_ID).bind(id.as_str()).fetch_optional(conn).await?.as_ref().map(invoice).transpose()
}

/// An invoice's lines in order.
pub async fn lines(conn: &mut Conn, invoice_id: &InvoiceId) -> Result<Vec<LineRow>, sqlx::Error> {
    sqlx::query_as(LINES).bind(invoice_id.as_str()).fetch_all(conn).await
}

/// Adds a settled amount to an invoice and sets its status.
pub async fn add_paid(conn: &mut Conn, id: &InvoiceId, amount: i64, status: InvoiceStatus, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(ADD_PAID).bind(amount).bind(status.as_str()).bind(now).bind(id.as_str()).execute(conn).await?;
    Ok(())
}

/// A payment attempt as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    #[sqlx(try_from = "String")]
    pub id: AttemptId,
    #[sqlx(try_from = "String")]
    pub invoice_id: InvoiceId,
    /// `mpesa_stk`.
    pub method: String,
    #[sqlx(try_from = "String")]
    pub state: AttemptState,
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
    pub fn new(invoice_id: &InvoiceId, method: &str, amount_minor: i64, phone: Option<String>, now: i64) -> Self {
        Self {
            id: super::new_id(),
            invoice_id: invoice_id.clone(),
            method: method.to_owned(),
            state: AttemptState::Created,
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

/// Records a new attempt.
pub async fn insert_attempt(conn: &mut Conn, a: &AttemptRow) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_ATTEMPT)
        .bind(a.id.as_str())
        .bind(a.invoice_id.as_str())
        .bind(a.method.clone())
        .bind(a.state.as_str())
        .bind(a.amount_minor)
        .bind(a.phone.clone())
        .bind(a.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the provider's acceptance (its ids) and the new state.
pub async fn attempt_requested(conn: &mut Conn, id: &AttemptId, merchant: &str, checkout: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(ATTEMPT_REQUESTED).bind(merchant.to_owned()).bind(checkout.to_owned()).bind(now).bind(id.as_str()).execute(conn).await?;
    Ok(())
}

/// Moves an attempt from `from` to `to` with the provider's result (compare-and-set).
pub async fn set_attempt_state(
    conn: &mut Conn,
    id: &AttemptId,
    from: AttemptState,
    to: AttemptState,
    code: Option<&str>,
    desc: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(SET_ATTEMPT_STATE)
        .bind(to.as_str())
        .bind(code.map(str::to_owned))
        .bind(desc.map(str::to_owned))
        .bind(now)
        .bind(id.as_str())
        .bind(from.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An attempt by the provider's CheckoutRequestID.
pub async fn attempt_by_checkout(conn: &mut Conn, checkout: &str) -> Result<Option<AttemptRow>, sqlx::Error> {
    sqlx::query_as(ATTEMPT_BY_CHECKOUT).bind(checkout.to_owned()).fetch_optional(conn).await
}

/// One of the owner's attempts.
pub async fn attempt_owned(conn: &mut Conn, account_id: &AccountId, id: &AttemptId) -> Result<Option<AttemptRow>, sqlx::Error> {
    sqlx::query_as(ATTEMPT_OWNED).bind(id.as_str()).bind(account_id.as_str()).fetch_optional(conn).await
}

/// An attempt of a given invoice.
pub async fn attempt_for_invoice(conn: &mut Conn, invoice_id: &InvoiceId, id: &AttemptId) -> Result<Option<AttemptRow>, sqlx::Error> {
    sqlx::query_as(ATTEMPT_FOR_INVOICE).bind(id.as_str()).bind(invoice_id.as_str()).fetch_optional(conn).await
}

/// Attempts still open and not touched since `before` (for the reconciler).
pub async fn stale_open_attempts(conn: &mut Conn, before: i64, limit: i64) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as(STALE_OPEN_ATTEMPTS).bind(before).bind(limit).fetch_all(conn).await
}

/// One account's attempts still waiting for an outcome.
pub async fn open_attempts_of_account(conn: &mut Conn, account_id: &AccountId) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as(OPEN_ATTEMPTS_OF_ACCOUNT).bind(account_id.as_str()).fetch_all(conn).await
}

/// Marks an attempt as looked at, so the reconciler moves on to others.
pub async fn touch_attempt(conn: &mut Conn, id: &AttemptId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(TOUCH_ATTEMPT).bind(now).bind(id.as_str()).execute(conn).await?;
    Ok(())
}

/// A settled payment.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub invoice_id: InvoiceId,
    /// Attempt, when it came from one.
    pub attempt_id: Option<AttemptId>,
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
pub async fn insert_payment(conn: &mut Conn, p: &PaymentRow) -> Result<Option<PaymentId>, sqlx::Error> {
    let id: PaymentId = super::new_id();
    let done = sqlx::query(INSERT_PAYMENT)
        .bind(id.as_str())
        .bind(p.invoice_id.as_str())
        .bind(p.attempt_id.as_ref().map(AttemptId::as_str))
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
pub async fn payments_for(conn: &mut Conn, invoice_id: &InvoiceId) -> Result<Vec<PaymentRow>, sqlx::Error> {
    sqlx::query(PAYMENTS_FOR)
        .bind(invoice_id.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(PaymentRow {
                invoice_id: stored(r, "", "invoice_id")?,
                attempt_id: stored_opt(r, "", "attempt_id")?,
                method: get(r, "", "method")?,
                provider_ref: get(r, "", "provider_ref")?,
                amount_minor: get(r, "", "amount_minor")?,
                payer: get(r, "", "payer")?,
                paid_at: get(r, "", "paid_at")?,
                receipt_pending: flag(r, "", "receipt_pending")?,
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
    let row = sqlx::query(STORE_MESSAGE)
        .bind(provider.to_owned())
        .bind(kind.to_owned())
        .bind(body.to_owned())
        .bind(now)
        .bind(outcome.map(str::to_owned))
        .fetch_one(conn)
        .await?;
    get(&row, "", "id")
}

/// Records what a stored message led to.
pub async fn message_outcome(conn: &mut Conn, id: i64, outcome: &str) -> Result<(), sqlx::Error> {
    sqlx::query(MESSAGE_OUTCOME).bind(outcome.to_owned()).bind(id).execute(conn).await?;
    Ok(())
}

/// Replaces a provisional payment reference (the CheckoutRequestID, when a status query
/// settled first) with the M-Pesa receipt that arrived later, on the payment and its receipt.
pub async fn set_payment_reference(conn: &mut Conn, attempt_id: &AttemptId, provisional: &str, receipt: &str) -> Result<(), sqlx::Error> {
    sqlx::query(SET_RECEIPT_REFERENCE)
        .bind(receipt.to_owned())
        .bind(attempt_id.as_str())
        .bind(provisional.to_owned())
        .execute(&mut *conn)
        .await?;
    sqlx::query(SET_PAYMENT_REFERENCE)
        .bind(receipt.to_owned())
        .bind(attempt_id.as_str())
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
    pub payment_id: PaymentId,
    pub invoice_id: InvoiceId,
    /// Payer's account, when the invoice has one.
    pub account_id: Option<AccountId>,
    pub currency: Currency,
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
    sqlx::query(INSERT_RECEIPT)
        .bind(r.number.clone())
        .bind(r.payment_id.as_str())
        .bind(r.invoice_id.as_str())
        .bind(r.account_id.as_ref().map(AccountId::as_str))
        .bind(r.currency.code())
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
    let row = sqlx::query(RECEIPT).bind(number.to_owned()).fetch_optional(conn).await?;
    row.map(|r| {
        Ok(ReceiptRow {
            number: get(&r, "", "number")?,
            payment_id: stored(&r, "", "payment_id")?,
            invoice_id: stored(&r, "", "invoice_id")?,
            account_id: stored_opt(&r, "", "account_id")?,
            currency: stored(&r, "", "currency")?,
            amount_minor: get(&r, "", "amount_minor")?,
            method: get(&r, "", "method")?,
            provider_ref: get(&r, "", "provider_ref")?,
            payer: get(&r, "", "payer")?,
            issued_at: get(&r, "", "issued_at")?,
        })
    })
    .transpose()
}

/// Receipt numbers of an invoice, oldest first.
pub async fn receipts_for(conn: &mut Conn, invoice_id: &InvoiceId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(RECEIPTS_FOR).bind(invoice_id.as_str()).fetch_all(conn).await
}

/// Marks unpaid invoices past their expiry as expired; returns how many.
pub async fn expire_invoices(conn: &mut Conn, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(EXPIRE_INVOICES).bind(now).execute(conn).await?;
    Ok(done.rows_affected())
}

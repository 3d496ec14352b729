//! The reads behind "I paid but the portal says unpaid", and the receipt number kept on
//! each M-Pesa provider message so that an unmatched one is found through an index.

use super::Conn;
use super::decode::{stored, stored_opt};
use super::statements::statements;
use huduma_domain::{AccountId, ApplicationId, InvoiceId};
use sqlx::Row;

statements! {
    /// The payment recorded under an M-Pesa receipt number, with its invoice's owner.
    RECORDED = "SELECT r.number AS receipt, i.number AS invoice, i.application_id AS application, i.account_id AS owner \
         FROM payments p JOIN invoices i ON i.id = p.invoice_id \
         LEFT JOIN receipts r ON r.payment_id = p.id WHERE p.method = 'mpesa' AND p.provider_ref = $1";
    /// A person's most recent receipt.
    LATEST = "SELECT r.number AS receipt, i.number AS invoice, i.application_id AS application \
         FROM receipts r JOIN invoices i ON i.id = r.invoice_id \
         WHERE r.account_id = $1 ORDER BY r.issued_at DESC, r.number LIMIT 1";
    /// M-Pesa messages with a receipt number that were not applied to any invoice.
    UNMATCHED = "SELECT COUNT(*) AS unmatched FROM provider_messages \
         WHERE mpesa_receipt = $1 AND provider = 'mpesa' AND outcome NOT IN ('settled', 'duplicate')";
    /// Keeps the receipt number a provider message carries.
    SET_MESSAGE_RECEIPT = "UPDATE provider_messages SET mpesa_receipt = $1 WHERE id = $2";
}

/// The look-up's statements with sample values, for the query-plan test.
pub const PLANNED: &[(&str, &str, &[&str])] = &[("unmatched", UNMATCHED, &["'SUNMATCH01'"])];

/// A payment found by its receipt number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedPayment {
    /// Our receipt number (none while the receipt is being issued).
    pub receipt: Option<String>,
    /// The invoice it paid.
    pub invoice: InvoiceId,
    /// The application, if the invoice is for one.
    pub application: Option<ApplicationId>,
    /// Whose invoice it is.
    pub owner: Option<AccountId>,
}

/// The payment recorded under an M-Pesa receipt number.
pub async fn recorded(conn: &mut Conn, receipt: &str) -> Result<Option<RecordedPayment>, sqlx::Error> {
    let row = sqlx::query(RECORDED).bind(receipt.to_owned()).fetch_optional(conn).await?;
    row.map(|r| {
        Ok(RecordedPayment {
            receipt: r.try_get("receipt")?,
            invoice: stored(&r, "", "invoice")?,
            application: stored_opt(&r, "", "application")?,
            owner: stored_opt(&r, "", "owner")?,
        })
    })
    .transpose()
}

/// A person's most recent receipt (their own invoices only).
pub async fn latest(conn: &mut Conn, account_id: &AccountId) -> Result<Option<RecordedPayment>, sqlx::Error> {
    let row = sqlx::query(LATEST).bind(account_id.as_str()).fetch_optional(conn).await?;
    row.map(|r| {
        Ok(RecordedPayment {
            receipt: r.try_get("receipt")?,
            invoice: stored(&r, "", "invoice")?,
            application: stored_opt(&r, "", "application")?,
            owner: Some(account_id.clone()),
        })
    })
    .transpose()
}

/// Whether an M-Pesa message with this receipt number arrived and was not applied.
pub async fn unmatched(conn: &mut Conn, receipt: &str) -> Result<bool, sqlx::Error> {
    let count: i64 = sqlx::query(UNMATCHED).bind(receipt.to_owned()).fetch_one(conn).await?.try_get("unmatched")?;
    Ok(count > 0)
}

/// Keeps the receipt number of a stored provider message, in the transaction that stored it.
pub async fn set_message_receipt(conn: &mut Conn, message_id: i64, receipt: &str) -> Result<(), sqlx::Error> {
    sqlx::query(SET_MESSAGE_RECEIPT).bind(receipt.to_owned()).bind(message_id).execute(conn).await?;
    Ok(())
}

//! "I paid but the portal says unpaid": a citizen gives the M-Pesa receipt number from
//! their SMS, and we look for it before anyone opens a ticket — in recorded payments,
//! then by asking M-Pesa about the citizen's open attempts right away (the reconciler's
//! job, run now), then among provider messages we received but could not match (by the
//! receipt number kept on each M-Pesa message, through an index).

use crate::app::App;
use crate::integrations::daraja::StkCallback;
use crate::services::rate_limit;
use crate::services::sessions::Authenticated;
use crate::services::{ServiceError, ServiceResult};
use crate::store::receipt_lookup as store;

/// What the look-up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The payment is recorded on one of the person's invoices.
    Recorded {
        /// Our receipt number.
        receipt: String,
        /// The invoice it paid.
        invoice: huduma_domain::InvoiceId,
        /// The application, if the invoice is for one.
        application: Option<huduma_domain::ApplicationId>,
    },
    /// Recorded, but on an invoice of someone else (a mistyped account number).
    ForSomeoneElse,
    /// Received from M-Pesa but not matched to any invoice: a person must resolve it.
    Unmatched,
    /// Not received yet.
    NotYet,
}

/// Normalises what people type: `slk7 rt61sv` → `SLK7RT61SV`.
pub fn normalise(receipt: &str) -> Option<String> {
    let compact: String = receipt.chars().filter(char::is_ascii_alphanumeric).flat_map(|c| c.to_uppercase()).collect();
    (8..=12).contains(&compact.len()).then_some(compact)
}

/// Looks for an M-Pesa receipt number.
pub async fn find(app: &App, me: &Authenticated, receipt: &str) -> ServiceResult<Found> {
    let receipt = normalise(receipt).ok_or_else(|| ServiceError::field("receipt", "lookup.receipt_invalid"))?;
    rate_limit::hit(app, rate_limit::RECEIPT_LOOKUPS_PER_ACCOUNT, me.account.id.as_str()).await?;
    if let Some(found) = recorded(app, me, &receipt).await? {
        return Ok(found);
    }
    // Not recorded: ask M-Pesa now about this person's attempts still waiting. The status
    // query gives no receipt number, so a payment it settles is the one they mean.
    let sweep = super::reconcile::run_for_account(app, &me.account.id).await.map_err(ServiceError::Internal)?;
    if let Some(found) = recorded(app, me, &receipt).await? {
        return Ok(found);
    }
    if sweep.settled > 0
        && let Some(found) = latest(app, me).await?
    {
        return Ok(found);
    }
    let mut conn = app.db.pool().acquire().await?;
    Ok(if store::unmatched(&mut conn, &receipt).await? { Found::Unmatched } else { Found::NotYet })
}

/// The receipt number a stored M-Pesa message carries, normalised as people's input is:
/// the STK callback's `MpesaReceiptNumber`, a Paybill message's `TransID`.
pub fn receipt_in(kind: &str, raw: &str) -> Option<String> {
    let body = serde_json::from_str::<serde_json::Value>(raw).ok()?;
    let receipt = match kind {
        "stk_callback" => StkCallback::parse(&body)?.receipt?,
        "c2b_validation" | "c2b_confirmation" => body.get("TransID")?.as_str()?.to_owned(),
        _ => return None,
    };
    normalise(&receipt)
}

/// Keeps the receipt number of a stored M-Pesa message in its indexed column, so that
/// [`find`] reaches an unmatched message by equality; in the transaction that stored it.
pub async fn index_message(conn: &mut crate::store::Conn, message_id: i64, kind: &str, raw: &str) -> ServiceResult<()> {
    if let Some(receipt) = receipt_in(kind, raw) {
        store::set_message_receipt(conn, message_id, &receipt).await?;
    }
    Ok(())
}

/// The person's most recent receipt.
async fn latest(app: &App, me: &Authenticated) -> ServiceResult<Option<Found>> {
    let mut conn = app.db.pool().acquire().await?;
    let found = store::latest(&mut conn, &me.account.id).await?;
    Ok(found.map(|p| Found::Recorded { receipt: p.receipt.unwrap_or_default(), invoice: p.invoice, application: p.application }))
}

async fn recorded(app: &App, me: &Authenticated, receipt: &str) -> ServiceResult<Option<Found>> {
    let mut conn = app.db.pool().acquire().await?;
    let Some(payment) = store::recorded(&mut conn, receipt).await? else { return Ok(None) };
    if payment.owner.as_ref() != Some(&me.account.id) {
        return Ok(Some(Found::ForSomeoneElse));
    }
    Ok(Some(Found::Recorded { receipt: payment.receipt.unwrap_or_default(), invoice: payment.invoice, application: payment.application }))
}

//! "I paid but the portal says unpaid": a citizen gives the M-Pesa receipt number from
//! their SMS, and we look for it before anyone opens a ticket — in recorded payments,
//! then by asking M-Pesa about the citizen's open attempts right away (the reconciler's
//! job, run now), then among provider messages we received but could not match.

use crate::app::App;
use crate::services::rate_limit;
use crate::services::sessions::Authenticated;
use crate::services::{ServiceError, ServiceResult};
use sqlx::Row;

/// What the look-up found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The payment is recorded on one of the person's invoices.
    Recorded {
        /// Our receipt number.
        receipt: String,
        /// The invoice it paid.
        invoice: String,
        /// The application, if the invoice is for one.
        application: Option<String>,
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
    rate_limit::hit(app, rate_limit::RECEIPT_LOOKUPS_PER_ACCOUNT, &me.account.id).await?;
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
    let unmatched: i64 = sqlx::query(
        "SELECT COUNT(*) FROM provider_messages WHERE provider = 'mpesa' AND body LIKE $1 AND outcome NOT IN ('settled', 'duplicate')",
    )
    .bind(format!("%{receipt}%"))
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    Ok(if unmatched > 0 { Found::Unmatched } else { Found::NotYet })
}

/// The person's most recent receipt.
async fn latest(app: &App, me: &Authenticated) -> ServiceResult<Option<Found>> {
    let mut conn = app.db.pool().acquire().await?;
    let row = sqlx::query(
        "SELECT r.number, i.number, i.application_id FROM receipts r JOIN invoices i ON i.id = r.invoice_id \
         WHERE r.account_id = $1 ORDER BY r.issued_at DESC, r.number LIMIT 1",
    )
    .bind(me.account.id.clone())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok(Found::Recorded { receipt: r.try_get(0)?, invoice: r.try_get(1)?, application: r.try_get(2)? })).transpose()
}

async fn recorded(app: &App, me: &Authenticated, receipt: &str) -> ServiceResult<Option<Found>> {
    let mut conn = app.db.pool().acquire().await?;
    let row = sqlx::query(
        "SELECT r.number, i.number, i.application_id, i.account_id FROM payments p JOIN invoices i ON i.id = p.invoice_id \
         LEFT JOIN receipts r ON r.payment_id = p.id WHERE p.method = 'mpesa' AND p.provider_ref = $1",
    )
    .bind(receipt.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let owner: Option<String> = row.try_get(3)?;
    if owner.as_deref() != Some(me.account.id.as_str()) {
        return Ok(Some(Found::ForSomeoneElse));
    }
    Ok(Some(Found::Recorded {
        receipt: row.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
        invoice: row.try_get(1)?,
        application: row.try_get(2)?,
    }))
}

//! Paying for applications: invoices, M-Pesa STK push, callbacks, settlement exactly once,
//! and the reconciler that resolves attempts whose callback never came.

pub mod card;
pub mod invoices;
pub mod lookup;
pub mod mpesa;
pub mod paybill;
pub mod receipts;
pub mod reconcile;
pub mod settle;

use crate::app::App;
use crate::services::ServiceResult;
use crate::store::payments::{self as store, AttemptRow};

/// Records a new attempt before the provider is asked, so a crash in between leaves a
/// trace the reconciler and people can see.
pub async fn record_attempt(app: &App, attempt: AttemptRow) -> ServiceResult<AttemptRow> {
    let mut tx = app.db.begin().await?;
    store::insert_attempt(&mut tx, &attempt).await?;
    tx.commit().await?;
    Ok(attempt)
}

/// Stores a provider's message as received, committed at once; returns its id.
pub async fn store_message(app: &App, provider: &str, kind: &str, raw: &str) -> ServiceResult<i64> {
    let mut tx = app.db.begin().await?;
    let id = store::store_message(&mut tx, provider, kind, raw, app.clock.now()).await?;
    tx.commit().await?;
    Ok(id)
}

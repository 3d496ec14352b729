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
pub mod stk_confirm;

use crate::app::App;
use crate::services::ServiceResult;
use crate::store::payments::{self as store, AttemptRow};
use huduma_domain::payments::AttemptState;

/// A payment attempt's change of state, with the provider's result: the compare-and-set
/// and its audit entry, in the caller's transaction. False when the attempt had moved on.
#[allow(clippy::too_many_arguments)]
pub async fn move_attempt(
    conn: &mut crate::store::Conn,
    attempt_id: &huduma_domain::AttemptId,
    from: AttemptState,
    to: AttemptState,
    code: Option<&str>,
    desc: Option<&str>,
    now: i64,
) -> ServiceResult<bool> {
    if !store::set_attempt_state(conn, attempt_id, from, to, code, desc, now).await? {
        return Ok(false);
    }
    let entry = crate::services::audit::Entry {
        actor: crate::services::audit::Actor::System,
        agency: None,
        action: "payment.attempt",
        subject: format!("attempt:{attempt_id}"),
        details: serde_json::json!({ "from": from.as_str(), "to": to.as_str(), "code": code }),
        ip: "-",
    };
    crate::services::audit::record_soon(conn, entry, now).await?;
    Ok(true)
}

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
    let id = store::store_message(&mut tx, provider, kind, raw, None, app.clock.now()).await?;
    if provider == mpesa::PROVIDER {
        lookup::index_message(&mut tx, id, kind, raw).await?;
    }
    tx.commit().await?;
    Ok(id)
}

//! Confirming an STK callback that says "paid" with Daraja's status query, from the
//! outbox (`HUDUMA_DARAJA_CONFIRM_BY_QUERY`).
//!
//! The callback itself is stored as `unconfirmed` and answered at once, with a job queued
//! in the same transaction; the job asks Daraja and applies the callback only if the
//! query agrees. So Safaricom never waits on our call to Safaricom, and a callback is kept
//! even while the query is down. Applying is idempotent (settlement is unique on the
//! attempt), so a job that runs twice, or a callback that comes twice, records the money
//! once.

use super::mpesa::{CallbackOutcome, apply_in};
use crate::app::App;
use crate::integrations::daraja::{QueryOutcome, StkCallback};
use crate::services::ServiceResult;
use crate::store::stk_confirmations as store;
use serde::{Deserialize, Serialize};

/// The outbox job kind.
pub const JOB: &str = "mpesa_confirm";

/// The outbox payload: which stored callback to confirm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfirmJob {
    /// `provider_messages.id` of the callback.
    pub message_id: i64,
}

/// How a confirmation job ended, for the outbox worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Resolved: applied, refused by the query, or resolved before.
    Done,
    /// Daraja could not tell (yet): ask again later.
    Retry(String),
    /// Nothing to confirm (no such message, or not a callback).
    GiveUp(String),
}

/// Queues the confirmation of a stored callback, in the transaction that stored it.
pub async fn queue(conn: &mut crate::store::Conn, message_id: i64, now: i64) -> ServiceResult<()> {
    let payload = serde_json::to_string(&ConfirmJob { message_id }).map_err(|e| crate::services::ServiceError::Internal(e.into()))?;
    crate::store::outbox::enqueue(conn, JOB, &payload, now).await?;
    Ok(())
}

/// Runs one confirmation job.
pub async fn run(app: &App, job: &ConfirmJob) -> Confirmation {
    match confirm(app, job).await {
        Ok(done) => done,
        Err(err) => Confirmation::Retry(format!("{err}")),
    }
}

async fn confirm(app: &App, job: &ConfirmJob) -> ServiceResult<Confirmation> {
    let message = {
        let mut conn = app.db.pool().acquire().await?;
        store::message(&mut conn, job.message_id).await?
    };
    let Some(message) = message else { return Ok(Confirmation::GiveUp("no such M-Pesa message".into())) };
    if message.outcome.as_deref() != Some(CallbackOutcome::Unconfirmed.as_str()) {
        return Ok(Confirmation::Done);
    }
    let Some(callback) = serde_json::from_str::<serde_json::Value>(&message.body).ok().as_ref().and_then(StkCallback::parse) else {
        return Ok(Confirmation::GiveUp("not an STK callback".into()));
    };
    let Some(daraja) = app.daraja.as_ref() else { return Ok(Confirmation::Retry("M-Pesa is not configured".into())) };
    let outcome = match daraja.stk_query(&callback.checkout_request_id, app.clock.now()).await {
        Ok(QueryOutcome::Done { code, .. }) if code == "0" => {
            let mut tx = app.db.begin().await?;
            let outcome = apply_in(&mut tx, app, &callback).await?;
            store::resolve(&mut tx, job.message_id, outcome.as_str()).await?;
            tx.commit().await?;
            outcome
        }
        Ok(QueryOutcome::Done { code, .. }) => {
            let mut tx = app.db.begin().await?;
            store::resolve(&mut tx, job.message_id, CallbackOutcome::Mismatch.as_str()).await?;
            tx.commit().await?;
            tracing::error!(message = job.message_id, query_result = %code, "M-Pesa callback says paid but the status query says otherwise: investigate");
            return Ok(Confirmation::Done);
        }
        Ok(QueryOutcome::Pending) => return Ok(Confirmation::Retry("Daraja's status query cannot confirm the payment yet".into())),
        Err(err) => return Ok(Confirmation::Retry(format!("Daraja's status query: {err}"))),
    };
    match outcome {
        CallbackOutcome::Settled => app.outbox_wakeup.notify_one(),
        CallbackOutcome::UnknownAttempt | CallbackOutcome::Mismatch | CallbackOutcome::InvalidAmount | CallbackOutcome::Invalid => {
            tracing::error!(
                message = job.message_id,
                outcome = outcome.as_str(),
                "confirmed M-Pesa callback not matched to any attempt of ours: investigate"
            );
        }
        CallbackOutcome::Duplicate | CallbackOutcome::Failed | CallbackOutcome::Unconfirmed => {}
    }
    Ok(Confirmation::Done)
}

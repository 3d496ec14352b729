//! The reconciler: attempts still waiting after a while are asked about with the STK
//! query, so a lost callback never leaves money unrecorded. Runs every
//! `HUDUMA_RECONCILE_SECONDS` in the worker, and asks about an attempt once it has waited
//! that long.

use super::mpesa::apply;
use crate::app::App;
use crate::integrations::daraja::{QueryOutcome, StkCallback};
use crate::store::payments as store;
use huduma_domain::payments::{AttemptState, attempt::Event};
use std::sync::Arc;
use std::time::Duration;

/// Seconds after which an unanswered prompt is called timed out (the phone's own prompt
/// lasts about a minute; a late success still settles).
pub const TIME_OUT_AFTER_SECS: i64 = 5 * 60;
/// Timed-out attempts are still asked about for this long, for late successes.
pub const KEEP_ASKING_SECS: i64 = 24 * 3600;

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sweep {
    /// Attempts asked about.
    pub asked: u64,
    /// Newly settled.
    pub settled: u64,
    /// Newly failed.
    pub failed: u64,
    /// Newly timed out.
    pub timed_out: u64,
}

/// One sweep over waiting attempts.
pub async fn run_once(app: &App) -> anyhow::Result<Sweep> {
    let waiting = {
        let mut conn = app.db.pool().acquire().await?;
        // An attempt waits one `HUDUMA_RECONCILE_SECONDS` for its callback before the first
        // question, as it waits between questions after that.
        let wait = i64::try_from(app.config.reconcile_secs).unwrap_or(i64::MAX);
        store::stale_open_attempts(&mut conn, app.clock.now().saturating_sub(wait), 200).await?
    };
    sweep(app, waiting).await
}

/// Asks about one person's waiting attempts now, however recent (the "I paid" check).
pub async fn run_for_account(app: &App, account_id: &huduma_domain::AccountId) -> anyhow::Result<Sweep> {
    let waiting = {
        let mut conn = app.db.pool().acquire().await?;
        store::open_attempts_of_account(&mut conn, account_id).await?
    };
    sweep(app, waiting).await
}

async fn sweep(app: &App, waiting: Vec<crate::store::payments::AttemptRow>) -> anyhow::Result<Sweep> {
    let daraja = app.daraja.as_ref();
    let now = app.clock.now();
    let mut sweep = Sweep::default();
    for attempt in waiting {
        let Some(checkout) = attempt.checkout_request_id.clone() else { continue };
        let state = attempt.state;
        if attempt.method == "card" {
            sweep.asked += 1;
            match super::card::confirm(app, &checkout).await? {
                Some(AttemptState::Succeeded) => sweep.settled += 1,
                Some(AttemptState::Failed) => sweep.failed += 1,
                _ => {
                    let mut conn = app.db.pool().acquire().await?;
                    store::touch_attempt(&mut conn, &attempt.id, now).await?;
                }
            }
            continue;
        }
        if state == AttemptState::TimedOut && now - attempt.created_at > KEEP_ASKING_SECS {
            continue;
        }
        let Some(daraja) = daraja else { continue };
        sweep.asked += 1;
        match daraja.stk_query(&checkout, now).await {
            Ok(QueryOutcome::Done { code, desc }) => {
                let cb = StkCallback {
                    merchant_request_id: attempt.merchant_request_id.clone().unwrap_or_default(),
                    checkout_request_id: checkout,
                    result_code: code.clone(),
                    result_desc: desc,
                    // Daraja's own (authenticated) answer about the attempt we made for this
                    // amount; it names neither amount nor receipt, so the payment is keyed on
                    // the CheckoutRequestID with its receipt pending (never shown as one).
                    amount_minor: Some(attempt.amount_minor),
                    receipt: None,
                    phone: attempt.phone.clone(),
                };
                match apply(app, &cb).await? {
                    super::mpesa::CallbackOutcome::Settled => sweep.settled += 1,
                    super::mpesa::CallbackOutcome::Failed => sweep.failed += 1,
                    _ => {}
                }
            }
            Ok(QueryOutcome::Pending) => {
                let mut conn = app.db.pool().acquire().await?;
                if now - attempt.created_at > TIME_OUT_AFTER_SECS
                    && let Some(to) = state.next(Event::Expired)
                {
                    drop(conn);
                    let mut tx = app.db.begin().await?;
                    super::move_attempt(&mut tx, &attempt.id, state, to, Some("timeout"), None, now).await?;
                    tx.commit().await?;
                    sweep.timed_out += 1;
                } else {
                    store::touch_attempt(&mut conn, &attempt.id, now).await?;
                }
            }
            Err(err) => {
                tracing::warn!(attempt = %attempt.id, error = %err, "STK query failed; will ask again");
                let mut conn = app.db.pool().acquire().await?;
                store::touch_attempt(&mut conn, &attempt.id, now).await?;
            }
        }
    }
    Ok(sweep)
}

/// The reconciler as a periodic job: one sweep every `HUDUMA_RECONCILE_SECONDS` across
/// the cluster, so each waiting attempt is asked about once per interval however many
/// workers run.
pub fn job(app: &App) -> crate::jobs::periodic::Job {
    crate::jobs::periodic::Job { name: "reconcile", every: Duration::from_secs(app.config.reconcile_secs) }
}

/// One sweep, as the periodic job runs it.
pub async fn sweep_due(app: Arc<App>) -> anyhow::Result<()> {
    run_once(&app).await.map(|_| ())
}

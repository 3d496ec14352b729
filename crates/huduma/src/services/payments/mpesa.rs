//! M-Pesa STK push: asking the citizen's phone for the PIN, and taking the callback.
//!
//! The callback is unsigned, so it proves nothing by itself: it must come to the secret
//! path, name an attempt we made, and carry the amount we asked for. Its raw body is
//! stored before anything else and before we answer.

use super::settle::{ProviderRef, Settled, settle_attempt};
use crate::app::App;
use crate::integrations::daraja::{DarajaError, StkCallback};
use crate::services::rate_limit;
use crate::services::sessions::Authenticated;
use crate::services::{ServiceError, ServiceResult};
use crate::store::payments::{self as store, AttemptRow};
use huduma_domain::Phone;
use huduma_domain::payments::{AttemptState, attempt::Event};
use huduma_domain::{AccountId, ApplicationId, AttemptId};

/// The provider name in `provider_messages`.
pub const PROVIDER: &str = "mpesa";
/// The stored method of an STK push attempt.
pub const METHOD: &str = "mpesa_stk";

/// The callback URL Daraja posts outcomes to.
pub fn callback_url(app: &App) -> String {
    format!("{}/callbacks/mpesa/stk/{}", app.config.callback_base_url.trim_end_matches('/'), app.config.daraja_callback_token.expose())
}

/// The Paybill validation and confirmation URLs.
pub fn c2b_urls(app: &App) -> (String, String) {
    let base = app.config.callback_base_url.trim_end_matches('/');
    let token = app.config.daraja_callback_token.expose();
    (format!("{base}/callbacks/mpesa/c2b/validation/{token}"), format!("{base}/callbacks/mpesa/c2b/confirmation/{token}"))
}

/// Registers the Paybill URLs with Daraja, retrying while it is unreachable (at start-up).
pub async fn register_c2b(app: std::sync::Arc<App>) {
    let Some(daraja) = app.daraja.as_ref() else { return };
    let (validation, confirmation) = c2b_urls(&app);
    for wait in [1u64, 5, 30, 120, 600] {
        match daraja.register_c2b_urls(&validation, &confirmation, app.clock.now()).await {
            Ok(()) => {
                tracing::info!("M-Pesa Paybill URLs registered");
                return;
            }
            Err(err) => tracing::warn!(error = %err, "could not register the M-Pesa Paybill URLs; will retry"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    }
    tracing::error!("gave up registering the M-Pesa Paybill URLs: Paybill payments cannot be validated");
}

/// Who asks for a prompt, for the rate limits (each prompt also counts against its phone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker<'a> {
    /// A signed-in account (its id).
    Account(&'a AccountId),
    /// Someone on a public checkout page (their address).
    Address(&'a str),
    /// An agency system's `sendSTK` (its client id): limited per phone only.
    Agency(&'a huduma_domain::ApiClientId),
}

/// Starts an STK push for what is still due on the invoice of one of the person's
/// applications; returns the attempt id (the waiting page follows it).
pub async fn start(app: &App, me: &Authenticated, application_id: &ApplicationId, phone: &str) -> ServiceResult<AttemptId> {
    let view = super::invoices::for_application(app, me, application_id).await?;
    start_for_invoice(app, &view, phone, Asker::Account(&me.account.id)).await
}

/// Starts an STK push for what is still due on an invoice.
pub async fn start_for_invoice(app: &App, view: &super::invoices::InvoiceView, phone: &str, asker: Asker<'_>) -> ServiceResult<AttemptId> {
    let phone = Phone::parse(phone).map_err(|e| ServiceError::field("phone", e.code))?;
    let daraja = app.daraja.as_ref().ok_or(ServiceError::Unavailable("payment.unavailable"))?;
    if !view.status().is_open() || view.due() == 0 {
        return Err(ServiceError::field("phone", "payment.not_due"));
    }
    // Every prompt rings a phone: limited per phone (normalised, so `0712…` and `+254712…`
    // count together) and per whoever asks.
    match asker {
        Asker::Account(id) => rate_limit::hit(app, rate_limit::STK_PER_ACCOUNT, id.as_str()).await?,
        Asker::Address(ip) => rate_limit::hit(app, rate_limit::STK_PER_IP, ip).await?,
        Asker::Agency(_) => {}
    }
    rate_limit::hit(app, rate_limit::STK_PER_PHONE, &phone.daraja()).await?;
    // M-Pesa takes whole shillings; a part-shilling remainder rounds up so the bill is met.
    let shillings = (view.due() + 99) / 100;
    let now = app.clock.now();
    let attempt = super::record_attempt(app, AttemptRow::new(&view.invoice.id, METHOD, shillings * 100, Some(phone.daraja()), now)).await?;
    let pushed =
        daraja.stk_push(&phone.daraja(), shillings, &view.invoice.number, &view.invoice.description, &callback_url(app), now).await;
    let mut tx = app.db.begin().await?;
    match pushed {
        Ok(accepted) => {
            store::attempt_requested(&mut tx, &attempt.id, &accepted.merchant_request_id, &accepted.checkout_request_id, app.clock.now())
                .await?;
        }
        Err(err) => {
            let (code, desc) = match &err {
                DarajaError::Refused { code, message } => (code.clone(), message.clone()),
                DarajaError::Unavailable(reason) => ("unavailable".to_owned(), reason.clone()),
            };
            tracing::warn!(attempt = %attempt.id, error = %err, "STK push not accepted");
            super::move_attempt(
                &mut tx,
                &attempt.id,
                AttemptState::Created,
                AttemptState::Failed,
                Some(&code),
                Some(&desc),
                app.clock.now(),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(attempt.id)
}

/// What a callback led to (also stored with the raw message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// Money recorded.
    Settled,
    /// Seen before: nothing changed.
    Duplicate,
    /// The customer did not pay; the attempt is closed.
    Failed,
    /// Not ours (no such CheckoutRequestID): an alert, never a payment.
    UnknownAttempt,
    /// Ours, but the amount differs from what we asked: an alert, never a payment.
    Mismatch,
    /// Says paid, but the `Amount` is missing or unreadable: an alert, never a payment
    /// (no amount, no settlement).
    InvalidAmount,
    /// Not a callback we can read.
    Invalid,
    /// Says paid, and waits for Daraja's status query to confirm it (an outbox job; the
    /// reconciler also settles the attempt once the query does).
    Unconfirmed,
}

impl CallbackOutcome {
    /// Stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Settled => "settled",
            Self::Duplicate => "duplicate",
            Self::Failed => "failed",
            Self::UnknownAttempt => "unknown_attempt",
            Self::Mismatch => "mismatch",
            Self::InvalidAmount => "invalid_amount",
            Self::Invalid => "invalid",
            Self::Unconfirmed => "unconfirmed",
        }
    }
}

/// Handles an STK callback body: store it, then match and settle.
pub async fn callback(app: &App, raw: &str) -> ServiceResult<CallbackOutcome> {
    let now = app.clock.now();
    let parsed = serde_json::from_str::<serde_json::Value>(raw).ok().as_ref().and_then(StkCallback::parse);
    if parsed.as_ref().is_some_and(|cb| cb.result_code == "0" && app.config.daraja_confirm_by_query) {
        // Stored and answered now; Daraja's status query runs from the outbox, and only
        // its agreement applies the callback (see `stk_confirm`).
        let outcome = CallbackOutcome::Unconfirmed;
        let mut tx = app.db.begin().await?;
        let id = store::store_message(&mut tx, PROVIDER, "stk_callback", raw, Some(outcome.as_str()), now).await?;
        super::lookup::index_message(&mut tx, id, "stk_callback", raw).await?;
        super::stk_confirm::queue(&mut tx, id, now).await?;
        tx.commit().await?;
        app.outbox_wakeup.notify_one();
        return Ok(outcome);
    }
    // One transaction applies the message and stores it with its outcome: a single
    // durable write per callback, and never an applied payment without its message.
    let applied = match &parsed {
        None => None,
        Some(cb) => {
            let mut tx = app.db.begin().await?;
            match apply_in(&mut tx, app, cb).await {
                Ok(outcome) => {
                    let id = store::store_message(&mut tx, PROVIDER, "stk_callback", raw, Some(outcome.as_str()), now).await?;
                    super::lookup::index_message(&mut tx, id, "stk_callback", raw).await?;
                    tx.commit().await?;
                    Some(Ok((id, outcome)))
                }
                Err(err) => Some(Err(err)),
            }
        }
    };
    let (message_id, outcome) = match applied {
        Some(Ok(done)) => done,
        // Unreadable, or applying failed (the transaction rolled back): keep the message anyway.
        other => {
            let outcome = CallbackOutcome::Invalid;
            let mut tx = app.db.begin().await?;
            let kept = if other.is_some() { "error" } else { outcome.as_str() };
            let id = store::store_message(&mut tx, PROVIDER, "stk_callback", raw, Some(kept), now).await?;
            super::lookup::index_message(&mut tx, id, "stk_callback", raw).await?;
            tx.commit().await?;
            if let Some(Err(err)) = other {
                return Err(err);
            }
            (id, outcome)
        }
    };
    if matches!(
        outcome,
        CallbackOutcome::UnknownAttempt | CallbackOutcome::Mismatch | CallbackOutcome::InvalidAmount | CallbackOutcome::Invalid
    ) {
        tracing::error!(
            message = message_id,
            outcome = outcome.as_str(),
            "M-Pesa callback not matched to any attempt of ours: investigate"
        );
    }
    if outcome == CallbackOutcome::Settled {
        app.outbox_wakeup.notify_one();
    }
    Ok(outcome)
}

/// Applies a parsed callback (also used for query results that the reconciler learns).
pub async fn apply(app: &App, cb: &StkCallback) -> ServiceResult<CallbackOutcome> {
    let mut tx = app.db.begin().await?;
    let outcome = apply_in(&mut tx, app, cb).await?;
    tx.commit().await?;
    if outcome == CallbackOutcome::Settled {
        app.outbox_wakeup.notify_one();
    }
    Ok(outcome)
}

/// [`apply`] inside the caller's transaction.
pub async fn apply_in(tx: &mut crate::store::Conn, app: &App, cb: &StkCallback) -> ServiceResult<CallbackOutcome> {
    let Some((attempt, invoice)) = crate::store::checkout::attempt_with_invoice(tx, &cb.checkout_request_id).await? else {
        return Ok(CallbackOutcome::UnknownAttempt);
    };
    let state = attempt.state;
    let outcome = if cb.result_code == "0" {
        match cb.amount_minor {
            // A success without a readable amount proves nothing about the money: never
            // assume it was what we asked for.
            None => CallbackOutcome::InvalidAmount,
            Some(amount) if amount != attempt.amount_minor => CallbackOutcome::Mismatch,
            Some(amount) => {
                // Daraja's status query names no receipt: the CheckoutRequestID then keys
                // the payment until the callback brings the receipt, and is never shown.
                let reference = match &cb.receipt {
                    Some(receipt) => ProviderRef::Receipt(receipt),
                    None => ProviderRef::Pending(&cb.checkout_request_id),
                };
                match settle_attempt(tx, app, &attempt, invoice, reference, amount, cb.phone.as_deref()).await? {
                    Settled::Recorded => CallbackOutcome::Settled,
                    Settled::AlreadyRecorded => {
                        // Settled earlier from a status query (no receipt then): keep the receipt now.
                        if let Some(receipt) = &cb.receipt {
                            store::set_payment_reference(tx, &attempt.id, &cb.checkout_request_id, receipt).await?;
                        }
                        CallbackOutcome::Duplicate
                    }
                }
            }
        }
    } else {
        match state.next(Event::Declined) {
            Some(to) => {
                super::move_attempt(tx, &attempt.id, state, to, Some(&cb.result_code), Some(&cb.result_desc), app.clock.now()).await?;
                CallbackOutcome::Failed
            }
            None => CallbackOutcome::Duplicate,
        }
    };
    Ok(outcome)
}

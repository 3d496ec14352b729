//! Cards through Pesapal's hosted checkout: we never see a card number. The citizen is
//! sent to Pesapal's page; Pesapal tells us by IPN (and the browser comes back), and we
//! believe neither until `GetTransactionStatus` confirms the order, its reference and its
//! amount. The card's confirmation code settles the invoice exactly once.

use super::invoices::InvoiceView;
use super::settle::{ProviderRef, Settled, settle_attempt};
use crate::app::App;
use crate::integrations::pesapal::{CardOutcome, OrderRequest};
use crate::services::sessions::Authenticated;
use crate::services::{ServiceError, ServiceResult};
use crate::store::payments::{self as store, AttemptRow};
use huduma_domain::payments::{AttemptState, attempt::Event};

/// The provider name in `provider_messages`.
pub const PROVIDER: &str = "pesapal";

/// Where Pesapal posts its notifications.
pub fn ipn_url(app: &App) -> String {
    format!("{}/callbacks/pesapal/ipn/{}", app.config.callback_base_url.trim_end_matches('/'), app.config.daraja_callback_token.expose())
}

/// Registers our IPN URL with Pesapal at start-up (retrying while it is unreachable).
pub async fn register_ipn(app: std::sync::Arc<App>) {
    let Some(pesapal) = app.pesapal.as_ref() else { return };
    for wait in [1u64, 5, 30, 120, 600] {
        match pesapal.register_ipn(&ipn_url(&app), app.clock.now()).await {
            Ok(id) => {
                let _ = app.pesapal_ipn_id.set(id);
                tracing::info!("Pesapal IPN URL registered");
                return;
            }
            Err(err) => tracing::warn!(error = %err, "could not register the Pesapal IPN URL; will retry"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    }
    tracing::error!("gave up registering the Pesapal IPN URL: card payments are unavailable");
}

/// Starts a card payment for what is due on one of the person's applications; returns
/// Pesapal's page to send the browser to.
pub async fn start(app: &App, me: &Authenticated, application_id: &huduma_domain::ApplicationId) -> ServiceResult<String> {
    let view = super::invoices::for_application(app, me, application_id).await?;
    let a = &me.account;
    start_for_invoice(app, &view, &a.email, &a.phone, &a.first_name, &a.surname).await
}

/// Starts a card payment on an invoice.
pub async fn start_for_invoice(app: &App, view: &InvoiceView, email: &str, phone: &str, first: &str, last: &str) -> ServiceResult<String> {
    let pesapal = app.pesapal.as_ref().ok_or(ServiceError::Unavailable("payment.unavailable"))?;
    let ipn_id = app.pesapal_ipn_id.get().cloned().ok_or(ServiceError::Unavailable("payment.unavailable"))?;
    if !view.status().is_open() || view.due() == 0 {
        return Err(ServiceError::field("card", "payment.not_due"));
    }
    let now = app.clock.now();
    let attempt = super::record_attempt(app, AttemptRow::new(&view.invoice.id, "card", view.due(), None, now)).await?;
    #[allow(clippy::cast_precision_loss)]
    let order = OrderRequest {
        id: attempt.id.to_string(),
        currency: view.invoice.currency.code().to_owned(),
        amount: view.due() as f64 / 100.0,
        description: view.invoice.description.clone(),
        callback_url: format!("{}/payments/{}/card-return", app.config.callback_base_url.trim_end_matches('/'), attempt.id),
        notification_id: ipn_id,
        email: email.to_owned(),
        phone: phone.to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
    };
    let submitted = pesapal.submit_order(&order, now).await;
    let mut tx = app.db.begin().await?;
    let result = match submitted {
        Ok(answer) => {
            // The order tracking id plays the part of Daraja's CheckoutRequestID: unique, and what every later message names.
            store::attempt_requested(&mut tx, &attempt.id, "pesapal", &answer.order_tracking_id, app.clock.now()).await?;
            Ok(answer.redirect_url)
        }
        Err(err) => {
            tracing::warn!(attempt = %attempt.id, error = %err, "Pesapal did not take the order");
            super::move_attempt(
                &mut tx,
                &attempt.id,
                AttemptState::Created,
                AttemptState::Failed,
                Some("unavailable"),
                Some(&err.to_string()),
                app.clock.now(),
            )
            .await?;
            Err(ServiceError::Unavailable("payment.unavailable"))
        }
    };
    tx.commit().await?;
    result
}

/// Whether Pesapal's "completed" answer may settle an attempt: it must name our attempt
/// and carry a readable amount equal to what we asked. Otherwise the alert to keep.
pub fn completed_verdict(merchant_reference: &str, amount_minor: Option<i64>, attempt: &AttemptRow) -> Result<(), &'static str> {
    match amount_minor {
        // No amount, no settlement.
        None => Err("invalid_amount"),
        Some(amount) if amount != attempt.amount_minor || merchant_reference != attempt.id.as_str() => Err("mismatch"),
        Some(_) => Ok(()),
    }
}

/// Asks Pesapal how an order ended and applies the answer. Used for the IPN, the
/// browser's return and the reconciler alike, so all three agree.
pub async fn confirm(app: &App, order_tracking_id: &str) -> ServiceResult<Option<AttemptState>> {
    Ok(confirm_with_alert(app, order_tracking_id).await?.0)
}

/// [`confirm`], also saying which alert (`invalid_amount`, `mismatch`) a completed answer
/// raised instead of settling.
async fn confirm_with_alert(app: &App, order_tracking_id: &str) -> ServiceResult<(Option<AttemptState>, Option<&'static str>)> {
    let mut alert = None;
    let Some(pesapal) = app.pesapal.as_ref() else { return Ok((None, None)) };
    let attempt = {
        let mut conn = app.db.pool().acquire().await?;
        store::attempt_by_checkout(&mut conn, order_tracking_id).await?
    };
    let Some(attempt) = attempt.filter(|a| a.method == "card") else { return Ok((None, None)) };
    let status = match pesapal.transaction_status(order_tracking_id, app.clock.now()).await {
        Ok(s) => s,
        Err(err) => {
            tracing::warn!(attempt = %attempt.id, error = %err, "Pesapal status unavailable; will ask again");
            return Ok((Some(attempt.state), None));
        }
    };
    let state = attempt.state;
    let mut tx = app.db.begin().await?;
    let next = match status.outcome() {
        CardOutcome::Completed => {
            if let Err(why) = completed_verdict(&status.merchant_reference, status.amount_minor(), &attempt) {
                tracing::error!(attempt = %attempt.id, alert = why, "Pesapal says paid, but the reference or amount is not ours: not settled, investigate");
                alert = Some(why);
                Some(state)
            } else {
                match settle_attempt(
                    &mut tx,
                    app,
                    &attempt,
                    None,
                    ProviderRef::Receipt(&status.confirmation_code),
                    attempt.amount_minor,
                    Some(&status.payment_account),
                )
                .await?
                {
                    Settled::Recorded | Settled::AlreadyRecorded => Some(AttemptState::Succeeded),
                }
            }
        }
        CardOutcome::Failed | CardOutcome::Reversed | CardOutcome::Invalid => {
            if let Some(to) = state.next(Event::Declined) {
                super::move_attempt(
                    &mut tx,
                    &attempt.id,
                    state,
                    to,
                    Some("card_declined"),
                    Some(&status.payment_status_description),
                    app.clock.now(),
                )
                .await?;
                Some(to)
            } else {
                Some(state)
            }
        }
        CardOutcome::Pending => Some(state),
    };
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok((next, alert))
}

/// Handles Pesapal's IPN body: store it, then confirm.
pub async fn ipn(app: &App, raw: &str) -> ServiceResult<Option<String>> {
    let message = super::store_message(app, PROVIDER, "ipn", raw).await?;
    let body: serde_json::Value = serde_json::from_str(raw).unwrap_or(serde_json::Value::Null);
    let tracking = body.get("OrderTrackingId").and_then(|v| v.as_str()).map(str::to_owned);
    let outcome = match &tracking {
        Some(t) => match confirm_with_alert(app, t).await? {
            (_, Some(alert)) => alert,
            (Some(state), None) => state.as_str(),
            (None, None) => "unknown_attempt",
        },
        None => "invalid",
    };
    let mut conn = app.db.pool().acquire().await?;
    store::message_outcome(&mut conn, message, outcome).await?;
    Ok(tracking)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_answer_settles_only_with_our_reference_and_amount() {
        let attempt = AttemptRow::new(&huduma_domain::InvoiceId::parse("invoice").expect("an id"), "card", 105_000, None, 0);
        assert_eq!(completed_verdict(attempt.id.as_str(), Some(105_000), &attempt), Ok(()));
        assert_eq!(completed_verdict(attempt.id.as_str(), None, &attempt), Err("invalid_amount"), "no amount, no settlement");
        assert_eq!(completed_verdict(attempt.id.as_str(), Some(100), &attempt), Err("mismatch"));
        assert_eq!(completed_verdict("someone-else", Some(105_000), &attempt), Err("mismatch"));
    }
}

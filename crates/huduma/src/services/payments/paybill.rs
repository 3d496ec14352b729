//! M-Pesa Paybill (C2B): the citizen types our paybill and the invoice number as the
//! account. Daraja asks us to validate (we refuse unknown accounts and wrong amounts with
//! the right C2B000xx code) and then confirms the payment, which we settle exactly once on
//! its `TransID`.

use super::settle::{ProviderRef, Settled, settle};
use crate::app::App;
use crate::services::ServiceResult;
use crate::store::payments as store;
use huduma_domain::reference::{Kind, Reference};
use serde_json::Value;

/// Daraja's answer to a validation request: `("0", "Accepted")` or a C2B000xx refusal.
pub type Verdict = (&'static str, &'static str);

pub const ACCEPT: Verdict = ("0", "Accepted");
/// Invalid account number.
pub const INVALID_ACCOUNT: Verdict = ("C2B00012", "Rejected");
pub const INVALID_AMOUNT: Verdict = ("C2B00013", "Rejected");
pub const INVALID_SHORT_CODE: Verdict = ("C2B00015", "Rejected");
/// Other error.
pub const OTHER: Verdict = ("C2B00016", "Rejected");

fn text(body: &Value, key: &str) -> String {
    match body.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Amount in minor units from Daraja's `TransAmount` ("1050", "1050.00").
fn amount_minor(body: &Value) -> Option<i64> {
    huduma_domain::Money::parse_major(&text(body, "TransAmount"), huduma_domain::Currency::Kes).map(|m| m.minor).filter(|m| *m > 0)
}

/// The invoice a Paybill account number names, if it is one of ours.
async fn invoice_named(app: &App, body: &Value) -> ServiceResult<Option<store::InvoiceRow>> {
    let Ok(number) = Reference::parse(Kind::Invoice, &text(body, "BillRefNumber")) else { return Ok(None) };
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::invoice_by_number(&mut conn, number.as_str()).await?)
}

/// Validation: store, then decide.
pub async fn validate(app: &App, raw: &str) -> ServiceResult<Verdict> {
    let id = super::store_message(app, super::mpesa::PROVIDER, "c2b_validation", raw).await?;
    let verdict = match serde_json::from_str::<Value>(raw) {
        Err(_) => OTHER,
        Ok(body) => {
            let short_code_ok = ours(app, &body);
            match (short_code_ok, invoice_named(app, &body).await?, amount_minor(&body)) {
                (false, _, _) => INVALID_SHORT_CODE,
                (true, None, _) => INVALID_ACCOUNT,
                (true, Some(invoice), _) if !invoice.status.is_open() => INVALID_ACCOUNT,
                (true, Some(invoice), Some(amount)) if amount <= invoice.total_minor - invoice.paid_minor => ACCEPT,
                (true, Some(_), _) => INVALID_AMOUNT,
            }
        }
    };
    let mut conn = app.db.pool().acquire().await?;
    store::message_outcome(&mut conn, id, if verdict == ACCEPT { "accepted" } else { verdict.0 }).await?;
    Ok(verdict)
}

/// Whether a Paybill message names our own short code (and not another business's).
fn ours(app: &App, body: &Value) -> bool {
    app.daraja.as_ref().is_some_and(|d| text(body, "BusinessShortCode") == d.short_code())
}

/// Confirmation: store, then settle once on the transaction id, even on an invoice that is
/// already paid or expired (the money arrived; an excess is kept on record). A confirmation
/// for another short code (`wrong_short_code`), without a readable `TransAmount`
/// (`invalid_amount`) or for an account we do not know (`unknown_account`) is kept as an
/// alert for a person to resolve, never applied by guesswork.
pub async fn confirm(app: &App, raw: &str) -> ServiceResult<&'static str> {
    let id = super::store_message(app, super::mpesa::PROVIDER, "c2b_confirmation", raw).await?;
    let outcome = match serde_json::from_str::<Value>(raw) {
        Err(_) => "invalid",
        Ok(body) => {
            let trans_id = text(&body, "TransID");
            if !ours(app, &body) {
                "wrong_short_code"
            } else {
                match (invoice_named(app, &body).await?, amount_minor(&body)) {
                    (_, None) => "invalid_amount",
                    (None, Some(_)) => "unknown_account",
                    (Some(_), Some(_)) if trans_id.is_empty() => "invalid",
                    (Some(invoice), Some(amount)) => {
                        let mut tx = app.db.begin().await?;
                        let payer = text(&body, "MSISDN");
                        let settled =
                            settle(&mut tx, app, &invoice.id, None, None, "mpesa", ProviderRef::Receipt(&trans_id), amount, Some(&payer))
                                .await?;
                        tx.commit().await?;
                        app.outbox_wakeup.notify_one();
                        if settled == Settled::Recorded { "settled" } else { "duplicate" }
                    }
                }
            }
        }
    };
    if outcome != "settled" && outcome != "duplicate" {
        tracing::error!(message = id, outcome, "Paybill confirmation not settled: resolve by hand");
    }
    let mut conn = app.db.pool().acquire().await?;
    store::message_outcome(&mut conn, id, outcome).await?;
    Ok(outcome)
}

//! Payment notifications to agency systems: a signed JSON POST to the bill's
//! `notificationURL` when it is settled (and on each partial payment), queued in the
//! settling transaction and retried by the outbox (1 min, 5 min, 1 h, 1 day, 2 days) until
//! the agency answers 2xx. The outbox row is the delivery log (`huduma admin ipn`), and an
//! admin can send one again (`huduma admin ipn-replay`).

use super::{notify_url, signature};
use crate::app::App;
use crate::services::ServiceResult;
use crate::store::checkout::{self as store, BillRow};
use crate::store::payments::{self as payments_store, InvoiceRow};
use crate::store::{Conn, outbox};
use huduma_domain::{Currency, Money};
use serde::{Deserialize, Serialize};

/// The outbox job kind.
pub const JOB: &str = "ipn";

/// An IPN job: where to, and the exact body.
#[derive(Debug, Serialize, Deserialize)]
pub struct IpnJob {
    /// The agency's notificationURL.
    pub url: String,
    /// The JSON body, signed.
    pub body: serde_json::Value,
}

/// Amount as the contract writes it: `"1050.00"`.
fn amount(minor: i64, currency: Currency) -> String {
    let money = Money { minor, currency };
    format!("{}.{:02}", money.minor / 100, money.minor.rem_euclid(100))
}

/// A payment's date as the contract writes it: `2026-01-26 09:31:12+03:00`.
pub fn payment_date(unix: i64) -> String {
    let local = unix + 3 * 3600;
    let date = huduma_domain::Date::from_unix_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!("{date} {:02}:{:02}:{:02}+03:00", secs / 3600, (secs % 3600) / 60, secs % 60)
}

/// Queues the notification for an invoice that just received `last_amount`.
pub async fn queue(conn: &mut Conn, invoice: &InvoiceRow, bill: &BillRow, last_amount: i64, now: i64) -> ServiceResult<()> {
    let Some(client) = store::client(conn, &bill.client_id).await? else { return Ok(()) };
    let payments = payments_store::payments_for(conn, &invoice.id).await?;
    let paid = amount(invoice.paid_minor, invoice.currency);
    let date = payment_date(payments.last().map_or(now, |p| p.paid_at));
    let references: Vec<serde_json::Value> = payments
        .iter()
        .map(|p| {
            serde_json::json!({
                // Never our CheckoutRequestID: empty until M-Pesa names the receipt.
                "payment_reference": if p.receipt_pending { "" } else { p.provider_ref.as_str() },
                "payment_date": payment_date(p.paid_at),
                "inserted_at": payment_date(p.paid_at),
                "currency": invoice.currency,
                "amount": amount(p.amount_minor, invoice.currency),
            })
        })
        .collect();
    let secure_hash = signature::sign(&client.api_key, &signature::ipn_data(&bill.bill_ref, &invoice.number, &paid, &date, &client.secret));
    let body = serde_json::json!({
        "status": if invoice.paid_minor >= invoice.total_minor { "settled" } else { "partial" },
        "client_invoice_ref": bill.bill_ref,
        "invoice_number": invoice.number,
        "invoice_amount": amount(invoice.total_minor, invoice.currency),
        "amount_paid": paid,
        "last_payment_amount": amount(last_amount, invoice.currency),
        "currency": invoice.currency,
        "payment_channel": "MPESA",
        "payment_date": date,
        "phone_number": payments.last().and_then(|p| p.payer.clone()).unwrap_or_default(),
        "payment_reference": references,
        "secure_hash": secure_hash,
    });
    let job = IpnJob { url: bill.notification_url.clone(), body };
    outbox::enqueue(conn, JOB, &serde_json::to_string(&job).map_err(anyhow::Error::from)?, now).await?;
    Ok(())
}

/// Why a delivery did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The URL may not be delivered to (an internal address, plain http outside sandbox
    /// mode): retrying cannot help; an admin may replay it once the bill is corrected.
    #[error("{0}")]
    Refused(String),
    /// The agency did not answer 2xx, or could not be reached: retried later.
    #[error("{0}")]
    Failed(String),
}

/// Refuses every name it is asked about: the delivery client may connect only to the
/// addresses [`notify_url::resolve`] checked and pinned, never look a name up itself.
struct NoLookups;

impl reqwest::dns::Resolve for NoLookups {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let name = name.as_str().to_owned();
        Box::pin(async move { Err(format!("{name} was not checked for this delivery").into()) })
    }
}

/// Delivers one IPN; `Ok` only on a 2xx answer. The host is resolved and every address
/// checked first, and the request goes to exactly those addresses; a redirect is not
/// followed (it would lead to an address nobody checked).
pub async fn deliver(app: &App, job: &IpnJob) -> Result<(), DeliveryError> {
    let policy = notify_url::Policy::of(&app.config);
    let (target, addrs) = notify_url::resolve(&policy, &job.url).await.map_err(|refusal| match refusal {
        notify_url::Refusal::Refused(why) => DeliveryError::Refused(why),
        notify_url::Refusal::Unresolved(why) => DeliveryError::Failed(why),
    })?;
    let mut builder = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would make its own connection to wherever the URL names.
        .no_proxy()
        .dns_resolver(std::sync::Arc::new(NoLookups));
    if target.literal.is_none() {
        builder = builder.resolve_to_addrs(&target.host, &addrs);
    }
    let client = builder.build().map_err(|e| DeliveryError::Failed(e.to_string()))?;
    let response = client.post(&job.url).json(&job.body).send().await.map_err(|e| DeliveryError::Failed(e.to_string()))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else if status.is_redirection() {
        Err(DeliveryError::Failed(format!("HTTP {}: redirects are not followed", status.as_u16())))
    } else {
        Err(DeliveryError::Failed(format!("HTTP {}", status.as_u16())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_dates_as_the_contract_writes_them() {
        assert_eq!(amount(105_000, Currency::Kes), "1050.00");
        assert_eq!(amount(5, Currency::Kes), "0.05");
        assert_eq!(payment_date(1_769_409_072), "2026-01-26 09:31:12+03:00");
    }

    #[test]
    fn the_ipn_hash_is_what_the_public_sdks_verify() {
        let data = signature::ipn_data("TIMS-MVR-10374947", "GWLQKD", "1050.00", "2026-01-26 09:31:12+03:00", "s3cret");
        assert_eq!(data, "TIMS-MVR-10374947GWLQKD1050.002026-01-26 09:31:12+03:00s3cret");
    }
}

//! Settlement: recording money that arrived, exactly once, and moving the application on
//! when its invoice is paid. Everything happens in the caller's transaction.

use crate::app::App;
use crate::services::ServiceResult;
use crate::services::applications::{definitions, status};
use crate::store::Conn;
use crate::store::applications as applications_store;
use crate::store::checkout::BillRow;
use crate::store::payments::{self as store, AttemptRow, InvoiceRow, PaymentRow};
use huduma_domain::application::Status;
use huduma_domain::payments::{InvoiceStatus, attempt::Event};

/// What a settlement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The money was recorded now.
    Recorded,
    /// It had been recorded before (duplicate or reordered message): nothing changed.
    AlreadyRecorded,
}

/// The provider's reference a payment is recorded under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderRef<'a> {
    /// The provider's own receipt (M-Pesa receipt, Paybill `TransID`, card confirmation code).
    Receipt(&'a str),
    /// Only our request's id is known (Daraja's STK query names no receipt): it keys the
    /// payment so it settles once, but no citizen or agency ever sees it as a receipt.
    Pending(&'a str),
}

impl<'a> ProviderRef<'a> {
    /// The stored key.
    pub fn key(self) -> &'a str {
        match self {
            Self::Receipt(r) | Self::Pending(r) => r,
        }
    }
}

/// An invoice as settlement reads it, with the agency system's bill behind it, if any.
pub type BilledInvoice = (InvoiceRow, Option<BillRow>);

/// Records `amount_minor` paid for `attempt` under the provider's `reference`. `invoice`
/// is the attempt's invoice when the caller read it with the attempt (one statement fewer
/// under the write lock); otherwise it is read here.
pub async fn settle_attempt(
    conn: &mut Conn,
    app: &App,
    attempt: &AttemptRow,
    invoice: Option<BilledInvoice>,
    reference: ProviderRef<'_>,
    amount_minor: i64,
    payer: Option<&str>,
) -> ServiceResult<Settled> {
    let method = if attempt.method == "card" { "card" } else { "mpesa" };
    let settled = settle(conn, app, &attempt.invoice_id, invoice, Some(&attempt.id), method, reference, amount_minor, payer).await?;
    if settled == Settled::Recorded {
        let from = attempt.state;
        if let Some(to) = from.next(Event::Paid) {
            // Not audited on its own: the `payment.recorded` entry names the attempt, and
            // a paid attempt is exactly one with a recorded payment.
            store::set_attempt_state(conn, &attempt.id, from, to, Some("0"), None, app.clock.now()).await?;
        }
    }
    Ok(settled)
}

/// Records `amount_minor` for an invoice under the provider's `reference` (an M-Pesa
/// receipt, a Paybill transaction id, a card confirmation code) — once per `method` and
/// reference — then updates the invoice and, when it is paid, moves its application on.
/// `invoice` is the invoice if the caller has just read it in this transaction.
#[allow(clippy::too_many_arguments)]
pub async fn settle(
    conn: &mut Conn,
    app: &App,
    invoice_id: &huduma_domain::InvoiceId,
    invoice: Option<BilledInvoice>,
    attempt_id: Option<&huduma_domain::AttemptId>,
    method: &str,
    reference: ProviderRef<'_>,
    amount_minor: i64,
    payer: Option<&str>,
) -> ServiceResult<Settled> {
    let now = app.clock.now();
    let payment = PaymentRow {
        invoice_id: invoice_id.clone(),
        attempt_id: attempt_id.cloned(),
        method: method.to_owned(),
        provider_ref: reference.key().to_owned(),
        receipt_pending: matches!(reference, ProviderRef::Pending(_)),
        amount_minor,
        payer: payer.map(str::to_owned),
        paid_at: now,
    };
    let Some(payment_id) = store::insert_payment(conn, &payment).await? else {
        return Ok(Settled::AlreadyRecorded);
    };
    let read = match invoice {
        Some(read) => Some(read),
        None => crate::store::checkout::invoice_with_bill(conn, invoice_id).await?,
    };
    let Some((invoice, bill)) = read else { return Ok(Settled::Recorded) };
    let paid = invoice.paid_minor + amount_minor;
    let status = invoice.status.after_payment(invoice.total_minor, paid);
    store::add_paid(conn, &invoice.id, amount_minor, status, now).await?;
    if status == InvoiceStatus::Paid {
        store::mark_lines_paid(conn, &invoice.id, now).await?;
    }
    let entry = crate::services::audit::Entry {
        actor: crate::services::audit::Actor::System,
        agency: None,
        action: "payment.recorded",
        subject: format!("invoice:{}", invoice.number),
        details: serde_json::json!({
            "method": method, "reference": reference.key(), "receipt_pending": matches!(reference, ProviderRef::Pending(_)), "amount_minor": amount_minor,
            "from": invoice.status.as_str(), "to": status.as_str(), "application": invoice.application_id, "attempt": attempt_id,
        }),
        ip: "-",
    };
    crate::services::audit::record_soon(conn, entry, now).await?;
    super::receipts::issue(conn, app, &payment_id, &payment, &invoice, now).await?;
    if let Some(bill) = bill {
        let mut updated = invoice.clone();
        updated.paid_minor = paid;
        updated.status = status;
        crate::services::checkout::ipn::queue(conn, &updated, &bill, amount_minor, now).await?;
    }
    if status == InvoiceStatus::Paid
        && let Some(application_id) = &invoice.application_id
        && let Some(row) = applications_store::find(conn, application_id).await?
        && row.status == Status::AwaitingPayment
    {
        let service = definitions::service_with(conn, app, &row.service_code, row.service_version, &row.agency).await?;
        let to = service.workflow.start.get_ref();
        status::change_in(
            conn,
            app,
            &row,
            &service,
            status::Transition { from: Status::AwaitingPayment.as_str(), to, ..Default::default() },
        )
        .await?;
    }
    Ok(Settled::Recorded)
}

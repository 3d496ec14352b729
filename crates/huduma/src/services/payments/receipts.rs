//! Receipts: one numbered receipt per settled payment, issued in the settling
//! transaction and sent by SMS and email; readable by its owner as a page and a PDF, and
//! verifiable by anyone holding it through the QR code's link.

use crate::app::App;
use crate::notices::{self, Notice, Recipient};
use crate::services::sessions::Authenticated;
use crate::services::{ServiceError, ServiceResult};
use crate::store::payments::{self as store, InvoiceRow, LineRow, PaymentRow, ReceiptRow};
use crate::store::{Conn, accounts};
use huduma_domain::Money;
use huduma_domain::reference::{Kind, Reference};
use rand::Rng;

/// Characters of the verification code in a receipt's public link.
const CODE_LEN: usize = 10;

/// The code that makes a receipt's public link unguessable.
pub fn verification_code(app: &App, number: &str) -> String {
    crate::crypto::keyed_hash(&app.config.secret_key, &["receipt", number])
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(CODE_LEN)
        .collect()
}

/// The public verification link printed as a QR code.
pub fn verification_url(app: &App, number: &str) -> String {
    format!("{}/verify/receipts/{number}/{}", app.config.callback_base_url.trim_end_matches('/'), verification_code(app, number))
}

/// Issues the receipt for a payment just recorded, and queues it to the payer.
pub async fn issue(
    conn: &mut Conn,
    app: &App,
    payment_id: &huduma_domain::PaymentId,
    payment: &PaymentRow,
    invoice: &InvoiceRow,
    now: i64,
) -> ServiceResult<String> {
    let number = {
        let mut rng = rand::rng();
        Reference::generate(Kind::Receipt, |n| rng.random_range(0..n)).as_str().to_owned()
    };
    let receipt = ReceiptRow {
        number: number.clone(),
        payment_id: payment_id.clone(),
        invoice_id: invoice.id.clone(),
        account_id: invoice.account_id.clone(),
        currency: invoice.currency,
        amount_minor: payment.amount_minor,
        method: payment.method.clone(),
        // A provisional key is not a receipt: the receipt shows none until M-Pesa names it.
        provider_ref: if payment.receipt_pending { String::new() } else { payment.provider_ref.clone() },
        payer: payment.payer.clone(),
        issued_at: now,
    };
    store::insert_receipt(conn, &receipt).await?;
    let account = match &invoice.account_id {
        Some(id) => accounts::by_id(conn, id).await?,
        None => None,
    };
    if let Some(account) = account {
        let amount = Money { minor: payment.amount_minor, currency: invoice.currency }.to_string();
        let link = notices::link(app, &format!("/receipts/{number}"));
        // Settled from Daraja's status query, the M-Pesa receipt number is not known yet: the
        // message leaves it out rather than show our CheckoutRequestID as if it were one.
        let reference = (!payment.receipt_pending).then_some(payment.provider_ref.as_str());
        let notice = Notice::Receipt { number: &number, amount: &amount, reference, invoice: &invoice.number, link: &link };
        notices::send(conn, &Recipient::account(&account), &notice, now).await?;
    }
    Ok(number)
}

/// A receipt with what it paid for.
#[derive(Debug, Clone)]
pub struct ReceiptView {
    pub receipt: ReceiptRow,
    pub invoice: InvoiceRow,
    /// The invoice's lines.
    pub lines: Vec<LineRow>,
}

impl ReceiptView {
    /// Money in the receipt's currency.
    pub fn money(&self, minor: i64) -> Money {
        Money { minor, currency: self.receipt.currency }
    }
}

async fn load(app: &App, number: &str) -> ServiceResult<Option<ReceiptView>> {
    let Ok(number) = Reference::parse(Kind::Receipt, number) else { return Ok(None) };
    let mut conn = app.db.pool().acquire().await?;
    let Some(receipt) = store::receipt(&mut conn, number.as_str()).await? else { return Ok(None) };
    let invoice = store::invoice_by_id(&mut conn, &receipt.invoice_id).await?.ok_or(ServiceError::NotFound)?;
    let lines = store::lines(&mut conn, &invoice.id).await?;
    Ok(Some(ReceiptView { receipt, invoice, lines }))
}

/// One of the person's receipts.
pub async fn owned(app: &App, me: &Authenticated, number: &str) -> ServiceResult<ReceiptView> {
    load(app, number).await?.filter(|v| v.receipt.account_id.as_ref() == Some(&me.account.id)).ok_or(ServiceError::NotFound)
}

/// A receipt anyone may check with the code from its QR link; a wrong code is "not found".
pub async fn verify(app: &App, number: &str, code: &str) -> ServiceResult<ReceiptView> {
    let view = load(app, number).await?.ok_or(ServiceError::NotFound)?;
    if crate::crypto::constant_time_eq(code, &verification_code(app, &view.receipt.number)) {
        Ok(view)
    } else {
        Err(ServiceError::NotFound)
    }
}

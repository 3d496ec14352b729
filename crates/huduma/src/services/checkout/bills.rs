//! Bills from agency systems: `POST /PaymentAPI/iframev2.1.php` as in the Pesaflow
//! contract — signature checked, idempotent on the agency's `billRefNumber`, an invoice
//! with the agency's revenue head and the convenience fee carved out of the amount.

use super::signature;
use crate::app::App;
use crate::services::ServiceResult;
use crate::services::payments::invoices::{self, InvoiceView, PLATFORM};
use crate::services::payments::mpesa::Asker;
use crate::store::checkout::{self as store, BillRow};
use crate::store::payments::{self as payments_store, InvoiceRow, LineRow};
use huduma_domain::ApiClientId;
use huduma_domain::payments::InvoiceStatus;
use huduma_domain::{Currency, Money, Phone};
use serde::Deserialize;

/// The checkout form, field names exactly as agency systems send them; any other field
/// (a misspelt `callBackURLONSuccess`) is refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    #[serde(rename = "apiClientID")]
    pub api_client_id: String,
    /// The client's service.
    #[serde(rename = "serviceID")]
    pub service_id: String,
    /// What the bill is for (≤ 100 characters).
    #[serde(rename = "billDesc")]
    pub bill_desc: String,
    /// `KES`.
    pub currency: String,
    /// The agency's own reference.
    #[serde(rename = "billRefNumber")]
    pub bill_ref_number: String,
    /// Payer's phone.
    #[serde(rename = "clientMSISDN", default)]
    pub client_msisdn: String,
    /// Payer's name.
    #[serde(rename = "clientName")]
    pub client_name: String,
    /// Payer's ID number.
    #[serde(rename = "clientIDNumber")]
    pub client_id_number: String,
    /// Payer's email.
    #[serde(rename = "clientEmail", default)]
    pub client_email: String,
    /// Amount the payer pays, two decimals.
    #[serde(rename = "amountExpected")]
    pub amount_expected: String,
    /// Browser redirect after payment.
    #[serde(rename = "callBackURLOnSuccess")]
    pub callback_url_on_success: String,
    /// Server-to-server notification URL.
    #[serde(rename = "notificationURL")]
    pub notification_url: String,
    /// Agency logo (shown on the checkout page when given).
    #[serde(rename = "pictureURL", default)]
    pub picture_url: String,
    /// `json` or `iframe`.
    #[serde(default)]
    pub format: String,
    /// `true` to push an M-Pesa prompt to `clientMSISDN` at once.
    #[serde(rename = "sendSTK", default)]
    pub send_stk: String,
    /// Signature.
    #[serde(rename = "secureHash")]
    pub secure_hash: String,
}

/// A refusal's stable code (`error.<code>` in the locales) and the values its sentence names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Stable code, e.g. `checkout.bad_signature`.
    pub code: &'static str,
    /// Values for the sentence's placeholders.
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    /// A problem without values.
    pub fn new(code: &'static str) -> Self {
        Self { code, args: Vec::new() }
    }

    /// A problem naming one value.
    pub fn with(code: &'static str, name: &'static str, value: impl Into<String>) -> Self {
        Self { code, args: vec![(name, value.into())] }
    }
}

/// Why a bill or status query was refused, in words an integrator can act on.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// Unknown client or wrong signature (HTTP 401).
    #[error("unauthorized: {}", .0.code)]
    Unauthorized(Problem),
    /// A field is missing or wrong (HTTP 400).
    #[error("invalid: {}", .0.code)]
    Invalid(Problem),
    /// The signed string already made another bill (HTTP 409).
    #[error("conflict: {}", .0.code)]
    Conflict(Problem),
    /// No such bill (HTTP 404).
    #[error("not found: {}", .0.code)]
    NotFound(Problem),
    /// Our side failed, or a limit was reached.
    #[error(transparent)]
    Internal(#[from] crate::services::ServiceError),
}

impl From<sqlx::Error> for CheckoutError {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(err.into())
    }
}

/// The answer for `format=json`.
#[derive(Debug, Clone)]
pub struct Created {
    /// The invoice, with its lines.
    pub invoice: InvoiceView,
    pub bill: BillRow,
    /// The convenience fee within the amount.
    pub commission: Money,
    /// What the agency receives.
    pub amount_net: Money,
    /// Whether this call created it (false: the same billRefNumber came before).
    pub created: bool,
    /// The STK push attempt started with `sendSTK=true`.
    pub attempt: Option<huduma_domain::AttemptId>,
}

/// The fee inside a total: the `f` with `net + fee(net) = total`.
fn carve(app: &App, total: Money) -> Option<(Money, Money)> {
    let candidates = app.config.convenience_fees.kes.iter().map(|(_, fee)| *fee).chain([app.config.convenience_fees.usd, 0]);
    candidates.filter(|fee| *fee < total.minor).map(|fee| Money { minor: total.minor - fee, currency: total.currency }).find_map(|net| {
        let fee = app.config.convenience_fees.fee_for(net);
        (net.minor + fee.minor == total.minor).then_some((net, fee))
    })
}

fn http_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// `amountExpected` exactly as the contract writes it: digits, optionally a point and two
/// decimals (`1050`, `1050.00`). Nothing else, so the boundary between it and `serviceID`
/// in the signed string cannot move (`1050.001` + `0001` is refused, not re-read).
fn contract_amount(text: &str, currency: Currency) -> Option<Money> {
    let (whole, cents) = text.split_once('.').unwrap_or((text, "00"));
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole, 1..=12) || !digits(cents, 2..=2) {
        return None;
    }
    Money::parse_major(text, currency).filter(|m| m.minor > 0)
}

/// `currency` exactly `KES` or `USD` (no case folding, no spaces): three letters that
/// cannot absorb or give up characters of `clientIDNumber` or `billRefNumber`.
fn contract_currency(text: &str) -> Option<Currency> {
    match text {
        "KES" | "USD" => Currency::parse(text),
        _ => None,
    }
}

/// Creates (or returns the earlier) invoice for an agency's bill.
///
/// The Pesaflow signature joins its fields with no separator, so `billRefNumber=TIMS-1`,
/// `billDesc=Transfer` and `billRefNumber=TIMS-1T`, `billDesc=ransfer` carry the same
/// `secureHash`. The contract fixes the field set, so the signature cannot change; instead
/// the parsed values are bound to it: the fixed-format fields are parsed strictly (amount,
/// currency, a registered client and service) so their boundaries cannot move, and each
/// client's signed string (its HMAC, which is the secureHash) may make one bill only. A
/// request whose fields re-concatenate to an earlier bill's is refused with 409.
pub async fn create(app: &App, r: &CheckoutRequest) -> Result<Created, CheckoutError> {
    let client = {
        let mut conn = app.db.pool().acquire().await?;
        // An apiClientID that cannot be one names no client, like an unknown one.
        match ApiClientId::parse(&r.api_client_id) {
            Some(id) => store::client(&mut conn, &id).await?,
            None => None,
        }
    }
    .ok_or_else(|| CheckoutError::Unauthorized(Problem::with("checkout.unknown_client", "client", &r.api_client_id)))?;
    let data = signature::checkout_data(
        &r.api_client_id,
        &r.amount_expected,
        &r.service_id,
        &r.client_id_number,
        &r.currency,
        &r.bill_ref_number,
        &r.bill_desc,
        &r.client_name,
        &client.secret,
    );
    let signed_hash = signature::sign(&client.api_key, &data);
    if !crate::crypto::constant_time_eq(&signed_hash, r.secure_hash.trim()) {
        return Err(CheckoutError::Unauthorized(Problem::new("checkout.bad_signature")));
    }
    let revenue_head = {
        let mut conn = app.db.pool().acquire().await?;
        store::revenue_head(&mut conn, &client.id, &r.service_id).await?
    }
    .ok_or_else(|| CheckoutError::Invalid(Problem::with("checkout.unknown_service", "service", &r.service_id)))?;
    let currency = contract_currency(&r.currency).ok_or_else(|| CheckoutError::Invalid(Problem::new("checkout.currency")))?;
    let total = contract_amount(&r.amount_expected, currency).ok_or_else(|| CheckoutError::Invalid(Problem::new("checkout.amount")))?;
    if r.bill_desc.trim().is_empty() || r.bill_desc.chars().count() > 100 {
        return Err(CheckoutError::Invalid(Problem::new("checkout.bill_desc")));
    }
    if r.bill_ref_number.trim().is_empty() || r.bill_ref_number.chars().count() > 64 {
        return Err(CheckoutError::Invalid(Problem::new("checkout.bill_ref")));
    }
    if !http_url(&r.callback_url_on_success) {
        return Err(CheckoutError::Invalid(Problem::new("checkout.callback_url")));
    }
    super::notify_url::check_syntax(&super::notify_url::Policy::of(&app.config), &r.notification_url).map_err(CheckoutError::Invalid)?;
    let msisdn = match r.client_msisdn.trim() {
        "" => String::new(),
        given => Phone::parse(given).map_err(|_| CheckoutError::Invalid(Problem::new("checkout.msisdn")))?.daraja(),
    };
    let send_stk = r.send_stk.eq_ignore_ascii_case("true");
    if send_stk && msisdn.is_empty() {
        return Err(CheckoutError::Invalid(Problem::new("checkout.send_stk_needs_msisdn")));
    }
    let (net, commission) = carve(app, total).ok_or_else(|| CheckoutError::Invalid(Problem::new("checkout.amount_too_small")))?;
    if let Some(existing) = existing(app, &client.id, &r.bill_ref_number).await? {
        return Ok(Created { commission, amount_net: net, created: false, attempt: None, ..existing });
    }
    reused_signature(app, &client.id, &signed_hash).await?;
    let now = app.clock.now();
    let invoice = InvoiceRow {
        id: crate::store::new_id(),
        number: invoices::new_number(),
        account_id: None,
        application_id: None,
        currency,
        total_minor: total.minor,
        paid_minor: 0,
        status: InvoiceStatus::Pending,
        description: r.bill_desc.trim().to_owned(),
        created_at: now,
        expires_at: now + invoices::INVOICE_DAYS * 86_400,
        paid_at: None,
    };
    let lines = vec![
        LineRow { agency: client.agency.clone(), revenue_head, description: r.bill_desc.trim().to_owned(), amount_minor: net.minor },
        LineRow {
            agency: PLATFORM.into(),
            revenue_head: "convenience_fee".into(),
            description: "Convenience fee".into(),
            amount_minor: commission.minor,
        },
    ];
    let bill = BillRow {
        invoice_id: invoice.id.clone(),
        client_id: client.id.clone(),
        service_id: r.service_id.clone(),
        bill_ref: r.bill_ref_number.clone(),
        client_name: r.client_name.trim().to_owned(),
        client_id_number: r.client_id_number.trim().to_owned(),
        client_msisdn: msisdn.clone(),
        client_email: r.client_email.trim().to_owned(),
        callback_url: r.callback_url_on_success.clone(),
        notification_url: r.notification_url.clone(),
    };
    let mut tx = app.db.begin().await?;
    payments_store::insert_invoice(&mut tx, &invoice, &lines, now).await?;
    if !store::insert_bill(&mut tx, &bill, &signed_hash, now).await? {
        // The same bill arrived twice at once and the other request created it — or a
        // request with the same signed string but shifted fields won the race.
        drop(tx);
        if let Some(existing) = existing(app, &client.id, &r.bill_ref_number).await? {
            return Ok(Created { commission, amount_net: net, created: false, attempt: None, ..existing });
        }
        reused_signature(app, &client.id, &signed_hash).await?;
        return Err(CheckoutError::Conflict(Problem::new("checkout.busy")));
    }
    tx.commit().await?;
    let view = InvoiceView { invoice, lines, payments: Vec::new(), receipts: Vec::new() };
    let attempt = if send_stk {
        crate::services::payments::mpesa::start_for_invoice(app, &view, &msisdn, Asker::Agency(&client.id)).await.ok()
    } else {
        None
    };
    Ok(Created { invoice: view, bill, commission, amount_net: net, created: true, attempt })
}

/// Refuses a signed string that already made another of the client's bills.
async fn reused_signature(app: &App, client_id: &ApiClientId, signed_hash: &str) -> Result<(), CheckoutError> {
    let mut conn = app.db.pool().acquire().await?;
    match store::bill_by_signature(&mut conn, client_id, signed_hash).await? {
        Some(earlier) => Err(CheckoutError::Conflict(Problem::with("checkout.signature_reused", "bill", earlier.bill_ref))),
        None => Ok(()),
    }
}

async fn existing(app: &App, client_id: &ApiClientId, bill_ref: &str) -> ServiceResult<Option<Created>> {
    let mut conn = app.db.pool().acquire().await?;
    let Some(bill) = store::bill_by_ref(&mut conn, client_id, bill_ref).await? else { return Ok(None) };
    drop(conn);
    let view = invoices::by_id(app, &bill.invoice_id).await?;
    let net = view.lines.first().map_or(0, |l| l.amount_minor);
    let fee = view.invoice.total_minor - net;
    Ok(Some(Created { commission: view.money(fee), amount_net: view.money(net), invoice: view, bill, created: false, attempt: None }))
}

/// A client's bill status (`GET /api/invoice/payment/status`), after checking the hash.
pub async fn status(app: &App, client_id: &str, ref_no: &str, secure_hash: &str) -> Result<(InvoiceView, BillRow), CheckoutError> {
    let client = {
        let mut conn = app.db.pool().acquire().await?;
        match ApiClientId::parse(client_id) {
            Some(id) => store::client(&mut conn, &id).await?,
            None => None,
        }
    }
    .ok_or_else(|| CheckoutError::Unauthorized(Problem::with("checkout.unknown_client", "client", client_id)))?;
    if !signature::verify(&client.api_key, &signature::status_data(client_id, ref_no), secure_hash) {
        return Err(CheckoutError::Unauthorized(Problem::new("checkout.status_bad_signature")));
    }
    let found = existing(app, &client.id, ref_no)
        .await?
        .ok_or_else(|| CheckoutError::NotFound(Problem::with("checkout.unknown_bill", "bill", ref_no)))?;
    Ok((found.invoice, found.bill))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_format_fields_are_read_exactly_as_the_contract_writes_them() {
        assert_eq!(contract_amount("1050.00", Currency::Kes).map(|m| m.minor), Some(105_000));
        assert_eq!(contract_amount("1050", Currency::Kes).map(|m| m.minor), Some(105_000));
        for shifted in ["1050.001", "1050.0", "1,050.00", " 1050.00", "1050.", ".50", "0.00", "1e3", ""] {
            assert_eq!(contract_amount(shifted, Currency::Kes), None, "{shifted:?}");
        }
        assert_eq!(contract_currency("KES"), Some(Currency::Kes));
        assert_eq!(contract_currency("USD"), Some(Currency::Usd));
        for other in ["kes", "KES ", "KE", "KESU", ""] {
            assert_eq!(contract_currency(other), None, "{other:?}");
        }
    }
}

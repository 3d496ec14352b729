//! Pesapal API 3.0 client for card payments (hosted checkout), as in
//! shared/reference/cards-and-identity.md: token (cached until shortly before it lapses),
//! IPN registration, order submission and transaction status. We never see card numbers:
//! the citizen is sent to Pesapal's page and comes back to our callback URL.
//!
//! Pesapal answers HTTP 200 even when it refuses, with `"status":"500"` (a string) and an
//! `error` object; successful answers may carry an `error` object whose fields are all
//! null. The base URL is configuration, so the same client talks to Pesapal or to the
//! in-tree simulator.

use crate::secret::Secret;
use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::Mutex;

/// How long a token lives. Pesapal's `expiryDate` is on Pesapal's clock and ours may be
/// shifted (tests move it), so the lifetime is counted from our own `now`.
const TOKEN_LIFETIME_SECS: i64 = 5 * 60;
/// A token with less than this left is replaced.
const TOKEN_MARGIN_SECS: i64 = 30;
/// Pesapal refuses longer order descriptions.
const DESCRIPTION_MAX_CHARS: usize = 100;
/// The error code Pesapal's status call gives for an order nobody has paid yet.
const NOT_PAID_YET: &str = "payment_details_not_found";

/// Where Pesapal is and who we are to it.
#[derive(Debug, Clone)]
pub struct PesapalConfig {
    /// `https://pay.pesapal.com/v3`, `https://cybqa.pesapal.com/pesapalv3`, or the
    /// simulator's `http://…/sandbox/pesapal` (no trailing slash needed).
    pub base_url: String,
    /// Merchant consumer key.
    pub consumer_key: Secret,
    /// Merchant consumer secret.
    pub consumer_secret: Secret,
}

/// Pesapal's `error` object. Every field may be null, and successful answers sometimes
/// carry one with nothing in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// `api_error`, `validation_error`…
    #[serde(default)]
    pub error_type: Option<String>,
    /// `invalid_consumer_key_or_secret_provided`, `payment_details_not_found`…
    #[serde(default)]
    pub code: Option<String>,
    /// Readable reason.
    #[serde(default)]
    pub message: Option<String>,
}

impl ErrorBody {
    /// Whether the object says anything (an all-null object is no error).
    pub fn is_error(&self) -> bool {
        [&self.error_type, &self.code, &self.message].iter().any(|f| f.as_deref().is_some_and(|s| !s.trim().is_empty()))
    }
}

/// `POST /api/Auth/RequestToken` body.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenRequest {
    /// Merchant consumer key.
    pub consumer_key: String,
    /// Merchant consumer secret.
    pub consumer_secret: String,
}

/// The token answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Bearer token; null when refused.
    #[serde(default)]
    pub token: Option<String>,
    /// When it lapses, ISO 8601 on Pesapal's clock.
    #[serde(rename = "expiryDate", default, deserialize_with = "text")]
    pub expiry_date: String,
    /// Set when refused.
    #[serde(default)]
    pub error: Option<ErrorBody>,
    /// `"200"` when issued.
    #[serde(default, deserialize_with = "text")]
    pub status: String,
    /// Description.
    #[serde(default, deserialize_with = "text")]
    pub message: String,
}

/// `POST /api/URLSetup/RegisterIPN` body.
#[derive(Debug, Serialize, Deserialize)]
pub struct RegisterIpnRequest {
    /// Where Pesapal notifies us.
    pub url: String,
    /// `POST` (JSON body) or `GET` (query string).
    pub ipn_notification_type: String,
}

/// The IPN registration answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct RegisterIpnResponse {
    /// The URL registered.
    #[serde(default, deserialize_with = "text")]
    pub url: String,
    /// When.
    #[serde(default, deserialize_with = "text")]
    pub created_date: String,
    /// What orders name as their `notification_id`.
    #[serde(default, deserialize_with = "text")]
    pub ipn_id: String,
    /// `POST` or `GET`.
    #[serde(default, deserialize_with = "text")]
    pub ipn_notification_type_description: String,
    /// Set when refused.
    #[serde(default)]
    pub error: Option<ErrorBody>,
    /// `"200"` when registered.
    #[serde(default, deserialize_with = "text")]
    pub status: String,
}

/// An order to pay by card, as the caller knows it. Serialises into Pesapal's
/// `SubmitOrderRequest` shape (billing details nested, description cut to 100 characters,
/// an empty email or phone left out).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRequest {
    /// Our unique merchant reference (≤ 50 characters), e.g. the payment attempt id.
    pub id: String,
    /// `KES` or `USD`.
    pub currency: String,
    /// Major units (shillings), e.g. `1050.00`.
    pub amount: f64,
    /// Shown on Pesapal's page.
    pub description: String,
    /// Where the citizen's browser comes back to.
    pub callback_url: String,
    /// The `ipn_id` from [`Pesapal::register_ipn`].
    pub notification_id: String,
    /// Payer's email (email or phone is required).
    pub email: String,
    /// Payer's phone.
    pub phone: String,
    /// Payer's first name.
    pub first_name: String,
    /// Payer's last name.
    pub last_name: String,
}

/// The payer as Pesapal's `billing_address` spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddress {
    /// Email, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Phone, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Always `KE` from us.
    #[serde(default)]
    pub country_code: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
}

/// The wire form of [`OrderRequest`].
#[derive(Serialize)]
struct SubmitOrder<'a> {
    id: &'a str,
    currency: &'a str,
    amount: f64,
    description: String,
    callback_url: &'a str,
    notification_id: &'a str,
    billing_address: BillingAddress,
}

impl Serialize for OrderRequest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        SubmitOrder {
            id: &self.id,
            currency: &self.currency,
            amount: self.amount,
            description: self.description.chars().take(DESCRIPTION_MAX_CHARS).collect(),
            callback_url: &self.callback_url,
            notification_id: &self.notification_id,
            billing_address: BillingAddress {
                email_address: given(&self.email),
                phone_number: given(&self.phone),
                country_code: "KE".into(),
                first_name: self.first_name.clone(),
                last_name: self.last_name.clone(),
            },
        }
        .serialize(serializer)
    }
}

/// The order submission answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderResponse {
    /// Pesapal's id for the order: what IPNs, callbacks and status calls name.
    #[serde(default, deserialize_with = "text")]
    pub order_tracking_id: String,
    /// Our `id`, echoed.
    #[serde(default, deserialize_with = "text")]
    pub merchant_reference: String,
    /// Pesapal's card page: send the citizen's browser here.
    #[serde(default, deserialize_with = "text")]
    pub redirect_url: String,
    /// Set when refused.
    #[serde(default)]
    pub error: Option<ErrorBody>,
    /// `"200"` when accepted.
    #[serde(default, deserialize_with = "text")]
    pub status: String,
}

/// `GET /api/Transactions/GetTransactionStatus` answer, read leniently: nulls become
/// empty strings, numbers may come as strings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransactionStatus {
    /// `Visa`, `MasterCard`, `M-Pesa`…; empty until paid.
    #[serde(default, deserialize_with = "text")]
    pub payment_method: String,
    /// Major units.
    #[serde(default, deserialize_with = "number")]
    pub amount: f64,
    /// When the payment was made (ISO 8601, Pesapal's clock).
    #[serde(default, deserialize_with = "text")]
    pub created_date: String,
    /// Pesapal's receipt for a completed payment.
    #[serde(default, deserialize_with = "text")]
    pub confirmation_code: String,
    /// `Completed`, `Failed`, `Invalid`, `Reversed` (case varies).
    #[serde(default, deserialize_with = "text")]
    pub payment_status_description: String,
    /// Why, e.g. the decline reason.
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    /// Description of the call itself.
    #[serde(default, deserialize_with = "text")]
    pub message: String,
    /// Masked card or phone that paid.
    #[serde(default, deserialize_with = "text")]
    pub payment_account: String,
    /// Our callback URL with Pesapal's parameters.
    #[serde(default, deserialize_with = "text")]
    pub call_back_url: String,
    /// 0 invalid, 1 completed, 2 failed, 3 reversed; -1 when missing.
    #[serde(default = "unknown_status_code", deserialize_with = "status_code")]
    pub status_code: i64,
    /// Our order `id`.
    #[serde(default, deserialize_with = "text")]
    pub merchant_reference: String,
    /// `KES`…
    #[serde(default, deserialize_with = "text")]
    pub currency: String,
    /// Pesapal's error object (all-null on success; `payment_details_not_found` while unpaid).
    #[serde(default)]
    pub error: Option<ErrorBody>,
    /// `"200"`, or `"500"` with `error`.
    #[serde(default, deserialize_with = "text")]
    pub status: String,
}

/// How a card payment stands, from a status answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardOutcome {
    /// Paid (status code 1): settle after checking amount and reference.
    Completed,
    /// Declined or cancelled (2).
    Failed,
    /// Paid, then reversed (3).
    Reversed,
    /// Pesapal has no valid payment for the order (0).
    Invalid,
    /// Not decided yet: ask again later.
    Pending,
}

impl TransactionStatus {
    /// The outcome: 1 completed, 2 failed, 3 reversed, 0 invalid unless Pesapal says the
    /// payment is pending, anything else pending.
    pub fn outcome(&self) -> CardOutcome {
        match self.status_code {
            1 => CardOutcome::Completed,
            2 => CardOutcome::Failed,
            3 => CardOutcome::Reversed,
            0 if self.says_pending() => CardOutcome::Pending,
            0 => CardOutcome::Invalid,
            _ => CardOutcome::Pending,
        }
    }

    /// The amount in minor units (cents), when it is a sensible number.
    pub fn amount_minor(&self) -> Option<i64> {
        #[allow(clippy::cast_possible_truncation)]
        (self.amount.is_finite() && self.amount >= 0.0).then(|| (self.amount * 100.0).round() as i64)
    }

    fn says_pending(&self) -> bool {
        let error = self.error.as_ref();
        let texts =
            [Some(self.payment_status_description.as_str()), Some(self.description.as_str()), error.and_then(|e| e.message.as_deref())];
        texts.iter().flatten().any(|t| t.to_ascii_lowercase().contains("pending"))
            || error.and_then(|e| e.code.as_deref()) == Some(NOT_PAID_YET)
    }
}

/// What Pesapal posts to our IPN URL (a `GET` IPN carries the same names in the query).
/// It proves nothing: verify with [`Pesapal::transaction_status`] before settling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpnNotification {
    /// Pesapal's order id.
    #[serde(rename = "OrderTrackingId")]
    pub order_tracking_id: String,
    /// Our order `id`.
    #[serde(rename = "OrderMerchantReference", default)]
    pub order_merchant_reference: String,
    /// `IPNCHANGE` (or `CALLBACKURL` on the browser's return).
    #[serde(rename = "OrderNotificationType", default)]
    pub order_notification_type: String,
}

impl IpnNotification {
    /// The answer Pesapal expects once we have recorded the notification.
    pub fn acknowledgement(&self) -> Value {
        serde_json::json!({
            "orderNotificationType": self.order_notification_type,
            "orderTrackingId": self.order_tracking_id,
            "orderMerchantReference": self.order_merchant_reference,
            "status": 200,
        })
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum PesapalError {
    /// Pesapal refused the request (its error code, or the status, and message).
    #[error("Pesapal refused: {code} {message}")]
    Refused {
        /// `invalid_consumer_key_or_secret_provided`, `500`…
        code: String,
        /// Reason.
        message: String,
    },
    /// Network, timeout or an answer we could not read: worth retrying.
    #[error("Pesapal unavailable: {0}")]
    Unavailable(String),
}

impl PesapalError {
    /// Whether the token was the problem (so a fresh one may help).
    fn is_token_problem(&self) -> bool {
        matches!(self, Self::Refused { code, .. } if code == "401" || code == "403" || code.to_ascii_lowercase().contains("token"))
    }
}

/// The production Pesapal client.
#[derive(Debug)]
pub struct Pesapal {
    http: reqwest::Client,
    config: PesapalConfig,
    /// The token and when it lapses (our Unix seconds).
    token: Mutex<Option<(String, i64)>>,
}

impl Pesapal {
    /// Builds the client.
    pub fn new(mut config: PesapalConfig) -> anyhow::Result<Self> {
        config.base_url = config.base_url.trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        Ok(Self { http, config, token: Mutex::new(None) })
    }

    /// Asks Pesapal for a new token (the status page's check): proves it answers and
    /// accepts the portal's credentials.
    pub async fn check(&self, now: i64) -> Result<(), PesapalError> {
        *self.token.lock().await = None;
        self.token(now).await.map(|_| ())
    }

    /// A token with at least 30 s left, from the cache or a new request.
    async fn token(&self, now: i64) -> Result<String, PesapalError> {
        let mut cached = self.token.lock().await;
        if let Some((token, expires)) = cached.as_ref()
            && *expires - now > TOKEN_MARGIN_SECS
        {
            return Ok(token.clone());
        }
        let body = TokenRequest {
            consumer_key: self.config.consumer_key.expose().to_owned(),
            consumer_secret: self.config.consumer_secret.expose().to_owned(),
        };
        let response = self
            .http
            .post(format!("{}/api/Auth/RequestToken", self.config.base_url))
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .map_err(|e| PesapalError::Unavailable(e.to_string()))?;
        let answer: TokenResponse = parse(read(response).await?)?;
        let token = answer.token.filter(|t| !t.is_empty()).ok_or_else(|| PesapalError::Unavailable("answer without a token".into()))?;
        *cached = Some((token.clone(), now + TOKEN_LIFETIME_SECS));
        Ok(token)
    }

    /// Sends an authenticated request built by `build`; when Pesapal rejects the token,
    /// forgets it and tries once more with a fresh one.
    async fn authorised(&self, now: i64, build: impl Fn(&str) -> reqwest::RequestBuilder) -> Result<Value, PesapalError> {
        let mut retried = false;
        loop {
            let token = self.token(now).await?;
            let response = build(&self.config.base_url)
                .bearer_auth(&token)
                .header("Accept", "application/json")
                .send()
                .await
                .map_err(|e| PesapalError::Unavailable(e.to_string()))?;
            match read(response).await {
                Err(err) if err.is_token_problem() && !retried => {
                    retried = true;
                    *self.token.lock().await = None;
                }
                other => return other,
            }
        }
    }

    /// Registers the URL Pesapal notifies (by `POST`) when an order changes; returns the
    /// `ipn_id` orders must name.
    pub async fn register_ipn(&self, url: &str, now: i64) -> Result<String, PesapalError> {
        let body = RegisterIpnRequest { url: url.to_owned(), ipn_notification_type: "POST".into() };
        let answer: RegisterIpnResponse =
            parse(self.authorised(now, |base| self.http.post(format!("{base}/api/URLSetup/RegisterIPN")).json(&body)).await?)?;
        if answer.ipn_id.is_empty() {
            return Err(PesapalError::Unavailable("answer without an ipn_id".into()));
        }
        Ok(answer.ipn_id)
    }

    /// Submits an order; send the citizen to the answer's `redirect_url`.
    pub async fn submit_order(&self, order: &OrderRequest, now: i64) -> Result<OrderResponse, PesapalError> {
        let answer: OrderResponse =
            parse(self.authorised(now, |base| self.http.post(format!("{base}/api/Transactions/SubmitOrderRequest")).json(order)).await?)?;
        if answer.order_tracking_id.is_empty() || answer.redirect_url.is_empty() {
            return Err(PesapalError::Unavailable("answer without order_tracking_id or redirect_url".into()));
        }
        Ok(answer)
    }

    /// Asks how an order stands. An order nobody has paid yet comes back as a status with
    /// [`CardOutcome::Pending`] (Pesapal reports it as an error, `payment_details_not_found`).
    pub async fn transaction_status(&self, order_tracking_id: &str, now: i64) -> Result<TransactionStatus, PesapalError> {
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("orderTrackingId", order_tracking_id).finish();
        let build = |base: &str| self.http.get(format!("{base}/api/Transactions/GetTransactionStatus?{query}"));
        let body = match self.authorised(now, build).await {
            Ok(body) => body,
            Err(PesapalError::Refused { code, .. }) if code == NOT_PAID_YET => {
                return Ok(TransactionStatus::not_paid_yet(order_tracking_id));
            }
            Err(err) => return Err(err),
        };
        parse(body)
    }
}

impl TransactionStatus {
    /// Used only when a "not paid yet" refusal came without the status fields.
    fn not_paid_yet(order_tracking_id: &str) -> Self {
        tracing::debug!(order_tracking_id, "Pesapal has no payment for the order yet");
        Self {
            payment_method: String::new(),
            amount: 0.0,
            created_date: String::new(),
            confirmation_code: String::new(),
            payment_status_description: "Pending".into(),
            description: String::new(),
            message: String::new(),
            payment_account: String::new(),
            call_back_url: String::new(),
            status_code: 0,
            merchant_reference: String::new(),
            currency: String::new(),
            error: Some(ErrorBody { error_type: None, code: Some(NOT_PAID_YET.into()), message: Some("Pending Payment".into()) }),
            status: "500".into(),
        }
    }
}

/// Reads an answer: the JSON body when Pesapal accepted, its refusal otherwise. A status
/// answer for an unpaid order is passed through (its `status_code` says what matters).
async fn read(response: reqwest::Response) -> Result<Value, PesapalError> {
    let http = response.status();
    let text = response.text().await.map_err(|e| PesapalError::Unavailable(e.to_string()))?;
    let body = serde_json::from_str::<Value>(&text).ok().filter(Value::is_object);
    if let Some(body) = &body
        && unpaid_status(body)
    {
        return Ok(body.clone());
    }
    let stated = body.as_ref().and_then(refusal);
    if matches!(http.as_u16(), 401 | 403) {
        let message = match stated {
            Some(PesapalError::Refused { message, .. }) if !message.is_empty() => message,
            _ => format!("HTTP {http}"),
        };
        return Err(PesapalError::Refused { code: http.as_str().to_owned(), message });
    }
    let explained = body.as_ref().and_then(|b| b.get("error")).is_some_and(|e| error_body(e).is_error());
    // A gateway failure without a readable error is worth retrying.
    if http.is_server_error() && !explained {
        return Err(PesapalError::Unavailable(format!("HTTP {http}")));
    }
    if let Some(refusal) = stated {
        return Err(refusal);
    }
    if !http.is_success() {
        return Err(PesapalError::Unavailable(format!("HTTP {http}")));
    }
    body.ok_or_else(|| PesapalError::Unavailable(format!("HTTP {http}: unreadable answer")))
}

/// The refusal a body states: a non-empty `error`, or a `status` other than `"200"`.
fn refusal(body: &Value) -> Option<PesapalError> {
    let error = body.get("error").map(error_body).unwrap_or_default();
    let status = body.get("status").map(value_text).unwrap_or_default();
    if !error.is_error() && (status.is_empty() || status == "200") {
        return None;
    }
    let message = error.message.filter(|m| !m.is_empty()).or_else(|| body.get("message").map(value_text)).unwrap_or_default();
    // An authorisation status names the problem better than the error code does.
    let code = if matches!(status.as_str(), "401" | "403") {
        status
    } else {
        error.code.or(error.error_type).filter(|c| !c.is_empty()).unwrap_or(status)
    };
    Some(PesapalError::Refused { code, message })
}

/// Whether a body is a status answer for an order nobody has paid yet.
fn unpaid_status(body: &Value) -> bool {
    body.get("status_code").is_some() && body.get("error").map(error_body).and_then(|e| e.code).as_deref() == Some(NOT_PAID_YET)
}

fn error_body(value: &Value) -> ErrorBody {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn parse<T: DeserializeOwned>(body: Value) -> Result<T, PesapalError> {
    serde_json::from_value(body).map_err(|e| PesapalError::Unavailable(format!("unreadable answer: {e}")))
}

/// A string field that may be null, a number or missing.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(value_text(&Value::deserialize(deserializer)?))
}

/// A number that may come as a string; anything unreadable is NaN (so `amount_minor` is `None`).
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => s.trim().replace(',', "").parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    })
}

fn status_code<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Number(n) => n.as_i64().unwrap_or(-1),
        Value::String(s) => s.trim().parse().unwrap_or(-1),
        _ => -1,
    })
}

fn unknown_status_code() -> i64 {
    -1
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn status(body: Value) -> TransactionStatus {
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn reads_the_token_answer() {
        let body = json!({"token":"eyJhbGciOi.x.y","expiryDate":"2026-01-26T09:36:12.5177702Z","error":null,"status":"200","message":"Request processed successfully"});
        assert!(refusal(&body).is_none());
        let answer: TokenResponse = parse(body).unwrap();
        assert_eq!(answer.token.as_deref(), Some("eyJhbGciOi.x.y"));
        assert_eq!(answer.expiry_date, "2026-01-26T09:36:12.5177702Z");
    }

    #[test]
    fn an_error_object_is_a_refusal() {
        let body = json!({"token":null,"expiryDate":null,"error":{"error_type":"api_error","code":"invalid_consumer_key_or_secret_provided","message":""},"status":"500","message":null});
        match refusal(&body) {
            Some(PesapalError::Refused { code, .. }) => assert_eq!(code, "invalid_consumer_key_or_secret_provided"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // A status other than "200" alone is a refusal too, and the status is the code.
        match refusal(&json!({"error":null,"status":"401","message":"Unauthorized"})) {
            Some(err @ PesapalError::Refused { .. }) => {
                assert!(err.is_token_problem());
                assert_eq!(err.to_string(), "Pesapal refused: 401 Unauthorized");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // An error object with nothing in it is no error.
        assert!(refusal(&json!({"error":{"error_type":null,"code":null,"message":null,"call_back_url":null},"status":"200"})).is_none());
    }

    #[test]
    fn reads_ipn_and_order_answers() {
        let ipn: RegisterIpnResponse = parse(json!({"url":"https://huduma.go.ke/callbacks/pesapal/ipn","created_date":"2026-01-26T09:31:12.473Z",
            "ipn_id":"e32182ca-0983-4fa0-91bc-c3bb813ba750","notification_type":1,"ipn_notification_type_description":"POST","ipn_status":1,"error":null,"status":"200"}))
        .unwrap();
        assert_eq!(ipn.ipn_id, "e32182ca-0983-4fa0-91bc-c3bb813ba750");
        let order: OrderResponse = parse(json!({"order_tracking_id":"b945e4af-80a5-4ec1-8706-e03f8332fb04","merchant_reference":"ATT-1",
            "redirect_url":"https://cybqa.pesapal.com/pesapaliframe/PesapalIframe3/Index?OrderTrackingId=b945e4af-80a5-4ec1-8706-e03f8332fb04","error":null,"status":"200"}))
        .unwrap();
        assert_eq!(
            (order.order_tracking_id.as_str(), order.merchant_reference.as_str()),
            ("b945e4af-80a5-4ec1-8706-e03f8332fb04", "ATT-1")
        );
    }

    #[test]
    fn a_completed_status_with_its_quirks() {
        let s = status(
            json!({"payment_method":"Visa","amount":1050.00,"created_date":"2026-01-26T09:34:29.8Z","confirmation_code":"6513008693186320103009",
            "payment_status_description":"Completed","description":null,"message":"Request processed successfully","payment_account":"476173**0010",
            "call_back_url":"https://huduma.go.ke/payments/1?OrderTrackingId=7e6b62d9&OrderMerchantReference=ATT-1","status_code":1,
            "merchant_reference":"ATT-1","payment_status_code":"","currency":"KES",
            "error":{"error_type":null,"code":null,"message":null,"call_back_url":null},"status":"200"}),
        );
        assert!(refusal(&serde_json::to_value(&s).unwrap()).is_none());
        assert_eq!(s.outcome(), CardOutcome::Completed);
        assert_eq!(s.amount_minor(), Some(105_000));
        assert_eq!(s.description, "");
        assert_eq!(s.confirmation_code, "6513008693186320103009");
    }

    #[test]
    fn outcomes_follow_the_status_code() {
        let with =
            |code: Value, desc: &str| status(json!({"status_code": code, "payment_status_description": desc, "amount": 10})).outcome();
        assert_eq!(with(json!(2), "Failed"), CardOutcome::Failed);
        assert_eq!(with(json!(3), "Reversed"), CardOutcome::Reversed);
        assert_eq!(with(json!(0), "Invalid"), CardOutcome::Invalid);
        assert_eq!(with(json!(0), "Pending"), CardOutcome::Pending);
        assert_eq!(with(json!("1"), "COMPLETED"), CardOutcome::Completed, "codes may come as strings");
        assert_eq!(with(json!(7), ""), CardOutcome::Pending);
        assert_eq!(status(json!({})).outcome(), CardOutcome::Pending, "no status code decides nothing");
    }

    #[test]
    fn an_unpaid_order_is_pending_not_refused() {
        let body = json!({"payment_method":"","amount":0,"created_date":"","confirmation_code":"","payment_status_description":"INVALID",
            "description":null,"message":"Request processed successfully","payment_account":"","call_back_url":"","status_code":0,
            "merchant_reference":"ATT-1","currency":"KES",
            "error":{"error_type":"api_error","code":"payment_details_not_found","message":"Pending Payment","call_back_url":""},"status":"500"});
        assert!(refusal(&body).is_some() && unpaid_status(&body));
        assert_eq!(status(body).outcome(), CardOutcome::Pending);
        assert_eq!(TransactionStatus::not_paid_yet("x").outcome(), CardOutcome::Pending);
    }

    #[test]
    fn amount_minor_rounds_to_cents() {
        let minor = |amount: Value| status(json!({"amount": amount})).amount_minor();
        assert_eq!(minor(json!(10.1)), Some(1010));
        assert_eq!(minor(json!(0.29)), Some(29));
        assert_eq!(minor(json!(1050.005)), Some(105_001));
        assert_eq!(minor(json!("2,500.50")), Some(250_050));
        assert_eq!(minor(json!(-1)), None);
        assert_eq!(minor(json!(null)), None);
    }

    #[test]
    fn an_order_serialises_in_pesapal_shape() {
        let order = OrderRequest {
            id: "ATT-1".into(),
            currency: "KES".into(),
            amount: 1050.0,
            description: "x".repeat(120),
            callback_url: "https://huduma.go.ke/payments/1".into(),
            notification_id: "ipn-1".into(),
            email: "wanjiku@example.com".into(),
            phone: " ".into(),
            first_name: "Wanjiku".into(),
            last_name: "Kamau".into(),
        };
        let body = serde_json::to_value(&order).unwrap();
        assert_eq!(body["amount"], json!(1050.0));
        assert_eq!(body["notification_id"], "ipn-1");
        assert_eq!(body["description"].as_str().unwrap().len(), 100);
        assert_eq!(
            body["billing_address"],
            json!({"email_address":"wanjiku@example.com","country_code":"KE","first_name":"Wanjiku","last_name":"Kamau"})
        );
    }

    #[test]
    fn reads_an_ipn_and_acknowledges_it() {
        let ipn: IpnNotification = serde_json::from_value(
            json!({"OrderTrackingId":"b945e4af","OrderMerchantReference":"ATT-1","OrderNotificationType":"IPNCHANGE"}),
        )
        .unwrap();
        assert_eq!(
            ipn.acknowledgement(),
            json!({"orderNotificationType":"IPNCHANGE","orderTrackingId":"b945e4af","orderMerchantReference":"ATT-1","status":200})
        );
    }
}

//! Safaricom M-Pesa Daraja client: OAuth (token cached until shortly before expiry), STK
//! push (M-PESA Express) and STK query, as in shared/reference/daraja.md. The base URL is
//! configuration, so the same client talks to Safaricom, to any Daraja-compatible server or
//! to the in-tree simulator.

use crate::config::DarajaConfig;
use base64::Engine;
use huduma_domain::payments::mpesa;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::Mutex;

/// Seconds before a token's stated expiry at which it is replaced.
const TOKEN_MARGIN_SECS: i64 = 60;

/// The OAuth answer (`expires_in` is a string).
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    /// Bearer token.
    pub access_token: String,
    /// Lifetime in seconds, as a string.
    pub expires_in: String,
}

/// Daraja's error body.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub request_id: String,
    /// `400.002.02`, `500.001.1001`…
    pub error_code: String,
    /// Readable reason.
    pub error_message: String,
}

/// The STK push request, field names as Daraja spells them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StkPushRequest {
    /// Paybill.
    pub business_short_code: String,
    /// base64(short code + passkey + timestamp).
    pub password: String,
    /// `YYYYMMDDHHmmss`.
    pub timestamp: String,
    /// `CustomerPayBillOnline`.
    pub transaction_type: String,
    /// Whole shillings, as a string.
    pub amount: String,
    /// Paying phone.
    pub party_a: String,
    /// Paybill again.
    pub party_b: String,
    /// Phone that gets the prompt.
    pub phone_number: String,
    /// Where the outcome is posted.
    #[serde(rename = "CallBackURL")]
    pub call_back_url: String,
    /// ≤ 12 characters: our invoice number.
    pub account_reference: String,
    /// ≤ 13 characters.
    pub transaction_desc: String,
}

/// The synchronous acceptance (codes are strings here).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StkPushResponse {
    /// Daraja's id.
    #[serde(rename = "MerchantRequestID")]
    pub merchant_request_id: String,
    /// The id the callback and query use.
    #[serde(rename = "CheckoutRequestID")]
    pub checkout_request_id: String,
    /// `"0"` when accepted.
    pub response_code: String,
    pub response_description: String,
    /// What the customer is told.
    #[serde(default)]
    pub customer_message: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StkQueryRequest {
    /// Paybill.
    pub business_short_code: String,
    /// As for the push.
    pub password: String,
    /// As for the push.
    pub timestamp: String,
    /// The attempt asked about.
    #[serde(rename = "CheckoutRequestID")]
    pub checkout_request_id: String,
}

/// The STK query answer (codes are strings).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StkQueryResponse {
    /// `"0"`: the query itself worked.
    pub response_code: String,
    #[serde(default)]
    pub response_description: String,
    /// Daraja's id.
    #[serde(rename = "MerchantRequestID", default)]
    pub merchant_request_id: String,
    /// Our attempt.
    #[serde(rename = "CheckoutRequestID", default)]
    pub checkout_request_id: String,
    /// The payment's outcome: `"0"` paid, `"1032"` cancelled…
    pub result_code: String,
    /// Its description.
    #[serde(default)]
    pub result_desc: String,
}

/// What a query learnt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryOutcome {
    /// The customer has not answered yet.
    Pending,
    /// Final: the result code and description.
    Done {
        /// `0` paid, anything else not.
        code: String,
        /// Description.
        desc: String,
    },
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum DarajaError {
    /// Daraja refused the request (its code and message).
    #[error("Daraja refused: {code} {message}")]
    Refused {
        /// `400.002.02`…
        code: String,
        /// Reason.
        message: String,
    },
    /// Network, timeout or an answer we could not read: worth retrying.
    #[error("Daraja unavailable: {0}")]
    Unavailable(String),
}

/// The production Daraja client.
#[derive(Debug)]
pub struct Daraja {
    http: reqwest::Client,
    config: DarajaConfig,
    token: Mutex<Option<(String, i64)>>,
}

impl Daraja {
    /// Builds the client.
    pub fn new(config: DarajaConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        Ok(Self { http, config, token: Mutex::new(None) })
    }

    /// Asks Daraja for a new access token (the status page's check): proves it answers
    /// and accepts the portal's credentials.
    pub async fn check(&self, now: i64) -> Result<(), DarajaError> {
        *self.token.lock().await = None;
        self.token(now).await.map(|_| ())
    }

    /// The paybill payments go to.
    pub fn short_code(&self) -> &str {
        &self.config.short_code
    }

    /// A valid access token, from the cache or a new OAuth call.
    async fn token(&self, now: i64) -> Result<String, DarajaError> {
        let mut cached = self.token.lock().await;
        if let Some((token, expires)) = cached.as_ref()
            && *expires > now
        {
            return Ok(token.clone());
        }
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            self.config.consumer_key.expose(),
            self.config.consumer_secret.expose()
        ));
        let response = self
            .http
            .get(format!("{}/oauth/v1/generate?grant_type=client_credentials", self.config.base_url))
            .header("Authorization", format!("Basic {basic}"))
            .send()
            .await
            .map_err(|e| DarajaError::Unavailable(e.to_string()))?;
        let answer: TokenResponse = read(response).await?;
        let lifetime: i64 = answer.expires_in.trim().parse().unwrap_or(3599);
        *cached = Some((answer.access_token.clone(), now + lifetime - TOKEN_MARGIN_SECS));
        Ok(answer.access_token)
    }

    fn password(&self, timestamp: &str) -> String {
        mpesa::password(&self.config.short_code, self.config.passkey.expose(), timestamp)
    }

    /// Sends the payment prompt to `phone` (`2547…`) for `amount` whole shillings.
    pub async fn stk_push(
        &self,
        phone: &str,
        amount: i64,
        account_reference: &str,
        description: &str,
        callback_url: &str,
        now: i64,
    ) -> Result<StkPushResponse, DarajaError> {
        let timestamp = mpesa::timestamp(now);
        let body = StkPushRequest {
            business_short_code: self.config.short_code.clone(),
            password: self.password(&timestamp),
            timestamp,
            transaction_type: "CustomerPayBillOnline".into(),
            amount: amount.to_string(),
            party_a: phone.to_owned(),
            party_b: self.config.short_code.clone(),
            phone_number: phone.to_owned(),
            call_back_url: callback_url.to_owned(),
            account_reference: account_reference.chars().take(12).collect(),
            transaction_desc: mpesa::transaction_desc(description),
        };
        let token = self.token(now).await?;
        let response = self
            .http
            .post(format!("{}/mpesa/stkpush/v1/processrequest", self.config.base_url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| DarajaError::Unavailable(e.to_string()))?;
        let accepted: StkPushResponse = read(response).await?;
        if accepted.response_code.trim() != "0" {
            return Err(DarajaError::Refused { code: accepted.response_code, message: accepted.response_description });
        }
        Ok(accepted)
    }

    /// Asks how an STK push ended. "The transaction is being processed" means pending.
    pub async fn stk_query(&self, checkout_request_id: &str, now: i64) -> Result<QueryOutcome, DarajaError> {
        let timestamp = mpesa::timestamp(now);
        let body = StkQueryRequest {
            business_short_code: self.config.short_code.clone(),
            password: self.password(&timestamp),
            timestamp,
            checkout_request_id: checkout_request_id.to_owned(),
        };
        let token = self.token(now).await?;
        let response = self
            .http
            .post(format!("{}/mpesa/stkpushquery/v1/query", self.config.base_url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| DarajaError::Unavailable(e.to_string()))?;
        match read::<StkQueryResponse>(response).await {
            Ok(answer) => Ok(QueryOutcome::Done { code: answer.result_code.trim().to_owned(), desc: answer.result_desc }),
            Err(DarajaError::Refused { code, message }) if code == "500.001.1001" && message.contains("being processed") => {
                Ok(QueryOutcome::Pending)
            }
            Err(err) => Err(err),
        }
    }
}

/// The answer to a C2B URL registration (Safaricom's spelling).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegisterUrlResponse {
    /// Sic: "Coversation".
    #[serde(rename = "OriginatorCoversationID", default)]
    pub originator_coversation_id: String,
    /// `"0"` on success.
    pub response_code: String,
    #[serde(default)]
    pub response_description: String,
}

impl Daraja {
    /// Registers the Paybill validation and confirmation URLs (`ResponseType` `Cancelled`:
    /// if our validation does not answer in time, the payment is refused rather than
    /// taken without us).
    pub async fn register_c2b_urls(&self, validation_url: &str, confirmation_url: &str, now: i64) -> Result<(), DarajaError> {
        let body = serde_json::json!({
            "ShortCode": self.config.short_code,
            "ResponseType": "Cancelled",
            "ConfirmationURL": confirmation_url,
            "ValidationURL": validation_url,
        });
        let token = self.token(now).await?;
        let response = self
            .http
            .post(format!("{}/mpesa/c2b/v1/registerurl", self.config.base_url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| DarajaError::Unavailable(e.to_string()))?;
        let answer: RegisterUrlResponse = read(response).await?;
        if answer.response_code.trim() != "0" {
            return Err(DarajaError::Refused { code: answer.response_code, message: answer.response_description });
        }
        Ok(())
    }
}

/// Reads a JSON answer, or Daraja's error body.
async fn read<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, DarajaError> {
    let status = response.status();
    let text = response.text().await.map_err(|e| DarajaError::Unavailable(e.to_string()))?;
    if status.is_success() {
        return serde_json::from_str(&text).map_err(|e| DarajaError::Unavailable(format!("unreadable answer: {e}")));
    }
    match serde_json::from_str::<ErrorBody>(&text) {
        // Spike arrest and internal errors are worth retrying; the rest is a refusal.
        Ok(body) if matches!(body.error_code.as_str(), "500.003.02" | "500.003.03" | "500.003.1001") => {
            Err(DarajaError::Unavailable(format!("{} {}", body.error_code, body.error_message)))
        }
        Ok(body) => Err(DarajaError::Refused { code: body.error_code, message: body.error_message }),
        Err(_) => Err(DarajaError::Unavailable(format!("HTTP {status}"))),
    }
}

/// A result code as Daraja sends it: a JSON number in callbacks, a string in queries,
/// sometimes a text code such as `SFC_IC0003`.
pub fn result_code(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// An STK callback, read leniently: only what we rely on is required.
#[derive(Debug, Clone, PartialEq)]
pub struct StkCallback {
    /// Daraja's id.
    pub merchant_request_id: String,
    /// Our attempt's provider id.
    pub checkout_request_id: String,
    /// `0` paid.
    pub result_code: String,
    /// Description (old prefixes like `[STK_CB - ]` removed).
    pub result_desc: String,
    /// Amount in minor units, when paid.
    pub amount_minor: Option<i64>,
    /// M-Pesa receipt, when paid.
    pub receipt: Option<String>,
    /// Paying phone, when given.
    pub phone: Option<String>,
}

impl StkCallback {
    /// Parses `{"Body":{"stkCallback":{…}}}` with every quirk in the reference: codes as
    /// numbers or strings, metadata missing on failure, items without `Value`, amounts with
    /// decimals, phone and date as numbers.
    pub fn parse(body: &serde_json::Value) -> Option<Self> {
        let cb = body.get("Body")?.get("stkCallback")?;
        let text = |key: &str| cb.get(key).and_then(result_code);
        let items = cb.get("CallbackMetadata").and_then(|m| m.get("Item")).and_then(|i| i.as_array()).cloned().unwrap_or_default();
        let item =
            |name: &str| items.iter().find(|i| i.get("Name").and_then(|n| n.as_str()) == Some(name)).and_then(|i| i.get("Value")).cloned();
        let amount_minor = item("Amount").and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        #[allow(clippy::cast_possible_truncation)]
        let amount_minor = amount_minor.filter(|a| a.is_finite() && *a >= 0.0).map(|a| (a * 100.0).round() as i64);
        let desc = text("ResultDesc").unwrap_or_default();
        let desc = desc.strip_prefix("[STK_CB - ]").unwrap_or(&desc).to_owned();
        Some(Self {
            merchant_request_id: text("MerchantRequestID").unwrap_or_default(),
            checkout_request_id: text("CheckoutRequestID").filter(|c| !c.is_empty())?,
            result_code: text("ResultCode")?,
            result_desc: desc,
            amount_minor,
            receipt: item("MpesaReceiptNumber").as_ref().and_then(result_code).filter(|r| !r.is_empty()),
            phone: item("PhoneNumber").as_ref().and_then(result_code),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn a_successful_callback_with_every_quirk() {
        let body = json!({"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
            "ResultCode":0,"ResultDesc":"The service request is processed successfully.",
            "CallbackMetadata":{"Item":[{"Name":"Amount","Value":1050.00},{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},{"Name":"Balance"},
            {"Name":"TransactionDate","Value":20260126093112u64},{"Name":"PhoneNumber","Value":254708374149u64}]}}}});
        let cb = StkCallback::parse(&body).unwrap();
        assert_eq!(cb.result_code, "0");
        assert_eq!(cb.amount_minor, Some(105_000));
        assert_eq!(cb.receipt.as_deref(), Some("NLJ7RT61SV"));
        assert_eq!(cb.phone.as_deref(), Some("254708374149"));
    }

    #[test]
    fn a_failed_callback_has_no_metadata_and_odd_codes() {
        let body = json!({"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":"ws_CO_1","ResultCode":"SFC_IC0003","ResultDesc":"[STK_CB - ]Request cancelled by user"}}});
        let cb = StkCallback::parse(&body).unwrap();
        assert_eq!((cb.result_code.as_str(), cb.result_desc.as_str(), cb.receipt), ("SFC_IC0003", "Request cancelled by user", None));
        assert!(StkCallback::parse(&json!({"Body":{}})).is_none());
        assert!(StkCallback::parse(&json!({"Body":{"stkCallback":{"ResultCode":0}}})).is_none(), "no CheckoutRequestID, nothing to match");
    }
}

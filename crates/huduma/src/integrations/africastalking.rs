//! Africa's Talking SMS client: `POST {base}/version1/messaging`, form-encoded, `apiKey`
//! header, `Accept: application/json`; success is HTTP 201 with per-recipient status codes
//! (see shared/reference/africastalking.md).

use crate::config::SmsConfig;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The JSON answer to a send request.
#[derive(Debug, Serialize, Deserialize)]
pub struct SendResponse {
    /// Wrapper object, as the provider names it.
    #[serde(rename = "SMSMessageData")]
    pub sms_message_data: SmsMessageData,
}

/// Body of [`SendResponse`].
#[derive(Debug, Serialize, Deserialize)]
pub struct SmsMessageData {
    /// Summary, or the reason when the whole request failed.
    #[serde(rename = "Message")]
    pub message: String,
    /// One entry per recipient.
    #[serde(rename = "Recipients", default)]
    pub recipients: Vec<Recipient>,
}

/// Outcome for one recipient.
#[derive(Debug, Serialize, Deserialize)]
pub struct Recipient {
    /// 100 processed, 101 sent, 102 queued; 4xx/5xx failures.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    /// `+2547…`.
    pub number: String,
    /// `Success`, `InvalidPhoneNumber`, …
    pub status: String,
    /// `KES 0.8000`.
    pub cost: String,
    /// `ATXid_…`, or `None`.
    #[serde(rename = "messageId")]
    pub message_id: String,
}

/// Why a message was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Worth retrying later (network, provider error, insufficient balance).
    #[error("SMS not sent, will retry: {0}")]
    Transient(String),
    /// Retrying cannot help (invalid number, blacklisted, do-not-disturb).
    #[error("SMS refused: {0}")]
    Permanent(String),
}

/// Recipient status codes after which a retry cannot succeed.
fn is_permanent(code: u16) -> bool {
    matches!(code, 402 | 403 | 404 | 406 | 409)
}

/// The production Africa's Talking client.
#[derive(Clone, Debug)]
pub struct AfricasTalking {
    http: reqwest::Client,
    config: SmsConfig,
}

impl AfricasTalking {
    /// Builds the client.
    pub fn new(config: SmsConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build()?;
        Ok(Self { http, config })
    }

    /// Sends one message to one `+254…` number; returns the provider's message id.
    pub async fn send(&self, to: &str, message: &str) -> Result<String, SmsError> {
        let mut form = vec![("username", self.config.username.as_str()), ("to", to), ("message", message)];
        if let Some(sender) = &self.config.sender {
            form.push(("from", sender.as_str()));
        }
        let response = self
            .http
            .post(format!("{}/version1/messaging", self.config.base_url.trim_end_matches('/')))
            .header("apiKey", self.config.api_key.expose())
            .header("Accept", "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| SmsError::Transient(e.without_url().to_string()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| SmsError::Transient(e.to_string()))?;
        if status.as_u16() == 401 {
            return Err(SmsError::Transient("authentication failed: check HUDUMA_SMS_API_KEY".into()));
        }
        if status.as_u16() != 201 && !status.is_success() {
            return Err(SmsError::Transient(format!("HTTP {status}: {}", text.chars().take(200).collect::<String>())));
        }
        let parsed: SendResponse = serde_json::from_str(&text).map_err(|e| SmsError::Transient(format!("unreadable answer: {e}")))?;
        let Some(recipient) = parsed.sms_message_data.recipients.first() else {
            return Err(SmsError::Transient(format!("no recipient in answer: {}", parsed.sms_message_data.message)));
        };
        match recipient.status_code {
            100..=102 => Ok(recipient.message_id.clone()),
            code if is_permanent(code) => Err(SmsError::Permanent(format!("{code} {}", recipient.status))),
            code => Err(SmsError::Transient(format!("{code} {}", recipient.status))),
        }
    }
}

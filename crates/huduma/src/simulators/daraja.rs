//! The M-Pesa Daraja simulator for sandbox mode: OAuth, STK push, STK query and the
//! asynchronous callback, with the real provider's field names, codes and quirks (result
//! codes as numbers in callbacks and strings in queries, no metadata on failure, a
//! metadata item without `Value`, "The transaction is being processed" while pending).
//!
//! Magic phone numbers choose what the "customer" does, for people and automated tests:
//!
//! | number | what happens |
//! |---|---|
//! | `254700000001` | insufficient funds (result 1) |
//! | `254700001032` | cancelled on the phone (1032) |
//! | `254700001037` | phone unreachable, prompt timed out (1037) |
//! | `254700002001` | wrong PIN (2001) |
//! | `254700000404` | paid, but the callback is lost: only the query tells |
//! | `254700000002` | paid, and the callback is sent twice |
//! | `254700000999` | never answers (the query keeps saying "being processed") |
//! | `254708374149` (Safaricom's test number) | pays after a short pause (the PIN was entered) |
//! | any other | waits on the sandbox phone page (`/sandbox/phone`) for a person to enter a PIN or cancel; times out after a minute (1037) |

use super::Simulators;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use huduma_domain::payments::mpesa;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Daraja's public sandbox short code.
pub const SHORT_CODE: &str = "174379";
/// Daraja's public sandbox passkey.
pub const PASSKEY: &str = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
/// How long the simulated customer takes to answer.
const ANSWER_AFTER: Duration = Duration::from_millis(400);
/// How long a prompt waits on the sandbox phone page before it times out, as on a phone.
const PROMPT_LIFETIME: Duration = Duration::from_secs(60);

/// What the simulated customer does with a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Enters the PIN: paid.
    Pay,
    /// Pays, but the callback never arrives.
    PayCallbackLost,
    /// Pays, and the callback arrives twice.
    PayCallbackTwice,
    /// Says no with this result code.
    Decline(u32),
    /// Never answers.
    Silent,
    /// Waits for a person on the sandbox phone page.
    Manual,
}

impl Scenario {
    /// The scenario a phone number selects.
    pub fn for_phone(phone: &str) -> Self {
        match phone {
            "254700000001" => Self::Decline(1),
            "254700001032" => Self::Decline(1032),
            "254700001037" => Self::Decline(1037),
            "254700002001" => Self::Decline(2001),
            "254700000404" => Self::PayCallbackLost,
            "254700000002" => Self::PayCallbackTwice,
            "254700000999" => Self::Silent,
            "254708374149" => Self::Pay,
            _ => Self::Manual,
        }
    }
}

/// One prompt sent to a simulated phone.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// Daraja's id.
    pub merchant_request_id: String,
    pub phone: String,
    /// Whole shillings.
    pub amount: i64,
    /// Account reference shown on the phone.
    pub account_reference: String,
    /// Where the outcome goes.
    pub callback_url: String,
    /// The outcome once the customer answered: result code, description, receipt.
    pub outcome: Option<(u32, String, Option<String>)>,
}

/// The simulator's state: tokens issued and prompts by CheckoutRequestID.
#[derive(Debug, Default)]
pub struct Prompts {
    tokens: Mutex<Vec<String>>,
    prompts: Mutex<HashMap<String, Prompt>>,
    /// Registered Paybill URLs: (validation, confirmation).
    c2b: Mutex<Option<(String, String)>>,
}

impl Prompts {
    /// Prompts still waiting for an answer, optionally for one phone (`2547…`).
    pub fn pending(&self, phone: Option<&str>) -> Vec<(String, Prompt)> {
        let mut found: Vec<(String, Prompt)> = self
            .prompts
            .lock()
            .map(|p| {
                p.iter()
                    .filter(|(_, v)| v.outcome.is_none() && phone.is_none_or(|ph| v.phone == ph))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }

    /// A person answered on the sandbox phone: a PIN (any four digits but `0000`, which is
    /// wrong) or a cancel. Returns false when the prompt is gone or already answered.
    pub fn answer(&self, checkout: &str, pin: Option<&str>) -> bool {
        let outcome = match pin {
            None => (1032, "Request cancelled by user".to_owned(), None),
            Some("0000") => (2001, "The initiator information is invalid.".to_owned(), None),
            Some(_) => (0, "The service request is processed successfully.".to_owned(), Some(receipt())),
        };
        match self.prompts.lock() {
            Ok(mut p) => match p.get_mut(checkout) {
                Some(prompt) if prompt.outcome.is_none() => {
                    prompt.outcome = Some(outcome);
                    true
                }
                _ => false,
            },
            Err(_) => false,
        }
    }

    fn prompt(&self, checkout: &str) -> Option<Prompt> {
        self.prompts.lock().ok().and_then(|p| p.get(checkout).cloned())
    }

    fn set_outcome(&self, checkout: &str, outcome: (u32, String, Option<String>)) {
        if let Ok(mut p) = self.prompts.lock()
            && let Some(prompt) = p.get_mut(checkout)
        {
            prompt.outcome = Some(outcome);
        }
    }
}

/// The simulator's routes, under `/sandbox/daraja`.
pub fn routes() -> Vec<(&'static str, MethodRouter<Arc<Simulators>>)> {
    vec![
        ("/sandbox/daraja/oauth/v1/generate", get(oauth)),
        ("/sandbox/daraja/mpesa/stkpush/v1/processrequest", post(stk_push)),
        ("/sandbox/daraja/mpesa/stkpushquery/v1/query", post(stk_query)),
        ("/sandbox/daraja/mpesa/c2b/v1/registerurl", post(c2b_register)),
        ("/sandbox/daraja/mpesa/c2b/v1/simulate", post(c2b_simulate)),
    ]
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"requestId": format!("{}-sandbox", crate::crypto::new_token().chars().take(8).collect::<String>()), "errorCode": code, "errorMessage": message});
    (status, Json(body)).into_response()
}

async fn oauth(
    State(sim): State<Arc<Simulators>>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    if query.as_deref() != Some("grant_type=client_credentials") {
        return error(StatusCode::BAD_REQUEST, "400.008.02", "Invalid grant type passed");
    }
    let Some((key, secret)) = &sim.daraja_credentials else {
        return error(StatusCode::BAD_REQUEST, "400.008.01", "Invalid Authentication passed");
    };
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"));
    let given = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic ")).unwrap_or("");
    if !crate::crypto::constant_time_eq(given, &expected) {
        return error(StatusCode::BAD_REQUEST, "400.008.01", "Invalid Authentication passed");
    }
    let token = crate::crypto::new_token();
    if let Ok(mut tokens) = sim.daraja.tokens.lock() {
        tokens.push(token.clone());
    }
    Json(json!({"access_token": token, "expires_in": "3599"})).into_response()
}

fn authorised(sim: &Simulators, headers: &HeaderMap) -> bool {
    let given = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
    sim.daraja.tokens.lock().is_ok_and(|t| t.iter().any(|k| k == given))
}

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or("")
}

fn password_ok(body: &Value) -> bool {
    text(body, "BusinessShortCode") == SHORT_CODE && text(body, "Password") == mpesa::password(SHORT_CODE, PASSKEY, text(body, "Timestamp"))
}

async fn stk_push(State(sim): State<Arc<Simulators>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&sim, &headers) {
        return error(StatusCode::NOT_FOUND, "404.001.03", "Invalid Access Token");
    }
    if !password_ok(&body) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "500.001.1001", "Wrong credentials");
    }
    let phone = text(&body, "PhoneNumber");
    let phone_ok =
        phone.len() == 12 && (phone.starts_with("2547") || phone.starts_with("2541")) && phone.bytes().all(|b| b.is_ascii_digit());
    if !phone_ok || text(&body, "PartyA") != phone {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid PhoneNumber");
    }
    let amount: i64 = text(&body, "Amount").parse().unwrap_or(0);
    if !(1..=250_000).contains(&amount) {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid Amount");
    }
    let reference = text(&body, "AccountReference");
    if reference.is_empty() || reference.chars().count() > 12 || text(&body, "TransactionDesc").chars().count() > 13 {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid AccountReference");
    }
    let callback_url = text(&body, "CallBackURL").to_owned();
    if !(callback_url.starts_with("http://") || callback_url.starts_with("https://")) {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid CallBackURL");
    }
    let checkout = format!(
        "ws_CO_{}{}",
        mpesa::timestamp(sim.clock.now()),
        crate::crypto::new_token().chars().filter(char::is_ascii_digit).take(8).collect::<String>()
    );
    let merchant = format!("29115-{}-1", rand::random::<u32>());
    let prompt = Prompt {
        merchant_request_id: merchant.clone(),
        phone: phone.to_owned(),
        amount,
        account_reference: reference.to_owned(),
        callback_url,
        outcome: None,
    };
    if let Ok(mut prompts) = sim.daraja.prompts.lock() {
        prompts.insert(checkout.clone(), prompt);
    }
    tokio::spawn(answer(sim.clone(), checkout.clone(), Scenario::for_phone(phone)));
    Json(json!({
        "MerchantRequestID": merchant,
        "CheckoutRequestID": checkout,
        "ResponseCode": "0",
        "ResponseDescription": "Success. Request accepted for processing",
        "CustomerMessage": "Success. Request accepted for processing"
    }))
    .into_response()
}

/// An M-Pesa receipt number.
fn receipt() -> String {
    let token = crate::crypto::new_token().to_uppercase();
    format!("S{}", token.chars().filter(char::is_ascii_alphanumeric).take(9).collect::<String>())
}

/// Waits for the person on the phone page; times out like a real prompt.
async fn wait_for_person(sim: &Simulators, checkout: &str) -> (u32, String, Option<String>) {
    let started = tokio::time::Instant::now();
    while started.elapsed() < PROMPT_LIFETIME {
        if let Some(outcome) = sim.daraja.prompt(checkout).and_then(|p| p.outcome) {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let timeout = (1037, "DS timeout user cannot be reached".to_owned(), None);
    sim.daraja.set_outcome(checkout, timeout.clone());
    timeout
}

/// The simulated customer answers, then Daraja posts the callback (or does not).
async fn answer(sim: Arc<Simulators>, checkout: String, scenario: Scenario) {
    if scenario == Scenario::Manual {
        let (code, desc, receipt) = wait_for_person(&sim, &checkout).await;
        deliver(&sim, &checkout, code, &desc, receipt, 1).await;
        return;
    }
    tokio::time::sleep(ANSWER_AFTER).await;
    let (code, desc) = match scenario {
        Scenario::Silent | Scenario::Manual => return,
        Scenario::Pay | Scenario::PayCallbackLost | Scenario::PayCallbackTwice => (0, "The service request is processed successfully."),
        Scenario::Decline(1) => (1, "The balance is insufficient for the transaction."),
        Scenario::Decline(1032) => (1032, "Request cancelled by user"),
        Scenario::Decline(1037) => (1037, "DS timeout user cannot be reached"),
        Scenario::Decline(2001) => (2001, "The initiator information is invalid."),
        Scenario::Decline(other) => (other, "The transaction failed."),
    };
    let receipt = (code == 0).then(receipt);
    sim.daraja.set_outcome(&checkout, (code, desc.to_owned(), receipt.clone()));
    let times = match scenario {
        Scenario::PayCallbackLost => 0,
        Scenario::PayCallbackTwice => 2,
        _ => 1,
    };
    deliver(&sim, &checkout, code, desc, receipt, times).await;
}

/// Posts the callback for an answered prompt `times` times.
async fn deliver(sim: &Simulators, checkout: &str, code: u32, desc: &str, receipt: Option<String>, times: usize) {
    let Some(prompt) = sim.daraja.prompt(checkout) else { return };
    let mut callback = json!({"Body": {"stkCallback": {
        "MerchantRequestID": prompt.merchant_request_id,
        "CheckoutRequestID": checkout,
        "ResultCode": code,
        "ResultDesc": desc,
    }}});
    if let Some(receipt) = &receipt {
        let date: u64 = mpesa::timestamp(sim.clock.now()).parse().unwrap_or(0);
        let phone: u64 = prompt.phone.parse().unwrap_or(0);
        callback["Body"]["stkCallback"]["CallbackMetadata"] = json!({"Item": [
            {"Name": "Amount", "Value": prompt.amount as f64},
            {"Name": "MpesaReceiptNumber", "Value": receipt},
            {"Name": "Balance"},
            {"Name": "TransactionDate", "Value": date},
            {"Name": "PhoneNumber", "Value": phone},
        ]});
    }
    let client = reqwest::Client::new();
    for _ in 0..times {
        if let Err(err) = client.post(&prompt.callback_url).json(&callback).send().await {
            tracing::warn!(error = %err, "sandbox Daraja could not deliver a callback");
        }
    }
}

async fn stk_query(State(sim): State<Arc<Simulators>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&sim, &headers) {
        return error(StatusCode::NOT_FOUND, "404.001.03", "Invalid Access Token");
    }
    if !password_ok(&body) {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "500.001.1001", "Wrong credentials");
    }
    let checkout = text(&body, "CheckoutRequestID");
    let Some(prompt) = sim.daraja.prompt(checkout) else {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid CheckoutRequestID");
    };
    match prompt.outcome {
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "500.001.1001", "The transaction is being processed"),
        Some((code, desc, _)) => Json(json!({
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": prompt.merchant_request_id,
            "CheckoutRequestID": checkout,
            "ResultCode": code.to_string(),
            "ResultDesc": desc,
        }))
        .into_response(),
    }
}

async fn c2b_register(State(sim): State<Arc<Simulators>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&sim, &headers) {
        return error(StatusCode::NOT_FOUND, "404.001.03", "Invalid Access Token");
    }
    if text(&body, "ShortCode") != SHORT_CODE {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid ShortCode");
    }
    if !matches!(text(&body, "ResponseType"), "Completed" | "Cancelled") {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid ResponseType");
    }
    let (validation, confirmation) = (text(&body, "ValidationURL").to_owned(), text(&body, "ConfirmationURL").to_owned());
    if !validation.starts_with("http") || !confirmation.starts_with("http") {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid URL");
    }
    if let Ok(mut c2b) = sim.daraja.c2b.lock() {
        *c2b = Some((validation, confirmation));
    }
    Json(json!({"OriginatorCoversationID": format!("{}-sandbox", rand::random::<u32>()), "ResponseCode": "0", "ResponseDescription": "success"})).into_response()
}

/// A customer pays the Paybill from their phone: Daraja validates with us, and confirms
/// when we accept.
async fn c2b_simulate(State(sim): State<Arc<Simulators>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorised(&sim, &headers) {
        return error(StatusCode::NOT_FOUND, "404.001.03", "Invalid Access Token");
    }
    let Some((validation, confirmation)) = sim.daraja.c2b.lock().ok().and_then(|c| c.clone()) else {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - No URLs registered for this ShortCode");
    };
    if text(&body, "ShortCode") != SHORT_CODE || text(&body, "CommandID") != "CustomerPayBillOnline" {
        return error(StatusCode::BAD_REQUEST, "400.002.02", "Bad Request - Invalid ShortCode or CommandID");
    }
    let msisdn = match body.get("Msisdn") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let amount = match body.get("Amount") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let trans_id =
        format!("S{}", crate::crypto::new_token().to_uppercase().chars().filter(char::is_ascii_alphanumeric).take(9).collect::<String>());
    let masked = if msisdn.len() == 12 { format!("{}****{}", &msisdn[..5], &msisdn[9..]) } else { msisdn.clone() };
    let mut payment = json!({
        "TransactionType": "Pay Bill",
        "TransID": trans_id,
        "TransTime": mpesa::timestamp(sim.clock.now()),
        "TransAmount": amount,
        "BusinessShortCode": SHORT_CODE,
        "BillRefNumber": text(&body, "BillRefNumber"),
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": masked,
        "FirstName": "John",
        "MiddleName": "",
        "LastName": "Doe",
    });
    let client = reqwest::Client::new();
    let verdict: Value = match client.post(&validation).json(&payment).send().await {
        Ok(response) => response.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let accepted = verdict.get("ResultCode").is_some_and(|c| c == "0" || c == 0);
    if accepted {
        payment["OrgAccountBalance"] = json!("49197.00");
        let _ = client.post(&confirmation).json(&payment).send().await;
    }
    Json(json!({
        "OriginatorCoversationID": format!("{}-sandbox", rand::random::<u32>()),
        "ResponseCode": "0",
        "ResponseDescription": "Accept the service request successfully.",
        "ConversationID": trans_id,
        "SandboxOutcome": if accepted { "confirmed" } else { "rejected by validation" },
    }))
    .into_response()
}

//! The Pesapal 3.0 simulator for sandbox mode: token, IPN registration, order submission,
//! transaction status and the hosted card page, with Pesapal's field names and quirks
//! (HTTP 200 with `"status":"500"` and an `error` object when refused, statuses as
//! strings, an unpaid order reported as an error with `status_code` 0).
//!
//! Test cards on the card page (any other number is refused with a message):
//!
//! | card | what happens |
//! |---|---|
//! | `4111 1111 1111 1111` | approved |
//! | `4000 0000 0000 0002` | declined: insufficient funds |
//! | `4000 0000 0000 0069` | declined: expired card |
//!
//! Card numbers are never stored: an order keeps only the masked account
//! (`411111******1111`).

use crate::clock::rfc3339;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Where the simulator's routes live.
pub const MOUNT: &str = "/sandbox/pesapal";
/// The card prefilled on the card page: approved.
pub const APPROVED_CARD: &str = "4111111111111111";
/// Declined for insufficient funds.
pub const DECLINED_CARD: &str = "4000000000000002";
/// Declined as expired.
pub const EXPIRED_CARD: &str = "4000000000000069";
/// How long a token lives, as at Pesapal.
const TOKEN_LIFETIME_SECS: i64 = 5 * 60;
/// Pesapal's limits on an order.
const MERCHANT_REFERENCE_MAX_CHARS: usize = 50;
const DESCRIPTION_MAX_CHARS: usize = 100;

/// What a test card does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Card {
    Approved,
    Declined(&'static str),
}

/// The test cards, as shown on the card page.
const TEST_CARDS: [(&str, Card, &str); 3] = [
    (APPROVED_CARD, Card::Approved, "Approved"),
    (DECLINED_CARD, Card::Declined("Insufficient funds"), "Declined: insufficient funds"),
    (EXPIRED_CARD, Card::Declined("Expired card"), "Declined: expired card"),
];

/// How a registered IPN URL is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IpnMethod {
    /// JSON body (Pesapal's `notification_type` 1).
    Post,
    /// Query string (0).
    Get,
}

#[derive(Debug, Clone)]
struct Ipn {
    url: String,
    method: IpnMethod,
    created_at: i64,
}

/// One submitted order.
#[derive(Debug, Clone)]
struct Order {
    merchant_reference: String,
    amount: f64,
    currency: String,
    description: String,
    callback_url: String,
    notification_id: String,
    email: String,
    phone: String,
    first_name: String,
    last_name: String,
    /// 0 not paid, 1 completed, 2 failed, 3 reversed.
    status_code: u8,
    /// Set once paid.
    confirmation_code: Option<String>,
    payment_method: String,
    /// Masked card, never the number.
    payment_account: String,
    /// Why it failed, e.g. "Cancelled by user".
    outcome_description: String,
    created_at: i64,
    paid_at: Option<i64>,
}

/// What the card page decided.
#[derive(Debug, Clone)]
enum Verdict {
    Approved { account: String },
    Declined { account: String, reason: &'static str },
    Cancelled,
}

#[derive(Debug, Default)]
struct Books {
    /// Token → expiry (Unix seconds).
    tokens: HashMap<String, i64>,
    /// `ipn_id` → registration.
    ipns: HashMap<String, Ipn>,
    /// `order_tracking_id` → order.
    orders: HashMap<String, Order>,
}

/// The simulated Pesapal: its merchant credentials and everything it was told.
#[derive(Debug)]
pub struct PesapalSimulator {
    consumer_key: crate::secret::Secret,
    consumer_secret: crate::secret::Secret,
    base_url: String,
    http: reqwest::Client,
    books: Mutex<Books>,
}

impl PesapalSimulator {
    /// A simulator that accepts these merchant credentials. `base_url` is where its
    /// router is reachable, e.g. `http://127.0.0.1:8080/sandbox/pesapal`: card page
    /// links (`redirect_url`) are built from it.
    pub fn new(consumer_key: String, consumer_secret: String, base_url: String) -> Arc<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_else(|_| reqwest::Client::new());
        Arc::new(Self {
            consumer_key: crate::secret::Secret::new(consumer_key),
            consumer_secret: crate::secret::Secret::new(consumer_secret),
            base_url: base_url.trim_end_matches('/').to_owned(),
            http,
            books: Mutex::new(Books::default()),
        })
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        // The books stay consistent under a panic (each change is one insert), so a
        // poisoned lock is still usable.
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Pays (the approved test card) or declines (insufficient funds) an order without a
    /// browser, and returns the IPN URL that should now be notified (see
    /// [`Self::send_ipn`]). `None` when the order is unknown or already paid.
    pub fn pay_for_tests(&self, order_tracking_id: &str, approve: bool) -> Option<String> {
        let verdict = if approve {
            Verdict::Approved { account: mask(APPROVED_CARD) }
        } else {
            Verdict::Declined { account: mask(DECLINED_CARD), reason: "Insufficient funds" }
        };
        self.decide(order_tracking_id, verdict)?;
        let books = self.books();
        let order = books.orders.get(order_tracking_id)?;
        books.ipns.get(&order.notification_id).map(|ipn| ipn.url.clone())
    }

    /// Notifies the order's registered IPN URL that it changed (`IPNCHANGE`). Failures are
    /// logged, as Pesapal would simply retry later.
    pub async fn send_ipn(&self, order_tracking_id: &str) {
        let target = {
            let books = self.books();
            books.orders.get(order_tracking_id).and_then(|order| {
                books.ipns.get(&order.notification_id).map(|ipn| (ipn.url.clone(), ipn.method, order.merchant_reference.clone()))
            })
        };
        let Some((url, method, merchant_reference)) = target else {
            tracing::warn!(order_tracking_id, "sandbox Pesapal has no IPN URL for the order");
            return;
        };
        let fields = [
            ("OrderTrackingId", order_tracking_id),
            ("OrderMerchantReference", merchant_reference.as_str()),
            ("OrderNotificationType", "IPNCHANGE"),
        ];
        let request = match method {
            IpnMethod::Post => self.http.post(&url).json(&fields.iter().copied().collect::<HashMap<_, _>>()),
            IpnMethod::Get => {
                let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
                self.http.get(format!("{url}{}{query}", if url.contains('?') { '&' } else { '?' }))
            }
        };
        match request.send().await {
            Ok(response) if response.status().is_success() => {}
            Ok(response) => tracing::warn!(status = %response.status(), url, "sandbox Pesapal's IPN was not accepted"),
            Err(err) => tracing::warn!(error = %err, url, "sandbox Pesapal could not deliver an IPN"),
        }
    }

    /// Records a card page decision. `None` when the order is unknown or already paid.
    fn decide(&self, order_tracking_id: &str, verdict: Verdict) -> Option<()> {
        let mut books = self.books();
        let order = books.orders.get_mut(order_tracking_id)?;
        if order.status_code == 1 {
            return None;
        }
        order.paid_at = Some(now());
        match verdict {
            Verdict::Approved { account } => {
                order.status_code = 1;
                order.confirmation_code = Some(confirmation_code());
                order.payment_method = "Visa".into();
                order.payment_account = account;
                order.outcome_description = String::new();
            }
            Verdict::Declined { account, reason } => {
                order.status_code = 2;
                order.payment_method = "Visa".into();
                order.payment_account = account;
                order.outcome_description = reason.into();
            }
            Verdict::Cancelled => {
                order.status_code = 2;
                order.payment_method = String::new();
                order.payment_account = String::new();
                order.outcome_description = "Cancelled by user".into();
            }
        }
        Some(())
    }

    fn order(&self, order_tracking_id: &str) -> Option<Order> {
        self.books().orders.get(order_tracking_id).cloned()
    }

    fn token_valid(&self, headers: &HeaderMap) -> bool {
        let given = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("");
        let now = now();
        self.books().tokens.get(given.trim()).is_some_and(|expires| *expires > now)
    }
}

/// The simulator's routes under `/sandbox/pesapal`, ready to merge into any router.
pub fn routes() -> Vec<(&'static str, MethodRouter<Arc<PesapalSimulator>>)> {
    vec![
        ("/sandbox/pesapal/api/Auth/RequestToken", post(request_token)),
        ("/sandbox/pesapal/api/URLSetup/RegisterIPN", post(register_ipn)),
        ("/sandbox/pesapal/api/Transactions/SubmitOrderRequest", post(submit_order)),
        ("/sandbox/pesapal/api/Transactions/GetTransactionStatus", get(transaction_status)),
        ("/sandbox/pesapal/pay/{order_tracking_id}", get(card_page).post(card_submit)),
    ]
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// A Pesapal refusal: `error` object and a string status.
fn refusal(http: StatusCode, status: &str, code: &str, message: &str) -> Response {
    (http, Json(json!({"error": {"error_type": "api_error", "code": code, "message": message}, "status": status}))).into_response()
}

fn invalid(code: &str, message: &str) -> Response {
    refusal(StatusCode::OK, "500", code, message)
}

fn unauthorised() -> Response {
    refusal(StatusCode::UNAUTHORIZED, "401", "invalid_api_token", "Unauthorized: the token is invalid or has expired")
}

fn json_body(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Value>(bytes).ok().filter(Value::is_object)
}

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).map(str::trim).unwrap_or("")
}

fn is_web_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// A uuid-looking random id, as Pesapal's tracking and IPN ids are.
fn new_id() -> String {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string()
}

/// Twelve random upper-case letters and digits.
fn confirmation_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..12).map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())])).collect()
}

/// `411111******1111`: the card's first six and last four digits.
fn mask(digits: &str) -> String {
    if digits.len() < 10 {
        return "*".repeat(digits.len());
    }
    format!("{}{}{}", &digits[..6], "*".repeat(digits.len() - 10), &digits[digits.len() - 4..])
}

async fn request_token(State(sim): State<Arc<PesapalSimulator>>, bytes: Bytes) -> Response {
    let body = json_body(&bytes).unwrap_or_default();
    let key_ok = crate::crypto::constant_time_eq(text(&body, "consumer_key"), sim.consumer_key.expose());
    let secret_ok = crate::crypto::constant_time_eq(text(&body, "consumer_secret"), sim.consumer_secret.expose());
    if !(key_ok && secret_ok) {
        return Json(json!({
            "token": null,
            "expiryDate": null,
            "error": {"error_type": "api_error", "code": "invalid_consumer_key_or_secret_provided", "message": "Invalid consumer_key or consumer_secret provided"},
            "status": "500",
            "message": null,
        }))
        .into_response();
    }
    let token = crate::crypto::new_token();
    let now = now();
    let expires = now + TOKEN_LIFETIME_SECS;
    {
        let mut books = sim.books();
        books.tokens.retain(|_, e| *e > now);
        books.tokens.insert(token.clone(), expires);
    }
    Json(json!({"token": token, "expiryDate": rfc3339(expires), "error": null, "status": "200", "message": "Request processed successfully"}))
        .into_response()
}

async fn register_ipn(State(sim): State<Arc<PesapalSimulator>>, headers: HeaderMap, bytes: Bytes) -> Response {
    if !sim.token_valid(&headers) {
        return unauthorised();
    }
    let Some(body) = json_body(&bytes) else { return invalid("invalid_request", "The request body is not a JSON object") };
    let url = text(&body, "url");
    if !is_web_url(url) {
        return invalid("invalid_ipn_url", "The IPN url must be an http(s) URL");
    }
    let method = match text(&body, "ipn_notification_type").to_ascii_uppercase().as_str() {
        "POST" => IpnMethod::Post,
        "GET" => IpnMethod::Get,
        _ => return invalid("invalid_ipn_notification_type", "ipn_notification_type must be GET or POST"),
    };
    let (ipn_id, ipn) = {
        let mut books = sim.books();
        // Registering the same URL again gives back the same id.
        let existing = books.ipns.iter().find(|(_, ipn)| ipn.url == url && ipn.method == method).map(|(id, ipn)| (id.clone(), ipn.clone()));
        existing.unwrap_or_else(|| {
            let registered = (new_id(), Ipn { url: url.to_owned(), method, created_at: now() });
            books.ipns.insert(registered.0.clone(), registered.1.clone());
            registered
        })
    };
    let (notification_type, description) = match ipn.method {
        IpnMethod::Post => (1, "POST"),
        IpnMethod::Get => (0, "GET"),
    };
    Json(json!({
        "url": ipn.url,
        "created_date": rfc3339(ipn.created_at),
        "ipn_id": ipn_id,
        "notification_type": notification_type,
        "ipn_notification_type_description": description,
        "ipn_status": 1,
        "ipn_status_description": "Active",
        "error": null,
        "status": "200",
    }))
    .into_response()
}

async fn submit_order(State(sim): State<Arc<PesapalSimulator>>, headers: HeaderMap, bytes: Bytes) -> Response {
    if !sim.token_valid(&headers) {
        return unauthorised();
    }
    let Some(body) = json_body(&bytes) else { return invalid("invalid_request", "The request body is not a JSON object") };
    let id = text(&body, "id");
    if id.is_empty() || id.chars().count() > MERCHANT_REFERENCE_MAX_CHARS {
        return invalid("invalid_merchant_reference", "id is required and may have at most 50 characters");
    }
    let currency = text(&body, "currency").to_ascii_uppercase();
    if !matches!(currency.as_str(), "KES" | "USD") {
        return invalid("invalid_currency", "currency must be KES or USD");
    }
    let amount = match body.get("amount") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    };
    if !(amount.is_finite() && amount > 0.0) {
        return invalid("invalid_amount", "amount must be greater than zero");
    }
    let description = text(&body, "description");
    if description.is_empty() || description.chars().count() > DESCRIPTION_MAX_CHARS {
        return invalid("invalid_description", "description is required and may have at most 100 characters");
    }
    let callback_url = text(&body, "callback_url");
    if !is_web_url(callback_url) {
        return invalid("invalid_callback_url", "callback_url must be an http(s) URL");
    }
    let notification_id = text(&body, "notification_id");
    let billing = body.get("billing_address").cloned().unwrap_or_default();
    let (email, phone) = (text(&billing, "email_address"), text(&billing, "phone_number"));
    if email.is_empty() && phone.is_empty() {
        return invalid("invalid_billing_address", "billing_address needs an email_address or a phone_number");
    }
    let order_tracking_id = new_id();
    {
        let mut books = sim.books();
        if !books.ipns.contains_key(notification_id) {
            return invalid("invalid_notification_id", "notification_id is not a registered IPN");
        }
        if books.orders.values().any(|o| o.merchant_reference == id) {
            return invalid("duplicate_merchant_reference", "An order with this id already exists");
        }
        books.orders.insert(
            order_tracking_id.clone(),
            Order {
                merchant_reference: id.to_owned(),
                amount,
                currency,
                description: description.to_owned(),
                callback_url: callback_url.to_owned(),
                notification_id: notification_id.to_owned(),
                email: email.to_owned(),
                phone: phone.to_owned(),
                first_name: text(&billing, "first_name").to_owned(),
                last_name: text(&billing, "last_name").to_owned(),
                status_code: 0,
                confirmation_code: None,
                payment_method: String::new(),
                payment_account: String::new(),
                outcome_description: String::new(),
                created_at: now(),
                paid_at: None,
            },
        );
    }
    Json(json!({
        "order_tracking_id": order_tracking_id,
        "merchant_reference": id,
        "redirect_url": format!("{}/pay/{order_tracking_id}", sim.base_url),
        "error": null,
        "status": "200",
    }))
    .into_response()
}

async fn transaction_status(State(sim): State<Arc<PesapalSimulator>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    if !sim.token_valid(&headers) {
        return unauthorised();
    }
    let query = query.unwrap_or_default();
    let tracking_id = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("orderTrackingId"))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    let Some(order) = sim.order(&tracking_id) else {
        return invalid("invalid_order_tracking_id", "No order was found for this orderTrackingId");
    };
    let call_back_url = return_url(&order.callback_url, &tracking_id, &order.merchant_reference, "CALLBACKURL");
    let mut answer = json!({
        "payment_method": order.payment_method,
        "amount": order.amount,
        "created_date": rfc3339(order.paid_at.unwrap_or(order.created_at)),
        "confirmation_code": order.confirmation_code.clone().unwrap_or_default(),
        "order_tracking_id": tracking_id,
        "payment_status_description": "",
        "description": order.outcome_description,
        "message": "Request processed successfully",
        "payment_account": order.payment_account,
        "call_back_url": call_back_url,
        "status_code": order.status_code,
        "merchant_reference": order.merchant_reference,
        "payment_status_code": "",
        "currency": order.currency,
        "error": {"error_type": null, "code": null, "message": null, "call_back_url": null},
        "status": "200",
    });
    answer["payment_status_description"] = json!(match order.status_code {
        1 => "Completed",
        2 => "Failed",
        3 => "Reversed",
        _ => "Pending",
    });
    if order.status_code == 0 {
        // Pesapal reports an order nobody has paid yet as an error on the status call.
        answer["description"] = json!("Pending Payment");
        answer["error"] = json!({"error_type": "api_error", "code": "payment_details_not_found", "message": "Pending Payment", "call_back_url": call_back_url});
        answer["status"] = json!("500");
    }
    Json(answer).into_response()
}

/// The callback URL with Pesapal's parameters appended.
fn return_url(callback_url: &str, tracking_id: &str, merchant_reference: &str, kind: &str) -> String {
    let pairs = [("OrderTrackingId", tracking_id), ("OrderMerchantReference", merchant_reference), ("OrderNotificationType", kind)];
    match url::Url::parse(callback_url) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.into()
        }
        Err(_) => {
            let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
            format!("{callback_url}{}{query}", if callback_url.contains('?') { '&' } else { '?' })
        }
    }
}

/// The card page's form.
#[derive(Debug, Deserialize)]
struct CardForm {
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    action: String,
}

async fn card_page(State(sim): State<Arc<PesapalSimulator>>, Path(tracking_id): Path<String>) -> Response {
    match sim.order(&tracking_id) {
        Some(order) => Html(card_page_html(&tracking_id, &order, &format_card(APPROVED_CARD), None)).into_response(),
        None => not_found(),
    }
}

async fn card_submit(State(sim): State<Arc<PesapalSimulator>>, Path(tracking_id): Path<String>, Form(form): Form<CardForm>) -> Response {
    let Some(order) = sim.order(&tracking_id) else { return not_found() };
    let back = return_url(&order.callback_url, &tracking_id, &order.merchant_reference, "CALLBACKURL");
    if order.status_code == 1 {
        return Redirect::to(&back).into_response();
    }
    let verdict = if form.action == "cancel" {
        Verdict::Cancelled
    } else {
        let digits: String = form.card_number.chars().filter(char::is_ascii_digit).collect();
        match TEST_CARDS.iter().find(|(number, _, _)| *number == digits) {
            Some(&(_, Card::Approved, _)) => Verdict::Approved { account: mask(&digits) },
            Some(&(_, Card::Declined(reason), _)) => Verdict::Declined { account: mask(&digits), reason },
            None => {
                let message = "Enter one of the test card numbers listed below";
                return (StatusCode::UNPROCESSABLE_ENTITY, Html(card_page_html(&tracking_id, &order, &form.card_number, Some(message))))
                    .into_response();
            }
        }
    };
    if sim.decide(&tracking_id, verdict).is_some() {
        let sim = sim.clone();
        let id = tracking_id.clone();
        tokio::spawn(async move { sim.send_ipn(&id).await });
    }
    Redirect::to(&back).into_response()
}

fn not_found() -> Response {
    let page = page("Order not found", "<h1 class=\"title\">Order not found</h1>\n<p>Pesapal has no order with this tracking id.</p>\n");
    (StatusCode::NOT_FOUND, Html(page)).into_response()
}

/// A whole page: our stylesheet, the sandbox note, the content. No inline style or
/// script (the portal's CSP forbids them).
fn page(title: &str, content: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} – Pesapal (sandbox)</title>\n<link rel=\"stylesheet\" href=\"/static/huduma.css\">\n</head>\n<body>\n\
         <div class=\"sandbox-banner\" role=\"note\"><strong>SANDBOX card page</strong> – this imitates Pesapal's hosted \
         checkout. No card is charged and no card number is kept; use a test card below.</div>\n\
         <div class=\"container\">\n<main id=\"main\">\n{content}</main>\n</div>\n</body>\n</html>\n",
        escape(title)
    )
}

fn card_page_html(tracking_id: &str, order: &Order, card_value: &str, error: Option<&str>) -> String {
    let amount = money(&order.currency, order.amount);
    let mut content = String::new();
    if let Some(message) = error {
        let _ = write!(
            content,
            "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\">\n<h2 class=\"error-summary__title\">There is a problem</h2>\n\
             <ul class=\"error-summary__list\"><li><a href=\"#card_number\">{}</a></li></ul>\n</div>\n",
            escape(message)
        );
    }
    content.push_str("<h1 class=\"title\">Pay by card</h1>\n<dl class=\"summary-list\">\n");
    let payer = format!("{} {}", order.first_name, order.last_name);
    let contact = [order.email.as_str(), order.phone.as_str()].into_iter().filter(|c| !c.is_empty()).collect::<Vec<_>>().join(", ");
    let rows = [
        ("Merchant reference", order.merchant_reference.as_str()),
        ("Description", &order.description),
        ("Amount", &amount),
        ("Payer", payer.trim()),
        ("Contact", &contact),
    ];
    for (key, value) in rows {
        let _ = writeln!(
            content,
            "<div class=\"summary-list__row\"><dt class=\"summary-list__key\">{key}</dt><dd class=\"summary-list__value\">{}</dd></div>",
            escape(value)
        );
    }
    content.push_str("</dl>\n");
    let back = return_url(&order.callback_url, tracking_id, &order.merchant_reference, "CALLBACKURL");
    match order.status_code {
        1 => {
            let _ = write!(
                content,
                "<div class=\"notice notice--success\" role=\"status\">This order has been paid. Confirmation code \
                 <strong class=\"reference\">{}</strong>.</div>\n<p><a href=\"{}\">Return to the merchant</a></p>\n",
                escape(order.confirmation_code.as_deref().unwrap_or("")),
                escape(&back)
            );
            return page("Order paid", &content);
        }
        2 => {
            let _ = writeln!(
                content,
                "<div class=\"notice notice--warning\" role=\"status\">The last attempt did not go through: {}. You can try again.</div>",
                escape(&order.outcome_description)
            );
        }
        _ => {}
    }
    let (field_class, described_by, error_html) = match error {
        Some(message) => (
            "field field--error",
            "card_number-hint card_number-error",
            format!(
                "<p class=\"error-message\" id=\"card_number-error\"><span class=\"visually-hidden\">Error:</span> {}</p>\n",
                escape(message)
            ),
        ),
        None => ("field", "card_number-hint", String::new()),
    };
    let _ = write!(
        content,
        "<form method=\"post\" action=\"{MOUNT}/pay/{}\" novalidate>\n<div class=\"{field_class}\">\n\
         <label class=\"label\" for=\"card_number\">Card number</label>\n\
         <div class=\"hint\" id=\"card_number-hint\">Use one of the test cards listed below.</div>\n{error_html}\
         <input class=\"input\" id=\"card_number\" name=\"card_number\" type=\"text\" inputmode=\"numeric\" autocomplete=\"cc-number\" \
         value=\"{}\" aria-describedby=\"{described_by}\">\n</div>\n<div class=\"btn-group\">\n\
         <button class=\"btn\" type=\"submit\" name=\"action\" value=\"pay\">Pay {}</button>\n\
         <button class=\"btn btn--secondary\" type=\"submit\" name=\"action\" value=\"cancel\">Cancel</button>\n</div>\n</form>\n",
        escape(tracking_id),
        escape(card_value),
        escape(&amount)
    );
    content.push_str(
        "<h2>Test cards</h2>\n<div class=\"table-wrap\">\n<table class=\"table\">\n<thead><tr><th scope=\"col\">Card number</th>\
         <th scope=\"col\">What happens</th></tr></thead>\n<tbody>\n",
    );
    for (number, _, effect) in TEST_CARDS {
        let _ = writeln!(content, "<tr><td>{}</td><td>{effect}</td></tr>", format_card(number));
    }
    content.push_str("</tbody>\n</table>\n</div>\n");
    let title = if error.is_some() { "Error: Pay by card" } else { "Pay by card" };
    page(title, &content)
}

/// `4111 1111 1111 1111`.
fn format_card(digits: &str) -> String {
    digits.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// `KES 1,050.00`.
fn money(currency: &str, amount: f64) -> String {
    let fixed = format!("{amount:.2}");
    let (whole, cents) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 && c.is_ascii_digit() {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{currency} {grouped}.{cents}")
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::integrations::pesapal::{CardOutcome, OrderRequest, Pesapal, PesapalConfig, PesapalError};
    use crate::secret::Secret;

    type Received = Arc<Mutex<Vec<Value>>>;

    /// The simulator on a real port, with an IPN receiver next to it.
    async fn start() -> (Arc<PesapalSimulator>, String, Received) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let sim = PesapalSimulator::new("key".into(), "secret".into(), format!("{origin}{MOUNT}"));
        let received: Received = Arc::default();
        let ipn = axum::Router::new()
            .route(
                "/ipn",
                post(|State(r): State<Received>, Json(body): Json<Value>| async move {
                    r.lock().unwrap().push(body);
                    "ok"
                }),
            )
            .with_state(received.clone());
        let app = routes().into_iter().fold(ipn, |app, (path, methods)| app.route(path, methods.with_state(sim.clone())));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (sim, origin, received)
    }

    fn client(origin: &str, secret: &str) -> Pesapal {
        Pesapal::new(PesapalConfig {
            base_url: format!("{origin}{MOUNT}/"),
            consumer_key: Secret::new("key"),
            consumer_secret: Secret::new(secret),
        })
        .unwrap()
    }

    fn order(id: &str, ipn_id: &str, origin: &str) -> OrderRequest {
        OrderRequest {
            id: id.into(),
            currency: "KES".into(),
            amount: 1050.0,
            description: "Passport fee <A34>".into(),
            callback_url: format!("{origin}/payments/7?from=card"),
            notification_id: ipn_id.into(),
            email: String::new(),
            phone: "254712345678".into(),
            first_name: "Wanjiku".into(),
            last_name: "Kamau".into(),
        }
    }

    #[tokio::test]
    async fn pays_by_card_through_the_hosted_page() {
        let (sim, origin, received) = start().await;
        let pesapal = client(&origin, "secret");
        let now = now();
        let ipn_id = pesapal.register_ipn(&format!("{origin}/ipn"), now).await.unwrap();
        assert_eq!(pesapal.register_ipn(&format!("{origin}/ipn"), now).await.unwrap(), ipn_id, "same URL, same id");
        let submitted = pesapal.submit_order(&order("ATT-1", &ipn_id, &origin), now).await.unwrap();
        assert_eq!(submitted.merchant_reference, "ATT-1");
        assert_eq!(submitted.redirect_url, format!("{origin}{MOUNT}/pay/{}", submitted.order_tracking_id));

        let pending = pesapal.transaction_status(&submitted.order_tracking_id, now).await.unwrap();
        assert_eq!((pending.outcome(), pending.status_code), (CardOutcome::Pending, 0));

        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = browser.get(&submitted.redirect_url).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("SANDBOX card page") && page.contains("ATT-1") && page.contains("KES 1,050.00"));
        assert!(page.contains("Passport fee &lt;A34&gt;") && page.contains("value=\"4111 1111 1111 1111\""));
        assert!(!page.contains("<script") && !page.contains("style="), "the CSP forbids inline script and style");

        let wrong = browser.post(&submitted.redirect_url).form(&[("card_number", "1234"), ("action", "pay")]).send().await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let paid =
            browser.post(&submitted.redirect_url).form(&[("card_number", "4111 1111 1111 1111"), ("action", "pay")]).send().await.unwrap();
        assert_eq!(paid.status(), StatusCode::SEE_OTHER);
        let location = paid.headers()["location"].to_str().unwrap();
        assert_eq!(
            location,
            format!(
                "{origin}/payments/7?from=card&OrderTrackingId={}&OrderMerchantReference=ATT-1&OrderNotificationType=CALLBACKURL",
                submitted.order_tracking_id
            )
        );

        let status = pesapal.transaction_status(&submitted.order_tracking_id, now).await.unwrap();
        assert_eq!(
            (status.outcome(), status.amount_minor(), status.payment_method.as_str()),
            (CardOutcome::Completed, Some(105_000), "Visa")
        );
        assert_eq!(status.payment_account, "411111******1111");
        assert!(
            status.confirmation_code.len() == 12 && status.confirmation_code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );

        for _ in 0..100 {
            if !received.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            received.lock().unwrap().first(),
            Some(
                &json!({"OrderTrackingId": submitted.order_tracking_id, "OrderMerchantReference": "ATT-1", "OrderNotificationType": "IPNCHANGE"})
            )
        );
        assert!(sim.pay_for_tests(&submitted.order_tracking_id, false).is_none(), "a paid order stays paid");
    }

    fn refused<T: std::fmt::Debug>(result: Result<T, PesapalError>) -> String {
        match result {
            Err(PesapalError::Refused { code, .. }) => code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn declines_cancels_and_refuses() {
        let (sim, origin, received) = start().await;
        let now = now();
        match client(&origin, "wrong").register_ipn("http://x/ipn", now).await {
            Err(PesapalError::Refused { code, .. }) => assert_eq!(code, "invalid_consumer_key_or_secret_provided"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let pesapal = client(&origin, "secret");
        let ipn_id = pesapal.register_ipn(&format!("{origin}/ipn"), now).await.unwrap();
        let first = pesapal.submit_order(&order("ATT-2", &ipn_id, &origin), now).await.unwrap();
        assert_eq!(refused(pesapal.submit_order(&order("ATT-2", &ipn_id, &origin), now).await), "duplicate_merchant_reference");
        assert_eq!(refused(pesapal.submit_order(&order("ATT-3", "nope", &origin), now).await), "invalid_notification_id");
        let free = OrderRequest { amount: 0.0, ..order("ATT-4", &ipn_id, &origin) };
        assert_eq!(refused(pesapal.submit_order(&free, now).await), "invalid_amount");
        let anonymous = OrderRequest { phone: String::new(), ..order("ATT-5", &ipn_id, &origin) };
        assert_eq!(refused(pesapal.submit_order(&anonymous, now).await), "invalid_billing_address");

        assert_eq!(sim.pay_for_tests(&first.order_tracking_id, false), Some(format!("{origin}/ipn")));
        sim.send_ipn(&first.order_tracking_id).await;
        assert_eq!(received.lock().unwrap().len(), 1);
        let declined = pesapal.transaction_status(&first.order_tracking_id, now).await.unwrap();
        assert_eq!((declined.outcome(), declined.description.as_str()), (CardOutcome::Failed, "Insufficient funds"));

        let second = pesapal.submit_order(&order("ATT-6", &ipn_id, &origin), now).await.unwrap();
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let cancelled = browser.post(&second.redirect_url).form(&[("card_number", ""), ("action", "cancel")]).send().await.unwrap();
        assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
        let status = pesapal.transaction_status(&second.order_tracking_id, now).await.unwrap();
        assert_eq!(
            (status.outcome(), status.description.as_str(), status.payment_account.as_str()),
            (CardOutcome::Failed, "Cancelled by user", "")
        );
        assert!(refused(pesapal.transaction_status("unknown", now).await).contains("order_tracking_id"));
    }

    #[tokio::test]
    async fn tokens_are_required_and_renewed() {
        let (sim, origin, _) = start().await;
        let raw = reqwest::Client::new()
            .post(format!("{origin}{MOUNT}/api/URLSetup/RegisterIPN"))
            .bearer_auth("made-up")
            .json(&json!({"url": "http://x/ipn", "ipn_notification_type": "POST"}))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(raw.json::<Value>().await.unwrap()["status"], "401");

        let pesapal = client(&origin, "secret");
        let now = now();
        pesapal.register_ipn(&format!("{origin}/ipn"), now).await.unwrap();
        // Pesapal forgets the token: the client notices, fetches another and carries on.
        sim.books().tokens.clear();
        pesapal.register_ipn(&format!("{origin}/ipn"), now).await.unwrap();
        assert_eq!(sim.books().tokens.len(), 1);
        // Less than 30 s left on our clock: a new token.
        pesapal.register_ipn(&format!("{origin}/ipn"), now + 271).await.unwrap();
        assert_eq!(sim.books().tokens.len(), 2);
    }

    #[test]
    fn formats_and_masks() {
        assert_eq!(money("KES", 1_234_567.5), "KES 1,234,567.50");
        assert_eq!(money("USD", 5.0), "USD 5.00");
        assert_eq!(mask("4111111111111111"), "411111******1111");
        assert_eq!(
            return_url("https://h/cb?x=1#top", "t 1", "A&B", "CALLBACKURL"),
            "https://h/cb?x=1&OrderTrackingId=t+1&OrderMerchantReference=A%26B&OrderNotificationType=CALLBACKURL#top"
        );
        assert_eq!(
            return_url("https://h/cb", "t", "r", "CALLBACKURL"),
            "https://h/cb?OrderTrackingId=t&OrderMerchantReference=r&OrderNotificationType=CALLBACKURL"
        );
    }
}

//! Agency systems billing through the Pesaflow-compatible checkout API: signed bills,
//! idempotence on billRefNumber, payment on the checkout page or by an immediate STK push,
//! the status query, and signed IPNs retried until the agency's server answers.

use crate::both_databases;
use crate::helpers::*;
use huduma::services::checkout::{ipn, signature};
use huduma::store::checkout::{ApiClientRow, insert_client};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "agency-hmac-key";
const SECRET: &str = "agency-secret";

async fn register_client(t: &TestApp) {
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    let client = ApiClientRow {
        id: huduma_domain::ApiClientId::parse("NTS").expect("an id"),
        name: "TIMS".into(),
        agency: "ntsa".into(),
        api_key: KEY.into(),
        secret: SECRET.into(),
    };
    insert_client(&mut conn, &client, &[("10001".into(), "motor-vehicle-transfer".into())], t.app.clock.now()).await.expect("client");
}

/// An agency's IPN receiver that can be down (HTTP 503) or up.
struct Receiver {
    url: String,
    /// `127.0.0.1:port`, for HUDUMA_NOTIFY_ALLOWED_HOSTS.
    authority: String,
    up: Arc<AtomicBool>,
    received: Arc<Mutex<Vec<Value>>>,
}

async fn receiver() -> Receiver {
    let up = Arc::new(AtomicBool::new(false));
    let received = Arc::new(Mutex::new(Vec::new()));
    let (u, r) = (up.clone(), received.clone());
    let app = axum::Router::new().route(
        "/ipn",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let (u, r) = (u.clone(), r.clone());
            async move {
                if !u.load(Ordering::SeqCst) {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                r.lock().expect("lock").push(body);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let authority = listener.local_addr().expect("addr").to_string();
    let url = format!("http://{authority}/ipn");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, authority, up, received }
}

fn bill(bill_ref: &str, notification_url: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let fields = [
        ("amountExpected", "1050.00"),
        ("serviceID", "10001"),
        ("clientIDNumber", "12345678"),
        ("currency", "KES"),
        ("billDesc", "Motor vehicle transfer"),
        ("clientName", "Wanjiku Kamau"),
    ];
    let hash = signature::sign(
        KEY,
        &signature::checkout_data(
            "NTS",
            "1050.00",
            "10001",
            "12345678",
            "KES",
            bill_ref,
            "Motor vehicle transfer",
            "Wanjiku Kamau",
            SECRET,
        ),
    );
    let mut form: Vec<(String, String)> = fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    form.extend([
        ("apiClientID".to_owned(), "NTS".to_owned()),
        ("billRefNumber".to_owned(), bill_ref.to_owned()),
        ("clientMSISDN".to_owned(), "254708374149".to_owned()),
        ("clientEmail".to_owned(), "wanjiku@example.com".to_owned()),
        ("callBackURLOnSuccess".to_owned(), "https://tims.example/done".to_owned()),
        ("notificationURL".to_owned(), notification_url.to_owned()),
        ("format".to_owned(), "json".to_owned()),
        ("secureHash".to_owned(), hash),
    ]);
    form.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    form
}

async fn post_bill(t: &TestApp, form: &[(String, String)]) -> (u16, Value) {
    let response = reqwest::Client::new().post(t.url("/PaymentAPI/iframev2.1.php")).form(form).send().await.expect("post");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn status(t: &TestApp, bill_ref: &str) -> Value {
    let hash = signature::sign(KEY, &signature::status_data("NTS", bill_ref));
    let response = reqwest::Client::new()
        .get(t.url(&format!(
            "/api/invoice/payment/status?{}",
            serde_urlencoded::to_string([("api_client_id", "NTS"), ("ref_no", bill_ref), ("secure_hash", hash.as_str())]).expect("query")
        )))
        .send()
        .await
        .expect("status");
    response.json().await.expect("json")
}

/// IPN deliveries that have failed at least once.
async fn count_failed_tries(t: &TestApp) -> i64 {
    use sqlx::Row;
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    sqlx::query("SELECT COUNT(*) FROM outbox WHERE kind = 'ipn' AND last_error IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
        .expect("count")
        .try_get::<i64, _>(0)
        .expect("n")
}

/// The portal, with an agency's receiver on this machine allowed as a notification target.
async fn spawn_allowing(backend: Backend, agency: &Receiver) -> TestApp {
    let allowed = agency.authority.clone();
    crate::payments::spawn_configured(backend, move |s| s.notify_allowed_hosts = Some(allowed)).await
}

async fn an_agency_bill_is_paid_and_the_agency_notified_once_it_is_up(backend: Backend) {
    let agency = receiver().await;
    let t = spawn_allowing(backend, &agency).await;
    register_client(&t).await;
    let (code, created) = post_bill(&t, &bill("TIMS-MVR-10374947", &agency.url, &[])).await;
    assert_eq!(code, 200, "a new bill is answered 200, as Pesaflow does: {created}");
    assert_eq!(
        (created["commission"].as_str(), created["amount_net"].as_str(), created["amount_expected"].as_str()),
        (Some("50.00"), Some("1000.00"), Some("1050.00"))
    );
    let number = created["invoice_number"].as_str().expect("number").to_owned();
    assert!(created["invoice_link"].as_str().unwrap_or("").ends_with(&format!("/checkout/{number}")));
    // The same billRefNumber again: the same invoice, not a second one.
    let (code, again) = post_bill(&t, &bill("TIMS-MVR-10374947", &agency.url, &[])).await;
    assert_eq!((code, again["invoice_number"].as_str()), (200, Some(number.as_str())));
    assert_eq!(status(&t, "TIMS-MVR-10374947").await["status"], "pending");
    // The citizen pays on the checkout page, without an account.
    let payer = TestApp { client: new_client(), ..t };
    let (code, page) = payer.get(&format!("/checkout/{number}")).await;
    assert_eq!(code, 200);
    assert!(page.contains("Motor vehicle transfer") && page.contains("KES 1,050"), "{page}");
    assert!(page.contains("07•• ••• 149") && !page.contains("708374149"), "the payer's number only masked on a public page: {page}");
    // An empty field pays from the number the agency gave.
    let (code, url, waiting) = payer.submit(&format!("/checkout/{number}"), &format!("/checkout/{number}/mpesa"), &[("phone", "")]).await;
    assert_eq!(code, 200);
    assert!(url.starts_with(&format!("/checkout/{number}/attempts/")));
    assert!(!waiting.contains("708374149"), "the waiting page masks it too: {waiting}");
    let mut settled = Value::Null;
    for _ in 0..50 {
        settled = status(&payer, "TIMS-MVR-10374947").await;
        if settled["status"] == "settled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!((settled["status"].as_str(), settled["amount_paid"].as_str()), (Some("settled"), Some("1050.00")), "{settled}");
    // The agency's server is down: the IPN waits and is retried.
    for _ in 0..50 {
        huduma::jobs::outbox_worker::run_due(&payer.app).await.expect("outbox");
        if count_failed_tries(&payer).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(agency.received.lock().expect("lock").is_empty());
    agency.up.store(true, Ordering::SeqCst);
    huduma::jobs::outbox_worker::run_due(&payer.app).await.expect("outbox");
    assert!(agency.received.lock().expect("lock").is_empty(), "not before its retry time");
    payer.app.clock.advance(61);
    // The in-process worker may be the one that delivers it: wait for whoever does.
    for _ in 0..50 {
        huduma::jobs::outbox_worker::run_due(&payer.app).await.expect("outbox");
        if !agency.received.lock().expect("lock").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ipns = agency.received.lock().expect("lock").clone();
    assert_eq!(ipns.len(), 1, "delivered once the agency is back: {ipns:?}");
    let ipn = &ipns[0];
    assert_eq!(
        (ipn["status"].as_str(), ipn["client_invoice_ref"].as_str(), ipn["amount_paid"].as_str()),
        (Some("settled"), Some("TIMS-MVR-10374947"), Some("1050.00"))
    );
    let data = signature::ipn_data("TIMS-MVR-10374947", &number, "1050.00", ipn["payment_date"].as_str().expect("date"), SECRET);
    assert_eq!(settled["payment_date"], ipn["payment_date"], "the status query writes dates as the IPN does");
    assert!(signature::verify(KEY, &data, ipn["secure_hash"].as_str().expect("hash")), "the IPN is signed as the SDKs verify it");
    huduma::jobs::outbox_worker::run_due(&payer.app).await.expect("outbox");
    assert_eq!(agency.received.lock().expect("lock").len(), 1, "and not again");
    let (_, page) = payer.get(&format!("/checkout/{number}")).await;
    assert!(page.contains("This bill is paid"));
}

async fn bills_are_refused_clearly(backend: Backend) {
    let t = spawn(backend).await;
    register_client(&t).await;
    let mut forged = bill("REF-1", "https://tims.example/ipn", &[]);
    if let Some(hash) = forged.iter_mut().find(|(k, _)| k == "secureHash") {
        hash.1 = signature::sign("not-the-key", "x");
    }
    let (code, body) = post_bill(&t, &forged).await;
    assert_eq!(code, 401, "{body}");
    assert!(body["message"].as_str().unwrap_or("").contains("secureHash"));
    assert_eq!((body["status"].as_str(), body["code"].as_str()), (Some("error"), Some("checkout.bad_signature")), "{body}");
    let mut misspelt = bill("REF-2", "https://tims.example/ipn", &[]);
    for field in &mut misspelt {
        if field.0 == "callBackURLOnSuccess" {
            field.0 = "callBackURLONSuccess".into();
        }
    }
    let (code, body) = post_bill(&t, &misspelt).await;
    assert_eq!(code, 400);
    assert!(body["message"].as_str().unwrap_or("").contains("callBackURLONSuccess"), "{body}");
    let mut unknown = bill("REF-3", "https://tims.example/ipn", &[]);
    for field in &mut unknown {
        if field.0 == "apiClientID" {
            field.1 = "XYZ".into();
        }
    }
    assert_eq!(post_bill(&t, &unknown).await.0, 401);
    let hash = signature::sign(KEY, &signature::status_data("NTS", "REF-1"));
    let wrong = reqwest::Client::new()
        .get(t.url(&format!(
            "/api/invoice/payment/status?{}",
            serde_urlencoded::to_string([("api_client_id", "NTS"), ("ref_no", "REF-9"), ("secure_hash", hash.as_str())]).expect("query")
        )))
        .send()
        .await
        .expect("status");
    assert_eq!(wrong.status().as_u16(), 401, "a hash for another reference is refused");
    let body: Value = wrong.json().await.expect("the error shape");
    assert_eq!(body["code"], "checkout.status_bad_signature");
    // A query without its parameters gets the same error shape, not a plain-text rejection.
    let missing = reqwest::Client::new().get(t.url("/api/invoice/payment/status?api_client_id=NTS")).send().await.expect("status");
    assert_eq!(missing.status().as_u16(), 400);
    let body: Value = missing.json().await.expect("JSON, not text");
    assert_eq!((body["status"].as_str(), body["code"].as_str()), (Some("error"), Some("checkout.status_query")), "{body}");
    // A correctly signed query for a bill that does not exist.
    let hash = signature::sign(KEY, &signature::status_data("NTS", "REF-404"));
    let unknown = reqwest::Client::new()
        .get(t.url(&format!(
            "/api/invoice/payment/status?{}",
            serde_urlencoded::to_string([("api_client_id", "NTS"), ("ref_no", "REF-404"), ("secure_hash", hash.as_str())]).expect("query")
        )))
        .send()
        .await
        .expect("status");
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(unknown.json::<Value>().await.expect("json")["code"], "checkout.unknown_bill");
}

async fn send_stk_pushes_the_prompt_at_once(backend: Backend) {
    let t = spawn(backend).await;
    register_client(&t).await;
    let (code, created) = post_bill(&t, &bill("REF-STK", "https://tims.example/ipn", &[("sendSTK", "true")])).await;
    assert_eq!(code, 200, "{created}");
    let mut last = Value::Null;
    for _ in 0..50 {
        last = status(&t, "REF-STK").await;
        if last["status"] == "settled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["status"], "settled", "{last}");
}

both_databases!(
    an_agency_bill_is_paid_and_the_agency_notified_once_it_is_up,
    bills_are_refused_clearly,
    send_stk_pushes_the_prompt_at_once
);

/// `form` with `field` set to `value`, the signature left as it was.
fn with_field(mut form: Vec<(String, String)>, field: &str, value: &str) -> Vec<(String, String)> {
    if let Some(entry) = form.iter_mut().find(|(k, _)| k == field) {
        entry.1 = value.to_owned();
    }
    form
}

async fn bill_count(t: &TestApp) -> i64 {
    use sqlx::Row;
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    sqlx::query("SELECT COUNT(*) FROM checkout_bills").fetch_one(&mut *conn).await.expect("count").try_get::<i64, _>(0).expect("n")
}

async fn one_signed_form_makes_one_bill(backend: Backend) {
    let t = spawn(backend).await;
    register_client(&t).await;
    let signed = bill("TIMS-1", "https://tims.example/ipn", &[]);
    let (code, first) = post_bill(&t, &signed).await;
    assert!((200..300).contains(&code), "{first}");
    // The signed string is apiClientID+…+billRefNumber+billDesc+clientName+secret with no
    // separators: moving the boundary keeps the secureHash valid.
    for (bill_ref, desc) in [("TIMS-1M", "otor vehicle transfer"), ("TIMS-", "1Motor vehicle transfer")] {
        let shifted = with_field(with_field(signed.clone(), "billRefNumber", bill_ref), "billDesc", desc);
        let (code, body) = post_bill(&t, &shifted).await;
        assert_eq!((code, body["code"].as_str()), (409, Some("checkout.signature_reused")), "{bill_ref}: {body}");
        assert!(body["message"].as_str().unwrap_or("").contains("TIMS-1"), "{body}");
    }
    // Shifted between billDesc and clientName under the same billRefNumber: that bill, unchanged.
    let shifted = with_field(with_field(signed.clone(), "billDesc", "Motor vehicle transferWanjiku"), "clientName", " Kamau");
    let (code, again) = post_bill(&t, &shifted).await;
    assert_eq!(again["invoice_number"].as_str(), first["invoice_number"].as_str(), "{code}");
    // Fixed-format fields are read strictly, so their boundaries cannot move at all.
    let shifted = with_field(with_field(signed.clone(), "amountExpected", "1050.001"), "serviceID", "0001");
    assert_eq!(post_bill(&t, &shifted).await.0, 400);
    assert_eq!(bill_count(&t).await, 1, "one signed form, one bill");
    // The genuine form again is the same bill (idempotent), not a conflict.
    assert!((200..300).contains(&post_bill(&t, &signed).await.0));
}

async fn the_iframe_format_answers_with_the_checkout_page(backend: Backend) {
    let t = spawn(backend).await;
    register_client(&t).await;
    let form = bill("REF-IFRAME", "https://tims.example/ipn", &[]);
    let form = with_field(form, "format", "iframe");
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(t.url("/PaymentAPI/iframev2.1.php"))
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 200, "the page itself, not a redirect");
    assert!(response.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
    let page = response.text().await.expect("page");
    assert!(page.contains("Motor vehicle transfer") && page.contains("/mpesa\""), "{page}");
}

async fn notification_urls_cannot_reach_internal_addresses(backend: Backend) {
    let agency = receiver().await;
    agency.up.store(true, Ordering::SeqCst);
    // Not listed in HUDUMA_NOTIFY_ALLOWED_HOSTS.
    let t = spawn(backend).await;
    register_client(&t).await;
    let local = agency.url.replace("127.0.0.1", "localhost");
    let internal = [
        "http://10.0.0.1/ipn",
        "http://192.168.1.1/ipn",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/ipn",
        "http://[::1]/ipn",
        "http://[::ffff:127.0.0.1]/ipn",
        "http://[fd00::1]/ipn",
        agency.url.as_str(),
        local.as_str(),
    ];
    for (i, url) in internal.iter().enumerate() {
        let (code, body) = post_bill(&t, &bill(&format!("REF-SSRF-{i}"), url, &[])).await;
        assert_eq!((code, body["code"].as_str()), (400, Some("checkout.notification_private")), "{url}: {body}");
    }
    assert_eq!(bill_count(&t).await, 0);
    // Delivery checks again, before connecting: a URL that got past creation (stored before
    // the rule, or a name that now resolves inside) is never posted to.
    for url in internal {
        let job = ipn::IpnJob { url: url.to_owned(), body: serde_json::json!({"status": "settled"}) };
        let outcome = ipn::deliver(&t.app, &job).await;
        assert!(matches!(outcome, Err(ipn::DeliveryError::Refused(_))), "{url}: {outcome:?}");
    }
    assert!(agency.received.lock().expect("lock").is_empty(), "nothing reached the loopback receiver");
}

async fn ipn_redirects_are_not_followed(backend: Backend) {
    let agency = receiver().await;
    agency.up.store(true, Ordering::SeqCst);
    // A listed receiver that redirects to another port on this machine, which is not listed.
    let target = agency.url.clone();
    let redirecting = axum::Router::new().route(
        "/ipn",
        axum::routing::post(move || {
            let target = target.clone();
            async move { axum::response::Redirect::temporary(&target) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let authority = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move { axum::serve(listener, redirecting).await });
    let allowed = authority.clone();
    let t = crate::payments::spawn_configured(backend, move |s| s.notify_allowed_hosts = Some(allowed)).await;
    let job = ipn::IpnJob { url: format!("http://{authority}/ipn"), body: serde_json::json!({"status": "settled"}) };
    let outcome = ipn::deliver(&t.app, &job).await;
    assert!(matches!(&outcome, Err(ipn::DeliveryError::Failed(why)) if why.contains("307")), "{outcome:?}");
    assert!(agency.received.lock().expect("lock").is_empty(), "the redirect's target was never posted to");
}

async fn checkout_pages_cannot_be_guessed(backend: Backend) {
    let t = spawn(backend).await;
    register_client(&t).await;
    let (_, created) = post_bill(&t, &bill("REF-GUESS", "https://tims.example/ipn", &[])).await;
    let number = created["invoice_number"].as_str().expect("number").to_owned();
    let guesser = new_client();
    for i in 0..20 {
        let response = guesser.get(t.url(&format!("/checkout/GUESS{i:02}"))).send().await.expect("get");
        assert_eq!(response.status().as_u16(), 404);
    }
    let response = guesser.get(t.url("/checkout/GUESS99")).send().await.expect("get");
    assert_eq!(response.status().as_u16(), 429, "too many invoice numbers without a page");
    assert!(response.headers().get("retry-after").is_some());
    let response = guesser.get(t.url(&format!("/checkout/{number}"))).send().await.expect("get");
    assert_eq!(response.status().as_u16(), 429, "and a hit is not confirmed either until the window ends");
    assert!(!response.text().await.unwrap_or_default().contains("Motor vehicle transfer"));
}

async fn prompts_to_one_phone_are_limited(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = crate::payments::awaiting_payment(&t, &token).await;
    for _ in 0..5 {
        crate::payments::pay(&t, &token, &id, "254700000999").await;
    }
    // The same phone written another way is the same phone.
    let response = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/applications/{id}/payments/mpesa")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"phone": "0700 000 999"}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some());
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    // From a public checkout page too: the phone's limit holds whoever asks.
    register_client(&t).await;
    // clientMSISDN is not signed: the form stays valid.
    let form = with_field(bill("REF-FLOOD", "https://tims.example/ipn", &[]), "clientMSISDN", "254700000999");
    let (_, created) = post_bill(&t, &form).await;
    let number = created["invoice_number"].as_str().expect("number").to_owned();
    let payer = TestApp { client: new_client(), ..t };
    let (code, _, page) = payer.submit(&format!("/checkout/{number}"), &format!("/checkout/{number}/mpesa"), &[("phone", "")]).await;
    assert_eq!(code, 429, "{page}");
}

both_databases!(
    one_signed_form_makes_one_bill,
    the_iframe_format_answers_with_the_checkout_page,
    notification_urls_cannot_reach_internal_addresses,
    ipn_redirects_are_not_followed,
    checkout_pages_cannot_be_guessed,
    prompts_to_one_phone_are_limited,
);

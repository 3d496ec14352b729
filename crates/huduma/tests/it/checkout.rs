//! Agency systems billing through the Pesaflow-compatible checkout API: signed bills,
//! idempotence on billRefNumber, payment on the checkout page or by an immediate STK push,
//! the status query, and signed IPNs retried until the agency's server answers.

use crate::both_databases;
use crate::helpers::*;
use huduma::services::checkout::signature;
use huduma::store::checkout::{ApiClientRow, insert_client};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "agency-hmac-key";
const SECRET: &str = "agency-secret";

async fn register_client(t: &TestApp) {
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    let client = ApiClientRow { id: "NTS".into(), name: "TIMS".into(), agency: "ntsa".into(), api_key: KEY.into(), secret: SECRET.into() };
    insert_client(&mut conn, &client, &[("10001".into(), "motor-vehicle-transfer".into())], t.app.clock.now()).await.expect("client");
}

/// An agency's IPN receiver that can be down (HTTP 503) or up.
struct Receiver {
    url: String,
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
    let url = format!("http://{}/ipn", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, up, received }
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

async fn an_agency_bill_is_paid_and_the_agency_notified_once_it_is_up(backend: Backend) {
    let t = spawn(backend).await;
    register_client(&t).await;
    let agency = receiver().await;
    let (code, created) = post_bill(&t, &bill("TIMS-MVR-10374947", &agency.url, &[])).await;
    assert_eq!(code, 201, "{created}");
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
    assert!(page.contains("Motor vehicle transfer") && page.contains("KES 1,050") && page.contains("value=\"0708374149\""), "{page}");
    let (code, url, _) =
        payer.submit(&format!("/checkout/{number}"), &format!("/checkout/{number}/mpesa"), &[("phone", "0708374149")]).await;
    assert_eq!(code, 200);
    assert!(url.starts_with(&format!("/checkout/{number}/attempts/")));
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
}

async fn send_stk_pushes_the_prompt_at_once(backend: Backend) {
    let t = spawn(backend).await;
    register_client(&t).await;
    let (code, created) = post_bill(&t, &bill("REF-STK", "https://tims.example/ipn", &[("sendSTK", "true")])).await;
    assert_eq!(code, 201, "{created}");
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

//! Confirm-by-query from the outbox: an STK callback that says "paid" is stored and
//! answered at once, even while Daraja's status query is down; it settles once the query
//! agrees, and a duplicate never settles twice. Daraja here is a double on a local port
//! whose status query can be switched from "down" to "paid".

use crate::both_databases;
use crate::helpers::*;
use crate::payments::{awaiting_payment, pay, spawn_configured};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use sqlx::Row;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

both_databases!(a_paid_callback_is_kept_while_the_query_is_down_and_settles_once_it_agrees);

/// The Daraja double's state.
#[derive(Default)]
struct Double {
    /// Whether the status query answers "paid" (otherwise it fails with HTTP 503).
    query_up: AtomicBool,
    /// Status queries received.
    queries: AtomicU64,
    /// STK pushes accepted.
    pushes: AtomicU64,
}

async fn daraja_double() -> (String, Arc<Double>) {
    let double = Arc::new(Double::default());
    let router = axum::Router::new()
        .route("/oauth/v1/generate", get(|| async { Json(json!({"access_token": "double", "expires_in": "3599"})) }))
        .route(
            "/mpesa/stkpush/v1/processrequest",
            post(|State(d): State<Arc<Double>>| async move {
                let n = d.pushes.fetch_add(1, Ordering::SeqCst);
                Json(json!({"MerchantRequestID": format!("m-{n}"), "CheckoutRequestID": format!("ws_CO_DOUBLE_{n}"),
                    "ResponseCode": "0", "ResponseDescription": "Success. Request accepted for processing", "CustomerMessage": "Success"}))
            }),
        )
        .route(
            "/mpesa/stkpushquery/v1/query",
            post(|State(d): State<Arc<Double>>, Json(body): Json<Value>| async move {
                d.queries.fetch_add(1, Ordering::SeqCst);
                if !d.query_up.load(Ordering::SeqCst) {
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
                let response: Response =
                    Json(json!({"ResponseCode": "0", "ResponseDescription": "The service request has been accepted successsfully",
                    "MerchantRequestID": "m", "CheckoutRequestID": body["CheckoutRequestID"], "ResultCode": "0",
                    "ResultDesc": "The service request is processed successfully."}))
                    .into_response();
                response
            }),
        )
        .route("/mpesa/c2b/v1/registerurl", post(|| async { Json(json!({"ResponseCode": "0", "ResponseDescription": "success"})) }))
        .with_state(double.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the double");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("double serves") });
    (format!("http://{addr}"), double)
}

async fn number(t: &TestApp, sql: &str) -> i64 {
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut *conn).await.expect("count").try_get(0).expect("number")
}

async fn text(t: &TestApp, sql: &str) -> Option<String> {
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&mut *conn).await.expect("row").try_get(0).expect("text")
}

/// Waits (up to 10 s) until `sql` counts at least one row.
async fn eventually(t: &TestApp, sql: &str) {
    for _ in 0..100 {
        if number(t, sql).await > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never true: {sql}");
}

async fn a_paid_callback_is_kept_while_the_query_is_down_and_settles_once_it_agrees(backend: Backend) {
    let (daraja, double) = daraja_double().await;
    let t = spawn_configured(backend, |s| {
        s.daraja_base_url = Some(daraja);
        s.daraja_confirm_by_query = Some(true);
        // The reconciler's own query must not settle first: this test is about the job.
        s.reconcile_seconds = Some(3600);
    })
    .await;
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    let attempt = pay(&t, &token, &id, "254712345678").await;
    let attempt_id = attempt["id"].as_str().expect("id").to_owned();
    let (checkout, amount_minor) = {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        let row = sqlx::query("SELECT checkout_request_id, amount_minor FROM payment_attempts WHERE id = $1")
            .bind(attempt_id.clone())
            .fetch_one(&mut *conn)
            .await
            .expect("attempt");
        (row.try_get::<String, _>(0).expect("checkout"), row.try_get::<i64, _>(1).expect("amount"))
    };
    let callback = json!({"Body":{"stkCallback":{"MerchantRequestID":"m-0","CheckoutRequestID":checkout,"ResultCode":0,
        "ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[
        {"Name":"Amount","Value":amount_minor / 100},{"Name":"MpesaReceiptNumber","Value":"SCONFIRM01"},
        {"Name":"TransactionDate","Value":20260126093112_i64},{"Name":"PhoneNumber","Value":254712345678_i64}]}}}});
    let url = huduma::services::payments::mpesa::callback_url(&t.app);

    // Daraja's query is down: the callback is stored, answered, and waits for the job.
    let response = reqwest::Client::new().post(&url).json(&callback).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.json::<Value>().await.expect("json")["ResultCode"], 0, "Safaricom is answered at once");
    assert_eq!(
        number(&t, "SELECT COUNT(*) FROM provider_messages WHERE outcome = 'unconfirmed' AND mpesa_receipt = 'SCONFIRM01'").await,
        1,
        "stored before anything else, with its receipt number"
    );
    eventually(&t, "SELECT COUNT(*) FROM outbox WHERE kind = 'mpesa_confirm' AND attempts >= 1 AND last_error IS NOT NULL").await;
    assert!(double.queries.load(Ordering::SeqCst) >= 1, "the job asked Daraja");
    assert_eq!(number(&t, "SELECT COUNT(*) FROM payments").await, 0, "nothing settles while the query cannot confirm");
    assert_eq!(number(&t, "SELECT COUNT(*) FROM outbox WHERE kind = 'mpesa_confirm' AND done_at IS NULL AND failed_at IS NULL").await, 1);

    // The query is back and agrees: the retry settles the payment.
    double.query_up.store(true, Ordering::SeqCst);
    t.app.clock.advance(huduma::jobs::outbox_worker::BACKOFF_SECS[0] + 1);
    huduma::jobs::outbox_worker::run_due(&t.app).await.expect("outbox");
    eventually(&t, "SELECT COUNT(*) FROM payments").await;
    assert_eq!(number(&t, "SELECT COUNT(*) FROM payments").await, 1);
    assert_eq!(text(&t, "SELECT provider_ref FROM payments").await.as_deref(), Some("SCONFIRM01"));
    assert_eq!(text(&t, "SELECT outcome FROM provider_messages WHERE mpesa_receipt = 'SCONFIRM01'").await.as_deref(), Some("settled"));
    let (_, state) = t.api(reqwest::Method::GET, &format!("/api/v1/payments/{attempt_id}"), Some(&token), None).await;
    assert_eq!(state["state"], "succeeded");

    // The same callback again, and the first job run once more: still one payment.
    let response = reqwest::Client::new().post(&url).json(&callback).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 200);
    eventually(&t, "SELECT COUNT(*) FROM provider_messages WHERE mpesa_receipt = 'SCONFIRM01' AND outcome = 'duplicate'").await;
    let first: i64 = number(&t, "SELECT MIN(id) FROM provider_messages WHERE mpesa_receipt = 'SCONFIRM01'").await;
    let again =
        huduma::services::payments::stk_confirm::run(&t.app, &huduma::services::payments::stk_confirm::ConfirmJob { message_id: first })
            .await;
    assert_eq!(again, huduma::services::payments::stk_confirm::Confirmation::Done);
    assert_eq!(number(&t, "SELECT COUNT(*) FROM payments").await, 1, "a duplicate never settles twice");
    assert_eq!(number(&t, "SELECT COUNT(*) FROM provider_messages WHERE mpesa_receipt = 'SCONFIRM01'").await, 2, "both kept");
}

//! Paying by M-Pesa STK push against the Daraja simulator: success, refusals in plain
//! words, duplicate and forged callbacks, lost callbacks found by the reconciler, and a
//! success that arrives after we timed out; on SQLite and PostgreSQL.

use crate::both_databases;
use crate::helpers::*;
use huduma_uploads::samples;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// A police-clearance application submitted and waiting for its KES 1,000 fee.
pub async fn awaiting_payment(t: &TestApp, token: &str) -> String {
    let draft = crate::applications_api::start(t, token, "certificate-of-good-conduct").await;
    let id = draft["id"].as_str().expect("id").to_owned();
    let (status, body) = crate::applications_api::save(
        t,
        token,
        &id,
        "applicant",
        json!({"purpose": "employment", "fingerprint_centre": "dci_hq", "had_certificate_before": "no"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = crate::applications_api::save(t, token, &id, "record", json!({"convicted": "no", "declaration": ["agree"]})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = t.upload_api(token, &id, "national_id_copy", "id.pdf", samples::pdf(1, 0)).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/submit"), Some(token), Some(json!({"declaration": true}))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("awaiting_payment")), "{body}");
    id
}

/// Pays with a phone number; returns the attempt once it is no longer waiting (or after
/// `wait` polls).
pub async fn pay(t: &TestApp, token: &str, id: &str, phone: &str) -> Value {
    let (status, attempt) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/payments/mpesa"), Some(token), Some(json!({"phone": phone}))).await;
    assert_eq!(status, 202, "{attempt}");
    attempt
}

pub async fn poll(t: &TestApp, token: &str, attempt: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..60 {
        let (_, now) = t.api(Method::GET, &format!("/api/v1/payments/{attempt}"), Some(token), None).await;
        if now["state"] != "requested" && now["state"] != "created" {
            return now;
        }
        last = now;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    last
}

/// The CheckoutRequestID Daraja gave an attempt.
async fn checkout_of(t: &TestApp, attempt_id: &str) -> String {
    use sqlx::Row;
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    sqlx::query("SELECT checkout_request_id FROM payment_attempts WHERE id = $1")
        .bind(attempt_id.to_owned())
        .fetch_one(&mut *conn)
        .await
        .expect("row")
        .try_get::<String, _>(0)
        .expect("checkout")
}

/// Payments and attempts as stored, for audits.
async fn count(t: &TestApp, sql: &'static str) -> i64 {
    use sqlx::Row;
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    sqlx::query(sql).fetch_one(&mut *conn).await.expect("count").try_get::<i64, _>(0).expect("n")
}

async fn an_stk_push_pays_and_moves_the_application_on(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    let (status, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    assert_eq!(status, 200, "{invoice}");
    assert_eq!(invoice["total_minor"], 105_000, "KES 1,000 + the KES 50 convenience fee");
    assert_eq!(invoice["lines"][0]["agency"], "dci");
    assert_eq!(invoice["lines"][1]["revenue_head"], "convenience_fee");
    let number = invoice["number"].as_str().expect("number").to_owned();
    assert!(number.len() <= 12 && huduma_domain::Reference::parse(huduma_domain::reference::Kind::Invoice, &number).is_ok());
    let attempt = pay(&t, &token, &id, "0708 374 149").await;
    assert_eq!(attempt["amount_minor"], 105_000);
    let done = poll(&t, &token, attempt["id"].as_str().expect("id")).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["status"], "submitted", "paid: the application reaches the agency's first state");
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    assert_eq!((invoice["status"].as_str(), invoice["paid_minor"].as_i64()), (Some("paid"), Some(105_000)));
    assert_eq!(invoice["receipts"].as_array().map(Vec::len), Some(1));
    // Nothing left to pay: a second prompt is refused.
    let (status, body) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/payments/mpesa"), Some(&token), Some(json!({"phone": "0708374149"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("payment.not_due")));
    // The citizen heard about it.
    t.wait_for_message(|m| {
        m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains("is now: Documents being checked"))
    })
    .await;
}

async fn refusals_are_told_in_plain_words_and_can_be_retried(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    for (phone, code, words) in [
        ("254700001032", "1032", "cancelled on the phone"),
        ("254700000001", "1", "not enough money"),
        ("254700002001", "2001", "PIN was not right"),
        ("254700001037", "1037", "not answered in time"),
    ] {
        let attempt = pay(&t, &token, &id, phone).await;
        let done = poll(&t, &token, attempt["id"].as_str().expect("id")).await;
        assert_eq!((done["state"].as_str(), done["result_code"].as_str()), (Some("failed"), Some(code)), "{phone}: {done}");
        assert!(done["message"].as_str().unwrap_or("").contains(words), "{phone}: {done}");
    }
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["status"], "awaiting_payment", "nothing was paid");
    let attempt = pay(&t, &token, &id, "0708374149").await;
    assert_eq!(poll(&t, &token, attempt["id"].as_str().expect("id")).await["state"], "succeeded", "and the retry pays");
}

async fn callbacks_settle_once_and_forgeries_settle_nothing(backend: Backend) {
    let t = spawn(backend).await;
    // A prompt nobody answers, so we control the callbacks.
    let (token, id, checkout) = unanswered_prompt(&t).await;
    let url = huduma::services::payments::mpesa::callback_url(&t.app);
    let callback = |checkout: &str, amount: f64, receipt: &str| {
        json!({"Body":{"stkCallback":{"MerchantRequestID":"29115-1-1","CheckoutRequestID":checkout,"ResultCode":0,
            "ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":amount},
            {"Name":"MpesaReceiptNumber","Value":receipt},{"Name":"Balance"},{"Name":"TransactionDate","Value":20260126093112u64},
            {"Name":"PhoneNumber","Value":254700000999u64}]}}}})
    };
    // Forged: wrong path token, unknown CheckoutRequestID, wrong amount.
    let wrong_path = url.rsplit_once('/').map(|(base, _)| format!("{base}/not-the-token")).expect("url");
    let response = reqwest::Client::new().post(&wrong_path).json(&callback(&checkout, 1050.0, "SFAKE00001")).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 404);
    let response = reqwest::Client::new().post(&url).json(&callback("ws_CO_unknown", 1050.0, "SFAKE00002")).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 200, "acknowledged (stored) but not a payment");
    let response = reqwest::Client::new().post(&url).json(&callback(&checkout, 10.0, "SFAKE00003")).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM payments").await, 0, "no forgery settled anything");
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM provider_messages WHERE outcome IN ('unknown_attempt', 'mismatch')").await,
        2,
        "both kept as alerts"
    );
    // The genuine callback, delivered 20 times at once, settles exactly once.
    let mut deliveries = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (url, body) = (url.clone(), callback(&checkout, 1050.0, "SGENUINE01"));
        deliveries.spawn(async move { reqwest::Client::new().post(url).json(&body).send().await.expect("post").status().as_u16() });
    }
    while let Some(status) = deliveries.join_next().await {
        assert_eq!(status.expect("task"), 200, "every delivery acknowledged");
    }
    assert_eq!(count(&t, "SELECT COUNT(*) FROM payments").await, 1, "settled once");
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM provider_messages WHERE provider = 'mpesa'").await,
        22,
        "every message to the right address stored (the wrong token is refused before)"
    );
    assert_eq!(count(&t, "SELECT paid_minor FROM invoices").await, 105_000, "counted once");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["status"], "submitted");
    let (_, timeline) = t.api(Method::GET, &format!("/api/v1/applications/{id}/timeline"), Some(&token), None).await;
    assert_eq!(timeline.as_array().map(Vec::len), Some(2), "awaiting payment, then submitted: once");
}

async fn the_reconciler_finds_lost_callbacks_and_late_successes(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    // Paid, but the callback is lost: only the STK query tells.
    let attempt = pay(&t, &token, &id, "254700000404").await;
    t.wait_for_prompts_answered("254700000404").await;
    let (_, waiting) = t.api(Method::GET, &format!("/api/v1/payments/{}", attempt["id"].as_str().expect("id")), Some(&token), None).await;
    assert_eq!(waiting["state"], "requested", "no callback came");
    t.app.clock.advance(60);
    let sweep = huduma::services::payments::reconcile::run_once(&t.app).await.expect("sweep");
    assert_eq!((sweep.asked, sweep.settled), (1, 1), "{sweep:?}");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["status"], "submitted");

    // A second application: the prompt goes unanswered, the attempt times out, and then
    // the success arrives after all: it still settles.
    let second = awaiting_payment(&t, &token).await;
    let attempt = pay(&t, &token, &second, "254700000999").await;
    let attempt_id = attempt["id"].as_str().expect("id").to_owned();
    t.app.clock.advance(60);
    let sweep = huduma::services::payments::reconcile::run_once(&t.app).await.expect("sweep");
    assert_eq!(sweep.timed_out, 0, "pending, not yet timed out: {sweep:?}");
    t.app.clock.advance(10 * 60);
    let sweep = huduma::services::payments::reconcile::run_once(&t.app).await.expect("sweep");
    assert_eq!(sweep.timed_out, 1, "{sweep:?}");
    let (_, timed_out) = t.api(Method::GET, &format!("/api/v1/payments/{attempt_id}"), Some(&token), None).await;
    assert_eq!(timed_out["state"], "timed_out");
    let checkout = checkout_of(&t, &attempt_id).await;
    let late = json!({"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":checkout,"ResultCode":0,"ResultDesc":"ok",
        "CallbackMetadata":{"Item":[{"Name":"Amount","Value":1050},{"Name":"MpesaReceiptNumber","Value":"SLATE00001"}]}}}});
    let response =
        reqwest::Client::new().post(huduma::services::payments::mpesa::callback_url(&t.app)).json(&late).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 200);
    let (_, settled) = t.api(Method::GET, &format!("/api/v1/payments/{attempt_id}"), Some(&token), None).await;
    assert_eq!(settled["state"], "succeeded", "a success after the timeout still settles");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{second}"), Some(&token), None).await;
    assert_eq!(application["status"], "submitted");
}

async fn the_pay_pages_work_without_javascript(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let id = awaiting_payment(&t, &token).await;
    let pay_page = format!("/applications/{id}/pay");
    let (status, page) = t.get(&pay_page).await;
    assert_eq!(status, 200);
    assert!(page.contains("KES 1,050") && page.contains("Convenience fee") && page.contains("value=\"0712345678\""), "{page}");
    let (status, _, body) = t.submit(&pay_page, &format!("/applications/{id}/pay/mpesa"), &[("phone", "12")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Enter a Kenyan mobile number"));
    let (status, url, waiting) = t.submit(&pay_page, &format!("/applications/{id}/pay/mpesa"), &[("phone", "254700001032")]).await;
    assert_eq!(status, 200);
    assert!(url.starts_with("/payments/"));
    // WCAG 2.2.1: no reload the citizen did not ask for; "Check again" is a plain GET
    // form, and checking by itself is a choice offered only with JavaScript.
    assert!(!waiting.contains("http-equiv=\"refresh\""), "the waiting page does not reload itself");
    let check_again = format!("<form method=\"get\" action=\"{url}\" class=\"check-again\"");
    assert!(waiting.contains(&check_again) && waiting.contains("id=\"check-again\""), "{waiting}");
    assert!(waiting.contains("data-auto-check-choice hidden") && !waiting.contains("value=\"1\" checked"), "not ticked unasked");
    let mut page = String::new();
    for _ in 0..40 {
        page = t.get(&format!("{url}?auto=1")).await.1;
        if !page.contains("id=\"check-again\"") {
            break;
        }
        assert!(page.contains("name=\"auto\" value=\"1\" checked"), "the choice lasts while waiting");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(page.contains("cancelled on the phone") && page.contains("Try again or pay another way"), "{page}");
    // Another citizen cannot see this invoice or attempt.
    let other = TestApp { client: new_client(), ..t };
    register_html(&other, &BRIAN).await;
    assert_eq!(other.get(&pay_page).await.0, 404);
    assert_eq!(other.get(&url).await.0, 404);
}

both_databases!(
    an_stk_push_pays_and_moves_the_application_on,
    refusals_are_told_in_plain_words_and_can_be_retried,
    callbacks_settle_once_and_forgeries_settle_nothing,
    the_reconciler_finds_lost_callbacks_and_late_successes,
    the_pay_pages_work_without_javascript,
);

/// A customer pays the Paybill from their phone, through the Daraja simulator's own API.
async fn paybill(t: &TestApp, account: &str, amount: &str) -> Value {
    let config = t.app.config.daraja.clone().expect("Daraja in sandbox mode");
    let oauth = reqwest::Client::new()
        .get(format!("{}/oauth/v1/generate?grant_type=client_credentials", config.base_url))
        .basic_auth(config.consumer_key.expose(), Some(config.consumer_secret.expose()))
        .send()
        .await
        .expect("oauth");
    let token: Value = oauth.json().await.expect("token");
    let response = reqwest::Client::new()
        .post(format!("{}/mpesa/c2b/v1/simulate", config.base_url))
        .bearer_auth(token["access_token"].as_str().expect("access token"))
        .json(&json!({"ShortCode": "174379", "CommandID": "CustomerPayBillOnline", "Amount": amount, "Msisdn": 254708374149u64, "BillRefNumber": account}))
        .send()
        .await
        .expect("simulate");
    response.json().await.expect("answer")
}

async fn paybill_payments_are_validated_and_settled_once(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    let number = invoice["number"].as_str().expect("number").to_owned();
    // The URLs were registered with Daraja at start-up.
    let mut registered = false;
    for _ in 0..50 {
        let answer = paybill(&t, "B0000000000", "10").await;
        if answer["SandboxOutcome"] == "rejected by validation" {
            registered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(registered, "the Paybill URLs are registered and an unknown account is refused");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM provider_messages WHERE kind = 'c2b_validation' AND outcome = 'C2B00012'").await, 1);
    // More than is due is refused as a wrong amount (C2B00013) before any money moves.
    assert_eq!(paybill(&t, &number, "5000").await["SandboxOutcome"], "rejected by validation");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM provider_messages WHERE outcome = 'C2B00013'").await, 1);
    // Part, then the rest, typed in lower case with a space: both counted.
    assert_eq!(paybill(&t, &number.to_lowercase(), "500").await["SandboxOutcome"], "confirmed");
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    assert_eq!((invoice["status"].as_str(), invoice["paid_minor"].as_i64()), (Some("partially_paid"), Some(50_000)));
    let spaced = format!("{} {}", &number[..5], &number[5..]);
    assert_eq!(paybill(&t, &spaced, "550").await["SandboxOutcome"], "confirmed");
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    assert_eq!((invoice["status"].as_str(), invoice["paid_minor"].as_i64()), (Some("paid"), Some(105_000)));
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["status"], "submitted");
    // A confirmation delivered again settles nothing more.
    let raw = {
        use sqlx::Row;
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        sqlx::query("SELECT body FROM provider_messages WHERE kind = 'c2b_confirmation' ORDER BY id DESC LIMIT 1")
            .fetch_one(&mut *conn)
            .await
            .expect("row")
            .try_get::<String, _>(0)
            .expect("body")
    };
    let (_, confirmation_url) = huduma::services::payments::mpesa::c2b_urls(&t.app);
    let response =
        reqwest::Client::new().post(&confirmation_url).header("content-type", "application/json").body(raw).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM payments").await, 2, "two Paybill payments, the repeat ignored");
    assert_eq!(count(&t, "SELECT paid_minor FROM invoices").await, 105_000);
}

both_databases!(paybill_payments_are_validated_and_settled_once);

async fn every_payment_gets_a_receipt_with_a_working_qr_check(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let id = awaiting_payment(&t, &token).await;
    let attempt = pay(&t, &token, &id, "0708374149").await;
    assert_eq!(poll(&t, &token, attempt["id"].as_str().expect("id")).await["state"], "succeeded");
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    let number = invoice["receipt_numbers"][0].as_str().expect("a receipt").to_owned();
    huduma_domain::Reference::parse(huduma_domain::reference::Kind::Receipt, &number).expect("a valid receipt number");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(&number))).await;
    let (status, page) = t.get(&format!("/receipts/{number}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("KES 1,050") && page.contains("Convenience fee") && page.contains("<svg"), "{page}");
    let start = page.find("/verify/receipts/").expect("verification link");
    let link = page[start..].split('"').next().expect("link").to_owned();
    let response = t.client.get(t.url(&format!("/receipts/{number}/pdf"))).send().await.expect("pdf");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.expect("bytes");
    let doc = lopdf::Document::load_mem(&pdf).expect("the PDF opens");
    assert!(doc.extract_text(&[1]).unwrap_or_default().contains(&number));
    // Anyone with the QR link sees that it is genuine, without the payer's details.
    let visitor = new_client();
    let check = visitor.get(t.url(&link)).send().await.expect("verify");
    assert_eq!(check.status().as_u16(), 200);
    let body = check.text().await.expect("body");
    assert!(body.contains("This receipt is genuine") && body.contains("KES 1,050") && !body.contains("Wanjiku"), "{body}");
    let forged = visitor.get(t.url(&format!("/verify/receipts/{number}/0000000000"))).send().await.expect("verify");
    assert_eq!(forged.status().as_u16(), 404, "a wrong code is not genuine");
    // Another citizen cannot open the receipt.
    let other = TestApp { client: new_client(), ..t };
    register_html(&other, &BRIAN).await;
    assert_eq!(other.get(&format!("/receipts/{number}")).await.0, 404);
    assert_eq!(other.get(&format!("/receipts/{number}/pdf")).await.0, 404);
}

both_databases!(every_payment_gets_a_receipt_with_a_working_qr_check);

/// Follows the card gateway: pay page → gateway page → card form → back to the portal.
async fn pay_by_card(t: &TestApp, id: &str, card: &str) -> String {
    let pay_page = format!("/applications/{id}/pay");
    let (status, url, gateway) = t.submit(&pay_page, &format!("/applications/{id}/pay/card"), &[]).await;
    assert_eq!(status, 200, "{gateway}");
    assert!(url.starts_with("/sandbox/pesapal/pay/"), "sent to the gateway's page: {url}");
    assert!(gateway.contains("4111"), "the sandbox card page lists its test cards");
    let response = t.client.post(t.url(&url)).form(&[("card_number", card), ("action", "pay")]).send().await.expect("pay");
    let back = response.url().path().to_owned();
    assert!(back.starts_with("/payments/"), "back on the portal: {back}");
    response.text().await.unwrap_or_default()
}

async fn cards_are_confirmed_with_the_gateway_before_settling(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let id = awaiting_payment(&t, &token).await;
    let page = pay_by_card(&t, &id, "4000 0000 0000 0002").await;
    assert!(page.contains("did not go through"), "declined: {page}");
    let page = pay_by_card(&t, &id, "4111 1111 1111 1111").await;
    assert!(page.contains("Payment received"), "{page}");
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    assert_eq!((invoice["status"].as_str(), invoice["paid_minor"].as_i64()), (Some("paid"), Some(105_000)), "{invoice}");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["status"], "submitted");
    // The gateway's IPN arrives as well (after the browser): it settles nothing more.
    for _ in 0..30 {
        if count(&t, "SELECT COUNT(*) FROM provider_messages WHERE provider = 'pesapal'").await >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(count(&t, "SELECT COUNT(*) FROM provider_messages WHERE provider = 'pesapal'").await >= 2, "both IPNs stored");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM payments WHERE method = 'card'").await, 1, "settled once");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM receipts").await, 1);
}

both_databases!(cards_are_confirmed_with_the_gateway_before_settling);

async fn a_person_answers_on_the_sandbox_phone(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let id = awaiting_payment(&t, &token).await;
    let first = pay(&t, &token, &id, "0712 000 001").await;
    let (_, phone) = t.get("/sandbox/phone?number=0712000001").await;
    assert!(phone.contains("KES 1050") && phone.contains("254712000001"), "the prompt waits on the phone: {phone}");
    let checkout = phone.split("action=\"/sandbox/phone/").nth(1).and_then(|s| s.split('"').next()).expect("prompt form").to_owned();
    let (status, _, _) =
        t.submit("/sandbox/phone?number=0712000001", &format!("/sandbox/phone/{checkout}"), &[("pin", ""), ("action", "cancel")]).await;
    assert_eq!(status, 200);
    let cancelled = poll(&t, &token, first["id"].as_str().expect("id")).await;
    assert_eq!((cancelled["state"].as_str(), cancelled["result_code"].as_str()), (Some("failed"), Some("1032")));
    let second = pay(&t, &token, &id, "0712 000 001").await;
    let (_, phone) = t.get("/sandbox/phone?number=0712000001").await;
    let checkout = phone.split("action=\"/sandbox/phone/").nth(1).and_then(|s| s.split('"').next()).expect("prompt form").to_owned();
    t.submit("/sandbox/phone?number=0712000001", &format!("/sandbox/phone/{checkout}"), &[("pin", "1234"), ("action", "pay")]).await;
    assert_eq!(poll(&t, &token, second["id"].as_str().expect("id")).await["state"], "succeeded");
    let (_, phone) = t.get("/sandbox/phone?number=0712000001").await;
    assert!(phone.contains("id=\"no-prompts\""), "nothing left waiting");
}

both_databases!(a_person_answers_on_the_sandbox_phone);

async fn unpaid_invoices_expire_but_late_money_is_still_recorded(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    t.app.clock.advance(31 * 86_400);
    huduma::jobs::cleanup::purge_expired(&t.app).await.expect("clean-up");
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    assert_eq!(invoice["status"], "expired");
    let (status, body) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/payments/mpesa"), Some(&token), Some(json!({"phone": "0708374149"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("payment.not_due")), "no new prompt on an expired invoice");
    let number = invoice["number"].as_str().expect("number").to_owned();
    assert_eq!(paybill(&t, &number, "1050").await["SandboxOutcome"], "rejected by validation", "Paybill refuses it up front");
}

both_databases!(unpaid_invoices_expire_but_late_money_is_still_recorded);

async fn with_confirmation_on_a_callback_settles_only_when_the_query_agrees(backend: Backend) {
    let t = spawn_with(backend, Options { confirm_by_query: true, ..Options::default() }).await;
    // The prompt nobody answers: the query keeps saying "being processed".
    let (token, id, checkout) = unanswered_prompt(&t).await;
    let forged = json!({"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":checkout,"ResultCode":0,"ResultDesc":"ok",
        "CallbackMetadata":{"Item":[{"Name":"Amount","Value":1050},{"Name":"MpesaReceiptNumber","Value":"SFORGED001"}]}}}});
    let response =
        reqwest::Client::new().post(huduma::services::payments::mpesa::callback_url(&t.app)).json(&forged).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 200, "stored and acknowledged");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM payments").await, 0, "a success the query does not confirm settles nothing");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM provider_messages WHERE outcome = 'unconfirmed'").await, 1);
    // A genuine payment: the query agrees, and it settles.
    let genuine = pay(&t, &token, &id, "0708374149").await;
    assert_eq!(poll(&t, &token, genuine["id"].as_str().expect("id")).await["state"], "succeeded");
}

both_databases!(with_confirmation_on_a_callback_settles_only_when_the_query_agrees);

async fn i_paid_but_it_says_unpaid_is_checked_before_anyone_needs_a_ticket(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    // A payment whose callback was lost: the check asks M-Pesa at once and finds it.
    let id = awaiting_payment(&t, &token).await;
    pay(&t, &token, &id, "254700000404").await;
    t.wait_for_prompts_answered("254700000404").await;
    let (status, _, page) = t.submit("/payments/check", "/payments/check", &[("receipt", "slk7 rt61sv")]).await;
    assert_eq!(status, 200);
    assert!(page.contains("We have this payment") && page.contains("/receipts/R"), "{page}");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["status"], "submitted", "the check settled it");
    // A receipt nobody has heard of.
    let (_, _, page) = t.submit("/payments/check", "/payments/check", &[("receipt", "SNOTHING01")]).await;
    assert!(page.contains("no record of this payment yet"), "{page}");
    // Money for an account number that matched nothing: received, to be matched by a person.
    let (_, confirmation) = huduma::services::payments::mpesa::c2b_urls(&t.app);
    let body = json!({"TransactionType": "Pay Bill", "TransID": "SUNMATCH01", "TransTime": "20260126093112", "TransAmount": "1050.00",
        "BusinessShortCode": "174379", "BillRefNumber": "MYNAME", "MSISDN": "25470****149"});
    assert_eq!(reqwest::Client::new().post(&confirmation).json(&body).send().await.expect("post").status().as_u16(), 200);
    let (_, _, page) = t.submit("/payments/check", "/payments/check", &[("receipt", "SUNMATCH01")]).await;
    assert!(page.contains("did not match any invoice"), "{page}");
    let (_, _, page) = t.submit("/payments/check", "/payments/check", &[("receipt", "12")]).await;
    assert!(page.contains("Enter the M-Pesa receipt number"), "a wrong number is explained");
}

both_databases!(i_paid_but_it_says_unpaid_is_checked_before_anyone_needs_a_ticket);

/// Boots the portal like [`spawn`], with settings of the test's own on top (sandbox mode
/// and rate limits on, as everywhere).
pub async fn spawn_configured(backend: Backend, configure: impl FnOnce(&mut huduma::config::Settings)) -> TestApp {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempdir::TempDir::new();
    let database_url = fresh_database(backend, &dir.0).await;
    let mut settings = huduma::config::Settings {
        listen: Some("127.0.0.1:0".parse().expect("addr")),
        data_dir: Some(dir.0.clone()),
        database_url: Some(huduma::secret::Secret::new(database_url)),
        sandbox: Some(true),
        rate_limits: Some(true),
        argon2_memory_kib: Some(1024),
        argon2_iterations: Some(1),
        ..huduma::config::Settings::default()
    };
    configure(&mut settings);
    let config = huduma::config::Config::resolve(settings).expect("config");
    let running = huduma::server::start(config, huduma::clock::Clock::default(), huduma::server::Workers::InProcess).await.expect("starts");
    TestApp { base: format!("http://{}", running.addr), app: running.app, client: new_client(), dir }
}

/// A Paybill confirmation as Daraja posts it.
fn confirmation(trans_id: &str, short_code: &str, account: &str, amount: Option<&str>) -> Value {
    let mut body = json!({"TransactionType": "Pay Bill", "TransID": trans_id, "TransTime": "20260126093112", "BusinessShortCode": short_code,
        "BillRefNumber": account, "InvoiceNumber": "", "OrgAccountBalance": "", "ThirdPartyTransID": "", "MSISDN": "25470****149",
        "FirstName": "WANJIKU"});
    if let Some(amount) = amount {
        body["TransAmount"] = json!(amount);
    }
    body
}

async fn a_paybill_confirmation_for_another_short_code_or_without_an_amount_settles_nothing(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    let number = invoice["number"].as_str().expect("number").to_owned();
    let (_, url) = huduma::services::payments::mpesa::c2b_urls(&t.app);
    let post = |body: Value| {
        let url = url.clone();
        async move { reqwest::Client::new().post(url).json(&body).send().await.expect("post").status().as_u16() }
    };
    // Another business's short code, then a missing and a garbled TransAmount.
    assert_eq!(post(confirmation("SOTHER0001", "600000", &number, Some("1050.00"))).await, 200);
    assert_eq!(post(confirmation("SNOAMT0001", "174379", &number, None)).await, 200);
    assert_eq!(post(confirmation("SGARBL0001", "174379", &number, Some("1O50.00"))).await, 200);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM payments").await, 0, "not our short code, or no amount: no settlement");
    assert_eq!(count(&t, "SELECT paid_minor FROM invoices").await, 0);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM provider_messages WHERE outcome = 'wrong_short_code'").await, 1, "kept as an alert");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM provider_messages WHERE outcome = 'invalid_amount'").await, 2, "each kept as an alert");
    // Ours, with its amount: settles.
    assert_eq!(post(confirmation("SGOOD00001", "174379", &number, Some("1050.00"))).await, 200);
    assert_eq!(count(&t, "SELECT paid_minor FROM invoices").await, 105_000);
}

async fn an_stk_success_without_a_readable_amount_settles_nothing(backend: Backend) {
    let t = spawn(backend).await;
    let (_, _, checkout) = unanswered_prompt(&t).await;
    let url = huduma::services::payments::mpesa::callback_url(&t.app);
    let success = |amount: Option<Value>, receipt: &str| {
        let mut items =
            vec![json!({"Name": "MpesaReceiptNumber", "Value": receipt}), json!({"Name": "PhoneNumber", "Value": 254700000999u64})];
        match amount {
            Some(Value::Null) => items.push(json!({"Name": "Amount"})),
            Some(value) => items.push(json!({"Name": "Amount", "Value": value})),
            None => {}
        }
        json!({"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":checkout,"ResultCode":0,"ResultDesc":"ok",
            "CallbackMetadata":{"Item":items}}}})
    };
    let post = |body: Value| {
        let url = url.clone();
        async move { reqwest::Client::new().post(url).json(&body).send().await.expect("post").status().as_u16() }
    };
    // Amount missing, without a value, not a number.
    assert_eq!(post(success(None, "SNOAMT0002")).await, 200);
    assert_eq!(post(success(Some(Value::Null), "SNOAMT0003")).await, 200);
    assert_eq!(post(success(Some(json!("a thousand")), "SNOAMT0004")).await, 200);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM payments").await, 0, "no amount, no settlement");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM provider_messages WHERE outcome = 'invalid_amount'").await, 3, "each kept as an alert");
    // The genuine callback still settles.
    assert_eq!(post(success(Some(json!(1050)), "SGENUINE02")).await, 200);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM payments").await, 1);
}

async fn a_payment_the_reconciler_settles_never_shows_the_checkout_id_as_its_receipt(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let id = awaiting_payment(&t, &token).await;
    // Paid, callback lost: the reconciler's query settles it, and names no receipt.
    let attempt = pay(&t, &token, &id, "254700000404").await;
    let attempt_id = attempt["id"].as_str().expect("id").to_owned();
    let checkout = checkout_of(&t, &attempt_id).await;
    t.wait_for_prompts_answered("254700000404").await;
    t.app.clock.advance(60);
    let sweep = huduma::services::payments::reconcile::run_once(&t.app).await.expect("sweep");
    assert_eq!(sweep.settled, 1, "{sweep:?}");
    let sms =
        t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains("Huduma: received"))).await;
    let text = sms["body"].as_str().unwrap_or_default();
    assert!(!text.contains(&checkout), "the CheckoutRequestID is not an M-Pesa receipt: {text}");
    assert!(text.contains("M-Pesa's own SMS"), "{text}");
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    assert_eq!(invoice["receipts"], json!([]), "no M-Pesa receipt to show yet: {invoice}");
    let number = invoice["receipt_numbers"][0].as_str().expect("a Huduma receipt").to_owned();
    let (_, page) = t.get(&format!("/receipts/{number}")).await;
    assert!(!page.contains(&checkout), "{page}");
    let (_, pay_page) = t.get(&format!("/applications/{id}/pay")).await;
    assert!(!pay_page.contains(&checkout), "{pay_page}");
    // The callback turns up after all: the real receipt takes its place everywhere.
    let late = json!({"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":checkout,"ResultCode":0,"ResultDesc":"ok",
        "CallbackMetadata":{"Item":[{"Name":"Amount","Value":1050},{"Name":"MpesaReceiptNumber","Value":"SLATE00404"}]}}}});
    let url = huduma::services::payments::mpesa::callback_url(&t.app);
    assert_eq!(reqwest::Client::new().post(url).json(&late).send().await.expect("post").status().as_u16(), 200);
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    assert_eq!(invoice["receipts"], json!(["SLATE00404"]));
    let (_, page) = t.get(&format!("/receipts/{number}")).await;
    assert!(page.contains("SLATE00404"), "{page}");
}

async fn the_first_query_waits_for_the_reconcile_interval(backend: Backend) {
    let t = spawn_configured(backend, |s| s.reconcile_seconds = Some(300)).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    pay(&t, &token, &id, "254700000999").await;
    t.app.clock.advance(60);
    let sweep = huduma::services::payments::reconcile::run_once(&t.app).await.expect("sweep");
    assert_eq!(sweep.asked, 0, "a minute is less than HUDUMA_RECONCILE_SECONDS=300: {sweep:?}");
    t.app.clock.advance(241);
    let sweep = huduma::services::payments::reconcile::run_once(&t.app).await.expect("sweep");
    assert_eq!(sweep.asked, 1, "{sweep:?}");
}

both_databases!(
    a_paybill_confirmation_for_another_short_code_or_without_an_amount_settles_nothing,
    an_stk_success_without_a_readable_amount_settles_nothing,
    a_payment_the_reconciler_settles_never_shows_the_checkout_id_as_its_receipt,
    the_first_query_waits_for_the_reconcile_interval,
);

/// An agency's own Daraja double on 127.0.0.1: OAuth, STK push and C2B registration as
/// the contract writes them; it keeps every STK push it receives.
async fn daraja_double() -> (String, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use axum::routing::{get, post};
    let pushes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = pushes.clone();
    let app = axum::Router::new()
        .route("/oauth/v1/generate", get(|| async { axum::Json(json!({"access_token": "double-token", "expires_in": "3599"})) }))
        .route(
            "/mpesa/stkpush/v1/processrequest",
            post(move |axum::Json(body): axum::Json<Value>| {
                let kept = kept.clone();
                async move {
                    kept.lock().expect("lock").push(body);
                    axum::Json(json!({"MerchantRequestID": "double-1", "CheckoutRequestID": "ws_CO_DOUBLE_1", "ResponseCode": "0",
                        "ResponseDescription": "Success. Request accepted for processing", "CustomerMessage": "Success"}))
                }
            }),
        )
        .route(
            "/mpesa/c2b/v1/registerurl",
            post(|| async {
                axum::Json(json!({"OriginatorCoversationID": "double", "ResponseCode": "0", "ResponseDescription": "success"}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, pushes)
}

async fn a_configured_daraja_wins_over_its_sandbox(backend: Backend) {
    let (double, pushes) = daraja_double().await;
    let base = double.clone();
    let t = spawn_configured(backend, move |s| s.daraja_base_url = Some(base)).await;
    assert!(t.app.config.sandbox, "the rest of the sandbox stays");
    assert!(t.app.config.sms.as_ref().is_some_and(|s| s.base_url.contains("/sandbox/")), "SMS is still the sandbox");
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    let attempt = pay(&t, &token, &id, "0708374149").await;
    let kept = pushes.lock().expect("lock").clone();
    assert_eq!(kept.len(), 1, "the prompt went to the agency's Daraja double, not the simulator");
    assert_eq!((kept[0]["BusinessShortCode"].as_str(), kept[0]["Amount"].as_str()), (Some("174379"), Some("1050")));
    assert_eq!(checkout_of(&t, attempt["id"].as_str().expect("id")).await, "ws_CO_DOUBLE_1");
    // The double's callback settles through the usual path.
    let callback = kept[0]["CallBackURL"].as_str().expect("callback URL").to_owned();
    let paid = json!({"Body":{"stkCallback":{"MerchantRequestID":"double-1","CheckoutRequestID":"ws_CO_DOUBLE_1","ResultCode":0,"ResultDesc":"ok",
        "CallbackMetadata":{"Item":[{"Name":"Amount","Value":1050},{"Name":"MpesaReceiptNumber","Value":"SDOUBLE001"}]}}}});
    assert_eq!(reqwest::Client::new().post(callback).json(&paid).send().await.expect("post").status().as_u16(), 200);
    assert_eq!(poll(&t, &token, attempt["id"].as_str().expect("id")).await["state"], "succeeded");
}

both_databases!(a_configured_daraja_wins_over_its_sandbox);

/// Wanjiku, her application awaiting payment, and a prompt to a phone that never answers
/// (so the test sends the callbacks): (token, application id, CheckoutRequestID).
async fn unanswered_prompt(t: &TestApp) -> (String, String, String) {
    let token = register_api(t, &WANJIKU).await;
    let id = awaiting_payment(t, &token).await;
    let attempt = pay(t, &token, &id, "254700000999").await;
    let checkout = checkout_of(t, attempt["id"].as_str().expect("id")).await;
    (token, id, checkout)
}

//! The public status page: real checks of every provider, incidents, and the pay page's
//! warning when M-Pesa is down.

use crate::both_databases;
use crate::helpers::*;
use crate::payments::{awaiting_payment, spawn_configured};
use huduma::services::status::run_checks;
use serde_json::Value;

both_databases!(every_provider_is_checked_for_real_and_shown_up, when_mpesa_is_down_the_status_and_pay_pages_say_so,);

async fn every_provider_is_checked_for_real_and_shown_up(backend: Backend) {
    let t = spawn(backend).await;
    let checks = run_checks(&t.app).await.expect("checks");
    let states: Vec<(&str, &str)> = checks.iter().map(|c| (c.component.code(), c.health.as_str())).collect();
    assert_eq!(
        states,
        [("database", "up"), ("object_store", "up"), ("mpesa", "up"), ("cards", "up"), ("sms", "up"), ("email", "up"), ("register", "up")],
        "{checks:?}"
    );

    let response = t.client.get(t.url("/status.json")).send().await.expect("json");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["components"].as_array().map(Vec::len), Some(7), "{body}");
    assert!(body["components"].as_array().expect("list").iter().all(|c| c["state"] == "up" && c["checked_at"].is_i64()), "{body}");
    assert_eq!(body["incidents"], serde_json::json!([]));
    assert!(body["components"].as_array().expect("list").iter().all(|c| c.get("detail").is_none()), "no internal detail in public: {body}");

    let (status, page) = t.get("/status").await;
    assert_eq!(status, 200);
    assert!(page.contains("M-Pesa payments") && page.contains("Working") && page.contains("No problems in the last 7 days."), "{page}");
    let sw = t.client.get(t.url("/status")).header("Accept-Language", "sw").send().await.expect("page").text().await.expect("text");
    assert!(sw.contains("Malipo ya M-Pesa") && sw.contains("Inafanya kazi"), "{sw}");
}

async fn when_mpesa_is_down_the_status_and_pay_pages_say_so(backend: Backend) {
    // Daraja at an address where nothing listens.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr");
    let t = spawn_configured(backend, |s| s.daraja_base_url = Some(format!("http://{dead}"))).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let id = awaiting_payment(&t, &token).await;

    // (The worker's first round of checks runs at start-up too; this one is the test's.)
    let checks = run_checks(&t.app).await.expect("checks");
    let mpesa = checks.iter().find(|c| c.component.code() == "mpesa").expect("checked");
    assert_eq!(mpesa.health.as_str(), "down", "{mpesa:?}");
    assert!(checks.iter().filter(|c| c.component.code() != "mpesa").all(|c| c.health.as_str() == "up"), "{checks:?}");
    // A second failed check keeps the one incident open.
    run_checks(&t.app).await.expect("checks");

    let body: Value = t.client.get(t.url("/status.json")).send().await.expect("json").json().await.expect("json");
    let incidents = body["incidents"].as_array().expect("incidents");
    assert_eq!(incidents.len(), 1, "{body}");
    assert_eq!((incidents[0]["component"].as_str(), incidents[0]["state"].as_str()), (Some("mpesa"), Some("down")));
    assert!(incidents[0]["ended_at"].is_null(), "still going on");
    let (_, status_page) = t.get("/status").await;
    assert!(status_page.contains("Not working") && status_page.contains("still going on"), "{status_page}");

    let (status, page) = t.get(&format!("/applications/{id}/pay")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"mpesa-down\"") && page.contains("M-Pesa is not working right now"), "the pay page warns first: {page}");
}

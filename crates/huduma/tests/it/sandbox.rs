//! The sandboxes speak the providers' contracts, and vanish outside sandbox mode.

use crate::both_databases;
use crate::helpers::{Backend, Options, spawn, spawn_with};
use huduma::config::{RegisterConfig, SmsConfig};
use huduma::integrations::africastalking::{AfricasTalking, SmsError};
use huduma::integrations::iprs::{IprsClient, RegisterDocument};
use huduma::secret::Secret;

both_databases!(
    africastalking_contract,
    population_register_contract,
    sandbox_routes_are_absent_outside_sandbox_mode,
    email_goes_through_smtp
);

async fn africastalking_contract(backend: Backend) {
    let t = spawn(backend).await;
    let url = t.url("/sandbox/africastalking/version1/messaging");
    let response = reqwest::Client::new()
        .post(&url)
        .form(&[("username", "sandbox"), ("to", "+254712345678"), ("message", "hi")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 401, "apiKey is required");

    let key = simulator_key(&t);
    let response = reqwest::Client::new()
        .post(&url)
        .header("apiKey", &key)
        .header("Accept", "application/json")
        .form(&[("username", "sandbox"), ("to", "+254712345678,0712345678"), ("message", "Habari")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 201);
    let body: serde_json::Value = response.json().await.expect("json");
    let recipients = &body["SMSMessageData"]["Recipients"];
    assert_eq!(recipients[0]["statusCode"], 101);
    assert_eq!(recipients[0]["status"], "Success");
    assert!(recipients[0]["messageId"].as_str().is_some_and(|id| id.starts_with("ATXid_")));
    assert_eq!(recipients[1]["statusCode"], 403, "numbers must be +254…");
    assert_eq!(recipients[1]["status"], "InvalidPhoneNumber");
    assert_eq!(body["SMSMessageData"]["Message"], "Sent to 1/2 Total Cost: KES 0.8000");

    let xml = reqwest::Client::new()
        .post(&url)
        .header("apiKey", &key)
        .form(&[("username", "sandbox"), ("to", "+254712345678"), ("message", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(xml.status().as_u16(), 201);
    assert!(xml.text().await.unwrap_or_default().starts_with("<AfricasTalkingResponse>"), "XML without Accept: application/json");

    // The production client reads success and refusal correctly.
    let client = AfricasTalking::new(SmsConfig {
        base_url: t.url("/sandbox/africastalking"),
        username: "sandbox".into(),
        api_key: Secret::new(key),
        sender: None,
    })
    .expect("client");
    assert!(client.send("+254712345678", "test").await.is_ok_and(|id| id.starts_with("ATXid_")));
    assert!(matches!(client.send("+255712345678", "test").await, Err(SmsError::Permanent(_))));
    let wrong = AfricasTalking::new(SmsConfig {
        base_url: t.url("/sandbox/africastalking"),
        username: "sandbox".into(),
        api_key: Secret::new("wrong"),
        sender: None,
    })
    .expect("client");
    assert!(matches!(wrong.send("+254712345678", "test").await, Err(SmsError::Transient(_))), "bad credentials are retried, not dropped");
    let messages = t.messages().await;
    assert!(messages.iter().any(|m| m["channel"] == "sms" && m["body"] == "Habari" && m["recipient"] == "+254712345678"));
}

async fn population_register_contract(backend: Backend) {
    let t = spawn(backend).await;
    let config =
        |password: &str| RegisterConfig { url: t.url("/sandbox/iprs"), username: "sandbox".into(), password: Secret::new(password) };
    let client = IprsClient::new(config(&simulator_key(&t))).expect("client");
    let person = client.lookup(RegisterDocument::IdCard, "12345678").await.expect("lookup").expect("found");
    assert_eq!((person.first_name.as_str(), person.surname.as_str(), person.date_of_birth.as_str()), ("WANJIKU", "KAMAU", "1990-04-12"));
    assert_eq!(client.lookup(RegisterDocument::IdCard, "11111111").await.expect("lookup"), None);
    assert_eq!(client.lookup(RegisterDocument::IdCard, "9100231").await.expect("lookup"), None, "alien numbers are not ID cards");
    assert!(client.lookup(RegisterDocument::AlienCard, "9100231").await.expect("lookup").is_some());
    let bad = IprsClient::new(config("wrong")).expect("client");
    assert!(bad.lookup(RegisterDocument::IdCard, "12345678").await.is_err(), "a SOAP fault is an outage, not 'not found'");
    // The raw contract: a SOAP envelope with IPRS field names.
    let body = huduma::integrations::iprs::request_envelope(RegisterDocument::IdCard, "sandbox", &simulator_key(&t), "12345678");
    let xml = reqwest::Client::new()
        .post(t.url("/sandbox/iprs"))
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("text");
    for field in [
        "<ErrorOcurred>false</ErrorOcurred>",
        "<First_Name>WANJIKU</First_Name>",
        "<ID_Number>12345678</ID_Number>",
        "<Date_of_Birth>12/4/1990 00:00:00</Date_of_Birth>",
        "GetDataByIdCardResult",
    ] {
        assert!(xml.contains(field), "{field} in {xml}");
    }
}

async fn sandbox_routes_are_absent_outside_sandbox_mode(backend: Backend) {
    let t = spawn_with(backend, Options { sandbox: false, ..Options::default() }).await;
    for path in ["/sandbox/messages", "/sandbox/messages.json", "/sandbox/people.json"] {
        let response = reqwest::get(t.url(path)).await.expect("get");
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    let response = reqwest::Client::new().post(t.url("/sandbox/africastalking/version1/messaging")).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 404);
    let (_, home) = t.get("/").await;
    assert!(!home.contains("sandbox-banner"), "no banner outside sandbox mode");
    // Registration says clearly that the register is unreachable, and keeps the input.
    let (status, body) = t
        .post_json(
            "/api/v1/registrations",
            serde_json::json!({"account_type": "citizen", "document_number": "12345678", "first_name": "Wanjiku", "year_of_birth": "1990"}),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("register.unavailable")));
    let spawned = spawn(backend).await;
    let (_, page) = spawned.get("/").await;
    assert!(page.contains("sandbox-banner"), "the banner shows in sandbox mode");
}

async fn email_goes_through_smtp(backend: Backend) {
    let t = spawn(backend).await;
    let mailer = t.app.mailer.clone().expect("sandbox mailer");
    mailer.send("someone@example.com", "Karibu – habari", "Line one\nMstari wa pili: ñ €").await.expect("SMTP delivery");
    let messages = t.messages().await;
    let mail = messages.iter().find(|m| m["recipient"] == "someone@example.com").expect("the sink received it");
    assert_eq!(mail["channel"], "email");
    assert_eq!(mail["subject"], "Karibu – habari");
    assert_eq!(mail["body"], "Line one\nMstari wa pili: ñ €");
    let (status, page) = t.get("/sandbox/messages").await;
    assert_eq!(status, 200);
    assert!(page.contains("Karibu – habari"));
}

/// The key the SMS and register simulators expect: the one start-up gave the portal's own
/// SMS client when it pointed it at the simulator.
fn simulator_key(t: &crate::helpers::TestApp) -> String {
    t.app.config.sms.as_ref().expect("the sandbox's SMS settings").api_key.expose().to_owned()
}

//! The same journeys through the JSON API, as a mobile app would make them.

use crate::both_databases;
use crate::helpers::{Backend, WANJIKU, create_account_api, register_api, sign_in_api, spawn};
use reqwest::Method;
use serde_json::json;

both_databases!(
    api_register_verify_sign_in_and_out,
    api_errors_have_stable_codes,
    api_visitor_and_resident_register,
    api_unverified_account_is_sent_back_to_verification,
    api_password_reset
);

async fn api_register_verify_sign_in_and_out(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let (status, me) = t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(me["first_name"], "Wanjiku");
    assert_eq!(me["surname"], "Kamau");
    assert_eq!(me["phone"], "+254712345678");
    assert_eq!(me["document_number"], "12345678");

    let (status, _) = t.api(Method::POST, "/api/v1/me/sign-out", Some(&token), None).await;
    assert_eq!(status, 204);
    let (status, body) = t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));

    let token = sign_in_api(&t, "wanjiku.kamau@example.com", WANJIKU.password, WANJIKU.phone).await;
    let (status, sessions) = t.api(Method::GET, "/api/v1/me/sessions", Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(sessions.as_array().map(Vec::len), Some(1), "the signed-out session is gone");
    assert_eq!(sessions[0]["current"], true);
}

async fn api_errors_have_stable_codes(backend: Backend) {
    let t = spawn(backend).await;
    let (status, body) = t
        .post_json(
            "/api/v1/registrations",
            json!({"account_type": "citizen", "document_number": "abc", "first_name": "", "year_of_birth": "x"}),
        )
        .await;
    assert_eq!(status, 422);
    let codes: Vec<&str> = body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(codes, ["national_id.invalid", "name.invalid", "year.invalid"]);
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));

    let (status, body) = t
        .post_json(
            "/api/v1/registrations",
            json!({"account_type": "citizen", "document_number": "99999999", "first_name": "Nobody", "year_of_birth": "1990"}),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("register.no_match")));

    let (status, body) = t.post_json("/api/v1/registrations/details", json!({"registration_token": "made-up", "phone": "0712345678", "email": "a@b.co", "password": "x", "password_confirmation": "x"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (410, Some("flow.expired")));

    let response = reqwest::Client::new()
        .post(t.url("/api/v1/sign-in"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "body.invalid");

    let response = reqwest::Client::new()
        .post(t.url("/api/v1/sign-in"))
        .header("accept-language", "sw")
        .json(&json!({"identifier": "", "password": "x"}))
        .send()
        .await
        .expect("post");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "identifier.required");
    assert_ne!(body["error"]["message"], "Enter your email address or ID number.", "message follows Accept-Language");
}

async fn api_visitor_and_resident_register(backend: Backend) {
    let t = spawn(backend).await;
    let (status, body) = t
        .post_json("/api/v1/registrations", json!({"account_type": "visitor", "document_number": "tz 1234567", "first_name": "Neema", "surname": "Mushi", "date_of_birth": "1988-07-01", "nationality": "Tanzanian"}))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["identity"]["document_number"], "TZ1234567");
    assert_eq!(body["identity"]["document_kind"], "passport");
    let (status, body) = t
        .post_json("/api/v1/registrations", json!({"account_type": "visitor", "document_number": "TZ7654321", "first_name": "Baraka", "surname": "Mushi", "date_of_birth": "2015-01-01", "nationality": "Tanzanian"}))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("register.minor")));
    let (status, body) = t
        .post_json(
            "/api/v1/registrations",
            json!({"account_type": "resident", "document_number": "9100231", "first_name": "AMANI", "year_of_birth": "1985"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["identity"]["first_name"], "Amani");
    assert_eq!(body["identity"]["surname"], "", "the register's record stays hidden until the phone is proved");
    assert_eq!(body["identity"]["document_kind"], "alien_card");
    let (status, body) = t
        .post_json(
            "/api/v1/registrations",
            json!({"account_type": "citizen", "document_number": "9100231", "first_name": "Amani", "year_of_birth": "1985"}),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("register.no_match")), "an alien number is not a national ID");
}

async fn api_unverified_account_is_sent_back_to_verification(backend: Backend) {
    let t = spawn(backend).await;
    create_account_api(&t, &WANJIKU).await;
    // The person walks away, then comes back and signs in.
    let (status, body) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": WANJIKU.password})).await;
    assert_eq!((status, body["next"].as_str()), (200, Some("verify")), "{body}");
    let token = body["verification_token"].as_str().expect("token");
    let (status, progress) = t.post_json("/api/v1/verifications/status", json!({"verification_token": token})).await;
    assert_eq!((status, progress["phone_verified"].as_bool()), (200, Some(false)));
    // A second registration for the same ID is told to sign in instead.
    let (status, body) = t
        .post_json(
            "/api/v1/registrations",
            json!({"account_type": "citizen", "document_number": WANJIKU.id, "first_name": "Wanjiku", "year_of_birth": "1990"}),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("account.exists")));
}

async fn api_password_reset(backend: Backend) {
    let t = spawn(backend).await;
    let old_token = register_api(&t, &WANJIKU).await;
    let seen = vec![t.code_for(WANJIKU.email).await];
    let (status, body) = t.post_json("/api/v1/password-reset", json!({"identifier": WANJIKU.id, "channel": "email"})).await;
    assert_eq!(status, 202);
    let reset = body["reset_token"].as_str().expect("token").to_owned();
    // Unknown accounts get the same answer.
    let (status, unknown) = t.post_json("/api/v1/password-reset", json!({"identifier": "nobody@example.com", "channel": "email"})).await;
    assert_eq!(status, 202);
    assert_eq!(
        unknown.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()),
        body.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>())
    );
    let code = t.code_for_after(WANJIKU.email, &seen).await;
    let (status, body) = t
        .post_json(
            "/api/v1/password-reset/complete",
            json!({"reset_token": reset, "code": code, "password": "password", "password_confirmation": "password"}),
        )
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("password.common")));
    let (status, _) = t
        .post_json(
            "/api/v1/password-reset/complete",
            json!({"reset_token": reset, "code": code, "password": "a brand new tune", "password_confirmation": "a brand new tune"}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = t.api(Method::GET, "/api/v1/me", Some(&old_token), None).await;
    assert_eq!(status, 401, "a reset ends every session");
    let (status, body) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": "a brand new tune"})).await;
    assert_eq!((status, body["next"].as_str()), (200, Some("second_factor")));
}

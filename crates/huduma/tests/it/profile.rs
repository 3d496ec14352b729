//! The signed-in person's own account: password, sessions, contacts, language, TOTP.

use crate::both_databases;
use crate::helpers::{Backend, WANJIKU, new_client, register_api, register_html, spawn};
use reqwest::Method;
use serde_json::json;

both_databases!(
    change_password_signs_out_other_devices,
    sessions_list_and_sign_out_everywhere,
    change_email_needs_the_new_code,
    language_choice_is_remembered,
    authenticator_app_replaces_codes_once_per_step
);

async fn change_password_signs_out_other_devices(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let other = crate::helpers::sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let (status, _, page) = t
        .submit(
            "/account/password",
            "/account/password",
            &[("current_password", "wrong one"), ("password", "sunrise over kisumu"), ("password_confirmation", "sunrise over kisumu")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Your current password is not right"));
    let (status, url, page) = t
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", WANJIKU.password),
                ("password", "sunrise over kisumu"),
                ("password_confirmation", "sunrise over kisumu"),
            ],
        )
        .await;
    assert_eq!((status, url.as_str()), (200, "/account"), "{page}");
    assert!(page.contains("Your password has been changed"));
    let (status, _) = t.api(Method::GET, "/api/v1/me", Some(&other), None).await;
    assert_eq!(status, 401, "the other device was signed out");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.email && m["subject"].as_str().is_some_and(|s| s.contains("password was changed")))
        .await;
}

async fn sessions_list_and_sign_out_everywhere(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let api = crate::helpers::sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let (status, page) = t.get("/account/sessions").await;
    assert_eq!(status, 200);
    assert!(page.contains("This device"));
    assert_eq!(page.matches("/revoke\"").count(), 1, "one other session can be ended");
    let (_, sessions) = t.api(Method::GET, "/api/v1/me/sessions", Some(&api), None).await;
    let web_id = sessions
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["kind"] == "web")
        .and_then(|s| s["id"].as_str())
        .expect("web session")
        .to_owned();
    let (status, _) = t.api(Method::DELETE, &format!("/api/v1/me/sessions/{web_id}"), Some(&api), None).await;
    assert_eq!(status, 204);
    let response = t.client.get(t.url("/account")).send().await.expect("get");
    assert_eq!(response.url().path(), "/sign-in", "the browser session was ended from the app");
    let (status, _) = t.api(Method::POST, "/api/v1/me/sign-out-everywhere", Some(&api), None).await;
    assert_eq!(status, 204);
    let (status, _) = t.api(Method::GET, "/api/v1/me", Some(&api), None).await;
    assert_eq!(status, 401);
}

async fn change_email_needs_the_new_code(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (status, url, page) =
        t.submit("/account/contact?channel=email", "/account/contact", &[("channel", "email"), ("value", "not-an-email")]).await;
    assert_eq!((status, url.as_str()), (422, "/account/contact"));
    assert!(page.contains("value=\"not-an-email\""));
    let (status, url, _) =
        t.submit("/account/contact?channel=email", "/account/contact", &[("channel", "email"), ("value", "mary.kamau@example.org")]).await;
    assert_eq!((status, url.as_str()), (200, "/account/contact"));
    let code = t.code_for("mary.kamau@example.org").await;
    let (status, _, page) = t.submit("/account/contact", "/account/contact/verify", &[("code", "000000")]).await;
    assert_eq!(status, 422, "codes sent in tests count up from 100001: {page}");
    let (status, url, page) = t.submit("/account/contact", "/account/contact/verify", &[("code", &code)]).await;
    assert_eq!((status, url.as_str()), (200, "/account"), "{page}");
    assert!(page.contains("mary.kamau@example.org"));
    t.wait_for_message(|m| {
        m["recipient"] == WANJIKU.email && m["subject"].as_str().is_some_and(|s| s.contains("email address was changed"))
    })
    .await;
    // Phone through the API: the new number gets the code.
    let token = crate::helpers::sign_in_api(&t, "mary.kamau@example.org", WANJIKU.password, WANJIKU.phone).await;
    let (status, body) =
        t.api(Method::POST, "/api/v1/me/contact", Some(&token), Some(json!({"channel": "sms", "value": "0722 111 222"}))).await;
    assert_eq!(status, 202, "{body}");
    let code = t.code_for("+254722111222").await;
    let (status, _) = t
        .api(Method::POST, "/api/v1/me/contact/verify", Some(&token), Some(json!({"contact_token": body["contact_token"], "code": code})))
        .await;
    assert_eq!(status, 204);
    let (_, me) = t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(me["phone"], "+254722111222");
}

async fn language_choice_is_remembered(backend: Backend) {
    let t = spawn(backend).await;
    let (_, english) = t.get("/").await;
    assert!(english.contains("lang=\"en\""));
    let (status, swahili) = t.get("/language/sw?next=/sign-in").await;
    assert_eq!(status, 200);
    assert!(swahili.contains("lang=\"sw\""));
    assert!(!swahili.contains("Forgot your password?"), "the sign-in page is in Kiswahili");
    let fresh = new_client();
    let page = fresh.get(t.url("/")).header("accept-language", "sw-KE,sw;q=0.9").send().await.expect("get").text().await.expect("text");
    assert!(page.contains("lang=\"sw\""), "Accept-Language picks Kiswahili for a first visit");
    let token = register_api(&t, &WANJIKU).await;
    let (status, me) = t.api(Method::PATCH, "/api/v1/me", Some(&token), Some(json!({"language": "sw"}))).await;
    assert_eq!((status, me["language"].as_str()), (200, Some("sw")));
    let (status, body) = t.api(Method::PATCH, "/api/v1/me", Some(&token), Some(json!({"language": "fr"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("language.invalid")));
    // Messages follow the account's language.
    let before = t.code_for(WANJIKU.phone).await;
    let (_, started) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": WANJIKU.password})).await;
    t.post_json("/api/v1/sign-in/code", json!({"sign_in_token": started["sign_in_token"], "channel": "sms"})).await;
    let code = t.code_for_after(WANJIKU.phone, &[before]).await;
    let sms = t.messages().await.into_iter().find(|m| m["body"].as_str().is_some_and(|b| b.contains(&code))).expect("sms");
    assert!(!sms["body"].as_str().unwrap_or("").contains("is your code"), "the SMS is in Kiswahili: {sms}");
}

async fn authenticator_app_replaces_codes_once_per_step(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let (status, setup) = t.api(Method::POST, "/api/v1/me/totp", Some(&token), None).await;
    assert_eq!(status, 200);
    let secret = setup["secret"].as_str().expect("secret").to_owned();
    assert!(setup["otpauth_url"].as_str().is_some_and(|u| u.starts_with("otpauth://totp/Huduma")));
    let now = t.app.clock.now();
    let code = huduma::services::totp::code_at(&secret, now).expect("code");
    let wrong = crate::helpers::wrong_totp(&secret, now);
    let (status, _) =
        t.api(Method::POST, "/api/v1/me/totp/confirm", Some(&token), Some(json!({"setup_token": setup["token"], "code": wrong}))).await;
    assert_eq!(status, 422);
    let (status, _) =
        t.api(Method::POST, "/api/v1/me/totp/confirm", Some(&token), Some(json!({"setup_token": setup["token"], "code": code}))).await;
    assert_eq!(status, 204);

    // Sign-in now asks for the app's code, not an SMS.
    t.app.clock.advance(30);
    let (_, started) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": WANJIKU.password})).await;
    assert_eq!(started["second_step"]["method"], "totp");
    let code = huduma::services::totp::code_at(&secret, t.app.clock.now()).expect("code");
    let (status, session) = t.post_json("/api/v1/sign-in/verify", json!({"sign_in_token": started["sign_in_token"], "code": code})).await;
    assert_eq!(status, 200, "{session}");
    // The same code cannot be used twice.
    let (_, again) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": WANJIKU.password})).await;
    let (status, body) = t.post_json("/api/v1/sign-in/verify", json!({"sign_in_token": again["sign_in_token"], "code": code})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("totp.replayed")));
    // Turning it off needs a fresh code.
    t.app.clock.advance(30);
    let code = huduma::services::totp::code_at(&secret, t.app.clock.now()).expect("code");
    let (status, _) = t.api(Method::POST, "/api/v1/me/totp/disable", Some(&token), Some(json!({"code": code}))).await;
    assert_eq!(status, 204);
    let (_, me) = t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(me["totp_enabled"], false);
}

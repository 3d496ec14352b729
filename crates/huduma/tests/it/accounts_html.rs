//! The citizen journey through the HTML pages.

use crate::both_databases;
use crate::helpers::{Backend, WANJIKU, register_html, spawn};

both_databases!(
    register_verify_sign_out_and_sign_in_again,
    registration_errors_keep_what_was_typed,
    register_refuses_who_the_register_refuses,
    password_reset_through_pages
);

async fn register_verify_sign_out_and_sign_in_again(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (status, account) = t.get("/account").await;
    assert_eq!(status, 200);
    assert!(account.contains("Wanjiku Mary Kamau"), "names come from the register: {account}");
    assert!(account.contains("12345678"));

    let (status, url, home) = t.submit("/account", "/sign-out", &[]).await;
    assert_eq!((status, url.as_str()), (200, "/"));
    assert!(home.contains("You have signed out"));
    let (_, _, _) = (0, 0, 0);
    let response = t.client.get(t.url("/account")).send().await.expect("GET");
    assert_eq!(response.url().path(), "/sign-in", "signed out: /account sends to sign-in");

    // Sign in with the ID number, choose email, type the code.
    let (status, url, _) = t.submit("/sign-in", "/sign-in", &[("identifier", "12345678"), ("password", WANJIKU.password)]).await;
    assert_eq!((status, url.as_str()), (200, "/sign-in/code"));
    let previous = t.code_for(WANJIKU.email).await;
    let (status, url, page) = t.submit("/sign-in/code", "/sign-in/send", &[("channel", "email")]).await;
    assert_eq!((status, url.as_str()), (200, "/sign-in/code"));
    assert!(page.contains("wa•••@example.com"), "{page}");
    let code = t.code_for_after(WANJIKU.email, &[previous]).await;
    let (status, url, _) = t.submit("/sign-in/code", "/sign-in/code", &[("code", &code)]).await;
    assert_eq!((status, url.as_str()), (200, "/account"));

    // Sign in with the email address too (after signing out).
    t.submit("/account", "/sign-out", &[]).await;
    let (status, url, _) =
        t.submit("/sign-in", "/sign-in", &[("identifier", "WANJIKU.KAMAU@example.com"), ("password", WANJIKU.password)]).await;
    assert_eq!((status, url.as_str()), (200, "/sign-in/code"));
}

async fn registration_errors_keep_what_was_typed(backend: Backend) {
    let t = spawn(backend).await;
    let (status, _, page) = t
        .submit(
            "/register/identity?type=citizen",
            "/register/identity",
            &[("account_type", "citizen"), ("document_number", "12-34"), ("first_name", "Wanjiku"), ("year_of_birth", "90")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("There is a problem"));
    assert!(page.contains("Enter your ID number: 6 to 9 digits"));
    assert!(page.contains("Enter your year of birth as 4 digits"));
    assert!(page.contains("value=\"12-34\"") && page.contains("value=\"Wanjiku\""), "typed values are kept");

    let (status, url, _) = t
        .submit(
            "/register/identity?type=citizen",
            "/register/identity",
            &[("account_type", "citizen"), ("document_number", "12345678"), ("first_name", "wanjiku"), ("year_of_birth", "1990")],
        )
        .await;
    assert_eq!((status, url.as_str()), (200, "/register/details"), "first names match without regard to case");
    let (status, _, page) = t
        .submit(
            "/register/details",
            "/register/details",
            &[("phone", "0812"), ("email", "wanjiku@"), ("password", "password1"), ("password_confirmation", "password1")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Enter a Kenyan mobile number"));
    assert!(page.contains("Enter an email address in the right format"));
    assert!(page.contains("too common"));
    assert!(page.contains("value=\"0812\"") && page.contains("value=\"wanjiku@\""), "typed contacts are kept");
    assert!(!page.contains("password1"), "passwords are never echoed back");

    let (status, _, page) = t
        .submit(
            "/register/details",
            "/register/details",
            &[
                ("phone", "0712345678"),
                ("email", "w@example.com"),
                ("password", "Wanjiku-in-Nyeri"),
                ("password_confirmation", "Wanjiku-in-Nyeri"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("must not contain your name"), "context words are refused");

    // Swahili: the same error, translated.
    t.get("/language/sw?next=/").await;
    let (status, _, page) = t
        .submit(
            "/register/details",
            "/register/details",
            &[("phone", "0712"), ("email", "w@example.com"), ("password", "a river of tea"), ("password_confirmation", "a river of tea")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("lang=\"sw\""));
    assert!(!page.contains("Enter a Kenyan mobile number"), "error shown in Kiswahili");
}

async fn register_refuses_who_the_register_refuses(backend: Backend) {
    let t = spawn(backend).await;
    let people: serde_json::Value = reqwest::get(t.url("/sandbox/people.json")).await.expect("people").json().await.expect("json");
    let people = people.as_array().expect("list");
    assert!(people.len() >= 50);
    let find = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        people.iter().find(|p| p["kind"] == "citizen" && pred(p)).cloned().expect("sandbox has such a person")
    };
    let minor = find(&|p| p["Date_of_Birth"].as_str().is_some_and(|d| d > "2010"));
    let dead = find(&|p| !p["Date_of_Death"].is_null());
    let attempt = |p: &serde_json::Value, first: &str| {
        let id = p["ID_Number"].as_str().unwrap_or_default().to_owned();
        let year = p["Date_of_Birth"].as_str().unwrap_or_default()[..4].to_owned();
        let first = first.to_owned();
        let t = &t;
        async move {
            t.submit(
                "/register/identity?type=citizen",
                "/register/identity",
                &[("account_type", "citizen"), ("document_number", &id), ("first_name", &first), ("year_of_birth", &year)],
            )
            .await
        }
    };
    let (status, _, page) = attempt(&minor, minor["First_Name"].as_str().unwrap_or_default()).await;
    assert_eq!(status, 422);
    assert!(page.contains("18 or over"), "{page}");
    let (status, _, page) = attempt(&dead, dead["First_Name"].as_str().unwrap_or_default()).await;
    assert_eq!(status, 422);
    assert!(page.contains("cannot create an account for this ID number"));
    let (status, _, page) = attempt(&people[0], "Wanjiru").await;
    assert_eq!(status, 422);
    assert!(page.contains("could not match these details"), "wrong first name");
    let unknown = serde_json::json!({"ID_Number": "11111111", "Date_of_Birth": "1990-01-01"});
    let (status, _, page) = attempt(&unknown, "Wanjiku").await;
    assert_eq!(status, 422);
    assert!(page.contains("could not match these details"), "unknown ID");

    register_html(&t, &WANJIKU).await;
    t.submit("/account", "/sign-out", &[]).await;
    let (status, _, page) = attempt(&people[0], "Wanjiku").await;
    assert_eq!(status, 422);
    assert!(page.contains("An account already exists for this document. Sign in"), "duplicate account is pointed to sign-in");
}

async fn password_reset_through_pages(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    t.submit("/account", "/sign-out", &[]).await;
    let seen = vec![t.code_for(WANJIKU.phone).await];
    let (status, url, _) = t.submit("/forgot-password", "/forgot-password", &[("identifier", WANJIKU.email), ("channel", "sms")]).await;
    assert_eq!((status, url.as_str()), (200, "/reset-password"));
    let code = t.code_for_after(WANJIKU.phone, &seen).await;
    let (status, url, page) = t
        .submit(
            "/reset-password",
            "/reset-password",
            &[("code", &code), ("password", "a new river song"), ("password_confirmation", "a new river song")],
        )
        .await;
    assert_eq!((status, url.as_str()), (200, "/sign-in"), "{page}");
    assert!(page.contains("Your password has been changed"));
    let (status, url, _) = t.submit("/sign-in", "/sign-in", &[("identifier", WANJIKU.email), ("password", WANJIKU.password)]).await;
    assert_eq!((status, url.as_str()), (422, "/sign-in"), "old password no longer works");
    let (status, url, _) = t.submit("/sign-in", "/sign-in", &[("identifier", WANJIKU.email), ("password", "a new river song")]).await;
    assert_eq!((status, url.as_str()), (200, "/sign-in/code"));
}

//! The citizen journey through the HTML pages.

use crate::both_databases;
use crate::helpers::{Backend, TestApp, WANJIKU, csrf_of, new_client, register_html, spawn};

both_databases!(
    register_verify_sign_out_and_sign_in_again,
    registration_errors_keep_what_was_typed,
    register_refuses_who_the_register_refuses,
    password_reset_through_pages,
    a_deep_link_survives_a_citizens_sign_in,
    an_off_site_next_never_leaves_the_site,
    a_deep_link_survives_a_staff_sign_in,
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

/// The hidden `next` field of a page's form, as a browser would send it back.
fn hidden_next(html: &str) -> Option<String> {
    let marker = "name=\"next\" value=\"";
    let start = html.find(marker)? + marker.len();
    let raw = html[start..].split('"').next()?;
    Some(raw.replace("&#x2f;", "/").replace("&#47;", "/").replace("&#x3d;", "=").replace("&amp;", "&"))
}

/// Posts a form of `page` as a browser would: its CSRF token, its hidden `next` (if any)
/// and `fields`. Returns the final path and query, and the body.
async fn post_form(t: &TestApp, page: &str, action: &str, fields: &[(&str, &str)]) -> (String, String) {
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf_of(page))];
    form.extend(hidden_next(page).map(|next| ("next".to_owned(), next)));
    form.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let response = t.client.post(t.url(action)).form(&form).send().await.expect("POST");
    let url = response.url();
    let at = format!("{}{}", url.path(), url.query().map(|q| format!("?{q}")).unwrap_or_default());
    (at, response.text().await.unwrap_or_default())
}

/// Signs in from `start` (a sign-in page, perhaps with `?next=`) through the pages,
/// choosing the SMS code; returns where the person lands.
async fn citizen_signs_in_from(t: &TestApp, start: &str) -> String {
    let response = t.client.get(t.url(start)).send().await.expect("GET");
    let page = response.text().await.expect("body");
    let (at, page) = post_form(t, &page, "/sign-in", &[("identifier", WANJIKU.id), ("password", WANJIKU.password)]).await;
    assert!(at.starts_with("/sign-in/code"), "{at}: {page}");
    let before = t.code_for(WANJIKU.phone).await;
    let (at, page) = post_form(t, &page, "/sign-in/send", &[("channel", "sms")]).await;
    assert!(at.starts_with("/sign-in/code"), "{at}: {page}");
    let code = t.code_for_after(WANJIKU.phone, &[before]).await;
    post_form(t, &page, "/sign-in/code", &[("code", &code)]).await.0
}

async fn a_deep_link_survives_a_citizens_sign_in(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let mut t = TestApp { client: new_client(), ..t };
    let response = t.client.get(t.url("/applications?tab=drafts")).send().await.expect("GET");
    assert_eq!(response.url().path(), "/sign-in");
    assert_eq!(response.url().query(), Some("notice=sign_in_first&next=%2Fapplications%3Ftab%3Ddrafts"), "the page asked for rides along");
    let start = format!("/sign-in?{}", response.url().query().unwrap_or_default());
    assert_eq!(citizen_signs_in_from(&t, &start).await, "/applications?tab=drafts");
    // Already signed in: the sign-in page sends straight on.
    let response = t.client.get(t.url("/sign-in?next=/help/tickets")).send().await.expect("GET");
    assert_eq!(response.url().path(), "/help/tickets");
    // Without a `next`, the account page as before.
    t.client = new_client();
    assert_eq!(citizen_signs_in_from(&t, "/sign-in").await, "/account");
}

async fn an_off_site_next_never_leaves_the_site(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let mut t = TestApp { client: new_client(), ..t };
    for evil in ["//evil.example", "/%09/evil.example", "https://evil.example/", "/%5Cevil.example", "/%0A/evil.example"] {
        let (_, page) = t.get(&format!("/sign-in?next={evil}")).await;
        assert_eq!(hidden_next(&page), None, "{evil} is not carried on: {page}");
    }
    // The whole way through (each sign-in sends a code, and codes per phone are limited).
    for evil in ["//evil.example", "/%09/evil.example"] {
        t.client = new_client();
        assert_eq!(citizen_signs_in_from(&t, &format!("/sign-in?next={evil}")).await, "/account", "{evil}");
    }
    // Forged straight into the forms, it is refused at every step too.
    t.client = new_client();
    let (_, page) = t.get("/sign-in").await;
    let forged = page.replace("name=\"csrf\"", "name=\"next\" value=\"//evil.example\"><input type=\"hidden\" name=\"csrf\"");
    let (at, page) = post_form(&t, &forged, "/sign-in", &[("identifier", WANJIKU.id), ("password", WANJIKU.password)]).await;
    assert_eq!(at, "/sign-in/code", "{page}");
    let before = t.code_for(WANJIKU.phone).await;
    let (_, page) = post_form(&t, &page, "/sign-in/send", &[("channel", "sms"), ("next", "//evil.example")]).await;
    let code = t.code_for_after(WANJIKU.phone, &[before]).await;
    let (at, _) = post_form(&t, &page, "/sign-in/code", &[("code", &code), ("next", "/\t/evil.example")]).await;
    assert_eq!(at, "/account");
}

async fn a_deep_link_survives_a_staff_sign_in(backend: Backend) {
    use huduma::services::back_office::demo;
    let t = spawn(backend).await;
    demo::create(&t.app).await.expect("demo staff");
    let email = demo::email("officer", Some("dci"));
    async fn code(t: &TestApp, email: &str) -> String {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        let member = huduma::store::staff::by_email(&mut conn, email).await.expect("query").expect("member");
        demo::current_code(member.totp_secret.as_deref().expect("secret"), email, t.app.clock.now()).expect("code")
    }
    // The link in an escalation email, opened in a browser that is not signed in.
    let link = "/staff/applications/A0000000000";
    let response = t.client.get(t.url(link)).send().await.expect("GET");
    assert_eq!(response.url().path(), "/staff/sign-in");
    let page = response.text().await.expect("body");
    assert_eq!(hidden_next(&page).as_deref(), Some(link));
    let (at, page) = post_form(&t, &page, "/staff/sign-in", &[("email", &email), ("password", demo::PASSWORD)]).await;
    assert!(at.starts_with("/staff/sign-in/code"), "{at}: {page}");
    let (at, _) = post_form(&t, &page, "/staff/sign-in/code", &[("code", &code(&t, &email).await)]).await;
    assert_eq!(at, link, "the deep link is opened after signing in");
    // An off-site `next` lands on the staff home instead.
    t.app.clock.advance(31);
    let t = TestApp { client: new_client(), ..t };
    let (_, page) = t.get("/staff/sign-in?next=//evil.example").await;
    assert_eq!(hidden_next(&page), None);
    let (_, page) = post_form(&t, &page, "/staff/sign-in", &[("email", &email), ("password", demo::PASSWORD)]).await;
    let (at, _) = post_form(&t, &page, "/staff/sign-in/code", &[("code", &code(&t, &email).await), ("next", "//evil.example")]).await;
    assert_eq!(at, "/staff");
}

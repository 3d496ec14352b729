//! What the attacks on the portal found, each shown closed: connections that never finish,
//! metrics that grow, limits that answered differently or could be walked around by
//! writing an identifier differently, authenticator codes without a lock-out, concurrent
//! code guesses, a password reset and a registration that said too much, planted CSRF
//! cookies and a redirect off-site.

use crate::both_databases;
use crate::helpers::*;
use huduma::services::back_office::demo;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

both_databases!(
    rate_limited_answers_are_429_with_retry_after,
    identifiers_written_differently_share_one_limit,
    authenticator_codes_lock_the_sign_in_after_five_wrong,
    staff_authenticator_codes_lock_after_five_wrong,
    concurrent_code_guesses_are_counted_before_they_are_compared,
    a_password_reset_checks_the_code_before_anything_else,
    registration_shows_only_what_was_typed_until_the_phone_is_proved,
    a_planted_csrf_cookie_is_useless_against_a_signed_in_victim,
    ticket_keys_cannot_be_guessed,
);

/// A connection that sent part of its headers and then nothing.
async fn half_open(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(b"GET / HTTP/1.1\r\nHost: huduma\r\nUser-Agent: slow").await.expect("write");
    stream
}

/// Whether the server closed the connection (EOF or reset) within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            // A 408 before closing is fine; keep reading to the end.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_are_cut_off_and_never_starve_health() {
    let t = spawn_with(Backend::Sqlite, Options { header_timeout_secs: Some(1), ..Options::default() }).await;
    let addr = t.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..400 {
        held.push(half_open(&addr).await);
    }
    let health = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let response = health.get(t.url("/healthz")).send().await.expect("/healthz answers while 400 connections hang");
    assert_eq!(response.status().as_u16(), 200);
    for (i, stream) in held.iter_mut().enumerate() {
        assert!(closed_within(stream, Duration::from_secs(5)).await, "half-open connection {i} still open after the header timeout");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_a_client_is_told_to_come_back() {
    let t = spawn_with(Backend::Sqlite, Options { max_connections: Some(16), header_timeout_secs: Some(2), ..Options::default() }).await;
    let addr = t.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(half_open(&addr).await);
    }
    // The accept loop takes a permit for each connection as it accepts it. Until it has
    // accepted all 16, one more is served (200, then closed): ask until it is not.
    let mut answer = String::new();
    for _ in 0..100 {
        let mut extra = TcpStream::connect(&addr).await.expect("connect");
        extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: huduma\r\nConnection: close\r\n\r\n").await.expect("write");
        answer.clear();
        tokio::time::timeout(Duration::from_secs(5), extra.read_to_string(&mut answer)).await.expect("answered").expect("read");
        if !answer.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 5") && answer.contains("Try again"), "{answer}");
    // Once the hanging connections are cut off, the portal answers again.
    for stream in &mut held {
        assert!(closed_within(stream, Duration::from_secs(6)).await);
    }
    let (status, _) = t.get("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_labels_are_bounded_and_metrics_are_only_for_allowed_clients() {
    let t = spawn_with(Backend::Sqlite, Options { trusted_proxies: Some("127.0.0.1".into()), ..Options::default() }).await;
    let client = reqwest::Client::new();
    for verb in ["FOOBAR", "XYZZY1", "PROPFIND"] {
        let method = reqwest::Method::from_bytes(verb.as_bytes()).expect("method");
        client.request(method, t.url("/")).send().await.expect("request");
    }
    let response = client.get(t.url("/metrics")).send().await.expect("metrics");
    assert_eq!(response.status().as_u16(), 200, "the local machine reads metrics");
    let text = response.text().await.expect("text");
    assert!(text.contains("huduma_http_requests_total"));
    for verb in ["FOOBAR", "XYZZY1", "PROPFIND"] {
        assert!(!text.contains(verb), "a client-chosen method became a label: {verb}");
    }
    assert!(text.contains("method=\"other\""), "unknown methods are counted as other");
    // Behind the (trusted) proxy, the client is the forwarded address, not the proxy.
    let response = client.get(t.url("/metrics")).header("x-forwarded-for", "41.90.1.2").send().await.expect("metrics");
    assert_eq!(response.status().as_u16(), 404, "an outside client behind the proxy");
}

async fn rate_limited_answers_are_429_with_retry_after(backend: Backend) {
    let t = spawn(backend).await;
    // The receipt check answered 503 with an unfilled "{minutes}".
    let mut last = None;
    for _ in 0..61 {
        last = Some(t.client.get(t.url("/verify/receipts/RXXXXXXXXX/abcdef")).send().await.expect("get"));
    }
    let response = last.expect("answered");
    assert_eq!(response.status().as_u16(), 429);
    let wait: i64 = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!((1..=900).contains(&wait), "{wait}");
    let page = response.text().await.expect("body");
    assert!(page.contains("Too many attempts. Try again in") && !page.contains("{minutes}"), "{page}");
    // The certificate check too.
    let mut status = 0;
    let mut retry = None;
    for _ in 0..61 {
        let response = t.client.get(t.url("/verify/certificates/CXXXXXXXX/abcdef")).send().await.expect("get");
        status = response.status().as_u16();
        retry = response.headers().get("retry-after").cloned();
    }
    assert_eq!((status, retry.is_some()), (429, true));
    // A form refused by its limit says so in the page, with the header.
    for _ in 0..10 {
        t.submit("/sign-in", "/sign-in", &[("identifier", "someone@example.com"), ("password", "guess guess")]).await;
    }
    let page = t.client.get(t.url("/sign-in")).send().await.expect("page").text().await.expect("body");
    let response = t
        .client
        .post(t.url("/sign-in"))
        .form(&[("csrf", csrf_of(&page).as_str()), ("identifier", "someone@example.com"), ("password", "guess guess")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some(), "form pages carry Retry-After too");
}

async fn identifiers_written_differently_share_one_limit(backend: Backend) {
    let t = spawn(backend).await;
    register_api(&t, &WANJIKU).await;
    for _ in 0..10 {
        let (status, _) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": "not the password"})).await;
        assert_eq!(status, 422);
    }
    for spelling in ["1234 5678", " 12345678 ", "1234-5678", "12 34 56 78"] {
        let (status, body) = t.post_json("/api/v1/sign-in", json!({"identifier": spelling, "password": WANJIKU.password})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")), "{spelling:?} is the same identifier");
    }
    // Email addresses in another case are the same identifier too.
    for _ in 0..10 {
        t.post_json("/api/v1/sign-in", json!({"identifier": "Brian.Ochieng@Example.com", "password": "guess guess"})).await;
    }
    let (status, _) = t.post_json("/api/v1/sign-in", json!({"identifier": "brian.ochieng@example.COM ", "password": "guess"})).await;
    assert_eq!(status, 429);
}

/// Wanjiku with an authenticator app; returns its secret.
async fn with_authenticator(t: &TestApp) -> String {
    let token = register_api(t, &WANJIKU).await;
    let (_, setup) = t.api(reqwest::Method::POST, "/api/v1/me/totp", Some(&token), None).await;
    let secret = setup["secret"].as_str().expect("secret").to_owned();
    let code = huduma::services::totp::code_at(&secret, t.app.clock.now()).expect("code");
    let (status, _) = t
        .api(reqwest::Method::POST, "/api/v1/me/totp/confirm", Some(&token), Some(json!({"setup_token": setup["token"], "code": code})))
        .await;
    assert_eq!(status, 204);
    t.app.clock.advance(30);
    secret
}

async fn authenticator_codes_lock_the_sign_in_after_five_wrong(backend: Backend) {
    let t = spawn(backend).await;
    let secret = with_authenticator(&t).await;
    let (_, started) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": WANJIKU.password})).await;
    let token = started["sign_in_token"].clone();
    let wrong = crate::helpers::wrong_totp(&secret, t.app.clock.now());
    for attempt in 1..=5 {
        let (status, body) = t.post_json("/api/v1/sign-in/verify", json!({"sign_in_token": token, "code": wrong})).await;
        let expected = if attempt < 5 { "totp.wrong" } else { "totp.too_many_attempts" };
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some(expected)), "attempt {attempt}");
    }
    let right = huduma::services::totp::code_at(&secret, t.app.clock.now()).expect("code");
    let (status, body) = t.post_json("/api/v1/sign-in/verify", json!({"sign_in_token": token, "code": right})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("totp.too_many_attempts")), "even the right code: sign in again");
    // Starting again from the password works.
    let (_, again) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": WANJIKU.password})).await;
    let (status, _) = t.post_json("/api/v1/sign-in/verify", json!({"sign_in_token": again["sign_in_token"], "code": right})).await;
    assert_eq!(status, 200);
}

async fn staff_authenticator_codes_lock_after_five_wrong(backend: Backend) {
    let t = spawn(backend).await;
    demo::create(&t.app).await.expect("demo staff");
    let email = "officer.dci@demo.huduma.test";
    let client = new_client();
    let page = client.get(t.url("/staff/sign-in")).send().await.expect("GET").text().await.expect("body");
    let form = [("csrf", csrf_of(&page)), ("email", email.to_owned()), ("password", demo::PASSWORD.to_owned())];
    let response = client.post(t.url("/staff/sign-in")).form(&form).send().await.expect("POST");
    assert_eq!(response.url().path(), "/staff/sign-in/code");
    let mut page = response.text().await.expect("body");
    let secret = {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        huduma::store::staff::by_email(&mut conn, email).await.expect("query").expect("member").totp_secret.expect("secret")
    };
    let wrong = crate::helpers::wrong_totp(&secret, t.app.clock.now());
    for _ in 0..5 {
        let response = client
            .post(t.url("/staff/sign-in/code"))
            .form(&[("csrf", csrf_of(&page)), ("code", wrong.clone())])
            .send()
            .await
            .expect("POST");
        page = response.text().await.expect("body");
    }
    assert!(page.contains("Too many wrong codes"), "{page}");
    let right = demo::current_code(&secret, email, t.app.clock.now()).expect("code");
    let response = client.post(t.url("/staff/sign-in/code")).form(&[("csrf", csrf_of(&page)), ("code", right)]).send().await.expect("POST");
    assert!(response.url().path().starts_with("/staff/sign-in"), "the right code after five wrong ones does not sign in");
}

async fn concurrent_code_guesses_are_counted_before_they_are_compared(backend: Backend) {
    let t = spawn(backend).await;
    let created = create_account_api(&t, &WANJIKU).await;
    let token = created["verification_token"].as_str().expect("token").to_owned();
    let sms = t.code_for(WANJIKU.phone).await;
    let wrong = "000000"; // codes sent in tests count up from 100001
    let mut guesses = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (client, url) = (reqwest::Client::new(), t.url("/api/v1/verifications/check"));
        let body = json!({"verification_token": token, "channel": "sms", "code": wrong});
        guesses.spawn(async move {
            let response = client.post(url).json(&body).send().await.expect("post");
            (response.status().as_u16(), response.json::<serde_json::Value>().await.expect("json"))
        });
    }
    let answers = guesses.join_all().await;
    let compared = answers.iter().filter(|(_, b)| b["error"]["code"] == "code.wrong").count();
    assert!(compared <= 4, "at most four guesses are told 'wrong' before the fifth locks: {answers:?}");
    let attempts: i64 = {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        sqlx::query_scalar("SELECT attempts FROM one_time_codes WHERE destination = $1 AND consumed_at IS NULL")
            .bind(WANJIKU.phone)
            .fetch_one(&mut *conn)
            .await
            .expect("attempts")
    };
    assert_eq!(attempts, 5, "exactly five guesses were compared");
    let (_, body) = t.post_json("/api/v1/verifications/check", json!({"verification_token": token, "channel": "sms", "code": sms})).await;
    assert_eq!(body["error"]["code"], "code.too_many_attempts");
}

async fn a_password_reset_checks_the_code_before_anything_else(backend: Backend) {
    let t = spawn(backend).await;
    register_api(&t, &WANJIKU).await;
    let reset = |identifier: &'static str| {
        let t = &t;
        async move {
            let (status, started) = t.post_json("/api/v1/password-reset", json!({"identifier": identifier, "channel": "sms"})).await;
            assert_eq!(status, 202, "{started}");
            started["reset_token"].as_str().expect("token").to_owned()
        }
    };
    let known = reset(WANJIKU.id).await;
    let unknown = reset("87654321").await;
    // A new password that breaks the rules because it names the holder.
    let attempt = |token: String, code: &'static str| {
        let t = &t;
        async move {
            t.post_json(
                "/api/v1/password-reset/complete",
                json!({"reset_token": token, "code": code, "password": "wanjiku12345678", "password_confirmation": "wanjiku12345678"}),
            )
            .await
        }
    };
    t.code_for(WANJIKU.phone).await;
    let wrong = "000000"; // codes sent in tests count up from 100001
    for round in 1..=5 {
        let (s1, known_answer) = attempt(known.clone(), wrong).await;
        let (s2, unknown_answer) = attempt(unknown.clone(), wrong).await;
        assert_eq!((s1, s2), (422, 422));
        assert_eq!(known_answer, unknown_answer, "round {round}: a known and an unknown account answer alike");
        let expected = if round < 5 { "code.wrong" } else { "code.too_many_attempts" };
        assert_eq!(known_answer["error"]["code"], expected, "round {round}: the code is judged first");
    }
}

async fn registration_shows_only_what_was_typed_until_the_phone_is_proved(backend: Backend) {
    let t = spawn(backend).await;
    let (status, started) = t
        .post_json(
            "/api/v1/registrations",
            json!({"account_type": "citizen", "document_number": WANJIKU.id, "first_name": "wanjiku", "year_of_birth": WANJIKU.year}),
        )
        .await;
    assert_eq!(status, 201, "{started}");
    let shown = started["identity"].to_string();
    for secret in ["Mary", "Kamau", "-0", "A0"] {
        assert!(!shown.contains(secret), "step one revealed {secret:?}: {shown}");
    }
    assert_eq!(started["identity"]["date_of_birth"], "1990");
    let (status, url, _) = t
        .submit(
            "/register/identity?type=citizen",
            "/register/identity",
            &[("account_type", "citizen"), ("document_number", WANJIKU.id), ("first_name", "Wanjiku"), ("year_of_birth", WANJIKU.year)],
        )
        .await;
    assert_eq!((status, url.as_str()), (200, "/register/details"));
    let (_, page) = t.get("/register/details").await;
    assert!(page.contains("Wanjiku") && page.contains("1990"), "what was typed is shown back");
    for secret in ["Mary", "Kamau"] {
        assert!(!page.contains(secret), "the details page revealed {secret:?}");
    }
    // Once the phone is proved the account shows the whole record.
    register_html(&t, &BRIAN).await;
    let (_, account) = t.get("/account").await;
    assert!(account.contains("Ochieng"), "the register's surname on the account");
}

async fn a_planted_csrf_cookie_is_useless_against_a_signed_in_victim(backend: Backend) {
    let t = spawn(backend).await;
    // The attacker visits the site and learns a secret and its token (they hold no session).
    let attacker = new_client();
    let page = attacker.get(t.url("/help/tickets/new")).send().await.expect("page");
    let planted = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("huduma_csrf=").map(|v| v.split(';').next().unwrap_or_default().to_owned()))
        .expect("csrf cookie");
    let token = csrf_of(&page.text().await.expect("body"));
    // The victim is signed in; the attacker plants their secret cookie in the victim's
    // browser (a sibling domain can set cookies for the parent) and posts a form for them.
    register_html(&t, &WANJIKU).await;
    let victim_session = signed_in_session(&t).await;
    let forged = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = forged
        .post(t.url("/help/tickets/new"))
        .header("cookie", format!("huduma_session={victim_session}; huduma_csrf={planted}"))
        .form(&[("csrf", token.as_str()), ("category", "payment"), ("subject", "Forged"), ("message", "Sent by someone else")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 403, "the token was minted for another session");
    let (_, tickets) = t.get("/help/tickets").await;
    assert!(!tickets.contains("Forged"), "no ticket was created in the victim's account");
    // The victim's own form, with the victim's own cookies, still works.
    let (status, _, _) = t
        .submit("/help/tickets/new", "/help/tickets/new", &[("category", "payment"), ("subject", "Mine"), ("message", "Sent by me myself")])
        .await;
    assert_eq!(status, 200);
}

/// Signs Wanjiku in on a browser whose cookies the test can read; returns the session cookie.
async fn signed_in_session(t: &TestApp) -> String {
    use reqwest::cookie::CookieStore;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder().cookie_provider(jar.clone()).build().expect("client");
    let page = client.get(t.url("/sign-in")).send().await.expect("page").text().await.expect("body");
    let form = [("csrf", csrf_of(&page)), ("identifier", WANJIKU.id.to_owned()), ("password", WANJIKU.password.to_owned())];
    let response = client.post(t.url("/sign-in")).form(&form).send().await.expect("sign in");
    assert_eq!(response.url().path(), "/sign-in/code");
    let page = response.text().await.expect("body");
    let seen = vec![t.code_for(WANJIKU.phone).await];
    client.post(t.url("/sign-in/send")).form(&[("csrf", csrf_of(&page)), ("channel", "sms".into())]).send().await.expect("send");
    let code = t.code_for_after(WANJIKU.phone, &seen).await;
    let response = client.post(t.url("/sign-in/code")).form(&[("csrf", csrf_of(&page)), ("code", code)]).send().await.expect("code");
    assert_eq!(response.url().path(), "/account");
    let url: reqwest::Url = t.url("/").parse().expect("url");
    let cookies = jar.cookies(&url).expect("cookies");
    cookies.to_str().expect("ascii").split("; ").find_map(|c| c.strip_prefix("huduma_session=")).expect("session cookie").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_host_only_over_https_and_redirects_stay_on_the_site() {
    let t = spawn_with(Backend::Sqlite, Options { public_url: Some("https://huduma.example".into()), ..Options::default() }).await;
    let response = reqwest::get(t.url("/")).await.expect("get");
    let cookies: Vec<String> = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
    assert!(cookies.iter().any(|c| c.starts_with("__Host-huduma_csrf=") && c.contains("; Secure") && c.contains("Path=/")), "{cookies:?}");
    assert!(!cookies.iter().any(|c| c.starts_with("huduma_")), "no cookie without the prefix over https: {cookies:?}");
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for next in ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "https://evil.example", "/%0A/evil.example"] {
        let response = bare.get(t.url(&format!("/language/sw?next={next}"))).send().await.expect("get");
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(location, "/", "next={next}");
    }
    let response = bare.get(t.url("/language/sw?next=/services%3Fq%3Dpassport")).send().await.expect("get");
    assert_eq!(response.headers().get("location").and_then(|v| v.to_str().ok()), Some("/services?q=passport"));
}

async fn ticket_keys_cannot_be_guessed(backend: Backend) {
    // Behind a (trusted) proxy, so the burst below can come from many addresses.
    let t = spawn_with(backend, Options { trusted_proxies: Some("127.0.0.1".into()), ..Options::default() }).await;
    // Guesses sent at once are counted before they are judged: no more than the limit
    // are ever compared (the ticket's own limit is 100 an hour).
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..150 {
        let (client, url) = (reqwest::Client::new(), t.url(&format!("/help/tickets/T0000042?key=burst{n:07}")));
        guesses.spawn(async move {
            client.get(url).header("x-forwarded-for", format!("41.90.{}.{}", n / 200, n % 200)).send().await.map(|r| r.status().as_u16())
        });
    }
    let statuses: Vec<u16> = guesses.join_all().await.into_iter().map(|r| r.expect("answered")).collect();
    let judged = statuses.iter().filter(|s| **s == 404).count();
    assert_eq!(judged, 100, "exactly the ticket's limit was judged: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 50);
    let mut last = 0;
    for n in 0..21 {
        let response = t.client.get(t.url(&format!("/help/tickets/T000000{n:02}?key=guess{n:07}"))).send().await.expect("get");
        last = response.status().as_u16();
        if n < 20 {
            assert_eq!(last, 404, "guess {n}");
        } else {
            assert!(response.headers().get("retry-after").is_some());
        }
    }
    assert_eq!(last, 429, "the 21st wrong key from one address is refused");
}

//! Security properties: cookies, CSRF, headers, enumeration, codes, rate limits, timeouts.

use crate::both_databases;
use crate::helpers::{
    AMANI, Backend, Options, WANJIKU, create_account_api, csrf_of, new_client, register_api, register_html, spawn, spawn_with,
};
use reqwest::Method;
use serde_json::json;

both_databases!(
    session_cookie_flags_and_rotation,
    csrf_is_required_on_every_form,
    headers_on_every_html_page,
    unknown_and_known_accounts_look_alike,
    codes_expire_and_lock_after_five_wrong_tries,
    sign_in_is_rate_limited,
    sessions_time_out_when_idle,
    api_routes_need_a_bearer_token_and_stay_in_their_account,
    oversize_bodies_are_refused_clearly,
    secure_cookies_behind_https,
    every_route_enforces_the_rule_it_declares,
);

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
}

/// Password, SMS code, code: returns the final response (a redirect with the session cookie).
async fn sign_in_by_hand(t: &crate::helpers::TestApp, client: &reqwest::Client, csrf: &str) -> reqwest::Response {
    let form = [("csrf", csrf), ("identifier", WANJIKU.id), ("password", WANJIKU.password)];
    let response = client.post(t.url("/sign-in")).form(&form).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 303);
    let before = t.code_for(WANJIKU.phone).await;
    let response = client.post(t.url("/sign-in/send")).form(&[("csrf", csrf), ("channel", "sms")]).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 303);
    let code = t.code_for_after(WANJIKU.phone, &[before]).await;
    let response = client.post(t.url("/sign-in/code")).form(&[("csrf", csrf), ("code", code.as_str())]).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 303);
    response
}

async fn session_cookie_flags_and_rotation(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    t.submit("/account", "/sign-out", &[]).await;

    // Drive sign-in by hand to see the Set-Cookie headers.
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let page = client.get(t.url("/sign-in")).send().await.expect("get").text().await.expect("text");
    let csrf = csrf_of(&page);
    let response = sign_in_by_hand(&t, &client, &csrf).await;
    let cookies = set_cookies(&response);
    let session = cookies.iter().find(|c| c.starts_with("huduma_session=")).expect("session cookie set");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"), "{session}");
    assert!(!session.contains("Secure"), "plain HTTP in tests: no Secure flag");
    let token = session.trim_start_matches("huduma_session=").split(';').next().expect("value").to_owned();
    assert!(token.len() >= 43, "at least 256 bits of token");

    // Rotation: signing in again from the same browser issues a new token and ends the old one.
    // (Form tokens are bound to the session the browser holds: take one from a signed-in page.)
    let page = client.get(t.url("/account")).send().await.expect("get").text().await.expect("text");
    let response = sign_in_by_hand(&t, &client, &csrf_of(&page)).await;
    let renewed = set_cookies(&response).into_iter().find(|c| c.starts_with("huduma_session=")).expect("new session cookie");
    let new_token = renewed.trim_start_matches("huduma_session=").split(';').next().expect("value").to_owned();
    assert_ne!(new_token, token, "a new token at every sign-in");
    let bare = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let old = bare.get(t.url("/account")).header("cookie", format!("huduma_session={token}")).send().await.expect("get");
    assert_eq!(old.status().as_u16(), 303, "the session presented at sign-in was ended");
    let new = bare.get(t.url("/account")).header("cookie", format!("huduma_session={new_token}")).send().await.expect("get");
    assert_eq!(new.status().as_u16(), 200);
}

async fn csrf_is_required_on_every_form(backend: Backend) {
    let t = spawn(backend).await;
    let posts = [
        "/register",
        "/register/identity",
        "/register/details",
        "/verify/phone",
        "/verify/email",
        "/verify/resend",
        "/sign-in",
        "/sign-in/code",
        "/sign-in/send",
        "/sign-out",
        "/forgot-password",
        "/reset-password",
        "/account/password",
        "/account/sessions/x/revoke",
        "/account/sign-out-everywhere",
        "/account/contact",
        "/account/contact/verify",
        "/account/two-factor/setup",
        "/account/two-factor/confirm",
        "/account/two-factor/disable",
        "/services/passport-ordinary/apply",
        "/applications/x/pages/applicant",
        "/applications/x/option",
        "/applications/x/submit",
        "/applications/x/delete",
        "/applications/x/pay/mpesa",
        "/applications/x/pay/card",
        "/payments/check",
        "/checkout/B0000000000/mpesa",
        "/sandbox/phone/ws_CO_x",
        "/track",
        "/applications/x/respond",
        "/staff/sign-in",
        "/staff/sign-in/code",
        "/staff/sign-out",
        "/staff/applications/A0000000000/actions/approve",
        "/staff/applications/A0000000000/assign",
        "/staff/applications/A0000000000/notes",
        "/staff/applications/A0000000000/certificate/C000000000/revoke",
        "/staff/members",
        "/staff/members/x",
        "/staff/bulk",
        "/help/tickets/new",
        "/help/tickets/verify",
        "/help/tickets/T00000000X/reply",
        "/help/tickets/T00000000X/reopen",
        "/help/tickets/T00000000X/rate",
        "/staff/tickets/T00000000X/reply",
        "/staff/tickets/T00000000X/route",
        "/staff/tickets/T00000000X/assign",
    ];
    t.get("/").await; // receive a CSRF cookie
    for path in posts {
        let missing = t.client.post(t.url(path)).form(&[("identifier", "x")]).send().await.expect("post");
        assert_eq!(missing.status().as_u16(), 403, "{path} without token");
        let body = missing.text().await.unwrap_or_default();
        assert!(body.contains("This form has expired"), "{path}: translated message");
        let forged = t.client.post(t.url(path)).form(&[("csrf", "forged-token")]).send().await.expect("post");
        assert_eq!(forged.status().as_u16(), 403, "{path} with a forged token");
    }
    // A token from another browser's cookie does not work either.
    let (_, page) = t.get("/sign-in").await;
    let token = csrf_of(&page);
    let other = new_client();
    other.get(t.url("/")).send().await.expect("get");
    let response =
        other.post(t.url("/sign-in")).form(&[("csrf", token.as_str()), ("identifier", "a"), ("password", "b")]).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 403);
}

async fn headers_on_every_html_page(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, started, _) = t.submit("/services/passport-ordinary", "/services/passport-ordinary/apply", &[]).await;
    let application = started.clone();
    let application_pages =
        ["", "/pages/applicant", "/pages/passport", "/option", "/documents", "/check"].map(|suffix| format!("{application}{suffix}"));
    let pages = [
        "/",
        "/applications",
        "/track",
        "/help",
        "/help/paid-but-unpaid",
        "/help/contact",
        "/payments/check",
        "/sandbox/phone",
        "/services/passport-ordinary",
        "/register",
        "/register/identity?type=citizen",
        "/register/identity?type=visitor",
        "/sign-in",
        "/forgot-password",
        "/account",
        "/account/password",
        "/account/sessions",
        "/account/contact?channel=sms",
        "/account/two-factor",
        "/sandbox/messages",
        "/services",
        "/agencies",
        "/search?q=passport",
        "/no-such-page",
    ];
    for path in pages.iter().copied().chain(application_pages.iter().map(String::as_str)) {
        let response = t.client.get(t.url(path)).send().await.expect("get");
        let h = response.headers();
        let csp = h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline") && csp.contains("default-src 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"), "{path}");
        assert_eq!(h.get("referrer-policy").and_then(|v| v.to_str().ok()), Some("same-origin"), "{path}");
        assert_eq!(h.get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"), "{path}");
        assert_eq!(h.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"), "{path}");
        let body = response.text().await.unwrap_or_default();
        let inline_script = body.match_indices("<script").any(|(i, _)| !body[i..].starts_with("<script src=\"/static/"));
        assert!(!inline_script && !body.contains("style=\""), "{path}: no inline script, no inline style");
        assert!(!body.contains("onclick=") && !body.contains("onchange="), "{path}: no event handler attributes");
        assert!(body.contains("href=\"/language/"), "{path}: language switch on every page");
    }
}

async fn unknown_and_known_accounts_look_alike(backend: Backend) {
    let t = spawn(backend).await;
    register_api(&t, &WANJIKU).await;
    let (s1, wrong_password) = t.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.email, "password": "not the password"})).await;
    let (s2, unknown) = t.post_json("/api/v1/sign-in", json!({"identifier": "nobody@example.com", "password": "not the password"})).await;
    assert_eq!((s1, s2), (422, 422));
    assert_eq!(wrong_password, unknown, "identical answers");
    let (_, _, page_known) = t.submit("/sign-in", "/sign-in", &[("identifier", WANJIKU.id), ("password", "nope nope")]).await;
    let (_, _, page_unknown) = t.submit("/sign-in", "/sign-in", &[("identifier", "87654321"), ("password", "nope nope")]).await;
    let strip = |p: &str| {
        p.replace(WANJIKU.id, "ID")
            .replace("87654321", "ID")
            .split("name=\"csrf\"")
            .map(|s| s.split_once('>').map_or("", |(_, r)| r).to_owned())
            .collect::<String>()
    };
    assert_eq!(strip(&page_known), strip(&page_unknown));
}

async fn codes_expire_and_lock_after_five_wrong_tries(backend: Backend) {
    let t = spawn(backend).await;
    let created = create_account_api(&t, &WANJIKU).await;
    let token = created["verification_token"].as_str().expect("token").to_owned();
    let sms = t.code_for(WANJIKU.phone).await;
    let wrong = "000000"; // codes sent in tests count up from 100001
    let check = |code: String| {
        let token = token.clone();
        let t = &t;
        async move { t.post_json("/api/v1/verifications/check", json!({"verification_token": token, "channel": "sms", "code": code})).await }
    };
    for attempt in 1..=5 {
        let (status, body) = check(wrong.to_owned()).await;
        let expected = if attempt < 5 { "code.wrong" } else { "code.too_many_attempts" };
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some(expected)), "attempt {attempt}");
    }
    let (_, body) = check(sms.clone()).await;
    assert_eq!(body["error"]["code"], "code.too_many_attempts", "even the right code is refused now");

    // A new code works, but not after it expires.
    t.app.clock.advance(31);
    let (status, _) = t.post_json("/api/v1/verifications/resend", json!({"verification_token": token, "channel": "sms"})).await;
    assert_eq!(status, 202);
    let (status, body) = t.post_json("/api/v1/verifications/resend", json!({"verification_token": token, "channel": "sms"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("code.resend_too_soon")));
    let fresh = t.code_for_after(WANJIKU.phone, &[sms]).await;
    t.app.clock.advance(601);
    let (_, body) = check(fresh).await;
    assert_eq!(body["error"]["code"], "code.expired");
}

async fn sign_in_is_rate_limited(backend: Backend) {
    let t = spawn(backend).await;
    let mut last = (0, serde_json::Value::Null);
    for _ in 0..11 {
        last = t.post_json("/api/v1/sign-in", json!({"identifier": "someone@example.com", "password": "guess guess"})).await;
    }
    assert_eq!((last.0, last.1["error"]["code"].as_str()), (429, Some("rate_limited")));
    // Another identifier from the same address is still allowed (until the per-IP limit).
    let (status, _) = t.post_json("/api/v1/sign-in", json!({"identifier": "other@example.com", "password": "guess guess"})).await;
    assert_eq!(status, 422);
    // The limit is in the database, so a second node shares it: a fresh client changes nothing.
    let response = reqwest::Client::new()
        .post(t.url("/api/v1/sign-in"))
        .json(&json!({"identifier": "someone@example.com", "password": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some());
    let response = t.client.get(t.url("/sign-in")).send().await.expect("page");
    assert_eq!(response.status().as_u16(), 200);
    let (status, _, page) = t.submit("/sign-in", "/sign-in", &[("identifier", "someone@example.com"), ("password", "x")]).await;
    assert_eq!(status, 429);
    assert!(page.contains("Too many attempts. Try again in"), "translated, with the wait");
}

async fn sessions_time_out_when_idle(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    t.app.clock.advance(29 * 60);
    let (status, _) = t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, 200, "still active after 29 minutes");
    t.app.clock.advance(29 * 60);
    let (status, _) = t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, 200, "activity kept it alive");
    t.app.clock.advance(31 * 60);
    let (status, _) = t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, 401, "idle for 31 minutes: ended");
    let token = crate::helpers::sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    for _ in 0..25 {
        t.app.clock.advance(29 * 60);
        t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    }
    let (status, _) = t.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, 401, "absolute timeout of 12 hours, whatever the activity");
}

async fn api_routes_need_a_bearer_token_and_stay_in_their_account(backend: Backend) {
    let t = spawn(backend).await;
    let routes = [
        (Method::GET, "/api/v1/me"),
        (Method::PATCH, "/api/v1/me"),
        (Method::POST, "/api/v1/me/password"),
        (Method::GET, "/api/v1/me/sessions"),
        (Method::DELETE, "/api/v1/me/sessions/x"),
        (Method::POST, "/api/v1/me/sign-out"),
        (Method::POST, "/api/v1/me/sign-out-everywhere"),
        (Method::POST, "/api/v1/me/contact"),
        (Method::POST, "/api/v1/me/contact/verify"),
        (Method::POST, "/api/v1/me/totp"),
        (Method::POST, "/api/v1/me/totp/confirm"),
        (Method::POST, "/api/v1/me/totp/disable"),
        (Method::GET, "/api/v1/applications"),
        (Method::POST, "/api/v1/applications"),
        (Method::GET, "/api/v1/applications/x"),
        (Method::DELETE, "/api/v1/applications/x"),
        (Method::PUT, "/api/v1/applications/x/pages/p"),
        (Method::PUT, "/api/v1/applications/x/fee-option"),
        (Method::POST, "/api/v1/applications/x/submit"),
        (Method::GET, "/api/v1/applications/x/timeline"),
        (Method::GET, "/api/v1/applications/x/invoice"),
        (Method::POST, "/api/v1/applications/x/payments/mpesa"),
        (Method::GET, "/api/v1/payments/x"),
        (Method::POST, "/api/v1/applications/x/documents/r"),
        (Method::GET, "/api/v1/applications/x/documents/d/file"),
        (Method::POST, "/api/v1/applications/x/respond"),
        (Method::GET, "/api/v1/applications/x/certificate"),
        (Method::GET, "/api/v1/receipts/R0000000000"),
        (Method::GET, "/api/v1/receipts/R0000000000/pdf"),
        (Method::GET, "/api/v1/tickets"),
        (Method::POST, "/api/v1/tickets"),
        (Method::GET, "/api/v1/tickets/x"),
        (Method::POST, "/api/v1/tickets/x/messages"),
        (Method::POST, "/api/v1/tickets/x/reopen"),
        (Method::POST, "/api/v1/tickets/x/rating"),
    ];
    // The table above is every citizen route of the API.
    let citizen_routes: Vec<String> = huduma::web::api::routes()
        .iter()
        .filter(|r| r.access == huduma::web::api::Access::Citizen)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    for route in &citizen_routes {
        let (method, template) = route.split_once(' ').expect("method and path");
        let covered = routes.iter().any(|(m, p)| {
            m.as_str() == method
                && p.split('/').count() == template.split('/').count()
                && p.split('/').zip(template.split('/')).all(|(a, b)| a == b || b.starts_with('{'))
        });
        assert!(covered, "{route} is not probed here");
    }
    for (method, path) in &routes {
        let (status, body) = t.api(method.clone(), path, None, Some(json!({}))).await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")), "{method} {path}");
        let (status, _) = t.api(method.clone(), path, Some("not-a-token"), Some(json!({}))).await;
        assert_eq!(status, 401, "{method} {path} with a made-up token");
    }
    // The browser session cookie is not an API credential.
    let wanjiku = register_api(&t, &WANJIKU).await;
    let response =
        reqwest::Client::new().get(t.url("/api/v1/me")).header("cookie", format!("huduma_session={wanjiku}")).send().await.expect("get");
    assert_eq!(response.status().as_u16(), 401);
    // Another person's session id is "not found".
    let (_, sessions) = t.api(Method::GET, "/api/v1/me/sessions", Some(&wanjiku), None).await;
    let wanjiku_session = sessions[0]["id"].as_str().expect("id").to_owned();
    let amani = register_api(&t, &AMANI).await;
    let amani_token = amani.as_str();
    let (status, body) = t.api(Method::DELETE, &format!("/api/v1/me/sessions/{wanjiku_session}"), Some(amani_token), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, _) = t.api(Method::GET, "/api/v1/me", Some(&wanjiku), None).await;
    assert_eq!(status, 200, "Wanjiku's session survived");
    let (_, me) = t.api(Method::GET, "/api/v1/me", Some(amani_token), None).await;
    assert_eq!(me["first_name"], "Amani");
}

async fn oversize_bodies_are_refused_clearly(backend: Backend) {
    let t = spawn(backend).await;
    let (_, page) = t.get("/sign-in").await;
    let csrf = csrf_of(&page);
    let huge = "x".repeat(200 * 1024);
    let response =
        t.client.post(t.url("/sign-in")).form(&[("csrf", csrf.as_str()), ("identifier", huge.as_str())]).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 413);
    assert!(response.text().await.unwrap_or_default().contains("too large"));
    let response = reqwest::Client::new()
        .post(t.url("/api/v1/sign-in"))
        .json(&json!({"identifier": "a".repeat(3 * 1024 * 1024), "password": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 413);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "body.too_large");
}

async fn secure_cookies_behind_https(backend: Backend) {
    let t = spawn_with(backend, Options { public_url: Some("https://huduma.example".into()), ..Options::default() }).await;
    let response = t.client.get(t.url("/")).send().await.expect("get");
    let cookies = set_cookies(&response);
    assert!(cookies.iter().any(|c| c.starts_with("__Host-huduma_csrf=") && c.contains("; Secure")), "{cookies:?}");
    assert!(response.headers().get("strict-transport-security").is_some());
}

/// A made-up value for each `{parameter}` of a path template (`{*rest}` included).
fn filled(template: &str) -> String {
    template.split('/').map(|part| if part.starts_with('{') { "X7K3MX9PQ2C" } else { part }).collect::<Vec<_>>().join("/")
}

/// Walks the route table the router is built from (pages and back office) and asks each
/// route, by each of GET and POST it answers, as a stranger with a valid CSRF token: a
/// citizen route must send them to sign in, a staff route to the staff sign-in, and no
/// other route may do either (a public page that asks for a sign-in has a wrong rule). A
/// route whose handler forgot its extractor fails here. A helpdesk-only route must also
/// turn away an agency officer with the staff "not found" page.
async fn every_route_enforces_the_rule_it_declares(backend: Backend) {
    use huduma::web::access::Rule;
    let t = spawn(backend).await;
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let form = client.get(t.url("/sign-in")).send().await.expect("GET").text().await.expect("body");
    let csrf = csrf_of(&form);
    let mut routes = huduma::web::routes();
    assert!(routes.len() > 100, "the table holds the pages and the back office: {}", routes.len());
    // The test server runs in sandbox mode: its sandbox routes are in the table too.
    let simulators = huduma::simulators::Simulators::new(&t.app.config, t.app.db.clone(), t.app.clock.clone());
    let sandbox = huduma::web::sandbox::routes(&simulators);
    assert!(sandbox.len() >= 17, "the sandbox pages and every simulated provider: {}", sandbox.len());
    routes.extend(sandbox);
    let mut checked = 0;
    for route in &routes {
        let path = filled(route.path);
        for method in [Method::GET, Method::POST] {
            let request = client.request(method.clone(), t.url(&path));
            let request = if method == Method::POST { request.form(&[("csrf", csrf.as_str())]) } else { request };
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            if status == 405 {
                continue;
            }
            checked += 1;
            let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let to_sign_in = status == 303 && location.starts_with("/sign-in?notice=sign_in_first");
            // What the staff extractor answers: back to this page after signing in when it
            // can be reopened, else the bare entrance (which the staff sign-in's own second
            // step also answers to a form posted without its flow cookie).
            let staff_entrance = match method {
                Method::GET => format!("/staff/sign-in?{}", serde_urlencoded::to_string([("next", path.as_str())]).expect("query")),
                _ => "/staff/sign-in".to_owned(),
            };
            let restarts_staff_sign_in = method == Method::POST && route.path.starts_with("/staff/sign-in");
            let to_staff_sign_in = status == 303 && location == staff_entrance && !restarts_staff_sign_in;
            let what = format!("{method} {} (declared {:?}): {status} {location}", route.path, route.rule);
            match route.rule {
                Rule::Citizen => assert!(to_sign_in, "{what}"),
                // Without a session or the ticket's key, a stranger is asked to sign in or
                // refused (a file is "not found", an upload's parts are read first); they
                // never get the item and are never sent to the staff entrance.
                Rule::CitizenOrKey => assert!(to_sign_in || (400..500).contains(&status), "{what}"),
                Rule::Staff | Rule::Agent | Rule::Admin | Rule::Supervisor => assert!(to_staff_sign_in, "{what}"),
                Rule::Public | Rule::ApiClient | Rule::Provider | Rule::Operator | Rule::Sandbox => {
                    assert!(!to_sign_in && !to_staff_sign_in, "{what}")
                }
            }
        }
    }
    assert!(checked >= routes.len(), "every route answered at least one method: {checked} of {}", routes.len());

    huduma::services::back_office::demo::create(&t.app).await.expect("demo staff");
    let officer = crate::back_office::staff_client(&t, &huduma::services::back_office::demo::email("officer", Some("dci"))).await;
    for route in routes.iter().filter(|r| matches!(r.rule, Rule::Agent | Rule::Admin | Rule::Supervisor)) {
        // Each route is tried with the method it serves (GET first).
        let (status, url, page) = match crate::back_office::get(&t, &officer, &filled(route.path)).await {
            (405, _, _) => crate::back_office::post(&t, &officer, "/staff", &filled(route.path), &[]).await,
            answered => answered,
        };
        assert_eq!((status, url.as_str()), (404, filled(route.path).as_str()), "an officer is turned away from {}", route.path);
        assert!(page.contains("action=\"/staff/sign-out\""), "in the signed-in staff frame: {}", route.path);
    }
}

//! Helpdesk tickets on SQLite and PostgreSQL: a citizen opens a ticket from a failed
//! payment, an agent answers from a saved response and resolves it, the citizen rates it
//! and may reopen it only within the window; an anonymous visitor proves their phone and
//! holds their ticket by its link; agency staff see only the tickets routed to them; one
//! citizen never sees another's ticket; agent look-ups are audited; the JSON API.

use crate::back_office::{get, post, staff_client};
use crate::both_databases;
use crate::helpers::*;
use huduma::services::back_office::demo;
use reqwest::Method;
use serde_json::json;

/// The ticket number on a ticket page.
fn number_of(page: &str) -> String {
    page.split("id=\"ticket-number\">").nth(1).and_then(|r| r.split('<').next()).expect("ticket number").to_owned()
}

async fn a_ticket_from_a_failed_payment_is_answered_resolved_rated_and_reopened(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.email, WANJIKU.password, WANJIKU.phone).await;
    let id = crate::payments::awaiting_payment(&t, &token).await;
    // The payment fails (no money on this sandbox number); the page offers the helpdesk.
    let attempt = crate::payments::pay(&t, &token, &id, "0700000001").await;
    let done = crate::payments::poll(&t, &token, attempt["id"].as_str().expect("id")).await;
    assert_eq!(done["state"], "failed", "{done}");
    let (_, page) = t.get(&format!("/payments/{}", attempt["id"].as_str().expect("id"))).await;
    let link = page
        .split("id=\"ask-helpdesk\">")
        .nth(1)
        .and_then(|r| r.split("href=\"").nth(1))
        .and_then(|r| r.split('"').next())
        .expect("helpdesk link");
    let link = link
        .replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
        .replace("&#43;", "+");
    assert!(link.starts_with("/help/tickets/new?") && link.contains("category=payment"), "{link}");
    let (status, form) = t.get(&link).await;
    assert!(status == 200 && form.contains("value=\"payment\" selected"), "the category is chosen: {form}");
    let message = "I have enough money but the prompt said insufficient funds.";
    let (status, url, page) = t
        .submit(
            &link,
            "/help/tickets/new",
            &[("application", &id), ("category", "payment"), ("subject", "Payment failed"), ("message", message)],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(url.starts_with("/help/tickets/T"), "{url}");
    let number = number_of(&page);
    t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(&number))).await;
    // A file is checked like an application document: a Word file is refused, a PDF kept.
    let ticket_page = format!("/help/tickets/{number}");
    let files = format!("/help/tickets/{number}/files");
    let (status, _, page) = t.upload_html(&ticket_page, &files, "statement.pdf", huduma_uploads::samples::word_docx_renamed()).await;
    assert!(status == 422 && page.contains("Word"), "{page}");
    let (status, _, page) = t.upload_html(&ticket_page, &files, "statement.pdf", huduma_uploads::samples::pdf(1, 0)).await;
    assert!(status == 200 && page.contains("statement.pdf"), "{page}");

    // The agent sees it, with the citizen's application and invoice looked up (audited).
    demo::create(&t.app).await.expect("demo staff");
    let agent = staff_client(&t, &demo::email("helpdesk", None)).await;
    let (_, _, queue) = get(&t, &agent, "/staff/tickets").await;
    assert!(queue.contains(&number));
    let case = format!("/staff/tickets/{number}");
    let (status, _, view) = get(&t, &agent, &case).await;
    assert!(status == 200 && view.contains(message) && view.contains("Police clearance"), "{view}");
    assert!(view.contains("<td>Awaiting payment</td>") && !view.contains("awaiting_payment<"), "the state as agents read it: {view}");
    let file = view.split(&format!("{case}/files/")).nth(1).and_then(|r| r.split('"').next()).expect("file link").to_owned();
    let response = agent.get(t.url(&format!("{case}/files/{file}"))).send().await.expect("GET");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    // The agent takes it.
    let (status, _, view) = post(&t, &agent, &case, &format!("{case}/assign"), &[("assignee", "me")]).await;
    assert!(status == 200 && view.contains("Demo helpdesk"), "taken: {view}");
    // Answer from a saved response, and resolve.
    let (status, _, _) =
        post(&t, &agent, &case, &format!("{case}/reply"), &[("saved", "payment_not_found"), ("body", ""), ("resolve", "yes")]).await;
    assert_eq!(status, 200);
    t.wait_for_message(|m| {
        m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(&number) && b.contains("resolved"))
    })
    .await;
    let (_, page) = t.get(&format!("/help/tickets/{number}")).await;
    assert!(page.contains("We could not find this payment yet") && page.contains("Resolved"), "{page}");

    // Rated once; a second rating is refused.
    let (status, _, page) = t
        .submit(&format!("/help/tickets/{number}"), &format!("/help/tickets/{number}/rate"), &[("rating", "4"), ("comment", "Quick.")])
        .await;
    assert!(status == 200 && page.contains("4 out of 5"), "{page}");
    let (status, _, _) = t.submit(&format!("/help/tickets/{number}"), &format!("/help/tickets/{number}/rate"), &[("rating", "5")]).await;
    assert_eq!(status, 422);
    // Reopened within the window: back with the helpdesk.
    let (status, _, page) = t
        .submit(
            &format!("/help/tickets/{number}"),
            &format!("/help/tickets/{number}/reopen"),
            &[("message", "Still not paid, here is the SMS.")],
        )
        .await;
    assert!(status == 200 && page.contains("Waiting for the helpdesk"), "{page}");
    // Resolved again; after the window it cannot be reopened and the clean-up closes it.
    let (status, _, _) =
        post(&t, &agent, &case, &format!("{case}/reply"), &[("body", "Found it now, applied to your invoice."), ("resolve", "yes")]).await;
    assert_eq!(status, 200);
    t.app.clock.advance(8 * 86_400);
    // (Eight days on, every session has ended: sign in again.)
    let token = sign_in_api(&t, WANJIKU.email, WANJIKU.password, WANJIKU.phone).await;
    let (status, body) =
        t.api(Method::POST, &format!("/api/v1/tickets/{number}/reopen"), Some(&token), Some(json!({"message": "Again?"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("ticket.reopen_window")), "{body}");
    huduma::jobs::cleanup::purge_expired(&t.app).await.expect("clean-up");
    let (_, ticket) = t.api(Method::GET, &format!("/api/v1/tickets/{number}"), Some(&token), None).await;
    assert_eq!(ticket["status"], "closed");
    assert_eq!(ticket["messages"].as_array().map(Vec::len), Some(4));

    // The look-ups are in the audit log.
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    let search = huduma::store::audit::Search { subject: format!("ticket:{number}"), ..Default::default() };
    let entries = huduma::store::audit::search(&mut conn, &search, 50).await.expect("search");
    assert!(entries.iter().any(|e| e.action == "ticket.lookup"), "look-ups audited");
    assert!(entries.iter().any(|e| e.action == "ticket.resolve"));
    assert!(entries.iter().any(|e| e.action == "ticket.file_download"), "staff downloads audited");
}

async fn tickets_stay_with_their_citizen_and_their_agency(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, _, page) = t
        .submit(
            "/help/tickets/new",
            "/help/tickets/new",
            &[("category", "tracking"), ("subject", "Where is my ID?"), ("message", "It has been a month.")],
        )
        .await;
    let number = number_of(&page);
    // Another citizen, and a stranger, cannot read or write it.
    let other = TestApp { client: new_client(), ..t };
    register_html(&other, &BRIAN).await;
    let t = other;
    assert_eq!(t.get(&format!("/help/tickets/{number}")).await.0, 404);
    let (status, _, _) = t.submit("/help/tickets", &format!("/help/tickets/{number}/reply"), &[("message", "Hello there")]).await;
    assert_eq!(status, 404);
    let stranger = new_client();
    let (_, url, _) = get(&t, &stranger, &format!("/help/tickets/{number}")).await;
    assert_eq!(url, "/sign-in");
    let (status, _, _) = get(&t, &stranger, &format!("/help/tickets/{number}?key=guessedkey12")).await;
    assert_eq!(status, 404, "a signed-in citizen's ticket has no key");

    demo::create(&t.app).await.expect("demo staff");
    let nrb = staff_client(&t, &demo::email("officer", Some("nrb"))).await;
    let kra = staff_client(&t, &demo::email("officer", Some("kra"))).await;
    let agent = staff_client(&t, &demo::email("helpdesk", None)).await;
    let case = format!("/staff/tickets/{number}");
    // Not routed yet: agency staff see nothing of it.
    for client in [&nrb, &kra] {
        let (_, _, queue) = get(&t, client, "/staff/tickets").await;
        assert!(!queue.contains(&number));
        assert_eq!(get(&t, client, &case).await.0, 404);
    }
    // Agency staff cannot route.
    let (status, _, _) = post(&t, &nrb, "/staff/tickets", &format!("{case}/route"), &[("agency", "nrb")]).await;
    assert_eq!(status, 404);
    let (status, _, _) = post(&t, &agent, &case, &format!("{case}/route"), &[("agency", "nrb")]).await;
    assert_eq!(status, 200);
    let (status, _, view) = get(&t, &nrb, &case).await;
    assert!(status == 200 && view.contains("It has been a month."), "the routed agency sees it");
    assert_eq!(get(&t, &kra, &case).await.0, 404, "another agency still does not");
    let (status, _, _) = post(&t, &kra, "/staff/tickets", &format!("{case}/reply"), &[("body", "Not ours to answer")]).await;
    assert_eq!(status, 404);
    let (status, _, _) = post(&t, &kra, "/staff/tickets", &format!("{case}/assign"), &[("assignee", "me")]).await;
    assert_eq!(status, 404);
    let (status, _, _) = post(&t, &nrb, &case, &format!("{case}/reply"), &[("body", "Your card is ready at Huduma Centre GPO.")]).await;
    assert_eq!(status, 200);
    // Anonymous people are sent to the staff entrance.
    let (_, url, _) = get(&t, &stranger, "/staff/tickets").await;
    assert_eq!(url, "/staff/sign-in");
}

async fn someone_who_cannot_sign_in_opens_a_ticket_after_proving_their_phone(backend: Backend) {
    let t = spawn(backend).await;
    let fields = [
        ("name", "Achieng Otieno"),
        ("email", "achieng@example.com"),
        ("phone", "0722 000 111"),
        ("category", "account"),
        ("subject", "Locked out"),
        ("message", "I lost my phone and cannot sign in."),
    ];
    let (status, url, page) = t.submit("/help/tickets/new", "/help/tickets/new", &fields).await;
    assert_eq!((status, url.as_str()), (200, "/help/tickets/verify"), "{page}");
    let (status, _, page) = t.submit("/help/tickets/verify", "/help/tickets/verify", &[("code", "000000")]).await;
    assert_eq!(status, 422, "a wrong code opens nothing: {page}");
    let code = t.code_for("+254722000111").await;
    let (status, url, page) = t.submit("/help/tickets/verify", "/help/tickets/verify", &[("code", &code)]).await;
    assert!(status == 200 && url.starts_with("/help/tickets/T"), "{page}");
    let number = number_of(&page);
    let sms = t.wait_for_message(|m| m["recipient"] == "+254722000111" && m["body"].as_str().is_some_and(|b| b.contains(&number))).await;
    let link = sms["body"].as_str().expect("body").split_whitespace().find(|w| w.contains("key=")).expect("link with key").to_owned();
    let path = link.trim_start_matches(&t.app.config.callback_base_url).to_owned();
    let stranger = new_client();
    let (status, _, page) = get(&t, &stranger, &path).await;
    assert!(status == 200 && page.contains("I lost my phone"), "the link opens the ticket");
    let key = path.split("key=").nth(1).expect("key").to_owned();
    let (status, _, _) = post(
        &t,
        &stranger,
        &path,
        &format!("/help/tickets/{number}/reply"),
        &[("key", &key), ("message", "My new number is 0733 000 222.")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = get(&t, &stranger, &format!("/help/tickets/{number}?key=wrongkey0000")).await;
    assert_eq!(status, 404);
}

async fn tickets_through_the_api(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let (status, body) =
        t.api(Method::POST, "/api/v1/tickets", Some(&token), Some(json!({"category": "nonsense", "subject": "x", "message": ""}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("ticket.category_required")), "{body}");
    let (status, ticket) = t
        .api(
            Method::POST,
            "/api/v1/tickets",
            Some(&token),
            Some(json!({"category": "other", "subject": "A question", "message": "How long does a passport take?"})),
        )
        .await;
    assert_eq!(status, 201, "{ticket}");
    let number = ticket["number"].as_str().expect("number").to_owned();
    assert!(huduma_domain::Reference::parse(huduma_domain::reference::Kind::Ticket, &number).is_ok());
    let (status, list) = t.api(Method::GET, "/api/v1/tickets", Some(&token), None).await;
    assert_eq!((status, list[0]["number"].as_str()), (200, Some(number.as_str())));
    let (status, ticket) = t
        .api(
            Method::POST,
            &format!("/api/v1/tickets/{number}/messages"),
            Some(&token),
            Some(json!({"message": "Also: can I pay by card?"})),
        )
        .await;
    assert_eq!((status, ticket["messages"].as_array().map(Vec::len)), (200, Some(2)));
    let (status, body) = t.api(Method::POST, &format!("/api/v1/tickets/{number}/rating"), Some(&token), Some(json!({"rating": 5}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("ticket.rating_not_now")));
    let other = register_api(&t, &BRIAN).await;
    let (status, _) = t.api(Method::GET, &format!("/api/v1/tickets/{number}"), Some(&other), None).await;
    assert_eq!(status, 404, "another citizen's ticket is not found");
    let (status, _) = t.api(Method::GET, "/api/v1/tickets", None, None).await;
    assert_eq!(status, 401);
}

/// A visitor who mistypes the code until it is used up asks for a new one and keeps
/// everything they typed; the 30-second gap between codes still holds.
async fn a_visitor_who_mistypes_the_code_gets_a_new_one_and_keeps_the_ticket(backend: Backend) {
    let t = spawn(backend).await;
    let fields = [
        ("name", "Achieng Otieno"),
        ("email", "achieng@example.com"),
        ("phone", "0722 000 111"),
        ("category", "account"),
        ("subject", "Locked out"),
        ("message", "I lost my phone and cannot sign in."),
    ];
    let (status, url, _) = t.submit("/help/tickets/new", "/help/tickets/new", &fields).await;
    assert_eq!((status, url.as_str()), (200, "/help/tickets/verify"));
    let first = t.code_for("+254722000111").await;
    let wrong = "000000"; // codes sent in tests count up from 100001
    let mut page = String::new();
    for _ in 0..5 {
        page = t.submit("/help/tickets/verify", "/help/tickets/verify", &[("code", wrong)]).await.2;
    }
    assert!(page.contains("Too many wrong codes"), "{page}");
    assert!(page.contains("action=\"/help/tickets/verify/resend\""), "a new code is offered: {page}");
    let (status, _, page) = t.submit("/help/tickets/verify", "/help/tickets/verify", &[("code", &first)]).await;
    assert_eq!(status, 422, "the used-up code stays used up: {page}");
    let (status, _, page) = t.submit("/help/tickets/verify", "/help/tickets/verify/resend", &[]).await;
    assert_eq!(status, 422, "not within 30 seconds of the last code: {page}");
    assert!(page.contains("Wait 30 seconds"), "{page}");
    t.app.clock.advance(31);
    let (status, url, page) = t.submit("/help/tickets/verify", "/help/tickets/verify/resend", &[]).await;
    assert_eq!((status, url.as_str()), (200, "/help/tickets/verify"), "{page}");
    assert!(page.contains("We have sent a new code."), "{page}");
    let second = t.code_for_after("+254722000111", &[first]).await;
    let (status, url, page) = t.submit("/help/tickets/verify", "/help/tickets/verify", &[("code", &second)]).await;
    assert!(status == 200 && url.starts_with("/help/tickets/T"), "{page}");
    assert!(page.contains("Locked out") && page.contains("I lost my phone and cannot sign in."), "nothing was retyped: {page}");
}

both_databases!(
    a_ticket_from_a_failed_payment_is_answered_resolved_rated_and_reopened,
    tickets_stay_with_their_citizen_and_their_agency,
    someone_who_cannot_sign_in_opens_a_ticket_after_proving_their_phone,
    a_visitor_who_mistypes_the_code_gets_a_new_one_and_keeps_the_ticket,
    tickets_through_the_api,
);

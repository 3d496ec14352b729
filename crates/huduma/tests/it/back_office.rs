//! The agency back office over HTTP, on SQLite and PostgreSQL: an officer takes a paid
//! police-clearance application from the queue to an issued certificate (asking for a
//! corrected document, seeing the resubmission, booking fingerprints) while the citizen
//! follows on the timeline and by SMS and checks the certificate's QR link; the
//! authorisation matrix of every back-office route; SLA escalation; the audit chain
//! catching an edited row.

use crate::both_databases;
use crate::helpers::*;
use crate::payments::{awaiting_payment, pay, poll};
use huduma::services::back_office::{certificates, demo, escalation};
use huduma_uploads::samples;
use reqwest::Method;
use serde_json::Value;

/// A browser signed in to the back office as a demo member.
pub async fn staff_client(t: &TestApp, email: &str) -> reqwest::Client {
    let client = new_client();
    let page = client.get(t.url("/staff/sign-in")).send().await.expect("GET").text().await.expect("body");
    let form = [("csrf", csrf_of(&page)), ("email", email.to_owned()), ("password", demo::PASSWORD.to_owned())];
    let response = client.post(t.url("/staff/sign-in")).form(&form).send().await.expect("POST");
    assert_eq!(response.url().path(), "/staff/sign-in/code", "password accepted for {email}");
    let page = response.text().await.expect("body");
    let member = {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        huduma::store::staff::by_email(&mut conn, email).await.expect("query").expect("member")
    };
    let code = demo::current_code(member.totp_secret.as_deref().expect("secret"), email, t.app.clock.now()).expect("code");
    let response = client.post(t.url("/staff/sign-in/code")).form(&[("csrf", csrf_of(&page)), ("code", code)]).send().await.expect("POST");
    assert!(!response.url().path().starts_with("/staff/sign-in"), "signed in as {email}: landed on {}", response.url().path());
    client
}

/// GET with a client; status, final path and body.
pub async fn get(t: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String, String) {
    let response = client.get(t.url(path)).send().await.expect("GET");
    let (status, url) = (response.status().as_u16(), response.url().path().to_owned());
    (status, url, response.text().await.unwrap_or_default())
}

/// Opens `page` and posts a form to `action` with its CSRF token.
pub async fn post(t: &TestApp, client: &reqwest::Client, page: &str, action: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let (_, _, html) = get(t, client, page).await;
    let token = csrf_of(&html);
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    let response = client.post(t.url(action)).form(&form).send().await.expect("POST");
    let (status, url) = (response.status().as_u16(), response.url().path().to_owned());
    (status, url, response.text().await.unwrap_or_default())
}

/// A citizen signed in on `t.client` (HTML) with an API token, and their paid
/// police-clearance application: (token, application id, reference).
pub async fn paid_police_clearance(t: &TestApp) -> (String, String, String) {
    register_html(t, &WANJIKU).await;
    let token = sign_in_api(t, WANJIKU.email, WANJIKU.password, WANJIKU.phone).await;
    let id = awaiting_payment(t, &token).await;
    let attempt = pay(t, &token, &id, "0708374149").await;
    let done = poll(t, &token, attempt["id"].as_str().expect("attempt id")).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    let reference = application["reference"].as_str().expect("reference").replace('-', "");
    (token, id, reference)
}

async fn status_of(t: &TestApp, token: &str, id: &str) -> Value {
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(token), None).await;
    application["status"].clone()
}

async fn an_officer_takes_an_application_from_payment_to_a_verified_certificate(backend: Backend) {
    let t = spawn(backend).await;
    let (token, id, reference) = paid_police_clearance(&t).await;
    demo::create(&t.app).await.expect("demo staff");
    let officer = staff_client(&t, &demo::email("officer", Some("dci"))).await;
    let case = format!("/staff/applications/{reference}");

    // The queue shows it; the officer claims it.
    let (status, _, queue) = get(&t, &officer, "/staff?assigned=unassigned").await;
    assert_eq!(status, 200);
    assert!(queue.contains(&case), "the paid application is in the DCI queue");
    let (status, _, page) = post(&t, &officer, &case, &format!("{case}/assign"), &[("assignee", "me")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Demo officer (dci)"), "assigned to the officer");
    let (_, _, mine) = get(&t, &officer, "/staff?assigned=mine").await;
    assert!(mine.contains(&case));

    // An action the state does not allow, and one for a higher role, are refused.
    let (status, _, page) = post(&t, &officer, &case, &format!("{case}/actions/record_fingerprints"), &[]).await;
    assert_eq!(status, 422, "not from `submitted`");
    assert!(page.contains("the application has moved on"), "{page}");
    let (status, _, _) =
        post(&t, &officer, &case, &format!("{case}/actions/expire"), &[("note", "Fingerprints were not taken in time.")]).await;
    assert_eq!(status, 422, "`expire` is for supervisors");
    let (status, _, page) = post(&t, &officer, &case, &format!("{case}/actions/request_information"), &[("note", "no")]).await;
    assert!(status == 422 && page.contains("at least 10 characters"), "a question needs words");

    // Ask for a corrected document: the application goes back to the citizen.
    let question = "Please upload a clearer copy of both sides of your ID card.";
    let (status, _, _) = post(&t, &officer, &case, &format!("{case}/actions/request_information"), &[("note", question)]).await;
    assert_eq!(status, 200);
    assert_eq!(status_of(&t, &token, &id).await, "more_information_needed");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(question))).await;
    let (_, _, queue) = get(&t, &officer, "/staff").await;
    assert!(queue.contains("With applicant"), "the SLA clock stops while the citizen has it");

    // The citizen sees the question, replaces the document and answers.
    let (_, overview) = t.get(&format!("/applications/{id}")).await;
    assert!(overview.contains(question), "the question is on the application page");
    let (status, body) = t.upload_api(&token, &id, "national_id_copy", "id-clear.pdf", samples::pdf(2, 0)).await;
    assert_eq!(status, 201, "a correction may be uploaded while sent back: {body}");
    let answer = "I have uploaded a clearer scan of both sides.";
    let (status, _, _) = t.submit(&format!("/applications/{id}"), &format!("/applications/{id}/respond"), &[("answer", answer)]).await;
    assert_eq!(status, 200);
    assert_eq!(status_of(&t, &token, &id).await, "submitted", "resubmitted to the state the workflow names");
    let (_, _, page) = get(&t, &officer, &case).await;
    assert!(page.contains(answer) && page.contains("id-clear.pdf"), "the officer sees the answer and the new document");

    // The officer opens the document (audited), leaves an internal note, books fingerprints.
    let document = page.split(&format!("{case}/documents/")).nth(1).and_then(|rest| rest.split(['?', '"']).next()).expect("document link");
    let (status, _, _) = get(&t, &officer, &format!("{case}/documents/{document}?inline=1")).await;
    assert_eq!(status, 200);
    let (status, _, page) = post(&t, &officer, &case, &format!("{case}/notes"), &[("body", "Scan is fine now.")]).await;
    assert!(status == 200 && page.contains("Scan is fine now."));
    let tomorrow = t.app.clock.today_in_nairobi().add_days(1).to_string();
    let fields = [("date", tomorrow.as_str()), ("time", "09:30"), ("office", "DCI headquarters, Kiambu Road")];
    let (status, _, page) = post(&t, &officer, &case, &format!("{case}/actions/schedule_fingerprints"), &fields).await;
    assert_eq!(status, 200, "{page}");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains("09:30, DCI headquarters")))
        .await;
    let (_, overview) = t.get(&format!("/applications/{id}")).await;
    assert!(overview.contains("09:30, DCI headquarters"), "the appointment is on the citizen's timeline");
    assert!(!overview.contains("Scan is fine now."), "internal notes never reach the citizen");

    // Fingerprints taken; approve and issue.
    let (status, _, _) = post(&t, &officer, &case, &format!("{case}/actions/record_fingerprints"), &[]).await;
    assert_eq!(status, 200);
    let (status, _, page) = post(&t, &officer, &case, &format!("{case}/actions/approve"), &[]).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(status_of(&t, &token, &id).await, "issued");

    // The citizen downloads the certificate and checks its QR link.
    let (_, overview) = t.get(&format!("/applications/{id}")).await;
    assert!(overview.contains(&format!("/applications/{id}/certificate")));
    let response = t.client.get(t.url(&format!("/applications/{id}/certificate"))).send().await.expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let pdf = response.bytes().await.expect("pdf");
    assert!(pdf.starts_with(b"%PDF") && lopdf::Document::load_mem(&pdf).is_ok(), "a PDF that opens");
    let serial = {
        use sqlx::Row;
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        sqlx::query("SELECT serial FROM certificates").fetch_one(&mut *conn).await.expect("row").try_get::<String, _>(0).expect("serial")
    };
    let url = certificates::verification_url(&t.app, &serial);
    let path = url.trim_start_matches(&t.app.config.callback_base_url);
    let anonymous = new_client();
    let (status, _, check) = get(&t, &anonymous, path).await;
    assert!(status == 200 && check.contains("data-validity=\"valid\"") && check.contains("Wanjiku"), "{check}");
    assert!(!check.contains(WANJIKU.id), "the public check masks the ID number");
    let (status, _, _) = get(&t, &anonymous, &format!("/verify/certificates/{serial}/wrongcode00")).await;
    assert_eq!(status, 404, "a guessed link finds nothing");
    let (_, other) = {
        let other = new_client();
        let response = other.get(t.url(&format!("/applications/{id}/certificate"))).send().await.expect("GET");
        (response.status().as_u16(), response.url().path().to_owned())
    };
    assert_eq!(other, "/sign-in", "only the owner downloads the certificate");

    // Revoked: the check says so.
    let reason = "Issued in error: fingerprints matched a record.";
    let (status, _, _) = post(&t, &officer, &case, &format!("{case}/certificate/{serial}/revoke"), &[("reason", reason)]).await;
    assert_eq!(status, 200);
    let (_, _, check) = get(&t, &anonymous, path).await;
    assert!(check.contains("data-validity=\"revoked\"") && check.contains(reason));
    // …and the holder is told at once, with the reason.
    t.wait_for_message(|m| {
        m["recipient"] == WANJIKU.phone
            && m["body"].as_str().is_some_and(|b| b.contains(&serial) && b.contains("revoked") && b.contains(reason))
    })
    .await;

    // Every step is in the audit log (payments' entries once the sealer has chained them),
    // and the chain holds.
    huduma::services::audit::seal_pending(&t.app.db).await.expect("seal");
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    let payments =
        huduma::store::audit::search(&mut conn, &huduma::store::audit::Search { action: "payment.".into(), ..Default::default() }, 100)
            .await
            .expect("search");
    assert!(payments.iter().any(|e| e.action == "payment.recorded" && e.details.contains("\"attempt\":")), "{payments:?}");
    let verified = huduma::services::audit::verify(&mut conn).await.expect("verify");
    assert_eq!(verified.broken, None);
    let entries = huduma::store::audit::search(
        &mut conn,
        &huduma::store::audit::Search { subject: format!("application:{reference}"), ..Default::default() },
        100,
    )
    .await
    .expect("search");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for wanted in ["application.claim", "application.action", "application.resubmit", "document.download", "application.note"] {
        assert!(actions.contains(&wanted), "{wanted} audited: {actions:?}");
    }
}

async fn the_back_office_is_closed_to_other_agencies_citizens_and_strangers(backend: Backend) {
    let t = spawn(backend).await;
    let (_, _, reference) = paid_police_clearance(&t).await;
    demo::create(&t.app).await.expect("demo staff");
    let dci = staff_client(&t, &demo::email("officer", Some("dci"))).await;
    let kra = staff_client(&t, &demo::email("officer", Some("kra"))).await;
    let kra_supervisor = staff_client(&t, &demo::email("supervisor", Some("kra"))).await;
    let helpdesk = staff_client(&t, &demo::email("helpdesk", None)).await;
    let citizen = &t.client;
    let anonymous = new_client();
    let case = format!("/staff/applications/{reference}");
    let document = {
        use sqlx::Row;
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        sqlx::query("SELECT id FROM application_documents").fetch_one(&mut *conn).await.expect("row").try_get::<String, _>(0).expect("id")
    };
    let reads = [case.clone(), format!("{case}/documents/{document}")];
    for path in &reads {
        let (status, _, _) = get(&t, &dci, path).await;
        assert_eq!(status, 200, "DCI officer reads {path}");
        for (who, client) in [("KRA officer", &kra), ("KRA supervisor", &kra_supervisor), ("helpdesk", &helpdesk)] {
            let (status, url, _) = get(&t, client, path).await;
            assert!(status == 404 || url != *path, "{who} must not read {path} (got {status} at {url})");
        }
        for (who, client) in [("citizen", citizen), ("anonymous", &anonymous)] {
            let (_, url, _) = get(&t, client, path).await;
            assert_eq!(url, "/staff/sign-in", "{who} is sent to the staff entrance from {path}");
        }
    }
    let (_, _, queue) = get(&t, &kra, "/staff").await;
    assert!(!queue.contains(&reference), "another agency's queue never lists it");
    let (_, _, queue) = get(&t, &kra, &format!("/staff?q={reference}")).await;
    assert!(!queue.contains(&case), "nor finds it by reference");
    let writes: [(&str, Vec<(&str, &str)>); 4] = [
        ("actions/request_information", vec![("note", "Please upload a clearer copy of your ID.")]),
        ("assign", vec![("assignee", "me")]),
        ("notes", vec![("body", "Looking at this.")]),
        ("certificate/C000000000/revoke", vec![("reason", "Not ours to revoke at all.")]),
    ];
    for (action, fields) in &writes {
        let path = format!("{case}/{action}");
        for (who, client) in [("KRA officer", &kra), ("KRA supervisor", &kra_supervisor)] {
            let (status, _, _) = post(&t, client, "/staff", &path, fields).await;
            assert_eq!(status, 404, "{who} must not {action}");
        }
        for (who, client) in [("citizen", citizen), ("anonymous", &anonymous)] {
            let (_, url, _) = post(&t, client, "/staff/sign-in", &path, fields).await;
            assert_eq!(url, "/staff/sign-in", "{who} cannot {action}");
        }
    }
    let (_, _, page) = get(&t, &dci, &case).await;
    assert!(!page.contains("Looking at this."), "no foreign note landed");
    // Dashboard: supervisors and admins of the agency only.
    let (status, _, _) = get(&t, &dci, "/staff/dashboard").await;
    assert_eq!(status, 404, "officers have no dashboard");
    let (status, _, page) = get(&t, &kra_supervisor, "/staff/dashboard").await;
    assert!(status == 200 && !page.contains("Police clearance"), "a KRA supervisor sees only KRA figures");
    let dci_supervisor = staff_client(&t, &demo::email("supervisor", Some("dci"))).await;
    let (status, _, page) = get(&t, &dci_supervisor, "/staff/dashboard").await;
    assert!(status == 200 && page.contains("Police clearance"), "{page}");
    // Staff management and the audit log: admins only, own agency.
    for path in ["/staff/members", "/staff/audit"] {
        let (status, url, page) = get(&t, &dci, path).await;
        assert_eq!((status, url.as_str()), (404, path), "an officer is turned away from {path}");
        assert!(page.contains("action=\"/staff/sign-out\""), "in the signed-in staff frame: {path}");
        let (_, url, _) = get(&t, &anonymous, path).await;
        assert_eq!(url, "/staff/sign-in");
    }
    let kra_admin = staff_client(&t, &demo::email("agency_admin", Some("kra"))).await;
    let (status, _, page) = get(&t, &kra_admin, "/staff/audit").await;
    assert!(status == 200 && !page.contains(&reference), "a KRA admin's audit search holds no DCI entries");
    let (status, _, page) = get(&t, &kra_admin, "/staff/members").await;
    assert!(status == 200 && !page.contains("officer.dci@"), "a KRA admin lists only KRA staff");
    let (status, _, page) = post(
        &t,
        &kra_admin,
        "/staff/members",
        "/staff/members",
        &[("name", "New Officer"), ("email", "new@kra.go.ke"), ("role", "platform_admin")],
    )
    .await;
    assert!(status == 422 && page.contains("You cannot give this role"), "an agency admin cannot create platform admins");
    let (status, _, page) = post(
        &t,
        &kra_admin,
        "/staff/members",
        "/staff/members",
        &[("name", "New Officer"), ("email", "new@kra.go.ke"), ("role", "officer")],
    )
    .await;
    assert!(status == 200 && page.contains("one-time-password"), "{page}");
    let platform = staff_client(&t, &demo::email("platform_admin", None)).await;
    let (status, _, page) = get(&t, &platform, "/staff/audit").await;
    assert!(status == 200 && page.contains(&reference), "the platform admin sees every agency's entries");
}

async fn overdue_applications_escalate_to_supervisors_once(backend: Backend) {
    let t = spawn(backend).await;
    let (_, _, reference) = paid_police_clearance(&t).await;
    demo::create(&t.app).await.expect("demo staff");
    assert_eq!(escalation::run_once(&t.app).await.expect("sweep"), 0, "nothing is overdue yet");
    // The first state has 5 working days; three weeks later it is overdue.
    t.app.clock.advance(21 * 86_400);
    assert_eq!(escalation::run_once(&t.app).await.expect("sweep"), 1);
    assert_eq!(escalation::run_once(&t.app).await.expect("sweep"), 0, "escalated once");
    let supervisor = demo::email("supervisor", Some("dci"));
    t.wait_for_message(|m| m["recipient"] == supervisor.as_str() && m["subject"].as_str().is_some_and(|s| s.contains("Overdue"))).await;
    let officer = staff_client(&t, &demo::email("officer", Some("dci"))).await;
    let (_, _, overdue) = get(&t, &officer, "/staff?sla=overdue").await;
    assert!(overdue.contains(&reference) && overdue.contains("Escalated"));
    let (_, _, due_soon) = get(&t, &officer, "/staff?sla=due_soon").await;
    assert!(!due_soon.contains(&format!("/staff/applications/{reference}")));
}

async fn the_audit_chain_catches_an_edited_or_removed_row(backend: Backend) {
    let t = spawn(backend).await;
    demo::create(&t.app).await.expect("demo staff");
    for role in ["officer", "supervisor"] {
        staff_client(&t, &demo::email(role, Some("dci"))).await;
    }
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    let intact = huduma::services::audit::verify(&mut conn).await.expect("verify");
    assert!(intact.broken.is_none() && intact.entries > 10, "{intact:?}");
    sqlx::query("UPDATE audit_log SET actor_label = 'Someone else' WHERE seq = 3").execute(&mut *conn).await.expect("tamper");
    let edited = huduma::services::audit::verify(&mut conn).await.expect("verify");
    assert_eq!(edited.broken, Some((3, "the entry was changed after it was written")));
    sqlx::query("UPDATE audit_log SET actor_label = (SELECT actor_label FROM audit_log WHERE seq = 4) WHERE seq = 3")
        .execute(&mut *conn)
        .await
        .expect("restore");
    let last = intact.entries;
    sqlx::query("DELETE FROM audit_log WHERE seq = $1").bind(last).execute(&mut *conn).await.expect("delete");
    let removed = huduma::services::audit::verify(&mut conn).await.expect("verify");
    assert!(removed.broken.is_some(), "a removed last entry shows against the head");
}

async fn the_sealer_chains_queued_entries_in_order_among_immediate_ones(backend: Backend) {
    use huduma::services::audit::{self, Actor, Entry};
    let t = spawn(backend).await;
    let entry = |n: usize| Entry {
        actor: Actor::System,
        agency: None,
        action: "test.entry",
        subject: format!("n:{n}"),
        details: serde_json::json!({ "n": n }),
        ip: "-",
    };
    // More than one sealing batch queued, with an entry chained at once in between.
    let mut tx = t.app.db.begin().await.expect("begin");
    for n in 0..150 {
        audit::record_soon(&mut tx, entry(n), t.app.clock.now()).await.expect("queue");
    }
    audit::record(&mut tx, entry(1000), t.app.clock.now()).await.expect("record");
    for n in 150..330 {
        audit::record_soon(&mut tx, entry(n), t.app.clock.now()).await.expect("queue");
    }
    tx.commit().await.expect("commit");
    assert_eq!(audit::seal_pending(&t.app.db).await.expect("seal"), 330);
    assert_eq!(audit::seal_pending(&t.app.db).await.expect("seal again"), 0, "nothing is chained twice");
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    let verified = audit::verify(&mut conn).await.expect("verify");
    assert!(verified.broken.is_none(), "{verified:?}");
    let rows = huduma::store::audit::after(&mut conn, 0, 10_000).await.expect("rows");
    let queued: Vec<String> =
        rows.iter().filter(|r| r.action == "test.entry" && r.subject != "n:1000").map(|r| r.subject.clone()).collect();
    assert_eq!(queued, (0..330).map(|n| format!("n:{n}")).collect::<Vec<_>>(), "sealed in the order queued");
    let (pending,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_pending").fetch_one(&mut *conn).await.expect("count");
    assert_eq!(pending, 0);
}

async fn bulk_actions_and_a_rejection_the_citizen_reads(backend: Backend) {
    let t = spawn(backend).await;
    let (token, first, first_ref) = paid_police_clearance(&t).await;
    let second = awaiting_payment(&t, &token).await;
    let attempt = pay(&t, &token, &second, "0708374149").await;
    assert_eq!(poll(&t, &token, attempt["id"].as_str().expect("id")).await["state"], "succeeded");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{second}"), Some(&token), None).await;
    let second_ref = application["reference"].as_str().expect("reference").replace('-', "");
    demo::create(&t.app).await.expect("demo staff");
    let officer = staff_client(&t, &demo::email("officer", Some("dci"))).await;
    let tomorrow = t.app.clock.today_in_nairobi().add_days(1).to_string();
    for reference in [&first_ref, &second_ref] {
        let case = format!("/staff/applications/{reference}");
        let fields = [("date", tomorrow.as_str()), ("time", "10:00"), ("office", "Huduma Centre GPO")];
        let (status, _, _) = post(&t, &officer, &case, &format!("{case}/actions/schedule_fingerprints"), &fields).await;
        assert_eq!(status, 200);
    }
    // A step that needs something typed for each application is refused in bulk: the
    // confirmation says so and offers nothing to confirm; a forged confirmation changes nothing.
    let refs = [("reference", first_ref.as_str()), ("reference", second_ref.as_str())];
    let mut fields = refs.to_vec();
    fields.push(("action", "request_information"));
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
    assert!(status == 422 && page.matches("take it on the application").count() == 2, "{page}");
    assert!(!page.contains("id=\"confirm\""), "nothing to confirm");
    fields.push(("confirm", "yes"));
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
    assert!(status == 200 && page.matches("take it on the application").count() == 2, "{page}");
    // Fingerprints recorded for both at once, once confirmed.
    let mut fields = refs.to_vec();
    fields.push(("action", "record_fingerprints"));
    fields.push(("confirm", "yes"));
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
    assert!(status == 200 && page.matches(">Done<").count() == 2, "{page}");
    for id in [&first, &second] {
        assert_eq!(status_of(&t, &token, id).await, "under_review");
    }
    // Another agency's officer touches nothing in bulk.
    let kra = staff_client(&t, &demo::email("officer", Some("kra"))).await;
    let mut fields = refs.to_vec();
    fields.push(("action", "approve"));
    fields.push(("confirm", "yes"));
    let (_, _, page) = post(&t, &kra, "/staff", "/staff/bulk", &fields).await;
    assert_eq!(page.matches("Not in your agency").count(), 2, "{page}");
    // Rejection is the supervisor's, with a reason the citizen reads.
    let case = format!("/staff/applications/{first_ref}");
    let reason = "The fingerprints could not be read; please book a new appointment.";
    let (status, _, _) = post(&t, &officer, &case, &format!("{case}/actions/reject"), &[("note", reason)]).await;
    assert_eq!(status, 422, "officers do not reject police clearances");
    let supervisor = staff_client(&t, &demo::email("supervisor", Some("dci"))).await;
    let (status, _, page) = post(&t, &supervisor, &case, &format!("{case}/actions/reject"), &[("note", "No.")]).await;
    assert!(status == 422 && page.contains("at least 10 characters"));
    let (status, _, _) = post(&t, &supervisor, &case, &format!("{case}/actions/reject"), &[("note", reason)]).await;
    assert_eq!(status, 200);
    assert_eq!(status_of(&t, &token, &first).await, "rejected");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(reason))).await;
    let (_, overview) = t.get(&format!("/applications/{first}")).await;
    assert!(overview.contains(reason), "the reason is on the citizen's timeline");
    let (_, _, queue) = get(&t, &officer, "/staff").await;
    assert!(!queue.contains(&format!("/staff/applications/{first_ref}\"")), "a finished application leaves the queue");
}

/// The DCI officer, and two paid police-clearance applications with fingerprints booked:
/// (citizen token, ids, references, officer).
async fn two_booked_for_fingerprints(t: &TestApp) -> (String, [String; 2], [String; 2], reqwest::Client) {
    let (token, first, first_ref) = paid_police_clearance(t).await;
    let second = awaiting_payment(t, &token).await;
    let attempt = pay(t, &token, &second, "0708374149").await;
    assert_eq!(poll(t, &token, attempt["id"].as_str().expect("id")).await["state"], "succeeded");
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{second}"), Some(&token), None).await;
    let second_ref = application["reference"].as_str().expect("reference").replace('-', "");
    demo::create(&t.app).await.expect("demo staff");
    let officer = staff_client(t, &demo::email("officer", Some("dci"))).await;
    let tomorrow = t.app.clock.today_in_nairobi().add_days(1).to_string();
    for reference in [&first_ref, &second_ref] {
        let case = format!("/staff/applications/{reference}");
        let fields = [("date", tomorrow.as_str()), ("time", "10:00"), ("office", "Huduma Centre GPO")];
        let (status, _, page) = post(t, &officer, &case, &format!("{case}/actions/schedule_fingerprints"), &fields).await;
        assert_eq!(status, 200, "{page}");
    }
    (token, [first, second], [first_ref, second_ref], officer)
}

async fn certificates_issued(t: &TestApp) -> i64 {
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM certificates").fetch_one(&mut *conn).await.expect("count");
    count
}

async fn a_bulk_action_says_what_it_will_do_and_changes_nothing_until_confirmed(backend: Backend) {
    let t = spawn(backend).await;
    let (token, ids, [first_ref, second_ref], officer) = two_booked_for_fingerprints(&t).await;
    let refs = [("reference", first_ref.as_str()), ("reference", second_ref.as_str())];

    // No action is chosen until the officer chooses one.
    let (_, _, queue) = get(&t, &officer, "/staff").await;
    assert!(queue.contains(r#"<select class="select" id="action" name="action"><option value="">Choose…</option>"#), "{queue}");
    // Submitting without choosing says so, with the ticks kept.
    for fields in [refs.to_vec(), [refs.as_slice(), &[("action", "")]].concat()] {
        let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
        assert!(status == 422 && page.contains("Choose what to do with the ticked applications."), "{page}");
        assert!(page.contains(&format!(r#"value="{first_ref}" checked"#)), "the ticks are kept");
    }
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &[("action", "record_fingerprints")]).await;
    assert!(status == 422 && page.contains("Tick between 1 and 100 applications."), "{page}");

    // The first step names how many and what happens, and changes nothing.
    let mut fields = refs.to_vec();
    fields.push(("action", "record_fingerprints"));
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Record fingerprints taken for 2 applications"), "{page}");
    assert!(page.contains("moves to “Fingerprints being checked”"), "{page}");
    assert!(page.contains(r#"id="confirm""#) && page.contains("Fingerprint appointment booked"), "{page}");
    for id in &ids {
        assert_eq!(status_of(&t, &token, id).await, "fingerprints_booked", "nothing changed before confirming");
    }
    // Confirmed from that page: done.
    fields.push(("confirm", "yes"));
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
    assert!(status == 200 && page.matches(">Done<").count() == 2, "{page}");
    for id in &ids {
        assert_eq!(status_of(&t, &token, id).await, "under_review");
    }

    // Approving and issuing certificates in bulk gets a second look too.
    let mut fields = refs.to_vec();
    fields.push(("action", "approve"));
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Approve and issue certificate for 2 applications"), "{page}");
    assert!(page.contains("a certificate is issued for each one") && page.contains("warning-text--strong"), "{page}");
    assert_eq!(certificates_issued(&t).await, 0, "no certificate before confirming");
    for id in &ids {
        assert_eq!(status_of(&t, &token, id).await, "under_review");
    }
    // One of them is approved on its own page meanwhile: the confirmation then counts one.
    let case = format!("/staff/applications/{second_ref}");
    let (status, _, _) = post(&t, &officer, &case, &format!("{case}/actions/approve"), &[]).await;
    assert_eq!(status, 200);
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Approve and issue certificate for 1 application<") && page.contains("the application has moved on"), "{page}");
    assert!(page.contains("a certificate is issued for it,"), "{page}");
    fields.push(("confirm", "yes"));
    let (status, _, page) = post(&t, &officer, "/staff", "/staff/bulk", &fields).await;
    assert!(status == 200 && page.matches(">Done<").count() == 1, "{page}");
    assert_eq!(certificates_issued(&t).await, 2);
}

async fn the_queue_filters_by_the_labels_officers_read(backend: Backend) {
    let t = spawn(backend).await;
    let (_, _, reference) = paid_police_clearance(&t).await;
    demo::create(&t.app).await.expect("demo staff");
    let officer = staff_client(&t, &demo::email("officer", Some("dci"))).await;
    let case = format!("/staff/applications/{reference}");
    let (status, _, queue) = get(&t, &officer, "/staff").await;
    assert_eq!(status, 200);
    // The state filter lists the workflow's labels (only states a queued application can be in).
    assert!(queue.contains(r#"<option value="fingerprints_booked">Fingerprint appointment booked</option>"#), "{queue}");
    assert!(!queue.contains(r#"<input class="input" name="state""#), "no free-text box for internal codes");
    assert!(!queue.contains(r#"<option value="issued">"#), "finished applications are never in the queue");
    // The row shows the state's label, never its code.
    assert!(queue.contains(r#"<td data-label="Status">Documents being checked</td>"#), "{queue}");
    // Assignees: me, nobody, or any member of the agency.
    assert!(queue.contains(r#"<option value="mine">Me</option>"#) && queue.contains(">Demo supervisor (dci)</option>"), "{queue}");
    let (_, _, submitted) = get(&t, &officer, "/staff?state=submitted").await;
    assert!(submitted.contains(&case) && submitted.contains(r#"<option value="submitted" selected>"#), "{submitted}");
    let (_, _, booked) = get(&t, &officer, "/staff?state=fingerprints_booked").await;
    assert!(!booked.contains(&case));
    let (status, _, _) = post(&t, &officer, &case, &format!("{case}/assign"), &[("assignee", "me")]).await;
    assert_eq!(status, 200);
    let me = {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        huduma::store::staff::by_email(&mut conn, &demo::email("officer", Some("dci"))).await.expect("query").expect("member").id
    };
    let (_, _, theirs) = get(&t, &officer, &format!("/staff?assigned={me}")).await;
    assert!(theirs.contains(&case) && theirs.contains(&format!(r#"<option value="{me}" selected>"#)), "{theirs}");
    let (_, _, nobodys) = get(&t, &officer, "/staff?assigned=unassigned").await;
    assert!(!nobodys.contains(&case));
    // In Kiswahili, the same lists in Kiswahili.
    let (_, _, queue) = get(&t, &officer, "/language/sw?next=/staff").await;
    assert!(queue.contains(">Miadi ya alama za vidole imepangwa</option>") && queue.contains(">Nyaraka zinakaguliwa</td>"), "{queue}");
    assert!(queue.contains(r#"<option value="">Chagua…</option>"#), "{queue}");
}

async fn the_case_page_shows_answers_documents_and_actions_together(backend: Backend) {
    let t = spawn(backend).await;
    let (_, _, reference) = paid_police_clearance(&t).await;
    demo::create(&t.app).await.expect("demo staff");
    let officer = staff_client(&t, &demo::email("officer", Some("dci"))).await;
    let case = format!("/staff/applications/{reference}");
    let response = officer.get(t.url(&case)).send().await.expect("GET");
    let policy = response.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(
        policy.contains("frame-src 'self'") && policy.contains("script-src 'self'"),
        "the viewer may frame our own documents: {policy}"
    );
    let page = response.text().await.expect("body");
    let document = {
        use sqlx::Row;
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        sqlx::query("SELECT id FROM application_documents").fetch_one(&mut *conn).await.expect("row").try_get::<String, _>(0).expect("id")
    };
    // The first document is open beside the answers; source order is answers, documents, actions.
    let src = format!(r#"<iframe class="viewer__frame" src="{case}/documents/{document}?inline=1""#);
    assert!(page.contains(&src), "{page}");
    let at = |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} on the case page"));
    assert!(at(r#"id="answers""#) < at(r#"id="documents""#) && at(r#"id="documents""#) < at(r#"id="actions""#));
    assert!(at(r##"href="#actions""##) < at(r#"id="answers""#), "a jump link to the actions comes first");
    // The framed response stays sandboxed and may be framed by our own pages only.
    let response = officer.get(t.url(&format!("{case}/documents/{document}?inline=1"))).send().await.expect("GET");
    let policy = response.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(policy.starts_with("sandbox") && policy.contains("frame-ancestors 'self'"), "{policy}");
    // An unknown document falls back to the first; the page still works.
    let (status, _, page) = get(&t, &officer, &format!("{case}?doc=nothing")).await;
    assert!(status == 200 && page.contains(&src));
}

async fn staff_pages_that_do_not_exist_keep_the_staff_frame(backend: Backend) {
    let t = spawn(backend).await;
    let (_, _, reference) = paid_police_clearance(&t).await;
    demo::create(&t.app).await.expect("demo staff");
    let officer = staff_client(&t, &demo::email("officer", Some("dci"))).await;
    let kra = staff_client(&t, &demo::email("officer", Some("kra"))).await;
    let foreign = format!("/staff/applications/{reference}");
    let cases: [(&reqwest::Client, &str); 4] =
        [(&officer, "/staff/no-such-page"), (&officer, "/staff/applications/AAAAAAAAAAA"), (&officer, "/staff/a/b/c"), (&kra, &foreign)];
    for (client, path) in cases {
        let (status, _, page) = get(&t, client, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(page.contains("header--staff") && page.contains("/static/staff.css"), "{path}: the staff frame: {page}");
        assert!(page.contains(">Work queue</a>") && page.contains("Page not found"), "{path}: the member's own navigation");
    }
    let anonymous = new_client();
    let (status, _, page) = get(&t, &anonymous, "/staff/no-such-page").await;
    assert!(status == 404 && page.contains("header--staff") && !page.contains(">Work queue</a>"), "{page}");
    let (status, _, page) = get(&t, &anonymous, "/no-such-page").await;
    assert!(status == 404 && !page.contains("header--staff"), "citizens keep their own 404");
    let response = anonymous.get(t.url("/static/staff.css")).send().await.expect("GET");
    assert_eq!(response.headers()["content-type"], "text/css; charset=utf-8");
}

both_databases!(
    bulk_actions_and_a_rejection_the_citizen_reads,
    an_officer_takes_an_application_from_payment_to_a_verified_certificate,
    the_back_office_is_closed_to_other_agencies_citizens_and_strangers,
    overdue_applications_escalate_to_supervisors_once,
    the_audit_chain_catches_an_edited_or_removed_row,
    the_sealer_chains_queued_entries_in_order_among_immediate_ones,
    a_bulk_action_says_what_it_will_do_and_changes_nothing_until_confirmed,
    the_queue_filters_by_the_labels_officers_read,
    the_case_page_shows_answers_documents_and_actions_together,
    staff_pages_that_do_not_exist_keep_the_staff_frame,
);

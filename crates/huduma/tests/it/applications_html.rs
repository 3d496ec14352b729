//! Applying through the pages, as a citizen with a browser would (without JavaScript):
//! start, pages with errors, documents, check your answers, submission, "My
//! applications", the timeline and public tracking; on SQLite and PostgreSQL.

use crate::both_databases;
use crate::helpers::*;
use huduma_uploads::samples;

/// The application id in a `/applications/{id}…` path.
fn application_id(path: &str) -> String {
    path.trim_start_matches("/applications/").split('/').next().expect("id").to_owned()
}

async fn a_citizen_applies_for_a_kra_pin_and_tracks_it(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, service) = t.get("/services/kra-pin-registration").await;
    assert!(service.contains("action=\"/services/kra-pin-registration/apply\""), "the service page has a start button");
    let (status, url, tasks) = t.submit("/services/kra-pin-registration", "/services/kra-pin-registration/apply", &[]).await;
    assert_eq!(status, 200, "{tasks}");
    let id = application_id(&url);
    assert!(tasks.contains("Check your answers and submit"), "the task list: {tasks}");
    let page = format!("/applications/{id}/pages/taxpayer");
    let (_, form) = t.get(&page).await;
    assert!(form.contains("value=\"12345678\"") && form.contains("readonly"), "the ID number comes from the account, read-only");
    // A missing conditional answer: the error is shown next to it, and what was typed stays.
    let (status, _, body) =
        t.submit(&page, &page, &[("residency", "citizen"), ("employment_status", "employed"), ("employer_pin", "")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("There is a problem") && body.contains("href=\"#employer_pin\""), "error summary links to the field");
    assert!(body.contains("value=\"employed\" checked"), "earlier answers are kept on the error page");
    let (status, url, _) = t.submit(&page, &page, &[("residency", "citizen"), ("employment_status", "none")]).await;
    assert_eq!((status, url), (200, format!("/applications/{id}/pages/address")));
    let address = format!("/applications/{id}/pages/address");
    let (status, url, body) = t.submit(&address, &address, &[("county", "Kisumu"), ("town", "Kisumu")]).await;
    assert_eq!((status, url.clone()), (200, format!("/applications/{id}/check")), "{body}");
    assert!(body.contains("Kisumu") && body.contains("No income at present"), "check your answers lists answers in words");
    assert!(body.contains(&format!("/applications/{id}/pages/address?return=check")), "with change links");
    // Leave and come back: the draft is on My applications.
    let (_, mine) = t.get("/applications").await;
    assert!(mine.contains("KRA PIN registration") && mine.contains("Drafts"), "{mine}");
    let check = format!("/applications/{id}/check");
    let submit = format!("/applications/{id}/submit");
    let (status, _, body) = t.submit(&check, &submit, &[]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Tick the box"), "the declaration is required");
    let (status, url, confirmation) = t.submit(&check, &submit, &[("declaration", "yes")]).await;
    assert_eq!((status, url), (200, format!("/applications/{id}/submitted")));
    let marker = "id=\"reference\">";
    let start = confirmation.find(marker).expect("reference shown") + marker.len();
    let reference = confirmation[start..].split('<').next().expect("reference").to_owned();
    assert_eq!(reference.len(), 12, "grouped reference {reference}");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(&reference))).await;
    // A second submit (back button, double click) changes nothing.
    let (status, url, _) = t.submit(&check, &submit, &[("declaration", "yes")]).await;
    assert_eq!((status, url), (200, format!("/applications/{id}/submitted")));
    let (_, detail) = t.get(&format!("/applications/{id}")).await;
    assert!(detail.contains(&reference) && detail.contains("Application submitted") && detail.contains("Submitted"), "{detail}");
    let (_, form) = t.get(&address).await;
    assert!(!form.contains("Save and continue"), "a submitted application's pages cannot be edited");
    // Public tracking, in a fresh browser without a session.
    let visitor = TestApp { client: new_client(), ..t };
    let (status, _, found) = visitor.submit("/track", "/track", &[("reference", &reference), ("document_number", WANJIKU.id)]).await;
    assert_eq!(status, 200);
    assert!(found.contains("id=\"status\">Submitted") && found.contains("KRA PIN registration"), "{found}");
    assert!(!found.contains("Kisumu"), "tracking shows no answers");
    let (status, _, wrong) = visitor.submit("/track", "/track", &[("reference", &reference), ("document_number", "23456789")]).await;
    assert_eq!(status, 404);
    assert!(wrong.contains("We found no application"));
}

async fn documents_are_checked_replaced_and_downloadable(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, url, _) = t.submit("/services/passport-ordinary", "/services/passport-ordinary/apply", &[]).await;
    let id = application_id(&url);
    let documents = format!("/applications/{id}/documents");
    let (_, page) = t.get(&documents).await;
    assert!(page.contains("PDF, JPEG or PNG, up to 2 MB"), "rules are shown before upload");
    let action = format!("/applications/{id}/documents/birth_certificate");
    let (status, _, body) = t.upload_html(&documents, &action, "birth.pdf", samples::word_docx_renamed()).await;
    assert_eq!(status, 422);
    assert!(body.contains("Word or other Office document renamed") && body.contains("PDF, JPEG or PNG"), "{body}");
    let big = samples::pdf(1, 3 * 1024 * 1024);
    let (status, _, body) = t.upload_html(&documents, &action, "big.pdf", big).await;
    assert_eq!(status, 422);
    assert!(body.contains("larger than the 2 MB limit"), "{body}");
    let (status, url, body) = t.upload_html(&documents, &action, "../../etc/birth.pdf", samples::pdf(1, 0)).await;
    assert_eq!((status, url.as_str()), (200, documents.as_str()), "{body}");
    assert!(body.contains("Your document has been uploaded.") && body.contains(">birth.pdf ("), "{body}");
    let href_start = body.find(&format!("/applications/{id}/files/")).expect("download link");
    let href = body[href_start..].split('"').next().expect("href");
    let response = t.client.get(t.url(href)).send().await.expect("download");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"].to_str().expect("ascii"),
        "attachment; filename=\"birth.pdf\"; filename*=UTF-8''birth.pdf"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    // Another citizen gets "not found" for the file and the pages.
    let other = TestApp { client: new_client(), ..t };
    register_html(&other, &BRIAN).await;
    for path in [
        href.to_owned(),
        documents.clone(),
        format!("/applications/{id}"),
        format!("/applications/{id}/check"),
        format!("/applications/{id}/pages/applicant"),
    ] {
        let (status, _) = other.get(&path).await;
        assert_eq!(status, 404, "{path}");
    }
}

/// The passport asks for the applicant's ID number (filled from the account, read-only)
/// only when the applicant is not a minor. Answering "under 18 = yes" and then "no" again
/// must bring the number back rather than leave a read-only empty field that blocks the
/// page for ever.
async fn a_prefilled_answer_comes_back_when_its_condition_does(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, url, _) = t.submit("/services/passport-ordinary", "/services/passport-ordinary/apply", &[]).await;
    let id = application_id(&url);
    let page = format!("/applications/{id}/pages/applicant");
    let answers = |minor: &'static str| {
        [
            ("applicant_is_minor", minor),
            ("birth_certificate_number", "BC123456"),
            ("date_of_birth", "1990-05-01"),
            ("place_of_birth", "Nairobi"),
            ("marital_status", "single"),
        ]
    };
    let (status, url, body) = t.submit(&page, &page, &answers("yes")).await;
    assert_eq!((status, url.as_str()), (200, format!("/applications/{id}/pages/passport").as_str()), "{body}");
    let (_, form) = t.get(&page).await;
    assert!(form.contains("value=\"12345678\"") && form.contains("readonly"), "still shown from the account: {form}");
    // Changed back: the read-only number is not posted by a browser (or is posted wrong);
    // either way the account's number is used and the page saves.
    let mut changed = answers("no").to_vec();
    changed.push(("id_number", "99999999"));
    let (status, url, body) = t.submit(&page, &page, &changed).await;
    assert_eq!((status, url.as_str()), (200, format!("/applications/{id}/pages/passport").as_str()), "{body}");
    let (status, url, body) = t.submit(&page, &page, &answers("no")).await;
    assert_eq!((status, url.as_str()), (200, format!("/applications/{id}/pages/passport").as_str()), "{body}");
    let (_, check) = t.get(&format!("/applications/{id}/check")).await;
    assert!(check.contains("12345678") && !check.contains("99999999"), "the account's number is the answer: {check}");
}

/// "Delete this draft" asks first, on a page of its own naming the draft; only the button
/// there deletes.
async fn deleting_a_draft_asks_first(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, url, tasks) = t.submit("/services/passport-ordinary", "/services/passport-ordinary/apply", &[]).await;
    let id = application_id(&url);
    let confirm = format!("/applications/{id}/delete");
    assert!(tasks.contains(&format!("href=\"{confirm}\"")), "the task list links to the question: {tasks}");
    assert!(!tasks.contains(&format!("action=\"{confirm}\"")), "no button on the task list deletes at once");
    let (status, page) = t.get(&confirm).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Delete your draft application for Ordinary passport (e-passport)?"), "names the draft: {page}");
    assert!(page.contains(&format!("method=\"post\" action=\"{confirm}\"")) && page.contains("No, keep it"), "{page}");
    let (status, _) = t.get(&format!("/applications/{id}")).await;
    assert_eq!(status, 200, "asking deleted nothing");
    let (_, mine) = t.get("/applications").await;
    assert!(mine.contains(&format!("href=\"/applications/{id}/delete\"")), "My applications offers it too: {mine}");
    let (status, url, body) = t.submit(&confirm, &confirm, &[]).await;
    assert_eq!((status, url.as_str()), (200, "/applications"), "{body}");
    assert!(body.contains("The draft has been deleted."));
    assert_eq!(t.get(&format!("/applications/{id}")).await.0, 404);
    assert_eq!(t.get(&confirm).await.0, 404, "nothing left to ask about");
}

both_databases!(
    a_citizen_applies_for_a_kra_pin_and_tracks_it,
    documents_are_checked_replaced_and_downloadable,
    a_prefilled_answer_comes_back_when_its_condition_does,
    deleting_a_draft_asks_first,
);

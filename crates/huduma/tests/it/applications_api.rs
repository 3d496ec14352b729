//! Applying through the JSON API: drafts, pages, documents, submission, timeline,
//! tracking; on SQLite and PostgreSQL.

use crate::both_databases;
use crate::helpers::*;
use huduma_uploads::samples;
use reqwest::Method;
use serde_json::{Value, json};

/// Starts a draft of `service`.
pub async fn start(t: &TestApp, token: &str, service: &str) -> Value {
    let (status, draft) = t.api(Method::POST, "/api/v1/applications", Some(token), Some(json!({"service": service}))).await;
    assert_eq!(status, 201, "{draft}");
    draft
}

/// Saves a page; returns status and body.
pub async fn save(t: &TestApp, token: &str, id: &str, page: &str, answers: Value) -> (u16, Value) {
    t.api(Method::PUT, &format!("/api/v1/applications/{id}/pages/{page}"), Some(token), Some(json!({"answers": answers}))).await
}

/// Fills a KRA PIN application for the sandbox citizen with valid answers.
pub async fn fill_kra_pin(t: &TestApp, token: &str) -> String {
    let draft = start(t, token, "kra-pin-registration").await;
    let id = draft["id"].as_str().expect("id").to_owned();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["answers"]["id_number"], WANJIKU.id, "the ID number comes from the account: {draft}");
    let (status, body) = save(
        t,
        token,
        &id,
        "taxpayer",
        json!({"residency": "citizen", "date_of_birth": "1990-04-12", "employment_status": "employed", "employer_pin": "p051234567a"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        save(t, token, &id, "address", json!({"county": "Nairobi", "town": "Westlands", "phone": "0712345678", "email": WANJIKU.email}))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["answers"]["employer_pin"], "P051234567A", "answers are normalised");
    assert_eq!(body["answers"]["county"], "Nairobi City");
    id
}

async fn a_free_service_goes_straight_to_the_agency(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = fill_kra_pin(&t, &token).await;
    let (status, body) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/submit"), Some(&token), Some(json!({"declaration": false}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("application.declaration")), "{body}");
    let (status, submitted) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/submit"), Some(&token), Some(json!({"declaration": true}))).await;
    assert_eq!(status, 200, "{submitted}");
    assert_eq!(submitted["status"], "submitted", "free services skip payment");
    assert_eq!(submitted["fee_minor"], 0);
    let reference = submitted["reference"].as_str().expect("reference").to_owned();
    huduma_domain::Reference::parse(huduma_domain::reference::Kind::Application, &reference).expect("a valid reference");
    // A retry (double click, timeout) gives the same application and reference.
    let (status, again) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/submit"), Some(&token), Some(json!({"declaration": true}))).await;
    assert_eq!((status, again["reference"].as_str()), (200, Some(reference.as_str())));
    // The reference reaches the phone and the mailbox.
    let sms = t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(&reference))).await;
    assert_eq!(sms["channel"], "sms");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.email && m["body"].as_str().is_some_and(|b| b.contains(&reference))).await;
    // Answers can no longer change.
    let (status, body) = save(&t, &token, &id, "address", json!({"town": "Kisumu"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("application.not_draft")));
    let (status, list) = t.api(Method::GET, "/api/v1/applications", Some(&token), None).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(1)));
    assert_eq!(list[0]["reference"], reference.as_str());
    let (status, timeline) = t.api(Method::GET, &format!("/api/v1/applications/{id}/timeline"), Some(&token), None).await;
    assert_eq!((status, timeline[0]["status"].as_str()), (200, Some("submitted")), "{timeline}");
    // Public tracking: reference + ID number; the wrong ID looks like an unknown reference.
    let (status, tracked) =
        t.post_json("/api/v1/track", json!({"reference": reference.to_lowercase(), "document_number": WANJIKU.id})).await;
    assert_eq!((status, tracked["status"].as_str()), (200, Some("submitted")), "{tracked}");
    assert!(tracked.get("answers").is_none(), "tracking shows the status only");
    let (status, wrong) = t.post_json("/api/v1/track", json!({"reference": reference, "document_number": "87654321"})).await;
    let (status2, unknown) = t.post_json("/api/v1/track", json!({"reference": "A2345-6789AB", "document_number": WANJIKU.id})).await;
    assert_eq!(status, 404);
    assert!(status2 == 404 || status2 == 422, "{unknown}");
    assert_eq!(wrong["error"]["code"], "track.not_found");
    let mut typo = reference.clone().into_bytes();
    typo.swap(3, 4);
    if typo[3] != typo[4] {
        let (status, body) = t
            .post_json("/api/v1/track", json!({"reference": String::from_utf8(typo).expect("ascii"), "document_number": WANJIKU.id}))
            .await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("reference.invalid")), "a swapped pair is caught");
    }
}

async fn a_paid_service_with_documents_waits_for_payment(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let draft = start(&t, &token, "passport-ordinary").await;
    let id = draft["id"].as_str().expect("id").to_owned();
    let (status, body) = save(
        &t,
        &token,
        &id,
        "applicant",
        json!({"applicant_is_minor": "no", "birth_certificate_number": "123456", "date_of_birth": "1990-04-12", "place_of_birth": "Nyeri", "marital_status": "single"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // A wrong answer is reported and kept, not lost.
    let (status, body) = save(&t, &token, &id, "passport", json!({"application_type": "renewal", "old_passport_number": "12", "issuing_office": "nairobi", "recommender_name": "Otieno Okello", "recommender_id": "23456789"})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "old_passport_number");
    let (_, kept) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(kept["answers"]["old_passport_number"], "12", "what was typed is kept");
    assert_eq!(kept["answers"]["recommender_name"], "Otieno Okello");
    let (status, body) = save(&t, &token, &id, "passport", json!({"application_type": "first", "issuing_office": "nairobi", "recommender_name": "Otieno Okello", "recommender_id": "23456789"})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["answers"].get("old_passport_number").is_none(), "an answer to a question no longer asked is dropped");
    let (status, body) =
        save(&t, &token, &id, "emergency", json!({"next_of_kin_name": "Kamau Njoroge", "next_of_kin_phone": "0722000000"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["missing"]["fee_option"], true);
    let (status, body) =
        t.api(Method::PUT, &format!("/api/v1/applications/{id}/fee-option"), Some(&token), Some(json!({"fee_option": "50"}))).await;
    assert_eq!((status, body["fee_minor"].as_i64()), (200, Some(950_000)), "{body}");
    assert_eq!(body["missing"]["documents"], json!(["birth_certificate", "national_id_copy", "passport_photo", "recommender_id_copy"]));
    let (status, body) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/submit"), Some(&token), Some(json!({"declaration": true}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("application.incomplete")), "documents are missing");
    for (requirement, name, bytes) in [
        ("birth_certificate", "birth.pdf", samples::pdf(1, 0)),
        ("national_id_copy", "id.jpg", samples::jpeg(300, 200)),
        ("passport_photo", "photo.png", samples::png(120, 160)),
        ("recommender_id_copy", "recommender.pdf", samples::pdf(2, 0)),
    ] {
        let (status, body) = t.upload_api(&token, &id, requirement, name, bytes).await;
        assert_eq!(status, 201, "{requirement}: {body}");
    }
    // Replacing a document before submission is allowed.
    let (status, replaced) = t.upload_api(&token, &id, "birth_certificate", "birth-v2.pdf", samples::pdf(3, 0)).await;
    assert_eq!((status, replaced["file_name"].as_str()), (201, Some("birth-v2.pdf")));
    let (status, submitted) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/submit"), Some(&token), Some(json!({"declaration": true}))).await;
    assert_eq!(status, 200, "{submitted}");
    assert_eq!(submitted["status"], "awaiting_payment");
    assert_eq!(submitted["fee_minor"], 950_000);
    assert_eq!(submitted["documents"].as_array().map(Vec::len), Some(4));
    // The owner can download what they uploaded, as an attachment.
    let document = submitted["documents"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["requirement"] == "birth_certificate"))
        .expect("document")
        .clone();
    let response = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/applications/{id}/documents/{}/file", document["id"].as_str().expect("id"))))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert!(response.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment"));
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), samples::pdf(3, 0), "the PDF is stored unchanged");
    // The replaced file is released and removed by the clean-up job.
    huduma::jobs::drafts::run_once(&t.app).await.expect("clean-up");
    let stored = count_files(&t.dir.0.join("files"));
    assert_eq!(stored, 4, "one file per document, the replaced one deleted");
}

/// Files under a folder, recursively.
pub fn count_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.flatten().map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 }).sum()
}

async fn one_citizen_never_reaches_another_citizens_application(backend: Backend) {
    let t = spawn(backend).await;
    let owner = register_api(&t, &WANJIKU).await;
    let other = register_api(&t, &AMANI).await;
    let draft = start(&t, &owner, "passport-ordinary").await;
    let id = draft["id"].as_str().expect("id").to_owned();
    let (status, doc) = t.upload_api(&owner, &id, "birth_certificate", "b.pdf", samples::pdf(1, 0)).await;
    assert_eq!(status, 201, "{doc}");
    let doc_id = doc["id"].as_str().expect("id").to_owned();
    let attempts: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/applications/{id}"), None),
        (Method::DELETE, format!("/api/v1/applications/{id}"), None),
        (Method::PUT, format!("/api/v1/applications/{id}/pages/applicant"), Some(json!({"answers": {"applicant_is_minor": "yes"}}))),
        (Method::PUT, format!("/api/v1/applications/{id}/fee-option"), Some(json!({"fee_option": "34"}))),
        (Method::POST, format!("/api/v1/applications/{id}/submit"), Some(json!({"declaration": true}))),
        (Method::GET, format!("/api/v1/applications/{id}/timeline"), None),
        (Method::GET, format!("/api/v1/applications/{id}/documents/{doc_id}/file"), None),
        (Method::POST, format!("/api/v1/applications/{id}/respond"), Some(json!({"answer": "Here is my answer."}))),
        (Method::GET, format!("/api/v1/applications/{id}/certificate"), None),
        (Method::GET, format!("/api/v1/applications/{id}/invoice"), None),
    ];
    for (method, path, body) in attempts {
        let (status, answer) = t.api(method.clone(), &path, Some(&other), body.clone()).await;
        assert_eq!(status, 404, "{method} {path} by another citizen: {answer}");
        let (status, _) = t.api(method.clone(), &path, None, body).await;
        assert_eq!(status, 401, "{method} {path} anonymously");
    }
    let (status, _) = t.upload_api(&other, &id, "birth_certificate", "x.pdf", samples::pdf(1, 0)).await;
    assert_eq!(status, 404, "upload into another's application");
    let (_, list) = t.api(Method::GET, "/api/v1/applications", Some(&other), None).await;
    assert_eq!(list, json!([]));
    // Nothing changed for the owner.
    let (status, mine) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&owner), None).await;
    assert_eq!((status, mine["documents"][0]["file_name"].as_str()), (200, Some("b.pdf")));
    assert!(mine["answers"].get("applicant_is_minor").is_none());
}

/// `PUT …/pages/{page}` replaces the page, as the document says: a field left out is
/// saved empty; other pages keep their answers.
async fn saving_a_page_replaces_the_whole_page(backend: Backend) {
    let doc: Value = serde_json::from_str(&huduma::web::api::openapi_document()).expect("JSON");
    let summary = doc["paths"]["/api/v1/applications/{id}/pages/{page}"]["put"]["description"].as_str().unwrap_or_default();
    assert!(summary.contains("replaced as a whole") && summary.contains("saved empty"), "the document says what PUT does: {summary}");
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = fill_kra_pin(&t, &token).await;
    let (status, body) = save(&t, &token, &id, "address", json!({"town": "Kisumu"})).await;
    assert_eq!(status, 422, "the fields left out are now missing: {body}");
    let fields: Vec<&str> = body["error"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert!(fields.contains(&"county"), "{body}");
    let (_, kept) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(kept["answers"]["town"], "Kisumu");
    assert_eq!(kept["answers"]["county"].as_str().unwrap_or_default(), "", "a field left out is saved empty: {kept}");
    assert_eq!(kept["answers"]["employer_pin"], "P051234567A", "other pages are untouched");
    assert_eq!(kept["answers"]["id_number"], WANJIKU.id, "fields from the account stay");
}

async fn a_resident_cannot_apply_for_a_citizens_service(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &AMANI).await;
    let (status, body) = t.api(Method::POST, "/api/v1/applications", Some(&token), Some(json!({"service": "passport-ordinary"}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("application.not_eligible")), "{body}");
    let (status, _) = t.api(Method::POST, "/api/v1/applications", Some(&token), Some(json!({"service": "no-such-service"}))).await;
    assert_eq!(status, 404);
}

async fn simultaneous_submissions_make_one_application(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let id = fill_kra_pin(&t, &token).await;
    let url = t.url(&format!("/api/v1/applications/{id}/submit"));
    let mut clicks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (url, token) = (url.clone(), token.clone());
        clicks.spawn(async move {
            let response =
                reqwest::Client::new().post(url).bearer_auth(token).json(&json!({"declaration": true})).send().await.expect("submit");
            (response.status().as_u16(), response.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut references = std::collections::BTreeSet::new();
    while let Some(answer) = clicks.join_next().await {
        let (status, body) = answer.expect("task");
        assert_eq!(status, 200, "{body}");
        references.insert(body["reference"].as_str().expect("reference").to_owned());
    }
    assert_eq!(references.len(), 1, "every click saw the same reference");
    let (_, timeline) = t.api(Method::GET, &format!("/api/v1/applications/{id}/timeline"), Some(&token), None).await;
    assert_eq!(timeline.as_array().map(Vec::len), Some(1), "one submission on the timeline");
}

async fn public_tracking_is_rate_limited(backend: Backend) {
    let t = spawn(backend).await;
    for attempt in 1..=30 {
        let (status, _) = t.post_json("/api/v1/track", json!({"reference": "A2345-6789AB", "document_number": "12345678"})).await;
        assert_ne!(status, 429, "attempt {attempt} is within the limit");
    }
    let (status, body) = t.post_json("/api/v1/track", json!({"reference": "A2345-6789AB", "document_number": "12345678"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")), "{body}");
}

both_databases!(
    public_tracking_is_rate_limited,
    a_free_service_goes_straight_to_the_agency,
    a_paid_service_with_documents_waits_for_payment,
    one_citizen_never_reaches_another_citizens_application,
    saving_a_page_replaces_the_whole_page,
    a_resident_cannot_apply_for_a_citizens_service,
    simultaneous_submissions_make_one_application,
);

//! What happens around an application over time: draft reminders and expiry, status
//! changes told to the citizen in their language.

use crate::both_databases;
use crate::helpers::*;
use huduma_uploads::samples;
use reqwest::Method;
use serde_json::json;

async fn drafts_are_reminded_then_deleted_with_their_files(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let draft = crate::applications_api::start(&t, &token, "passport-ordinary").await;
    let id = draft["id"].as_str().expect("id").to_owned();
    let (status, _) = t.upload_api(&token, &id, "birth_certificate", "b.pdf", samples::pdf(1, 0)).await;
    assert_eq!(status, 201);
    let files = || crate::applications_api::count_files(&t.dir.0.join("files"));
    assert_eq!(files(), 1);
    // 24 days later (30-day drafts, reminder 5 days before): nothing yet.
    t.app.clock.advance(24 * 86_400);
    assert_eq!(huduma::jobs::drafts::run_once(&t.app).await.expect("job"), (0, 0));
    t.app.clock.advance(2 * 86_400);
    assert_eq!(huduma::jobs::drafts::run_once(&t.app).await.expect("job"), (1, 0), "reminded once");
    assert_eq!(huduma::jobs::drafts::run_once(&t.app).await.expect("job"), (0, 0), "and only once");
    let reminder =
        t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains("will be deleted"))).await;
    assert!(reminder["body"].as_str().unwrap_or("").contains(&format!("/applications/{id}")));
    t.app.clock.advance(5 * 86_400);
    assert_eq!(huduma::jobs::drafts::run_once(&t.app).await.expect("job"), (0, 1), "deleted after expiry");
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let (status, _) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(status, 404);
    assert_eq!(files(), 0, "its files went with it");
}

async fn saving_a_draft_pushes_its_expiry_back(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let draft = crate::applications_api::start(&t, &token, "kra-pin-registration").await;
    let id = draft["id"].as_str().expect("id").to_owned();
    let first = draft["expires_at"].as_i64().expect("expiry");
    t.app.clock.advance(20 * 86_400);
    let token = sign_in_api(&t, WANJIKU.id, WANJIKU.password, WANJIKU.phone).await;
    let (_, saved) = crate::applications_api::save(&t, &token, &id, "address", json!({"town": "Nakuru"})).await;
    assert_eq!(saved["error"]["code"], "field.required", "county missing, but the town is kept");
    let (_, now) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(now["answers"]["town"], "Nakuru");
    // Pushed back by the 20 days that passed (plus the real seconds the test took).
    let pushed = now["expires_at"].as_i64().expect("expiry") - first;
    assert!((20 * 86_400..20 * 86_400 + 60).contains(&pushed), "pushed back by {pushed} s");
    let (status, _) = t.api(Method::DELETE, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(status, 204, "a draft can be deleted");
    let (status, _) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(status, 404);
}

async fn status_changes_reach_the_citizen_in_their_language(backend: Backend) {
    let t = spawn(backend).await;
    let token = register_api(&t, &WANJIKU).await;
    let (status, _) = t.api(Method::PATCH, "/api/v1/me", Some(&token), Some(json!({"language": "sw"}))).await;
    assert_eq!(status, 200);
    let id = crate::applications_api::fill_kra_pin(&t, &token).await;
    let (_, submitted) =
        t.api(Method::POST, &format!("/api/v1/applications/{id}/submit"), Some(&token), Some(json!({"declaration": true}))).await;
    let reference = submitted["reference"].as_str().expect("reference").to_owned();
    let application = huduma_domain::ApplicationId::parse(&id).expect("an application id");
    huduma::services::applications::status::change(&t.app, &application, "submitted", "under_review", None).await.expect("change");
    let sms = t
        .wait_for_message(|m| {
            m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(&reference) && b.contains("Inakaguliwa"))
        })
        .await;
    assert!(sms["body"].as_str().unwrap_or("").contains("sasa liko"), "Kiswahili: {sms}");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.email && m["subject"].as_str().is_some_and(|s| s.contains(&reference))).await;
    // A change from a state the application is no longer in is refused.
    let stale = huduma::services::applications::status::change(&t.app, &application, "submitted", "issued", None).await;
    assert!(stale.is_err());
    let (_, timeline) = t.api(Method::GET, &format!("/api/v1/applications/{id}/timeline"), Some(&token), None).await;
    let statuses: Vec<&str> = timeline.as_array().expect("list").iter().filter_map(|e| e["status"].as_str()).collect();
    assert_eq!(statuses, vec!["submitted", "under_review"]);
    let (_, tracked) = t.post_json("/api/v1/track", json!({"reference": reference, "document_number": WANJIKU.id})).await;
    assert_eq!(tracked["status"], "under_review");
}

both_databases!(
    drafts_are_reminded_then_deleted_with_their_files,
    saving_a_draft_pushes_its_expiry_back,
    status_changes_reach_the_citizen_in_their_language,
);

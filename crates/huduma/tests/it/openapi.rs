//! The OpenAPI document is generated from the code and checked in; CI fails when they
//! differ. Regenerate with `HUDUMA_UPDATE_OPENAPI=1 cargo test openapi`.

use std::path::Path;

#[test]
fn checked_in_openapi_document_is_current() {
    let generated = huduma::web::api::openapi_document();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var("HUDUMA_UPDATE_OPENAPI").is_ok() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == generated, "docs/openapi.json is stale: run HUDUMA_UPDATE_OPENAPI=1 cargo test openapi");
    let doc: serde_json::Value = serde_json::from_str(&generated).expect("JSON");
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    // That every route is documented (and every documented operation routed) is checked
    // against the route table in `api_contract.rs`; these are spot checks of the shape.
    let paths = doc["paths"].as_object().expect("paths");
    for route in [
        "/api/v1/services",
        "/api/v1/services/{code}",
        "/api/v1/registrations",
        "/api/v1/sign-in/verify",
        "/api/v1/me",
        "/api/v1/me/sessions/{id}",
        "/api/v1/applications",
        "/api/v1/applications/{id}/pages/{page}",
        "/api/v1/applications/{id}/documents/{requirement}",
        "/api/v1/applications/{id}/submit",
        "/api/v1/track",
        "/api/v1/applications/{id}/payments/mpesa",
        "/api/v1/payments/{id}",
        "/api/v1/tickets",
        "/api/v1/tickets/{number}/messages",
        "/api/v1/tickets/{number}/rating",
        "/api/v1/applications/{id}/respond",
        "/api/v1/applications/{id}/certificate",
        "/api/v1/receipts/{number}",
        "/api/v1/receipts/{number}/pdf",
    ] {
        assert!(paths.contains_key(route), "{route}");
    }
}

/// Clients can switch on `error.code`: the document lists every stable code as the values
/// of `ErrorCode`, which both the error and each field problem use.
#[test]
fn the_document_lists_every_error_code() {
    let doc: serde_json::Value = serde_json::from_str(&huduma::web::api::openapi_document()).expect("JSON");
    let schemas = &doc["components"]["schemas"];
    let values: Vec<&str> =
        schemas["ErrorCode"]["enum"].as_array().expect("ErrorCode is an enum").iter().filter_map(|v| v.as_str()).collect();
    let codes: Vec<&str> = huduma::web::error_code::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(values, codes);
    for code in ["phone.invalid", "rate_limited", "unauthorized", "route.not_found", "body.too_large", "upload.infected"] {
        assert!(values.contains(&code), "{code}");
    }
    let reference = serde_json::json!("#/components/schemas/ErrorCode");
    assert_eq!(schemas["ErrorDetail"]["properties"]["code"]["$ref"], reference);
    assert_eq!(schemas["FieldProblem"]["properties"]["code"]["$ref"], reference);
}

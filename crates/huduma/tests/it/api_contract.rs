//! The API keeps its contract: every error on every path under `/api/` is JSON with a
//! stable code; the route table, the running router and the OpenAPI document agree on
//! paths and methods; each operation documents every status it can give; and an API
//! client can reach with its bearer token what a browser reaches with its cookie, by the
//! paths the answers and the document give.

use crate::both_databases;
use crate::helpers::*;
use huduma_uploads::samples;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Routes under `/api/` that are not operations of the API and so not in its document.
const NOT_OPERATIONS: &[&str] = &[
    // The document itself.
    "/api/openapi.json",
    // The JSON 404 for every path under /api/ that no route claims.
    "/api",
    "/api/",
    "/api/{*rest}",
];

/// Routes under `/api/` that keep another system's contract and are deliberately not in
/// our document.
const FOREIGN_CONTRACTS: &[&str] = &[
    // Pesaflow's payment status query (web/checkout.rs): agency systems written against
    // Pesaflow call it with Pesaflow's parameters, sign it with `secureHash` (no bearer
    // token) and parse Pesaflow's answers and errors. Pesaflow's documentation is its
    // contract; describing it in ours would promise a shape we neither own nor may change.
    "/api/invoice/payment/status",
];

fn document() -> Value {
    serde_json::from_str(&huduma::web::api::openapi_document()).expect("the document is JSON")
}

/// (METHOD, path) of every operation in the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

/// Every path literal declared with `.route(` / `.nest(` / `.route_service(` under
/// `src/web` (outside unit tests), with its file.
fn declared_route_paths() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        // Unit tests build their own small routers; they are not served.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for call in [".route(", ".nest(", ".route_service("] {
            for (at, _) in text.match_indices(call) {
                let rest = text[at + call.len()..].trim_start();
                if let Some(literal) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
                    found.push((literal.to_owned(), file.display().to_string()));
                }
            }
        }
    }
    found
}

/// The route table and the document name the same operations, and no route under
/// `/api/` is declared outside the table (except the listed exceptions). A route added
/// without a document, or a document without a route, fails here.
#[test]
fn the_route_table_and_the_document_name_the_same_operations() {
    let doc = document();
    let table: BTreeSet<(String, String)> =
        huduma::web::api::routes().iter().map(|r| (r.method.as_str().to_owned(), r.path.to_owned())).collect();
    let documented = documented(&doc);
    let undocumented: Vec<_> = table.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&table).collect();
    assert!(undocumented.is_empty(), "routes missing from the OpenAPI document: {undocumented:?}");
    assert!(unrouted.is_empty(), "documented operations with no route: {unrouted:?}");
    assert_eq!(table.len(), huduma::web::api::routes().len(), "each (method, path) is in the table once");

    let outside: Vec<_> = declared_route_paths()
        .into_iter()
        .filter(|(path, _)| path.starts_with("/api"))
        .filter(|(path, _)| !NOT_OPERATIONS.contains(&path.as_str()) && !FOREIGN_CONTRACTS.contains(&path.as_str()))
        .collect();
    assert!(
        outside.is_empty(),
        "routes under /api/ declared outside huduma::web::api::routes(), so never checked against the document: {outside:?}"
    );
}

/// Operation ids are unique (client generators name methods after them), and a summary
/// that quotes a method and path quotes the operation's own.
#[test]
fn operation_ids_are_unique_and_summaries_quote_their_own_path() {
    let doc = document();
    let mut ids = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let id = op["operationId"].as_str().expect("operation id").to_owned();
            if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id} is used by {other} and {method} {path}");
            }
            if let Some(quoted) = op["summary"].as_str().and_then(|s| s.strip_prefix('`')).and_then(|s| s.split('`').next()) {
                assert_eq!(quoted, format!("{} {path}", method.to_uppercase()), "the summary of {method} {path} names another path");
            }
        }
    }
}

/// Statuses every operation must document, from what it takes and who may call it;
/// and 410, 429 and 503 where its use case can give them.
#[test]
fn every_operation_documents_the_errors_its_shape_and_use_case_can_give() {
    // Use cases that count attempts (services::rate_limit::hit, codes::check_send_limits).
    let rate_limited = [
        "POST /api/v1/registrations",
        "POST /api/v1/registrations/details",
        "POST /api/v1/verifications/check",
        "POST /api/v1/verifications/resend",
        "POST /api/v1/sign-in",
        "POST /api/v1/sign-in/code",
        "POST /api/v1/sign-in/verify",
        "POST /api/v1/password-reset",
        "POST /api/v1/password-reset/complete",
        "POST /api/v1/me/contact",
        "POST /api/v1/track",
        "POST /api/v1/applications/{id}/payments/mpesa",
    ];
    // Use cases that call another system (ServiceError::Unavailable).
    let depends_on_another_system = ["POST /api/v1/registrations", "POST /api/v1/applications/{id}/payments/mpesa"];
    let doc = document();
    let mut missing = Vec::new();
    for route in huduma::web::api::routes() {
        let key = format!("{} {}", route.method, route.path);
        let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        let mut need = BTreeSet::from([500]);
        if route.access == huduma::web::api::Access::Citizen {
            need.insert(401);
            assert_eq!(op["security"], json!([{"bearer": []}]), "{key} needs the bearer token and says so");
        }
        let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
        if parameters.iter().any(|p| p["in"] == "path") {
            need.extend([400, 404]);
        }
        if parameters.iter().any(|p| p["in"] == "query") {
            need.insert(400);
        }
        if let Some(content) = op["requestBody"]["content"].as_object() {
            need.extend([400, 413, 415, 422]);
            // A token from an earlier step in the body can have expired.
            let schema = content.get("application/json").map(|c| resolve(&doc, &c["schema"])).unwrap_or(Value::Null);
            if properties(&doc, &schema).keys().any(|name| name.ends_with("_token")) {
                need.insert(410);
            }
        }
        if rate_limited.contains(&key.as_str()) {
            need.insert(429);
        }
        if depends_on_another_system.contains(&key.as_str()) {
            need.insert(503);
        }
        for status in need {
            match responses.get(&status.to_string()) {
                None => missing.push(format!("{key}: {status}")),
                Some(r) if status >= 400 => {
                    let described = r["description"].as_str().is_some_and(|d| !d.is_empty());
                    let json_body = r["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody";
                    if !described || !json_body {
                        missing.push(format!("{key}: {status} without a description or the ErrorBody schema"));
                    }
                }
                Some(_) => {}
            }
        }
    }
    assert!(missing.is_empty(), "undocumented responses:\n{}", missing.join("\n"));
}

fn resolve(doc: &Value, schema: &Value) -> Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => doc["components"]["schemas"][name].clone(),
        None => schema.clone(),
    }
}

/// A schema's properties, through `allOf` (flattened structs) and references.
fn properties(doc: &Value, schema: &Value) -> serde_json::Map<String, Value> {
    let schema = resolve(doc, schema);
    let mut out = schema["properties"].as_object().cloned().unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(properties(doc, part));
    }
    out
}

/// A body with every property present, tokens made up: reaches the use case, which
/// refuses it (expired flow, invalid input, unknown item).
fn made_up_body(doc: &Value, schema: &Value) -> Value {
    let mut body = serde_json::Map::new();
    for (name, property) in properties(doc, schema) {
        let property = resolve(doc, &property);
        let kind = match &property["type"] {
            Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("string").to_owned(),
            Value::String(kind) => kind.clone(),
            _ => "string".to_owned(),
        };
        let value = match kind.as_str() {
            "boolean" => json!(true),
            "integer" | "number" => json!(1),
            "array" => json!([]),
            "object" => json!({}),
            _ if name.ends_with("_token") => json!("made-up-token"),
            _ => json!("x"),
        };
        body.insert(name, value);
    }
    Value::Object(body)
}

/// One probe and what came back.
struct Answer {
    status: u16,
    content_type: String,
    body: Value,
}

async fn send(
    t: &TestApp,
    method: &Method,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
    language: Option<&str>,
) -> Answer {
    let mut request = reqwest::Client::new().request(method.clone(), t.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let text = response.text().await.unwrap_or_default();
    Answer { status, content_type, body: serde_json::from_str(&text).unwrap_or(Value::Null) }
}

/// Asserts an error answer has the API's shape and code.
fn assert_error(answer: &Answer, status: u16, code: &str, what: &str) {
    assert!(answer.content_type.starts_with("application/json"), "{what}: content type {:?}", answer.content_type);
    assert_eq!((answer.status, answer.body["error"]["code"].as_str()), (status, Some(code)), "{what}: {}", answer.body);
    assert!(answer.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: a message");
}

/// Every class of error under `/api/` answers in JSON with its stable code: unknown
/// paths, wrong methods, bodies that are too large, not JSON, JSON of the wrong shape or
/// sent with the wrong type, bad path and query parameters, and broken uploads. (HTTP
/// shape only, so SQLite is enough.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_under_api_is_json_with_a_stable_code() {
    let t = spawn_with(Backend::Sqlite, Options { rate_limits: false, ..Options::default() }).await;
    let token = register_api(&t, &WANJIKU).await;
    let get = Method::GET;
    let post = Method::POST;

    let answer = send(&t, &get, "/api/v1/no-such-thing", None, None, None).await;
    assert_error(&answer, 404, "route.not_found", "unknown path under /api/v1");
    for path in ["/api", "/api/", "/api/v1/services/"] {
        let answer = send(&t, &get, path, None, None, None).await;
        assert_error(&answer, 404, "route.not_found", path);
    }
    let answer = send(&t, &get, "/api/nothing/here", None, None, None).await;
    assert_error(&answer, 404, "route.not_found", "unknown path under /api");
    let english = answer.body["error"]["message"].clone();
    let answer = send(&t, &get, "/api/nothing/here", None, None, Some("sw")).await;
    assert_ne!(answer.body["error"]["message"], english, "the message follows Accept-Language");

    let response = reqwest::Client::new().delete(t.url("/api/v1/services")).send().await.expect("delete");
    let allow = response.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let answer = Answer {
        status: response.status().as_u16(),
        content_type: response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned(),
        body: response.json().await.unwrap_or(Value::Null),
    };
    assert_error(&answer, 405, "route.method_not_allowed", "DELETE on a GET route");
    assert!(allow.contains("GET"), "the Allow header survives: {allow:?}");

    let sign_in = "/api/v1/sign-in";
    let answer = send(&t, &post, sign_in, None, Some(("application/json", b"{not json".to_vec())), None).await;
    assert_error(&answer, 400, "body.invalid", "JSON syntax error");
    let answer = send(&t, &post, sign_in, None, Some(("application/json", br#"{"identifier": 5, "password": []}"#.to_vec())), None).await;
    assert_error(&answer, 422, "body.invalid_data", "JSON of the wrong shape");
    let answer = send(&t, &post, sign_in, None, Some(("text/plain", b"identifier=x".to_vec())), None).await;
    assert_error(&answer, 415, "body.content_type", "not sent as JSON");
    let huge = serde_json::to_vec(&json!({"identifier": "a".repeat(3 * 1024 * 1024), "password": "x"})).expect("json");
    let answer = send(&t, &post, sign_in, None, Some(("application/json", huge)), None).await;
    assert_error(&answer, 413, "body.too_large", "JSON over 2 MB");

    let answer = send(&t, &get, "/api/v1/services?limit=ten", None, None, None).await;
    assert_error(&answer, 400, "query.invalid", "a query string of the wrong type");
    let answer = send(&t, &get, "/api/v1/applications/%FF", Some(&token), None, None).await;
    assert_error(&answer, 400, "path.invalid", "a path parameter that is not UTF-8");
    // A handler that uses axum's own `Path` still answers in JSON (the safety net).
    let answer = send(&t, &get, "/api/v1/payments/%FF", Some(&token), None, None).await;
    assert_error(&answer, 400, "request.invalid", "axum's own path rejection");

    let draft = crate::applications_api::start(&t, &token, "passport-ordinary").await;
    let upload = format!("/api/v1/applications/{}/documents/birth_certificate", draft["id"].as_str().expect("id"));
    let answer = send(&t, &post, &upload, Some(&token), Some(("application/json", b"{}".to_vec())), None).await;
    assert_error(&answer, 415, "body.content_type", "an upload that is not multipart");
    let answer = send(&t, &post, &upload, Some(&token), Some(("multipart/form-data", b"--x\r\n".to_vec())), None).await;
    assert_error(&answer, 400, "body.invalid", "multipart without a boundary");
    let form = reqwest::multipart::Form::new().text("note", "no file here");
    let response = reqwest::Client::new().post(t.url(&upload)).bearer_auth(&token).multipart(form).send().await.expect("upload");
    let answer = Answer {
        status: response.status().as_u16(),
        content_type: response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned(),
        body: response.json().await.unwrap_or(Value::Null),
    };
    assert_error(&answer, 400, "upload.missing_file", "a form without the file part");
    let (status, head, body) = declared_too_large(&t, &upload, &token).await;
    assert_eq!(status, 413, "{head}\n{body}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap_or(Value::Null)["error"]["code"], "body.too_large", "{body}");
}

/// Declares a 30 MB upload, sends a few bytes of it and waits for the answer: an
/// upload declared over the limit is refused at once, not read until the client gives up.
async fn declared_too_large(t: &TestApp, path: &str, token: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = t.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=X\r\nContent-Length: 30000000\r\nConnection: close\r\n\r\n--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n%PDF-1.4\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut received = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    received.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&received);
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head.lines().find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        });
                        if length.is_some_and(|n| body.len() >= n) {
                            break;
                        }
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer within 10 s: the server waited for the 30 MB");
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// Walks the running server through the document: each route of the table answers
/// (no router 404 or 405), and every operation, sent what a careless or hostile client
/// sends — no token, made-up ids and tokens, broken JSON, the wrong content type, bad
/// path and query parameters, an empty object — gives only statuses its entry in the
/// document lists, each error in JSON with a code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_api_gives_only_documented_statuses() {
    let t = spawn_with(Backend::Sqlite, Options { rate_limits: false, ..Options::default() }).await;
    let token = register_api(&t, &WANJIKU).await;
    let doc: Value = reqwest::get(t.url("/api/openapi.json")).await.expect("document").json().await.expect("JSON");
    assert_eq!(doc, document(), "the server serves the generated document");

    for route in huduma::web::api::routes() {
        let path = fill(route.path, "x");
        let answer = send(&t, &route.method, &path, None, None, None).await;
        let code = answer.body["error"]["code"].as_str().unwrap_or("");
        assert!(!code.starts_with("route."), "{} {} is not reached on the running server: {}", route.method, route.path, answer.body);
    }

    let mut operations: Vec<(String, String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            operations.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    // Signing out ends the token the other probes use.
    operations.sort_by_key(|(_, path, _)| path.contains("sign-out"));
    let mut problems = Vec::new();
    for (method, path, op) in operations {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let url = fill(&path, "x");
        let documented: BTreeSet<u16> = op["responses"].as_object().expect("responses").keys().filter_map(|k| k.parse().ok()).collect();
        let content = op["requestBody"]["content"].as_object().cloned();
        let json_schema = content.as_ref().and_then(|c| c.get("application/json")).map(|c| c["schema"].clone());
        let multipart = content.as_ref().is_some_and(|c| c.contains_key("multipart/form-data"));
        let mut probes: Vec<Probe> = vec![("no token", url.clone(), None, None)];
        if let Some(schema) = &json_schema {
            let filled = serde_json::to_vec(&made_up_body(&doc, schema)).expect("json");
            probes.push(("made-up body", url.clone(), Some(&token), Some(("application/json", filled))));
            probes.push(("empty object", url.clone(), Some(&token), Some(("application/json", b"{}".to_vec()))));
            probes.push(("broken JSON", url.clone(), Some(&token), Some(("application/json", b"{\"a\":".to_vec()))));
            probes.push(("wrong shape", url.clone(), Some(&token), Some(("application/json", b"[1, 2]".to_vec()))));
            probes.push(("plain text", url.clone(), Some(&token), Some(("text/plain", b"hello".to_vec()))));
        } else if multipart {
            probes.push(("not multipart", url.clone(), Some(&token), Some(("application/json", b"{}".to_vec()))));
            let empty_form = b"--B\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--B--\r\n".to_vec();
            probes.push(("no file part", url.clone(), Some(&token), Some(("multipart/form-data; boundary=B", empty_form))));
        } else {
            probes.push(("made-up ids", url.clone(), Some(&token), None));
        }
        if path.contains('{') {
            probes.push(("bad path parameter", fill(&path, "%FF"), Some(&token), None));
        }
        if op["parameters"].as_array().is_some_and(|p| p.iter().any(|p| p["in"] == "query")) {
            probes.push(("bad query", format!("{url}?limit=ten"), Some(&token), None));
        }
        for (what, url, token, body) in probes {
            let answer = send(&t, &method, &url, token, body, None).await;
            if !documented.contains(&answer.status) {
                problems.push(format!("{method} {path} ({what}): {} is not documented; got {}", answer.status, answer.body));
            }
            if answer.status >= 400 && (!answer.content_type.starts_with("application/json") || !answer.body["error"]["code"].is_string()) {
                problems.push(format!("{method} {path} ({what}): {} is not a JSON error ({})", answer.status, answer.content_type));
            }
        }
    }
    assert!(problems.is_empty(), "the running API strays from its document:\n{}", problems.join("\n"));
}

/// One request of the walk: what it tries, where, with which token and body.
type Probe<'a> = (&'static str, String, Option<&'a str>, Option<(&'static str, Vec<u8>)>);

/// A path template with every parameter set to `value`.
fn fill(template: &str, value: &str) -> String {
    template.split('/').map(|segment| if segment.starts_with('{') { value } else { segment }).collect::<Vec<_>>().join("/")
}

/// A citizen using only the API: uploads and downloads a document by its
/// `download_url`, pays, reads the receipt and its PDF by `pdf_url`, answers the agency's
/// question and downloads the issued certificate by `certificate_url`; each path is one
/// the document lists. Another citizen gets 404 from every one of them.
async fn an_api_client_reaches_receipts_certificates_and_files_by_the_paths_it_is_given(backend: Backend) {
    use crate::back_office::{get, post, staff_client};
    use crate::payments::{awaiting_payment, pay, poll};
    use huduma::services::back_office::demo;

    let t = spawn(backend).await;
    let doc = document();
    let documented = documented(&doc);
    let is_documented =
        |url: &str| documented.iter().any(|(method, template)| method == "GET" && fill(template, "*") == star_ids(url, template));
    let token = register_api(&t, &WANJIKU).await;
    let other = register_api(&t, &AMANI).await;
    let id = awaiting_payment(&t, &token).await;

    // The document uploaded in `awaiting_payment`, by the link its entry gives.
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    let file_url = application["documents"][0]["download_url"].as_str().expect("a download_url").to_owned();
    assert!(is_documented(&file_url), "{file_url} is a documented path");
    let response = reqwest::Client::new().get(t.url(&file_url)).bearer_auth(&token).send().await.expect("download");
    assert_eq!(response.status(), 200, "{file_url}");
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), samples::pdf(1, 0));

    // Pay, then the receipt and its PDF.
    let attempt = pay(&t, &token, &id, "0708374149").await;
    assert_eq!(poll(&t, &token, attempt["id"].as_str().expect("attempt")).await["state"], "succeeded");
    let (_, invoice) = t.api(Method::GET, &format!("/api/v1/applications/{id}/invoice"), Some(&token), None).await;
    let number = invoice["receipt_numbers"][0].as_str().expect("a receipt number").to_owned();
    let receipt_url = format!("/api/v1/receipts/{number}");
    assert!(is_documented(&receipt_url));
    let (status, receipt) = t.api(Method::GET, &receipt_url, Some(&token), None).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!((receipt["number"].as_str(), receipt["amount_minor"].as_i64()), (Some(number.as_str()), Some(105_000)), "{receipt}");
    assert_eq!(receipt["balance_minor"], 0);
    assert!(receipt["verification_url"].as_str().is_some_and(|u| u.contains(&format!("/verify/receipts/{number}/"))));
    let pdf_url = receipt["pdf_url"].as_str().expect("pdf_url").to_owned();
    assert!(is_documented(&pdf_url), "{pdf_url} is a documented path");
    let response = reqwest::Client::new().get(t.url(&pdf_url)).bearer_auth(&token).send().await.expect("pdf");
    assert_eq!((response.status().as_u16(), response.headers()["content-type"].to_str().ok()), (200, Some("application/pdf")));
    let pdf = response.bytes().await.expect("bytes");
    let text = lopdf::Document::load_mem(&pdf).expect("the PDF opens").extract_text(&[1]).unwrap_or_default();
    assert!(text.contains(&number), "the PDF names the receipt");

    // The agency asks a question; the citizen answers over the API; a certificate is issued.
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["certificate_url"], Value::Null, "no certificate yet");
    let reference = application["reference"].as_str().expect("reference").replace('-', "");
    demo::create(&t.app).await.expect("demo staff");
    let officer = staff_client(&t, &demo::email("officer", Some("dci"))).await;
    let case = format!("/staff/applications/{reference}");
    post(&t, &officer, &case, &format!("{case}/assign"), &[("assignee", "me")]).await;
    let question = "Please confirm the purpose of this clearance.";
    let (status, _, _) = post(&t, &officer, &case, &format!("{case}/actions/request_information"), &[("note", question)]).await;
    assert_eq!(status, 200);
    let respond = format!("/api/v1/applications/{id}/respond");
    let (status, body) = t.api(Method::POST, &respond, Some(&other), Some(json!({"answer": "Not mine to answer."}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "another citizen cannot answer");
    let (status, body) = t.api(Method::POST, &respond, Some(&token), Some(json!({"answer": " "}))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("application.answer_required")), "{body}");
    let (status, body) = t.api(Method::POST, &respond, Some(&token), Some(json!({"answer": "It is for employment abroad."}))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("submitted")), "{body}");
    let (_, _, page) = get(&t, &officer, &case).await;
    assert!(page.contains("It is for employment abroad."), "the officer sees the answer");
    let tomorrow = t.app.clock.today_in_nairobi().add_days(1).to_string();
    let booking = [("date", tomorrow.as_str()), ("time", "09:30"), ("office", "DCI headquarters, Kiambu Road")];
    for (action, fields) in [("schedule_fingerprints", &booking[..]), ("record_fingerprints", &[]), ("approve", &[])] {
        let (status, _, page) = post(&t, &officer, &case, &format!("{case}/actions/{action}"), fields).await;
        assert_eq!(status, 200, "{action}: {page}");
    }
    let (_, application) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(application["status"], "issued");
    let certificate_url = application["certificate_url"].as_str().expect("certificate_url once issued").to_owned();
    assert!(is_documented(&certificate_url), "{certificate_url} is a documented path");
    let response = reqwest::Client::new().get(t.url(&certificate_url)).bearer_auth(&token).send().await.expect("certificate");
    assert_eq!((response.status().as_u16(), response.headers()["content-type"].to_str().ok()), (200, Some("application/pdf")));
    let pdf = response.bytes().await.expect("bytes");
    assert!(pdf.starts_with(b"%PDF") && lopdf::Document::load_mem(&pdf).is_ok(), "a PDF that opens");

    // Nothing of it reaches another citizen, nor anyone without a token.
    for url in [&file_url, &receipt_url, &pdf_url, &certificate_url] {
        let (status, body) = t.api(Method::GET, url, Some(&other), None).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{url} by another citizen: {body}");
        let (status, _) = t.api(Method::GET, url, None, None).await;
        assert_eq!(status, 401, "{url} without a token");
    }
}

/// `url` with the segments where `template` has parameters replaced by `*`.
fn star_ids(url: &str, template: &str) -> String {
    let template: Vec<&str> = template.split('/').collect();
    let url: Vec<&str> = url.split('/').collect();
    if template.len() != url.len() {
        return url.join("/");
    }
    url.iter().zip(&template).map(|(u, t)| if t.starts_with('{') { "*" } else { u }).collect::<Vec<_>>().join("/")
}

both_databases!(an_api_client_reaches_receipts_certificates_and_files_by_the_paths_it_is_given);

//! The classic upload attacks, each refused with its own code and a message that says
//! what to do; interrupted uploads leave nothing behind; the virus scan fails closed.

use crate::both_databases;
use crate::helpers::*;
use huduma_uploads::samples;
use reqwest::Method;
use serde_json::json;

/// A signed-in citizen with a passport draft; returns (app, token, application id).
async fn passport_draft(options: Options, backend: Backend) -> (TestApp, String, String) {
    let t = spawn_with(backend, options).await;
    let token = register_api(&t, &WANJIKU).await;
    let draft = crate::applications_api::start(&t, &token, "passport-ordinary").await;
    let id = draft["id"].as_str().expect("id").to_owned();
    (t, token, id)
}

async fn each_attack_is_refused_with_its_own_message(backend: Backend) {
    let (t, token, id) = passport_draft(Options::default(), backend).await;
    let cases: Vec<(&str, &str, Vec<u8>, &str, &str)> = vec![
        ("birth_certificate", "big.pdf", samples::pdf(1, 3 * 1024 * 1024), "upload.too_large_unknown", "the 2 MB limit"),
        ("birth_certificate", "empty.pdf", Vec::new(), "upload.empty", "empty"),
        ("birth_certificate", "letter.pdf", samples::word_docx_renamed(), "upload.word_document", "Word"),
        ("birth_certificate", "bomb.pdf", samples::zip_bomb(), "upload.archive", "ZIP"),
        ("birth_certificate", "photo.jpg", samples::pdf_jpeg_polyglot(), "upload.polyglot", "hidden"),
        ("birth_certificate", "scan.png", samples::svg_with_script(), "upload.svg", "SVG"),
        ("birth_certificate", "page.pdf", samples::html_page(), "upload.html", "web page"),
        ("birth_certificate", "flood.png", samples::pixel_flood_png(), "upload.image_too_big", "100000"),
        ("birth_certificate", "js.pdf", samples::pdf_with_javascript(), "upload.pdf_active_content", "scripts"),
        ("birth_certificate", "locked.pdf", samples::encrypted_pdf(), "upload.pdf_encrypted", "password"),
        ("birth_certificate", "cut.pdf", samples::truncated_pdf(), "upload.corrupt_pdf", "damaged"),
        ("birth_certificate", "setup.pdf", samples::exe(), "upload.executable", "program"),
        ("passport_photo", "photo.pdf", samples::pdf(1, 0), "upload.not_allowed", "JPEG or PNG"),
        ("birth_certificate", "eicar.pdf", samples::eicar(), "upload.unknown_type", "recognise"),
        ("birth_certificate", "zipped.pdf", samples::pdf_with_appended_zip(), "upload.pdf_hidden_file", "hidden"),
        ("birth_certificate", "page.pdf", samples::pdf_with_html_after_header(), "upload.pdf_hidden_file", "web page"),
        ("birth_certificate", "stream.pdf", samples::pdf_with_payload_in_stream(&samples::exe()), "upload.pdf_hidden_file", "program"),
        ("birth_certificate", "form.pdf", samples::pdf_with_submit_form(), "upload.pdf_external_action", "send information"),
        ("birth_certificate", "link.pdf", samples::pdf_with_uri_link(), "upload.pdf_external_action", "website"),
        ("birth_certificate", "remote.pdf", samples::pdf_with_remote_go_to(), "upload.pdf_external_action", "another file"),
    ];
    for (requirement, name, bytes, code, words) in cases {
        let (status, body) = t.upload_api(&token, &id, requirement, name, bytes).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some(code)), "{name}: {body}");
        let message = body["error"]["fields"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains(words), "{name}: `{message}` should mention `{words}`");
        assert_eq!(body["error"]["fields"][0]["field"], requirement);
    }
    // Kiswahili messages say "au" for "or".
    let response = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/applications/{id}/documents/birth_certificate")))
        .bearer_auth(&token)
        .header("accept-language", "sw")
        .multipart(
            reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(samples::word_docx_renamed()).file_name("a.pdf")),
        )
        .send()
        .await
        .expect("upload");
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("PDF, JPEG au PNG"), "{body}");
    // Nothing was stored by any refusal.
    let (_, draft) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(draft["documents"], json!([]));
    assert_eq!(crate::applications_api::count_files(&t.dir.0.join("files")), 0);
}

async fn images_are_re_encoded_and_names_cleaned(backend: Backend) {
    let (t, token, id) = passport_draft(Options::default(), backend).await;
    let original = samples::jpeg(640, 480);
    assert!(original.windows(samples::EXIF_SECRET.len()).any(|w| w == samples::EXIF_SECRET.as_bytes()), "the sample carries metadata");
    let (status, doc) = t.upload_api(&token, &id, "passport_photo", "..\\..\\windows\\photo.jpeg", original.clone()).await;
    assert_eq!(status, 201, "{doc}");
    assert_eq!(doc["file_name"], "photo.jpg", "no path survives in the name");
    assert_eq!(doc["content_type"], "image/jpeg");
    let response = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/applications/{id}/documents/{}/file", doc["id"].as_str().expect("id"))))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    let stored = response.bytes().await.expect("bytes").to_vec();
    assert_ne!(stored, original, "the image is re-encoded");
    assert!(!stored.windows(samples::EXIF_SECRET.len()).any(|w| w == samples::EXIF_SECRET.as_bytes()), "metadata is gone");
    assert_eq!(&stored[..2], &[0xFF, 0xD8], "still a JPEG");
}

async fn an_interrupted_upload_leaves_nothing(backend: Backend) {
    let (t, token, id) = passport_draft(Options::default(), backend).await;
    // A multipart body that stops in the middle of the file, then the connection closes.
    let boundary = "huduma-test-boundary";
    let pdf = samples::pdf(1, 200_000);
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&pdf[..pdf.len() / 2]);
    let address = t.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /api/v1/applications/{id}/documents/birth_certificate HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len() + pdf.len()
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&body).await.expect("half a body");
    stream.shutdown().await.expect("close the sending side");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let (_, draft) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(draft["documents"], json!([]), "no document row for a broken upload");
    assert_eq!(crate::applications_api::count_files(&t.dir.0.join("files")), 0, "no stored file either");
    // And a good upload still works afterwards.
    let (status, _) = t.upload_api(&token, &id, "birth_certificate", "a.pdf", pdf).await;
    assert_eq!(status, 201);
}

async fn the_virus_scan_catches_eicar_and_fails_closed(backend: Backend) {
    let (t, token, id) = passport_draft(Options::default(), backend).await;
    // The EICAR string inside an otherwise valid PDF reaches the scanner.
    let mut infected = samples::pdf(1, 0);
    let at = infected.windows(5).rposition(|w| w == b"%%EOF").expect("PDF trailer");
    infected.splice(at..at, b"%".iter().copied().chain(samples::eicar()).chain(b"\n".iter().copied()));
    let (status, body) = t.upload_api(&token, &id, "birth_certificate", "a.pdf", infected).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("upload.infected")), "{body}");
    // clamd configured but down: nothing is stored unscanned.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let (t2, token2, id2) = passport_draft(Options { clamd_address: Some(address), ..Options::default() }, backend).await;
    let (status, body) = t2.upload_api(&token2, &id2, "birth_certificate", "a.pdf", samples::pdf(1, 0)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("upload.scan_unavailable")), "{body}");
    assert_eq!(crate::applications_api::count_files(&t2.dir.0.join("files")), 0);
}

async fn uploads_need_the_form_token(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, url, _) = t.submit("/services/passport-ordinary", "/services/passport-ordinary/apply", &[]).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", "forged")
        .part("file", reqwest::multipart::Part::bytes(samples::pdf(1, 0)).file_name("a.pdf"));
    let response = t.client.post(t.url(&format!("{url}/documents/birth_certificate"))).multipart(form).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 403);
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(samples::pdf(1, 0)).file_name("a.pdf"));
    let response = t.client.post(t.url(&format!("{url}/documents/birth_certificate"))).multipart(form).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 403, "no token at all");
}

/// Reads one HTTP/1.1 response with a `Content-Length`: status and body.
async fn read_response(stream: &mut tokio::net::TcpStream) -> (u16, String) {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let read = stream.read(&mut buffer).await.expect("read the answer");
        assert!(read > 0, "the connection closed before an answer: {}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&buffer[..read]);
        let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .expect("the answer has a length");
        if received.len() >= end + 4 + length {
            let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("status line");
            return (status, String::from_utf8_lossy(&received[end + 4..end + 4 + length]).into_owned());
        }
    }
}

async fn an_oversized_upload_is_refused_before_the_rest_arrives(backend: Backend) {
    use tokio::io::AsyncWriteExt;
    let (t, token, id) = passport_draft(Options::default(), backend).await;
    // A document already in the draft, to show the refusal leaves it as it was.
    let (status, first) = t.upload_api(&token, &id, "birth_certificate", "a.pdf", samples::pdf(1, 0)).await;
    assert_eq!(status, 201, "{first}");

    // A 20 MB file for a 2 MB requirement, of which only 2.25 MB is ever sent.
    let boundary = "huduma-test-boundary";
    let part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    );
    let declared = 20 * 1024 * 1024;
    let closing = format!("\r\n--{boundary}--\r\n");
    let address = t.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /api/v1/applications/{id}/documents/birth_certificate HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        part.len() + declared + closing.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(part.as_bytes()).await.expect("part header");
    let file = samples::pdf(1, declared);
    let sent = 2 * 1024 * 1024 + 256 * 1024;
    for chunk in file[..sent].chunks(64 * 1024) {
        stream.write_all(chunk).await.expect("a chunk of the file");
    }
    // The sender stops here with 17.75 MB still to come. The old reader waited for them (it
    // counted up to 25 MB to state the size); the answer must come now.
    let answer = tokio::time::timeout(std::time::Duration::from_secs(10), read_response(&mut stream)).await;
    let (status, body) = answer.expect("refused before the rest of the body was sent");
    let body: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("upload.too_large_unknown")), "{body}");
    assert!(body["error"]["fields"][0]["message"].as_str().unwrap_or("").contains("2 MB"), "{body}");

    // The draft still has its first document, and nothing else was stored.
    let (_, draft) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(draft["documents"].as_array().map(Vec::len), Some(1), "{draft}");
    assert_eq!(draft["documents"][0]["id"], first["id"]);
    assert_eq!(crate::applications_api::count_files(&t.dir.0.join("files")), 1);
}

both_databases!(
    each_attack_is_refused_with_its_own_message,
    an_oversized_upload_is_refused_before_the_rest_arrives,
    images_are_re_encoded_and_names_cleaned,
    an_interrupted_upload_leaves_nothing,
    the_virus_scan_catches_eicar_and_fails_closed,
    uploads_need_the_form_token,
);

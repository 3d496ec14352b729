//! Documents kept in a real S3-protocol server, on SQLite and PostgreSQL. Each test starts
//! its own s3s-fs (the s3s project's S3 server over a folder, which checks every request's
//! SigV4 signature) on its own port, folder and random keys, and a portal whose storage is
//! `s3://huduma` on it. Uploads land in the bucket and come back byte for byte; a wrong
//! secret key is refused by the server; while the server is down, uploads and downloads
//! answer 503 with a sentence that says what happened, and nothing is lost or half-written.
//!
//! `scripts/test.sh` installs the server and names it in `HUDUMA_S3_SERVER`; without it
//! these tests fail, never skip.

use crate::both_databases;
use crate::helpers::*;
use huduma::integrations::object_storage::S3Settings;
use huduma::secret::Secret;
use huduma_uploads::samples;
use object_store::ObjectStoreExt;
use rand::distr::{Alphanumeric, SampleString};
use reqwest::Method;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bucket every test's portal stores into.
const BUCKET: &str = "huduma";

/// The server binary: `HUDUMA_S3_SERVER`, else where `scripts/test.sh` installs it, else
/// `s3s-fs` on `PATH`.
fn server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("HUDUMA_S3_SERVER") {
        return PathBuf::from(path);
    }
    let tools = std::env::var_os("HUDUMA_TOOLS_DIR").map(PathBuf::from).or_else(|| {
        std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .map(|cache| cache.join("huduma-tools"))
    });
    let candidates = tools
        .map(|t| t.join("bin/s3s-fs"))
        .into_iter()
        .chain(std::env::var_os("PATH").into_iter().flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).map(|d| d.join("s3s-fs")));
    for candidate in candidates {
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "no S3-protocol server for the object storage tests: run scripts/test.sh, which installs s3s-fs, \
         or set HUDUMA_S3_SERVER to an s3s-fs binary"
    );
}

/// One s3s-fs process with its folder and keys; killed when dropped.
struct S3Server {
    root: tempdir::TempDir,
    port: u16,
    access_key: String,
    secret_key: String,
    process: Option<Child>,
}

impl S3Server {
    /// Starts a server on a free port with a fresh folder, random keys and the bucket.
    async fn start() -> Self {
        // The portal's HTTP clients (object_store's among them) use rustls with ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let root = tempdir::TempDir::new();
        std::fs::create_dir_all(root.0.join(BUCKET)).expect("bucket folder");
        let mut rng = rand::rng();
        let mut server = Self {
            root,
            port: 0,
            access_key: Alphanumeric.sample_string(&mut rng, 20),
            secret_key: Alphanumeric.sample_string(&mut rng, 40),
            process: None,
        };
        // A port found free can be taken by a parallel test before the server binds it:
        // then the server exits and another port is tried.
        for _ in 0..5 {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            server.port = probe.local_addr().expect("addr").port();
            drop(probe);
            if server.spawn().await {
                return server;
            }
        }
        panic!("s3s-fs did not start on any of five free ports");
    }

    /// Starts the process on this server's port and folder; whether it is listening.
    async fn spawn(&mut self) -> bool {
        let mut child = Command::new(server_binary())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", &self.access_key, "--secret-key", &self.secret_key])
            .arg(&self.root.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e} (run scripts/test.sh to install it)", server_binary().display()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if child.try_wait().expect("server status").is_some() {
                return false;
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                self.process = Some(child);
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    /// Kills the server (the store "goes down").
    fn stop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and folder.
    async fn restart(&mut self) {
        assert!(self.spawn().await, "s3s-fs restarts on port {}", self.port);
    }

    /// Storage settings for a portal with these keys, or with `secret` instead.
    fn options(&self, secret: Option<&str>) -> Options {
        Options {
            storage_url: Some(format!("s3://{BUCKET}")),
            s3: S3Settings {
                endpoint: Some(format!("http://127.0.0.1:{}", self.port)),
                region: Some("us-east-1".into()),
                access_key_id: Some(self.access_key.clone()),
                secret_access_key: Some(Secret::new(secret.unwrap_or(&self.secret_key))),
            },
            ..Options::default()
        }
    }

    /// The bytes of every object in the bucket, by key.
    fn objects(&self) -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &Path, base: &Path, found: &mut Vec<(String, Vec<u8>)>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, base, found);
                } else {
                    let key = path.strip_prefix(base).expect("under the bucket").to_string_lossy().into_owned();
                    found.push((key, std::fs::read(&path).expect("object")));
                }
            }
        }
        let bucket = self.root.0.join(BUCKET);
        let mut found = Vec::new();
        walk(&bucket, &bucket, &mut found);
        found.sort();
        found
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The application id in a `/applications/{id}…` path.
fn application_id(path: &str) -> String {
    path.trim_start_matches("/applications/").split('/').next().expect("id").to_owned()
}

/// The first `/applications/{id}/files/{document}` link on a page.
fn file_link(page: &str, id: &str) -> String {
    let start = page.find(&format!("/applications/{id}/files/")).expect("a download link");
    page[start..].split('"').next().expect("href").to_owned()
}

async fn documents_are_stored_in_the_bucket_and_come_back_byte_for_byte(backend: Backend) {
    let s3 = S3Server::start().await;
    let t = spawn_with(backend, s3.options(None)).await;
    // A citizen's upload through the pages lands in the bucket, byte for byte.
    register_html(&t, &WANJIKU).await;
    let (_, url, _) = t.submit("/services/passport-ordinary", "/services/passport-ordinary/apply", &[]).await;
    let id = application_id(&url);
    let documents = format!("/applications/{id}/documents");
    let pdf = samples::pdf(2, 300_000);
    let (status, url, page) = t.upload_html(&documents, &format!("{documents}/birth_certificate"), "birth.pdf", pdf.clone()).await;
    assert_eq!((status, url.as_str()), (200, documents.as_str()), "{page}");
    let objects = s3.objects();
    assert_eq!(objects.len(), 1, "one object: {:?}", objects.iter().map(|(k, _)| k).collect::<Vec<_>>());
    assert!(objects[0].0.starts_with(&format!("applications/{id}/")), "kept under the application: {}", objects[0].0);
    assert!(objects[0].1 == pdf, "the stored object is the uploaded file");
    // And back to its owner, identical.
    let response = t.client.get(t.url(&file_link(&page, &id))).send().await.expect("download");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.expect("bytes").to_vec() == pdf, "downloaded bytes are the uploaded ones");
    // A file on a helpdesk ticket goes to the same bucket and comes back too.
    let (status, ticket_url, body) =
        t.submit("/help/tickets/new", "/help/tickets/new", &[("category", "other"), ("subject", "Scan"), ("message", "Here it is.")]).await;
    assert_eq!(status, 200, "{body}");
    let screenshot = samples::pdf(1, 1000);
    let (status, _, body) = t.upload_html(&ticket_url, &format!("{ticket_url}/files"), "scan.pdf", screenshot.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        s3.objects().iter().any(|(key, bytes)| key.starts_with("tickets/") && *bytes == screenshot),
        "the ticket's file is in the bucket"
    );
    let start = body.find(&format!("{ticket_url}/files/")).expect("the ticket's file link");
    let link = body[start..].split('"').next().expect("href").replace("&amp;", "&");
    let response = t.client.get(t.url(&link)).send().await.expect("download");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.expect("bytes").to_vec() == screenshot);
}

async fn an_officer_downloads_a_document_from_the_bucket(backend: Backend) {
    let s3 = S3Server::start().await;
    let t = spawn_with(backend, s3.options(None)).await;
    let (_, _, reference) = crate::back_office::paid_police_clearance(&t).await;
    let stored = s3.objects();
    assert_eq!(stored.len(), 1, "the application's one document is in the bucket");
    huduma::services::back_office::demo::create(&t.app).await.expect("demo staff");
    let officer = crate::back_office::staff_client(&t, &huduma::services::back_office::demo::email("officer", Some("dci"))).await;
    let document = stored[0].0.rsplit('/').next().expect("document id").to_owned();
    let response = officer.get(t.url(&format!("/staff/applications/{reference}/documents/{document}"))).send().await.expect("GET");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.expect("bytes").to_vec() == stored[0].1, "the officer reads the stored bytes");
}

async fn the_store_refuses_a_wrong_secret_key(backend: Backend) {
    let s3 = S3Server::start().await;
    // The server itself: a request signed with the wrong secret, and one not signed at
    // all, are refused (403), so what follows proves signatures are checked.
    let mut settings = s3.options(Some("not-the-secret-key-at-all-0123456789")).s3;
    let store = huduma::integrations::object_storage::open(&format!("s3://{BUCKET}"), &settings).expect("store");
    let refused =
        store.put(&object_store::path::Path::from("probe"), b"x".to_vec().into()).await.expect_err("a wrong signature is refused");
    assert!(matches!(refused, object_store::Error::PermissionDenied { .. }), "{refused}");
    assert!(refused.to_string().contains("SignatureDoesNotMatch"), "{refused}");
    let unsigned = reqwest::Client::new().put(format!("http://127.0.0.1:{}/{BUCKET}/probe", s3.port)).body("x").send().await.expect("PUT");
    assert_eq!(unsigned.status(), 403);
    settings.secret_access_key = Some(Secret::new(s3.secret_key.clone()));
    let store = huduma::integrations::object_storage::open(&format!("s3://{BUCKET}"), &settings).expect("store");
    store.put(&object_store::path::Path::from("probe"), b"x".to_vec().into()).await.expect("the right signature is accepted");
    store.delete(&object_store::path::Path::from("probe")).await.expect("delete");
    // The same access key with a wrong secret: every signature the portal makes is wrong.
    let wrong = spawn_with(backend, s3.options(Some("not-the-secret-key-at-all-0123456789"))).await;
    let token = register_api(&wrong, &WANJIKU).await;
    let id = crate::applications_api::start(&wrong, &token, "passport-ordinary").await["id"].as_str().expect("id").to_owned();
    let response = reqwest::Client::new()
        .post(wrong.url(&format!("/api/v1/applications/{id}/documents/birth_certificate")))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(samples::pdf(1, 0)).file_name("a.pdf")))
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "120");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "documents.store_unavailable", "{body}");
    assert!(s3.objects().is_empty(), "the server stored nothing");
    let (_, draft) = wrong.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(draft["documents"], json!([]), "and the portal recorded nothing");
    // The same upload signed with the right secret is accepted by the same server.
    let right = spawn_with(backend, s3.options(None)).await;
    let token = register_api(&right, &WANJIKU).await;
    let id = crate::applications_api::start(&right, &token, "passport-ordinary").await["id"].as_str().expect("id").to_owned();
    let (status, body) = right.upload_api(&token, &id, "birth_certificate", "a.pdf", samples::pdf(1, 0)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(s3.objects().len(), 1);
}

async fn while_the_store_is_down_uploads_get_a_clear_503_and_nothing_is_lost(backend: Backend) {
    let mut s3 = S3Server::start().await;
    let t = spawn_with(backend, s3.options(None)).await;
    register_html(&t, &WANJIKU).await;
    let token = sign_in_api(&t, WANJIKU.email, WANJIKU.password, WANJIKU.phone).await;
    let (_, url, _) = t.submit("/services/passport-ordinary", "/services/passport-ordinary/apply", &[]).await;
    let id = application_id(&url);
    let applicant = format!("/applications/{id}/pages/applicant");
    let answers = [
        ("applicant_is_minor", "no"),
        ("birth_certificate_number", "BC123456"),
        ("date_of_birth", "1990-05-01"),
        ("place_of_birth", "Nyeri"),
        ("marital_status", "single"),
    ];
    let (status, _, body) = t.submit(&applicant, &applicant, &answers).await;
    assert_eq!(status, 200, "{body}");
    let documents = format!("/applications/{id}/documents");
    let birth = samples::pdf(1, 0);
    let (status, _, page) = t.upload_html(&documents, &format!("{documents}/birth_certificate"), "birth.pdf", birth.clone()).await;
    assert_eq!(status, 200, "{page}");
    let first_file = file_link(&page, &id);

    s3.stop();
    // The page: 503, the sentence at the top of the documents page, Retry-After, and
    // the document already uploaded still listed. It fails in seconds, not minutes.
    let started = Instant::now();
    let (_, html) = t.get(&documents).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&html))
        .part("file", reqwest::multipart::Part::bytes(samples::jpeg(400, 500)).file_name("photo.jpg"));
    let response = t.client.post(t.url(&format!("{documents}/passport_photo"))).multipart(form).send().await.expect("upload");
    let waited = started.elapsed();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "120");
    let page = response.text().await.expect("page");
    assert!(waited < Duration::from_secs(5), "a dead store is given up on in seconds, took {waited:?}");
    assert!(page.contains("Our document store is not available right now") && page.contains("Nothing has been lost"), "{page}");
    assert!(page.contains("try again in a few minutes"), "{page}");
    assert!(page.contains(">birth.pdf ("), "the first document is still listed: {page}");
    // A download says the same, with the code for the helpdesk.
    let response = t.client.get(t.url(&first_file)).send().await.expect("download");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "120");
    let page = response.text().await.expect("page");
    assert!(page.contains("Our document store is not available right now") && page.contains("documents.store_unavailable"), "{page}");
    // The API: 503 in its usual error shape, in the caller's language.
    let (status, body) = t.upload_api(&token, &id, "passport_photo", "photo.jpg", samples::jpeg(400, 500)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("documents.store_unavailable")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or("").contains("Nothing has been lost"), "{body}");
    let response = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/applications/{id}/documents/passport_photo")))
        .bearer_auth(&token)
        .header("accept-language", "sw")
        .multipart(
            reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(samples::jpeg(400, 500)).file_name("a.jpg")),
        )
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "120");
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(body["error"]["message"].as_str().unwrap_or("").starts_with("Hifadhi yetu ya nyaraka haipatikani kwa sasa"), "{body}");
    let response = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/applications/{id}/documents/{}/file", first_file.rsplit('/').next().expect("document id"))))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 503);
    // The draft is intact: its answers and its one document; the bucket holds that one file.
    let (_, check) = t.get(&format!("/applications/{id}/check")).await;
    assert!(check.contains("BC123456") && check.contains("Nyeri") && check.contains("birth.pdf"), "{check}");
    let (_, draft) = t.api(Method::GET, &format!("/api/v1/applications/{id}"), Some(&token), None).await;
    assert_eq!(draft["documents"].as_array().map(Vec::len), Some(1), "no document row for the refused uploads: {draft}");
    let objects = s3.objects();
    assert!(
        objects.len() == 1 && objects[0].1 == birth,
        "no half-written object: {:?}",
        objects.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );

    // Back up on the same port and folder: uploads and downloads work again.
    s3.restart().await;
    let (status, _, page) = t.upload_html(&documents, &format!("{documents}/passport_photo"), "photo.jpg", samples::jpeg(400, 500)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Your document has been uploaded."), "{page}");
    assert_eq!(s3.objects().len(), 2);
    let response = t.client.get(t.url(&first_file)).send().await.expect("download");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.expect("bytes").to_vec() == birth);
}

both_databases!(
    documents_are_stored_in_the_bucket_and_come_back_byte_for_byte,
    an_officer_downloads_a_document_from_the_bucket,
    the_store_refuses_a_wrong_secret_key,
    while_the_store_is_down_uploads_get_a_clear_503_and_nothing_is_lost,
);

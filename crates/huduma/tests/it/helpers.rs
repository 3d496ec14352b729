//! Boots the real portal on 127.0.0.1:0 with a fresh database and drives it over HTTP.

use huduma::app::App;
use huduma::clock::Clock;
use huduma::config::{Config, Settings};
use huduma::secret::Secret;
use huduma::server::{self, Workers};
use reqwest::redirect::Policy;
use serde_json::Value;
use sqlx::Connection;
use std::sync::Arc;
use std::time::Duration;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(backend: Backend)` as two tests: `name::sqlite` and
/// `name::postgres`. A PostgreSQL test without a server fails; it is never skipped.
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )*};
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("HUDUMA_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh, empty database URL for one test.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let admin = postgres_admin_url();
            let name = format!("huduma_test_{}", uuid::Uuid::now_v7().simple());
            let mut conn = sqlx::AnyConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL is required for this test (HUDUMA_TEST_POSTGRES_URL={admin}): {e}"));
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("create test database");
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
            format!("{base}/{name}")
        }
    }
}

/// A running portal and a browser-like client with a cookie jar.
pub struct TestApp {
    pub base: String,
    pub app: Arc<App>,
    pub client: reqwest::Client,
    pub dir: tempdir::TempDir,
}

pub mod tempdir {
    /// A directory removed when dropped.
    pub struct TempDir(pub std::path::PathBuf);
    impl TempDir {
        pub fn new() -> Self {
            let path = std::env::temp_dir().join(format!("huduma-test-{}", uuid::Uuid::now_v7().simple()));
            std::fs::create_dir_all(&path).expect("temp dir");
            Self(path)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Options for [`spawn_with`].
#[derive(Clone)]
pub struct Options {
    pub sandbox: bool,
    pub rate_limits: bool,
    pub public_url: Option<String>,
    /// Catalogue folder to import at start-up (default: the bundled catalogue).
    pub catalogue_dir: Option<std::path::PathBuf>,
    /// clamd to scan uploads with (default: the sandbox's own in sandbox mode).
    pub clamd_address: Option<String>,
    /// Confirm M-Pesa callbacks with the STK query before settling.
    pub confirm_by_query: bool,
    /// Connection limits (default: the portal's own).
    pub max_connections: Option<usize>,
    pub header_timeout_secs: Option<u64>,
    /// `HUDUMA_TRUSTED_PROXIES`.
    pub trusted_proxies: Option<String>,
    /// `HUDUMA_THEME_DIR` (default: the bundled Kenya theme).
    pub theme_dir: Option<std::path::PathBuf>,
    /// Another node's database, to run a second node on it (default: a fresh database).
    pub database_url: Option<String>,
    /// `HUDUMA_STORAGE_URL` (default: files/ in the test's folder).
    pub storage_url: Option<String>,
    /// `HUDUMA_S3_*`: how an `s3://` storage URL is reached.
    pub s3: huduma::integrations::object_storage::S3Settings,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sandbox: true,
            rate_limits: true,
            public_url: None,
            catalogue_dir: None,
            clamd_address: None,
            confirm_by_query: false,
            theme_dir: None,
            max_connections: None,
            header_timeout_secs: None,
            trusted_proxies: None,
            database_url: None,
            storage_url: None,
            s3: Default::default(),
        }
    }
}

pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, Options::default()).await
}

pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::limited(10))
        .user_agent("Mozilla/5.0 (X11; Linux x86_64) HudumaTest Firefox/130.0")
        .build()
        .expect("client")
}

pub async fn spawn_with(backend: Backend, options: Options) -> TestApp {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempdir::TempDir::new();
    let database_url = match options.database_url {
        Some(url) => url,
        None => fresh_database(backend, &dir.0).await,
    };
    let settings = Settings {
        listen: Some("127.0.0.1:0".parse().expect("addr")),
        data_dir: Some(dir.0.clone()),
        database_url: Some(Secret::new(database_url)),
        sandbox: Some(options.sandbox),
        rate_limits: Some(options.rate_limits),
        argon2_memory_kib: Some(1024),
        argon2_iterations: Some(1),
        public_url: options.public_url,
        catalogue_dir: options.catalogue_dir,
        clamd_address: options.clamd_address,
        daraja_confirm_by_query: Some(options.confirm_by_query),
        max_connections: options.max_connections,
        header_timeout_seconds: options.header_timeout_secs,
        trusted_proxies: options.trusted_proxies,
        theme_dir: options.theme_dir,
        storage_url: options.storage_url,
        s3_endpoint: options.s3.endpoint,
        s3_region: options.s3.region,
        s3_access_key_id: options.s3.access_key_id,
        s3_secret_access_key: options.s3.secret_access_key,
        ..Settings::default()
    };
    let config = Config::resolve(settings).expect("config");
    let running = server::start(config, window_aligned_clock(), Workers::InProcess).await.expect("server starts");
    // Codes sent are 100001, 100002, …: a test's wrong guess of 000000 can never be right.
    running.app.codes.count_from(100_001);
    TestApp { base: format!("http://{}", running.addr), app: running.app, client: new_client(), dir }
}

/// Starts another node on `first`'s database, as a cluster node would run beside it.
pub async fn spawn_node(first: &TestApp, backend: Backend, options: Options) -> TestApp {
    let url = first.app.config.database_url.expose().to_owned();
    spawn_with(backend, Options { database_url: Some(url), ..options }).await
}

/// A clock moved forward to the start of the next hour: rate limits count in fixed
/// windows (10 min, 15 min, 1 h), and a test that counts hits must not see its window
/// end half-way through.
pub fn window_aligned_clock() -> Clock {
    let clock = Clock::default();
    clock.advance(3600 - clock.now().rem_euclid(3600));
    clock
}

/// A copy of the test fixture catalogue in a fresh folder (so a test can edit it).
pub fn fixture_catalogue() -> tempdir::TempDir {
    let dir = tempdir::TempDir::new();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalogue");
    for file in ["categories.toml", "immigration/agency.toml", "immigration/passport.toml"] {
        let target = dir.0.join(file);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("dir");
        std::fs::copy(source.join(file), target).expect("copy fixture");
    }
    dir
}

/// The CSRF token embedded in a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).map(|i| i + marker.len()).expect("page has a CSRF token");
    html[start..].split('"').next().unwrap_or_default().to_owned()
}

/// The first run of exactly six digits in a text.
pub fn six_digits(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5)).find_map(|i| {
        let window = &bytes[i..i + 6];
        let boundary_before = i == 0 || !bytes[i - 1].is_ascii_digit();
        let boundary_after = bytes.get(i + 6).is_none_or(|b| !b.is_ascii_digit());
        (window.iter().all(u8::is_ascii_digit) && boundary_before && boundary_after).then(|| String::from_utf8_lossy(window).into_owned())
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET with this app's cookie jar; returns status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(self.url(path)).send().await.expect("GET");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// Opens `page`, then submits a form to `action` with the page's CSRF token.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
        let (_, html) = self.get(page).await;
        let token = csrf_of(&html);
        let mut form: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        form.extend_from_slice(fields);
        let response = self.client.post(self.url(action)).form(&form).send().await.expect("POST");
        let status = response.status().as_u16();
        let url = response.url().path().to_owned();
        (status, url, response.text().await.unwrap_or_default())
    }

    /// Messages the sandboxes received, newest first.
    pub async fn messages(&self) -> Vec<Value> {
        let response = reqwest::get(self.url("/sandbox/messages.json")).await.expect("messages");
        response.json().await.expect("messages JSON")
    }

    /// Waits until a message satisfying `matches` has been delivered.
    pub async fn wait_for_message(&self, matches: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..100 {
            huduma::jobs::outbox_worker::run_due(&self.app).await.expect("outbox runs");
            if let Some(found) = self.messages().await.into_iter().find(|m| matches(m)) {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the expected message never arrived");
    }

    /// Waits until the simulated M-Pesa customer at `phone` has answered every prompt (the
    /// sandbox phone lists none): what Daraja will say is then decided, callback or not.
    pub async fn wait_for_prompts_answered(&self, phone: &str) {
        for _ in 0..100 {
            let page = reqwest::get(self.url(&format!("/sandbox/phone?number={phone}"))).await.expect("phone page");
            assert_eq!(page.status(), 200, "the sandbox phone answers");
            if !page.text().await.expect("phone page").contains("action=\"/sandbox/phone/") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the simulated customer at {phone} never answered");
    }

    /// Waits for the newest message to `recipient` holding a code not in `seen`.
    pub async fn code_for(&self, recipient: &str) -> String {
        self.code_for_after(recipient, &[]).await
    }

    pub async fn code_for_after(&self, recipient: &str, seen: &[String]) -> String {
        for _ in 0..100 {
            huduma::jobs::outbox_worker::run_due(&self.app).await.expect("outbox runs");
            let found = self
                .messages()
                .await
                .into_iter()
                .filter(|m| m["recipient"].as_str() == Some(recipient))
                .find_map(|m| six_digits(m["body"].as_str().unwrap_or("")))
                .filter(|code| !seen.contains(code));
            if let Some(code) = found {
                return code;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no code arrived for {recipient}");
    }

    /// Raw JSON POST (no cookies involved for the API).
    pub async fn api(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut request = reqwest::Client::new().request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("API call");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        self.api(reqwest::Method::POST, path, None, Some(body)).await
    }

    /// Uploads a file through the API (multipart, one part named `file`).
    pub async fn upload_api(&self, token: &str, application: &str, requirement: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = reqwest::Client::new()
            .post(self.url(&format!("/api/v1/applications/{application}/documents/{requirement}")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Uploads a file through a page's form (CSRF token from `page`).
    pub async fn upload_html(&self, page: &str, action: &str, name: &str, bytes: Vec<u8>) -> (u16, String, String) {
        let (_, html) = self.get(page).await;
        let token = csrf_of(&html);
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().text("csrf", token).part("file", part);
        let response = self.client.post(self.url(action)).multipart(form).send().await.expect("upload");
        let status = response.status().as_u16();
        let url = response.url().path().to_owned();
        (status, url, response.text().await.unwrap_or_default())
    }
}

/// A sandbox person and the contacts a test registers with.
pub struct Person {
    /// `citizen` or `resident`.
    pub kind: &'static str,
    pub id: &'static str,
    pub first_name: &'static str,
    pub year: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

/// Wanjiku Mary Kamau, the first sandbox citizen.
pub const WANJIKU: Person = Person {
    kind: "citizen",
    id: "12345678",
    first_name: "Wanjiku",
    year: "1990",
    phone: "+254712345678",
    email: "wanjiku.kamau@example.com",
    password: "mango tree by the river",
};

/// Brian Otieno Ochieng, a second sandbox citizen.
pub const BRIAN: Person = Person {
    kind: "citizen",
    id: "29217417",
    first_name: "Brian",
    year: "1988",
    phone: "+254720275222",
    email: "brian.ochieng@example.com",
    password: "long rains in kisumu",
};

/// Amani Mugisha, the first sandbox foreign resident.
pub const AMANI: Person = Person {
    kind: "resident",
    id: "9100231",
    first_name: "Amani",
    year: "1985",
    phone: "+254722000231",
    email: "amani@example.com",
    password: "lake victoria sunrise",
};

/// Registers and verifies a citizen through the HTML pages; the client ends signed in.
pub async fn register_html(t: &TestApp, person: &Person) {
    let (status, url, _) = t.submit("/register", "/register", &[("account_type", "citizen")]).await;
    assert_eq!((status, url.as_str()), (200, "/register/identity"));
    let (status, url, body) = t
        .submit(
            "/register/identity?type=citizen",
            "/register/identity",
            &[
                ("account_type", "citizen"),
                ("document_number", person.id),
                ("first_name", person.first_name),
                ("year_of_birth", person.year),
            ],
        )
        .await;
    assert_eq!((status, url.as_str()), (200, "/register/details"), "{body}");
    let (status, url, body) = t
        .submit(
            "/register/details",
            "/register/details",
            &[("phone", person.phone), ("email", person.email), ("password", person.password), ("password_confirmation", person.password)],
        )
        .await;
    assert_eq!((status, url.as_str()), (200, "/verify"), "{body}");
    let sms = t.code_for(person.phone).await;
    let (status, url, _) = t.submit("/verify", "/verify/phone", &[("phone_code", &sms)]).await;
    assert_eq!((status, url.as_str()), (200, "/verify"));
    let email = t.code_for(person.email).await;
    let (status, url, body) = t.submit("/verify", "/verify/email", &[("email_code", &email)]).await;
    assert_eq!((status, url.as_str()), (200, "/account"), "{body}");
}

/// Registration steps one and two through the API: the account exists but is not yet
/// verified. Returns the answer to step two (with the verification token).
pub async fn create_account_api(t: &TestApp, person: &Person) -> Value {
    let (status, started) = t
        .post_json("/api/v1/registrations", serde_json::json!({"account_type": person.kind, "document_number": person.id, "first_name": person.first_name, "year_of_birth": person.year}))
        .await;
    assert_eq!(status, 201, "{started}");
    let (status, created) = t
        .post_json(
            "/api/v1/registrations/details",
            serde_json::json!({"registration_token": started["registration_token"], "phone": person.phone, "email": person.email, "password": person.password, "password_confirmation": person.password}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created
}

/// Registers and verifies through the API; returns the access token.
pub async fn register_api(t: &TestApp, person: &Person) -> String {
    let created = create_account_api(t, person).await;
    let token = created["verification_token"].as_str().expect("token").to_owned();
    let sms = t.code_for(person.phone).await;
    let (status, progress) =
        t.post_json("/api/v1/verifications/check", serde_json::json!({"verification_token": token, "channel": "sms", "code": sms})).await;
    assert_eq!((status, progress["status"].as_str()), (200, Some("pending")), "{progress}");
    let email = t.code_for(person.email).await;
    let (status, done) = t
        .post_json("/api/v1/verifications/check", serde_json::json!({"verification_token": token, "channel": "email", "code": email}))
        .await;
    assert_eq!((status, done["status"].as_str()), (200, Some("complete")), "{done}");
    done["access_token"].as_str().expect("access token").to_owned()
}

/// Signs in through the API with an SMS code; returns the access token.
pub async fn sign_in_api(t: &TestApp, identifier: &str, password: &str, phone: &str) -> String {
    let seen = vec![t.code_for(phone).await];
    let (status, started) = t.post_json("/api/v1/sign-in", serde_json::json!({"identifier": identifier, "password": password})).await;
    assert_eq!((status, started["next"].as_str()), (200, Some("second_factor")), "{started}");
    let token = started["sign_in_token"].as_str().expect("token").to_owned();
    let (status, _) = t.post_json("/api/v1/sign-in/code", serde_json::json!({"sign_in_token": token, "channel": "sms"})).await;
    assert_eq!(status, 202);
    let code = t.code_for_after(phone, &seen).await;
    let (status, session) = t.post_json("/api/v1/sign-in/verify", serde_json::json!({"sign_in_token": token, "code": code})).await;
    assert_eq!(status, 200, "{session}");
    session["access_token"].as_str().expect("access token").to_owned()
}

/// A six-digit authenticator code that is none of the three the app would accept now.
pub fn wrong_totp(secret: &str, now: i64) -> String {
    let valid: Vec<String> = [now - 30, now, now + 30].iter().map(|t| huduma::services::totp::code_at(secret, *t).expect("code")).collect();
    (0..).map(|n: u32| format!("{:06}", 100_000 + n * 7919)).find(|c| !valid.contains(c)).expect("a wrong code")
}

/// The query plan of `sql` with `values` written in for its `$n` parameters, one line per
/// step: SQLite's `EXPLAIN QUERY PLAN` details, PostgreSQL's `EXPLAIN` lines.
pub async fn query_plan(conn: &mut sqlx::AnyConnection, backend: Backend, sql: &str, values: &[&str]) -> Vec<String> {
    use sqlx::Row;
    let mut literal = sql.to_owned();
    for (i, value) in values.iter().enumerate().rev() {
        literal = literal.replace(&format!("${}", i + 1), value);
    }
    let (explain, column) = match backend {
        Backend::Sqlite => ("EXPLAIN QUERY PLAN", 3),
        Backend::Postgres => ("EXPLAIN", 0),
    };
    sqlx::query(sqlx::AssertSqlSafe(format!("{explain} {literal}")))
        .fetch_all(conn)
        .await
        .expect("explain")
        .iter()
        .map(|r| r.try_get::<String, _>(column).expect("plan line"))
        .collect()
}

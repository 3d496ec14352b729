//! Fault tests on the rehearsal cluster (`scripts/cluster.sh`): steady load through the
//! load balancer (home page, search, sign-ins, new applications) while a node is killed,
//! every node is restarted in turn, and PostgreSQL is restarted (the local server, through
//! `pg_ctlcluster`: run it on a machine whose PostgreSQL may be restarted).
//!
//! Not part of `cargo test`: `scripts/cluster-faults.sh` starts a fresh cluster and runs
//! this once (`cargo test --test cluster_faults`). Without a cluster it fails, naming
//! that script.

use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Concurrent clients of the load.
const CLIENTS: usize = 8;

/// The synthetic citizen the load signs in as (the register simulator knows her).
const ID: &str = "12345678";
const PHONE: &str = "+254712345678";
const EMAIL: &str = "wanjiku.cluster@example.com";
const PASSWORD: &str = "mango tree by the river";

/// The running cluster, as `scripts/cluster.sh start` left it.
struct Cluster {
    dir: PathBuf,
    url: String,
    providers: String,
    client: reqwest::Client,
}

impl Cluster {
    fn find() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = std::env::var_os("HUDUMA_CLUSTER_DIR").map_or_else(|| root.join("target/cluster"), PathBuf::from);
        let conf = std::fs::read_to_string(dir.join("cluster.conf"))
            .unwrap_or_else(|e| panic!("no cluster at {} ({e}): run scripts/cluster-faults.sh", dir.display()));
        let port: u16 = conf.lines().find_map(|l| l.strip_prefix("port=")).and_then(|p| p.parse().ok()).expect("port in cluster.conf");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        Self { dir, url: format!("http://127.0.0.1:{port}"), providers: format!("http://127.0.0.1:{}", port + 10), client }
    }

    fn script(&self, args: &[&str]) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/cluster.sh");
        let status =
            std::process::Command::new("bash").arg(script).args(args).env("HUDUMA_CLUSTER_DIR", &self.dir).status().expect("cluster.sh");
        assert!(status.success(), "cluster.sh {args:?} failed");
    }

    /// The database URL the cluster's nodes were given (`cluster.env`).
    fn database_url(&self) -> String {
        let env = std::fs::read_to_string(self.dir.join("cluster.env")).expect("cluster.env");
        env.lines()
            .find_map(|l| l.strip_prefix("declare -x DATABASE_URL=\""))
            .map(|v| v.trim_end_matches('"').to_owned())
            .expect("DATABASE_URL in cluster.env")
    }

    fn pid(&self, role: &str) -> u32 {
        let processes = std::fs::read_to_string(self.dir.join("processes")).expect("processes");
        processes
            .lines()
            .find_map(|l| {
                let mut parts = l.split_whitespace();
                (parts.next() == Some(role)).then(|| parts.next()).flatten()
            })
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no {role} in {processes}"))
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.client.post(format!("{}{path}", self.url)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Every code the providers' sandbox has sent to `recipient`, newest first.
    async fn codes_for(&self, recipient: &str) -> Vec<String> {
        let messages: Vec<Value> = self
            .client
            .get(format!("{}/sandbox/messages.json", self.providers))
            .send()
            .await
            .expect("messages")
            .json()
            .await
            .expect("json");
        messages
            .iter()
            .filter(|m| m["recipient"].as_str() == Some(recipient))
            .filter_map(|m| m["body"].as_str())
            .flat_map(|body| body.split(|c: char| !c.is_ascii_digit()).filter(|w| w.len() == 6).map(str::to_owned).collect::<Vec<_>>())
            .collect()
    }

    /// A code sent to `recipient` that is not in `seen`.
    async fn code_for(&self, recipient: &str, seen: &[String]) -> String {
        for _ in 0..100 {
            if let Some(code) = self.codes_for(recipient).await.into_iter().find(|c| !seen.contains(c)) {
                return code;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no code arrived for {recipient}");
    }

    /// An access token for the citizen: registered the first time, signed in after.
    async fn citizen(&self) -> String {
        let earlier = self.codes_for(PHONE).await;
        let earlier_email = self.codes_for(EMAIL).await;
        let (status, started) = self
            .post(
                "/api/v1/registrations",
                None,
                json!({"account_type": "citizen", "document_number": ID, "first_name": "Wanjiku", "year_of_birth": "1990"}),
            )
            .await;
        if status == 201 {
            let (status, created) = self
                .post(
                    "/api/v1/registrations/details",
                    None,
                    json!({"registration_token": started["registration_token"], "phone": PHONE, "email": EMAIL, "password": PASSWORD, "password_confirmation": PASSWORD}),
                )
                .await;
            assert_eq!(status, 201, "{created}");
            let token = created["verification_token"].clone();
            let sms = self.code_for(PHONE, &earlier).await;
            let (status, _) =
                self.post("/api/v1/verifications/check", None, json!({"verification_token": token, "channel": "sms", "code": sms})).await;
            assert_eq!(status, 200);
            let email = self.code_for(EMAIL, &earlier_email).await;
            let (status, done) = self
                .post("/api/v1/verifications/check", None, json!({"verification_token": token, "channel": "email", "code": email}))
                .await;
            assert_eq!(status, 200, "{done}");
            return done["access_token"].as_str().expect("token").to_owned();
        }
        let (status, started) = self.post("/api/v1/sign-in", None, json!({"identifier": ID, "password": PASSWORD})).await;
        assert_eq!(status, 200, "{started}");
        let token = started["sign_in_token"].clone();
        let (status, _) = self.post("/api/v1/sign-in/code", None, json!({"sign_in_token": token, "channel": "sms"})).await;
        assert_eq!(status, 202);
        let code = self.code_for(PHONE, &earlier).await;
        let (status, session) = self.post("/api/v1/sign-in/verify", None, json!({"sign_in_token": token, "code": code})).await;
        assert_eq!(status, 200, "{session}");
        session["access_token"].as_str().expect("token").to_owned()
    }
}

/// What the load saw.
#[derive(Default)]
struct Seen {
    ok: usize,
    /// (when, what) of every request that did not get its expected answer.
    failed: Vec<(Instant, String)>,
    /// Applications the portal acknowledged (201 with an id).
    acknowledged: HashSet<String>,
    /// Application requests whose outcome is unknown (cut off, 5xx): each may or may not
    /// have been stored.
    unknown_creates: usize,
}

/// Steady load from [`CLIENTS`] clients until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(cluster: &Arc<Cluster>, token: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let tasks = (0..CLIENTS)
            .map(|n| {
                let (cluster, stop, seen, token) = (cluster.clone(), stop.clone(), seen.clone(), token.to_owned());
                tokio::spawn(async move {
                    let mut round = n;
                    while !stop.load(Ordering::Relaxed) {
                        round += 1;
                        let (what, outcome) = match round % 4 {
                            0 => ("home", get(&cluster, "/").await),
                            1 => ("search", get(&cluster, "/search?q=passport").await),
                            2 => ("sign-in", sign_in(&cluster).await),
                            _ => ("apply", apply(&cluster, &token).await),
                        };
                        let mut seen = seen.lock().expect("seen");
                        match outcome {
                            Outcome::Ok(created) => {
                                seen.ok += 1;
                                if let Some(id) = created {
                                    seen.acknowledged.insert(id);
                                }
                            }
                            Outcome::Failed(why) => {
                                if what == "apply" {
                                    seen.unknown_creates += 1;
                                }
                                seen.failed.push((Instant::now(), format!("{what}: {why}")));
                            }
                        }
                    }
                })
            })
            .collect();
        Self { stop, seen, tasks }
    }

    async fn finish(self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("load task");
        }
        Arc::try_unwrap(self.seen).ok().expect("one owner").into_inner().expect("seen")
    }
}

enum Outcome {
    /// The expected answer; an application's id when one was made.
    Ok(Option<String>),
    Failed(String),
}

async fn get(cluster: &Cluster, path: &str) -> Outcome {
    match cluster.client.get(format!("{}{path}", cluster.url)).send().await {
        Ok(r) if r.status() == 200 => match r.bytes().await {
            Ok(_) => Outcome::Ok(None),
            Err(e) => Outcome::Failed(format!("body cut off: {e}")),
        },
        Ok(r) => Outcome::Failed(format!("status {}", r.status())),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

async fn sign_in(cluster: &Cluster) -> Outcome {
    let request = cluster.client.post(format!("{}/api/v1/sign-in", cluster.url)).json(&json!({"identifier": ID, "password": PASSWORD}));
    match request.send().await {
        Ok(r) if r.status() == 200 => Outcome::Ok(None),
        Ok(r) => Outcome::Failed(format!("status {}", r.status())),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

async fn apply(cluster: &Cluster, token: &str) -> Outcome {
    let request = cluster
        .client
        .post(format!("{}/api/v1/applications", cluster.url))
        .bearer_auth(token)
        .json(&json!({"service": "kra-pin-registration"}));
    match request.send().await {
        Ok(r) if r.status() == 201 => match r.json::<Value>().await {
            Ok(body) => Outcome::Ok(body["id"].as_str().map(str::to_owned)),
            Err(e) => Outcome::Failed(format!("answer cut off: {e}")),
        },
        Ok(r) => Outcome::Failed(format!("status {}", r.status())),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Every acknowledged application is there, and no request made two.
async fn nothing_lost_or_doubled(cluster: &Cluster, token: &str, seen: &Seen, before: usize) {
    let mine = applications(cluster, token).await;
    for id in &seen.acknowledged {
        assert!(mine.contains(id), "application {id} was acknowledged and is gone");
    }
    let made = mine.len() - before;
    assert!(
        made >= seen.acknowledged.len() && made <= seen.acknowledged.len() + seen.unknown_creates,
        "{made} applications made for {} acknowledged and {} unanswered requests",
        seen.acknowledged.len(),
        seen.unknown_creates
    );
}

/// Every application id in the cluster's database (the load is the only one applying).
async fn applications(cluster: &Cluster, _token: &str) -> HashSet<String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&cluster.database_url()).await.expect("the cluster's database");
    sqlx::query_scalar::<_, String>("SELECT id FROM applications").fetch_all(&mut conn).await.expect("ids").into_iter().collect()
}

fn report(name: &str, seen: &Seen) {
    eprintln!(
        "{name}: {} answered as expected, {} failed, {} applications acknowledged; failures: {:?}",
        seen.ok,
        seen.failed.len(),
        seen.acknowledged.len(),
        seen.failed.iter().map(|(_, why)| why.as_str()).collect::<Vec<_>>()
    );
}

/// SIGKILL one of three nodes under load: only the requests it had in flight fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_killed_under_load_fails_only_its_requests_in_flight() {
    let cluster = Arc::new(Cluster::find());
    let token = cluster.citizen().await;
    let before = applications(&cluster, &token).await.len();
    let load = Load::start(&cluster, &token);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let killed = Instant::now();
    assert!(std::process::Command::new("kill").args(["-KILL", &cluster.pid("node2").to_string()]).status().expect("kill").success());
    tokio::time::sleep(Duration::from_secs(5)).await;
    let seen = load.finish().await;
    report("SIGKILL node2", &seen);
    assert!(seen.failed.len() <= CLIENTS, "more failures than requests in flight: {}", seen.failed.len());
    for (at, why) in &seen.failed {
        assert!(*at >= killed && at.duration_since(killed) < Duration::from_secs(2), "a failure away from the kill: {why}");
    }
    assert!(seen.ok > 50, "the load ran: {} requests", seen.ok);
    nothing_lost_or_doubled(&cluster, &token, &seen, before).await;
    cluster.script(&["restart", "node2"]);
}

/// SIGTERM every node in turn under load (each drains, then starts again): no request fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rolling_restart_under_load_fails_no_request() {
    let cluster = Arc::new(Cluster::find());
    let token = cluster.citizen().await;
    let before = applications(&cluster, &token).await.len();
    let load = Load::start(&cluster, &token);
    tokio::time::sleep(Duration::from_secs(2)).await;
    for node in ["node1", "node2", "node3"] {
        cluster.script(&["restart", node]);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let seen = load.finish().await;
    report("rolling restart", &seen);
    assert!(seen.failed.is_empty(), "{} requests failed during the rolling restart", seen.failed.len());
    assert!(seen.ok > 50, "the load ran: {} requests", seen.ok);
    nothing_lost_or_doubled(&cluster, &token, &seen, before).await;
}

/// Restart PostgreSQL under load: what fails in the outage fails with a 503 (the node's
/// "try again in a minute", or the load balancer's own while every node's `/readyz` says
/// the database is gone), never a 500; the cluster serves again within 5 s of the database
/// coming back, and no application is lost or made twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_restart_under_load_answers_503_and_recovers() {
    let cluster = Arc::new(Cluster::find());
    let token = cluster.citizen().await;
    let before = applications(&cluster, &token).await.len();
    let load = Load::start(&cluster, &token);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a local PostgreSQL cluster (/etc/postgresql) to restart")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .max()
        .expect("a PostgreSQL version");
    let restarted = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", "restart", "--mode", "fast"])
        .status()
        .expect("pg_ctlcluster");
    assert!(restarted.success(), "PostgreSQL did not restart");
    while !std::process::Command::new("pg_isready").args(["-q", "-h", "127.0.0.1"]).status().expect("pg_isready").success() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back = Instant::now();
    tokio::time::sleep(Duration::from_secs(8)).await;
    let seen = load.finish().await;
    report("PostgreSQL restart", &seen);
    for (at, why) in &seen.failed {
        assert!(why.ends_with("503 Service Unavailable"), "a failure that is not a clear 503: {why}");
        assert!(*at < back + Duration::from_secs(5), "still failing {:?} after the database came back: {why}", at.duration_since(back));
    }
    nothing_lost_or_doubled(&cluster, &token, &seen, before).await;
}

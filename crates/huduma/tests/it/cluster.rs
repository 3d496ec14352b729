//! Several nodes and workers on one database, as a national deployment runs them: nothing
//! a citizen or a job depends on is kept in one node's memory.

use crate::both_databases;
use crate::helpers::{Backend, Options, WANJIKU, fixture_catalogue, register_api, spawn, spawn_node, spawn_with};
use huduma::jobs::periodic::{Job, Turn, turn};
use huduma::services::catalogue::{import, read_folder};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

both_databases!(
    an_import_on_one_node_is_live_on_the_others_within_seconds,
    sessions_and_guess_limits_are_shared_by_nodes,
    a_periodic_job_runs_on_one_worker_at_a_time,
    a_lease_lets_go_of_a_killed_worker_only_when_it_passes,
    three_workers_send_each_message_exactly_once,
);

async fn an_import_on_one_node_is_live_on_the_others_within_seconds(backend: Backend) {
    let dir = fixture_catalogue();
    let a = spawn_with(backend, Options { catalogue_dir: Some(dir.0.clone()), ..Options::default() }).await;
    // Node B starts without a folder of its own: it serves what the database holds.
    let b = spawn_node(&a, backend, Options { catalogue_dir: Some(fixture_catalogue().0.join("missing")), ..Options::default() }).await;
    let (_, page) = b.get("/services/passport").await;
    assert!(page.contains("Apply for a passport"), "B serves the stored catalogue at start-up");

    let path = dir.0.join("immigration/passport.toml");
    let original = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, original.replace("Apply for a passport", "Apply for an ordinary passport")).expect("write");
    import(&a.app, read_folder(&dir.0).expect("read")).await.expect("import on A");
    let imported = Instant::now();
    loop {
        let (status, page) = b.get("/services/passport").await;
        assert_eq!(status, 200);
        if page.contains("Apply for an ordinary passport") {
            break;
        }
        assert!(imported.elapsed() < Duration::from_secs(5), "B still serves the old catalogue 5 s after A's import");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(b.app.catalogue().versions.get("passport"), Some(&2), "B knows the new version too");
    // Importing the same files again changes nothing anywhere: no reload on B.
    let before = b.app.catalogue();
    import(&a.app, read_folder(&dir.0).expect("read")).await.expect("import again");
    assert!(!huduma::services::catalogue::refresh(&b.app).await.expect("refresh"), "same files, same digest");
    assert!(Arc::ptr_eq(&before, &b.app.catalogue()));
}

async fn sessions_and_guess_limits_are_shared_by_nodes(backend: Backend) {
    let a = spawn(backend).await;
    let b = spawn_node(&a, backend, Options::default()).await;
    // An account made on A signs in on B, and the session works on either.
    let token = register_api(&a, &WANJIKU).await;
    let (status, me) = b.api(reqwest::Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!((status, me["phone"].as_str()), (200, Some(WANJIKU.phone)), "{me}");

    // A sign-in started on A, its code sent from A, guessed alternately on A and B: the
    // fifth wrong guess locks it on both, as it would on one node.
    let (status, started) = a.post_json("/api/v1/sign-in", json!({"identifier": WANJIKU.id, "password": WANJIKU.password})).await;
    assert_eq!(status, 200, "{started}");
    let sign_in = started["sign_in_token"].clone();
    let (status, _) = a.post_json("/api/v1/sign-in/code", json!({"sign_in_token": sign_in, "channel": "sms"})).await;
    assert_eq!(status, 202);
    for guess in 1..=5 {
        let node = if guess % 2 == 0 { &b } else { &a };
        let (status, body) = node.post_json("/api/v1/sign-in/verify", json!({"sign_in_token": sign_in, "code": "000000"})).await;
        let expected = if guess < 5 { "code.wrong" } else { "code.too_many_attempts" };
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some(expected)), "guess {guess}: {body}");
    }

    // The password limit per address counts every node's attempts: alternating between
    // two nodes, the refusals start within the one limit, not at twice it.
    let limit = huduma::services::rate_limit::SIGN_IN_PER_IP.max;
    let mut first_refused = None;
    for attempt in 1..=limit + 1 {
        let node = if attempt % 2 == 0 { &b } else { &a };
        let identifier = format!("9{attempt:07}");
        let (status, _) = node.post_json("/api/v1/sign-in", json!({"identifier": identifier, "password": "wrong password 1"})).await;
        if status == 429 {
            first_refused = Some(attempt);
            break;
        }
    }
    let refused = first_refused.unwrap_or_else(|| panic!("{} attempts across two nodes and none refused", limit + 1));
    assert!(refused > limit - 3, "refused at attempt {refused}: the limit is {limit}, counting the sign-ins above");
}

async fn a_periodic_job_runs_on_one_worker_at_a_time(backend: Backend) {
    let t = spawn(backend).await;
    let job = Job { name: "test_job", every: Duration::from_secs(1) };
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let runs = Arc::new(AtomicUsize::new(0));
    let work = || {
        let (running, most, runs) = (running.clone(), most.clone(), runs.clone());
        async move {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(300)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        }
    };
    // Three workers look at once, again and again while the first works: one runs it.
    let round = || async {
        let (x, y, z) =
            tokio::join!(turn(&t.app, job, "worker-1", work), turn(&t.app, job, "worker-2", work), turn(&t.app, job, "worker-3", work));
        [x, y, z].into_iter().map(|r| r.expect("turn")).filter(|r| *r == Turn::Ran).count()
    };
    assert_eq!(round().await, 1, "a due job runs on exactly one of three workers");
    assert_eq!(round().await, 0, "and is not due again straight after");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(round().await, 1, "one interval later, one worker runs it again");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(most.load(Ordering::SeqCst), 1, "never two at the same time");
}

async fn a_lease_lets_go_of_a_killed_worker_only_when_it_passes(backend: Backend) {
    use huduma::store::periodic_jobs::{finish, renew, take};
    let t = spawn(backend).await;
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    assert!(take(&mut conn, "sweep", "dead", 1_000, 1_030).await.expect("take"), "due the first time");
    // The holder dies without finishing: nobody else takes the job while its lease runs.
    assert!(!take(&mut conn, "sweep", "alive", 1_029, 1_059).await.expect("take"));
    assert!(take(&mut conn, "sweep", "alive", 1_030, 1_060).await.expect("take"), "taken again once the lease passed");
    assert!(!renew(&mut conn, "sweep", "dead", 1_090).await.expect("renew"), "the dead holder's lease is gone");
    assert!(!finish(&mut conn, "sweep", "dead", 2_000).await.expect("finish"));
    assert!(renew(&mut conn, "sweep", "alive", 1_090).await.expect("renew"));
    assert!(finish(&mut conn, "sweep", "alive", 1_100).await.expect("finish"));
    assert!(!take(&mut conn, "sweep", "other", 1_099, 1_129).await.expect("take"), "not due before its next run");
    assert!(take(&mut conn, "sweep", "other", 1_100, 1_130).await.expect("take"));
}

async fn three_workers_send_each_message_exactly_once(backend: Backend) {
    let a = spawn(backend).await;
    let b = spawn_node(&a, backend, Options::default()).await;
    let c = spawn_node(&a, backend, Options::default()).await;
    let before = a.messages().await.len();
    const SENT: usize = 30;
    {
        let mut tx = a.app.db.begin().await.expect("tx");
        for n in 0..SENT {
            let job = huduma::notices::SmsJob { to: format!("+2547000{n:05}"), message: format!("cluster message {n}") };
            huduma::store::outbox::enqueue(&mut tx, "sms", &serde_json::to_string(&job).expect("json"), a.app.clock.now())
                .await
                .expect("enqueue");
        }
        tx.commit().await.expect("commit");
    }
    for node in [&a, &b, &c] {
        node.app.outbox_wakeup.notify_one();
    }
    let started = Instant::now();
    loop {
        let ours = a.messages().await.into_iter().filter(|m| m["body"].as_str().is_some_and(|b| b.starts_with("cluster message"))).count();
        if ours >= SENT {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{ours} of {SENT} sent after 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = a.messages().await;
    let mut bodies: Vec<&str> = messages.iter().filter_map(|m| m["body"].as_str()).filter(|b| b.starts_with("cluster message")).collect();
    bodies.sort_unstable();
    let total = bodies.len();
    bodies.dedup();
    assert_eq!((total, bodies.len()), (SENT, SENT), "each message exactly once ({} messages before)", before);
}

/// A node told to stop (SIGTERM, as a rolling restart does) first answers `/readyz` with
/// 503 while still serving, so the load balancer moves traffic away; then it closes its
/// listener, lets the request in flight finish and exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_the_node_then_finishes_requests_in_flight() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = crate::helpers::tempdir::TempDir::new();
    let catalogue = fixture_catalogue();
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let base = format!("http://127.0.0.1:{port}");
    let node = std::process::Command::new(env!("CARGO_BIN_EXE_huduma"))
        .arg("serve")
        .env("HUDUMA_LISTEN", format!("127.0.0.1:{port}"))
        .env("HUDUMA_DATA_DIR", &dir.0)
        .env("HUDUMA_CATALOGUE_DIR", &catalogue.0)
        .env("HUDUMA_DRAIN_SECONDS", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start huduma");
    let mut node = KillOnDrop(Some(node));
    let client = reqwest::Client::new();
    let readyz = || async { client.get(format!("{base}/readyz")).send().await.ok().map(|r| r.status().as_u16()) };
    let started = Instant::now();
    while readyz().await != Some(200) {
        assert!(started.elapsed() < Duration::from_secs(60), "the node did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A request in flight: its headers and half its body are sent before the signal.
    let body = "reference=HD-0000-0000&id_number=12345678";
    let mut in_flight = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let head = format!(
        "POST /track HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.expect("head");
    in_flight.write_all(&body.as_bytes()[..10]).await.expect("half the body");

    let pid = node.0.as_ref().expect("running").id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let signalled = Instant::now();
    while readyz().await != Some(503) {
        assert!(signalled.elapsed() < Duration::from_secs(1), "/readyz still 200 a second after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = client.get(format!("{base}/")).send().await.expect("served while draining");
    assert_eq!(page.status().as_u16(), 200, "new requests are still served while the load balancer notices");

    // After the drain the listener is closed…
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
        assert!(signalled.elapsed() < Duration::from_secs(6), "still accepting connections 6 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(signalled.elapsed() >= Duration::from_secs(2), "closed before the drain time");
    // …and the request in flight still gets its whole answer.
    in_flight.write_all(&body.as_bytes()[10..]).await.expect("rest of the body");
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).await.expect("answer");
    let status: u16 = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status line: {answer:?}"));
    assert!(status < 500, "the request in flight was answered {status}");
    let mut process = node.0.take().expect("running");
    let exit = tokio::task::spawn_blocking(move || process.wait()).await.expect("join").expect("wait");
    assert!(exit.success(), "the node exits cleanly: {exit}");
}

/// A child process killed if the test fails before it exits by itself.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The load balancer's request id comes back on the response (and is in every log line of
/// the request); a request without one gets a fresh id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_keep_the_load_balancers_id_or_get_one() {
    let t = spawn(Backend::Sqlite).await;
    let given = t.client.get(t.url("/healthz")).header("X-Request-Id", "lb-7f3a-0001").send().await.expect("request");
    assert_eq!(given.headers()["x-request-id"], "lb-7f3a-0001");
    let fresh = |r: &reqwest::Response| r.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let one = fresh(&t.client.get(t.url("/")).send().await.expect("request")).expect("an id");
    let two = fresh(&t.client.get(t.url("/")).send().await.expect("request")).expect("an id");
    assert!(one.len() == 36 && one != two, "{one} {two}");
}

/// While PostgreSQL refuses the portal, a request that needs it gets a 503 saying to try
/// again shortly (pages and API alike), not the 500 of a bug; once the database is back,
/// requests succeed again within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_down_requests_get_503_then_recover() {
    use sqlx::Connection;
    let t = spawn(Backend::Postgres).await;
    crate::helpers::register_html(&t, &WANJIKU).await;
    let url = t.app.config.database_url.expose().to_owned();
    let name = url.rsplit('/').next().expect("database name").to_owned();
    let mut admin = sqlx::AnyConnection::connect(&crate::helpers::postgres_admin_url()).await.expect("admin");
    let set = |allow: bool| format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {allow}");
    sqlx::query(sqlx::AssertSqlSafe(set(false))).execute(&mut admin).await.expect("refuse connections");
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}'")))
        .execute(&mut admin)
        .await
        .expect("end connections");

    let sign_in = || t.post_json("/api/v1/sign-in", json!({"identifier": "99999999", "password": "not the password"}));
    let (status, body) = sign_in().await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("service.database_unavailable")), "{body}");
    // A signed-in page: the session itself is in the database.
    let response = t.client.get(t.url("/applications")).header("Accept-Language", "sw").send().await.expect("page");
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "30");
    let page = response.text().await.expect("page");
    assert!(page.contains("Huduma haiwezi kufikia hifadhidata yake"), "the Kiswahili sentence: {page}");

    sqlx::query(sqlx::AssertSqlSafe(set(true))).execute(&mut admin).await.expect("allow connections");
    let back = Instant::now();
    loop {
        let (status, body) = sign_in().await;
        if status != 503 {
            assert_eq!(status, 422, "an unknown account again, as before the outage: {body}");
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(5), "still 503 five seconds after the database came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

//! The operators' gauges (outbox backlog, M-Pesa prompts waiting, periodic jobs overdue,
//! pool) and the worker's own `/metrics` listener.
//!
//! The Prometheus recorder is process-wide, and every app this test binary starts samples
//! its own database into the same gauges every 15 s. So the values are checked twice: on
//! what one sample of this app's database read (exact, nobody else's), and on `/metrics`
//! after this app recorded them, where another app may have recorded its values in
//! between; see [`rendered_after_own_sample`].

use crate::both_databases;
use crate::helpers::*;
use crate::payments::{awaiting_payment, pay};
use huduma::jobs::gauges::{self, Due};
use std::time::Duration;

/// A line's value in the Prometheus text: `series` is the name with its labels as
/// rendered, e.g. `huduma_outbox_due{kind="ipn"}`.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

fn wall_clock() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).expect("time")
}

/// Adds an outbox row that a worker elsewhere holds for a day: the in-process outbox
/// worker leaves it alone, so it stays due for as long as the test needs it.
async fn held_job(t: &TestApp, kind: &str, run_at: i64, done_at: Option<i64>) {
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    sqlx::query("INSERT INTO outbox (id, kind, payload, created_at, run_at, locked_until, done_at) VALUES ($1, $2, '{}', $3, $3, $4, $5)")
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(kind.to_owned())
        .bind(run_at)
        .bind(run_at + 86_400 * 365)
        .bind(done_at)
        .execute(&mut *conn)
        .await
        .expect("outbox row");
}

/// Samples this app and renders `/metrics` until `matches` holds, at most 20 times.
///
/// Why the check holds: the values `matches` looks for come only from this test's
/// database (ages no other test gives its rows, and different on each engine, so the
/// SQLite and PostgreSQL runs of this test cannot satisfy each other). Another app can
/// only hide them by recording its own sample between our sample and our read, a window
/// of milliseconds against a 15 s cadence; one retry almost never happens, twenty in a row
/// do not.
async fn rendered_after_own_sample(t: &TestApp, matches: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    for _ in 0..20 {
        gauges::sample(&t.app).await.expect("sample");
        let response = t.client.get(t.url("/metrics")).send().await.expect("metrics");
        assert_eq!(response.status().as_u16(), 200, "the local machine reads metrics");
        text = response.text().await.expect("text");
        if matches(&text) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("this app's gauges never showed on /metrics:\n{text}");
}

async fn gauges_show_the_backlog_the_callback_lag_and_the_pool(backend: Backend) {
    let t = spawn(backend).await;
    // Ages this engine's run alone uses (see `rendered_after_own_sample`).
    let base: i64 = match backend {
        Backend::Sqlite => 10_000,
        Backend::Postgres => 30_000,
    };

    // An M-Pesa prompt that is never answered (the simulator's silent number), two minutes
    // old: inside the five minutes after which the reconciler calls it timed out.
    let token = register_api(&t, &WANJIKU).await;
    let id = awaiting_payment(&t, &token).await;
    let attempt = pay(&t, &token, &id, "254700000999").await;
    assert_eq!(attempt["state"], "requested", "{attempt}");
    t.app.clock.advance(120);

    // The app's own SMS and email jobs are at most a couple of minutes old; these are far
    // older. `ipn` and an unknown kind are never enqueued by this flow, so their counts are
    // exact.
    let now = t.app.clock.now();
    held_job(&t, "sms", now - 2 * base, None).await;
    held_job(&t, "ipn", now - base, None).await;
    held_job(&t, "ipn", now - 10, None).await;
    held_job(&t, "ipn", now + 3600, None).await; // not due yet
    held_job(&t, "ipn", now - 3 * base, Some(now - 5)).await; // done
    held_job(&t, "fax", now - base / 2, None).await; // a kind this build does not know

    // A periodic job a worker elsewhere holds while it is long overdue.
    let cleanup = huduma::jobs::cleanup::HOURLY.name;
    {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        sqlx::query(
            "INSERT INTO periodic_jobs (name, next_run_at, held_by, held_until) VALUES ($1, $2, 'elsewhere', $3) \
             ON CONFLICT (name) DO UPDATE SET next_run_at = excluded.next_run_at, held_by = excluded.held_by, held_until = excluded.held_until",
        )
        .bind(cleanup)
        .bind(wall_clock() - base)
        .bind(wall_clock() + 3600)
        .execute(&mut *conn)
        .await
        .expect("periodic job");
    }

    // What this app's database says (a sample of its own; no other app involved).
    let backlog = gauges::backlog(&t.app).await.expect("backlog");
    let of = |kind: &str| backlog.outbox.iter().find(|(k, _)| *k == kind).map(|(_, due)| *due).expect("every kind is reported");
    let near = |got: i64, want: i64| (want..want + 60).contains(&got);
    assert_eq!(backlog.outbox.len(), gauges::OUTBOX_KINDS.len() + 1, "{backlog:?}");
    assert!(of("sms").count >= 1 && near(of("sms").oldest_secs, 2 * base), "{backlog:?}");
    assert!(of("ipn").count == 2 && near(of("ipn").oldest_secs, base), "not due and done jobs are not counted: {backlog:?}");
    assert!(of("other").count == 1 && near(of("other").oldest_secs, base / 2), "{backlog:?}");
    assert_eq!(of("mpesa_confirm"), Due::default(), "{backlog:?}");
    assert!(backlog.mpesa_waiting.count == 1 && near(backlog.mpesa_waiting.oldest_secs, 120), "{backlog:?}");
    let overdue = backlog.periodic_overdue.iter().find(|(job, _)| *job == cleanup).map(|(_, secs)| *secs);
    assert!(overdue.is_some_and(|secs| near(secs, base)), "{backlog:?}");
    let pool = gauges::pool(&t.app);
    assert!(pool.max >= 1 && pool.size <= pool.max && pool.idle <= pool.size, "{pool:?}");

    // Every periodic job that wrote its row is named in the closed set of `name` labels.
    let names: Vec<String> = {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        sqlx::query_scalar("SELECT name FROM periodic_jobs").fetch_all(&mut *conn).await.expect("names")
    };
    let known = huduma::jobs::periodic_names(&t.app);
    assert!(names.iter().all(|name| known.contains(&name.as_str())), "{names:?} vs {known:?}");

    // The same on /metrics, as Prometheus reads it.
    let base_f = base as f64;
    let within = |got: Option<f64>, want: f64| got.is_some_and(|v| (want..want + 60.0).contains(&v));
    let text = rendered_after_own_sample(&t, |text| {
        value(text, r#"huduma_outbox_due{kind="ipn"}"#) == Some(2.0)
            && within(value(text, r#"huduma_outbox_oldest_due_seconds{kind="ipn"}"#), base_f)
            && within(value(text, r#"huduma_outbox_oldest_due_seconds{kind="sms"}"#), 2.0 * base_f)
            && within(value(text, r#"huduma_outbox_oldest_due_seconds{kind="other"}"#), base_f / 2.0)
            && within(value(text, &format!(r#"huduma_periodic_job_overdue_seconds{{name="{cleanup}"}}"#)), base_f)
    })
    .await;
    // Other apps' samples may stand here; they are all non-negative, and each app has a pool.
    assert!(value(&text, "huduma_mpesa_waiting").is_some_and(|v| v >= 0.0), "{text}");
    assert!(value(&text, "huduma_mpesa_waiting_oldest_seconds").is_some_and(|v| v >= 0.0), "{text}");
    assert!(value(&text, "huduma_db_pool_max").is_some_and(|v| v >= 1.0), "{text}");
    assert!(value(&text, "huduma_db_pool_connections").is_some(), "{text}");
    assert!(value(&text, "huduma_db_pool_idle").is_some(), "{text}");
    assert!(text.contains("# HELP huduma_outbox_due "), "the gauges explain themselves");
}

both_databases!(gauges_show_the_backlog_the_callback_lag_and_the_pool);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn periodic_job_runs_are_counted_and_timed() {
    let t = spawn(Backend::Sqlite).await;
    // Every job runs at once on a fresh database; the clean-up and escalation runs finish
    // in moments.
    let mut text = String::new();
    for _ in 0..100 {
        text = t.client.get(t.url("/metrics")).send().await.expect("metrics").text().await.expect("text");
        if text.contains(r#"huduma_periodic_job_runs_total{name="escalations",outcome="ok"}"#) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text.contains(r#"huduma_periodic_job_runs_total{name="escalations",outcome="ok"}"#), "{text}");
    assert!(text.contains(r#"huduma_periodic_job_run_seconds{name="escalations""#), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_metrics_listener_serves_metrics_to_allowed_clients_only() {
    let t = spawn_with(Backend::Sqlite, Options { trusted_proxies: Some("127.0.0.1".into()), ..Options::default() }).await;
    let addr = huduma::jobs::metrics_listener::serve(t.app.clone(), "127.0.0.1:0".parse().expect("addr")).await.expect("listens");
    gauges::sample(&t.app).await.expect("sample");
    let client = reqwest::Client::new();
    let response = client.get(format!("http://{addr}/metrics")).send().await.expect("metrics");
    assert_eq!(response.status().as_u16(), 200, "the local machine reads the worker's metrics");
    let text = response.text().await.expect("text");
    assert!(value(&text, "huduma_db_pool_max").is_some_and(|v| v >= 1.0), "{text}");
    assert!(text.contains("huduma_outbox_due{"), "{text}");
    // The same allow-list, judged by the client behind the trusted proxy.
    let response = client.get(format!("http://{addr}/metrics")).header("x-forwarded-for", "41.90.1.2").send().await.expect("metrics");
    assert_eq!(response.status().as_u16(), 404, "an outside client behind the proxy");
    let response = client.get(format!("http://{addr}/")).send().await.expect("root");
    assert_eq!(response.status().as_u16(), 404, "the listener serves metrics and nothing else");
}

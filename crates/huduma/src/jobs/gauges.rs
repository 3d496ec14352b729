//! Gauges each process refreshes every [`EVERY`]: how much work waits and for how long
//! (outbox jobs due, M-Pesa prompts waiting for their callback, periodic jobs overdue),
//! and how full this process's database pool is. Counters say what happened; these say
//! what is stuck, which a counter cannot show while nothing happens.
//!
//! The backlog is the cluster's (one database), so every process reports the same
//! values and dashboards take the `max` across instances; the pool is the process's own.
//! Every label comes from a closed set named in code, whatever the database holds.

use crate::app::App;
use crate::store::gauges as store;
use huduma_domain::payments::AttemptState;
use std::sync::Arc;
use std::time::Duration;

/// How often the gauges are refreshed (a Prometheus scrape interval is typically 15–60 s).
pub const EVERY: Duration = Duration::from_secs(15);
/// The longest the database readings may take; the pool gauges are recorded first, so a
/// pool that is exhausted still shows as such.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The `kind` label of outbox jobs whose kind is none of [`OUTBOX_KINDS`].
pub const OTHER_KIND: &str = "other";
/// The outbox job kinds, the `kind` labels (plus [`OTHER_KIND`]).
pub const OUTBOX_KINDS: [&str; 4] = ["sms", "email", crate::services::checkout::ipn::JOB, crate::services::payments::stk_confirm::JOB];

/// Work that waits: how much, and for how long the oldest has waited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Due {
    /// How many wait.
    pub count: i64,
    /// Seconds the oldest has waited (0 when none).
    pub oldest_secs: i64,
}

/// This process's database pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool {
    /// Connections open, idle or in use.
    pub size: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// What the database says is waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    /// Due outbox jobs for each of [`OUTBOX_KINDS`] and [`OTHER_KIND`], in that order.
    pub outbox: Vec<(&'static str, Due)>,
    /// M-Pesa prompts the provider accepted whose outcome has not arrived.
    pub mpesa_waiting: Due,
    /// Seconds each periodic job is past its due time, for the jobs this build runs
    /// ([`super::periodic_names`]) that a worker has looked at (they have a row); 0 until a
    /// job's first run has finished.
    pub periodic_overdue: Vec<(&'static str, i64)>,
}

/// Refreshes the gauges every [`EVERY`] until the process ends.
pub async fn run(app: Arc<App>) {
    describe();
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticks.tick().await;
        match sample(&app).await {
            Ok(()) => failing = false,
            // One line when the readings start failing, not one every 15 s of an outage
            // (the outage has its own log lines and answers).
            Err(err) if !failing => {
                failing = true;
                tracing::warn!(error = %format!("{err:#}"), "reading the backlog gauges failed; they keep their last values");
            }
            Err(_) => {}
        }
    }
}

/// Records the pool gauges, then reads and records the backlog: one refresh.
pub async fn sample(app: &App) -> anyhow::Result<()> {
    record_pool(pool(app));
    let backlog = tokio::time::timeout(READ_TIMEOUT, backlog(app)).await??;
    record_backlog(&backlog);
    Ok(())
}

/// This process's pool, as it is now.
pub fn pool(app: &App) -> Pool {
    let pool = app.db.pool();
    Pool { size: pool.size(), idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX), max: pool.options().get_max_connections() }
}

/// Reads the backlog: outbox and payments by the app's clock (which stamps those rows),
/// periodic jobs by the wall clock (which schedules them).
pub async fn backlog(app: &App) -> Result<Backlog, sqlx::Error> {
    let now = app.clock.now();
    let mut conn = app.db.pool().acquire().await?;
    let outbox = outbox_by_kind(&store::outbox_due(&mut conn, now).await?, now);
    let waiting = store::attempts_in_state(&mut conn, crate::services::payments::mpesa::METHOD, AttemptState::Requested.as_str()).await?;
    let mpesa_waiting =
        Due { count: waiting.waiting, oldest_secs: waiting.oldest_created_at.map_or(0, |created| now.saturating_sub(created).max(0)) };
    let next_runs = store::periodic_next_runs(&mut conn).await?;
    let wall = super::periodic::wall_clock();
    let periodic_overdue = super::periodic_names(app)
        .into_iter()
        .filter_map(|name| {
            let next = next_runs.iter().find(|row| row.name == name)?;
            // 0 means "due at once, first run not finished": not a schedule to be late on.
            let overdue = if next.next_run_at > 0 { wall.saturating_sub(next.next_run_at).max(0) } else { 0 };
            Some((name, overdue))
        })
        .collect();
    Ok(Backlog { outbox, mpesa_waiting, periodic_overdue })
}

/// Folds the due jobs by stored kind into the closed set of labels; every label is
/// present, so a queue that empties shows 0 rather than its last value.
fn outbox_by_kind(rows: &[store::OutboxDue], now: i64) -> Vec<(&'static str, Due)> {
    let mut by_kind: Vec<(&'static str, Due)> = OUTBOX_KINDS.into_iter().chain([OTHER_KIND]).map(|k| (k, Due::default())).collect();
    for row in rows {
        let label = OUTBOX_KINDS.into_iter().find(|kind| *kind == row.kind).unwrap_or(OTHER_KIND);
        if let Some((_, due)) = by_kind.iter_mut().find(|(kind, _)| *kind == label) {
            due.count += row.due;
            due.oldest_secs = due.oldest_secs.max(now.saturating_sub(row.oldest_run_at));
        }
    }
    by_kind
}

/// Sets the pool gauges.
pub fn record_pool(pool: Pool) {
    metrics::gauge!("huduma_db_pool_connections").set(f64::from(pool.size));
    metrics::gauge!("huduma_db_pool_idle").set(f64::from(pool.idle));
    metrics::gauge!("huduma_db_pool_max").set(f64::from(pool.max));
}

/// Sets the backlog gauges.
pub fn record_backlog(backlog: &Backlog) {
    for (kind, due) in &backlog.outbox {
        metrics::gauge!("huduma_outbox_due", "kind" => *kind).set(due.count as f64);
        metrics::gauge!("huduma_outbox_oldest_due_seconds", "kind" => *kind).set(due.oldest_secs as f64);
    }
    metrics::gauge!("huduma_mpesa_waiting").set(backlog.mpesa_waiting.count as f64);
    metrics::gauge!("huduma_mpesa_waiting_oldest_seconds").set(backlog.mpesa_waiting.oldest_secs as f64);
    for (job, overdue) in &backlog.periodic_overdue {
        metrics::gauge!("huduma_periodic_job_overdue_seconds", "name" => *job).set(*overdue as f64);
    }
}

/// The `# HELP` lines, so `/metrics` explains itself to whoever reads it.
fn describe() {
    metrics::describe_gauge!("huduma_outbox_due", "Outbox jobs due and not yet done, by kind (cluster-wide).");
    metrics::describe_gauge!("huduma_outbox_oldest_due_seconds", "Seconds since the oldest due outbox job became due, by kind.");
    metrics::describe_gauge!("huduma_mpesa_waiting", "M-Pesa prompts accepted by Daraja whose outcome has not arrived.");
    metrics::describe_gauge!("huduma_mpesa_waiting_oldest_seconds", "Age in seconds of the oldest M-Pesa prompt still waiting.");
    metrics::describe_gauge!("huduma_db_pool_connections", "Database connections this process has open.");
    metrics::describe_gauge!("huduma_db_pool_idle", "Database connections this process has open and idle.");
    metrics::describe_gauge!("huduma_db_pool_max", "The most database connections this process opens.");
    metrics::describe_gauge!("huduma_periodic_job_overdue_seconds", "Seconds a periodic job is past its due time.");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, due: i64, oldest_run_at: i64) -> store::OutboxDue {
        store::OutboxDue { kind: kind.into(), due, oldest_run_at }
    }

    #[test]
    fn unknown_kinds_fold_into_other_and_every_label_is_present() {
        let rows = [row("sms", 3, 900), row("whatever", 2, 990), row("made-up", 1, 500)];
        let by_kind = outbox_by_kind(&rows, 1000);
        assert_eq!(by_kind.len(), OUTBOX_KINDS.len() + 1);
        assert_eq!(by_kind[0], ("sms", Due { count: 3, oldest_secs: 100 }));
        assert_eq!(by_kind[1], ("email", Due::default()), "an empty queue reads 0, not its last value");
        assert_eq!(by_kind[OUTBOX_KINDS.len()], (OTHER_KIND, Due { count: 3, oldest_secs: 500 }));
    }

    /// The gauges this module records.
    const GAUGES: [&str; 8] = [
        "huduma_outbox_due",
        "huduma_outbox_oldest_due_seconds",
        "huduma_mpesa_waiting",
        "huduma_mpesa_waiting_oldest_seconds",
        "huduma_db_pool_connections",
        "huduma_db_pool_idle",
        "huduma_db_pool_max",
        "huduma_periodic_job_overdue_seconds",
    ];

    #[test]
    fn the_dashboard_and_the_deployment_guide_show_every_gauge() {
        let dashboard: serde_json::Value =
            serde_json::from_str(include_str!("../../../../docs/grafana-dashboard.json")).expect("the dashboard is JSON");
        let panels = dashboard["panels"].as_array().expect("panels");
        let queries: Vec<&str> =
            panels.iter().flat_map(|p| p["targets"].as_array().into_iter().flatten()).filter_map(|t| t["expr"].as_str()).collect();
        let guide = include_str!("../../../../docs/deployment.md");
        for gauge in GAUGES {
            assert!(queries.iter().any(|q| q.contains(gauge)), "no dashboard panel shows {gauge}");
            assert!(guide.contains(&format!("`{gauge}`")), "docs/deployment.md does not describe {gauge}");
        }
    }

    #[test]
    fn a_job_due_in_the_future_is_not_negative_age() {
        // The app's clock may sit behind a row another process stamped.
        assert_eq!(outbox_by_kind(&[row("email", 1, 1010)], 1000)[1].1, Due { count: 1, oldest_secs: 0 });
    }
}

//! Periodic jobs that run once across the cluster, however many workers run them.
//!
//! Every worker runs the same loop for each job; the database decides which of them
//! works ([`crate::store::periodic_jobs`]). The one that takes a job renews its lease
//! while it works and gives the job back with the time it is next due. A worker killed
//! mid-job stops renewing: once its lease has passed, another takes the job.

use crate::app::App;
use crate::store::periodic_jobs as store;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// A job and how often it runs.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    /// Its name in `periodic_jobs`.
    pub name: &'static str,
    /// Time from one run's end to the next run.
    pub every: Duration,
}

/// How long a lease lasts without renewal: how long a killed worker's job waits before
/// another takes it.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often a working holder renews its lease (well inside [`LEASE`]).
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// The longest a worker waits between looking for due work.
const MAX_POLL: Duration = Duration::from_secs(5);

/// What one look at a job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Another worker holds it, or it is not due.
    NotMine,
    /// This worker ran it to the end (whether the work succeeded is logged).
    Ran,
    /// This worker lost its lease mid-run (e.g. the database was unreachable for longer
    /// than the lease) and stopped the work, which another worker may take.
    Lost,
}

/// Runs `job` on this worker whenever it is due and nobody else holds it, until the
/// process ends. `holder` names this worker (unique per running loop).
pub async fn run<F, Fut>(app: Arc<App>, job: Job, work: F)
where
    F: Fn(Arc<App>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let holder = format!("{}:{}", std::process::id(), crate::crypto::new_token());
    let poll = job.every.min(MAX_POLL);
    loop {
        match turn(&app, job, &holder, || work(app.clone())).await {
            Ok(_) => {}
            Err(err) => tracing::error!(job = job.name, error = %format!("{err:#}"), "periodic job scheduling failed"),
        }
        tokio::time::sleep(poll).await;
    }
}

/// Takes `job` for `holder` if it is due and free, and runs `work` while renewing the
/// lease.
pub async fn turn<Fut>(app: &App, job: Job, holder: &str, work: impl FnOnce() -> Fut) -> anyhow::Result<Turn>
where
    Fut: Future<Output = anyhow::Result<()>>,
{
    let lease = secs(LEASE);
    let taken = {
        let mut conn = app.db.pool().acquire().await?;
        let now = wall_clock();
        store::take(&mut conn, job.name, holder, now, now + lease).await?
    };
    if !taken {
        return Ok(Turn::NotMine);
    }
    let started = std::time::Instant::now();
    let work = work();
    tokio::pin!(work);
    let mut renewals = tokio::time::interval_at(tokio::time::Instant::now() + RENEW_EVERY, RENEW_EVERY);
    let outcome = loop {
        tokio::select! {
            result = &mut work => break Some(result),
            _ = renewals.tick() => {
                let renewed = match app.db.pool().acquire().await {
                    Ok(mut conn) => store::renew(&mut conn, job.name, holder, wall_clock() + lease).await.unwrap_or(false),
                    Err(_) => false,
                };
                if !renewed {
                    // Keep at most one worker on the job: stop here rather than run on
                    // beside whoever takes it next. The work is transactional, so stopping
                    // it is like a crash.
                    tracing::warn!(job = job.name, "lease on a periodic job lost; work stopped");
                    break None;
                }
            }
        }
    };
    let label = outcome.as_ref().map_or("lost", |result| if result.is_ok() { "ok" } else { "failed" });
    metrics::counter!("huduma_periodic_job_runs_total", "name" => job.name, "outcome" => label).increment(1);
    metrics::histogram!("huduma_periodic_job_run_seconds", "name" => job.name).record(started.elapsed().as_secs_f64());
    let Some(result) = outcome else { return Ok(Turn::Lost) };
    if let Err(err) = result {
        tracing::error!(job = job.name, error = %format!("{err:#}"), "periodic job failed");
    }
    let mut conn = app.db.pool().acquire().await?;
    store::finish(&mut conn, job.name, holder, wall_clock() + secs(job.every)).await?;
    Ok(Turn::Ran)
}

/// Unix seconds from the system clock. Leases and cadence are real time shared by every
/// process, not the app's clock, which tests move forward to expire codes and sessions
/// (moving it must not make every periodic job due at once in the middle of a test).
pub(crate) fn wall_clock() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 4))
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX / 4).max(1)
}

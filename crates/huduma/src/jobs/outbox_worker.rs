//! Executes outbox jobs (SMS, email, payment notifications to agency systems, M-Pesa
//! callbacks waiting for Daraja's confirmation) with retries and backoff. Any number of workers may
//! run side by side: PostgreSQL hands each a different row (`SKIP LOCKED`), SQLite
//! serialises the claim.

use crate::app::App;
use crate::integrations::africastalking::SmsError;
use crate::notices::{EmailJob, SmsJob};
use crate::store::outbox::{self, Job};
use std::sync::Arc;
use std::time::Duration;

/// Delay before each retry; after the last, the job is marked failed.
pub const BACKOFF_SECS: [i64; 5] = [60, 300, 3600, 86_400, 172_800];
/// How long a claimed job is reserved for its worker.
const LEASE_SECS: i64 = 120;
/// Poll interval when nobody wakes the worker.
const POLL: Duration = Duration::from_secs(2);

/// What happened to a job.
enum Outcome {
    Done,
    Retry(String),
    GiveUp(String),
}

/// Runs until the process ends.
pub async fn run(app: Arc<App>) {
    loop {
        match run_due(&app).await {
            Ok(0) => {
                let _ = tokio::time::timeout(POLL, app.outbox_wakeup.notified()).await;
            }
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "outbox worker failed");
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

/// Runs every job that is due now; returns how many ran.
pub async fn run_due(app: &App) -> anyhow::Result<usize> {
    let mut ran = 0;
    loop {
        let now = app.clock.now();
        // A read first: most wake-ups (one per settled payment) find nothing due, and a
        // claim would take SQLite's only write lock for nothing.
        if !outbox::any_due(&mut *app.db.pool().acquire().await?, now).await? {
            return Ok(ran);
        }
        let job = {
            let mut tx = app.db.begin().await?;
            let job = outbox::claim(&mut tx, app.db.backend(), now, LEASE_SECS).await?;
            tx.commit().await?;
            job
        };
        let Some(job) = job else { return Ok(ran) };
        ran += 1;
        let outcome = execute(app, &job).await;
        // Through the write gate like every writer, so SQLite's busy handler never sleeps.
        let mut conn = app.db.begin().await?;
        let now = app.clock.now();
        match outcome {
            Outcome::Done => outbox::complete(&mut conn, &job.id, now).await?,
            Outcome::Retry(error) => {
                let delay = usize::try_from(job.attempts - 1).ok().and_then(|i| BACKOFF_SECS.get(i));
                tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts, %error, "outbox job failed");
                outbox::fail(&mut conn, &job.id, &error, delay.map(|d| now + d), now).await?;
            }
            Outcome::GiveUp(error) => {
                tracing::error!(job = %job.id, kind = %job.kind, %error, "outbox job failed for good");
                outbox::fail(&mut conn, &job.id, &error, None, now).await?;
            }
        }
        conn.commit().await?;
        metrics::counter!("huduma_outbox_jobs_total", "kind" => job.kind.clone()).increment(1);
    }
}

async fn execute(app: &App, job: &Job) -> Outcome {
    match job.kind.as_str() {
        "sms" => {
            let Ok(sms) = serde_json::from_str::<SmsJob>(&job.payload) else { return Outcome::GiveUp("unreadable payload".into()) };
            let Some(client) = &app.sms else { return Outcome::Retry("SMS is not configured".into()) };
            match client.send(&sms.to, &sms.message).await {
                Ok(_) => Outcome::Done,
                Err(SmsError::Permanent(e)) => Outcome::GiveUp(e),
                Err(SmsError::Transient(e)) => Outcome::Retry(e),
            }
        }
        "email" => {
            let Ok(email) = serde_json::from_str::<EmailJob>(&job.payload) else { return Outcome::GiveUp("unreadable payload".into()) };
            let Some(mailer) = &app.mailer else { return Outcome::Retry("SMTP is not configured".into()) };
            match mailer.send(&email.to, &email.subject, &email.body).await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Retry(format!("{e:#}")),
            }
        }
        crate::services::checkout::ipn::JOB => {
            let Ok(ipn) = serde_json::from_str::<crate::services::checkout::ipn::IpnJob>(&job.payload) else {
                return Outcome::GiveUp("unreadable payload".into());
            };
            match crate::services::checkout::ipn::deliver(app, &ipn).await {
                Ok(()) => Outcome::Done,
                Err(crate::services::checkout::ipn::DeliveryError::Refused(e)) => Outcome::GiveUp(e),
                Err(crate::services::checkout::ipn::DeliveryError::Failed(e)) => Outcome::Retry(e),
            }
        }
        crate::services::payments::stk_confirm::JOB => {
            use crate::services::payments::stk_confirm::{self, ConfirmJob, Confirmation};
            let Ok(confirm) = serde_json::from_str::<ConfirmJob>(&job.payload) else { return Outcome::GiveUp("unreadable payload".into()) };
            match stk_confirm::run(app, &confirm).await {
                Confirmation::Done => Outcome::Done,
                Confirmation::Retry(e) => Outcome::Retry(e),
                Confirmation::GiveUp(e) => Outcome::GiveUp(e),
            }
        }
        other => Outcome::GiveUp(format!("unknown job kind {other}")),
    }
}

//! Hourly clean-up of expired sessions, flows, rate-limit windows and drafts.

use super::periodic::Job;
use crate::app::App;
use crate::store::{flows, rate_limits, sessions};
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;

/// Removes what has expired and lapses unpaid invoices; returns the number of rows touched.
pub async fn purge_expired(app: &App) -> anyhow::Result<u64> {
    let now = app.clock.now();
    let mut conn = app.db.pool().acquire().await?;
    let mut removed = sessions::purge_expired(&mut conn, now, app.config.session_idle_secs).await?;
    removed += crate::store::staff::purge_sessions(&mut conn, now, app.config.staff_session_idle_secs).await?;
    removed += flows::purge_expired(&mut conn, now).await?;
    removed += rate_limits::purge(&mut conn, now - 86_400).await?;
    // Unpaid invoices lapse (money that still arrives is recorded, never refused silently).
    removed += crate::store::payments::expire_invoices(&mut conn, now).await?;
    // Resolved tickets not reopened within the window are closed for good.
    removed += crate::store::tickets::close_resolved_before(&mut conn, now - app.config.ticket_reopen_secs, now).await?;
    Ok(removed)
}

/// Chains queued audit entries every second. Every worker runs this loop: sealers take
/// turns on the chain's head row, so two never chain the same entries.
pub async fn run_audit_sealer(app: Arc<App>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        interval.tick().await;
        if let Err(err) = crate::services::audit::seal_pending(&app.db).await {
            tracing::error!(error = ?err, "audit sealing failed");
        }
    }
}

/// Expired sessions, flows, rate-limit windows, invoices and tickets; draft reminders and
/// expiry.
pub const HOURLY: Job = Job { name: "cleanup", every: Duration::from_secs(3600) };
/// Escalation of overdue applications.
pub const ESCALATIONS: Job = Job { name: "escalations", every: Duration::from_secs(600) };

/// One run of [`HOURLY`]: [`purge_expired`], then the drafts' reminders and expiry.
pub async fn hourly(app: Arc<App>) -> anyhow::Result<()> {
    let purged = purge_expired(&app).await.context("clean-up");
    let drafts = super::drafts::run_once(&app).await.context("draft clean-up");
    purged?;
    drafts.map(|_| ())
}

/// One run of [`ESCALATIONS`].
pub async fn escalate(app: Arc<App>) -> anyhow::Result<()> {
    crate::services::back_office::escalation::run_once(&app).await.map(|_| ()).map_err(|e| anyhow::anyhow!("escalation sweep: {e:?}"))
}

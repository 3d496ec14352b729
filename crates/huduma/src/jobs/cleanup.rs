//! Hourly clean-up of expired sessions, flows, rate-limit windows and drafts.

use crate::app::App;
use crate::store::{flows, rate_limits, sessions};
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

/// Chains queued audit entries every second.
pub async fn run_audit_sealer(app: Arc<App>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        interval.tick().await;
        if let Err(err) = crate::services::audit::seal_pending(&app.db).await {
            tracing::error!(error = ?err, "audit sealing failed");
        }
    }
}

/// Escalates overdue applications every ten minutes.
pub async fn run_escalations(app: Arc<App>) {
    let mut interval = tokio::time::interval(Duration::from_secs(600));
    loop {
        interval.tick().await;
        if let Err(err) = crate::services::back_office::escalation::run_once(&app).await {
            tracing::error!(error = ?err, "escalation sweep failed");
        }
    }
}

/// Runs [`purge_expired`] every hour.
pub async fn run(app: Arc<App>) {
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        interval.tick().await;
        if let Err(err) = purge_expired(&app).await {
            tracing::error!(error = %format!("{err:#}"), "clean-up failed");
        }
        if let Err(err) = super::drafts::run_once(&app).await {
            tracing::error!(error = %format!("{err:#}"), "draft clean-up failed");
        }
    }
}

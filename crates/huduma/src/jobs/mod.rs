//! Background work: the outbox worker and the periodic jobs (clean-up, escalation,
//! the payment reconciler, the status page's checks, the audit sealer). `huduma serve` runs them in process;
//! `huduma worker` runs only them. Any number of workers may run: the outbox hands each
//! job to one worker, and each periodic job runs on one worker at a time
//! ([`periodic`]).

pub mod cleanup;
pub mod drafts;
pub mod gauges;
pub mod metrics_listener;
pub mod outbox_worker;
pub mod periodic;

use crate::app::App;
use std::sync::Arc;

/// Starts every periodic job and the audit sealer on this process; the outbox worker is
/// started by the caller (a worker process runs it in the foreground).
pub fn spawn_periodic(app: &Arc<App>) {
    tokio::spawn(periodic::run(app.clone(), cleanup::HOURLY, cleanup::hourly));
    tokio::spawn(periodic::run(app.clone(), cleanup::ESCALATIONS, cleanup::escalate));
    let reconcile = crate::services::payments::reconcile::job(app);
    tokio::spawn(periodic::run(app.clone(), reconcile, crate::services::payments::reconcile::sweep_due));
    tokio::spawn(periodic::run(app.clone(), crate::services::status::JOB, crate::services::status::run_job));
    tokio::spawn(cleanup::run_audit_sealer(app.clone()));
}

/// The names of the jobs [`spawn_periodic`] starts: the closed set of `name` labels on
/// their metrics. A job added there belongs here too (a test checks every row the jobs
/// write is named here).
pub fn periodic_names(app: &App) -> [&'static str; 4] {
    [
        cleanup::HOURLY.name,
        cleanup::ESCALATIONS.name,
        crate::services::payments::reconcile::job(app).name,
        crate::services::status::JOB.name,
    ]
}

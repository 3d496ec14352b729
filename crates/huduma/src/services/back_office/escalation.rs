//! Escalation: an application whose SLA deadline has passed is marked escalated and its
//! agency's supervisors are told by email, once per state (a state change clears the mark).

use super::super::applications::display_reference;
use super::super::{ServiceResult, audit};
use crate::app::App;
use crate::notices::{self, Notice, Recipient};
use crate::store::{queue, staff};
use huduma_domain::workflow::StaffRole;

/// Applications handled per sweep, so one sweep's transactions stay short.
const BATCH: i64 = 200;

/// Escalates every overdue application not yet escalated; returns how many.
pub async fn run_once(app: &App) -> ServiceResult<usize> {
    let now = app.clock.now();
    let overdue = {
        let mut conn = app.db.pool().acquire().await?;
        queue::overdue_unescalated(&mut conn, now, BATCH).await?
    };
    let mut escalated = 0;
    for (id, agency, reference, status) in overdue {
        let mut tx = app.db.begin().await?;
        if !queue::mark_escalated(&mut tx, &id, now).await? {
            continue;
        }
        let supervisors = staff::with_roles(&mut tx, &agency, &[StaffRole::Supervisor, StaffRole::AgencyAdmin]).await?;
        let shown = display_reference(&reference);
        let link = notices::link(app, &format!("/staff/applications/{reference}"));
        let notice = Notice::Escalated { reference: &shown, status: status.as_str(), link: &link };
        for member in &supervisors {
            notices::send(&mut tx, &Recipient { phone: None, email: Some(&member.email), language: member.language }, &notice, now).await?;
        }
        let entry = audit::Entry {
            actor: audit::Actor::System,
            agency: Some(&agency),
            action: "application.escalate",
            subject: format!("application:{reference}"),
            details: serde_json::json!({ "status": status.as_str(), "told": supervisors.len() }),
            ip: "-",
        };
        audit::record(&mut tx, entry, now).await?;
        tx.commit().await?;
        escalated += 1;
    }
    if escalated > 0 {
        app.outbox_wakeup.notify_one();
    }
    Ok(escalated)
}

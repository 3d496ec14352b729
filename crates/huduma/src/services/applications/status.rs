//! Status changes: each one is a line on the timeline and a message to the citizen, by
//! SMS and email in the citizen's language, queued in the same transaction.

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::notices::{self, Notice, Recipient};
use crate::store::accounts::AccountRow;
use crate::store::applications::{self as store, ApplicationRow};
use crate::store::{Conn, accounts};
use huduma_domain::application::Status;
use huduma_domain::catalogue::Service;

/// Queues the "your application is now …" messages, with the transition's note and
/// details (an appointment) when it has them.
pub async fn notify(
    conn: &mut Conn,
    app: &App,
    account: &AccountRow,
    row: &ApplicationRow,
    service: &Service,
    t: &Transition<'_>,
    now: i64,
) -> ServiceResult<()> {
    let (note, details) = (t.note, t.details);
    let reference = row.reference.as_deref().map(super::display_reference).unwrap_or_default();
    let (track, page) = (notices::link(app, "/track"), notices::link(app, &format!("/applications/{}", row.id)));
    let notice =
        Notice::ApplicationStatus { reference: &reference, service, status: &row.status, track: &track, page: &page, note, details };
    notices::send(conn, &Recipient::account(account), &notice, now).await?;
    Ok(())
}

/// A change of state as the timeline records it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Transition<'a> {
    /// The state it must be in (compare-and-set).
    pub from: &'a str,
    /// The state it moves to.
    pub to: &'a str,
    /// What the citizen reads: a reason, a question, a remark.
    pub note: Option<&'a str>,
    /// The workflow action taken.
    pub action: Option<&'a str>,
    /// The staff member who took it.
    pub staff_id: Option<&'a huduma_domain::StaffId>,
    /// JSON particulars for the timeline (an appointment).
    pub details: Option<&'a str>,
}

/// Moves a submitted application from `from` to `to` with an optional note the citizen
/// sees, records it on the timeline and tells the citizen.
pub async fn change(
    app: &App,
    application_id: &huduma_domain::ApplicationId,
    from: &str,
    to: &str,
    note: Option<&str>,
) -> ServiceResult<()> {
    let row = {
        let mut conn = app.db.pool().acquire().await?;
        store::find(&mut conn, application_id).await?.ok_or(ServiceError::NotFound)?
    };
    let service = super::definitions::service(app, &row.service_code, row.service_version, &row.agency).await?;
    let mut tx = app.db.begin().await?;
    change_in(&mut tx, app, &row, &service, Transition { from, to, note, ..Transition::default() }).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

/// [`change`] inside the caller's transaction: the state (compare-and-set), the SLA
/// clock, the timeline line and the messages to the citizen stand or fall together. The
/// back office, the applicant's resubmission and the payment flow all come through here.
pub async fn change_in(conn: &mut Conn, app: &App, row: &ApplicationRow, service: &Service, t: Transition<'_>) -> ServiceResult<()> {
    let now = app.clock.now();
    let (from, to) = (Status::parse(t.from), Status::parse(t.to));
    if row.reference.is_none() || !store::set_status(conn, &row.id, &from, &to, now).await? {
        return Err(ServiceError::field("status", "application.status_changed"));
    }
    crate::services::back_office::sla::enter(conn, app, &row.id, &row.agency, &service.workflow, t.from, t.to).await?;
    let mut row = row.clone();
    row.status = to;
    let event = store::NewEvent { status: &row.status, note: t.note, action: t.action, staff_id: t.staff_id, details: t.details };
    store::add_event(conn, &row.id, event, now).await?;
    let account = accounts::by_id(conn, &row.account_id).await?.ok_or(ServiceError::NotFound)?;
    notify(conn, app, &account, &row, service, &t, now).await
}

//! Status changes: each one is a line on the timeline and a message to the citizen, by
//! SMS and email in the citizen's language, queued in the same transaction.

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::i18n::Tr;
use crate::services::messages;
use crate::store::accounts::AccountRow;
use crate::store::applications::{self as store, ApplicationRow};
use crate::store::{Conn, accounts};
use huduma_domain::application::Status;
use huduma_domain::catalogue::Service;

/// The status as the citizen reads it.
pub fn label(service: &Service, status: &Status, tr: Tr<'_>) -> String {
    match status {
        Status::Draft => tr.t("application.status.draft").to_owned(),
        Status::AwaitingPayment => tr.t("application.status.awaiting_payment").to_owned(),
        Status::Workflow(code) => service
            .workflow
            .states
            .iter()
            .find(|s| s.code.get_ref() == code)
            .map(|s| s.label.get_ref().get(tr.language).to_owned())
            .unwrap_or_else(|| code.clone()),
    }
}

/// Queues the "your application is now …" messages.
pub async fn notify(
    conn: &mut Conn,
    app: &App,
    account: &AccountRow,
    row: &ApplicationRow,
    service: &Service,
    note: Option<&str>,
    now: i64,
) -> ServiceResult<()> {
    notify_with(conn, app, account, row, service, Extras { note, appointment: None }, now).await
}

/// What a status message carries besides the status.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// What the officer wrote to the citizen: a reason, a question, a remark.
    pub note: Option<&'a str>,
    /// The appointment, in words ([`appointment_text`]).
    pub appointment: Option<&'a str>,
}

/// [`notify`] with an appointment as well as a note.
pub async fn notify_with(
    conn: &mut Conn,
    app: &App,
    account: &AccountRow,
    row: &ApplicationRow,
    service: &Service,
    extras: Extras<'_>,
    now: i64,
) -> ServiceResult<()> {
    let language = account.language;
    let tr = app.i18n.tr(language);
    let reference = row.reference.as_deref().map(super::display_reference).unwrap_or_default();
    let service_name = service.name.get_ref().get(language);
    let status = label(service, &row.status, tr);
    let (track, page) = (messages::link(app, "/track"), messages::link(app, &format!("/applications/{}", row.id)));
    let args = [
        ("reference", reference.as_str()),
        ("service", service_name),
        ("status", status.as_str()),
        ("link", track.as_str()),
        ("page", page.as_str()),
    ];
    let sms = status_sms(tr, &args, extras);
    let mut body = tr.f("message.application_status_body", &args);
    let details = [extras.note, extras.appointment].into_iter().flatten().collect::<Vec<_>>().join("\n");
    if !details.is_empty() {
        body = format!("{body}\n\n{details}");
    }
    messages::queue_sms(conn, &account.phone, &sms, now).await?;
    messages::queue_email(conn, &account.email, &tr.f("message.application_status_subject", &args), &body, now).await?;
    Ok(())
}

/// The status SMS: the status in one segment; with an appointment or an officer's note, at
/// most [`messages::LONG_SMS_SEGMENTS`], the note shortened if need be (the email and the
/// application's page carry it whole). The appointment comes before the note so that it is
/// never the part cut.
pub fn status_sms(tr: Tr<'_>, args: &[(&str, &str)], extras: Extras<'_>) -> String {
    let mut sms = tr.f("message.application_status_sms", args);
    if let Some(appointment) = extras.appointment {
        sms = format!("{sms}\n{appointment}");
    }
    match extras.note {
        Some(note) => messages::sms_segments::fit(&format!("{sms}\n{{free}}"), note, messages::LONG_SMS_SEGMENTS),
        None => messages::sms_segments::plain(&sms),
    }
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
    let language = account.language;
    let appointment = t.details.and_then(|d| appointment_text(d, app.i18n.tr(language)));
    let extras = Extras { note: t.note, appointment: appointment.as_deref() };
    notify_with(conn, app, &account, &row, service, extras, now).await
}

/// "Appointment: 2026-12-03 at 09:30, Huduma Centre GPO" from a timeline's details.
pub fn appointment_text(details: &str, tr: Tr<'_>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(details).ok()?;
    let a = value.get("appointment")?;
    let field = |k: &str| a.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    Some(tr.f("message.appointment", &[("date", &field("date")), ("time", &field("time")), ("office", &field("office"))]))
}

//! Status changes: each one is a line on the timeline and a message to the citizen, by
//! SMS and email in the citizen's language, queued in the same transaction.

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::i18n::Tr;
use crate::services::messages;
use crate::store::accounts::AccountRow;
use crate::store::applications::{self as store, ApplicationRow};
use crate::store::{Conn, accounts};
use huduma_domain::Language;
use huduma_domain::application::Status;
use huduma_domain::catalogue::Service;

/// The status as the citizen reads it.
pub fn label(service: &Service, status: &str, tr: Tr<'_>) -> String {
    match Status::parse(status) {
        Status::Draft => tr.t("application.status.draft").to_owned(),
        Status::AwaitingPayment => tr.t("application.status.awaiting_payment").to_owned(),
        Status::Workflow(code) => service
            .workflow
            .states
            .iter()
            .find(|s| s.code.get_ref() == &code)
            .map(|s| s.label.get_ref().get(tr.language).to_owned())
            .unwrap_or(code),
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
    let language = Language::parse(&account.language).unwrap_or_default();
    let tr = app.i18n.tr(language);
    let reference = row.reference.as_deref().map(super::display_reference).unwrap_or_default();
    let service_name = service.name.get_ref().get(language);
    let status = label(service, &row.status, tr);
    let args = [("reference", reference.as_str()), ("service", service_name), ("status", status.as_str())];
    let mut sms = tr.f("message.application_status_sms", &args);
    let mut body = tr.f("message.application_status_body", &args);
    if let Some(note) = note {
        sms = format!("{sms} {note}");
        body = format!("{body}\n\n{note}");
    }
    messages::queue_sms(conn, &account.phone, &sms, now).await?;
    messages::queue_email(conn, &account.email, &tr.f("message.application_status_subject", &args), &body, now).await?;
    Ok(())
}

/// Moves a submitted application from `from` to `to` with an optional note the citizen
/// sees, records it on the timeline and tells the citizen. The back office and the
/// payment flow both come through here.
pub async fn change(app: &App, application_id: &str, from: &str, to: &str, note: Option<&str>) -> ServiceResult<()> {
    let row = {
        let mut conn = app.db.pool().acquire().await?;
        store::find(&mut conn, application_id).await?.ok_or(ServiceError::NotFound)?
    };
    let service = super::definitions::service(app, &row.service_code, row.service_version, &row.agency).await?;
    let mut tx = app.db.begin().await?;
    change_in(&mut tx, app, &row, &service, from, to, note).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

/// [`change`] inside the caller's transaction (for a payment that settles an invoice).
pub async fn change_in(
    conn: &mut Conn,
    app: &App,
    row: &ApplicationRow,
    service: &Service,
    from: &str,
    to: &str,
    note: Option<&str>,
) -> ServiceResult<()> {
    let now = app.clock.now();
    if row.reference.is_none() || !store::set_status(conn, &row.id, from, to, now).await? {
        return Err(ServiceError::field("status", "application.status_changed"));
    }
    let mut row = row.clone();
    row.status = to.to_owned();
    store::add_event(conn, &row.id, to, note, now).await?;
    let account = accounts::by_id(conn, &row.account_id).await?.ok_or(ServiceError::NotFound)?;
    notify(conn, app, &account, &row, service, note, now).await
}

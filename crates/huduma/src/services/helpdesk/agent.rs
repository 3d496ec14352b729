//! The staff side: helpdesk agents see every ticket; agency staff see only the tickets
//! routed to their agency. Agents reply (from a saved response or not), resolve, take a
//! ticket, and route it to the responsible agency; looking at the citizen's applications
//! and payments from a ticket is read-only and audited.

use super::super::back_office::StaffMember;
use super::super::{ServiceError, ServiceResult, audit};
use super::{due, message, tell};
use crate::app::App;
use crate::store::applications::{self as applications_store, ApplicationRow};
use crate::store::payments::{self as payments_store, InvoiceRow};
use crate::store::tickets::{self as store, MessageRow, TicketRow};
use huduma_domain::ticket::{Event, Status};
use huduma_domain::workflow::StaffRole;

/// Which tickets the member may see: every one (`None`) for the helpdesk and platform
/// admins, their agency's for agency staff.
fn scope(me: &StaffMember) -> ServiceResult<Option<&str>> {
    match me.role {
        StaffRole::Helpdesk | StaffRole::PlatformAdmin => Ok(None),
        _ => me.agency().map(Some).ok_or(ServiceError::NotFound),
    }
}

/// The member's queue: unfinished tickets (or those in `status`), most urgent first.
pub async fn queue(app: &App, me: &StaffMember, status: &str) -> ServiceResult<Vec<TicketRow>> {
    let agency = scope(me)?;
    let status = Status::parse(status);
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::queue(&mut conn, agency, status, 200).await?)
}

/// A ticket the member may see.
pub async fn find(app: &App, me: &StaffMember, number: &str) -> ServiceResult<TicketRow> {
    let agency = scope(me)?;
    let mut conn = app.db.pool().acquire().await?;
    let ticket = store::by_number(&mut conn, &number.trim().to_ascii_uppercase()).await?.ok_or(ServiceError::NotFound)?;
    if agency.is_some() && ticket.agency.as_deref() != agency {
        return Err(ServiceError::NotFound);
    }
    Ok(ticket)
}

/// What the agent reads: the ticket, its thread, and (looked up read-only, audited) the
/// citizen's applications with their invoices.
#[derive(Debug)]
pub struct Case {
    pub ticket: TicketRow,
    /// Its thread.
    pub messages: Vec<MessageRow>,
    /// The citizen's applications (the linked one first) and invoices.
    pub applications: Vec<(ApplicationRow, Option<InvoiceRow>)>,
}

/// Opens a ticket; the look-up of the citizen's applications and payments is recorded.
pub async fn case(app: &App, me: &StaffMember, ip: &str, number: &str) -> ServiceResult<Case> {
    let ticket = find(app, me, number).await?;
    let mut tx = app.db.begin().await?;
    let messages = store::messages(&mut tx, &ticket.id).await?;
    let mut applications = Vec::new();
    if let Some(account) = &ticket.account_id {
        let mut rows = applications_store::list_owned(&mut tx, account, 20).await?;
        // Agency staff see only their agency's applications; the linked one comes first.
        if let Some(agency) = scope(me)? {
            rows.retain(|a| a.agency == agency);
        }
        rows.retain(|a| a.reference.is_some());
        rows.sort_by_key(|a| Some(&a.id) != ticket.application_id.as_ref());
        for row in rows {
            let invoice = payments_store::invoice_for_application(&mut tx, account, &row.id).await?;
            applications.push((row, invoice));
        }
        let entry = audit::Entry {
            actor: me.actor(),
            agency: me.agency(),
            action: "ticket.lookup",
            subject: format!("ticket:{}", ticket.number),
            details: serde_json::json!({ "citizen": account, "applications": applications.len() }),
            ip,
        };
        audit::record(&mut tx, entry, app.clock.now()).await?;
    }
    tx.commit().await?;
    Ok(Case { ticket, messages, applications })
}

/// Replies (from the saved response `saved` when no text is given), optionally resolving.
pub async fn reply(app: &App, me: &StaffMember, ip: &str, number: &str, text: &str, saved: &str, resolve: bool) -> ServiceResult<()> {
    let ticket = find(app, me, number).await?;
    let language = ticket.language;
    let text = match (text.trim().is_empty(), super::saved::text(saved, language)) {
        (true, Some(saved)) => saved,
        _ => message(text, "body")?,
    };
    let status = ticket.status;
    let event = if resolve { Event::Resolved } else { Event::StaffReplies };
    let next = status.next(event, ticket.agency.is_some()).ok_or(ServiceError::field("body", "ticket.closed"))?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if !store::set_status(&mut tx, &ticket.id, status, next, None, now).await? {
        return Err(ServiceError::field("body", "ticket.changed"));
    }
    store::add_message(&mut tx, &ticket.id, "staff", Some(&me.row.id), &text, now).await?;
    if ticket.assigned_to.is_none() {
        store::set_handler(&mut tx, &ticket.id, ticket.agency.as_deref(), Some(&me.row.id)).await?;
    }
    tell(&mut tx, app, &ticket, if resolve { "resolved" } else { "replied" }, now).await?;
    let entry = audit::Entry {
        actor: me.actor(),
        agency: ticket.agency.as_deref(),
        action: if resolve { "ticket.resolve" } else { "ticket.reply" },
        subject: format!("ticket:{}", ticket.number),
        details: serde_json::json!({ "saved": saved, "length": text.chars().count() }),
        ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

/// Takes the ticket (or gives it back to the team when `take` is false).
pub async fn assign(app: &App, me: &StaffMember, ip: &str, number: &str, take: bool) -> ServiceResult<()> {
    let ticket = find(app, me, number).await?;
    let mut tx = app.db.begin().await?;
    let to = take.then_some(&me.row.id);
    store::set_handler(&mut tx, &ticket.id, ticket.agency.as_deref(), to).await?;
    let entry = audit::Entry {
        actor: me.actor(),
        agency: ticket.agency.as_deref(),
        action: if take { "ticket.take" } else { "ticket.release" },
        subject: format!("ticket:{}", ticket.number),
        details: serde_json::json!({ "was": ticket.assigned_to }),
        ip,
    };
    audit::record(&mut tx, entry, app.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Routes a ticket to an agency's staff (helpdesk and platform admins only), or takes it.
pub async fn route(app: &App, me: &StaffMember, ip: &str, number: &str, agency: &str) -> ServiceResult<()> {
    if scope(me)?.is_some() {
        return Err(ServiceError::NotFound);
    }
    if app.catalogue().catalogue.agency(agency).is_none() {
        return Err(ServiceError::field("agency", "staff.agency_unknown"));
    }
    let ticket = find(app, me, number).await?;
    let status = ticket.status;
    let next = status.next(Event::Routed, true).ok_or(ServiceError::field("agency", "ticket.closed"))?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if !store::set_status(&mut tx, &ticket.id, status, next, Some(due(app, true, now)), now).await? {
        return Err(ServiceError::field("agency", "ticket.changed"));
    }
    store::set_handler(&mut tx, &ticket.id, Some(agency), None).await?;
    let entry = audit::Entry {
        actor: me.actor(),
        agency: Some(agency),
        action: "ticket.route",
        subject: format!("ticket:{}", ticket.number),
        details: serde_json::json!({ "from": ticket.agency }),
        ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}

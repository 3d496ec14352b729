//! The citizen's side: open a ticket (linked to one of their applications if they came
//! from it), read the thread, reply, reopen within the window, rate once resolved. The
//! same functions serve a verified anonymous visitor who holds the ticket's access code.

use super::super::sessions::Authenticated;
use super::super::{ServiceError, ServiceResult, audit, rate_limit};
use super::{NewTicket, due, message, new_number, parse, tell};
use crate::app::App;
use crate::store::tickets::{self as store, MessageRow, TicketRow};
use crate::store::{applications, is_unique_violation};
use huduma_domain::ticket::{Event, Status};

/// Who holds a ticket.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    /// A signed-in citizen.
    Citizen(&'a Authenticated),
    /// Someone with the ticket's access code (an anonymous ticket), from this address.
    Code {
        /// The access code as given.
        key: &'a str,
        /// The client's address (wrong keys are counted per address).
        ip: &'a str,
    },
}

/// Opens a ticket for a signed-in citizen.
pub async fn open(app: &App, me: &Authenticated, new: &NewTicket) -> ServiceResult<TicketRow> {
    let (category, subject, text) = parse(new)?;
    let mut conn = app.db.pool().acquire().await?;
    let application = match new.application.as_deref().filter(|a| !a.is_empty()) {
        // Only the citizen's own application can be linked.
        Some(id) => {
            // An id that cannot be one names no application, like an unknown one.
            let found = match huduma_domain::ApplicationId::parse(id) {
                Some(id) => applications::find_owned(&mut conn, &me.account.id, &id).await?,
                None => None,
            };
            Some(found.ok_or(ServiceError::field("application", "ticket.application_unknown"))?)
        }
        None => None,
    };
    drop(conn);
    let account = &me.account;
    let opener = super::Opener {
        account_id: Some(account.id.clone()),
        name: account.first_name.clone(),
        email: account.email.clone(),
        phone: account.phone.clone(),
        language: account.language.tag().to_owned(),
        application_id: application.map(|a| a.id),
    };
    let ticket = super::new_ticket(opener, category, subject);
    create(app, ticket, &text).await
}

/// Stores a new ticket with its first message (retrying on the rare number clash) and
/// tells the contact its number.
pub async fn create(app: &App, mut ticket: TicketRow, text: &str) -> ServiceResult<TicketRow> {
    for _ in 0..5 {
        let now = app.clock.now();
        ticket.number = new_number();
        ticket.created_at = now;
        ticket.updated_at = now;
        ticket.due_at = Some(due(app, false, now));
        let mut tx = app.db.begin().await?;
        match store::insert(&mut tx, &ticket).await {
            Ok(()) => {}
            Err(err) if is_unique_violation(&err) => continue,
            Err(err) => return Err(err.into()),
        }
        store::add_message(&mut tx, &ticket.id, "citizen", None, text, now).await?;
        tell(&mut tx, app, &ticket, "opened", now).await?;
        tx.commit().await?;
        app.outbox_wakeup.notify_one();
        return Ok(ticket);
    }
    Err(ServiceError::Internal(anyhow::anyhow!("no unused ticket number")))
}

/// The holder's tickets (signed-in citizens).
pub async fn list(app: &App, me: &Authenticated) -> ServiceResult<Vec<TicketRow>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::of_account(&mut conn, &me.account.id).await?)
}

/// A ticket the holder may see; "not found" when it is someone else's. Wrong access keys
/// are counted per client address and per ticket number, and past either limit every
/// key is refused until the window ends, so a key cannot be found by guessing.
pub async fn find(app: &App, holder: Holder<'_>, number: &str) -> ServiceResult<TicketRow> {
    let number = number.trim().to_ascii_uppercase().replace('-', "");
    match holder {
        Holder::Citizen(me) => {
            let mut conn = app.db.pool().acquire().await?;
            store::owned(&mut conn, &me.account.id, &number).await?.ok_or(ServiceError::NotFound)
        }
        Holder::Code { key: "", .. } => Err(ServiceError::NotFound),
        Holder::Code { key: code, ip } => {
            // Each key is counted as wrong before it is compared (so concurrent guesses
            // cannot all slip under the limit) and given back when it is right.
            rate_limit::hit(app, rate_limit::TICKET_KEYS_PER_IP, ip).await?;
            rate_limit::hit(app, rate_limit::TICKET_KEYS_PER_TICKET, &number).await?;
            let ticket = {
                let mut conn = app.db.pool().acquire().await?;
                store::by_number(&mut conn, &number).await?
            };
            let ticket =
                ticket.filter(|t| t.account_id.is_none() && crate::crypto::constant_time_eq(&super::access_code(app, &t.number), code));
            if ticket.is_some() {
                rate_limit::refund(app, rate_limit::TICKET_KEYS_PER_IP, ip).await?;
                rate_limit::refund(app, rate_limit::TICKET_KEYS_PER_TICKET, &number).await?;
            }
            ticket.ok_or(ServiceError::NotFound)
        }
    }
}

/// A ticket and its thread.
pub async fn view(app: &App, holder: Holder<'_>, number: &str) -> ServiceResult<(TicketRow, Vec<MessageRow>)> {
    let ticket = find(app, holder, number).await?;
    let mut conn = app.db.pool().acquire().await?;
    let messages = store::messages(&mut conn, &ticket.id).await?;
    Ok((ticket, messages))
}

/// Moves the ticket by a citizen's event, adding their message if any.
async fn citizen_event(app: &App, ticket: &TicketRow, event: Event, text: Option<&str>) -> ServiceResult<()> {
    let status = ticket.status;
    let routed = ticket.agency.is_some();
    let Some(next) = status.next(event, routed) else {
        return Err(ServiceError::field("message", if status == Status::Resolved { "ticket.resolved_reopen" } else { "ticket.closed" }));
    };
    let now = app.clock.now();
    if event == Event::Reopened && ticket.resolved_at.is_some_and(|at| now - at > app.config.ticket_reopen_secs) {
        return Err(ServiceError::field("message", "ticket.reopen_window"));
    }
    let mut tx = app.db.begin().await?;
    let due = next.waits_for_staff().then(|| due(app, routed, now));
    if !store::set_status(&mut tx, &ticket.id, status, next, due, now).await? {
        return Err(ServiceError::field("message", "ticket.changed"));
    }
    if let Some(text) = text {
        store::add_message(&mut tx, &ticket.id, "citizen", None, text, now).await?;
    }
    if event == Event::Reopened {
        let entry = audit::Entry {
            actor: ticket.account_id.as_ref().map_or(audit::Actor::System, |id| audit::Actor::Citizen { id }),
            agency: ticket.agency.as_deref(),
            action: "ticket.reopen",
            subject: format!("ticket:{}", ticket.number),
            details: serde_json::json!({}),
            ip: "-",
        };
        audit::record(&mut tx, entry, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The holder writes in the thread.
pub async fn reply(app: &App, holder: Holder<'_>, number: &str, text: &str) -> ServiceResult<()> {
    let text = message(text, "message")?;
    let ticket = find(app, holder, number).await?;
    citizen_event(app, &ticket, Event::CitizenReplies, Some(&text)).await
}

/// The holder reopens a resolved ticket within the configured window, saying why.
pub async fn reopen(app: &App, holder: Holder<'_>, number: &str, text: &str) -> ServiceResult<()> {
    let text = message(text, "message")?;
    let ticket = find(app, holder, number).await?;
    citizen_event(app, &ticket, Event::Reopened, Some(&text)).await
}

/// The holder rates a resolved ticket, once.
pub async fn rate(app: &App, holder: Holder<'_>, number: &str, rating: i64, comment: &str) -> ServiceResult<()> {
    if !(1..=5).contains(&rating) {
        return Err(ServiceError::field("rating", "ticket.rating_invalid"));
    }
    let comment: String = comment.trim().chars().take(1000).collect();
    let ticket = find(app, holder, number).await?;
    let mut tx = app.db.begin().await?;
    if !store::rate(&mut tx, &ticket.id, rating, &comment).await? {
        return Err(ServiceError::field("rating", "ticket.rating_not_now"));
    }
    tx.commit().await?;
    Ok(())
}

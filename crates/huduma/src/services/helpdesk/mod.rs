//! The helpdesk: tickets from signed-in citizens and from verified anonymous visitors,
//! threaded replies, routing to the responsible agency, reopening within a window, and a
//! rating once resolved. Staff answer from the back office (see [`agent`]).

pub mod agent;
pub mod anonymous;
pub mod citizen;
pub mod files;
pub mod saved;

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::notices::{self, Notice, Recipient};
use crate::store::Conn;
use crate::store::tickets::TicketRow;
use huduma_domain::Language;
use huduma_domain::reference::{Kind, Reference};
use huduma_domain::ticket::Category;
use rand::Rng;

/// Working days the helpdesk has to answer; an agency gets two.
pub const HELPDESK_SLA_DAYS: u32 = 1;
/// Working days an agency has to answer a ticket routed to it.
pub const AGENCY_SLA_DAYS: u32 = 2;
/// Longest subject.
const MAX_SUBJECT: usize = 120;
/// Longest message.
const MAX_MESSAGE: usize = 4000;

/// A new ticket as typed.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    /// Category code.
    pub category: String,
    pub subject: String,
    /// First message.
    pub message: String,
    /// The application it is about (its id), for signed-in citizens.
    pub application: Option<String>,
}

/// Checks a new ticket's text; returns the category, subject and message.
pub fn parse(new: &NewTicket) -> ServiceResult<(Category, String, String)> {
    let category = Category::parse(&new.category).ok_or(ServiceError::field("category", "ticket.category_required"))?;
    let subject = new.subject.trim();
    if subject.chars().count() < 3 || subject.chars().count() > MAX_SUBJECT || subject.chars().any(char::is_control) {
        return Err(ServiceError::field("subject", "ticket.subject_invalid"));
    }
    let message = message(&new.message, "message")?;
    Ok((category, subject.to_owned(), message))
}

/// Checks a message's text.
pub fn message(text: &str, field: &'static str) -> ServiceResult<String> {
    let text = text.trim();
    if text.chars().count() < 2 || text.chars().count() > MAX_MESSAGE {
        return Err(ServiceError::field(field, "ticket.message_invalid"));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(ServiceError::field(field, "text.control_characters"));
    }
    Ok(text.to_owned())
}

/// Who a new ticket is from and what it is about.
#[derive(Debug, Clone)]
pub struct Opener {
    /// Account, for signed-in citizens.
    pub account_id: Option<huduma_domain::AccountId>,
    pub name: String,
    pub email: String,
    /// Phone (E.164).
    pub phone: String,
    /// `en` or `sw`.
    pub language: String,
    /// Linked application.
    pub application_id: Option<huduma_domain::ApplicationId>,
}

/// A new, open ticket (number and times are set when it is stored).
pub fn new_ticket(opener: Opener, category: Category, subject: String) -> TicketRow {
    TicketRow {
        id: crate::store::new_id(),
        number: String::new(),
        account_id: opener.account_id,
        contact_name: opener.name,
        contact_email: opener.email,
        contact_phone: opener.phone,
        language: Language::parse(&opener.language).unwrap_or_default(),
        category,
        subject,
        application_id: opener.application_id,
        agency: None,
        assigned_to: None,
        status: huduma_domain::ticket::Status::Open,
        due_at: None,
        created_at: 0,
        updated_at: 0,
        resolved_at: None,
        rating: None,
    }
}

/// A fresh ticket number.
pub fn new_number() -> String {
    let mut rng = rand::rng();
    Reference::generate(Kind::Ticket, |n| rng.random_range(0..n)).as_str().to_owned()
}

/// The code that lets someone without an account open their ticket's page.
pub fn access_code(app: &App, number: &str) -> String {
    crate::crypto::keyed_hash(&app.config.secret_key, &["ticket", number]).chars().filter(char::is_ascii_alphanumeric).take(12).collect()
}

/// Where the ticket's page is, for messages: signed-in citizens sign in; others get the
/// link with the access code.
pub fn link(app: &App, ticket: &TicketRow) -> String {
    match ticket.account_id {
        Some(_) => notices::link(app, &format!("/help/tickets/{}", ticket.number)),
        None => notices::link(app, &format!("/help/tickets/{}?key={}", ticket.number, access_code(app, &ticket.number))),
    }
}

/// Tells the ticket's contact about a change (`message.ticket_<what>`), by SMS and email in
/// their language.
pub async fn tell(conn: &mut Conn, app: &App, ticket: &TicketRow, what: &str, now: i64) -> ServiceResult<()> {
    let link = link(app, ticket);
    let days = app.config.ticket_reopen_secs / 86_400;
    let notice = Notice::Ticket { what, number: &ticket.number, subject: &ticket.subject, link: &link, days };
    let to = Recipient { phone: Some(&ticket.contact_phone), email: Some(&ticket.contact_email), language: ticket.language };
    notices::send(conn, &to, &notice, now).await?;
    Ok(())
}

/// The SLA deadline for staff from `now`.
pub fn due(app: &App, routed: bool, now: i64) -> i64 {
    app.calendar.add_working_days(now, if routed { AGENCY_SLA_DAYS } else { HELPDESK_SLA_DAYS })
}

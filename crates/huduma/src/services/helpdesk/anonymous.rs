//! Tickets from people who cannot sign in (locked out, lost phone): they give a name,
//! email and phone, prove the phone with a code, and then hold the ticket by its link.

use super::super::codes::{self, Channel, CodeRequest};
use super::super::{Requester, ServiceError, ServiceResult, flows, rate_limit};
use super::{NewTicket, parse};
use crate::app::App;
use crate::store::tickets::TicketRow;
use huduma_domain::{Email, Phone};
use serde::{Deserialize, Serialize};

const FLOW: &str = "ticket";
const FLOW_TTL_SECS: i64 = 30 * 60;

/// What an anonymous visitor types.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// The pending ticket, kept in the flow until the phone is proved.
#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    name: String,
    email: String,
    phone: String,
    language: String,
    category: String,
    subject: String,
    message: String,
}

/// Checks the form and sends a code to the phone; returns the flow token.
pub async fn start(app: &App, contact: &Contact, new: &NewTicket, who: &Requester) -> ServiceResult<String> {
    let (category, subject, message) = parse(new)?;
    let name = contact.name.trim();
    if name.chars().count() < 2 || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ServiceError::field("name", "ticket.name_invalid"));
    }
    let email = Email::parse(&contact.email).map_err(|e| ServiceError::field("email", e.code))?;
    let phone = Phone::parse(&contact.phone).map_err(|e| ServiceError::field("phone", e.code))?;
    let phone = phone.e164();
    rate_limit::hit(app, rate_limit::REGISTRATIONS_PER_IP, &who.ip).await?;
    codes::check_send_limits(app, &phone, &who.ip).await?;
    let pending = Pending {
        name: name.to_owned(),
        email: email.as_str().to_owned(),
        phone: phone.clone(),
        language: who.language.tag().to_owned(),
        category: category.code().to_owned(),
        subject,
        message,
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let token = flows::create(&mut tx, FLOW, None, &pending, FLOW_TTL_SECS, now).await?;
    let flow = flows::load::<Pending>(&mut tx, &token, FLOW, now).await?;
    let request = CodeRequest { flow_hash: &flow.hash, purpose: FLOW, channel: Channel::Sms, destination: &phone, language: who.language };
    codes::issue(app, &mut tx, request).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(token)
}

/// Sends a new code for the same pending ticket, when the first was mistyped too often,
/// has expired or never arrived: what the visitor typed stays in the flow, so they only
/// type the new code. The limits on sending codes hold as for the first one (per phone,
/// per address, and not sooner than 30 seconds after the last code).
pub async fn resend(app: &App, token: &str, who: &Requester) -> ServiceResult<()> {
    let phone = {
        let mut conn = app.db.pool().acquire().await?;
        flows::load::<Pending>(&mut conn, token, FLOW, app.clock.now()).await?.data.phone
    };
    codes::check_send_limits(app, &phone, &who.ip).await?;
    let mut tx = app.db.begin().await?;
    let flow = flows::load::<Pending>(&mut tx, token, FLOW, app.clock.now()).await?;
    let language = huduma_domain::Language::parse(&flow.data.language).unwrap_or(who.language);
    let request = CodeRequest { flow_hash: &flow.hash, purpose: FLOW, channel: Channel::Sms, destination: &phone, language };
    codes::issue(app, &mut tx, request).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

/// Where the code went (masked), for the code page.
pub async fn sent_to(app: &App, token: &str) -> ServiceResult<String> {
    let mut conn = app.db.pool().acquire().await?;
    let flow = flows::load::<Pending>(&mut conn, token, FLOW, app.clock.now()).await?;
    Ok(Phone::parse(&flow.data.phone).map(|p| p.masked()).unwrap_or_default())
}

/// Checks the code and opens the ticket; returns it (its link carries the access code).
pub async fn finish(app: &App, token: &str, typed: &str, who: &Requester) -> ServiceResult<TicketRow> {
    rate_limit::hit(app, rate_limit::CODE_CHECKS_PER_IP, &who.ip).await?;
    let mut tx = app.db.begin().await?;
    let flow = flows::load::<Pending>(&mut tx, token, FLOW, app.clock.now()).await?;
    if let Err(err) = codes::check(app, &mut tx, &flow.hash, FLOW, typed).await {
        tx.commit().await?;
        return Err(err);
    }
    crate::store::flows::delete(&mut tx, &flow.hash).await?;
    tx.commit().await?;
    let p = flow.data;
    let opener =
        super::Opener { account_id: None, name: p.name, email: p.email, phone: p.phone, language: p.language, application_id: None };
    // Checked when the flow began; a flow whose state was changed since is not honoured.
    let category = huduma_domain::ticket::Category::parse(&p.category).ok_or(ServiceError::FlowExpired)?;
    let ticket = super::new_ticket(opener, category, p.subject);
    super::citizen::create(app, ticket, &p.message).await
}

//! Verifying the phone and the email with one-time codes. An account becomes usable only
//! when both are verified; the last verification signs the person in.

use super::codes::{self, Channel};
use super::registration::{VERIFY_TTL_SECS, channel_purpose, code_request};
use super::sessions::{self, NewSession, SessionKind};
use super::{Requester, ServiceError, ServiceResult, flows};
use crate::app::App;
use crate::store::{Conn, accounts};
use huduma_domain::{Email, Language, Phone};
use serde::{Deserialize, Serialize};

/// State of a verification flow.
#[derive(Debug, Serialize, Deserialize)]
pub struct VerifyState {
    /// Phone being verified.
    pub phone: String,
    /// Email being verified.
    pub email: String,
}

/// Starts verification inside the caller's transaction and sends the codes still needed.
#[allow(clippy::too_many_arguments)]
pub async fn begin(
    app: &App,
    conn: &mut Conn,
    account_id: &huduma_domain::AccountId,
    phone: &str,
    email: &str,
    need_phone: bool,
    need_email: bool,
    language: Language,
) -> ServiceResult<String> {
    let now = app.clock.now();
    let state = VerifyState { phone: phone.to_owned(), email: email.to_owned() };
    let token = flows::create(conn, "verify", Some(account_id), &state, VERIFY_TTL_SECS, now).await?;
    let hash = crate::crypto::hash_token(&token);
    if need_phone {
        codes::issue(app, conn, code_request(&hash, Channel::Sms, phone, language)).await?;
    }
    if need_email {
        codes::issue(app, conn, code_request(&hash, Channel::Email, email, language)).await?;
    }
    Ok(token)
}

/// Where verification stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Status {
    /// `07•• ••• 678`.
    pub phone_masked: String,
    /// `wa•••@example.com`.
    pub email_masked: String,
    /// Phone done.
    pub phone_verified: bool,
    /// Email done.
    pub email_verified: bool,
}

/// Reads where verification stands.
pub async fn status(app: &App, token: &str) -> ServiceResult<Status> {
    let mut conn = app.db.pool().acquire().await?;
    let flow = flows::load::<VerifyState>(&mut conn, token, "verify", app.clock.now()).await?;
    let Some(account_id) = &flow.account_id else { return Err(ServiceError::FlowExpired) };
    let account = accounts::by_id(&mut conn, account_id).await?.ok_or(ServiceError::FlowExpired)?;
    Ok(Status {
        phone_masked: Phone::parse(&flow.data.phone).map(|p| p.masked()).unwrap_or_default(),
        email_masked: Email::parse(&flow.data.email).map(|e| e.masked()).unwrap_or_default(),
        phone_verified: account.phone_verified_at.is_some(),
        email_verified: account.email_verified_at.is_some(),
    })
}

/// What a successful code check leads to.
#[derive(Debug)]
pub enum Outcome {
    /// The other channel still needs its code.
    Pending(Status),
    /// Both verified: the person is signed in.
    Done(NewSession),
}

/// Checks the code sent over `channel`.
pub async fn verify(
    app: &App,
    token: &str,
    channel: Channel,
    typed: &str,
    who: &Requester,
    kind: SessionKind,
    previous: Option<&str>,
) -> ServiceResult<Outcome> {
    super::rate_limit::hit(app, super::rate_limit::CODE_CHECKS_PER_IP, &who.ip).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let flow = flows::load::<VerifyState>(&mut tx, token, "verify", now).await?;
    let account_id = flow.account_id.clone().ok_or(ServiceError::FlowExpired)?;
    let checked = codes::check(app, &mut tx, &flow.hash, channel_purpose(channel), typed).await;
    if let Err(err) = checked {
        tx.commit().await?;
        return Err(err);
    }
    match channel {
        Channel::Sms => accounts::set_phone_verified(&mut tx, &account_id, &flow.data.phone, now).await?,
        Channel::Email => accounts::set_email_verified(&mut tx, &account_id, &flow.data.email, now).await?,
    }
    let account = accounts::by_id(&mut tx, &account_id).await?.ok_or(ServiceError::FlowExpired)?;
    if account.is_active() {
        crate::store::flows::delete(&mut tx, &flow.hash).await?;
        let session = sessions::create(app, &mut tx, &account_id, kind, who, previous).await?;
        tx.commit().await?;
        return Ok(Outcome::Done(session));
    }
    tx.commit().await?;
    Ok(Outcome::Pending(status(app, token).await?))
}

/// Sends a fresh code over `channel`.
pub async fn resend(app: &App, token: &str, channel: Channel, who: &Requester) -> ServiceResult<()> {
    let now = app.clock.now();
    let flow = {
        let mut conn = app.db.pool().acquire().await?;
        flows::load::<VerifyState>(&mut conn, token, "verify", now).await?
    };
    let destination = match channel {
        Channel::Sms => flow.data.phone.clone(),
        Channel::Email => flow.data.email.clone(),
    };
    codes::check_send_limits(app, &destination, &who.ip).await?;
    let mut tx = app.db.begin().await?;
    codes::issue(app, &mut tx, code_request(&flow.hash, channel, &destination, who.language)).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

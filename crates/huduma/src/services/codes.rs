//! One-time codes: generated from a CSPRNG, stored as keyed hashes, valid for ten
//! minutes, five wrong guesses at most, resent no sooner than every 30 seconds.

use super::{ServiceError, ServiceResult, rate_limit};
use crate::app::App;
use crate::crypto::{constant_time_eq, keyed_hash};
use crate::notices::{self, Notice, Recipient};
use crate::store::{Conn, codes, new_id};
use huduma_domain::{Language, OneTimeCode};

/// How long a code stays valid.
pub const CODE_TTL_SECS: i64 = 600;
/// Wrong guesses allowed per code.
pub const MAX_ATTEMPTS: i64 = 5;
/// Minimum wait between two codes for the same step.
pub const RESEND_AFTER_SECS: i64 = 30;

/// Where a code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Text message to the phone.
    Sms,
    Email,
}

impl Channel {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }

    /// Parses `sms` / `email`.
    pub fn parse(input: &str) -> ServiceResult<Self> {
        match input {
            "sms" => Ok(Self::Sms),
            "email" => Ok(Self::Email),
            _ => Err(ServiceError::field("channel", "channel.invalid")),
        }
    }
}

/// Rate checks to run before a transaction that sends a code.
pub async fn check_send_limits(app: &App, destination: &str, ip: &str) -> ServiceResult<()> {
    rate_limit::hit(app, rate_limit::CODES_SENT_PER_DESTINATION, destination).await?;
    rate_limit::hit(app, rate_limit::CODES_SENT_PER_IP, ip).await
}

/// What the code is for, which decides the wording of the message.
#[derive(Debug, Clone, Copy)]
pub struct CodeRequest<'a> {
    /// Flow the code belongs to.
    pub flow_hash: &'a str,
    /// `verify_phone`, `verify_email`, `sign_in`, `reset`, `contact`.
    pub purpose: &'a str,
    pub channel: Channel,
    /// Phone (E.164) or email address.
    pub destination: &'a str,
    /// Language of the message.
    pub language: Language,
}

/// Creates a code and queues the message carrying it, inside the caller's transaction.
pub async fn issue(app: &App, conn: &mut Conn, request: CodeRequest<'_>) -> ServiceResult<()> {
    let now = app.clock.now();
    if let Some(previous) = codes::current(conn, request.flow_hash, request.purpose).await?
        && previous.destination == request.destination
        && now - previous.created_at < RESEND_AFTER_SECS
    {
        return Err(ServiceError::field("code", "code.resend_too_soon"));
    }
    let code = OneTimeCode::from_random(app.codes.next());
    let id: String = new_id();
    let code_hash = keyed_hash(&app.config.secret_key, &[&id, code.expose()]);
    let new = codes::NewCode {
        id: &id,
        flow_hash: request.flow_hash,
        purpose: request.purpose,
        channel: request.channel.as_str(),
        destination: request.destination,
        code_hash: &code_hash,
        expires_at: now + CODE_TTL_SECS,
    };
    codes::insert(conn, &new, now).await?;
    let (phone, email) = match request.channel {
        Channel::Sms => (Some(request.destination), None),
        Channel::Email => (None, Some(request.destination)),
    };
    let to = Recipient { phone, email, language: request.language };
    let notice = Notice::Code { code: code.expose(), minutes: CODE_TTL_SECS / 60, purpose: request.purpose };
    notices::send(conn, &to, &notice, now).await?;
    Ok(())
}

/// Checks a typed code and uses it up. A wrong guess is counted and committed by the
/// caller even though the use case fails, so the attempt limit holds.
pub async fn check(app: &App, conn: &mut Conn, flow_hash: &str, purpose: &str, typed: &str) -> ServiceResult<codes::CodeRow> {
    let row = verify(app, conn, flow_hash, purpose, typed).await?;
    if !codes::consume(conn, &row.id, app.clock.now()).await? {
        return Err(ServiceError::field("code", "code.expired"));
    }
    Ok(row)
}

/// Checks a typed code without using it up (a later step consumes it with [`check`]).
/// Each guess is counted *before* it is compared, in one statement, so five guesses are
/// all anyone gets, even when many arrive at once.
pub async fn verify(app: &App, conn: &mut Conn, flow_hash: &str, purpose: &str, typed: &str) -> ServiceResult<codes::CodeRow> {
    let code = OneTimeCode::parse(typed).map_err(|e| ServiceError::field("code", e.code))?;
    let now = app.clock.now();
    let Some(row) = codes::current(conn, flow_hash, purpose).await? else {
        return Err(ServiceError::field("code", "code.expired"));
    };
    if row.expires_at <= now {
        return Err(ServiceError::field("code", "code.expired"));
    }
    let Some(left) = codes::claim_attempt(conn, &row.id, MAX_ATTEMPTS).await? else {
        return Err(ServiceError::field("code", "code.too_many_attempts"));
    };
    let expected = keyed_hash(&app.config.secret_key, &[&row.id, code.expose()]);
    if !constant_time_eq(&expected, &row.code_hash) {
        return Err(ServiceError::field("code", if left == 0 { "code.too_many_attempts" } else { "code.wrong" }));
    }
    codes::refund_attempt(conn, &row.id).await?;
    Ok(row)
}

/// Counts a guess at a flow that has no code to compare with (a reset for an unknown
/// account): it answers exactly as a wrong guess at a real code would, limit included.
pub async fn guess_without_code(conn: &mut Conn, flow_hash: &str, typed: &str) -> ServiceResult<()> {
    OneTimeCode::parse(typed).map_err(|e| ServiceError::field("code", e.code))?;
    let last = !matches!(crate::store::flows::claim_attempt(conn, flow_hash, MAX_ATTEMPTS).await?, Some(left) if left > 0);
    Err(ServiceError::field("code", if last { "code.too_many_attempts" } else { "code.wrong" }))
}

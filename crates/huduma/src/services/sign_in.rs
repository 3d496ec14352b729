//! Signing in: email or document number plus password, then a one-time code over the
//! channel the person picks (or their authenticator app when enabled).

use super::codes::{self, Channel, CodeRequest};
use super::sessions::{self, NewSession, SessionKind};
use super::{Requester, ServiceError, ServiceResult, flows, rate_limit};
use crate::app::App;
use crate::store::Conn;
use crate::store::accounts::{self, AccountRow};
use huduma_domain::{Email, Identifier, Phone};
use serde::{Deserialize, Serialize};

/// The second step must follow the first within this time.
const SIGN_IN_TTL_SECS: i64 = 10 * 60;

/// State of a sign-in flow after the password was accepted.
#[derive(Debug, Serialize, Deserialize)]
pub struct SignInState {
    /// The authenticator app replaces the code.
    pub totp: bool,
    /// Channel a code was sent to, once chosen.
    pub channel: Option<Channel>,
}

/// What the second step will ask for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SecondStep {
    /// `totp` when the authenticator app is on; otherwise `code`.
    pub method: String,
    /// Where an SMS code would go.
    pub phone_masked: String,
    /// Where an email code would go.
    pub email_masked: String,
}

/// Result of the password step.
#[derive(Debug)]
pub enum Started {
    /// Continue with the second factor.
    SecondStep {
        /// Token of the sign-in flow.
        token: String,
        /// What comes next.
        step: SecondStep,
    },
    /// The account exists but is not verified yet: codes were sent again.
    NeedsVerification {
        /// Token of the verification flow.
        token: String,
    },
}

/// Looks an account up by email or document number, in the identifier's normal form
/// (input that is neither finds nobody).
pub async fn find_account(conn: &mut Conn, identifier: &str) -> ServiceResult<Option<AccountRow>> {
    Ok(match Identifier::parse(identifier) {
        Ok(Identifier::Email(email)) => accounts::by_email(conn, email.as_str()).await?,
        Ok(Identifier::Document(number)) => accounts::by_any_document_number(conn, &number).await?,
        Err(_) => None,
    })
}

/// The key an identifier's limits count under: its normal form, so that spacing, case or
/// punctuation never make a fresh counter. Input that is no identifier counts as typed.
pub fn limit_key(identifier: &str) -> String {
    Identifier::parse(identifier).map_or_else(|_| format!("other:{}", identifier.trim().to_lowercase()), |i| i.limit_key())
}

fn second_step(account: &AccountRow) -> SecondStep {
    SecondStep {
        method: if account.totp_secret.is_some() { "totp" } else { "code" }.into(),
        phone_masked: Phone::parse(&account.phone).map(|p| p.masked()).unwrap_or_default(),
        email_masked: Email::parse(&account.email).map(|e| e.masked()).unwrap_or_default(),
    }
}

/// Step one: the password. Unknown accounts and wrong passwords get the same answer in
/// the same time.
pub async fn start(app: &App, identifier: &str, password: &str, who: &Requester) -> ServiceResult<Started> {
    if identifier.trim().is_empty() {
        return Err(ServiceError::field("identifier", "identifier.required"));
    }
    if password.is_empty() {
        return Err(ServiceError::field("password", "password.required"));
    }
    rate_limit::hit(app, rate_limit::SIGN_IN_PER_IP, &who.ip).await?;
    rate_limit::hit(app, rate_limit::SIGN_IN_PER_IDENTIFIER, &limit_key(identifier)).await?;
    let account = {
        let mut conn = app.db.pool().acquire().await?;
        find_account(&mut conn, identifier).await?
    };
    if let Some(account) = &account {
        // However the identifier was written, the attempts on one account are counted together.
        rate_limit::hit(app, rate_limit::SIGN_IN_PER_ACCOUNT, account.id.as_str()).await?;
    }
    let ok = app.hasher.verify(password.to_owned(), account.as_ref().map(|a| a.password_hash.clone())).await?;
    let Some(account) = account.filter(|_| ok) else {
        return Err(ServiceError::field("identifier", "signin.failed"));
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if !account.is_active() {
        let token = super::verification::begin(
            app,
            &mut tx,
            &account.id,
            &account.phone,
            &account.email,
            account.phone_verified_at.is_none(),
            account.email_verified_at.is_none(),
            who.language,
        )
        .await?;
        tx.commit().await?;
        app.outbox_wakeup.notify_one();
        return Ok(Started::NeedsVerification { token });
    }
    let state = SignInState { totp: account.totp_secret.is_some(), channel: None };
    let token = flows::create(&mut tx, "sign_in", Some(&account.id), &state, SIGN_IN_TTL_SECS, now).await?;
    tx.commit().await?;
    Ok(Started::SecondStep { token, step: second_step(&account) })
}

async fn load(app: &App, conn: &mut Conn, token: &str) -> ServiceResult<(flows::Flow<SignInState>, AccountRow)> {
    let flow = flows::load::<SignInState>(conn, token, "sign_in", app.clock.now()).await?;
    let Some(account_id) = &flow.account_id else { return Err(ServiceError::FlowExpired) };
    let account = accounts::by_id(conn, account_id).await?.ok_or(ServiceError::FlowExpired)?;
    Ok((flow, account))
}

/// What the second step shows.
pub async fn second_step_of(app: &App, token: &str) -> ServiceResult<(SecondStep, Option<Channel>)> {
    let mut conn = app.db.pool().acquire().await?;
    let (flow, account) = load(app, &mut conn, token).await?;
    Ok((second_step(&account), flow.data.channel))
}

/// Sends the code over the chosen channel.
pub async fn send_code(app: &App, token: &str, channel: Channel, who: &Requester) -> ServiceResult<()> {
    let (mut flow, account) = {
        let mut conn = app.db.pool().acquire().await?;
        load(app, &mut conn, token).await?
    };
    let destination = match channel {
        Channel::Sms => account.phone.clone(),
        Channel::Email => account.email.clone(),
    };
    codes::check_send_limits(app, &destination, &who.ip).await?;
    let language = account.language;
    let mut tx = app.db.begin().await?;
    let request = CodeRequest { flow_hash: &flow.hash, purpose: "sign_in", channel, destination: &destination, language };
    codes::issue(app, &mut tx, request).await?;
    flow.data.channel = Some(channel);
    flows::save(&mut tx, &flow).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

/// Step two: the code (or authenticator code). Creates the session.
pub async fn finish(
    app: &App,
    token: &str,
    typed: &str,
    who: &Requester,
    kind: SessionKind,
    previous: Option<&str>,
) -> ServiceResult<NewSession> {
    rate_limit::hit(app, rate_limit::CODE_CHECKS_PER_IP, &who.ip).await?;
    let mut tx = app.db.begin().await?;
    let (flow, account) = load(app, &mut tx, token).await?;
    let checked = if flow.data.totp {
        let check = async |conn: &mut Conn| super::totp::check_current(app, conn, &account, typed).await;
        flows::counted_guess(&mut tx, &flow.hash, "totp.too_many_attempts", check).await
    } else {
        codes::check(app, &mut tx, &flow.hash, "sign_in", typed).await.map(|_| ())
    };
    if let Err(err) = checked {
        // The counted guess must stay counted.
        tx.commit().await?;
        return Err(err);
    }
    crate::store::flows::delete(&mut tx, &flow.hash).await?;
    let session = sessions::create(app, &mut tx, &account.id, kind, who, previous).await?;
    tx.commit().await?;
    Ok(session)
}

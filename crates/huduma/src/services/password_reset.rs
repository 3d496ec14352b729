//! Forgotten password: a code to the verified phone or email, then a new password. The
//! answer to step one is the same whether or not the account exists.

use super::codes::{self, Channel, CodeRequest};
use super::{Requester, ServiceError, ServiceResult, flows, rate_limit};
use crate::app::App;
use crate::notices::{self, Notice, Recipient};
use crate::store::{accounts, sessions};
use huduma_domain::Password;
use serde::{Deserialize, Serialize};

const RESET_TTL_SECS: i64 = 30 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct ResetState {
    channel: Channel,
    /// When the code was (or, for an unknown account, would have been) sent, so that a
    /// flow without a code expires its "code" when a real one would.
    #[serde(default)]
    sent_at: i64,
}

/// Step one: always returns a token; a code is sent only when the account exists and
/// is verified.
pub async fn start(app: &App, identifier: &str, channel: Channel, who: &Requester) -> ServiceResult<String> {
    if identifier.trim().is_empty() {
        return Err(ServiceError::field("identifier", "identifier.required"));
    }
    rate_limit::hit(app, rate_limit::RESETS_PER_IDENTIFIER, &super::sign_in::limit_key(identifier)).await?;
    rate_limit::hit(app, rate_limit::CODES_SENT_PER_IP, &who.ip).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let account = super::sign_in::find_account(&mut tx, identifier).await?.filter(|a| a.is_active());
    let token =
        flows::create(&mut tx, "reset", account.as_ref().map(|a| &a.id), &ResetState { channel, sent_at: now }, RESET_TTL_SECS, now)
            .await?;
    if let Some(account) = account {
        let destination = match channel {
            Channel::Sms => account.phone.clone(),
            Channel::Email => account.email.clone(),
        };
        let hash = crate::crypto::hash_token(&token);
        let language = account.language;
        codes::issue(app, &mut tx, CodeRequest { flow_hash: &hash, purpose: "reset", channel, destination: &destination, language })
            .await?;
    }
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(token)
}

/// Step two: the code and the new password. The code is checked first: until it is
/// right nothing about the account (not even the password rules, which name the holder)
/// is shown, and a flow for an unknown account answers exactly like a wrong code, limit
/// included. Every session of the account ends.
pub async fn finish(app: &App, token: &str, typed: &str, new_password: &str, confirmation: &str, who: &Requester) -> ServiceResult<()> {
    rate_limit::hit(app, rate_limit::CODE_CHECKS_PER_IP, &who.ip).await?;
    let now = app.clock.now();
    let account = {
        let mut tx = app.db.begin().await?;
        let flow = flows::load::<ResetState>(&mut tx, token, "reset", now).await?;
        let account = match &flow.account_id {
            Some(id) => accounts::by_id(&mut tx, id).await?,
            None => None,
        };
        let checked = match &account {
            Some(_) => codes::verify(app, &mut tx, &flow.hash, "reset", typed).await.map(|_| ()),
            None if now >= flow.data.sent_at + codes::CODE_TTL_SECS => Err(ServiceError::field("code", "code.expired")),
            None => codes::guess_without_code(&mut tx, &flow.hash, typed).await,
        };
        // The counted guess stays counted whatever the outcome.
        tx.commit().await?;
        checked?;
        account.ok_or(ServiceError::field("code", "code.wrong"))?
    };
    let context = [account.first_name.as_str(), account.surname.as_str(), account.document_number.as_str(), account.email.as_str()];
    let password = Password::new(new_password, &context, &app.blocklist).map_err(|p| ServiceError::field("password", p.code()))?;
    if new_password != confirmation {
        return Err(ServiceError::field("password_confirmation", "password.mismatch"));
    }
    let hash = app.hasher.hash(password.expose().to_owned()).await?;
    let mut tx = app.db.begin().await?;
    let flow = flows::load::<ResetState>(&mut tx, token, "reset", now).await?;
    if let Err(err) = codes::check(app, &mut tx, &flow.hash, "reset", typed).await {
        tx.commit().await?;
        return Err(err);
    }
    accounts::set_password_hash(&mut tx, &account.id, &hash, now).await?;
    sessions::delete_all_for_account(&mut tx, &account.id, None).await?;
    crate::store::flows::delete(&mut tx, &flow.hash).await?;
    notices::send(&mut tx, &Recipient::account(&account), &Notice::PasswordChanged, now).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

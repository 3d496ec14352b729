//! The signed-in person's own account: password, contacts, language, sessions.

use super::codes::{self, Channel, CodeRequest};
use super::sessions::Authenticated;
use super::{Requester, ServiceError, ServiceResult, flows};
use crate::app::App;
use crate::notices::{self, Notice, Recipient};
use crate::store::accounts;
use crate::store::sessions::{self, SessionRow};
use huduma_domain::{Email, Language, Password, Phone};
use serde::{Deserialize, Serialize};

/// Changes the password; every other session ends.
pub async fn change_password(app: &App, me: &Authenticated, current: &str, new_password: &str, confirmation: &str) -> ServiceResult<()> {
    let ok = app.hasher.verify(current.to_owned(), Some(me.account.password_hash.clone())).await?;
    if !ok {
        return Err(ServiceError::field("current_password", "password.wrong"));
    }
    let a = &me.account;
    let context = [a.first_name.as_str(), a.surname.as_str(), a.document_number.as_str(), a.email.as_str()];
    let password = Password::new(new_password, &context, &app.blocklist).map_err(|p| ServiceError::field("password", p.code()))?;
    if new_password != confirmation {
        return Err(ServiceError::field("password_confirmation", "password.mismatch"));
    }
    let hash = app.hasher.hash(password.expose().to_owned()).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    accounts::set_password_hash(&mut tx, &a.id, &hash, now).await?;
    sessions::delete_all_for_account(&mut tx, &a.id, Some(&me.token_hash)).await?;
    notices::send(&mut tx, &Recipient::account(a), &Notice::PasswordChanged, now).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

/// Stores the preferred language (used for messages too).
pub async fn set_language(app: &App, me: &Authenticated, language: Language) -> ServiceResult<()> {
    let mut conn = app.db.pool().acquire().await?;
    accounts::set_language(&mut conn, &me.account.id, language, app.clock.now()).await?;
    Ok(())
}

/// The person's live sessions.
pub async fn list_sessions(app: &App, me: &Authenticated) -> ServiceResult<Vec<SessionRow>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(sessions::list_for_account(&mut conn, &me.account.id, app.clock.now(), app.config.session_idle_secs).await?)
}

/// Ends one of the person's sessions; someone else's session id is "not found".
pub async fn revoke_session(app: &App, me: &Authenticated, session_id: &str) -> ServiceResult<()> {
    let mut conn = app.db.pool().acquire().await?;
    if sessions::delete_for_account(&mut conn, &me.account.id, session_id).await? { Ok(()) } else { Err(ServiceError::NotFound) }
}

/// Ends every session, this one included ("sign out everywhere").
pub async fn revoke_all_sessions(app: &App, me: &Authenticated) -> ServiceResult<u64> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(sessions::delete_all_for_account(&mut conn, &me.account.id, None).await?)
}

#[derive(Debug, Serialize, Deserialize)]
struct ContactState {
    channel: Channel,
    value: String,
}

/// Starts changing the phone or email: a code goes to the new one.
pub async fn start_contact_change(app: &App, me: &Authenticated, channel: Channel, value: &str, who: &Requester) -> ServiceResult<String> {
    let value = match channel {
        Channel::Sms => Phone::parse(value).map_err(|e| ServiceError::field("value", e.code))?.e164(),
        Channel::Email => Email::parse(value).map_err(|e| ServiceError::field("value", e.code))?.as_str().to_owned(),
    };
    let current = match channel {
        Channel::Sms => &me.account.phone,
        Channel::Email => &me.account.email,
    };
    if value.eq_ignore_ascii_case(current) {
        return Err(ServiceError::field("value", "contact.same"));
    }
    codes::check_send_limits(app, &value, &who.ip).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if channel == Channel::Email && accounts::email_taken(&mut tx, &value, &me.account.id).await? {
        return Err(ServiceError::field("value", "email.taken"));
    }
    let token =
        flows::create(&mut tx, "contact", Some(&me.account.id), &ContactState { channel, value: value.clone() }, 30 * 60, now).await?;
    let hash = crate::crypto::hash_token(&token);
    codes::issue(app, &mut tx, CodeRequest { flow_hash: &hash, purpose: "contact", channel, destination: &value, language: who.language })
        .await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(token)
}

/// Where a contact change stands.
pub async fn contact_change_target(app: &App, me: &Authenticated, token: &str) -> ServiceResult<(Channel, String)> {
    let mut conn = app.db.pool().acquire().await?;
    let flow = flows::load::<ContactState>(&mut conn, token, "contact", app.clock.now()).await?;
    if flow.account_id.as_ref() != Some(&me.account.id) {
        return Err(ServiceError::FlowExpired);
    }
    Ok((flow.data.channel, flow.data.value))
}

/// Finishes a contact change with the code sent to the new contact; the old contact is
/// told, so a hijacker cannot change it silently.
pub async fn finish_contact_change(app: &App, me: &Authenticated, token: &str, typed: &str) -> ServiceResult<Channel> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let flow = flows::load::<ContactState>(&mut tx, token, "contact", now).await?;
    if flow.account_id.as_ref() != Some(&me.account.id) {
        return Err(ServiceError::FlowExpired);
    }
    if let Err(err) = codes::check(app, &mut tx, &flow.hash, "contact", typed).await {
        tx.commit().await?;
        return Err(err);
    }
    let a = &me.account;
    match flow.data.channel {
        Channel::Sms => {
            accounts::set_phone_verified(&mut tx, &a.id, &flow.data.value, now).await?;
            let help = notices::link(app, "/help");
            notices::send(&mut tx, &Recipient::account(a), &Notice::PhoneChanged { help: &help }, now).await?;
        }
        Channel::Email => {
            if accounts::email_taken(&mut tx, &flow.data.value, &a.id).await? {
                return Err(ServiceError::field("value", "email.taken"));
            }
            accounts::set_email_verified(&mut tx, &a.id, &flow.data.value, now).await?;
            notices::send(&mut tx, &Recipient::account(a), &Notice::EmailChanged, now).await?;
        }
    }
    crate::store::flows::delete(&mut tx, &flow.hash).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(flow.data.channel)
}

//! Staff sign in at their own entrance: email and password, then always a code from an
//! authenticator app (TOTP). A member without one sets it up before the first session.
//! Staff sessions are short: they end after `staff_idle_minutes` without activity.

use super::super::{Requester, ServiceError, ServiceResult, audit, flows, rate_limit};
use super::StaffMember;
use crate::app::App;
use crate::crypto::{hash_token, new_token};
use crate::services::totp::{matching_step, totp_for};
use crate::store::staff::{self, StaffRow};
use serde::{Deserialize, Serialize};
use totp_rs::Secret;

const FLOW: &str = "staff_sign_in";
const FLOW_TTL_SECS: i64 = 10 * 60;
/// Activity is recorded at most this often.
const TOUCH_EVERY_SECS: i64 = 30;

/// State between the password and the code.
#[derive(Debug, Serialize, Deserialize)]
struct SignInState {
    staff_id: huduma_domain::StaffId,
    /// A fresh secret being set up (members without one).
    new_secret: Option<String>,
}

/// What the second step asks for.
#[derive(Debug, Clone)]
pub enum SecondStep {
    /// A code from the app already set up.
    Code,
    /// Set the app up first: the secret to type and the `otpauth://` URL for the QR code.
    Setup {
        /// Base32 secret.
        secret: String,
        /// QR content.
        otpauth_url: String,
    },
}

/// Step one: the password. Unknown members, wrong passwords and deactivated members get
/// the same answer.
pub async fn start(app: &App, email: &str, password: &str, who: &Requester) -> ServiceResult<(String, SecondStep)> {
    if email.trim().is_empty() {
        return Err(ServiceError::field("email", "email.required"));
    }
    if password.is_empty() {
        return Err(ServiceError::field("password", "password.required"));
    }
    rate_limit::hit(app, rate_limit::SIGN_IN_PER_IP, &who.ip).await?;
    rate_limit::hit(app, rate_limit::SIGN_IN_PER_IDENTIFIER, &crate::services::sign_in::limit_key(email)).await?;
    let member = {
        let mut conn = app.db.pool().acquire().await?;
        staff::by_email(&mut conn, email.trim()).await?
    };
    let ok = app.hasher.verify(password.to_owned(), member.as_ref().map(|m| m.password_hash.clone())).await?;
    let Some(member) = member.filter(|m| ok && m.active) else {
        return Err(ServiceError::field("email", "signin.failed"));
    };
    let new_secret = member.totp_secret.is_none().then(|| Secret::generate_secret().to_encoded().to_string());
    let mut tx = app.db.begin().await?;
    let state = SignInState { staff_id: member.id.clone(), new_secret };
    let token = flows::create(&mut tx, FLOW, None, &state, FLOW_TTL_SECS, app.clock.now()).await?;
    tx.commit().await?;
    Ok((token, second_step(&member, state.new_secret.as_deref())?))
}

fn second_step(member: &StaffRow, new_secret: Option<&str>) -> ServiceResult<SecondStep> {
    Ok(match new_secret {
        None => SecondStep::Code,
        Some(secret) => SecondStep::Setup { secret: secret.to_owned(), otpauth_url: totp_for(secret, &member.email)?.get_url() },
    })
}

/// What the second step shows for a flow in progress.
pub async fn second_step_of(app: &App, token: &str) -> ServiceResult<SecondStep> {
    let mut conn = app.db.pool().acquire().await?;
    let flow = flows::load::<SignInState>(&mut conn, token, FLOW, app.clock.now()).await?;
    let member = staff::by_id(&mut conn, &flow.data.staff_id).await?.ok_or(ServiceError::FlowExpired)?;
    second_step(&member, flow.data.new_secret.as_deref())
}

/// Step two: the code. Saves a newly set-up secret, burns the code's time step, records
/// the sign-in, and returns the session token.
pub async fn finish(app: &App, token: &str, typed: &str, who: &Requester) -> ServiceResult<String> {
    rate_limit::hit(app, rate_limit::CODE_CHECKS_PER_IP, &who.ip).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let flow = flows::load::<SignInState>(&mut tx, token, FLOW, now).await?;
    let member = staff::by_id(&mut tx, &flow.data.staff_id).await?.filter(|m| m.active).ok_or(ServiceError::FlowExpired)?;
    let secret = flow.data.new_secret.clone().or_else(|| member.totp_secret.clone()).ok_or(ServiceError::FlowExpired)?;
    let check = async |conn: &mut crate::store::Conn| {
        let step = matching_step(&totp_for(&secret, &member.email)?, typed, now).ok_or(ServiceError::field("code", "totp.wrong"))?;
        if flow.data.new_secret.is_some() {
            staff::set_totp(conn, &member.id, Some(&secret), Some(step), now).await?;
        } else if !staff::advance_totp_step(conn, &member.id, step).await? {
            return Err(ServiceError::field("code", "totp.replayed"));
        }
        Ok(())
    };
    if let Err(err) = flows::counted_guess(&mut tx, &flow.hash, "totp.too_many_attempts", check).await {
        // The counted guess must stay counted.
        tx.commit().await?;
        return Err(err);
    }
    crate::store::flows::delete(&mut tx, &flow.hash).await?;
    let session = new_token();
    let expires_at = now + app.config.staff_session_absolute_secs;
    let user_agent: String = who.user_agent.chars().take(200).collect();
    staff::insert_session(&mut tx, &hash_token(&session), &member.id, now, expires_at, &user_agent, &who.ip).await?;
    let entry = audit::Entry {
        actor: audit::Actor::Staff { id: &member.id, name: &member.name },
        agency: member.agency.as_deref(),
        action: if flow.data.new_secret.is_some() { "staff.sign_in_with_new_authenticator" } else { "staff.sign_in" },
        subject: format!("staff:{}", member.id),
        details: serde_json::json!({ "user_agent": user_agent }),
        ip: &who.ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(session)
}

/// Resolves a staff session token to an active member.
pub async fn authenticate(app: &App, token: &str) -> ServiceResult<Option<StaffMember>> {
    let now = app.clock.now();
    let token_hash = hash_token(token);
    let mut conn = app.db.pool().acquire().await?;
    let Some((row, last_seen_at)) = staff::by_session(&mut conn, &token_hash, now, app.config.staff_session_idle_secs).await? else {
        return Ok(None);
    };
    if !row.active {
        return Ok(None);
    }
    let role = row.role;
    if now - last_seen_at >= TOUCH_EVERY_SECS {
        staff::touch_session(&mut conn, &token_hash, now).await?;
    }
    Ok(Some(StaffMember { row, role, token_hash }))
}

/// Ends the member's session.
pub async fn sign_out(app: &App, member: &StaffMember, who: &Requester) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    staff::delete_session(&mut tx, &member.token_hash).await?;
    let entry = audit::Entry {
        actor: member.actor(),
        agency: member.agency(),
        action: "staff.sign_out",
        subject: format!("staff:{}", member.row.id),
        details: serde_json::json!({}),
        ip: &who.ip,
    };
    audit::record(&mut tx, entry, app.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

//! Authenticator apps (TOTP, RFC 6238), with a replay guard: each 30-second step is
//! accepted once.

use super::{ServiceError, ServiceResult, flows};
use crate::app::App;
use crate::store::Conn;
use crate::store::accounts::{self, AccountRow};
use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, Secret, TOTP};

const STEP_SECS: u64 = 30;
const SETUP_TTL_SECS: i64 = 15 * 60;

pub(crate) fn totp_for(secret_base32: &str, account_name: &str) -> ServiceResult<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().map_err(|e| anyhow::anyhow!("TOTP secret: {e:?}"))?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS, bytes, Some("Huduma".into()), account_name.to_owned())
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("TOTP: {e}")))
}

/// The time step whose code matches, allowing one step of clock drift either way.
pub(crate) fn matching_step(totp: &TOTP, typed: &str, now: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(char::is_ascii_digit).collect();
    let now = u64::try_from(now).ok()?;
    [now.saturating_sub(STEP_SECS), now, now + STEP_SECS]
        .into_iter()
        .find(|t| crate::crypto::constant_time_eq(&totp.generate(*t), &typed))
        .map(|t| (t / STEP_SECS) as i64)
}

/// Checks a code from the account's app and burns its step.
pub async fn check_current(app: &App, conn: &mut Conn, account: &AccountRow, typed: &str) -> ServiceResult<()> {
    let secret = account.totp_secret.as_deref().ok_or(ServiceError::field("code", "totp.wrong"))?;
    let totp = totp_for(secret, &account.email)?;
    let step = matching_step(&totp, typed, app.clock.now()).ok_or(ServiceError::field("code", "totp.wrong"))?;
    if !accounts::advance_totp_step(conn, &account.id, step).await? {
        return Err(ServiceError::field("code", "totp.replayed"));
    }
    Ok(())
}

/// A setup in progress.
#[derive(Debug, Serialize, Deserialize)]
struct SetupState {
    secret: String,
}

/// What the person needs to add Huduma to their app.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Setup {
    /// Token of the setup flow.
    pub token: String,
    /// Base32 secret to type in by hand.
    pub secret: String,
    /// `otpauth://` URL (the QR code's content).
    pub otpauth_url: String,
}

/// Starts a setup with a fresh secret.
pub async fn begin_setup(app: &App, account: &AccountRow) -> ServiceResult<Setup> {
    let secret = Secret::generate_secret().to_encoded().to_string();
    let totp = totp_for(&secret, &account.email)?;
    let mut tx = app.db.begin().await?;
    let token =
        flows::create(&mut tx, "totp", Some(&account.id), &SetupState { secret: secret.clone() }, SETUP_TTL_SECS, app.clock.now()).await?;
    tx.commit().await?;
    Ok(Setup { token, secret, otpauth_url: totp.get_url() })
}

/// Reloads a setup in progress (to show its QR code again).
pub async fn setup_of(app: &App, account: &AccountRow, token: &str) -> ServiceResult<Setup> {
    let mut conn = app.db.pool().acquire().await?;
    let flow = flows::load::<SetupState>(&mut conn, token, "totp", app.clock.now()).await?;
    if flow.account_id.as_ref() != Some(&account.id) {
        return Err(ServiceError::FlowExpired);
    }
    let totp = totp_for(&flow.data.secret, &account.email)?;
    Ok(Setup { token: token.to_owned(), secret: flow.data.secret, otpauth_url: totp.get_url() })
}

/// Confirms the setup with a first code from the app.
pub async fn confirm_setup(app: &App, account: &AccountRow, token: &str, typed: &str) -> ServiceResult<()> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let flow = flows::load::<SetupState>(&mut tx, token, "totp", now).await?;
    if flow.account_id.as_ref() != Some(&account.id) {
        return Err(ServiceError::FlowExpired);
    }
    let totp = totp_for(&flow.data.secret, &account.email)?;
    let step = matching_step(&totp, typed, now).ok_or(ServiceError::field("code", "totp.wrong"))?;
    accounts::set_totp(&mut tx, &account.id, Some(&flow.data.secret), Some(step), now).await?;
    crate::store::flows::delete(&mut tx, &flow.hash).await?;
    tx.commit().await?;
    Ok(())
}

/// Turns the app off; needs a current code so a stolen session cannot do it.
pub async fn disable(app: &App, account: &AccountRow, typed: &str) -> ServiceResult<()> {
    let mut tx = app.db.begin().await?;
    check_current(app, &mut tx, account, typed).await?;
    accounts::set_totp(&mut tx, &account.id, None, None, app.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The current code for a secret, for tests that act as the person's phone.
pub fn code_at(secret_base32: &str, unix: i64) -> ServiceResult<String> {
    Ok(totp_for(secret_base32, "test@example.com")?.generate(u64::try_from(unix).unwrap_or_default()))
}

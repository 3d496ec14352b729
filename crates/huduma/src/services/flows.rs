//! Creating and loading multi-step flows with typed state.

use super::{ServiceError, ServiceResult};
use crate::crypto::{hash_token, new_token};
use crate::store::{Conn, flows};
use serde::{Serialize, de::DeserializeOwned};

/// A loaded flow: its token hash (the key of its codes), owner and state.
#[derive(Debug)]
pub struct Flow<T> {
    /// Hash of the client's token.
    pub hash: String,
    /// Account concerned.
    pub account_id: Option<huduma_domain::AccountId>,
    /// Typed state.
    pub data: T,
}

/// Starts a flow; returns the token to hand to the client.
pub async fn create<T: Serialize>(
    conn: &mut Conn,
    purpose: &str,
    account_id: Option<&huduma_domain::AccountId>,
    data: &T,
    ttl_secs: i64,
    now: i64,
) -> ServiceResult<String> {
    let token = new_token();
    let row = flows::FlowRow {
        token_hash: hash_token(&token),
        purpose: purpose.to_owned(),
        account_id: account_id.cloned(),
        data: serde_json::to_string(data).map_err(anyhow::Error::from)?,
        expires_at: now + ttl_secs,
    };
    flows::insert(conn, &row, now).await?;
    Ok(token)
}

/// Loads a live flow of `purpose`, or [`ServiceError::FlowExpired`].
pub async fn load<T: DeserializeOwned>(conn: &mut Conn, token: &str, purpose: &str, now: i64) -> ServiceResult<Flow<T>> {
    let row = flows::find(conn, &hash_token(token), purpose, now).await?.ok_or(ServiceError::FlowExpired)?;
    let data = serde_json::from_str(&row.data).map_err(anyhow::Error::from)?;
    Ok(Flow { hash: row.token_hash, account_id: row.account_id, data })
}

/// Saves new state.
pub async fn save<T: Serialize>(conn: &mut Conn, flow: &Flow<T>) -> ServiceResult<()> {
    flows::update_data(conn, &flow.hash, &serde_json::to_string(&flow.data).map_err(anyhow::Error::from)?).await?;
    Ok(())
}

/// Runs `check` as one counted guess at the flow's second factor (an authenticator code).
/// The guess is counted before the check, in one statement, inside the caller's
/// transaction — which the caller commits even when the check fails — so after five
/// wrong guesses the flow is locked (`locked`) whatever arrives at once, and the person
/// starts again from the password.
pub async fn counted_guess<T>(
    conn: &mut Conn,
    flow_hash: &str,
    locked: &'static str,
    check: impl AsyncFnOnce(&mut Conn) -> ServiceResult<T>,
) -> ServiceResult<T> {
    let Some(left) = flows::claim_attempt(conn, flow_hash, super::codes::MAX_ATTEMPTS).await? else {
        return Err(ServiceError::field("code", locked));
    };
    match check(conn).await {
        Err(ServiceError::Invalid(_)) if left == 0 => Err(ServiceError::field("code", locked)),
        Ok(value) => {
            flows::refund_attempt(conn, flow_hash).await?;
            Ok(value)
        }
        other => other,
    }
}

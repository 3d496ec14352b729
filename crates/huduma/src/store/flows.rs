//! Multi-step flows in progress (registration, verification, sign-in, password reset,
//! change of contact). Their state is JSON chosen by the use case that owns the flow.

use super::Conn;
use super::statements::statements;
use huduma_domain::AccountId;
use sqlx::Row;

statements! {
    /// Stores a new flow.
    INSERT = "INSERT INTO flows (token_hash, purpose, account_id, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
    /// Finds an unexpired flow of the given purpose.
    FIND = "SELECT token_hash, purpose, account_id, data, expires_at FROM flows WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3";
    /// Replaces the flow's state.
    UPDATE_DATA = "UPDATE flows SET data = $2 WHERE token_hash = $1";
    /// Counts one guess at the flow's second factor before it is compared.
    CLAIM_ATTEMPT = "UPDATE flows SET attempts = attempts + 1 WHERE token_hash = $1 AND attempts < $2 RETURNING attempts";
    /// Gives back a guess counted by [`claim_attempt`] that turned out right.
    REFUND_ATTEMPT = "UPDATE flows SET attempts = attempts - 1 WHERE token_hash = $1 AND attempts > 0";
    /// Ends a flow (its codes go with it).
    DELETE = "DELETE FROM flows WHERE token_hash = $1";
    /// Removes expired flows.
    PURGE_EXPIRED = "DELETE FROM flows WHERE expires_at <= $1";
}

/// A flow as stored.
#[derive(Debug, Clone)]
pub struct FlowRow {
    /// Hash of the token the client holds.
    pub token_hash: String,
    /// What the flow is for (`register`, `verify`, `sign_in`, `reset`, `contact`).
    pub purpose: String,
    /// The account concerned, once known.
    pub account_id: Option<AccountId>,
    /// Use-case state as JSON.
    pub data: String,
    /// Expiry.
    pub expires_at: i64,
}

/// Stores a new flow.
pub async fn insert(conn: &mut Conn, row: &FlowRow, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(row.token_hash.clone())
        .bind(row.purpose.clone())
        .bind(row.account_id.as_ref().map(AccountId::as_str))
        .bind(row.data.clone())
        .bind(now)
        .bind(row.expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Finds an unexpired flow of the given purpose.
pub async fn find(conn: &mut Conn, token_hash: &str, purpose: &str, now: i64) -> Result<Option<FlowRow>, sqlx::Error> {
    let row = sqlx::query(FIND).bind(token_hash.to_owned()).bind(purpose.to_owned()).bind(now).fetch_optional(conn).await?;
    row.map(|r| {
        Ok(FlowRow {
            token_hash: r.try_get("token_hash")?,
            purpose: r.try_get("purpose")?,
            account_id: super::decode::stored_opt(&r, "", "account_id")?,
            data: r.try_get("data")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Replaces the flow's state.
pub async fn update_data(conn: &mut Conn, token_hash: &str, data: &str) -> Result<(), sqlx::Error> {
    sqlx::query(UPDATE_DATA).bind(token_hash.to_owned()).bind(data.to_owned()).execute(conn).await?;
    Ok(())
}

/// Counts one guess at the flow's second factor before it is compared.
/// the guesses left after this one, or None when the flow is used up (nothing is counted).
pub async fn claim_attempt(conn: &mut Conn, token_hash: &str, max: i64) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(CLAIM_ATTEMPT).bind(token_hash.to_owned()).bind(max).fetch_optional(conn).await?;
    row.map(|r| r.try_get::<i64, _>(0).map(|attempts| max - attempts)).transpose()
}

/// Gives back a guess counted by [`claim_attempt`] that turned out right.
pub async fn refund_attempt(conn: &mut Conn, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(REFUND_ATTEMPT).bind(token_hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Ends a flow (its codes go with it).
pub async fn delete(conn: &mut Conn, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(DELETE).bind(token_hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Removes expired flows.
pub async fn purge_expired(conn: &mut Conn, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(PURGE_EXPIRED).bind(now).execute(conn).await?.rows_affected())
}

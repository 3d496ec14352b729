//! One-time codes, stored hashed, expiring and attempt-limited.

use super::Conn;
use super::statements::statements;
use sqlx::Row;

statements! {
    /// Retires a flow's earlier codes for the same purpose.
    CONSUME_EARLIER = "UPDATE one_time_codes SET consumed_at = $3 WHERE flow_hash = $1 AND purpose = $2 AND consumed_at IS NULL";
    /// Stores a code, superseding earlier unconsumed ones for the same flow and purpose.
    INSERT = "INSERT INTO one_time_codes (id, flow_hash, purpose, channel, destination, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    /// The current code of a flow for a purpose, expired or not (the caller says which).
    CURRENT = "SELECT id, destination, channel, code_hash, created_at, expires_at, attempts FROM one_time_codes \
         WHERE flow_hash = $1 AND purpose = $2 AND consumed_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1";
    /// Counts a guess before it is compared (one statement, so concurrent guesses all count).
    CLAIM_ATTEMPT = "UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2 AND consumed_at IS NULL RETURNING attempts";
    /// Gives back a counted guess that was right (right codes do not use up attempts).
    REFUND_ATTEMPT = "UPDATE one_time_codes SET attempts = attempts - 1 WHERE id = $1 AND attempts > 0";
    /// Marks a code used; false when it was already used (a double submit).
    CONSUME = "UPDATE one_time_codes SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL";
}

/// The newest unconsumed code of a flow for one purpose.
#[derive(Debug, Clone)]
pub struct CodeRow {
    /// Id (part of the hash input, so equal codes hash differently).
    pub id: String,
    /// Where it was sent.
    pub destination: String,
    /// `sms` or `email`.
    pub channel: String,
    /// HMAC of the code.
    pub code_hash: String,
    /// Creation time (for resend throttling).
    pub created_at: i64,
    /// Expiry.
    pub expires_at: i64,
    /// Wrong guesses so far.
    pub attempts: i64,
}

/// What a new code is.
#[derive(Debug)]
pub struct NewCode<'a> {
    pub id: &'a str,
    /// Flow it belongs to.
    pub flow_hash: &'a str,
    /// What it proves (`verify_phone`, `sign_in`, …).
    pub purpose: &'a str,
    /// `sms` or `email`.
    pub channel: &'a str,
    /// Phone or email it goes to.
    pub destination: &'a str,
    /// HMAC of the code.
    pub code_hash: &'a str,
    /// Expiry.
    pub expires_at: i64,
}

/// Stores a code, superseding earlier unconsumed ones for the same flow and purpose.
pub async fn insert(conn: &mut Conn, new: &NewCode<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(CONSUME_EARLIER).bind(new.flow_hash.to_owned()).bind(new.purpose.to_owned()).bind(now).execute(&mut *conn).await?;
    sqlx::query(INSERT)
        .bind(new.id.to_owned())
        .bind(new.flow_hash.to_owned())
        .bind(new.purpose.to_owned())
        .bind(new.channel.to_owned())
        .bind(new.destination.to_owned())
        .bind(new.code_hash.to_owned())
        .bind(now)
        .bind(new.expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// The current code of a flow for a purpose, expired or not (the caller says which).
pub async fn current(conn: &mut Conn, flow_hash: &str, purpose: &str) -> Result<Option<CodeRow>, sqlx::Error> {
    let row = sqlx::query(CURRENT).bind(flow_hash.to_owned()).bind(purpose.to_owned()).fetch_optional(conn).await?;
    row.map(|r| {
        Ok(CodeRow {
            id: r.try_get("id")?,
            destination: r.try_get("destination")?,
            channel: r.try_get("channel")?,
            code_hash: r.try_get("code_hash")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
            attempts: r.try_get("attempts")?,
        })
    })
    .transpose()
}

/// Counts a guess before it is compared (one statement, so concurrent guesses all count).
/// cannot all pass the limit: the guesses left after this one, or None when the code is
/// used up (or consumed meanwhile) and nothing was counted.
pub async fn claim_attempt(conn: &mut Conn, id: &str, max: i64) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query(CLAIM_ATTEMPT).bind(id.to_owned()).bind(max).fetch_optional(conn).await?;
    row.map(|r| r.try_get::<i64, _>(0).map(|attempts| max - attempts)).transpose()
}

/// Gives back a counted guess that was right (right codes do not use up attempts).
pub async fn refund_attempt(conn: &mut Conn, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(REFUND_ATTEMPT).bind(id.to_owned()).execute(conn).await?;
    Ok(())
}

/// Marks a code used; false when it was already used (a double submit).
pub async fn consume(conn: &mut Conn, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(CONSUME).bind(id.to_owned()).bind(now).execute(conn).await?;
    Ok(result.rows_affected() == 1)
}

//! The stored STK callbacks that wait for Daraja's status query to confirm them.

use super::Conn;
use super::statements::statements;
use sqlx::Row;

statements! {
    /// A stored M-Pesa message's body and what we made of it so far.
    MESSAGE = "SELECT body, outcome FROM provider_messages WHERE id = $1 AND provider = 'mpesa'";
    /// Records what a confirmation led to, once: only while the message still waits.
    RESOLVE = "UPDATE provider_messages SET outcome = $1 WHERE id = $2 AND outcome = 'unconfirmed'";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// As received.
    pub body: String,
    /// What we made of it (`unconfirmed` while it waits).
    pub outcome: Option<String>,
}

/// The M-Pesa message with this id.
pub async fn message(conn: &mut Conn, id: i64) -> Result<Option<StoredMessage>, sqlx::Error> {
    let row = sqlx::query(MESSAGE).bind(id).fetch_optional(conn).await?;
    row.map(|r| Ok(StoredMessage { body: r.try_get("body")?, outcome: r.try_get("outcome")? })).transpose()
}

/// Sets the outcome of a message still `unconfirmed`; false when it was resolved already.
pub async fn resolve(conn: &mut Conn, id: i64, outcome: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(RESOLVE).bind(outcome.to_owned()).bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

//! Messages the sandboxes received, for `/sandbox/messages`.

use super::Conn;
use super::statements::statements;
use sqlx::Row;

statements! {
    /// Records a received message.
    INSERT = "INSERT INTO sandbox_messages (id, channel, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
    /// Newest first.
    LATEST = "SELECT channel, recipient, subject, body, created_at FROM sandbox_messages ORDER BY created_at DESC, id DESC LIMIT $1";
}

/// A message as a sandbox provider received it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SandboxMessage {
    /// `sms` or `email`.
    pub channel: String,
    /// Phone or address.
    pub recipient: String,
    /// Email subject.
    pub subject: Option<String>,
    /// Text.
    pub body: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// Records a received message.
pub async fn insert(conn: &mut Conn, message: &SandboxMessage) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(super::new_id::<String>())
        .bind(message.channel.clone())
        .bind(message.recipient.clone())
        .bind(message.subject.clone())
        .bind(message.body.clone())
        .bind(message.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Newest first.
pub async fn latest(conn: &mut Conn, limit: i64) -> Result<Vec<SandboxMessage>, sqlx::Error> {
    sqlx::query(LATEST)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(SandboxMessage {
                channel: r.try_get("channel")?,
                recipient: r.try_get("recipient")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

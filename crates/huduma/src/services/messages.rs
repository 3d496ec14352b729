//! Messages to people, queued in the outbox inside the caller's transaction.

use crate::store::{Conn, outbox};
use serde::{Deserialize, Serialize};

/// An SMS job.
#[derive(Debug, Serialize, Deserialize)]
pub struct SmsJob {
    /// E.164 phone.
    pub to: String,
    /// Text.
    pub message: String,
}

/// An email job.
#[derive(Debug, Serialize, Deserialize)]
pub struct EmailJob {
    /// Address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Queues an SMS.
pub async fn queue_sms(conn: &mut Conn, to: &str, message: &str, now: i64) -> Result<(), sqlx::Error> {
    let job = SmsJob { to: to.to_owned(), message: message.to_owned() };
    outbox::enqueue(conn, "sms", &serde_json::to_string(&job).unwrap_or_default(), now).await
}

/// Queues an email.
pub async fn queue_email(conn: &mut Conn, to: &str, subject: &str, body: &str, now: i64) -> Result<(), sqlx::Error> {
    let job = EmailJob { to: to.to_owned(), subject: subject.to_owned(), body: body.to_owned() };
    outbox::enqueue(conn, "email", &serde_json::to_string(&job).unwrap_or_default(), now).await
}

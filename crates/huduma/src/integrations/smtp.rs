//! Email through SMTP (lettre). In sandbox mode the server is the in-tree sink.

use crate::secret::Secret;
use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The production mail client.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// Connects lazily to `url` (`smtp://`, `smtps://`, with credentials when needed).
    pub fn new(url: &Secret, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose()).context("HUDUMA_SMTP_URL")?.build();
        let from = from.parse().context("HUDUMA_EMAIL_FROM is not an address")?;
        Ok(Self { transport, from })
    }

    /// Opens a connection and says hello (the status page's check), sending nothing.
    pub async fn check(&self) -> anyhow::Result<()> {
        match self.transport.test_connection().await.context("SMTP connection")? {
            true => Ok(()),
            false => anyhow::bail!("the SMTP server did not accept the connection"),
        }
    }

    /// Sends a plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse().context("recipient address")?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .context("building the message")?;
        self.transport.send(message).await.context("SMTP delivery")?;
        Ok(())
    }
}

//! The sandbox mail server: a minimal SMTP server that accepts every message and records
//! it for `/sandbox/messages`. The real SMTP client (lettre) delivers to it, so the
//! production email path runs in every test.

use crate::clock::Clock;
use crate::store::{Db, sandbox_messages};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Largest message the sink accepts.
const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// Serves SMTP on `listener` until the process ends.
pub async fn serve(listener: TcpListener, db: Db, clock: Clock) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (db, clock) = (db.clone(), clock.clone());
        tokio::spawn(async move {
            if let Err(err) = session(stream, &db, &clock).await {
                tracing::warn!(error = %err, "sandbox SMTP session failed");
            }
        });
    }
}

async fn session(stream: TcpStream, db: &Db, clock: &Clock) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 huduma-sandbox ESMTP ready\r\n").await?;
    let mut recipients: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-huduma-sandbox\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO") || command.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if command.starts_with("MAIL FROM:") || command.starts_with("RSET") {
            recipients.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO:") {
            let address = line.trim_end()[8..].trim().trim_start_matches('<').split('>').next().unwrap_or("").to_owned();
            recipients.push(address);
            b"250 OK\r\n"
        } else if command == "DATA" {
            write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let raw = read_data(&mut lines).await?;
            let (subject, body) = parse_message(&raw);
            let now = clock.now();
            let mut conn = db.pool().acquire().await?;
            for recipient in &recipients {
                let message = sandbox_messages::SandboxMessage {
                    channel: "email".into(),
                    recipient: recipient.clone(),
                    subject: Some(subject.clone()),
                    body: body.clone(),
                    created_at: now,
                };
                sandbox_messages::insert(&mut conn, &message).await?;
            }
            b"250 OK: queued\r\n"
        } else if command == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut R) -> anyhow::Result<String> {
    let mut raw = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 || line.trim_end_matches(['\r', '\n']) == "." {
            return Ok(raw);
        }
        // Undo dot-stuffing.
        raw.push_str(line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line));
        anyhow::ensure!(raw.len() <= MAX_MESSAGE_BYTES, "message too large");
    }
}

/// Splits a received message into its decoded subject and text body.
pub fn parse_message(raw: &str) -> (String, String) {
    let normalised = raw.replace("\r\n", "\n");
    let (head, body) = normalised.split_once("\n\n").unwrap_or((&normalised, ""));
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        unfolded
            .lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned()))
            .unwrap_or_default()
    };
    let subject = decode_encoded_words(&header("Subject"));
    let encoding = header("Content-Transfer-Encoding").to_ascii_lowercase();
    let text = match encoding.as_str() {
        "base64" => STANDARD
            .decode(body.split_whitespace().collect::<String>())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|_| body.to_owned()),
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_owned(),
    };
    (subject, text.trim_end().to_owned())
}

/// Decodes RFC 2047 `=?utf-8?b?…?=` / `?q?` words (lettre's form for non-ASCII
/// subjects). Whitespace between two encoded words is dropped, as the RFC says.
fn decode_encoded_words(value: &str) -> String {
    let mut out = String::new();
    let mut previous_encoded = false;
    for word in value.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let decoded = if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            STANDARD.decode(&word[10..word.len() - 2]).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
        } else if lower.starts_with("=?utf-8?q?") && word.ends_with("?=") {
            Some(decode_quoted_printable(&word[10..word.len() - 2].replace('_', " ")))
        } else {
            None
        };
        let joins_encoded_words = previous_encoded && decoded.is_some();
        if !out.is_empty() && !joins_encoded_words {
            out.push(' ');
        }
        previous_encoded = decoded.is_some();
        out.push_str(&decoded.unwrap_or_else(|| word.to_owned()));
    }
    out
}

fn decode_quoted_printable(text: &str) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let raw = text.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'=' if raw.get(i + 1) == Some(&b'\n') => i += 2,
            b'=' if i + 2 < raw.len() => match u8::from_str_radix(std::str::from_utf8(&raw[i + 1..i + 3]).unwrap_or("zz"), 16) {
                Ok(b) => {
                    bytes.push(b);
                    i += 3;
                }
                Err(_) => {
                    bytes.push(b'=');
                    i += 1;
                }
            },
            b => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_lettre_sends() {
        let raw = "From: a@b.c\r\nSubject: =?utf-8?b?TmFtYmEg4oCU?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCode: 123456=\r\n is here =E2=80=94 ok\r\n";
        let (subject, body) = parse_message(raw);
        assert_eq!(subject, "Namba —");
        assert_eq!(body, "Code: 123456 is here — ok");
        assert_eq!(parse_message("Subject: Karibu =?utf-8?b?4oCT?= habari\n\nx").0, "Karibu – habari");
        assert_eq!(parse_message("Subject: =?utf-8?b?4oCT?= =?utf-8?b?4oCT?=\n\nx").0, "––");
        let plain = "Subject: Hello there\n\nLine one\n";
        assert_eq!(parse_message(plain), ("Hello there".into(), "Line one".into()));
    }
}

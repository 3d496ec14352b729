//! A ClamAV client speaking clamd's `INSTREAM` protocol over TCP.

use crate::rejection::Rejection;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// clamd's largest useful chunk; bigger ones gain nothing and cost memory on its side.
const CHUNK: usize = 64 * 1024;

/// Longest reply we read. Real replies are a signature name or a short error.
const MAX_REPLY: usize = 4 * 1024;

/// What clamd said about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanVerdict {
    /// No signature matched.
    Clean,
    /// A signature matched; its name, for logs.
    Infected(String),
}

impl ScanVerdict {
    /// `Ok` for a clean file, [`Rejection::Infected`] otherwise.
    pub fn into_result(self) -> Result<(), Rejection> {
        match self {
            Self::Clean => Ok(()),
            Self::Infected(signature) => Err(Rejection::Infected { signature }),
        }
    }
}

/// The scan did not produce a verdict. Callers fail closed: see `From<ScanError> for Rejection`.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// clamd was not listening, or the connection broke.
    #[error("talking to clamd: {0}")]
    Io(#[from] std::io::Error),
    /// The whole exchange took longer than allowed.
    #[error("clamd did not answer in time")]
    Timeout,
    /// The file is bigger than clamd's `StreamMaxLength`.
    #[error("clamd refused the file: INSTREAM size limit exceeded")]
    SizeLimit,
    /// clamd said something we do not understand.
    #[error("unexpected reply from clamd: {0:?}")]
    Unexpected(String),
}

impl From<ScanError> for Rejection {
    /// An unscanned file is never stored.
    fn from(_: ScanError) -> Self {
        Rejection::ScanUnavailable
    }
}

/// Scans `bytes` with the clamd at `addr` (`host:port`). `timeout` bounds the whole exchange.
pub async fn scan(addr: &str, bytes: &[u8], timeout: Duration) -> Result<ScanVerdict, ScanError> {
    tokio::time::timeout(timeout, scan_inner(addr, bytes)).await.map_err(|_| ScanError::Timeout)?
}

async fn scan_inner(addr: &str, bytes: &[u8]) -> Result<ScanVerdict, ScanError> {
    let mut stream = TcpStream::connect(addr).await?;
    let sent = send_instream(&mut stream, bytes).await;
    // clamd answers "size limit exceeded" and hangs up mid-upload, so a failed write may still
    // have a reply waiting behind it: read that before reporting the write error.
    let reply = read_reply(&mut stream).await;
    match (reply, sent) {
        (Ok(reply), _) if !reply.is_empty() => parse_scan_reply(&reply),
        (_, Err(error)) => Err(error.into()),
        (Err(error), Ok(())) => Err(error.into()),
        (Ok(_), Ok(())) => Err(ScanError::Unexpected(String::new())),
    }
}

async fn send_instream(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    stream.write_all(b"zINSTREAM\0").await?;
    for chunk in bytes.chunks(CHUNK) {
        // Chunks are at most 64 KiB, so the length always fits in u32.
        let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
        stream.write_all(&len.to_be_bytes()).await?;
        stream.write_all(chunk).await?;
    }
    stream.write_all(&0u32.to_be_bytes()).await?;
    stream.flush().await
}

/// Asks clamd whether it is alive (`zPING` → `PONG`); for health checks.
pub async fn ping(addr: &str, timeout: Duration) -> Result<(), ScanError> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(b"zPING\0").await?;
        let reply = read_reply(&mut stream).await?;
        if reply == "PONG" { Ok(()) } else { Err(ScanError::Unexpected(reply)) }
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| ScanError::Timeout)?
}

/// Reads up to the `\0` that ends a z-command reply (or the end of the connection).
async fn read_reply(stream: &mut (impl AsyncRead + Unpin)) -> std::io::Result<String> {
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    while reply.len() < MAX_REPLY {
        match stream.read(&mut byte).await? {
            0 => break,
            _ if byte[0] == 0 => break,
            _ => reply.push(byte[0]),
        }
    }
    Ok(String::from_utf8_lossy(&reply).trim_end().to_owned())
}

fn parse_scan_reply(reply: &str) -> Result<ScanVerdict, ScanError> {
    if reply == "stream: OK" {
        return Ok(ScanVerdict::Clean);
    }
    if let Some(signature) = reply.strip_prefix("stream: ").and_then(|rest| rest.strip_suffix(" FOUND")) {
        return Ok(ScanVerdict::Infected(signature.to_owned()));
    }
    if reply.contains("size limit exceeded") {
        return Err(ScanError::SizeLimit);
    }
    Err(ScanError::Unexpected(reply.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_replies() {
        assert_eq!(parse_scan_reply("stream: OK").unwrap(), ScanVerdict::Clean);
        assert_eq!(parse_scan_reply("stream: Win.Test.EICAR_HDB-1 FOUND").unwrap(), ScanVerdict::Infected("Win.Test.EICAR_HDB-1".into()));
        assert!(matches!(parse_scan_reply("INSTREAM size limit exceeded. ERROR"), Err(ScanError::SizeLimit)));
        assert!(matches!(parse_scan_reply("stream: lstat() failed. ERROR"), Err(ScanError::Unexpected(_))));
    }

    #[test]
    fn verdicts_become_rejections() {
        assert_eq!(ScanVerdict::Clean.into_result(), Ok(()));
        assert_eq!(ScanVerdict::Infected("X".into()).into_result(), Err(Rejection::Infected { signature: "X".into() }));
        assert_eq!(Rejection::from(ScanError::Timeout), Rejection::ScanUnavailable);
    }
}

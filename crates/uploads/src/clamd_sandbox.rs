//! A clamd simulator for tests and Huduma's sandbox mode.
//!
//! It speaks the real protocol (`PING`, `VERSION`, `INSTREAM` with chunk framing and a
//! `StreamMaxLength`), so the client is exercised exactly as against ClamAV; only the
//! signature database is reduced to the EICAR test file.

use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// clamd's default `StreamMaxLength`.
pub const STREAM_MAX_LENGTH: usize = 25 * 1024 * 1024;

/// The version string `VERSION` answers with.
pub const VERSION: &str = "ClamAV 1.0.0/Huduma sandbox";

/// The signature name reported for the EICAR test file, as ClamAV names it.
pub const EICAR_SIGNATURE: &str = "Eicar-Test-Signature";

/// The standard antivirus test string; harmless, and every scanner reports it.
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// Like clamd's `CommandReadTimeout` and `ReadTimeout`: idle clients are dropped.
const IDLE: Duration = Duration::from_secs(30);

/// Longest command we read, e.g. `zINSTREAM\0`.
const MAX_COMMAND: usize = 32;

/// Serves connections on `listener` until the task is dropped, each in its own task.
pub async fn serve(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(handle(stream));
            }
            // Out of file descriptors and the like: pause rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// One connection: one command, one reply. A client that stalls or breaks the framing is
/// dropped, as clamd would.
async fn handle(mut stream: TcpStream) {
    let _ = tokio::time::timeout(IDLE, converse(&mut stream)).await;
}

async fn converse(stream: &mut TcpStream) -> std::io::Result<()> {
    let Some((command, terminator)) = read_command(stream).await? else {
        return Ok(());
    };
    let reply = match command.as_str() {
        "PING" => "PONG".to_owned(),
        "VERSION" => VERSION.to_owned(),
        "INSTREAM" => match read_instream(stream).await? {
            Instream::Data(data) if contains(&data, EICAR) => format!("stream: {EICAR_SIGNATURE} FOUND"),
            Instream::Data(_) => "stream: OK".to_owned(),
            Instream::TooLong => {
                write_reply(stream, "INSTREAM size limit exceeded. ERROR", terminator).await?;
                // Take in what the client is still sending before closing, so the close does not
                // reset the connection and destroy the reply before the client reads it.
                stream.shutdown().await?;
                drain(stream).await;
                return Ok(());
            }
        },
        _ => "UNKNOWN COMMAND".to_owned(),
    };
    write_reply(stream, &reply, terminator).await
}

/// Reads `zCOMMAND\0` or `nCOMMAND\n`, returning the command and the reply terminator.
async fn read_command(stream: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Option<(String, u8)>> {
    let mut first = [0u8; 1];
    if stream.read(&mut first).await? == 0 {
        return Ok(None);
    }
    let terminator = match first[0] {
        b'z' => 0,
        b'n' => b'\n',
        _ => return Ok(None),
    };
    let mut command = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        stream.read_exact(&mut byte).await?;
        if byte[0] == terminator {
            break;
        }
        if command.len() == MAX_COMMAND {
            return Ok(None);
        }
        command.push(byte[0]);
    }
    Ok(Some((String::from_utf8_lossy(&command).into_owned(), terminator)))
}

enum Instream {
    Data(Vec<u8>),
    TooLong,
}

/// Reads length-prefixed chunks until the zero-length one.
async fn read_instream(stream: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Instream> {
    let mut data = Vec::new();
    loop {
        let mut len = [0u8; 4];
        stream.read_exact(&mut len).await?;
        let len = u32::from_be_bytes(len) as usize;
        if len == 0 {
            return Ok(Instream::Data(data));
        }
        // Checked before reading or allocating, so a forged length costs nothing.
        if data.len() + len > STREAM_MAX_LENGTH {
            return Ok(Instream::TooLong);
        }
        let start = data.len();
        data.resize(start + len, 0);
        stream.read_exact(&mut data[start..]).await?;
    }
}

async fn write_reply(stream: &mut (impl AsyncWrite + Unpin), reply: &str, terminator: u8) -> std::io::Result<()> {
    stream.write_all(reply.as_bytes()).await?;
    stream.write_all(&[terminator]).await?;
    stream.flush().await
}

/// Discards input until the client closes, for at most a few seconds.
async fn drain(stream: &mut (impl AsyncRead + Unpin)) {
    let mut sink = vec![0u8; 64 * 1024];
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    crate::sniff::find(haystack, needle).is_some()
}

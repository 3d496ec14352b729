//! The clamd client against the in-tree clamd sandbox, over real TCP on 127.0.0.1:0.
#![allow(clippy::unwrap_used)]

use huduma_uploads::Rejection;
use huduma_uploads::clamd::{self, ScanError, ScanVerdict};
use huduma_uploads::clamd_sandbox::{self, EICAR, EICAR_SIGNATURE, STREAM_MAX_LENGTH, VERSION};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Starts a sandbox on a free port and returns its address.
async fn sandbox() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(clamd_sandbox::serve(listener));
    addr
}

#[tokio::test]
async fn a_clean_file_is_clean() {
    let addr = sandbox().await;
    let verdict = clamd::scan(&addr, b"%PDF-1.4 nothing to see", TIMEOUT).await.unwrap();
    assert_eq!(verdict, ScanVerdict::Clean);
    assert_eq!(verdict.into_result(), Ok(()));
}

#[tokio::test]
async fn eicar_is_found() {
    let addr = sandbox().await;
    let verdict = clamd::scan(&addr, EICAR, TIMEOUT).await.unwrap();
    assert_eq!(verdict, ScanVerdict::Infected(EICAR_SIGNATURE.to_owned()));
    assert_eq!(verdict.into_result().unwrap_err().code(), "upload.infected");
}

#[tokio::test]
async fn eicar_split_across_chunks_is_found() {
    let addr = sandbox().await;
    // Put the test string across the 64 KiB chunk boundary the client uses.
    let mut bytes = vec![b' '; 64 * 1024 - 20];
    bytes.extend(EICAR);
    bytes.extend(vec![b' '; 1000]);
    let verdict = clamd::scan(&addr, &bytes, TIMEOUT).await.unwrap();
    assert_eq!(verdict, ScanVerdict::Infected(EICAR_SIGNATURE.to_owned()));
}

#[tokio::test]
async fn ping_gets_pong() {
    let addr = sandbox().await;
    clamd::ping(&addr, TIMEOUT).await.unwrap();
}

#[tokio::test]
async fn newline_commands_get_newline_replies() {
    let addr = sandbox().await;
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream.write_all(b"nVERSION\n").await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert_eq!(reply, format!("{VERSION}\n"));

    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream.write_all(b"nINSTREAM\n").await.unwrap();
    stream.write_all(&3u32.to_be_bytes()).await.unwrap();
    stream.write_all(b"abc").await.unwrap();
    stream.write_all(&0u32.to_be_bytes()).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert_eq!(reply, "stream: OK\n");
}

#[tokio::test]
async fn a_file_over_the_stream_limit_is_an_error() {
    let addr = sandbox().await;
    let bytes = vec![0u8; STREAM_MAX_LENGTH + 1];
    let error = clamd::scan(&addr, &bytes, TIMEOUT).await.unwrap_err();
    assert!(matches!(error, ScanError::SizeLimit), "got {error:?}");
    assert_eq!(Rejection::from(error), Rejection::ScanUnavailable);
}

#[tokio::test]
async fn a_closed_port_fails_fast() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let started = Instant::now();
    let error = clamd::scan(&addr, b"hello", TIMEOUT).await.unwrap_err();
    assert!(matches!(error, ScanError::Io(_)), "got {error:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert!(clamd::ping(&addr, TIMEOUT).await.is_err());
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // Accepts the connection and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let _held = tokio::spawn(async move {
        let (_stream, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
    let started = Instant::now();
    let error = clamd::scan(&addr, b"hello", Duration::from_millis(200)).await.unwrap_err();
    assert!(matches!(error, ScanError::Timeout), "got {error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

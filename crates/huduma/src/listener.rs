//! Accepting HTTP connections so that no client can hold the portal: a connection must
//! send its request headers within a deadline, a request body that stops arriving is cut
//! off, the number of open connections is capped (past the cap a connection gets a short
//! 503 and is closed), and the process asks the OS for as many file descriptors as it
//! may have before it starts.
//!
//! `axum::serve` offers none of these knobs, so connections are served here with hyper
//! directly, as `axum::serve` itself does underneath.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Descriptors kept back from the connection cap for the database pool, files, outbound
/// requests and the refusals themselves.
const RESERVED_DESCRIPTORS: u64 = 256;
/// The cap when the descriptor limit would allow more: one node behind a load balancer
/// never needs more open connections than this.
const DEFAULT_MAX_CONNECTIONS: u64 = 10_000;
/// How long the connections still open at shutdown may take to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The limits every connection is held to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; the next one is refused with a 503.
    pub max_connections: usize,
    /// Time a connection has to send a request's headers (also the keep-alive idle time).
    pub header_timeout: Duration,
    /// Longest pause while a request body is arriving.
    pub body_timeout: Duration,
}

/// Raises the soft limit on open files to the hard limit and returns the limit in force.
/// Where the OS does not allow it (or has no such limit) the current one is kept.
pub fn raise_descriptor_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(err) => {
            tracing::warn!(error = %err, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).ok().map(|(soft, _)| soft)
        }
    }
}

/// The connection cap: the configured one, else what the descriptor limit allows.
pub fn connection_cap(configured: Option<usize>, descriptor_limit: Option<u64>) -> usize {
    if let Some(max) = configured {
        return max.max(1);
    }
    let allowed = descriptor_limit.map_or(DEFAULT_MAX_CONNECTIONS, |limit| limit.saturating_sub(RESERVED_DESCRIPTORS) * 3 / 4);
    usize::try_from(allowed.clamp(64, DEFAULT_MAX_CONNECTIONS)).unwrap_or(64)
}

/// What a client past the cap reads before the connection closes.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\n\
Cache-Control: no-store\r\nConnection: close\r\nContent-Length: 96\r\n\r\n\
The portal is too busy to take your request. Try again in a few seconds. / Jaribu tena baadaye.\n";

/// Serves `router` on `listener` until `shutdown` completes, then lets open connections
/// finish for up to 30 seconds.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(limits.body_timeout));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of descriptors or a connection reset before accept: wait a moment
                    // instead of spinning, and keep serving the connections already open.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            metrics::counter!("huduma_connections_refused_total").increment(1);
            tokio::spawn(refuse(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period");
    }
}

/// Tells a client past the cap that the portal is busy, without reading its request.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(BUSY).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_for_everything_else() {
        assert_eq!(connection_cap(Some(50), Some(1024)), 50);
        assert_eq!(connection_cap(None, Some(1024)), 576);
        assert_eq!(connection_cap(None, Some(1_000_000)), 10_000);
        assert_eq!(connection_cap(None, Some(100)), 64);
        assert_eq!(connection_cap(None, None), 10_000);
    }

    #[test]
    fn the_busy_answer_is_a_whole_http_response() {
        let text = std::str::from_utf8(BUSY).expect("ASCII");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        let length: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).and_then(|v| v.parse().ok()).expect("length");
        assert_eq!(length, body.len());
        assert!(head.starts_with("HTTP/1.1 503"));
    }
}

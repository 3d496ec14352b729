//! The client's address: the socket peer, or — only when the peer is a trusted proxy —
//! the right-most untrusted address in `X-Forwarded-For`.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::app::App;

/// The resolved client address, in request extensions.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// Resolves the client address once per request.
pub fn resolve(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else { return peer };
    // Walk from the nearest hop outwards, skipping our own proxies.
    header.split(',').rev().filter_map(|part| part.trim().parse::<IpAddr>().ok()).find(|ip| !trusted.contains(ip)).unwrap_or(peer)
}

/// Middleware storing [`ClientIp`].
pub async fn layer(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let ip = resolve(peer, forwarded, &app.config.trusted_proxies);
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().expect("ip");
        let client: IpAddr = "41.90.1.2".parse().expect("ip");
        let spoofed = "1.2.3.4, 41.90.1.2";
        assert_eq!(resolve(client, Some("1.2.3.4"), &[proxy]), client, "untrusted peer: header ignored");
        assert_eq!(resolve(proxy, Some(spoofed), &[proxy]), client, "right-most untrusted hop");
        assert_eq!(resolve(proxy, None, &[proxy]), proxy);
    }
}

//! `GET /metrics` for `huduma worker`, which has no web listener of its own: the same
//! renderer and allow-list (`HUDUMA_METRICS_ALLOWED`, after trusted proxies) as the web
//! nodes, on the address in `HUDUMA_WORKER_METRICS_LISTEN`, so Prometheus scrapes workers
//! like nodes.

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

use crate::app::App;

/// Connections served at once: a scraper or two and an operator's `curl`.
const MAX_CONNECTIONS: usize = 16;

/// What `huduma worker` adds for its metrics when `HUDUMA_WORKER_METRICS_LISTEN` is set:
/// the listener and the gauges. Unset, the worker serves nothing and samples nothing,
/// since nobody could read it.
pub async fn start_for_worker(app: &Arc<App>) -> anyhow::Result<()> {
    let Some(addr) = app.config.worker_metrics_listen else { return Ok(()) };
    let bound = serve(app.clone(), addr).await?;
    tokio::spawn(super::gauges::run(app.clone()));
    tracing::info!(addr = %bound, "worker metrics on http://{bound}/metrics");
    Ok(())
}

/// Installs the recorder and serves `GET /metrics` on `addr` (port 0: a free port) until
/// the process ends; returns the address it listens on.
pub async fn serve(app: Arc<App>, addr: SocketAddr) -> anyhow::Result<SocketAddr> {
    crate::web::metrics::install();
    let listener = TcpListener::bind(addr).await.with_context(|| format!("listening for metrics on {addr}"))?;
    let bound = listener.local_addr()?;
    let limits = crate::listener::Limits {
        max_connections: MAX_CONNECTIONS,
        header_timeout: app.config.header_timeout,
        body_timeout: app.config.body_timeout,
    };
    let router = Router::new()
        .route("/metrics", get(crate::web::metrics::render))
        .layer(axum::middleware::from_fn_with_state(app.clone(), crate::web::client_ip::layer))
        .with_state(app);
    tokio::spawn(crate::listener::serve(listener, router, limits, std::future::pending()));
    Ok(bound)
}

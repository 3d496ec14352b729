//! The benchmark baseline: a bare axum "hello world" on the same runtime and machine, so
//! Huduma's figures can be reported as ratios that do not depend on the hardware.
//! Usage: `hello_baseline 127.0.0.1:8181`.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8181".into());
    let app = Router::new().route("/", get(|| async { "Hello, world!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}

//! The `huduma` binary.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    huduma::cli::main().await
}

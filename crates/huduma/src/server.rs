//! Starting the portal: database, sandboxes, workers and the HTTP listener.

use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

use crate::app::App;
use crate::clock::Clock;
use crate::config::{Config, RegisterConfig, SmsConfig};
use crate::secret::Secret;
use crate::store::Db;

/// A portal that is listening.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state (tests reach the database and clock through it).
    pub app: Arc<App>,
    /// The server task; ends when the process does.
    pub server: tokio::task::JoinHandle<()>,
}

/// Whether the outbox and clean-up workers run inside this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    /// `huduma serve`: web and workers together.
    InProcess,
    /// Web only (e.g. a node behind `huduma worker` processes).
    None,
}

/// Connects, migrates, points the clients at the sandboxes when sandbox mode is on,
/// binds the listener and serves.
pub async fn start(mut config: Config, clock: Clock, workers: Workers) -> anyhow::Result<Running> {
    crate::web::metrics::install();
    let descriptors = crate::listener::raise_descriptor_limit();
    let db = Db::connect_with(config.database_url.expose(), config.sqlite_durability).await?;
    db.migrate().await?;
    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let reachable = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
    config.callback_base_url = config.public_url.clone().unwrap_or_else(|| format!("http://{reachable}"));
    if config.sandbox {
        wire_sandboxes(&mut config, addr, &db, &clock).await?;
    }
    let app = Arc::new(crate::startup::assemble(config, db, clock)?);
    crate::services::catalogue::start(&app).await?;
    tokio::spawn(crate::services::catalogue::watch(app.clone()));
    tokio::spawn(crate::jobs::gauges::run(app.clone()));
    if workers == Workers::InProcess {
        tokio::spawn(crate::jobs::outbox_worker::run(app.clone()));
        crate::jobs::spawn_periodic(&app);
        tokio::spawn(crate::services::payments::mpesa::register_c2b(app.clone()));
        tokio::spawn(crate::services::payments::card::register_ipn(app.clone()));
    }
    // The simulators keep their own state, held by the sandbox routes, not by `App`.
    let simulators = app.config.sandbox.then(|| crate::simulators::Simulators::new(&app.config, app.db.clone(), app.clock.clone()));
    let router = crate::web::router(app.clone(), simulators);
    let limits = crate::listener::Limits {
        max_connections: crate::listener::connection_cap(app.config.max_connections, descriptors),
        header_timeout: app.config.header_timeout,
        body_timeout: app.config.body_timeout,
    };
    tracing::info!(
        max_connections = limits.max_connections,
        open_file_limit = descriptors,
        header_timeout_secs = limits.header_timeout.as_secs(),
        "accepting connections"
    );
    let server = tokio::spawn(crate::listener::serve(listener, router, limits, drain_on_signal(app.clone())));
    Ok(Running { addr, app, server })
}

/// In sandbox mode every provider that is not configured is the in-tree simulator: SMS
/// and the register are routes of this very server, email goes to an SMTP sink on a free
/// local port, clamd to a simulator on another. A provider whose URL (or address) is set
/// keeps it, so an agency can test against its own double of one provider while the
/// rest stays in the sandbox. One line per provider says which it is.
async fn wire_sandboxes(config: &mut Config, addr: SocketAddr, db: &Db, clock: &Clock) -> anyhow::Result<()> {
    let host = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
    let key = crate::crypto::new_token();
    match &config.sms {
        Some(sms) => {
            tracing::info!(provider = "sms", base_url = %sms.base_url, "SMS: the configured provider (HUDUMA_SMS_BASE_URL), not the sandbox")
        }
        None => {
            config.sms = Some(SmsConfig {
                base_url: format!("http://{host}/sandbox/africastalking"),
                username: "sandbox".into(),
                api_key: Secret::new(key.clone()),
                sender: Some("HUDUMA".into()),
            });
            tracing::info!(provider = "sms", "SMS: the in-tree sandbox");
        }
    }
    match &config.register {
        Some(register) => {
            tracing::info!(provider = "register", url = %without_credentials(&register.url), "population register: the configured provider (HUDUMA_REGISTER_URL), not the sandbox");
        }
        None => {
            config.register =
                Some(RegisterConfig { url: format!("http://{host}/sandbox/iprs"), username: "sandbox".into(), password: Secret::new(key) });
            tracing::info!(provider = "register", "population register: the in-tree sandbox");
        }
    }
    match &config.smtp_url {
        Some(url) => {
            tracing::info!(provider = "smtp", server = %without_credentials(url.expose()), "email: the configured SMTP server (HUDUMA_SMTP_URL), not the sandbox");
        }
        None => {
            let at = config.sandbox_smtp_listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
            let smtp = TcpListener::bind(at).await.with_context(|| format!("binding the sandbox SMTP sink on {at}"))?;
            let smtp_addr = smtp.local_addr()?;
            tokio::spawn(crate::integrations::smtp_sink::serve(smtp, db.clone(), clock.clone()));
            config.smtp_url = Some(Secret::new(format!("smtp://{smtp_addr}")));
            tracing::info!(provider = "smtp", address = %smtp_addr, "email: the in-tree sandbox SMTP sink");
        }
    }
    match &config.daraja {
        Some(daraja) => {
            tracing::info!(provider = "daraja", base_url = %daraja.base_url, "M-Pesa Daraja: the configured provider (HUDUMA_DARAJA_BASE_URL), not the sandbox")
        }
        None => {
            // The simulator's own credentials and Safaricom's published test short code and passkey.
            config.daraja = Some(crate::config::DarajaConfig {
                base_url: format!("http://{host}/sandbox/daraja"),
                consumer_key: Secret::new(crate::crypto::new_token()),
                consumer_secret: Secret::new(crate::crypto::new_token()),
                short_code: crate::simulators::daraja::SHORT_CODE.into(),
                passkey: Secret::new(crate::simulators::daraja::PASSKEY),
            });
            tracing::info!(provider = "daraja", "M-Pesa Daraja: the in-tree sandbox");
        }
    }
    match &config.pesapal {
        Some(pesapal) => {
            tracing::info!(provider = "pesapal", base_url = %pesapal.base_url, "cards (Pesapal): the configured provider (HUDUMA_PESAPAL_BASE_URL), not the sandbox")
        }
        None => {
            config.pesapal = Some(crate::integrations::pesapal::PesapalConfig {
                base_url: format!("http://{host}{}", crate::simulators::pesapal::MOUNT),
                consumer_key: Secret::new(crate::crypto::new_token()),
                consumer_secret: Secret::new(crate::crypto::new_token()),
            });
            tracing::info!(provider = "pesapal", "cards (Pesapal): the in-tree sandbox");
        }
    }
    match &config.clamd_address {
        Some(clamd) => {
            tracing::info!(provider = "clamd", address = %clamd, "virus scan: the configured clamd (HUDUMA_CLAMD_ADDRESS), not the sandbox")
        }
        None => {
            // Uploads are scanned in the sandbox too, so the EICAR test file is caught there.
            let clamd = TcpListener::bind(("127.0.0.1", 0)).await.context("binding the sandbox clamd")?;
            config.clamd_address = Some(clamd.local_addr()?.to_string());
            tokio::spawn(huduma_uploads::clamd_sandbox::serve(clamd));
            tracing::info!(provider = "clamd", "virus scan: the in-tree sandbox clamd");
        }
    }
    Ok(())
}

/// A URL's scheme, host and port, for logs: never its user name or password.
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!("{}://{}{}", u.scheme(), u.host_str().unwrap_or(""), u.port().map(|p| format!(":{p}")).unwrap_or_default()),
        Err(_) => "(unreadable URL)".into(),
    }
}

/// Completes when the node should stop accepting connections: on SIGTERM (or Ctrl-C),
/// `/readyz` turns 503 at once, and the listener stays open for `HUDUMA_DRAIN_SECONDS`
/// so that requests the load balancer sends before its next health check are still
/// served. Then the listener closes and open requests finish.
async fn drain_on_signal(app: Arc<App>) {
    let signal = terminated().await;
    tracing::info!(signal, drain_secs = app.config.drain.as_secs(), "shutting down: /readyz now answers 503");
    app.draining.store(true, std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(app.config.drain).await;
    tracing::info!("closing the listener; finishing the requests in flight");
}

/// Waits for SIGTERM or SIGINT; names which came.
async fn terminated() -> &'static str {
    #[cfg(unix)]
    {
        let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        };
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "SIGINT",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

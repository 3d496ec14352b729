//! In-tree simulators of the outside providers, for sandbox mode: Africa's Talking SMS,
//! the IPRS population register, M-Pesa Daraja and Pesapal. Each speaks its provider's
//! real contract, so the production clients talk to it over HTTP exactly as they would to
//! the provider, and nothing in the use cases knows a simulator exists.
//!
//! They keep their own state ([`Simulators`]), held by the sandbox routes rather than by
//! the application state; the server builds it in sandbox mode only, and outside sandbox
//! mode none of these routes exists.

pub mod africastalking;
pub mod daraja;
pub mod iprs;
pub mod pesapal;

use crate::clock::Clock;
use crate::config::Config;
use crate::store::Db;
use crate::store::sandbox_messages::{self, SandboxMessage};
use axum::routing::MethodRouter;
use std::sync::Arc;

/// The simulators' shared state.
#[derive(Debug)]
pub struct Simulators {
    /// Where the SMS simulator records what it "sent" (shown at `/sandbox/messages`).
    pub db: Db,
    /// The portal's clock, so tests that move time move the simulators too.
    pub clock: Clock,
    /// The key the SMS and register simulators expect (the one the portal's clients were given).
    pub api_key: String,
    /// The consumer key and secret the Daraja simulator accepts.
    pub daraja_credentials: Option<(String, String)>,
    /// The Daraja simulator's tokens, prompts and registered Paybill URLs.
    pub daraja: daraja::Prompts,
    /// The Pesapal simulator, when cards are configured.
    pub pesapal: Option<Arc<pesapal::PesapalSimulator>>,
}

impl Simulators {
    /// The simulators for a configuration whose sandbox providers are already wired in.
    pub fn new(config: &Config, db: Db, clock: Clock) -> Arc<Self> {
        let pesapal = config.pesapal.as_ref().map(|p| {
            pesapal::PesapalSimulator::new(p.consumer_key.expose().to_owned(), p.consumer_secret.expose().to_owned(), p.base_url.clone())
        });
        Arc::new(Self {
            db,
            clock,
            api_key: config.sms.as_ref().map(|s| s.api_key.expose().to_owned()).unwrap_or_default(),
            daraja_credentials: config.daraja.as_ref().map(|d| (d.consumer_key.expose().to_owned(), d.consumer_secret.expose().to_owned())),
            daraja: daraja::Prompts::default(),
            pesapal,
        })
    }

    /// The latest SMS and emails the sandboxes received, newest first.
    pub async fn latest_messages(&self, limit: i64) -> Result<Vec<SandboxMessage>, sqlx::Error> {
        let mut conn = self.db.pool().acquire().await?;
        sandbox_messages::latest(&mut conn, limit).await
    }
}

/// The providers' endpoints under `/sandbox/…` with their paths, the simulators' state
/// applied, for the route table (see `web::sandbox::routes`).
pub fn routes<S: Clone + Send + Sync + 'static>(simulators: &Arc<Simulators>) -> Vec<(&'static str, MethodRouter<S>)> {
    let mut routes: Vec<(&'static str, MethodRouter<Arc<Simulators>>)> = vec![
        ("/sandbox/africastalking/version1/messaging", axum::routing::post(africastalking::send)),
        ("/sandbox/iprs", axum::routing::post(iprs::answer)),
    ];
    routes.extend(daraja::routes());
    let mut routes: Vec<(&'static str, MethodRouter<S>)> =
        routes.into_iter().map(|(path, methods)| (path, methods.with_state(simulators.clone()))).collect();
    if let Some(sim) = &simulators.pesapal {
        routes.extend(pesapal::routes().into_iter().map(|(path, methods)| (path, methods.with_state(sim.clone()))));
    }
    routes
}

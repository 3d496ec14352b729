//! The application's shared state: configuration, database, clients and tools that every
//! use case and handler reaches through one `Arc<App>`.
//!
//! It sits below the use cases and the web layer and imports neither: what is loaded from
//! files or derived from them (help articles, holiday calendar, theme, the
//! Content-Security-Policy) comes in ready-made as [`Loaded`], from the start-up assembly
//! (`crate::startup::assemble`), the one way the server, the workers, the CLI and the
//! tests build it.

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::PasswordHasherConfig;
use crate::i18n::I18n;
use crate::integrations::africastalking::AfricasTalking;
use crate::integrations::iprs::IprsClient;
use crate::integrations::smtp::Mailer;
use crate::store::Db;
use huduma_domain::Blocklist;
use tokio::sync::Notify;

/// The common password list shipped in the repository.
const COMMON_PASSWORDS: &str = include_str!("../assets/passwords/common-passwords.txt");

/// Everything a request or job needs.
#[derive(Debug)]
pub struct App {
    /// Resolved configuration (with sandbox endpoints filled in).
    pub config: Config,
    /// The database.
    pub db: Db,
    /// Time.
    pub clock: Clock,
    /// Argon2id.
    pub hasher: PasswordHasherConfig,
    /// Common and breached passwords.
    pub blocklist: Blocklist,
    /// Translations.
    pub i18n: &'static I18n,
    /// SMS client, when SMS is configured (always in sandbox mode).
    pub sms: Option<AfricasTalking>,
    /// Mail client, when SMTP is configured (always in sandbox mode).
    pub mailer: Option<Mailer>,
    /// Population register client.
    pub register: Option<IprsClient>,
    /// M-Pesa Daraja client, when M-Pesa is configured (always in sandbox mode).
    pub daraja: Option<crate::integrations::daraja::Daraja>,
    /// The help centre's articles.
    pub help: huduma_domain::help::HelpCentre,
    /// The Content-Security-Policy sent with every response.
    pub csp: String,
    /// Pesapal card client, when cards are configured (always in sandbox mode).
    pub pesapal: Option<crate::integrations::pesapal::Pesapal>,
    /// Pesapal's id for our IPN URL, once registered at start-up.
    pub pesapal_ipn_id: tokio::sync::OnceCell<String>,
    /// Wakes the outbox worker right after a commit that queued work.
    pub outbox_wakeup: Notify,
    /// Set at SIGTERM: `/readyz` answers 503 so the load balancer drains this node.
    pub draining: std::sync::atomic::AtomicBool,
    /// At most one upload check (decode, re-encode) per core at a time.
    pub upload_checks: tokio::sync::Semaphore,
    /// Uploaded documents.
    pub blobs: crate::integrations::object_storage::Blobs,
    /// Service definitions by (code, version), parsed once from the stored versions.
    pub service_versions: crate::services::applications::definitions::Cache,
    /// Weekends and public holidays, for SLAs in working days.
    pub calendar: huduma_domain::calendar::Calendar,
    /// The deployment's name, emblem, colours and footer links.
    pub theme: crate::theme::Theme,
    /// One-time codes: random, or counting in tests.
    pub codes: crate::crypto::CodeSource,
    /// The live service catalogue (swapped whole on import).
    pub catalogue: std::sync::RwLock<std::sync::Arc<crate::live_catalogue::Live>>,
}

/// What start-up loads before the state can be built.
#[derive(Debug)]
pub struct Loaded {
    /// The help centre's articles.
    pub help: huduma_domain::help::HelpCentre,
    /// Weekends and public holidays.
    pub calendar: huduma_domain::calendar::Calendar,
    /// The deployment's identity.
    pub theme: crate::theme::Theme,
    /// The Content-Security-Policy for every response.
    pub csp: String,
}

impl App {
    /// Builds the state from configuration, a migrated database and what start-up loaded.
    pub fn new(config: Config, db: Db, clock: Clock, loaded: Loaded) -> anyhow::Result<Self> {
        let Loaded { help, calendar, theme, csp } = loaded;
        let hasher = PasswordHasherConfig::new(config.argon2_memory_kib, config.argon2_iterations)?;
        let sms = config.sms.clone().map(AfricasTalking::new).transpose()?;
        let mailer = config.smtp_url.as_ref().map(|url| Mailer::new(url, &config.email_from)).transpose()?;
        let register = config.register.clone().map(IprsClient::new).transpose()?;
        let daraja = config.daraja.clone().map(crate::integrations::daraja::Daraja::new).transpose()?;
        let pesapal = config.pesapal.clone().map(crate::integrations::pesapal::Pesapal::new).transpose()?;
        let blobs = crate::integrations::object_storage::open(&config.storage_url, &config.s3)?;
        Ok(Self {
            hasher,
            blocklist: Blocklist::from_lines(COMMON_PASSWORDS),
            i18n: I18n::global(),
            sms,
            mailer,
            register,
            daraja,
            help,
            csp,
            pesapal,
            pesapal_ipn_id: tokio::sync::OnceCell::new(),
            outbox_wakeup: Notify::new(),
            draining: Default::default(),
            catalogue: Default::default(),
            upload_checks: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)),
            blobs,
            calendar,
            theme,
            service_versions: crate::services::applications::definitions::cache(),
            codes: Default::default(),
            config,
            db,
            clock,
        })
    }
}

//! Configuration: command-line flags, `HUDUMA_*` environment variables, and an optional
//! TOML file, in that order of precedence. Secrets are [`Secret`]s and never logged.

use crate::secret::Secret;
use anyhow::{Context, bail};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;

/// Settings as given; every field is optional so the three sources can be merged.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Settings {
    /// TOML file with any of the settings below (keys in snake_case, e.g. `listen`).
    #[arg(long, env = "HUDUMA_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "HUDUMA_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Directory for the SQLite database, the secret key and uploaded files [default: ./data].
    #[arg(long, env = "HUDUMA_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://…` or `postgres://…` [default: SQLite in the data directory].
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<Secret>,
    /// `development` or `production`. Production refuses sandboxes and generated keys.
    #[arg(long, env = "HUDUMA_ENV", global = true)]
    pub environment: Option<String>,
    /// Replace every external system by its in-tree simulator [default: on, except in production].
    #[arg(long, env = "HUDUMA_SANDBOX", global = true)]
    pub sandbox: Option<bool>,
    /// Where the sandbox's SMTP sink listens, so that other processes (a rehearsal
    /// cluster's nodes) can send their email to it [default: a free local port].
    #[arg(long, env = "HUDUMA_SANDBOX_SMTP_LISTEN", global = true)]
    pub sandbox_smtp_listen: Option<std::net::SocketAddr>,
    /// Public address of the portal, e.g. `https://huduma.go.ke` (cookies get `Secure` when https).
    #[arg(long, env = "HUDUMA_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Key for signing CSRF tokens and hashing one-time codes [default: generated into the data directory].
    #[arg(long, env = "HUDUMA_SECRET_KEY", global = true, hide_env_values = true)]
    pub secret_key: Option<Secret>,
    /// Comma-separated proxy addresses whose `X-Forwarded-For` is believed.
    #[arg(long, env = "HUDUMA_TRUSTED_PROXIES", global = true)]
    pub trusted_proxies: Option<String>,
    /// Comma-separated addresses or ranges (`10.0.0.0/8`) that may read `/metrics`, judged by
    /// the client address after trusted proxies [default: 127.0.0.1,::1].
    #[arg(long, env = "HUDUMA_METRICS_ALLOWED", global = true)]
    pub metrics_allowed: Option<String>,
    /// Where `huduma worker` serves `GET /metrics` (same allow-list), e.g. `127.0.0.1:9464` [default: nowhere].
    #[arg(long, env = "HUDUMA_WORKER_METRICS_LISTEN", global = true)]
    pub worker_metrics_listen: Option<SocketAddr>,
    /// Connections served at once; more are refused with a 503 [default: from the open-file limit, at most 10000].
    #[arg(long, env = "HUDUMA_MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,
    /// Seconds a connection has to send its request headers [default: 10].
    #[arg(long, env = "HUDUMA_HEADER_TIMEOUT_SECONDS", global = true)]
    pub header_timeout_seconds: Option<u64>,
    /// Longest pause, in seconds, while a request body is arriving [default: 30].
    #[arg(long, env = "HUDUMA_BODY_TIMEOUT_SECONDS", global = true)]
    pub body_timeout_seconds: Option<u64>,
    /// Seconds between SIGTERM and closing the listener: `/readyz` answers 503 meanwhile,
    /// so the load balancer stops sending new requests before the node goes [default: 5].
    #[arg(long, env = "HUDUMA_DRAIN_SECONDS", global = true)]
    pub drain_seconds: Option<u64>,
    /// Rate limits on sign-in and codes (`true`/`false`) [default: true].
    #[arg(long, env = "HUDUMA_RATE_LIMITS", global = true)]
    pub rate_limits: Option<bool>,
    /// Argon2id memory cost in KiB [default: 19456].
    #[arg(long, env = "HUDUMA_ARGON2_MEMORY_KIB", global = true)]
    pub argon2_memory_kib: Option<u32>,
    /// Argon2id iterations [default: 2].
    #[arg(long, env = "HUDUMA_ARGON2_ITERATIONS", global = true)]
    pub argon2_iterations: Option<u32>,
    /// Africa's Talking API base [default: https://api.africastalking.com].
    #[arg(long, env = "HUDUMA_SMS_BASE_URL", global = true)]
    pub sms_base_url: Option<String>,
    /// Africa's Talking username.
    #[arg(long, env = "HUDUMA_SMS_USERNAME", global = true)]
    pub sms_username: Option<String>,
    /// Africa's Talking API key.
    #[arg(long, env = "HUDUMA_SMS_API_KEY", global = true, hide_env_values = true)]
    pub sms_api_key: Option<Secret>,
    /// Sender id or short code shown on SMS.
    #[arg(long, env = "HUDUMA_SMS_SENDER", global = true)]
    pub sms_sender: Option<String>,
    /// SMTP server, e.g. `smtps://user:password@mail.example.org:465`.
    #[arg(long, env = "HUDUMA_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<Secret>,
    /// From address of email [default: Huduma <no-reply@huduma.localhost>].
    #[arg(long, env = "HUDUMA_EMAIL_FROM", global = true)]
    pub email_from: Option<String>,
    /// Population register (IPRS) SOAP endpoint.
    #[arg(long, env = "HUDUMA_REGISTER_URL", global = true)]
    pub register_url: Option<String>,
    /// Population register login.
    #[arg(long, env = "HUDUMA_REGISTER_USERNAME", global = true)]
    pub register_username: Option<String>,
    /// Population register password.
    #[arg(long, env = "HUDUMA_REGISTER_PASSWORD", global = true, hide_env_values = true)]
    pub register_password: Option<Secret>,
    /// Folder of catalogue files imported at start-up [default: ./catalogue when it exists].
    #[arg(long, env = "HUDUMA_CATALOGUE_DIR", global = true)]
    pub catalogue_dir: Option<PathBuf>,
    /// Folder of help-centre articles [default: ./help when it exists].
    #[arg(long, env = "HUDUMA_HELP_DIR", global = true)]
    pub help_dir: Option<PathBuf>,
    /// Public-holiday calendar for SLAs in working days [default: the bundled Kenyan calendar].
    #[arg(long, env = "HUDUMA_HOLIDAYS", global = true)]
    pub holidays: Option<PathBuf>,
    /// Theme folder: `theme.toml` (name, colours, footer links) and an SVG emblem [default: the bundled Republic of Kenya theme].
    #[arg(long, env = "HUDUMA_THEME_DIR", global = true)]
    pub theme_dir: Option<PathBuf>,
    /// Days a citizen may reopen a resolved helpdesk ticket [default: 7].
    #[arg(long, env = "HUDUMA_TICKET_REOPEN_DAYS", global = true)]
    pub ticket_reopen_days: Option<i64>,
    /// Staff sessions end after this many minutes without activity [default: 15].
    #[arg(long, env = "HUDUMA_STAFF_IDLE_MINUTES", global = true)]
    pub staff_idle_minutes: Option<i64>,
    /// Convenience fee bands on KES bills, `from:fee` in shillings
    /// [default: the gazetted 0:5,200:10,300:15,500:20,700:25,1000:50].
    #[arg(long, env = "HUDUMA_CONVENIENCE_FEES_KES", global = true)]
    pub convenience_fees_kes: Option<String>,
    /// Convenience fee added to each paid USD service, in dollars [default: 1].
    #[arg(long, env = "HUDUMA_CONVENIENCE_FEE_USD", global = true)]
    pub convenience_fee_usd: Option<String>,
    /// Where uploaded documents go: `file:///path` or `s3://bucket/prefix` (reached with the
    /// `HUDUMA_S3_*` settings below, else the usual `AWS_*` variables) [default: files/ in the data directory].
    #[arg(long, env = "HUDUMA_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,
    /// Endpoint of an S3-compatible store, e.g. `http://127.0.0.1:3900` for Garage
    /// (`http://` allows plain HTTP) [default: `AWS_ENDPOINT`, else Amazon S3].
    #[arg(long, env = "HUDUMA_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    /// Region S3 requests are signed for (Garage: `garage`) [default: `AWS_REGION`, else us-east-1].
    #[arg(long, env = "HUDUMA_S3_REGION", global = true)]
    pub s3_region: Option<String>,
    /// S3 access key id [default: `AWS_ACCESS_KEY_ID`].
    #[arg(long, env = "HUDUMA_S3_ACCESS_KEY_ID", global = true)]
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key, which signs every request [default: `AWS_SECRET_ACCESS_KEY`].
    #[arg(long, env = "HUDUMA_S3_SECRET_ACCESS_KEY", global = true, hide_env_values = true)]
    pub s3_secret_access_key: Option<Secret>,
    /// clamd address (`host:port`) for virus scans of uploads; when set, uploads are refused
    /// while clamd cannot be reached [default: none; the in-tree simulator in sandbox mode].
    #[arg(long, env = "HUDUMA_CLAMD_ADDRESS", global = true)]
    pub clamd_address: Option<String>,
    /// Days a draft application is kept after its last change [default: 30].
    #[arg(long, env = "HUDUMA_DRAFT_DAYS", global = true)]
    pub draft_days: Option<i64>,
    /// Days before a draft expires that its owner is reminded [default: 5].
    #[arg(long, env = "HUDUMA_DRAFT_REMINDER_DAYS", global = true)]
    pub draft_reminder_days: Option<i64>,
    /// M-Pesa Daraja API base [default: https://sandbox.safaricom.co.ke; the in-tree simulator in sandbox mode].
    #[arg(long, env = "HUDUMA_DARAJA_BASE_URL", global = true)]
    pub daraja_base_url: Option<String>,
    /// Daraja consumer key.
    #[arg(long, env = "HUDUMA_DARAJA_CONSUMER_KEY", global = true, hide_env_values = true)]
    pub daraja_consumer_key: Option<Secret>,
    /// Daraja consumer secret.
    #[arg(long, env = "HUDUMA_DARAJA_CONSUMER_SECRET", global = true, hide_env_values = true)]
    pub daraja_consumer_secret: Option<Secret>,
    /// Paybill (business short code) that receives payments [default: 174379, Daraja's test short code].
    #[arg(long, env = "HUDUMA_DARAJA_SHORT_CODE", global = true)]
    pub daraja_short_code: Option<String>,
    /// Lipa na M-Pesa Online passkey.
    #[arg(long, env = "HUDUMA_DARAJA_PASSKEY", global = true, hide_env_values = true)]
    pub daraja_passkey: Option<Secret>,
    /// Secret path token of the M-Pesa callback URLs [default: derived from the secret key].
    #[arg(long, env = "HUDUMA_DARAJA_CALLBACK_TOKEN", global = true, hide_env_values = true)]
    pub daraja_callback_token: Option<Secret>,
    /// Confirm every successful M-Pesa callback with Daraja's STK query before settling
    /// (`true`/`false`) [default: false; unconfirmed callbacks are settled by the reconciler].
    #[arg(long, env = "HUDUMA_DARAJA_CONFIRM_BY_QUERY", global = true)]
    pub daraja_confirm_by_query: Option<bool>,
    /// SQLite only: share one WAL sync among commits finishing together (`true`), or sync
    /// at every commit with `synchronous=FULL` (`false`) [default: true].
    #[arg(long, env = "HUDUMA_SQLITE_GROUP_COMMIT", global = true)]
    pub sqlite_group_commit: Option<bool>,
    /// Comma-separated addresses allowed to post M-Pesa callbacks [default: any; the path token still applies].
    #[arg(long, env = "HUDUMA_DARAJA_CALLBACK_IPS", global = true)]
    pub daraja_callback_ips: Option<String>,
    /// Pesapal API base [default: https://cybqa.pesapal.com/pesapalv3; the in-tree simulator in sandbox mode].
    #[arg(long, env = "HUDUMA_PESAPAL_BASE_URL", global = true)]
    pub pesapal_base_url: Option<String>,
    /// Pesapal consumer key (cards are offered when it is set).
    #[arg(long, env = "HUDUMA_PESAPAL_CONSUMER_KEY", global = true, hide_env_values = true)]
    pub pesapal_consumer_key: Option<Secret>,
    /// Pesapal consumer secret.
    #[arg(long, env = "HUDUMA_PESAPAL_CONSUMER_SECRET", global = true, hide_env_values = true)]
    pub pesapal_consumer_secret: Option<Secret>,
    /// Comma-separated `host` or `host:port` entries that payment notifications (IPNs) may be
    /// sent to even when they resolve to a loopback, private or link-local address, e.g. an
    /// agency's test receiver on the same machine [default: none].
    #[arg(long, env = "HUDUMA_NOTIFY_ALLOWED_HOSTS", global = true)]
    pub notify_allowed_hosts: Option<String>,
    /// Seconds between reconciler sweeps of payment attempts still waiting [default: 30].
    #[arg(long, env = "HUDUMA_RECONCILE_SECONDS", global = true)]
    pub reconcile_seconds: Option<u64>,
    /// Logs as JSON lines instead of text.
    #[arg(long, env = "HUDUMA_LOG_JSON", global = true)]
    pub log_json: Option<bool>,
}

/// Connection details of Africa's Talking.
#[derive(Debug, Clone)]
pub struct SmsConfig {
    /// API base, without trailing slash.
    pub base_url: String,
    /// Account username.
    pub username: String,
    /// API key.
    pub api_key: Secret,
    /// Sender id, if any.
    pub sender: Option<String>,
}

/// Connection details of the population register.
#[derive(Debug, Clone)]
pub struct RegisterConfig {
    /// SOAP endpoint.
    pub url: String,
    /// Login.
    pub username: String,
    /// Password.
    pub password: Secret,
}

/// Connection details of M-Pesa Daraja.
#[derive(Debug, Clone)]
pub struct DarajaConfig {
    /// API base, without trailing slash.
    pub base_url: String,
    /// Consumer key.
    pub consumer_key: Secret,
    /// Consumer secret.
    pub consumer_secret: Secret,
    /// Paybill short code.
    pub short_code: String,
    /// Lipa na M-Pesa Online passkey.
    pub passkey: Secret,
}

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL.
    pub database_url: Secret,
    /// Production mode.
    pub production: bool,
    /// Sandboxes on.
    pub sandbox: bool,
    /// The sandbox SMTP sink's address, when fixed.
    pub sandbox_smtp_listen: Option<std::net::SocketAddr>,
    /// Public URL, if known.
    pub public_url: Option<String>,
    /// Signing key.
    pub secret_key: Secret,
    /// Trusted proxies.
    pub trusted_proxies: Vec<IpAddr>,
    /// Who may read `/metrics`.
    pub metrics_allowed: Vec<IpRange>,
    /// Where `huduma worker` serves `/metrics`, if anywhere.
    pub worker_metrics_listen: Option<SocketAddr>,
    /// Connection cap (None: derived from the open-file limit at start-up).
    pub max_connections: Option<usize>,
    /// Deadline for a request's headers.
    pub header_timeout: std::time::Duration,
    /// Longest pause in a request body.
    pub body_timeout: std::time::Duration,
    /// Time between SIGTERM and closing the listener, while `/readyz` says 503.
    pub drain: std::time::Duration,
    /// Rate limits on.
    pub rate_limits: bool,
    /// Argon2 memory cost.
    pub argon2_memory_kib: u32,
    /// Argon2 iterations.
    pub argon2_iterations: u32,
    /// SMS provider (in sandbox mode, filled in at start-up to point at the simulator).
    pub sms: Option<SmsConfig>,
    /// SMTP URL (in sandbox mode, the in-tree sink).
    pub smtp_url: Option<Secret>,
    /// From address.
    pub email_from: String,
    /// Register (in sandbox mode, the simulator).
    pub register: Option<RegisterConfig>,
    /// JSON logs.
    pub log_json: bool,
    /// Catalogue folder imported at start-up.
    pub catalogue_dir: Option<PathBuf>,
    /// Help-centre articles folder.
    pub help_dir: Option<PathBuf>,
    /// Convenience fees on paid bills.
    pub convenience_fees: huduma_domain::payments::FeeSchedule,
    /// M-Pesa (in sandbox mode, filled in at start-up to point at the simulator).
    pub daraja: Option<DarajaConfig>,
    /// Secret path segment of the M-Pesa callback URLs.
    pub daraja_callback_token: Secret,
    /// Confirm successful callbacks with the STK query before settling.
    pub daraja_confirm_by_query: bool,
    /// How SQLite commits reach the disk (PostgreSQL ignores it).
    pub sqlite_durability: crate::store::Durability,
    /// Addresses allowed to post M-Pesa callbacks (empty: any).
    pub daraja_callback_ips: Vec<IpAddr>,
    /// Seconds between reconciler sweeps.
    pub reconcile_secs: u64,
    /// Hosts (`host` or `host:port`) IPNs may go to whatever address they resolve to.
    pub notify_allowed_hosts: Vec<String>,
    /// Card payments through Pesapal (in sandbox mode, the simulator).
    pub pesapal: Option<crate::integrations::pesapal::PesapalConfig>,
    /// Where providers reach this portal (`public_url`, else the listen address; set at start-up).
    pub callback_base_url: String,
    /// Object store URL for uploaded documents.
    pub storage_url: String,
    /// How an `s3://` store is reached.
    pub s3: crate::integrations::object_storage::S3Settings,
    /// clamd address; uploads fail closed when it is set and unreachable.
    pub clamd_address: Option<String>,
    /// Draft lifetime after the last change, in seconds.
    pub draft_lifetime_secs: i64,
    /// How long before expiry the reminder goes out, in seconds.
    pub draft_reminder_secs: i64,
    /// Public-holiday calendar file (the bundled Kenyan one when unset).
    pub holidays: Option<PathBuf>,
    /// Theme folder (the bundled Kenya theme when unset).
    pub theme_dir: Option<PathBuf>,
    /// How long after resolution a citizen may reopen a helpdesk ticket.
    pub ticket_reopen_secs: i64,
    /// Staff sessions end after this much inactivity (shorter than citizens').
    pub staff_session_idle_secs: i64,
    /// Staff sessions end this long after sign-in: one working day.
    pub staff_session_absolute_secs: i64,
    /// Citizen sessions end after this much inactivity.
    pub session_idle_secs: i64,
    /// Citizen sessions end this long after sign-in, whatever the activity.
    pub session_absolute_secs: i64,
}

fn pick<T: FromStr>(given: Option<T>, file: &toml::Table, key: &str) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    if given.is_some() {
        return Ok(given);
    }
    match file.get(key) {
        None => Ok(None),
        Some(value) => {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text.parse().map(Some).map_err(|e| anyhow::anyhow!("config file key `{key}`: {e}"))
        }
    }
}

impl Config {
    /// Merges flags, environment and file, applies defaults and refuses unsafe
    /// combinations (sandbox or generated key in production).
    pub fn resolve(s: Settings) -> anyhow::Result<Self> {
        let file: toml::Table = match &s.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
            }
            None => toml::Table::new(),
        };
        let production = pick(s.environment, &file, "environment")?.is_some_and(|e: String| e == "production");
        let sandbox = pick(s.sandbox, &file, "sandbox")?.unwrap_or(!production);
        if production && sandbox {
            bail!("sandbox mode is refused in production: set HUDUMA_SANDBOX=false");
        }
        let data_dir = pick(s.data_dir, &file, "data_dir")?.unwrap_or_else(|| PathBuf::from("data"));
        std::fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
        let database_url = pick(s.database_url, &file, "database_url")?
            .unwrap_or_else(|| Secret::new(format!("sqlite://{}?mode=rwc", data_dir.join("huduma.db").display())));
        let secret_key = match pick(s.secret_key, &file, "secret_key")? {
            Some(key) if key.expose().len() >= 32 => key,
            Some(_) => bail!("HUDUMA_SECRET_KEY must be at least 32 characters"),
            None if production => bail!("HUDUMA_SECRET_KEY is required in production"),
            None => load_or_create_key(&data_dir)?,
        };
        let trusted_proxies = ip_list(pick(s.trusted_proxies, &file, "trusted_proxies")?, "trusted proxy")?;
        let sms_base_url = pick(s.sms_base_url, &file, "sms_base_url")?;
        let sms = match pick(s.sms_api_key, &file, "sms_api_key")? {
            Some(api_key) => Some(SmsConfig {
                base_url: sms_base_url.unwrap_or_else(|| "https://api.africastalking.com".into()),
                username: pick(s.sms_username, &file, "sms_username")?.context("HUDUMA_SMS_USERNAME is required with an SMS API key")?,
                api_key,
                sender: pick(s.sms_sender, &file, "sms_sender")?,
            }),
            // In sandbox mode a base URL alone points SMS at an agency's own double, the
            // rest of the sandbox staying in place.
            None if sandbox => match sms_base_url {
                Some(base_url) => Some(SmsConfig {
                    base_url,
                    username: pick(s.sms_username, &file, "sms_username")?.unwrap_or_else(|| "sandbox".into()),
                    api_key: Secret::new("sandbox"),
                    sender: pick(s.sms_sender, &file, "sms_sender")?,
                }),
                None => None,
            },
            None => None,
        };
        let register = match pick(s.register_url, &file, "register_url")? {
            Some(url) => Some(RegisterConfig {
                url,
                username: pick(s.register_username, &file, "register_username")?.unwrap_or_default(),
                password: pick(s.register_password, &file, "register_password")?.unwrap_or_default(),
            }),
            None => None,
        };
        if production && (sms.is_none() || register.is_none()) {
            bail!("production needs HUDUMA_SMS_API_KEY, HUDUMA_SMS_USERNAME and HUDUMA_REGISTER_URL");
        }

        let daraja_base_url = pick(s.daraja_base_url, &file, "daraja_base_url")?;
        let daraja_short_code = pick(s.daraja_short_code, &file, "daraja_short_code")?;
        let daraja = match pick(s.daraja_consumer_key, &file, "daraja_consumer_key")? {
            Some(consumer_key) => Some(DarajaConfig {
                base_url: daraja_base_url.unwrap_or_else(|| "https://sandbox.safaricom.co.ke".into()),
                consumer_key,
                consumer_secret: pick(s.daraja_consumer_secret, &file, "daraja_consumer_secret")?
                    .context("HUDUMA_DARAJA_CONSUMER_SECRET is required with a consumer key")?,
                short_code: daraja_short_code.unwrap_or_else(|| "174379".into()),
                passkey: pick(s.daraja_passkey, &file, "daraja_passkey")?
                    .context("HUDUMA_DARAJA_PASSKEY is required with a consumer key")?,
            }),
            // In sandbox mode a base URL alone points M-Pesa at an agency's own Daraja double,
            // with Safaricom's published test short code and passkey unless others are given.
            None if sandbox => match daraja_base_url {
                Some(base_url) => Some(DarajaConfig {
                    base_url,
                    consumer_key: Secret::new("sandbox"),
                    consumer_secret: pick(s.daraja_consumer_secret, &file, "daraja_consumer_secret")?
                        .unwrap_or_else(|| Secret::new("sandbox")),
                    short_code: daraja_short_code.unwrap_or_else(|| crate::simulators::daraja::SHORT_CODE.into()),
                    passkey: pick(s.daraja_passkey, &file, "daraja_passkey")?
                        .unwrap_or_else(|| Secret::new(crate::simulators::daraja::PASSKEY)),
                }),
                None => None,
            },
            None => None,
        };
        if production && daraja.is_none() {
            bail!("production needs the M-Pesa settings (HUDUMA_DARAJA_CONSUMER_KEY, _CONSUMER_SECRET, _SHORT_CODE, _PASSKEY)");
        }
        let pesapal_base_url = pick(s.pesapal_base_url, &file, "pesapal_base_url")?;
        let pesapal = match pick(s.pesapal_consumer_key, &file, "pesapal_consumer_key")? {
            Some(consumer_key) => Some(crate::integrations::pesapal::PesapalConfig {
                base_url: pesapal_base_url.unwrap_or_else(|| "https://cybqa.pesapal.com/pesapalv3".into()),
                consumer_key,
                consumer_secret: pick(s.pesapal_consumer_secret, &file, "pesapal_consumer_secret")?
                    .context("HUDUMA_PESAPAL_CONSUMER_SECRET is required with a consumer key")?,
            }),
            // In sandbox mode a base URL alone points cards at an agency's own Pesapal double.
            None if sandbox => pesapal_base_url.map(|base_url| crate::integrations::pesapal::PesapalConfig {
                base_url,
                consumer_key: Secret::new("sandbox"),
                consumer_secret: Secret::new("sandbox"),
            }),
            None => None,
        };
        let daraja_callback_token = match pick(s.daraja_callback_token, &file, "daraja_callback_token")? {
            Some(token) => token,
            // Stable across restarts and nodes without another setting, unguessable without the key.
            None => Secret::new(crate::crypto::keyed_hash(&secret_key, &["daraja-callback"])),
        };
        let storage_url = match pick(s.storage_url, &file, "storage_url")? {
            Some(url) => url,
            None => format!("file://{}", std::path::absolute(data_dir.join("files"))?.display()),
        };
        Ok(Self {
            listen: pick(s.listen, &file, "listen")?.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            database_url,
            production,
            sandbox,
            sandbox_smtp_listen: pick(s.sandbox_smtp_listen, &file, "sandbox_smtp_listen")?,
            public_url: pick(s.public_url, &file, "public_url")?,
            secret_key,
            trusted_proxies,
            metrics_allowed: range_list(
                &pick(s.metrics_allowed, &file, "metrics_allowed")?.unwrap_or_else(|| "127.0.0.1,::1".into()),
                "metrics address",
            )?,
            worker_metrics_listen: pick(s.worker_metrics_listen, &file, "worker_metrics_listen")?,
            max_connections: pick(s.max_connections, &file, "max_connections")?,
            header_timeout: seconds(
                pick(s.header_timeout_seconds, &file, "header_timeout_seconds")?.unwrap_or(10),
                "header_timeout_seconds",
            )?,
            body_timeout: seconds(pick(s.body_timeout_seconds, &file, "body_timeout_seconds")?.unwrap_or(30), "body_timeout_seconds")?,
            drain: std::time::Duration::from_secs(pick(s.drain_seconds, &file, "drain_seconds")?.unwrap_or(5)),
            rate_limits: pick(s.rate_limits, &file, "rate_limits")?.unwrap_or(true),
            argon2_memory_kib: pick(s.argon2_memory_kib, &file, "argon2_memory_kib")?.unwrap_or(19_456),
            argon2_iterations: pick(s.argon2_iterations, &file, "argon2_iterations")?.unwrap_or(2),
            sms,
            smtp_url: pick(s.smtp_url, &file, "smtp_url")?,
            email_from: pick(s.email_from, &file, "email_from")?.unwrap_or_else(|| "Huduma <no-reply@huduma.localhost>".into()),
            register,
            log_json: pick(s.log_json, &file, "log_json")?.unwrap_or(false),
            catalogue_dir: pick(s.catalogue_dir, &file, "catalogue_dir")?.or_else(default_catalogue_dir),
            convenience_fees: huduma_domain::payments::FeeSchedule::parse(
                &pick(s.convenience_fees_kes, &file, "convenience_fees_kes")?
                    .unwrap_or_else(|| "0:5,200:10,300:15,500:20,700:25,1000:50".into()),
                &pick(s.convenience_fee_usd, &file, "convenience_fee_usd")?.unwrap_or_else(|| "1".into()),
            )
            .map_err(|e| anyhow::anyhow!("convenience fees: {e}"))?,
            daraja,
            daraja_callback_token,
            daraja_confirm_by_query: pick(s.daraja_confirm_by_query, &file, "daraja_confirm_by_query")?.unwrap_or(false),
            sqlite_durability: if pick(s.sqlite_group_commit, &file, "sqlite_group_commit")?.unwrap_or(true) {
                crate::store::Durability::GroupCommit
            } else {
                crate::store::Durability::EachCommit
            },
            daraja_callback_ips: ip_list(pick(s.daraja_callback_ips, &file, "daraja_callback_ips")?, "callback address")?,
            reconcile_secs: pick(s.reconcile_seconds, &file, "reconcile_seconds")?.unwrap_or(30).max(1),
            notify_allowed_hosts: parse_allowed_hosts(&pick(s.notify_allowed_hosts, &file, "notify_allowed_hosts")?.unwrap_or_default())
                .map_err(|e| anyhow::anyhow!("HUDUMA_NOTIFY_ALLOWED_HOSTS: {e}"))?,
            callback_base_url: String::new(),
            help_dir: pick(s.help_dir, &file, "help_dir")?.or_else(default_help_dir),
            pesapal,
            storage_url,
            s3: crate::integrations::object_storage::S3Settings {
                endpoint: pick(s.s3_endpoint, &file, "s3_endpoint")?,
                region: pick(s.s3_region, &file, "s3_region")?,
                access_key_id: pick(s.s3_access_key_id, &file, "s3_access_key_id")?,
                secret_access_key: pick(s.s3_secret_access_key, &file, "s3_secret_access_key")?,
            },
            clamd_address: pick(s.clamd_address, &file, "clamd_address")?,
            draft_lifetime_secs: days(pick(s.draft_days, &file, "draft_days")?.unwrap_or(30), "draft_days")?,
            draft_reminder_secs: days(pick(s.draft_reminder_days, &file, "draft_reminder_days")?.unwrap_or(5), "draft_reminder_days")?,
            holidays: pick(s.holidays, &file, "holidays")?,
            theme_dir: pick(s.theme_dir, &file, "theme_dir")?,
            ticket_reopen_secs: days(pick(s.ticket_reopen_days, &file, "ticket_reopen_days")?.unwrap_or(7), "ticket_reopen_days")?,
            staff_session_idle_secs: match pick(s.staff_idle_minutes, &file, "staff_idle_minutes")?.unwrap_or(15) {
                m @ 1..=120 => m * 60,
                _ => bail!("staff_idle_minutes must be between 1 and 120"),
            },
            staff_session_absolute_secs: 10 * 3600,
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 3600,
        })
    }

    /// Whether cookies must carry `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

fn days(n: i64, key: &str) -> anyhow::Result<i64> {
    if !(0..=3650).contains(&n) {
        bail!("{key} must be between 0 and 3650 days");
    }
    Ok(n * 86_400)
}

fn seconds(n: u64, key: &str) -> anyhow::Result<std::time::Duration> {
    if !(1..=600).contains(&n) {
        bail!("{key} must be between 1 and 600 seconds");
    }
    Ok(std::time::Duration::from_secs(n))
}

/// An address, or a range of them in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Whether `ip` is inside the range (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = text.split_once('/').map_or((text, None), |(a, p)| (a, Some(p)));
        let network: IpAddr = address.trim().parse().map_err(|_| format!("`{text}` is not an IP address or range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("`{text}` has a bad prefix length"))?,
        };
        Ok(Self { network, prefix })
    }
}

/// Parses a `host[:port]` list as in `HUDUMA_NOTIFY_ALLOWED_HOSTS`; refuses entries that
/// are not a host.
pub fn parse_allowed_hosts(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let url = url::Url::parse(&format!("http://{entry}")).map_err(|_| format!("`{entry}` is not a host or host:port"))?;
            if url.path() != "/" || url.username() != "" || url.query().is_some() {
                return Err(format!("`{entry}` is not a host or host:port"));
            }
            Ok(entry.to_owned())
        })
        .collect()
}

fn range_list(given: &str, what: &str) -> anyhow::Result<Vec<IpRange>> {
    given.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| p.parse().map_err(|e| anyhow::anyhow!("{what}: {e}"))).collect()
}

fn ip_list(given: Option<String>, what: &str) -> anyhow::Result<Vec<IpAddr>> {
    given
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().with_context(|| format!("{what} `{p}` is not an IP address")))
        .collect()
}

/// `./catalogue` when run from the repository; the repository's catalogue when run by
/// `cargo` from a crate folder (tests).
fn default_catalogue_dir() -> Option<PathBuf> {
    [PathBuf::from("catalogue"), PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogue"))]
        .into_iter()
        .find(|p| p.join("categories.toml").is_file())
}

/// `./help` when run from the repository; the repository's when run by `cargo` (tests).
fn default_help_dir() -> Option<PathBuf> {
    [PathBuf::from("help"), PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../help"))].into_iter().find(|p| p.join("en").is_dir())
}

/// Development convenience: a random key kept in the data directory so sessions and
/// codes survive restarts.
fn load_or_create_key(data_dir: &std::path::Path) -> anyhow::Result<Secret> {
    let path = data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && existing.trim().len() >= 32
    {
        return Ok(Secret::new(existing.trim()));
    }
    let key = crate::crypto::new_token();
    std::fs::write(&path, &key).with_context(|| format!("writing {}", path.display()))?;
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowed_hosts_setting_is_hosts_and_ports_only() {
        assert_eq!(parse_allowed_hosts(" 127.0.0.1:9000, localhost ,"), Ok(vec!["127.0.0.1:9000".to_owned(), "localhost".to_owned()]));
        assert!(parse_allowed_hosts("http://x/").is_err());
        assert!(parse_allowed_hosts("host/path").is_err());
    }

    fn settings(dir: &std::path::Path) -> Settings {
        Settings { data_dir: Some(dir.to_path_buf()), ..Settings::default() }
    }

    #[test]
    fn defaults_give_a_sandbox_portal() {
        let dir = std::env::temp_dir().join(format!("huduma-config-{}", crate::store::new_id::<String>()));
        let config = Config::resolve(settings(&dir)).expect("resolves");
        assert!(config.sandbox && !config.production);
        assert!(config.database_url.expose().starts_with("sqlite://"));
        assert_eq!(config.listen.port(), 8080);
        let again = Config::resolve(settings(&dir)).expect("resolves");
        assert_eq!(config.secret_key, again.secret_key, "the generated key is kept");
    }

    #[test]
    fn ranges_hold_what_they_name() {
        let range: IpRange = "10.1.0.0/16".parse().expect("range");
        assert!(range.contains("10.1.200.3".parse().expect("ip")));
        assert!(!range.contains("10.2.0.1".parse().expect("ip")));
        assert!(range.contains("::ffff:10.1.0.9".parse().expect("ip")), "IPv4-mapped");
        let one: IpRange = "::1".parse().expect("range");
        assert!(one.contains("::1".parse().expect("ip")) && !one.contains("::2".parse().expect("ip")));
        let all: IpRange = "0.0.0.0/0".parse().expect("range");
        assert!(all.contains("41.90.1.2".parse().expect("ip")));
        assert!("10.0.0.0/33".parse::<IpRange>().is_err() && "host".parse::<IpRange>().is_err());
    }

    #[test]
    fn production_refuses_the_sandbox() {
        let dir = std::env::temp_dir().join(format!("huduma-config-{}", crate::store::new_id::<String>()));
        let mut s = settings(&dir);
        s.environment = Some("production".into());
        s.sandbox = Some(true);
        let err = Config::resolve(s).expect_err("refused");
        assert!(err.to_string().contains("sandbox"));
    }

    #[test]
    fn in_sandbox_mode_a_provider_url_alone_replaces_that_sandbox_only() {
        let dir = std::env::temp_dir().join(format!("huduma-config-{}", crate::store::new_id::<String>()));
        let mut s = settings(&dir);
        s.daraja_base_url = Some("http://127.0.0.1:9/daraja".into());
        s.pesapal_base_url = Some("http://127.0.0.1:9/pesapal".into());
        s.sms_base_url = Some("http://127.0.0.1:9/sms".into());
        let config = Config::resolve(s.clone()).expect("resolves");
        assert_eq!(
            config.daraja.as_ref().map(|d| (d.base_url.as_str(), d.short_code.as_str())),
            Some(("http://127.0.0.1:9/daraja", "174379"))
        );
        assert_eq!(config.pesapal.as_ref().map(|p| p.base_url.as_str()), Some("http://127.0.0.1:9/pesapal"));
        assert_eq!(config.sms.as_ref().map(|p| p.base_url.as_str()), Some("http://127.0.0.1:9/sms"));
        assert!(config.register.is_none() && config.smtp_url.is_none(), "the others are left to the sandbox");
        s.sandbox = Some(false);
        let config = Config::resolve(s).expect("resolves");
        assert!(config.daraja.is_none() && config.pesapal.is_none(), "outside sandbox mode a URL without credentials is no provider");
    }

    #[test]
    fn notify_allowed_hosts_are_hosts_and_ports() {
        let dir = std::env::temp_dir().join(format!("huduma-config-{}", crate::store::new_id::<String>()));
        let mut s = settings(&dir);
        s.notify_allowed_hosts = Some("127.0.0.1:9000, tims.test".into());
        assert_eq!(Config::resolve(s.clone()).expect("resolves").notify_allowed_hosts, vec!["127.0.0.1:9000", "tims.test"]);
        s.notify_allowed_hosts = Some("http://127.0.0.1/ipn".into());
        assert!(Config::resolve(s).is_err());
    }

    #[test]
    fn the_file_fills_what_flags_leave_out() {
        let dir = std::env::temp_dir().join(format!("huduma-config-{}", crate::store::new_id::<String>()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("huduma.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9999\"\nrate_limits = false\n").expect("write");
        let mut s = settings(&dir);
        s.config = Some(file);
        let config = Config::resolve(s).expect("resolves");
        assert_eq!(config.listen.port(), 9999);
        assert!(!config.rate_limits);
    }
}

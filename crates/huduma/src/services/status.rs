//! The public status page: each outside system the portal depends on is checked every
//! minute by a real request (a worker runs the checks once across the cluster), the
//! latest result and the incidents of the last days are kept in the database, and every
//! node shows the same page.
//!
//! The checks ask as little as they can and change nothing: a database ping, a `HEAD` of
//! an object that does not exist (the store answers "not found" only after checking the
//! request's signature), a fresh OAuth token from M-Pesa and from the card gateway, an
//! SMTP hello, and an HTTP answer from the SMS gateway and the population register.

use super::ServiceResult;
use crate::app::App;
use crate::store::status as store;
use huduma_domain::Health;
use object_store::ObjectStoreExt;
use std::time::{Duration, Instant};

/// What the status page reports on, in the order it shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The portal's own database.
    Database,
    /// Where uploaded documents are kept.
    ObjectStore,
    /// M-Pesa (Daraja).
    Mpesa,
    /// Card payments (Pesapal).
    Cards,
    /// SMS (Africa's Talking).
    Sms,
    /// Email (SMTP).
    Email,
    /// The population register (IPRS).
    Register,
}

impl Component {
    /// Every component, in page order.
    pub const ALL: [Self; 7] = [Self::Database, Self::ObjectStore, Self::Mpesa, Self::Cards, Self::Sms, Self::Email, Self::Register];

    /// The stored and JSON name.
    pub fn code(self) -> &'static str {
        match self {
            Self::Database => "database",
            Self::ObjectStore => "object_store",
            Self::Mpesa => "mpesa",
            Self::Cards => "cards",
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Register => "register",
        }
    }

    /// Reads the stored name.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// The periodic job that runs the checks.
pub const JOB: crate::jobs::periodic::Job = crate::jobs::periodic::Job { name: "status_checks", every: Duration::from_secs(60) };
/// The longest one check may take before it counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// An answer slower than this counts as degraded.
const SLOW: Duration = Duration::from_secs(2);
/// How far back the page lists incidents.
pub const INCIDENT_DAYS: i64 = 7;

/// One check's result.
#[derive(Debug, Clone)]
pub struct Check {
    pub component: Component,
    pub health: Health,
    /// What was seen, for operators (shown in the JSON, never a secret).
    pub detail: String,
}

/// The page's content.
#[derive(Debug, Clone)]
pub struct Report {
    /// Each configured component with its latest check (none: not checked yet).
    pub components: Vec<(Component, Option<Latest>)>,
    /// Incidents of the last [`INCIDENT_DAYS`] days, newest first.
    pub incidents: Vec<Incident>,
}

/// A component's latest check.
#[derive(Debug, Clone)]
pub struct Latest {
    pub health: Health,
    /// What was seen.
    pub detail: String,
    pub checked_at: i64,
}

/// A time a component was not up.
#[derive(Debug, Clone)]
pub struct Incident {
    pub component: Component,
    /// The worst it got.
    pub health: Health,
    pub started_at: i64,
    /// None while it lasts.
    pub ended_at: Option<i64>,
}

/// The components this portal uses (an unconfigured provider is not reported on).
pub fn configured(app: &App) -> Vec<Component> {
    Component::ALL
        .into_iter()
        .filter(|c| match c {
            Component::Database | Component::ObjectStore => true,
            Component::Mpesa => app.daraja.is_some(),
            Component::Cards => app.pesapal.is_some(),
            Component::Sms => app.config.sms.is_some(),
            Component::Email => app.mailer.is_some(),
            Component::Register => app.config.register.is_some(),
        })
        .collect()
}

/// Runs every check, records the results and opens or ends incidents.
pub async fn run_checks(app: &App) -> anyhow::Result<Vec<Check>> {
    let checks = check_each(app).await;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    for check in &checks {
        store::record(&mut tx, check.component.code(), check.health, &check.detail, now).await?;
        match (store::open_incident(&mut tx, check.component.code()).await?, check.health) {
            (None, Health::Up) => {}
            (None, worse) => {
                store::open(&mut tx, &crate::store::new_id::<String>(), check.component.code(), worse, now).await?;
                tracing::warn!(component = check.component.code(), health = worse.as_str(), detail = %check.detail, "incident opened");
            }
            (Some((id, _)), Health::Up) => {
                store::end(&mut tx, &id, now).await?;
                tracing::info!(component = check.component.code(), "incident ended");
            }
            (Some((id, was)), now_health) if now_health > was => store::worsen(&mut tx, &id, now_health).await?,
            (Some(_), _) => {}
        }
    }
    tx.commit().await?;
    Ok(checks)
}

/// The periodic job's work.
pub async fn run_job(app: std::sync::Arc<App>) -> anyhow::Result<()> {
    run_checks(&app).await.map(|_| ())
}

async fn check_each(app: &App) -> Vec<Check> {
    let mut checks = Vec::new();
    // One after another: seven small requests a minute need no concurrency, and a slow
    // one is bounded by CHECK_TIMEOUT.
    for component in configured(app) {
        let started = Instant::now();
        let outcome = tokio::time::timeout(CHECK_TIMEOUT, check(app, component)).await;
        let (health, detail) = match outcome {
            Err(_) => (Health::Down, format!("no answer within {} s", CHECK_TIMEOUT.as_secs())),
            Ok(Err(why)) => (Health::Down, why),
            Ok(Ok(())) if started.elapsed() > SLOW => (Health::Degraded, format!("answered in {} ms", started.elapsed().as_millis())),
            Ok(Ok(())) => (Health::Up, format!("answered in {} ms", started.elapsed().as_millis())),
        };
        checks.push(Check { component, health, detail });
    }
    checks
}

/// One real request to `component`; the error says what went wrong.
async fn check(app: &App, component: Component) -> Result<(), String> {
    let now = app.clock.now();
    match component {
        Component::Database => app.db.ping().await.map_err(|e| e.to_string()),
        Component::ObjectStore => match app.blobs.head(&object_store::path::Path::from("status/probe-never-stored")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.to_string()),
        },
        Component::Mpesa => match &app.daraja {
            Some(daraja) => daraja.check(now).await.map_err(|e| e.to_string()),
            None => Err("not configured".into()),
        },
        Component::Cards => match &app.pesapal {
            Some(pesapal) => pesapal.check(now).await.map_err(|e| e.to_string()),
            None => Err("not configured".into()),
        },
        Component::Email => match &app.mailer {
            Some(mailer) => mailer.check().await.map_err(|e| format!("{e:#}")),
            None => Err("not configured".into()),
        },
        Component::Sms => answers(app.config.sms.as_ref().map(|s| s.base_url.as_str())).await,
        Component::Register => answers(app.config.register.as_ref().map(|r| r.url.as_str())).await,
    }
}

/// Whether anything answers HTTP at `url` (any status: the gateway is there).
async fn answers(url: Option<&str>) -> Result<(), String> {
    let url = url.ok_or("not configured")?;
    let client = reqwest::Client::builder().timeout(CHECK_TIMEOUT).build().map_err(|e| e.to_string())?;
    client.get(url).send().await.map(|_| ()).map_err(|e| format!("no answer: {}", without_url(&e)))
}

/// A request error without its URL (which may carry credentials in a query).
fn without_url(err: &reqwest::Error) -> String {
    let mut err = std::error::Error::source(err).map_or_else(|| err.to_string(), ToString::to_string);
    err.truncate(200);
    err
}

/// What the page shows.
pub async fn report(app: &App) -> ServiceResult<Report> {
    let mut conn = app.db.pool().acquire().await?;
    let checks = store::components(&mut conn).await?;
    let components = configured(app)
        .into_iter()
        .map(|component| {
            let latest = checks.iter().find(|c| c.component == component.code()).map(|c| Latest {
                health: c.state,
                detail: c.detail.clone(),
                checked_at: c.checked_at,
            });
            (component, latest)
        })
        .collect();
    let since = app.clock.now() - INCIDENT_DAYS * 86_400;
    let incidents = store::incidents_since(&mut conn, since)
        .await?
        .into_iter()
        .map(|row| {
            let component =
                Component::parse(&row.component).ok_or_else(|| anyhow::anyhow!("unknown stored status component {:?}", row.component))?;
            Ok(Incident { component, health: row.state, started_at: row.started_at, ended_at: row.ended_at })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Report { components, incidents })
}

/// The latest health of one component (None: not checked yet).
pub async fn health_of(app: &App, component: Component) -> ServiceResult<Option<Health>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::state_of(&mut conn, component.code()).await?)
}

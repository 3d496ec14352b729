//! The `huduma` command line.

use clap::{Parser, Subcommand};
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{Config, Settings};
use crate::server::{self, Workers};
use crate::store::Db;

/// Huduma: one-stop government e-services portal.
///
/// With no configuration, `huduma serve` starts a complete portal on SQLite under
/// ./data with every external system replaced by its sandbox.
#[derive(Parser, Debug)]
#[command(name = "huduma", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web portal and API, with background workers (the default).
    Serve {
        /// Do not run the outbox worker in this process (run `huduma worker` instead).
        #[arg(long)]
        no_workers: bool,
    },
    /// Run background workers only (outbox, clean-up), for scale-out.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Check or import the service catalogue.
    Catalogue {
        #[command(subcommand)]
        task: CatalogueTask,
    },
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        task: AuditTask,
    },
}

/// Audit log tasks.
#[derive(Subcommand, Debug)]
enum AuditTask {
    /// Walk the hash chain from the first entry; exit 1 at the first entry that was
    /// changed, removed or inserted out of order.
    Verify,
}

/// Catalogue tasks.
#[derive(Subcommand, Debug)]
enum CatalogueTask {
    /// Validate every file; print `file:line: problem` for each problem (exit 1 if any).
    Check {
        /// Catalogue folder [default: the configured one, or ./catalogue].
        dir: Option<std::path::PathBuf>,
    },
    /// Validate and import into the database (all or nothing).
    Import {
        /// Catalogue folder [default: the configured one, or ./catalogue].
        dir: Option<std::path::PathBuf>,
    },
}

/// Administrative tasks.
#[derive(Subcommand, Debug)]
enum AdminTask {
    /// Show an account's state by email or document number (no secrets).
    Account {
        /// Email address or ID / alien / passport number.
        identifier: String,
    },
    /// End every session of an account (e.g. after a reported compromise).
    RevokeSessions {
        /// Email address or document number.
        identifier: String,
    },
    /// Remove expired sessions, flows and rate-limit windows now.
    Purge,
    /// Show outbox counts (pending, done, failed).
    Outbox,
    /// Register an agency system for the checkout API; prints its key and secret once.
    ApiClientCreate {
        /// apiClientID (short, e.g. `NTS`).
        #[arg(long)]
        id: String,
        /// Name of the system.
        #[arg(long)]
        name: String,
        /// Agency code from the catalogue.
        #[arg(long)]
        agency: String,
        /// `serviceID=revenue-head`, repeatable.
        #[arg(long = "service", required = true)]
        services: Vec<String>,
    },
    /// List agency systems registered for the checkout API.
    ApiClients,
    /// The payment notification (IPN) delivery log, newest first.
    Ipn,
    /// Deliver a payment notification again (by its id from `admin ipn`).
    IpnReplay {
        /// Delivery id.
        id: String,
    },
    /// Create a staff member (the first platform admin, say); prints a one-time password.
    StaffAdd {
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// platform_admin, agency_admin, supervisor, officer or helpdesk.
        #[arg(long)]
        role: String,
        /// Agency code, for agency roles.
        #[arg(long)]
        agency: Option<String>,
    },
    /// Write a consistent copy of a SQLite database to a new file while the portal runs
    /// (PostgreSQL: use pg_dump, see docs/deployment.md). Uploaded files are not in it:
    /// back up the storage too.
    Backup {
        /// The new file (must not exist).
        target: std::path::PathBuf,
    },
    /// Sandbox only: create demo staff (an admin, a supervisor and an officer for every
    /// agency, and a platform admin) with a known password and authenticator secret.
    DemoStaff,
    /// Sandbox only: print the current authenticator code of a demo staff member.
    TotpCode {
        /// Staff email.
        email: String,
    },
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

/// Runs the command line.
pub async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        println!("{}", crate::web::api::openapi_document());
        return Ok(());
    }
    let config = Config::resolve(cli.settings)?;
    init_logging(config.log_json);
    match cli.command.unwrap_or(Command::Serve { no_workers: false }) {
        Command::Serve { no_workers } => {
            let workers = if no_workers { Workers::None } else { Workers::InProcess };
            let sandbox = config.sandbox;
            let running = server::start(config, Clock::default(), workers).await?;
            tracing::info!(addr = %running.addr, sandbox, "Huduma is listening on http://{}", running.addr);
            if sandbox {
                tracing::warn!("SANDBOX MODE: messages are not sent; see http://{}/sandbox/messages", running.addr);
            }
            running.server.await?;
        }
        Command::Worker => {
            let db = Db::connect_with(config.database_url.expose(), config.sqlite_durability).await?;
            db.migrate().await?;
            if config.sandbox {
                anyhow::bail!("a separate worker needs real providers; sandbox mode runs its workers inside `huduma serve`");
            }
            let mut config = config;
            config.callback_base_url =
                anyhow::Context::context(config.public_url.clone(), "a worker that reconciles payments needs HUDUMA_PUBLIC_URL")?;
            let app = Arc::new(crate::startup::assemble(config, db, Clock::default())?);
            crate::jobs::metrics_listener::start_for_worker(&app).await?;
            crate::jobs::spawn_periodic(&app);
            crate::jobs::outbox_worker::run(app).await;
        }
        Command::Migrate => {
            let db = Db::connect_with(config.database_url.expose(), config.sqlite_durability).await?;
            db.migrate().await?;
            println!("migrations applied ({:?})", db.backend());
        }
        Command::Openapi => {}
        Command::Catalogue { task } => return catalogue(config, task).await,
        Command::Admin { task } => admin(config, task).await?,
        Command::Audit { task: AuditTask::Verify } => {
            let db = Db::connect_with(config.database_url.expose(), config.sqlite_durability).await?;
            db.migrate().await?;
            let sealed = crate::services::audit::seal_pending(&db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
            if sealed > 0 {
                println!("chained {sealed} queued entries first");
            }
            let mut conn = db.pool().acquire().await?;
            let result = crate::services::audit::verify(&mut conn).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
            match result.broken {
                None => println!("audit log intact: {} entries, chain verified", result.entries),
                Some((seq, why)) => {
                    eprintln!("audit log BROKEN at entry {seq}: {why} ({} entries verified before it)", result.entries);
                    std::process::exit(1);
                }
            }
        }
    }
    Ok(())
}

async fn catalogue(config: Config, task: CatalogueTask) -> anyhow::Result<()> {
    use crate::services::catalogue::{ImportError, import_folder, read_folder};
    let (CatalogueTask::Check { dir } | CatalogueTask::Import { dir }) = &task;
    let dir = dir.clone().or_else(|| config.catalogue_dir.clone()).unwrap_or_else(|| "catalogue".into());
    let result = match task {
        CatalogueTask::Check { .. } => {
            huduma_domain::catalogue::check(&read_folder(&dir).map_err(|e| anyhow::anyhow!("reading {}: {e}", dir.display()))?)
                .map(|c| {
                    println!(
                        "{}: {} services, {} agencies, {} categories: no problems",
                        dir.display(),
                        c.services.len(),
                        c.agencies.len(),
                        c.categories.len()
                    )
                })
                .map_err(ImportError::Invalid)
        }
        CatalogueTask::Import { .. } => {
            let db = Db::connect_with(config.database_url.expose(), config.sqlite_durability).await?;
            db.migrate().await?;
            let app = crate::startup::assemble(config, db, Clock::default())?;
            import_folder(&app, &dir)
                .await
                .map(|r| println!("imported {} services from {} agencies; {} new versions", r.services, r.agencies, r.new_versions))
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(ImportError::Invalid(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("{} problem(s); nothing was imported", problems.len());
            std::process::exit(1);
        }
        Err(ImportError::Internal(err) | ImportError::Unreadable(err)) => Err(err),
    }
}

async fn admin(config: Config, task: AdminTask) -> anyhow::Result<()> {
    let db = Db::connect_with(config.database_url.expose(), config.sqlite_durability).await?;
    db.migrate().await?;
    let app = crate::startup::assemble(config, db, Clock::default())?;
    let mut conn = app.db.pool().acquire().await?;
    match task {
        AdminTask::Account { identifier } => match crate::services::sign_in::find_account(&mut conn, &identifier).await? {
            Some(a) => {
                println!("id:            {}", a.id);
                println!("type:          {} ({} {})", a.account_type.as_str(), a.document_kind, a.document_number);
                println!("name:          {}", a.full_name());
                println!("phone:         {} (verified: {})", a.phone, a.phone_verified_at.is_some());
                println!("email:         {} (verified: {})", a.email, a.email_verified_at.is_some());
                println!("authenticator: {}", a.totp_secret.is_some());
                println!("created:       {}", crate::clock::format_nairobi(a.created_at));
            }
            None => println!("no account for {identifier}"),
        },
        AdminTask::RevokeSessions { identifier } => match crate::services::sign_in::find_account(&mut conn, &identifier).await? {
            Some(a) => println!("ended {} sessions", crate::store::sessions::delete_all_for_account(&mut conn, &a.id, None).await?),
            None => println!("no account for {identifier}"),
        },
        AdminTask::Purge => println!("removed {} expired rows", crate::jobs::cleanup::purge_expired(&app).await?),
        AdminTask::Outbox => {
            let (pending, done, failed) = crate::store::outbox::counts(&mut conn).await?;
            println!("pending: {pending}\ndone:    {done}\nfailed:  {failed}");
        }
        AdminTask::ApiClientCreate { id, name, agency, services } => {
            let services = services
                .iter()
                .map(|s| {
                    s.split_once('=')
                        .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
                        .ok_or_else(|| anyhow::anyhow!("--service wants serviceID=revenue-head, got `{s}`"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let id = huduma_domain::ApiClientId::parse(&id)
                .ok_or_else(|| anyhow::anyhow!("--id wants 1 to 64 letters, digits, `-` or `_`, got `{id}`"))?;
            let client = crate::store::checkout::ApiClientRow {
                id,
                name,
                agency,
                api_key: crate::crypto::new_token(),
                secret: crate::crypto::new_token(),
            };
            crate::store::checkout::insert_client(&mut conn, &client, &services, app.clock.now()).await?;
            println!(
                "apiClientID: {}\napiKey:      {}\nsecret:      {}\n(keep these now: they are not shown again)",
                client.id, client.api_key, client.secret
            );
        }
        AdminTask::ApiClients => {
            for (id, name, agency, services) in crate::store::checkout::clients(&mut conn).await? {
                println!("{id}\t{agency}\t{name}\t{}", services.join(","));
            }
        }
        AdminTask::Ipn => {
            for d in crate::store::outbox::of_kind(&mut conn, crate::services::checkout::ipn::JOB, 100).await? {
                let state = if d.done_at.is_some() {
                    "delivered"
                } else if d.failed_at.is_some() {
                    "failed"
                } else {
                    "pending"
                };
                let url = serde_json::from_str::<crate::services::checkout::ipn::IpnJob>(&d.payload).map(|j| j.url).unwrap_or_default();
                println!(
                    "{}\t{state}\tattempts={}\t{}\t{url}\t{}",
                    d.id,
                    d.attempts,
                    crate::clock::format_nairobi(d.created_at),
                    d.last_error.unwrap_or_default()
                );
            }
        }
        AdminTask::StaffAdd { email, name, role, agency } => {
            crate::services::catalogue::start(&app).await?;
            let new = crate::services::back_office::staff::NewMember { email, name, role, agency };
            let (row, password) =
                crate::services::back_office::staff::create(&app, crate::services::back_office::staff::Creator::Cli, &new, None)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!(
                "created {} ({}); one-time password: {password}\n(they set up an authenticator app at first sign-in at /staff/sign-in)",
                row.email,
                row.role.code()
            );
        }
        AdminTask::DemoStaff => {
            anyhow::ensure!(app.config.sandbox, "demo staff exist only in sandbox mode");
            crate::services::catalogue::start(&app).await?;
            drop(conn);
            for (email, role) in crate::services::back_office::demo::create(&app).await.map_err(|e| anyhow::anyhow!("{e:?}"))? {
                println!("{email}\t{role}");
            }
            println!("password for all: {}", crate::services::back_office::demo::PASSWORD);
            println!("authenticator codes: huduma admin totp-code EMAIL");
            return Ok(());
        }
        AdminTask::TotpCode { email } => {
            anyhow::ensure!(app.config.sandbox, "authenticator codes are printed only in sandbox mode");
            let member =
                crate::store::staff::by_email(&mut conn, &email).await?.ok_or_else(|| anyhow::anyhow!("no staff member {email}"))?;
            let secret = member.totp_secret.ok_or_else(|| anyhow::anyhow!("{email} has not set up an authenticator yet"))?;
            println!("{}", crate::services::back_office::demo::current_code(&secret, &member.email, app.clock.now())?);
        }
        AdminTask::Backup { target } => {
            crate::store::backup::sqlite_into(&mut conn, app.db.backend(), &target).await?;
            let size = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
            println!("backed up to {} ({size} bytes); `huduma audit verify` against it checks the copy", target.display());
        }
        AdminTask::IpnReplay { id } => {
            if crate::store::outbox::replay(&mut conn, &id, app.clock.now()).await? {
                println!("queued {id} for delivery again");
            } else {
                println!("no payment notification {id}");
            }
        }
    }
    Ok(())
}

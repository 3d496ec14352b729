//! The back office at national scale, for `scripts/bench.sh`.
//!
//! `back_office_bench seed <database url> <applications> <agencies> <out dir>`
//!   adds citizens (10 applications each) spread over `agencies` agencies: 70 % finished
//!   (with a paid invoice, for the dashboard's revenue), 30 % open in the agency's queue
//!   with deadlines around now; one signed-in officer and supervisor per agency. Writes
//!   `officers.txt` (staff session tokens) and `agencies.txt`. The database must be
//!   migrated and the bundled catalogue imported.
//!
//! `back_office_bench dashboard <database url> <agency> <runs>`
//!   times the dashboard's queries for a 30-day period; prints median and worst ms.
//!
//! `back_office_bench certificates <seconds>`
//!   renders certificate PDFs (template text, serial, QR code) for that long on every
//!   core; prints PDFs per second.

#![allow(clippy::unwrap_used)]

use huduma::store::Db;
use huduma_domain::reference::{Kind, Reference};
use rand::Rng;
use sqlx::Row;
use std::io::Write;
use std::time::Instant;

const SERVICES: [&str; 4] = ["certificate-of-good-conduct", "kra-pin-registration", "passport-ordinary", "business-name-search"];
const DAY: i64 = 86_400;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => seed(&args[1], args[2].parse()?, args[3].parse()?, std::path::Path::new(&args[4])).await,
        Some("dashboard") => dashboard(&args[1], &args[2], args[3].parse()?).await,
        Some("certificates") => certificates(args[1].parse()?).await,
        _ => anyhow::bail!(
            "usage: back_office_bench seed <db> <applications> <agencies> <out> | dashboard <db> <agency> <runs> | certificates <seconds>"
        ),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(0)).unwrap_or(0)
}

async fn seed(url: &str, applications: usize, agencies: usize, out: &std::path::Path) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let started = Instant::now();
    let mut versions = Vec::new();
    {
        let mut conn = db.pool().acquire().await?;
        for code in SERVICES {
            let row =
                sqlx::query("SELECT MAX(version) FROM service_versions WHERE service_code = $1").bind(code).fetch_one(&mut *conn).await?;
            versions.push((code, row.try_get::<i64, _>(0)?));
        }
    }
    let now = now();
    let mut rng = rand::rng();
    let mut officers = std::fs::File::create(out.join("officers.txt"))?;
    let mut agency_list = std::fs::File::create(out.join("agencies.txt"))?;
    {
        let mut tx = db.begin().await?;
        for a in 0..agencies {
            let agency = format!("bench-agency-{a:02}");
            writeln!(agency_list, "{agency}")?;
            for role in ["officer", "supervisor"] {
                let id = format!("bench-staff-{role}-{a:02}");
                sqlx::query(
                    "INSERT INTO staff (id, email, name, role, agency, password_hash, totp_secret, active, language, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 'x', 'JBSWY3DPEHPK3PXP', 1, 'en', $6, $6)",
                )
                .bind(id.clone())
                .bind(format!("{role}.{a}@bench.example"))
                .bind(format!("Bench {role} {a}"))
                .bind(role)
                .bind(agency.clone())
                .bind(now)
                .execute(&mut **tx)
                .await?;
                let token = huduma::crypto::new_token();
                sqlx::query(
                    "INSERT INTO staff_sessions (token_hash, id, staff_id, created_at, last_seen_at, expires_at, user_agent, ip) \
                     VALUES ($1, $2, $3, $4, $4, $5, 'bench', '127.0.0.1')",
                )
                .bind(huduma::crypto::hash_token(&token))
                .bind(format!("bench-staff-session-{role}-{a}"))
                .bind(id)
                .bind(now)
                .bind(now + 10 * 3600)
                .execute(&mut **tx)
                .await?;
                if role == "officer" {
                    writeln!(officers, "{token}")?;
                }
            }
        }
        tx.commit().await?;
    }
    let per_citizen = 10;
    let citizens = applications.div_ceil(per_citizen);
    let counties = huduma_domain::county::COUNTIES;
    let mut made = 0usize;
    let batch = 1_000usize;
    let mut citizen = 0usize;
    while citizen < citizens {
        let mut tx = db.begin().await?;
        for c in citizen..(citizen + batch).min(citizens) {
            let account = format!("bench-account-{c:07}");
            sqlx::query(
                "INSERT INTO accounts (id, account_type, document_kind, document_number, first_name, other_names, surname, date_of_birth, \
                 phone, phone_verified_at, email, email_verified_at, password_hash, language, created_at, updated_at) \
                 VALUES ($1, 'citizen', 'national_id', $2, 'Bench', '', 'Citizen', '1990-01-01', $3, $4, $5, $4, 'x', 'en', $4, $4)",
            )
            .bind(account.clone())
            .bind(format!("{}", 20_000_000 + c))
            .bind(format!("+2547{c:08}"))
            .bind(now)
            .bind(format!("bench{c}@example.com"))
            .execute(&mut **tx)
            .await?;
            for i in 0..per_citizen {
                if made == applications {
                    break;
                }
                made += 1;
                let (code, version) = versions[(c + i) % versions.len()];
                let agency = format!("bench-agency-{:02}", (c * per_citizen + i) % agencies);
                let id = format!("bench-app-{c:07}-{i:02}");
                // Numbers made from the position, not drawn: at a million rows random ones
                // would collide (a birthday problem the real generator retries on).
                let reference = format!("A{c:07}{i:02}X");
                let submitted = now - rng.random_range(0..120) * DAY;
                let open = rng.random_range(0..10) < 3;
                let (status, queue_agency, queue_due, finished) = if open {
                    let state = if rng.random_range(0..5) == 0 { "more_information_needed" } else { "submitted" };
                    let due = if state == "submitted" { now + rng.random_range(-10..20) * DAY } else { huduma::store::queue::PAUSED };
                    (state, Some(agency.clone()), Some(due), None)
                } else {
                    ("issued", None, None, Some(submitted + rng.random_range(1..30) * DAY))
                };
                sqlx::query(
                    "INSERT INTO applications (id, account_id, service_code, service_version, agency, status, reference, answers, fee_minor, \
                     fee_currency, created_at, updated_at, submitted_at, queue_agency, queue_due, county, state_since, finished_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', 100000, 'KES', $8, $8, $8, $9, $10, $11, $8, $12)",
                )
                .bind(id.clone())
                .bind(account.clone())
                .bind(code)
                .bind(version)
                .bind(agency.clone())
                .bind(status)
                .bind(reference)
                .bind(submitted)
                .bind(queue_agency)
                .bind(queue_due)
                .bind(counties[(c + i) % counties.len()])
                .bind(finished)
                .execute(&mut **tx)
                .await?;
                if !open {
                    let invoice = format!("bench-invoice-{c:07}-{i:02}");
                    let number = format!("B{c:07}{i:02}");
                    sqlx::query(
                        "INSERT INTO invoices (id, number, account_id, application_id, currency, total_minor, paid_minor, status, description, \
                         created_at, updated_at, expires_at, paid_at) VALUES ($1, $2, $3, $4, 'KES', 105000, 105000, 'paid', 'bench', $5, $5, $6, $5)",
                    )
                    .bind(invoice.clone())
                    .bind(number)
                    .bind(account.clone())
                    .bind(id.clone())
                    .bind(submitted)
                    .bind(submitted + 7 * DAY)
                    .execute(&mut **tx)
                    .await?;
                    sqlx::query(
                        "INSERT INTO invoice_lines (invoice_id, position, agency, revenue_head, description, amount_minor, paid_at) \
                         VALUES ($1, 0, $2, $3, 'fee', 100000, $4), ($1, 1, 'huduma', 'convenience_fee', 'fee', 5000, $4)",
                    )
                    .bind(invoice)
                    .bind(agency)
                    .bind(code)
                    .bind(submitted)
                    .execute(&mut **tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        citizen += batch;
    }
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    println!("seeded {made} applications across {agencies} agencies in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn dashboard(url: &str, agency: &str, runs: usize) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let mut conn = db.pool().acquire().await?;
    let now = now();
    let mut times = Vec::new();
    let mut services = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let figures = huduma::store::dashboard::figures(&mut conn, agency, now - 30 * DAY, now, now).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        services = figures.len();
        assert!(figures.values().any(|f| f.received > 0 && !f.revenue.is_empty()), "the dashboard found the seeded figures");
    }
    times.sort_by(f64::total_cmp);
    println!("{:.1} {:.1} {services}", times[times.len() / 2], times[times.len() - 1]);
    Ok(())
}

async fn certificates(seconds: f64) -> anyhow::Result<()> {
    use huduma::services::back_office::certificates::{Content, Text};
    use huduma::web::pages::certificates::print as pdf;
    let dir = std::env::temp_dir().join(format!("huduma-cert-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let settings = huduma::config::Settings {
        data_dir: Some(dir.clone()),
        database_url: Some(huduma::secret::Secret::new(format!("sqlite://{}?mode=rwc", dir.join("db").display()))),
        ..Default::default()
    };
    let config = huduma::config::Config::resolve(settings)?;
    let db = Db::connect(config.database_url.expose()).await?;
    db.migrate().await?;
    let app = std::sync::Arc::new(huduma::startup::assemble(config, db, huduma::clock::Clock::default())?);
    let text = Text {
        title: "Police clearance certificate".into(),
        body: vec![
            "This is to certify that a search of the criminal records held by the Directorate of Criminal Investigations for Wanjiku Mary Kamau, holder of national identity card number 12345678, has found no record of any conviction.".into(),
            "This certificate is issued at the request of the holder under reference A7K3MX-9PQ2C.".into(),
        ],
        signatory: "Director of Criminal Investigations".into(),
    };
    let content = serde_json::to_string(&Content { en: text.clone(), sw: text })?;
    let deadline = Instant::now() + std::time::Duration::from_secs_f64(seconds);
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let started = Instant::now();
    let mut handles = Vec::new();
    for w in 0..workers {
        let (app, content) = (app.clone(), content.clone());
        handles.push(std::thread::spawn(move || {
            let mut rng = rand::rng();
            let mut n = 0u64;
            while Instant::now() < deadline {
                let row = huduma::store::certificates::CertificateRow {
                    serial: Reference::generate(Kind::Certificate, |k| rng.random_range(0..k)).as_str().to_owned(),
                    application_id: huduma_domain::ApplicationId::parse(&format!("app-{w}-{n}")).unwrap(),
                    service_code: "certificate-of-good-conduct".into(),
                    service_version: 1,
                    agency: "dci".into(),
                    holder_name: "Wanjiku Mary Kamau".into(),
                    document_number: "12345678".into(),
                    content: content.clone(),
                    issued_at: 1_795_000_000,
                    issued_by: huduma_domain::StaffId::parse("bench").unwrap(),
                    valid_until: Some(1_795_000_000 + 180 * DAY),
                    revoked_at: None,
                    revoke_reason: None,
                };
                let bytes = pdf(&app, &row, huduma_domain::Language::En).unwrap();
                assert!(bytes.starts_with(b"%PDF"));
                n += 1;
            }
            n
        }));
    }
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let _ = std::fs::remove_dir_all(&dir);
    println!("{:.0} {workers}", total as f64 / started.elapsed().as_secs_f64());
    Ok(())
}

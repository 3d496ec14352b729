//! Seeds applications at the scale of the real portal and drives submissions with a
//! 1 MB upload, for `scripts/bench.sh`.
//!
//! `applications_bench seed <database url> <applications> <per citizen> <out dir>`
//!   adds citizens with `per citizen` applications each (two drafts, the rest submitted
//!   with a reference and a timeline line), 200 live web sessions, and five ready-to-submit
//!   police-clearance drafts per session holder. Writes `cookies.txt` (one session token per
//!   line), `track.txt` (reference and ID number), `drafts.txt` (token and draft id).
//!   The database must be migrated and the bundled catalogue imported.
//!
//! `applications_bench submit <base url> <drafts.txt> <concurrency>`
//!   uploads a 1 MB PDF to each draft and submits it, `concurrency` at a time; prints
//!   submissions per second and the p50/p99 of one upload + submit.

#![allow(clippy::unwrap_used)]

use huduma::store::Db;
use huduma_domain::reference::{Kind, Reference};
use rand::Rng;
use sqlx::Row;
use std::io::Write;
use std::time::Instant;

const SESSIONS: usize = 200;
/// Ready-to-submit drafts per signed-in citizen (1,000 in all).
const DRAFTS_PER_SESSION: usize = 5;
const SERVICES: [&str; 6] = [
    "passport-ordinary",
    "driving-licence-renewal",
    "kra-pin-registration",
    "certificate-of-good-conduct",
    "business-name-search",
    "park-entry",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => seed(&args[1], args[2].parse()?, args[3].parse()?, std::path::Path::new(&args[4])).await,
        Some("submit") => submit(&args[1], &args[2], args[3].parse()?).await,
        _ => anyhow::bail!("usage: applications_bench seed <db> <applications> <per citizen> <out> | submit <base> <drafts> <concurrency>"),
    }
}

async fn seed(url: &str, applications: usize, per_citizen: usize, out: &std::path::Path) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let started = Instant::now();
    let mut versions = Vec::new();
    {
        let mut conn = db.pool().acquire().await?;
        for code in SERVICES {
            let row = sqlx::query("SELECT MAX(version), MIN(agency) FROM service_versions WHERE service_code = $1")
                .bind(code)
                .fetch_one(&mut *conn)
                .await?;
            versions.push((code, row.try_get::<i64, _>(0)?, row.try_get::<String, _>(1)?));
        }
    }
    let now = chrono_now();
    let citizens = applications.div_ceil(per_citizen);
    let mut rng = rand::rng();
    let mut cookies = std::fs::File::create(out.join("cookies.txt"))?;
    let mut track = std::fs::File::create(out.join("track.txt"))?;
    let mut drafts = std::fs::File::create(out.join("drafts.txt"))?;
    let mut made = 0usize;
    let batch = 2_000usize;
    let mut citizen = 0usize;
    while citizen < citizens {
        let mut tx = db.begin().await?;
        for c in citizen..(citizen + batch).min(citizens) {
            let account = format!("bench-account-{c:07}");
            let document = format!("{}", 20_000_000 + c);
            sqlx::query(
                "INSERT INTO accounts (id, account_type, document_kind, document_number, first_name, other_names, surname, date_of_birth, \
                 phone, phone_verified_at, email, email_verified_at, password_hash, language, created_at, updated_at) \
                 VALUES ($1, 'citizen', 'national_id', $2, 'Bench', '', 'Citizen', '1990-01-01', $3, $4, $5, $4, 'x', 'en', $4, $4)",
            )
            .bind(account.clone())
            .bind(document.clone())
            .bind(format!("+2547{:08}", c))
            .bind(now)
            .bind(format!("bench{c}@example.com"))
            .execute(&mut **tx)
            .await?;
            for i in 0..per_citizen {
                if made == applications {
                    break;
                }
                made += 1;
                let (code, version, agency) = &versions[(c + i) % versions.len()];
                let id = format!("bench-app-{c:07}-{i:02}");
                let draft = i < 2;
                // Positional, not random: a million random references can collide.
                let mut rest = c * per_citizen + i;
                let reference = (!draft).then(|| {
                    Reference::generate(Kind::Application, |n| {
                        let symbol = rest % n;
                        rest /= n;
                        symbol
                    })
                });
                let at = now - i64::try_from((per_citizen - i) * 86_400)?;
                sqlx::query(
                    "INSERT INTO applications (id, account_id, service_code, service_version, agency, status, reference, answers, \
                     fee_minor, fee_currency, created_at, updated_at, submitted_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'KES', $10, $10, $11, $12)",
                )
                .bind(id.clone())
                .bind(account.clone())
                .bind(*code)
                .bind(*version)
                .bind(agency.clone())
                .bind(if draft { "draft" } else { "submitted" })
                .bind(reference.as_ref().map(|r| r.as_str().to_owned()))
                .bind(format!(r#"{{"id_number":"{document}","town":"Nairobi","purpose":"employment"}}"#))
                .bind(if draft { None } else { Some(0i64) })
                .bind(at)
                .bind(if draft { None } else { Some(at) })
                .bind(if draft { Some(now + 30 * 86_400) } else { None })
                .execute(&mut **tx)
                .await?;
                if let Some(reference) = reference {
                    sqlx::query("INSERT INTO application_events (application_id, at, status) VALUES ($1, $2, 'submitted')")
                        .bind(id)
                        .bind(at)
                        .execute(&mut **tx)
                        .await?;
                    if rng.random_range(0..per_citizen * 20) == 0 || made <= 2_000 {
                        writeln!(track, "{} {document}", reference.as_str())?;
                    }
                }
            }
            if c < SESSIONS {
                let token = huduma::crypto::new_token();
                sqlx::query(
                    "INSERT INTO sessions (token_hash, id, account_id, kind, created_at, last_seen_at, expires_at, user_agent, ip) \
                     VALUES ($1, $2, $3, 'web', $4, $4, $5, 'bench', '127.0.0.1')",
                )
                .bind(huduma::crypto::hash_token(&token))
                .bind(format!("bench-session-{c}"))
                .bind(account.clone())
                .bind(now)
                .bind(now + 12 * 3600)
                .execute(&mut **tx)
                .await?;
                writeln!(cookies, "{token}")?;
                let (_, version, agency) = versions.iter().find(|v| v.0 == "certificate-of-good-conduct").unwrap();
                for d in 0..DRAFTS_PER_SESSION {
                    let draft = format!("bench-draft-{c:07}-{d}");
                    let answers = format!(
                        r#"{{"id_number":"{document}","purpose":"employment","fingerprint_centre":"dci_hq","had_certificate_before":"no","convicted":"no","declaration":["agree"]}}"#
                    );
                    sqlx::query(
                    "INSERT INTO applications (id, account_id, service_code, service_version, agency, status, answers, created_at, updated_at, expires_at) \
                     VALUES ($1, $2, 'certificate-of-good-conduct', $3, $4, 'draft', $5, $6, $6, $7)",
                )
                .bind(draft.clone())
                .bind(account.clone())
                .bind(*version)
                .bind(agency.clone())
                .bind(answers)
                .bind(now)
                .bind(now + 30 * 86_400)
                .execute(&mut **tx)
                .await?;
                    writeln!(drafts, "{token} {draft}")?;
                }
            }
        }
        tx.commit().await?;
        citizen += batch;
    }
    // Fresh statistics, as a long-running database would have.
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    println!("seeded {made} applications for {citizens} citizens in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(0)).unwrap_or(0)
}

async fn submit(base: &str, drafts: &str, concurrency: usize) -> anyhow::Result<()> {
    let pdf = huduma_uploads::samples::pdf(1, 1024 * 1024 - 2_000);
    let jobs: Vec<(String, String)> =
        std::fs::read_to_string(drafts)?.lines().filter_map(|l| l.split_once(' ').map(|(a, b)| (a.to_owned(), b.to_owned()))).collect();
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).redirect(reqwest::redirect::Policy::none()).build()?;
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(jobs.into_iter()));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (queue, client, pdf, base) = (queue.clone(), client.clone(), pdf.clone(), base.to_owned());
        tasks.spawn(async move {
            let mut timings = Vec::new();
            loop {
                let Some((token, id)) = queue.lock().await.next() else { break };
                let one = Instant::now();
                let page = client
                    .get(format!("{base}/applications/{id}/documents"))
                    .header("cookie", format!("huduma_session={token}"))
                    .send()
                    .await
                    .unwrap();
                let cookie = page
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find(|c| c.starts_with("huduma_csrf="))
                    .map(|c| c.split(';').next().unwrap_or("").to_owned())
                    .unwrap_or_default();
                let html = page.text().await.unwrap();
                let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_owned();
                let cookies = format!("huduma_session={token}; {cookie}");
                let form = reqwest::multipart::Form::new()
                    .text("csrf", csrf.clone())
                    .part("file", reqwest::multipart::Part::bytes(pdf.clone()).file_name("id.pdf"));
                let up = client
                    .post(format!("{base}/applications/{id}/documents/national_id_copy"))
                    .header("cookie", &cookies)
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                assert!(up.status().is_redirection(), "upload: {}", up.status());
                let done = client
                    .post(format!("{base}/applications/{id}/submit"))
                    .header("cookie", &cookies)
                    .form(&[("csrf", csrf.as_str()), ("declaration", "yes")])
                    .send()
                    .await
                    .unwrap();
                assert!(done.status().is_redirection(), "submit: {}", done.status());
                timings.push(one.elapsed().as_secs_f64() * 1000.0);
            }
            timings
        });
    }
    let mut all = Vec::new();
    while let Some(t) = tasks.join_next().await {
        all.extend(t?);
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| all[((all.len() as f64 - 1.0) * p).round() as usize];
    println!("{} {:.1} {:.1} {:.1}", all.len(), all.len() as f64 / seconds, pct(0.5), pct(0.99));
    Ok(())
}

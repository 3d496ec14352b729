//! M-Pesa callback storms for `scripts/bench.sh`: ingestion throughput with duplicates,
//! and an audit that nothing acknowledged was lost and nothing settled twice.
//!
//! `callbacks_bench seed <database url> <attempts> <out dir>` — invoices and STK attempts
//!   waiting for their callback (the database must be migrated).
//! `callbacks_bench storm <callback url> <attempts> <seconds> <concurrency> <duplicate %> <out dir> [<resume>]`
//!   — posts callbacks for attempts in order, re-sending an already sent one with the
//!   given probability; appends every acknowledged (HTTP 200) checkout id to
//!   `<out dir>/acked.txt`; prints `sent acked rps p50_ms p99_ms`. Connection errors (a
//!   killed server) are counted, not fatal.
//! `callbacks_bench audit <database url> <out dir>` — prints `acked settled lost double`.

#![allow(clippy::unwrap_used)]

use huduma::store::Db;
use huduma_domain::reference::{Kind, Reference};
use rand::Rng;
use sqlx::Row;
use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") => seed(&args[1], args[2].parse()?).await,
        Some("storm") => {
            storm(
                &args[1],
                args[2].parse()?,
                args[3].parse()?,
                args[4].parse()?,
                args[5].parse()?,
                &args[6],
                args.get(7).map_or(Ok(0), |a| a.parse())?,
            )
            .await
        }
        Some("audit") => audit(&args[1], &args[2]).await,
        _ => anyhow::bail!("usage: callbacks_bench seed|storm|audit …"),
    }
}

fn checkout(i: usize) -> String {
    format!("ws_CO_bench_{i:08}")
}

async fn seed(url: &str, attempts: usize) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let now = 1_790_000_000i64;
    for chunk in (0..attempts).collect::<Vec<_>>().chunks(2_000) {
        let mut tx = db.begin().await?;
        for &i in chunk {
            let invoice = format!("bench-invoice-{i:08}");
            // Positional, not random: 100,000 random numbers can collide.
            let mut rest = i;
            let number = Reference::generate(Kind::Invoice, |n| {
                let symbol = rest % n;
                rest /= n;
                symbol
            });
            sqlx::query(
                "INSERT INTO invoices (id, number, currency, total_minor, paid_minor, status, description, created_at, updated_at, expires_at) \
                 VALUES ($1, $2, 'KES', 105000, 0, 'pending', 'Benchmark bill', $3, $3, $4)",
            )
            .bind(invoice.clone())
            .bind(number.as_str().to_owned())
            .bind(now)
            .bind(now + 30 * 86_400)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO payment_attempts (id, invoice_id, method, state, amount_minor, phone, merchant_request_id, checkout_request_id, \
                 created_at, updated_at) VALUES ($1, $2, 'mpesa_stk', 'requested', 105000, '254708374149', '29115-1-1', $3, $4, $4)",
            )
            .bind(format!("bench-attempt-{i:08}"))
            .bind(invoice)
            .bind(checkout(i))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        tx.commit().await?;
    }
    println!("seeded {attempts} attempts");
    Ok(())
}

fn body(i: usize) -> String {
    serde_json::json!({"Body": {"stkCallback": {
        "MerchantRequestID": "29115-1-1",
        "CheckoutRequestID": checkout(i),
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully.",
        "CallbackMetadata": {"Item": [
            {"Name": "Amount", "Value": 1050.00},
            {"Name": "MpesaReceiptNumber", "Value": format!("SB{i:08}")},
            {"Name": "Balance"},
            {"Name": "TransactionDate", "Value": 20_260_126_093_112u64},
            {"Name": "PhoneNumber", "Value": 254_708_374_149u64}
        ]}
    }}})
    .to_string()
}

#[allow(clippy::too_many_arguments)]
async fn storm(
    url: &str,
    attempts: usize,
    seconds: u64,
    concurrency: usize,
    duplicate_percent: u32,
    out: &str,
    resume: usize,
) -> anyhow::Result<()> {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(resume));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).timeout(Duration::from_secs(10)).build()?;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (next, client, url) = (next.clone(), client.clone(), url.to_owned());
        tasks.spawn(async move {
            let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_os_rng();
            let (mut sent, mut acked, mut timings) = (0u64, Vec::new(), Vec::new());
            while Instant::now() < deadline {
                // Duplicates only of callbacks that exist (`next` can run past the end).
                let issued = next.load(std::sync::atomic::Ordering::Relaxed).min(attempts);
                let i = if issued > resume && rng.random_range(0..100) < duplicate_percent {
                    rng.random_range(resume..issued)
                } else {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= attempts {
                        break;
                    }
                    i
                };
                sent += 1;
                let started = Instant::now();
                match client.post(&url).header("content-type", "application/json").body(body(i)).send().await {
                    Ok(r) if r.status().is_success() => {
                        timings.push(started.elapsed().as_secs_f64() * 1000.0);
                        acked.push(i);
                    }
                    _ => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            (sent, acked, timings)
        });
    }
    let started = Instant::now();
    let (mut sent, mut acked, mut timings) = (0u64, Vec::new(), Vec::new());
    while let Some(done) = tasks.join_next().await {
        let (s, a, t) = done?;
        sent += s;
        acked.extend(a);
        timings.extend(t);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(format!("{out}/acked.txt"))?;
    for i in &acked {
        writeln!(file, "{}", checkout(*i))?;
    }
    timings.sort_by(f64::total_cmp);
    let pct = |p: f64| if timings.is_empty() { 0.0 } else { timings[((timings.len() as f64 - 1.0) * p).round() as usize] };
    println!(
        "{sent} {} {:.1} {:.2} {:.2} {}",
        acked.len(),
        acked.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99),
        next.load(std::sync::atomic::Ordering::Relaxed).min(attempts)
    );
    Ok(())
}

async fn audit(url: &str, out: &str) -> anyhow::Result<()> {
    let db = Db::connect(url).await?;
    let acked: HashSet<String> =
        std::fs::read_to_string(format!("{out}/acked.txt")).unwrap_or_default().lines().map(str::to_owned).collect();
    let mut conn = db.pool().acquire().await?;
    let settled: HashSet<String> =
        sqlx::query("SELECT a.checkout_request_id FROM payments p JOIN payment_attempts a ON a.id = p.attempt_id")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
    let double: i64 = sqlx::query("SELECT COUNT(*) FROM (SELECT invoice_id FROM payments GROUP BY invoice_id HAVING COUNT(*) > 1) d")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let overpaid: i64 =
        sqlx::query("SELECT COUNT(*) FROM invoices WHERE paid_minor > total_minor").fetch_one(&mut *conn).await?.try_get(0)?;
    let lost = acked.iter().filter(|c| !settled.contains(*c)).count();
    println!("{} {} {lost} {}", acked.len(), settled.len(), double + overpaid);
    Ok(())
}

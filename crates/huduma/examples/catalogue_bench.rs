//! Builds a synthetic catalogue the size of the real portal (22,500 services from 600
//! agencies) out of the bundled one, writes it to a folder for the HTTP benchmark, and
//! measures in process: checking, indexing, memory and search latency. The catalogue is
//! checked and indexed as a node does it: one service file at a time, keeping an entry
//! and the search words of each (the whole definitions stay in the database).
//! Usage: `catalogue_bench <bundled catalogue dir> <output dir>`.

use huduma::services::catalogue::read_folder;
use huduma_domain::catalogue::{Checker, IndexBuilder, ServiceEntry, SourceFile, is_service_file};
use std::time::Instant;

const AGENCIES: usize = 600;
const SERVICES: usize = 22_500;
const COUNTIES: [&str; 12] =
    ["Mombasa", "Kisumu", "Nakuru", "Eldoret", "Nyeri", "Machakos", "Garissa", "Kakamega", "Kitui", "Meru", "Kericho", "Lamu"];

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let bundled = read_folder(std::path::Path::new(&args.next().unwrap_or_else(|| "catalogue".into())))?;
    let out = std::path::PathBuf::from(args.next().unwrap_or_else(|| "/tmp/huduma-synthetic-catalogue".into()));
    let categories = bundled.iter().find(|f| f.path == "categories.toml").cloned().ok_or_else(|| anyhow::anyhow!("no categories.toml"))?;
    let agencies: Vec<&SourceFile> = bundled.iter().filter(|f| f.path.ends_with("/agency.toml")).collect();
    let services: Vec<&SourceFile> = bundled.iter().filter(|f| f.path.contains('/') && !f.path.ends_with("/agency.toml")).collect();
    anyhow::ensure!(!agencies.is_empty() && !services.is_empty(), "the bundled catalogue is empty");

    let mut files = vec![categories];
    for a in 0..AGENCIES {
        let template = agencies[a % agencies.len()];
        let old_code = template.path.trim_end_matches("/agency.toml");
        let code = format!("{old_code}-{a}");
        let county = COUNTIES[a % COUNTIES.len()];
        let text = template.text.replacen(&format!("code = \"{old_code}\""), &format!("code = \"{code}\""), 1).replacen(
            "name = { en = \"",
            &format!("name = {{ en = \"{county} "),
            1,
        );
        files.push(SourceFile { path: format!("{code}/agency.toml"), text });
        for s in 0..(SERVICES / AGENCIES + usize::from(a < SERVICES % AGENCIES)) {
            let template = services[(a * 7 + s) % services.len()];
            let old = template.path.rsplit_once('/').map_or("", |(_, n)| n).trim_end_matches(".toml");
            let new = format!("{old}-{a}-{s}");
            let text = template.text.replacen(&format!("code = \"{old}\""), &format!("code = \"{new}\""), 1).replacen(
                "name = { en = \"",
                &format!("name = {{ en = \"{county} "),
                1,
            );
            files.push(SourceFile { path: format!("{code}/{new}.toml"), text });
        }
    }

    let before = rss_kb("VmRSS:");
    let (mut check_ms, mut index_ms) = (0.0, 0.0);
    let mut checker = Checker::new(&files);
    let mut builder = IndexBuilder::new(checker.agencies(), checker.categories());
    let mut entries = Vec::new();
    for file in files.iter().filter(|f| is_service_file(&f.path)) {
        let start = Instant::now();
        let (service, problems) = checker.service(file);
        checker.admit(file, service.as_ref(), problems);
        check_ms += start.elapsed().as_secs_f64() * 1e3;
        let start = Instant::now();
        if let Some(service) = service {
            builder.add(&service);
            entries.push(ServiceEntry::from(&service));
        }
        index_ms += start.elapsed().as_secs_f64() * 1e3;
    }
    let catalogue = checker.finish(entries).map_err(|p| anyhow::anyhow!("synthetic catalogue invalid: {}", p[0]))?;
    let start = Instant::now();
    let index = builder.finish();
    index_ms += start.elapsed().as_secs_f64() * 1e3;
    let after = rss_kb("VmRSS:");

    let queries = [
        "passport",
        "pasipoti",
        "pasport",
        "drivng licence",
        "good conduct cert",
        "police clearance",
        "KRA PIN",
        "TCC",
        "leseni ya udereva",
        "business name",
        "birth certificate",
        "cheti cha tabia njema",
        "DL renewal",
        "court fees",
        "park entry",
        "HELB",
        "ID replacement",
        "marriage",
    ];
    let mut timings = Vec::new();
    let mut per_query = vec![0f64; queries.len()];
    for _ in 0..50 {
        for (i, q) in queries.iter().enumerate() {
            let start = Instant::now();
            let (hits, _) = index.search(q, None, None, 20);
            let ms = start.elapsed().as_secs_f64() * 1e3;
            timings.push(ms);
            per_query[i] += ms / 50.0;
            std::hint::black_box(hits);
        }
    }
    timings.sort_by(f64::total_cmp);
    if std::env::var("BENCH_VERBOSE").is_ok() {
        for (q, ms) in queries.iter().zip(&per_query) {
            eprintln!("{ms:8.3} ms  {q}");
        }
    }

    std::fs::create_dir_all(&out)?;
    for file in &files {
        let path = out.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &file.text)?;
    }
    let (terms, postings, deletes) = index.counts();
    println!(
        "terms={terms} postings={postings} deletes={deletes} services={} agencies={} check_ms={check_ms:.0} index_ms={index_ms:.0} memory_mb={:.0} search_p50_ms={:.3} search_p99_ms={:.3} sample_service={}",
        catalogue.services.len(),
        catalogue.agencies.len(),
        (after.saturating_sub(before)) as f64 / 1024.0,
        percentile(&timings, 0.5),
        percentile(&timings, 0.99),
        catalogue.services[catalogue.services.len() / 2].code
    );
    Ok(())
}

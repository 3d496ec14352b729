//! Measures how many Argon2id password verifications per second this machine can do with
//! Huduma's production cost on all cores: the ceiling for sign-ins per second.
//! Usage: `argon2_rate [seconds] [memory_kib] [iterations]`.

use huduma::crypto::PasswordHasherConfig;
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(10), |s| s.parse())?;
    let memory: u32 = args.next().map_or(Ok(19_456), |s| s.parse())?;
    let iterations: u32 = args.next().map_or(Ok(2), |s| s.parse())?;
    let hasher = PasswordHasherConfig::new(memory, iterations)?;
    let hash = hasher.hash_blocking("mango tree by the river")?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let total: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        assert!(hasher.verify_blocking("mango tree by the river", Some(&hash)));
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    let rate = total as f64 / start.elapsed().as_secs_f64();
    println!("{rate:.1}");
    Ok(())
}

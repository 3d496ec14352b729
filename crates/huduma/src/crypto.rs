//! Tokens, keyed hashes and password hashing.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// A fresh opaque token: 256 bits from the thread CSPRNG (ChaCha, seeded by the OS), base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A uniformly random `u32` from the thread CSPRNG.
pub fn random_u32() -> u32 {
    rand::rng().next_u32()
}

/// Where one-time codes come from: the CSPRNG, unless a test made them count up from a
/// number of its choosing, so that it knows which codes were never sent.
#[derive(Debug, Default)]
pub struct CodeSource {
    /// The next code to hand out; 0 while codes are random.
    next: std::sync::atomic::AtomicU32,
}

impl CodeSource {
    /// From now on, codes are `start`, `start + 1`, … (tests only; `start` above 0).
    pub fn count_from(&self, start: u32) {
        self.next.store(start.max(1), std::sync::atomic::Ordering::SeqCst);
    }

    /// The number the next one-time code is made from.
    pub fn next(&self) -> u32 {
        // `fetch_update` never changes a 0, so random stays random.
        match self.next.fetch_update(std::sync::atomic::Ordering::SeqCst, std::sync::atomic::Ordering::SeqCst, |n| {
            (n > 0).then(|| n.wrapping_add(1).max(1))
        }) {
            Ok(counted) => counted,
            Err(_) => random_u32(),
        }
    }
}

/// SHA-256 of a token, hex: what we store instead of the token itself.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// HMAC-SHA256 under the server key, base64url. Used for one-time codes (so a database
/// leak does not reveal live codes) and for CSRF tokens.
pub fn keyed_hash(key: &Secret, parts: &[&str]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose().as_bytes()).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// SHA-256 over `previous` and each field, every one length-prefixed so no two different
/// entries hash alike; hex. Links one audit entry to the one before it.
pub fn chain_hash(previous: &str, fields: &[&str]) -> String {
    let mut digest = Sha256::new();
    for part in std::iter::once(previous).chain(fields.iter().copied()) {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part.as_bytes());
    }
    hex(&digest.finalize())
}

/// Constant-time comparison of two strings.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    // Lengths are public (every code and hash has a fixed one); the bytes are not.
    bool::from(subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Argon2id with the configured cost. Hashing is CPU- and memory-bound, so it runs on a
/// small pool of dedicated threads, one per core: never on the async runtime, and never
/// more hashes at once than cores. (On tokio's blocking pool a burst of sign-ins ran dozens
/// of 19 MiB hashes side by side: slower in total, and the memory stayed with the process.)
#[derive(Clone, Debug)]
pub struct PasswordHasherConfig {
    params: Params,
    /// A hash of a random password, verified against when an account does not exist so
    /// that unknown accounts take as long as wrong passwords.
    dummy_hash: String,
    pool: HashPool,
}

type HashJob = Box<dyn FnOnce() + Send>;

/// Threads that run password hashing jobs.
#[derive(Clone, Debug)]
struct HashPool {
    jobs: std::sync::mpsc::SyncSender<HashJob>,
}

impl HashPool {
    fn new(threads: usize) -> anyhow::Result<Self> {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<HashJob>(1024);
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || {
                loop {
                    let job = match queue.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return, // every sender is gone: the app shut down
                    }
                }
            })?;
        }
        Ok(Self { jobs })
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move || {
            let _ = reply.send(work());
        });
        let jobs = self.jobs.clone();
        // The queue is bounded; waiting for room must not block the runtime either.
        tokio::task::spawn_blocking(move || jobs.send(job)).await?.map_err(|_| anyhow::anyhow!("password hashing pool stopped"))?;
        answer.await.map_err(|_| anyhow::anyhow!("password hashing job was dropped"))
    }
}

impl PasswordHasherConfig {
    /// Builds the hasher; `memory_kib` and `iterations` set the cost (OWASP: 19 MiB, 2).
    pub fn new(memory_kib: u32, iterations: u32) -> anyhow::Result<Self> {
        let params = Params::new(memory_kib, iterations, 1, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut this = Self { params, dummy_hash: String::new(), pool: HashPool::new(threads)? };
        this.dummy_hash = this.hash_blocking(&new_token())?;
        Ok(this)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes on the current thread.
    pub fn hash_blocking(&self, password: &str) -> anyhow::Result<String> {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Ok(self.argon2().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("hashing: {e}"))?.to_string())
    }

    /// Verifies on the current thread; `None` verifies against the dummy hash and fails.
    pub fn verify_blocking(&self, password: &str, hash: Option<&str>) -> bool {
        let target = hash.unwrap_or(&self.dummy_hash);
        let ok = PasswordHash::new(target).is_ok_and(|parsed| self.argon2().verify_password(password.as_bytes(), &parsed).is_ok());
        ok && hash.is_some()
    }

    /// Hashes on the hashing pool.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let this = self.clone();
        self.pool.run(move || this.hash_blocking(&password)).await?
    }

    /// Verifies on the hashing pool.
    pub async fn verify(&self, password: String, hash: Option<String>) -> anyhow::Result<bool> {
        let this = self.clone();
        self.pool.run(move || this.verify_blocking(&password, hash.as_deref())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_unknown_accounts_fail() {
        let hasher = PasswordHasherConfig::new(1024, 1).expect("params");
        let hash = hasher.hash_blocking("mango tree by the river").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(hasher.verify_blocking("mango tree by the river", Some(&hash)));
        assert!(!hasher.verify_blocking("mango tree by the lake", Some(&hash)));
        assert!(!hasher.verify_blocking("anything", None));
    }

    #[test]
    fn tokens_are_unique_and_hashes_stable() {
        assert_ne!(new_token(), new_token());
        assert_eq!(hash_token("a"), hash_token("a"));
        assert_eq!(new_token().len(), 43);
        let key = Secret::new("k");
        assert_eq!(keyed_hash(&key, &["a", "b"]), keyed_hash(&key, &["a", "b"]));
        assert_ne!(keyed_hash(&key, &["ab", ""]), keyed_hash(&key, &["a", "b"]));
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd"));
    }

    #[test]
    fn codes_count_only_when_a_test_asks() {
        let source = CodeSource::default();
        let random: std::collections::HashSet<u32> = (0..8).map(|_| source.next()).collect();
        assert!(random.len() > 1, "random codes differ");
        source.count_from(100_001);
        assert_eq!([source.next(), source.next()], [100_001, 100_002]);
    }
}

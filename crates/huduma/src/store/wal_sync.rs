//! Group commit for SQLite: one `fsync` makes many commits durable.
//!
//! SQLite runs with `synchronous = NORMAL` in WAL mode, so `COMMIT` returns once the
//! transaction's frames are written to the WAL file, without waiting for the disk. Before
//! [`super::Tx::commit`] returns, the committer waits here until the WAL file has been
//! synced *after* its commit. Whoever finds no sync covering them yet performs one, and it
//! covers every commit finished before it started; the others waiting meanwhile find
//! themselves covered and return without a sync of their own. A commit is therefore as
//! durable when `commit` returns as with `synchronous = FULL`, but the write lock is not
//! held through the disk flush and a burst of commits shares one flush.
//!
//! Syncing through a descriptor of our own is enough: `fsync` flushes the file, not the
//! descriptor. Frames a checkpoint has already moved into the database file are durable
//! too: in WAL mode with `NORMAL`, SQLite syncs the WAL before and the database after each
//! checkpoint. Writes made outside [`super::Db::begin`] (autocommit statements) are durable
//! at the next sync or checkpoint.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Test hook: a pause in milliseconds before each WAL sync, so that a crash test's kills
/// often land between a `COMMIT` and the sync that makes it durable.
const PAUSE_ENV: &str = "HUDUMA_TEST_WAL_SYNC_PAUSE_MS";

/// Makes committed transactions durable together.
#[derive(Debug)]
pub struct WalSync {
    wal: PathBuf,
    /// Commits finished so far.
    committed: AtomicU64,
    /// How many of them the last completed sync covers; held while a sync runs.
    synced: tokio::sync::Mutex<u64>,
}

impl WalSync {
    /// For the database at `url` (`sqlite://PATH?…`); none for an in-memory database.
    pub fn for_url(url: &str) -> Option<Self> {
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path.starts_with(':') {
            return None;
        }
        Some(Self { wal: PathBuf::from(format!("{path}-wal")), committed: AtomicU64::new(0), synced: tokio::sync::Mutex::new(0) })
    }

    /// Called right after a `COMMIT` returned: waits until a sync that started after it
    /// has finished.
    pub async fn after_commit(&self) -> std::io::Result<()> {
        let ticket = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
        let mut synced = self.synced.lock().await;
        if *synced >= ticket {
            return Ok(());
        }
        let covers = self.committed.load(Ordering::SeqCst);
        if let Some(pause) = pause_before_sync() {
            tokio::time::sleep(pause).await;
        }
        let wal = self.wal.clone();
        tokio::task::spawn_blocking(move || sync_file(&wal)).await.map_err(std::io::Error::other)??;
        *synced = covers;
        Ok(())
    }
}

/// The crash test's pause ([`PAUSE_ENV`]), read once; none in normal running.
fn pause_before_sync() -> Option<Duration> {
    static PAUSE: OnceLock<Option<Duration>> = OnceLock::new();
    *PAUSE.get_or_init(|| std::env::var(PAUSE_ENV).ok().and_then(|ms| ms.parse().ok()).map(Duration::from_millis))
}

fn sync_file(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::File::open(path) {
        Ok(file) => file.sync_data(),
        // No WAL file: everything was checkpointed (and synced) into the database file.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wal_is_found_next_to_a_database_file_only() {
        assert_eq!(WalSync::for_url("sqlite:///data/huduma.db?mode=rwc").map(|w| w.wal), Some(PathBuf::from("/data/huduma.db-wal")));
        assert_eq!(WalSync::for_url("sqlite:huduma.db").map(|w| w.wal), Some(PathBuf::from("huduma.db-wal")));
        assert!(WalSync::for_url("sqlite::memory:").is_none());
        assert!(WalSync::for_url("postgres://localhost/huduma").is_none());
    }

    #[tokio::test]
    async fn commits_waiting_together_share_one_sync() {
        let dir = std::env::temp_dir().join(format!("huduma-walsync-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let db = dir.join("t.db");
        std::fs::write(format!("{}-wal", db.display()), b"frames").expect("wal");
        let sync = std::sync::Arc::new(WalSync::for_url(&format!("sqlite://{}", db.display())).expect("file database"));
        // A sync in progress holds the lock: commits finishing meanwhile are covered by the next one.
        let held = sync.synced.lock().await;
        let waiting: Vec<_> = (0..5)
            .map(|_| {
                tokio::spawn({
                    let sync = sync.clone();
                    async move { sync.after_commit().await }
                })
            })
            .collect();
        while sync.committed.load(Ordering::SeqCst) < 5 {
            tokio::task::yield_now().await;
        }
        drop(held);
        for w in waiting {
            w.await.expect("task").expect("synced");
        }
        assert_eq!(*sync.synced.lock().await, 5, "the first sync after the lock covered all five");
        sync.after_commit().await.expect("a later commit syncs again");
        assert_eq!(*sync.synced.lock().await, 6);
        std::fs::remove_dir_all(&dir).ok();
    }
}

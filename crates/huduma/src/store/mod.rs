//! Repositories over SQLite and PostgreSQL.
//!
//! One set of SQL serves both databases through sqlx's `Any` driver: statements use
//! `$1`-style parameters (SQLite accepts them too), times are Unix seconds in integers and
//! ids are text. The few places where the dialects differ pick a statement by [`Backend`].
//! Use cases own transactions; the functions here take a connection.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod backup;
pub mod catalogue;
pub mod certificates;
pub mod checkout;
pub mod codes;
pub mod dashboard;
mod decode;
pub mod documents;
pub mod flows;
pub mod gauges;
pub mod outbox;
pub mod payments;
pub mod periodic_jobs;
pub mod queue;
pub mod rate_limits;
pub mod receipt_lookup;
pub mod sandbox_messages;
pub mod sessions;
pub mod staff;
pub mod statements;
pub mod status;
pub mod stk_confirmations;
pub mod tickets;
pub mod wal_sync;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

/// A connection inside a transaction or from the pool.
pub type Conn = sqlx::AnyConnection;
/// A write transaction. On SQLite it also holds the process's write gate (see
/// [`Db::begin`]); dropping it without `commit` rolls back.
pub struct Tx {
    // Declared first so it is dropped (rolled back) before the gate opens.
    inner: sqlx::Transaction<'static, sqlx::Any>,
    gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// SQLite's group commit: `commit` returns once the WAL is synced.
    durable: Option<std::sync::Arc<wal_sync::WalSync>>,
}

impl std::ops::Deref for Tx {
    type Target = sqlx::Transaction<'static, sqlx::Any>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").finish_non_exhaustive()
    }
}

impl Tx {
    /// Commits; returns once the commit is durable.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let Self { inner, gate, durable } = self;
        inner.commit().await?;
        // The next writer may go while this commit reaches the disk, in a shared flush.
        drop(gate);
        if let Some(durable) = durable {
            durable.after_commit().await?;
        }
        Ok(())
    }
}

/// Longest wait for the write gate, like SQLite's own busy timeout.
const WRITE_GATE_WAIT: Duration = Duration::from_secs(10);

/// How a SQLite file database makes a commit durable before `commit` returns (PostgreSQL
/// and in-memory databases ignore it: they always sync at each commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=NORMAL` and one WAL sync shared by the commits finishing together
    /// ([`wal_sync`]): the write lock is not held through the disk flush.
    #[default]
    GroupCommit,
    /// `synchronous=FULL`: SQLite syncs the WAL inside every `COMMIT`, under the write
    /// lock. The plain way, for when the group commit is suspected.
    EachCommit,
}

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded default.
    Sqlite,
    /// Scale-out store.
    Postgres,
}

/// The database: a pool plus the knowledge of which engine it is.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time. Writers of this process queue here, in order,
    /// instead of in SQLite's busy handler, which sleeps in steps of up to 100 ms and made
    /// the tail latency of write bursts (payment callbacks) ten times the median.
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite file databases: commits made durable together ([`wal_sync`]).
    wal_sync: Option<std::sync::Arc<wal_sync::WalSync>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) without migrating, with SQLite's
    /// group commit.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with(url, Durability::GroupCommit).await
    }

    /// Connects to `url` without migrating; `durability` chooses how SQLite commits.
    pub async fn connect_with(url: &str, durability: Durability) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:");
        };
        let options = AnyConnectOptions::from_str(url).context("parsing DATABASE_URL")?;
        let pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let wal_sync = match backend {
            Backend::Sqlite if durability == Durability::GroupCommit => wal_sync::WalSync::for_url(url).map(std::sync::Arc::new),
            Backend::Sqlite | Backend::Postgres => None,
        };
        // Payments must survive power loss. A file database commits with `NORMAL` and a
        // shared sync of the WAL before `commit` returns (group commit, see `wal_sync`);
        // anything else (or with the group commit turned off) syncs at every commit.
        let synchronous = if wal_sync.is_some() { "NORMAL" } else { "FULL" };
        let pool = match backend {
            Backend::Sqlite => {
                pool_options
                    .max_connections(8)
                    // The file is local and a connection cannot go stale: a ping before
                    // each acquire would only add a round trip to SQLite's worker thread.
                    .test_before_acquire(false)
                    .after_connect(move |conn, _meta| {
                        Box::pin(async move {
                            let pragmas = format!(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;"
                            );
                            conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas))).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
            Backend::Postgres => pool_options.max_connections(16).connect_with(options).await,
        }
        .with_context(|| format!("connecting to the {backend:?} database"))?;
        Ok(Self { pool, backend, write_gate: Default::default(), wal_sync })
    }

    /// Applies every pending migration for this engine.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.context("applying migrations")?;
        Ok(())
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for reads outside a transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`) so two writers never deadlock upgrading a read lock.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let gate = tokio::time::timeout(WRITE_GATE_WAIT, self.write_gate.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?;
                Ok(Tx { inner: self.pool.begin_with("BEGIN IMMEDIATE").await?, gate: Some(gate), durable: self.wal_sync.clone() })
            }
            Backend::Postgres => Ok(Tx { inner: self.pool.begin().await?, gate: None, durable: None }),
        }
    }

    /// Checks the database answers, for `/readyz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query(statements::PING).execute(&self.pool).await.map(|_| ())
    }
}

/// A new id of any kind (`new_id::<AccountId>()`), written as a UUIDv7: time-ordered, so
/// indexes stay compact.
pub fn new_id<T: huduma_domain::Generated>() -> T {
    T::from_generated(uuid::Uuid::now_v7().as_u128())
}

/// Whether an error is a unique-constraint violation (a duplicate).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    #[test]
    fn new_ids_are_written_as_uuid_writes_them() {
        let id: huduma_domain::AccountId = super::new_id();
        let parsed = uuid::Uuid::parse_str(id.as_str()).expect("a uuid");
        assert_eq!(parsed.to_string(), id.as_str());
        assert_eq!(parsed.get_version_num(), 7);
        let bits = uuid::Uuid::now_v7().as_u128();
        assert_eq!(<String as huduma_domain::Generated>::from_generated(bits), uuid::Uuid::from_u128(bits).to_string());
    }
}

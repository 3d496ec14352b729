//! The outbox: side effects written in the same transaction as the change that causes
//! them, executed later by a worker with retries.

use super::statements::statements;
use super::{Backend, Conn};
use sqlx::Row;

statements! {
    /// Adds a job to run at `run_at`.
    ENQUEUE = "INSERT INTO outbox (id, kind, payload, created_at, run_at) VALUES ($1, $2, $3, $4, $4)";
    /// Whether any job is due now (a read, before taking the write lock to claim one).
    ANY_DUE = "SELECT 1 FROM outbox WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $1 \
         AND (locked_until IS NULL OR locked_until <= $1) LIMIT 1";
    /// Marks a job done.
    COMPLETE = "UPDATE outbox SET done_at = $2, locked_until = NULL WHERE id = $1";
    /// Records a failure; the job runs again at `retry_at`, or never when `retry_at` is None.
    FAIL = "UPDATE outbox SET last_error = $2, locked_until = NULL, run_at = COALESCE($3, run_at), \
         failed_at = CASE WHEN $3 IS NULL THEN CAST($4 AS BIGINT) ELSE NULL END WHERE id = $1";
    /// Counts of jobs by state, for metrics and `admin`.
    COUNTS = "SELECT COALESCE(SUM(CASE WHEN done_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0) AS queued, \
         COALESCE(SUM(CASE WHEN done_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS done, \
         COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS failed FROM outbox";
    /// Jobs of one kind, newest first (the IPN delivery log).
    OF_KIND = "SELECT id, payload, attempts, created_at, last_error, done_at, failed_at FROM outbox WHERE kind = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
    /// Runs a job again now, whatever happened before (an admin's replay).
    REPLAY = "UPDATE outbox SET run_at = $1, done_at = NULL, failed_at = NULL, locked_until = NULL WHERE id = $2";
}

/// Claims one due job on PostgreSQL, skipping rows other workers hold.
pub const CLAIM_POSTGRES: &str = "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 WHERE id = (SELECT id FROM outbox \
     WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until <= $1) \
     ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, kind, payload, attempts";
/// Claims one due job on SQLite (SQLite has no `SKIP LOCKED`; it has one writer).
pub const CLAIM_SQLITE: &str = "UPDATE outbox SET locked_until = $2, attempts = attempts + 1 WHERE id = (SELECT id FROM outbox \
     WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until <= $1) \
     ORDER BY run_at, id LIMIT 1) RETURNING id, kind, payload, attempts";
/// The statements only PostgreSQL runs.
pub const POSTGRES_ONLY: &[(&str, &str)] = &[("CLAIM_POSTGRES", CLAIM_POSTGRES)];
/// The statements only SQLite runs.
pub const SQLITE_ONLY: &[(&str, &str)] = &[("CLAIM_SQLITE", CLAIM_SQLITE)];

/// A claimed job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: String,
    /// What to do (`sms`, `email`).
    pub kind: String,
    /// JSON payload.
    pub payload: String,
    /// Attempts including this one.
    pub attempts: i64,
}

/// Adds a job to run at `run_at`.
pub async fn enqueue(conn: &mut Conn, kind: &str, payload: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(ENQUEUE).bind(super::new_id::<String>()).bind(kind.to_owned()).bind(payload.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Whether any job is due now (a read, before taking the write lock to claim one).
pub async fn any_due(conn: &mut Conn, now: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(ANY_DUE).bind(now).fetch_optional(conn).await?;
    Ok(row.is_some())
}

/// Claims one due job for `lease_secs`. PostgreSQL skips rows other workers hold; on
/// SQLite the caller's `BEGIN IMMEDIATE` makes the claim single-writer.
pub async fn claim(conn: &mut Conn, backend: Backend, now: i64, lease_secs: i64) -> Result<Option<Job>, sqlx::Error> {
    sqlx::query_as(match backend {
        Backend::Postgres => CLAIM_POSTGRES,
        Backend::Sqlite => CLAIM_SQLITE,
    })
    .bind(now)
    .bind(now + lease_secs)
    .fetch_optional(conn)
    .await
}

/// Marks a job done.
pub async fn complete(conn: &mut Conn, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(COMPLETE).bind(id.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Records a failure; the job runs again at `retry_at`, or never when `retry_at` is None.
pub async fn fail(conn: &mut Conn, id: &str, error: &str, retry_at: Option<i64>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(FAIL).bind(id.to_owned()).bind(error.to_owned()).bind(retry_at).bind(now).execute(conn).await?;
    Ok(())
}

/// Counts of jobs by state, for metrics and `admin`.
pub async fn counts(conn: &mut Conn) -> Result<(i64, i64, i64), sqlx::Error> {
    let row = sqlx::query(COUNTS).fetch_one(conn).await?;
    Ok((row.try_get("queued")?, row.try_get("done")?, row.try_get("failed")?))
}

/// A job as the delivery log shows it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub payload: String,
    /// Tries so far.
    pub attempts: i64,
    /// Queued at.
    pub created_at: i64,
    /// Last failure.
    pub last_error: Option<String>,
    /// Delivered at.
    pub done_at: Option<i64>,
    /// Given up at.
    pub failed_at: Option<i64>,
}

/// Jobs of one kind, newest first (the IPN delivery log).
pub async fn of_kind(conn: &mut Conn, kind: &str, limit: i64) -> Result<Vec<Delivery>, sqlx::Error> {
    sqlx::query(OF_KIND)
        .bind(kind.to_owned())
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Delivery {
                id: r.try_get("id")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
                created_at: r.try_get("created_at")?,
                last_error: r.try_get("last_error")?,
                done_at: r.try_get("done_at")?,
                failed_at: r.try_get("failed_at")?,
            })
        })
        .collect()
}

/// Runs a job again now, whatever happened before (an admin's replay).
pub async fn replay(conn: &mut Conn, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(REPLAY).bind(now).bind(id.to_owned()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

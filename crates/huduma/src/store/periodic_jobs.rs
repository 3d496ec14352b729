//! Leases on periodic jobs, so each runs on one worker of the cluster at a time.
//!
//! One row per job. A worker takes a job that is due and not held (or whose holder let
//! its lease pass) with a single conditional `UPDATE`: on PostgreSQL a second worker's
//! `UPDATE` of the same row waits for the first and then finds the condition false; on
//! SQLite writers take turns. Works the same on both engines, with no session-level lock
//! that a connection pool could lose.

use super::Conn;
use super::statements::statements;

statements! {
    /// Whether a job is due and free (a read first, so that looking for work does not
    /// take SQLite's write lock every few seconds); no row before its first run.
    FREE = "SELECT COUNT(*) FROM periodic_jobs WHERE name = $1 AND next_run_at <= $2 AND (held_until IS NULL OR held_until <= $2)";
    /// Whether a job has its row.
    KNOWN = "SELECT COUNT(*) FROM periodic_jobs WHERE name = $1";
    /// Makes sure a job has its row (due at once the first time).
    ENSURE = "INSERT INTO periodic_jobs (name, next_run_at) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING";
    /// Takes a job that is due and not held by anyone whose lease still runs.
    TAKE = "UPDATE periodic_jobs SET held_by = $1, held_until = $2 \
         WHERE name = $3 AND next_run_at <= $4 AND (held_until IS NULL OR held_until <= $4)";
    /// Extends the lease of a job this holder still holds.
    RENEW = "UPDATE periodic_jobs SET held_until = $1 WHERE name = $2 AND held_by = $3";
    /// Lets a job go and says when it is next due.
    FINISH = "UPDATE periodic_jobs SET held_by = NULL, held_until = NULL, next_run_at = $1 WHERE name = $2 AND held_by = $3";
}

/// Takes `name` for `holder` until `held_until` if it is due at `now` and free; returns
/// whether it was taken.
pub async fn take(conn: &mut Conn, name: &str, holder: &str, now: i64, held_until: i64) -> Result<bool, sqlx::Error> {
    let free: i64 = sqlx::query_scalar(FREE).bind(name.to_owned()).bind(now).fetch_one(&mut *conn).await?;
    if free == 0 {
        let known: i64 = sqlx::query_scalar(KNOWN).bind(name.to_owned()).fetch_one(&mut *conn).await?;
        if known > 0 {
            return Ok(false);
        }
        sqlx::query(ENSURE).bind(name.to_owned()).execute(&mut *conn).await?;
    }
    let taken = sqlx::query(TAKE).bind(holder.to_owned()).bind(held_until).bind(name.to_owned()).bind(now).execute(conn).await?;
    Ok(taken.rows_affected() == 1)
}

/// Extends `holder`'s lease on `name`; false when it no longer holds the job.
pub async fn renew(conn: &mut Conn, name: &str, holder: &str, held_until: i64) -> Result<bool, sqlx::Error> {
    let renewed = sqlx::query(RENEW).bind(held_until).bind(name.to_owned()).bind(holder.to_owned()).execute(conn).await?;
    Ok(renewed.rows_affected() == 1)
}

/// Releases `holder`'s hold on `name`, next due at `next_run_at`; false when it no longer
/// held the job.
pub async fn finish(conn: &mut Conn, name: &str, holder: &str, next_run_at: i64) -> Result<bool, sqlx::Error> {
    let finished = sqlx::query(FINISH).bind(next_run_at).bind(name.to_owned()).bind(holder.to_owned()).execute(conn).await?;
    Ok(finished.rows_affected() == 1)
}

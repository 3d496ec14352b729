//! The readings behind the operators' gauges ([`crate::jobs::gauges`]): how much work is
//! waiting and for how long. Reads only; each is a single indexed or tiny-table query, so
//! every process may run them every few seconds.

use super::Conn;
use super::statements::statements;

statements! {
    /// Outbox jobs due and not yet done (including those a worker holds right now), by
    /// kind, with when the oldest became due.
    OUTBOX_DUE = "SELECT kind, COUNT(*) AS due, MIN(run_at) AS oldest_run_at FROM outbox \
         WHERE done_at IS NULL AND failed_at IS NULL AND run_at <= $1 GROUP BY kind";
    /// Payment attempts of one method in one state, with when the oldest was made.
    ATTEMPTS_IN_STATE = "SELECT COUNT(*) AS waiting, MIN(created_at) AS oldest_created_at FROM payment_attempts \
         WHERE method = $1 AND state = $2";
    /// When each periodic job is next due.
    PERIODIC_NEXT_RUNS = "SELECT name, next_run_at FROM periodic_jobs";
}

/// Due outbox jobs of one kind.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxDue {
    /// The job kind as stored.
    pub kind: String,
    /// How many are due.
    pub due: i64,
    /// When the one due longest became due (Unix seconds).
    pub oldest_run_at: i64,
}

/// Attempts in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Waiting {
    /// How many.
    pub waiting: i64,
    /// When the oldest was made (Unix seconds); none when there are none.
    pub oldest_created_at: Option<i64>,
}

/// A periodic job's schedule.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NextRun {
    /// The job's name.
    pub name: String,
    /// When it is next due (Unix seconds; 0 until its first run has finished).
    pub next_run_at: i64,
}

/// Outbox jobs due at `now`, by kind.
pub async fn outbox_due(conn: &mut Conn, now: i64) -> Result<Vec<OutboxDue>, sqlx::Error> {
    sqlx::query_as(OUTBOX_DUE).bind(now).fetch_all(conn).await
}

/// Attempts by `method` in `state` (stored texts).
pub async fn attempts_in_state(conn: &mut Conn, method: &str, state: &str) -> Result<Waiting, sqlx::Error> {
    sqlx::query_as(ATTEMPTS_IN_STATE).bind(method.to_owned()).bind(state.to_owned()).fetch_one(conn).await
}

/// Every periodic job's next due time.
pub async fn periodic_next_runs(conn: &mut Conn) -> Result<Vec<NextRun>, sqlx::Error> {
    sqlx::query_as(PERIODIC_NEXT_RUNS).fetch_all(conn).await
}

//! Fixed-window counters in the database, so every node shares them.

use super::Conn;
use super::statements::statements;

statements! {
    /// Counts one hit in a window; returns the window's hits so far.
    HIT = "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits";
    /// Takes back one hit counted in a window.
    REFUND = "UPDATE rate_limits SET hits = hits - 1 WHERE key = $1 AND window_start = $2 AND hits > 0";
    /// Removes windows that ended before `before`.
    PURGE = "DELETE FROM rate_limits WHERE window_start < $1";
}

/// Counts one hit in a window; returns the window's hits so far.
/// that window, this one included.
pub async fn hit(conn: &mut Conn, key: &str, window_secs: i64, now: i64) -> Result<i64, sqlx::Error> {
    let window_start = now - now.rem_euclid(window_secs);
    sqlx::query_scalar(HIT).bind(key.to_owned()).bind(window_start).fetch_one(conn).await
}

/// Takes back one hit counted in a window.
/// turned out right, for limits that keep only failures).
pub async fn refund(conn: &mut Conn, key: &str, window_secs: i64, now: i64) -> Result<(), sqlx::Error> {
    let window_start = now - now.rem_euclid(window_secs);
    sqlx::query(REFUND).bind(key.to_owned()).bind(window_start).execute(conn).await?;
    Ok(())
}

/// Removes windows that ended before `before`.
pub async fn purge(conn: &mut Conn, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(PURGE).bind(before).execute(conn).await?.rows_affected())
}

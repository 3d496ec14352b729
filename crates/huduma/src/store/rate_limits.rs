//! Fixed-window counters in the database, so every node shares them.

use super::Conn;
use sqlx::Row;

/// Counts one hit for `key` in the window containing `now`; returns the hits so far in
/// that window, this one included.
pub async fn hit(conn: &mut Conn, key: &str, window_secs: i64, now: i64) -> Result<i64, sqlx::Error> {
    let window_start = now - now.rem_euclid(window_secs);
    let row = sqlx::query(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
    )
    .bind(key.to_owned())
    .bind(window_start)
    .fetch_one(conn)
    .await?;
    row.try_get(0)
}

/// The hits for `key` so far in the window containing `now`.
pub async fn hits(conn: &mut Conn, key: &str, window_secs: i64, now: i64) -> Result<i64, sqlx::Error> {
    let window_start = now - now.rem_euclid(window_secs);
    let row = sqlx::query("SELECT hits FROM rate_limits WHERE key = $1 AND window_start = $2")
        .bind(key.to_owned())
        .bind(window_start)
        .fetch_optional(conn)
        .await?;
    row.map_or(Ok(0), |r| r.try_get(0))
}

/// Removes windows that ended before `before`.
pub async fn purge(conn: &mut Conn, before: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM rate_limits WHERE window_start < $1").bind(before).execute(conn).await?.rows_affected())
}

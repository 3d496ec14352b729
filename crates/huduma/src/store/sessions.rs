//! Server-side sessions. The client holds an opaque token; we store only its hash.

use super::Conn;
use super::statements::statements;
use huduma_domain::AccountId;

macro_rules! columns {
    () => {
        "id, account_id, kind, created_at, last_seen_at, expires_at, user_agent, ip"
    };
}

statements! {
    /// Stores a new session.
    INSERT = "INSERT INTO sessions (token_hash, id, account_id, kind, created_at, last_seen_at, expires_at, user_agent, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    /// Records activity.
    TOUCH = "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1";
    /// Ends one session by its token.
    DELETE_BY_TOKEN = "DELETE FROM sessions WHERE token_hash = $1";
    /// Ends one of the account's sessions by its public id; the owner check is in the query.
    DELETE_FOR_ACCOUNT = "DELETE FROM sessions WHERE account_id = $1 AND id = $2";
    /// Ends every session of an account, optionally keeping one (the current).
    DELETE_ALL_FOR_ACCOUNT = "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2";
    /// A session neither expired nor idle too long.
    FIND_LIVE = concat!("SELECT ", columns!(), " FROM sessions WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3");
    /// The account's live sessions, newest first.
    LIST_FOR_ACCOUNT = concat!(
        "SELECT ",
        columns!(),
        " FROM sessions WHERE account_id = $1 AND expires_at > $2 AND last_seen_at > $3 ORDER BY created_at DESC, id DESC"
    );
    /// Removes expired sessions.
    PURGE_EXPIRED = "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2";
}

/// A live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// Public id (shown in the list of sessions; never the token).
    pub id: String,
    /// Owner.
    #[sqlx(try_from = "String")]
    pub account_id: AccountId,
    /// `web` (cookie) or `api` (bearer token).
    pub kind: String,
    /// Sign-in time.
    pub created_at: i64,
    /// Last request seen (updated at most once a minute).
    pub last_seen_at: i64,
    /// Absolute expiry.
    pub expires_at: i64,
    /// Browser or app as it described itself.
    pub user_agent: String,
    /// Client address at sign-in.
    pub ip: String,
}

/// Stores a new session.
pub async fn insert(conn: &mut Conn, token_hash: &str, row: &SessionRow) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(token_hash.to_owned())
        .bind(row.id.clone())
        .bind(row.account_id.as_str())
        .bind(row.kind.clone())
        .bind(row.created_at)
        .bind(row.last_seen_at)
        .bind(row.expires_at)
        .bind(row.user_agent.clone())
        .bind(row.ip.clone())
        .execute(conn)
        .await?;
    Ok(())
}

/// Finds a session that is neither expired nor idle for longer than `idle_secs`.
pub async fn find_live(conn: &mut Conn, token_hash: &str, now: i64, idle_secs: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(FIND_LIVE).bind(token_hash.to_owned()).bind(now).bind(now - idle_secs).fetch_optional(conn).await
}

/// Records activity.
pub async fn touch(conn: &mut Conn, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(TOUCH).bind(token_hash.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Ends one session by its token.
pub async fn delete_by_token(conn: &mut Conn, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(DELETE_BY_TOKEN).bind(token_hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Ends one of the account's sessions by its public id; the owner check is in the query.
pub async fn delete_for_account(conn: &mut Conn, account_id: &AccountId, id: &str) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(DELETE_FOR_ACCOUNT).bind(account_id.as_str()).bind(id.to_owned()).execute(conn).await?;
    Ok(result.rows_affected() > 0)
}

/// Ends every session of an account, optionally keeping one (the current).
pub async fn delete_all_for_account(conn: &mut Conn, account_id: &AccountId, keep_token_hash: Option<&str>) -> Result<u64, sqlx::Error> {
    let result =
        sqlx::query(DELETE_ALL_FOR_ACCOUNT).bind(account_id.as_str()).bind(keep_token_hash.unwrap_or("").to_owned()).execute(conn).await?;
    Ok(result.rows_affected())
}

/// The account's live sessions, newest first.
pub async fn list_for_account(conn: &mut Conn, account_id: &AccountId, now: i64, idle_secs: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as(LIST_FOR_ACCOUNT).bind(account_id.as_str()).bind(now).bind(now - idle_secs).fetch_all(conn).await
}

/// Removes expired sessions.
pub async fn purge_expired(conn: &mut Conn, now: i64, idle_secs: i64) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(PURGE_EXPIRED).bind(now).bind(now - idle_secs).execute(conn).await?;
    Ok(result.rows_affected())
}

//! Staff members of agencies and of the platform, and their sessions.

use super::Conn;
use sqlx::Row;

/// A staff member.
#[derive(Clone)]
pub struct StaffRow {
    /// Id.
    pub id: String,
    /// Sign-in email.
    pub email: String,
    /// Full name, shown on timelines to colleagues.
    pub name: String,
    /// `platform_admin`, `agency_admin`, `supervisor`, `officer` or `helpdesk`.
    pub role: String,
    /// The agency, for agency roles.
    pub agency: Option<String>,
    /// Argon2id.
    pub password_hash: String,
    /// Base32 TOTP secret, once set up.
    pub totp_secret: Option<String>,
    /// Last TOTP step accepted (replay guard).
    pub totp_last_step: Option<i64>,
    /// Whether the member may sign in.
    pub active: bool,
    /// `en` or `sw`.
    pub language: String,
    /// Created.
    pub created_at: i64,
}

impl std::fmt::Debug for StaffRow {
    // The password hash and TOTP secret stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffRow").field("id", &self.id).field("role", &self.role).field("agency", &self.agency).finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, email, name, role, agency, password_hash, totp_secret, totp_last_step, active, language, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<StaffRow, sqlx::Error> {
    Ok(StaffRow {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        name: row.try_get(2)?,
        role: row.try_get(3)?,
        agency: row.try_get(4)?,
        password_hash: row.try_get(5)?,
        totp_secret: row.try_get(6)?,
        totp_last_step: row.try_get(7)?,
        active: row.try_get::<i64, _>(8)? != 0,
        language: row.try_get(9)?,
        created_at: row.try_get(10)?,
    })
}

/// Stores a new member.
pub async fn insert(conn: &mut Conn, row: &StaffRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff (id, email, name, role, agency, password_hash, totp_secret, totp_last_step, active, language, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $10)",
    )
    .bind(row.id.clone())
    .bind(row.email.clone())
    .bind(row.name.clone())
    .bind(row.role.clone())
    .bind(row.agency.clone())
    .bind(row.password_hash.clone())
    .bind(row.totp_secret.clone())
    .bind(i64::from(row.active))
    .bind(row.language.clone())
    .bind(row.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn one(conn: &mut Conn, filter: &str, value: &str) -> Result<Option<StaffRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM staff WHERE {filter}");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value.to_owned()).fetch_optional(conn).await?.as_ref().map(from_row).transpose()
}

/// A member by id.
pub async fn by_id(conn: &mut Conn, id: &str) -> Result<Option<StaffRow>, sqlx::Error> {
    one(conn, "id = $1", id).await
}

/// A member by sign-in email (case-insensitive).
pub async fn by_email(conn: &mut Conn, email: &str) -> Result<Option<StaffRow>, sqlx::Error> {
    one(conn, "lower(email) = lower($1)", email).await
}

/// Members of one agency (or, with `None`, every member), by name.
pub async fn list(conn: &mut Conn, agency: Option<&str>) -> Result<Vec<StaffRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM staff WHERE ($1 = '' OR agency = $1) ORDER BY name, id");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agency.unwrap_or("").to_owned()).fetch_all(conn).await?.iter().map(from_row).collect()
}

/// Members of an agency with one of these roles (who to tell about an escalation).
pub async fn with_roles(conn: &mut Conn, agency: &str, roles: &[&str]) -> Result<Vec<StaffRow>, sqlx::Error> {
    let all = list(conn, Some(agency)).await?;
    Ok(all.into_iter().filter(|s| s.active && roles.contains(&s.role.as_str())).collect())
}

/// Sets (or clears) the TOTP secret and its last step.
pub async fn set_totp(conn: &mut Conn, id: &str, secret: Option<&str>, step: Option<i64>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE staff SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1")
        .bind(id.to_owned())
        .bind(secret.map(str::to_owned))
        .bind(step)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Burns a TOTP step; false when it (or a later one) was already used.
pub async fn advance_totp_step(conn: &mut Conn, id: &str, step: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE staff SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)")
        .bind(id.to_owned())
        .bind(step)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Changes role, agency and whether the member may sign in, within `agency` when given
/// (an agency admin manages only their own agency). False when no such member.
pub async fn update(conn: &mut Conn, id: &str, within: Option<&str>, role: &str, active: bool, now: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE staff SET role = $3, active = $4, updated_at = $5 WHERE id = $1 AND ($2 = '' OR agency = $2)")
        .bind(id.to_owned())
        .bind(within.unwrap_or("").to_owned())
        .bind(role.to_owned())
        .bind(i64::from(active))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the password hash.
pub async fn set_password(conn: &mut Conn, id: &str, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE staff SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_owned())
        .bind(hash.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a session.
pub async fn insert_session(
    conn: &mut Conn,
    token_hash: &str,
    staff_id: &str,
    now: i64,
    expires_at: i64,
    user_agent: &str,
    ip: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_sessions (token_hash, id, staff_id, created_at, last_seen_at, expires_at, user_agent, ip) \
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
    )
    .bind(token_hash.to_owned())
    .bind(super::new_id())
    .bind(staff_id.to_owned())
    .bind(now)
    .bind(expires_at)
    .bind(user_agent.to_owned())
    .bind(ip.to_owned())
    .execute(conn)
    .await?;
    Ok(())
}

/// The member behind a live session (neither expired nor idle), with the session's last
/// activity, in one query: every staff request runs it.
pub async fn by_session(conn: &mut Conn, token_hash: &str, now: i64, idle_secs: i64) -> Result<Option<(StaffRow, i64)>, sqlx::Error> {
    let columns = COLUMNS.split(", ").map(|c| format!("m.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, x.last_seen_at FROM staff_sessions x JOIN staff m ON m.id = x.staff_id \
         WHERE x.token_hash = $1 AND x.expires_at > $2 AND x.last_seen_at > $3"
    );
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash.to_owned()).bind(now).bind(now - idle_secs).fetch_optional(conn).await?;
    row.map(|r| Ok((from_row(&r)?, r.try_get(11)?))).transpose()
}

/// Records activity.
pub async fn touch_session(conn: &mut Conn, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE staff_sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends one session.
pub async fn delete_session(conn: &mut Conn, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1").bind(token_hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Ends every session of a member (deactivated, role changed).
pub async fn delete_sessions_of(conn: &mut Conn, staff_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1").bind(staff_id.to_owned()).execute(conn).await?;
    Ok(())
}

/// Removes expired and idle staff sessions.
pub async fn purge_sessions(conn: &mut Conn, now: i64, idle_secs: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(now - idle_secs)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

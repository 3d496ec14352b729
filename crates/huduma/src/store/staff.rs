//! Staff members of agencies and of the platform, and their sessions.

use super::Conn;
use super::decode::{flag, get, stored};
use super::statements::statements;
use huduma_domain::workflow::StaffRole;
use huduma_domain::{Language, StaffId};

macro_rules! columns {
    ($p:literal) => {
        concat!(
            $p,
            "id, ",
            $p,
            "email, ",
            $p,
            "name, ",
            $p,
            "role, ",
            $p,
            "agency, ",
            $p,
            "password_hash, ",
            $p,
            "totp_secret, ",
            $p,
            "totp_last_step, ",
            $p,
            "active, ",
            $p,
            "language, ",
            $p,
            "created_at"
        )
    };
}

statements! {
    /// A member by id.
    BY_ID = concat!("SELECT ", columns!(""), " FROM staff WHERE id = $1");
    /// A member by sign-in email (case-insensitive).
    BY_EMAIL = concat!("SELECT ", columns!(""), " FROM staff WHERE lower(email) = lower($1)");
    /// Members of one agency (or every member), by name.
    LIST = concat!("SELECT ", columns!(""), " FROM staff WHERE ($1 = '' OR agency = $1) ORDER BY name, id");
    /// The member behind a live session, with the session's last activity.
    BY_SESSION = concat!(
        "SELECT ",
        columns!("m."),
        ", x.last_seen_at AS session_last_seen_at FROM staff_sessions x JOIN staff m ON m.id = x.staff_id \
         WHERE x.token_hash = $1 AND x.expires_at > $2 AND x.last_seen_at > $3"
    );
    /// Stores a new member.
    INSERT = "INSERT INTO staff (id, email, name, role, agency, password_hash, totp_secret, totp_last_step, active, language, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $10)";
    /// Sets (or clears) the TOTP secret and its last step.
    SET_TOTP = "UPDATE staff SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1";
    /// Burns a TOTP step; false when it (or a later one) was already used.
    ADVANCE_TOTP_STEP = "UPDATE staff SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)";
    /// Changes role and whether the member may sign in, within an agency when given.
    UPDATE = "UPDATE staff SET role = $3, active = $4, updated_at = $5 WHERE id = $1 AND ($2 = '' OR agency = $2)";
    /// Replaces the password hash.
    SET_PASSWORD = "UPDATE staff SET password_hash = $2, updated_at = $3 WHERE id = $1";
    /// Stores a session.
    INSERT_SESSION = "INSERT INTO staff_sessions (token_hash, id, staff_id, created_at, last_seen_at, expires_at, user_agent, ip) \
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)";
    /// Records activity.
    TOUCH_SESSION = "UPDATE staff_sessions SET last_seen_at = $2 WHERE token_hash = $1";
    /// Ends one session.
    DELETE_SESSION = "DELETE FROM staff_sessions WHERE token_hash = $1";
    /// Ends every session of a member (deactivated, role changed).
    DELETE_SESSIONS_OF = "DELETE FROM staff_sessions WHERE staff_id = $1";
    /// Removes expired and idle staff sessions.
    PURGE_SESSIONS = "DELETE FROM staff_sessions WHERE expires_at <= $1 OR last_seen_at <= $2";
}

/// A staff member.
#[derive(Clone)]
pub struct StaffRow {
    pub id: StaffId,
    /// Sign-in email.
    pub email: String,
    /// Full name, shown on timelines to colleagues.
    pub name: String,
    /// What the member may do.
    pub role: StaffRole,
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
    /// The language messages to the member use.
    pub language: Language,
    pub created_at: i64,
}

impl std::fmt::Debug for StaffRow {
    // The password hash and TOTP secret stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffRow").field("id", &self.id).field("role", &self.role).field("agency", &self.agency).finish_non_exhaustive()
    }
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<StaffRow, sqlx::Error> {
    Ok(StaffRow {
        id: stored(row, "", "id")?,
        email: get(row, "", "email")?,
        name: get(row, "", "name")?,
        role: stored(row, "", "role")?,
        agency: get(row, "", "agency")?,
        password_hash: get(row, "", "password_hash")?,
        totp_secret: get(row, "", "totp_secret")?,
        totp_last_step: get(row, "", "totp_last_step")?,
        active: flag(row, "", "active")?,
        language: stored(row, "", "language")?,
        created_at: get(row, "", "created_at")?,
    })
}

/// Stores a new member.
pub async fn insert(conn: &mut Conn, row: &StaffRow) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(row.id.as_str())
        .bind(row.email.clone())
        .bind(row.name.clone())
        .bind(row.role.code())
        .bind(row.agency.clone())
        .bind(row.password_hash.clone())
        .bind(row.totp_secret.clone())
        .bind(i64::from(row.active))
        .bind(row.language.tag())
        .bind(row.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// A member by id.
pub async fn by_id(conn: &mut Conn, id: &StaffId) -> Result<Option<StaffRow>, sqlx::Error> {
    sqlx::query(BY_ID).bind(id.as_str()).fetch_optional(conn).await?.as_ref().map(from_row).transpose()
}

/// A member by sign-in email (case-insensitive).
pub async fn by_email(conn: &mut Conn, email: &str) -> Result<Option<StaffRow>, sqlx::Error> {
    sqlx::query(BY_EMAIL).bind(email.to_owned()).fetch_optional(conn).await?.as_ref().map(from_row).transpose()
}

/// Members of one agency (or, with `None`, every member), by name.
pub async fn list(conn: &mut Conn, agency: Option<&str>) -> Result<Vec<StaffRow>, sqlx::Error> {
    sqlx::query(LIST).bind(agency.unwrap_or("").to_owned()).fetch_all(conn).await?.iter().map(from_row).collect()
}

/// Members of an agency with one of these roles (who to tell about an escalation).
pub async fn with_roles(conn: &mut Conn, agency: &str, roles: &[StaffRole]) -> Result<Vec<StaffRow>, sqlx::Error> {
    let all = list(conn, Some(agency)).await?;
    Ok(all.into_iter().filter(|s| s.active && roles.contains(&s.role)).collect())
}

/// Sets (or clears) the TOTP secret and its last step.
pub async fn set_totp(conn: &mut Conn, id: &StaffId, secret: Option<&str>, step: Option<i64>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(SET_TOTP).bind(id.as_str()).bind(secret.map(str::to_owned)).bind(step).bind(now).execute(conn).await?;
    Ok(())
}

/// Burns a TOTP step; false when it (or a later one) was already used.
pub async fn advance_totp_step(conn: &mut Conn, id: &StaffId, step: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(ADVANCE_TOTP_STEP).bind(id.as_str()).bind(step).execute(conn).await?;
    Ok(result.rows_affected() == 1)
}

/// Changes role and whether the member may sign in, within an agency when given.
/// (an agency admin manages only their own agency). False when no such member.
pub async fn update(
    conn: &mut Conn,
    id: &StaffId,
    within: Option<&str>,
    role: StaffRole,
    active: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(UPDATE)
        .bind(id.as_str())
        .bind(within.unwrap_or("").to_owned())
        .bind(role.code())
        .bind(i64::from(active))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the password hash.
pub async fn set_password(conn: &mut Conn, id: &StaffId, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(SET_PASSWORD).bind(id.as_str()).bind(hash.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Stores a session.
pub async fn insert_session(
    conn: &mut Conn,
    token_hash: &str,
    staff_id: &StaffId,
    now: i64,
    expires_at: i64,
    user_agent: &str,
    ip: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_SESSION)
        .bind(token_hash.to_owned())
        .bind(super::new_id::<String>())
        .bind(staff_id.as_str())
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
    let row = sqlx::query(BY_SESSION).bind(token_hash.to_owned()).bind(now).bind(now - idle_secs).fetch_optional(conn).await?;
    row.map(|r| Ok((from_row(&r)?, get(&r, "", "session_last_seen_at")?))).transpose()
}

/// Records activity.
pub async fn touch_session(conn: &mut Conn, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(TOUCH_SESSION).bind(token_hash.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Ends one session.
pub async fn delete_session(conn: &mut Conn, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(DELETE_SESSION).bind(token_hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Ends every session of a member (deactivated, role changed).
pub async fn delete_sessions_of(conn: &mut Conn, staff_id: &StaffId) -> Result<(), sqlx::Error> {
    sqlx::query(DELETE_SESSIONS_OF).bind(staff_id.as_str()).execute(conn).await?;
    Ok(())
}

/// Removes expired and idle staff sessions.
pub async fn purge_sessions(conn: &mut Conn, now: i64, idle_secs: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(PURGE_SESSIONS).bind(now).bind(now - idle_secs).execute(conn).await?;
    Ok(done.rows_affected())
}

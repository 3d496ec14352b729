//! The status page's checks and incidents.

use super::Conn;
use super::statements::statements;
use huduma_domain::Health;
use sqlx::Row;

statements! {
    /// The latest check of every component.
    COMPONENTS = "SELECT component, state, detail, checked_at FROM status_components ORDER BY component";
    /// The latest check of one component.
    COMPONENT = "SELECT state FROM status_components WHERE component = $1";
    /// Records a check.
    RECORD = "INSERT INTO status_components (component, state, detail, checked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (component) DO UPDATE SET state = excluded.state, detail = excluded.detail, checked_at = excluded.checked_at";
    /// A component's incident still open.
    OPEN_INCIDENT = "SELECT id, state FROM status_incidents WHERE component = $1 AND ended_at IS NULL";
    /// Opens an incident.
    OPEN = "INSERT INTO status_incidents (id, component, state, started_at) VALUES ($1, $2, $3, $4)";
    /// Makes an open incident worse.
    WORSEN = "UPDATE status_incidents SET state = $1 WHERE id = $2";
    /// Ends an incident.
    END = "UPDATE status_incidents SET ended_at = $1 WHERE id = $2";
    /// Incidents that started or were still open after a time, newest first.
    SINCE = "SELECT id, component, state, started_at, ended_at FROM status_incidents \
         WHERE started_at >= $1 OR ended_at IS NULL OR ended_at >= $1 ORDER BY started_at DESC LIMIT 200";
}

/// A component's latest check, as stored.
#[derive(Debug, Clone)]
pub struct CheckRow {
    pub component: String,
    pub state: Health,
    pub detail: String,
    pub checked_at: i64,
}

/// An incident, as stored.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    pub id: String,
    pub component: String,
    pub state: Health,
    pub started_at: i64,
    pub ended_at: Option<i64>,
}

/// The latest check of every component.
pub async fn components(conn: &mut Conn) -> Result<Vec<CheckRow>, sqlx::Error> {
    sqlx::query(COMPONENTS)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(CheckRow {
                component: r.try_get("component")?,
                state: health(r, "state")?,
                detail: r.try_get("detail")?,
                checked_at: r.try_get("checked_at")?,
            })
        })
        .collect()
}

/// The latest state of one component, if it was ever checked.
pub async fn state_of(conn: &mut Conn, component: &str) -> Result<Option<Health>, sqlx::Error> {
    let row = sqlx::query(COMPONENT).bind(component.to_owned()).fetch_optional(conn).await?;
    row.map(|r| health(&r, "state")).transpose()
}

/// A stored state, decoded: an unknown one is an error naming the column.
fn health(row: &sqlx::any::AnyRow, column: &str) -> Result<Health, sqlx::Error> {
    super::decode::text_as(column, row.try_get(column)?)
}

/// Records a check.
pub async fn record(conn: &mut Conn, component: &str, state: Health, detail: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(RECORD).bind(component.to_owned()).bind(state.as_str()).bind(detail.to_owned()).bind(now).execute(conn).await.map(|_| ())
}

/// A component's open incident: its id and worst state so far.
pub async fn open_incident(conn: &mut Conn, component: &str) -> Result<Option<(String, Health)>, sqlx::Error> {
    let row = sqlx::query(OPEN_INCIDENT).bind(component.to_owned()).fetch_optional(conn).await?;
    row.map(|r| Ok((r.try_get("id")?, health(&r, "state")?))).transpose()
}

/// Opens an incident.
pub async fn open(conn: &mut Conn, id: &str, component: &str, state: Health, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(OPEN).bind(id.to_owned()).bind(component.to_owned()).bind(state.as_str()).bind(now).execute(conn).await.map(|_| ())
}

/// Records that an open incident got worse.
pub async fn worsen(conn: &mut Conn, id: &str, state: Health) -> Result<(), sqlx::Error> {
    sqlx::query(WORSEN).bind(state.as_str()).bind(id.to_owned()).execute(conn).await.map(|_| ())
}

/// Ends an incident.
pub async fn end(conn: &mut Conn, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(END).bind(now).bind(id.to_owned()).execute(conn).await.map(|_| ())
}

/// Incidents since `since` (and any still open), newest first.
pub async fn incidents_since(conn: &mut Conn, since: i64) -> Result<Vec<IncidentRow>, sqlx::Error> {
    sqlx::query(SINCE)
        .bind(since)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(IncidentRow {
                id: r.try_get("id")?,
                component: r.try_get("component")?,
                state: health(r, "state")?,
                started_at: r.try_get("started_at")?,
                ended_at: r.try_get("ended_at")?,
            })
        })
        .collect()
}

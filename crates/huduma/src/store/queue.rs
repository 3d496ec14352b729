//! The back office's view of applications: each agency's work queue with its SLA
//! deadlines, and one application as its staff see it. Every query names the agency, so
//! staff of one agency never reach another's applications.

use super::Conn;
use super::applications::ApplicationRow;
use super::decode::{get, stored, stored_opt, text_as};
use super::statements::statements;
use huduma_domain::application::Status;
use huduma_domain::{ApplicationId, StaffId};
use sqlx::Row;

/// What every queue query selects.
macro_rules! queue_select {
    () => {
        "SELECT a.id, a.reference, a.service_code, a.service_version, a.status, a.county, a.queue_due, a.submitted_at, \
         s.name, a.escalated_at FROM applications a LEFT JOIN staff s ON s.id = a.assigned_to "
    };
}

/// The filters every queue query applies ($2 service, $3 state, $4 county, $5–$6 deadline
/// range, $7 assignee or `-` for nobody).
macro_rules! queue_filters {
    () => {
        "AND a.queue_agency IS NOT NULL AND ($2 = '' OR a.service_code = $2) AND ($3 = '' OR a.status = $3) AND ($4 = '' OR a.county = $4) \
         AND a.queue_due >= $5 AND a.queue_due < $6 AND ($7 = '' OR ($7 = '-' AND a.assigned_to IS NULL) OR a.assigned_to = $7) "
    };
}

/// The work queue: one index range of `applications_queue` in deadline order.
macro_rules! queue {
    () => {
        concat!(
            queue_select!(),
            "WHERE a.queue_agency = $1 ",
            queue_filters!(),
            "AND $8 = '' ORDER BY a.queue_due, a.id LIMIT $9 OFFSET $10"
        )
    };
}

/// Search by reference number: the unique index on `reference`.
macro_rules! queue_by_reference {
    () => {
        concat!(
            queue_select!(),
            "WHERE a.reference = $8 AND a.queue_agency = $1 ",
            queue_filters!(),
            "ORDER BY a.queue_due, a.id LIMIT $9 OFFSET $10"
        )
    };
}

/// Search by the applicant's document number: from the account to its applications.
macro_rules! queue_by_document {
    () => {
        concat!(
            queue_select!(),
            "JOIN accounts c ON c.id = a.account_id WHERE c.document_number = $8 AND a.queue_agency = $1 ",
            queue_filters!(),
            "ORDER BY a.queue_due, a.id LIMIT $9 OFFSET $10"
        )
    };
}

/// A queue statement's lines as one JSON array on SQLite (see [`list`]).
macro_rules! page_sqlite {
    ($($query:tt)*) => {
        concat!(
            "SELECT json_group_array(json_array(id, reference, service_code, service_version, status, county, queue_due, submitted_at, name, escalated_at)) AS page FROM (",
            $($query)*,
            ")"
        )
    };
}

/// A queue statement's lines as one JSON array on PostgreSQL (see [`list`]).
macro_rules! page_postgres {
    ($($query:tt)*) => {
        concat!(
            "SELECT COALESCE(json_agg(json_build_array(id, reference, service_code, service_version, status, county, queue_due, submitted_at, name, escalated_at)), '[]')::text AS page FROM (",
            $($query)*,
            ") q"
        )
    };
}

/// The queue pages on SQLite: plain, by reference, by document number.
pub const PAGES_SQLITE: [&str; 3] = [page_sqlite!(queue!()), page_sqlite!(queue_by_reference!()), page_sqlite!(queue_by_document!())];
/// The queue pages on PostgreSQL, in the same order.
pub const PAGES_POSTGRES: [&str; 3] =
    [page_postgres!(queue!()), page_postgres!(queue_by_reference!()), page_postgres!(queue_by_document!())];
/// The statements only SQLite runs.
pub const SQLITE_ONLY: &[(&str, &str)] =
    &[("PAGES_SQLITE[0]", PAGES_SQLITE[0]), ("PAGES_SQLITE[1]", PAGES_SQLITE[1]), ("PAGES_SQLITE[2]", PAGES_SQLITE[2])];
/// The statements only PostgreSQL runs.
pub const POSTGRES_ONLY: &[(&str, &str)] =
    &[("PAGES_POSTGRES[0]", PAGES_POSTGRES[0]), ("PAGES_POSTGRES[1]", PAGES_POSTGRES[1]), ("PAGES_POSTGRES[2]", PAGES_POSTGRES[2])];

statements! {
    /// The escalation sweep (on `applications_overdue`).
    OVERDUE = "SELECT id, agency, reference, status FROM applications WHERE queue_agency IS NOT NULL AND escalated_at IS NULL \
     AND queue_due < $1 ORDER BY queue_due LIMIT $2";
    /// The work queue (the page statements wrap it; kept for the query-plan test).
    QUEUE = queue!();
    /// Search by reference number (wrapped likewise).
    QUEUE_BY_REFERENCE = queue_by_reference!();
    /// Search by document number (wrapped likewise).
    QUEUE_BY_DOCUMENT = queue_by_document!();
    /// Reads an application's queue fields.
    FIELDS = "SELECT queue_agency, queue_due, state_since, paused_state, sla_days_left, finished_at FROM applications WHERE id = $1";
    /// Writes them; a state change also clears the escalation mark.
    SET_FIELDS = "UPDATE applications SET queue_agency = $2, queue_due = $3, state_since = $4, paused_state = $5, sla_days_left = $6, \
         finished_at = $7, escalated_at = NULL WHERE id = $1";
    /// Records the county the application concerns (for the queue's filter).
    SET_COUNTY = "UPDATE applications SET county = $2 WHERE id = $1";
    /// An application of an agency by reference, with its back-office particulars.
    FIND_FOR_AGENCY = "SELECT a.id, a.queue_agency, a.queue_due, a.state_since, a.paused_state, a.sla_days_left, a.finished_at, a.assigned_to, s.name AS assigned_name, \
         a.escalated_at, a.county FROM applications a LEFT JOIN staff s ON s.id = a.assigned_to \
         WHERE a.reference = $1 AND a.agency = $2 AND a.status <> 'awaiting_payment'";
    /// Gives an application in an agency's queue to a member (optionally only if unassigned).
    ASSIGN = "UPDATE applications SET assigned_to = $3 WHERE id = $1 AND queue_agency = $2 AND ($4 = 0 OR assigned_to IS NULL)";
    /// Marks an application escalated.
    MARK_ESCALATED = "UPDATE applications SET escalated_at = $2 WHERE id = $1 AND escalated_at IS NULL";
    /// Adds an internal note.
    ADD_NOTE = "INSERT INTO application_notes (id, application_id, staff_id, body, created_at) VALUES ($1, $2, $3, $4, $5)";
    /// The notes on an application, oldest first.
    NOTES = "SELECT s.name, n.body, n.created_at FROM application_notes n JOIN staff s ON s.id = n.staff_id \
         WHERE n.application_id = $1 ORDER BY n.created_at, n.id";
}

/// `queue_due` while the applicant has the application (the clock is stopped): sorts last.
pub const PAUSED: i64 = 253_402_300_799;

/// Where an application stands in the back office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFields {
    /// The agency whose queue it is in; none before payment and once finished.
    pub queue_agency: Option<String>,
    /// SLA deadline, or [`PAUSED`].
    pub queue_due: Option<i64>,
    /// When the current state was entered.
    pub state_since: Option<i64>,
    /// While paused: the state whose clock stopped…
    pub paused_state: Option<String>,
    /// …and the working days it had left.
    pub sla_days_left: Option<i64>,
    /// When it reached a final state.
    pub finished_at: Option<i64>,
}

/// Reads an application's queue fields.
pub async fn fields(conn: &mut Conn, id: &ApplicationId) -> Result<QueueFields, sqlx::Error> {
    let r = sqlx::query(FIELDS).bind(id.as_str()).fetch_one(conn).await?;
    Ok(QueueFields {
        queue_agency: r.try_get("queue_agency")?,
        queue_due: r.try_get("queue_due")?,
        state_since: r.try_get("state_since")?,
        paused_state: r.try_get("paused_state")?,
        sla_days_left: r.try_get("sla_days_left")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// Writes them; a state change also clears the escalation mark.
pub async fn set_fields(conn: &mut Conn, id: &ApplicationId, f: &QueueFields) -> Result<(), sqlx::Error> {
    sqlx::query(SET_FIELDS)
        .bind(id.as_str())
        .bind(f.queue_agency.clone())
        .bind(f.queue_due)
        .bind(f.state_since)
        .bind(f.paused_state.clone())
        .bind(f.sla_days_left)
        .bind(f.finished_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the county the application concerns (for the queue's filter).
pub async fn set_county(conn: &mut Conn, id: &ApplicationId, county: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query(SET_COUNTY).bind(id.as_str()).bind(county.map(str::to_owned)).execute(conn).await?;
    Ok(())
}

/// Which deadlines to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SlaFilter {
    #[default]
    All,
    /// Due within the "due soon" window.
    DueSoon,
    /// Past the deadline.
    Overdue,
}

/// Whose work to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Assignment {
    /// Everyone's.
    #[default]
    Any,
    /// Nobody's yet.
    Unassigned,
    /// One member's (the filter's text as given: text that is no staff id matches nothing).
    To(String),
}

/// A work-queue query.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// The agency (always).
    pub agency: String,
    /// Service code, or empty.
    pub service: String,
    /// State code, or empty.
    pub state: String,
    /// County code, or empty.
    pub county: String,
    /// Deadline filter.
    pub sla: SlaFilter,
    /// Assignment filter.
    pub assigned: Assignment,
    /// Reference number (compact, upper case), or empty.
    pub reference: String,
    /// Applicant's document number, or empty.
    pub document_number: String,
}

/// One line of the queue.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub id: ApplicationId,
    pub reference: String,
    pub service_code: String,
    pub service_version: i64,
    /// State.
    pub status: Status,
    /// County, if known.
    pub county: Option<String>,
    /// Deadline or [`PAUSED`].
    pub queue_due: i64,
    /// Submission.
    pub submitted_at: i64,
    /// Assignee's name.
    pub assigned_name: Option<String>,
    /// Escalated to the supervisor.
    pub escalated: bool,
}

/// A page of the queue, most urgent first. The page comes back as one JSON row
/// (`json_group_array` / `json_agg`) rather than a row per line: each result row costs a
/// hand-off between threads in the SQLite driver, and that, not the index walk, was most of
/// the page's time.
pub async fn list(
    conn: &mut Conn,
    backend: super::Backend,
    f: &QueueFilter,
    now: i64,
    due_soon_until: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<QueueItem>, sqlx::Error> {
    let (from, to) = match f.sla {
        SlaFilter::All => (i64::MIN, i64::MAX),
        SlaFilter::DueSoon => (now, due_soon_until),
        SlaFilter::Overdue => (i64::MIN, now),
    };
    let assigned = match &f.assigned {
        Assignment::Any => String::new(),
        Assignment::Unassigned => "-".to_owned(),
        Assignment::To(id) => id.clone(),
    };
    let (page, search) = if !f.reference.is_empty() {
        (1, f.reference.clone())
    } else if !f.document_number.is_empty() {
        (2, f.document_number.clone())
    } else {
        (0, String::new())
    };
    let json: String = sqlx::query(match backend {
        super::Backend::Sqlite => PAGES_SQLITE[page],
        super::Backend::Postgres => PAGES_POSTGRES[page],
    })
    .bind(f.agency.clone())
    .bind(f.service.clone())
    .bind(f.state.clone())
    .bind(f.county.clone())
    .bind(from)
    .bind(to)
    .bind(assigned)
    .bind(search)
    .bind(limit)
    .bind(offset)
    // PostgreSQL plans each page with its filter values (an unnamed statement). A named one
    // falls back after five runs to a generic plan, which cannot see that `$2 = ''` and the
    // like are true: it expects one matching line and reads and sorts the agency's whole
    // queue, 60,000 lines at 10 million applications (docs/benchmarks.md, issue 16).
    // SQLite keeps its prepared statement: its plans do not depend on the values.
    .persistent(matches!(backend, super::Backend::Sqlite))
    .fetch_one(conn)
    .await?
    .try_get("page")?;
    type Line = (String, String, String, i64, String, Option<String>, i64, i64, Option<String>, Option<i64>);
    let lines: Vec<Line> = serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let mut items: Vec<QueueItem> = lines
        .into_iter()
        .map(|(id, reference, service_code, service_version, status, county, queue_due, submitted_at, assigned_name, escalated_at)| {
            Ok(QueueItem {
                id: text_as("id", id)?,
                reference,
                service_code,
                service_version,
                status: text_as("status", status)?,
                county,
                queue_due,
                submitted_at,
                assigned_name,
                escalated: escalated_at.is_some(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    // Aggregates do not promise their input's order.
    items.sort_by(|a, b| (a.queue_due, &a.id).cmp(&(b.queue_due, &b.id)));
    Ok(items)
}

/// Back-office particulars of one application.
#[derive(Debug, Clone)]
pub struct Handling {
    /// Queue fields.
    pub queue: QueueFields,
    /// Assignee.
    pub assigned_to: Option<StaffId>,
    /// Assignee's name.
    pub assigned_name: Option<String>,
    pub escalated_at: Option<i64>,
    pub county: Option<String>,
}

/// An application of an agency by reference, with its back-office particulars.
/// it belongs to another agency, is not submitted, or does not exist.
pub async fn find_for_agency(conn: &mut Conn, agency: &str, reference: &str) -> Result<Option<(ApplicationRow, Handling)>, sqlx::Error> {
    let Some(row) = sqlx::query(FIND_FOR_AGENCY).bind(reference.to_owned()).bind(agency.to_owned()).fetch_optional(&mut *conn).await?
    else {
        return Ok(None);
    };
    let id: ApplicationId = stored(&row, "", "id")?;
    let handling = Handling {
        queue: QueueFields {
            queue_agency: row.try_get("queue_agency")?,
            queue_due: row.try_get("queue_due")?,
            state_since: row.try_get("state_since")?,
            paused_state: row.try_get("paused_state")?,
            sla_days_left: row.try_get("sla_days_left")?,
            finished_at: row.try_get("finished_at")?,
        },
        assigned_to: stored_opt(&row, "", "assigned_to")?,
        assigned_name: row.try_get("assigned_name")?,
        escalated_at: row.try_get("escalated_at")?,
        county: row.try_get("county")?,
    };
    let application = super::applications::find(conn, &id).await?;
    Ok(application.map(|a| (a, handling)))
}

/// Gives an application in an agency's queue to a member (optionally only if unassigned).
/// claim, which fails when someone holds it already.
pub async fn assign(
    conn: &mut Conn,
    id: &ApplicationId,
    agency: &str,
    staff_id: Option<&StaffId>,
    only_if_free: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(ASSIGN)
        .bind(id.as_str())
        .bind(agency.to_owned())
        .bind(staff_id.map(StaffId::as_str))
        .bind(i64::from(only_if_free))
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Overdue applications not yet escalated, oldest deadline first.
pub async fn overdue_unescalated(
    conn: &mut Conn,
    now: i64,
    limit: i64,
) -> Result<Vec<(ApplicationId, String, String, Status)>, sqlx::Error> {
    sqlx::query(OVERDUE)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok((stored(r, "", "id")?, get(r, "", "agency")?, get(r, "", "reference")?, stored(r, "", "status")?)))
        .collect()
}

/// Marks an application escalated.
pub async fn mark_escalated(conn: &mut Conn, id: &ApplicationId, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(MARK_ESCALATED).bind(id.as_str()).bind(now).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// An internal note.
#[derive(Debug, Clone)]
pub struct Note {
    /// Author's name.
    pub author: String,
    /// Text.
    pub body: String,
    /// When.
    pub at: i64,
}

/// Adds an internal note.
pub async fn add_note(
    conn: &mut Conn,
    application_id: &ApplicationId,
    staff_id: &StaffId,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(ADD_NOTE)
        .bind(super::new_id::<String>())
        .bind(application_id.as_str())
        .bind(staff_id.as_str())
        .bind(body.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The notes on an application, oldest first.
pub async fn notes(conn: &mut Conn, application_id: &ApplicationId) -> Result<Vec<Note>, sqlx::Error> {
    sqlx::query(NOTES)
        .bind(application_id.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok(Note { author: r.try_get("name")?, body: r.try_get("body")?, at: r.try_get("created_at")? }))
        .collect()
}

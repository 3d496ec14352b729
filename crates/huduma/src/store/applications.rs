//! Applications. Every query that a citizen's request runs names the owner in its
//! `WHERE` clause, so one citizen can never reach another's application by its id.

use super::Conn;
use super::decode::{get, stored};
use super::statements::statements;
use huduma_domain::application::Status;
use huduma_domain::{AccountId, ApplicationId, StaffId};

/// An application as stored.
#[derive(Debug, Clone)]
pub struct ApplicationRow {
    /// Internal id (never shown as a reference).
    pub id: ApplicationId,
    /// Owner.
    pub account_id: AccountId,
    pub service_code: String,
    /// The service version the form was started on.
    pub service_version: i64,
    /// Agency code.
    pub agency: String,
    /// Draft, awaiting payment or a workflow state.
    pub status: Status,
    /// Public reference, from submission on.
    pub reference: Option<String>,
    /// Answers as JSON.
    pub answers: String,
    /// Chosen priced option.
    pub fee_option: Option<String>,
    /// Fee fixed at submission, minor units.
    pub fee_minor: Option<i64>,
    pub fee_currency: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    /// Submission time.
    pub submitted_at: Option<i64>,
    /// Draft expiry.
    pub expires_at: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, account_id, service_code, service_version, agency, status, reference, answers, fee_option, fee_minor, \
         fee_currency, created_at, updated_at, submitted_at, expires_at"
    };
}

statements! {
    CREATE_DRAFT = "INSERT INTO applications (id, account_id, service_code, service_version, agency, status, answers, created_at, updated_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $7, $8)";
    /// Saves a draft's answers and option, pushing its expiry back. Only drafts change.
    SAVE_DRAFT = "UPDATE applications SET answers = $1, fee_option = $2, updated_at = $3, expires_at = $4, reminded_at = NULL \
         WHERE id = $5 AND account_id = $6 AND status = 'draft'";
    /// Marks a draft as touched (a document changed).
    TOUCH_DRAFT = "UPDATE applications SET updated_at = $1, expires_at = $2, reminded_at = NULL WHERE id = $3 AND account_id = $4 AND status = 'draft'";
    /// Submits one of the owner's drafts (compare-and-set from `draft`).
    SUBMIT = "UPDATE applications SET status = $1, reference = $2, answers = $3, fee_minor = $4, fee_currency = $5, submitted_at = $6, \
         updated_at = $6, expires_at = NULL, reminded_at = NULL WHERE id = $7 AND account_id = $8 AND status = 'draft'";
    /// Moves a submitted application from one status to another (compare-and-set).
    SET_STATUS = "UPDATE applications SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4";
    /// Deletes one of the owner's drafts; submitted applications are never deleted.
    DELETE_DRAFT = "DELETE FROM applications WHERE id = $1 AND account_id = $2 AND status = 'draft'";
    /// Records that a draft's reminder went out.
    MARK_REMINDED = "UPDATE applications SET reminded_at = $1 WHERE id = $2";
    /// Adds a line to the timeline.
    ADD_EVENT = "INSERT INTO application_events (application_id, at, status, note, action, staff_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    /// An application by id, whoever owns it (jobs and staff tools only).
    FIND = concat!("SELECT ", columns!(), " FROM applications WHERE id = $1");
    /// One of the owner's applications.
    FIND_OWNED = concat!("SELECT ", columns!(), " FROM applications WHERE id = $1 AND account_id = $2");
    /// "My applications".
    LIST_OWNED = concat!("SELECT ", columns!(), " FROM applications WHERE account_id = $1 ORDER BY updated_at DESC LIMIT $2");
    /// Public tracking.
    TRACK = "SELECT a.service_code, a.service_version, a.status, a.submitted_at, a.updated_at, a.agency FROM applications a \
     JOIN accounts c ON c.id = a.account_id WHERE a.reference = $1 AND c.document_number = $2";
    /// The timeline.
    EVENTS = "SELECT e.at, e.status, e.note, e.action, s.name AS staff_name, e.details FROM application_events e \
     LEFT JOIN staff s ON s.id = e.staff_id WHERE e.application_id = $1 ORDER BY e.id";
    /// Drafts due for a reminder.
    DRAFTS_TO_REMIND = "SELECT id, account_id, service_code, expires_at FROM applications \
     WHERE expires_at IS NOT NULL AND expires_at <= $1 AND reminded_at IS NULL AND status = 'draft' ORDER BY expires_at LIMIT $2";
    EXPIRED_DRAFTS = "SELECT id, account_id FROM applications WHERE expires_at IS NOT NULL AND expires_at <= $1 AND status = 'draft' LIMIT $2";
}

/// The queries that run on every page view or job tick, with their parameters' example
/// values: a test asserts none of them scans a whole table on either database.
pub const HOT_QUERIES: &[(&str, &str, &[&str])] = &[
    ("find_owned", FIND_OWNED, &["'x'", "'y'"]),
    ("list_owned", LIST_OWNED, &["'y'", "100"]),
    ("track", TRACK, &["'A23456789AB'", "'12345678'"]),
    ("events", EVENTS, &["'x'"]),
    ("drafts_to_remind", DRAFTS_TO_REMIND, &["1000", "500"]),
    ("expired_drafts", EXPIRED_DRAFTS, &["1000", "500"]),
    ("documents", super::documents::FOR_APPLICATION, &["'x'"]),
    ("document_owned", super::documents::FIND_OWNED, &["'d'", "'x'", "'y'"]),
    ("invoice_for_application", super::payments::INVOICE_FOR_APPLICATION, &["'x'", "'y'"]),
    ("attempt_by_checkout", super::payments::ATTEMPT_BY_CHECKOUT, &["'ws_CO_1'"]),
    ("attempt_with_invoice", super::checkout::ATTEMPT_WITH_INVOICE, &["'ws_CO_1'"]),
    ("invoice_with_bill", super::checkout::INVOICE_WITH_BILL, &["'x'"]),
    ("attempt_owned", super::payments::ATTEMPT_OWNED, &["'a'", "'y'"]),
    ("stale_open_attempts", super::payments::STALE_OPEN_ATTEMPTS, &["1000", "200"]),
    ("queue", super::queue::QUEUE, &["'dci'", "''", "''", "''", "0", "9000000000000", "''", "''", "26", "0"]),
    (
        "queue_by_reference",
        super::queue::QUEUE_BY_REFERENCE,
        &["'dci'", "''", "''", "''", "0", "9000000000000", "''", "'A23456789AB'", "26", "0"],
    ),
    (
        "queue_by_id_number",
        super::queue::QUEUE_BY_DOCUMENT,
        &["'dci'", "''", "''", "''", "0", "9000000000000", "''", "'12345678'", "26", "0"],
    ),
    (
        "queue_overdue",
        super::queue::QUEUE,
        &["'dci'", "'certificate-of-good-conduct'", "'submitted'", "''", "0", "1800000000", "'-'", "''", "26", "0"],
    ),
    ("escalation_sweep", super::queue::OVERDUE, &["1800000000", "200"]),
];

fn from_row(row: &sqlx::any::AnyRow) -> Result<ApplicationRow, sqlx::Error> {
    Ok(ApplicationRow {
        id: stored(row, "", "id")?,
        account_id: stored(row, "", "account_id")?,
        service_code: get(row, "", "service_code")?,
        service_version: get(row, "", "service_version")?,
        agency: get(row, "", "agency")?,
        status: stored(row, "", "status")?,
        reference: get(row, "", "reference")?,
        answers: get(row, "", "answers")?,
        fee_option: get(row, "", "fee_option")?,
        fee_minor: get(row, "", "fee_minor")?,
        fee_currency: get(row, "", "fee_currency")?,
        created_at: get(row, "", "created_at")?,
        updated_at: get(row, "", "updated_at")?,
        submitted_at: get(row, "", "submitted_at")?,
        expires_at: get(row, "", "expires_at")?,
    })
}

/// What a new draft holds.
#[derive(Debug)]
pub struct NewDraft<'a> {
    pub id: &'a ApplicationId,
    /// Owner.
    pub account_id: &'a AccountId,
    pub service_code: &'a str,
    /// Its current version.
    pub service_version: i64,
    pub agency: &'a str,
    /// Prefilled answers, JSON.
    pub answers: &'a str,
    /// Expiry.
    pub expires_at: i64,
}

pub async fn create_draft(conn: &mut Conn, d: &NewDraft<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(CREATE_DRAFT)
        .bind(d.id.as_str())
        .bind(d.account_id.as_str())
        .bind(d.service_code.to_owned())
        .bind(d.service_version)
        .bind(d.agency.to_owned())
        .bind(d.answers.to_owned())
        .bind(now)
        .bind(d.expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// One of the owner's applications.
pub async fn find_owned(conn: &mut Conn, account_id: &AccountId, id: &ApplicationId) -> Result<Option<ApplicationRow>, sqlx::Error> {
    sqlx::query(FIND_OWNED).bind(id.as_str()).bind(account_id.as_str()).fetch_optional(conn).await?.as_ref().map(from_row).transpose()
}

/// An application by id, whoever owns it (jobs and staff tools only).
pub async fn find(conn: &mut Conn, id: &ApplicationId) -> Result<Option<ApplicationRow>, sqlx::Error> {
    sqlx::query(FIND).bind(id.as_str()).fetch_optional(conn).await?.as_ref().map(from_row).transpose()
}

/// The owner's applications, most recently changed first.
pub async fn list_owned(conn: &mut Conn, account_id: &AccountId, limit: i64) -> Result<Vec<ApplicationRow>, sqlx::Error> {
    sqlx::query(LIST_OWNED).bind(account_id.as_str()).bind(limit).fetch_all(conn).await?.iter().map(from_row).collect()
}

/// Saves a draft's answers and option, pushing its expiry back. Only drafts change.
pub async fn save_draft(
    conn: &mut Conn,
    account_id: &AccountId,
    id: &ApplicationId,
    answers: &str,
    fee_option: Option<&str>,
    now: i64,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(SAVE_DRAFT)
        .bind(answers.to_owned())
        .bind(fee_option.map(str::to_owned))
        .bind(now)
        .bind(expires_at)
        .bind(id.as_str())
        .bind(account_id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a draft as touched (a document changed).
pub async fn touch_draft(
    conn: &mut Conn,
    account_id: &AccountId,
    id: &ApplicationId,
    now: i64,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(TOUCH_DRAFT).bind(now).bind(expires_at).bind(id.as_str()).bind(account_id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// What submission fixes for good.
#[derive(Debug)]
pub struct Submission<'a> {
    /// New status.
    pub status: &'a Status,
    /// Reference number.
    pub reference: &'a str,
    /// Normalised answers, JSON.
    pub answers: &'a str,
    /// Fee in minor units.
    pub fee_minor: i64,
    pub fee_currency: &'a str,
}

/// Submits one of the owner's drafts (compare-and-set from `draft`).
/// the second of two simultaneous submissions changes nothing.
pub async fn submit(
    conn: &mut Conn,
    account_id: &AccountId,
    id: &ApplicationId,
    s: &Submission<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(SUBMIT)
        .bind(s.status.as_str())
        .bind(s.reference.to_owned())
        .bind(s.answers.to_owned())
        .bind(s.fee_minor)
        .bind(s.fee_currency.to_owned())
        .bind(now)
        .bind(id.as_str())
        .bind(account_id.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a submitted application from one status to another (compare-and-set).
/// changes racing cannot both apply).
pub async fn set_status(conn: &mut Conn, id: &ApplicationId, from: &Status, to: &Status, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(SET_STATUS).bind(to.as_str()).bind(now).bind(id.as_str()).bind(from.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes one of the owner's drafts; submitted applications are never deleted.
pub async fn delete_draft(conn: &mut Conn, account_id: &AccountId, id: &ApplicationId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(DELETE_DRAFT).bind(id.as_str()).bind(account_id.as_str()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// What the public tracking page shows.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub service_code: String,
    pub service_version: i64,
    pub status: Status,
    /// Submission time.
    pub submitted_at: Option<i64>,
    /// Last change.
    pub updated_at: i64,
    /// Agency code.
    pub agency: String,
}

/// Finds an application by reference, only if the applicant's document number matches:
/// a wrong number and an unknown reference give the same `None`.
pub async fn track(conn: &mut Conn, reference: &str, document_number: &str) -> Result<Option<Tracked>, sqlx::Error> {
    let row = sqlx::query(TRACK).bind(reference.to_owned()).bind(document_number.to_owned()).fetch_optional(conn).await?;
    row.map(|r| {
        Ok(Tracked {
            service_code: get(&r, "", "service_code")?,
            service_version: get(&r, "", "service_version")?,
            status: stored(&r, "", "status")?,
            submitted_at: get(&r, "", "submitted_at")?,
            updated_at: get(&r, "", "updated_at")?,
            agency: get(&r, "", "agency")?,
        })
    })
    .transpose()
}

/// A draft due for its reminder or its deletion.
#[derive(Debug, Clone)]
pub struct DueDraft {
    pub id: ApplicationId,
    /// Owner.
    pub account_id: AccountId,
    pub service_code: String,
    /// Expiry.
    pub expires_at: i64,
}

/// Drafts whose expiry is before `before` and whose reminder has not gone out.
pub async fn drafts_to_remind(conn: &mut Conn, before: i64, limit: i64) -> Result<Vec<DueDraft>, sqlx::Error> {
    sqlx::query(DRAFTS_TO_REMIND)
        .bind(before)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(DueDraft {
                id: stored(r, "", "id")?,
                account_id: stored(r, "", "account_id")?,
                service_code: get(r, "", "service_code")?,
                expires_at: get(r, "", "expires_at")?,
            })
        })
        .collect()
}

/// Records that a draft's reminder went out.
pub async fn mark_reminded(conn: &mut Conn, id: &ApplicationId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(MARK_REMINDED).bind(now).bind(id.as_str()).execute(conn).await?;
    Ok(())
}

/// Expired drafts' ids.
pub async fn expired_drafts(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<(ApplicationId, AccountId)>, sqlx::Error> {
    sqlx::query(EXPIRED_DRAFTS)
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok((stored(r, "", "id")?, stored(r, "", "account_id")?)))
        .collect()
}

/// One line of the timeline.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// When.
    pub at: i64,
    /// The status entered.
    pub status: Status,
    /// What the citizen is told, if anything.
    pub note: Option<String>,
    /// The workflow action that made the change, if any.
    pub action: Option<String>,
    /// The staff member who took it (shown to staff only).
    pub staff_name: Option<String>,
    /// JSON particulars (an appointment).
    pub details: Option<String>,
}

/// A new line of the timeline.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// The status entered.
    pub status: &'a Status,
    /// What the citizen is told.
    pub note: Option<&'a str>,
    /// The workflow action.
    pub action: Option<&'a str>,
    /// The staff member.
    pub staff_id: Option<&'a StaffId>,
    /// JSON particulars.
    pub details: Option<&'a str>,
}

/// Adds a line to the timeline.
pub async fn add_event(conn: &mut Conn, application_id: &ApplicationId, event: NewEvent<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(ADD_EVENT)
        .bind(application_id.as_str())
        .bind(now)
        .bind(event.status.as_str())
        .bind(event.note.map(str::to_owned))
        .bind(event.action.map(str::to_owned))
        .bind(event.staff_id.map(StaffId::as_str))
        .bind(event.details.map(str::to_owned))
        .execute(conn)
        .await?;
    Ok(())
}

/// The timeline, oldest first.
pub async fn events(conn: &mut Conn, application_id: &ApplicationId) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query(EVENTS)
        .bind(application_id.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(EventRow {
                at: get(r, "", "at")?,
                status: stored(r, "", "status")?,
                note: get(r, "", "note")?,
                action: get(r, "", "action")?,
                staff_name: get(r, "", "staff_name")?,
                details: get(r, "", "details")?,
            })
        })
        .collect()
}

//! Helpdesk tickets and their messages. Citizens' queries name the account; staff
//! queries name the agency (or none, for the platform helpdesk).

use super::Conn;
use super::decode::{get, stored, stored_opt};
use super::statements::statements;
use huduma_domain::ticket::{Category, Status};
use huduma_domain::{AccountId, ApplicationId, Language, StaffId, TicketId};
use sqlx::Row;

/// A ticket as stored.
#[derive(Debug, Clone)]
pub struct TicketRow {
    pub id: TicketId,
    /// Public number (`T…`).
    pub number: String,
    /// Owner, for signed-in citizens.
    pub account_id: Option<AccountId>,
    /// Name to greet.
    pub contact_name: String,
    /// Where replies go.
    pub contact_email: String,
    /// Where the SMS goes.
    pub contact_phone: String,
    /// The language messages to the contact use.
    pub language: Language,
    /// What it is about.
    pub category: Category,
    pub subject: String,
    /// Linked application.
    pub application_id: Option<ApplicationId>,
    /// Agency that has it.
    pub agency: Option<String>,
    /// Staff member who has it.
    pub assigned_to: Option<StaffId>,
    /// Where it stands.
    pub status: Status,
    /// When staff owe the next answer.
    pub due_at: Option<i64>,
    /// Opened.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    /// 1–5.
    pub rating: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, number, account_id, contact_name, contact_email, contact_phone, language, category, subject, application_id, \
     agency, assigned_to, status, due_at, created_at, updated_at, resolved_at, rating"
    };
}

/// A ticket from a row with the ticket's columns, by name.
fn ticket(r: &sqlx::any::AnyRow) -> Result<TicketRow, sqlx::Error> {
    Ok(TicketRow {
        id: stored(r, "", "id")?,
        number: get(r, "", "number")?,
        account_id: stored_opt(r, "", "account_id")?,
        contact_name: get(r, "", "contact_name")?,
        contact_email: get(r, "", "contact_email")?,
        contact_phone: get(r, "", "contact_phone")?,
        language: stored(r, "", "language")?,
        category: stored(r, "", "category")?,
        subject: get(r, "", "subject")?,
        application_id: stored_opt(r, "", "application_id")?,
        agency: get(r, "", "agency")?,
        assigned_to: stored_opt(r, "", "assigned_to")?,
        status: stored(r, "", "status")?,
        due_at: get(r, "", "due_at")?,
        created_at: get(r, "", "created_at")?,
        updated_at: get(r, "", "updated_at")?,
        resolved_at: get(r, "", "resolved_at")?,
        rating: get(r, "", "rating")?,
    })
}

statements! {
    /// Stores a new ticket.
    INSERT = "INSERT INTO tickets (id, number, account_id, contact_name, contact_email, contact_phone, language, category, subject, application_id, \
         agency, assigned_to, status, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, $14, $14)";
    /// A ticket by number.
    BY_NUMBER = concat!("SELECT ", columns!(), " FROM tickets WHERE number = $1");
    /// One of the account's tickets by number.
    OWNED = concat!("SELECT ", columns!(), " FROM tickets WHERE number = $1 AND account_id = $2");
    /// The account's tickets, newest first.
    OF_ACCOUNT = concat!("SELECT ", columns!(), " FROM tickets WHERE account_id = $1 ORDER BY updated_at DESC LIMIT 100");
    /// The staff queue, most urgent first.
    QUEUE = concat!(
        "SELECT ",
        columns!(),
        " FROM tickets WHERE ($1 = '' OR agency = $1) AND (($2 = '' AND status IN ('open', 'waiting_agency', 'waiting_citizen')) OR status = $2) \
         ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, created_at LIMIT $3"
    );
    /// Moves a ticket (compare-and-set on the status) and sets its SLA deadline.
    SET_STATUS = "UPDATE tickets SET status = $3, due_at = $4, updated_at = $5, \
         resolved_at = CASE WHEN $3 = 'resolved' THEN $5 WHEN $3 = 'closed' THEN resolved_at ELSE NULL END WHERE id = $1 AND status = $2";
    /// Gives the ticket to an agency (or back to the helpdesk) and/or a staff member.
    SET_HANDLER = "UPDATE tickets SET agency = $2, assigned_to = $3 WHERE id = $1";
    /// Records the citizen's rating, once.
    RATE = "UPDATE tickets SET rating = $2, rating_comment = $3 WHERE id = $1 AND rating IS NULL AND status IN ('resolved', 'closed')";
    /// Closes resolved tickets whose reopen window ended; returns how many.
    CLOSE_RESOLVED_BEFORE = "UPDATE tickets SET status = 'closed', updated_at = $2 WHERE status = 'resolved' AND resolved_at < $1";
    ADD_MESSAGE = "INSERT INTO ticket_messages (id, ticket_id, author, staff_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
    /// The thread, oldest first.
    MESSAGES = "SELECT m.author, s.name AS staff_name, m.body, m.created_at FROM ticket_messages m LEFT JOIN staff s ON s.id = m.staff_id \
         WHERE m.ticket_id = $1 ORDER BY m.created_at, m.id";
    /// Stores a file's row (its blob is already stored).
    ADD_FILE = "INSERT INTO ticket_files (id, ticket_id, blob_key, file_name, content_type, size, sha256, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    /// A ticket's files, oldest first.
    FILES = "SELECT id, ticket_id, blob_key, file_name, content_type, size, sha256, uploaded_at FROM ticket_files WHERE ticket_id = $1 ORDER BY uploaded_at, id";
}

/// Stores a new ticket.
pub async fn insert(conn: &mut Conn, t: &TicketRow) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(t.id.as_str())
        .bind(t.number.clone())
        .bind(t.account_id.as_ref().map(AccountId::as_str))
        .bind(t.contact_name.clone())
        .bind(t.contact_email.clone())
        .bind(t.contact_phone.clone())
        .bind(t.language.tag())
        .bind(t.category.code())
        .bind(t.subject.clone())
        .bind(t.application_id.as_ref().map(ApplicationId::as_str))
        .bind(t.agency.clone())
        .bind(t.status.code())
        .bind(t.due_at)
        .bind(t.created_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// A ticket by number.
pub async fn by_number(conn: &mut Conn, number: &str) -> Result<Option<TicketRow>, sqlx::Error> {
    sqlx::query(BY_NUMBER).bind(number.to_owned()).fetch_optional(conn).await?.as_ref().map(ticket).transpose()
}

/// One of the account's tickets by number.
pub async fn owned(conn: &mut Conn, account_id: &AccountId, number: &str) -> Result<Option<TicketRow>, sqlx::Error> {
    sqlx::query(OWNED).bind(number.to_owned()).bind(account_id.as_str()).fetch_optional(conn).await?.as_ref().map(ticket).transpose()
}

/// The account's tickets, newest first.
pub async fn of_account(conn: &mut Conn, account_id: &AccountId) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query(OF_ACCOUNT).bind(account_id.as_str()).fetch_all(conn).await?.iter().map(ticket).collect()
}

/// The staff queue: tickets with `agency` (all of them for the helpdesk, with `None`),
/// in `status` (or any not finished, with ""), most urgent first.
pub async fn queue(conn: &mut Conn, agency: Option<&str>, status: Option<Status>, limit: i64) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query(QUEUE)
        .bind(agency.unwrap_or("").to_owned())
        .bind(status.map_or("", Status::code))
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(ticket)
        .collect()
}

/// Moves a ticket (compare-and-set on the status) and sets its SLA deadline.
pub async fn set_status(
    conn: &mut Conn,
    id: &TicketId,
    from: Status,
    to: Status,
    due_at: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(SET_STATUS).bind(id.as_str()).bind(from.code()).bind(to.code()).bind(due_at).bind(now).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the ticket to an agency (or back to the helpdesk) and/or a staff member.
pub async fn set_handler(conn: &mut Conn, id: &TicketId, agency: Option<&str>, assigned_to: Option<&StaffId>) -> Result<(), sqlx::Error> {
    sqlx::query(SET_HANDLER).bind(id.as_str()).bind(agency.map(str::to_owned)).bind(assigned_to.map(StaffId::as_str)).execute(conn).await?;
    Ok(())
}

/// Records the citizen's rating, once.
pub async fn rate(conn: &mut Conn, id: &TicketId, rating: i64, comment: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(RATE).bind(id.as_str()).bind(rating).bind(comment.to_owned()).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Closes resolved tickets whose reopen window ended; returns how many.
pub async fn close_resolved_before(conn: &mut Conn, before: i64, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(CLOSE_RESOLVED_BEFORE).bind(before).bind(now).execute(conn).await?;
    Ok(done.rows_affected())
}

/// One message of a thread.
#[derive(Debug, Clone)]
pub struct MessageRow {
    /// `citizen` or `staff`.
    pub author: String,
    /// Staff member's name (shown to staff; citizens see "Huduma helpdesk").
    pub staff_name: Option<String>,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: i64,
}

pub async fn add_message(
    conn: &mut Conn,
    ticket_id: &TicketId,
    author: &str,
    staff_id: Option<&StaffId>,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(ADD_MESSAGE)
        .bind(super::new_id::<String>())
        .bind(ticket_id.as_str())
        .bind(author.to_owned())
        .bind(staff_id.map(StaffId::as_str))
        .bind(body.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The thread, oldest first.
pub async fn messages(conn: &mut Conn, ticket_id: &TicketId) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query(MESSAGES)
        .bind(ticket_id.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(MessageRow {
                author: r.try_get("author")?,
                staff_name: r.try_get("staff_name")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// A file added to a ticket.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: String,
    pub ticket_id: TicketId,
    /// Key in the object store.
    pub blob_key: String,
    /// Cleaned name.
    pub file_name: String,
    /// Type, from the bytes.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// When.
    pub uploaded_at: i64,
}

/// Stores a file's row (its blob is already stored).
pub async fn add_file(conn: &mut Conn, f: &FileRow) -> Result<(), sqlx::Error> {
    sqlx::query(ADD_FILE)
        .bind(f.id.clone())
        .bind(f.ticket_id.as_str())
        .bind(f.blob_key.clone())
        .bind(f.file_name.clone())
        .bind(f.content_type.clone())
        .bind(f.size)
        .bind(f.sha256.clone())
        .bind(f.uploaded_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// A ticket's files, oldest first.
pub async fn files(conn: &mut Conn, ticket_id: &TicketId) -> Result<Vec<FileRow>, sqlx::Error> {
    sqlx::query(FILES)
        .bind(ticket_id.as_str())
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(FileRow {
                id: r.try_get("id")?,
                ticket_id: stored(r, "", "ticket_id")?,
                blob_key: r.try_get("blob_key")?,
                file_name: r.try_get("file_name")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
                uploaded_at: r.try_get("uploaded_at")?,
            })
        })
        .collect()
}

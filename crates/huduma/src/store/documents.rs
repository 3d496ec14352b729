//! Documents uploaded to applications, and stored files waiting to be deleted.

use super::Conn;
use super::decode::stored;
use super::statements::statements;
use huduma_domain::{AccountId, ApplicationId, DocumentId};
use sqlx::Row;

/// An uploaded document.
#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: DocumentId,
    pub application_id: ApplicationId,
    /// Which requirement of the service it meets.
    pub requirement: String,
    /// Key in the object store.
    pub blob_key: String,
    /// Cleaned file name for downloads.
    pub file_name: String,
    /// Content type, from the bytes.
    pub content_type: String,
    /// Size in bytes (as stored).
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Upload time.
    pub uploaded_at: i64,
}

macro_rules! columns {
    () => {
        "d.id, d.application_id, d.requirement, d.blob_key, d.file_name, d.content_type, d.size, d.sha256, d.uploaded_at"
    };
}

statements! {
    /// The blob of the upload a new one replaces.
    REPLACED_BLOB = "SELECT blob_key FROM application_documents WHERE application_id = $1 AND requirement = $2";
    /// Removes the upload a new one replaces.
    DELETE_REPLACED = "DELETE FROM application_documents WHERE application_id = $1 AND requirement = $2";
    /// Records an upload for a requirement.
    INSERT = "INSERT INTO application_documents (id, application_id, requirement, blob_key, file_name, content_type, size, sha256, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    /// Schedules stored files for deletion (after the current transaction commits).
    RELEASE_BLOBS = "INSERT INTO blob_deletions (blob_key, requested_at) VALUES ($1, $2) ON CONFLICT (blob_key) DO NOTHING";
    /// Blob keys of an application's documents (before the application is deleted).
    BLOB_KEYS = "SELECT blob_key FROM application_documents WHERE application_id = $1";
    /// Files waiting to be deleted.
    PENDING_DELETIONS = "SELECT blob_key FROM blob_deletions ORDER BY requested_at LIMIT $1";
    /// Forgets a deleted file.
    DELETION_DONE = "DELETE FROM blob_deletions WHERE blob_key = $1";
    /// An application's documents.
    FOR_APPLICATION = concat!("SELECT ", columns!(), " FROM application_documents d WHERE d.application_id = $1 ORDER BY d.uploaded_at");
    /// One document of the owner's application.
    FIND_OWNED = concat!(
    "SELECT ",
    columns!(),
    " FROM application_documents d JOIN applications a ON a.id = d.application_id WHERE d.id = $1 AND d.application_id = $2 AND a.account_id = $3"
);
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<DocumentRow, sqlx::Error> {
    Ok(DocumentRow {
        id: stored(row, "", "id")?,
        application_id: stored(row, "", "application_id")?,
        requirement: row.try_get("requirement")?,
        blob_key: row.try_get("blob_key")?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        uploaded_at: row.try_get("uploaded_at")?,
    })
}

/// Documents of an application (the caller has already checked ownership).
pub async fn for_application(conn: &mut Conn, application_id: &ApplicationId) -> Result<Vec<DocumentRow>, sqlx::Error> {
    sqlx::query(FOR_APPLICATION).bind(application_id.as_str()).fetch_all(conn).await?.iter().map(from_row).collect()
}

/// One document, only if its application belongs to `account_id`.
pub async fn find_owned(
    conn: &mut Conn,
    account_id: &AccountId,
    application_id: &ApplicationId,
    id: &DocumentId,
) -> Result<Option<DocumentRow>, sqlx::Error> {
    sqlx::query(FIND_OWNED)
        .bind(id.as_str())
        .bind(application_id.as_str())
        .bind(account_id.as_str())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Records an upload for a requirement, replacing any earlier one; returns the blob key
/// of the replaced file, which the caller schedules for deletion.
pub async fn put(conn: &mut Conn, d: &DocumentRow) -> Result<Option<String>, sqlx::Error> {
    let old = sqlx::query(REPLACED_BLOB)
        .bind(d.application_id.as_str())
        .bind(d.requirement.clone())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<String, _>("blob_key"))
        .transpose()?;
    if old.is_some() {
        sqlx::query(DELETE_REPLACED).bind(d.application_id.as_str()).bind(d.requirement.clone()).execute(&mut *conn).await?;
    }
    sqlx::query(INSERT)
        .bind(d.id.as_str())
        .bind(d.application_id.as_str())
        .bind(d.requirement.clone())
        .bind(d.blob_key.clone())
        .bind(d.file_name.clone())
        .bind(d.content_type.clone())
        .bind(d.size)
        .bind(d.sha256.clone())
        .bind(d.uploaded_at)
        .execute(conn)
        .await?;
    Ok(old)
}

/// Schedules stored files for deletion (after the current transaction commits).
pub async fn release_blobs(conn: &mut Conn, keys: &[String], now: i64) -> Result<(), sqlx::Error> {
    for key in keys {
        sqlx::query(RELEASE_BLOBS).bind(key.clone()).bind(now).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Blob keys of an application's documents (before the application is deleted).
pub async fn blob_keys(conn: &mut Conn, application_id: &ApplicationId) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query(BLOB_KEYS).bind(application_id.as_str()).fetch_all(conn).await?.iter().map(|r| r.try_get("blob_key")).collect()
}

/// Files waiting to be deleted.
pub async fn pending_deletions(conn: &mut Conn, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query(PENDING_DELETIONS).bind(limit).fetch_all(conn).await?.iter().map(|r| r.try_get("blob_key")).collect()
}

/// Forgets a deleted file.
pub async fn deletion_done(conn: &mut Conn, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(DELETION_DONE).bind(key.to_owned()).execute(conn).await?;
    Ok(())
}

//! The imported catalogue files and the versions of each service.

use super::statements::statements;
use super::{Backend, Conn};
use sqlx::Row;

statements! {
    /// The live catalogue's categories and agencies (files not in a folder, and each
    /// folder's `agency.toml`).
    HEAD_FILES = "SELECT path, source FROM catalogue_files WHERE path NOT LIKE '%/%' OR path LIKE '%/agency.toml' ORDER BY path";
    /// The live catalogue's next service files after a path, in path order (a page).
    SERVICE_FILES_AFTER = "SELECT path, source FROM catalogue_files \
         WHERE path > $1 AND path LIKE '%/%' AND path NOT LIKE '%/agency.toml' ORDER BY path LIMIT $2";
    /// Every version of every service, by content hash (to find the live files' versions).
    ALL_VERSIONS = "SELECT service_code, hash, version FROM service_versions";
    /// Empties the live catalogue's files (before the new ones go in).
    DELETE_FILES = "DELETE FROM catalogue_files";
    /// Adds one file to the live catalogue.
    INSERT_FILE = "INSERT INTO catalogue_files (path, source, hash, imported_at) VALUES ($1, $2, $3, $4)";
    /// The latest version number of a service (0 before the first).
    LATEST_VERSION = "SELECT COALESCE(MAX(version), 0) FROM service_versions WHERE service_code = $1";
    /// Records new content of a service as a version.
    INSERT_VERSION = "INSERT INTO service_versions (service_code, version, hash, source, agency, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
    /// The text of one version of a service (for applications started on it).
    VERSION_SOURCE = "SELECT source FROM service_versions WHERE service_code = $1 AND version = $2";
    /// The digest of the stored catalogue's files, which nodes poll to notice an import.
    DIGEST = "SELECT digest FROM catalogue_state WHERE id = 1";
    /// Records the digest of the files an import stored.
    SET_DIGEST = "INSERT INTO catalogue_state (id, digest, imported_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO UPDATE SET digest = excluded.digest, imported_at = excluded.imported_at";
}

/// Takes PostgreSQL's transaction-level advisory lock for catalogue imports (the key is
/// an arbitrary constant of this module; the lock ends with the transaction). Wrapped in a
/// count because the lock function returns `void`, which the `Any` driver cannot read.
pub const LOCK_IMPORT_POSTGRES: &str = "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(7321001)) AS locked";
/// The statements only PostgreSQL runs.
pub const POSTGRES_ONLY: &[(&str, &str)] = &[("LOCK_IMPORT_POSTGRES", LOCK_IMPORT_POSTGRES)];

/// Makes catalogue imports take turns across every process on the database, for the rest
/// of the transaction: nodes starting together each import the folder, and without turns
/// two of them insert the same file or the same next version. On SQLite the transaction's
/// `BEGIN IMMEDIATE` already holds the only write lock.
pub async fn lock_import(conn: &mut Conn, backend: Backend) -> Result<(), sqlx::Error> {
    match backend {
        Backend::Postgres => sqlx::query(LOCK_IMPORT_POSTGRES).execute(conn).await.map(|_| ()),
        Backend::Sqlite => Ok(()),
    }
}

/// A stored catalogue file.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// Path relative to the catalogue folder.
    pub path: String,
    /// TOML text.
    pub source: String,
}

fn stored_files(rows: &[sqlx::any::AnyRow]) -> Result<Vec<StoredFile>, sqlx::Error> {
    rows.iter().map(|r| Ok(StoredFile { path: r.try_get("path")?, source: r.try_get("source")? })).collect()
}

/// The live catalogue's categories and agency files.
pub async fn head_files(conn: &mut Conn) -> Result<Vec<StoredFile>, sqlx::Error> {
    stored_files(&sqlx::query(HEAD_FILES).fetch_all(conn).await?)
}

/// At most `limit` service files of the live catalogue after `after`, in path order: a
/// node reads a large catalogue a page at a time rather than all at once.
pub async fn service_files_after(conn: &mut Conn, after: &str, limit: i64) -> Result<Vec<StoredFile>, sqlx::Error> {
    stored_files(&sqlx::query(SERVICE_FILES_AFTER).bind(after.to_owned()).bind(limit).fetch_all(conn).await?)
}

/// Every version number by service code and content hash.
pub async fn all_versions(conn: &mut Conn) -> Result<std::collections::HashMap<(String, String), i64>, sqlx::Error> {
    sqlx::query(ALL_VERSIONS)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok(((r.try_get("service_code")?, r.try_get("hash")?), r.try_get("version")?)))
        .collect()
}

/// Empties the live catalogue's files (an import then adds the new ones).
pub async fn delete_files(conn: &mut Conn) -> Result<(), sqlx::Error> {
    sqlx::query(DELETE_FILES).execute(conn).await.map(|_| ())
}

/// Adds one file to the live catalogue.
pub async fn insert_file(conn: &mut Conn, path: &str, source: &str, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_FILE).bind(path.to_owned()).bind(source.to_owned()).bind(hash.to_owned()).bind(now).execute(conn).await.map(|_| ())
}

/// Records new content of a service as its next version; returns the version number.
pub async fn add_version(conn: &mut Conn, code: &str, agency: &str, hash: &str, source: &str, now: i64) -> Result<i64, sqlx::Error> {
    let latest: i64 = sqlx::query_scalar(LATEST_VERSION).bind(code.to_owned()).fetch_one(&mut *conn).await?;
    insert_version(conn, code, latest + 1, agency, hash, source, now).await?;
    Ok(latest + 1)
}

/// Records new content of a service as version `version` (the caller knows the latest,
/// from [`all_versions`] read under the import lock).
pub async fn insert_version(
    conn: &mut Conn,
    code: &str,
    version: i64,
    agency: &str,
    hash: &str,
    source: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_VERSION)
        .bind(code.to_owned())
        .bind(version)
        .bind(hash.to_owned())
        .bind(source.to_owned())
        .bind(agency.to_owned())
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The text of one version of a service (for applications started on it).
pub async fn version_source(conn: &mut Conn, code: &str, version: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(VERSION_SOURCE).bind(code.to_owned()).bind(version).fetch_optional(conn).await
}

/// The digest of the stored catalogue's files (none before the first import).
pub async fn digest(conn: &mut Conn) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(DIGEST).fetch_optional(conn).await
}

/// Records the digest of the files an import stored, for the other nodes to notice.
pub async fn set_digest(conn: &mut Conn, digest: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(SET_DIGEST).bind(digest.to_owned()).bind(now).execute(conn).await.map(|_| ())
}

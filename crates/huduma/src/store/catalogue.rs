//! The imported catalogue files and the versions of each service.

use super::statements::statements;
use super::{Backend, Conn};
use sqlx::Row;

statements! {
    /// The live catalogue's files.
    FILES = "SELECT path, source FROM catalogue_files ORDER BY path";
    /// Empties the live catalogue's files (before the new ones go in).
    DELETE_FILES = "DELETE FROM catalogue_files";
    /// Adds one file to the live catalogue.
    INSERT_FILE = "INSERT INTO catalogue_files (path, source, hash, imported_at) VALUES ($1, $2, $3, $4)";
    /// The version number of this exact content of a service, if it was imported before.
    VERSION_OF = "SELECT version FROM service_versions WHERE service_code = $1 AND hash = $2";
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

/// The live catalogue's files.
pub async fn files(conn: &mut Conn) -> Result<Vec<StoredFile>, sqlx::Error> {
    sqlx::query(FILES)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok(StoredFile { path: r.try_get("path")?, source: r.try_get("source")? }))
        .collect()
}

/// Replaces the live catalogue's files.
pub async fn replace_files(conn: &mut Conn, files: &[(String, String, String)], now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(DELETE_FILES).execute(&mut *conn).await?;
    for (path, source, hash) in files {
        sqlx::query(INSERT_FILE).bind(path.clone()).bind(source.clone()).bind(hash.clone()).bind(now).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The version number of this exact content of a service, if it was imported before.
pub async fn version_of(conn: &mut Conn, code: &str, hash: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(VERSION_OF).bind(code.to_owned()).bind(hash.to_owned()).fetch_optional(conn).await
}

/// Records new content of a service as its next version; returns the version number.
pub async fn add_version(conn: &mut Conn, code: &str, agency: &str, hash: &str, source: &str, now: i64) -> Result<i64, sqlx::Error> {
    let latest: i64 = sqlx::query_scalar(LATEST_VERSION).bind(code.to_owned()).fetch_one(&mut *conn).await?;
    let version = latest + 1;
    sqlx::query(INSERT_VERSION)
        .bind(code.to_owned())
        .bind(version)
        .bind(hash.to_owned())
        .bind(source.to_owned())
        .bind(agency.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(version)
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

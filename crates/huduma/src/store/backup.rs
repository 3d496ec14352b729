//! Online backup of a SQLite database. PostgreSQL is backed up with its own tools
//! (`pg_dump`), as docs/deployment.md explains.

use super::{Backend, Conn};

/// Writes a consistent copy of the whole database to a new file while the portal keeps
/// running: `VACUUM INTO` reads one snapshot (writers carry on; the copy is compacted).
pub const INTO_SQLITE: &str = "VACUUM INTO $1";
/// The statements only SQLite runs.
pub const SQLITE_ONLY: &[(&str, &str)] = &[("INTO_SQLITE", INTO_SQLITE)];

/// Why a backup was not written.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// This engine is backed up with its own tools.
    #[error("PostgreSQL is backed up with pg_dump (see docs/deployment.md), not by huduma")]
    NotSqlite,
    /// The target exists: a backup never overwrites a file.
    #[error("{0} already exists; choose a new file name")]
    Exists(String),
    /// SQLite could not write it.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Copies the database into `target`, a file that must not exist yet.
pub async fn sqlite_into(conn: &mut Conn, backend: Backend, target: &std::path::Path) -> Result<(), BackupError> {
    if backend != Backend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    if target.exists() {
        return Err(BackupError::Exists(target.display().to_string()));
    }
    sqlx::query(INTO_SQLITE).bind(target.display().to_string()).execute(conn).await?;
    Ok(())
}

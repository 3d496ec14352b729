//! Issued certificates, licences, permits and letters.

use super::Conn;
use sqlx::Row;

/// A certificate as stored.
#[derive(Debug, Clone)]
pub struct CertificateRow {
    /// Public serial (`C…`), printed and in the QR code.
    pub serial: String,
    /// The application it was issued for.
    pub application_id: String,
    /// Service.
    pub service_code: String,
    /// Service version (its template).
    pub service_version: i64,
    /// Issuing agency.
    pub agency: String,
    /// Holder's full name.
    pub holder_name: String,
    /// Holder's document number.
    pub document_number: String,
    /// JSON `{"en": {"title", "body": [...], "signatory"}, "sw": {...}}`, placeholders filled.
    pub content: String,
    /// Issued.
    pub issued_at: i64,
    /// Issuing officer.
    pub issued_by: String,
    /// End of validity.
    pub valid_until: Option<i64>,
    /// Revocation.
    pub revoked_at: Option<i64>,
    /// Why.
    pub revoke_reason: Option<String>,
}

const COLUMNS: &str = "serial, application_id, service_code, service_version, agency, holder_name, document_number, content, issued_at, \
     issued_by, valid_until, revoked_at, revoke_reason";

fn from_row(r: &sqlx::any::AnyRow) -> Result<CertificateRow, sqlx::Error> {
    Ok(CertificateRow {
        serial: r.try_get(0)?,
        application_id: r.try_get(1)?,
        service_code: r.try_get(2)?,
        service_version: r.try_get(3)?,
        agency: r.try_get(4)?,
        holder_name: r.try_get(5)?,
        document_number: r.try_get(6)?,
        content: r.try_get(7)?,
        issued_at: r.try_get(8)?,
        issued_by: r.try_get(9)?,
        valid_until: r.try_get(10)?,
        revoked_at: r.try_get(11)?,
        revoke_reason: r.try_get(12)?,
    })
}

/// Stores a certificate.
pub async fn insert(conn: &mut Conn, c: &CertificateRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO certificates (serial, application_id, service_code, service_version, agency, holder_name, document_number, content, \
         issued_at, issued_by, valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(c.serial.clone())
    .bind(c.application_id.clone())
    .bind(c.service_code.clone())
    .bind(c.service_version)
    .bind(c.agency.clone())
    .bind(c.holder_name.clone())
    .bind(c.document_number.clone())
    .bind(c.content.clone())
    .bind(c.issued_at)
    .bind(c.issued_by.clone())
    .bind(c.valid_until)
    .execute(conn)
    .await?;
    Ok(())
}

async fn one(conn: &mut Conn, filter: &str, a: &str, b: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM certificates WHERE {filter}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(a.to_owned())
        .bind(b.to_owned())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// By serial (the public verification page).
pub async fn by_serial(conn: &mut Conn, serial: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    one(conn, "serial = $1 AND $2 = ''", serial, "").await
}

/// The certificate of an application, if its owner asks.
pub async fn for_owner(conn: &mut Conn, application_id: &str, account_id: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    let filter = "application_id = $1 AND application_id IN (SELECT id FROM applications WHERE account_id = $2)";
    one(conn, filter, application_id, account_id).await
}

/// The certificate of an application, if staff of its agency ask.
pub async fn for_agency(conn: &mut Conn, application_id: &str, agency: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    one(conn, "application_id = $1 AND agency = $2", application_id, agency).await
}

/// Revokes a valid certificate of `agency`; false when none or already revoked.
pub async fn revoke(conn: &mut Conn, serial: &str, agency: &str, staff_id: &str, reason: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE certificates SET revoked_at = $3, revoked_by = $4, revoke_reason = $5 WHERE serial = $1 AND agency = $2 AND revoked_at IS NULL",
    )
    .bind(serial.to_owned())
    .bind(agency.to_owned())
    .bind(now)
    .bind(staff_id.to_owned())
    .bind(reason.to_owned())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

//! Issued certificates, licences, permits and letters.

use super::Conn;
use super::statements::statements;
use huduma_domain::{AccountId, ApplicationId, StaffId};

macro_rules! columns {
    () => {
        "serial, application_id, service_code, service_version, agency, holder_name, document_number, content, issued_at, \
     issued_by, valid_until, revoked_at, revoke_reason"
    };
}

statements! {
    /// By serial (the second parameter is always empty).
    BY_SERIAL = concat!("SELECT ", columns!(), " FROM certificates WHERE serial = $1 AND $2 = ''");
    /// The certificate of an application, if its owner asks.
    FOR_OWNER = concat!(
        "SELECT ",
        columns!(),
        " FROM certificates WHERE application_id = $1 AND application_id IN (SELECT id FROM applications WHERE account_id = $2)"
    );
    /// The certificate of an application, if staff of its agency ask.
    FOR_AGENCY = concat!("SELECT ", columns!(), " FROM certificates WHERE application_id = $1 AND agency = $2");
    /// Stores a certificate.
    INSERT = "INSERT INTO certificates (serial, application_id, service_code, service_version, agency, holder_name, document_number, content, \
         issued_at, issued_by, valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    /// Revokes a valid certificate of `agency`; false when none or already revoked.
    REVOKE = "UPDATE certificates SET revoked_at = $3, revoked_by = $4, revoke_reason = $5 WHERE serial = $1 AND agency = $2 AND revoked_at IS NULL";
}

/// A certificate as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    /// Public serial (`C…`), printed and in the QR code.
    pub serial: String,
    /// The application it was issued for.
    #[sqlx(try_from = "String")]
    pub application_id: ApplicationId,
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
    pub issued_at: i64,
    /// Issuing officer.
    #[sqlx(try_from = "String")]
    pub issued_by: StaffId,
    /// End of validity.
    pub valid_until: Option<i64>,
    /// Revocation.
    pub revoked_at: Option<i64>,
    /// Why.
    pub revoke_reason: Option<String>,
}

/// Stores a certificate.
pub async fn insert(conn: &mut Conn, c: &CertificateRow) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(c.serial.clone())
        .bind(c.application_id.as_str())
        .bind(c.service_code.clone())
        .bind(c.service_version)
        .bind(c.agency.clone())
        .bind(c.holder_name.clone())
        .bind(c.document_number.clone())
        .bind(c.content.clone())
        .bind(c.issued_at)
        .bind(c.issued_by.as_str())
        .bind(c.valid_until)
        .execute(conn)
        .await?;
    Ok(())
}

/// By serial (the public verification page).
pub async fn by_serial(conn: &mut Conn, serial: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    sqlx::query_as(BY_SERIAL).bind(serial.to_owned()).bind(String::new()).fetch_optional(conn).await
}

/// The certificate of an application, if its owner asks.
pub async fn for_owner(
    conn: &mut Conn,
    application_id: &ApplicationId,
    account_id: &AccountId,
) -> Result<Option<CertificateRow>, sqlx::Error> {
    sqlx::query_as(FOR_OWNER).bind(application_id.as_str()).bind(account_id.as_str()).fetch_optional(conn).await
}

/// The certificate of an application, if staff of its agency ask.
pub async fn for_agency(conn: &mut Conn, application_id: &ApplicationId, agency: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    sqlx::query_as(FOR_AGENCY).bind(application_id.as_str()).bind(agency.to_owned()).fetch_optional(conn).await
}

/// Revokes a valid certificate of `agency`; false when none or already revoked.
pub async fn revoke(conn: &mut Conn, serial: &str, agency: &str, staff_id: &StaffId, reason: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(REVOKE)
        .bind(serial.to_owned())
        .bind(agency.to_owned())
        .bind(now)
        .bind(staff_id.as_str())
        .bind(reason.to_owned())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

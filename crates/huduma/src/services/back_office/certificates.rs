//! Issued documents: a certificate is made from the service's `[certificate]` template
//! when an `issue` action is taken, stored with its text filled in (so a later catalogue
//! change never alters a document already issued), printed as a PDF with its serial and a
//! QR code, and checked by anyone through the public verification page.

use super::super::applications::display_reference;
use super::super::{ServiceError, ServiceResult, audit};
use super::StaffMember;
use crate::app::App;
use crate::notices::{self, Notice, Recipient};
use crate::printed::certificate::Facts;
use crate::store::applications::ApplicationRow;
use crate::store::certificates::{self as store, CertificateRow};
use crate::store::{Conn, accounts};
use huduma_domain::application::Answers;
use huduma_domain::catalogue::Service;
use huduma_domain::reference::{Kind, Reference};
use rand::Rng;

/// Characters of the code in the public verification link.
const CODE_LEN: usize = 10;

pub use crate::printed::certificate::{Content, Text};

/// The code that makes a certificate's public link unguessable.
pub fn verification_code(app: &App, serial: &str) -> String {
    crate::crypto::keyed_hash(&app.config.secret_key, &["certificate", serial])
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(CODE_LEN)
        .collect()
}

/// The public verification link printed as the QR code.
pub fn verification_url(app: &App, serial: &str) -> String {
    format!("{}/verify/certificates/{serial}/{}", app.config.callback_base_url.trim_end_matches('/'), verification_code(app, serial))
}

/// Makes and stores the certificate for an application whose `issue` action is being
/// taken, inside that action's transaction. Returns the serial.
pub async fn issue(conn: &mut Conn, me: &StaffMember, row: &ApplicationRow, service: &Service, now: i64) -> ServiceResult<String> {
    let template = service.certificate.as_ref().ok_or(ServiceError::field("action", "certificate.no_template"))?;
    let account = accounts::by_id(conn, &row.account_id).await?.ok_or(ServiceError::NotFound)?;
    let answers: Answers = serde_json::from_str(&row.answers).map_err(anyhow::Error::from)?;
    let serial = {
        let mut rng = rand::rng();
        Reference::generate(Kind::Certificate, |n| rng.random_range(0..n)).as_str().to_owned()
    };
    let valid_until = template.valid_days.map(|days| now + i64::from(days) * 86_400);
    let holder_name = [account.first_name.as_str(), account.other_names.as_str(), account.surname.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let reference = row.reference.as_deref().map(display_reference).unwrap_or_default();
    let facts = Facts {
        name: &holder_name,
        document_number: &account.document_number,
        reference: &reference,
        serial: &serial,
        issued_at: now,
        valid_until,
        service,
        answers: &answers,
    };
    let content = crate::printed::certificate::compose(template, &facts);
    let certificate = CertificateRow {
        serial: serial.clone(),
        application_id: row.id.clone(),
        service_code: row.service_code.clone(),
        service_version: row.service_version,
        agency: row.agency.clone(),
        holder_name,
        document_number: account.document_number.clone(),
        content: serde_json::to_string(&content).map_err(anyhow::Error::from)?,
        issued_at: now,
        issued_by: me.row.id.clone(),
        valid_until,
        revoked_at: None,
        revoke_reason: None,
    };
    store::insert(conn, &certificate).await?;
    Ok(serial)
}

/// Whether a certificate can be relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Valid,
    /// Past its end of validity.
    Expired,
    /// Revoked by the agency.
    Revoked,
}

impl Validity {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Expired => "expired",
            Validity::Revoked => "revoked",
        }
    }
}

/// A certificate's standing at `now`.
pub fn validity(c: &CertificateRow, now: i64) -> Validity {
    if c.revoked_at.is_some() {
        Validity::Revoked
    } else if c.valid_until.is_some_and(|until| until <= now) {
        Validity::Expired
    } else {
        Validity::Valid
    }
}

/// The stored content.
pub fn content(c: &CertificateRow) -> ServiceResult<Content> {
    Ok(serde_json::from_str(&c.content).map_err(anyhow::Error::from)?)
}

/// The certificate behind a verification link, if the code matches.
pub async fn verify(app: &App, serial: &str, code: &str) -> ServiceResult<CertificateRow> {
    if !crate::crypto::constant_time_eq(&verification_code(app, serial), code) {
        return Err(ServiceError::NotFound);
    }
    let mut conn = app.db.pool().acquire().await?;
    store::by_serial(&mut conn, serial).await?.ok_or(ServiceError::NotFound)
}

/// Revokes a certificate of the member's agency, with a reason.
pub async fn revoke(app: &App, me: &StaffMember, ip: &str, serial: &str, reason: &str) -> ServiceResult<()> {
    let agency = me.agency().ok_or(ServiceError::NotFound)?;
    if !me.role.processes_applications() {
        return Err(ServiceError::NotFound);
    }
    let reason = reason.trim();
    if reason.chars().count() < 10 || reason.chars().count() > 500 {
        return Err(ServiceError::field("reason", "workflow.reason_required"));
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if !store::revoke(&mut tx, serial, agency, &me.row.id, reason, now).await? {
        return Err(ServiceError::NotFound);
    }
    let entry = audit::Entry {
        actor: me.actor(),
        agency: Some(agency),
        action: "certificate.revoke",
        subject: format!("certificate:{serial}"),
        details: serde_json::json!({ "reason": reason }),
        ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tell_holder_of_revocation(&mut tx, app, serial, reason, now).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

/// Queues the SMS and email telling the holder their certificate no longer verifies, and
/// why, in their language (in the revocation's transaction: both happen or neither).
async fn tell_holder_of_revocation(conn: &mut Conn, app: &App, serial: &str, reason: &str, now: i64) -> ServiceResult<()> {
    let certificate = store::by_serial(conn, serial).await?.ok_or(ServiceError::NotFound)?;
    let Some(application) = crate::store::applications::find(conn, &certificate.application_id).await? else { return Ok(()) };
    let Some(account) = accounts::by_id(conn, &application.account_id).await? else { return Ok(()) };
    let service = super::super::applications::definitions::service_with(
        conn,
        app,
        &application.service_code,
        application.service_version,
        &application.agency,
    )
    .await?;
    let reference = application.reference.as_deref().map(display_reference).unwrap_or_default();
    let help = notices::link(app, "/help");
    let notice = Notice::CertificateRevoked { serial, service: &service, reference: &reference, reason, help: &help };
    notices::send(conn, &Recipient::account(&account), &notice, now).await?;
    Ok(())
}

//! What staff read: their agency's work queue, and one application in full (answers,
//! documents, payment, timeline, internal notes, the actions open to them). Staff
//! downloads of a citizen's documents are recorded in the audit log.

use super::super::applications::definitions;
use super::super::{ServiceError, ServiceResult, audit};
use super::StaffMember;
use crate::app::App;
use crate::store::accounts::{self, AccountRow};
use crate::store::applications::{self as applications_store, ApplicationRow, EventRow};
use crate::store::certificates::{self as certificates_store, CertificateRow};
use crate::store::documents::{self as documents_store, DocumentRow};
use crate::store::payments::{self as payments_store, InvoiceRow, PaymentRow};
use crate::store::queue::{self, Handling, Note, QueueFilter, QueueItem};
use huduma_domain::application::Answers;
use huduma_domain::catalogue::Service;
use huduma_domain::workflow::{self, Actor};
use object_store::ObjectStoreExt;
use std::sync::Arc;

/// Lines per page of the queue (25, as a person scans a table; a page is also cheaper).
pub const PAGE: i64 = 25;

/// A page of the member's agency's queue (one more line than a page tells that there is a next).
pub async fn list(app: &App, me: &StaffMember, mut filter: QueueFilter, page: i64) -> ServiceResult<Vec<QueueItem>> {
    filter.agency = me.agency().filter(|_| me.role.processes_applications()).ok_or(ServiceError::NotFound)?.to_owned();
    let now = app.clock.now();
    let due_soon = app.calendar.add_working_days(now, super::sla::DUE_SOON_DAYS);
    let mut conn = app.db.pool().acquire().await?;
    Ok(queue::list(&mut conn, app.db.backend(), &filter, now, due_soon, PAGE + 1, page.max(0) * PAGE).await?)
}

/// One application as staff see it.
#[derive(Debug)]
pub struct Case {
    /// The application.
    pub row: ApplicationRow,
    /// Queue particulars.
    pub handling: Handling,
    /// Its service definition (the version it was made on).
    pub service: Arc<Service>,
    pub answers: Answers,
    pub applicant: AccountRow,
    pub documents: Vec<DocumentRow>,
    /// Invoice, for paid services.
    pub invoice: Option<InvoiceRow>,
    /// Payments against it.
    pub payments: Vec<PaymentRow>,
    /// Timeline.
    pub events: Vec<EventRow>,
    /// Internal notes.
    pub notes: Vec<Note>,
    /// Issued certificate.
    pub certificate: Option<CertificateRow>,
    /// Action codes the member may take now.
    pub actions: Vec<String>,
}

/// An application of the member's agency by reference.
pub async fn case(app: &App, me: &StaffMember, reference: &str) -> ServiceResult<Case> {
    let agency = me.agency().filter(|_| me.role.processes_applications()).ok_or(ServiceError::NotFound)?;
    let mut conn = app.db.pool().acquire().await?;
    let (row, handling) = queue::find_for_agency(&mut conn, agency, reference).await?.ok_or(ServiceError::NotFound)?;
    let applicant = accounts::by_id(&mut conn, &row.account_id).await?.ok_or(ServiceError::NotFound)?;
    let documents = documents_store::for_application(&mut conn, &row.id).await?;
    let invoice = payments_store::invoice_for_application(&mut conn, &row.account_id, &row.id).await?;
    let payments = match &invoice {
        Some(invoice) => payments_store::payments_for(&mut conn, &invoice.id).await?,
        None => Vec::new(),
    };
    let events = applications_store::events(&mut conn, &row.id).await?;
    let notes = queue::notes(&mut conn, &row.id).await?;
    let certificate = certificates_store::for_agency(&mut conn, &row.id, agency).await?;
    drop(conn);
    let service = definitions::service(app, &row.service_code, row.service_version, &row.agency).await?;
    let answers: Answers = serde_json::from_str(&row.answers).map_err(anyhow::Error::from)?;
    let actions = workflow::available(&service.workflow, row.status.as_str(), Actor::Staff(me.role))
        .iter()
        .map(|a| a.code.get_ref().clone())
        .collect();
    Ok(Case { row, handling, service, answers, applicant, documents, invoice, payments, events, notes, certificate, actions })
}

/// A document of an application of the member's agency, with its bytes; the download is
/// audited.
pub async fn document(
    app: &App,
    me: &StaffMember,
    ip: &str,
    reference: &str,
    document_id: &huduma_domain::DocumentId,
) -> ServiceResult<(DocumentRow, bytes::Bytes)> {
    let agency = me.agency().filter(|_| me.role.processes_applications()).ok_or(ServiceError::NotFound)?;
    let mut tx = app.db.begin().await?;
    let (row, _) = queue::find_for_agency(&mut tx, agency, reference).await?.ok_or(ServiceError::NotFound)?;
    let document = documents_store::for_application(&mut tx, &row.id)
        .await?
        .into_iter()
        .find(|d| &d.id == document_id)
        .ok_or(ServiceError::NotFound)?;
    let entry = audit::Entry {
        actor: me.actor(),
        agency: Some(agency),
        action: "document.download",
        subject: format!("application:{reference}"),
        details: serde_json::json!({ "document": document.id, "requirement": document.requirement, "sha256": document.sha256 }),
        ip,
    };
    audit::record(&mut tx, entry, app.clock.now()).await?;
    tx.commit().await?;
    let path = object_store::path::Path::from(document.blob_key.as_str());
    let bytes = app.blobs.get(&path).await?.bytes().await?;
    Ok((document, bytes))
}

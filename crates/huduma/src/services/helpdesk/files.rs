//! Files on tickets: a citizen (or the holder of an anonymous ticket's link) adds a
//! screenshot or a scan, checked like application documents; the holder and the staff who
//! may see the ticket download it (staff downloads are audited).

use super::super::back_office::StaffMember;
use super::super::{ServiceError, ServiceResult, audit};
use super::citizen::{self, Holder};
use crate::app::App;
use crate::store::tickets::{self as store, FileRow};
use huduma_uploads::{FileKind, Rule};
use object_store::ObjectStoreExt;

/// Files a ticket may carry.
pub const MAX_FILES: usize = 5;

/// What a ticket accepts: PDF, JPEG or PNG up to 5 MB.
pub fn rule() -> Rule {
    Rule { allowed: vec![FileKind::Pdf, FileKind::Jpeg, FileKind::Png], max_bytes: 5 * 1_048_576 }
}

/// Checks, scans and stores a file for the holder's ticket.
pub async fn attach(app: &App, holder: Holder<'_>, number: &str, claimed_name: &str, bytes: Vec<u8>) -> ServiceResult<FileRow> {
    let ticket = citizen::find(app, holder, number).await?;
    if ticket.status == huduma_domain::ticket::Status::Closed {
        return Err(ServiceError::field("file", "ticket.closed"));
    }
    let existing = {
        let mut conn = app.db.pool().acquire().await?;
        store::files(&mut conn, &ticket.id).await?.len()
    };
    if existing >= MAX_FILES {
        return Err(ServiceError::field("file", "ticket.too_many_files"));
    }
    let accepted = crate::services::files::accept(app, "file", bytes, rule()).await?;
    let id: String = crate::store::new_id();
    let key = format!("tickets/{}/{id}", ticket.id);
    let path = object_store::path::Path::from(key.as_str());
    app.blobs.put(&path, accepted.bytes.clone().into()).await?;
    let row = FileRow {
        id,
        ticket_id: ticket.id.clone(),
        blob_key: key,
        file_name: huduma_uploads::safe_file_name(claimed_name, accepted.kind),
        content_type: accepted.kind.content_type().to_owned(),
        size: i64::try_from(accepted.bytes.len()).map_err(anyhow::Error::from)?,
        sha256: accepted.sha256,
        uploaded_at: app.clock.now(),
    };
    let stored = async {
        let mut tx = app.db.begin().await?;
        store::add_file(&mut tx, &row).await?;
        tx.commit().await?;
        Ok::<(), ServiceError>(())
    }
    .await;
    if let Err(err) = stored {
        // Not referenced by anything: remove it now rather than leave an orphan.
        let _ = app.blobs.delete(&path).await;
        return Err(err);
    }
    Ok(row)
}

async fn read(app: &App, file: FileRow) -> ServiceResult<(FileRow, bytes::Bytes)> {
    let path = object_store::path::Path::from(file.blob_key.as_str());
    let bytes = app.blobs.get(&path).await?.bytes().await?;
    Ok((file, bytes))
}

/// A file of the holder's ticket.
pub async fn for_holder(app: &App, holder: Holder<'_>, number: &str, file_id: &str) -> ServiceResult<(FileRow, bytes::Bytes)> {
    let ticket = citizen::find(app, holder, number).await?;
    let mut conn = app.db.pool().acquire().await?;
    let file = store::files(&mut conn, &ticket.id).await?.into_iter().find(|f| f.id == file_id).ok_or(ServiceError::NotFound)?;
    drop(conn);
    read(app, file).await
}

/// A file of a ticket the member may see; the download is audited.
pub async fn for_staff(app: &App, me: &StaffMember, ip: &str, number: &str, file_id: &str) -> ServiceResult<(FileRow, bytes::Bytes)> {
    let ticket = super::agent::find(app, me, number).await?;
    let mut tx = app.db.begin().await?;
    let file = store::files(&mut tx, &ticket.id).await?.into_iter().find(|f| f.id == file_id).ok_or(ServiceError::NotFound)?;
    let entry = audit::Entry {
        actor: me.actor(),
        agency: ticket.agency.as_deref(),
        action: "ticket.file_download",
        subject: format!("ticket:{}", ticket.number),
        details: serde_json::json!({ "file": file.id, "sha256": file.sha256 }),
        ip,
    };
    audit::record(&mut tx, entry, app.clock.now()).await?;
    tx.commit().await?;
    read(app, file).await
}

/// The files of a ticket (for pages that already checked access).
pub async fn list(app: &App, ticket_id: &huduma_domain::TicketId) -> ServiceResult<Vec<FileRow>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::files(&mut conn, ticket_id).await?)
}

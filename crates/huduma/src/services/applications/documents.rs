//! Supporting documents: the rule each requirement sets, the checks an upload passes
//! (size, type by content, structure, virus scan), storage, replacement and download.
//!
//! Order matters for "nothing is ever half-stored": the file is written to the object
//! store first under a fresh key, then the row that references it is committed. If the
//! commit fails the new file is deleted; a file replaced by a newer upload is released
//! for deletion inside the same transaction. A reference never points at a missing or
//! partial file.

use super::{Loaded, ServiceError, ServiceResult, load};
use crate::app::App;
use crate::services::FieldError;
use crate::services::sessions::Authenticated;
use crate::store::applications as applications_store;
use crate::store::documents::{self as store, DocumentRow};
use huduma_domain::application::Status;
use huduma_domain::application::progress;
use huduma_domain::catalogue::definition::Document;
use huduma_domain::{ApplicationId, DocumentId};
use huduma_uploads::{FileKind, Rejection, Rule};
use object_store::ObjectStoreExt;

/// Bytes in a megabyte as the catalogue counts them.
const MB: f64 = 1_048_576.0;

/// A requirement as asked now (its condition holds), with its upload rule.
pub fn requirement<'a>(loaded: &'a Loaded, code: &str) -> ServiceResult<(&'a Document, Rule)> {
    let document =
        progress::documents(&loaded.service, &loaded.answers).find(|d| d.code.get_ref() == code).ok_or(ServiceError::NotFound)?;
    Ok((document, rule(document)))
}

/// The upload rule of a requirement: its types and size limit.
pub fn rule(document: &Document) -> Rule {
    let allowed = document.types.iter().filter_map(|t| FileKind::parse(t.get_ref()).ok()).collect();
    let max_mb = document.max_size_mb.as_ref().map_or(2.0, |m| *m.get_ref());
    // Catalogue limits are small positive numbers of MB (checked at import).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let max_bytes = (max_mb * MB) as u64;
    Rule { allowed, max_bytes }
}

/// The field error for a refused file. A list of file types is joined with
/// [`crate::services::error::OR`], which the web layer words ("PDF, JPEG or PNG").
pub fn refused(requirement: &str, rejection: &Rejection) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new(
        requirement.to_owned(),
        rejection.code(),
        rejection.args_joined_with(crate::services::error::OR),
    )])
}

/// Checks, scans and stores an upload for one requirement of a draft, replacing any
/// earlier file for it. `bytes` was read under [`rule`]'s limit by the caller.
pub async fn upload(
    app: &App,
    me: &Authenticated,
    id: &ApplicationId,
    code: &str,
    claimed_name: &str,
    bytes: Vec<u8>,
) -> ServiceResult<DocumentRow> {
    let loaded = load(app, me, id).await?;
    if !super::documents_changeable(&loaded) {
        return Err(ServiceError::field("form", "application.not_draft"));
    }
    let (_, rule) = requirement(&loaded, code)?;
    let accepted = crate::services::files::accept(app, code, bytes, rule).await.inspect_err(|_| {
        tracing::info!(application = %id, requirement = %code, "upload refused");
    })?;
    let document_id: DocumentId = crate::store::new_id();
    let key = format!("applications/{id}/{document_id}");
    let path = object_store::path::Path::from(key.as_str());
    let size = i64::try_from(accepted.bytes.len()).map_err(anyhow::Error::from)?;
    app.blobs.put(&path, accepted.bytes.into()).await?;
    let row = DocumentRow {
        id: document_id,
        application_id: id.clone(),
        requirement: code.to_owned(),
        blob_key: key,
        file_name: huduma_uploads::safe_file_name(claimed_name, accepted.kind),
        content_type: accepted.kind.content_type().to_owned(),
        size,
        sha256: accepted.sha256,
        uploaded_at: app.clock.now(),
    };
    match record(app, me, &row, &loaded.row.status).await {
        Ok(()) => Ok(row),
        Err(err) => {
            // Not referenced by anything: remove it now rather than leave an orphan.
            let _ = app.blobs.delete(&path).await;
            Err(err)
        }
    }
}

async fn record(app: &App, me: &Authenticated, row: &DocumentRow, status: &Status) -> ServiceResult<()> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    // A draft's expiry moves on; a correction asked for by the agency needs the
    // application to still be with the applicant.
    let still = if status.is_draft() {
        applications_store::touch_draft(&mut tx, &me.account.id, &row.application_id, now, now + app.config.draft_lifetime_secs).await?
    } else {
        applications_store::find_owned(&mut tx, &me.account.id, &row.application_id).await?.is_some_and(|a| &a.status == status)
    };
    if !still {
        return Err(ServiceError::field("form", "application.not_draft"));
    }
    if let Some(old) = store::put(&mut tx, row).await? {
        store::release_blobs(&mut tx, &[old], now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One of the person's documents and its bytes, for download.
pub async fn download(
    app: &App,
    me: &Authenticated,
    application_id: &ApplicationId,
    document_id: &DocumentId,
) -> ServiceResult<(DocumentRow, bytes::Bytes)> {
    let mut conn = app.db.pool().acquire().await?;
    let row = store::find_owned(&mut conn, &me.account.id, application_id, document_id).await?.ok_or(ServiceError::NotFound)?;
    drop(conn);
    let path = object_store::path::Path::from(row.blob_key.as_str());
    let bytes = app.blobs.get(&path).await?.bytes().await?;
    Ok((row, bytes))
}

/// Deletes stored files released by replaced documents and deleted drafts.
pub async fn delete_released(app: &App) -> anyhow::Result<u64> {
    let mut conn = app.db.pool().acquire().await?;
    let keys = store::pending_deletions(&mut conn, 500).await?;
    let mut deleted = 0;
    for key in keys {
        match app.blobs.delete(&object_store::path::Path::from(key.as_str())).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                store::deletion_done(&mut conn, &key).await?;
                deleted += 1;
            }
            Err(err) => tracing::warn!(error = %err, key = %key, "could not delete a released file; will retry"),
        }
    }
    Ok(deleted)
}

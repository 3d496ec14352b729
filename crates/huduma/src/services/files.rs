//! Checking an uploaded file before it is stored, the same way wherever citizens upload:
//! type from the bytes, structure, re-encoding of images (off the async threads, one per
//! core), then the virus scan when clamd is configured (failing closed).

use super::ServiceResult;
use crate::app::App;
use huduma_uploads::{Accepted, Rejection, Rule};
use std::time::Duration;

/// How long a virus scan may take before the upload is refused (fail closed).
const SCAN_TIMEOUT: Duration = Duration::from_secs(30);

/// Inspects and scans `bytes` under `rule`; a refusal is a field error on `field`.
pub async fn accept(app: &App, field: &str, bytes: Vec<u8>, rule: Rule) -> ServiceResult<Accepted> {
    // Decoding and re-encoding images is CPU work (a 40-megapixel photo takes most of a
    // second and 250 MB): keep it off the async threads, and at most one per core.
    let permit = app.upload_checks.acquire().await.map_err(anyhow::Error::from)?;
    let inspected = tokio::task::spawn_blocking(move || huduma_uploads::inspect(bytes, &rule)).await.map_err(anyhow::Error::from)?;
    drop(permit);
    let accepted = inspected.map_err(|r| super::applications::documents::refused(field, &r))?;
    if let Some(address) = &app.config.clamd_address {
        match huduma_uploads::clamd::scan(address, &accepted.bytes, SCAN_TIMEOUT).await {
            Ok(verdict) => verdict.into_result().map_err(|r| {
                tracing::warn!(field = %field, rejection = ?r, "upload refused by the virus scan");
                super::applications::documents::refused(field, &r)
            })?,
            Err(err) => {
                tracing::error!(error = %err, "virus scan unavailable; upload refused");
                return Err(super::applications::documents::refused(field, &Rejection::ScanUnavailable));
            }
        }
    }
    Ok(accepted)
}

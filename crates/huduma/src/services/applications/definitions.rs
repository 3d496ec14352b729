//! Service definitions at the version an application was started on. A catalogue import
//! never changes the form under a citizen's feet: each application reads its own version
//! from `service_versions`, parsed once and kept in memory.

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::store::catalogue as store;
use huduma_domain::catalogue::Service;
use std::sync::Arc;

/// The definition of `code` at `version`.
pub async fn service(app: &App, code: &str, version: i64, agency: &str) -> ServiceResult<Arc<Service>> {
    let key = (code.to_owned(), version);
    if let Some(found) = app.service_versions.lock().ok().and_then(|cache| cache.get(&key).cloned()) {
        return Ok(found);
    }
    let mut conn = app.db.pool().acquire().await?;
    service_with(&mut conn, app, code, version, agency).await
}

/// [`service`] reading through the caller's connection (inside a transaction, where
/// asking the pool for a second connection could wait on itself).
pub async fn service_with(conn: &mut crate::store::Conn, app: &App, code: &str, version: i64, agency: &str) -> ServiceResult<Arc<Service>> {
    let key = (code.to_owned(), version);
    if let Some(found) = app.service_versions.lock().ok().and_then(|cache| cache.get(&key).cloned()) {
        return Ok(found);
    }
    let source = store::version_source(conn, code, version).await?.ok_or(ServiceError::NotFound)?;
    // The text was checked in full when it was imported; here it only needs parsing.
    let mut service: Service = toml::from_str(&source).map_err(|e| anyhow::anyhow!("stored version {version} of {code}: {e}"))?;
    service.agency = agency.to_owned();
    let service = Arc::new(service);
    if let Ok(mut cache) = app.service_versions.lock() {
        cache.insert(key, service.clone());
    }
    Ok(service)
}

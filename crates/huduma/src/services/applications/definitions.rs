//! Service definitions at the version an application was started on. A catalogue import
//! never changes the form under a citizen's feet: each application reads its own version
//! from `service_versions`, parsed once and kept in a bounded cache (the live catalogue
//! keeps only an entry per service; see `live_catalogue`).

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::store::catalogue as store;
use huduma_domain::catalogue::Service;
use std::sync::Arc;

/// Definitions a node keeps parsed: the services in use at any time are far fewer than the
/// real portal's 22,500, and each takes tens of kilobytes.
pub const CACHED_DEFINITIONS: usize = 1_000;

/// The parsed definitions most recently used, by service code and version.
pub type Cache = std::sync::Mutex<hashlink::LruCache<(String, i64), Arc<Service>>>;

/// An empty cache of [`CACHED_DEFINITIONS`].
pub fn cache() -> Cache {
    std::sync::Mutex::new(hashlink::LruCache::new(CACHED_DEFINITIONS))
}

fn cached(app: &App, key: &(String, i64)) -> Option<Arc<Service>> {
    app.service_versions.lock().ok().and_then(|mut cache| cache.get(key).cloned())
}

/// The definition of `code` at `version`.
pub async fn service(app: &App, code: &str, version: i64, agency: &str) -> ServiceResult<Arc<Service>> {
    if let Some(found) = cached(app, &(code.to_owned(), version)) {
        return Ok(found);
    }
    let mut conn = app.db.pool().acquire().await?;
    service_with(&mut conn, app, code, version, agency).await
}

/// The definition the live catalogue serves for `code` (its service page, a new
/// application); not found when the live catalogue has no such service.
pub async fn current(app: &App, code: &str) -> ServiceResult<Arc<Service>> {
    let live = app.catalogue();
    let entry = live.catalogue.service(code).ok_or(ServiceError::NotFound)?;
    let version = *live.versions.get(code).ok_or(ServiceError::NotFound)?;
    service(app, code, version, &entry.agency).await
}

/// [`service`] reading through the caller's connection (inside a transaction, where
/// asking the pool for a second connection could wait on itself).
pub async fn service_with(conn: &mut crate::store::Conn, app: &App, code: &str, version: i64, agency: &str) -> ServiceResult<Arc<Service>> {
    let key = (code.to_owned(), version);
    if let Some(found) = cached(app, &key) {
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

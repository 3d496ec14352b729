//! Service definitions at the version an application was started on. A catalogue import
//! never changes the form under a citizen's feet: each application reads its own version
//! from `service_versions`, parsed once and kept in a bounded cache (the live catalogue
//! keeps only an entry per service; see `live_catalogue`).

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::store::catalogue as store;
use huduma_domain::catalogue::Service;
use std::sync::Arc;

/// Services whose definitions a node keeps parsed: the services in use at any time are far
/// fewer than the real portal's 22,500, and each definition takes tens of kilobytes.
pub const CACHED_DEFINITIONS: usize = 256;

/// Versions of one service kept parsed (the oldest goes first).
const VERSIONS_PER_SERVICE: usize = 4;

/// The parsed definitions of the services most recently used: by service code (looked up
/// without allocating), then version (a service has one or two versions in use).
pub type Cache = std::sync::Mutex<hashlink::LruCache<String, Vec<(i64, Arc<Service>)>>>;

/// An empty cache of [`CACHED_DEFINITIONS`].
pub fn cache() -> Cache {
    std::sync::Mutex::new(hashlink::LruCache::new(CACHED_DEFINITIONS))
}

fn cached(app: &App, code: &str, version: i64) -> Option<Arc<Service>> {
    let mut cache = app.service_versions.lock().ok()?;
    cache.get(code)?.iter().find(|(v, _)| *v == version).map(|(_, service)| service.clone())
}

/// The definition of `code` at `version`.
pub async fn service(app: &App, code: &str, version: i64, agency: &str) -> ServiceResult<Arc<Service>> {
    if let Some(found) = cached(app, code, version) {
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
    if let Some(found) = cached(app, code, version) {
        return Ok(found);
    }
    let source = store::version_source(conn, code, version).await?.ok_or(ServiceError::NotFound)?;
    // The text was checked in full when it was imported; here it only needs parsing.
    let mut service: Service = toml::from_str(&source).map_err(|e| anyhow::anyhow!("stored version {version} of {code}: {e}"))?;
    service.agency = agency.to_owned();
    let service = Arc::new(service);
    if let Ok(mut cache) = app.service_versions.lock() {
        match cache.get_mut(code) {
            Some(versions) if !versions.iter().any(|(v, _)| *v == version) => {
                if versions.len() == VERSIONS_PER_SERVICE {
                    versions.remove(0);
                }
                versions.push((version, service.clone()));
            }
            Some(_) => {}
            None => {
                cache.insert(code.to_owned(), vec![(version, service.clone())]);
            }
        }
    }
    Ok(service)
}

//! Public tracking: a reference number plus the applicant's ID or passport number shows
//! the status and nothing else. An unknown reference and someone else's look the same,
//! and look-ups are rate-limited per client address.

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::services::Requester;
use crate::services::rate_limit;
use crate::store::applications as store;
use huduma_domain::catalogue::Service;
use huduma_domain::reference::{Kind, Reference};
use std::sync::Arc;

/// What the public sees.
#[derive(Debug, Clone)]
pub struct Tracked {
    /// Reference, grouped for reading.
    pub reference: String,
    /// The service's definition the application was made under (its name and its states'
    /// labels, for the caller to word).
    pub service: Arc<Service>,
    /// The stored status.
    pub status: huduma_domain::application::Status,
    /// Submission time.
    pub submitted_at: Option<i64>,
    /// Last change.
    pub updated_at: i64,
}

/// Looks an application up by reference and document number.
pub async fn track(app: &App, who: &Requester, reference: &str, document_number: &str) -> ServiceResult<Tracked> {
    rate_limit::hit(app, rate_limit::TRACK_PER_IP, &who.ip).await?;
    let reference = Reference::parse(Kind::Application, reference).map_err(|e| ServiceError::field("reference", e.code))?;
    let number: String = document_number.chars().filter(|c| c.is_ascii_alphanumeric()).flat_map(|c| c.to_uppercase()).collect();
    if number.is_empty() {
        return Err(ServiceError::field("document_number", "track.document_required"));
    }
    let mut conn = app.db.pool().acquire().await?;
    let found = store::track(&mut conn, reference.as_str(), &number).await?.ok_or(ServiceError::NotFound)?;
    drop(conn);
    let service = super::definitions::service(app, &found.service_code, found.service_version, &found.agency).await?;
    Ok(Tracked {
        reference: reference.display(),
        service,
        status: found.status,
        submitted_at: found.submitted_at,
        updated_at: found.updated_at,
    })
}

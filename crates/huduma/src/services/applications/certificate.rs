//! The certificate issued for an application, as its owner downloads it.

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::services::sessions::Authenticated;
use crate::store::certificates::CertificateRow;

/// The application's issued certificate, for its owner (printed by the web layer).
pub async fn certificate(app: &App, me: &Authenticated, id: &huduma_domain::ApplicationId) -> ServiceResult<CertificateRow> {
    let mut conn = app.db.pool().acquire().await?;
    crate::store::certificates::for_owner(&mut conn, id, &me.account.id).await?.ok_or(ServiceError::NotFound)
}

/// The serial of the application's certificate, if one was issued (owner only).
pub async fn certificate_serial(app: &App, me: &Authenticated, id: &huduma_domain::ApplicationId) -> ServiceResult<Option<String>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(crate::store::certificates::for_owner(&mut conn, id, &me.account.id).await?.map(|c| c.serial))
}

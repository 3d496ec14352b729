//! The certificate issued for an application, as its owner downloads it.

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::services::sessions::Authenticated;

/// The application's certificate as a PDF, for its owner.
pub async fn certificate_pdf(
    app: &App,
    me: &Authenticated,
    id: &huduma_domain::ApplicationId,
    language: huduma_domain::Language,
) -> ServiceResult<(String, Vec<u8>)> {
    let mut conn = app.db.pool().acquire().await?;
    let certificate = crate::store::certificates::for_owner(&mut conn, id, &me.account.id).await?.ok_or(ServiceError::NotFound)?;
    drop(conn);
    let pdf = crate::services::back_office::certificates::pdf(app, &certificate, language)?;
    Ok((certificate.serial, pdf))
}

/// The serial of the application's certificate, if one was issued (owner only).
pub async fn certificate_serial(app: &App, me: &Authenticated, id: &huduma_domain::ApplicationId) -> ServiceResult<Option<String>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(crate::store::certificates::for_owner(&mut conn, id, &me.account.id).await?.map(|c| c.serial))
}

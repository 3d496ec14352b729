//! The officers of an agency as other staff pages show them: assignees, filters.

use crate::app::App;
use crate::services::ServiceResult;
use crate::store::staff::{self as store, StaffRow};

/// Staff of one agency, or of every agency for `None`, by name.
pub async fn of_agency(app: &App, agency: Option<&str>) -> ServiceResult<Vec<StaffRow>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::list(&mut conn, agency).await?)
}

/// A staff member's name, when the id names one.
pub async fn name_of(app: &App, id: &huduma_domain::StaffId) -> ServiceResult<Option<String>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::by_id(&mut conn, id).await?.map(|m| m.name))
}

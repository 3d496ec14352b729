//! An application's timeline, for its owner's page and the API.

use super::Loaded;
use crate::app::App;
use crate::services::ServiceResult;
use crate::store::applications::{self as store, EventRow};

/// The timeline of an application its owner has loaded (so access is already checked).
pub async fn events(app: &App, loaded: &Loaded) -> ServiceResult<Vec<EventRow>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::events(&mut conn, &loaded.row.id).await?)
}

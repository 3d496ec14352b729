//! A request that failed while the database is down is told so: 503 with a sentence
//! saying to try again in a minute and `Retry-After`, not the 500 "something went wrong"
//! of a bug. A use case's error is recognised where it is mapped
//! ([`crate::services::error::is_database_outage`]); this layer catches the rest (an
//! extractor that could not load the session, say): for any 500 it asks the database
//! itself (one ping, at most a second) before it says "database", so a bug is never
//! dressed up as an outage.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

use super::api::error::ApiError;
use super::error_code::ErrorCode;
use super::page_error::PageError;
use crate::app::App;

/// The stable code of the refusal.
pub const CODE: &str = "service.database_unavailable";
/// The wait asked for: PostgreSQL restarts or fails over in well under a minute.
pub const RETRY_AFTER_SECS: i64 = 30;
/// How long the check may take: the database answers a ping in milliseconds when it is up.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// Turns a 500 into the database outage it was, when the database does not answer.
pub async fn layer(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let language = super::api::language_of(request.headers());
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || database_answers(&app).await {
        return response;
    }
    tracing::error!("the database does not answer; the request was refused with 503");
    if response.extensions().get::<ApiError>().is_some() {
        ApiError::unavailable(ErrorCode::ServiceDatabaseUnavailable, RETRY_AFTER_SECS).into_response_in(language)
    } else {
        PageError::unavailable(CODE, RETRY_AFTER_SECS).into_response()
    }
}

async fn database_answers(app: &App) -> bool {
    matches!(tokio::time::timeout(PING_TIMEOUT, app.db.ping()).await, Ok(Ok(())))
}

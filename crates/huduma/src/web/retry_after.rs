//! Every rate-limited answer is a 429 with `Retry-After`, however deep in a page the limit
//! was met: the code that words the refusal notes the wait here, and this layer puts it
//! on the response. A 503 for something down for a while (the document store) carries
//! the wait its wording noted the same way.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::cell::Cell;

tokio::task_local! {
    static WAIT: Cell<Option<i64>>;
}

/// Remembers that this request was refused for `seconds` (the longest wait wins).
pub fn note(seconds: i64) {
    let _ = WAIT.try_with(|wait| wait.set(Some(wait.get().map_or(seconds, |w| w.max(seconds)))));
}

/// Adds `Retry-After` to a 429 that does not carry one yet, and to a 503 whose cause
/// noted a wait.
pub async fn layer(request: Request, next: Next) -> Response {
    WAIT.scope(Cell::new(None), async move {
        let mut response = next.run(request).await;
        if !response.headers().contains_key(header::RETRY_AFTER) {
            let noted = WAIT.try_with(Cell::get).ok().flatten();
            let seconds = match response.status() {
                StatusCode::TOO_MANY_REQUESTS => Some(noted.unwrap_or(60)),
                StatusCode::SERVICE_UNAVAILABLE => noted,
                _ => None,
            };
            if let Some(seconds) = seconds {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            }
        }
        response
    })
    .await
}

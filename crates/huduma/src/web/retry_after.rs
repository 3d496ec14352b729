//! Every rate-limited answer is a 429 with `Retry-After`, however deep in a page the limit
//! was met: the code that words the refusal notes the wait here, and this layer puts it
//! on the response.

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

/// Adds `Retry-After` to a 429 that does not carry one yet.
pub async fn layer(request: Request, next: Next) -> Response {
    WAIT.scope(Cell::new(None), async move {
        let mut response = next.run(request).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS && !response.headers().contains_key(header::RETRY_AFTER) {
            let seconds = WAIT.try_with(Cell::get).ok().flatten().unwrap_or(60).max(1);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    })
    .await
}

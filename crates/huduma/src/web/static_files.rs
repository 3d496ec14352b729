//! The stylesheet, the progressive-enhancement script and the icon, compiled into the binary: no CDN, nothing else to deploy.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../../assets/static/huduma.css");
const FAVICON: &str = include_str!("../../assets/static/favicon.svg");
const STAFF_CSS: &str = include_str!("../../assets/static/staff.css");
const SCRIPT: &str = include_str!("../../assets/static/huduma.js");

/// `GET /static/{file}`
pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "huduma.css" => (CSS, "text/css; charset=utf-8"),
        "staff.css" => (STAFF_CSS, "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        "huduma.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

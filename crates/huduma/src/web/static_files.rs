//! The stylesheet, the progressive-enhancement script and the icon, compiled into the binary: no CDN, nothing else to deploy.
//! The theme's colours (`theme.css`) and emblem (`emblem.svg`) come from the theme loaded at start-up.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use crate::app::App;

const CSS: &str = include_str!("../../assets/static/huduma.css");
const FAVICON: &str = include_str!("../../assets/static/favicon.svg");
const STAFF_CSS: &str = include_str!("../../assets/static/staff.css");
const SCRIPT: &str = include_str!("../../assets/static/huduma.js");

/// `GET /static/{file}`
pub async fn serve(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "huduma.css" => (CSS.to_owned(), "text/css; charset=utf-8"),
        "theme.css" => (app.theme.css.clone(), "text/css; charset=utf-8"),
        "emblem.svg" => (app.theme.emblem_svg.clone(), "image/svg+xml"),
        "staff.css" => (STAFF_CSS.to_owned(), "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON.to_owned(), "image/svg+xml"),
        "huduma.js" => (SCRIPT.to_owned(), "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

//! The home page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use crate::web::context::Ctx;
use crate::web::render::{Page, html};

#[derive(Template)]
#[template(path = "home.html")]
struct HomeTemplate<'a> {
    page: Page<'a>,
}

/// `GET /`
pub async fn show(ctx: Ctx) -> Response {
    html(StatusCode::OK, &HomeTemplate { page: ctx.page("home.title") })
}

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
    popular: Vec<super::catalogue::Card>,
    categories: Vec<(String, String)>,
}

/// `GET /`
pub async fn show(ctx: Ctx) -> Response {
    let (popular, categories) = super::catalogue::home_lists(&ctx);
    html(StatusCode::OK, &HomeTemplate { page: ctx.page("home.title"), popular, categories })
}

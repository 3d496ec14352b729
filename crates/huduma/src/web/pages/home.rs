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
    popular: &'a [super::catalogue::Card],
    categories: &'a [(String, String)],
}

/// `GET /`
pub async fn show(ctx: Ctx) -> Response {
    // Both lists are built once per catalogue and language; the page only borrows them.
    let live = ctx.app.catalogue();
    let template =
        HomeTemplate { page: ctx.page("home.title"), popular: live.popular(ctx.language), categories: live.category_names(ctx.language) };
    html(StatusCode::OK, &template)
}

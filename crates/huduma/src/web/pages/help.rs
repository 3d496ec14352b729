//! The help centre (anyone, no sign-in): `GET /help` (topics and search), `GET
//! /help/search?q=`, `GET /help/{slug}` (an article in the page's language) and `GET
//! /help/contact` (the helpdesk and every agency's contacts from the catalogue).

use crate::services::help::render;
use crate::web::context::Ctx;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{Page, html};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use huduma_domain::help::TOPICS;
use serde::Deserialize;

/// An article in a list.
pub struct ArticleLink {
    /// Path.
    pub href: String,
    pub title: String,
    /// One line.
    pub summary: String,
}

/// A topic with its articles.
pub struct TopicView {
    pub title: String,
    pub articles: Vec<ArticleLink>,
}

#[derive(Template)]
#[template(path = "help.html")]
struct HelpTemplate<'a> {
    page: Page<'a>,
    query: String,
    searched: bool,
    results: Vec<ArticleLink>,
    topics: Vec<TopicView>,
}

fn link(a: &huduma_domain::help::Article) -> ArticleLink {
    ArticleLink { href: format!("/help/{}", a.slug), title: a.title.clone(), summary: a.summary.clone() }
}

/// `GET /help`
pub async fn index(ctx: Ctx) -> Response {
    let tr = ctx.tr();
    let topics = TOPICS
        .iter()
        .map(|t| TopicView {
            title: tr.t(&format!("help.topic.{t}")).to_owned(),
            articles: ctx.app.help.topic(t, ctx.language).into_iter().map(link).collect(),
        })
        .collect();
    html(
        StatusCode::OK,
        &HelpTemplate { page: ctx.page("help.heading"), query: String::new(), searched: false, results: Vec::new(), topics },
    )
}

/// The search box.
#[derive(Debug, Default, Deserialize)]
pub struct HelpQuery {
    #[serde(default)]
    q: String,
}

/// `GET /help/search?q=`
pub async fn search(ctx: Ctx, Query(q): Query<HelpQuery>) -> Response {
    let query: String = q.q.chars().take(200).collect();
    let results = ctx.app.help.search(&query, 10).iter().filter_map(|slug| ctx.app.help.article(slug, ctx.language)).map(link).collect();
    html(StatusCode::OK, &HelpTemplate { page: ctx.page("help.heading"), query, searched: true, results, topics: Vec::new() })
}

#[derive(Template)]
#[template(path = "help_article.html")]
struct ArticleTemplate<'a> {
    page: Page<'a>,
    title: String,
    topic: String,
    body: String,
    related: Vec<ArticleLink>,
}

/// `GET /help/{slug}`
pub async fn article(ctx: Ctx, Path(slug): Path<String>) -> PageResult {
    let a = ctx.app.help.article(&slug, ctx.language).ok_or_else(PageError::not_found)?;
    let related = ctx.app.help.topic(&a.topic, ctx.language).into_iter().filter(|r| r.slug != a.slug).take(5).map(link).collect();
    let template = ArticleTemplate {
        page: Page { title: a.title.clone(), ..ctx.page("help.heading") },
        title: a.title.clone(),
        topic: ctx.tr().t(&format!("help.topic.{}", a.topic)).to_owned(),
        body: render(&a.body),
        related,
    };
    Ok(html(StatusCode::OK, &template))
}

/// An agency's contacts.
pub struct AgencyContact {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    /// Offices with hours.
    pub offices: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "help_contact.html")]
struct ContactTemplate<'a> {
    page: Page<'a>,
    agencies: Vec<AgencyContact>,
}

/// `GET /help/contact`
pub async fn contact(ctx: Ctx) -> Response {
    let live = ctx.app.catalogue();
    let language = ctx.language;
    let mut agencies: Vec<AgencyContact> = live
        .catalogue
        .agencies
        .iter()
        .map(|a| AgencyContact {
            name: a.name.get_ref().get(language).to_owned(),
            phone: a.phone.clone().unwrap_or_default(),
            email: a.email.clone().unwrap_or_default(),
            website: a.website.clone().filter(|w| w.starts_with("https://")).unwrap_or_default(),
            offices: a
                .offices
                .iter()
                .map(|o| (o.name.get_ref().get(language).to_owned(), o.hours.get_ref().get(language).to_owned()))
                .collect(),
        })
        .collect();
    agencies.sort_by(|a, b| a.name.cmp(&b.name));
    html(StatusCode::OK, &ContactTemplate { page: ctx.page("help.contact_heading"), agencies })
}

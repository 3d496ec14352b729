//! The public status page (`GET /status`, and `GET /status.json` for machines): whether
//! each outside system the portal depends on works now, and the incidents of the last
//! seven days. Anyone may read it, signed in or not.

use crate::clock::format_nairobi_in;
use crate::services::status::{self, Component};
use crate::web::context::Ctx;
use crate::web::page_error::PageResult;
use crate::web::render::{Page, html};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use huduma_domain::Health;
use std::sync::Arc;

/// A component's row.
pub struct Row {
    pub name: String,
    /// `up`, `degraded`, `down` or `unknown` (not checked yet): the badge's class.
    pub state: &'static str,
    pub state_text: String,
    pub checked: String,
}

/// An incident's line.
pub struct IncidentLine {
    pub name: String,
    pub state_text: String,
    pub from: String,
    pub until: String,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusTemplate<'a> {
    page: Page<'a>,
    rows: Vec<Row>,
    incidents: Vec<IncidentLine>,
}

fn state_text(ctx: &Ctx, health: Option<Health>) -> String {
    let key = health.map_or("status.state.unknown", |h| match h {
        Health::Up => "status.state.up",
        Health::Degraded => "status.state.degraded",
        Health::Down => "status.state.down",
    });
    ctx.tr().t(key).to_owned()
}

fn name(ctx: &Ctx, component: Component) -> String {
    ctx.tr().t(&format!("status.component.{}", component.code())).to_owned()
}

/// `GET /status`
pub async fn show(ctx: Ctx) -> PageResult {
    let report = status::report(&ctx.app).await?;
    let rows = report
        .components
        .iter()
        .map(|(component, latest)| Row {
            name: name(&ctx, *component),
            state: latest.as_ref().map_or("unknown", |l| l.health.as_str()),
            state_text: state_text(&ctx, latest.as_ref().map(|l| l.health)),
            checked: latest
                .as_ref()
                .map_or_else(String::new, |l| ctx.tr().f("status.checked", &[("time", &format_nairobi_in(l.checked_at, ctx.language))])),
        })
        .collect();
    let incidents = report
        .incidents
        .iter()
        .map(|i| IncidentLine {
            name: name(&ctx, i.component),
            state_text: state_text(&ctx, Some(i.health)),
            from: format_nairobi_in(i.started_at, ctx.language),
            until: i.ended_at.map_or_else(|| ctx.tr().t("status.ongoing").to_owned(), |at| format_nairobi_in(at, ctx.language)),
        })
        .collect();
    Ok(html(StatusCode::OK, &StatusTemplate { page: ctx.page("status.title"), rows, incidents }))
}

/// `GET /status.json`: the same, for monitoring systems and agency dashboards. What a
/// check saw (`detail`: error texts naming internal hosts and buckets) stays in the
/// database and the logs, for operators, and is never published.
pub async fn json(State(app): State<Arc<crate::app::App>>) -> PageResult {
    let report = status::report(&app).await?;
    let components: Vec<_> = report
        .components
        .iter()
        .map(|(component, latest)| {
            serde_json::json!({
                "component": component.code(),
                "state": latest.as_ref().map_or("unknown", |l| l.health.as_str()),
                "checked_at": latest.as_ref().map(|l| l.checked_at),
            })
        })
        .collect();
    let incidents: Vec<_> = report
        .incidents
        .iter()
        .map(|i| {
            serde_json::json!({
                "component": i.component.code(),
                "state": i.health.as_str(),
                "started_at": i.started_at,
                "ended_at": i.ended_at,
            })
        })
        .collect();
    let body = serde_json::json!({ "components": components, "incidents": incidents, "incident_days": status::INCIDENT_DAYS });
    Ok(Json(body).into_response())
}

/// Whether M-Pesa's latest check found it down, for the pay page's warning. A status that
/// cannot be read says nothing (the page itself still works).
pub async fn mpesa_down(app: &crate::app::App) -> bool {
    matches!(status::health_of(app, Component::Mpesa).await, Ok(Some(Health::Down)))
}

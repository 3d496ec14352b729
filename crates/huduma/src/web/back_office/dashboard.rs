//! `GET /staff/dashboard`: the agency's figures per service over a chosen period.

use crate::web::access::{Staff, Supervisor};
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use huduma_domain::Date;
use serde::Deserialize;

use super::context::{StaffBar, StaffCtx};
use crate::services::back_office::dashboard;
use crate::web::page_error::PageResult;
use crate::web::render::{Page, html};

/// Period, Nairobi dates, `to` inclusive.
#[derive(Debug, Default, Deserialize)]
pub struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

struct LineView {
    service: String,
    received: i64,
    in_progress: i64,
    completed: i64,
    overdue: i64,
    median_days: String,
    revenue: String,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    from: String,
    to: String,
    lines: Vec<LineView>,
}

/// Unix seconds of Nairobi midnight starting `date`.
fn midnight(date: Date) -> i64 {
    date.to_unix_days() * 86_400 - 3 * 3600
}

/// `GET /staff/dashboard` — agency admins and supervisors.
pub async fn show(Staff(ref me, _): Supervisor, s: StaffCtx, Query(period): Query<Period>) -> PageResult {
    let app = &s.ctx.app;
    let today = app.clock.today_in_nairobi();
    let to = Date::parse(&period.to).unwrap_or(today);
    let from = Date::parse(&period.from).ok().filter(|f| *f <= to).unwrap_or_else(|| to.add_days(-29));
    let lines = dashboard::figures(app, me, midnight(from), midnight(to.add_days(1))).await?;
    let live = app.catalogue();
    let lines = lines
        .into_iter()
        .map(|l| LineView {
            service: live.catalogue.service(&l.service).map_or(l.service.clone(), |svc| svc.name.get(s.ctx.language).to_owned()),
            received: l.figures.received,
            in_progress: l.figures.in_progress,
            completed: l.figures.completed,
            overdue: l.figures.overdue,
            median_days: l.median_secs.map(|secs| format!("{:.1}", secs as f64 / 86_400.0)).unwrap_or_default(),
            revenue: l
                .figures
                .revenue
                .iter()
                .map(|(currency, minor)| huduma_domain::Money { minor: *minor, currency: *currency }.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        &DashboardTemplate { page: s.page("staff.dashboard_title"), staff: s.bar(), from: from.to_string(), to: to.to_string(), lines },
    ))
}

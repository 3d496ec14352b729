//! `GET /staff/audit`: search the audit log. Platform admins see every entry; agency
//! admins see their agency's.

use crate::web::access::{Admin, Staff};
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use huduma_domain::workflow::StaffRole;
use serde::Deserialize;

use super::context::{StaffBar, StaffCtx};
use crate::clock::format_nairobi_in;
use crate::store::audit::Search;
use crate::web::page_error::PageResult;
use crate::web::render::{Page, html};

/// Search fields.
#[derive(Debug, Default, Deserialize)]
pub struct Query_ {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    before: i64,
}

struct EntryView {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    details: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    q: Query_,
    entries: Vec<EntryView>,
    older: Option<i64>,
}

const PAGE: i64 = 100;

/// `GET /staff/audit` — platform admins and agency admins.
pub async fn show(Staff(ref me, _): Admin, s: StaffCtx, Query(q): Query<Query_>) -> PageResult {
    // An agency admin searches their agency's entries; the platform admin every agency's.
    let agency = if me.role == StaffRole::PlatformAdmin { None } else { me.agency().map(str::to_owned) };
    let search = Search {
        agency,
        actor: q.actor.trim().to_owned(),
        subject: q.subject.trim().to_owned(),
        action: q.action.trim().to_owned(),
        before: q.before.max(0),
    };
    let app = &s.ctx.app;
    let rows = crate::services::audit::search(app, &search, PAGE).await?;
    let older = (rows.len() as i64 == PAGE).then(|| rows.last().map_or(0, |r| r.seq));
    let entries = rows
        .into_iter()
        .map(|r| EntryView {
            seq: r.seq,
            at: format_nairobi_in(r.at, s.ctx.language),
            actor: if r.actor_label.is_empty() { r.actor } else { format!("{} ({})", r.actor_label, r.actor) },
            action: r.action,
            subject: r.subject,
            details: r.details,
            ip: r.ip,
        })
        .collect();
    Ok(html(StatusCode::OK, &AuditTemplate { page: s.page("staff.audit_title"), staff: s.bar(), q, entries, older }))
}

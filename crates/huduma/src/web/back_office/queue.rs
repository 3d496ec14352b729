//! `GET /staff`: the agency's work queue, most urgent first, with filters by service,
//! state, county, SLA and assignee, and search by reference or applicant ID number.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use huduma_domain::reference::{Kind, Reference};
use serde::Deserialize;

use super::context::{StaffBar, StaffCtx};
use crate::clock::format_nairobi;
use crate::services::applications::{display_reference, status};
use crate::services::back_office::{actions, queue, sla};
use crate::store::queue::{Assignment, QueueFilter, SlaFilter};
use crate::web::render::{Page, form_failure, html};

/// Query string.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    service: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    county: String,
    #[serde(default)]
    sla: String,
    #[serde(default)]
    assigned: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

/// One line as shown.
struct Row {
    reference: String,
    stored_reference: String,
    service: String,
    status: String,
    county: String,
    due: String,
    standing: &'static str,
    assigned: String,
    escalated: bool,
    submitted: String,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueueTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    rows: Vec<Row>,
    services: Vec<(String, String)>,
    counties: Vec<&'static str>,
    f: Filters,
    next_page: Option<String>,
    previous_page: Option<String>,
    /// Actions that may be taken on many applications at once: (code, label).
    bulk: Vec<(String, String)>,
}

fn link(f: &Filters, page: i64) -> String {
    let pairs =
        [("service", &f.service), ("state", &f.state), ("county", &f.county), ("sla", &f.sla), ("assigned", &f.assigned), ("q", &f.q)];
    let mut query: Vec<(&str, String)> = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, (*v).clone())).collect();
    query.push(("page", page.to_string()));
    format!("/staff?{}", serde_urlencoded::to_string(query).unwrap_or_default())
}

/// `GET /staff` — agency staff who process applications.
pub async fn show(s: StaffCtx, Query(f): Query<Filters>) -> Response {
    let me = match s.require() {
        Ok(me) => me,
        Err(redirect) => return redirect,
    };
    let Some(agency) = me.agency().filter(|_| me.role.processes_applications()) else {
        return super::home_for(me);
    };
    let q = f.q.trim().to_ascii_uppercase().replace([' ', '-'], "");
    let (reference, document_number) = match Reference::parse(Kind::Application, &q) {
        Ok(r) => (r.as_str().to_owned(), String::new()),
        Err(_) => (String::new(), q),
    };
    let filter = QueueFilter {
        agency: String::new(),
        service: f.service.clone(),
        state: f.state.clone(),
        county: f.county.clone(),
        sla: match f.sla.as_str() {
            "due_soon" => SlaFilter::DueSoon,
            "overdue" => SlaFilter::Overdue,
            _ => SlaFilter::All,
        },
        assigned: match f.assigned.as_str() {
            "mine" => Assignment::To(me.row.id.clone()),
            "unassigned" => Assignment::Unassigned,
            _ => Assignment::Any,
        },
        reference,
        document_number,
    };
    let app = &s.ctx.app;
    let mut items = match queue::list(app, me, filter, f.page).await {
        Ok(items) => items,
        Err(err) => return form_failure(&s.ctx, err).err().unwrap_or_else(|| crate::web::render::internal_error(app, s.ctx.language)),
    };
    let more = items.len() as i64 > queue::PAGE;
    items.truncate(queue::PAGE as usize);
    let live = app.catalogue();
    let now = app.clock.now();
    let tr = s.ctx.tr();
    let due_soon_until = app.calendar.add_working_days(now, sla::DUE_SOON_DAYS);
    let mut rows = Vec::with_capacity(items.len());
    // A page shows a handful of services: look each definition up once.
    let mut definitions: std::collections::HashMap<(String, i64), Option<std::sync::Arc<huduma_domain::catalogue::Service>>> =
        std::collections::HashMap::new();
    for item in items {
        let key = (item.service_code.clone(), item.service_version);
        if !definitions.contains_key(&key) {
            let found =
                crate::services::applications::definitions::service(app, &item.service_code, item.service_version, agency).await.ok();
            definitions.insert(key.clone(), found);
        }
        let definition = definitions.get(&key).cloned().flatten().ok_or(());
        let (service, status) = match &definition {
            Ok(d) => (d.name.get_ref().get(s.ctx.language).to_owned(), status::label(d, &item.status, tr)),
            Err(_) => (item.service_code.clone(), item.status.clone()),
        };
        let standing = sla::standing_before(item.queue_due, now, due_soon_until);
        rows.push(Row {
            reference: display_reference(&item.reference),
            stored_reference: item.reference.clone(),
            service,
            status,
            county: item.county.unwrap_or_default(),
            due: if standing == sla::Standing::Paused { String::new() } else { format_nairobi(item.queue_due - 1) },
            standing: standing.code(),
            assigned: item.assigned_name.unwrap_or_default(),
            escalated: item.escalated,
            submitted: format_nairobi(item.submitted_at),
        });
    }
    let services = live
        .catalogue
        .services
        .iter()
        .filter(|svc| svc.agency == agency)
        .map(|svc| (svc.code.get_ref().clone(), svc.name.get_ref().get(s.ctx.language).to_owned()))
        .collect();
    let mut bulk: Vec<(String, String)> = Vec::new();
    for svc in live.catalogue.services.iter().filter(|svc| svc.agency == agency) {
        for a in svc.workflow.actions.iter().filter(|a| {
            actions::bulk_allowed(a.kind()) && huduma_domain::workflow::may_take(a, huduma_domain::workflow::Actor::Staff(me.role))
        }) {
            if !bulk.iter().any(|(code, _)| code == a.code.get_ref()) {
                bulk.push((a.code.get_ref().clone(), a.label.get_ref().get(s.ctx.language).to_owned()));
            }
        }
    }
    let next_page = more.then(|| link(&f, f.page + 1));
    let previous_page = (f.page > 0).then(|| link(&f, f.page - 1));
    let template = QueueTemplate {
        page: s.page("staff.queue_title"),
        staff: s.bar(),
        rows,
        services,
        counties: huduma_domain::county::COUNTIES.to_vec(),
        f,
        next_page,
        previous_page,
        bulk,
    };
    html(StatusCode::OK, &template)
}

#[derive(Template)]
#[template(path = "staff/bulk.html")]
struct BulkTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    outcomes: Vec<(String, String, String, bool)>,
}

/// `POST /staff/bulk` — agency staff: one action on the ticked applications (only actions
/// that need nothing typed; each application still checked by the workflow and the role).
pub async fn bulk(s: StaffCtx, crate::web::csrf::CsrfForm(form): crate::web::csrf::CsrfForm<Vec<(String, String)>>) -> Response {
    let me = match s.require() {
        Ok(me) => me,
        Err(redirect) => return redirect,
    };
    let action = form.iter().find(|(k, _)| k == "action").map(|(_, v)| v.clone()).unwrap_or_default();
    let references: Vec<String> = form.iter().filter(|(k, _)| k == "reference").map(|(_, v)| v.trim().to_ascii_uppercase()).collect();
    let app = &s.ctx.app;
    match actions::take_bulk(app, me, &s.ctx.requester.ip, &references, &action).await {
        Ok(outcomes) => {
            let tr = s.ctx.tr();
            let outcomes = outcomes
                .into_iter()
                .map(|(reference, code)| match code {
                    None => (display_reference(&reference), reference, tr.t("staff.bulk_done").to_owned(), true),
                    Some(code) => (display_reference(&reference), reference, tr.error(&code).to_owned(), false),
                })
                .collect();
            html(StatusCode::OK, &BulkTemplate { page: s.page("staff.bulk_title"), staff: s.bar(), outcomes })
        }
        Err(err) => form_failure(&s.ctx, err).map_or_else(
            |page| page,
            |(status, errors)| (status, errors.items().first().map(|(_, m)| m.clone()).unwrap_or_default()).into_response(),
        ),
    }
}

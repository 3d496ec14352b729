//! `GET /staff`: the agency's work queue, most urgent first, with filters by service,
//! state, county, SLA and assignee (each a list of what officers read, never internal
//! codes), and search by reference or applicant ID number. `POST /staff/bulk` takes one
//! step on the ticked applications in two requests: the first only says what would
//! happen (how many applications, moving where); the second, from that page, does it.

use crate::web::access::Staff;
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use huduma_domain::application::Status;
use huduma_domain::catalogue::Service;
use huduma_domain::catalogue::definition::ActionKind;
use huduma_domain::reference::{Kind, Reference};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

use super::context::{StaffBar, StaffCtx};
use crate::clock::format_nairobi_in;
use crate::i18n::words;
use crate::services::FieldError;
use crate::services::applications::display_reference;
use crate::services::back_office::{StaffMember, actions, queue, sla};
use crate::store::queue::{Assignment, QueueFilter, SlaFilter};
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, html};

/// Query string (also carried through the bulk forms, so the queue comes back as it was).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
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

impl Filters {
    /// The query string that shows this page of the queue again.
    fn query(&self, page: i64) -> String {
        let pairs = [
            ("service", &self.service),
            ("state", &self.state),
            ("county", &self.county),
            ("sla", &self.sla),
            ("assigned", &self.assigned),
            ("q", &self.q),
        ];
        let mut query: Vec<(&str, String)> = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, (*v).clone())).collect();
        if page > 0 {
            query.push(("page", page.to_string()));
        }
        serde_urlencoded::to_string(query).unwrap_or_default()
    }
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
    standing_label: String,
    assigned: String,
    escalated: bool,
    submitted: String,
    ticked: bool,
}

#[derive(Template)]
#[template(path = "staff/queue.html")]
struct QueueTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    errors: FormErrors,
    rows: Vec<Row>,
    services: Vec<(String, String)>,
    /// The workflow states an application in the queue can be in: (code, label).
    states: Vec<(String, String)>,
    counties: Vec<&'static str>,
    /// Active members of the agency who process applications: (id, name).
    members: Vec<(String, String)>,
    f: Filters,
    /// This page's query string, for the bulk form to come back to.
    back: String,
    next_page: Option<String>,
    previous_page: Option<String>,
    /// Actions that may be taken on many applications at once: (code, label).
    bulk: Vec<(String, String)>,
    /// The bulk action chosen before a refused submission.
    chosen: String,
}

/// The member's agency, if they work a queue.
fn queue_agency(me: &StaffMember) -> Option<&str> {
    me.agency().filter(|_| me.role.processes_applications())
}

/// The states of these services that an application in the queue can be in (paid, not
/// finished), in workflow order; a code two services label differently shows both labels.
fn queue_states<'a>(services: impl Iterator<Item = &'a Service>, language: huduma_domain::Language) -> Vec<(String, String)> {
    let mut states: Vec<(String, Vec<String>)> = Vec::new();
    for svc in services {
        for state in svc.workflow.states.iter().filter(|st| !st.is_final) {
            let label = state.label.get_ref().get(language).to_owned();
            match states.iter_mut().find(|(code, _)| code == state.code.get_ref()) {
                Some((_, labels)) if !labels.contains(&label) => labels.push(label),
                Some(_) => {}
                None => states.push((state.code.get_ref().clone(), vec![label])),
            }
        }
    }
    states.into_iter().map(|(code, labels)| (code, labels.join(" / "))).collect()
}

/// `GET /staff` — agency staff who process applications.
pub async fn show(Staff(ref me, _): Staff, s: StaffCtx, Query(f): Query<Filters>) -> PageResult {
    render(&s, me, f, FormErrors::default(), StatusCode::OK, &[], "").await
}

async fn render(
    s: &StaffCtx,
    me: &StaffMember,
    f: Filters,
    errors: FormErrors,
    status_code: StatusCode,
    ticked: &[String],
    chosen: &str,
) -> PageResult {
    let Some(agency) = queue_agency(me) else {
        return Ok(super::home_for(me));
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
            "" => Assignment::Any,
            "mine" => Assignment::To(me.row.id.to_string()),
            "unassigned" => Assignment::Unassigned,
            // The query names the agency, so another agency's member id finds nothing.
            id => Assignment::To(id.to_owned()),
        },
        reference,
        document_number,
    };
    let app = &s.ctx.app;
    let mut items = queue::list(app, me, filter, f.page).await?;
    let members = crate::services::back_office::members::of_agency(app, Some(agency))
        .await?
        .into_iter()
        .filter(|m| m.active && m.role.processes_applications())
        .map(|m| (m.id.to_string(), m.name))
        .collect();
    let more = items.len() as i64 > queue::PAGE;
    items.truncate(queue::PAGE as usize);
    let live = app.catalogue();
    let now = app.clock.now();
    let tr = s.ctx.tr();
    let language = s.ctx.language;
    let due_soon_until = app.calendar.add_working_days(now, sla::DUE_SOON_DAYS);
    let mut rows = Vec::with_capacity(items.len());
    // A page shows a handful of services: look each definition up once.
    let mut definitions: HashMap<(String, i64), Option<Arc<Service>>> = HashMap::new();
    for item in items {
        let key = (item.service_code.clone(), item.service_version);
        if !definitions.contains_key(&key) {
            let found =
                crate::services::applications::definitions::service(app, &item.service_code, item.service_version, agency).await.ok();
            definitions.insert(key.clone(), found);
        }
        let (service, status) = match definitions.get(&key).cloned().flatten() {
            Some(d) => (d.name.get_ref().get(language).to_owned(), words::status(&d, &item.status, tr)),
            // A withdrawn service version: the live definition still names its states.
            None => match crate::services::applications::definitions::current(app, &item.service_code).await {
                Ok(d) => (d.name.get_ref().get(language).to_owned(), words::status(&d, &item.status, tr)),
                Err(_) => (item.service_code.clone(), item.status.as_str().to_owned()),
            },
        };
        let standing = sla::standing_before(item.queue_due, now, due_soon_until);
        rows.push(Row {
            reference: display_reference(&item.reference),
            ticked: ticked.contains(&item.reference),
            stored_reference: item.reference.clone(),
            service,
            status,
            county: item.county.unwrap_or_default(),
            due: if standing == sla::Standing::Paused { String::new() } else { format_nairobi_in(item.queue_due - 1, s.ctx.language) },
            standing: standing.code(),
            standing_label: tr.t(&format!("staff.standing.{}", standing.code())).to_owned(),
            assigned: item.assigned_name.unwrap_or_default(),
            escalated: item.escalated,
            submitted: format_nairobi_in(item.submitted_at, s.ctx.language),
        });
    }
    let services = live
        .catalogue
        .services
        .iter()
        .filter(|svc| svc.agency == agency)
        .map(|svc| (svc.code.clone(), svc.name.get(language).to_owned()))
        .collect();
    // The filters and bulk actions come from the workflows of the agency's services.
    let mut definitions = Vec::new();
    for svc in live.catalogue.services.iter().filter(|svc| svc.agency == agency) {
        definitions.push(crate::services::applications::definitions::current(app, &svc.code).await?);
    }
    let states =
        queue_states(definitions.iter().map(|d| &**d).filter(|svc| f.service.is_empty() || *svc.code.get_ref() == f.service), language);
    let mut bulk: Vec<(String, String)> = Vec::new();
    for svc in &definitions {
        for a in svc.workflow.actions.iter().filter(|a| {
            actions::bulk_allowed(a.kind()) && huduma_domain::workflow::may_take(a, huduma_domain::workflow::Actor::Staff(me.role))
        }) {
            if !bulk.iter().any(|(code, _)| code == a.code.get_ref()) {
                bulk.push((a.code.get_ref().clone(), a.label.get_ref().get(language).to_owned()));
            }
        }
    }
    let next_page = more.then(|| format!("/staff?{}", f.query(f.page + 1)));
    let previous_page = (f.page > 0).then(|| format!("/staff?{}", f.query(f.page - 1)));
    let template = QueueTemplate {
        page: s.page("staff.queue_title"),
        staff: s.bar(),
        errors,
        rows,
        services,
        states,
        counties: huduma_domain::county::COUNTIES.to_vec(),
        members,
        back: f.query(f.page),
        f,
        next_page,
        previous_page,
        bulk,
        chosen: chosen.to_owned(),
    };
    Ok(html(status_code, &template))
}

/// An application a confirmed bulk action would move.
struct Moving {
    reference: String,
    stored_reference: String,
    service: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "staff/bulk_confirm.html")]
struct ConfirmTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    /// "Approve and issue certificate for 37 applications".
    summary: String,
    /// What happens to each of them.
    effect: String,
    /// Issuing certificates: worth a warning.
    issues: bool,
    action: String,
    moving: Vec<Moving>,
    /// Applications the action would leave alone: (reference, stored reference, why).
    skipped: Vec<(String, String, String)>,
    back: String,
}

#[derive(Template)]
#[template(path = "staff/bulk.html")]
struct BulkTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    outcomes: Vec<(String, String, String, bool)>,
    back: String,
}

/// `POST /staff/bulk` — agency staff: one action on the ticked applications (only actions
/// that need nothing typed; each application still checked by the workflow and the role).
/// Without `confirm=yes` it changes nothing and shows what would happen.
pub async fn bulk(Staff(ref me, _): Staff, s: StaffCtx, CsrfForm(form): CsrfForm<Vec<(String, String)>>) -> PageResult {
    let value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let action = value("action");
    let back = value("back");
    let confirmed = value("confirm") == "yes";
    let references: Vec<String> = form.iter().filter(|(k, _)| k == "reference").map(|(_, v)| v.trim().to_ascii_uppercase()).collect();
    let tr = s.ctx.tr();
    let mut problems = Vec::new();
    if references.is_empty() || references.len() > actions::BULK_LIMIT {
        problems.push(FieldError::new("reference", "queue.bulk_count", Vec::new()));
    }
    if action.is_empty() {
        problems.push(FieldError::new("action", "queue.bulk_choose_action", Vec::new()));
    }
    if !problems.is_empty() {
        // Back to the same page of the queue, the ticks and the choice kept, saying what is missing.
        let filters: Filters = serde_urlencoded::from_str(&back).unwrap_or_default();
        let errors = FormErrors::new(tr, &problems);
        return render(&s, me, filters, errors, StatusCode::UNPROCESSABLE_ENTITY, &references, &action).await;
    }
    let app = &s.ctx.app;
    if !confirmed {
        let previews = actions::preview_bulk(app, me, &references, &action).await?;
        return Ok(confirmation(&s, previews, action, back));
    }
    let outcomes = actions::take_bulk(app, me, &s.ctx.requester.ip, &references, &action)
        .await?
        .into_iter()
        .map(|(reference, code)| match code {
            None => (display_reference(&reference), reference, tr.t("staff.bulk_done").to_owned(), true),
            Some(code) => (display_reference(&reference), reference, tr.error(&code).to_owned(), false),
        })
        .collect();
    Ok(html(StatusCode::OK, &BulkTemplate { page: s.page("staff.bulk_title"), staff: s.bar(), outcomes, back }))
}

/// The page that says what a bulk action will do, with the button that does it.
fn confirmation(s: &StaffCtx, previews: Vec<actions::Preview>, action: String, back: String) -> Response {
    let tr = s.ctx.tr();
    let language = s.ctx.language;
    let mut moving = Vec::new();
    let mut skipped = Vec::new();
    let mut label = String::new();
    let mut targets: Vec<String> = Vec::new();
    let mut issues = false;
    for p in previews {
        let reference = display_reference(&p.reference);
        match (&p.application, p.outcome) {
            (Some((service, from)), Ok((kind, to))) => {
                if label.is_empty() {
                    label = service
                        .workflow
                        .actions
                        .iter()
                        .find(|a| *a.code.get_ref() == action)
                        .map(|a| a.label.get_ref().get(language).to_owned())
                        .unwrap_or_default();
                }
                let to = words::status(service, &Status::parse(&to), tr);
                if !targets.contains(&to) {
                    targets.push(to.clone());
                }
                issues |= kind == ActionKind::Issue;
                moving.push(Moving {
                    reference,
                    stored_reference: p.reference,
                    service: service.name.get_ref().get(language).to_owned(),
                    from: words::status(service, &Status::parse(from), tr),
                    to,
                });
            }
            (_, Ok(_)) => {}
            (_, Err(code)) => skipped.push((reference, p.reference, tr.error(&code).to_owned())),
        }
    }
    let count = moving.len().to_string();
    let summary = match moving.len() {
        0 => tr.t("staff.bulk_nothing").to_owned(),
        1 => tr.f("staff.bulk_summary_one", &[("action", &label)]),
        _ => tr.f("staff.bulk_summary_many", &[("action", &label), ("count", &count)]),
    };
    let state = targets.join(" / ");
    let effect = if moving.is_empty() {
        String::new()
    } else {
        let key = match (issues, moving.len()) {
            (true, 1) => "staff.bulk_effect_issue_one",
            (true, _) => "staff.bulk_effect_issue",
            (false, 1) => "staff.bulk_effect_one",
            (false, _) => "staff.bulk_effect",
        };
        tr.f(key, &[("state", &state)])
    };
    let status_code = if moving.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let template =
        ConfirmTemplate { page: s.page("staff.bulk_title"), staff: s.bar(), summary, effect, issues, action, moving, skipped, back };
    html(status_code, &template)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_string_keeps_the_filters_and_drops_the_first_page() {
        let f = Filters { state: "under_review".into(), q: "A7K 3MX".into(), ..Filters::default() };
        assert_eq!(f.query(0), "state=under_review&q=A7K+3MX");
        assert_eq!(f.query(2), "state=under_review&q=A7K+3MX&page=2");
        let back: Filters = serde_urlencoded::from_str(&f.query(2)).expect("parses");
        assert_eq!((back.state.as_str(), back.q.as_str(), back.page), ("under_review", "A7K 3MX", 2));
    }
}

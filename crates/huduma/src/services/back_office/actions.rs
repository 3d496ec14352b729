//! Workflow actions taken by staff: the engine decides whether the member's role may
//! take the action from the current state; the kind of action decides what they must
//! give; the change, its timeline line, the SLA clock, any certificate, the message to the
//! citizen and the audit entry are written in one transaction.

use super::super::applications::status::{self, Transition};
use super::super::{ServiceError, ServiceResult, audit};
use super::{StaffMember, certificates};
use crate::app::App;
use crate::store::queue;
use huduma_domain::catalogue::definition::ActionKind;
use huduma_domain::workflow::{self, ActionInput, Actor};

/// What came of an action.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The state the application is now in.
    pub status: String,
    /// Serial of the certificate issued, for `issue` actions.
    pub certificate: Option<String>,
}

/// The Nairobi date today, for appointment checks.
pub fn today(app: &App) -> huduma_domain::Date {
    app.clock.today_in_nairobi()
}

/// Takes `action` on the application `reference` of the member's agency.
pub async fn take(app: &App, me: &StaffMember, ip: &str, reference: &str, action: &str, input: &ActionInput) -> ServiceResult<Outcome> {
    let agency = me.agency().ok_or(ServiceError::NotFound)?;
    let (row, _) = {
        let mut conn = app.db.pool().acquire().await?;
        queue::find_for_agency(&mut conn, agency, reference).await?.ok_or(ServiceError::NotFound)?
    };
    let service = super::super::applications::definitions::service(app, &row.service_code, row.service_version, &row.agency).await?;
    let (found, to) = workflow::take(&service.workflow, row.status.as_str(), action, Actor::Staff(me.role))
        .map_err(|refusal| ServiceError::field("action", refusal.code()))?;
    let kind = found.kind();
    let given = input.parse(kind, today(app)).map_err(|(field, err)| ServiceError::field(field, err.code))?;
    let details = given.appointment.as_ref().map(|a| {
        serde_json::json!({ "appointment": { "date": a.date.to_string(), "time": a.time_text(), "office": a.office } }).to_string()
    });
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let transition = Transition {
        from: row.status.as_str(),
        to: to.code.get_ref(),
        note: given.note.as_deref(),
        action: Some(action),
        staff_id: Some(&me.row.id),
        details: details.as_deref(),
    };
    status::change_in(&mut tx, app, &row, &service, transition).await?;
    let certificate = if kind == ActionKind::Issue { Some(certificates::issue(&mut tx, me, &row, &service, now).await?) } else { None };
    let entry = audit::Entry {
        actor: me.actor(),
        agency: Some(agency),
        action: "application.action",
        subject: format!("application:{reference}"),
        details: serde_json::json!({
            "action": action, "kind": kind.code(), "from": row.status.as_str(), "to": to.code.get_ref(),
            "note": given.note, "appointment": details, "certificate": certificate,
        }),
        ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(Outcome { status: to.code.get_ref().clone(), certificate })
}

/// Most applications one bulk action may touch.
pub const BULK_LIMIT: usize = 100;

/// Whether an action of this kind may be taken on many applications at once: only those
/// that need nothing typed for each one (no reason, question or appointment).
pub fn bulk_allowed(kind: ActionKind) -> bool {
    matches!(kind, ActionKind::Move | ActionKind::Approve | ActionKind::ReadyForCollection | ActionKind::Issue)
}

/// Takes `action` on each of `references`, each in its own transaction (one refusal does
/// not undo the others); returns each reference with its outcome's error code, if any.
pub async fn take_bulk(
    app: &App,
    me: &StaffMember,
    ip: &str,
    references: &[String],
    action: &str,
) -> ServiceResult<Vec<(String, Option<String>)>> {
    if references.is_empty() || references.len() > BULK_LIMIT {
        return Err(ServiceError::field("reference", "queue.bulk_count"));
    }
    let mut outcomes = Vec::with_capacity(references.len());
    for reference in references {
        let outcome = match kind_for(app, me, reference, action).await {
            Ok(kind) if bulk_allowed(kind) => match take(app, me, ip, reference, action, &ActionInput::default()).await {
                Ok(_) => None,
                Err(ServiceError::Invalid(errors)) => errors.first().map(|e| e.code.to_owned()),
                Err(ServiceError::NotFound) => Some("queue.bulk_not_found".to_owned()),
                Err(err) => return Err(err),
            },
            Ok(_) => Some("queue.bulk_not_allowed".to_owned()),
            Err(ServiceError::NotFound) => Some("queue.bulk_not_found".to_owned()),
            Err(err) => return Err(err),
        };
        outcomes.push((reference.clone(), outcome));
    }
    Ok(outcomes)
}

/// What a bulk action would do to one application, worked out before anything changes
/// so the member can confirm it.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The application's reference.
    pub reference: String,
    /// Its service definition and current state, when it is in the member's agency.
    pub application: Option<(std::sync::Arc<huduma_domain::catalogue::Service>, String)>,
    /// The kind of step and the state it would move to, or the error code saying why
    /// this application would be left as it is.
    pub outcome: Result<(ActionKind, String), String>,
}

/// Works out what [`take_bulk`] would do with the same arguments, changing nothing: the
/// confirmation page names how many applications move and where to.
pub async fn preview_bulk(app: &App, me: &StaffMember, references: &[String], action: &str) -> ServiceResult<Vec<Preview>> {
    if references.is_empty() || references.len() > BULK_LIMIT {
        return Err(ServiceError::field("reference", "queue.bulk_count"));
    }
    let agency = me.agency().filter(|_| me.role.processes_applications()).ok_or(ServiceError::NotFound)?;
    let mut previews = Vec::with_capacity(references.len());
    for reference in references {
        let found = {
            let mut conn = app.db.pool().acquire().await?;
            queue::find_for_agency(&mut conn, agency, reference).await?
        };
        let Some((row, _)) = found else {
            previews.push(Preview { reference: reference.clone(), application: None, outcome: Err("queue.bulk_not_found".to_owned()) });
            continue;
        };
        let service = super::super::applications::definitions::service(app, &row.service_code, row.service_version, &row.agency).await?;
        // The same checks, in the same order, as `take_bulk`: the kind first, then the workflow.
        let outcome = match workflow::kind_of(&service.workflow, action) {
            Some(kind) if !bulk_allowed(kind) => Err("queue.bulk_not_allowed".to_owned()),
            _ => match workflow::take(&service.workflow, row.status.as_str(), action, Actor::Staff(me.role)) {
                Ok((found, to)) => Ok((found.kind(), to.code.get_ref().clone())),
                Err(refusal) => Err(refusal.code().to_owned()),
            },
        };
        previews.push(Preview { reference: reference.clone(), application: Some((service, row.status.as_str().to_owned())), outcome });
    }
    Ok(previews)
}

/// The kind of `action` in the workflow of the application `reference`.
async fn kind_for(app: &App, me: &StaffMember, reference: &str, action: &str) -> ServiceResult<ActionKind> {
    let agency = me.agency().ok_or(ServiceError::NotFound)?;
    let (row, _) = {
        let mut conn = app.db.pool().acquire().await?;
        queue::find_for_agency(&mut conn, agency, reference).await?.ok_or(ServiceError::NotFound)?
    };
    let service = super::super::applications::definitions::service(app, &row.service_code, row.service_version, &row.agency).await?;
    workflow::kind_of(&service.workflow, action).ok_or(ServiceError::field("action", "workflow.unknown_action"))
}

/// Claims an unassigned application for the member, or (supervisors) assigns it to a
/// member of the same agency, or back to nobody.
pub async fn assign(app: &App, me: &StaffMember, ip: &str, reference: &str, to: Option<&str>) -> ServiceResult<()> {
    let agency = me.agency().ok_or(ServiceError::NotFound)?;
    if !me.role.processes_applications() {
        return Err(ServiceError::NotFound);
    }
    let claim = to == Some(me.row.id.as_str());
    if !claim && !me.role.supervises() {
        return Err(ServiceError::field("assignee", "queue.reassign_supervisors_only"));
    }
    let mut tx = app.db.begin().await?;
    let (row, _) = queue::find_for_agency(&mut tx, agency, reference).await?.ok_or(ServiceError::NotFound)?;
    let target = match to {
        Some(target) => {
            // An id that cannot be one names nobody, like an unknown one.
            let member = match huduma_domain::StaffId::parse(target) {
                Some(id) => crate::store::staff::by_id(&mut tx, &id).await?,
                None => None,
            };
            match member {
                Some(m) if m.active && m.agency.as_deref() == Some(agency) => Some(m.id),
                _ => return Err(ServiceError::field("assignee", "queue.assignee_unknown")),
            }
        }
        None => None,
    };
    // A claim only takes free work; a supervisor's reassignment may take it from anyone.
    if !queue::assign(&mut tx, &row.id, agency, target.as_ref(), claim && !me.role.supervises()).await? {
        return Err(ServiceError::field("assignee", "queue.already_claimed"));
    }
    let entry = audit::Entry {
        actor: me.actor(),
        agency: Some(agency),
        action: if claim { "application.claim" } else { "application.assign" },
        subject: format!("application:{reference}"),
        details: serde_json::json!({ "assigned_to": to }),
        ip,
    };
    audit::record(&mut tx, entry, app.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds an internal note (never shown to the citizen).
pub async fn add_note(app: &App, me: &StaffMember, ip: &str, reference: &str, body: &str) -> ServiceResult<()> {
    let agency = me.agency().ok_or(ServiceError::NotFound)?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > workflow::input::MAX_NOTE {
        return Err(ServiceError::field("body", "queue.note_invalid"));
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (row, _) = queue::find_for_agency(&mut tx, agency, reference).await?.ok_or(ServiceError::NotFound)?;
    queue::add_note(&mut tx, &row.id, &me.row.id, body, now).await?;
    let entry = audit::Entry {
        actor: me.actor(),
        agency: Some(agency),
        action: "application.note",
        subject: format!("application:{reference}"),
        details: serde_json::json!({ "length": body.chars().count() }),
        ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}

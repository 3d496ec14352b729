//! The applicant's answer when the agency sends an application back: they reply (and
//! may have replaced documents meanwhile) and send it back through the workflow's
//! `resubmit` action; the agency's SLA clock resumes with the days it had left.

use super::status::{self, Transition};
use super::{ServiceError, ServiceResult, load};
use crate::app::App;
use crate::services::audit;
use crate::services::sessions::Authenticated;
use huduma_domain::ApplicationId;
use huduma_domain::application::Status;
use huduma_domain::workflow::{self, Actor, input::MAX_NOTE};

/// The question the agency asked: the note of the latest move into the current state.
pub async fn question(app: &App, application_id: &ApplicationId, state: &Status) -> ServiceResult<Option<String>> {
    let mut conn = app.db.pool().acquire().await?;
    let events = crate::store::applications::events(&mut conn, application_id).await?;
    Ok(events.into_iter().rev().find(|e| &e.status == state).and_then(|e| e.note))
}

/// Sends the application back to the agency with the applicant's answer.
pub async fn resubmit(app: &App, me: &Authenticated, id: &ApplicationId, answer: &str) -> ServiceResult<()> {
    let loaded = load(app, me, id).await?;
    let service = &loaded.service;
    let action = workflow::available(&service.workflow, loaded.row.status.as_str(), Actor::Applicant)
        .into_iter()
        .next()
        .ok_or(ServiceError::field("answer", "application.not_with_applicant"))?;
    let answer = answer.trim();
    if answer.is_empty() {
        return Err(ServiceError::field("answer", "application.answer_required"));
    }
    if answer.chars().count() > MAX_NOTE {
        return Err(ServiceError::field("answer", "workflow.note_too_long"));
    }
    let (_, to) = workflow::take(&service.workflow, loaded.row.status.as_str(), action.code.get_ref(), Actor::Applicant)
        .map_err(|refusal| ServiceError::field("answer", refusal.code()))?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let transition = Transition {
        from: loaded.row.status.as_str(),
        to: to.code.get_ref(),
        note: Some(answer),
        action: Some(action.code.get_ref()),
        ..Transition::default()
    };
    status::change_in(&mut tx, app, &loaded.row, service, transition).await?;
    let entry = audit::Entry {
        actor: audit::Actor::Citizen { id: &me.account.id },
        agency: Some(&loaded.row.agency),
        action: "application.resubmit",
        subject: format!("application:{}", loaded.row.reference.clone().unwrap_or_default()),
        details: serde_json::json!({ "from": loaded.row.status.as_str(), "to": to.code.get_ref() }),
        ip: "-",
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

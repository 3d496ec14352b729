//! Submission: the final check, the reference number, the first timeline line and the
//! messages that carry the reference. Submitting twice gives the same application.

use super::{Loaded, ServiceError, ServiceResult, load};
use crate::app::App;
use crate::services::sessions::Authenticated;
use crate::store::applications::{self as store, Submission};
use crate::store::is_unique_violation;
use huduma_domain::application::{Answer, Status, fee, progress};
use huduma_domain::catalogue::FieldType;
use huduma_domain::reference::{Kind, Reference};
use rand::Rng;

/// Tries before giving up on finding an unused reference (with 29⁹ possibilities, a
/// second try is already rare).
const REFERENCE_ATTEMPTS: usize = 5;

/// Submits a draft after the declaration is ticked. An application already submitted is
/// returned as it is, so a double click or a retry after a timeout is harmless.
pub async fn submit(app: &App, me: &Authenticated, id: &huduma_domain::ApplicationId, declared: bool) -> ServiceResult<Loaded> {
    let loaded = load(app, me, id).await?;
    if !loaded.status().is_draft() {
        return Ok(loaded);
    }
    if !declared {
        return Err(ServiceError::field("declaration", "application.declaration"));
    }
    if !loaded.missing().is_empty() {
        return Err(ServiceError::field("form", "application.incomplete"));
    }
    let service = &loaded.service;
    // Keep exactly the answers to questions asked, in their normalised form.
    let mut answers = loaded.answers.clone();
    for page in &service.pages {
        let (normalised, _) = progress::check_page(page, &answers);
        for (code, value) in normalised {
            answers.set(&code, value.unwrap_or(Answer::One(String::new())));
        }
    }
    let asked: Vec<String> = service.fields().filter(|f| answers.shows(f)).map(|f| f.code.get_ref().clone()).collect();
    answers.retain_fields(|code| asked.iter().any(|a| a == code));
    let amount = fee::amount(service, loaded.row.fee_option.as_deref())
        .ok_or_else(|| ServiceError::field("fee_option", "application.fee_option"))?;
    let status = if amount.minor == 0 { Status::Workflow(service.workflow.start.get_ref().clone()) } else { Status::AwaitingPayment };
    let json = serde_json::to_string(&answers).map_err(anyhow::Error::from)?;
    for _ in 0..REFERENCE_ATTEMPTS {
        let reference = {
            let mut rng = rand::rng();
            Reference::generate(Kind::Application, |n| rng.random_range(0..n))
        };
        let now = app.clock.now();
        let mut tx = app.db.begin().await?;
        let submission = Submission {
            status: &status,
            reference: reference.as_str(),
            answers: &json,
            fee_minor: amount.minor,
            fee_currency: amount.currency.code(),
        };
        match store::submit(&mut tx, &me.account.id, id, &submission, now).await {
            Ok(true) => {}
            // Someone (this person's other click) submitted it first.
            Ok(false) => return load(app, me, id).await,
            Err(err) if is_unique_violation(&err) => continue,
            Err(err) => return Err(err.into()),
        }
        store::add_event(&mut tx, id, store::NewEvent { status: &status, note: None, action: None, staff_id: None, details: None }, now)
            .await?;
        let county =
            service.fields().find(|f| f.kind == FieldType::County).and_then(|f| answers.text(f.code.get_ref())).filter(|c| !c.is_empty());
        crate::store::queue::set_county(&mut tx, id, county).await?;
        if let Status::Workflow(start) = &status {
            let workflow = &service.workflow;
            crate::services::back_office::sla::enter(&mut tx, app, id, &loaded.row.agency, workflow, "awaiting_payment", start).await?;
        }
        let mut row = loaded.row.clone();
        row.status = status.clone();
        row.reference = Some(reference.as_str().to_owned());
        if status == Status::AwaitingPayment {
            crate::services::payments::invoices::create_for_application(&mut tx, app, &row, service, amount, now).await?;
        }
        super::status::notify(&mut tx, app, &me.account, &row, service, &super::status::Transition::default(), now).await?;
        tx.commit().await?;
        app.outbox_wakeup.notify_one();
        return load(app, me, id).await;
    }
    Err(ServiceError::Internal(anyhow::anyhow!("no unused reference after {REFERENCE_ATTEMPTS} tries")))
}

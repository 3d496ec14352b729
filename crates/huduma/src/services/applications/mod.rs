//! Applying for a service: drafts, answers page by page, documents, submission, the
//! timeline and public tracking. Both the HTML pages and the JSON API call these.

pub mod certificate;
pub mod definitions;
pub mod documents;
pub mod respond;
pub mod status;
pub mod submit;
pub mod timeline;
pub mod tracking;

use super::sessions::Authenticated;
use super::{FieldError, ServiceError, ServiceResult};
use crate::app::App;
use crate::store::accounts::AccountRow;
use crate::store::applications::{self as store, ApplicationRow, NewDraft};
use crate::store::documents::{self as documents_store, DocumentRow};
use huduma_domain::application::{AccountFacts, Answers, Status, fee, progress};
use huduma_domain::catalogue::Service;
use huduma_domain::catalogue::definition::Eligible;
use huduma_domain::{AccountType, ApplicationId, Money};
use std::sync::Arc;

/// Applications shown on "My applications".
pub const LIST_LIMIT: i64 = 100;

/// An application with its service definition, answers and documents.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// As stored.
    pub row: ApplicationRow,
    /// The service definition at the version the application was started on.
    pub service: Arc<Service>,
    pub answers: Answers,
    /// Uploaded documents.
    pub documents: Vec<DocumentRow>,
}

impl Loaded {
    /// Current status.
    pub fn status(&self) -> Status {
        self.row.status.clone()
    }

    /// What still stops submission.
    pub fn missing(&self) -> progress::Missing {
        let uploaded: Vec<&str> = self.documents.iter().map(|d| d.requirement.as_str()).collect();
        progress::missing(&self.service, &self.answers, &uploaded, self.row.fee_option.as_deref())
    }

    /// The fee: fixed at submission, or what it would be now.
    pub fn fee(&self) -> Option<Money> {
        match (self.row.fee_minor, self.row.fee_currency.as_deref()) {
            (Some(minor), Some(currency)) => huduma_domain::Currency::parse(currency).map(|currency| Money { minor, currency }),
            _ => fee::amount(&self.service, self.row.fee_option.as_deref()),
        }
    }

    /// The uploaded document for a requirement.
    pub fn document(&self, requirement: &str) -> Option<&DocumentRow> {
        self.documents.iter().find(|d| d.requirement == requirement)
    }
}

/// A stored reference grouped for reading (`A7K3MX-9PQ2C`), as in messages and pages.
pub fn display_reference(stored: &str) -> String {
    huduma_domain::Reference::parse(huduma_domain::reference::Kind::Application, stored)
        .map(|r| r.display())
        .unwrap_or_else(|_| stored.to_owned())
}

/// What the account already knows, for prefilled answers.
pub fn facts(account: &AccountRow) -> AccountFacts {
    AccountFacts {
        first_name: account.first_name.clone(),
        other_names: account.other_names.clone(),
        surname: account.surname.clone(),
        document_number: account.document_number.clone(),
        date_of_birth: account.date_of_birth.clone(),
        phone: account.phone.clone(),
        email: account.email.clone(),
        kra_pin: account.kra_pin.clone(),
    }
}

/// Whether an account of this type may apply for the service.
pub fn eligible(account_types: &[Eligible], account_type: AccountType) -> bool {
    let wanted = match account_type {
        AccountType::Citizen => Eligible::Citizen,
        AccountType::Resident => Eligible::Resident,
        AccountType::Visitor => Eligible::Visitor,
    };
    account_types.contains(&wanted)
}

/// Starts a draft of `service_code` with what the account already knows filled in.
pub async fn start(app: &App, me: &Authenticated, service_code: &str) -> ServiceResult<ApplicationId> {
    let live = app.catalogue();
    let entry = live.catalogue.service(service_code).ok_or(ServiceError::NotFound)?;
    if !eligible(&entry.account_types, me.account.account_type) {
        return Err(ServiceError::field("service", "application.not_eligible"));
    }
    let version = *live.versions.get(service_code).ok_or(ServiceError::NotFound)?;
    let service = definitions::service(app, service_code, version, &entry.agency).await?;
    let mut answers = Answers::default();
    progress::apply_prefill(&service, &facts(&me.account), &mut answers);
    let id: ApplicationId = crate::store::new_id();
    let now = app.clock.now();
    let json = serde_json::to_string(&answers).map_err(anyhow::Error::from)?;
    let mut tx = app.db.begin().await?;
    store::create_draft(
        &mut tx,
        &NewDraft {
            id: &id,
            account_id: &me.account.id,
            service_code,
            service_version: version,
            agency: &service.agency,
            answers: &json,
            expires_at: now + app.config.draft_lifetime_secs,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One of the signed-in person's applications; anyone else's is "not found".
pub async fn load(app: &App, me: &Authenticated, id: &ApplicationId) -> ServiceResult<Loaded> {
    let mut conn = app.db.pool().acquire().await?;
    let row = store::find_owned(&mut conn, &me.account.id, id).await?.ok_or(ServiceError::NotFound)?;
    let documents = documents_store::for_application(&mut conn, &row.id).await?;
    drop(conn);
    let service = definitions::service(app, &row.service_code, row.service_version, &row.agency).await?;
    let answers: Answers = serde_json::from_str(&row.answers).map_err(anyhow::Error::from)?;
    Ok(Loaded { row, service, answers, documents })
}

/// The signed-in person's applications, most recent first.
pub async fn list(app: &App, me: &Authenticated) -> ServiceResult<Vec<ApplicationRow>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(store::list_owned(&mut conn, &me.account.id, LIST_LIMIT).await?)
}

/// Whether the applicant may replace documents: while a draft, and while the agency has
/// sent the application back to them.
pub fn documents_changeable(loaded: &Loaded) -> bool {
    loaded.status().is_draft()
        || huduma_domain::workflow::state(&loaded.service.workflow, loaded.row.status.as_str()).is_some_and(|s| s.with_applicant)
}

fn not_a_draft() -> ServiceError {
    ServiceError::field("form", "application.not_draft")
}

/// Saves one page. Everything typed is kept, valid or not (normalised when valid), so
/// nothing is lost; the problems come back to be shown next to their fields.
pub async fn save_page(
    app: &App,
    me: &Authenticated,
    id: &ApplicationId,
    page_code: &str,
    given: &[(String, String)],
) -> ServiceResult<Vec<FieldError>> {
    let loaded = load(app, me, id).await?;
    if !loaded.status().is_draft() {
        return Err(not_a_draft());
    }
    let page = loaded.service.pages.iter().find(|p| p.code.get_ref() == page_code).ok_or(ServiceError::NotFound)?;
    let (answers, problems) = progress::record_page(&loaded.service, page, &facts(&me.account), &loaded.answers, given);
    save(app, me, &loaded, &answers, loaded.row.fee_option.as_deref()).await?;
    Ok(problems.into_iter().map(|p| FieldError::new(p.field, p.code, p.args)).collect())
}

/// Records the priced option chosen (passport pages, licence period).
pub async fn choose_fee_option(app: &App, me: &Authenticated, id: &ApplicationId, option: &str) -> ServiceResult<()> {
    let loaded = load(app, me, id).await?;
    if !loaded.status().is_draft() {
        return Err(not_a_draft());
    }
    if !fee::is_option(&loaded.service, option) {
        return Err(ServiceError::field("fee_option", "application.fee_option"));
    }
    save(app, me, &loaded, &loaded.answers, Some(option)).await
}

async fn save(app: &App, me: &Authenticated, loaded: &Loaded, answers: &Answers, option: Option<&str>) -> ServiceResult<()> {
    let json = serde_json::to_string(answers).map_err(anyhow::Error::from)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if !store::save_draft(&mut tx, &me.account.id, &loaded.row.id, &json, option, now, now + app.config.draft_lifetime_secs).await? {
        return Err(not_a_draft());
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes a draft and, once committed, its stored files.
pub async fn delete_draft(app: &App, me: &Authenticated, id: &ApplicationId) -> ServiceResult<()> {
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let keys = documents_store::blob_keys(&mut tx, id).await?;
    if !store::delete_draft(&mut tx, &me.account.id, id).await? {
        return Err(ServiceError::NotFound);
    }
    documents_store::release_blobs(&mut tx, &keys, now).await?;
    tx.commit().await?;
    Ok(())
}

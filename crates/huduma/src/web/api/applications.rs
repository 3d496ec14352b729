//! Applications over the API: start, save a page, choose an option, upload, download,
//! submit, answer the agency, list, read, timeline, the issued certificate, delete a
//! draft, and public tracking. The rules are the same use cases the HTML pages call.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::{ApiError, ApiJson, ApiMultipart, ApiPath, Caller, ErrorBody, ErrorCode, Me};
use crate::app::App;
use crate::i18n::words;
use crate::services::ServiceError;
use crate::services::applications::{self, Loaded, certificate, definitions, documents, respond, submit, tracking};
use huduma_domain::application::Answer;
use huduma_domain::{ApplicationId, DocumentId};

/// An application as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationDetail {
    /// Opaque id.
    pub id: String,
    /// Service code.
    pub service: String,
    /// Service definition version the form follows.
    pub service_version: i64,
    /// `draft`, `awaiting_payment` or a workflow state code.
    pub status: String,
    /// Status in the caller's language.
    pub status_label: String,
    /// Reference number, once submitted, grouped for reading (`A7K3MX-9PQ2C`).
    pub reference: Option<String>,
    /// Answers by field code: a string, or a list for checkbox fields.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    /// Chosen priced option.
    pub fee_option: Option<String>,
    /// Fee in minor units, when known.
    pub fee_minor: Option<i64>,
    /// Fee currency.
    pub currency: Option<String>,
    /// Uploaded documents.
    pub documents: Vec<DocumentInfo>,
    /// Where to download the issued certificate (a PDF), once there is one.
    pub certificate_url: Option<String>,
    /// What still stops submission (drafts only).
    pub missing: Missing,
    /// Draft expiry (Unix seconds).
    pub expires_at: Option<i64>,
    /// Submission time (Unix seconds).
    pub submitted_at: Option<i64>,
}

/// What still stops submission.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Missing {
    /// Page codes with a missing or invalid answer.
    pub pages: Vec<String>,
    /// Requirement codes not uploaded.
    pub documents: Vec<String>,
    /// A priced option is still to be chosen.
    pub fee_option: bool,
}

/// An uploaded document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DocumentInfo {
    /// Opaque id (for download).
    pub id: String,
    /// Requirement code.
    pub requirement: String,
    /// Cleaned file name.
    pub file_name: String,
    /// Content type, from the bytes.
    pub content_type: String,
    /// Size in bytes as stored.
    pub size: i64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Where to download it (`GET`, with the bearer token).
    pub download_url: String,
}

fn answers_json(loaded: &Loaded) -> BTreeMap<String, serde_json::Value> {
    loaded
        .answers
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Answer::One(s) => serde_json::Value::String(s.clone()),
                Answer::Many(items) => serde_json::Value::Array(items.iter().cloned().map(serde_json::Value::String).collect()),
            };
            (k.clone(), value)
        })
        .collect()
}

/// The certificate's download path, if one was issued for this (owned) application.
async fn certificate_url(
    app: &App,
    me: &crate::services::sessions::Authenticated,
    id: &ApplicationId,
) -> Result<Option<String>, ServiceError> {
    Ok(certificate::certificate_serial(app, me, id).await?.map(|_| format!("/api/v1/applications/{id}/certificate")))
}

fn detail(app: &App, loaded: &Loaded, language: huduma_domain::Language, certificate_url: Option<String>) -> ApplicationDetail {
    let missing = loaded.missing();
    let fee = loaded.fee();
    ApplicationDetail {
        id: loaded.row.id.to_string(),
        service: loaded.row.service_code.clone(),
        service_version: loaded.row.service_version,
        status: loaded.row.status.as_str().to_owned(),
        status_label: words::status(&loaded.service, &loaded.row.status, app.i18n.tr(language)),
        reference: loaded.row.reference.as_deref().map(applications::display_reference),
        answers: answers_json(loaded),
        fee_option: loaded.row.fee_option.clone(),
        fee_minor: fee.map(|m| m.minor),
        currency: fee.map(|m| m.currency.code().to_owned()),
        documents: loaded.documents.iter().map(document_info).collect(),
        certificate_url,
        missing: if loaded.status().is_draft() {
            Missing { pages: missing.pages, documents: missing.documents, fee_option: missing.fee_option }
        } else {
            Missing { pages: Vec::new(), documents: Vec::new(), fee_option: false }
        },
        expires_at: loaded.row.expires_at,
        submitted_at: loaded.row.submitted_at,
    }
}

fn document_info(d: &crate::store::documents::DocumentRow) -> DocumentInfo {
    DocumentInfo {
        id: d.id.to_string(),
        requirement: d.requirement.clone(),
        file_name: d.file_name.clone(),
        content_type: d.content_type.clone(),
        size: d.size,
        sha256: d.sha256.clone(),
        download_url: format!("/api/v1/applications/{}/documents/{}/file", d.application_id, d.id),
    }
}

/// Which service to apply for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StartApplication {
    /// Service code.
    pub service: String,
}

/// `POST /api/v1/applications`
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", security(("bearer" = [])), request_body = StartApplication,
    responses((status = 201, body = ApplicationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiJson(input): ApiJson<StartApplication>,
) -> Result<(StatusCode, Json<ApplicationDetail>), ApiError> {
    let id = applications::start(&app, &me, &input.service).await?;
    let loaded = applications::load(&app, &me, &id).await?;
    Ok((StatusCode::CREATED, Json(detail(&app, &loaded, who.language, None))))
}

/// One line of "My applications".
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationSummary {
    /// Opaque id.
    pub id: String,
    /// Service code.
    pub service: String,
    /// Service name in the caller's language.
    pub service_name: String,
    /// Status code.
    pub status: String,
    /// Status in the caller's language.
    pub status_label: String,
    /// Reference, once submitted.
    pub reference: Option<String>,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// `GET /api/v1/applications`
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApplicationSummary>), (status = 401, body = ErrorBody)))]
pub async fn list(State(app): State<Arc<App>>, Me(me, who): Me) -> Result<Json<Vec<ApplicationSummary>>, ApiError> {
    let rows = applications::list(&app, &me).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let service = definitions::service(&app, &row.service_code, row.service_version, &row.agency).await?;
        out.push(ApplicationSummary {
            status_label: words::status(&service, &row.status, app.i18n.tr(who.language)),
            service_name: service.name.get_ref().get(who.language).to_owned(),
            id: row.id.to_string(),
            service: row.service_code,
            status: row.status.as_str().to_owned(),
            reference: row.reference.as_deref().map(applications::display_reference),
            updated_at: row.updated_at,
        });
    }
    Ok(Json(out))
}

/// `GET /api/v1/applications/{id}`
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ApplicationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApplicationDetail>, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let loaded = applications::load(&app, &me, &id).await?;
    let certificate = certificate_url(&app, &me, &loaded.row.id).await?;
    Ok(Json(detail(&app, &loaded, who.language, certificate)))
}

/// `DELETE /api/v1/applications/{id}`: deletes a draft.
#[utoipa::path(delete, path = "/api/v1/applications/{id}", tag = "applications", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_draft(State(app): State<Arc<App>>, Me(me, _): Me, ApiPath(id): ApiPath<String>) -> Result<StatusCode, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    applications::delete_draft(&app, &me, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Answers to one page: the whole page, not a patch.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PageAnswers {
    /// Field code → a string, or a list of strings for checkbox fields. Every field of
    /// the page must be sent each time: a field left out is saved empty.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// `PUT /api/v1/applications/{id}/pages/{page}`: replaces the answers to one page.
///
/// The page is replaced as a whole, like submitting its form: a field of this page that
/// is not in `answers` is saved empty (and, if required, reported in the 422). Answers to
/// other pages are untouched, keys that are not fields of this page are ignored, and
/// fields filled from the account (ID number) cannot be changed. To change one answer,
/// send the page's current answers (from `GET /api/v1/applications/{id}`) with that one
/// changed. The answers are kept even when some break a rule (422 lists them), so
/// nothing typed is lost.
#[utoipa::path(put, path = "/api/v1/applications/{id}/pages/{page}", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path), ("page" = String, Path)), request_body = PageAnswers,
    responses((status = 200, body = ApplicationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_page(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath((id, page)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<PageAnswers>,
) -> Result<Json<ApplicationDetail>, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let mut pairs = Vec::new();
    for (code, value) in input.answers {
        match value {
            serde_json::Value::String(s) => pairs.push((code, s)),
            serde_json::Value::Array(items) => {
                pairs.extend(items.into_iter().filter_map(|i| i.as_str().map(|s| (code.clone(), s.to_owned()))))
            }
            serde_json::Value::Number(n) => pairs.push((code, n.to_string())),
            serde_json::Value::Bool(b) => pairs.push((code, if b { "yes" } else { "no" }.to_owned())),
            serde_json::Value::Null | serde_json::Value::Object(_) => pairs.push((code, String::new())),
        }
    }
    let problems = applications::save_page(&app, &me, &id, &page, &pairs).await?;
    if !problems.is_empty() {
        return Err(ApiError::from(ServiceError::Invalid(problems)));
    }
    let loaded = applications::load(&app, &me, &id).await?;
    Ok(Json(detail(&app, &loaded, who.language, None)))
}

/// A priced option.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FeeOptionChoice {
    /// Option code from the service's fee options.
    pub fee_option: String,
}

/// `PUT /api/v1/applications/{id}/fee-option`
#[utoipa::path(put, path = "/api/v1/applications/{id}/fee-option", tag = "applications", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = FeeOptionChoice, responses((status = 200, body = ApplicationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fee_option(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<FeeOptionChoice>,
) -> Result<Json<ApplicationDetail>, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    applications::choose_fee_option(&app, &me, &id, &input.fee_option).await?;
    let loaded = applications::load(&app, &me, &id).await?;
    Ok(Json(detail(&app, &loaded, who.language, None)))
}

/// The upload form: one part named `file`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file (PDF, JPEG or PNG as the requirement allows).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// `POST /api/v1/applications/{id}/documents/{requirement}`: uploads (or replaces) the
/// file for one requirement.
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents/{requirement}", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path), ("requirement" = String, Path)), request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentInfo), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, description = "`body.too_large`: the body is declared larger than 26 MB (refused before it is read)", body = ErrorBody),
        (status = 422, description = "The file breaks the requirement's rules (`upload.too_large`, `upload.not_allowed`, …, or `upload.scan_unavailable` while the virus scanner is down)", body = ErrorBody),
        (status = 503, description = "`documents.store_unavailable`: the document store is down; nothing was stored. Try again after `Retry-After` seconds", body = ErrorBody)))]
pub async fn upload(
    State(app): State<Arc<App>>,
    Me(me, _): Me,
    ApiPath((id, requirement)): ApiPath<(String, String)>,
    ApiMultipart(multipart): ApiMultipart,
) -> Result<(StatusCode, Json<DocumentInfo>), ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let loaded = applications::load(&app, &me, &id).await?;
    let (_, rule) = documents::requirement(&loaded, &requirement)?;
    let (name, bytes) = read_file_part(multipart, rule.max_bytes, &requirement).await?;
    let row = documents::upload(&app, &me, &id, &requirement, &name, bytes).await?;
    Ok((StatusCode::CREATED, Json(document_info(&row))))
}

/// Reads the part named `file` under the requirement's size limit. Unlike the page's
/// form there is no CSRF part; a body cut short or over the limit, and a form without a
/// `file` part, get their own codes. A refused file is answered at once and the rest of
/// the body thrown away in the background, as the page does, so the client reads why.
async fn read_file_part(mut multipart: axum::extract::Multipart, limit: u64, requirement: &str) -> Result<(String, Vec<u8>), ApiError> {
    let result = file_part(&mut multipart, limit, requirement).await;
    if result.is_err() {
        crate::web::pages::applications::uploads::discard_rest(multipart);
    }
    result
}

async fn file_part(multipart: &mut axum::extract::Multipart, limit: u64, requirement: &str) -> Result<(String, Vec<u8>), ApiError> {
    let broken = |err: axum::extract::multipart::MultipartError| {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge)
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::UploadInterrupted)
        }
    };
    let refused = |r: huduma_uploads::Rejection| ApiError::from(documents::refused(requirement, &r));
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let mut collector = huduma_uploads::Collector::new(limit);
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            collector.push(&chunk).map_err(refused)?;
        }
        return collector.finish().map(|bytes| (name, bytes)).map_err(refused);
    }
    Err(ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::UploadMissingFile))
}

/// `GET /api/v1/applications/{id}/documents/{document}/file`: the file, as an attachment
/// (each document's `download_url`).
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents/{document}/file", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path), ("document" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, description = "`documents.store_unavailable`: the document store is down. Try again after `Retry-After` seconds", body = ErrorBody)))]
pub async fn download(
    State(app): State<Arc<App>>,
    Me(me, _): Me,
    ApiPath((id, document)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let document = DocumentId::parse(&document).ok_or(ServiceError::NotFound)?;
    let (row, bytes) = documents::download(&app, &me, &id, &document).await?;
    Ok(crate::web::pages::applications::uploads::attachment(&row.file_name, &row.content_type, bytes))
}

/// The declaration.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubmitApplication {
    /// The applicant confirms the answers are true and complete.
    pub declaration: bool,
}

/// `POST /api/v1/applications/{id}/submit`: submits; repeating it returns the same
/// submitted application.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = SubmitApplication, responses((status = 200, body = ApplicationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_one(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<SubmitApplication>,
) -> Result<Json<ApplicationDetail>, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let loaded = submit::submit(&app, &me, &id, input.declaration).await?;
    Ok(Json(detail(&app, &loaded, who.language, None)))
}

/// The applicant's answer to the agency's question.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RespondToAgency {
    /// What the applicant tells the agency (replace documents first, if asked to).
    pub answer: String,
}

/// `POST /api/v1/applications/{id}/respond`: while the agency has sent the application
/// back (`more_information_needed`), answers and sends it back to the agency.
#[utoipa::path(post, path = "/api/v1/applications/{id}/respond", tag = "applications", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = RespondToAgency, responses((status = 200, body = ApplicationDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "`application.not_with_applicant`, `application.answer_required`, `workflow.note_too_long`", body = ErrorBody)))]
pub async fn respond(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<RespondToAgency>,
) -> Result<Json<ApplicationDetail>, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    respond::resubmit(&app, &me, &id, &input.answer).await?;
    let loaded = applications::load(&app, &me, &id).await?;
    Ok(Json(detail(&app, &loaded, who.language, None)))
}

/// `GET /api/v1/applications/{id}/certificate`: the issued certificate as a PDF
/// attachment (the application's `certificate_url`), in the caller's language.
#[utoipa::path(get, path = "/api/v1/applications/{id}/certificate", tag = "applications", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The certificate", content_type = "application/pdf"), (status = 401, body = ErrorBody),
        (status = 404, description = "`not_found`: no certificate issued for this application in the caller's account", body = ErrorBody)))]
pub async fn certificate(State(app): State<Arc<App>>, Me(me, who): Me, ApiPath(id): ApiPath<String>) -> Result<Response, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let row = certificate::certificate(&app, &me, &id).await?;
    Ok(crate::web::pages::certificates::download(&app, &row, who.language)?)
}

/// One line of the timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// When (Unix seconds).
    pub at: i64,
    /// Status entered.
    pub status: String,
    /// Status in the caller's language.
    pub status_label: String,
    /// What the citizen is told.
    pub note: Option<String>,
}

/// `GET /api/v1/applications/{id}/timeline`
#[utoipa::path(get, path = "/api/v1/applications/{id}/timeline", tag = "applications", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<TimelineEntry>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    State(app): State<Arc<App>>,
    Me(me, who): Me,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<TimelineEntry>>, ApiError> {
    let id = ApplicationId::parse(&id).ok_or(ServiceError::NotFound)?;
    let loaded = applications::load(&app, &me, &id).await?;
    let events = crate::services::applications::timeline::events(&app, &loaded).await?;
    let tr = app.i18n.tr(who.language);
    Ok(Json(
        events
            .into_iter()
            .map(|e| TimelineEntry {
                at: e.at,
                status_label: words::status(&loaded.service, &e.status, tr),
                status: e.status.as_str().to_owned(),
                note: e.note,
            })
            .collect(),
    ))
}

/// A public tracking question.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TrackQuery {
    /// Reference number (case, spaces and dashes do not matter).
    pub reference: String,
    /// The applicant's ID or passport number.
    pub document_number: String,
}

/// The public answer: status only.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrackResult {
    /// Reference, grouped.
    pub reference: String,
    /// Service name.
    pub service: String,
    /// Status code.
    pub status: String,
    /// Status in the caller's language.
    pub status_label: String,
    /// Submission time.
    pub submitted_at: Option<i64>,
    /// Last change.
    pub updated_at: i64,
}

/// `POST /api/v1/track`: anyone; rate-limited per address; unknown and not-yours are the
/// same 404.
#[utoipa::path(post, path = "/api/v1/track", tag = "applications", request_body = TrackQuery,
    responses((status = 200, body = TrackResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn track(
    State(app): State<Arc<App>>,
    Caller(who): Caller,
    ApiJson(input): ApiJson<TrackQuery>,
) -> Result<Json<TrackResult>, ApiError> {
    let found = match tracking::track(&app, &who, &input.reference, &input.document_number).await {
        Err(ServiceError::NotFound) => return Err(ApiError::new(StatusCode::NOT_FOUND, ErrorCode::TrackNotFound)),
        other => other?,
    };
    let tr = app.i18n.tr(who.language);
    Ok(Json(TrackResult {
        service: found.service.name.get_ref().get(who.language).to_owned(),
        status_label: words::status(&found.service, &found.status, tr),
        reference: found.reference,
        status: found.status.as_str().to_owned(),
        submitted_at: found.submitted_at,
        updated_at: found.updated_at,
    }))
}

//! Documents: `GET /applications/{id}/documents` lists each requirement with its rules
//! and an upload control; `POST /applications/{id}/documents/{requirement}` takes one
//! file (multipart, streamed under the requirement's size limit and refused as soon as it
//! passes it); and
//! `GET /applications/{id}/files/{document}` gives the owner their file back as an
//! attachment.

use super::{draft_page, draw_problems, load, service_name};
use crate::crypto::constant_time_eq;
use crate::services::applications::Loaded;
use crate::services::applications::documents::{self, refused};
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::page_error::{PageError, PageResult};
use crate::web::render::{FormErrors, Page, html};
use askama::Template;
use axum::extract::{Multipart, Path};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::application::progress;
use huduma_uploads::{Collector, Rejection};
use std::time::Duration;

/// One requirement, ready to draw.
pub struct RequirementView {
    /// Code (the control's id).
    pub code: String,
    /// What it is.
    pub label: String,
    /// "PDF, JPEG or PNG, up to 2 MB".
    pub rules: String,
    /// Must be uploaded.
    pub required: bool,
    /// The file already uploaded, if any.
    pub uploaded: Option<String>,
    /// Download link of the uploaded file.
    pub href: String,
    /// MIME types for the file picker's filter.
    pub accept: String,
    /// Error message for this requirement.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "application_documents.html")]
struct DocumentsTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    id: String,
    service: String,
    requirements: Vec<RequirementView>,
    next: String,
}

fn render(ctx: &Ctx, loaded: &Loaded, errors: FormErrors, status: StatusCode) -> Response {
    let tr = ctx.tr();
    let requirements = progress::documents(&loaded.service, &loaded.answers)
        .map(|d| {
            let rule = documents::rule(d);
            let kinds: Vec<&str> = rule.allowed.iter().map(|k| k.label()).collect();
            let types = match kinds.as_slice() {
                [] => String::new(),
                [one] => (*one).to_owned(),
                [init @ .., last] => format!("{} {} {last}", init.join(", "), tr.t("application.or")),
            };
            let uploaded = loaded.document(d.code.get_ref());
            RequirementView {
                code: d.code.get_ref().clone(),
                label: d.label.get_ref().get(ctx.language).to_owned(),
                rules: tr.f("application.document_rules", &[("types", &types), ("limit", &huduma_uploads::human_limit(rule.max_bytes))]),
                required: progress::document_required(d),
                href: uploaded.map(|u| format!("/applications/{}/files/{}", loaded.row.id, u.id)).unwrap_or_default(),
                uploaded: uploaded.map(|u| format!("{} ({})", u.file_name, huduma_uploads::human_size(u64::try_from(u.size).unwrap_or(0)))),
                accept: rule.allowed.iter().map(|k| k.content_type()).collect::<Vec<_>>().join(","),
                error: errors.get(d.code.get_ref()).map(str::to_owned),
            }
        })
        .collect();
    let template = DocumentsTemplate {
        page: ctx.page("application.documents_heading"),
        id: loaded.row.id.to_string(),
        service: service_name(ctx, loaded),
        requirements,
        // A correction the agency asked for goes back from the application's own page.
        next: if loaded.status().is_draft() {
            format!("/applications/{}/check", loaded.row.id)
        } else {
            format!("/applications/{}", loaded.row.id)
        },
        errors,
    };
    html(status, &template)
}

/// Shows the documents page.
pub async fn show(_: Citizen, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let loaded = load(&ctx, &id).await?;
    if crate::services::applications::documents_changeable(&loaded) && !loaded.status().is_draft() {
        return Ok(render(&ctx, &loaded, FormErrors::default(), StatusCode::OK));
    }
    draft_page(&ctx, &id, render).await
}

/// Why reading the upload stopped.
enum Failed {
    /// The form token is missing or wrong.
    Csrf,
    /// The request broke off or is not valid multipart: nothing is stored.
    Body,
    /// The file breaks a rule.
    File(Rejection),
}

/// How long the rest of a refused upload is read and thrown away after we answer.
///
/// A browser reads the answer only once it has sent the whole request; if we closed the
/// connection while it was still sending, it would show a "connection reset" error instead of
/// our message (and Windows discards an answer that arrives before the reset). Reading on, in
/// the background and bounded by the route's body limit and this time, is what web servers
/// call a lingering close. Nothing read is kept.
const DISCARD_FOR: Duration = Duration::from_secs(30);

/// Reads the multipart body: the CSRF token first, then the file under the size limit.
///
/// Answers as soon as the file passes `limit` (or the token is wrong): the rest of the body
/// is discarded in the background, never counted or kept.
pub async fn read_upload(mut multipart: Multipart, limit: u64, csrf: Option<&str>) -> Result<(String, Vec<u8>), FailedUpload> {
    let result = read_fields(&mut multipart, limit, csrf).await;
    if matches!(&result, Err(FailedUpload(Failed::Csrf | Failed::File(_)))) {
        discard_rest(multipart);
    }
    result
}

/// Reads and throws away what is left of a refused upload's body in the background
/// (for at most 30 seconds), so a client still sending reads our answer rather than a
/// reset connection.
pub fn discard_rest(mut multipart: Multipart) {
    tokio::spawn(async move {
        let discard = async { while let Ok(Some(_)) = multipart.next_field().await {} };
        let _ = tokio::time::timeout(DISCARD_FOR, discard).await;
    });
}

async fn read_fields(multipart: &mut Multipart, limit: u64, csrf: Option<&str>) -> Result<(String, Vec<u8>), FailedUpload> {
    let mut csrf_ok = csrf.is_none();
    while let Some(mut field) = multipart.next_field().await.map_err(|_| FailedUpload(Failed::Body))? {
        match field.name() {
            Some("csrf") => {
                let sent = field.text().await.map_err(|_| FailedUpload(Failed::Body))?;
                csrf_ok = csrf.is_some_and(|expected| constant_time_eq(&sent, expected));
            }
            Some("file") => {
                if !csrf_ok {
                    return Err(FailedUpload(Failed::Csrf));
                }
                let name = field.file_name().unwrap_or_default().to_owned();
                let mut collector = Collector::new(limit);
                while let Some(chunk) = field.chunk().await.map_err(|_| FailedUpload(Failed::Body))? {
                    collector.push(&chunk).map_err(|r| FailedUpload(Failed::File(r)))?;
                }
                return collector.finish().map(|bytes| (name, bytes)).map_err(|r| FailedUpload(Failed::File(r)));
            }
            _ => {}
        }
    }
    Err(FailedUpload(if csrf_ok { Failed::File(Rejection::Empty) } else { Failed::Csrf }))
}

/// A failed upload read (opaque outside this module).
pub struct FailedUpload(Failed);

impl FailedUpload {
    /// The file rule broken, if that is why.
    pub fn rejection(&self) -> Option<&Rejection> {
        match &self.0 {
            Failed::File(r) => Some(r),
            _ => None,
        }
    }

    /// Whether the form token was wrong.
    pub fn is_csrf(&self) -> bool {
        matches!(self.0, Failed::Csrf)
    }
}

/// Takes one file for a requirement.
pub async fn upload(
    Citizen(ref me): Citizen,
    ctx: Ctx,
    Path((id, requirement)): Path<(String, String)>,
    multipart: Multipart,
) -> PageResult {
    let loaded = load(&ctx, &id).await?;
    let (_, rule) = documents::requirement(&loaded, &requirement)?;
    let result = match read_upload(multipart, rule.max_bytes, Some(&ctx.csrf)).await {
        Ok((name, bytes)) => documents::upload(&ctx.app, me, &loaded.row.id, &requirement, &name, bytes).await,
        Err(failed) if failed.is_csrf() => {
            return Err(PageError::new(StatusCode::FORBIDDEN, "csrf.invalid"));
        }
        Err(failed) => match failed.rejection() {
            Some(r) => Err(refused(&requirement, r)),
            None => return Err(PageError::new(StatusCode::BAD_REQUEST, "upload.interrupted")),
        },
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/applications/{id}/documents?notice=document_uploaded#{requirement}")).into_response()),
        Err(err) => draw_problems(&ctx, &id, err, render).await,
    }
}

/// Sends one of the person's files: always as an attachment, never sniffed, never cached
/// by shared caches.
pub async fn download(Citizen(ref me): Citizen, ctx: Ctx, Path((id, document)): Path<(String, String)>) -> PageResult {
    let document = huduma_domain::DocumentId::parse(&document).ok_or_else(PageError::not_found)?;
    let (row, bytes) = documents::download(&ctx.app, me, &super::parsed(&id)?, &document).await?;
    Ok(attachment(&row.file_name, &row.content_type, bytes))
}

/// A file response that browsers save rather than open.
pub fn attachment(file_name: &str, content_type: &str, bytes: bytes::Bytes) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    // The stored name is already cleaned to safe ASCII-free-of-quotes text; quote it anyway.
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect::<String>()
    );
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

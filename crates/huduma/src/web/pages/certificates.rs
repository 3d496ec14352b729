//! `GET /verify/certificates/{serial}/{code}`: the public page the QR code on an issued
//! certificate opens. It says whether the certificate is genuine and still valid, with
//! no more personal data than is needed to match it to the paper (name, masked number).

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;

use crate::app::App;
use crate::clock::format_nairobi_date_in;
use crate::printed::certificate::{self, Printed};
use crate::services::ServiceError;
use crate::services::back_office::certificates;
use crate::services::rate_limit;
use crate::store::certificates::CertificateRow;
use crate::web::context::Ctx;
use crate::web::page_error::{PageError, PageResult};
use crate::web::pages::applications::uploads::attachment;
use crate::web::render::{Page, html};
use axum::response::Response;
use huduma_domain::Language;

#[derive(Template)]
#[template(path = "certificate_verify.html")]
struct VerifyTemplate<'a> {
    page: Page<'a>,
    validity: &'static str,
    validity_text: String,
    title: String,
    agency: String,
    holder: String,
    document: String,
    serial: String,
    issued: String,
    valid_until: String,
    revoke_reason: String,
}

/// Only the last three characters of a document number.
fn masked(number: &str) -> String {
    let keep = number.chars().count().saturating_sub(3);
    number.chars().enumerate().map(|(i, c)| if i < keep { '•' } else { c }).collect()
}

/// An issued certificate printed in `language`, as a PDF attachment.
pub fn download(app: &App, row: &CertificateRow, language: Language) -> Result<Response, ServiceError> {
    let pdf = print(app, row, language)?;
    Ok(attachment(&format!("certificate-{}.pdf", row.serial), "application/pdf", pdf.into()))
}

/// An issued certificate printed in `language`: the agency's name, the stored text, the
/// serial and dates, and the verification link as text and QR code. A certificate whose
/// stored content does not read is an error, never a blank page.
pub fn print(app: &App, row: &CertificateRow, language: Language) -> Result<Vec<u8>, ServiceError> {
    let content = certificates::content(row)?;
    let agency = app.catalogue().catalogue.agency(&row.agency).map(|a| a.name.get_ref().get(language).to_owned()).unwrap_or_default();
    let url = certificates::verification_url(app, &row.serial);
    let printed = Printed { agency: &agency, text: content.get(language), row, url: &url };
    certificate::pdf(&printed, app.i18n.tr(language)).map_err(ServiceError::Internal)
}

/// `GET /verify/certificates/{serial}/{code}` — anyone holding the QR link (rate-limited per address).
pub async fn verify(ctx: Ctx, Path((serial, code)): Path<(String, String)>) -> PageResult {
    rate_limit::hit(&ctx.app, rate_limit::CERTIFICATE_CHECKS_PER_IP, &ctx.requester.ip).await?;
    let certificate = match certificates::verify(&ctx.app, &serial, &code).await {
        Ok(c) => c,
        Err(ServiceError::NotFound) => return Err(PageError::new(StatusCode::NOT_FOUND, "certificate.not_found")),
        Err(err) => return Err(err.into()),
    };
    let tr = ctx.tr();
    let validity = certificates::validity(&certificate, ctx.app.clock.now());
    let title = certificates::content(&certificate).map(|c| c.get(ctx.language).title.clone()).unwrap_or_default();
    let agency = ctx
        .app
        .catalogue()
        .catalogue
        .agency(&certificate.agency)
        .map(|a| a.name.get_ref().get(ctx.language).to_owned())
        .unwrap_or_default();
    let template = VerifyTemplate {
        page: ctx.page("certificate.verify_title"),
        validity: validity.code(),
        validity_text: tr.t(&format!("certificate.status.{}", validity.code())).to_owned(),
        title,
        agency,
        holder: certificate.holder_name.clone(),
        document: masked(&certificate.document_number),
        serial: certificate.serial.clone(),
        issued: format_nairobi_date_in(certificate.issued_at, ctx.language),
        valid_until: certificate.valid_until.map(|t| format_nairobi_date_in(t, ctx.language)).unwrap_or_default(),
        revoke_reason: certificate.revoke_reason.clone().unwrap_or_default(),
    };
    Ok(html(StatusCode::OK, &template))
}

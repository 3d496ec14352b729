//! Receipts: `GET /receipts/{number}` (the payer's receipt), `GET /receipts/{number}/pdf`
//! (the same as a PDF with a QR code) and `GET /verify/receipts/{number}/{code}` (anyone
//! with the QR link: is this receipt genuine? minimal data, rate-limited).

use crate::clock::format_nairobi_in;
use crate::services::payments::receipts::{self, ReceiptView};
use crate::services::rate_limit;
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::page_error::{PageError, PageResult};
use crate::web::pages::applications::uploads::attachment;
use crate::web::pages::two_factor::qr_svg;
use crate::web::render::{Page, html};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;

/// A receipt as every view shows it.
pub struct ReceiptLines {
    pub number: String,
    /// Date.
    pub issued: String,
    /// Amount received.
    pub amount: String,
    /// "M-Pesa".
    pub method: String,
    /// Provider's reference.
    pub reference: String,
    /// Who paid (masked phone), if given.
    pub payer: String,
    /// Invoice number.
    pub invoice: String,
    /// What was paid for.
    pub description: String,
    /// Invoice lines: (description, amount).
    pub lines: Vec<(String, String)>,
    /// Invoice total.
    pub total: String,
    /// Still due after all payments.
    pub balance: String,
}

/// A receipt's lines; with the app, the service and the convenience fee are named in
/// `language` (from the catalogue), else as stored.
fn lines(app: Option<&crate::app::App>, language: huduma_domain::Language, view: &ReceiptView) -> ReceiptLines {
    ReceiptLines {
        number: view.receipt.number.clone(),
        issued: format_nairobi_in(view.receipt.issued_at, language),
        amount: view.money(view.receipt.amount_minor).to_string(),
        method: if view.receipt.method == "mpesa" { "M-Pesa".into() } else { view.receipt.method.clone() },
        reference: view.receipt.provider_ref.clone(),
        payer: view.receipt.payer.clone().unwrap_or_default(),
        invoice: view.invoice.number.clone(),
        description: app.map_or_else(
            || view.invoice.description.clone(),
            |app| crate::web::invoice_text::invoice_description(app, &view.invoice, &view.lines, language),
        ),
        lines: view
            .lines
            .iter()
            .map(|l| {
                let description =
                    app.map_or_else(|| l.description.clone(), |app| crate::web::invoice_text::line_description(app, l, language));
                (description, view.money(l.amount_minor).to_string())
            })
            .collect(),
        total: view.money(view.invoice.total_minor).to_string(),
        balance: view.money((view.invoice.total_minor - view.invoice.paid_minor).max(0)).to_string(),
    }
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptTemplate<'a> {
    page: Page<'a>,
    r: ReceiptLines,
    qr: String,
    verify_url: String,
}

/// The payer's receipt.
pub async fn show(Citizen(ref me): Citizen, ctx: Ctx, Path(number): Path<String>) -> PageResult {
    let view = receipts::owned(&ctx.app, me, &number).await?;
    let verify_url = receipts::verification_url(&ctx.app, &view.receipt.number);
    let template = ReceiptTemplate {
        page: ctx.page("receipt.heading"),
        r: lines(Some(&ctx.app), ctx.language, &view),
        qr: qr_svg(&verify_url),
        verify_url,
    };
    Ok(html(StatusCode::OK, &template))
}

/// The payer's receipt as a PDF.
pub async fn pdf(Citizen(ref me): Citizen, ctx: Ctx, Path(number): Path<String>) -> PageResult {
    let view = receipts::owned(&ctx.app, me, &number).await?;
    let bytes = receipt_pdf(&ctx.app, ctx.tr(), &view).map_err(|err| PageError::internal(format!("{err:#}")))?;
    Ok(attachment(&format!("receipt-{}.pdf", view.receipt.number), "application/pdf", bytes.into()))
}

/// A receipt as a one-page PDF with its verification QR code (the page's and the API's).
pub fn receipt_pdf(app: &crate::app::App, tr: crate::i18n::Tr<'_>, view: &ReceiptView) -> anyhow::Result<Vec<u8>> {
    receipt_document(Some(app), tr, view, &receipts::verification_url(app, &view.receipt.number))
}

/// [`receipt_pdf`] with its verification link given.
fn receipt_document(app: Option<&crate::app::App>, tr: crate::i18n::Tr<'_>, view: &ReceiptView, url: &str) -> anyhow::Result<Vec<u8>> {
    let r = lines(app, tr.language, view);
    let mut text = vec![
        crate::pdf::Line::heading(tr.t("site.name"), 20.0),
        crate::pdf::Line::heading(tr.f("receipt.official", &[("number", &r.number)]), 14.0),
        crate::pdf::Line::text(format!("{}: {}", tr.t("receipt.date"), r.issued)),
        crate::pdf::Line::text(format!("{}: {} ({})", tr.t("receipt.for"), r.description, r.invoice)),
        crate::pdf::Line::text(""),
    ];
    text.extend(r.lines.iter().map(|(d, a)| crate::pdf::Line::text(format!("{d}: {a}"))));
    text.extend([
        crate::pdf::Line::text(format!("{}: {}", tr.t("payment.total"), r.total)),
        crate::pdf::Line::text(""),
        crate::pdf::Line::heading(format!("{}: {}", tr.t("receipt.amount"), r.amount), 12.0),
        crate::pdf::Line::text(format!("{}: {} {}", tr.t("receipt.method"), r.method, r.reference)),
        crate::pdf::Line::text(format!("{}: {}", tr.t("receipt.payer"), r.payer)),
        crate::pdf::Line::text(format!("{}: {}", tr.t("receipt.balance"), r.balance)),
        crate::pdf::Line::text(""),
        crate::pdf::Line::text(tr.t("receipt.verify_hint")),
    ]);
    crate::pdf::page(&r.number, &text, Some(url))
}

#[derive(Template)]
#[template(path = "receipt_verify.html")]
struct VerifyTemplate<'a> {
    page: Page<'a>,
    found: Option<ReceiptLines>,
}

/// The public check behind the QR code.
pub async fn verify(ctx: Ctx, Path((number, code)): Path<(String, String)>) -> PageResult {
    rate_limit::hit(&ctx.app, rate_limit::RECEIPT_CHECKS_PER_IP, &ctx.requester.ip).await?;
    let (status, found) = match receipts::verify(&ctx.app, &number, &code).await {
        Ok(view) => (StatusCode::OK, Some(lines(Some(&ctx.app), ctx.language, &view))),
        Err(crate::services::ServiceError::NotFound) => (StatusCode::NOT_FOUND, None),
        Err(err) => return Err(err.into()),
    };
    Ok(html(status, &VerifyTemplate { page: ctx.page("receipt.verify_heading"), found }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::I18n;
    use crate::store::payments::{InvoiceRow, LineRow, ReceiptRow};
    use huduma_domain::Language;

    /// A receipt for a long service name and several fee lines, printed in both languages:
    /// no line of text touches the QR code.
    #[test]
    fn no_receipt_prints_text_under_its_qr_code() {
        let description = "Police clearance certificate (certificate of good conduct) for Wanjiku Nyambura Wairimu-Kamau Mwangi Njoroge";
        let view = ReceiptView {
            receipt: ReceiptRow {
                number: "R7K3MX9PQ2".into(),
                payment_id: huduma_domain::PaymentId::parse("p").expect("an id"),
                invoice_id: huduma_domain::InvoiceId::parse("i").expect("an id"),
                account_id: None,
                currency: huduma_domain::Currency::Kes,
                amount_minor: 1_234_500,
                method: "mpesa".into(),
                provider_ref: "SGH4K2L9QX".into(),
                payer: Some("+254 7** *** 678".into()),
                issued_at: 1_796_370_600,
            },
            invoice: InvoiceRow {
                id: huduma_domain::InvoiceId::parse("i").expect("an id"),
                number: "B7K3MX9PQ2".into(),
                account_id: None,
                application_id: None,
                currency: huduma_domain::Currency::Kes,
                total_minor: 1_234_500,
                paid_minor: 1_234_500,
                status: huduma_domain::payments::InvoiceStatus::Paid,
                description: description.into(),
                created_at: 0,
                expires_at: 0,
                paid_at: None,
            },
            lines: ["Agency fee: Directorate of Criminal Investigations", "eCitizen convenience fee"]
                .map(|d| LineRow { agency: "dci".into(), revenue_head: "fees".into(), description: d.into(), amount_minor: 617_250 })
                .to_vec(),
        };
        let i18n = I18n::load().unwrap();
        for language in [Language::En, Language::Sw] {
            let pdf =
                receipt_document(None, i18n.tr(language), &view, "https://huduma.go.ke/verify/receipts/R7K3MX9PQ2/AbCdEfGhJk").unwrap();
            let pages = crate::pdf::measure::assert_clear(&pdf, &format!("receipt ({language:?})"));
            assert!(pages[0].qr.is_some() && pages[0].text.iter().any(|l| l.text.contains("R7K3MX9PQ2")));
        }
    }
}

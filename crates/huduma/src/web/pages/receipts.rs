//! Receipts: `GET /receipts/{number}` (the payer's receipt), `GET /receipts/{number}/pdf`
//! (the same as a PDF with a QR code) and `GET /verify/receipts/{number}/{code}` (anyone
//! with the QR link: is this receipt genuine? minimal data, rate-limited).

use crate::clock::format_nairobi_in;
use crate::services::payments::invoices;
use crate::services::payments::receipts::{self, ReceiptView};
use crate::services::rate_limit;
use crate::web::context::Ctx;
use crate::web::pages::applications::uploads::attachment;
use crate::web::pages::applications::{failure, signed_in};
use crate::web::pages::two_factor::qr_svg;
use crate::web::render::{Page, html};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;

/// A receipt as every view shows it.
pub struct ReceiptLines {
    /// Number.
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

fn lines(app: &crate::app::App, language: huduma_domain::Language, view: &ReceiptView) -> ReceiptLines {
    ReceiptLines {
        number: view.receipt.number.clone(),
        issued: format_nairobi_in(view.receipt.issued_at, language),
        amount: view.money(view.receipt.amount_minor).to_string(),
        method: if view.receipt.method == "mpesa" { "M-Pesa".into() } else { view.receipt.method.clone() },
        reference: view.receipt.provider_ref.clone(),
        payer: view.receipt.payer.clone().unwrap_or_default(),
        invoice: view.invoice.number.clone(),
        description: invoices::invoice_description(app, &view.invoice, &view.lines, language),
        lines: view.lines.iter().map(|l| (invoices::line_description(app, l, language), view.money(l.amount_minor).to_string())).collect(),
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
pub async fn show(ctx: Ctx, Path(number): Path<String>) -> Response {
    let me = signed_in!(ctx);
    match receipts::owned(&ctx.app, me, &number).await {
        Ok(view) => {
            let verify_url = receipts::verification_url(&ctx.app, &view.receipt.number);
            let template = ReceiptTemplate {
                page: ctx.page("receipt.heading"),
                r: lines(&ctx.app, ctx.language, &view),
                qr: qr_svg(&verify_url),
                verify_url,
            };
            html(StatusCode::OK, &template)
        }
        Err(err) => failure(&ctx, err),
    }
}

/// The payer's receipt as a PDF.
pub async fn pdf(ctx: Ctx, Path(number): Path<String>) -> Response {
    let me = signed_in!(ctx);
    let view = match receipts::owned(&ctx.app, me, &number).await {
        Ok(view) => view,
        Err(err) => return failure(&ctx, err),
    };
    match receipt_pdf(&ctx.app, ctx.tr(), &view) {
        Ok(bytes) => attachment(&format!("receipt-{}.pdf", view.receipt.number), "application/pdf", bytes.into()),
        Err(err) => failure(&ctx, crate::services::ServiceError::Internal(err)),
    }
}

/// A receipt as a one-page PDF with its verification QR code (the page's and the API's).
pub fn receipt_pdf(app: &crate::app::App, tr: crate::i18n::Tr<'_>, view: &ReceiptView) -> anyhow::Result<Vec<u8>> {
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
    let url = receipts::verification_url(app, &r.number);
    crate::pdf::page(&r.number, &text, Some(&url))
}

#[derive(Template)]
#[template(path = "receipt_verify.html")]
struct VerifyTemplate<'a> {
    page: Page<'a>,
    found: Option<ReceiptLines>,
}

/// The public check behind the QR code.
pub async fn verify(ctx: Ctx, Path((number, code)): Path<(String, String)>) -> Response {
    if let Err(err) = rate_limit::hit(&ctx.app, rate_limit::RECEIPT_CHECKS_PER_IP, &ctx.requester.ip).await {
        return failure(&ctx, err);
    }
    match receipts::verify(&ctx.app, &number, &code).await {
        Ok(view) => html(
            StatusCode::OK,
            &VerifyTemplate { page: ctx.page("receipt.verify_heading"), found: Some(lines(&ctx.app, ctx.language, &view)) },
        ),
        Err(crate::services::ServiceError::NotFound) => {
            html(StatusCode::NOT_FOUND, &VerifyTemplate { page: ctx.page("receipt.verify_heading"), found: None })
        }
        Err(err) => failure(&ctx, err),
    }
}

//! How an invoice and its lines read in the page's language. Lines are stored in English,
//! as the agencies' books keep them; the portal names its own lines and the services in
//! the reader's language when it shows them.

use crate::app::App;
use crate::services::payments::invoices::PLATFORM;
use crate::store::payments::{InvoiceRow, LineRow};
use huduma_domain::Language;

/// How an invoice line reads in `language`. Lines are stored in English, as the agencies'
/// books keep them; the convenience fee and an application's service are named in the
/// reader's language when shown. Other lines (an agency's own bill) read as the agency sent them.
pub fn line_description(app: &App, line: &LineRow, language: Language) -> String {
    if line.agency == PLATFORM && line.revenue_head == "convenience_fee" {
        return app.i18n.tr(language).t("service.convenience_fee").to_owned();
    }
    service_name(app, &line.revenue_head, language).unwrap_or_else(|| line.description.clone())
}

/// What an invoice is for, in `language`: its service's name when it is an application's.
pub fn invoice_description(app: &App, invoice: &InvoiceRow, lines: &[LineRow], language: Language) -> String {
    let service = lines.iter().find(|l| l.agency != PLATFORM && invoice.application_id.is_some());
    service.and_then(|l| service_name(app, &l.revenue_head, language)).unwrap_or_else(|| invoice.description.clone())
}

fn service_name(app: &App, code: &str, language: Language) -> Option<String> {
    app.catalogue().catalogue.service(code).map(|s| s.name.get(language).to_owned())
}

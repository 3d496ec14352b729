//! A certificate's words: its text filled from the service's `[certificate]` template,
//! and its printed page.

use crate::clock::format_nairobi_date_in;
use crate::i18n::{I18n, Tr, words};
use crate::pdf::{self, Line};
use crate::store::certificates::CertificateRow;
use huduma_domain::Language;
use huduma_domain::application::Answers;
use huduma_domain::catalogue::Service;
use huduma_domain::catalogue::check::placeholders;
use huduma_domain::catalogue::definition::Certificate;
use serde::{Deserialize, Serialize};

/// One language's text of an issued document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Text {
    /// Heading.
    pub title: String,
    /// Paragraphs, placeholders filled.
    pub body: Vec<String>,
    /// Who signs.
    pub signatory: String,
}

/// The stored content: English and Kiswahili.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Content {
    /// English.
    pub en: Text,
    /// Kiswahili.
    pub sw: Text,
}

impl Content {
    /// The text in `language`.
    pub fn get(&self, language: Language) -> &Text {
        match language {
            Language::En => &self.en,
            Language::Sw => &self.sw,
        }
    }
}

/// What a certificate says of its holder and application, before it is worded.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The holder's full name.
    pub name: &'a str,
    pub document_number: &'a str,
    /// The application's reference as read (`A7K3MX-9PQ2C`).
    pub reference: &'a str,
    pub serial: &'a str,
    pub issued_at: i64,
    pub valid_until: Option<i64>,
    /// The service, for the labels of the answers a template quotes.
    pub service: &'a Service,
    pub answers: &'a Answers,
}

/// The certificate's text in both languages, from its template and the facts.
pub fn compose(template: &Certificate, facts: &Facts<'_>) -> Content {
    let text_in = |language: Language| {
        let tr = I18n::global().tr(language);
        let values = |name: &str| -> String {
            match name {
                "name" => facts.name.to_owned(),
                "document_number" => facts.document_number.to_owned(),
                "reference" => facts.reference.to_owned(),
                "serial" => facts.serial.to_owned(),
                "issued_on" => format_nairobi_date_in(facts.issued_at, language),
                "valid_until" => facts.valid_until.map(|t| format_nairobi_date_in(t, language)).unwrap_or_default(),
                other => other
                    .strip_prefix("answer.")
                    .and_then(|code| Some((facts.service.fields().find(|f| f.code.get_ref() == code)?, facts.answers.get(code)?)))
                    .map(|(field, answer)| words::answer(field, answer, tr))
                    .unwrap_or_default(),
            }
        };
        filled(template, language, &values)
    };
    Content { en: text_in(Language::En), sw: text_in(Language::Sw) }
}

/// Fills `{…}` in a template text.
fn fill(text: &str, values: &dyn Fn(&str) -> String) -> String {
    let mut out = text.to_owned();
    for name in placeholders(text).map(str::to_owned).collect::<Vec<_>>() {
        out = out.replace(&format!("{{{name}}}"), &values(&name));
    }
    out
}

/// A template's text in `language` with its placeholders filled from `values`.
fn filled(template: &Certificate, language: Language, values: &dyn Fn(&str) -> String) -> Text {
    Text {
        title: template.title.get_ref().get(language).to_owned(),
        body: template.body.iter().map(|p| fill(p.get_ref().get(language), values)).collect(),
        signatory: template.signatory.get_ref().get(language).to_owned(),
    }
}

/// What a printed certificate shows.
pub struct Printed<'a> {
    /// The issuing agency's name.
    pub agency: &'a str,
    /// The text in the language printed.
    pub text: &'a Text,
    /// Serial and dates.
    pub row: &'a CertificateRow,
    /// The verification link, printed and encoded in the QR code.
    pub url: &'a str,
}

/// Lays a certificate out: each paragraph is one [`Line`] the PDF writer wraps around the
/// QR code.
pub fn pdf(p: &Printed<'_>, tr: Tr<'_>) -> anyhow::Result<Vec<u8>> {
    let (text, c) = (p.text, p.row);
    let mut lines = vec![Line::heading(p.agency, 12.0), Line::text(""), Line::heading(text.title.clone(), 18.0), Line::text("")];
    for paragraph in &text.body {
        lines.push(Line::text(paragraph.clone()));
        lines.push(Line::text(""));
    }
    lines.push(Line::text(tr.f("certificate.serial", &[("serial", &c.serial)])));
    lines.push(Line::text(tr.f("certificate.issued_on", &[("date", &format_nairobi_date_in(c.issued_at, tr.language))])));
    if let Some(until) = c.valid_until {
        lines.push(Line::text(tr.f("certificate.valid_until", &[("date", &format_nairobi_date_in(until, tr.language))])));
    }
    lines.push(Line::text(""));
    lines.push(Line::heading(text.signatory.clone(), 11.0));
    lines.push(Line::text(""));
    lines.push(Line::text(tr.t("certificate.verify_at")));
    lines.push(Line::text(p.url));
    pdf::page(&text.title, &lines, Some(p.url))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::pdf::measure;

    /// Among the longest names the register holds.
    const LONG_NAME: &str = "Wanjiku Nyambura Wairimu-Kamau Mwangi Njoroge";

    fn row(agency: &str, content: &Content) -> CertificateRow {
        CertificateRow {
            serial: "C7K3MX9PQ2".into(),
            application_id: huduma_domain::ApplicationId::parse("0190a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b").expect("an id"),
            service_code: "certificate-of-good-conduct".into(),
            service_version: 1,
            agency: agency.into(),
            holder_name: LONG_NAME.into(),
            document_number: "12345678".into(),
            content: serde_json::to_string(content).unwrap(),
            issued_at: 1_796_370_600,
            issued_by: huduma_domain::StaffId::parse("staff").expect("an id"),
            valid_until: Some(1_811_922_600),
            revoked_at: None,
            revoke_reason: None,
        }
    }

    /// Every bundled template, filled with long values, printed in both languages: no line
    /// of text touches the QR code, and the holder's sentence is on the page whole.
    #[test]
    fn no_certificate_prints_text_under_its_qr_code() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogue");
        let catalogue = huduma_domain::catalogue::check(&crate::services::catalogue::read_folder(&dir).unwrap()).unwrap();
        let i18n = I18n::load().unwrap();
        let values = |name: &str| -> String {
            match name {
                "name" => LONG_NAME.into(),
                "document_number" => "12345678".into(),
                "reference" => "A7K3MX-9PQ2C".into(),
                "serial" => "C7K3MX9PQ2".into(),
                "issued_on" => crate::clock::format_nairobi_date(1_796_370_600),
                "valid_until" => crate::clock::format_nairobi_date(1_811_922_600),
                _ => "Wairimu-Kamau Mwangi Njoroge Holdings Limited".into(),
            }
        };
        let url = "https://huduma.go.ke/verify/certificates/C7K3MX9PQ2/AbCdEfGhJk";
        let mut printed = 0;
        for service in catalogue.services.iter().filter(|s| s.certificate.is_some()) {
            let Some(template) = &service.certificate else { continue };
            let content = Content { en: filled(template, Language::En, &values), sw: filled(template, Language::Sw, &values) };
            for language in [Language::En, Language::Sw] {
                let agency = catalogue.agency(&service.agency).map(|a| a.name.get_ref().get(language).to_owned()).unwrap_or_default();
                let c = row(&service.agency, &content);
                let pdf = pdf(&Printed { agency: &agency, text: content.get(language), row: &c, url }, i18n.tr(language)).unwrap();
                let what = format!("{} ({language:?})", service.code.get_ref());
                if let Some(dir) = std::env::var_os("HUDUMA_CERTIFICATE_PDF_DIR") {
                    std::fs::write(std::path::Path::new(&dir).join(format!("{what}.pdf")), &pdf).unwrap();
                }
                let pages = measure::assert_clear(&pdf, &what);
                assert!(pages[0].qr.is_some(), "{what}: the QR code is printed");
                let all: String = pages.iter().flat_map(|p| p.text.iter().map(|l| l.text.clone())).collect::<Vec<_>>().join(" ");
                if template.body.iter().any(|p| p.get_ref().get(language).contains("{name}")) {
                    assert!(all.contains(LONG_NAME), "{what}: the holder's name is printed whole: {all}");
                }
                // The dates the page prints itself are in the certificate's language.
                let issued = crate::clock::format_nairobi_date_in(1_796_370_600, language);
                assert!(all.contains(&issued), "{what}: issued on {issued}: {all}");
                printed += 1;
            }
        }
        assert!(printed >= 20, "the bundled catalogue has its certificates: {printed}");
    }
}

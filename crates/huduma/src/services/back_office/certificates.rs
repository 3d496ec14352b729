//! Issued documents: a certificate is made from the service's `[certificate]` template
//! when an `issue` action is taken, stored with its text filled in (so a later catalogue
//! change never alters a document already issued), printed as a PDF with its serial and a
//! QR code, and checked by anyone through the public verification page.

use super::super::applications::{answer_in_words, display_reference};
use super::super::{ServiceError, ServiceResult, audit};
use super::StaffMember;
use crate::app::App;
use crate::clock::format_nairobi_date_in;
use crate::pdf::{self, Line};
use crate::services::messages;
use crate::store::applications::ApplicationRow;
use crate::store::certificates::{self as store, CertificateRow};
use crate::store::{Conn, accounts};
use huduma_domain::Language;
use huduma_domain::application::Answers;
use huduma_domain::catalogue::Service;
use huduma_domain::catalogue::check::placeholders;
use huduma_domain::reference::{Kind, Reference};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Characters of the code in the public verification link.
const CODE_LEN: usize = 10;

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

/// The code that makes a certificate's public link unguessable.
pub fn verification_code(app: &App, serial: &str) -> String {
    crate::crypto::keyed_hash(&app.config.secret_key, &["certificate", serial])
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(CODE_LEN)
        .collect()
}

/// The public verification link printed as the QR code.
pub fn verification_url(app: &App, serial: &str) -> String {
    format!("{}/verify/certificates/{serial}/{}", app.config.callback_base_url.trim_end_matches('/'), verification_code(app, serial))
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
fn filled(template: &huduma_domain::catalogue::definition::Certificate, language: Language, values: &dyn Fn(&str) -> String) -> Text {
    Text {
        title: template.title.get_ref().get(language).to_owned(),
        body: template.body.iter().map(|p| fill(p.get_ref().get(language), values)).collect(),
        signatory: template.signatory.get_ref().get(language).to_owned(),
    }
}

/// Makes and stores the certificate for an application whose `issue` action is being
/// taken, inside that action's transaction. Returns the serial.
pub async fn issue(
    conn: &mut Conn,
    app: &App,
    me: &StaffMember,
    row: &ApplicationRow,
    service: &Service,
    now: i64,
) -> ServiceResult<String> {
    let template = service.certificate.as_ref().ok_or(ServiceError::field("action", "certificate.no_template"))?;
    let account = accounts::by_id(conn, &row.account_id).await?.ok_or(ServiceError::NotFound)?;
    let answers: Answers = serde_json::from_str(&row.answers).map_err(anyhow::Error::from)?;
    let serial = {
        let mut rng = rand::rng();
        Reference::generate(Kind::Certificate, |n| rng.random_range(0..n)).as_str().to_owned()
    };
    let valid_until = template.valid_days.map(|days| now + i64::from(days) * 86_400);
    let holder_name = [account.first_name.as_str(), account.other_names.as_str(), account.surname.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let text_in = |language: Language| {
        let tr = app.i18n.tr(language);
        let values = |name: &str| -> String {
            match name {
                "name" => holder_name.clone(),
                "document_number" => account.document_number.clone(),
                "reference" => row.reference.as_deref().map(display_reference).unwrap_or_default(),
                "serial" => serial.clone(),
                "issued_on" => format_nairobi_date_in(now, language),
                "valid_until" => valid_until.map(|t| format_nairobi_date_in(t, language)).unwrap_or_default(),
                other => other
                    .strip_prefix("answer.")
                    .and_then(|code| Some((service.fields().find(|f| f.code.get_ref() == code)?, answers.get(code)?)))
                    .map(|(field, answer)| answer_in_words(field, answer, tr))
                    .unwrap_or_default(),
            }
        };
        filled(template, language, &values)
    };
    let content = Content { en: text_in(Language::En), sw: text_in(Language::Sw) };
    let certificate = CertificateRow {
        serial: serial.clone(),
        application_id: row.id.clone(),
        service_code: row.service_code.clone(),
        service_version: row.service_version,
        agency: row.agency.clone(),
        holder_name,
        document_number: account.document_number.clone(),
        content: serde_json::to_string(&content).map_err(anyhow::Error::from)?,
        issued_at: now,
        issued_by: me.row.id.clone(),
        valid_until,
        revoked_at: None,
        revoke_reason: None,
    };
    store::insert(conn, &certificate).await?;
    Ok(serial)
}

/// Whether a certificate can be relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Valid,
    /// Past its end of validity.
    Expired,
    /// Revoked by the agency.
    Revoked,
}

impl Validity {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Expired => "expired",
            Validity::Revoked => "revoked",
        }
    }
}

/// A certificate's standing at `now`.
pub fn validity(c: &CertificateRow, now: i64) -> Validity {
    if c.revoked_at.is_some() {
        Validity::Revoked
    } else if c.valid_until.is_some_and(|until| until <= now) {
        Validity::Expired
    } else {
        Validity::Valid
    }
}

/// The stored content.
pub fn content(c: &CertificateRow) -> ServiceResult<Content> {
    Ok(serde_json::from_str(&c.content).map_err(anyhow::Error::from)?)
}

/// The certificate as a PDF in `language`, with its serial and QR code.
pub fn pdf(app: &App, c: &CertificateRow, language: Language) -> ServiceResult<Vec<u8>> {
    let content = content(c)?;
    let agency = app.catalogue().catalogue.agency(&c.agency).map(|a| a.name.get_ref().get(language).to_owned()).unwrap_or_default();
    let printed = Printed { agency: &agency, text: content.get(language), row: c, url: &verification_url(app, &c.serial) };
    Ok(render(&printed, app.i18n.tr(language))?)
}

/// What a printed certificate shows.
struct Printed<'a> {
    /// The issuing agency's name.
    agency: &'a str,
    /// The text in the language printed.
    text: &'a Text,
    /// Serial and dates.
    row: &'a CertificateRow,
    /// The verification link, printed and encoded in the QR code.
    url: &'a str,
}

/// Lays a certificate out: each paragraph is one [`Line`] the PDF writer wraps around the
/// QR code.
fn render(p: &Printed<'_>, tr: crate::i18n::Tr<'_>) -> anyhow::Result<Vec<u8>> {
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

/// The certificate behind a verification link, if the code matches.
pub async fn verify(app: &App, serial: &str, code: &str) -> ServiceResult<CertificateRow> {
    if !crate::crypto::constant_time_eq(&verification_code(app, serial), code) {
        return Err(ServiceError::NotFound);
    }
    let mut conn = app.db.pool().acquire().await?;
    store::by_serial(&mut conn, serial).await?.ok_or(ServiceError::NotFound)
}

/// Revokes a certificate of the member's agency, with a reason.
pub async fn revoke(app: &App, me: &StaffMember, ip: &str, serial: &str, reason: &str) -> ServiceResult<()> {
    let agency = me.agency().ok_or(ServiceError::NotFound)?;
    if !me.role.processes_applications() {
        return Err(ServiceError::NotFound);
    }
    let reason = reason.trim();
    if reason.chars().count() < 10 || reason.chars().count() > 500 {
        return Err(ServiceError::field("reason", "workflow.reason_required"));
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if !store::revoke(&mut tx, serial, agency, &me.row.id, reason, now).await? {
        return Err(ServiceError::NotFound);
    }
    let entry = audit::Entry {
        actor: me.actor(),
        agency: Some(agency),
        action: "certificate.revoke",
        subject: format!("certificate:{serial}"),
        details: serde_json::json!({ "reason": reason }),
        ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tell_holder_of_revocation(&mut tx, app, serial, reason, now).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(())
}

/// Queues the SMS and email telling the holder their certificate no longer verifies, and
/// why, in their language (in the revocation's transaction: both happen or neither).
async fn tell_holder_of_revocation(conn: &mut Conn, app: &App, serial: &str, reason: &str, now: i64) -> ServiceResult<()> {
    let certificate = store::by_serial(conn, serial).await?.ok_or(ServiceError::NotFound)?;
    let Some(application) = crate::store::applications::find(conn, &certificate.application_id).await? else { return Ok(()) };
    let Some(account) = accounts::by_id(conn, &application.account_id).await? else { return Ok(()) };
    let service = super::super::applications::definitions::service_with(
        conn,
        app,
        &application.service_code,
        application.service_version,
        &application.agency,
    )
    .await?;
    let language = account.language;
    let tr = app.i18n.tr(language);
    let reference = application.reference.as_deref().map(display_reference).unwrap_or_default();
    let help = messages::link(app, "/help");
    let args = [
        ("serial", serial),
        ("service", service.name.get_ref().get(language)),
        ("reference", reference.as_str()),
        ("reason", reason),
        ("link", help.as_str()),
    ];
    messages::queue_sms(conn, &account.phone, &revocation_sms(tr, &args), now).await?;
    let subject = tr.f("message.certificate_revoked_subject", &args);
    messages::queue_email(conn, &account.email, &subject, &tr.f("message.certificate_revoked_body", &args), now).await?;
    Ok(())
}

/// The revocation SMS: the officer's reason, shortened if need be to keep the text within
/// [`messages::LONG_SMS_SEGMENTS`] (the email carries it whole).
pub(crate) fn revocation_sms(tr: crate::i18n::Tr<'_>, args: &[(&str, &str)]) -> String {
    let reason = args.iter().find(|(name, _)| *name == "reason").map_or("", |(_, value)| *value);
    let others: Vec<(&str, &str)> = args.iter().copied().filter(|(name, _)| *name != "reason").chain([("reason", "{free}")]).collect();
    messages::sms_segments::fit(&tr.f("message.certificate_revoked_sms", &others), reason, messages::LONG_SMS_SEGMENTS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::I18n;
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
                let pdf = render(&Printed { agency: &agency, text: content.get(language), row: &c, url }, i18n.tr(language)).unwrap();
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

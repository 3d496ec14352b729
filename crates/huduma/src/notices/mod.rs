//! What Huduma tells people by SMS and email, queued in the outbox inside the caller's
//! transaction. A use case says which message and with what values ([`Notice`]) and to
//! whom ([`Recipient`]); [`wording`] words it in the reader's language. No use case
//! words a message itself.
//!
//! Every link in a message is absolute (a phone cannot open `/track`), and every SMS
//! template fits one GSM-7 segment with long realistic values (an appointment, or text an
//! officer typed, two): `tests` renders them all and counts.

pub mod sms_segments;
pub mod wording;

pub use wording::{Extras, Notice};

use crate::app::App;
use crate::i18n::I18n;
use crate::store::accounts::AccountRow;
use crate::store::{Conn, outbox};
use huduma_domain::Language;
use serde::{Deserialize, Serialize};

/// Where a message goes, and the language it is worded in. A message is sent on each
/// channel both the notice and the recipient have.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// E.164 phone, for SMS.
    pub phone: Option<&'a str>,
    /// Address, for email.
    pub email: Option<&'a str>,
    pub language: Language,
}

impl<'a> Recipient<'a> {
    /// A citizen's account: its phone, email and language.
    pub fn account(account: &'a AccountRow) -> Self {
        Self { phone: Some(&account.phone), email: Some(&account.email), language: account.language }
    }
}

/// Words `notice` for `to` and queues it on each of its channels.
pub async fn send(conn: &mut Conn, to: &Recipient<'_>, notice: &Notice<'_>, now: i64) -> Result<(), sqlx::Error> {
    let tr = I18n::global().tr(to.language);
    if let (Some(phone), Some(text)) = (to.phone, notice.sms(tr)) {
        queue_sms(conn, phone, &text, now).await?;
    }
    if let (Some(email), Some((subject, body))) = (to.email, notice.email(tr)) {
        queue_email(conn, email, &subject, &body, now).await?;
    }
    Ok(())
}

/// Segments an SMS may cost when it carries text a person typed (an officer's question or
/// reason) or an appointment; every other SMS fits one.
pub const LONG_SMS_SEGMENTS: usize = 2;

/// The absolute address of `path` on the portal, for messages: the configured public URL
/// (`HUDUMA_PUBLIC_URL`), or else the address the portal was found reachable at when it
/// started (both are in `callback_base_url`).
pub fn link(app: &App, path: &str) -> String {
    absolute(&app.config.callback_base_url, path)
}

/// `base` joined with `path`, with exactly one slash between them.
pub fn absolute(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SmsJob {
    /// E.164 phone.
    pub to: String,
    /// Text.
    pub message: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EmailJob {
    /// Address.
    pub to: String,
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Queues an SMS, its typographic punctuation made plain (see [`sms_segments::plain`]).
async fn queue_sms(conn: &mut Conn, to: &str, message: &str, now: i64) -> Result<(), sqlx::Error> {
    let job = SmsJob { to: to.to_owned(), message: sms_segments::plain(message) };
    outbox::enqueue(conn, "sms", &serde_json::to_string(&job).unwrap_or_default(), now).await
}

async fn queue_email(conn: &mut Conn, to: &str, subject: &str, body: &str, now: i64) -> Result<(), sqlx::Error> {
    let job = EmailJob { to: to.to_owned(), subject: subject.to_owned(), body: body.to_owned() };
    outbox::enqueue(conn, "email", &serde_json::to_string(&job).unwrap_or_default(), now).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::sms_segments::{Encoding, count, is_gsm7};
    use super::*;
    use crate::i18n::words;
    use crate::i18n::{EN_SOURCE, I18n, Tr, flatten};
    use huduma_domain::Language;
    use huduma_domain::catalogue::{Catalogue, check};
    use huduma_domain::money::{Currency, Money};
    use std::collections::BTreeSet;
    use wording::{revocation_sms, status_sms};

    /// The longest public address we plan for.
    const BASE: &str = "https://huduma.go.ke";
    /// An office as officers type it, at the long end.
    const OFFICE: &str = "Huduma Centre GPO, Teleposta Towers, Kenyatta Avenue, Nairobi";

    fn catalogue() -> Catalogue {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogue");
        check(&crate::services::catalogue::read_folder(&dir).unwrap()).unwrap()
    }

    /// The SMS keys: every `[message]` key that is not an email's subject or body.
    fn sms_keys() -> BTreeSet<String> {
        flatten(EN_SOURCE)
            .unwrap()
            .into_keys()
            .filter_map(|k| k.strip_prefix("message.").map(str::to_owned))
            .filter(|k| !k.contains("_subject") && !k.contains("_body"))
            .collect()
    }

    /// The link each family of messages carries, at its longest.
    fn link_for(key: &str) -> String {
        let path = match key {
            k if k.starts_with("ticket_") => "/help/tickets/T7K3MX9PQ2?key=AbCdEfGhJk23",
            k if k.starts_with("receipt") => "/receipts/R7K3MX9PQ2",
            k if k.starts_with("draft_") => "/applications/0190a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b",
            k if k.starts_with("application_status") => "/track",
            k if k.starts_with("escalated") => "/staff/applications/A7K3MX9PQ2C",
            _ => "/help",
        };
        absolute(BASE, path)
    }

    /// Every placeholder any message uses, with long realistic values.
    fn values(key: &str, service: &str, status: &str) -> Vec<(&'static str, String)> {
        vec![
            ("reference", "A7K3MX-9PQ2C".into()),
            ("service", service.into()),
            ("status", status.into()),
            ("number", "T7K3MX9PQ2".into()),
            ("subject", "My payment went through but the application still says awaiting payment".into()),
            ("link", link_for(key)),
            ("page", absolute(BASE, "/applications/0190a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b")),
            ("days", "14".into()),
            ("amount", Money { minor: 1_234_550, currency: Currency::Kes }.to_string()),
            ("invoice", "B7K3MX9PQ2".into()),
            ("serial", "C7K3MX9PQ2".into()),
            ("code", "123456".into()),
            ("minutes", "10".into()),
            ("date", crate::clock::format_nairobi(1_796_370_600)),
            ("reason", "Issued in error: fingerprints matched a record.".into()),
        ]
    }

    fn render(tr: Tr<'_>, key: &str, service: &str, status: &str) -> String {
        let mut owned = values(key, service, status);
        // Dates are written in the reader's language; September is the longest month name.
        for (name, value) in &mut owned {
            if *name == "date" {
                *value = crate::clock::format_nairobi_in(1_790_620_200, tr.language);
            }
        }
        let args: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let text = match key {
            "application_status_sms" => status_sms(tr, &owned, Extras::default()),
            "certificate_revoked_sms" => revocation_sms(tr, &owned),
            "appointment" => words::appointment(
                &serde_json::json!({"appointment": {"date": "2026-12-03", "time": "09:30", "office": OFFICE}}).to_string(),
                tr,
            )
            .unwrap(),
            _ => sms_segments::plain(&tr.f(&format!("message.{key}"), &args)),
        };
        assert!(!text.contains('{'), "{key} has a placeholder left: {text}");
        text
    }

    /// Every service's name with each of its states' labels, in `language`: the values
    /// the status and certificate messages are filled with.
    fn names_and_states(catalogue: &Catalogue, tr: Tr<'_>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for service in &catalogue.services {
            let name = service.name.get_ref().get(tr.language).to_owned();
            let mut labels: Vec<String> = service.workflow.states.iter().map(|s| s.label.get_ref().get(tr.language).to_owned()).collect();
            labels.extend(["application.status.draft", "application.status.awaiting_payment"].map(|k| tr.t(k).to_owned()));
            out.extend(labels.into_iter().map(|label| (name.clone(), label)));
        }
        out
    }

    #[test]
    fn every_sms_fits_one_segment_in_both_languages() {
        let catalogue = catalogue();
        let i18n = I18n::load().unwrap();
        let mut worst = Vec::new();
        for language in [Language::En, Language::Sw] {
            let tr = i18n.tr(language);
            let combos = names_and_states(&catalogue, tr);
            for key in sms_keys() {
                let budget = if key == "certificate_revoked_sms" { LONG_SMS_SEGMENTS } else { 1 };
                let texts: Vec<String> = combos.iter().map(|(service, state)| render(tr, &key, service, state)).collect();
                let longest = texts.into_iter().max_by_key(|t| count(t).units).unwrap();
                let segments = count(&longest);
                assert_eq!(segments.encoding, Encoding::Gsm7, "{language:?} {key} is not GSM-7: {longest}");
                if segments.count > budget {
                    worst.push(format!("{language:?} {key}: {} segments ({} septets): {longest}", segments.count, segments.units));
                }
            }
        }
        assert!(worst.is_empty(), "SMS over their segment budget:\n{}", worst.join("\n"));
    }

    #[test]
    fn status_sms_with_an_appointment_or_a_note_fit_two_segments_and_keep_what_matters() {
        let catalogue = catalogue();
        let i18n = I18n::load().unwrap();
        let long_note = "Please upload a clearer copy of both sides of your ID card and the signed consent form; \
                         the copy you sent is blurred and the serial number cannot be read. "
            .repeat(4);
        for language in [Language::En, Language::Sw] {
            let tr = i18n.tr(language);
            let details = serde_json::json!({"appointment": {"date": "2026-12-03", "time": "09:30", "office": OFFICE}}).to_string();
            let appointment = words::appointment(&details, tr).unwrap();
            for (service, state) in names_and_states(&catalogue, tr) {
                let args = values("application_status_sms", &service, &state);
                for extras in [
                    Extras { note: None, appointment: Some(&appointment) },
                    Extras { note: Some(&long_note), appointment: Some(&appointment) },
                    Extras { note: Some(&long_note), appointment: None },
                ] {
                    let sms = status_sms(tr, &args, extras);
                    let segments = count(&sms);
                    assert!(segments.count <= LONG_SMS_SEGMENTS && is_gsm7(&sms), "{language:?} {segments:?}: {sms}");
                    assert!(sms.contains(OFFICE) || extras.appointment.is_none(), "the appointment is never cut: {sms}");
                    assert!(sms.contains(&absolute(BASE, "/track")), "the link is never cut: {sms}");
                }
                let question = "Please upload a clearer copy of both sides of your ID card.";
                let sms = status_sms(tr, &args, Extras { note: Some(question), appointment: None });
                assert!(sms.contains(question), "a question of a sentence goes whole: {sms}");
            }
        }
    }

    #[test]
    fn a_long_revocation_reason_is_shortened_to_two_segments() {
        let i18n = I18n::load().unwrap();
        let reason = "The fingerprints taken at the appointment matched a record that was not disclosed. ".repeat(6);
        for language in [Language::En, Language::Sw] {
            let tr = i18n.tr(language);
            let mut owned = values("certificate_revoked_sms", "Police clearance certificate (certificate of good conduct)", "");
            owned.retain(|(k, _)| *k != "reason");
            owned.push(("reason", reason.clone()));
            let sms = revocation_sms(tr, &owned);
            assert_eq!(count(&sms).count, LONG_SMS_SEGMENTS, "{sms}");
            assert!(
                sms.contains("C7K3MX9PQ2") && sms.contains("The fingerprints taken") && sms.contains(&absolute(BASE, "/help")),
                "{sms}"
            );
        }
    }

    #[test]
    fn every_link_in_every_message_is_absolute() {
        let i18n = I18n::load().unwrap();
        let service = "Police clearance certificate (certificate of good conduct)";
        for language in [Language::En, Language::Sw] {
            let tr = i18n.tr(language);
            for key in flatten(EN_SOURCE).unwrap().into_keys().filter_map(|k| k.strip_prefix("message.").map(str::to_owned)) {
                let text = if sms_keys().contains(&key) {
                    render(tr, &key, service, "Fingerprint appointment booked")
                } else {
                    let owned = values(&key, service, "Fingerprint appointment booked");
                    let args: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    tr.f(&format!("message.{key}"), &args)
                };
                let words = text.split_whitespace().map(|w| w.trim_matches(|c: char| "().,;:".contains(c)));
                for word in words.filter(|w| w.contains('/')) {
                    assert!(word.starts_with(&format!("{BASE}/")), "{language:?} {key} has a link a phone cannot open: {word:?} in {text}");
                }
            }
        }
    }

    #[test]
    fn links_join_the_base_and_the_path_with_one_slash() {
        assert_eq!(absolute("https://huduma.go.ke/", "/track"), "https://huduma.go.ke/track");
        assert_eq!(absolute("http://127.0.0.1:8080", "help"), "http://127.0.0.1:8080/help");
    }
}

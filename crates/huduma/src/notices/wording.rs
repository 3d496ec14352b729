//! Every message Huduma sends, worded: a use case names the message and its values (a
//! [`Notice`]); this is the one place that turns it into text, in the reader's language,
//! from the `[message]` keys of the locale files.

use super::{LONG_SMS_SEGMENTS, sms_segments};
use crate::i18n::{Tr, words};
use huduma_domain::application::Status;
use huduma_domain::catalogue::{Service, ServiceEntry};

/// A message to a person, before it is worded.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// A one-time code, good for `minutes`. `purpose` picks the email's sentence
    /// (`message.code_email_body_<purpose>`).
    Code { code: &'a str, minutes: i64, purpose: &'a str },
    /// The password was changed (by the person, or by a reset): email only.
    PasswordChanged,
    /// The phone number was changed: SMS to the old number, with the help page's link.
    PhoneChanged { help: &'a str },
    /// The email address was changed: email to the old address.
    EmailChanged,
    /// A payment was received. `reference` is the provider's receipt number; none while
    /// the payment was settled from a status query that does not give one yet.
    Receipt { number: &'a str, amount: &'a str, reference: Option<&'a str>, invoice: &'a str, link: &'a str },
    /// Something happened to a helpdesk ticket (`what`: `opened`, `answered`, `resolved`, …).
    Ticket { what: &'a str, number: &'a str, subject: &'a str, link: &'a str, days: i64 },
    /// An application moved to `status` (its stored state), with the officer's note and
    /// the timeline's details (an appointment) when there are any.
    ApplicationStatus {
        reference: &'a str,
        service: &'a Service,
        status: &'a Status,
        track: &'a str,
        page: &'a str,
        note: Option<&'a str>,
        details: Option<&'a str>,
    },
    /// An issued certificate was revoked, with the officer's reason.
    CertificateRevoked { serial: &'a str, service: &'a Service, reference: &'a str, reason: &'a str, help: &'a str },
    /// An application passed its SLA without being escalated: email to supervisors.
    Escalated { reference: &'a str, status: &'a str, link: &'a str },
    /// A draft will be deleted at `expires_at` unless it is submitted. `service` is the
    /// live definition, or none when the catalogue no longer has `service_code`.
    DraftReminder { service: Option<&'a ServiceEntry>, service_code: &'a str, expires_at: i64, link: &'a str },
}

/// What a status SMS carries besides the status.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// What the officer wrote to the citizen: a reason, a question, a remark.
    pub note: Option<&'a str>,
    /// The appointment, in words ([`words::appointment`]).
    pub appointment: Option<&'a str>,
}

impl Notice<'_> {
    /// The SMS, when this message is sent by SMS.
    pub fn sms(&self, tr: Tr<'_>) -> Option<String> {
        let owned = self.args(tr);
        let args = borrowed(&owned);
        Some(match *self {
            Self::Code { .. } => tr.f("message.code_sms", &args),
            Self::PhoneChanged { .. } => tr.f("message.phone_changed", &args),
            Self::Receipt { reference, .. } => {
                let key = if reference.is_some() { "message.receipt_sms" } else { "message.receipt_sms_no_reference" };
                tr.f(key, &args)
            }
            Self::Ticket { what, .. } => tr.f(&format!("message.ticket_{what}_sms"), &args),
            Self::ApplicationStatus { note, details, .. } => {
                let appointment = details.and_then(|d| words::appointment(d, tr));
                status_sms(tr, &owned, Extras { note, appointment: appointment.as_deref() })
            }
            Self::CertificateRevoked { .. } => revocation_sms(tr, &owned),
            Self::DraftReminder { .. } => tr.f("message.draft_reminder_sms", &args),
            Self::PasswordChanged | Self::EmailChanged | Self::Escalated { .. } => return None,
        })
    }

    /// The email's subject and body, when this message is sent by email.
    pub fn email(&self, tr: Tr<'_>) -> Option<(String, String)> {
        let owned = self.args(tr);
        let args = borrowed(&owned);
        let worded = |subject: &str, body: &str| (tr.f(subject, &args), tr.f(body, &args));
        Some(match *self {
            Self::Code { purpose, .. } => worded("message.code_email_subject", &format!("message.code_email_body_{purpose}")),
            Self::PasswordChanged => worded("message.password_changed_subject", "message.password_changed_body"),
            Self::EmailChanged => worded("message.email_changed_subject", "message.email_changed_body"),
            Self::Receipt { reference, .. } => {
                let body = if reference.is_some() { "message.receipt_body" } else { "message.receipt_body_no_reference" };
                worded("message.receipt_subject", body)
            }
            Self::Ticket { what, .. } => worded(&format!("message.ticket_{what}_subject"), &format!("message.ticket_{what}_body")),
            Self::ApplicationStatus { note, details, .. } => {
                let (subject, mut body) = worded("message.application_status_subject", "message.application_status_body");
                let appointment = details.and_then(|d| words::appointment(d, tr));
                let more = [note.map(str::to_owned), appointment].into_iter().flatten().collect::<Vec<_>>().join("\n");
                if !more.is_empty() {
                    body = format!("{body}\n\n{more}");
                }
                (subject, body)
            }
            Self::CertificateRevoked { .. } => worded("message.certificate_revoked_subject", "message.certificate_revoked_body"),
            Self::Escalated { .. } => worded("message.escalated_subject", "message.escalated_body"),
            Self::DraftReminder { .. } => worded("message.draft_reminder_subject", "message.draft_reminder_body"),
            Self::PhoneChanged { .. } => return None,
        })
    }

    /// The values for the message's placeholders, in the reader's language.
    fn args(&self, tr: Tr<'_>) -> Vec<(&'static str, String)> {
        let own = |pairs: &[(&'static str, &str)]| pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect::<Vec<_>>();
        match *self {
            Self::Code { code, minutes, .. } => {
                let mut args = own(&[("code", code)]);
                args.push(("minutes", minutes.to_string()));
                args
            }
            Self::PasswordChanged | Self::EmailChanged => Vec::new(),
            Self::PhoneChanged { help } => own(&[("link", help)]),
            Self::Receipt { number, amount, reference, invoice, link } => own(&[
                ("number", number),
                ("amount", amount),
                ("reference", reference.unwrap_or_default()),
                ("invoice", invoice),
                ("link", link),
            ]),
            Self::Ticket { number, subject, link, days, .. } => {
                let mut args = own(&[("number", number), ("subject", subject), ("link", link)]);
                args.push(("days", days.to_string()));
                args
            }
            Self::ApplicationStatus { reference, service, status, track, page, .. } => {
                let mut args =
                    own(&[("reference", reference), ("service", service.name.get_ref().get(tr.language)), ("link", track), ("page", page)]);
                args.push(("status", words::status(service, status, tr)));
                args
            }
            Self::CertificateRevoked { serial, service, reference, reason, help } => own(&[
                ("serial", serial),
                ("service", service.name.get_ref().get(tr.language)),
                ("reference", reference),
                ("reason", reason),
                ("link", help),
            ]),
            Self::Escalated { reference, status, link } => own(&[("reference", reference), ("status", status), ("link", link)]),
            Self::DraftReminder { service, service_code, expires_at, link } => {
                let name = service.map_or(service_code, |s| s.name.get(tr.language));
                let mut args = own(&[("service", name), ("link", link)]);
                args.push(("date", crate::clock::format_nairobi_in(expires_at, tr.language)));
                args
            }
        }
    }
}

/// Borrows owned placeholder values the way [`Tr::f`] takes them.
fn borrowed<'a>(args: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    args.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The status SMS: the status in one segment; with an appointment or an officer's note, at
/// most [`LONG_SMS_SEGMENTS`], the note shortened if need be (the email and the
/// application's page carry it whole). The appointment comes before the note so that it is
/// never the part cut.
pub fn status_sms(tr: Tr<'_>, args: &[(&'static str, String)], extras: Extras<'_>) -> String {
    let mut sms = tr.f("message.application_status_sms", &borrowed(args));
    if let Some(appointment) = extras.appointment {
        sms = format!("{sms}\n{appointment}");
    }
    match extras.note {
        Some(note) => sms_segments::fit(&format!("{sms}\n{{free}}"), note, LONG_SMS_SEGMENTS),
        None => sms_segments::plain(&sms),
    }
}

/// The revocation SMS: the officer's reason, shortened if need be to keep the text within
/// [`LONG_SMS_SEGMENTS`] (the email carries it whole).
pub fn revocation_sms(tr: Tr<'_>, args: &[(&'static str, String)]) -> String {
    let reason = args.iter().find(|(name, _)| *name == "reason").map_or("", |(_, value)| value.as_str());
    let others: Vec<(&str, &str)> =
        args.iter().filter(|(name, _)| *name != "reason").map(|(k, v)| (*k, v.as_str())).chain([("reason", "{free}")]).collect();
    sms_segments::fit(&tr.f("message.certificate_revoked_sms", &others), reason, LONG_SMS_SEGMENTS)
}

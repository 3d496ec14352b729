//! Domain values in the reader's words: an application's status, an appointment, an
//! answer. Pages, the JSON API and the messages to people all read them here, so a status
//! is never worded two ways; use cases hand over the stored values and never word them.

use super::Tr;
use huduma_domain::application::{Answer, Status};
use huduma_domain::catalogue::definition::Field;
use huduma_domain::catalogue::{FieldType, Service};

/// The status as the citizen reads it: the portal's own states from the locale files,
/// a workflow state by its label in the service's definition (its code if the definition
/// no longer has it).
pub fn status(service: &Service, status: &Status, tr: Tr<'_>) -> String {
    match status {
        Status::Draft => tr.t("application.status.draft").to_owned(),
        Status::AwaitingPayment => tr.t("application.status.awaiting_payment").to_owned(),
        Status::Workflow(code) => service
            .workflow
            .states
            .iter()
            .find(|s| s.code.get_ref() == code)
            .map(|s| s.label.get_ref().get(tr.language).to_owned())
            .unwrap_or_else(|| code.clone()),
    }
}

/// "Appointment: 2026-12-03 at 09:30, Huduma Centre GPO" from a timeline's details (the
/// JSON an officer's action stored); nothing when the details hold no appointment.
pub fn appointment(details: &str, tr: Tr<'_>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(details).ok()?;
    let a = value.get("appointment")?;
    let field = |k: &str| a.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    Some(tr.f("message.appointment", &[("date", &field("date")), ("time", &field("time")), ("office", &field("office"))]))
}

/// An answer in words: the label of a chosen option rather than its code.
pub fn answer(field: &Field, answer: &Answer, tr: Tr<'_>) -> String {
    let label = |value: &str| -> String {
        if field.kind == FieldType::YesNo {
            return tr.t(&format!("application.{value}")).to_owned();
        }
        field
            .options
            .iter()
            .find(|o| o.value.get_ref() == value)
            .map(|o| o.label.get_ref().get(tr.language).to_owned())
            .unwrap_or_else(|| value.to_owned())
    };
    match answer {
        Answer::One(v) => label(v),
        Answer::Many(items) => items.iter().map(|v| label(v)).collect::<Vec<_>>().join(", "),
    }
}

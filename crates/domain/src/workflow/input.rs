//! What a person taking an action must give, by kind of action: a reason for a refusal,
//! a question when asking for more, a date, time and office for an appointment.

use crate::Date;
use crate::catalogue::definition::ActionKind;
use crate::error::InvalidInput;

/// The longest note, reason or question.
pub const MAX_NOTE: usize = 2000;
/// The shortest reason or question: "No." helps nobody.
const MIN_EXPLANATION: usize = 10;

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    /// Note for the citizen: the reason, the question, or a remark.
    pub note: String,
    /// Appointment date, `YYYY-MM-DD`.
    pub date: String,
    /// Appointment time, `HH:MM` (24-hour, Nairobi time).
    pub time: String,
    /// Where to come.
    pub office: String,
}

/// A booked visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Day.
    pub date: Date,
    /// Hour and minute, Nairobi time.
    pub time: (u8, u8),
    /// Office, as the citizen will look for it.
    pub office: String,
}

impl Appointment {
    /// `2026-12-03 09:30` style time.
    pub fn time_text(&self) -> String {
        format!("{:02}:{:02}", self.time.0, self.time.1)
    }
}

/// What was given, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Given {
    /// Note shown to the citizen.
    pub note: Option<String>,
    pub appointment: Option<Appointment>,
}

impl ActionInput {
    /// Parses what an action of `kind` needs; `today` is the Nairobi date. Returns the
    /// field and the stable error code of the first problem.
    pub fn parse(&self, kind: ActionKind, today: Date) -> Result<Given, (&'static str, InvalidInput)> {
        let note = self.note.trim();
        if note.chars().count() > MAX_NOTE {
            return Err(("note", InvalidInput::new("workflow.note_too_long")));
        }
        if note.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            return Err(("note", InvalidInput::new("text.control_characters")));
        }
        let explanation = match kind {
            ActionKind::Reject => Some("workflow.reason_required"),
            ActionKind::RequestInformation => Some("workflow.question_required"),
            _ => None,
        };
        if let Some(code) = explanation
            && note.chars().count() < MIN_EXPLANATION
        {
            return Err(("note", InvalidInput::new(code)));
        }
        let appointment = if kind == ActionKind::ScheduleAppointment { Some(self.appointment(today)?) } else { None };
        Ok(Given { note: (!note.is_empty()).then(|| note.to_owned()), appointment })
    }

    fn appointment(&self, today: Date) -> Result<Appointment, (&'static str, InvalidInput)> {
        let date = Date::parse(&self.date).map_err(|_| ("date", InvalidInput::new("appointment.date_invalid")))?;
        if date < today {
            return Err(("date", InvalidInput::new("appointment.date_past")));
        }
        let time = parse_time(&self.time).ok_or(("time", InvalidInput::new("appointment.time_invalid")))?;
        let office = self.office.trim();
        if office.chars().count() < 3 || office.chars().count() > 120 || office.chars().any(char::is_control) {
            return Err(("office", InvalidInput::new("appointment.office_required")));
        }
        Ok(Appointment { date, time, office: office.to_owned() })
    }
}

/// `HH:MM` within office hours (06:00–19:59).
fn parse_time(text: &str) -> Option<(u8, u8)> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    ((6..20).contains(&h) && m < 60).then_some((h, m))
}

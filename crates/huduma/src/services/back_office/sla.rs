//! SLA clocks in working days. Entering a state starts its clock; the clock stops while
//! the applicant has the application and resumes, with the days that were left, when they
//! send it back to the same state; a final state takes the application out of the queue.

use super::super::ServiceResult;
use crate::app::App;
use crate::store::Conn;
use crate::store::queue::{self, PAUSED, QueueFields};
use huduma_domain::calendar::Calendar;
use huduma_domain::catalogue::definition::Workflow;
use huduma_domain::workflow;
use std::path::Path;

/// The bundled Kenyan calendar, used when no file is configured.
const KENYA: &str = include_str!("../../../../../calendar/kenya.toml");

/// Working days before the deadline that count as "due soon".
pub const DUE_SOON_DAYS: u32 = 2;

/// Reads the configured holiday calendar, or the bundled one.
pub fn load_calendar(path: Option<&Path>) -> anyhow::Result<Calendar> {
    let (name, text) = match path {
        Some(path) => (path.display().to_string(), std::fs::read_to_string(path)?),
        None => ("calendar/kenya.toml (bundled)".to_owned(), KENYA.to_owned()),
    };
    Calendar::parse(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))
}

/// The queue fields after moving from `from` to `to` at `now`.
pub fn next_fields(
    calendar: &Calendar,
    workflow: &Workflow,
    agency: &str,
    current: &QueueFields,
    from: &str,
    to: &str,
    now: i64,
) -> QueueFields {
    let Some(state) = workflow::state(workflow, to) else {
        return QueueFields::default();
    };
    if state.is_final {
        return QueueFields { state_since: Some(now), finished_at: Some(now), ..QueueFields::default() };
    }
    let mut next = QueueFields { queue_agency: Some(agency.to_owned()), state_since: Some(now), ..QueueFields::default() };
    if state.with_applicant {
        next.queue_due = Some(PAUSED);
        match (&current.paused_state, current.queue_due) {
            // Already paused (asked again): keep what the agency had left.
            (Some(paused), _) => {
                next.paused_state = Some(paused.clone());
                next.sla_days_left = current.sla_days_left;
            }
            (None, Some(due)) if due != PAUSED => {
                next.paused_state = Some(from.to_owned());
                // The deadline is the midnight that ends its last working day.
                next.sla_days_left = Some(calendar.working_days_between(now, due - 1).max(0));
            }
            _ => {}
        }
        return next;
    }
    let days = match (&current.paused_state, current.sla_days_left) {
        (Some(paused), Some(left)) if paused == to => u32::try_from(left).unwrap_or(0),
        _ => state.sla_days.unwrap_or(0),
    };
    next.queue_due = Some(calendar.add_working_days(now, days));
    next
}

/// Applies [`next_fields`] to a stored application inside the caller's transaction.
pub async fn enter(
    conn: &mut Conn,
    app: &App,
    id: &huduma_domain::ApplicationId,
    agency: &str,
    workflow: &Workflow,
    from: &str,
    to: &str,
) -> ServiceResult<()> {
    // Before the workflow starts (a payment settling) there is no clock to carry over:
    // skip the read on the payment path.
    let current = if huduma_domain::catalogue::check::RESERVED_STATES.contains(&from) {
        QueueFields::default()
    } else {
        queue::fields(conn, id).await?
    };
    let next = next_fields(&app.calendar, workflow, agency, &current, from, to, app.clock.now());
    queue::set_fields(conn, id, &next).await?;
    Ok(())
}

/// Where a deadline stands, for the queue and the application page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// With the applicant: no clock.
    Paused,
    /// Past the deadline.
    Overdue,
    /// Within [`DUE_SOON_DAYS`] working days.
    DueSoon,
    /// Time enough.
    OnTrack,
}

impl Standing {
    /// Stable code (also the CSS class and the translation key suffix).
    pub fn code(self) -> &'static str {
        match self {
            Standing::Paused => "paused",
            Standing::Overdue => "overdue",
            Standing::DueSoon => "due_soon",
            Standing::OnTrack => "on_track",
        }
    }
}

/// How a deadline stands at `now`.
pub fn standing(calendar: &Calendar, due: i64, now: i64) -> Standing {
    standing_before(due, now, calendar.add_working_days(now, DUE_SOON_DAYS))
}

/// [`standing`] with the end of the "due soon" window already worked out (a page of the
/// queue works it out once).
pub fn standing_before(due: i64, now: i64, due_soon_until: i64) -> Standing {
    if due >= PAUSED {
        Standing::Paused
    } else if due < now {
        Standing::Overdue
    } else if due <= due_soon_until {
        Standing::DueSoon
    } else {
        Standing::OnTrack
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKFLOW: &str = r#"
start = "review"
[[states]]
code = "review"
label = { en = "Review", sw = "Ukaguzi" }
sla_days = 10
[[states]]
code = "more"
label = { en = "More", sw = "Zaidi" }
sla_days = 14
with_applicant = true
[[states]]
code = "done"
label = { en = "Done", sw = "Imekamilika" }
final = true
"#;

    fn setup() -> (Calendar, Workflow) {
        (load_calendar(None).expect("bundled calendar"), toml::from_str(WORKFLOW).expect("workflow"))
    }

    // Monday 2026-11-02 09:00 Nairobi.
    const MONDAY: i64 = 1_793_599_200;
    const DAY: i64 = 86_400;

    #[test]
    fn the_clock_stops_with_the_applicant_and_resumes_with_what_was_left() {
        let (calendar, w) = setup();
        let start = next_fields(&calendar, &w, "dci", &QueueFields::default(), "awaiting_payment", "review", MONDAY);
        let due = start.queue_due.expect("due");
        assert_eq!(calendar.working_days_between(MONDAY, due - 1), 10);
        // Three working days later the officer asks for more.
        let asked_at = MONDAY + 3 * DAY;
        let paused = next_fields(&calendar, &w, "dci", &start, "review", "more", asked_at);
        assert_eq!((paused.queue_due, paused.paused_state.as_deref(), paused.sla_days_left), (Some(PAUSED), Some("review"), Some(7)));
        // The applicant takes three weeks; the agency still has seven working days.
        let back_at = asked_at + 21 * DAY;
        let resumed = next_fields(&calendar, &w, "dci", &paused, "more", "review", back_at);
        assert_eq!(calendar.working_days_between(back_at, resumed.queue_due.expect("due") - 1), 7);
        assert_eq!(resumed.paused_state, None);
        let done = next_fields(&calendar, &w, "dci", &resumed, "review", "done", back_at + DAY);
        assert_eq!((done.queue_agency, done.finished_at), (None, Some(back_at + DAY)));
    }

    #[test]
    fn standing_follows_the_deadline() {
        let (calendar, _) = setup();
        assert_eq!(standing(&calendar, PAUSED, MONDAY), Standing::Paused);
        assert_eq!(standing(&calendar, MONDAY - 1, MONDAY), Standing::Overdue);
        assert_eq!(standing(&calendar, MONDAY + DAY, MONDAY), Standing::DueSoon);
        assert_eq!(standing(&calendar, MONDAY + 10 * DAY, MONDAY), Standing::OnTrack);
    }
}

use super::*;
use crate::catalogue::definition::ActionKind;
use crate::date::Date;

const WORKFLOW: &str = r#"
start = "submitted"
[[states]]
code = "submitted"
label = { en = "Received", sw = "Imepokelewa" }
sla_days = 5
[[states]]
code = "more"
label = { en = "More information needed", sw = "Maelezo zaidi" }
sla_days = 14
with_applicant = true
[[states]]
code = "issued"
label = { en = "Issued", sw = "Imetolewa" }
final = true
[[states]]
code = "rejected"
label = { en = "Rejected", sw = "Imekataliwa" }
final = true
[[actions]]
code = "ask"
label = { en = "Ask", sw = "Uliza" }
from = ["submitted"]
to = "more"
role = "officer"
kind = "request_information"
[[actions]]
code = "resubmit"
label = { en = "Resubmit", sw = "Rudisha" }
from = ["more"]
to = "submitted"
role = "applicant"
kind = "resubmit"
[[actions]]
code = "approve"
label = { en = "Approve", sw = "Idhinisha" }
from = ["submitted"]
to = "issued"
role = "supervisor"
[[actions]]
code = "reject"
label = { en = "Reject", sw = "Kataa" }
from = ["submitted", "more"]
to = "rejected"
role = "officer"
kind = "reject"
"#;

fn workflow() -> Workflow {
    toml::from_str(WORKFLOW).expect("valid workflow")
}

const OFFICER: Actor = Actor::Staff(StaffRole::Officer);
const SUPERVISOR: Actor = Actor::Staff(StaffRole::Supervisor);

#[test]
fn an_action_is_taken_only_from_its_states_by_its_role() {
    let w = workflow();
    let (action, to) = take(&w, "submitted", "ask", OFFICER).expect("officer asks");
    assert_eq!((action.kind(), to.code.get_ref().as_str()), (ActionKind::RequestInformation, "more"));
    assert_eq!(take(&w, "more", "ask", OFFICER).expect_err("refused"), Refusal::NotFromThisState);
    assert_eq!(take(&w, "submitted", "approve", OFFICER).expect_err("refused"), Refusal::Role);
    assert!(take(&w, "submitted", "approve", SUPERVISOR).is_ok(), "supervisor approves");
    assert!(take(&w, "submitted", "reject", SUPERVISOR).is_ok(), "a supervisor may take an officer's action");
    assert_eq!(take(&w, "submitted", "nope", SUPERVISOR).expect_err("refused"), Refusal::UnknownAction);
    assert_eq!(take(&w, "more", "resubmit", OFFICER).expect_err("refused"), Refusal::Role, "only the applicant resubmits");
    assert!(take(&w, "more", "resubmit", Actor::Applicant).is_ok());
    assert_eq!(take(&w, "submitted", "reject", Actor::Applicant).expect_err("refused"), Refusal::Role);
}

#[test]
fn roles_outside_an_agency_take_no_action() {
    let w = workflow();
    for role in [StaffRole::PlatformAdmin, StaffRole::Helpdesk] {
        assert!(available(&w, "submitted", Actor::Staff(role)).is_empty(), "{role:?}");
    }
    let codes: Vec<_> = available(&w, "submitted", OFFICER).iter().map(|a| a.code.get_ref().clone()).collect();
    assert_eq!(codes, ["ask", "reject"]);
}

#[test]
fn the_clock_stops_with_the_applicant_and_at_the_end() {
    let w = workflow();
    assert!(clock_runs(&w, "submitted"));
    assert!(!clock_runs(&w, "more"));
    assert!(!clock_runs(&w, "issued"));
}

fn today() -> Date {
    Date::parse("2026-11-26").expect("date")
}

#[test]
fn refusals_and_questions_need_an_explanation() {
    let short = ActionInput { note: "No.".into(), ..Default::default() };
    assert_eq!(short.parse(ActionKind::Reject, today()).expect_err("refused").1.code, "workflow.reason_required");
    assert_eq!(short.parse(ActionKind::RequestInformation, today()).expect_err("refused").1.code, "workflow.question_required");
    assert_eq!(short.parse(ActionKind::Approve, today()).expect("a short note is fine").note.as_deref(), Some("No."));
    let empty = ActionInput::default();
    assert_eq!(empty.parse(ActionKind::Move, today()).expect("no note").note, None);
    let long = ActionInput { note: "x".repeat(2001), ..Default::default() };
    assert_eq!(long.parse(ActionKind::Move, today()).expect_err("refused").1.code, "workflow.note_too_long");
}

#[test]
fn an_appointment_needs_a_future_date_a_time_and_an_office() {
    let good = ActionInput { date: "2026-12-03".into(), time: "09:30".into(), office: "Huduma Centre GPO".into(), ..Default::default() };
    let given = good.parse(ActionKind::ScheduleAppointment, today()).expect("valid appointment");
    let appointment = given.appointment.expect("appointment");
    assert_eq!((appointment.time_text().as_str(), appointment.office.as_str()), ("09:30", "Huduma Centre GPO"));
    for (field, input, code) in [
        ("date", ActionInput { date: "2026-11-25".into(), ..good.clone() }, "appointment.date_past"),
        ("date", ActionInput { date: "3/12/2026".into(), ..good.clone() }, "appointment.date_invalid"),
        ("time", ActionInput { time: "23:00".into(), ..good.clone() }, "appointment.time_invalid"),
        ("time", ActionInput { time: "9.30".into(), ..good.clone() }, "appointment.time_invalid"),
        ("office", ActionInput { office: " ".into(), ..good.clone() }, "appointment.office_required"),
    ] {
        let (f, err) = input.parse(ActionKind::ScheduleAppointment, today()).expect_err("refused");
        assert_eq!((f, err.code), (field, code));
    }
}

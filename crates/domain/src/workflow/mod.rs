//! The workflow engine: who may take which action of a service's workflow from which
//! state, and what each kind of action needs from the person taking it. The definitions
//! come from the catalogue, which has already checked that every action leads to a known
//! state; the engine only ever answers with states and actions of the definition.

pub mod input;
mod role;

pub use input::{ActionInput, Appointment, Given};
pub use role::{Actor, StaffRole};

use crate::catalogue::definition::{Action, ActionKind, State, Workflow};

/// Why an action cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The workflow has no such action.
    #[error("workflow.unknown_action")]
    UnknownAction,
    /// The application is in a state the action does not start from.
    #[error("workflow.not_from_this_state")]
    NotFromThisState,
    /// The action belongs to another role.
    #[error("workflow.role")]
    Role,
}

impl Refusal {
    /// Stable error code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::UnknownAction => "workflow.unknown_action",
            Refusal::NotFromThisState => "workflow.not_from_this_state",
            Refusal::Role => "workflow.role",
        }
    }
}

/// A state of the workflow by code.
pub fn state<'a>(workflow: &'a Workflow, code: &str) -> Option<&'a State> {
    workflow.states.iter().find(|s| s.code.get_ref() == code)
}

/// Whether `actor` may take `action` at all (whatever the state).
pub fn may_take(action: &Action, actor: Actor) -> bool {
    let required = action.role.as_ref().map(|r| r.get_ref().as_str()).unwrap_or_default();
    actor.satisfies(required)
}

/// The actions `actor` may take from `state`, in definition order.
pub fn available<'a>(workflow: &'a Workflow, state: &str, actor: Actor) -> Vec<&'a Action> {
    workflow.actions.iter().filter(|a| a.from.iter().any(|f| f.get_ref() == state) && may_take(a, actor)).collect()
}

/// Checks that `actor` may take `action` from `state`; returns the action and the state it
/// leads to.
pub fn take<'a>(workflow: &'a Workflow, state: &str, action: &str, actor: Actor) -> Result<(&'a Action, &'a State), Refusal> {
    let found = workflow.actions.iter().find(|a| a.code.get_ref() == action).ok_or(Refusal::UnknownAction)?;
    if !found.from.iter().any(|f| f.get_ref() == state) {
        return Err(Refusal::NotFromThisState);
    }
    if !may_take(found, actor) {
        return Err(Refusal::Role);
    }
    let to = self::state(workflow, found.to.get_ref()).ok_or(Refusal::UnknownAction)?;
    Ok((found, to))
}

/// Whether the agency's SLA clock runs in `state` (it stops while the applicant has the
/// application, and once it is finished).
pub fn clock_runs(workflow: &Workflow, state: &str) -> bool {
    self::state(workflow, state).is_some_and(|s| !s.is_final && !s.with_applicant)
}

/// The kind of the action with this code, if any.
pub fn kind_of(workflow: &Workflow, action: &str) -> Option<ActionKind> {
    workflow.actions.iter().find(|a| a.code.get_ref() == action).map(Action::kind)
}

#[cfg(test)]
mod tests;

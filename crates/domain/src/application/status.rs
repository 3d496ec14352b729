//! Where an application is. Before the agency's workflow starts, the portal owns the
//! state (a draft, or submitted but waiting for its fee); after that it is one of the
//! service's workflow states.

use crate::catalogue::check::RESERVED_STATES;

/// The status of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Being filled in by the citizen.
    Draft,
    /// Submitted; the agency starts once the invoice is paid.
    AwaitingPayment,
    /// A state of the service's workflow.
    Workflow(String),
}

impl Status {
    /// The stored text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Draft => RESERVED_STATES[0],
            Self::AwaitingPayment => RESERVED_STATES[1],
            Self::Workflow(state) => state,
        }
    }

    /// Reads the stored text.
    pub fn parse(stored: &str) -> Self {
        match stored {
            "draft" => Self::Draft,
            "awaiting_payment" => Self::AwaitingPayment,
            state => Self::Workflow(state.to_owned()),
        }
    }

    /// Whether the citizen can still change answers and documents.
    pub fn is_draft(&self) -> bool {
        matches!(self, Self::Draft)
    }
}

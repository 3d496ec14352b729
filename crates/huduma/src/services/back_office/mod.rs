//! The agency back office: staff accounts and their sign-in, work queues, workflow
//! actions, SLA clocks, issued certificates, dashboards. Every use case here starts from
//! a [`StaffMember`] and scopes what it reads and changes to the member's agency.

pub mod actions;
pub mod certificates;
pub mod dashboard;
pub mod demo;
pub mod escalation;
pub mod members;
pub mod queue;
pub mod sla;
pub mod staff;
pub mod staff_sign_in;

use super::audit;
use crate::store::staff::StaffRow;
use huduma_domain::workflow::StaffRole;

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct StaffMember {
    /// The stored member.
    pub row: StaffRow,
    /// Parsed role.
    pub role: StaffRole,
    /// Hash of the session token.
    pub token_hash: String,
}

impl StaffMember {
    /// The member's agency, for agency roles.
    pub fn agency(&self) -> Option<&str> {
        self.row.agency.as_deref().filter(|_| self.role.is_agency_role())
    }

    /// How the audit log names the member.
    pub fn actor(&self) -> audit::Actor<'_> {
        audit::Actor::Staff { id: &self.row.id, name: &self.row.name }
    }
}

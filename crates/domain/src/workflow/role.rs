//! Staff roles and who counts as which role for a workflow action.

/// A staff member's role. Every role except platform admin and helpdesk agent belongs to
/// one agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaffRole {
    /// Creates agencies' admins; sees every agency's audit log.
    PlatformAdmin,
    /// Manages the agency's staff; sees its dashboard; may take any of its actions.
    AgencyAdmin,
    /// Reassigns work, takes supervisor and officer actions, sees the dashboard.
    Supervisor,
    /// Works the queue.
    Officer,
    /// Answers help tickets, across agencies.
    Helpdesk,
}

impl StaffRole {
    /// Every role, most powerful first.
    pub const ALL: [StaffRole; 5] =
        [StaffRole::PlatformAdmin, StaffRole::AgencyAdmin, StaffRole::Supervisor, StaffRole::Officer, StaffRole::Helpdesk];

    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            StaffRole::PlatformAdmin => "platform_admin",
            StaffRole::AgencyAdmin => "agency_admin",
            StaffRole::Supervisor => "supervisor",
            StaffRole::Officer => "officer",
            StaffRole::Helpdesk => "helpdesk",
        }
    }

    /// Reads a stored code.
    pub fn parse(code: &str) -> Option<StaffRole> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether the role belongs to one agency.
    pub fn is_agency_role(self) -> bool {
        matches!(self, StaffRole::AgencyAdmin | StaffRole::Supervisor | StaffRole::Officer)
    }

    /// Rank in an agency's processing line: a role may take actions of its rank and below.
    fn rank(self) -> u8 {
        match self {
            StaffRole::AgencyAdmin => 3,
            StaffRole::Supervisor => 2,
            StaffRole::Officer => 1,
            StaffRole::PlatformAdmin | StaffRole::Helpdesk => 0,
        }
    }

    /// Whether the role may take an action that names `required`. A supervisor may do what
    /// an officer may (so a team is never stuck when officers are away), never the reverse.
    pub fn satisfies(self, required: &str) -> bool {
        match StaffRole::parse(required) {
            Some(needed) if needed.is_agency_role() => self.is_agency_role() && self.rank() >= needed.rank(),
            _ => false,
        }
    }

    /// Whether the role works the agency's queue.
    pub fn processes_applications(self) -> bool {
        self.is_agency_role()
    }

    /// Whether the role sees the agency's dashboard and reassigns work.
    pub fn supervises(self) -> bool {
        matches!(self, StaffRole::AgencyAdmin | StaffRole::Supervisor)
    }
}

/// Who is acting on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A member of the agency's staff.
    Staff(StaffRole),
    /// The person who applied.
    Applicant,
}

impl Actor {
    /// Whether this actor may take an action that names the role `required`.
    pub fn satisfies(self, required: &str) -> bool {
        match self {
            Actor::Applicant => required == "applicant",
            Actor::Staff(role) => role.satisfies(required),
        }
    }
}

//! Helpdesk tickets: what a ticket is about, where it stands, and which events move it.

/// What a ticket is about (picks the saved responses and the agency it may go to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Registering, verifying, signing in, a locked account.
    Account,
    /// Forms, drafts, documents.
    Applying,
    /// M-Pesa, Paybill, cards, "I paid but…".
    Payment,
    /// Where an application is; what a status means.
    Tracking,
    /// Anything else.
    Other,
}

impl Category {
    /// Every category, in the order forms show them.
    pub const ALL: [Category; 5] = [Category::Account, Category::Applying, Category::Payment, Category::Tracking, Category::Other];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Category::Account => "account",
            Category::Applying => "applying",
            Category::Payment => "payment",
            Category::Tracking => "tracking",
            Category::Other => "other",
        }
    }

    /// Reads a code.
    pub fn parse(code: &str) -> Option<Category> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for the helpdesk.
    Open,
    /// The helpdesk or agency answered; waiting for the citizen.
    WaitingCitizen,
    /// Sent to the responsible agency; waiting for its staff.
    WaitingAgency,
    /// Answered; the citizen may reopen it within the window, and rate it.
    Resolved,
    /// Finished for good (the reopen window passed).
    Closed,
}

/// What happens to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The citizen writes.
    CitizenReplies,
    /// Staff answer and wait for the citizen.
    StaffReplies,
    /// The helpdesk sends it to an agency.
    Routed,
    /// Staff resolve it.
    Resolved,
    /// The citizen reopens a resolved ticket within the window.
    Reopened,
    /// The window passed.
    Closed,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 5] = [Status::Open, Status::WaitingCitizen, Status::WaitingAgency, Status::Resolved, Status::Closed];

    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::WaitingCitizen => "waiting_citizen",
            Status::WaitingAgency => "waiting_agency",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// Reads a stored code.
    pub fn parse(code: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Where `event` takes a ticket in this status (`routed` says whether an agency has
    /// it, so a citizen's reply goes back to that agency); none when it cannot happen.
    pub fn next(self, event: Event, routed: bool) -> Option<Status> {
        use Status::*;
        let waiting_for_staff = if routed { WaitingAgency } else { Open };
        match (self, event) {
            (Open | WaitingCitizen | WaitingAgency, Event::CitizenReplies) => Some(waiting_for_staff),
            (Open | WaitingCitizen | WaitingAgency, Event::StaffReplies) => Some(WaitingCitizen),
            (Open | WaitingCitizen | WaitingAgency, Event::Routed) => Some(WaitingAgency),
            (Open | WaitingCitizen | WaitingAgency, Event::Resolved) => Some(Resolved),
            (Resolved, Event::Reopened) => Some(waiting_for_staff),
            (Resolved, Event::Closed) => Some(Closed),
            _ => None,
        }
    }

    /// Whether staff owe the next move (the SLA clock runs).
    pub fn waits_for_staff(self) -> bool {
        matches!(self, Status::Open | Status::WaitingAgency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EVENTS: [Event; 6] = [Event::CitizenReplies, Event::StaffReplies, Event::Routed, Event::Resolved, Event::Reopened, Event::Closed];

    #[test]
    fn a_ticket_goes_back_and_forth_then_ends() {
        let s = Status::Open;
        let s = s.next(Event::StaffReplies, false).expect("answered");
        assert_eq!(s, Status::WaitingCitizen);
        assert_eq!(s.next(Event::CitizenReplies, false), Some(Status::Open));
        assert_eq!(s.next(Event::CitizenReplies, true), Some(Status::WaitingAgency), "back to the agency that has it");
        let resolved = s.next(Event::Resolved, false).expect("resolved");
        assert_eq!(resolved.next(Event::CitizenReplies, false), None, "a resolved ticket is reopened, not replied to");
        assert_eq!(resolved.next(Event::Reopened, false), Some(Status::Open));
        assert_eq!(resolved.next(Event::Closed, false), Some(Status::Closed));
        for event in EVENTS {
            assert_eq!(Status::Closed.next(event, false), None, "closed is final");
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Some(c));
        }
    }

    proptest! {
        #[test]
        fn only_reopening_leaves_resolved_and_nothing_leaves_closed(events in proptest::collection::vec((0usize..6, any::<bool>()), 0..50)) {
            let mut status = Status::Open;
            for (e, routed) in events {
                let event = EVENTS[e];
                if let Some(next) = status.next(event, routed) {
                    prop_assert_ne!(status, Status::Closed);
                    if status == Status::Resolved {
                        prop_assert!(matches!(event, Event::Reopened | Event::Closed));
                    }
                    status = next;
                }
            }
        }
    }
}

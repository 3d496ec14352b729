//! One try at paying: an explicit state machine. Money is never ignored: a success that
//! arrives after we gave up on an attempt still settles it.

/// The states of a payment attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    /// Recorded; the provider has not been asked yet (or the request is in flight).
    Created,
    /// The provider accepted the request; the customer has not answered yet.
    Requested,
    /// Paid and settled.
    Succeeded,
    /// The provider or customer said no (insufficient funds, cancelled, wrong PIN…).
    Failed,
    /// No answer in time. Not final: a late success still settles.
    TimedOut,
}

/// What happened to an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The provider accepted the request.
    Accepted,
    /// The provider refused the request outright.
    Refused,
    /// The outcome: paid.
    Paid,
    /// The outcome: not paid.
    Declined,
    /// Too long without an outcome.
    Expired,
}

impl AttemptState {
    /// Stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Requested => "requested",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
        }
    }

    /// Reads the stored text.
    pub fn parse(stored: &str) -> Option<Self> {
        Some(match stored {
            "created" => Self::Created,
            "requested" => Self::Requested,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "timed_out" => Self::TimedOut,
            _ => return None,
        })
    }

    /// The next state, or `None` when the event does not apply (a duplicate or
    /// out-of-order message, which changes nothing).
    pub fn next(self, event: Event) -> Option<Self> {
        use AttemptState as S;
        use Event as E;
        match (self, event) {
            (S::Created, E::Accepted) => Some(S::Requested),
            (S::Created, E::Refused) => Some(S::Failed),
            // A callback can overtake our own record of the acceptance.
            (S::Created | S::Requested | S::TimedOut, E::Paid) => Some(S::Succeeded),
            (S::Created | S::Requested, E::Declined) => Some(S::Failed),
            (S::Requested, E::Expired) => Some(S::TimedOut),
            _ => None,
        }
    }

    /// Whether the outcome may still change.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Created | Self::Requested | Self::TimedOut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STATES: [AttemptState; 5] =
        [AttemptState::Created, AttemptState::Requested, AttemptState::Succeeded, AttemptState::Failed, AttemptState::TimedOut];
    const EVENTS: [Event; 5] = [Event::Accepted, Event::Refused, Event::Paid, Event::Declined, Event::Expired];

    #[test]
    fn success_after_timeout_still_settles() {
        let s = AttemptState::Created.next(Event::Accepted).and_then(|s| s.next(Event::Expired));
        assert_eq!(s, Some(AttemptState::TimedOut));
        assert_eq!(s.and_then(|s| s.next(Event::Paid)), Some(AttemptState::Succeeded));
    }

    proptest! {
        #[test]
        fn succeeded_is_final_and_settles_once(events in proptest::collection::vec(0usize..5, 0..20)) {
            let mut state = AttemptState::Created;
            let mut settled = 0;
            for e in events {
                if let Some(next) = state.next(EVENTS[e]) {
                    if next == AttemptState::Succeeded { settled += 1; }
                    prop_assert!(state.is_open(), "{state:?} is final yet moved");
                    state = next;
                }
            }
            prop_assert!(settled <= 1);
            prop_assert_eq!(AttemptState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn every_transition_is_listed() {
        let moves: usize = STATES.iter().map(|s| EVENTS.iter().filter(|e| s.next(**e).is_some()).count()).sum();
        assert_eq!(moves, 8, "update the transition table and its tests together");
    }
}

//! How an outside system the portal depends on is doing, as the status page says it.

/// A component's health, from its latest check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Health {
    /// Answering normally.
    Up,
    /// Answering, but slowly or with some failures: things may take longer.
    Degraded,
    /// Not answering: what depends on it fails for now.
    Down,
}

impl Health {
    /// The stored and JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Degraded => "degraded",
            Self::Down => "down",
        }
    }

    /// Reads the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "up" => Some(Self::Up),
            "degraded" => Some(Self::Degraded),
            "down" => Some(Self::Down),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Health;

    #[test]
    fn stored_forms_round_trip_and_worse_sorts_later() {
        for health in [Health::Up, Health::Degraded, Health::Down] {
            assert_eq!(Health::parse(health.as_str()), Some(health));
        }
        assert_eq!(Health::parse("fine"), None);
        assert!(Health::Up < Health::Degraded && Health::Degraded < Health::Down);
    }
}

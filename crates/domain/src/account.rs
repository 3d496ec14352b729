//! Account types of the portal.

/// The kinds of account a person can open, as on eCitizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// Kenyan citizen, checked against the register by national ID.
    Citizen,
    /// Foreign resident, checked against the register by alien card number.
    Resident,
    /// Visitor, identified by passport; not in the register.
    Visitor,
}

impl AccountType {
    /// All account types, in the order they are offered.
    pub const ALL: [AccountType; 3] = [Self::Citizen, Self::Resident, Self::Visitor];

    /// Stable storage and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Resident => "resident",
            Self::Visitor => "visitor",
        }
    }

    /// Parses the storage name.
    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == input)
    }
}

/// Age from which a person may hold an account.
pub const MINIMUM_AGE: i32 = 18;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in AccountType::ALL {
            assert_eq!(AccountType::parse(t.as_str()), Some(t));
        }
        assert_eq!(AccountType::parse("business"), None);
    }
}

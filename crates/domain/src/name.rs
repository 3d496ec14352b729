//! Personal names.

use crate::error::InvalidInput;

/// A personal name part as the register holds it: letters with spaces, hyphens and
/// apostrophes (`Ng'ang'a`, `Arap Koech`), 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// Parses a typed name; inner runs of spaces collapse to one.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ").replace('’', "'");
        let count = collapsed.chars().count();
        let ok = (1..=100).contains(&count) && collapsed.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'));
        if ok { Ok(Self(collapsed)) } else { Err(InvalidInput::new("name.invalid")) }
    }

    /// The name as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive comparison, as eCitizen matches first names against the register.
    pub fn matches(&self, other: &str) -> bool {
        Self::parse(other).is_ok_and(|o| o.0.to_lowercase() == self.0.to_lowercase())
    }
}

impl TryFrom<String> for PersonName {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonName> for String {
    fn from(value: PersonName) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_apostrophes_and_parts() {
        assert_eq!(PersonName::parse("  Ng’ang'a  ").map(|n| n.as_str().to_owned()), Ok("Ng'ang'a".into()));
        assert!(PersonName::parse("Arap   Koech").is_ok_and(|n| n.as_str() == "Arap Koech"));
        assert!(PersonName::parse("").is_err());
        assert!(PersonName::parse("Robert'); DROP TABLE").is_err());
    }

    #[test]
    fn matching_ignores_case_and_spacing() {
        let n = PersonName::parse("Wanjiku").expect("valid");
        assert!(n.matches("WANJIKU "));
        assert!(!n.matches("Wanjiru"));
    }

    proptest! {
        #[test]
        fn never_panics(input in ".{0,120}") {
            let _ = PersonName::parse(&input);
        }
    }
}

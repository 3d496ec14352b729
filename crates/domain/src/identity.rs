//! Identity documents: national ID, alien (foreigner certificate) card, passport, KRA PIN.

use crate::error::{InvalidInput, compact};
use std::fmt;

macro_rules! digits_document {
    ($(#[$doc:meta])* $name:ident, $code:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses a typed number: digits only, 6 to 9 of them, spaces ignored.
            pub fn parse(input: &str) -> Result<Self, InvalidInput> {
                let raw = compact(input);
                if (6..=9).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(Self(raw))
                } else {
                    Err(InvalidInput::new($code))
                }
            }

            /// The number as stored and sent to the register.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(••••{})", stringify!($name), &self.0[self.0.len() - 2..])
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidInput;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

digits_document!(
    /// A Kenyan national ID card number: digits only, usually 8 (older 6–7), no check digit.
    NationalId,
    "national_id.invalid"
);
digits_document!(
    /// A foreign resident's alien card (foreigner certificate) number.
    AlienNumber,
    "alien_number.invalid"
);

/// A passport number, loosely `^[A-Z]{1,2}\d{6,8}$` (Kenyan e-passports: two letters and
/// seven digits). Foreign passports vary, so visitors' numbers are accepted as 6–12
/// letters and digits with at least one digit.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PassportNumber(String);

impl PassportNumber {
    /// Parses a typed passport number; letters are upper-cased.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let raw = compact(input).to_ascii_uppercase();
        let ok = (6..=12).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric()) && raw.bytes().any(|b| b.is_ascii_digit());
        if ok { Ok(Self(raw)) } else { Err(InvalidInput::new("passport.invalid")) }
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PassportNumber(••••{})", &self.0[self.0.len() - 2..])
    }
}

impl TryFrom<String> for PassportNumber {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PassportNumber> for String {
    fn from(value: PassportNumber) -> Self {
        value.0
    }
}

/// A Kenya Revenue Authority PIN: `^[AP]\d{9}[A-Z]$` (A individual, P organisation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KraPin(String);

impl KraPin {
    /// Parses a typed PIN; letters are upper-cased.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let raw = compact(input).to_ascii_uppercase();
        let b = raw.as_bytes();
        let ok = b.len() == 11 && matches!(b[0], b'A' | b'P') && b[1..10].iter().all(u8::is_ascii_digit) && b[10].is_ascii_uppercase();
        if ok { Ok(Self(raw)) } else { Err(InvalidInput::new("kra_pin.invalid")) }
    }

    /// Whether the PIN belongs to an individual (`A…`) rather than an organisation.
    pub fn is_individual(&self) -> bool {
        self.0.starts_with('A')
    }

    /// The normalised PIN.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KraPin {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<KraPin> for String {
    fn from(value: KraPin) -> Self {
        value.0
    }
}

/// A visitor's nationality as written on the passport (e.g. "Tanzanian", "British").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nationality(String);

impl Nationality {
    /// Parses a nationality: 2–56 letters, spaces, hyphens or apostrophes.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let trimmed = input.trim();
        let count = trimmed.chars().count();
        let ok = (2..=56).contains(&count) && trimmed.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\''));
        if ok { Ok(Self(trimmed.to_owned())) } else { Err(InvalidInput::new("nationality.invalid")) }
    }

    /// The nationality as typed, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Nationality {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Nationality> for String {
    fn from(value: Nationality) -> Self {
        value.0
    }
}

/// The document an account is registered with; one account per document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityDocument {
    /// Kenyan citizen.
    NationalId(NationalId),
    /// Foreign resident.
    AlienCard(AlienNumber),
    /// Visitor.
    Passport(PassportNumber, Nationality),
}

impl IdentityDocument {
    /// Stable storage name of the document kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NationalId(_) => "national_id",
            Self::AlienCard(_) => "alien_card",
            Self::Passport(..) => "passport",
        }
    }

    /// The document number as stored.
    pub fn number(&self) -> &str {
        match self {
            Self::NationalId(n) => n.as_str(),
            Self::AlienCard(n) => n.as_str(),
            Self::Passport(n, _) => n.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn national_ids_are_six_to_nine_digits() {
        assert_eq!(NationalId::parse(" 1234 5678 ").map(|n| n.to_string()), Ok("12345678".into()));
        assert!(NationalId::parse("123456").is_ok());
        assert_eq!(NationalId::parse("12345"), Err(InvalidInput::new("national_id.invalid")));
        assert!(NationalId::parse("1234567890").is_err());
        assert!(NationalId::parse("1234567a").is_err());
        assert!(AlienNumber::parse("9100231").is_ok());
    }

    #[test]
    fn debug_hides_document_numbers() {
        let id = NationalId::parse("12345678").expect("valid");
        assert!(!format!("{id:?}").contains("123456"));
    }

    #[test]
    fn kra_pins_follow_the_kra_pattern() {
        assert_eq!(KraPin::parse("a004416331m").map(|p| p.as_str().to_owned()), Ok("A004416331M".into()));
        assert!(KraPin::parse("P051234567Q").is_ok_and(|p| !p.is_individual()));
        for bad in ["B004416331M", "A00441633M", "A0044163311", "A004416331MM", ""] {
            assert_eq!(KraPin::parse(bad), Err(InvalidInput::new("kra_pin.invalid")), "{bad}");
        }
    }

    #[test]
    fn passports_are_upper_cased() {
        assert_eq!(PassportNumber::parse("ak 1234567").map(|p| p.as_str().to_owned()), Ok("AK1234567".into()));
        assert!(PassportNumber::parse("ABCDEFG").is_err());
        assert!(PassportNumber::parse("A12").is_err());
    }

    #[test]
    fn nationalities_are_words() {
        assert!(Nationality::parse(" Tanzanian ").is_ok());
        assert!(Nationality::parse("<script>").is_err());
    }

    proptest! {
        #[test]
        fn any_six_to_nine_digits_is_a_national_id(id in "[0-9]{6,9}") {
            let parsed = NationalId::parse(&id).expect("valid");
            prop_assert_eq!(parsed.as_str(), id.as_str());
        }

        #[test]
        fn any_kra_pattern_is_a_pin(kind in "[AP]", digits in "[0-9]{9}", last in "[A-Z]") {
            let pin = format!("{kind}{digits}{last}");
            prop_assert!(KraPin::parse(&pin.to_lowercase()).is_ok());
        }

        #[test]
        fn parsers_never_panic(input in ".{0,20}") {
            let _ = NationalId::parse(&input);
            let _ = KraPin::parse(&input);
            let _ = PassportNumber::parse(&input);
            let _ = Nationality::parse(&input);
        }
    }
}

//! One-time codes sent by SMS or email.

use crate::error::{InvalidInput, compact};
use std::fmt;

/// Number of digits in a one-time code.
pub const DIGITS: usize = 6;

/// A six-digit one-time code, as typed by the user or freshly generated.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

impl OneTimeCode {
    /// Parses what the user typed; spaces and dashes are ignored.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let raw = compact(input);
        if raw.len() == DIGITS && raw.bytes().all(|b| b.is_ascii_digit()) { Ok(Self(raw)) } else { Err(InvalidInput::new("code.invalid")) }
    }

    /// Builds a code from a random number; the caller supplies a CSPRNG draw so this
    /// crate stays free of I/O and tests stay deterministic.
    pub fn from_random(random: u32) -> Self {
        Self(format!("{:06}", random % 1_000_000))
    }

    /// The digits, to send or to hash.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_with_spaces() {
        assert_eq!(OneTimeCode::parse(" 123 456 ").map(|c| c.expose().to_owned()), Ok("123456".into()));
        assert_eq!(OneTimeCode::parse("12345"), Err(InvalidInput::new("code.invalid")));
        assert!(OneTimeCode::parse("12345a").is_err());
    }

    proptest! {
        #[test]
        fn generated_codes_are_six_digits_and_parse(r in any::<u32>()) {
            let code = OneTimeCode::from_random(r);
            prop_assert_eq!(code.expose().len(), DIGITS);
            prop_assert_eq!(OneTimeCode::parse(code.expose()).expect("parses"), code);
        }
    }
}

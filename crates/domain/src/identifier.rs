//! What a person types to say who they are when signing in or resetting a password: an
//! email address or an identity document number, brought to one normal form so that the
//! same person written differently (`1234 5678`, `1234-5678`, `WANJIKU@Example.com`) is one
//! identifier — for the account look-up and for every limit counted against it.

use crate::email::Email;
use crate::error::{InvalidInput, compact};

/// A sign-in identifier in its normal form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// An email address (trimmed, domain lower-cased); compared without regard to case.
    Email(Email),
    /// A national ID, alien card or passport number: spaces, hyphens, dots and brackets
    /// dropped, letters upper-cased — the form numbers are stored in.
    Document(String),
}

impl Identifier {
    /// Parses what was typed; empty input is `identifier.required`, anything that can be
    /// neither an email address nor a document number is `identifier.invalid`.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(InvalidInput::new("identifier.required"));
        }
        if trimmed.contains('@') {
            return Email::parse(trimmed).map(Self::Email).map_err(|_| InvalidInput::new("identifier.invalid"));
        }
        let number = compact(trimmed).to_ascii_uppercase();
        if (1..=20).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self::Document(number))
        } else {
            Err(InvalidInput::new("identifier.invalid"))
        }
    }

    /// The key limits count under: one string per identifier, however it was typed.
    pub fn limit_key(&self) -> String {
        match self {
            Self::Email(email) => format!("email:{}", email.as_str().to_lowercase()),
            Self::Document(number) => format!("document:{number}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_same_person_written_differently_is_one_identifier() {
        let key = |s: &str| Identifier::parse(s).expect("parses").limit_key();
        assert_eq!(key("12345678"), key(" 1234 5678 "));
        assert_eq!(key("12345678"), key("1234-5678"));
        assert_eq!(key("12345678"), key("1234\u{a0}5678"), "no-break space");
        assert_eq!(key("ak0123456"), key("AK 012 3456"));
        assert_eq!(key("Wanjiku@Example.COM"), key(" wanjiku@example.com"));
        assert_ne!(key("12345678"), key("12345679"));
    }

    #[test]
    fn nothing_else_passes_for_an_identifier() {
        assert_eq!(Identifier::parse("   ").map_err(|e| e.code), Err("identifier.required"));
        assert_eq!(Identifier::parse("12345678\u{200b}").map_err(|e| e.code), Err("identifier.invalid"), "zero-width space");
        assert_eq!(Identifier::parse("１２３４５６７８").map_err(|e| e.code), Err("identifier.invalid"), "full-width digits");
        assert_eq!(Identifier::parse("a@b").map_err(|e| e.code), Err("identifier.invalid"));
    }

    proptest! {
        #[test]
        fn spacing_never_changes_the_key(digits in "[0-9]{8}", cuts in proptest::collection::vec(0usize..8, 0..4)) {
            let mut spaced = digits.clone();
            for cut in cuts.iter().rev() {
                spaced.insert(*cut, if cut % 2 == 0 { ' ' } else { '-' });
            }
            let a = Identifier::parse(&digits).map(|i| i.limit_key());
            let b = Identifier::parse(&spaced).map(|i| i.limit_key());
            prop_assert_eq!(a, b);
        }
    }
}

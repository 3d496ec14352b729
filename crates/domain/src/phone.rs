//! Kenyan mobile numbers.

use crate::error::{InvalidInput, compact};
use std::fmt;

/// A Kenyan mobile number: `+254` then nine digits starting with 7 or 1.
///
/// Accepts what people type (`0712 345 678`, `+254-712-345678`, `254712345678`,
/// `712345678`) and prints the two forms providers want: E.164 for Africa's Talking and
/// the bare `2547…` form for M-Pesa Daraja.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone {
    /// The nine national digits after the country code.
    subscriber: String,
}

impl Phone {
    /// Parses a typed phone number.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let raw = compact(input);
        let digits = if let Some(rest) = raw.strip_prefix("+254") {
            rest
        } else if let Some(rest) = raw.strip_prefix("254") {
            rest
        } else if let Some(rest) = raw.strip_prefix('0') {
            rest
        } else {
            raw.as_str()
        };
        let valid = digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()) && matches!(digits.as_bytes()[0], b'7' | b'1');
        if valid { Ok(Self { subscriber: digits.to_owned() }) } else { Err(InvalidInput::new("phone.invalid")) }
    }

    /// `+254712345678`, the form Africa's Talking and people expect.
    pub fn e164(&self) -> String {
        format!("+254{}", self.subscriber)
    }

    /// `254712345678`, the form M-Pesa Daraja expects.
    pub fn daraja(&self) -> String {
        format!("254{}", self.subscriber)
    }

    /// `07•• ••• 678`: enough for a person to recognise their own number.
    pub fn masked(&self) -> String {
        format!("0{}•• ••• {}", &self.subscriber[..1], &self.subscriber[6..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164())
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.e164()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_forms_people_type() {
        for input in ["0712345678", "+254712345678", "254712345678", "712345678", "0712 345 678", "+254-712-345-678"] {
            assert_eq!(Phone::parse(input).map(|p| p.e164()), Ok("+254712345678".into()), "{input}");
        }
        assert_eq!(Phone::parse("0110123456").map(|p| p.daraja()), Ok("254110123456".into()));
    }

    #[test]
    fn refuses_what_is_not_a_kenyan_mobile() {
        for input in ["", "0812345678", "071234567", "07123456789", "+255712345678", "07123456ab", "phone"] {
            assert_eq!(Phone::parse(input), Err(InvalidInput::new("phone.invalid")), "{input}");
        }
    }

    #[test]
    fn debug_masks_the_number() {
        let phone = Phone::parse("0712345678").expect("valid");
        assert!(!format!("{phone:?}").contains("2345"));
    }

    proptest! {
        #[test]
        fn every_written_form_parses_to_the_same_number(first in prop::sample::select(vec!['7', '1']), rest in "[0-9]{8}", form in 0usize..4) {
            let national = format!("{first}{rest}");
            let written = match form { 0 => format!("0{national}"), 1 => format!("+254{national}"), 2 => format!("254{national}"), _ => national.clone() };
            let phone = Phone::parse(&written).expect("valid");
            prop_assert_eq!(phone.daraja(), format!("254{national}"));
            prop_assert_eq!(Phone::parse(&phone.e164()).expect("round trip"), phone);
        }

        #[test]
        fn never_panics(input in ".{0,30}") {
            let _ = Phone::parse(&input);
        }
    }
}

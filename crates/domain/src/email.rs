//! Email addresses.

use crate::error::InvalidInput;
use std::fmt;

/// A syntactically plausible email address, trimmed, with the domain lower-cased.
///
/// Deliberately not RFC 5322 in full: the verification code proves the address works;
/// this only catches typing mistakes early.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses a typed address.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let trimmed = input.trim();
        let err = InvalidInput::new("email.invalid");
        let (local, domain) = trimmed.rsplit_once('@').ok_or(err.clone())?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local.chars().all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | '"' | ',' | ';'));
        let domain_ok = domain.len() <= 253
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local_ok && domain_ok && trimmed.len() <= 254 { Ok(Self(format!("{local}@{}", domain.to_lowercase()))) } else { Err(err) }
    }

    /// The address as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`, used as a context word by the password policy.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }

    /// `wa•••@example.com`: recognisable by its owner, useless to anyone else.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or(("", ""));
        let shown: String = local.chars().take(2).collect();
        format!("{shown}•••@{domain}")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidInput;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_addresses() {
        assert_eq!(Email::parse(" Wanjiku.Kamau@Example.CO.KE ").map(|e| e.to_string()), Ok("Wanjiku.Kamau@example.co.ke".into()));
        assert!(Email::parse("a+tag@mail.go.ke").is_ok());
    }

    #[test]
    fn refuses_typing_mistakes() {
        for bad in [
            "",
            "wanjiku",
            "wanjiku@",
            "@example.com",
            "wanjiku@example",
            "wa njiku@example.com",
            "w@example..com",
            "a@b@c.com",
            "x<y>@example.com",
        ] {
            assert_eq!(Email::parse(bad), Err(InvalidInput::new("email.invalid")), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn generated_addresses_round_trip(local in "[a-z0-9._+]{1,20}", domain in "[a-z0-9]{1,10}", tld in "[a-z]{2,4}") {
            let email = Email::parse(&format!("{local}@{domain}.{tld}")).expect("valid");
            prop_assert_eq!(Email::parse(email.as_str()).expect("round trip"), email);
        }

        #[test]
        fn never_panics(input in ".{0,40}") {
            let _ = Email::parse(&input).map(|e| e.masked());
        }
    }
}

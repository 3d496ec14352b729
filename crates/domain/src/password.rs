//! Password policy after NIST SP 800-63B: length, a blocklist and context words; no
//! composition rules, no truncation.

use std::collections::HashSet;
use std::fmt;

/// Shortest password accepted: 8 is enough because a second factor is always used.
pub const MIN_CHARS: usize = 8;
/// Longest password accepted; far above the 64 NIST asks us to allow.
pub const MAX_CHARS: usize = 256;
/// Context words shorter than this are too common to refuse inside a password.
const MIN_CONTEXT_WORD: usize = 4;

/// Why a candidate password was refused. Each maps to a stable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_CHARS`] characters.
    TooShort,
    /// More than [`MAX_CHARS`] characters.
    TooLong,
    /// Found in the list of common and breached passwords.
    Common,
    /// Contains the person's name, ID number, email or the service's name.
    Personal,
    /// One character repeated, or a run such as `12345678` or `abcdefgh`.
    Repetitive,
}

impl PasswordProblem {
    /// Stable error code, also the translation key suffix.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "password.too_short",
            Self::TooLong => "password.too_long",
            Self::Common => "password.common",
            Self::Personal => "password.personal",
            Self::Repetitive => "password.repetitive",
        }
    }
}

/// Common and breached passwords, compared case-insensitively.
#[derive(Debug, Default)]
pub struct Blocklist(HashSet<String>);

impl Blocklist {
    /// Builds the list from text with one password per line.
    pub fn from_lines(text: &str) -> Self {
        Self(text.lines().map(|l| l.trim().to_lowercase()).filter(|l| !l.is_empty()).collect())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, lowered: &str) -> bool {
        self.0.contains(lowered)
    }
}

/// A password that passed the policy. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Checks a new password against the policy. `context` holds words the password must
    /// not contain: names, document number, email local part.
    pub fn new(candidate: &str, context: &[&str], blocklist: &Blocklist) -> Result<Self, PasswordProblem> {
        let count = candidate.chars().count();
        if count < MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if count > MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        let lowered = candidate.to_lowercase();
        if blocklist.contains(&lowered) || blocklist.contains(lowered.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!')) {
            return Err(PasswordProblem::Common);
        }
        let personal = context
            .iter()
            .chain(["huduma", "ecitizen"].iter())
            .map(|w| w.trim().to_lowercase())
            .filter(|w| w.chars().count() >= MIN_CONTEXT_WORD)
            .any(|w| lowered.contains(&w));
        if personal {
            return Err(PasswordProblem::Personal);
        }
        if is_repetitive(&lowered) {
            return Err(PasswordProblem::Repetitive);
        }
        Ok(Self(candidate.to_owned()))
    }

    /// Wraps a password typed at sign-in; no policy applies to what is being checked.
    pub fn for_checking(typed: &str) -> Self {
        Self(typed.to_owned())
    }

    /// The secret, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(redacted)")
    }
}

/// One character repeated, or each character one step from the previous (`abcd`, `4321`).
fn is_repetitive(lowered: &str) -> bool {
    let chars: Vec<u32> = lowered.chars().map(u32::from).collect();
    let steps: Vec<i64> = chars.windows(2).map(|w| i64::from(w[1]) - i64::from(w[0])).collect();
    steps.iter().all(|s| *s == 0) || steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list() -> Blocklist {
        Blocklist::from_lines("password\nqwertyuiop\niloveyou\n")
    }

    #[test]
    fn length_is_the_main_rule() {
        assert_eq!(Password::new("short", &[], &list()).err(), Some(PasswordProblem::TooShort));
        assert!(Password::new("mango tree by the river", &[], &list()).is_ok());
        assert!(Password::new(&"x".repeat(10).chars().chain("yz".repeat(40).chars()).collect::<String>(), &[], &list()).is_ok());
        assert_eq!(Password::new(&"ab".repeat(200), &[], &list()).err(), Some(PasswordProblem::TooLong));
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(Password::new("ñandú€€", &[], &list()).err(), Some(PasswordProblem::TooShort));
        assert!(Password::new("ñandú€€ü", &[], &list()).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_the_case_or_trailing_digits() {
        assert_eq!(Password::new("PassWord", &[], &list()).err(), Some(PasswordProblem::Common));
        assert_eq!(Password::new("password123", &[], &list()).err(), Some(PasswordProblem::Common));
        assert_eq!(Password::new("iloveyou!", &[], &list()).err(), Some(PasswordProblem::Common));
    }

    #[test]
    fn personal_words_are_refused() {
        let context = ["Wanjiku", "12345678", "wanjiku.kamau"];
        assert_eq!(Password::new("wanjiku2026", &context, &list()).err(), Some(PasswordProblem::Personal));
        assert_eq!(Password::new("my id 12345678", &context, &list()).err(), Some(PasswordProblem::Personal));
        assert_eq!(Password::new("Huduma-portal", &[], &list()).err(), Some(PasswordProblem::Personal));
        assert!(Password::new("Kamau likes tea", &["Ann"], &list()).is_ok(), "short context words are ignored");
    }

    #[test]
    fn runs_and_repeats_are_refused() {
        for bad in ["aaaaaaaa", "12345678", "87654321", "abcdefghij"] {
            assert_eq!(Password::new(bad, &[], &list()).err(), Some(PasswordProblem::Repetitive), "{bad}");
        }
    }

    #[test]
    fn debug_redacts() {
        let p = Password::for_checking("secret-value");
        assert!(!format!("{p:?}").contains("secret"));
    }

    proptest! {
        #[test]
        fn long_random_passwords_pass_and_are_kept_whole(p in "[a-zA-Z0-9 !?]{12,200}") {
            prop_assume!(!is_repetitive(&p.to_lowercase()) && !p.to_lowercase().contains("huduma") && !p.to_lowercase().contains("ecitizen"));
            let ok = Password::new(&p, &[], &list()).expect("accepted");
            prop_assert_eq!(ok.expose(), p.as_str());
        }

        #[test]
        fn anything_shorter_than_the_minimum_is_refused(p in ".{0,7}") {
            prop_assert_eq!(Password::new(&p, &[], &list()).err(), Some(PasswordProblem::TooShort));
        }
    }
}

//! Public reference numbers: what citizens read aloud, type and write on forms.
//!
//! The alphabet has 29 symbols: the digits 2–9 and the letters without I, L, O, S and U,
//! which people confuse with 1, 0, 5 and V (and U invites accidental words). 29 is
//! prime, so a check symbol computed as a weighted sum modulo 29 with weights 1, 2, 3 …
//! catches every single wrong symbol (`w·(a−b) ≢ 0 mod 29` for `a ≠ b`) and every swap
//! of two neighbours (`(a−b)·(wᵢ−wᵢ₊₁) ≢ 0`), as long as a code has fewer than 29
//! symbols. The same rule serves application references, invoice numbers and ticket
//! numbers: only the length and the prefix differ.

use crate::InvalidInput;
use std::fmt;

/// The symbols, in value order.
pub const ALPHABET: &[u8; 29] = b"23456789ABCDEFGHJKMNPQRTVWXYZ";

/// What a public number is for; each kind has its own length and first letter, so a
/// ticket number is never taken for an application reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An application: `A` + 9 random + check, shown as `A7K3MX-9PQ2C`… (11 symbols).
    Application,
    /// An invoice: `B` + 8 random + check (10 symbols) — fits M-Pesa's 12-character
    /// account reference with room to spare.
    Invoice,
    /// A helpdesk ticket: `T` + 8 random + check.
    Ticket,
    /// A payment receipt: `R` + 8 random + check.
    Receipt,
    /// An issued certificate, licence, permit or letter: `C` + 8 random + check.
    Certificate,
}

impl Kind {
    fn prefix(self) -> u8 {
        match self {
            Self::Application => b'A',
            Self::Invoice => b'B',
            Self::Ticket => b'T',
            Self::Receipt => b'R',
            Self::Certificate => b'C',
        }
    }

    /// Random symbols between the prefix and the check symbol.
    fn random_len(self) -> usize {
        match self {
            Self::Application => 9,
            Self::Invoice | Self::Ticket | Self::Receipt | Self::Certificate => 8,
        }
    }

    /// Total length in symbols.
    pub fn symbols(self) -> usize {
        self.random_len() + 2
    }
}

/// A valid public number of one kind: upper case, no separators.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference(String);

fn value(symbol: u8) -> Option<usize> {
    ALPHABET.iter().position(|&s| s == symbol)
}

/// The check symbol for `body` (symbols already known to be in the alphabet).
fn check_symbol(body: &[u8]) -> u8 {
    let sum: usize = body.iter().enumerate().map(|(i, &s)| (i + 1) * value(s).unwrap_or(0)).sum();
    // Choose c so that sum + (n+1)·c ≡ 0 (mod 29); (n+1) is invertible because n+1 < 29.
    let weight = body.len() + 1;
    let inverse = (1..29).find(|x| (x * weight) % 29 == 1).unwrap_or(1);
    let c = ((29 - sum % 29) % 29 * inverse) % 29;
    ALPHABET[c]
}

impl Reference {
    /// A new random number of `kind`. `pick(n)` must return a uniformly random index
    /// below `n` from a CSPRNG; uniqueness is the database's job (retry on conflict).
    pub fn generate(kind: Kind, mut pick: impl FnMut(usize) -> usize) -> Self {
        let mut body = vec![kind.prefix()];
        body.extend((0..kind.random_len()).map(|_| ALPHABET[pick(ALPHABET.len()) % ALPHABET.len()]));
        let check = check_symbol(&body);
        body.push(check);
        Self(body.into_iter().map(char::from).collect())
    }

    /// Parses what a person typed: case, spaces and dashes do not matter; a wrong
    /// symbol or two swapped neighbours are caught by the check symbol.
    pub fn parse(kind: Kind, input: &str) -> Result<Self, InvalidInput> {
        let err = InvalidInput::new("reference.invalid");
        let compact: Vec<u8> = input.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'-').map(|b| b.to_ascii_uppercase()).collect();
        if compact.len() != kind.symbols() || compact[0] != kind.prefix() || !compact.iter().all(|&b| value(b).is_some()) {
            return Err(err);
        }
        let (body, check) = compact.split_at(compact.len() - 1);
        if check_symbol(body) != check[0] {
            return Err(err);
        }
        Ok(Self(compact.into_iter().map(char::from).collect()))
    }

    /// The compact form stored in the database.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Grouped for reading aloud: `A7K3MX-9PQ2C`.
    pub fn display(&self) -> String {
        let (head, tail) = self.0.split_at(self.0.len().div_ceil(2));
        format!("{head}-{tail}")
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn from_seed(kind: Kind, seed: Vec<usize>) -> Reference {
        let mut it = seed.into_iter().cycle();
        Reference::generate(kind, move |n| it.next().unwrap_or(0) % n)
    }

    #[test]
    fn generated_numbers_parse_and_display_grouped() {
        let r = from_seed(Kind::Application, vec![3, 14, 15, 9, 26, 5, 3, 5, 8]);
        assert_eq!(r.as_str().len(), 11);
        assert!(r.as_str().starts_with('A'));
        assert_eq!(Reference::parse(Kind::Application, &r.display()).unwrap(), r);
        assert_eq!(Reference::parse(Kind::Application, &r.as_str().to_lowercase()).unwrap(), r);
        assert!(Reference::parse(Kind::Ticket, r.as_str()).is_err(), "a reference is not a ticket number");
    }

    #[test]
    fn confusable_letters_never_appear() {
        for forbidden in [b'0', b'1', b'I', b'L', b'O', b'S', b'U'] {
            assert!(!ALPHABET.contains(&forbidden));
        }
    }

    #[test]
    fn invoice_numbers_fit_mpesa_account_reference() {
        let r = from_seed(Kind::Invoice, vec![1, 2, 3]);
        assert!(r.as_str().len() <= 12);
    }

    proptest! {
        #[test]
        fn every_single_symbol_error_is_caught(seed in proptest::collection::vec(0usize..29, 9), pos in 0usize..11, sym in 0usize..29) {
            let r = from_seed(Kind::Application, seed);
            let mut bytes = r.as_str().as_bytes().to_vec();
            prop_assume!(bytes[pos] != ALPHABET[sym]);
            bytes[pos] = ALPHABET[sym];
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(Reference::parse(Kind::Application, &typo).is_err(), "{typo} accepted");
        }

        #[test]
        fn every_adjacent_swap_is_caught(seed in proptest::collection::vec(0usize..29, 8), pos in 0usize..9) {
            let r = from_seed(Kind::Ticket, seed);
            let mut bytes = r.as_str().as_bytes().to_vec();
            prop_assume!(bytes[pos] != bytes[pos + 1]);
            bytes.swap(pos, pos + 1);
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(Reference::parse(Kind::Ticket, &typo).is_err(), "{typo} accepted");
        }

        #[test]
        fn parse_never_panics(input in ".{0,20}") {
            let _ = Reference::parse(Kind::Application, &input);
        }
    }

    /// Exhaustive over every position and symbol of a few numbers: the proof above,
    /// checked rather than trusted.
    #[test]
    fn exhaustive_single_errors_and_swaps() {
        for seed in 0..50usize {
            let r = from_seed(Kind::Application, vec![seed, seed * 7 + 3, seed * 13 + 1]);
            let original = r.as_str().as_bytes().to_vec();
            for pos in 0..original.len() {
                for &sym in ALPHABET {
                    if sym == original[pos] {
                        continue;
                    }
                    let mut typo = original.clone();
                    typo[pos] = sym;
                    assert!(Reference::parse(Kind::Application, std::str::from_utf8(&typo).unwrap()).is_err());
                }
                if pos + 1 < original.len() && original[pos] != original[pos + 1] {
                    let mut typo = original.clone();
                    typo.swap(pos, pos + 1);
                    assert!(Reference::parse(Kind::Application, std::str::from_utf8(&typo).unwrap()).is_err());
                }
            }
        }
    }
}

//! Money: integer minor units with a currency. Never floating point.

use std::fmt;

/// Currencies the portal takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Currency {
    /// Kenya shilling.
    #[serde(rename = "KES")]
    Kes,
    /// US dollar (e.g. visitors' e-visas).
    #[serde(rename = "USD")]
    Usd,
}

impl Currency {
    /// ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Kes => "KES",
            Self::Usd => "USD",
        }
    }

    /// Parses an ISO code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "KES" => Some(Self::Kes),
            "USD" => Some(Self::Usd),
            _ => None,
        }
    }
}

/// An amount of money in minor units (cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Money {
    /// Cents.
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// Parses `"1050"`, `"1050.5"`, `"1,050.50"` (whole units, up to two decimals).
    pub fn parse_major(text: &str, currency: Currency) -> Option<Self> {
        let clean: String = text.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
        let (whole, fraction) = clean.split_once('.').unwrap_or((&clean, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || fraction.len() > 2
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
        Some(Self { minor: whole.checked_mul(100)?.checked_add(cents)?, currency })
    }

    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    /// Sum of two amounts in the same currency.
    pub fn plus(self, other: Money) -> Option<Money> {
        (self.currency == other.currency).then_some(Money { minor: self.minor.checked_add(other.minor)?, currency: self.currency })
    }
}

impl fmt::Display for Money {
    /// `KES 1,050` or `KES 1,050.50`: how Kenyans read fees.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.minor / 100;
        let cents = self.minor % 100;
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if cents == 0 {
            write!(f, "{} {grouped}", self.currency.code())
        } else {
            write!(f, "{} {grouped}.{cents:02}", self.currency.code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints_fees() {
        let kes = |t| Money::parse_major(t, Currency::Kes);
        assert_eq!(kes("1050").map(|m| m.minor), Some(105_000));
        assert_eq!(kes("1,050.5").map(|m| m.to_string()), Some("KES 1,050.50".into()));
        assert_eq!(kes("12500").map(|m| m.to_string()), Some("KES 12,500".into()));
        assert_eq!(kes("0").map(|m| m.to_string()), Some("KES 0".into()));
        for bad in ["", "-5", "1.234", "abc", "1e3"] {
            assert_eq!(kes(bad), None, "{bad}");
        }
        let usd = Money::parse_major("30", Currency::Usd).expect("usd");
        assert_eq!(usd.plus(Money::zero(Currency::Kes)), None, "no mixing currencies");
    }

    proptest! {
        #[test]
        fn whole_amounts_round_trip(n in 0i64..10_000_000_000) {
            let money = Money::parse_major(&n.to_string(), Currency::Kes).expect("parses");
            prop_assert_eq!(money.minor, n * 100);
            let printed = money.to_string();
            prop_assert_eq!(Money::parse_major(printed.trim_start_matches("KES "), Currency::Kes), Some(money));
        }
    }
}

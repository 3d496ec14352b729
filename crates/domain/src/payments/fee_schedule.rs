//! The convenience fee added to every paid bill, by bands of the bill's amount (gazetted
//! in December 2023; kept as configuration because gazettes change).

use crate::{Currency, Money};

/// Bands of a KES bill and the flat fee for USD bills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSchedule {
    /// `(from, fee)` in minor units, ascending by `from`; a bill pays the fee of the last
    /// band whose `from` it reaches.
    pub kes: Vec<(i64, i64)>,
    /// Fee on any USD bill, in cents.
    pub usd: i64,
}

impl Default for FeeSchedule {
    /// The gazetted schedule: < 200 → 5, 200–299 → 10, 300–499 → 15, 500–699 → 20,
    /// 700–999 → 25, ≥ 1,000 → 50 shillings; US$1 on USD bills.
    fn default() -> Self {
        Self { kes: vec![(0, 500), (20_000, 1_000), (30_000, 1_500), (50_000, 2_000), (70_000, 2_500), (100_000, 5_000)], usd: 100 }
    }
}

impl FeeSchedule {
    /// Parses `"0:5,200:10,300:15"` (shillings: from-amount:fee) for KES and a USD fee
    /// in dollars such as `"1"`.
    pub fn parse(kes: &str, usd: &str) -> Result<Self, String> {
        let mut bands = Vec::new();
        for band in kes.split(',').map(str::trim).filter(|b| !b.is_empty()) {
            let (from, fee) = band.split_once(':').ok_or_else(|| format!("`{band}` is not from:fee"))?;
            let from = Money::parse_major(from.trim(), Currency::Kes).ok_or_else(|| format!("`{from}` is not an amount"))?;
            let fee = Money::parse_major(fee.trim(), Currency::Kes).ok_or_else(|| format!("`{fee}` is not an amount"))?;
            bands.push((from.minor, fee.minor));
        }
        if bands.first().is_none_or(|b| b.0 != 0) {
            return Err("the first band must start at 0".into());
        }
        if bands.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err("bands must rise".into());
        }
        let usd = Money::parse_major(usd.trim(), Currency::Usd).ok_or_else(|| format!("`{usd}` is not an amount"))?.minor;
        Ok(Self { kes: bands, usd })
    }

    /// The convenience fee on a bill of `amount` (nothing on a free bill).
    pub fn fee_for(&self, amount: Money) -> Money {
        let minor = match amount.currency {
            _ if amount.minor <= 0 => 0,
            Currency::Usd => self.usd,
            Currency::Kes => self.kes.iter().rev().find(|(from, _)| amount.minor >= *from).map_or(0, |(_, fee)| *fee),
        };
        Money { minor, currency: amount.currency }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn kes(major: i64) -> Money {
        Money { minor: major * 100, currency: Currency::Kes }
    }

    #[test]
    fn the_gazetted_bands() {
        let s = FeeSchedule::default();
        for (bill, fee) in [(150, 5), (199, 5), (200, 10), (299, 10), (300, 15), (650, 20), (950, 25), (1000, 50), (30_000, 50)] {
            assert_eq!(s.fee_for(kes(bill)).minor, fee * 100, "bill {bill}");
        }
        assert_eq!(s.fee_for(Money { minor: 3000, currency: Currency::Usd }).minor, 100);
        assert_eq!(s.fee_for(kes(0)).minor, 0, "free services pay nothing");
    }

    #[test]
    fn parses_what_the_configuration_says() {
        assert_eq!(FeeSchedule::parse("0:5, 200:10, 300:15, 500:20, 700:25, 1000:50", "1").unwrap(), FeeSchedule::default());
        assert!(FeeSchedule::parse("100:5", "1").is_err(), "must start at 0");
        assert!(FeeSchedule::parse("0:5,300:10,200:15", "1").is_err(), "must rise");
        assert!(FeeSchedule::parse("0:x", "1").is_err());
    }

    proptest! {
        #[test]
        fn the_fee_never_falls_as_the_bill_grows(a in 1i64..10_000_000, b in 1i64..10_000_000) {
            let s = FeeSchedule::default();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let fee = |minor| s.fee_for(Money { minor, currency: Currency::Kes }).minor;
            prop_assert!(fee(lo) <= fee(hi), "fee falls between {} and {}", lo, hi);
        }
    }
}

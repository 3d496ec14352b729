//! Calendar dates without time zones, for dates of birth.

use crate::error::InvalidInput;
use std::fmt;

/// A proleptic Gregorian calendar date (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// Builds a date, refusing impossible ones (31 April, 29 February 2025).
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, InvalidInput> {
        let err = InvalidInput::new("date.invalid");
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) || !(1800..=9999).contains(&year) {
            return Err(err);
        }
        Ok(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let err = InvalidInput::new("date.invalid");
        let mut parts = input.trim().splitn(3, '-');
        let mut next = || parts.next().ok_or(err.clone());
        let (y, m, d) = (next()?, next()?, next()?);
        let year = y.parse().map_err(|_| err.clone())?;
        let month = m.parse().map_err(|_| err.clone())?;
        let day = d.parse().map_err(|_| err.clone())?;
        Self::new(year, month, day)
    }

    /// Builds the date from days since 1970-01-01 (civil-from-days, Howard Hinnant).
    pub fn from_unix_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 (January) to 12 (December).
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (days-from-civil, Howard Hinnant): the inverse of [`Date::from_unix_days`].
    pub fn to_unix_days(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let month = i64::from(self.month);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// ISO 8601 weekday: 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday (4).
        ((self.to_unix_days() + 3).rem_euclid(7) + 1) as u8
    }

    /// The date `days` later (earlier when negative).
    pub fn add_days(self, days: i64) -> Self {
        Self::from_unix_days(self.to_unix_days() + days)
    }

    /// Completed years of age on `today`.
    pub fn age_on(self, today: Date) -> i32 {
        let had_birthday = (today.month, today.day) >= (self.month, self.day);
        today.year - self.year - i32::from(!had_birthday)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_refuses_impossible_dates() {
        assert_eq!(Date::parse("1990-04-12").map(|d| d.to_string()), Ok("1990-04-12".into()));
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2025-02-29").is_err());
        assert!(Date::parse("1990-04-31").is_err());
        assert!(Date::parse("12/04/1990").is_err());
    }

    #[test]
    fn age_counts_the_birthday_itself() {
        let dob = Date::parse("2008-11-26").expect("valid");
        assert_eq!(dob.age_on(Date::parse("2026-11-26").expect("valid")), 18);
        assert_eq!(dob.age_on(Date::parse("2026-11-25").expect("valid")), 17);
    }

    #[test]
    fn unix_days_convert() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_418).to_string(), "2025-11-26");
    }

    proptest! {
        #[test]
        fn display_round_trips(days in -50_000i64..3_000_000) {
            let d = Date::from_unix_days(days);
            prop_assume!(d.year() >= 1800 && d.year() <= 9999);
            prop_assert_eq!(Date::parse(&d.to_string()).expect("parses"), d);
        }
    }
}

//! Working days for service-level agreements: weekends and public holidays don't count.
//!
//! Holidays are data (a TOML file, see `calendar/kenya.toml` for the format) because the
//! Gazette declares extra days and Idd-ul-Fitr follows the moon. Time is Africa/Nairobi
//! (UTC+3 all year, no daylight saving), so a fixed offset is exact.

use crate::Date;
use crate::catalogue::Text;
use serde::Deserialize;
use toml::Spanned;

/// Nairobi is UTC+3 all year.
const NAIROBI_OFFSET: i64 = 3 * 3600;
const DAY: i64 = 86_400;
/// Easter falls between 22 March and 25 April, so ±60 days stays in Easter's own year and
/// a holiday on `date` can only come from `date`'s year.
const EASTER_OFFSETS: std::ops::RangeInclusive<i64> = -60..=60;

/// A holiday calendar: which dates are public holidays, and so which are working days.
#[derive(Debug, Clone)]
pub struct Calendar {
    sunday_moves_to_monday: bool,
    fixed: Vec<Fixed>,
    easter: Vec<(i64, Text)>,
    dated: Vec<(Date, Text)>,
}

#[derive(Debug, Clone)]
struct Fixed {
    month: u8,
    day: u8,
    since: i32,
    name: Text,
}

/// Why a calendar file was refused, with the 1-based line to look at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CalendarError {
    /// 1-based line in the TOML text.
    pub line: usize,
    /// What is wrong, in words for the person editing the file.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    // Required: forgetting it would silently drop section 4 of the Public Holidays Act.
    sunday_moves_to_monday: bool,
    #[serde(default)]
    fixed: Vec<RawFixed>,
    #[serde(default)]
    easter: Vec<RawEaster>,
    #[serde(default)]
    date: Vec<RawDated>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixed {
    date: Spanned<String>,
    since: Option<i32>,
    name: Spanned<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEaster {
    offset: Spanned<i64>,
    name: Spanned<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDated {
    date: Spanned<String>,
    name: Spanned<Text>,
}

impl Calendar {
    /// Parses a calendar file, refusing impossible dates, far Easter offsets, names without
    /// both languages and unknown keys, each with the line to fix.
    pub fn parse(toml_text: &str) -> Result<Calendar, CalendarError> {
        let at = |offset: usize, message: String| CalendarError {
            line: toml_text.get(..offset).map_or(1, |t| t.matches('\n').count() + 1),
            message,
        };
        let raw: RawFile =
            toml::from_str(toml_text).map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().trim().replace('\n', " ")))?;
        let name = |text: Spanned<Text>, what: &str| {
            let span = text.span().start;
            let text = text.into_inner();
            if text.en.trim().is_empty() || text.sw.trim().is_empty() {
                return Err(at(span, format!("the {what} needs a name in both English (`en`) and Kiswahili (`sw`)")));
            }
            Ok(text)
        };
        let mut calendar = Calendar { sunday_moves_to_monday: raw.sunday_moves_to_monday, fixed: vec![], easter: vec![], dated: vec![] };
        for f in raw.fixed {
            // 2000 is a leap year, so "02-29" is accepted and simply only matches leap years.
            let month_day = f.date.get_ref().split_once('-').and_then(|(m, d)| Date::new(2000, m.parse().ok()?, d.parse().ok()?).ok());
            let Some(md) = month_day.filter(|_| f.date.get_ref().len() == 5) else {
                return Err(at(f.date.span().start, format!("`{}` is not a month and day (MM-DD)", f.date.get_ref())));
            };
            let since = f.since.unwrap_or(i32::MIN);
            calendar.fixed.push(Fixed { month: md.month(), day: md.day(), since, name: name(f.name, "fixed holiday")? });
        }
        for e in raw.easter {
            let offset = *e.offset.get_ref();
            if !EASTER_OFFSETS.contains(&offset) {
                return Err(at(e.offset.span().start, format!("Easter offset {offset} is outside -60..=60 days")));
            }
            calendar.easter.push((offset, name(e.name, "Easter holiday")?));
        }
        for d in raw.date {
            let Ok(date) = Date::parse(d.date.get_ref()) else {
                return Err(at(d.date.span().start, format!("`{}` is not a valid date (YYYY-MM-DD)", d.date.get_ref())));
            };
            calendar.dated.push((date, name(d.name, "dated holiday")?));
        }
        Ok(calendar)
    }

    /// The public holiday on `date`, if any, including a day a Sunday holiday moved to.
    pub fn holiday(&self, date: Date) -> Option<&Text> {
        self.listed(date).or_else(|| self.moved_to(date))
    }

    /// Monday to Friday and not a public holiday.
    pub fn is_working_day(&self, date: Date) -> bool {
        date.weekday() <= 5 && self.holiday(date).is_none()
    }

    /// Deadline for `days` working days starting after the moment `from` (unix seconds, UTC):
    /// the end (next local midnight) of the `days`-th working day after from's local date, in
    /// Africa/Nairobi time (UTC+3, no DST). `days = 0` → end of the day of `from` itself.
    ///
    /// The deadline is the midnight that *ends* the last day, so it is overdue when
    /// `now >= deadline`, and its own local date is the day after. Cost grows with `days`.
    pub fn add_working_days(&self, from: i64, days: u32) -> i64 {
        let mut day = local_day(from);
        for _ in 0..days {
            day += 1;
            while !self.is_working_day(Date::from_unix_days(day)) {
                day += 1;
            }
        }
        day.saturating_add(1).saturating_mul(DAY).saturating_sub(NAIROBI_OFFSET)
    }

    /// Working days d with local_date(from) < d <= local_date(to); negative (counted the same
    /// way backwards) when `to` is before `from`.
    ///
    /// A deadline from [`Calendar::add_working_days`] is a midnight and so belongs to the next
    /// date: pass `deadline - 1` to count up to and including the deadline's own day.
    pub fn working_days_between(&self, from: i64, to: i64) -> i64 {
        let count = |after: i64, until: i64| (after + 1..=until).filter(|&d| self.is_working_day(Date::from_unix_days(d))).count() as i64;
        let (a, b) = (local_day(from), local_day(to));
        if a <= b { count(a, b) } else { -count(b, a) }
    }

    /// Holidays listed for this very date (not moved ones).
    fn listed(&self, date: Date) -> Option<&Text> {
        self.movable(date).next().or_else(|| {
            let easter = easter_sunday(date.year())?.to_unix_days();
            self.easter.iter().find(|(offset, _)| easter + offset == date.to_unix_days()).map(|(_, name)| name)
        })
    }

    /// Fixed and dated holidays on `date`: the ones section 4 moves off a Sunday. (Easter
    /// holidays never fall on a Sunday.)
    fn movable(&self, date: Date) -> impl Iterator<Item = &Text> {
        let fixed = self.fixed.iter().filter(move |f| (f.month, f.day) == (date.month(), date.day()) && date.year() >= f.since);
        fixed.map(|f| &f.name).chain(self.dated.iter().filter(move |(d, _)| *d == date).map(|(_, name)| name))
    }

    /// Section 4: each holiday on a Sunday makes "the first succeeding day, not being a public
    /// holiday" a holiday, so Christmas on a Sunday with Boxing Day on the Monday moves to
    /// Tuesday. Only the Sunday just before `date` can reach it (a week of holidays never happens).
    fn moved_to(&self, date: Date) -> Option<&Text> {
        if !self.sunday_moves_to_monday || date.weekday() == 7 {
            return None;
        }
        let sunday = date.add_days(-i64::from(date.weekday()));
        let mut day = sunday;
        for name in self.movable(sunday) {
            day = day.add_days(1);
            while self.listed(day).is_some() {
                day = day.add_days(1);
            }
            if day >= date {
                return (day == date).then_some(name);
            }
        }
        None
    }
}

/// The local (Nairobi) date of a moment given in unix seconds.
pub fn local_date(unix_seconds: i64) -> Date {
    Date::from_unix_days(local_day(unix_seconds))
}

fn local_day(unix_seconds: i64) -> i64 {
    unix_seconds.saturating_add(NAIROBI_OFFSET).div_euclid(DAY)
}

/// Western Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher). `None`
/// outside the years a [`Date`] can hold.
fn easter_sunday(year: i32) -> Option<Date> {
    let y = i64::from(year);
    let (a, b, c) = (y.rem_euclid(19), y.div_euclid(100), y.rem_euclid(100));
    let (d, e, f) = (b / 4, b % 4, (b + 8) / 25);
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    Date::new(year, u8::try_from(n / 31).ok()?, u8::try_from(n % 31 + 1).ok()?).ok()
}

#[cfg(test)]
mod tests;

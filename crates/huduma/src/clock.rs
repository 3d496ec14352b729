//! Time, injected so tests can move it.

use huduma_domain::Language;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The source of "now" for the whole app. Production reads the system clock; tests can
/// shift it forward to expire codes and sessions without sleeping.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// Current UTC time in Unix seconds.
    pub fn now(&self) -> i64 {
        let system = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default();
        system + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    /// Today's date in Nairobi (UTC+3 all year; Kenya keeps no daylight saving).
    pub fn today_in_nairobi(&self) -> huduma_domain::Date {
        huduma_domain::Date::from_unix_days((self.now() + 3 * 3600).div_euclid(86_400))
    }
}

/// Month names as people read them in dates: English abbreviations, Kiswahili in full
/// (Kiswahili has no settled abbreviations, and `Jan`/`Nov` would read as English).
fn month_name(month: u8, language: Language) -> &'static str {
    const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const SW: [&str; 12] =
        ["Januari", "Februari", "Machi", "Aprili", "Mei", "Juni", "Julai", "Agosti", "Septemba", "Oktoba", "Novemba", "Desemba"];
    let names = match language {
        Language::En => EN,
        Language::Sw => SW,
    };
    names[usize::from(month.clamp(1, 12)) - 1]
}

/// The Nairobi date of a Unix time in `language`: `26 Nov 2026` / `26 Novemba 2026`.
pub fn format_nairobi_date_in(unix: i64, language: Language) -> String {
    let date = huduma_domain::Date::from_unix_days((unix + 3 * 3600).div_euclid(86_400));
    format!("{:02} {} {}", date.day(), month_name(date.month(), language), date.year())
}

/// A Unix time for people in `language`: Nairobi local time, `26 Nov 2026, 14:05` /
/// `26 Novemba 2026, 14:05`.
pub fn format_nairobi_in(unix: i64, language: Language) -> String {
    let secs = (unix + 3 * 3600).rem_euclid(86_400);
    format!("{}, {:02}:{:02}", format_nairobi_date_in(unix, language), secs / 3600, secs % 3600 / 60)
}

/// [`format_nairobi_in`] in English, for outputs that are English only (the command line,
/// logs, the back office).
pub fn format_nairobi(unix: i64) -> String {
    format_nairobi_in(unix, Language::En)
}

/// [`format_nairobi_date_in`] in English.
pub fn format_nairobi_date(unix: i64) -> String {
    format_nairobi_date_in(unix, Language::En)
}

/// Formats a Unix time as RFC 3339 UTC (`2026-11-26T08:05:00Z`) for APIs.
pub fn rfc3339(unix: i64) -> String {
    let date = huduma_domain::Date::from_unix_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nairobi_is_three_hours_ahead() {
        assert_eq!(format_nairobi(1_795_000_000), "18 Nov 2026, 14:06");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn dates_are_in_the_reader_s_language() {
        assert_eq!(format_nairobi_in(1_795_000_000, Language::Sw), "18 Novemba 2026, 14:06");
        assert_eq!(format_nairobi_date_in(1_795_000_000, Language::Sw), "18 Novemba 2026");
        assert_eq!(format_nairobi_date(1_795_000_000), "18 Nov 2026");
        // 23:30 in UTC is already the next day in Nairobi.
        assert_eq!(format_nairobi_date_in(1_798_759_800, Language::Sw), "01 Januari 2027");
    }
}

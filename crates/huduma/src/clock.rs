//! Time, injected so tests can move it.

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

/// Formats a Unix time for people: Nairobi local time, `26 Nov 2026, 14:05`.
pub fn format_nairobi(unix: i64) -> String {
    let local = unix + 3 * 3600;
    let date = huduma_domain::Date::from_unix_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let text = date.to_string();
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month: usize = text[5..7].parse().unwrap_or(1);
    format!("{} {} {}, {:02}:{:02}", &text[8..10], months[month - 1], &text[0..4], secs / 3600, secs % 3600 / 60)
}

/// Formats the Nairobi date of a Unix time: `26 Nov 2026`.
pub fn format_nairobi_date(unix: i64) -> String {
    let full = format_nairobi(unix);
    full.split_once(',').map_or(full.clone(), |(date, _)| date.to_owned())
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
}

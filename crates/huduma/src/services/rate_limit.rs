//! Rate limits on sign-in, code sending and code checking, look-ups by guessable numbers
//! and payment prompts, shared by every node through the database. Every limit is listed,
//! with what the client sees, in docs/security.md.

use super::{ServiceError, ServiceResult};
use crate::app::App;
use crate::store::rate_limits;

/// A named limit: at most `max` hits per `window_secs`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Key prefix.
    pub name: &'static str,
    /// Hits allowed per window.
    pub max: i64,
    /// Window length.
    pub window_secs: i64,
}

/// Password attempts per client address.
pub const SIGN_IN_PER_IP: Limit = Limit { name: "sign_in_ip", max: 30, window_secs: 900 };
/// Password attempts per account identifier (known or not, so both look alike).
pub const SIGN_IN_PER_IDENTIFIER: Limit = Limit { name: "sign_in_id", max: 10, window_secs: 900 };
/// Password attempts per account found, whatever spelling of its identifier reached it.
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit { name: "sign_in_account", max: 10, window_secs: 900 };
pub const CODES_SENT_PER_DESTINATION: Limit = Limit { name: "code_send", max: 5, window_secs: 3600 };
/// Codes sent per client address.
pub const CODES_SENT_PER_IP: Limit = Limit { name: "code_send_ip", max: 30, window_secs: 3600 };
/// Code checks per client address (attempts per code are limited separately).
pub const CODE_CHECKS_PER_IP: Limit = Limit { name: "code_check_ip", max: 60, window_secs: 900 };
/// Registrations started per client address.
pub const REGISTRATIONS_PER_IP: Limit = Limit { name: "register_ip", max: 20, window_secs: 3600 };
/// Password resets per identifier.
pub const RESETS_PER_IDENTIFIER: Limit = Limit { name: "reset_id", max: 5, window_secs: 3600 };

/// M-Pesa prompts per phone number (normalised), whoever asks: a phone cannot be flooded.
pub const STK_PER_PHONE: Limit = Limit { name: "stk_phone", max: 5, window_secs: 600 };
/// M-Pesa prompts per signed-in account.
pub const STK_PER_ACCOUNT: Limit = Limit { name: "stk_account", max: 10, window_secs: 600 };
/// M-Pesa prompts per client address (public checkout pages).
pub const STK_PER_IP: Limit = Limit { name: "stk_ip", max: 20, window_secs: 600 };
/// Public checkout pages opened per client address.
pub const CHECKOUT_PAGES_PER_IP: Limit = Limit { name: "checkout_ip", max: 300, window_secs: 3600 };
/// Invoice numbers without a checkout page tried per client address (guessing).
pub const CHECKOUT_MISSES_PER_IP: Limit = Limit { name: "checkout_miss_ip", max: 20, window_secs: 3600 };

/// Wrong ticket access keys per client address.
pub const TICKET_KEYS_PER_IP: Limit = Limit { name: "ticket_key_ip", max: 20, window_secs: 900 };
/// Wrong access keys per ticket, from anywhere (a 12-character key cannot be guessed in
/// 100 tries an hour; past that the ticket's link rests until the hour ends).
pub const TICKET_KEYS_PER_TICKET: Limit = Limit { name: "ticket_key", max: 100, window_secs: 3600 };

/// Receipt look-ups ("I paid but it says unpaid") per signed-in account.
pub const RECEIPT_LOOKUPS_PER_ACCOUNT: Limit = Limit { name: "receipt_lookup", max: 20, window_secs: 3600 };
/// Public tracking look-ups per client address.
pub const TRACK_PER_IP: Limit = Limit { name: "track_ip", max: 30, window_secs: 900 };
/// Receipt QR checks per client address.
pub const RECEIPT_CHECKS_PER_IP: Limit = Limit { name: "receipt_verify_ip", max: 60, window_secs: 900 };
/// Certificate QR checks per client address.
pub const CERTIFICATE_CHECKS_PER_IP: Limit = Limit { name: "certificate_verify_ip", max: 60, window_secs: 900 };

/// Every limit, so that a test can hold docs/security.md to them.
pub const ALL: &[Limit] = &[
    SIGN_IN_PER_IP,
    SIGN_IN_PER_IDENTIFIER,
    SIGN_IN_PER_ACCOUNT,
    CODES_SENT_PER_DESTINATION,
    CODES_SENT_PER_IP,
    CODE_CHECKS_PER_IP,
    REGISTRATIONS_PER_IP,
    RESETS_PER_IDENTIFIER,
    STK_PER_PHONE,
    STK_PER_ACCOUNT,
    STK_PER_IP,
    CHECKOUT_PAGES_PER_IP,
    CHECKOUT_MISSES_PER_IP,
    TICKET_KEYS_PER_IP,
    TICKET_KEYS_PER_TICKET,
    RECEIPT_LOOKUPS_PER_ACCOUNT,
    TRACK_PER_IP,
    RECEIPT_CHECKS_PER_IP,
    CERTIFICATE_CHECKS_PER_IP,
];

/// Counts a hit; `RateLimited` when the limit is passed. `subject` must already be in its
/// one normal form (see `huduma_domain::Identifier`): the limit is only as strong as the
/// key it counts under.
pub async fn hit(app: &App, limit: Limit, subject: &str) -> ServiceResult<()> {
    if !app.config.rate_limits {
        return Ok(());
    }
    let now = app.clock.now();
    let mut conn = app.db.pool().acquire().await?;
    let hits = rate_limits::hit(&mut conn, &key(limit, subject), limit.window_secs, now).await?;
    if hits > limit.max {
        return Err(ServiceError::RateLimited { retry_after: retry_after(limit, now) });
    }
    Ok(())
}

/// Gives back a hit counted by [`hit`] for a guess that turned out right. Limits on
/// failures (wrong keys, unknown numbers) count every guess *before* judging it — so
/// concurrent guesses cannot all slip under the limit — and refund the right ones.
pub async fn refund(app: &App, limit: Limit, subject: &str) -> ServiceResult<()> {
    if !app.config.rate_limits {
        return Ok(());
    }
    let mut conn = app.db.pool().acquire().await?;
    rate_limits::refund(&mut conn, &key(limit, subject), limit.window_secs, app.clock.now()).await?;
    Ok(())
}

fn key(limit: Limit, subject: &str) -> String {
    format!("{}:{}", limit.name, subject.to_lowercase())
}

/// Seconds until the current window ends.
fn retry_after(limit: Limit, now: i64) -> i64 {
    limit.window_secs - now.rem_euclid(limit.window_secs)
}

#[cfg(test)]
mod tests {
    use super::ALL;

    /// docs/security.md names every limit with its numbers, so operators and the helpdesk
    /// know what a refused person ran into.
    #[test]
    fn docs_list_every_limit_with_its_numbers() {
        let docs = include_str!("../../../../docs/security.md");
        for limit in ALL {
            let row = docs
                .lines()
                .find(|line| line.contains(&format!("`{}`", limit.name)))
                .unwrap_or_else(|| panic!("docs/security.md has no row for the `{}` limit", limit.name));
            let window = match limit.window_secs {
                s if s % 3600 == 0 => format!("{} h", s / 3600),
                s => format!("{} min", s / 60),
            };
            assert!(
                row.contains(&format!("| {} |", limit.max)) && row.contains(&window),
                "the `{}` row must say {} per {window}: {row}",
                limit.name,
                limit.max
            );
        }
        let mut names: Vec<_> = ALL.iter().map(|l| l.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "limit names are unique");
    }
}

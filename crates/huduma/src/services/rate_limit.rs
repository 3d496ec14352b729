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
/// Codes sent per destination.
pub const CODES_SENT_PER_DESTINATION: Limit = Limit { name: "code_send", max: 5, window_secs: 3600 };
/// Codes sent per client address.
pub const CODES_SENT_PER_IP: Limit = Limit { name: "code_send_ip", max: 30, window_secs: 3600 };
/// Code checks per client address (attempts per code are limited separately).
pub const CODE_CHECKS_PER_IP: Limit = Limit { name: "code_check_ip", max: 60, window_secs: 900 };
/// Registrations started per client address.
pub const REGISTRATIONS_PER_IP: Limit = Limit { name: "register_ip", max: 20, window_secs: 3600 };
/// Password resets per identifier.
pub const RESETS_PER_IDENTIFIER: Limit = Limit { name: "reset_id", max: 5, window_secs: 3600 };

/// Wrong ticket access keys per client address.
pub const TICKET_KEYS_PER_IP: Limit = Limit { name: "ticket_key_ip", max: 20, window_secs: 900 };
/// Wrong access keys per ticket, from anywhere (a 12-character key cannot be guessed in
/// 100 tries an hour; past that the ticket's link rests until the hour ends).
pub const TICKET_KEYS_PER_TICKET: Limit = Limit { name: "ticket_key", max: 100, window_secs: 3600 };

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

/// `RateLimited` when the limit is already used up, without counting a hit: for limits
/// that count only failures ([`hit`] after each one).
pub async fn check(app: &App, limit: Limit, subject: &str) -> ServiceResult<()> {
    if !app.config.rate_limits {
        return Ok(());
    }
    let now = app.clock.now();
    let mut conn = app.db.pool().acquire().await?;
    if rate_limits::count(&mut conn, &key(limit, subject), limit.window_secs, now).await? >= limit.max {
        return Err(ServiceError::RateLimited { retry_after: retry_after(limit, now) });
    }
    Ok(())
}

fn key(limit: Limit, subject: &str) -> String {
    format!("{}:{}", limit.name, subject.to_lowercase())
}

/// Seconds until the current window ends.
fn retry_after(limit: Limit, now: i64) -> i64 {
    limit.window_secs - now.rem_euclid(limit.window_secs)
}

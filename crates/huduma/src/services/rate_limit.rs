//! Rate limits on sign-in, code sending and code checking, shared by every node through
//! the database.

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

/// `RateLimited` when the limit is already passed, without counting a hit (for limits
/// counted only on some outcomes, such as misses).
pub async fn check(app: &App, limit: Limit, subject: &str) -> ServiceResult<()> {
    if !app.config.rate_limits {
        return Ok(());
    }
    let now = app.clock.now();
    let key = format!("{}:{}", limit.name, subject.to_lowercase());
    let mut conn = app.db.pool().acquire().await?;
    if rate_limits::hits(&mut conn, &key, limit.window_secs, now).await? >= limit.max {
        return Err(ServiceError::RateLimited { retry_after: limit.window_secs - now.rem_euclid(limit.window_secs) });
    }
    Ok(())
}

/// Counts a hit; `RateLimited` when the limit is passed.
pub async fn hit(app: &App, limit: Limit, subject: &str) -> ServiceResult<()> {
    if !app.config.rate_limits {
        return Ok(());
    }
    let now = app.clock.now();
    let key = format!("{}:{}", limit.name, subject.to_lowercase());
    let mut conn = app.db.pool().acquire().await?;
    let hits = rate_limits::hit(&mut conn, &key, limit.window_secs, now).await?;
    if hits > limit.max {
        let retry_after = limit.window_secs - now.rem_euclid(limit.window_secs);
        return Err(ServiceError::RateLimited { retry_after });
    }
    Ok(())
}

//! Use cases. Each owns its transaction, calls the domain and the repositories, and
//! queues side effects in the outbox. Both the HTML pages and the JSON API call these,
//! so the two can never disagree.

pub mod applications;
pub mod audit;
pub mod back_office;
pub mod catalogue;
pub mod checkout;
pub mod codes;
pub mod error;
pub mod files;
pub mod flows;
pub mod help;
pub mod helpdesk;
pub mod password_reset;
pub mod payments;
pub mod profile;
pub mod rate_limit;
pub mod registration;
pub mod sessions;
pub mod sign_in;
pub mod status;
pub mod totp;
pub mod verification;

pub use error::{FieldError, ServiceError, ServiceResult};

/// Who is asking, as far as the network tells.
#[derive(Debug, Clone)]
pub struct Requester {
    /// Client IP (proxy-aware).
    pub ip: String,
    /// `User-Agent`, trimmed.
    pub user_agent: String,
    /// Language the person is using.
    pub language: huduma_domain::Language,
}

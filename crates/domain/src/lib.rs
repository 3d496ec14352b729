//! Huduma's domain: pure types and rules with no I/O.
//!
//! Every value that crosses a trust boundary (phone numbers, identity document numbers,
//! KRA PINs, email addresses, passwords, one-time codes) is parsed once into a type from
//! this crate; code further in never re-checks it.

pub mod account;
pub mod application;
pub mod calendar;
pub mod catalogue;
pub mod county;
pub mod date;
pub mod email;
pub mod error;
pub mod health;
pub mod help;
pub mod identifier;
pub mod identity;
pub mod ids;
pub mod language;
pub mod money;
pub mod name;
pub mod one_time_code;
pub mod password;
pub mod payments;
pub mod phone;
pub mod reference;
pub mod stored;
pub mod ticket;
pub mod workflow;

pub use account::AccountType;
pub use date::Date;
pub use email::Email;
pub use error::InvalidInput;
pub use health::Health;
pub use identifier::Identifier;
pub use identity::{AlienNumber, IdentityDocument, KraPin, NationalId, Nationality, PassportNumber};
pub use ids::{AccountId, ApiClientId, ApplicationId, AttemptId, DocumentId, Generated, InvoiceId, PaymentId, StaffId, TicketId};
pub use language::Language;
pub use money::{Currency, Money};
pub use name::PersonName;
pub use one_time_code::OneTimeCode;
pub use password::{Blocklist, Password, PasswordProblem};
pub use phone::Phone;
pub use reference::Reference;

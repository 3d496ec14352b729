//! Payments: the convenience-fee schedule, invoice and attempt state machines, and the
//! M-Pesa rules that need no network (password, timestamps, result codes).

pub mod attempt;
pub mod fee_schedule;
pub mod invoice;
pub mod mpesa;

pub use attempt::AttemptState;
pub use fee_schedule::FeeSchedule;
pub use invoice::InvoiceStatus;

//! HTML pages, one module per journey.

pub mod account;
pub mod applications;
pub mod catalogue;
pub mod certificates;
pub mod help;
pub mod home;
pub mod language;
pub mod password_reset;
pub mod payments;
pub mod receipts;
pub mod register;
pub mod sign_in;
pub mod status;
pub mod tickets;
pub mod two_factor;
pub mod verify;

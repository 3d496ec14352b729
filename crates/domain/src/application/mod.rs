//! Applications: the answers a citizen gives to a service's form, the rules that check
//! them, which pages and documents are still missing, and the fee to pay.

pub mod answers;
pub mod fee;
pub mod prefill;
pub mod progress;
pub mod status;
pub mod validate;
pub mod vehicle;

pub use answers::{Answer, Answers};
pub use prefill::AccountFacts;
pub use status::Status;
pub use validate::FieldProblem;

#[cfg(test)]
mod tests;

//! The checkout API for agency systems, compatible with the Pesaflow contract that Kenyan
//! agency systems already speak (shared/reference/pesaflow.md): an agency's own system
//! creates a bill, the citizen pays it on Huduma, and the agency hears about it by a
//! signed notification (IPN) retried until it answers.

pub mod bills;
pub mod ipn;
pub mod notify_url;
pub mod signature;

//! Background work: the outbox worker and periodic clean-up.

pub mod cleanup;
pub mod outbox_worker;

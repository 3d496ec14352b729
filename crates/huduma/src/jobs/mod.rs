//! Background work: the outbox worker and periodic clean-up.

pub mod cleanup;
pub mod drafts;
pub mod outbox_worker;

//! Clients for the systems outside Huduma. Each is the production client; in sandbox
//! mode it talks over HTTP (or SMTP) to an in-tree simulator that speaks the same
//! contract, so the code that ships is the code that is tested.

pub mod africastalking;
pub mod daraja;
pub mod iprs;
pub mod object_storage;
pub mod pesapal;
pub mod smtp;
pub mod smtp_sink;

//! Paying for applications: invoices, M-Pesa STK push, callbacks, settlement exactly once,
//! and the reconciler that resolves attempts whose callback never came.

pub mod card;
pub mod invoices;
pub mod mpesa;
pub mod paybill;
pub mod receipts;
pub mod reconcile;
pub mod settle;

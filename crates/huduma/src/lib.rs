//! Huduma: a one-stop government e-services portal.
//!
//! Layers, dependencies pointing down: [`web`] (HTTP) → [`services`] (use cases) →
//! `huduma_domain` (pure rules) and [`store`] (SQLite/PostgreSQL); [`integrations`] are
//! the clients of outside systems and [`jobs`] the background workers.

pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod i18n;
pub mod integrations;
pub mod jobs;
pub mod listener;
pub mod live_catalogue;
pub mod notices;
pub mod pdf;
pub mod printed;
pub mod secret;
pub mod server;
pub mod services;
pub mod simulators;
pub mod startup;
pub mod store;
pub mod theme;
pub mod web;

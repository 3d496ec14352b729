//! Integration tests: the real app on 127.0.0.1:0, driven over HTTP, on SQLite and on
//! PostgreSQL. One test binary keeps link time low on small machines.

mod helpers;

mod accounts_api;
mod accounts_html;
mod api_contract;
mod applications_api;
mod applications_html;
mod applications_lifecycle;
mod axe;
mod back_office;
mod backup;
mod browser;
mod catalogue;
mod checkout;
mod cluster;
mod crash;
mod error_summary;
mod hardening;
mod help;
mod helpdesk;
mod locales;
mod metrics;
mod migrations;
mod object_storage;
mod openapi;
mod payments;
mod profile;
mod receipt_lookup;
mod sandbox;
mod search_quality;
mod security;
mod status;
mod stk_confirm;
mod store;
mod theme;
mod uploads;

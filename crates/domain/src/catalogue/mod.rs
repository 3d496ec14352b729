//! The service catalogue: agencies, categories and services as data.
//!
//! Definitions are TOML text (the loader in the app reads the files); this module parses
//! them strictly and checks every rule, reporting `file:line` problems. A catalogue is
//! either wholly valid or refused.

pub mod check;
pub mod definition;
pub mod entry;
pub mod search;

pub use check::{Catalogue, Checker, Problem, SourceFile, check, is_service_file};
pub use definition::{Agency, Category, FieldType, Service, Text};
pub use entry::{Listing, ServiceEntry};
pub use search::{Hit, IndexBuilder, SearchIndex};

#[cfg(test)]
mod tests;

//! Huduma's upload checks: from the bytes alone, decides whether a citizen's supporting
//! document is acceptable and produces the bytes to store.
//!
//! No HTTP and no database: the app streams the body through a [`Collector`], runs
//! [`inspect`] (in `spawn_blocking`), scans the result with [`clamd::scan`], and turns any
//! [`Rejection`] into a translated message from its [`Rejection::code`] and
//! [`Rejection::args`].
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod clamd;
pub mod clamd_sandbox;
pub mod file_name;
mod hidden_format;
mod image_clean;
mod image_header;
pub mod inspect;
pub mod kind;
pub mod limit;
mod pdf_check;
pub mod rejection;
pub mod sniff;

#[cfg(any(test, feature = "samples"))]
pub mod samples;

pub use clamd::{ScanError, ScanVerdict};
pub use file_name::safe_file_name;
pub use image_header::{MAX_PIXELS, MAX_SIDE};
pub use inspect::{Accepted, Rule, inspect};
pub use kind::{Detected, FileKind, UnknownFileKind};
pub use limit::Collector;
pub use rejection::{Rejection, human_limit, human_size};
pub use sniff::sniff;

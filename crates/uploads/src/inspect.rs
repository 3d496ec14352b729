//! The decision: is this upload acceptable for this document, and what do we store?

use crate::image_clean;
use crate::kind::FileKind;
use crate::pdf_check;
use crate::rejection::Rejection;
use crate::sniff::{find, sniff};
use sha2::{Digest, Sha256};

/// What one kind of supporting document may be, as the service catalogue states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The kinds accepted, in the order messages list them.
    pub allowed: Vec<FileKind>,
    /// The largest upload accepted, in bytes.
    pub max_bytes: u64,
}

/// An upload that passed every check, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// What the bytes are.
    pub kind: FileKind,
    /// The bytes to store: the original for a PDF, a fresh re-encoding for an image.
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`, lowercase hex.
    pub sha256: String,
    /// Displayed width and height, for images.
    pub width_height: Option<(u32, u32)>,
    /// Page count, for PDFs.
    pub pages: Option<u32>,
}

/// Where an image must not mention a PDF or web page. PDF readers look for `%PDF-` anywhere,
/// not just at the start, so the whole file is searched.
const POLYGLOT_MARKERS: [&[u8]; 3] = [b"%PDF-", b"<script", b"<html"];

/// Inspects a complete upload against `rule`.
///
/// CPU-heavy for large images (decode and re-encode take up to a second or two for 40
/// megapixels), so async callers should run it in `spawn_blocking`.
pub fn inspect(bytes: Vec<u8>, rule: &Rule) -> Result<Accepted, Rejection> {
    if bytes.is_empty() {
        return Err(Rejection::Empty);
    }
    let size = bytes.len() as u64;
    if size > rule.max_bytes {
        return Err(Rejection::TooLarge { size: Some(size), limit: rule.max_bytes });
    }
    let detected = sniff(&bytes);
    let Some(kind) = detected.storable() else {
        return Err(Rejection::WrongType { detected, allowed: rule.allowed.clone() });
    };
    if !rule.allowed.contains(&kind) {
        return Err(Rejection::NotAllowed { kind, allowed: rule.allowed.clone() });
    }

    let (stored, width_height, pages) = match kind {
        FileKind::Pdf => {
            // A PDF cannot be an image polyglot: sniffing required `%PDF-` at offset 0, which
            // no image decoder accepts. Its own risks are what `pdf_check` looks for.
            let pages = pdf_check::check(&bytes)?;
            (bytes, None, Some(pages))
        }
        FileKind::Jpeg | FileKind::Png => {
            // Re-encoding would drop the payload anyway; refusing says what the file was and
            // keeps the evidence out of storage.
            if is_polyglot(&bytes) {
                return Err(Rejection::Polyglot);
            }
            let clean = image_clean::clean(kind, &bytes)?;
            // The re-encoding may come out larger than the limit. The citizen's file was within
            // it, so refusing now would ask them to fix something they cannot see.
            (clean.bytes, Some(clean.width_height), None)
        }
    };
    let sha256 = sha256_hex(&stored);
    Ok(Accepted { kind, bytes: stored, sha256, width_height, pages })
}

fn is_polyglot(bytes: &[u8]) -> bool {
    let lower = bytes.to_ascii_lowercase();
    POLYGLOT_MARKERS.iter().any(|marker| find(&lower, &marker.to_ascii_lowercase()).is_some())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests;

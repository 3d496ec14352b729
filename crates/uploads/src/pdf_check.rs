//! Checks that a PDF opens, needs no password and carries nothing that runs.
//!
//! Accepted PDFs are stored byte-identical, so nothing here rewrites the file; and content
//! streams are never decompressed, so a deflate bomb in a page costs us nothing.

use crate::rejection::Rejection;
use crate::sniff::find;
use lopdf::{Document, LoadOptions, Object};

/// How large one object or cross-reference stream may inflate to while loading. Real ones are
/// well under a megabyte; this stops a small file inflating to gigabytes in our memory.
const MAX_STRUCTURE_STREAM: usize = 16 * 1024 * 1024;

/// Writers end a PDF with `%%EOF`; readers accept a little trailing junk after it.
const EOF_WINDOW: usize = 1024;

/// Dictionary keys that only appear with scripts, launch actions, embedded files, rich media
/// or XFA forms (which carry their own scripts).
const ACTIVE_KEYS: [&[u8]; 8] = [b"JS", b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"EF", b"RichMedia", b"XFA"];

/// Action and object types (`/S` and `/Type` values) that run something or hold a file.
const ACTIVE_TYPES: [&[u8]; 6] = [b"JavaScript", b"Launch", b"ImportData", b"RichMediaExecute", b"EmbeddedFile", b"GoToE"];

/// Names looked for in the raw bytes too, to catch objects our parser skipped as malformed
/// but a forgiving reader might still run. Short names such as `/JS` are left out: they would
/// turn up by chance in compressed data.
const RAW_NAMES: [&[u8]; 4] = [b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia"];

/// Checks a PDF and returns its page count.
pub fn check(bytes: &[u8]) -> Result<u32, Rejection> {
    let corrupt = Rejection::Corrupt { kind: crate::kind::FileKind::Pdf };
    // A cut-off upload loses its `%%EOF`; lenient parsing would otherwise rebuild whatever
    // pages survived and we would store half a document.
    let tail = &bytes[bytes.len().saturating_sub(EOF_WINDOW)..];
    if find(tail, b"%%EOF").is_none() {
        return Err(corrupt);
    }

    let options = LoadOptions::with_max_decompressed_size(MAX_STRUCTURE_STREAM);
    let document = match Document::load_mem_with_options(bytes, options) {
        Ok(document) => document,
        // Unsupported security handlers fail to load; the citizen's fix is the same as for a
        // password, so say that rather than "damaged".
        Err(_) if find(bytes, b"/Encrypt").is_some() => return Err(Rejection::PdfEncrypted),
        Err(_) => return Err(corrupt),
    };
    // Refused even when it opens with an empty password: its owner password can stop officers
    // printing, and we cannot vouch for content we only read through a decryption key.
    if document.is_encrypted() || document.was_encrypted() {
        return Err(Rejection::PdfEncrypted);
    }
    if has_active_content(&document) || RAW_NAMES.iter().any(|name| contains_name(bytes, name)) {
        return Err(Rejection::PdfActiveContent);
    }
    match u32::try_from(document.get_pages().len()) {
        Ok(0) | Err(_) => Err(corrupt),
        Ok(pages) => Ok(pages),
    }
}

/// Walks every loaded object, including those unpacked from object streams.
fn has_active_content(document: &Document) -> bool {
    // An explicit stack: nesting depth is the attacker's choice.
    let mut pending: Vec<&Object> = document.objects.values().collect();
    pending.extend(document.trailer.iter().map(|(_, value)| value));
    while let Some(object) = pending.pop() {
        let dictionary = match object {
            Object::Dictionary(dictionary) => dictionary,
            Object::Stream(stream) => &stream.dict,
            Object::Array(items) => {
                pending.extend(items);
                continue;
            }
            _ => continue,
        };
        for (key, value) in dictionary.iter() {
            if ACTIVE_KEYS.contains(&key.as_slice()) {
                return true;
            }
            if matches!(key.as_slice(), b"S" | b"Type" | b"Subtype")
                && let Object::Name(name) = value
                && (ACTIVE_TYPES.contains(&name.as_slice()) || name == b"FileAttachment")
            {
                return true;
            }
            pending.push(value);
        }
    }
    false
}

/// `name` as a whole PDF name token: followed by a delimiter, whitespace or the end.
fn contains_name(bytes: &[u8], name: &[u8]) -> bool {
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], name) {
        let end = from + at + name.len();
        match bytes.get(end) {
            None => return true,
            Some(next) if next.is_ascii_whitespace() || b"/<>[]()%{}".contains(next) || *next == 0 => return true,
            Some(_) => from = end,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_whole_tokens_only() {
        assert!(contains_name(b"<< /S /JavaScript /JS (x) >>", b"/JavaScript"));
        assert!(contains_name(b"/Launch", b"/Launch"));
        assert!(!contains_name(b"/LaunchPad 1", b"/Launch"));
        assert!(contains_name(b"/EmbeddedFile<<", b"/EmbeddedFile"));
    }
}

//! Checks that a PDF opens, needs no password, carries nothing that runs, has no action that
//! leaves the document, and is not also another kind of file.
//!
//! Streams are decoded only to look for hidden files, a bounded prefix of each and a bounded
//! total, so a deflate bomb costs us a few megabytes of work, not its full size.

use crate::hidden_format;
use crate::kind::{Detected, FileKind};
use crate::rejection::Rejection;
use crate::sniff::find;
use flate2::read::{DeflateDecoder, ZlibDecoder};
use lopdf::{Dictionary, Document, LoadOptions, Object, Stream};
use std::borrow::Cow;
use std::io::Read;

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
/// but a forgiving reader might still run. Short names such as `/JS` or `/URI` are left out:
/// they would turn up by chance in compressed data.
const RAW_NAMES: [&[u8]; 4] = [b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia"];

/// The same backstop for actions that leave the document.
const RAW_ACTION_NAMES: [&[u8]; 5] = [b"/SubmitForm", b"/GoToR", b"/GoToE", b"/ImportData", b"/RichMediaExecute"];

/// Keys whose value is an action (or, for `/Next`, a list of them): links, outline items and
/// widgets (`/A`), the catalog (`/OpenAction`), chained actions (`/Next`) and a link's
/// previous URI action (`/PA`). `/AA` holds actions by trigger and is handled with them.
const ACTION_KEYS: [&[u8]; 4] = [b"A", b"OpenAction", b"Next", b"PA"];

/// The named actions that move between pages. Other names trigger reader menu items.
const PAGE_NAMES: [&[u8]; 4] = [b"NextPage", b"PrevPage", b"FirstPage", b"LastPage"];

/// `/S` values that only ever name an action leaving the document, refused wherever they
/// appear, in case an action sits somewhere no key above points from.
const FOREIGN_ACTIONS: [&[u8]; 6] = [b"SubmitForm", b"GoToR", b"URI", b"Rendition", b"GoTo3DView", b"ResetForm"];

/// Annotations that play sound, video or 3D content when activated.
const MEDIA_ANNOTATIONS: [&[u8]; 4] = [b"Sound", b"Movie", b"Screen", b"3D"];

/// Decoded bytes looked at per stream, and for all streams together. A 300 dpi colour page is
/// 26 MB of pixels, so a large image is looked at up to the first limit; past the second, the
/// file is a decompression bomb aimed at whoever unpacks it (a real 10 MB PDF would need more
/// than 30 pages of losslessly compressed, nearly blank colour scans to get there).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanLimits {
    pub(crate) per_stream: usize,
    pub(crate) total: usize,
}

const SCAN_LIMITS: ScanLimits = ScanLimits { per_stream: MAX_STRUCTURE_STREAM, total: 512 * 1024 * 1024 };

/// Checks a PDF and returns its page count.
pub(crate) fn check(bytes: &[u8]) -> Result<u32, Rejection> {
    check_with(bytes, SCAN_LIMITS)
}

/// [`check`] with other limits for decoding streams.
pub(crate) fn check_with(bytes: &[u8], limits: ScanLimits) -> Result<u32, Rejection> {
    let corrupt = Rejection::Corrupt { kind: FileKind::Pdf };
    // A cut-off upload loses its `%%EOF`; lenient parsing would otherwise rebuild whatever
    // pages survived and we would store half a document.
    let tail = &bytes[bytes.len().saturating_sub(EOF_WINDOW)..];
    if find(tail, b"%%EOF").is_none() {
        return Err(corrupt);
    }
    // Before parsing: what rides along outside the objects (before the first, between them,
    // after `%%EOF`) is invisible to the parser, and so is a stream's raw data.
    if let Some(hidden) = hidden_format::find(bytes) {
        return Err(Rejection::PdfHiddenFile { hidden });
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
    if leaves_document(&document) || RAW_ACTION_NAMES.iter().any(|name| contains_name(bytes, name)) {
        return Err(Rejection::PdfExternalAction);
    }
    if let Some(hidden) = hidden_in_objects(&document, limits)? {
        return Err(Rejection::PdfHiddenFile { hidden });
    }
    match u32::try_from(document.get_pages().len()) {
        Ok(0) | Err(_) => Err(corrupt),
        Ok(pages) => Ok(pages),
    }
}

/// Every object loaded, including those unpacked from object streams, and everything nested
/// in them, the trailer last. An explicit stack: nesting depth is the attacker's choice.
fn each_object(document: &Document, mut visit: impl FnMut(&Object) -> bool) -> bool {
    let mut pending: Vec<&Object> = document.objects.values().collect();
    pending.extend(document.trailer.iter().map(|(_, value)| value));
    while let Some(object) = pending.pop() {
        if visit(object) {
            return true;
        }
        match object {
            Object::Dictionary(dictionary) => pending.extend(dictionary.iter().map(|(_, value)| value)),
            Object::Stream(stream) => pending.extend(stream.dict.iter().map(|(_, value)| value)),
            Object::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    false
}

fn dictionary_of(object: &Object) -> Option<&Dictionary> {
    match object {
        Object::Dictionary(dictionary) => Some(dictionary),
        Object::Stream(stream) => Some(&stream.dict),
        _ => None,
    }
}

/// Scripts, launch actions, attachments, rich media and XFA.
fn has_active_content(document: &Document) -> bool {
    each_object(document, |object| {
        dictionary_of(object).is_some_and(|dictionary| {
            dictionary.iter().any(|(key, value)| {
                ACTIVE_KEYS.contains(&key.as_slice())
                    || matches!(key.as_slice(), b"S" | b"Type" | b"Subtype")
                        && matches!(value, Object::Name(name) if ACTIVE_TYPES.contains(&name.as_slice()) || name == b"FileAttachment")
            })
        })
    })
}

/// Any action other than moving within the document, wherever actions can be attached, and
/// annotations that play media. An allow-list: an action type we do not know is refused.
fn leaves_document(document: &Document) -> bool {
    each_object(document, |object| {
        let Some(dictionary) = dictionary_of(object) else { return false };
        let foreign_type =
            |key: &[u8], names: &[&[u8]]| matches!(dictionary.get(key), Ok(Object::Name(name)) if names.contains(&name.as_slice()));
        if foreign_type(b"S", &FOREIGN_ACTIONS) || foreign_type(b"Subtype", &MEDIA_ANNOTATIONS) {
            return true;
        }
        if matches!(dictionary.get(b"Type"), Ok(Object::Name(name)) if name == b"Action") && !allowed_action(document, dictionary) {
            return true;
        }
        dictionary.iter().any(|(key, value)| {
            if ACTION_KEYS.contains(&key.as_slice()) {
                !allowed_actions(document, value)
            } else if key == b"AA" {
                resolve(document, value)
                    .and_then(dictionary_of)
                    .is_some_and(|triggers| triggers.iter().any(|(_, action)| !allowed_actions(document, action)))
            } else {
                false
            }
        })
    })
}

/// An action, or a list of them (`/Next`); a destination array (`/OpenAction [3 0 R /Fit]`)
/// holds no action and passes.
fn allowed_actions(document: &Document, value: &Object) -> bool {
    match resolve(document, value) {
        Some(Object::Array(items)) => {
            items.iter().all(|item| resolve(document, item).and_then(dictionary_of).is_none_or(|action| allowed_action(document, action)))
        }
        Some(object) => dictionary_of(object).is_none_or(|action| allowed_action(document, action)),
        None => true,
    }
}

/// `/GoTo` within this document, or a named action that turns pages. A dictionary without
/// `/S` is no action (an outline item's `/Next` is its sibling, a structure element's `/A`
/// its attributes); one whose `/S` is not a name does nothing in a reader.
fn allowed_action(document: &Document, action: &Dictionary) -> bool {
    let Ok(kind) = action.get(b"S") else { return true };
    match resolve(document, kind) {
        Some(Object::Name(name)) if name == b"GoTo" => true,
        Some(Object::Name(name)) if name == b"Named" => {
            matches!(action.get(b"N").ok().and_then(|n| resolve(document, n)), Some(Object::Name(page)) if PAGE_NAMES.contains(&page.as_slice()))
        }
        Some(Object::Name(_)) => false,
        _ => true,
    }
}

/// `object`, following references; `None` for a reference to nothing (a reader reads null).
fn resolve<'a>(document: &'a Document, object: &'a Object) -> Option<&'a Object> {
    document.dereference(object).ok().map(|(_, object)| object)
}

/// Decoded bytes spent so far against [`ScanLimits::total`].
struct Budget {
    limits: ScanLimits,
    spent: usize,
}

impl Budget {
    /// How much the next decoding may produce; a bomb once the total is used up.
    fn next(&self) -> Result<usize, Rejection> {
        if self.spent >= self.limits.total {
            Err(Rejection::Corrupt { kind: FileKind::Pdf })
        } else {
            Ok(self.limits.per_stream.min(self.limits.total - self.spent))
        }
    }

    /// Counts a decoding that was allowed `limit` bytes; a bomb if the total, not the
    /// per-stream limit, cut it short.
    fn spend(&mut self, limit: usize, produced: usize) -> Result<(), Rejection> {
        self.spent += produced.max(1);
        if produced >= limit && limit < self.limits.per_stream { Err(Rejection::Corrupt { kind: FileKind::Pdf }) } else { Ok(()) }
    }
}

/// Another format inside a stream, once decoded, or inside a string or name (where hex and
/// escapes hide it from the raw scan). Object streams are already unpacked by the loader.
fn hidden_in_objects(document: &Document, limits: ScanLimits) -> Result<Option<Detected>, Rejection> {
    let mut budget = Budget { limits, spent: 0 };
    let mut result = Ok(None);
    each_object(document, |object| {
        let found = match object {
            Object::String(bytes, _) | Object::Name(bytes) => Ok(hidden_format::find(bytes)),
            Object::Stream(stream) => hidden_in_stream(stream, &mut budget),
            _ => Ok(None),
        };
        let stop = !matches!(found, Ok(None));
        result = found;
        stop
    });
    result
}

/// Decodes a stream filter by filter, as far as we can decode, and looks at each stage.
fn hidden_in_stream(stream: &Stream, budget: &mut Budget) -> Result<Option<Detected>, Rejection> {
    let Ok(filters) = stream.filters() else { return Ok(None) };
    let parameters = stream.dict.get(b"DecodeParms").ok();
    let mut input = Cow::Borrowed(stream.content.as_slice());
    for (index, filter) in filters.into_iter().enumerate().take(Stream::MAX_FILTERS) {
        let parameters = match parameters {
            Some(Object::Array(list)) => list.get(index).and_then(|p| p.as_dict().ok()),
            Some(Object::Dictionary(one)) => Some(one),
            _ => None,
        };
        let limit = budget.next()?;
        let Some(output) = decode(filter, parameters, &input, limit) else { break };
        budget.spend(limit, output.len())?;
        if let Some(found) = hidden_format::find_in_stream(&output) {
            return Ok(Some(found));
        }
        input = Cow::Owned(output);
    }
    Ok(None)
}

/// One filter stage, at most `limit` bytes of it. Images (DCT, JPX, JBIG2, CCITT) decode to
/// pixels and are not followed further.
fn decode(filter: &[u8], parameters: Option<&Dictionary>, input: &[u8], limit: usize) -> Option<Vec<u8>> {
    // Readers accept the abbreviations of inline images in streams too.
    let name: &[u8] = match filter {
        b"FlateDecode" | b"Fl" => b"FlateDecode",
        b"LZWDecode" | b"LZW" => b"LZWDecode",
        b"ASCII85Decode" | b"A85" => b"ASCII85Decode",
        b"ASCIIHexDecode" | b"AHx" => b"ASCIIHexDecode",
        b"RunLengthDecode" | b"RL" => b"RunLengthDecode",
        _ => return None,
    };
    let predictor = parameters.and_then(|p| p.get(b"Predictor").ok()).and_then(|p| p.as_i64().ok()).unwrap_or(1);
    if name == b"FlateDecode" && predictor <= 1 {
        return Some(inflate_prefix(input, limit));
    }
    let mut dictionary = Dictionary::new();
    dictionary.set("Filter", Object::Name(name.to_vec()));
    if let Some(parameters) = parameters {
        dictionary.set("DecodeParms", parameters.clone());
    }
    match Stream::new(dictionary, input.to_vec()).decompressed_content_with_limit(limit) {
        Ok(output) => Some(output),
        // Over the limit (a large predicted image): the start of the inflated data still shows
        // what a hidden file would look like before prediction.
        Err(_) if name == b"FlateDecode" => Some(inflate_prefix(input, limit)),
        Err(_) => None,
    }
}

/// The first `limit` bytes `input` inflates to, and whatever came out before an error. Like
/// lenient readers, a stream without a valid zlib header is tried as raw deflate.
fn inflate_prefix(input: &[u8], limit: usize) -> Vec<u8> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX);
    let mut output = Vec::new();
    let _ = ZlibDecoder::new(input).take(cap).read_to_end(&mut output);
    if output.is_empty() && input.len() > 2 {
        let _ = DeflateDecoder::new(&input[2..]).take(cap).read_to_end(&mut output);
    }
    if output.is_empty() {
        let _ = DeflateDecoder::new(input).take(cap).read_to_end(&mut output);
    }
    output
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

    #[test]
    fn inflating_stops_at_the_limit() {
        let bomb = crate::samples::pdf_with_content_bomb(64);
        let document = Document::load_mem(&bomb).unwrap();
        let content = document.objects.values().find_map(|o| o.as_stream().ok().filter(|s| s.filters().is_ok())).unwrap();
        assert_eq!(inflate_prefix(&content.content, 1024 * 1024).len(), 1024 * 1024);
    }

    #[test]
    fn raw_deflate_without_a_zlib_header_is_inflated_too() {
        use flate2::{Compression, write::DeflateEncoder};
        use std::io::Write;
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(b"hello, raw deflate").unwrap();
        let mut input = b"xx".to_vec();
        input.extend(encoder.finish().unwrap());
        assert_eq!(inflate_prefix(&input, 1024), b"hello, raw deflate");
    }
}

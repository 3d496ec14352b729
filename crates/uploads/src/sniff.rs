//! Tells what a file really is from its first bytes, never from its name.

use crate::kind::Detected;

/// How far into a ZIP we look for entry names. Office files name their parts in the first
/// few entries, so this is plenty, and it bounds the work an archive can cost us.
const ZIP_SCAN: usize = 64 * 1024;

/// How far into a text file we look for markup.
const TEXT_SCAN: usize = 1024;

/// Identifies `bytes` by magic numbers. Nothing is decompressed or decoded.
pub fn sniff(bytes: &[u8]) -> Detected {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    // Only offset 0 counts: readers that find `%PDF-` further in are exactly what polyglots abuse.
    if starts(b"%PDF-") {
        Detected::Pdf
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Detected::Jpeg
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Detected::Png
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Detected::Gif
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Detected::Webp
    } else if is_heif(bytes) {
        Detected::Heic
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Detected::Tiff
    } else if is_bmp(bytes) {
        Detected::Bmp
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        sniff_zip(bytes)
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Detected::LegacyOffice
    } else if starts(b"{\\rtf") {
        Detected::Rtf
    } else if is_executable(bytes) {
        Detected::Executable
    } else if starts(&[0x1F, 0x8B]) {
        Detected::Gzip
    } else if starts(b"Rar!\x1a\x07") {
        Detected::Rar
    } else if starts(b"7z\xBC\xAF\x27\x1C") {
        Detected::SevenZip
    } else {
        sniff_text(bytes)
    }
}

/// ISO base media files (`....ftyp<brand>`) whose brand is a HEIF still image or AVIF.
fn is_heif(bytes: &[u8]) -> bool {
    const BRANDS: [&[u8; 4]; 10] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"];
    bytes.get(4..8) == Some(b"ftyp") && bytes.get(8..12).is_some_and(|brand| BRANDS.iter().any(|b| b.as_slice() == brand))
}

/// `BM` alone is too common at the start of text, so also require a known DIB header size.
fn is_bmp(bytes: &[u8]) -> bool {
    let dib_size = bytes.get(14..18).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    bytes.starts_with(b"BM") && matches!(dib_size, Some(12 | 40 | 52 | 56 | 64 | 108 | 124))
}

/// Windows PE (MZ), ELF, and Mach-O (thin, both byte orders, and fat) programs.
fn is_executable(bytes: &[u8]) -> bool {
    const MAGICS: [&[u8]; 7] = [
        b"MZ",
        b"\x7fELF",
        &[0xFE, 0xED, 0xFA, 0xCE],
        &[0xFE, 0xED, 0xFA, 0xCF],
        &[0xCE, 0xFA, 0xED, 0xFE],
        &[0xCF, 0xFA, 0xED, 0xFE],
        &[0xCA, 0xFE, 0xBA, 0xBE],
    ];
    MAGICS.iter().any(|magic| bytes.starts_with(magic))
}

/// Tells Office documents from plain archives by the names in the local file headers.
///
/// Every entry starts with `PK\x03\x04` and its name sits at a fixed offset after that, so we
/// read names without inflating anything: a ZIP bomb costs us one bounded scan.
fn sniff_zip(bytes: &[u8]) -> Detected {
    let window = &bytes[..bytes.len().min(ZIP_SCAN)];
    let mut content_types = false;
    let mut at = 0;
    while let Some(found) = find(&window[at..], b"PK\x03\x04") {
        let header = at + found;
        at = header + 4;
        let Some(fixed) = window.get(header..header + 30) else { break };
        let name_len = usize::from(u16::from_le_bytes([fixed[26], fixed[27]]));
        let extra_len = usize::from(u16::from_le_bytes([fixed[28], fixed[29]]));
        let name_start = header + 30;
        let Some(name) = window.get(name_start..name_start + name_len) else { break };
        if name.starts_with(b"word/") {
            return Detected::WordDocx;
        }
        if name.starts_with(b"xl/") {
            return Detected::ExcelXlsx;
        }
        if name == b"[Content_Types].xml" {
            content_types = true;
        }
        // ODF stores its `mimetype` entry first and uncompressed, so its data is readable here.
        let data_start = name_start + name_len + extra_len;
        let odf = b"application/vnd.oasis.opendocument";
        if name == b"mimetype" && window.get(data_start..data_start + odf.len()) == Some(odf.as_slice()) {
            return Detected::OpenDocument;
        }
    }
    // PowerPoint and other Office Open XML packages: still an Office document to the citizen.
    if content_types { Detected::WordDocx } else { Detected::Zip }
}

/// Markup that browsers would run, or text.
fn sniff_text(bytes: &[u8]) -> Detected {
    let window = &bytes[..bytes.len().min(TEXT_SCAN)];
    let body = window.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(window);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let head = &body[start..];
    let lower = head.to_ascii_lowercase();

    if lower.starts_with(b"<svg") || lower.starts_with(b"<!doctype svg") {
        return Detected::Svg;
    }
    // SVG editors often open with an XML declaration or a comment before the `<svg` element.
    if (lower.starts_with(b"<?xml") || lower.starts_with(b"<!--")) && find(&lower, b"<svg").is_some() {
        return Detected::Svg;
    }
    if looks_like_html(&lower) {
        return Detected::Html;
    }
    if is_text(window) { Detected::PlainText } else { Detected::Unknown }
}

/// The tags the WHATWG MIME Sniffing Standard treats as HTML, when one opens the file.
fn looks_like_html(lower: &[u8]) -> bool {
    const TAGS: [&[u8]; 18] = [
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<script",
        b"<iframe",
        b"<h1",
        b"<div",
        b"<font",
        b"<table",
        b"<a",
        b"<style",
        b"<title",
        b"<b",
        b"<body",
        b"<br",
        b"<p",
        b"<!--",
        b"<meta",
    ];
    TAGS.iter().any(|tag| {
        // The tag must end there (`<a ` or `<a>`), so `<abc` or `<parcel>` text is not HTML.
        lower.starts_with(tag) && lower.get(tag.len()).is_none_or(|&next| next == b'>' || next.is_ascii_whitespace())
    }) || lower.starts_with(b"<?xml") && find(lower, b"<html").is_some()
}

/// UTF-8 text with no control characters other than layout ones. A multi-byte character cut
/// at the end of the window still counts as text.
fn is_text(window: &[u8]) -> bool {
    let valid = match std::str::from_utf8(window) {
        Ok(text) => text,
        Err(error) if error.error_len().is_none() => match std::str::from_utf8(&window[..error.valid_up_to()]) {
            Ok(text) => text,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    !valid.is_empty() && valid.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

/// The first position of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let last_start = haystack.len().checked_sub(needle.len())?;
    let mut from = 0;
    // Jumping between occurrences of the first byte keeps the scan of a 10 MB file cheap.
    while from <= last_start {
        let at = from + haystack[from..=last_start].iter().position(|&b| b == first)?;
        if haystack[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;
    use proptest::prelude::*;

    #[test]
    fn recognises_images_by_magic() {
        assert_eq!(sniff(&samples::jpeg(8, 8)), Detected::Jpeg);
        assert_eq!(sniff(&samples::png(8, 8)), Detected::Png);
        assert_eq!(sniff(b"GIF89a\x01\x00\x01\x00"), Detected::Gif);
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WEBPVP8 "), Detected::Webp);
        assert_eq!(sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), Detected::Heic);
        assert_eq!(sniff(b"II*\x00\x08\x00\x00\x00"), Detected::Tiff);
        let mut bmp = b"BM".to_vec();
        bmp.extend([0; 12]);
        bmp.extend(40u32.to_le_bytes());
        assert_eq!(sniff(&bmp), Detected::Bmp);
        assert_eq!(sniff(b"BMW owner's manual"), Detected::PlainText);
    }

    #[test]
    fn pdf_only_at_offset_zero() {
        assert_eq!(sniff(&samples::pdf(1, 0)), Detected::Pdf);
        assert_eq!(sniff(b"  %PDF-1.4"), Detected::PlainText);
        // The polyglot is a JPEG to us, whatever a PDF reader would make of it.
        assert_eq!(sniff(&samples::pdf_jpeg_polyglot()), Detected::Jpeg);
    }

    #[test]
    fn tells_office_documents_from_plain_zips() {
        assert_eq!(sniff(&samples::word_docx_renamed()), Detected::WordDocx);
        assert_eq!(sniff(&samples::zip(&[("xl/workbook.xml", b"<workbook/>")])), Detected::ExcelXlsx);
        assert_eq!(sniff(&samples::zip(&[("mimetype", b"application/vnd.oasis.opendocument.text")])), Detected::OpenDocument);
        assert_eq!(sniff(&samples::zip(&[("[Content_Types].xml", b"<Types/>"), ("ppt/slide1.xml", b"<p/>")])), Detected::WordDocx);
        assert_eq!(sniff(&samples::zip(&[("photo.jpg", b"not really")])), Detected::Zip);
        assert_eq!(sniff(&samples::zip_bomb()), Detected::Zip);
    }

    #[test]
    fn recognises_markup_that_browsers_run() {
        assert_eq!(sniff(&samples::svg_with_script()), Detected::Svg);
        assert_eq!(sniff(b"\xEF\xBB\xBF  \n<SVG xmlns='http://www.w3.org/2000/svg'/>"), Detected::Svg);
        assert_eq!(sniff(b"<!-- Generator: Illustrator -->\n<svg/>"), Detected::Svg);
        assert_eq!(sniff(&samples::html_page()), Detected::Html);
        assert_eq!(sniff(b"<ScRiPt>alert(1)</script>"), Detected::Html);
        assert_eq!(sniff(b"<p>hello"), Detected::Html);
        assert_eq!(sniff(b"<parcel>"), Detected::PlainText);
        assert_eq!(sniff(b"<?xml version='1.0'?><invoice/>"), Detected::PlainText);
    }

    #[test]
    fn recognises_programs_archives_and_old_office() {
        assert_eq!(sniff(&samples::exe()), Detected::Executable);
        assert_eq!(sniff(b"\x7fELF\x02\x01\x01"), Detected::Executable);
        assert_eq!(sniff(b"\x1f\x8b\x08\x00"), Detected::Gzip);
        assert_eq!(sniff(b"Rar!\x1a\x07\x01\x00"), Detected::Rar);
        assert_eq!(sniff(b"7z\xBC\xAF\x27\x1C\x00\x04"), Detected::SevenZip);
        assert_eq!(sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00"), Detected::LegacyOffice);
        assert_eq!(sniff(b"{\\rtf1\\ansi"), Detected::Rtf);
    }

    #[test]
    fn text_and_unknown() {
        assert_eq!(sniff("Jina: Wanjikũ\n".as_bytes()), Detected::PlainText);
        assert_eq!(sniff(&[0x00, 0x01, 0x02, 0xFE]), Detected::Unknown);
        assert_eq!(sniff(b""), Detected::Unknown);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = sniff(&bytes);
        }

        #[test]
        fn never_panics_on_zip_like_input(tail in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            let _ = sniff(&bytes);
        }
    }
}

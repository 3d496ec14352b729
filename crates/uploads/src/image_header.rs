//! Image dimensions read straight from the header, before any decoder allocates pixels.

use crate::kind::FileKind;

/// The largest side we decode, in pixels. A 600 dpi A3 scan is about 7,000 × 9,900.
pub const MAX_SIDE: u32 = 10_000;

/// The most pixels we decode: 40 megapixels is 120 MB as RGB, beyond any phone photo.
pub const MAX_PIXELS: u64 = 40_000_000;

/// Width and height as the file's header states them, or `None` if the header is unreadable.
pub fn dimensions(kind: FileKind, bytes: &[u8]) -> Option<(u32, u32)> {
    match kind {
        FileKind::Png => png_dimensions(bytes),
        FileKind::Jpeg => jpeg_dimensions(bytes),
        FileKind::Pdf => None,
    }
}

/// Whether an image of this size is small enough to decode.
pub fn within_limits(width: u32, height: u32) -> bool {
    width <= MAX_SIDE && height <= MAX_SIDE && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// PNG's first chunk must be IHDR, which starts with width and height.
fn png_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be_u32(bytes.get(16..20)?), be_u32(bytes.get(20..24)?)))
}

/// Walks JPEG markers to the first start-of-frame, which carries height then width.
fn jpeg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        let marker = *bytes.get(at + 1)?;
        at += 2;
        match marker {
            // Markers without a length: TEM and restart markers.
            0x01 | 0xD0..=0xD7 => continue,
            // Image data or the end before any frame header: not a JPEG we can size.
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let length = usize::from(be_u16(bytes.get(at..at + 2)?));
        // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let height = be_u16(bytes.get(at + 3..at + 5)?);
            let width = be_u16(bytes.get(at + 5..at + 7)?);
            return Some((u32::from(width), u32::from(height)));
        }
        if length < 2 {
            return None;
        }
        at += length;
    }
}

fn be_u32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0, |acc, &b| acc << 8 | u32::from(b))
}

fn be_u16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0, |acc, &b| acc << 8 | u16::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;
    use proptest::prelude::*;

    #[test]
    fn reads_real_headers() {
        assert_eq!(dimensions(FileKind::Jpeg, &samples::jpeg(33, 17)), Some((33, 17)));
        assert_eq!(dimensions(FileKind::Png, &samples::png(21, 9)), Some((21, 9)));
        assert_eq!(dimensions(FileKind::Png, &samples::pixel_flood_png()), Some((100_000, 100_000)));
    }

    #[test]
    fn refuses_broken_headers() {
        assert_eq!(dimensions(FileKind::Jpeg, &[0xFF, 0xD8, 0xFF, 0x00]), None);
        assert_eq!(dimensions(FileKind::Jpeg, &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00]), None);
        assert_eq!(dimensions(FileKind::Png, b"\x89PNG\r\n\x1a\n"), None);
    }

    #[test]
    fn limits() {
        assert!(within_limits(7_000, 5_000));
        assert!(!within_limits(10_001, 10));
        assert!(!within_limits(8_000, 8_000));
    }

    proptest! {
        #[test]
        fn never_panics(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut jpeg = vec![0xFF, 0xD8];
            jpeg.extend(&tail);
            let _ = dimensions(FileKind::Jpeg, &jpeg);
            let _ = dimensions(FileKind::Png, &tail);
        }
    }
}

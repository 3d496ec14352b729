//! A file name safe to show and to offer as a download name.

use crate::kind::FileKind;

/// The longest stem we keep, in characters. Long enough for "KCSE certificate - Wanjiku
/// Kamau 2019 (certified copy)", short enough for a table cell and any file system.
const MAX_STEM_CHARS: usize = 80;

/// Longest trailing `.xyz` we treat as an extension to replace rather than part of the name.
const MAX_EXTENSION_CHARS: usize = 5;

/// Cleans the name a browser claimed for an upload, and gives it the extension of the kind we
/// actually detected, so `cv.docx` renamed `cv.pdf` and accepted as a PDF downloads as a PDF.
///
/// Keeps only the last path component, drops control, bidirectional-override and quote
/// characters and `<>:|?*`, collapses whitespace, and never returns a name that starts with a
/// dot. Falls back to `document.<ext>`.
pub fn safe_file_name(claimed: &str, kind: FileKind) -> String {
    let last = claimed.rsplit(['/', '\\']).next().unwrap_or_default();
    // Tabs and line breaks separate words, so they become spaces before control characters go.
    let kept: String = last.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|&c| !is_dropped(c)).collect();
    let collapsed = kept.split_whitespace().collect::<Vec<_>>().join(" ");
    let stem = trim_name(strip_extension(&collapsed));
    let capped: String = stem.chars().take(MAX_STEM_CHARS).collect();
    let stem = trim_name(&capped);
    let stem = if stem.is_empty() { "document" } else { stem };
    format!("{stem}.{}", kind.extension())
}

/// Characters that break paths, headers or HTML, or that make a name read other than it is.
fn is_dropped(c: char) -> bool {
    c.is_control()
        || matches!(c, '"' | '\'' | '`' | '<' | '>' | ':' | '|' | '?' | '*')
        // Bidirectional overrides turn "invoice\u{202E}fdp.exe" into "invoiceexe.pdf" on screen.
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// "scan.final.jpeg" → "scan.final"; "Mr. John Kamau" stays whole, as " John Kamau" is no
/// extension.
fn strip_extension(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, extension))
            if !extension.is_empty()
                && extension.chars().count() <= MAX_EXTENSION_CHARS
                && extension.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            stem
        }
        _ => name,
    }
}

/// Leading dots would hide the file or walk up a directory; trailing dots and spaces are
/// silently removed by Windows.
fn trim_name(name: &str) -> &str {
    name.trim_start_matches(['.', ' ']).trim_end_matches(['.', ' '])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_a_plain_name_and_sets_the_extension() {
        assert_eq!(safe_file_name("birth certificate.pdf", FileKind::Pdf), "birth certificate.pdf");
        assert_eq!(safe_file_name("photo.JPEG", FileKind::Jpeg), "photo.jpg");
        assert_eq!(safe_file_name("cv.docx", FileKind::Pdf), "cv.pdf");
        assert_eq!(safe_file_name("scan", FileKind::Png), "scan.png");
        assert_eq!(safe_file_name("Mr. John Kamau", FileKind::Pdf), "Mr. John Kamau.pdf");
    }

    #[test]
    fn drops_directory_traversal() {
        assert_eq!(safe_file_name("../../etc/passwd.pdf", FileKind::Pdf), "passwd.pdf");
        assert_eq!(safe_file_name("..\\..\\boot.ini", FileKind::Png), "boot.png");
        assert_eq!(safe_file_name("C:\\Users\\Wanjiku\\Desktop\\ID copy.jpg", FileKind::Jpeg), "ID copy.jpg");
        assert_eq!(safe_file_name("..", FileKind::Pdf), "document.pdf");
        assert_eq!(safe_file_name(".htaccess", FileKind::Pdf), "htaccess.pdf");
    }

    #[test]
    fn falls_back_when_nothing_is_left() {
        assert_eq!(safe_file_name("", FileKind::Pdf), "document.pdf");
        assert_eq!(safe_file_name("   ", FileKind::Jpeg), "document.jpg");
        assert_eq!(safe_file_name("dir/", FileKind::Png), "document.png");
        assert_eq!(safe_file_name("<>:|?*.pdf", FileKind::Pdf), "document.pdf");
    }

    #[test]
    fn drops_dangerous_characters_and_collapses_whitespace() {
        assert_eq!(safe_file_name("a\"b'c<d>e:f|g?h*i.pdf", FileKind::Pdf), "abcdefghi.pdf");
        assert_eq!(safe_file_name("my\r\n\tfile \u{0}  name.pdf", FileKind::Pdf), "my file name.pdf");
        assert_eq!(safe_file_name("invoice\u{202E}fdp.exe", FileKind::Pdf), "invoicefdp.pdf");
    }

    #[test]
    fn keeps_unicode_letters() {
        assert_eq!(safe_file_name("Cheti cha kuzaliwa — Wanjikũ.pdf", FileKind::Pdf), "Cheti cha kuzaliwa — Wanjikũ.pdf");
        assert_eq!(safe_file_name("身份证.png", FileKind::Png), "身份证.png");
    }

    #[test]
    fn caps_long_names_on_a_character_boundary() {
        let long = "ũ".repeat(200) + ".pdf";
        let name = safe_file_name(&long, FileKind::Pdf);
        assert_eq!(name, "ũ".repeat(80) + ".pdf");
        let spaced = format!("{} tail.pdf", "a".repeat(79));
        assert_eq!(safe_file_name(&spaced, FileKind::Pdf), format!("{}.pdf", "a".repeat(79)));
    }

    proptest! {
        #[test]
        fn always_safe(claimed in any::<String>(), kind in prop_oneof![Just(FileKind::Pdf), Just(FileKind::Jpeg), Just(FileKind::Png)]) {
            let name = safe_file_name(&claimed, kind);
            let extension = format!(".{}", kind.extension());
            prop_assert!(name.ends_with(&extension));
            prop_assert!(name.len() > extension.len());
            prop_assert!(!name.starts_with('.') && !name.starts_with(' '));
            prop_assert!(!name.contains(['/', '\\', '"', '<', '>', ':', '|', '?', '*']));
            prop_assert!(!name.chars().any(char::is_control));
            prop_assert!(name.chars().count() <= MAX_STEM_CHARS + extension.len());
        }
    }
}

//! What a file is: the kinds we store, and everything the sniffer can recognise.

use std::fmt;
use std::str::FromStr;

/// A kind of file Huduma stores. Every accepted upload is exactly one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A PDF document, stored byte-identical.
    Pdf,
    /// A JPEG photograph or scan, stored re-encoded.
    Jpeg,
    /// A PNG image, stored re-encoded.
    Png,
}

/// A catalogue named a file kind we do not store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown file kind {0:?}: expected pdf, jpeg, jpg or png")]
pub struct UnknownFileKind(pub String);

impl FileKind {
    /// Every storable kind, in the order messages list them.
    pub const ALL: [FileKind; 3] = [FileKind::Pdf, FileKind::Jpeg, FileKind::Png];

    /// Parses a kind as catalogue files write it: `pdf`, `jpeg`, `jpg` or `png`, in any case.
    pub fn parse(input: &str) -> Result<Self, UnknownFileKind> {
        match input.trim().trim_start_matches('.').to_ascii_lowercase().as_str() {
            "pdf" => Ok(Self::Pdf),
            "jpeg" | "jpg" => Ok(Self::Jpeg),
            "png" => Ok(Self::Png),
            _ => Err(UnknownFileKind(input.to_owned())),
        }
    }

    /// The `Content-Type` to serve the stored file with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// The file extension, without the dot, that the stored file gets.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }

    /// The name citizens know the kind by, as messages print it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for FileKind {
    type Err = UnknownFileKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// What an upload's bytes really are, whatever its name claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Detected {
    /// `%PDF-` at offset 0.
    Pdf,
    /// JPEG (JFIF or EXIF).
    Jpeg,
    Png,
    Gif,
    /// WebP.
    Webp,
    /// HEIF family (iPhone HEIC photos, and AVIF).
    Heic,
    /// Windows bitmap.
    Bmp,
    /// TIFF (often what scanners save).
    Tiff,
    /// SVG, which can carry script.
    Svg,
    /// An HTML page, which can carry script.
    Html,
    /// A ZIP archive that is not an Office document.
    Zip,
    /// A Word document (`.docx`), or another Office Open XML file that is neither Word nor Excel.
    WordDocx,
    /// An Excel workbook (`.xlsx`).
    ExcelXlsx,
    /// An OpenDocument file (LibreOffice `.odt`, `.ods`, …).
    OpenDocument,
    /// An old binary Office file (`.doc`, `.xls`, `.ppt`), stored as OLE2.
    LegacyOffice,
    /// Rich Text Format.
    Rtf,
    /// A program: Windows (MZ), Linux (ELF) or macOS (Mach-O).
    Executable,
    /// A gzip archive.
    Gzip,
    /// A RAR archive.
    Rar,
    /// A 7-Zip archive.
    SevenZip,
    /// Text that is none of the above.
    PlainText,
    /// Bytes we do not recognise.
    Unknown,
}

impl Detected {
    /// The kind we would store these bytes as, if they are storable at all.
    pub fn storable(self) -> Option<FileKind> {
        match self {
            Self::Pdf => Some(FileKind::Pdf),
            Self::Jpeg => Some(FileKind::Jpeg),
            Self::Png => Some(FileKind::Png),
            _ => None,
        }
    }

    /// A stable identifier for logs and metrics, e.g. `word_document`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Heic => "heic",
            Self::Bmp => "bmp",
            Self::Tiff => "tiff",
            Self::Svg => "svg",
            Self::Html => "html",
            Self::Zip => "zip",
            Self::WordDocx => "word_document",
            Self::ExcelXlsx => "excel_spreadsheet",
            Self::OpenDocument => "open_document",
            Self::LegacyOffice => "legacy_office",
            Self::Rtf => "rtf",
            Self::Executable => "executable",
            Self::Gzip => "gzip",
            Self::Rar => "rar",
            Self::SevenZip => "seven_zip",
            Self::PlainText => "plain_text",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Detected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_catalogue_spellings() {
        assert_eq!(FileKind::parse("pdf"), Ok(FileKind::Pdf));
        assert_eq!(FileKind::parse("JPG"), Ok(FileKind::Jpeg));
        assert_eq!(FileKind::parse("jpeg"), Ok(FileKind::Jpeg));
        assert_eq!(FileKind::parse(" .png "), Ok(FileKind::Png));
        assert!(FileKind::parse("docx").is_err());
        assert!(FileKind::parse("").is_err());
    }

    #[test]
    fn only_pdf_jpeg_and_png_are_storable() {
        assert_eq!(Detected::Jpeg.storable(), Some(FileKind::Jpeg));
        assert_eq!(Detected::WordDocx.storable(), None);
        assert_eq!(Detected::Svg.storable(), None);
    }

    #[test]
    fn kinds_describe_themselves() {
        assert_eq!(FileKind::Jpeg.extension(), "jpg");
        assert_eq!(FileKind::Pdf.content_type(), "application/pdf");
        assert_eq!(FileKind::Png.label(), "PNG");
        assert_eq!(Detected::WordDocx.code(), "word_document");
    }
}

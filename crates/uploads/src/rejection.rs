//! Why an upload was refused, with a stable code and the values a message needs.

use crate::kind::{Detected, FileKind};

/// Bytes in a megabyte as people's file managers count them.
const MEGABYTE: u128 = 1024 * 1024;

/// Why an upload was refused. The app turns each into a translated sentence through
/// [`Rejection::code`] and [`Rejection::args`]; `Display` is for logs only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// No bytes arrived.
    #[error("the upload is empty")]
    Empty,
    /// Over the size limit. `size` is `None` when reading stopped at the limit.
    #[error("the upload is {size:?} bytes; the limit is {limit}")]
    TooLarge {
        /// The real size, when the whole file was at hand.
        size: Option<u64>,
        /// The rule's limit in bytes.
        limit: u64,
    },
    /// The bytes are not a kind we store at all.
    #[error("the upload is {detected}, not one of {allowed:?}")]
    WrongType {
        /// What the bytes really are.
        detected: Detected,
        /// What the rule accepts.
        allowed: Vec<FileKind>,
    },
    /// A kind we store, but not for this document.
    #[error("the upload is {kind}, not one of {allowed:?}")]
    NotAllowed {
        /// What the bytes are.
        kind: FileKind,
        /// What the rule accepts.
        allowed: Vec<FileKind>,
    },
    /// An image that is also a PDF or web page, a known way to smuggle content past checks.
    #[error("the image also carries a PDF or HTML document")]
    Polyglot,
    /// An image too large to decode safely, refused before any pixels were allocated.
    #[error("the image is {width}x{height} pixels")]
    ImageTooBig {
        /// Width in pixels, as the header claims.
        width: u32,
        /// Height in pixels, as the header claims.
        height: u32,
    },
    /// The file starts like `kind` but cannot be read as one.
    #[error("the {kind} file is damaged or incomplete")]
    Corrupt {
        /// What the file claims to be.
        kind: FileKind,
    },
    /// A PDF that needs a password, or carries an encryption dictionary.
    #[error("the PDF is encrypted")]
    PdfEncrypted,
    /// A PDF with scripts, launch actions, embedded files or rich media.
    #[error("the PDF contains active content")]
    PdfActiveContent,
    /// A PDF with an action that leaves the document (opens a website or another file, sends
    /// or imports form data, plays media): only links within the document are accepted.
    #[error("the PDF has an action that leaves the document")]
    PdfExternalAction,
    /// A PDF that is also another kind of file: an archive, a program or a web page hidden
    /// before, between or after its objects, or inside a stream.
    #[error("the PDF also holds a hidden {hidden} file")]
    PdfHiddenFile {
        /// What was found, for logs; the message does not name it, since the fix is the same.
        hidden: Detected,
    },
    /// The virus scanner recognised malware.
    #[error("the virus scanner found {signature}")]
    Infected {
        /// The scanner's signature name, for logs; never shown to the citizen.
        signature: String,
    },
    /// The virus scanner could not be reached, so we refuse rather than store an unscanned file.
    #[error("the virus scanner is unavailable")]
    ScanUnavailable,
}

impl Rejection {
    /// A stable code, the key of the citizen-facing message, e.g. `upload.word_document`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "upload.empty",
            Self::TooLarge { size: Some(_), .. } => "upload.too_large",
            Self::TooLarge { size: None, .. } => "upload.too_large_unknown",
            Self::WrongType { detected, .. } => wrong_type_code(*detected),
            Self::NotAllowed { .. } => "upload.not_allowed",
            Self::Polyglot => "upload.polyglot",
            Self::ImageTooBig { .. } => "upload.image_too_big",
            Self::Corrupt { kind: FileKind::Pdf } => "upload.corrupt_pdf",
            Self::Corrupt { kind: FileKind::Jpeg | FileKind::Png } => "upload.corrupt_image",
            Self::PdfEncrypted => "upload.pdf_encrypted",
            Self::PdfActiveContent => "upload.pdf_active_content",
            Self::PdfExternalAction => "upload.pdf_external_action",
            Self::PdfHiddenFile { .. } => "upload.pdf_hidden_file",
            Self::Infected { .. } => "upload.infected",
            Self::ScanUnavailable => "upload.scan_unavailable",
        }
    }

    /// The placeholder values the message for [`Rejection::code`] needs, by name:
    /// `size`, `limit`, `allowed`, `kind`, `width`, `height`. Lists read "PDF, JPEG or PNG".
    pub fn args(&self) -> Vec<(&'static str, String)> {
        self.args_joined_with("or")
    }

    /// [`Rejection::args`] with lists joined by another language's "or": `"au"` gives
    /// "PDF, JPEG au PNG".
    pub fn args_joined_with(&self, or: &str) -> Vec<(&'static str, String)> {
        match self {
            Self::TooLarge { size, limit } => {
                let mut args = vec![("limit", human_limit(*limit))];
                if let Some(size) = size {
                    args.insert(0, ("size", human_size(*size)));
                }
                args
            }
            Self::WrongType { allowed, .. } => vec![("allowed", list_kinds(allowed, or))],
            Self::NotAllowed { kind, allowed } => vec![("kind", kind.label().to_owned()), ("allowed", list_kinds(allowed, or))],
            Self::ImageTooBig { width, height } => vec![("width", width.to_string()), ("height", height.to_string())],
            Self::Corrupt { kind } => vec![("kind", kind.label().to_owned())],
            Self::Empty
            | Self::Polyglot
            | Self::PdfEncrypted
            | Self::PdfActiveContent
            | Self::PdfExternalAction
            | Self::PdfHiddenFile { .. }
            | Self::Infected { .. }
            | Self::ScanUnavailable => Vec::new(),
        }
    }
}

/// One message per family of wrong file: what the citizen has to do differs by family.
fn wrong_type_code(detected: Detected) -> &'static str {
    match detected {
        Detected::WordDocx | Detected::OpenDocument | Detected::LegacyOffice => "upload.word_document",
        Detected::ExcelXlsx => "upload.spreadsheet",
        Detected::Zip | Detected::Rar | Detected::SevenZip | Detected::Gzip => "upload.archive",
        Detected::Svg => "upload.svg",
        Detected::Html => "upload.html",
        Detected::Executable => "upload.executable",
        Detected::Gif | Detected::Webp | Detected::Heic | Detected::Bmp | Detected::Tiff => "upload.other_image",
        Detected::PlainText | Detected::Unknown | Detected::Rtf => "upload.unknown_type",
        // Storable kinds never arrive here; if one did, "not allowed" is the honest message.
        Detected::Pdf | Detected::Jpeg | Detected::Png => "upload.not_allowed",
    }
}

/// A file's size for a citizen, rounded *up* to a tenth of a megabyte: "6.2 MB", "0.4 MB",
/// "2 MB". Rounding up means a file over the limit never reads as equal to it.
pub fn human_size(bytes: u64) -> String {
    let tenths = (u128::from(bytes) * 10).div_ceil(MEGABYTE);
    tenths_to_text(tenths)
}

/// A limit for a citizen, rounded *down* to a tenth of a megabyte ("2 MB", "1.5 MB"), so a
/// file the message says fits really does.
pub fn human_limit(bytes: u64) -> String {
    let tenths = u128::from(bytes) * 10 / MEGABYTE;
    tenths_to_text(tenths)
}

fn tenths_to_text(tenths: u128) -> String {
    match tenths % 10 {
        0 => format!("{} MB", tenths / 10),
        fraction => format!("{}.{fraction} MB", tenths / 10),
    }
}

/// "PDF", "JPEG or PNG", "PDF, JPEG or PNG".
fn list_kinds(kinds: &[FileKind], or: &str) -> String {
    let labels: Vec<&str> = kinds.iter().map(|kind| kind.label()).collect();
    match labels.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} {or} {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MB: u64 = 1024 * 1024;

    fn arg(rejection: &Rejection, name: &str) -> String {
        rejection.args().into_iter().find(|(key, _)| *key == name).map(|(_, value)| value).unwrap_or_default()
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(6_500_000), "6.2 MB");
        assert_eq!(human_size(400_000), "0.4 MB");
        assert_eq!(human_size(2 * MB), "2 MB");
        assert_eq!(human_size(1), "0.1 MB");
        assert_eq!(human_size(0), "0 MB");
        assert_eq!(human_limit(2 * MB), "2 MB");
        assert_eq!(human_limit(MB + MB / 2), "1.5 MB");
        assert_eq!(human_size(u64::MAX), "17592186044416 MB");
    }

    #[test]
    fn a_file_just_over_the_limit_never_reads_as_equal() {
        let too_large = Rejection::TooLarge { size: Some(2 * MB + 1), limit: 2 * MB };
        assert_eq!(arg(&too_large, "size"), "2.1 MB");
        assert_eq!(arg(&too_large, "limit"), "2 MB");
        let odd_limit = Rejection::TooLarge { size: Some(1_990_000), limit: 1_950_000 };
        assert_ne!(arg(&odd_limit, "size"), arg(&odd_limit, "limit"));
    }

    #[test]
    fn too_large_args_and_codes() {
        let known = Rejection::TooLarge { size: Some(6_500_000), limit: 2 * MB };
        assert_eq!(known.code(), "upload.too_large");
        assert_eq!(known.args(), vec![("size", "6.2 MB".to_owned()), ("limit", "2 MB".to_owned())]);
        let unknown = Rejection::TooLarge { size: None, limit: 2 * MB };
        assert_eq!(unknown.code(), "upload.too_large_unknown");
        assert_eq!(unknown.args(), vec![("limit", "2 MB".to_owned())]);
    }

    #[test]
    fn allowed_kinds_read_as_a_sentence() {
        let all = Rejection::WrongType { detected: Detected::WordDocx, allowed: FileKind::ALL.to_vec() };
        assert_eq!(arg(&all, "allowed"), "PDF, JPEG or PNG");
        let images = Rejection::NotAllowed { kind: FileKind::Pdf, allowed: vec![FileKind::Jpeg, FileKind::Png] };
        assert_eq!(arg(&images, "allowed"), "JPEG or PNG");
        assert_eq!(arg(&images, "kind"), "PDF");
        let swahili = all.args_joined_with("au");
        assert_eq!(swahili, vec![("allowed", "PDF, JPEG au PNG".to_owned())]);
        let one = Rejection::NotAllowed { kind: FileKind::Png, allowed: vec![FileKind::Pdf] };
        assert_eq!(arg(&one, "allowed"), "PDF");
    }

    #[test]
    fn wrong_types_group_into_families() {
        let code = |detected| Rejection::WrongType { detected, allowed: vec![FileKind::Pdf] }.code();
        assert_eq!(code(Detected::WordDocx), "upload.word_document");
        assert_eq!(code(Detected::LegacyOffice), "upload.word_document");
        assert_eq!(code(Detected::ExcelXlsx), "upload.spreadsheet");
        assert_eq!(code(Detected::Rar), "upload.archive");
        assert_eq!(code(Detected::Gzip), "upload.archive");
        assert_eq!(code(Detected::Svg), "upload.svg");
        assert_eq!(code(Detected::Html), "upload.html");
        assert_eq!(code(Detected::Executable), "upload.executable");
        assert_eq!(code(Detected::Heic), "upload.other_image");
        assert_eq!(code(Detected::Rtf), "upload.unknown_type");
        assert_eq!(code(Detected::Unknown), "upload.unknown_type");
    }

    #[test]
    fn other_codes_and_args() {
        assert_eq!(Rejection::Corrupt { kind: FileKind::Pdf }.code(), "upload.corrupt_pdf");
        assert_eq!(Rejection::Corrupt { kind: FileKind::Png }.code(), "upload.corrupt_image");
        let big = Rejection::ImageTooBig { width: 100_000, height: 20 };
        assert_eq!(big.code(), "upload.image_too_big");
        assert_eq!(big.args(), vec![("width", "100000".to_owned()), ("height", "20".to_owned())]);
        let infected = Rejection::Infected { signature: "Eicar-Test-Signature".into() };
        assert_eq!(infected.code(), "upload.infected");
        assert!(infected.args().is_empty(), "the signature name is for logs, not citizens");
        assert_eq!(Rejection::ScanUnavailable.code(), "upload.scan_unavailable");
        assert_eq!(Rejection::PdfExternalAction.code(), "upload.pdf_external_action");
        let hidden = Rejection::PdfHiddenFile { hidden: Detected::Zip };
        assert_eq!(hidden.code(), "upload.pdf_hidden_file");
        assert!(hidden.args().is_empty());
        assert_eq!(hidden.to_string(), "the PDF also holds a hidden zip file");
    }
}

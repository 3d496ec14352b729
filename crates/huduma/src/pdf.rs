//! Printable documents: a minimal PDF writer for receipts (and later certificates) —
//! lines of text in the standard Helvetica fonts and a QR code drawn as vector squares,
//! so nothing needs embedding and a page stays a few kilobytes.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use qrcode::{Color, QrCode};

/// A4 in points.
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// One line of text on the page.
#[derive(Debug, Clone)]
pub struct Line {
    /// The text (characters outside Latin-1 are replaced).
    pub text: String,
    /// Font size in points.
    pub size: f32,
    /// Bold.
    pub bold: bool,
}

impl Line {
    /// A normal line.
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), size: 11.0, bold: false }
    }

    /// A heading.
    pub fn heading(text: impl Into<String>, size: f32) -> Self {
        Self { text: text.into(), size, bold: true }
    }
}

/// Text in the fonts' WinAnsi encoding: Latin-1 passes, anything else becomes `?`.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '–' | '—' => b'-',
            '’' | '‘' => b'\'',
            '“' | '”' => b'"',
            c if (c as u32) < 256 => c as u8,
            _ => b'?',
        })
        .collect()
}

/// A one-page A4 PDF with `lines` from the top and, if given, a QR code of `qr` in the
/// top right corner.
pub fn page(title: &str, lines: &[Line], qr: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let regular =
        doc.add_object(dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding"});
    let bold = doc
        .add_object(dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding"});
    let resources = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => regular, "F2" => bold}});
    let mut ops = Vec::new();
    let mut y = HEIGHT - MARGIN;
    for line in lines {
        y -= line.size * 1.5;
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec![if line.bold { "F2" } else { "F1" }.into(), line.size.into()]));
        ops.push(Operation::new("Td", vec![MARGIN.into(), y.into()]));
        ops.push(Operation::new("Tj", vec![Object::string_literal(latin1(&line.text))]));
        ops.push(Operation::new("ET", vec![]));
    }
    if let Some(data) = qr {
        let code = QrCode::new(data.as_bytes())?;
        let modules = code.width();
        let colors = code.to_colors();
        let size = 120.0_f32;
        #[allow(clippy::cast_precision_loss)]
        let cell = size / modules as f32;
        let (left, top) = (WIDTH - MARGIN - size, HEIGHT - MARGIN);
        ops.push(Operation::new("g", vec![0.into()]));
        for (i, color) in colors.iter().enumerate() {
            if *color == Color::Dark {
                #[allow(clippy::cast_precision_loss)]
                let (col, row) = ((i % modules) as f32, (i / modules) as f32);
                ops.push(Operation::new(
                    "re",
                    vec![(left + col * cell).into(), (top - (row + 1.0) * cell).into(), cell.into(), cell.into()],
                ));
            }
        }
        ops.push(Operation::new("f", vec![]));
    }
    let content = doc.add_object(Stream::new(dictionary! {}, Content { operations: ops }.encode()?));
    let page = doc.add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content});
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page.into()],
            "Count" => 1,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), WIDTH.into(), HEIGHT.into()],
        }),
    );
    let info = doc.add_object(dictionary! {"Title" => Object::string_literal(latin1(title)), "Producer" => "Huduma"});
    let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_page_that_opens_with_its_text() {
        let pdf = page(
            "Receipt",
            &[Line::heading("Official receipt", 18.0), Line::text("Amount: KES 1,050 – paid")],
            Some("https://huduma.example/verify/receipts/R123"),
        )
        .unwrap();
        let doc = Document::load_mem(&pdf).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
        let text = doc.extract_text(&[1]).unwrap_or_default();
        assert!(text.contains("Official receipt"), "{text}");
        assert!(pdf.len() < 60_000);
    }
}

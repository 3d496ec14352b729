//! Printable documents: a minimal PDF writer for receipts and certificates — paragraphs of
//! text in the standard Helvetica fonts and a QR code drawn as vector squares, so nothing
//! needs embedding and a page stays a few kilobytes.
//!
//! The writer lays the text out itself: paragraphs are wrapped by the fonts' own glyph
//! widths (Adobe's metrics for Helvetica and Helvetica-Bold), lines level with the QR code
//! are wrapped short of it, and text that does not fit the page continues on another, so
//! no name, language or template ever puts text under the code.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, ObjectId, Stream, dictionary};
use qrcode::{Color, QrCode};

/// A4 in points.
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
/// Side of the QR code, in points (about 42 mm: phones read it from arm's length).
pub const QR_SIZE: f32 = 120.0;
/// Clear space kept between the QR code and any text.
pub const QR_GAP: f32 = 12.0;
/// Baseline-to-baseline distance, as a multiple of the font size.
const LEADING: f32 = 1.5;
/// How far glyphs reach above and below the baseline, as a multiple of the font size: the
/// fonts' bounding boxes (Helvetica −225…931, Helvetica-Bold −228…962 thousandths).
pub const ASCENT: f32 = 0.962;
/// See [`ASCENT`].
pub const DESCENT: f32 = 0.228;

/// A paragraph of text on the page, wrapped to the space it has.
#[derive(Debug, Clone)]
pub struct Line {
    /// The text (characters outside Latin-1 are replaced).
    pub text: String,
    /// Font size in points.
    pub size: f32,
    pub bold: bool,
}

impl Line {
    /// A normal paragraph.
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), size: 11.0, bold: false }
    }

    pub fn heading(text: impl Into<String>, size: f32) -> Self {
        Self { text: text.into(), size, bold: true }
    }
}

/// Advance widths of the printable ASCII characters (32–126) in thousandths of the font
/// size, Helvetica then Helvetica-Bold, from Adobe's font metrics. The apostrophe and the
/// grave take the wider of their two glyphs' widths, so that a viewer's choice of glyph
/// can only make a line narrower than measured.
const ASCII_WIDTHS: [[u16; 95]; 2] = [
    [
        278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
        278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
        611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,
        556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    ],
    [
        278, 333, 474, 556, 556, 889, 722, 278, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556,
        333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667,
        611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889,
        611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    ],
];

/// The widest glyph of either font: what an unlisted character is assumed to take.
const WIDEST: u16 = 1015;

/// Width of one WinAnsi byte in thousandths of the font size. Accented letters are as wide
/// as their base letter in these fonts; symbols above 127 are taken at the widest glyph.
fn glyph_width(byte: u8, bold: bool) -> u16 {
    let table = &ASCII_WIDTHS[usize::from(bold)];
    let base = |c: u8| table[usize::from(c - 32)];
    match byte {
        32..=126 => base(byte),
        0xA0 => base(b' '),
        0xC0..=0xC5 => base(b'A'),
        0xC6 => 1000,
        0xC7 => base(b'C'),
        0xC8..=0xCB => base(b'E'),
        0xCC..=0xCF | 0xEC..=0xEF => 278,
        0xD0 => base(b'D'),
        0xD1 => base(b'N'),
        0xD2..=0xD6 | 0xD8 => base(b'O'),
        0xD7 | 0xF7 => 584,
        0xD9..=0xDC => base(b'U'),
        0xDD => base(b'Y'),
        0xDE => base(b'P'),
        0xDF | 0xF8 => 611,
        0xE0..=0xE5 => base(b'a'),
        0xE6 => 889,
        0xE7 => base(b'c'),
        0xE8..=0xEB => base(b'e'),
        0xF0 | 0xF2..=0xF6 => base(b'o'),
        0xF1 => base(b'n'),
        0xF9..=0xFC => base(b'u'),
        0xFD | 0xFF => base(b'y'),
        0xFE => base(b'p'),
        _ => WIDEST,
    }
}

/// Width in points of `text` set in Helvetica (or Helvetica-Bold) at `size`, as printed
/// (after [`latin1`]).
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let thousandths: u32 = latin1(text).into_iter().map(|b| u32::from(glyph_width(b, bold))).sum();
    #[allow(clippy::cast_precision_loss)]
    let width = thousandths as f32 * size / 1000.0;
    width
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

/// A rectangle in page coordinates (points, origin bottom left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub left: f32,
    /// Bottom edge.
    pub bottom: f32,
    /// Right edge.
    pub right: f32,
    /// Top edge.
    pub top: f32,
}

impl Rect {
    /// Whether the two overlap (touching edges do not).
    pub fn intersects(&self, other: &Rect) -> bool {
        self.left < other.right && other.left < self.right && self.bottom < other.top && other.bottom < self.top
    }
}

/// Where the QR code goes on the first page: the top right corner, inside the margins.
pub fn qr_area() -> Rect {
    Rect { left: WIDTH - MARGIN - QR_SIZE, bottom: HEIGHT - MARGIN - QR_SIZE, right: WIDTH - MARGIN, top: HEIGHT - MARGIN }
}

/// One placed line: its text, font, and baseline origin.
#[derive(Debug, Clone)]
struct Placed {
    text: String,
    size: f32,
    bold: bool,
    x: f32,
    y: f32,
}

/// Whether a line with its baseline at `y` would have glyphs level with the code (or its
/// clear space).
fn beside(y: f32, size: f32, area: Rect) -> bool {
    y + ASCENT * size > area.bottom - QR_GAP && y - DESCENT * size < area.top + QR_GAP
}

/// The width a line with its baseline at `y` may take: short of the QR code and its clear
/// space where it is level with the code, else the full measure.
fn measure_at(y: f32, size: f32, qr: Option<Rect>) -> f32 {
    match qr {
        Some(area) if beside(y, size, area) => area.left - QR_GAP - MARGIN,
        _ => WIDTH - 2.0 * MARGIN,
    }
}

/// How many lines `text` takes at `width`.
fn lines_at(text: &str, size: f32, bold: bool, width: f32) -> usize {
    let mut count = 0;
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if line.is_empty() || text_width(&candidate, size, bold) <= width {
            line = candidate;
        } else {
            count += 1;
            line = word.to_owned();
        }
    }
    count + usize::from(!line.is_empty())
}

/// Splits a word wider than `width` into pieces that fit, character by character (a long
/// link or a name without spaces must still stay clear of the code).
fn break_word(word: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut pieces = vec![String::new()];
    for c in word.chars() {
        let last = pieces.last_mut().map(|p| {
            let mut longer = p.clone();
            longer.push(c);
            (text_width(&longer, size, bold) <= width || p.is_empty(), longer)
        });
        match last {
            Some((true, longer)) => {
                if let Some(p) = pieces.last_mut() {
                    *p = longer;
                }
            }
            _ => pieces.push(c.to_string()),
        }
    }
    pieces
}

/// Lays the paragraphs out from the top of page one, each line as wide as its place allows;
/// returns the lines of each page.
fn lay_out(paragraphs: &[Line], qr: Option<Rect>) -> Vec<Vec<Placed>> {
    let mut pages = vec![Vec::new()];
    let mut y = HEIGHT - MARGIN;
    for paragraph in paragraphs {
        let (size, bold) = (paragraph.size, paragraph.bold);
        // A paragraph of several lines either fits wholly beside the code or starts below
        // it: a paragraph whose measure widens halfway reads as two.
        if let (1, Some(area)) = (pages.len(), qr)
            && beside(y - size * LEADING, size, area)
        {
            let lines = lines_at(&paragraph.text, size, bold, measure_at(y - size * LEADING, size, qr));
            #[allow(clippy::cast_precision_loss)]
            let last = y - size * LEADING * lines as f32;
            if lines > 1 && !beside(last, size, area) {
                y = y.min(area.bottom - QR_GAP - ASCENT * size + size * LEADING);
            }
        }
        let mut words: std::collections::VecDeque<String> = paragraph.text.split_whitespace().map(str::to_owned).collect();
        loop {
            y -= size * LEADING;
            if y - DESCENT * size < MARGIN {
                pages.push(Vec::new());
                y = HEIGHT - MARGIN - size * LEADING;
            }
            let area = if pages.len() == 1 { qr } else { None };
            let width = measure_at(y, size, area);
            let mut line = String::new();
            while let Some(word) = words.pop_front() {
                let candidate = if line.is_empty() { word.clone() } else { format!("{line} {word}") };
                if text_width(&candidate, size, bold) <= width {
                    line = candidate;
                } else if line.is_empty() {
                    let mut pieces = break_word(&word, size, bold, width);
                    line = pieces.remove(0);
                    for piece in pieces.into_iter().rev() {
                        words.push_front(piece);
                    }
                    break;
                } else {
                    words.push_front(word);
                    break;
                }
            }
            if !line.is_empty()
                && let Some(page) = pages.last_mut()
            {
                page.push(Placed { text: line, size, bold, x: MARGIN, y });
            }
            if words.is_empty() {
                break;
            }
        }
    }
    pages
}

/// The drawing operators of a QR code of `data` filling `area`.
fn qr_operations(data: &str, area: Rect) -> anyhow::Result<Vec<Operation>> {
    let code = QrCode::new(data.as_bytes())?;
    let modules = code.width();
    #[allow(clippy::cast_precision_loss)]
    let cell = (area.right - area.left) / modules as f32;
    let mut ops = vec![Operation::new("g", vec![0.into()])];
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            #[allow(clippy::cast_precision_loss)]
            let (col, row) = ((i % modules) as f32, (i / modules) as f32);
            ops.push(Operation::new(
                "re",
                vec![(area.left + col * cell).into(), (area.top - (row + 1.0) * cell).into(), cell.into(), cell.into()],
            ));
        }
    }
    ops.push(Operation::new("f", vec![]));
    Ok(ops)
}

/// An A4 PDF of `paragraphs` from the top, wrapped to fit, and, if given, a QR code of `qr`
/// in the top right corner of the first page with the text kept clear of it.
pub fn page(title: &str, paragraphs: &[Line], qr: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let regular =
        doc.add_object(dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding"});
    let bold = doc
        .add_object(dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold", "Encoding" => "WinAnsiEncoding"});
    let resources = doc.add_object(dictionary! {"Font" => dictionary! {"F1" => regular, "F2" => bold}});
    let area = qr.map(|_| qr_area());
    let mut kids: Vec<ObjectId> = Vec::new();
    for (number, lines) in lay_out(paragraphs, area).into_iter().enumerate() {
        let mut ops = Vec::new();
        for line in lines {
            ops.push(Operation::new("BT", vec![]));
            ops.push(Operation::new("Tf", vec![if line.bold { "F2" } else { "F1" }.into(), line.size.into()]));
            ops.push(Operation::new("Td", vec![line.x.into(), line.y.into()]));
            ops.push(Operation::new("Tj", vec![Object::string_literal(latin1(&line.text))]));
            ops.push(Operation::new("ET", vec![]));
        }
        if let (0, Some(data), Some(area)) = (number, qr, area) {
            ops.extend(qr_operations(data, area)?);
        }
        let content = doc.add_object(Stream::new(dictionary! {}, Content { operations: ops }.encode()?));
        kids.push(doc.add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content}));
    }
    let count = i64::try_from(kids.len())?;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids.into_iter().map(Object::from).collect::<Vec<_>>(),
            "Count" => count,
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

/// Reading a generated PDF back, for tests: where each line of text and the QR code ended
/// up, measured the way a viewer draws them.
#[cfg(test)]
pub(crate) mod measure {
    #![allow(clippy::unwrap_used)]
    use super::{ASCENT, DESCENT, HEIGHT, MARGIN, Rect, WIDTH, text_width};
    use lopdf::content::Content;
    use lopdf::{Document, Object};

    /// One line of text as printed.
    #[derive(Debug, Clone)]
    pub struct TextBox {
        pub text: String,
        /// The space its glyphs may cover.
        pub rect: Rect,
    }

    /// What one page holds.
    #[derive(Debug, Default)]
    pub struct PageBoxes {
        /// Lines of text.
        pub text: Vec<TextBox>,
        /// The QR code's extent, if the page has one.
        pub qr: Option<Rect>,
    }

    fn number(object: &Object) -> f32 {
        object.as_float().or_else(|_| object.as_i64().map(|i| i as f32)).unwrap()
    }

    /// Every page's text boxes (from `Tf`, `Td`/`Tm` and the string's width in the font's
    /// metrics) and its QR code's box (the union of its `re` squares).
    pub fn pages(pdf: &[u8]) -> Vec<PageBoxes> {
        let doc = Document::load_mem(pdf).unwrap();
        let mut out = Vec::new();
        for (_, id) in doc.get_pages() {
            let content = Content::decode(&doc.get_page_content(id)).unwrap();
            let mut page = PageBoxes::default();
            let (mut size, mut bold, mut x, mut y) = (0.0, false, 0.0, 0.0);
            for op in &content.operations {
                match op.operator.as_str() {
                    "BT" => (x, y) = (0.0, 0.0),
                    "Tf" => {
                        bold = op.operands[0].as_name().unwrap() == b"F2";
                        size = number(&op.operands[1]);
                    }
                    "Td" => (x, y) = (x + number(&op.operands[0]), y + number(&op.operands[1])),
                    "Tm" => (x, y) = (number(&op.operands[4]), number(&op.operands[5])),
                    "Tj" => {
                        let bytes = op.operands[0].as_str().unwrap();
                        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
                        let rect =
                            Rect { left: x, bottom: y - DESCENT * size, right: x + text_width(&text, size, bold), top: y + ASCENT * size };
                        page.text.push(TextBox { text, rect });
                    }
                    "re" => {
                        let [l, b, w, h] = [0, 1, 2, 3].map(|i| number(&op.operands[i]));
                        let square = Rect { left: l, bottom: b, right: l + w, top: b + h };
                        page.qr = Some(match page.qr {
                            None => square,
                            Some(r) => Rect {
                                left: r.left.min(square.left),
                                bottom: r.bottom.min(square.bottom),
                                right: r.right.max(square.right),
                                top: r.top.max(square.top),
                            },
                        });
                    }
                    _ => {}
                }
            }
            out.push(page);
        }
        out
    }

    /// Panics naming the first line of text that touches the QR code or leaves the page's
    /// margins; returns the pages for further checks.
    pub fn assert_clear(pdf: &[u8], what: &str) -> Vec<PageBoxes> {
        let pages = pages(pdf);
        for (n, page) in pages.iter().enumerate() {
            for line in &page.text {
                if let Some(qr) = page.qr {
                    assert!(
                        !line.rect.intersects(&qr),
                        "{what}, page {}: {:?} at {:?} overlaps the QR code at {qr:?}",
                        n + 1,
                        line.text,
                        line.rect
                    );
                }
                let r = line.rect;
                assert!(
                    r.left >= MARGIN && r.right <= WIDTH - MARGIN + 0.01 && r.bottom >= MARGIN - 0.01 && r.top <= HEIGHT,
                    "{what}, page {}: {:?} at {r:?} leaves the margins",
                    n + 1,
                    line.text
                );
            }
        }
        pages
    }
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

    #[test]
    fn widths_follow_the_font_metrics() {
        // "Huduma" in Helvetica: H 722 + u 556 + d 556 + u 556 + m 833 + a 556 = 3779.
        assert!((text_width("Huduma", 10.0, false) - 37.79).abs() < 0.001);
        assert!((text_width("Huduma", 10.0, true) - 40.0).abs() < 0.001, "bold is wider: {}", text_width("Huduma", 10.0, true));
        assert!(text_width("iiii", 11.0, false) < text_width("MMMM", 11.0, false), "not a character count");
        assert_eq!(text_width("Wairimu-Kamau", 11.0, false), text_width("Wairimu–Kamau", 11.0, false), "the dash prints as a hyphen");
        assert_eq!(text_width("é", 11.0, false), text_width("e", 11.0, false));
    }

    #[test]
    fn text_beside_the_code_is_wrapped_short_of_it_and_the_rest_uses_the_full_measure() {
        let sentence = "This is to certify that Wanjiku Nyambura Wairimu-Kamau Mwangi Njoroge, holder of identity document \
                        number 12345678, has no criminal record. "
            .repeat(6);
        let lines = [
            Line::heading("Directorate of Criminal Investigations", 12.0),
            Line::heading("Police clearance certificate", 18.0),
            Line::text("A short paragraph that fits beside the code."),
            Line::text(sentence),
        ];
        let pdf = page("Certificate", &lines, Some("https://huduma.go.ke/verify/certificates/C7K3MX9PQ2/AbCdEfGhJk")).unwrap();
        let pages = measure::assert_clear(&pdf, "certificate");
        let qr = pages[0].qr.unwrap();
        assert_eq!(qr, qr_area(), "the code is where the layout reserved it");
        let widest_beside = pages[0].text.iter().filter(|l| l.rect.top > qr.bottom).map(|l| l.rect.right).fold(0.0, f32::max);
        let widest_below = pages[0].text.iter().filter(|l| l.rect.top < qr.bottom).map(|l| l.rect.right).fold(0.0, f32::max);
        assert!(widest_beside < qr.left - QR_GAP + 0.01, "{widest_beside}");
        assert!(widest_below > qr.left, "below the code lines take the full width: {widest_below}");
        let long = pages[0].text.iter().filter(|l| l.text.contains("certify")).collect::<Vec<_>>();
        assert!(long[0].rect.top <= qr.bottom - QR_GAP + 0.01, "a long paragraph starts below the code, not beside it: {long:?}");
        assert!(pages[0].text.iter().any(|l| l.text.contains("fits beside") && l.rect.top > qr.bottom), "a short one stays beside it");
    }

    #[test]
    fn a_word_too_long_for_the_line_is_broken_and_overflow_goes_to_a_new_page() {
        let link = format!("https://huduma.go.ke/verify/certificates/{}", "C7K3MX9PQ2".repeat(12));
        let mut lines = vec![Line::text(link.clone())];
        lines.extend((0..60).map(|i| Line::text(format!("Line {i}"))));
        let pdf = page("Long", &lines, Some(&link)).unwrap();
        let pages = measure::assert_clear(&pdf, "long");
        assert_eq!(pages.len(), 2, "sixty lines do not fit one page");
        assert!(pages[1].qr.is_none(), "the code is printed once");
        let printed: String = pages[0].text.iter().take_while(|l| !l.text.starts_with("Line")).map(|l| l.text.as_str()).collect();
        assert_eq!(printed, link, "nothing of the link is lost");
    }
}

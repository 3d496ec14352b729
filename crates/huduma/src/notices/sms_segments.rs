//! How many SMS segments a text costs. A text made only of the GSM 03.38 alphabet goes as
//! GSM-7: 160 characters in one segment, 153 per segment once it is split (the rest carries
//! the reassembly header), and the extension table's characters (`{ } [ ] ~ | ^ \ €`)
//! count double because each is sent as an escape and a character. One character outside
//! both tables sends the whole text as UCS-2: 70 UTF-16 units, 67 per segment when split.
//! Operators charge per segment and some phones show split texts out of order, so our
//! templates are written to fit one.

/// The GSM 03.38 default alphabet (one septet each).
const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table (an escape septet and one more each).
const EXTENSION: &str = "\u{0C}^{}\\[~]|€";

/// How a text travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The 7-bit GSM alphabet.
    Gsm7,
    /// UTF-16, for any text with a character the GSM alphabet lacks.
    Ucs2,
}

/// The cost of one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    /// How it is encoded.
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 units (UCS-2).
    pub units: usize,
    /// Segments sent.
    pub count: usize,
}

/// Septets `c` takes in GSM-7, or `None` when it is not in the alphabet.
fn septets(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Whether every character of `text` can be sent as GSM-7.
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| septets(c).is_some())
}

/// Segments `text` costs.
pub fn count(text: &str) -> Segments {
    let (encoding, sizes): (Encoding, Vec<usize>) = if is_gsm7(text) {
        (Encoding::Gsm7, text.chars().filter_map(septets).collect())
    } else {
        (Encoding::Ucs2, text.chars().map(char::len_utf16).collect())
    };
    let (single, part) = match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    let units = sizes.iter().sum();
    if units <= single {
        return Segments { encoding, units, count: 1 };
    }
    // An escape and its character, or a surrogate pair, never straddle two segments:
    // a character that does not fit whole starts the next one.
    let (mut count, mut used) = (1, 0);
    for size in sizes {
        if used + size > part {
            count += 1;
            used = 0;
        }
        used += size;
    }
    Segments { encoding, units, count }
}

/// `text` with the typographic punctuation phones and word processors put in (curly
/// quotes, dashes, the ellipsis, non-breaking spaces) replaced by their GSM-7 look-alikes,
/// so one such character typed by an officer does not cut every segment to 70 characters.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' | '`' | '\u{B4}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' | '\u{AB}' | '\u{BB}' => out.push('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            '\u{A0}' | '\u{2007}' | '\u{202F}' | '\u{2009}' | '\t' => out.push(' '),
            '\u{2022}' | '\u{B7}' => out.push('-'),
            _ => out.push(c),
        }
    }
    out
}

/// `template` with `{free}` replaced by `free_text`, shortened at a word boundary (and
/// marked with "...") as far as needed for the whole text to fit in `budget` segments.
/// The free text is what a person typed — an officer's question, a revocation's reason —
/// and is given in full in the email and on the page the message links to.
pub fn fit(template: &str, free_text: &str, budget: usize) -> String {
    let (template, free_text) = (plain(template), plain(free_text));
    let whole = template.replace("{free}", &free_text);
    if count(&whole).count <= budget {
        return whole;
    }
    let words: Vec<&str> = free_text.split_whitespace().collect();
    for keep in (0..words.len()).rev() {
        let shortened = if keep == 0 { "...".to_owned() } else { format!("{}...", words[..keep].join(" ")) };
        let text = template.replace("{free}", &shortened);
        if count(&text).count <= budget {
            return text;
        }
    }
    template.replace("{free}", "...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm7_fills_160_then_153_per_segment() {
        assert_eq!(count(""), Segments { encoding: Encoding::Gsm7, units: 0, count: 1 });
        assert_eq!(count(&"a".repeat(160)).count, 1);
        assert_eq!(count(&"a".repeat(161)).count, 2);
        assert_eq!(count(&"a".repeat(306)).count, 2);
        assert_eq!(count(&"a".repeat(307)).count, 3);
    }

    #[test]
    fn the_extension_table_counts_double_and_is_never_split() {
        assert_eq!(count(&"{".repeat(80)), Segments { encoding: Encoding::Gsm7, units: 160, count: 1 });
        assert_eq!(count(&format!("{}€", "a".repeat(159))).count, 2);
        // 152 septets then an escape pair: 154 would cross the first segment's 153.
        let text = format!("{}[{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(count(&text), Segments { encoding: Encoding::Gsm7, units: 164, count: 2 });
        let text = format!("{}[{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(count(&text).count, 3, "the pair moved to segment two, which then overflows");
    }

    #[test]
    fn one_character_outside_the_alphabet_makes_it_ucs2() {
        let text = format!("{}\u{2019}", "a".repeat(69));
        assert_eq!(count(&text), Segments { encoding: Encoding::Ucs2, units: 70, count: 1 });
        assert_eq!(count(&format!("{text}a")).count, 2);
        assert_eq!(count(&"a".repeat(134).replace('a', "\u{2013}")).count, 2);
        assert_eq!(count(&"\u{2013}".repeat(135)).count, 3);
        assert_eq!(count("Mstari wa pili: ñ €").encoding, Encoding::Gsm7);
        assert_eq!(count("`").encoding, Encoding::Ucs2, "the backtick is not in GSM 03.38");
    }

    #[test]
    fn typographic_punctuation_becomes_gsm7() {
        let typed = "O\u{2019}Brien said \u{201C}bring it\u{201D} \u{2013} today\u{2026}";
        assert_eq!(plain(typed), "O'Brien said \"bring it\" - today...");
        assert!(is_gsm7(&plain(typed)));
    }

    #[test]
    fn free_text_is_shortened_at_a_word_to_fit() {
        let template = "Huduma: your application was returned. {free} See https://huduma.go.ke/track";
        let short = fit(template, "Please upload a clearer copy of your ID card.", 1);
        assert!(short.contains("clearer copy of your ID card."), "{short}");
        let long = "Please upload a clearer copy of both sides of your ID card, and your KRA PIN certificate too. ".repeat(5);
        let fitted = fit(template, &long, 1);
        assert_eq!(count(&fitted).count, 1, "{fitted}");
        assert!(fitted.contains("Please upload a clearer") && fitted.contains("... See https://huduma.go.ke/track"), "{fitted}");
        assert_eq!(count(&fit(template, &long, 2)).count, 2);
    }
}

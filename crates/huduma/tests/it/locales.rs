//! Every user-facing string is translated: both languages have the same keys, and every
//! key the code and templates use exists.

use huduma::i18n::{EN_SOURCE, SW_SOURCE, flatten};
use std::collections::BTreeSet;
use std::path::Path;

fn keys(source: &str) -> BTreeSet<String> {
    flatten(source).expect("locale parses").into_keys().collect()
}

#[test]
fn english_and_kiswahili_have_the_same_keys() {
    let (en, sw) = (keys(EN_SOURCE), keys(SW_SOURCE));
    let missing_sw: Vec<_> = en.difference(&sw).collect();
    let missing_en: Vec<_> = sw.difference(&en).collect();
    assert!(missing_sw.is_empty() && missing_en.is_empty(), "missing in sw: {missing_sw:?}; missing in en: {missing_en:?}");
    let en_map = flatten(EN_SOURCE).expect("en");
    let sw_map = flatten(SW_SOURCE).expect("sw");
    for (key, english) in &en_map {
        for placeholder in english.split('{').skip(1).filter_map(|p| p.split_once('}')).map(|(name, _)| name) {
            assert!(sw_map[key].contains(&format!("{{{placeholder}}}")), "sw `{key}` lacks {{{placeholder}}}");
        }
    }
    let untranslated: Vec<_> = en_map.iter().filter(|(k, v)| v.len() > 25 && sw_map.get(*k) == Some(v)).map(|(k, _)| k).collect();
    assert!(untranslated.is_empty(), "copied, not translated: {untranslated:?}");
}

/// String literals passed to the translation calls in a file.
fn literal_args(text: &str, call: &str) -> Vec<String> {
    text.match_indices(call).filter_map(|(i, _)| text[i + call.len()..].split('"').next().map(str::to_owned)).collect()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

#[test]
fn every_key_used_exists() {
    let en = keys(EN_SOURCE);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("templates"), "html", &mut sources);
    files(&root.join("src"), "rs", &mut sources);
    let mut used = BTreeSet::new();
    for file in &sources {
        let text = std::fs::read_to_string(file).expect("read");
        for call in ["page.t(\"", "page.f1(\"", "tr.t(\"", "tr.f(\"", "ctx.page(\"", ".tr().t(\"", "Page::bare(app, language, \""] {
            used.extend(literal_args(&text, call));
        }
    }
    // Keys built at run time from a fixed set of values.
    for kind in ["citizen", "resident", "visitor"] {
        used.extend([
            format!("account_type.{kind}"),
            format!("account_type.{kind}_hint"),
            format!("register.identity_intro_{kind}"),
            format!("register.document_{kind}"),
            format!("register.document_{kind}_hint"),
        ]);
    }
    for doc in ["national_id", "alien_card", "passport"] {
        used.insert(format!("document.{doc}"));
    }
    for purpose in ["verify_phone", "verify_email", "sign_in", "reset", "contact"] {
        used.insert(format!("message.code_email_body_{purpose}"));
    }
    let missing: Vec<_> = used.iter().filter(|k| !k.is_empty() && !en.contains(*k)).collect();
    assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
    assert!(used.len() > 150, "the scan found the calls ({} keys)", used.len());
}

#[test]
fn every_error_code_has_a_message() {
    let en = keys(EN_SOURCE);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("src"), "rs", &mut sources);
    files(&root.join("../domain/src"), "rs", &mut sources);
    let mut codes = BTreeSet::new();
    for file in &sources {
        let text = std::fs::read_to_string(file).expect("read");
        for line in text.lines() {
            for (i, _) in line.match_indices('"') {
                let rest = &line[i + 1..];
                let Some(literal) = rest.split('"').next() else { continue };
                let shaped = literal.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && literal.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                        && literal.matches('.').count() == 1
                });
                let is_error_site = [
                    "field(",
                    "InvalidInput::new(",
                    "Unavailable(",
                    "single(",
                    "PageError::new(",
                    "throttled(",
                    "ApiError::new(",
                    "code: \"",
                    "=> \"",
                ]
                .iter()
                .any(|m| line.contains(m));
                if shaped && is_error_site && !en.contains(literal) {
                    codes.insert(literal.to_owned());
                }
            }
        }
    }
    for code in ["rate_limited", "csrf.invalid", "not_found", "internal", "unauthorized", "flow.expired", "body.too_large", "body.invalid"]
    {
        codes.insert(code.to_owned());
    }
    let missing: Vec<_> = codes.iter().filter(|c| !en.contains(&format!("error.{c}"))).collect();
    assert!(missing.is_empty(), "error codes without a message: {missing:?}");
    assert!(codes.len() > 30, "the scan found the codes ({})", codes.len());
}

/// English month names, and the abbreviations Kiswahili does not share.
const ENGLISH_MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const ENGLISH_ONLY_ABBREVIATIONS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Pieces of English strings a Kiswahili page must not show: each English value cut at
/// its `{placeholders}`, keeping pieces with a word of four letters or a colon (the
/// screen-reader "Error:") that no Kiswahili string also contains (brand names, "M-Pesa").
fn english_only_pieces() -> &'static [String] {
    static PIECES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    PIECES.get_or_init(|| {
        let sw: Vec<String> = flatten(SW_SOURCE).expect("sw").into_values().collect();
        let mut pieces: BTreeSet<String> = BTreeSet::new();
        for value in flatten(EN_SOURCE).expect("en").into_values() {
            for (i, piece) in value.split('{').enumerate() {
                let text = if i == 0 { piece } else { piece.split_once('}').map_or("", |(_, rest)| rest) };
                let text = text.trim_matches(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '·' || c == '–');
                let wordy = text.split(|c: char| !c.is_alphabetic()).any(|w| w.chars().count() >= 4) || text.ends_with(':');
                if wordy && text.chars().any(char::is_lowercase) && !sw.iter().any(|s| s.contains(text)) {
                    pieces.insert(text.to_owned());
                }
            }
        }
        pieces.into_iter().collect()
    })
}

/// Whether `needle` occurs in `text` as whole words.
fn contains_words(text: &str, needle: &str) -> bool {
    let starts_word = needle.chars().next().is_some_and(char::is_alphanumeric);
    let ends_word = needle.chars().last().is_some_and(char::is_alphanumeric);
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        (!starts_word || !before.is_some_and(char::is_alphanumeric)) && (!ends_word || !after.is_some_and(char::is_alphanumeric))
    })
}

/// The English a Kiswahili page still shows: strings of the English locale file that are
/// not Kiswahili ones, and dates with English month names (`18 Nov 2026`, `November`).
pub fn english_leftovers(text: &str) -> Vec<String> {
    let mut found: Vec<String> = english_only_pieces().iter().filter(|p| contains_words(text, p)).map(|p| format!("{p:?}")).collect();
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    for (i, word) in words.iter().enumerate() {
        let dated = |j: Option<usize>, len: std::ops::RangeInclusive<usize>| {
            j.and_then(|j| words.get(j)).is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()) && len.contains(&w.len()))
        };
        let abbreviated = ENGLISH_ONLY_ABBREVIATIONS.contains(word) && dated(i.checked_sub(1), 1..=2) && dated(Some(i + 1), 4..=4);
        if ENGLISH_MONTHS.contains(word) || abbreviated {
            found.push(format!("month {word:?}"));
        }
    }
    found.dedup();
    found
}

#[test]
fn english_leftovers_are_found_on_a_kiswahili_page() {
    let en = flatten(EN_SOURCE).expect("en");
    let sw = flatten(SW_SOURCE).expect("sw");
    // A whole Kiswahili page's worth of strings shows no English…
    let kiswahili: String = sw.values().cloned().collect::<Vec<_>>().join("\n");
    assert_eq!(english_leftovers(&kiswahili), Vec::<String>::new());
    assert_eq!(english_leftovers("Ilipokelewa 18 Novemba 2026, 14:06 · Jan Mwangi"), Vec::<String>::new());
    // …and each kind of leftover is caught.
    let page = format!("Ada {} · {} · 18 Nov 2026", en["service.convenience_fee"], en["application.error_prefix"]);
    let found = english_leftovers(&page);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(english_leftovers("Ilitumwa 3 September"), vec!["month \"September\"".to_owned()]);
}

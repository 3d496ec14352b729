//! Catalogue search in English and Kiswahili: ranked by where words match (name, then
//! keywords, summary, agency and category, description), tolerant of one typo per word,
//! prefixes ("cert" → certificate) and the abbreviations people type (DL, ID, KRA, TCC).

use super::check::Catalogue;
use super::definition::{Agency, Category, Service, ShortName};
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// Weight of a match by where it is: a small whole number, so that the index keeps one
/// byte per posting.
pub type Weight = u8;
/// Weight of a word in a name or title.
pub const NAME: Weight = 10;
/// Weight of a keyword.
pub const KEYWORD: Weight = 8;
/// Weight of a word in a summary.
pub const SUMMARY: Weight = 4;
const OWNER: Weight = 3;
/// Weight of a word in a description or body.
pub const DESCRIPTION: Weight = 1;
/// How much a match is worth by how exact it is.
const EXACT: f32 = 1.0;
const PREFIX: f32 = 0.8;
const TYPO: f32 = 0.7;
/// Prefix matching starts at this many characters; typos are forgiven from this length.
const MIN_PREFIX: usize = 3;
const MIN_TYPO: usize = 4;
/// At most this many query words count.
const MAX_SLOTS: usize = 8;

/// Words that carry no meaning for search, in both languages.
const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "of",
    "for",
    "and",
    "to",
    "in",
    "on",
    "my",
    "your",
    "i",
    "how",
    "do",
    "get",
    "apply",
    "application",
    "online",
    "new",
    "ya",
    "wa",
    "cha",
    "la",
    "za",
    "na",
    "kwa",
    "vya",
    "kupata",
    "kuomba",
    "ombi",
    "huduma",
];

/// Abbreviations and other names people use → words of the catalogue. Agencies' acronyms
/// are not here: each agency's file says what its acronym means (`acronym_means`).
const SYNONYMS: &[(&str, &[&str])] = &[
    ("dl", &["driving", "licence"]),
    ("id", &["identity", "card"]),
    ("tcc", &["tax", "compliance", "certificate"]),
    ("pin", &["kra", "pin"]),
    ("clearance", &["good", "conduct"]),
    ("license", &["licence"]),
    ("licenses", &["licence"]),
    ("cert", &["certificate"]),
    ("visa", &["electronic", "travel", "authorisation"]),
    ("eta", &["electronic", "travel", "authorisation"]),
    ("kitambulisho", &["identity", "card"]),
];

/// Lower-case words of a text, without punctuation.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\'').replace('\'', "").to_lowercase())
        .filter(|w| !w.is_empty())
}

/// A search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Service code.
    pub code: String,
    /// Relevance (higher is better).
    pub score: f32,
}

#[derive(Debug)]
struct Doc {
    code: String,
    agency: String,
    category: String,
}

/// An in-memory index of the live catalogue, rebuilt when the catalogue changes. Laid out
/// flat (sorted arrays, one postings array) because every node holds it for the real
/// portal's 22,500 services: maps of small strings would cost several times as much.
#[derive(Debug, Default)]
pub struct SearchIndex {
    docs: Vec<Doc>,
    /// Every term, sorted; a term's id is its position.
    terms: Vec<Box<str>>,
    /// Postings of term `t` are `postings[offsets[t]..offsets[t + 1]]`.
    offsets: Vec<u32>,
    /// The documents a term occurs in, by term, then document.
    postings: Vec<u32>,
    /// The weight of the best place it occurs in each (apart: five bytes a posting, not eight).
    weights: Vec<Weight>,
    /// Every term with one character deleted, as (hash of the deletion, term id), sorted:
    /// typo matching. A hash can collide, so a candidate found here is confirmed.
    deletes: Vec<(u64, u32)>,
    /// Agencies' acronyms (lower case) → the words they stand for, from the catalogue.
    acronyms: HashMap<String, Vec<String>>,
}

fn one_deletion(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len()).map(|i| chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).collect()).collect()
}

/// Whether deleting one character of `term` gives `deleted`.
fn is_one_deletion(term: &str, deleted: &str) -> bool {
    let (mut t, mut d) = (term.chars(), deleted.chars());
    let mut skipped = false;
    loop {
        match (t.next(), d.clone().next()) {
            (None, None) => return skipped,
            (Some(a), Some(b)) if a == b => {
                d.next();
            }
            (Some(_), _) if !skipped => skipped = true,
            _ => return false,
        }
    }
}

/// The hash the deletion table is keyed by (fixed keys: computed and looked up in one process).
fn deletion_hash(text: &str) -> u64 {
    std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(text)
}

/// Builds a [`SearchIndex`] one service (or document) at a time, so a large catalogue can
/// be indexed as it is read, without holding every definition.
#[derive(Debug, Default)]
pub struct IndexBuilder {
    docs: Vec<Doc>,
    terms: HashMap<String, u32>,
    postings: Vec<Vec<(u32, Weight)>>,
    acronyms: HashMap<String, Vec<String>>,
    /// What a service's agency adds to it: the agency's names.
    agency_texts: HashMap<String, Vec<String>>,
    /// What a service's category adds to it: the category's names.
    category_texts: HashMap<String, Vec<String>>,
}

impl IndexBuilder {
    /// A builder for services of these agencies and categories.
    pub fn new(agencies: &[Agency], categories: &[Category]) -> Self {
        let mut builder = Self::default();
        for agency in agencies {
            if let (Some(ShortName::Same(acronym)), false) = (&agency.short_name, agency.acronym_means.is_empty()) {
                let means = agency.acronym_means.iter().flat_map(|w| words(w).collect::<Vec<_>>()).collect();
                builder.acronyms.insert(acronym.to_lowercase(), means);
            }
            let a = agency.name.get_ref();
            let mut texts = vec![a.en.clone(), a.sw.clone()];
            for language in crate::Language::ALL {
                if let Some(short) = &agency.short_name {
                    texts.push(short.get(language).to_owned());
                }
            }
            builder.agency_texts.insert(agency.code.get_ref().clone(), texts);
        }
        for category in categories {
            let c = category.name.get_ref();
            builder.category_texts.insert(category.code.get_ref().clone(), vec![c.en.clone(), c.sw.clone()]);
        }
        builder
    }

    /// Indexes one service.
    pub fn add(&mut self, service: &Service) {
        let mut texts: Vec<(&str, Weight)> = Vec::new();
        for (text, weight) in [(&service.name, NAME), (&service.summary, SUMMARY), (&service.description, DESCRIPTION)] {
            texts.push((&text.get_ref().en, weight));
            texts.push((&text.get_ref().sw, weight));
        }
        for keyword in service.keywords.en.iter().chain(&service.keywords.sw) {
            texts.push((keyword, KEYWORD));
        }
        let agency = self.agency_texts.get(&service.agency).cloned().unwrap_or_default();
        let category = self.category_texts.get(service.category.get_ref()).cloned().unwrap_or_default();
        texts.extend(agency.iter().chain(&category).map(|t| (t.as_str(), OWNER)));
        let doc =
            Doc { code: service.code.get_ref().clone(), agency: service.agency.clone(), category: service.category.get_ref().clone() };
        self.add_document(doc, &texts);
    }

    fn add_document(&mut self, doc: Doc, texts: &[(&str, Weight)]) {
        let id = self.docs.len() as u32;
        self.docs.push(doc);
        let mut best: HashMap<u32, Weight> = HashMap::new();
        for (text, weight) in texts {
            for word in words(text) {
                let term = self.term_id(word);
                let b = best.entry(term).or_insert(0);
                *b = (*b).max(*weight);
            }
        }
        for (term, weight) in best {
            self.postings[term as usize].push((id, weight));
        }
    }

    fn term_id(&mut self, word: String) -> u32 {
        if let Some(id) = self.terms.get(&word) {
            return *id;
        }
        let id = self.postings.len() as u32;
        self.terms.insert(word, id);
        self.postings.push(Vec::new());
        id
    }

    /// The finished index.
    pub fn finish(self) -> SearchIndex {
        let mut terms: Vec<(String, u32)> = self.terms.into_iter().collect();
        terms.sort_unstable();
        let mut offsets = Vec::with_capacity(terms.len() + 1);
        let total = self.postings.iter().map(Vec::len).sum();
        let (mut postings, mut weights) = (Vec::with_capacity(total), Vec::with_capacity(total));
        let mut old = self.postings;
        let mut deletes = Vec::new();
        for (new_id, (term, old_id)) in terms.iter().enumerate() {
            offsets.push(postings.len() as u32);
            let mut list = std::mem::take(&mut old[*old_id as usize]);
            list.sort_unstable_by_key(|(doc, _)| *doc);
            postings.extend(list.iter().map(|(doc, _)| *doc));
            weights.extend(list.iter().map(|(_, weight)| *weight));
            if term.chars().count() >= MIN_TYPO {
                deletes.extend(one_deletion(term).iter().map(|d| (deletion_hash(d), new_id as u32)));
            }
        }
        offsets.push(postings.len() as u32);
        deletes.sort_unstable();
        deletes.dedup();
        let mut docs = self.docs;
        docs.shrink_to_fit();
        SearchIndex {
            docs,
            terms: terms.into_iter().map(|(t, _)| t.into_boxed_str()).collect(),
            offsets,
            postings,
            weights,
            deletes,
            acronyms: self.acronyms,
        }
    }
}

impl SearchIndex {
    /// Indexes every service of a catalogue.
    pub fn build(catalogue: &Catalogue) -> Self {
        let mut builder = IndexBuilder::new(&catalogue.agencies, &catalogue.categories);
        for service in &catalogue.services {
            builder.add(service);
        }
        builder.finish()
    }

    /// Indexes any documents: a code and weighted texts each (the help centre uses it).
    /// Such documents have no agency or category, so filters on those find nothing.
    pub fn from_documents<'a>(documents: impl IntoIterator<Item = (String, Vec<(&'a str, Weight)>)>) -> Self {
        let mut builder = IndexBuilder::default();
        for (code, texts) in documents {
            builder.add_document(Doc { code, agency: String::new(), category: String::new() }, &texts);
        }
        builder.finish()
    }

    /// The id of a term.
    fn term(&self, word: &str) -> Option<u32> {
        self.terms.binary_search_by(|t| (**t).cmp(word)).ok().map(|i| i as u32)
    }

    /// The postings of a term.
    fn postings_of(&self, term: u32) -> impl Iterator<Item = (u32, Weight)> + '_ {
        let t = term as usize;
        let range = self.offsets[t] as usize..self.offsets[t + 1] as usize;
        self.postings[range.clone()].iter().copied().zip(self.weights[range].iter().copied())
    }

    /// Terms, postings and deletion entries held (what the index's memory grows with).
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.terms.len(), self.postings.len(), self.deletes.len())
    }

    /// Number of indexed services.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Terms matching one query word, with how exactly they match.
    fn candidates(&self, word: &str) -> Vec<(u32, f32)> {
        let mut found: HashMap<u32, f32> = HashMap::new();
        let mut note = |id: u32, quality: f32| {
            let q = found.entry(id).or_insert(0.0);
            *q = q.max(quality);
        };
        if let Some(id) = self.term(word) {
            note(id, EXACT);
        }
        let length = word.chars().count();
        if length >= MIN_PREFIX {
            let from = self.terms.partition_point(|t| **t < *word);
            for (i, _) in self.terms[from..].iter().enumerate().take_while(|(_, t)| t.starts_with(word)).take(64) {
                note((from + i) as u32, PREFIX);
            }
        }
        if length >= MIN_TYPO {
            // Deletion neighbourhoods meet for one insertion, deletion or substitution.
            let mut keys = one_deletion(word);
            keys.push(word.to_owned());
            for key in keys {
                let hash = deletion_hash(&key);
                let from = self.deletes.partition_point(|(h, _)| *h < hash);
                for (_, id) in self.deletes[from..].iter().take_while(|(h, _)| *h == hash) {
                    if is_one_deletion(&self.terms[*id as usize], &key) {
                        note(*id, TYPO);
                    }
                }
                if let Some(id) = self.term(&key) {
                    note(id, TYPO);
                }
            }
        }
        found.into_iter().collect()
    }

    /// Searches, optionally within an agency and/or a category. Results are ranked by how
    /// many query words matched, then by score; at most `limit` are returned, with the
    /// total number of matches.
    pub fn search(&self, query: &str, agency: Option<&str>, category: Option<&str>, limit: usize) -> (Vec<Hit>, usize) {
        let mut slots: Vec<Vec<Vec<String>>> = Vec::new();
        let query_words: Vec<String> = words(query).filter(|w| !STOP_WORDS.contains(&w.as_str())).collect();
        for word in query_words.iter().take(MAX_SLOTS) {
            let mut alternatives = vec![vec![word.clone()]];
            if let Some(expansion) = self.acronyms.get(word) {
                alternatives.push(expansion.clone());
            } else if let Some((_, expansion)) = SYNONYMS.iter().find(|(k, _)| k == word) {
                alternatives.push(expansion.iter().map(|w| (*w).to_owned()).collect());
            }
            slots.push(alternatives);
        }
        // Dense per-document accumulators: at 22,500 services, arrays beat hash maps by an
        // order of magnitude. `touched` lists the documents to visit afterwards.
        let n = self.docs.len();
        let mut matched_slots = vec![0u32; n];
        let mut total = vec![0f32; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut slot_best = vec![0f32; n];
        let mut word_best = vec![0f32; n];
        let mut alt_count = vec![0u32; n];
        let mut alt_sum = vec![0f32; n];
        for alternatives in &slots {
            let mut slot_docs: Vec<u32> = Vec::new();
            for alternative in alternatives {
                let mut alt_docs: Vec<u32> = Vec::new();
                for word in alternative {
                    let mut word_docs: Vec<u32> = Vec::new();
                    for (term, quality) in self.candidates(word) {
                        for (doc, weight) in self.postings_of(term) {
                            let d = doc as usize;
                            if word_best[d] == 0.0 {
                                word_docs.push(doc);
                            }
                            word_best[d] = word_best[d].max(quality * f32::from(weight));
                        }
                    }
                    for doc in word_docs {
                        let d = doc as usize;
                        if alt_count[d] == 0 {
                            alt_docs.push(doc);
                        }
                        alt_count[d] += 1;
                        alt_sum[d] += word_best[d];
                        word_best[d] = 0.0;
                    }
                }
                // An expansion counts only when all of its words match.
                for doc in alt_docs {
                    let d = doc as usize;
                    if alt_count[d] as usize == alternative.len() {
                        if slot_best[d] == 0.0 {
                            slot_docs.push(doc);
                        }
                        slot_best[d] = slot_best[d].max(alt_sum[d] / alternative.len() as f32);
                    }
                    alt_count[d] = 0;
                    alt_sum[d] = 0.0;
                }
            }
            for doc in slot_docs {
                let d = doc as usize;
                if matched_slots[d] == 0 {
                    touched.push(doc);
                }
                matched_slots[d] += 1;
                total[d] += slot_best[d];
                slot_best[d] = 0.0;
            }
        }
        let keep = |doc: &Doc| agency.is_none_or(|a| doc.agency == a) && category.is_none_or(|c| doc.category == c);
        let needed = slots.len().div_ceil(2) as u32;
        let mut hits: Vec<(u32, f32, &Doc)> = touched
            .into_iter()
            .map(|d| (matched_slots[d as usize], total[d as usize], &self.docs[d as usize]))
            .filter(|(matched, _, doc)| *matched >= needed.max(1) && keep(doc))
            .collect();
        let order = |a: &(u32, f32, &Doc), b: &(u32, f32, &Doc)| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.code.cmp(&b.2.code));
        let total = hits.len();
        // Only the first `limit` need ordering: select them, then sort those.
        if limit < hits.len() {
            hits.select_nth_unstable_by(limit, order);
            hits.truncate(limit);
        }
        hits.sort_by(order);
        let hits = hits.into_iter().map(|(_, score, doc)| Hit { code: doc.code.clone(), score }).collect();
        (hits, total)
    }

    /// Every service of an agency or category (browsing), by code.
    pub fn codes_where(&self, agency: Option<&str>, category: Option<&str>) -> HashSet<&str> {
        self.docs
            .iter()
            .filter(|d| agency.is_none_or(|a| d.agency == a) && category.is_none_or(|c| d.category == c))
            .map(|d| d.code.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_punctuation_and_apostrophes() {
        assert_eq!(words("Ng'ang'a's KRA-PIN, (new)").collect::<Vec<_>>(), ["ngangas", "kra", "pin", "new"]);
    }

    #[test]
    fn one_deletion_is_recognised_exactly() {
        for term in ["passport", "aab", "kra", "leseni"] {
            for deleted in one_deletion(term) {
                assert!(is_one_deletion(term, &deleted), "{term} → {deleted}");
            }
            assert!(!is_one_deletion(term, term));
        }
        assert!(!is_one_deletion("passport", "pasprt"));
        assert!(!is_one_deletion("passport", "xassport"));
        assert!(!is_one_deletion("ab", "abc"));
    }

    #[test]
    fn deletions_cover_one_typo() {
        assert!(
            one_deletion("pasport").iter().any(|d| one_deletion("passport").contains(d))
                || one_deletion("passport").contains(&"pasport".to_owned())
        );
    }
}

//! The help centre's articles: Markdown files with TOML front matter, one per article and
//! language (`help/en/<slug>.md`, `help/sw/<slug>.md`), checked strictly and searchable in
//! both languages.

use crate::Language;
use crate::catalogue::search::{DESCRIPTION, KEYWORD, NAME, SUMMARY, SearchIndex, Weight};
use serde::Deserialize;
use std::collections::HashMap;

/// The topics, in display order.
pub const TOPICS: [&str; 6] = ["getting-started", "signing-in", "applying", "paying", "tracking", "staying-safe"];

/// Front matter of an article.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    topic: String,
    summary: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    errors: Vec<String>,
}

/// One article in one language.
#[derive(Debug, Clone)]
pub struct Article {
    /// Stable slug (the file name).
    pub slug: String,
    pub language: Language,
    pub title: String,
    /// Topic code.
    pub topic: String,
    /// One line.
    pub summary: String,
    /// Search words.
    pub keywords: Vec<String>,
    /// Error codes whose messages link here.
    pub errors: Vec<String>,
    /// Markdown body.
    pub body: String,
}

/// Parses `+++\n<toml>\n+++\n<markdown>`.
pub fn parse(slug: &str, language: Language, text: &str) -> Result<Article, String> {
    let rest = text.trim_start_matches('\u{feff}').strip_prefix("+++").ok_or("the file must start with +++ front matter")?;
    let (front, body) = rest.split_once("\n+++").ok_or("the front matter has no closing +++")?;
    let meta: FrontMatter = toml::from_str(front).map_err(|e| format!("front matter: {e}"))?;
    if !TOPICS.contains(&meta.topic.as_str()) {
        return Err(format!("unknown topic `{}` (use one of {})", meta.topic, TOPICS.join(", ")));
    }
    if meta.title.trim().is_empty() || meta.summary.trim().is_empty() {
        return Err("title and summary must not be empty".into());
    }
    if slug.is_empty() || !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err(format!("slug `{slug}` must be lower case letters, digits and dashes"));
    }
    Ok(Article {
        slug: slug.to_owned(),
        language,
        title: meta.title,
        topic: meta.topic,
        summary: meta.summary,
        keywords: meta.keywords,
        errors: meta.errors,
        body: body.trim_start_matches(['\r', '\n']).to_owned(),
    })
}

/// Every article, indexed for search and for error links.
#[derive(Debug, Default)]
pub struct HelpCentre {
    articles: HashMap<(String, Language), Article>,
    slugs: Vec<String>,
    by_error: HashMap<String, String>,
    index: SearchIndex,
}

impl HelpCentre {
    /// Builds the help centre; every slug must exist in both languages, and an error code
    /// may point at one article only.
    pub fn build(articles: Vec<Article>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let mut map: HashMap<(String, Language), Article> = HashMap::new();
        let mut by_error: HashMap<String, String> = HashMap::new();
        for article in articles {
            for code in &article.errors {
                match by_error.get(code) {
                    Some(other) if other != &article.slug => {
                        problems.push(format!("error `{code}` is claimed by `{other}` and `{}`", article.slug))
                    }
                    _ => {
                        by_error.insert(code.clone(), article.slug.clone());
                    }
                }
            }
            map.insert((article.slug.clone(), article.language), article);
        }
        let mut slugs: Vec<String> = map.keys().map(|(s, _)| s.clone()).collect();
        slugs.sort();
        slugs.dedup();
        for slug in &slugs {
            for language in [Language::En, Language::Sw] {
                if !map.contains_key(&(slug.clone(), language)) {
                    problems.push(format!("`{slug}` has no {} version", language.tag()));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let documents: Vec<(String, Vec<(&str, Weight)>)> = slugs
            .iter()
            .map(|slug| {
                let mut texts: Vec<(&str, Weight)> = Vec::new();
                for language in [Language::En, Language::Sw] {
                    if let Some(a) = map.get(&(slug.clone(), language)) {
                        texts.push((&a.title, NAME));
                        texts.push((&a.summary, SUMMARY));
                        texts.push((&a.body, DESCRIPTION));
                        texts.extend(a.keywords.iter().map(|k| (k.as_str(), KEYWORD)));
                    }
                }
                (slug.clone(), texts)
            })
            .collect();
        let index = SearchIndex::from_documents(documents);
        Ok(Self { articles: map, slugs, by_error, index })
    }

    /// An article in `language`.
    pub fn article(&self, slug: &str, language: Language) -> Option<&Article> {
        self.articles.get(&(slug.to_owned(), language))
    }

    /// Every article of a topic in `language`, by title.
    pub fn topic(&self, topic: &str, language: Language) -> Vec<&Article> {
        let mut found: Vec<&Article> = self.slugs.iter().filter_map(|s| self.article(s, language)).filter(|a| a.topic == topic).collect();
        found.sort_by(|a, b| a.title.cmp(&b.title));
        found
    }

    /// The article that explains an error, if any.
    pub fn for_error(&self, code: &str) -> Option<&str> {
        self.by_error.get(code).map(String::as_str)
    }

    /// Every error code with its article (for the app's quick look-up).
    pub fn error_links(&self) -> HashMap<String, String> {
        self.by_error.clone()
    }

    /// Articles matching a query in either language, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<String> {
        self.index.search(query, None, None, limit).0.into_iter().map(|h| h.code).collect()
    }

    /// Number of articles (per language).
    pub fn len(&self) -> usize {
        self.slugs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.slugs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn article(slug: &str, language: Language, title: &str, errors: &str) -> Article {
        parse(slug, language, &format!("+++\ntitle = \"{title}\"\ntopic = \"paying\"\nsummary = \"s\"\nkeywords = [\"mpesa\"]\nerrors = [{errors}]\n+++\n\nBody text.")).unwrap()
    }

    #[test]
    fn parses_and_checks_front_matter() {
        let a = article("pay-with-mpesa", Language::En, "Pay with M-Pesa", "\"payment.mpesa.cancelled\"");
        assert_eq!(a.body, "Body text.");
        assert!(parse("x", Language::En, "no front matter").is_err());
        assert!(
            parse("x", Language::En, "+++\ntitle = \"t\"\ntopic = \"nope\"\nsummary = \"s\"\n+++\n").unwrap_err().contains("unknown topic")
        );
        assert!(parse("Bad Slug", Language::En, "+++\ntitle = \"t\"\ntopic = \"paying\"\nsummary = \"s\"\n+++\n").is_err());
    }

    #[test]
    fn both_languages_and_one_article_per_error() {
        let missing = HelpCentre::build(vec![article("a", Language::En, "A", "")]).unwrap_err();
        assert!(missing[0].contains("no sw version"));
        let clash = HelpCentre::build(vec![
            article("a", Language::En, "A", "\"x.y\""),
            article("a", Language::Sw, "A", ""),
            article("b", Language::En, "B", "\"x.y\""),
            article("b", Language::Sw, "B", ""),
        ])
        .unwrap_err();
        assert!(clash[0].contains("claimed"));
        let ok = HelpCentre::build(vec![article("a", Language::En, "Lipa", "\"x.y\""), article("a", Language::Sw, "Lipa kwa simu", "")])
            .unwrap();
        assert_eq!(ok.for_error("x.y"), Some("a"));
        assert_eq!(ok.search("simu", 5), vec!["a".to_owned()]);
    }
}

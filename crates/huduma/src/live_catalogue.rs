//! The catalogue being served, held in memory between imports: an entry per service
//! (enough to list, search and price it), its search index with a cache of recent
//! searches, and the cards of its services. Whole definitions are read by version from
//! the database when a page needs one (`services::applications::definitions`).
//! The application state holds it; the catalogue use cases (`services::catalogue`) build
//! and replace it.

use huduma_domain::catalogue::{Catalogue, SearchIndex, ServiceEntry};
use std::collections::HashMap;
use std::sync::Arc;

/// The catalogue being served, with its search index and the version of each service.
#[derive(Debug, Default)]
pub struct Live {
    /// Agencies, categories, and an entry per service.
    pub catalogue: Catalogue<ServiceEntry>,
    /// Search.
    pub index: SearchIndex,
    /// Current version number of each service.
    pub versions: HashMap<String, i64>,
    /// The digest of the files it was built from (empty for no catalogue): a node whose
    /// digest differs from the database's reloads.
    pub digest: String,
    /// The home page's most-used services per language, built once per catalogue.
    popular: [std::sync::OnceLock<Vec<ServiceCard>>; 2],
    /// Category names per language, for the home page and filters.
    category_names: [std::sync::OnceLock<Vec<(String, String)>>; 2],
    /// Recent search results. People search for the same few services all day; the cache
    /// lives and dies with this catalogue, so an import can never serve stale results.
    searches: std::sync::Mutex<HashMap<SearchKey, Arc<SearchResult>>>,
}

/// A normalised search: words, agency, category, limit.
type SearchKey = (String, Option<String>, Option<String>, usize);
/// Ranked hits and the total number of matches.
pub type SearchResult = (Vec<huduma_domain::catalogue::Hit>, usize);
/// Searches kept per catalogue before the cache starts afresh: people search for the same
/// few hundred services, and each kept answer costs a node about a kilobyte.
const SEARCH_CACHE_ENTRIES: usize = 2_000;

/// A service as a card in a list or a search result.
#[derive(Debug, Clone)]
pub struct ServiceCard {
    pub code: String,
    pub name: String,
    /// One line.
    pub summary: String,
    /// Agency's (short) name.
    pub agency: String,
    /// "KES 950", "Free", "From KES 650".
    pub fee: String,
}

impl Live {
    /// A checked catalogue and its index, built from files with `digest`, for serving.
    pub fn new(catalogue: Catalogue<ServiceEntry>, index: SearchIndex, versions: HashMap<String, i64>, digest: String) -> Self {
        Self {
            catalogue,
            index,
            versions,
            digest,
            popular: Default::default(),
            category_names: Default::default(),
            searches: Default::default(),
        }
    }

    /// A card for a service in `language`.
    pub fn card(&self, service: &ServiceEntry, language: huduma_domain::Language) -> ServiceCard {
        let tr = crate::i18n::I18n::global().tr(language);
        let agency = self
            .catalogue
            .agency(&service.agency)
            .map(|a| a.short_name.as_ref().map_or_else(|| a.name.get_ref().get(language), |s| s.get(language)).to_owned())
            .unwrap_or_default();
        let fee = match service.fee_from() {
            _ if service.is_free() => tr.t("service.free_short").to_owned(),
            Some(money) if service.fee_options > 1 => tr.f("service.from", &[("amount", &money.to_string())]),
            Some(money) => money.to_string(),
            None => String::new(),
        };
        ServiceCard {
            code: service.code.clone(),
            name: service.name.get(language).to_owned(),
            summary: service.summary.get(language).to_owned(),
            agency,
            fee,
        }
    }

    /// Searches the catalogue, reusing the answer to an identical recent search.
    pub fn search(&self, query: &str, agency: Option<&str>, category: Option<&str>, limit: usize) -> Arc<SearchResult> {
        let words: Vec<String> = huduma_domain::catalogue::search::words(query).collect();
        let key = (words.join(" "), agency.map(str::to_owned), category.map(str::to_owned), limit);
        if let Some(found) = self.searches.lock().ok().and_then(|cache| cache.get(&key).cloned()) {
            return found;
        }
        let result = Arc::new(self.index.search(query, agency, category, limit));
        if let Ok(mut cache) = self.searches.lock() {
            if cache.len() >= SEARCH_CACHE_ENTRIES {
                cache.clear();
            }
            cache.insert(key, result.clone());
        }
        result
    }

    /// Categories as (code, name) in `language` (cached).
    pub fn category_names(&self, language: huduma_domain::Language) -> &[(String, String)] {
        let slot = &self.category_names[usize::from(language == huduma_domain::Language::Sw)];
        slot.get_or_init(|| {
            self.catalogue.categories.iter().map(|c| (c.code.get_ref().clone(), c.name.get_ref().get(language).to_owned())).collect()
        })
    }

    /// The most-used services, as cards (cached).
    pub fn popular(&self, language: huduma_domain::Language) -> &[ServiceCard] {
        let slot = &self.popular[usize::from(language == huduma_domain::Language::Sw)];
        slot.get_or_init(|| self.catalogue.services.iter().filter(|s| s.popular).take(9).map(|s| self.card(s, language)).collect())
    }
}

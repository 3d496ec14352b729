//! What every node keeps in memory of each service: enough to list, search, price and
//! filter it. At the real portal's 22,500 services the whole definitions (form pages,
//! documents, workflow, certificate, with the source positions the checker needs) would
//! take hundreds of megabytes on every node; pages that need one read it from the
//! database, by version.

use super::definition::{Eligible, Issues, Service, Text};
use crate::{Currency, Money};

/// A service as lists, search results and filters see it.
#[derive(Debug, Clone)]
pub struct ServiceEntry {
    /// Stable code.
    pub code: String,
    /// Agency code.
    pub agency: String,
    /// Category code.
    pub category: String,
    /// Name in both languages.
    pub name: Text,
    /// One line in both languages.
    pub summary: Text,
    /// Who may apply.
    pub account_types: Vec<Eligible>,
    /// Promised processing time, working days.
    pub processing_days: u32,
    /// What is issued.
    pub issues: Issues,
    /// Among the most used.
    pub popular: bool,
    /// Number of priced options (passport pages, licence periods).
    pub fee_options: usize,
    free: bool,
    fee_from: Option<Money>,
    currency: Currency,
}

impl ServiceEntry {
    /// Whether the service costs nothing.
    pub fn is_free(&self) -> bool {
        self.free
    }

    /// Currency of the fee.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The fixed fee, or the cheapest option.
    pub fn fee_from(&self) -> Option<Money> {
        self.fee_from
    }
}

impl From<&Service> for ServiceEntry {
    fn from(service: &Service) -> Self {
        // Exact sizes: a node holds one of these per service for as long as it serves.
        let text = |t: &Text| Text { en: t.en.as_str().into(), sw: t.sw.as_str().into() };
        Self {
            code: service.code.get_ref().as_str().into(),
            agency: service.agency.as_str().into(),
            category: service.category.get_ref().as_str().into(),
            name: text(service.name.get_ref()),
            summary: text(service.summary.get_ref()),
            account_types: service.account_types.get_ref().to_vec(),
            processing_days: service.processing_days,
            issues: service.issues,
            popular: service.popular,
            fee_options: service.fee.get_ref().options.len(),
            free: service.is_free(),
            fee_from: service.fee_from(),
            currency: service.currency(),
        }
    }
}

/// What a catalogue needs to know of the services it holds, whole or as entries.
pub trait Listing {
    /// The service's code.
    fn code_str(&self) -> &str;
    /// Its agency's code.
    fn agency_str(&self) -> &str;
    /// Its English name, which orders lists.
    fn name_en(&self) -> &str;
}

impl Listing for Service {
    fn code_str(&self) -> &str {
        self.code.get_ref()
    }
    fn agency_str(&self) -> &str {
        &self.agency
    }
    fn name_en(&self) -> &str {
        &self.name.get_ref().en
    }
}

impl Listing for ServiceEntry {
    fn code_str(&self) -> &str {
        &self.code
    }
    fn agency_str(&self) -> &str {
        &self.agency
    }
    fn name_en(&self) -> &str {
        &self.name.en
    }
}

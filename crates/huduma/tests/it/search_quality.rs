//! Search quality on the bundled catalogue: each query (English, Kiswahili, typos,
//! abbreviations) must put the expected service among the first three results.

use huduma::services::catalogue::read_folder;
use huduma_domain::catalogue::{SearchIndex, check};

/// (query, expected service code)
const QUERIES: &[(&str, &str)] = &[
    ("passport", "passport-ordinary"),
    ("pasipoti", "passport-ordinary"),
    ("pasi ya kusafiria", "passport-ordinary"),
    ("pasport", "passport-ordinary"),
    ("lost passport", "passport-replacement-lost"),
    ("express passport", "passport-express"),
    ("visa", "electronic-travel-authorisation"),
    ("national id", "national-id-first"),
    ("ID replacement", "national-id-replacement"),
    ("kitambulisho", "national-id-first"),
    ("driving licence renewal", "driving-licence-renewal"),
    ("drivng licence", "driving-licence-renewal"),
    ("DL renewal", "driving-licence-renewal"),
    ("leseni ya udereva", "driving-licence-renewal"),
    ("smart DL", "smart-driving-licence"),
    ("provisional licence", "provisional-driving-licence"),
    ("vehicle search", "motor-vehicle-search"),
    ("certificate of good conduct", "certificate-of-good-conduct"),
    ("good conduct cert", "certificate-of-good-conduct"),
    ("police clearance", "certificate-of-good-conduct"),
    ("cheti cha tabia njema", "certificate-of-good-conduct"),
    ("KRA PIN", "kra-pin-registration"),
    ("TCC", "tax-compliance-certificate"),
    ("tax compliance", "tax-compliance-certificate"),
    ("kodi", "kra-pin-registration"),
    ("business name registration", "business-name-registration"),
    ("usajili wa biashara", "business-name-registration"),
    ("name search", "business-name-search"),
    ("company registration", "private-company-registration"),
    ("single business permit", "single-business-permit"),
    ("birth certificate", "birth-certificate"),
    ("cheti cha kuzaliwa", "birth-certificate"),
    ("brith certificate", "birth-certificate"),
    ("death certificate", "death-certificate"),
    ("marriage", "notice-of-marriage"),
    ("court fees", "court-fees-payment"),
    ("mahakama", "court-fees-payment"),
    ("e-filing", "civil-case-efiling"),
    ("copy of judgement", "certified-copy-judgement"),
    ("park entry", "park-entry"),
    ("HELB compliance", "helb-compliance-certificate"),
];

#[test]
fn search_quality_on_the_bundled_catalogue() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogue");
    let catalogue = check(&read_folder(&folder).expect("read")).expect("the bundled catalogue is valid");
    assert!(catalogue.services.len() >= 40, "at least 40 services");
    assert!(catalogue.agencies.len() >= 12, "from at least 12 agencies");
    let index = SearchIndex::build(&catalogue);
    let mut misses = Vec::new();
    for (query, expected) in QUERIES {
        let (hits, _) = index.search(query, None, None, 3);
        if !hits.iter().any(|h| h.code == *expected) {
            misses.push(format!("{query:?} → {:?} (wanted {expected})", hits.iter().map(|h| h.code.as_str()).collect::<Vec<_>>()));
        }
    }
    assert!(misses.is_empty(), "{} of {} queries missed:\n{}", misses.len(), QUERIES.len(), misses.join("\n"));
    assert!(index.search("xylophone zebra", None, None, 3).0.is_empty(), "nonsense finds nothing");
    let (within, _) = index.search("certificate", Some("crs"), None, 10);
    assert!(
        !within.is_empty() && within.iter().all(|h| catalogue.service(&h.code).is_some_and(|s| s.agency == "crs")),
        "the agency filter holds"
    );
}

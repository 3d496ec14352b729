//! Form rules, conditions, prefill, progress and fees, on a small service written here.

#![allow(clippy::unwrap_used)]

use super::progress::{apply_prefill, check_page, missing, record_page};
use super::*;
use crate::catalogue::{Service, SourceFile, check};

const CATEGORIES: &str = include_str!("../../../huduma/tests/fixtures/catalogue/categories.toml");
const AGENCY: &str = include_str!("../../../huduma/tests/fixtures/catalogue/immigration/agency.toml");
const PASSPORT: &str = include_str!("../../../huduma/tests/fixtures/catalogue/immigration/passport.toml");

/// The fixture passport service with extra fields on its page and the given fee.
fn service(extra_fields: &str, fee: &str) -> Service {
    let text = PASSPORT
        .replace(
            "[[documents]]",
            &format!("{extra_fields}\n[[documents]]\ncode = \"old_bio_page\"\nlabel = {{ en = \"Old bio page\", sw = \"Ukurasa\" }}\ntypes = [\"pdf\"]\nmax_size_mb = 1\nrequired_when = {{ field = \"had_passport\", equals = \"yes\" }}\n\n[[documents]]"),
        )
        .replace(
            "options = [{ code = \"34\", label = { en = \"34 pages\", sw = \"Kurasa 34\" }, amount = 7500 }]",
            fee,
        );
    let files = vec![
        SourceFile { path: "categories.toml".into(), text: CATEGORIES.into() },
        SourceFile { path: "immigration/agency.toml".into(), text: AGENCY.into() },
        SourceFile { path: "immigration/passport.toml".into(), text },
    ];
    let catalogue = check(&files).map_err(|p| format!("{p:#?}")).unwrap();
    catalogue.services.into_iter().next().unwrap()
}

const FIELDS: &str = r#"
[[pages.fields]]
code = "name"
type = "text"
label = { en = "Name", sw = "Jina" }
required = true
min_length = 3
prefill = "full_name"

[[pages.fields]]
code = "id_number"
type = "national_id"
label = { en = "ID", sw = "Kitambulisho" }
required = true
prefill = "id_number"

[[pages.fields]]
code = "phone"
type = "phone"
label = { en = "Phone", sw = "Simu" }

[[pages.fields]]
code = "county"
type = "county"
label = { en = "County", sw = "Kaunti" }

[[pages.fields]]
code = "plate"
type = "vehicle_registration"
label = { en = "Plate", sw = "Nambari" }

[[pages.fields]]
code = "age"
type = "number"
label = { en = "Age", sw = "Umri" }
min = 18
max = 120

[[pages.fields]]
code = "case"
type = "text"
label = { en = "Case", sw = "Kesi" }
pattern = '^[A-Z]{2,8} E?[0-9]{1,6} of (19|20)[0-9]{2}$'

[[pages.fields]]
code = "extras"
type = "checkbox"
label = { en = "Extras", sw = "Ziada" }
options = [{ value = "a", label = { en = "A", sw = "A" } }, { value = "b", label = { en = "B", sw = "B" } }]
"#;

const ONE_FEE: &str = r#"amount = 1000"#;

fn answers(pairs: &[(&str, &str)]) -> Answers {
    let mut a = Answers::default();
    for (k, v) in pairs {
        a.set(k, Answer::One((*v).to_owned()));
    }
    a
}

fn problems(s: &Service, pairs: &[(&str, &str)]) -> Vec<(String, &'static str)> {
    check_page(&s.pages[0], &answers(pairs)).1.into_iter().map(|p| (p.field, p.code)).collect()
}

#[test]
fn answers_are_normalised_and_checked_by_type() {
    let s = service(FIELDS, ONE_FEE);
    let given = answers(&[
        ("had_passport", "no"),
        ("name", "  Wanjiku   Kamau "),
        ("id_number", "12 345 678"),
        ("phone", "0712 345 678"),
        ("county", "muranga"),
        ("plate", "kda123a"),
        ("age", "30"),
        ("case", "HCCC E123 of 2026"),
    ]);
    let (normalised, problems) = check_page(&s.pages[0], &given);
    assert!(problems.is_empty(), "{problems:?}");
    let get = |code: &str| normalised.iter().find(|(c, _)| c == code).and_then(|(_, a)| a.clone());
    assert_eq!(get("name"), Some(Answer::One("Wanjiku Kamau".into())));
    assert_eq!(get("id_number"), Some(Answer::One("12345678".into())));
    assert_eq!(get("phone"), Some(Answer::One("+254712345678".into())));
    assert_eq!(get("county"), Some(Answer::One("Murang'a".into())));
    assert_eq!(get("plate"), Some(Answer::One("KDA 123A".into())));
    assert_eq!(get("old_number"), None, "hidden field is not kept");
}

#[test]
fn each_rule_has_its_own_code() {
    let s = service(FIELDS, ONE_FEE);
    let base = [("had_passport", "no"), ("name", "Wanjiku"), ("id_number", "12345678")];
    let with = |extra: (&'static str, &'static str)| {
        let mut pairs = base.to_vec();
        pairs.retain(|(k, _)| *k != extra.0);
        pairs.push(extra);
        problems(&s, &pairs)
    };
    assert_eq!(with(("name", "Wa")), vec![("name".into(), "field.too_short")]);
    assert_eq!(with(("name", "Wan\u{7}jiku")), vec![("name".into(), "field.characters")]);
    assert_eq!(with(("id_number", "12")), vec![("id_number".into(), "national_id.invalid")]);
    assert_eq!(with(("phone", "12")), vec![("phone".into(), "phone.invalid")]);
    assert_eq!(with(("county", "Atlantis")), vec![("county".into(), "county.invalid")]);
    assert_eq!(with(("plate", "KIO 123A")), vec![("plate".into(), "vehicle.invalid")]);
    assert_eq!(with(("age", "ten")), vec![("age".into(), "field.number")]);
    assert_eq!(with(("age", "12")), vec![("age".into(), "field.too_small")]);
    assert_eq!(with(("age", "121")), vec![("age".into(), "field.too_large")]);
    assert_eq!(with(("case", "123 of 2026")), vec![("case".into(), "field.pattern")]);
    assert_eq!(with(("had_passport", "maybe")), vec![("had_passport".into(), "field.choice")]);
    assert_eq!(
        problems(&s, &[("name", "Wanjiku")]),
        vec![("had_passport".into(), "field.required"), ("id_number".into(), "field.required")]
    );
    let mut ticked = answers(&base);
    ticked.set("extras", Answer::Many(vec!["a".into(), "z".into()]));
    assert_eq!(check_page(&s.pages[0], &ticked).1[0].code, "field.choice");
}

#[test]
fn conditional_fields_and_documents_follow_earlier_answers() {
    let s = service(FIELDS, ONE_FEE);
    let yes = answers(&[("had_passport", "yes"), ("name", "Wanjiku"), ("id_number", "12345678")]);
    assert_eq!(
        problems(&s, &[("had_passport", "yes"), ("name", "Wanjiku"), ("id_number", "12345678"), ("old_number", "x")]),
        vec![("old_number".into(), "passport.invalid")]
    );
    let docs: Vec<&str> = progress::documents(&s, &yes).map(|d| d.code.get_ref().as_str()).collect();
    assert_eq!(docs, vec!["old_bio_page", "birth_certificate"]);
    let no = answers(&[("had_passport", "no")]);
    let docs: Vec<&str> = progress::documents(&s, &no).map(|d| d.code.get_ref().as_str()).collect();
    assert_eq!(docs, vec!["birth_certificate"]);
    let m = missing(&s, &yes, &["birth_certificate"], None);
    assert_eq!(m.documents, vec!["old_bio_page".to_owned()]);
    assert!(m.pages.is_empty());
    assert!(missing(&s, &yes, &["birth_certificate", "old_bio_page"], None).is_empty());
}

#[test]
fn prefill_uses_account_facts_only_when_they_fit() {
    let s = service(FIELDS, ONE_FEE);
    let mut facts = AccountFacts {
        first_name: "Wanjiku".into(),
        surname: "Kamau".into(),
        document_number: "12345678".into(),
        phone: "+254712345678".into(),
        email: "w@example.com".into(),
        ..Default::default()
    };
    let mut a = Answers::default();
    apply_prefill(&s, &facts, &mut a);
    assert_eq!(a.text("name"), Some("Wanjiku Kamau"));
    assert_eq!(a.text("id_number"), Some("12345678"));
    assert_eq!(a.text("phone"), None, "field without prefill is typed");
    // A resident's alien card number passes as digits, but a passport number does not.
    facts.document_number = "AK1234567".into();
    let mut b = Answers::default();
    apply_prefill(&s, &facts, &mut b);
    assert_eq!(b.text("id_number"), None);
}

/// A prefilled field asked only when an answer on the same page is "no", as the passport's
/// "applicant under 18?" and ID number.
const MINOR: &str = r#"
[[pages.fields]]
code = "minor"
type = "yes_no"
label = { en = "Under 18?", sw = "Chini ya miaka 18?" }
required = true

[[pages.fields]]
code = "adult_id"
type = "national_id"
label = { en = "ID", sw = "Kitambulisho" }
required = true
prefill = "id_number"
show_when = { field = "minor", equals = "no" }
"#;

fn posted(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn adult() -> AccountFacts {
    AccountFacts { first_name: "Wanjiku".into(), surname: "Kamau".into(), document_number: "12345678".into(), ..Default::default() }
}

#[test]
fn a_prefilled_answer_survives_its_condition_turning_off_and_on_again() {
    let s = service(MINOR, ONE_FEE);
    let page = &s.pages[0];
    let facts = adult();
    let mut a = Answers::default();
    apply_prefill(&s, &facts, &mut a);
    let (a, problems) = record_page(&s, page, &facts, &a, &posted(&[("had_passport", "no"), ("minor", "yes")]));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(a.text("adult_id"), None, "not asked while the applicant is a minor");
    // Back to "no": the field is read-only, so what is posted for it does not count.
    let (a, problems) = record_page(&s, page, &facts, &a, &posted(&[("had_passport", "no"), ("minor", "no"), ("adult_id", "99999999")]));
    assert!(problems.is_empty(), "the read-only field blocks nothing: {problems:?}");
    assert_eq!(a.text("adult_id"), Some("12345678"), "the account's number is back");
    assert!(missing(&s, &a, &["birth_certificate"], Some("34")).pages.is_empty());
}

#[test]
fn a_field_the_account_cannot_fill_is_typed_and_checked() {
    let s = service(MINOR, ONE_FEE);
    let facts = AccountFacts { document_number: "AK1234567".into(), ..adult() };
    let given = posted(&[("had_passport", "no"), ("minor", "no"), ("adult_id", "12")]);
    let (a, problems) = record_page(&s, &s.pages[0], &facts, &Answers::default(), &given);
    assert_eq!(problems.iter().map(|p| (p.field.as_str(), p.code)).collect::<Vec<_>>(), vec![("adult_id", "national_id.invalid")]);
    assert_eq!(a.text("adult_id"), Some("12"), "what was typed is kept to be corrected");
}

proptest::proptest! {
    /// Whatever order the condition is answered in and whatever is posted for the
    /// read-only field, a shown prefilled field always holds the account's value and never
    /// stops the page from being saved.
    #[test]
    fn a_shown_prefilled_field_always_holds_the_accounts_value(
        steps in proptest::collection::vec((proptest::sample::select(vec!["yes", "no", "", "maybe"]), ".{0,12}"), 1..12),
    ) {
        let s = service(MINOR, ONE_FEE);
        let facts = adult();
        let mut a = Answers::default();
        apply_prefill(&s, &facts, &mut a);
        for (minor, junk) in steps {
            let (next, problems) = record_page(
                &s,
                &s.pages[0],
                &facts,
                &a,
                &posted(&[("had_passport", "no"), ("minor", minor), ("adult_id", &junk)]),
            );
            proptest::prop_assert!(problems.iter().all(|p| p.field != "adult_id"), "{:?}", problems);
            if minor == "no" {
                proptest::prop_assert_eq!(next.text("adult_id"), Some("12345678"));
                proptest::prop_assert!(problems.is_empty(), "{:?}", problems);
            }
            a = next;
        }
    }
}

#[test]
fn prefill_must_fit_the_field_type() {
    let broken = FIELDS.replace("prefill = \"id_number\"", "prefill = \"email\"");
    let text = PASSPORT.replace("[[documents]]", &format!("{broken}\n[[documents]]"));
    let files = vec![
        SourceFile { path: "categories.toml".into(), text: CATEGORIES.into() },
        SourceFile { path: "immigration/agency.toml".into(), text: AGENCY.into() },
        SourceFile { path: "immigration/passport.toml".into(), text },
    ];
    let problems = check(&files).err().unwrap();
    assert!(problems.iter().any(|p| p.message.contains("cannot be filled with Email")), "{problems:#?}");
}

#[test]
fn fees_come_from_the_amount_or_the_chosen_option() {
    let fixed = service("", ONE_FEE);
    assert_eq!(fee::amount(&fixed, None).unwrap().minor, 100_000);
    let options = r#"options = [{ code = "34", label = { en = "34", sw = "34" }, amount = 7500 }, { code = "50", label = { en = "50", sw = "50" }, amount = 9500 }]"#;
    let chosen = service("", options);
    assert!(fee::needs_option(&chosen));
    assert_eq!(fee::amount(&chosen, None), None);
    assert_eq!(fee::amount(&chosen, Some("50")).unwrap().minor, 950_000);
    assert_eq!(fee::amount(&chosen, Some("99")), None);
    assert!(missing(&chosen, &answers(&[("had_passport", "no")]), &["birth_certificate"], None).fee_option);
    assert!(!missing(&chosen, &answers(&[("had_passport", "no")]), &["birth_certificate"], Some("34")).fee_option);
    let free = service("", "free = true");
    assert_eq!(fee::amount(&free, None).unwrap().minor, 0);
}

#[test]
fn statuses_round_trip() {
    for s in [Status::Draft, Status::AwaitingPayment, Status::Workflow("under_review".into())] {
        assert_eq!(Status::parse(s.as_str()), s);
    }
}

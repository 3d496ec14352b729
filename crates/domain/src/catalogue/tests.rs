//! Each kind of broken definition is caught, with its line and a plain message. The
//! fixture is shared with the app's import tests.

use super::{Problem, SourceFile, check};

const CATEGORIES: &str = include_str!("../../../huduma/tests/fixtures/catalogue/categories.toml");

const AGENCY: &str = include_str!("../../../huduma/tests/fixtures/catalogue/immigration/agency.toml");

const SERVICE: &str = include_str!("../../../huduma/tests/fixtures/catalogue/immigration/passport.toml");

fn files(service: &str) -> Vec<SourceFile> {
    vec![
        SourceFile { path: "categories.toml".into(), text: CATEGORIES.into() },
        SourceFile { path: "immigration/agency.toml".into(), text: AGENCY.into() },
        SourceFile { path: "immigration/passport.toml".into(), text: service.into() },
    ]
}

/// The problems of the service with `from` replaced by `to`.
fn problems_after(from: &str, to: &str) -> Vec<Problem> {
    assert!(SERVICE.contains(from), "fixture has `{from}`");
    match check(&files(&SERVICE.replacen(from, to, 1))) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    }
}

fn assert_problem(from: &str, to: &str, line: usize, needle: &str) {
    let problems = problems_after(from, to);
    assert!(
        problems.iter().any(|p| p.line == line && p.message.contains(needle) && p.file == "immigration/passport.toml"),
        "expected line {line} to mention `{needle}`, got {problems:#?}"
    );
}

#[test]
fn the_fixture_is_valid() {
    let catalogue = check(&files(SERVICE)).expect("valid");
    assert_eq!(catalogue.services.len(), 1);
    assert_eq!(catalogue.services[0].agency, "immigration");
    assert_eq!(catalogue.services[0].fee_from().map(|m| m.minor), Some(750_000));
}

#[test]
fn unknown_field_type() {
    assert_problem("type = \"passport_number\"", "type = \"passport_no\"", 27, "unknown variant `passport_no`");
}

#[test]
fn unknown_key_is_refused() {
    assert_problem("processing_days = 10", "processing_days = 10\nprocessing_weeks = 2", 5, "unknown field `processing_weeks`");
}

#[test]
fn duplicate_code() {
    let mut all = files(SERVICE);
    all.push(SourceFile { path: "immigration/passport-copy.toml".into(), text: SERVICE.into() });
    let problems = check(&all).expect_err("invalid");
    assert!(
        problems
            .iter()
            .any(|p| p.file == "immigration/passport-copy.toml" && p.line == 1 && p.message.contains("duplicate service code `passport`")),
        "{problems:#?}"
    );
    assert_problem("code = \"old_number\"", "code = \"had_passport\"", 26, "duplicate field code `had_passport` (first used on line 20)");
}

#[test]
fn missing_kiswahili() {
    assert_problem(
        "summary = { en = \"Apply for a passport\", sw = \"Omba pasipoti\" }",
        "summary = { en = \"Apply for a passport\" }",
        7,
        "the summary has no Kiswahili text",
    );
}

#[test]
fn fee_without_amount() {
    assert_problem(", amount = 7500 }]", " }]", 13, "fee option `34` has no amount");
    assert_problem(
        "options = [{ code = \"34\", label = { en = \"34 pages\", sw = \"Kurasa 34\" }, amount = 7500 }]",
        "",
        11,
        "fee without amount",
    );
    assert_problem("currency = \"KES\"", "currency = \"EUR\"", 12, "use KES or USD");
}

#[test]
fn unreachable_state() {
    assert_problem(
        "[[workflow.states]]\ncode = \"issued\"",
        "[[workflow.states]]\ncode = \"archived\"\nlabel = { en = \"Archived\", sw = \"Imehifadhiwa\" }\nfinal = true\n\n[[workflow.states]]\ncode = \"issued\"",
        47,
        "cannot be reached",
    );
}

#[test]
fn state_that_cannot_finish() {
    let broken = SERVICE.replacen(
        "[[workflow.actions]]",
        "[[workflow.states]]\ncode = \"limbo\"\nlabel = { en = \"Limbo\", sw = \"Kusubiri\" }\nsla_days = 1\n\n[[workflow.actions]]\ncode = \"park\"\nlabel = { en = \"Park\", sw = \"Weka\" }\nfrom = [\"submitted\"]\nto = \"limbo\"\nrole = \"officer\"\n\n[[workflow.actions]]",
        1,
    );
    let problems = check(&files(&broken)).expect_err("invalid");
    assert!(problems.iter().any(|p| p.line == 52 && p.message.contains("state `limbo` cannot finish")), "{problems:#?}");
}

#[test]
fn action_without_role() {
    assert_problem("role = \"officer\"", "", 52, "action `issue` has no role");
    assert_problem("role = \"officer\"", "role = \"clerk\"", 56, "unknown role `clerk`");
}

#[test]
fn unknown_file_type() {
    assert_problem("types = [\"pdf\", \"jpeg\"]", "types = [\"pdf\", \"docx\"]", 34, "unknown file type `docx`");
}

#[test]
fn condition_on_a_missing_field() {
    assert_problem(
        "show_when = { field = \"had_passport\", equals = \"yes\" }",
        "show_when = { field = \"has_passport\", equals = \"yes\" }",
        29,
        "refers to the field `has_passport`, which does not exist",
    );
    assert_problem(
        "show_when = { field = \"had_passport\", equals = \"yes\" }",
        "show_when = { field = \"had_passport\", equals = \"maybe\" }",
        29,
        "`maybe` is not an answer",
    );
}

#[test]
fn unknown_category_and_missing_agency() {
    assert_problem("category = \"passports\"", "category = \"travel\"", 2, "unknown category `travel`");
    let mut all = files(SERVICE);
    all.retain(|f| f.path != "immigration/agency.toml");
    let problems = check(&all).expect_err("invalid");
    assert!(problems.iter().any(|p| p.message.contains("has no agency.toml")), "{problems:#?}");
}

#[test]
fn problems_print_as_file_and_line() {
    let problem = problems_after("types = [\"pdf\", \"jpeg\"]", "types = [\"pdf\", \"docx\"]").remove(0);
    assert_eq!(problem.to_string(), "catalogue/immigration/passport.toml:34: unknown file type `docx`: use pdf, jpeg, png");
}

/// The fixture's agency with extra lines after its code.
fn with_agency_lines(lines: &str) -> Vec<SourceFile> {
    let mut all = files(SERVICE);
    let agency = AGENCY.replacen("code = \"immigration\"\n", &format!("code = \"immigration\"\n{lines}"), 1);
    assert_ne!(agency, AGENCY, "fixture has the agency code line");
    all.retain(|f| f.path != "immigration/agency.toml");
    all.push(SourceFile { path: "immigration/agency.toml".into(), text: agency });
    all
}

#[test]
fn an_acronym_s_meaning_comes_from_the_agency_file() {
    // Without a one-word short name there is no acronym to explain.
    let problems = check(&with_agency_lines("acronym_means = [\"travel\"]\n")).expect_err("invalid");
    assert!(problems.iter().any(|p| p.message.contains("acronym_means")), "{problems:#?}");
    // With one, a search for the acronym also looks for those words: the service, found
    // by its agency's short name alone, ranks as a match of its own name.
    let score = |lines: &str| {
        let catalogue = check(&with_agency_lines(lines)).expect("valid");
        let (hits, total) = super::search::SearchIndex::build(&catalogue).search("dis", None, None, 10);
        assert_eq!(total, 1);
        hits[0].score
    };
    assert!(
        score("short_name = \"DIS\"\nacronym_means = [\"passport\"]\n") > score("short_name = \"DIS\"\nacronym_means = [\"nothing\"]\n")
    );
}

//! What is done and what is missing: used by the task list, check-your-answers and the
//! final check before submission.

use super::answers::{Answer, Answers};
use super::prefill::AccountFacts;
use super::validate::{self, FieldProblem};
use crate::catalogue::Service;
use crate::catalogue::definition::{Document, FieldType, Page};

/// Applies the account's facts to every prefilled field (they are not typed).
pub fn apply_prefill(service: &Service, facts: &AccountFacts, answers: &mut Answers) {
    for field in service.fields() {
        if let Some(answer) = facts.answer_for(field) {
            answers.set(field.code.get_ref(), answer);
        }
    }
}

/// Records what was posted on one page and checks it: the answers to keep, and the
/// problems to show.
///
/// Everything typed is kept, valid or not (normalised when valid), so nothing is lost.
/// A field the account fills is never taken from the form: it is read-only on the page,
/// so a posted value is ignored. Its value comes from the account again on every save,
/// so a condition that hid it for a while (and cleared it with the other hidden
/// answers) can never leave it empty once it is shown again — a read-only field the
/// citizen cannot fill must never be the reason a page cannot be saved.
pub fn record_page(
    service: &Service,
    page: &Page,
    facts: &AccountFacts,
    answers: &Answers,
    posted: &[(String, String)],
) -> (Answers, Vec<FieldProblem>) {
    let mut answers = answers.clone();
    for field in &page.fields {
        if facts.answer_for(field).is_some() {
            continue;
        }
        let code = field.code.get_ref();
        let mut values = posted.iter().filter(|(k, _)| k == code).map(|(_, v)| v.clone());
        let answer =
            if field.kind == FieldType::Checkbox { Answer::Many(values.collect()) } else { Answer::One(values.next().unwrap_or_default()) };
        answers.set(code, answer);
    }
    apply_prefill(service, facts, &mut answers);
    let (normalised, problems) = check_page(page, &answers);
    for (code, value) in normalised {
        answers.set(&code, value.unwrap_or(Answer::One(String::new())));
    }
    (answers, problems)
}

/// Checks one page: the normalised answers to store and the problems to show. Fields the
/// page does not show (their condition is not met) are neither checked nor kept.
pub fn check_page(page: &Page, answers: &Answers) -> (Vec<(String, Option<Answer>)>, Vec<FieldProblem>) {
    let mut normalised = Vec::new();
    let mut problems = Vec::new();
    for field in &page.fields {
        if !answers.shows(field) {
            normalised.push((field.code.get_ref().clone(), None));
            continue;
        }
        match validate::check(field, answers.get(field.code.get_ref())) {
            Ok(value) => normalised.push((field.code.get_ref().clone(), value)),
            Err(p) => problems.push(p),
        }
    }
    (normalised, problems)
}

/// Whether every shown field of the page has a valid answer.
pub fn page_complete(page: &Page, answers: &Answers) -> bool {
    check_page(page, answers).1.is_empty()
}

/// Documents asked for, given the answers: always-required ones, conditionally required
/// ones whose condition holds, and optional ones.
pub fn documents<'a>(service: &'a Service, answers: &Answers) -> impl Iterator<Item = &'a Document> {
    let answers = answers.clone();
    service.documents.iter().filter(move |d| d.required_when.as_ref().is_none_or(|c| answers.satisfies(c.get_ref())))
}

/// Whether a document must be uploaded before submission.
pub fn document_required(document: &Document) -> bool {
    document.required || document.required_when.is_some()
}

/// Everything still missing before submission: page codes with problems, and document
/// codes not uploaded.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Missing {
    /// Pages with a missing or invalid answer.
    pub pages: Vec<String>,
    /// Required documents not uploaded.
    pub documents: Vec<String>,
    /// A priced option still to choose.
    pub fee_option: bool,
}

impl Missing {
    /// Nothing is missing.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty() && self.documents.is_empty() && !self.fee_option
    }
}

/// What stops submission, given the answers, the uploaded document codes and the option.
pub fn missing(service: &Service, answers: &Answers, uploaded: &[&str], fee_option: Option<&str>) -> Missing {
    Missing {
        pages: service.pages.iter().filter(|p| !page_complete(p, answers)).map(|p| p.code.get_ref().clone()).collect(),
        documents: documents(service, answers)
            .filter(|d| document_required(d) && !uploaded.contains(&d.code.get_ref().as_str()))
            .map(|d| d.code.get_ref().clone())
            .collect(),
        fee_option: super::fee::needs_option(service) && !fee_option.is_some_and(|o| super::fee::is_option(service, o)),
    }
}

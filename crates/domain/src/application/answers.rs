//! Answers as stored with a draft: field code → text, or several texts for checkboxes.
//!
//! Raw answers are kept even when they do not pass the rules yet, so nothing a citizen
//! typed is lost; the rules run again when the page is shown and before submission.

use crate::catalogue::definition::{Condition, Field};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// Text, a date, a number or one choice.
    One(String),
    /// The ticked boxes of a checkbox field.
    Many(Vec<String>),
}

impl Answer {
    /// Whether nothing was given.
    pub fn is_blank(&self) -> bool {
        match self {
            Self::One(text) => text.trim().is_empty(),
            Self::Many(items) => items.iter().all(|i| i.trim().is_empty()),
        }
    }

    /// Whether the answer is, or includes, `value`.
    pub fn has(&self, value: &str) -> bool {
        match self {
            Self::One(text) => text == value,
            Self::Many(items) => items.iter().any(|i| i == value),
        }
    }
}

/// All answers of one application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(BTreeMap<String, Answer>);

impl Answers {
    /// The answer to `field`, if any.
    pub fn get(&self, field: &str) -> Option<&Answer> {
        self.0.get(field)
    }

    /// The answer to `field` as one text (the first box of a checkbox field).
    pub fn text(&self, field: &str) -> Option<&str> {
        match self.0.get(field)? {
            Answer::One(text) => Some(text),
            Answer::Many(items) => items.first().map(String::as_str),
        }
    }

    /// Records an answer; a blank answer removes the field.
    pub fn set(&mut self, field: &str, answer: Answer) {
        if answer.is_blank() {
            self.0.remove(field);
        } else {
            self.0.insert(field.to_owned(), answer);
        }
    }

    /// Every answer, by field code.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Answer)> {
        self.0.iter()
    }

    /// Whether a condition on an earlier answer holds.
    pub fn satisfies(&self, condition: &Condition) -> bool {
        self.get(&condition.field).is_some_and(|a| a.has(&condition.equals))
    }

    /// Whether `field` is asked, given the answers so far.
    pub fn shows(&self, field: &Field) -> bool {
        field.show_when.as_ref().is_none_or(|c| self.satisfies(c.get_ref()))
    }

    /// Keeps only the answers to `fields` (drops answers to questions that are no longer
    /// asked, e.g. an old passport number after switching to a first passport).
    pub fn retain_fields<'a>(&mut self, keep: impl Fn(&str) -> bool + 'a) {
        self.0.retain(|code, _| keep(code));
    }
}

//! The rules of one form field, applied to what a citizen typed. Valid answers come back
//! normalised (a phone in +254 form, a KRA PIN in upper case) so the agency reads one
//! spelling of each fact.

use super::answers::Answer;
use crate::catalogue::definition::{Field, FieldType};
use crate::{Date, Email, KraPin, NationalId, PassportNumber, Phone};

/// Longest one-line answer when the service sets no limit.
pub const DEFAULT_MAX_TEXT: u32 = 200;
/// Longest multi-line answer when the service sets no limit.
pub const DEFAULT_MAX_LONG_TEXT: u32 = 4000;

/// Why an answer was refused: a stable code (`error.<code>` is the message) and the
/// values its message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's code.
    pub field: String,
    /// Stable error code.
    pub code: &'static str,
    /// Placeholder values for the message.
    pub args: Vec<(&'static str, String)>,
}

fn problem(field: &Field, code: &'static str) -> FieldProblem {
    FieldProblem { field: field.code.get_ref().clone(), code, args: Vec::new() }
}

fn problem_with(field: &Field, code: &'static str, name: &'static str, value: String) -> FieldProblem {
    FieldProblem { field: field.code.get_ref().clone(), code, args: vec![(name, value)] }
}

/// Shows a number without a useless `.0`.
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() }
}

/// Checks one answer. `Ok(None)` means "no answer, and none needed".
pub fn check(field: &Field, raw: Option<&Answer>) -> Result<Option<Answer>, FieldProblem> {
    let Some(raw) = raw.filter(|a| !a.is_blank()) else {
        return if field.required { Err(problem(field, "field.required")) } else { Ok(None) };
    };
    if field.kind == FieldType::Checkbox {
        let chosen: Vec<String> = match raw {
            Answer::One(one) => vec![one.clone()],
            Answer::Many(many) => many.iter().filter(|v| !v.trim().is_empty()).cloned().collect(),
        };
        let mut kept: Vec<String> = Vec::new();
        for value in chosen {
            if !field.options.iter().any(|o| o.value.get_ref() == &value) {
                return Err(problem(field, "field.choice"));
            }
            if !kept.contains(&value) {
                kept.push(value);
            }
        }
        return Ok(Some(Answer::Many(kept)));
    }
    let text = match raw {
        Answer::One(text) => text.trim(),
        Answer::Many(_) => return Err(problem(field, "field.choice")),
    };
    let one = |s: String| Ok(Some(Answer::One(s)));
    let invalid = |e: crate::InvalidInput| problem(field, e.code);
    match field.kind {
        FieldType::Text | FieldType::LongText => check_text(field, text).and_then(one),
        FieldType::Number => {
            let cleaned: String = text.chars().filter(|c| !c.is_whitespace() && *c != ',').collect();
            let n: f64 = cleaned.parse().ok().filter(|n: &f64| n.is_finite()).ok_or_else(|| problem(field, "field.number"))?;
            if let Some(min) = field.min.filter(|min| n < *min) {
                return Err(problem_with(field, "field.too_small", "min", number_text(min)));
            }
            if let Some(max) = field.max.filter(|max| n > *max) {
                return Err(problem_with(field, "field.too_large", "max", number_text(max)));
            }
            one(number_text(n))
        }
        FieldType::Date => one(Date::parse(text).map_err(invalid)?.to_string()),
        FieldType::Select | FieldType::Radio => {
            if field.options.iter().any(|o| o.value.get_ref() == text) {
                one(text.to_owned())
            } else {
                Err(problem(field, "field.choice"))
            }
        }
        FieldType::YesNo => match text {
            "yes" | "no" => one(text.to_owned()),
            _ => Err(problem(field, "field.choice")),
        },
        FieldType::Email => one(Email::parse(text).map_err(invalid)?.as_str().to_owned()),
        FieldType::Phone => one(Phone::parse(text).map_err(invalid)?.e164()),
        FieldType::NationalId => one(NationalId::parse(text).map_err(invalid)?.as_str().to_owned()),
        FieldType::KraPin => one(KraPin::parse(text).map_err(invalid)?.as_str().to_owned()),
        FieldType::PassportNumber => one(PassportNumber::parse(text).map_err(invalid)?.as_str().to_owned()),
        FieldType::VehicleRegistration => one(super::vehicle::VehicleRegistration::parse(text).map_err(invalid)?.as_str().to_owned()),
        FieldType::County => {
            crate::county::parse(text).map(|c| Some(Answer::One(c.to_owned()))).ok_or_else(|| problem(field, "county.invalid"))
        }
        FieldType::Checkbox => Err(problem(field, "field.choice")),
    }
}

fn check_text(field: &Field, text: &str) -> Result<String, FieldProblem> {
    let multi_line = field.kind == FieldType::LongText;
    // Control characters have no place in a form answer and confuse what reads it later.
    if text.chars().any(|c| c.is_control() && !(multi_line && (c == '\n' || c == '\r' || c == '\t'))) {
        return Err(problem(field, "field.characters"));
    }
    let text = if multi_line { text.replace("\r\n", "\n") } else { text.split_whitespace().collect::<Vec<_>>().join(" ") };
    let length = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    if let Some(min) = field.min_length.filter(|min| length < *min) {
        return Err(problem_with(field, "field.too_short", "min", min.to_string()));
    }
    let max = field.max_length.unwrap_or(if multi_line { DEFAULT_MAX_LONG_TEXT } else { DEFAULT_MAX_TEXT });
    if length > max {
        return Err(problem_with(field, "field.too_long", "max", max.to_string()));
    }
    if let Some(pattern) = &field.pattern {
        // Checked when the catalogue loads, so a bad pattern cannot reach here; refuse
        // rather than accept if it ever does.
        let matches = regex::Regex::new(pattern).map(|re| re.is_match(&text)).unwrap_or(false);
        if !matches {
            return Err(problem(field, "field.pattern"));
        }
    }
    Ok(text)
}

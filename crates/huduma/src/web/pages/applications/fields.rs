//! Form fields as the templates draw them, from the service definition and the answers.

use crate::web::render::FormErrors;
use huduma_domain::Language;
use huduma_domain::application::{AccountFacts, Answer, Answers};
use huduma_domain::catalogue::definition::{Field, FieldType, Page};
use huduma_domain::county::COUNTIES;

/// One choice of a select, radio or checkbox field.
pub struct ChoiceView {
    /// Stored value.
    pub value: String,
    pub label: String,
    /// Currently chosen.
    pub selected: bool,
}

/// One field, ready to draw.
pub struct FieldView {
    /// Field code (the input's name and id).
    pub code: String,
    /// `input`, `textarea`, `select`, `radio` or `checkbox`.
    pub control: &'static str,
    /// HTML input type for `input` controls.
    pub input_type: &'static str,
    /// `inputmode` hint for phone keyboards.
    pub inputmode: &'static str,
    /// `autocomplete` value.
    pub autocomplete: &'static str,
    pub label: String,
    pub hint: String,
    /// Current value (for one-value controls).
    pub value: String,
    pub choices: Vec<ChoiceView>,
    /// Error message.
    pub error: Option<String>,
    /// Filled from the account; shown, not editable.
    pub locked: bool,
    /// Optional question.
    pub optional: bool,
    /// `field=value` of a condition on the same page, for the reveal script.
    pub reveal_when: String,
    /// Text saying when to answer (conditions on the same page, without JavaScript).
    pub condition_hint: String,
}

impl FieldView {
    /// The ids of the texts that describe the control (when to answer, where the answer
    /// came from, the hint, the error), for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let parts = [
            (!self.condition_hint.is_empty(), "condition"),
            (self.locked, "locked"),
            (!self.hint.is_empty(), "hint"),
            (self.error.is_some(), "error"),
        ];
        parts.iter().filter(|(shown, _)| *shown).map(|(_, part)| format!("{}-{part}", self.code)).collect::<Vec<_>>().join(" ")
    }

    /// The id of the control an error link should focus: a radio or checkbox question's
    /// first choice, else the control itself.
    pub fn anchor(&self) -> String {
        if self.control == "radio" || self.control == "checkbox" { format!("{}-1", self.code) } else { self.code.clone() }
    }
}

fn text_of(answer: Option<&Answer>) -> String {
    match answer {
        Some(Answer::One(t)) => t.clone(),
        Some(Answer::Many(items)) => items.join(", "),
        None => String::new(),
    }
}

/// The fields of `page` to show: those whose condition is on this page (revealed in
/// the browser) or already met by an earlier page's answer.
pub fn views(
    page: &Page,
    answers: &Answers,
    facts: &AccountFacts,
    errors: &FormErrors,
    language: Language,
    condition_key: &str,
) -> Vec<FieldView> {
    let on_page = |code: &str| page.fields.iter().any(|f| f.code.get_ref() == code);
    page.fields
        .iter()
        .filter(|f| f.show_when.as_ref().is_none_or(|c| on_page(&c.get_ref().field) || answers.satisfies(c.get_ref())))
        .map(|f| view(f, page, answers, facts, errors, language, condition_key))
        .collect()
}

fn view(
    field: &Field,
    page: &Page,
    answers: &Answers,
    facts: &AccountFacts,
    errors: &FormErrors,
    language: Language,
    condition_key: &str,
) -> FieldView {
    let code = field.code.get_ref().clone();
    let locked_answer = facts.answer_for(field);
    let answer = locked_answer.as_ref().or_else(|| answers.get(&code));
    let chosen = |value: &str| answer.is_some_and(|a| a.has(value));
    let (control, input_type, inputmode, autocomplete) = match field.kind {
        FieldType::Text | FieldType::PassportNumber | FieldType::VehicleRegistration => ("input", "text", "text", "off"),
        FieldType::LongText => ("textarea", "", "", ""),
        FieldType::Number => ("input", "text", "decimal", "off"),
        FieldType::Date => ("input", "date", "", "off"),
        FieldType::Select | FieldType::County => ("select", "", "", ""),
        FieldType::Radio | FieldType::YesNo => ("radio", "", "", ""),
        FieldType::Checkbox => ("checkbox", "", "", ""),
        FieldType::Email => ("input", "email", "email", "email"),
        FieldType::Phone => ("input", "tel", "tel", "tel"),
        FieldType::NationalId | FieldType::KraPin => {
            ("input", "text", if field.kind == FieldType::NationalId { "numeric" } else { "text" }, "off")
        }
    };
    let choices: Vec<ChoiceView> = match field.kind {
        FieldType::YesNo => [
            ("yes", if language == Language::Sw { "Ndiyo" } else { "Yes" }),
            ("no", if language == Language::Sw { "Hapana" } else { "No" }),
        ]
        .into_iter()
        .map(|(v, l)| ChoiceView { value: v.into(), label: l.into(), selected: chosen(v) })
        .collect(),
        FieldType::County => COUNTIES.iter().map(|c| ChoiceView { value: (*c).into(), label: (*c).into(), selected: chosen(c) }).collect(),
        _ => field
            .options
            .iter()
            .map(|o| ChoiceView {
                value: o.value.get_ref().clone(),
                label: o.label.get_ref().get(language).to_owned(),
                selected: chosen(o.value.get_ref()),
            })
            .collect(),
    };
    let same_page_condition =
        field.show_when.as_ref().map(|c| c.get_ref()).filter(|c| page.fields.iter().any(|f| f.code.get_ref() == &c.field));
    let (reveal_when, condition_hint) = match same_page_condition {
        Some(c) => {
            let trigger = page.fields.iter().find(|f| f.code.get_ref() == &c.field);
            let question = trigger.map(|t| t.label.get_ref().get(language).to_owned()).unwrap_or_default();
            let answer_label = trigger
                .and_then(|t| t.options.iter().find(|o| o.value.get_ref() == &c.equals).map(|o| o.label.get_ref().get(language).to_owned()))
                .unwrap_or_else(|| match (c.equals.as_str(), language) {
                    ("yes", Language::Sw) => "Ndiyo".into(),
                    ("no", Language::Sw) => "Hapana".into(),
                    ("yes", _) => "Yes".into(),
                    ("no", _) => "No".into(),
                    (other, _) => other.into(),
                });
            (format!("{}={}", c.field, c.equals), condition_key.replace("{question}", &question).replace("{answer}", &answer_label))
        }
        None => (String::new(), String::new()),
    };
    FieldView {
        error: errors.get(&code).map(str::to_owned),
        value: text_of(answer),
        code,
        control,
        input_type,
        inputmode,
        autocomplete,
        label: field.label.get_ref().get(language).to_owned(),
        hint: field.hint.as_ref().map(|h| h.get_ref().get(language).to_owned()).unwrap_or_default(),
        choices,
        locked: locked_answer.is_some(),
        optional: !field.required,
        reveal_when,
        condition_hint,
    }
}

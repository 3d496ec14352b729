//! The shape of catalogue files. Parsing is strict (unknown keys are errors) and keeps
//! source positions for the checker's messages.

use crate::Language;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A text every person reads, in both languages.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// English.
    #[serde(default)]
    pub en: String,
    /// Kiswahili.
    #[serde(default)]
    pub sw: String,
}

impl Text {
    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::En => &self.en,
            Language::Sw => &self.sw,
        }
    }
}

/// An office where people can go.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// Name and address.
    pub name: Spanned<Text>,
    /// Opening hours.
    pub hours: Spanned<Text>,
}

/// An agency's short name: one for both languages (an acronym such as `KRA`), or one per
/// language when it is a word (`{ en = "Immigration", sw = "Uhamiaji" }`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ShortName {
    /// The same in every language.
    Same(String),
    /// A name per language.
    PerLanguage(Text),
}

impl ShortName {
    /// The short name in `language`.
    pub fn get(&self, language: Language) -> &str {
        match self {
            Self::Same(name) => name,
            Self::PerLanguage(text) => text.get(language),
        }
    }
}

/// `catalogue/<agency>/agency.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Stable code, equal to the folder name.
    pub code: Spanned<String>,
    /// Full name.
    pub name: Spanned<Text>,
    /// Short name for lists.
    #[serde(default)]
    pub short_name: Option<ShortName>,
    /// Words a search for the agency's acronym (its short name, when that is one word for
    /// both languages) also looks for: people type `NTSA` for services that say "national
    /// transport".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acronym_means: Vec<String>,
    /// What the agency does.
    pub description: Spanned<Text>,
    /// Public phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Public email.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    /// Offices and hours.
    #[serde(default)]
    pub offices: Vec<Office>,
}

/// One entry of `catalogue/categories.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable code.
    pub code: Spanned<String>,
    pub name: Spanned<Text>,
    pub description: Spanned<Text>,
}

/// `catalogue/categories.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CategoriesFile {
    /// All categories, in display order.
    pub categories: Vec<Category>,
}

/// Who may apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Eligible {
    /// Kenyan citizens.
    Citizen,
    /// Foreign residents.
    Resident,
    Visitor,
}

/// What the agency issues at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Issues {
    /// Nothing (a payment or a filing).
    None,
    Certificate,
    Licence,
    Permit,
    Card,
    Passport,
    Letter,
}

/// Search words beyond the names.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Keywords {
    /// English words and abbreviations.
    #[serde(default)]
    pub en: Vec<String>,
    /// Kiswahili words.
    #[serde(default)]
    pub sw: Vec<String>,
}

/// An amount as written: whole units as an integer, or a decimal string.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Amount {
    /// `950`
    Whole(i64),
    /// `"1050.50"`
    Text(String),
}

impl Amount {
    /// The amount in minor units, if it is a valid non-negative amount.
    pub fn minor(&self) -> Option<i64> {
        match self {
            Self::Whole(n) if *n >= 0 => n.checked_mul(100),
            Self::Whole(_) => None,
            Self::Text(t) => crate::Money::parse_major(t, crate::Currency::Kes).map(|m| m.minor),
        }
    }
}

/// A priced option (passport pages, licence period).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeeOption {
    /// Stable code.
    pub code: Spanned<String>,
    /// What the citizen picks.
    pub label: Spanned<Text>,
    /// Price.
    #[serde(default)]
    pub amount: Option<Spanned<Amount>>,
}

/// The service's fee.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fee {
    /// `KES` or `USD`.
    pub currency: Spanned<String>,
    /// A fixed amount.
    #[serde(default)]
    pub amount: Option<Spanned<Amount>>,
    /// The service is free.
    #[serde(default)]
    pub free: bool,
    /// Priced options.
    #[serde(default)]
    pub options: Vec<FeeOption>,
}

/// Types of form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line.
    Text,
    /// Several lines.
    LongText,
    Number,
    Date,
    /// A drop-down.
    Select,
    /// One of several.
    Radio,
    /// Any of several.
    Checkbox,
    /// Yes or no.
    YesNo,
    /// Email address.
    Email,
    /// Kenyan mobile.
    Phone,
    /// National ID number.
    NationalId,
    KraPin,
    PassportNumber,
    VehicleRegistration,
    /// One of the 47 counties.
    County,
}

impl FieldType {
    /// Whether the field needs `options`.
    pub fn has_options(self) -> bool {
        matches!(self, Self::Select | Self::Radio | Self::Checkbox)
    }
}

/// A choice of a select, radio or checkbox field.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Stored value.
    pub value: Spanned<String>,
    /// Shown label.
    pub label: Spanned<Text>,
}

/// "Only when an earlier answer equals …".
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Code of an earlier field.
    pub field: String,
    /// The answer that triggers the condition.
    pub equals: String,
}

/// A form field.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Stable code, unique in the service.
    pub code: Spanned<String>,
    /// Type.
    #[serde(rename = "type")]
    pub kind: FieldType,
    pub label: Spanned<Text>,
    #[serde(default)]
    pub hint: Option<Spanned<Text>>,
    /// Must be answered.
    #[serde(default)]
    pub required: bool,
    /// Shortest text.
    #[serde(default)]
    pub min_length: Option<u32>,
    /// Longest text.
    #[serde(default)]
    pub max_length: Option<u32>,
    /// Smallest number.
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest number.
    #[serde(default)]
    pub max: Option<f64>,
    /// Pattern the text must match.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Choices.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// Shown only when an earlier answer matches.
    #[serde(default)]
    pub show_when: Option<Spanned<Condition>>,
    /// Filled from the applicant's account instead of typed (when the account has it).
    #[serde(default)]
    pub prefill: Option<Spanned<Prefill>>,
}

/// Facts the account already holds, from the population register or verified contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// First, other and family names.
    FullName,
    /// Given name.
    FirstName,
    /// Middle names.
    OtherNames,
    /// Family name.
    Surname,
    /// The number of the document the account was registered with.
    IdNumber,
    /// Date of birth from the register.
    DateOfBirth,
    /// Verified phone.
    Phone,
    /// Verified email.
    Email,
    /// KRA PIN from the register.
    KraPin,
}

impl Prefill {
    /// The field types this fact can fill.
    pub fn fits(self, kind: FieldType) -> bool {
        use FieldType as T;
        match self {
            Self::FullName | Self::FirstName | Self::OtherNames | Self::Surname => kind == T::Text,
            Self::IdNumber => matches!(kind, T::NationalId | T::PassportNumber | T::Text),
            Self::DateOfBirth => kind == T::Date,
            Self::Phone => kind == T::Phone,
            Self::Email => kind == T::Email,
            Self::KraPin => kind == T::KraPin,
        }
    }
}

/// A page of the form.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// Stable code.
    pub code: Spanned<String>,
    pub title: Spanned<Text>,
    /// Fields in order.
    #[serde(default)]
    pub fields: Vec<Field>,
}

/// A document the applicant uploads.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Stable code.
    pub code: Spanned<String>,
    /// What it is.
    pub label: Spanned<Text>,
    /// Accepted file types (`pdf`, `jpeg`, `png`).
    pub types: Vec<Spanned<String>>,
    /// Size limit.
    #[serde(default)]
    pub max_size_mb: Option<Spanned<f64>>,
    /// Always required.
    #[serde(default)]
    pub required: bool,
    /// Required only when an answer matches.
    #[serde(default)]
    pub required_when: Option<Spanned<Condition>>,
}

/// A workflow state.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Stable code.
    pub code: Spanned<String>,
    /// Shown to citizens and officers.
    pub label: Spanned<Text>,
    /// Working days the agency has in this state.
    #[serde(default)]
    pub sla_days: Option<u32>,
    /// The application ends here.
    #[serde(default, rename = "final")]
    pub is_final: bool,
    /// The application is back with the applicant (to answer a question or correct a
    /// document); the agency's SLA clock stops until they resubmit.
    #[serde(default)]
    pub with_applicant: bool,
}

/// What an action does besides moving the application, which decides what the officer
/// must give (a reason, a question, an appointment) and what the citizen is told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Moves the application on; an optional note for the citizen.
    #[default]
    Move,
    /// Approves (the thing itself follows: collection, a card, a passport).
    Approve,
    /// Refuses, with a reason the citizen reads.
    Reject,
    /// Sends the application back to the applicant with a question or a document to
    /// correct; leads to a `with_applicant` state.
    RequestInformation,
    /// Books the applicant for a visit (biometrics, fingerprints, inspection): date,
    /// time and office.
    ScheduleAppointment,
    /// The applicant may come for the item.
    ReadyForCollection,
    /// Issues the service's `[certificate]` as a PDF with a serial number and QR code.
    Issue,
    /// The applicant answers a request and sends the application back (role `applicant`).
    Resubmit,
}

impl ActionKind {
    /// Stable code, as written in the catalogue.
    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Move => "move",
            ActionKind::Approve => "approve",
            ActionKind::Reject => "reject",
            ActionKind::RequestInformation => "request_information",
            ActionKind::ScheduleAppointment => "schedule_appointment",
            ActionKind::ReadyForCollection => "ready_for_collection",
            ActionKind::Issue => "issue",
            ActionKind::Resubmit => "resubmit",
        }
    }
}

/// A workflow action.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// Stable code.
    pub code: Spanned<String>,
    /// Button label.
    pub label: Spanned<Text>,
    /// States it can be taken from.
    pub from: Vec<Spanned<String>>,
    /// State it leads to.
    pub to: Spanned<String>,
    /// Role allowed to take it.
    #[serde(default)]
    pub role: Option<Spanned<String>>,
    /// What it does ([`ActionKind::Move`] when not given).
    #[serde(default)]
    pub kind: Option<Spanned<ActionKind>>,
}

impl Action {
    /// What the action does.
    pub fn kind(&self) -> ActionKind {
        self.kind.as_ref().map(|k| *k.get_ref()).unwrap_or_default()
    }
}

/// The document a service issues online: a PDF made from this template, with a serial
/// number and a QR code to the public verification page.
///
/// Text may name `{name}`, `{document_number}`, `{reference}`, `{serial}`, `{issued_on}`,
/// `{valid_until}` and `{answer.FIELD}` for any field of the form.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Heading, e.g. "Certificate of good conduct".
    pub title: Spanned<Text>,
    /// Paragraphs.
    pub body: Vec<Spanned<Text>>,
    /// Who signs, e.g. "Director of Criminal Investigations".
    pub signatory: Spanned<Text>,
    /// Days it stays valid; none means it does not expire.
    #[serde(default)]
    pub valid_days: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// First state after submission.
    pub start: Spanned<String>,
    pub states: Vec<State>,
    #[serde(default)]
    pub actions: Vec<Action>,
}

/// `catalogue/<agency>/<service>.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Stable code, equal to the file name.
    pub code: Spanned<String>,
    /// Filled in by the loader from the folder.
    #[serde(default, skip_deserializing)]
    pub agency: String,
    /// Category code.
    pub category: Spanned<String>,
    /// Who may apply.
    pub account_types: Spanned<Vec<Eligible>>,
    /// Promised processing time, working days.
    pub processing_days: u32,
    /// What is issued.
    pub issues: Issues,
    /// Among the most used.
    #[serde(default)]
    pub popular: bool,
    /// Search words.
    #[serde(default)]
    pub keywords: Keywords,
    pub name: Spanned<Text>,
    /// One line.
    pub summary: Spanned<Text>,
    /// Longer description.
    pub description: Spanned<Text>,
    /// What happens after submission.
    pub next_steps: Spanned<Text>,
    /// Steps shown on the service page.
    #[serde(default)]
    pub steps: Vec<Spanned<Text>>,
    pub fee: Spanned<Fee>,
    /// Form pages.
    #[serde(default)]
    pub pages: Vec<Page>,
    /// Documents to upload.
    #[serde(default)]
    pub documents: Vec<Document>,
    pub workflow: Workflow,
    /// What an `issue` action produces.
    #[serde(default)]
    pub certificate: Option<Certificate>,
}

impl Service {
    /// Whether the service costs nothing.
    pub fn is_free(&self) -> bool {
        self.fee.get_ref().free
    }

    /// Currency of the fee.
    pub fn currency(&self) -> crate::Currency {
        crate::Currency::parse(self.fee.get_ref().currency.get_ref()).unwrap_or(crate::Currency::Kes)
    }

    /// The fixed fee, or the cheapest option, in minor units.
    pub fn fee_from(&self) -> Option<crate::Money> {
        let fee = self.fee.get_ref();
        let currency = self.currency();
        if fee.free {
            return Some(crate::Money::zero(currency));
        }
        let amounts = fee.amount.iter().chain(fee.options.iter().filter_map(|o| o.amount.as_ref())).filter_map(|a| a.get_ref().minor());
        amounts.min().map(|minor| crate::Money { minor, currency })
    }

    /// Every field of every page, in order.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.pages.iter().flat_map(|p| p.fields.iter())
    }
}

//! Answers the account already knows. A field with `prefill` in its definition takes the
//! account's value and is not retyped — but only when that value passes the field's own
//! rules (a resident's alien card number does not fill a national ID field).

use super::answers::Answer;
use super::validate;
use crate::catalogue::definition::{Field, Prefill};

/// What the portal knows about the applicant, from the register and verified contacts.
#[derive(Debug, Clone, Default)]
pub struct AccountFacts {
    /// Given name.
    pub first_name: String,
    /// Middle names.
    pub other_names: String,
    /// Family name.
    pub surname: String,
    /// The number of the document the account was registered with.
    pub document_number: String,
    /// `YYYY-MM-DD`, when the register gave it.
    pub date_of_birth: Option<String>,
    /// Verified phone (E.164).
    pub phone: String,
    /// Verified email.
    pub email: String,
    /// KRA PIN, when the register gave it.
    pub kra_pin: Option<String>,
}

impl AccountFacts {
    fn fact(&self, what: Prefill) -> Option<String> {
        let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        match what {
            Prefill::FullName => non_empty(
                &[self.first_name.as_str(), self.other_names.as_str(), self.surname.as_str()]
                    .iter()
                    .filter(|p| !p.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Prefill::FirstName => non_empty(&self.first_name),
            Prefill::OtherNames => non_empty(&self.other_names),
            Prefill::Surname => non_empty(&self.surname),
            Prefill::IdNumber => non_empty(&self.document_number),
            Prefill::DateOfBirth => self.date_of_birth.clone(),
            Prefill::Phone => non_empty(&self.phone),
            Prefill::Email => non_empty(&self.email),
            Prefill::KraPin => self.kra_pin.clone(),
        }
    }

    /// The account's answer to `field`, if the field is prefilled and the fact is known
    /// and valid for it. Such a field is shown read-only.
    pub fn answer_for(&self, field: &Field) -> Option<Answer> {
        let what = *field.prefill.as_ref()?.get_ref();
        let value = self.fact(what)?;
        validate::check(field, Some(&Answer::One(value))).ok().flatten()
    }
}

//! Reading the states and codes the database stores. A stored value the domain does not
//! know means the row was changed by hand or by newer code: it is an error that surfaces,
//! never a guess, so a corrupt payment state is never read as an open one.

/// A stored text that names no known state or code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stored {kind}: {value:?}")]
pub struct UnknownStored {
    /// What was being read, e.g. `payment attempt state`.
    pub kind: &'static str,
    /// The text found.
    pub value: String,
}

/// Implements `TryFrom<String>` (what the store decodes with) from a type's own parser.
macro_rules! stored_text {
    ($($ty:ty => $kind:literal, $parse:expr;)*) => {$(
        impl TryFrom<String> for $ty {
            type Error = UnknownStored;
            fn try_from(value: String) -> Result<Self, UnknownStored> {
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(&value).ok_or(UnknownStored { kind: $kind, value })
            }
        }
    )*};
}

stored_text! {
    crate::payments::attempt::AttemptState => "payment attempt state", crate::payments::attempt::AttemptState::parse;
    crate::payments::invoice::InvoiceStatus => "invoice status", crate::payments::invoice::InvoiceStatus::parse;
    crate::Currency => "currency", crate::Currency::parse;
    crate::Language => "language", crate::Language::parse;
    crate::ticket::Status => "ticket status", crate::ticket::Status::parse;
    crate::ticket::Category => "ticket category", crate::ticket::Category::parse;
    crate::application::status::Status => "application status", |s| (!s.is_empty()).then(|| crate::application::status::Status::parse(s));
    crate::workflow::StaffRole => "staff role", crate::workflow::StaffRole::parse;
    crate::AccountType => "account type", crate::AccountType::parse;
    crate::Health => "component health", crate::Health::parse;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::attempt::AttemptState;
    use crate::payments::invoice::InvoiceStatus;

    #[test]
    fn known_values_read_back_and_unknown_ones_are_errors() {
        assert_eq!(AttemptState::try_from("timed_out".to_owned()), Ok(AttemptState::TimedOut));
        assert_eq!(InvoiceStatus::try_from("paid".to_owned()), Ok(InvoiceStatus::Paid));
        let err = AttemptState::try_from("requestd".to_owned()).expect_err("a typo is not a state");
        assert_eq!(err, UnknownStored { kind: "payment attempt state", value: "requestd".into() });
        assert!(InvoiceStatus::try_from(String::new()).is_err(), "an empty status is not pending");
        assert!(crate::Currency::try_from("kes".to_owned()).is_err(), "codes are exact");
        assert!(crate::ticket::Status::try_from("opened".to_owned()).is_err());
    }

    #[test]
    fn application_statuses_are_open_but_never_empty() {
        use crate::application::status::Status;
        assert_eq!(Status::try_from("draft".to_owned()), Ok(Status::Draft));
        assert_eq!(Status::try_from("vetting".to_owned()), Ok(Status::Workflow("vetting".into())));
        assert_eq!(Status::try_from(String::new()), Err(UnknownStored { kind: "application status", value: String::new() }));
        assert_eq!(crate::workflow::StaffRole::try_from("officer".to_owned()), Ok(crate::workflow::StaffRole::Officer));
        assert!(crate::workflow::StaffRole::try_from("admin".to_owned()).is_err());
        assert_eq!(crate::AccountType::try_from("visitor".to_owned()), Ok(crate::AccountType::Visitor));
        assert!(crate::AccountType::try_from("business".to_owned()).is_err());
    }
}

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
}

//! Typed keys of stored records. Each table's key has its own type, so an application id
//! cannot be passed where an account id is wanted; the store reads and writes them, and an
//! id from a URL or form is parsed once at the edge.

use crate::stored::UnknownStored;
use std::fmt;

/// The longest id accepted; generated ids are 36 characters.
const MAX_LEN: usize = 64;

/// Whether `text` can be an id: 1 to 64 ASCII letters, digits, `-` or `_`. Generated ids
/// (UUIDs) are, and so are the ids agency systems and operators choose.
fn valid(text: &str) -> bool {
    (1..=MAX_LEN).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A 128-bit value written as a UUID is (lowercase, hyphenated), so the domain needs no
/// UUID library to accept generated ids.
fn uuid_text(bits: u128) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        bits >> 96,
        (bits >> 80) & 0xffff,
        (bits >> 64) & 0xffff,
        (bits >> 48) & 0xffff,
        bits & 0xffff_ffff_ffff
    )
}

/// A key the store can generate for a new row: the store supplies fresh random bits (a
/// UUIDv7) and the type writes them as its text, which is always a valid id.
pub trait Generated: Sized {
    /// The id written from `bits` as a UUID.
    fn from_generated(bits: u128) -> Self;
}

/// Rows without a typed key (sessions, jobs, messages) use plain text ids.
impl Generated for String {
    fn from_generated(bits: u128) -> Self {
        uuid_text(bits)
    }
}

/// Declares id newtypes over `String`, each with the name its decode errors use.
macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident => $kind:literal;)*) => {$(
        $(#[$doc])*
        // Serialised as its text (audit details, JSON bodies, flow state); read back
        // through the same check as a stored id.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub struct $name(String);

        impl $name {
            /// Reads an id that arrived in a URL or form; `None` when the text cannot be
            /// one, which callers treat like an id that names nothing.
            pub fn parse(text: &str) -> Option<Self> {
                valid(text).then(|| Self(text.to_owned()))
            }

            /// The text the database and URLs carry.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Generated for $name {
            fn from_generated(bits: u128) -> Self {
                Self(uuid_text(bits))
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownStored;
            fn try_from(value: String) -> Result<Self, UnknownStored> {
                if valid(&value) { Ok(Self(value)) } else { Err(UnknownStored { kind: $kind, value }) }
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}

ids! {
    /// A citizen's, resident's or visitor's account: owns applications, invoices, sessions.
    AccountId => "account id";
    /// An application, draft or submitted; never shown (citizens see its reference).
    ApplicationId => "application id";
    /// An invoice's internal key (citizens and agencies see its number).
    InvoiceId => "invoice id";
    /// One attempt to pay an invoice (an STK push or a card checkout).
    AttemptId => "payment attempt id";
    /// A settled payment, which receipts record.
    PaymentId => "payment id";
    /// A document uploaded to an application.
    DocumentId => "document id";
    /// A staff member of an agency or of the platform.
    StaffId => "staff id";
    /// A helpdesk ticket's internal key (people see its number).
    TicketId => "ticket id";
    /// An agency system allowed to create bills (its `apiClientID`, chosen by the operator).
    ApiClientId => "api client id";
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_ids_are_written_as_uuids_and_are_valid() {
        let bits = 0x0190_6f3a_1b2c_7d4e_8f50_6172_8394_a5b6_u128;
        let id = AccountId::from_generated(bits);
        assert_eq!(id.as_str(), "01906f3a-1b2c-7d4e-8f50-61728394a5b6");
        assert_eq!(AccountId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(String::from_generated(bits), id.to_string());
        assert_eq!(AccountId::from_generated(0).as_str(), "00000000-0000-0000-0000-000000000000");
    }

    #[test]
    fn ids_chosen_by_people_and_benchmarks_are_valid() {
        for text in ["NTS", "12", "bench-staff-officer-01", "bench_app_0000001-03", &"a".repeat(64)] {
            assert!(ApiClientId::parse(text).is_some(), "{text}");
            assert_eq!(StaffId::try_from(text.to_owned()).map(|id| id.to_string()), Ok(text.to_owned()));
        }
    }

    #[test]
    fn malformed_text_is_no_id() {
        for text in ["", " ", "a b", "a/b", "a.b", "../etc", "ñ", "id%20", &"a".repeat(65)] {
            assert_eq!(ApplicationId::parse(text), None, "{text:?}");
        }
        assert_eq!(
            InvoiceId::try_from(String::new()),
            Err(UnknownStored { kind: "invoice id", value: String::new() }),
            "an empty stored id is an error, not a key"
        );
        let err = StaffId::try_from("x y".to_owned()).expect_err("a space is not in an id");
        assert_eq!(err.kind, "staff id");
    }

    #[test]
    fn ids_in_serialised_state_are_read_through_the_same_check() {
        use serde::Deserialize;
        use serde::de::IntoDeserializer;
        use serde::de::value::Error;
        let read = |text: &str| StaffId::deserialize(IntoDeserializer::<Error>::into_deserializer(text.to_owned()));
        assert_eq!(read("bench-staff-officer-01"), Ok(StaffId("bench-staff-officer-01".into())));
        assert!(read("a b").is_err(), "a flow's stored state with a bad id does not load");
    }

    proptest! {
        #[test]
        fn every_generated_id_parses_back(bits in any::<u128>()) {
            let id = DocumentId::from_generated(bits);
            prop_assert_eq!(id.as_str().len(), 36);
            prop_assert_eq!(DocumentId::parse(id.as_str()), Some(id));
        }

        #[test]
        fn parse_and_the_stored_reading_agree(text in "[ -~]{0,70}") {
            prop_assert_eq!(TicketId::parse(&text), TicketId::try_from(text.clone()).ok());
        }
    }
}

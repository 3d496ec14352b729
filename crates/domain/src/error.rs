//! The one error type of the domain layer.

/// Input that does not parse into a domain type. `code` is stable: it is shown to API
/// clients and is the key of the translated message (`error.<code>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {code}")]
pub struct InvalidInput {
    /// Stable, dotted error code such as `phone.invalid`.
    pub code: &'static str,
}

impl InvalidInput {
    /// Builds an error with the given stable code.
    pub const fn new(code: &'static str) -> Self {
        Self { code }
    }
}

/// Removes the spaces, dashes and dots people type inside numbers.
pub(crate) fn compact(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')')).collect()
}

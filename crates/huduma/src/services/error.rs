//! The service layer's one error type.

/// Stands for the word "or" inside a field error's value (a list of file types): the web
/// layer, which words every error, puts the reader's word in its place.
pub const OR: &str = "\u{1f}";

/// A problem with one field of the input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The input field (form name / JSON key).
    pub field: std::borrow::Cow<'static, str>,
    /// Stable error code; the message is `error.<code>` in the locale files.
    pub code: &'static str,
    /// Values for the message's placeholders (`{min}`, `{limit}`…).
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    /// An error on a field named at run time (a service's form field).
    pub fn new(field: impl Into<std::borrow::Cow<'static, str>>, code: &'static str, args: Vec<(&'static str, String)>) -> Self {
        Self { field: field.into(), code, args }
    }
}

/// Why a use case did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is wrong; each problem names its field.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// The flow (registration, sign-in…) expired or never existed: start again.
    #[error("flow expired")]
    FlowExpired,
    /// Not found, or not yours: the two look the same.
    #[error("not found")]
    NotFound,
    /// Too many attempts; try again after this many seconds.
    #[error("rate limited for {retry_after}s")]
    RateLimited {
        /// Seconds until the window resets.
        retry_after: i64,
    },
    /// An outside system (the population register) did not answer.
    #[error("dependency unavailable: {0}")]
    Unavailable(&'static str),
    /// The document store is down, unreachable or refuses the portal: nothing was
    /// stored or read, and the same request can be tried again in a few minutes
    /// ([`STORE_RETRY_AFTER_SECS`]). The cause is logged once at the boundary.
    #[error("document store unavailable: {0}")]
    StoreUnavailable(#[source] object_store::Error),
    /// A bug or an outage; logged once at the boundary.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The wait a refusal for [`ServiceError::StoreUnavailable`] asks for (`Retry-After`):
/// long enough for a store node to restart, short enough that "a few minutes" is true.
pub const STORE_RETRY_AFTER_SECS: i64 = 120;

/// A store failure that is an outage becomes [`ServiceError::StoreUnavailable`]; any other
/// (a missing object behind a stored reference, a bad path) is a bug.
impl From<object_store::Error> for ServiceError {
    fn from(err: object_store::Error) -> Self {
        if crate::integrations::object_storage::is_outage(&err) { Self::StoreUnavailable(err) } else { Self::Internal(err.into()) }
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(err: sqlx::Error) -> Self {
        Self::Internal(err.into())
    }
}

/// Whether a failure came from the database being unreachable, restarting or shutting
/// down (rather than a bug): no connection to be had, a connection cut, or PostgreSQL's
/// "connection exception" (08) and "operator intervention" (57) classes. The request can
/// be tried again once the database is back.
pub fn is_database_outage(err: &anyhow::Error) -> bool {
    err.chain().filter_map(|cause| cause.downcast_ref::<sqlx::Error>()).any(|err| match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        _ => false,
    })
}

impl ServiceError {
    /// One field error.
    pub fn field(field: &'static str, code: &'static str) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, Vec::new())])
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(errors) => errors.first().map_or("invalid", |e| e.code),
            Self::FlowExpired => "flow.expired",
            Self::NotFound => "not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(code) => code,
            Self::StoreUnavailable(_) => "documents.store_unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

/// Result of a use case.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// Collects field errors while parsing a form, so the person sees every problem at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Parses one field, remembering its error.
    pub fn check<T>(&mut self, field: &'static str, result: Result<T, huduma_domain::InvalidInput>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.0.push(FieldError::new(field, err.code, Vec::new()));
                None
            }
        }
    }

    /// Adds an error.
    pub fn add(&mut self, field: &'static str, code: &'static str) {
        self.0.push(FieldError::new(field, code, Vec::new()));
    }

    /// `Err` when anything was wrong.
    pub fn finish(self) -> ServiceResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(ServiceError::Invalid(self.0)) }
    }
}

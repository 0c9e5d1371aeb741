//! The one error type of the domain layer. The web adapter maps each variant to an
//! HTTP status and an RFC 9457 problem document; the CLI prints its message.

use serde::Serialize;

/// Result with the domain error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One invalid field: a JSON-pointer-like path, a stable code the UI can translate,
/// and an English message for API clients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `production.earliest_year` or `dimensions[2].unit`.
    pub field: String,
    /// Stable machine code, e.g. `required`, `year_order`, `unknown_reference`.
    pub code: String,
    /// Human-readable explanation (English).
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// Everything a use case can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is well-formed but breaks a rule; names every offending field.
    #[error("invalid input: {}", summary(.0))]
    Invalid(Vec<FieldError>),
    /// The input could not be read at all (bad syntax, wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// No such record, or the caller may not know it exists.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// A uniqueness or state rule clashes with an existing record.
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else (now at version {current})")]
    VersionMismatch { current: i64 },
    /// A write came without the version it is based on.
    #[error("{0}")]
    PreconditionRequired(String),
    /// No valid credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// Valid credentials, insufficient role.
    #[error("permission denied: {0}")]
    Forbidden(String),
    /// Too many attempts; retry later.
    #[error("too many attempts, try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// A database failure (a bug or an outage, never the caller's fault).
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// Query parameters that cannot be used (400), each naming its parameter.
    #[error("invalid parameters: {}", summary(.0))]
    InvalidParameters(Vec<FieldError>),
    /// The service cannot answer right now (503), e.g. the search index is being built.
    #[error("{0}")]
    Unavailable(String),
    /// The upload is bigger than allowed (413).
    #[error("{0}")]
    TooLarge(String),
    /// A file of a kind this museum does not take (415).
    #[error("{0}")]
    UnsupportedMedia(String),
    /// The answer cannot be given in a form the request accepts (406).
    #[error("{0}")]
    NotAcceptable(String),
    /// The disk is full: nothing was stored (507).
    #[error("{0}")]
    StorageFull(String),
    /// Anything else that is our fault.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The first few errors in one line (all of them are in the list beside it).
fn summary(errors: &[FieldError]) -> String {
    const SHOWN: usize = 3;
    let mut s = errors
        .iter()
        .take(SHOWN)
        .map(|e| format!("{}: {}", crate::excerpt::excerpt(&e.field), e.message))
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > SHOWN {
        s.push_str(&format!("; and {} more", errors.len() - SHOWN));
    }
    s
}

impl Error {
    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, code, message)])
    }
}

impl Error {
    /// The same field errors, as a 400 about query parameters rather than a 422 about a body.
    pub fn into_parameters(self) -> Self {
        match self {
            Error::Invalid(v) => Error::InvalidParameters(v),
            e => e,
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("JSON: {e}"))
    }
}

/// Collects field errors during validation and turns them into one `Error::Invalid`.
#[derive(Default, Debug)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    /// Records a problem with a field.
    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }
    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

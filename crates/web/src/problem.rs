//! RFC 9457 problem documents: how every refusal and failure reaches an API client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use vitrine_kernel::excerpt::{excerpt, excerpt_to};
use vitrine_kernel::{Error, FieldError};

/// At most this many field errors are listed; `errors_omitted` counts the rest.
pub const MAX_FIELD_ERRORS: usize = 50;
/// The longest `detail` or message sent, in characters (outside input is quoted as an
/// excerpt of [`vitrine_kernel::excerpt::EXCERPT_CHARS`] before that).
const MAX_TEXT_CHARS: usize = 500;
/// At most this many items of a list in an extension member (e.g. refused lines).
const MAX_LIST_ITEMS: usize = 100;

/// An `application/problem+json` body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong this time, for a person.
    pub detail: String,
    /// The field (or parameter, or header) at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every invalid field, for validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The record's current version, on a version mismatch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// Extension members (RFC 9457 §3.2) of some answers, e.g. the counts of a partly
    /// refused ingest and the `message`/`error` members InfluxDB clients print.
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem with a status, a type slug and a detail.
    pub fn new(status: StatusCode, slug: &str, detail: impl Into<String>) -> Self {
        Problem {
            kind: format!("https://vitrine.museum/problems/{slug}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            errors: Vec::new(),
            current_version: None,
            extensions: serde_json::Map::new(),
        }
    }
    /// Adds an extension member (never one of the standard members' names).
    pub fn extension(mut self, name: &str, value: impl Serialize) -> Self {
        if let Ok(v) = serde_json::to_value(value) {
            self.extensions.insert(name.to_owned(), v);
        }
        self
    }
    /// Names the field at fault.
    pub fn field(mut self, f: impl Into<String>) -> Self {
        self.field = Some(f.into());
        self
    }
}

impl Problem {
    /// The same problem, no bigger than a few kilobytes whatever the input was: long texts
    /// cut (and marked), at most [`MAX_FIELD_ERRORS`] field errors with a count of the rest.
    fn bounded(mut self) -> Self {
        self.detail = excerpt_to(&self.detail, MAX_TEXT_CHARS);
        self.field = self.field.map(|f| excerpt(&f));
        if self.errors.len() > MAX_FIELD_ERRORS {
            let omitted = self.errors.len() - MAX_FIELD_ERRORS;
            self.errors.truncate(MAX_FIELD_ERRORS);
            self.extensions
                .insert("errors_omitted".into(), omitted.into());
        }
        for e in &mut self.errors {
            e.field = excerpt(&e.field);
            e.message = excerpt_to(&e.message, MAX_TEXT_CHARS);
        }
        for v in self.extensions.values_mut() {
            bound_value(v);
        }
        self
    }
}

/// Cuts every string and list inside an extension member.
fn bound_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = excerpt_to(s, MAX_TEXT_CHARS),
        serde_json::Value::Array(items) => {
            items.truncate(MAX_LIST_ITEMS);
            items.iter_mut().for_each(bound_value);
        }
        serde_json::Value::Object(m) => m.values_mut().for_each(bound_value),
        _ => {}
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let p = self.bounded();
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&p).unwrap_or_default();
        let mut r = (status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        r
    }
}

/// An error on its way to the client.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        let detail = e.to_string();
        match e {
            Error::Invalid(errors) => {
                let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail);
                p.field = errors.first().map(|f| f.field.clone());
                p.errors = errors;
                p
            }
            Error::BadRequest(_) => Problem::new(StatusCode::BAD_REQUEST, "bad-request", detail),
            Error::InvalidParameters(errors) => {
                let mut p = Problem::new(StatusCode::BAD_REQUEST, "invalid-parameters", detail);
                p.field = errors.first().map(|f| f.field.clone());
                p.errors = errors;
                p
            }
            Error::Unavailable(_) => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail)
            }
            Error::NotFound { .. } => Problem::new(StatusCode::NOT_FOUND, "not-found", detail),
            Error::Conflict { field, .. } => {
                let mut p = Problem::new(StatusCode::CONFLICT, "conflict", detail);
                p.field = field;
                p
            }
            Error::VersionMismatch { current } => {
                let mut p =
                    Problem::new(StatusCode::PRECONDITION_FAILED, "version-mismatch", detail)
                        .field("If-Match");
                p.current_version = Some(current);
                p
            }
            Error::PreconditionRequired(_) => Problem::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                detail,
            )
            .field("If-Match"),
            Error::Unauthenticated => {
                Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
            }
            Error::Forbidden(_) => Problem::new(StatusCode::FORBIDDEN, "forbidden", detail),
            Error::RateLimited { .. } => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", detail)
            }
            Error::TooLarge(_) => {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", detail).field("file")
            }
            Error::UnsupportedMedia(_) => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media",
                detail,
            )
            .field("file"),
            Error::NotAcceptable(_) => {
                Problem::new(StatusCode::NOT_ACCEPTABLE, "not-acceptable", detail).field("Accept")
            }
            Error::StorageFull(_) => {
                tracing::error!(error = %detail, "storage full");
                Problem::new(StatusCode::INSUFFICIENT_STORAGE, "storage-full", detail)
            }
            Error::Db(_) | Error::Internal(_) => {
                tracing::error!(error = %detail, "internal error");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; it has been logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry = match &self.0 {
            Error::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let unauth = matches!(self.0, Error::Unauthenticated);
        let mut r = Problem::from(self.0).into_response();
        if let Some(s) = retry {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if unauth {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

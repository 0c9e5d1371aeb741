//! Request extractors: who is calling, the JSON body, `If-Match`, and list queries —
//! each refusing bad input with a problem document that names what is wrong.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::Uri;
use axum::http::{HeaderValue, Method, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use uuid::Uuid;
use vitrine_collections::authority::Kind;
use vitrine_collections::query::ObjectQuery;
use vitrine_kernel::{Actor, Error};
use vitrine_search::request::SearchRequest;

use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "vitrine_session";

/// The caller: a bearer token, else a session cookie, else the public.
pub struct Caller(pub Actor);

/// The session secret of a request, if any.
pub fn session_secret(parts: &Parts) -> Option<String> {
    let cookies = parts.headers.get_all(header::COOKIE);
    cookies
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// Cookie-authenticated requests that change state must come from our own pages: a
/// browser says where a request comes from in `Sec-Fetch-Site` or `Origin`.
pub fn same_origin(parts: &Parts) -> bool {
    if let Some(site) = parts
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return matches!(site, "same-origin" | "none");
    }
    match (
        parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok()),
        parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, h)| h == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let st = AppState::from_ref(state);
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            let Some(token) = token else {
                return Err(
                    Error::BadRequest("Authorization must be `Bearer <token>`".into()).into(),
                );
            };
            return match st.accounts.resolve(token).await? {
                Some(p) => Ok(Caller(Actor::User(p))),
                None => Err(Error::Unauthenticated.into()),
            };
        }
        let Some(secret) = session_secret(parts) else {
            return Ok(Caller(Actor::Anonymous));
        };
        match st.accounts.resolve(&secret).await? {
            Some(p) => {
                let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
                if !safe && !same_origin(parts) {
                    return Err(Error::Forbidden("cross-site request refused".into()).into());
                }
                Ok(Caller(Actor::User(p)))
            }
            None => Ok(Caller(Actor::Anonymous)),
        }
    }
}

/// A signed-in caller, or 401 before anything else of the request is looked at: the
/// staff API checks who is asking before it reads a precondition or a body.
pub struct Staff(pub Actor);

impl<S> FromRequestParts<S> for Staff
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Caller::from_request_parts(parts, state).await? {
            Caller(Actor::Anonymous) => Err(Error::Unauthenticated.into()),
            Caller(actor) => Ok(Staff(actor)),
        }
    }
}

/// A JSON body, read strictly: the media type must be JSON, unknown fields and wrong
/// types are refused with the path of the field.
pub struct ApiJson<T>(pub T);

/// Parses JSON bytes, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let msg = inner.to_string();
        // The path already ends with an unknown field's own name; a syntax error is the
        // whole body's (its detail gives line and column).
        let field = if path == "." || inner.is_syntax() || inner.is_eof() {
            "body".to_owned()
        } else {
            path
        };
        let slug = if inner.is_syntax() || inner.is_eof() {
            "malformed-json"
        } else {
            "invalid-body"
        };
        Problem::new(axum::http::StatusCode::BAD_REQUEST, slug, msg).field(field)
    })
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let ctype = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media = ctype.split(';').next().unwrap_or("").trim();
        if media != "application/json" && media != "application/merge-patch+json" {
            return Err(Problem::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as application/json",
            )
            .field("Content-Type")
            .into_response());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rej| {
            let status = rej.status();
            let slug = if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                "body-too-large"
            } else {
                "unreadable-body"
            };
            Problem::new(status, slug, rej.body_text())
                .field("body")
                .into_response()
        })?;
        parse_json(&bytes)
            .map(ApiJson)
            .map_err(IntoResponse::into_response)
    }
}

/// What `If-Match` names: a version of the record (`"v3"`, `"3"` or `W/"v3"`), or `*` (any
/// current version, RFC 9110 §13.1.1). An entity tag in any other form is none this server
/// gave out, so it names version 0, which no record has: the write is refused with 412.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfMatch {
    /// This version.
    Version(i64),
    /// Whatever version the record has now.
    Any,
}

impl IfMatch {
    /// The version a write expects: the one named, or for `*` the record's current one
    /// (read by `current`, which also answers 404 when there is no record).
    pub async fn or_current(
        self,
        current: impl std::future::Future<Output = Result<i64, Error>>,
    ) -> Result<i64, Error> {
        match self {
            IfMatch::Version(v) => Ok(v),
            IfMatch::Any => current.await,
        }
    }
}

/// Formats a version as an entity tag.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// Reads an entity tag back into a version.
pub fn parse_etag(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let s = s.strip_prefix('"')?.strip_suffix('"')?;
    s.strip_prefix('v')
        .unwrap_or(s)
        .parse()
        .ok()
        .filter(|v| *v > 0)
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else {
            return Err(Error::PreconditionRequired(
                "send If-Match with the ETag you read, so a change by someone else is not overwritten".into(),
            )
            .into());
        };
        let v = v.to_str().unwrap_or("").trim();
        if v == "*" {
            return Ok(IfMatch::Any);
        }
        Ok(IfMatch::Version(parse_etag(v).unwrap_or(0)))
    }
}

/// Borrowed `(key, value)` pairs, as the domains' `from_pairs` parsers take them.
pub fn str_pairs(pairs: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

/// A record id from the path. Text that is not a UUID names no record: 404, as for an id
/// that names none.
pub fn parse_id(s: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(s).map_err(|_| Error::NotFound { what: "record" })
}

/// The authority kind a URL's plural names (`people`, `places`, `terms`, `locations`).
pub fn authority_kind(segment: &str) -> Result<Kind, Error> {
    Kind::from_segment(segment).ok_or(Error::NotFound { what: "route" })
}

/// A search request from the query string (`empty_q_is_browse`: no words lists everything).
pub fn search_request(uri: &Uri, empty_q_is_browse: bool) -> Result<SearchRequest, Error> {
    let pairs = query_pairs(uri.query()).map_err(Error::into_parameters)?;
    SearchRequest::from_pairs(&pairs, empty_q_is_browse)
}

/// A CSV document as a download named `filename`.
pub fn csv_attachment(body: Vec<u8>, filename: &str) -> Response {
    attachment(body, "text/csv; charset=utf-8", filename)
}

/// A file as a download: its media type, and its name cut to safe ASCII characters.
pub fn attachment(body: Vec<u8>, content_type: &str, filename: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Decoded `key=value` pairs of the query string. Bad percent-encoding or bytes that are
/// not UTF-8 are refused with the parameter's name (never decoded lossily).
pub fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for part in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let key = decode_component(k)
            .ok_or_else(|| Error::BadRequest("a query parameter name is not valid UTF-8".into()))?;
        let value = decode_component(v).ok_or_else(|| {
            Error::invalid(
                key.clone(),
                "invalid_encoding",
                "not valid percent-encoded UTF-8",
            )
        })?;
        out.push((key, value));
    }
    Ok(out)
}

fn decode_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The object list query of a request.
pub struct ListQuery(pub ObjectQuery);

impl<S: Send + Sync> FromRequestParts<S> for ListQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let pairs = query_pairs(parts.uri.query())?;
        Ok(ListQuery(ObjectQuery::from_pairs(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )?))
    }
}

/// A submitted HTML form as `(name, value)` pairs, in order.
pub struct FormPairs(pub Vec<(String, String)>);

impl FormPairs {
    /// The first value of a field (empty when absent).
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| Error::BadRequest(r.body_text()))?;
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map(FormPairs)
            .map_err(|e| Error::BadRequest(format!("unreadable form: {e}")).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode_strictly() {
        let p = query_pairs(Some("q=%E9%9D%92%E8%8A%B1+ping&limit=5&flag")).unwrap();
        assert_eq!(
            p,
            [
                ("q".into(), "青花 ping".into()),
                ("limit".into(), "5".into()),
                ("flag".into(), String::new())
            ]
        );
        for bad in ["q=%FF", "q=%E9%9D", "q=%G1", "q=%"] {
            assert!(query_pairs(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn etags_round_trip_and_reject_garbage() {
        assert_eq!(parse_etag(&etag(7)), Some(7));
        assert_eq!(parse_etag("W/\"v7\""), Some(7));
        assert_eq!(parse_etag("\"7\""), Some(7));
        for bad in ["7", "\"\"", "\"v-1\"", "*", "\"vx\""] {
            assert_eq!(parse_etag(bad), None, "{bad}");
        }
    }

    #[test]
    fn json_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct T {
            a: Inner,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Inner {
            n: i32,
        }
        assert_eq!(
            parse_json::<T>(br#"{"a":{"n":"x"}}"#)
                .unwrap_err()
                .field
                .as_deref(),
            Some("a.n")
        );
        assert_eq!(
            parse_json::<T>(br#"{"a":{"n":1,"m":2}}"#)
                .unwrap_err()
                .field
                .as_deref(),
            Some("a.m")
        );
        assert_eq!(
            parse_json::<T>(br#"{"b":1}"#).unwrap_err().field.as_deref(),
            Some("b")
        );
        assert_eq!(
            parse_json::<T>(b"{\"a\":").unwrap_err().kind,
            "https://vitrine.museum/problems/malformed-json"
        );
        assert!(parse_json::<T>(b"\xff\xfe").is_err());
    }
}

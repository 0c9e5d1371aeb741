//! `/iiif/3/...`: the IIIF Image API 3.0 (info.json, images, the base-URI redirect) and
//! Presentation 3.0 (object manifests, department collections). CORS on every answer
//! (errors too, by the layer in `lib.rs`), ETag/Last-Modified with 304, profile and
//! canonical Link headers, and ids built from the configured public base URL or the
//! request's forwarded host.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use uuid::Uuid;
use vitrine_kernel::Error;
use vitrine_media::iiif::encode_identifier;

use crate::extract::Caller;
use crate::problem::ApiResult;
use crate::state::AppState;

const PROFILE_LINK: &str = "<http://iiif.io/api/image/3/level2.json>;rel=\"profile\"";
const INFO_TYPE: &str = "application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"";
const PRESENTATION_TYPE: &str =
    "application/ld+json;profile=\"http://iiif.io/api/presentation/3/context.json\"";

/// The site's public base URL: configured, or from the forwarded or plain Host header.
pub fn base_url(st: &AppState, headers: &HeaderMap) -> String {
    if let Some(b) = &st.media.settings().public_base {
        return b.trim_end_matches('/').to_owned();
    }
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(',').next().unwrap_or("").trim())
    };
    let proto = h("x-forwarded-proto")
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    let host = h("x-forwarded-host")
        .or_else(|| h("host"))
        .filter(|v| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("{proto}://{host}")
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// True when the client's copy (If-None-Match / If-Modified-Since) is still good.
fn fresh(headers: &HeaderMap, etag: &str, modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

fn set(r: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

fn cache_headers(r: &mut Response, etag: &str, modified: DateTime<Utc>, private: bool) {
    set(r, header::ETAG, etag);
    set(r, header::LAST_MODIFIED, &http_date(modified));
    set(
        r,
        header::CACHE_CONTROL,
        if private {
            "private, max-age=3600"
        } else {
            "public, max-age=31536000"
        },
    );
    // Answers differ for staff and the public.
    set(r, header::VARY, "Cookie, Authorization");
}

fn not_modified(etag: &str, modified: DateTime<Utc>, private: bool) -> Response {
    let mut r = StatusCode::NOT_MODIFIED.into_response();
    cache_headers(&mut r, etag, modified, private);
    r
}

/// `GET /iiif/3/{identifier}` → 303 to its info.json.
pub async fn redirect(
    State(st): State<AppState>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
) -> Response {
    let to = format!(
        "{}/iiif/3/{}/info.json",
        base_url(&st, &headers),
        encode_identifier(&identifier)
    );
    let mut r = StatusCode::SEE_OTHER.into_response();
    set(&mut r, header::LOCATION, &to);
    r
}

/// `GET /iiif/3/{identifier}/info.json`.
pub async fn info(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(identifier): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let base = format!(
        "{}/iiif/3/{}",
        base_url(&st, &headers),
        encode_identifier(&identifier)
    );
    let info = st.media.info(&actor, &identifier, &base).await?;
    if fresh(&headers, &info.etag, info.updated_at) {
        return Ok(not_modified(&info.etag, info.updated_at, info.private));
    }
    // JSON-LD only for clients that ask for it; plain JSON otherwise (IIIF 3.0 § 5.1).
    let wants_ld = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/ld+json"));
    let mut r = Json(info.json).into_response();
    set(
        &mut r,
        header::CONTENT_TYPE,
        if wants_ld {
            INFO_TYPE
        } else {
            "application/json"
        },
    );
    set(&mut r, header::LINK, PROFILE_LINK);
    cache_headers(&mut r, &info.etag, info.updated_at, info.private);
    Ok(r)
}

/// `GET /iiif/3/{identifier}/{region}/{size}/{rotation}/{quality}.{format}`.
pub async fn image(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path((identifier, region, size, rotation, qf)): Path<(String, String, String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let img = st
        .media
        .image(&actor, &identifier, [&region, &size, &rotation, &qf])
        .await?;
    if fresh(&headers, &img.etag, img.updated_at) {
        return Ok(not_modified(&img.etag, img.updated_at, img.private));
    }
    let mut r = img.bytes.clone().into_response();
    set(&mut r, header::CONTENT_TYPE, img.mime);
    let canonical = format!(
        "{PROFILE_LINK}, <{}/iiif/3/{}/{}>;rel=\"canonical\"",
        base_url(&st, &headers),
        encode_identifier(&identifier),
        img.canonical
    );
    set(&mut r, header::LINK, &canonical);
    cache_headers(&mut r, &img.etag, img.updated_at, img.private);
    Ok(r)
}

/// `OPTIONS` on any IIIF path: the CORS preflight.
pub async fn preflight(headers: HeaderMap) -> Response {
    let mut r = StatusCode::NO_CONTENT.into_response();
    set(
        &mut r,
        header::ACCESS_CONTROL_ALLOW_METHODS,
        "GET, HEAD, OPTIONS",
    );
    let asked = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Accept, If-None-Match, If-Modified-Since, Authorization")
        .to_owned();
    set(&mut r, header::ACCESS_CONTROL_ALLOW_HEADERS, &asked);
    set(&mut r, header::ACCESS_CONTROL_MAX_AGE, "86400");
    r
}

fn presentation(doc: serde_json::Value) -> Response {
    let mut r = Json(doc).into_response();
    set(&mut r, header::CONTENT_TYPE, PRESENTATION_TYPE);
    set(&mut r, header::CACHE_CONTROL, "public, max-age=300");
    r
}

/// `GET /iiif/3/manifest/{object id}`: the object's IIIF Presentation 3.0 manifest.
pub async fn manifest(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id: Uuid = id
        .parse()
        .map_err(|_| Error::NotFound { what: "manifest" })?;
    Ok(presentation(
        st.media.manifest(&base_url(&st, &headers), id).await?,
    ))
}

/// `GET /iiif/3/collection/{department}` (`top` lists the departments).
pub async fn collection(
    State(st): State<AppState>,
    Path(dept): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    Ok(presentation(
        st.media.collection(&base_url(&st, &headers), &dept).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_keep_their_slashes_inside() {
        assert_eq!(
            encode_identifier("scrolls/qingming:1"),
            "scrolls%2Fqingming%3A1"
        );
    }

    #[test]
    fn conditional_requests() {
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").map(|d| d.with_timezone(&Utc));
        let Ok(t) = t else { return };
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", \"b\""),
        );
        assert!(fresh(&h, "\"b\"", t));
        assert!(!fresh(&h, "\"c\"", t));
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Fri, 02 Jan 2026 03:04:05 GMT"),
        );
        assert!(fresh(&h, "\"x\"", t));
        assert_eq!(http_date(t), "Fri, 02 Jan 2026 03:04:05 GMT");
    }
}

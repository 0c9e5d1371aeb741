//! `/api/v1/{people|places|terms|locations}`: the authorities.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vitrine_collections::AuthorityPage;
use vitrine_collections::authority::{Authority, AuthorityInput, Kind};
use vitrine_collections::query::AuthorityQuery;
use vitrine_kernel::Error;
use vitrine_kernel::audit::HistoryEntry;

use crate::api::parse_id;
use crate::extract::{ApiJson, Caller, IfMatch, etag, query_pairs};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// URL segment of each kind.
pub const SEGMENTS: [(&str, Kind); 4] = [
    ("people", Kind::Agent),
    ("places", Kind::Place),
    ("terms", Kind::Term),
    ("locations", Kind::Location),
];

/// The kind named by a URL segment.
pub fn kind_of(segment: &str) -> Result<Kind, Error> {
    SEGMENTS
        .iter()
        .find(|(s, _)| *s == segment)
        .map(|(_, k)| *k)
        .ok_or(Error::NotFound { what: "route" })
}

/// The URL segment of a kind.
pub fn segment_of(kind: Kind) -> &'static str {
    SEGMENTS
        .iter()
        .find(|(_, k)| *k == kind)
        .map(|(s, _)| *s)
        .unwrap_or("terms")
}

fn with_etag(status: StatusCode, a: Authority) -> Response {
    let tag = etag(a.version);
    let mut r = (status, Json(a)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// Lists or searches authorities of a kind, in order of their names.
#[utoipa::path(get, path = "/api/v1/{kind}", tag = "authorities",
    params(("kind" = String, Path, description = "people, places, terms or locations"),
           ("q" = Option<String>, Query, description = "words every name must contain (any language, variants too)"),
           ("vocabulary" = Option<String>, Query), ("updated_since" = Option<String>, Query, description = "RFC 3339 instant"),
           ("limit" = Option<u64>, Query, description = "1–200, default 50"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = AuthorityPage), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(kind): Path<String>,
    uri: axum::http::Uri,
) -> ApiResult<Json<AuthorityPage>> {
    let kind = kind_of(&kind)?;
    let pairs = query_pairs(uri.query())?;
    let q = AuthorityQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(Json(
        st.collections.search_authorities(&actor, kind, &q).await?,
    ))
}

/// Creates an authority.
#[utoipa::path(post, path = "/api/v1/{kind}", tag = "authorities", request_body = AuthorityInput,
    params(("kind" = String, Path)),
    responses((status = 201, body = Authority), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(kind): Path<String>,
    ApiJson(input): ApiJson<AuthorityInput>,
) -> ApiResult<Response> {
    let kind = kind_of(&kind)?;
    let a = st.collections.create_authority(&actor, kind, input).await?;
    let loc = format!("/api/v1/{}/{}", segment_of(kind), a.id);
    let mut r = with_etag(StatusCode::CREATED, a);
    if let Ok(v) = HeaderValue::from_str(&loc) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Reads an authority.
#[utoipa::path(get, path = "/api/v1/{kind}/{id}", tag = "authorities",
    params(("kind" = String, Path), ("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Authority), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(with_etag(
        StatusCode::OK,
        st.collections
            .get_authority(&actor, kind_of(&kind)?, parse_id(&id)?)
            .await?,
    ))
}

/// Replaces an authority; `If-Match` required.
#[utoipa::path(put, path = "/api/v1/{kind}/{id}", tag = "authorities", request_body = AuthorityInput,
    params(("kind" = String, Path), ("id" = uuid::Uuid, Path), ("If-Match" = String, Header)),
    responses((status = 200, body = Authority), (status = 412, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
pub async fn put(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path((kind, id)): Path<(String, String)>,
    IfMatch(v): IfMatch,
    ApiJson(input): ApiJson<AuthorityInput>,
) -> ApiResult<Response> {
    let a = st
        .collections
        .update_authority(&actor, kind_of(&kind)?, parse_id(&id)?, v, input)
        .await?;
    Ok(with_etag(StatusCode::OK, a))
}

/// Withdraws an authority nothing refers to; `If-Match` required.
#[utoipa::path(delete, path = "/api/v1/{kind}/{id}", tag = "authorities",
    params(("kind" = String, Path), ("id" = uuid::Uuid, Path), ("If-Match" = String, Header)),
    responses((status = 204), (status = 409, body = Problem), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path((kind, id)): Path<(String, String)>,
    IfMatch(v): IfMatch,
) -> ApiResult<StatusCode> {
    st.collections
        .delete_authority(&actor, kind_of(&kind)?, parse_id(&id)?, v)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An authority's history.
#[utoipa::path(get, path = "/api/v1/{kind}/{id}/history", tag = "authorities",
    params(("kind" = String, Path), ("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<HistoryEntry>)),
    security(("bearer" = [])))]
pub async fn history(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(
        st.collections
            .authority_history(&actor, kind_of(&kind)?, parse_id(&id)?)
            .await?,
    ))
}

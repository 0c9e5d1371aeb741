//! `/api/v1/{people|places|terms|locations}`: the authorities.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vitrine_collections::AuthorityPage;
use vitrine_collections::authority::{Authority, AuthorityInput};
use vitrine_collections::query::AuthorityQuery;
use vitrine_kernel::audit::HistoryEntry;

use crate::extract::{ApiJson, IfMatch, Staff, authority_kind, etag, parse_id, query_pairs};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

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
    Staff(actor): Staff,
    Path(kind): Path<String>,
    uri: axum::http::Uri,
) -> ApiResult<Json<AuthorityPage>> {
    let kind = authority_kind(&kind)?;
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
    Staff(actor): Staff,
    Path(kind): Path<String>,
    ApiJson(input): ApiJson<AuthorityInput>,
) -> ApiResult<Response> {
    let kind = authority_kind(&kind)?;
    let a = st.collections.create_authority(&actor, kind, input).await?;
    let loc = format!("/api/v1/{}/{}", kind.segment(), a.id);
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
    Staff(actor): Staff,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(with_etag(
        StatusCode::OK,
        st.collections
            .get_authority(&actor, authority_kind(&kind)?, parse_id(&id)?)
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
    Staff(actor): Staff,
    Path((kind, id)): Path<(String, String)>,
    im: IfMatch,
    ApiJson(input): ApiJson<AuthorityInput>,
) -> ApiResult<Response> {
    let (kind, id) = (authority_kind(&kind)?, parse_id(&id)?);
    let c = &st.collections;
    let v = im
        .or_current(async { Ok(c.get_authority(&actor, kind, id).await?.version) })
        .await?;
    let a = c.update_authority(&actor, kind, id, v, input).await?;
    Ok(with_etag(StatusCode::OK, a))
}

/// Withdraws an authority nothing refers to; `If-Match` required.
#[utoipa::path(delete, path = "/api/v1/{kind}/{id}", tag = "authorities",
    params(("kind" = String, Path), ("id" = uuid::Uuid, Path), ("If-Match" = String, Header)),
    responses((status = 204), (status = 409, body = Problem), (status = 412, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path((kind, id)): Path<(String, String)>,
    im: IfMatch,
) -> ApiResult<StatusCode> {
    let (kind, id) = (authority_kind(&kind)?, parse_id(&id)?);
    let c = &st.collections;
    let v = im
        .or_current(async { Ok(c.get_authority(&actor, kind, id).await?.version) })
        .await?;
    c.delete_authority(&actor, kind, id, v).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An authority's history.
#[utoipa::path(get, path = "/api/v1/{kind}/{id}/history", tag = "authorities",
    params(("kind" = String, Path), ("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<HistoryEntry>)),
    security(("bearer" = [])))]
pub async fn history(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(
        st.collections
            .authority_history(&actor, authority_kind(&kind)?, parse_id(&id)?)
            .await?,
    ))
}
